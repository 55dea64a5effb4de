//! The bank flow every bank round trip shares (registration, sign-in, bank link): the
//! authorization request with state, nonce and PKCE kept server-side, the callback that takes
//! the pending flow (same browser, once, unexpired) and dispatches on its typed purpose, and the
//! exchange (RFC 9207 `iss`, the bank's error, code + PKCE, ID-token verification).

use std::collections::BTreeMap;

use axum::extract::{RawQuery, State};
use axum::http::header::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use bankid_api::types::CONSENT_VERSION;
use bankid_api::ErrorCode;

use crate::config::BankConfig;
use crate::crypto::{pkce_challenge, sha256_b64url, token};
use crate::error::ApiError;
use crate::oidc::{self, AuthRequest, ClientAuth, RpError};
use crate::store::{FlowRow, TakeFlow};
use crate::web::{cookie, cookie_name, set_cookie, Ctx};
use crate::AppState;

/// A pending bank round trip expires after this.
pub const FLOW_TTL_MS: i64 = 10 * 60 * 1000;
pub const BROWSER_COOKIE: &str = "bp_browser";
const BROWSER_COOKIE_SECS: i64 = 24 * 3600;
pub const SESSION_COOKIE: &str = "bp_session";
const SESSION_COOKIE_SECS: i64 = 12 * 3600;

/// What a pending bank round trip is for (the `auth_flows.purpose` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Registration,
    SignIn,
    Link,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Registration => "register",
            Purpose::SignIn => "signin",
            Purpose::Link => "link",
        }
    }

    pub fn parse(s: &str) -> Option<Purpose> {
        [Purpose::Registration, Purpose::SignIn, Purpose::Link]
            .into_iter()
            .find(|p| p.as_str() == s)
    }
}

/// `201 Created` with a started round trip's body, and the browser-binding cookie when it is new.
pub fn started<T: serde::Serialize>(body: T, set_browser: Option<HeaderValue>) -> Response {
    let mut resp = (axum::http::StatusCode::CREATED, axum::Json(body)).into_response();
    if let Some(v) = set_browser {
        resp.headers_mut().append(axum::http::header::SET_COOKIE, v);
    }
    resp
}

/// The `Set-Cookie` value of a new session.
pub fn session_cookie(app: &AppState, session: &str) -> Option<HeaderValue> {
    let secure = app.config.secure_cookies();
    let name = cookie_name(SESSION_COOKIE, secure);
    HeaderValue::from_str(&set_cookie(&name, session, SESSION_COOKIE_SECS, secure)).ok()
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
    ctx: &Ctx,
    bank: &BankConfig,
    scope: &str,
    lang: bankid_api::Lang,
) -> Result<BankRequest, ApiError> {
    if !bank.workable {
        return Err(ApiError::new(ErrorCode::BankUnavailable));
    }
    let now = app.now_ms();
    let free = app.config.server.starts_per_address;
    if let Err(wait) =
        crate::limits::start_allowed(&app.store, ctx.client_ip.as_deref(), free, now).await?
    {
        return Err(ApiError::new(ErrorCode::RateLimited).retry_after(wait));
    }
    let meta = app.rp.metadata(bank, now).await.map_err(bank_error)?;
    let rng = app.rng.as_ref();
    let (state, nonce, verifier) = (token(rng, 32), token(rng, 32), token(rng, 32));
    let authorize_url = app
        .rp
        .authorization(
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
            client_auth(app, bank, now),
        )
        .await
        .map_err(bank_error)?;
    Ok(BankRequest {
        authorize_url,
        state,
        nonce,
        verifier,
    })
}

/// The client authentication of one request to a bank (a fresh `jti` for `private_key_jwt`).
pub fn client_auth<'a>(app: &'a AppState, bank: &'a BankConfig, now_ms: i64) -> ClientAuth<'a> {
    ClientAuth {
        bank,
        keys: &app.client_keys,
        jti: token(app.rng.as_ref(), 16),
        now: now_ms.div_euclid(1000),
    }
}

pub fn bank_error(e: RpError) -> ApiError {
    let code = match &e {
        RpError::Unreachable(_) => ErrorCode::BankUnreachable,
        RpError::Config(_) => ErrorCode::Internal,
        _ => ErrorCode::BankError,
    };
    ApiError::new(code).detail(e.to_string())
}

/// The parameters of the bank's redirect to the callback.
#[derive(Debug, Default)]
pub struct CallbackParams {
    code: Option<String>,
    state: Option<String>,
    iss: Option<String>,
    error: Option<String>,
}

impl CallbackParams {
    /// From the query string, whatever it holds: the first value of each parameter counts, the
    /// rest and unknown parameters are ignored (the callback always answers with a redirect).
    pub fn from_query(query: &str) -> CallbackParams {
        let mut p = CallbackParams::default();
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let slot = match key.as_ref() {
                "code" => &mut p.code,
                "state" => &mut p.state,
                "iss" => &mut p.iss,
                "error" => &mut p.error,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(value.into_owned());
            }
        }
        p
    }
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

