//! Registration through a bank: start (validated input, then the bank flow), re-verification
//! after a refusal, the callback's registration part, and the status page's data.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::header::{self, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use bankid_api::types::{
    ConsentField, JournalEntry, RegistrationStarted, RegistrationState, RegistrationStatus,
    Reverify, StartRegistration, CONSENT_VERSION,
};
use bankid_api::validate::{check_phone_country, normalize_phone};
use bankid_api::ErrorCode;

use crate::bank_flow::{
    bank_exchange, bank_request, browser_cookie, check_consent, session_cookie, started,
    to_return_page, BankRequest, CallbackParams, BROWSER_COOKIE, FLOW_TTL_MS, SESSION_COOKIE,
};
use crate::config::BankConfig;
use crate::crypto::{keyed_hash, sha256_b64url, token};
use crate::domain;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::openapi::{errors, BANK_START, CONSENT, DB, JSON_BODY};
use crate::store::{
    Completed, Completion, FlowRow, NewAccount, NewRegistration, Outcome, StoreError,
};
use crate::web::{cookie, cookie_name, rfc3339, Ctx};
use crate::AppState;

/// What the portal uses the bank's data for (recorded with every transfer).
pub const PURPOSE: &str = "registration: create and confirm a portal account";

/// The fields a bank transfers (the consent screen lists them): the portal's list for the bank's
/// country, less what that bank does not supply.
pub fn requested_fields(bank: &BankConfig) -> Vec<ConsentField> {
    ConsentField::requested(bank.country)
        .iter()
        .copied()
        .filter(|f| match f {
            ConsentField::BankActivity => bank.supplies("bank_activity"),
            ConsentField::TaxId => bank.supplies("tax_id"),
            ConsentField::Snils => bank.supplies("snils"),
            ConsentField::Email => bank.supplies("email"),
            _ => true,
        })
        .collect()
}

/// [`requested_fields`] as the consent ledger records them (wire names, comma-separated).
pub fn consent_fields(bank: &BankConfig) -> String {
    let names: Vec<String> = requested_fields(bank)
        .iter()
        .filter_map(|f| serde_json::to_value(f).ok())
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    names.join(",")
}

errors!(
    StartErrors = JSON_BODY,
    CONSENT,
    BANK_START,
    &[
        ErrorCode::FieldBankUnknown,
        ErrorCode::FieldPhoneFormat,
        ErrorCode::FieldReturnUrl,
        ErrorCode::EmbedNotAllowed,
        ErrorCode::FieldPhoneCountry,
        ErrorCode::FieldPhoneUaForRuBank,
        ErrorCode::FieldPhoneRuForUaBank
    ]
);

/// `POST /api/v1/registrations`: validates everything, asks the bank's discovery for its endpoints,
/// then writes the registration and its pending flow, and answers with the bank URL.
#[utoipa::path(
    post,
    path = "/api/v1/registrations",
    operation_id = "startRegistration",
    summary = "Start a registration through a bank",
    description = "Validates the bank, the phone number and the consent, then returns the bank's \
        authorization URL (code flow with PKCE S256, state and nonce kept server-side). Sets the \
        HttpOnly browser-binding cookie bp_browser when the browser has none; the bank must send \
        the citizen back to the same browser.",
    request_body = StartRegistration,
    responses(
        (status = 201, description = "Send the browser to authorize_url", body = RegistrationStarted),
        StartErrors,
    ),
)]
pub async fn start(
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
    // A bank confirms only numbers of its own country (the SPA says so before sending).
    let phone = normalize_phone(&req.phone)
        .and_then(|p| match bank {
            Some(b) => check_phone_country(&p, b.country).map(|()| p),
            None => Ok(p),
        })
        .map_err(|code| fields.insert("phone".to_string(), code))
        .ok();
    check_consent(&req.consent, &mut fields);
    if let (Some(bank), Some(e)) = (bank, &req.embed) {
        crate::embed::check_start(bank, e, &mut fields)?;
    }
    let (Some(bank), Some(phone), true) = (bank, phone, fields.is_empty()) else {
        return Err(ApiError::fields(fields));
    };
    let lang = req.lang.unwrap_or(ctx.lang);
    let BankRequest {
        authorize_url,
        state,
        nonce,
        verifier,
    } = bank_request(&app, &ctx, bank, &bank.scope(), lang).await?;
    let id = token(app.rng.as_ref(), 16);
    let state_hash = sha256_b64url(state.as_bytes());
    let now = app.now_ms();

    // A framed start is bound to the frame's credential (third-party cookies may be blocked
    // there) and opens the bank through a launch link; any other to the browser cookie.
    let frame = req
        .embed
        .as_ref()
        .map(|e| crate::embed::Frame::new(&app, e, &authorize_url, &state_hash))
        .transpose()?;
    let (browser_hash, set_cookie, frame_token, authorize_url) = match &frame {
        Some(f) => {
            let (in_body, cookie) = f.credential(&app.config);
            (
                f.token_hash.clone(),
                cookie,
                in_body,
                f.launch_url(&app.config),
            )
        }
        None => {
            let (browser, set_browser) = browser_cookie(&app, &headers);
            (
                sha256_b64url(browser.as_bytes()),
                set_browser,
                None,
                authorize_url,
            )
        }
    };
    app.store
        .start_registration(&NewRegistration {
            id: &id,
            bank_id: &bank.id,
            phone: &phone,
            browser_hash: &browser_hash,
            consent_version: CONSENT_VERSION,
            lang: lang.tag(),
            trace_id: &ctx.trace_id,
            state_hash: &state_hash,
            nonce: &nonce,
            pkce_verifier: &verifier,
            flow_ttl_ms: FLOW_TTL_MS,
            now,
            embed: frame.as_ref().map(|f| f.launch(now)),
        })
        .await?;
    Ok(started(
        RegistrationStarted {
            registration_id: id,
            authorize_url,
            frame_token,
        },
        set_cookie,
    ))
}

