//! Handlers: thin translations between HTTP and the domain/store.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Json};
use bankid_api::types::{
    BankInfo, ConsentField, JournalEntry, RegistrationStarted, RegistrationState,
    RegistrationStatus, Reverify, SignInStarted, StartRegistration, StartSignIn, CONSENT_VERSION,
};
use bankid_api::validate::normalize_phone;
use bankid_api::ErrorCode;
use serde::Deserialize;

use crate::config::BankConfig;
use crate::crypto::{keyed_hash, pkce_challenge, sha256_b64url, token};
use crate::domain;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::oidc::{self, AuthRequest, RpError};
use crate::store::{
    Completed, Completion, NewAccount, NewRegistration, Outcome, StoreError, TakeFlow,
};
use crate::web::{cookie, cookie_name, set_cookie, Ctx};
use crate::AppState;

/// A pending bank round trip expires after this.
pub const FLOW_TTL_MS: i64 = 10 * 60 * 1000;
pub const BROWSER_COOKIE: &str = "bp_browser";
const BROWSER_COOKIE_SECS: i64 = 24 * 3600;
pub const SESSION_COOKIE: &str = "bp_session";
const SESSION_COOKIE_SECS: i64 = 12 * 3600;
/// What the portal uses the bank's data for (recorded with every transfer).
pub const PURPOSE: &str = "registration: create and confirm a portal account";

fn bank_info(b: &BankConfig) -> BankInfo {
    BankInfo {
        id: b.id.clone(),
        name: b.name.clone(),
        country: b.country,
        logo: b.logo.clone(),
        color: b.color.clone(),
        workable: b.workable,
        capabilities: b.capabilities.clone(),
    }
}

/// The browser-binding cookie of the request, or a new one to set. The SPA's first call (the bank
/// list) gets it, so that retried POSTs can be recognised by their `Idempotency-Key`.
pub fn browser_cookie(app: &AppState, headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    let secure = app.config.secure_cookies();
    let name = cookie_name(BROWSER_COOKIE, secure);
    match cookie(headers, &name).filter(|v| v.len() == 43) {
        Some(v) => (v, None),
        None => {
            let v = token(app.rng.as_ref(), 32);
            let set =
                HeaderValue::from_str(&set_cookie(&name, &v, BROWSER_COOKIE_SECS, secure)).ok();
            (v, set)
        }
    }
}

pub async fn list_banks(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let (_, set) = browser_cookie(&app, &headers);
    let mut resp = Json(app.config.banks.iter().map(bank_info).collect::<Vec<_>>()).into_response();
    if let Some(v) = set {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

pub async fn health(State(app): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    sqlx::query("SELECT 1").execute(app.store.pool()).await?;
    Ok(Json(serde_json::json!({"status": "ok"})))
}

pub async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("../openapi.json"),
    )
        .into_response()
}

pub fn scope_for(country: bankid_api::types::Country) -> &'static str {
    match country {
        bankid_api::types::Country::Ru => {
            "openid profile phone email passport inn snils bank_activity"
        }
        bankid_api::types::Country::Ua => "openid profile phone email passport inn bank_activity",
    }
}

pub fn consent_fields(country: bankid_api::types::Country) -> String {
    let names: Vec<String> = ConsentField::requested(country)
        .iter()
        .filter_map(|f| serde_json::to_value(f).ok())
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    names.join(",")
}