/// What the callback's redirect can carry in its `error` parameter, or a registration keep as its
/// `reason` (the registration rules' refusals).
pub const CALLBACK_CODES: &[ErrorCode] = &[
    ErrorCode::AuthStateInvalid,
    ErrorCode::AuthFlowMismatch,
    ErrorCode::AuthIssMismatch,
    ErrorCode::AuthIdTokenInvalid,
    ErrorCode::AuthSessionRequired,
    ErrorCode::AuthBankNotLinked,
    ErrorCode::AuthNoAccount,
    ErrorCode::BankLoginCancelled,
    ErrorCode::BankError,
    ErrorCode::BankUnreachable,
    ErrorCode::BankUnavailable,
    ErrorCode::ConsentWithdrawn,
    ErrorCode::LinkPersonMismatch,
    ErrorCode::LinkAlreadyLinked,
    ErrorCode::RegPhoneMismatch,
    ErrorCode::RegAccountInactive,
    ErrorCode::RegCardBlocked,
    ErrorCode::RegUnderAge,
    ErrorCode::RegMissingData,
    ErrorCode::RegInvalidData,
    ErrorCode::ServiceUnavailable,
    ErrorCode::Internal,
    ErrorCode::ReqTimeout,
];

/// The callback's answers for the OpenAPI document: always a redirect.
pub struct CallbackResponses;

impl utoipa::IntoResponses for CallbackResponses {
    fn responses() -> BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::response::Response>>
    {
        let mut responses = crate::openapi::redirect_responses(
            "To the status page /registration/{id}, the sign-in's page, /account/banks \
             (?error=CODE&trace_id=T on refusal), /embed/return#code=C (a registration started in \
             a bank's page, in a popup) or /return?error=CODE&trace_id=T when the flow cannot be \
             identified.",
            CALLBACK_CODES,
        );
        responses.insert(
            "200".to_string(),
            utoipa::openapi::RefOr::T(
                utoipa::openapi::ResponseBuilder::new()
                    .description(
                        "A registration started in a bank's page whose bank sign-in ran in the \
                         whole tab: a page that goes on to the bank's page by itself (refresh and \
                         link).",
                    )
                    .content(
                        "text/html",
                        utoipa::openapi::ContentBuilder::new()
                            .schema(Some(
                                utoipa::openapi::ObjectBuilder::new()
                                    .schema_type(utoipa::openapi::schema::Type::String),
                            ))
                            .build(),
                    )
                    .build(),
            ),
        );
        responses
    }
}

/// `GET /auth/callback`: the browser comes back from the bank. Checks state (same browser, once,
/// unexpired), `iss` (RFC 9207), then exchanges the code and verifies the ID token; the outcome is
/// written in one transaction. Always answers with a redirect to a page of the SPA.
#[utoipa::path(
    get,
    path = "/auth/callback",
    operation_id = "authCallback",
    summary = "Return from the bank (the OpenID Connect redirect URI)",
    description = "Checks state (same browser, single use, 10 minutes), the RFC 9207 iss \
        parameter, exchanges the code with PKCE and verifies the ID token. Writes the outcome \
        (account, bank link, consent record and session; or the refusal) in one transaction.",
    params(
        ("code" = Option<String>, Query, description = "The authorization code"),
        ("state" = Option<String>, Query, description = "The state of the authorization request"),
        ("iss" = Option<String>, Query, description = "The bank's issuer (RFC 9207)"),
        ("error" = Option<String>, Query, description = "The bank's OAuth error, e.g. access_denied"),
        ("error_description" = Option<String>, Query, description = "Ignored"),
    ),
    security((), ("bp_browser" = [])),
    responses(CallbackResponses),
)]
pub async fn callback(
    State(app): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let p = CallbackParams::from_query(query.as_deref().unwrap_or(""));
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
    match Purpose::parse(&flow.purpose) {
        Some(Purpose::Registration) => {
            crate::registration::complete(&app, &ctx, &flow, &p, now).await
        }
        Some(Purpose::SignIn) => crate::signin::complete(&app, &ctx, &flow, &p, now).await,
        Some(Purpose::Link) => crate::links::link_callback(&app, &ctx, &flow, &p, now).await,
        None => to_return_page(ErrorCode::AuthStateInvalid, &ctx.trace_id),
    }
}

/// The bank part of every callback: `iss` (RFC 9207), the bank's error, then the code exchange
/// and ID-token verification. Errors come back as the code for the citizen and the bank's own
/// detail for the journal.
pub async fn bank_exchange(
    app: &AppState,
    bank: &BankConfig,
    flow: &FlowRow,
    p: &CallbackParams,
    now: i64,
) -> Result<oidc::IdClaims, (ErrorCode, Option<String>)> {
    let meta = app
        .rp
        .metadata(bank, now)
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
    app.rp
        .exchange(
            &meta,
            &app.config.redirect_uri(),
            code,
            &flow.pkce_verifier,
            &flow.nonce,
            client_auth(app, bank, now),
            now,
        )
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, bank = %bank.id, "callback: bank exchange");
            let code = match &e {
                RpError::Unreachable(_) => ErrorCode::BankUnreachable,
                RpError::IdToken(_) => ErrorCode::AuthIdTokenInvalid,
                RpError::Config(_) => ErrorCode::Internal,
                _ => ErrorCode::BankError,
            };
            (code, Some(e.upstream()))
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_round_trip_the_store_names() {
        for p in [Purpose::Registration, Purpose::SignIn, Purpose::Link] {
            assert_eq!(Purpose::parse(p.as_str()), Some(p));
        }
        assert_eq!(Purpose::parse("other"), None);
    }
}