/// The registration part of the bank callback: the bank's claims through the registration rules,
/// then the account (or the refusal) written in one transaction. Redirects to the status page.
pub async fn complete(
    app: &AppState,
    ctx: &Ctx,
    flow: &FlowRow,
    p: &CallbackParams,
    now: i64,
) -> Response {
    let Some(registration_id) = flow.registration_id.clone() else {
        return to_return_page(ErrorCode::AuthStateInvalid, &ctx.trace_id);
    };
    let status_page = crate::embed::landing(app, flow, &registration_id, now).await;
    let ctx_lang = ctx.lang;
    let fail = |code: ErrorCode, upstream: Option<String>| {
        let app = app.clone();
        let reg = registration_id.clone();
        let trace = ctx.trace_id.clone();
        let page = status_page.clone();
        async move {
            tracing::info!(code = %code, upstream = upstream.as_deref().unwrap_or(""), "registration failed");
            if let Err(e) = app
                .store
                .fail_registration(&reg, code, upstream.as_deref(), &trace, now)
                .await
            {
                tracing::error!(error = %e, "callback: store");
                return to_return_page(ErrorCode::ServiceUnavailable, &trace);
            }
            page.respond(ctx_lang)
        }
    };
    let Some(bank) = app.config.bank(&flow.bank_id) else {
        return fail(ErrorCode::BankUnavailable, None).await;
    };
    let claims = match bank_exchange(app, bank, flow, p, now).await {
        Ok(c) => c,
        Err((code, upstream)) => return fail(code, upstream).await,
    };
    let Some(registration_phone) = flow.phone.clone() else {
        return fail(ErrorCode::Internal, None).await;
    };

    let today = app.clock.now().date();
    let verdict = domain::evaluate(
        &claims,
        bank.country,
        bank.supplies("snils"),
        &registration_phone,
        today,
    );
    let session = token(app.rng.as_ref(), 32);
    let session_hash = sha256_b64url(session.as_bytes());
    let account_id = token(app.rng.as_ref(), 16);
    let country = domain::country_code(bank.country);
    let fields = consent_fields(bank);
    let (outcome, person_keys, birthdate, sealed);
    match &verdict {
        Ok(person) => {
            person_keys = person
                .ids(bank.country)
                .iter()
                .map(|id| keyed_hash(&app.pepper, id))
                .collect::<Vec<_>>();
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
                person_keys: &person_keys,
                activity_checked: person.activity_checked,
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
                reason: refusal.code,
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
            status_page.respond(ctx.lang)
        }
        Ok(Completed::Account { existed, .. }) => {
            tracing::info!(existed, "registration accepted");
            let mut resp = status_page.respond(ctx.lang);
            if let Some(v) = session_cookie(app, &session) {
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
        Err(StoreError::Illegal) => {
            tracing::error!("callback: registration not awaiting the bank");
            fail(
                ErrorCode::AuthStateInvalid,
                Some("illegal_transition".into()),
            )
            .await
        }
        Err(StoreError::Db(e)) => {
            tracing::error!(error = %e, "callback: store");
            fail(ErrorCode::ServiceUnavailable, None).await
        }
    }
}

errors!(
    ReverifyErrors = JSON_BODY,
    CONSENT,
    BANK_START,
    &[
        ErrorCode::AuthSessionRequired,
        ErrorCode::ReqNotFound,
        ErrorCode::FieldPhoneFormat,
        ErrorCode::RegNotRetryable,
        ErrorCode::FieldPhoneCountry,
        ErrorCode::FieldPhoneUaForRuBank,
        ErrorCode::FieldPhoneRuForUaBank
    ]
);

/// `POST /api/v1/registrations/{id}/reverify`: back to the bank after a rejection or failure.
#[utoipa::path(
    post,
    path = "/api/v1/registrations/{id}/reverify",
    operation_id = "reverify",
    summary = "Go through the bank again after a rejection or failure",
    description = "For the browser that started the registration (bp_browser); keeps the request \
        number. REG_NOT_RETRYABLE once the registration has an account.",
    params(("id" = String, Path, description = "The registration id", pattern = "^[A-Za-z0-9_-]{16,64}$")),
    request_body = Reverify,
    security(("bp_browser" = [])),
    responses(
        (status = 200, description = "The same registration_id and a new authorize_url", body = RegistrationStarted),
        ReverifyErrors,
    ),
)]
pub async fn reverify(
    State(app): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    ApiPath(id): ApiPath<String>,
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
    let bank = app.config.bank(&row.bank_id);
    let mut fields = BTreeMap::new();
    let phone = match req.phone.as_deref() {
        Some(p) => normalize_phone(p)
            .and_then(|p| match bank {
                Some(b) => check_phone_country(&p, b.country).map(|()| p),
                None => Ok(p),
            })
            .map_err(|c| fields.insert("phone".to_string(), c))
            .ok(),
        None => Some(row.phone.clone()),
    };
    check_consent(&req.consent, &mut fields);
    let (Some(phone), true) = (phone, fields.is_empty()) else {
        return Err(ApiError::fields(fields));
    };
    let bank = bank.ok_or(ApiError::new(ErrorCode::BankUnavailable))?;
    let lang = req.lang.unwrap_or(ctx.lang);
    let BankRequest {
        authorize_url,
        state,
        nonce,
        verifier,
    } = bank_request(&app, &ctx, bank, &bank.scope(), lang).await?;
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
        frame_token: None,
    })
    .into_response())
}