/// `POST /api/v1/registrations`: validates everything, asks the bank's discovery for its endpoints,
/// then writes the registration and its pending flow, and answers with the bank URL.
pub async fn start_registration(
    State(app): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<StartRegistration>,
) -> Result<Response, ApiError> {
    let mut fields = BTreeMap::new();
    let bank = app.config.bank(req.bank_id.trim());
    if bank.is_none() {
        fields.insert(
            "bank_id".to_string(),
            if req.bank_id.trim().is_empty() {
                ErrorCode::FieldRequired
            } else {
                ErrorCode::FieldBankUnknown
            },
        );
    }
    let phone = normalize_phone(&req.phone)
        .map_err(|code| fields.insert("phone".to_string(), code))
        .ok();
    check_consent(&req.consent, &mut fields);
    let (Some(bank), Some(phone), true) = (bank, phone, fields.is_empty()) else {
        return Err(ApiError::fields(fields));
    };
    let lang = req.lang.unwrap_or(ctx.lang);
    let BankRequest {
        authorize_url,
        state,
        nonce,
        verifier,
    } = bank_request(&app, bank, scope_for(bank.country), lang).await?;
    let id = token(app.rng.as_ref(), 16);

    let (browser, set_browser) = browser_cookie(&app, &headers);
    app.store
        .start_registration(&NewRegistration {
            id: &id,
            bank_id: &bank.id,
            phone: &phone,
            browser_hash: &sha256_b64url(browser.as_bytes()),
            consent_version: CONSENT_VERSION,
            lang: lang.tag(),
            trace_id: &ctx.trace_id,
            state_hash: &sha256_b64url(state.as_bytes()),
            nonce: &nonce,
            pkce_verifier: &verifier,
            flow_ttl_ms: FLOW_TTL_MS,
            now: app.now_ms(),
        })
        .await?;
    let mut resp = (
        StatusCode::CREATED,
        Json(RegistrationStarted {
            registration_id: id,
            authorize_url,
        }),
    )
        .into_response();
    if let Some(v) = set_browser {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}

/// One authorization request to a bank: fresh state, nonce and PKCE verifier (the caller keeps
/// them server-side) and the URL to send the browser to.
pub struct BankRequest {
    pub authorize_url: String,
    pub state: String,
    pub nonce: String,
    pub verifier: String,
}

pub async fn bank_request(
    app: &AppState,
    bank: &BankConfig,
    scope: &str,
    lang: bankid_api::Lang,
) -> Result<BankRequest, ApiError> {
    if !bank.workable {
        return Err(ApiError::new(ErrorCode::BankUnavailable));
    }
    let meta = app.rp.metadata(bank).await.map_err(bank_error)?;
    let rng = app.rng.as_ref();
    let (state, nonce, verifier) = (token(rng, 32), token(rng, 32), token(rng, 32));
    let authorize_url = oidc::authorize_url(
        &meta,
        &AuthRequest {
            client_id: &bank.client_id,
            redirect_uri: &app.config.redirect_uri(),
            scope,
            state: &state,
            nonce: &nonce,
            code_challenge: &pkce_challenge(&verifier),
            ui_locales: lang.tag(),
        },
    )
    .map_err(bank_error)?;
    Ok(BankRequest {
        authorize_url,
        state,
        nonce,
        verifier,
    })
}

fn bank_error(e: RpError) -> ApiError {
    let code = match &e {
        RpError::Unreachable(_) => ErrorCode::BankUnreachable,
        _ => ErrorCode::BankError,
    };
    ApiError::new(code).detail(e.to_string())
}

#[derive(Debug, Deserialize)]
pub struct CallbackParams {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    iss: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

pub fn to_return_page(code: ErrorCode, trace_id: &str) -> Response {
    let mut url = String::from("/return?");
    url.push_str(
        &url::form_urlencoded::Serializer::new(String::new())
            .append_pair("error", code.as_str())
            .append_pair("trace_id", trace_id)
            .finish(),
    );
    Redirect::to(&url).into_response()
}

/// `GET /auth/callback`: the browser comes back from the bank. Checks state (same browser, once,
/// unexpired), `iss` (RFC 9207), then exchanges the code and verifies the ID token; the outcome is
/// written in one transaction. Always answers with a redirect to a page of the SPA.
pub async fn auth_callback(
    State(app): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    Query(p): Query<CallbackParams>,
) -> Response {
    let now = app.now_ms();
    let secure = app.config.secure_cookies();
    let Some(state) = p
        .state
        .as_deref()
        .filter(|s| !s.is_empty() && s.len() <= 128)
    else {
        return to_return_page(ErrorCode::AuthStateInvalid, &ctx.trace_id);
    };
    let browser =
        cookie(&headers, &cookie_name(BROWSER_COOKIE, secure)).map(|b| sha256_b64url(b.as_bytes()));
    let flow = match app
        .store
        .take_flow(&sha256_b64url(state.as_bytes()), browser.as_deref(), now)
        .await
    {
        Ok(TakeFlow::Taken(flow)) => flow,
        Ok(TakeFlow::Invalid) => return to_return_page(ErrorCode::AuthStateInvalid, &ctx.trace_id),
        Ok(TakeFlow::OtherBrowser) => {
            return to_return_page(ErrorCode::AuthFlowMismatch, &ctx.trace_id)
        }
        Err(e) => {
            tracing::error!(error = %e, "callback: store");
            return to_return_page(ErrorCode::ServiceUnavailable, &ctx.trace_id);
        }
    };
    if flow.purpose == "signin" {
        return sign_in_callback(&app, &ctx, &flow, &p, now).await;
    }
    if flow.purpose == "link" {
        return crate::links::link_callback(&app, &ctx, &flow, &p, now).await;
    }
    let Some(registration_id) = flow.registration_id.clone() else {
        return to_return_page(ErrorCode::AuthStateInvalid, &ctx.trace_id);
    };
    let status_page = format!("/registration/{registration_id}");
    let fail = |code: ErrorCode, upstream: Option<String>| {
        let app = app.clone();
        let reg = registration_id.clone();
        let trace = ctx.trace_id.clone();
        let page = status_page.clone();
        async move {
            tracing::info!(code = %code, upstream = upstream.as_deref().unwrap_or(""), "registration failed");
            if let Err(e) = app
                .store
                .fail_registration(&reg, code.as_str(), upstream.as_deref(), &trace, now)
                .await
            {
                tracing::error!(error = %e, "callback: store");
                return to_return_page(ErrorCode::ServiceUnavailable, &trace);
            }
            Redirect::to(&page).into_response()
        }
    };
    let Some(bank) = app.config.bank(&flow.bank_id) else {
        return fail(ErrorCode::BankUnavailable, None).await;
    };
    let claims = match bank_exchange(&app, bank, &flow, &p, now).await {
        Ok(c) => c,
        Err((code, upstream)) => return fail(code, upstream).await,
    };
    let Some(registration_phone) = flow.phone.clone() else {
        return fail(ErrorCode::Internal, None).await;
    };

    let today = app.clock.now().date();
    let verdict = domain::evaluate(&claims, bank.country, &registration_phone, today);
    let session = token(app.rng.as_ref(), 32);
    let session_hash = sha256_b64url(session.as_bytes());
    let account_id = token(app.rng.as_ref(), 16);
    let country = match bank.country {
        bankid_api::types::Country::Ru => "RU",
        bankid_api::types::Country::Ua => "UA",
    };
    let fields = consent_fields(bank.country);
    let (outcome, person_key, birthdate, sealed);
    match &verdict {
        Ok(person) => {
            person_key = keyed_hash(&app.pepper, &format!("{country}|{}", person.tax_id));
            birthdate = person.birthdate.to_string();
            let ids = serde_json::json!({
                "passport": person.passport,
                "tax_id": person.tax_id,
                "snils": person.snils,
            });
            sealed = match app
                .vault
                .seal(app.rng.as_ref(), &account_id, ids.to_string().as_bytes())
            {
                Ok(s) => s,
                Err(e) => {
                    tracing::error!(error = %e, "callback: seal");
                    return fail(ErrorCode::Internal, None).await;
                }
            };
            outcome = Outcome::Accepted(NewAccount {
                new_account_id: &account_id,
                person_key: &person_key,
                country,
                family_name: &person.family_name,
                given_name: &person.given_name,
                middle_name: person.middle_name.as_deref(),
                birthdate: &birthdate,
                phone: &person.phone,
                email: person.email.as_deref(),
                subject: &claims.sub,
                session_hash: &session_hash,
                sealed_ids: (&sealed.0, &sealed.1),
            });
        }
        Err(refusal) => {
            outcome = Outcome::Rejected {
                reason: refusal.code.as_str(),
                claim: refusal.claim,
            }
        }
    }
    let done = app
        .store
        .complete_registration(&Completion {
            registration_id: &registration_id,
            bank_id: &bank.id,
            trace_id: &ctx.trace_id,
            consent_fields: &fields,
            consent_purpose: PURPOSE,
            consent_version: CONSENT_VERSION,
            outcome,
            now,
        })
        .await;
    match done {
        Ok(Completed::Rejected) => {
            tracing::info!(
                reason = verdict.err().map(|r| r.code.as_str()).unwrap_or(""),
                "registration rejected"
            );
            Redirect::to(&status_page).into_response()
        }
        Ok(Completed::Account { existed, .. }) => {
            tracing::info!(existed, "registration accepted");
            let mut resp = Redirect::to(&status_page).into_response();
            let name = cookie_name(SESSION_COOKIE, secure);
            if let Ok(v) =
                HeaderValue::from_str(&set_cookie(&name, &session, SESSION_COOKIE_SECS, secure))
            {
                resp.headers_mut().append(header::SET_COOKIE, v);
            }
            resp
        }
        Err(StoreError::Retired) => {
            fail(ErrorCode::AuthBankNotLinked, Some("link_retired".into())).await
        }
        Err(StoreError::SubjectConflict) => {
            fail(ErrorCode::BankError, Some("subject_conflict".into())).await
        }
        Err(StoreError::Db(e)) => {
            tracing::error!(error = %e, "callback: store");
            fail(ErrorCode::ServiceUnavailable, None).await
        }
    }
}

/// The bank part of every callback: `iss` (RFC 9207), the bank's error, then the code exchange
/// and ID-token verification. Errors come back as the code for the citizen and the bank's own
/// detail for the journal.
pub async fn bank_exchange(
    app: &AppState,
    bank: &BankConfig,
    flow: &crate::store::FlowRow,
    p: &CallbackParams,
    now: i64,
) -> Result<crate::oidc::IdClaims, (ErrorCode, Option<String>)> {
    let meta = app
        .rp
        .metadata(bank)
        .await
        .map_err(|e| (bank_error(e).code, Some("discovery".to_string())))?;
    match p.iss.as_deref() {
        Some(iss) if iss != meta.issuer => {
            return Err((ErrorCode::AuthIssMismatch, Some("iss".into())))
        }
        None if meta.authorization_response_iss_parameter_supported => {
            return Err((ErrorCode::AuthIssMismatch, Some("iss_missing".into())))
        }
        _ => {}
    }
    if let Some(err) = p.error.as_deref() {
        let code = if err == "access_denied" {
            ErrorCode::BankLoginCancelled
        } else {
            ErrorCode::BankError
        };
        return Err((code, Some(oidc::sanitize(err))));
    }
    let code = p
        .code
        .as_deref()
        .filter(|c| !c.is_empty() && c.len() <= 512)
        .ok_or((ErrorCode::BankError, Some("missing_code".to_string())))?;
    let secret = bank.secret().map_err(|e| {
        tracing::error!(error = %e, "callback: bank secret");
        (ErrorCode::Internal, None)
    })?;
    app.rp
        .exchange(
            bank,
            &secret,
            &app.config.redirect_uri(),
            code,
            &flow.pkce_verifier,
            &flow.nonce,
            now / 1000,
        )
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "callback: bank exchange");
            let code = match &e {
                RpError::Unreachable(_) => ErrorCode::BankUnreachable,
                RpError::IdToken(_) => ErrorCode::AuthIdTokenInvalid,
                _ => ErrorCode::BankError,
            };
            (code, Some(e.upstream()))
        })
}

/// `POST /api/v1/sessions`: sign in again through a bank linked to the account.
///
/// An optional `return_to` (checked with [`bankid_api::routes::is_return_path`], refused as
/// `FIELD_RETURN_PATH`) is kept with the flow; see `sign_in_callback` for where the bank's
/// callback then goes.
pub async fn start_sign_in(
    State(app): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<StartSignIn>,
) -> Result<Response, ApiError> {
    let bank = app.config.bank(req.bank_id.trim()).ok_or_else(|| {
        ApiError::field(
            "bank_id",
            if req.bank_id.trim().is_empty() {
                ErrorCode::FieldRequired
            } else {
                ErrorCode::FieldBankUnknown
            },
        )
    })?;
    if req
        .return_to
        .as_deref()
        .is_some_and(|p| !bankid_api::routes::is_return_path(p))
    {
        return Err(ApiError::field("return_to", ErrorCode::FieldReturnPath));
    }
    let lang = req.lang.unwrap_or(ctx.lang);
    // Sign-in needs only what identifies the person.
    let BankRequest {
        authorize_url,
        state,
        nonce,
        verifier,
    } = bank_request(&app, bank, "openid inn", lang).await?;
    let (browser, set_browser) = browser_cookie(&app, &headers);
    let now = app.now_ms();
    app.store
        .start_signin_flow(
            &sha256_b64url(state.as_bytes()),
            &sha256_b64url(browser.as_bytes()),
            &bank.id,
            &nonce,
            &verifier,
            req.return_to.as_deref(),
            now,
            now + FLOW_TTL_MS,
        )
        .await?;
    let mut resp = (StatusCode::CREATED, Json(SignInStarted { authorize_url })).into_response();
    if let Some(v) = set_browser {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}

/// The callback of a sign-in: the bank's subject must be linked (not retired) to an account.
/// With two-factor on, the new session waits for a code.
///
/// Redirects to:
/// - with the flow's `return_to` page: the page itself, or, while the second factor is pending,
///   `/signin/second-factor?return_to={page}` (the page is restricted to `[a-z0-9/-]`, so it
///   needs no encoding), from where the SPA goes on to it after the code;
/// - without one: `/signin/second-factor` while the second factor is pending, else the status
///   page `/registration/{id}` (or `/`).
async fn sign_in_callback(
    app: &AppState,
    ctx: &Ctx,
    flow: &crate::store::FlowRow,
    p: &CallbackParams,
    now: i64,
) -> Response {
    let Some(bank) = app.config.bank(&flow.bank_id) else {
        return to_return_page(ErrorCode::BankUnavailable, &ctx.trace_id);
    };
    let claims = match bank_exchange(app, bank, flow, p, now).await {
        Ok(c) => c,
        Err((code, upstream)) => {
            tracing::info!(code = %code, upstream = upstream.as_deref().unwrap_or(""), "sign-in failed");
            return to_return_page(code, &ctx.trace_id);
        }
    };
    let person_key = domain::tax_id(&claims, bank.country).map(|t| {
        let country = match bank.country {
            bankid_api::types::Country::Ru => "RU",
            bankid_api::types::Country::Ua => "UA",
        };
        keyed_hash(&app.pepper, &format!("{country}|{t}"))
    });
    let session = token(app.rng.as_ref(), 32);
    let found = app
        .store
        .sign_in(
            &bank.id,
            &claims.sub,
            person_key.as_deref(),
            &sha256_b64url(session.as_bytes()),
            now,
            &ctx.trace_id,
        )
        .await;
    match found {
        Ok(crate::store::SignIn::Session {
            mfa_pending,
            registration_id,
        }) => {
            // A re-authentication asked for by a page goes back there (through the second
            // factor when it is on); a plain sign-in goes to the status page.
            let back = flow
                .return_to
                .as_deref()
                .filter(|p| bankid_api::routes::is_return_path(p));
            let target = match (mfa_pending, back) {
                (true, Some(page)) => format!("/signin/second-factor?return_to={page}"),
                (true, None) => "/signin/second-factor".to_string(),
                (false, Some(page)) => page.to_string(),
                (false, None) => registration_id
                    .map(|r| format!("/registration/{r}"))
                    .unwrap_or_else(|| "/".into()),
            };
            let mut resp = Redirect::to(&target).into_response();
            let secure = app.config.secure_cookies();
            let name = cookie_name(SESSION_COOKIE, secure);
            if let Ok(v) =
                HeaderValue::from_str(&set_cookie(&name, &session, SESSION_COOKIE_SECS, secure))
            {
                resp.headers_mut().append(header::SET_COOKIE, v);
            }
            resp
        }
        Ok(crate::store::SignIn::ConsentWithdrawn) => {
            to_return_page(ErrorCode::ConsentWithdrawn, &ctx.trace_id)
        }
        Ok(crate::store::SignIn::NotLinked) => {
            to_return_page(ErrorCode::AuthBankNotLinked, &ctx.trace_id)
        }
        Ok(crate::store::SignIn::NoAccount) => {
            to_return_page(ErrorCode::AuthNoAccount, &ctx.trace_id)
        }
        Err(e) => {
            tracing::error!(error = %e, "sign-in: store");
            to_return_page(ErrorCode::ServiceUnavailable, &ctx.trace_id)
        }
    }
}

/// `POST /api/v1/registrations/{id}/reverify`: back to the bank after a rejection or failure.
pub async fn reverify(
    State(app): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<Reverify>,
) -> Result<Response, ApiError> {
    let secure = app.config.secure_cookies();
    let browser = cookie(&headers, &cookie_name(BROWSER_COOKIE, secure))
        .ok_or(ApiError::new(ErrorCode::AuthSessionRequired))?;
    let row = if valid_id(&id) {
        app.store.registration(&id).await?
    } else {
        None
    };
    let row = row
        .filter(|r| {
            bool::from(subtle::ConstantTimeEq::ct_eq(
                sha256_b64url(browser.as_bytes()).as_bytes(),
                r.browser_hash.as_bytes(),
            ))
        })
        .ok_or(ApiError::new(ErrorCode::ReqNotFound))?;
    let mut fields = BTreeMap::new();
    let phone = match req.phone.as_deref() {
        Some(p) => normalize_phone(p)
            .map_err(|c| fields.insert("phone".to_string(), c))
            .ok(),
        None => Some(row.phone.clone()),
    };
    check_consent(&req.consent, &mut fields);
    let (Some(phone), true) = (phone, fields.is_empty()) else {
        return Err(ApiError::fields(fields));
    };
    let bank = app
        .config
        .bank(&row.bank_id)
        .ok_or(ApiError::new(ErrorCode::BankUnavailable))?;
    let lang = req.lang.unwrap_or(ctx.lang);
    let BankRequest {
        authorize_url,
        state,
        nonce,
        verifier,
    } = bank_request(&app, bank, scope_for(bank.country), lang).await?;
    let ok = app
        .store
        .reverify(
            &row.id,
            &phone,
            &sha256_b64url(state.as_bytes()),
            &nonce,
            &verifier,
            app.now_ms(),
            FLOW_TTL_MS,
            &ctx.trace_id,
        )
        .await?;
    if !ok {
        return Err(ApiError::new(ErrorCode::RegNotRetryable));
    }
    Ok(Json(RegistrationStarted {
        registration_id: row.id,
        authorize_url,
    })
    .into_response())
}

/// The consent rules every bank round trip shares: given, and to the text version shown.
pub fn check_consent(
    consent: &bankid_api::types::ConsentAcceptance,
    fields: &mut BTreeMap<String, ErrorCode>,
) {
    if !consent.accepted {
        fields.insert(
            "consent.accepted".to_string(),
            ErrorCode::FieldConsentRequired,
        );
    } else if consent.version != CONSENT_VERSION {
        fields.insert(
            "consent.version".to_string(),
            ErrorCode::FieldConsentVersion,
        );
    }
}

fn valid_id(id: &str) -> bool {
    (16..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `GET /api/v1/registrations/{id}`: for the browser that started it or the account's session.
pub async fn registration_status(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<RegistrationStatus>, ApiError> {
    let secure = app.config.secure_cookies();
    let browser = cookie(&headers, &cookie_name(BROWSER_COOKIE, secure));
    let session = cookie(&headers, &cookie_name(SESSION_COOKIE, secure));
    if browser.is_none() && session.is_none() {
        return Err(ApiError::new(ErrorCode::AuthSessionRequired));
    }
    if !valid_id(&id) {
        return Err(ApiError::new(ErrorCode::ReqNotFound));
    }
    let row = app
        .store
        .registration(&id)
        .await?
        .ok_or(ApiError::new(ErrorCode::ReqNotFound))?;
    let by_browser = browser.is_some_and(|b| {
        subtle::ConstantTimeEq::ct_eq(
            sha256_b64url(b.as_bytes()).as_bytes(),
            row.browser_hash.as_bytes(),
        )
        .into()
    });
    let by_session = match (&session, &row.account_id) {
        (Some(s), Some(account)) => {
            app.store
                .session_account(&sha256_b64url(s.as_bytes()), app.now_ms())
                .await?
                .as_deref()
                == Some(account.as_str())
        }
        _ => false,
    };
    if !by_browser && !by_session {
        return Err(ApiError::new(ErrorCode::ReqNotFound));
    }
    let journal = app.store.journal(&row.id).await?;
    let state = match (row.state.as_str(), row.account_state.as_deref()) {
        ("pending_confirmation", Some("active")) => RegistrationState::Active,
        ("awaiting_bank", _) => RegistrationState::AwaitingBank,
        ("pending_confirmation", _) => RegistrationState::PendingConfirmation,
        ("rejected", _) => RegistrationState::Rejected,
        ("failed", _) => RegistrationState::Failed,
        (other, _) => {
            return Err(ApiError::internal(format!(
                "unknown registration state {other}"
            )))
        }
    };
    Ok(Json(RegistrationStatus {
        registration_id: row.id,
        request_number: request_number(row.created_at, row.request_number),
        bank_id: row.bank_id,
        state,
        reason: row.reason.as_deref().and_then(ErrorCode::parse),
        trace_id: row.trace_id,
        created_at: rfc3339(row.created_at),
        display_name: row.display_name,
        journal: journal
            .into_iter()
            .map(|j| JournalEntry {
                at: rfc3339(j.at),
                code: j.code,
                upstream: j.upstream,
            })
            .collect(),
    }))
}

/// `R-2026-000123`.
pub fn request_number(created_ms: i64, n: i64) -> String {
    let year = time::OffsetDateTime::from_unix_timestamp(created_ms / 1000)
        .map(|t| t.year())
        .unwrap_or(1970);
    format!("R-{year}-{n:06}")
}

pub fn rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// Fallback for unknown API paths.
pub async fn api_not_found() -> ApiError {
    ApiError::new(ErrorCode::ReqNotFound)
}

pub async fn api_method_not_allowed() -> ApiError {
    ApiError::new(ErrorCode::ReqMethodNotAllowed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_numbers_and_times() {
        assert_eq!(request_number(1_795_000_000_000, 42), "R-2026-000042");
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn consent_fields_are_wire_names() {
        assert_eq!(
            consent_fields(bankid_api::types::Country::Ua),
            "full_name,birth_date,passport,tax_id,phone,email,bank_activity"
        );
    }
}