/// [`valid_id`] as a regular expression, for the OpenAPI document (which spells it out).
pub const ID_PATTERN: &str = "^[A-Za-z0-9_-]{16,64}$";

/// Whether `id` can be a registration id (anything else is not looked up).
pub fn valid_id(id: &str) -> bool {
    (16..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

errors!(
    StatusErrors = DB,
    &[ErrorCode::AuthSessionRequired, ErrorCode::ReqNotFound]
);

/// `GET /api/v1/registrations/{id}`: for the browser that started it or the account's session.
#[utoipa::path(
    get,
    path = "/api/v1/registrations/{id}",
    operation_id = "registrationStatus",
    summary = "Status of a registration",
    description = "Readable by the browser that started it (bp_browser cookie), the frame that \
        started it inside a bank's page (its credential, bp_frame) or a session of the account it \
        created (bp_session cookie); REQ_NOT_FOUND for anyone else.",
    params(("id" = String, Path, description = "The registration id", pattern = "^[A-Za-z0-9_-]{16,64}$")),
    security(("bp_browser" = []), ("bp_session" = []), ("bp_frame" = [])),
    responses((status = 200, description = "Where the registration stands", body = RegistrationStatus), StatusErrors),
)]
pub async fn status(
    State(app): State<AppState>,
    headers: HeaderMap,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<RegistrationStatus>, ApiError> {
    Ok(Json(readable_status(&app, &headers, &id).await?))
}

/// Registration `id` as `GET /api/v1/registrations/{id}` answers it to a request with `headers`:
/// only for the browser or frame that started it, or a session of the account it created.
pub async fn readable_status(
    app: &AppState,
    headers: &HeaderMap,
    id: &str,
) -> Result<RegistrationStatus, ApiError> {
    let secure = app.config.secure_cookies();
    // The browser that started it, or the frame that did (its credential instead of a cookie).
    let owners: Vec<String> = [
        cookie(headers, &cookie_name(BROWSER_COOKIE, secure)),
        crate::embed::frame_credential(headers, secure),
    ]
    .into_iter()
    .flatten()
    .collect();
    let session = cookie(headers, &cookie_name(SESSION_COOKIE, secure));
    if owners.is_empty() && session.is_none() {
        return Err(ApiError::new(ErrorCode::AuthSessionRequired));
    }
    if !valid_id(id) {
        return Err(ApiError::new(ErrorCode::ReqNotFound));
    }
    let (row, journal) = app
        .store
        .registration_status(id)
        .await?
        .ok_or(ApiError::new(ErrorCode::ReqNotFound))?;
    let by_owner = owners.iter().any(|b| {
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
    if !by_owner && !by_session {
        return Err(ApiError::new(ErrorCode::ReqNotFound));
    }
    status_of(app, row, journal)
}

/// A registration's status as the status page (and the frame) show it.
pub fn status_of(
    app: &AppState,
    row: crate::store::RegistrationRow,
    journal: Vec<crate::store::JournalRow>,
) -> Result<RegistrationStatus, ApiError> {
    use crate::lifecycle::RegistrationState as S;
    let state = match crate::lifecycle::effective(&row.state, row.account_state.as_deref()) {
        Some(S::Active) => RegistrationState::Active,
        Some(S::AwaitingBank) => RegistrationState::AwaitingBank,
        Some(S::PendingConfirmation) => RegistrationState::PendingConfirmation,
        Some(S::Rejected) => RegistrationState::Rejected,
        Some(S::Failed) => RegistrationState::Failed,
        None => {
            return Err(ApiError::internal(format!(
                "unknown registration state {}",
                row.state
            )))
        }
    };
    Ok(RegistrationStatus {
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
            .filter_map(|j| {
                journal_entry(
                    app.config
                        .bank(j.upstream.as_deref().unwrap_or(""))
                        .is_some(),
                    j,
                )
            })
            .collect(),
    })
}

/// A journal row for the status page: the typed event, and its `upstream` column read as the bank
/// it names (`bank_upstream`), the field a refusal is about (`claim:…`) or the bank's own code.
fn journal_entry(bank_upstream: bool, j: crate::store::JournalRow) -> Option<JournalEntry> {
    let Some(code) = bankid_api::JournalEvent::parse(&j.code) else {
        tracing::error!(code = %j.code, "journal: unknown event");
        return None;
    };
    let (mut bank_id, mut field, mut upstream) = (None, None, None);
    match j.upstream {
        Some(u) if bank_upstream => bank_id = Some(u),
        Some(u) => match u.strip_prefix("claim:") {
            Some(f) => field = Some(f.to_string()),
            None => upstream = Some(u),
        },
        None => {}
    }
    Some(JournalEntry {
        at: rfc3339(j.at),
        code,
        bank_id,
        field,
        upstream,
    })
}

/// `R-2026-000123`.
pub fn request_number(created_ms: i64, n: i64) -> String {
    let year = time::OffsetDateTime::from_unix_timestamp(created_ms / 1000)
        .map(|t| t.year())
        .unwrap_or(1970);
    format!("R-{year}-{n:06}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_numbers_and_times() {
        assert_eq!(request_number(1_795_000_000_000, 42), "R-2026-000042");
    }

    #[test]
    fn consent_fields_are_wire_names_of_what_the_bank_supplies() {
        let cfg = crate::config::Config::from_toml(
            r##"
[server]
listen = "127.0.0.1:8080"
public_url = "http://127.0.0.1:8080"
database_url = "sqlite::memory:"
[[bank]]
id = "ua"
issuer = "http://127.0.0.1:8081/ua"
client_id = "portal"
client_secret = "s"
name = { ru = "Б", uk = "Б", en = "B" }
country = "UA"
logo = "/logos/ua.svg"
color = "#000000"
[[bank]]
id = "ru"
issuer = "http://127.0.0.1:8081/ru"
client_id = "portal"
client_secret = "s"
name = { ru = "Б", uk = "Б", en = "B" }
country = "RU"
logo = "/logos/ru.svg"
color = "#000000"
not_supplied = ["bank_activity", "snils"]
"##,
        )
        .unwrap();
        assert_eq!(
            consent_fields(cfg.bank("ua").unwrap()),
            "full_name,birth_date,passport,tax_id,phone,email,bank_activity"
        );
        assert_eq!(
            consent_fields(cfg.bank("ru").unwrap()),
            "full_name,birth_date,passport,tax_id,phone,email"
        );
    }
}
