//! Server-side sessions: the extractor that every signed-in endpoint takes, `GET /api/v1/session`
//! and sign-out. Idle and absolute lifetimes are enforced in the store with the injected clock.

use axum::extract::{FromRequestParts, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bankid_api::types::SessionInfo;
use bankid_api::ErrorCode;

use crate::bank_flow::SESSION_COOKIE;
use crate::crypto::sha256_b64url;
use crate::error::ApiError;
use crate::openapi::{errors, DB, SESSION};
use crate::store::{SESSION_ABSOLUTE_MS, SESSION_IDLE_MS};
use crate::web::rfc3339;
use crate::web::{cookie, cookie_name};
use crate::AppState;

/// A signed-in citizen (second factor done, if they have one).
#[derive(Debug, Clone)]
pub struct AuthSession {
    pub account_id: String,
    pub id_hash: String,
    pub created_at: i64,
    /// Last full bank authentication.
    pub auth_at: i64,
}

/// The live session of the request's cookie, whether or not it still owes the second factor.
async fn live_session(parts: &Parts, app: &AppState) -> Result<(AuthSession, bool), ApiError> {
    let name = cookie_name(SESSION_COOKIE, app.config.secure_cookies());
    let raw = cookie(&parts.headers, &name).ok_or(ApiError::new(ErrorCode::AuthSessionRequired))?;
    let id_hash = sha256_b64url(raw.as_bytes());
    let row = app
        .store
        .session(&id_hash, app.now_ms())
        .await?
        .ok_or(ApiError::new(ErrorCode::AuthSessionRequired))?;
    let session = AuthSession {
        account_id: row.account_id,
        id_hash,
        created_at: row.created_at,
        auth_at: row.auth_at,
    };
    Ok((session, row.mfa_pending))
}

impl FromRequestParts<AppState> for AuthSession {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match live_session(parts, app).await? {
            (_, true) => Err(ApiError::new(ErrorCode::AuthSecondFactorRequired)),
            (s, false) => Ok(s),
        }
    }
}

/// A session signed in at the bank that still owes the second factor.
#[derive(Debug, Clone)]
pub struct PendingSession(pub AuthSession);

impl FromRequestParts<AppState> for PendingSession {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match live_session(parts, app).await? {
            (s, true) => Ok(PendingSession(s)),
            (_, false) => Err(ApiError::new(ErrorCode::AuthSessionRequired)),
        }
    }
}

/// `Set-Cookie` that ends the session cookie in the browser.
pub fn clear_cookie(app: &AppState) -> Option<HeaderValue> {
    let secure = app.config.secure_cookies();
    HeaderValue::from_str(&crate::web::set_cookie(
        &cookie_name(SESSION_COOKIE, secure),
        "",
        0,
        secure,
    ))
    .ok()
}

/// Replaces the session id (privilege change): the old id stops working at once.
pub async fn rotate(app: &AppState, s: &AuthSession) -> Result<HeaderValue, ApiError> {
    let fresh = crate::crypto::token(app.rng.as_ref(), 32);
    app.store
        .rotate_session(&s.id_hash, &sha256_b64url(fresh.as_bytes()))
        .await?;
    let secure = app.config.secure_cookies();
    HeaderValue::from_str(&crate::web::set_cookie(
        &cookie_name(SESSION_COOKIE, secure),
        &fresh,
        SESSION_ABSOLUTE_MS / 1000,
        secure,
    ))
    .map_err(ApiError::internal)
}

errors!(CurrentErrors = SESSION);

/// `GET /api/v1/session`.
#[utoipa::path(
    get,
    path = "/api/v1/session",
    operation_id = "session",
    summary = "The signed-in citizen",
    description = "Session cookie bp_session (HttpOnly, SameSite=Lax). Idle timeout 30 minutes, \
        absolute 12 hours. 204 when nobody is signed in (no cookie, or its session ended): that \
        is an answer, not a failure. AUTH_SECOND_FACTOR_REQUIRED while a sign-in still owes its \
        second factor.",
    security((), ("bp_session" = [])),
    responses(
        (status = 200, description = "Who is signed in", body = SessionInfo),
        (status = 204, description = "Nobody is signed in"),
        CurrentErrors,
    ),
)]
pub async fn current(
    State(app): State<AppState>,
    s: Result<AuthSession, ApiError>,
) -> Result<Response, ApiError> {
    match s {
        Ok(s) => match info(&app, &s).await? {
            Some(info) => Ok(Json(info).into_response()),
            None => Ok(StatusCode::NO_CONTENT.into_response()),
        },
        Err(e) if e.code == ErrorCode::AuthSessionRequired => {
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        Err(e) => Err(e),
    }
}

/// What the SPA is told of a signed-in citizen; `None` when the account is gone.
async fn info(app: &AppState, s: &AuthSession) -> Result<Option<SessionInfo>, ApiError> {
    let Some(a) = app.store.account(&s.account_id).await? else {
        return Ok(None);
    };
    let now = app.now_ms();
    Ok(Some(SessionInfo {
        display_name: a.display_name(),
        account_state: a.state.clone(),
        registration_id: a.registration_id.clone(),
        phone_masked: bankid_api::validate::mask_phone(&a.phone),
        email_masked: a.email.as_deref().map(mask_email),
        totp_enabled: a.totp_enabled,
        idle_expires_at: rfc3339(now + SESSION_IDLE_MS),
        absolute_expires_at: rfc3339(s.created_at + SESSION_ABSOLUTE_MS),
    }))
}

/// Who is signed in with the request's cookie, for a page's boot data: `None` for nobody and for
/// a sign-in that still owes its second factor (the page shows the signed-out header; the sign-in
/// page asks the API for the second-factor step), and when the store cannot answer (the page's own
/// requests then meet the same failure with its coded error).
pub async fn peek(app: &AppState, parts: &mut Parts) -> Option<SessionInfo> {
    let s = AuthSession::from_request_parts(parts, app).await.ok()?;
    info(app, &s).await.ok().flatten()
}

errors!(SignOutErrors = DB);

/// `DELETE /api/v1/session`: signs out here and on the server.
#[utoipa::path(
    delete,
    path = "/api/v1/session",
    operation_id = "signOut",
    summary = "Sign out (the session ends on the server)",
    description = "Answers 204 with or without a session: afterwards there is none.",
    security((), ("bp_session" = [])),
    responses(
        (status = 204, description = "Signed out; the cookie is cleared",
            headers(("Set-Cookie" = String, description = "Clears bp_session"))),
        SignOutErrors,
    ),
)]
pub async fn sign_out(
    State(app): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let name = cookie_name(SESSION_COOKIE, app.config.secure_cookies());
    if let Some(raw) = cookie(&headers, &name) {
        app.store
            .delete_session(&sha256_b64url(raw.as_bytes()))
            .await?;
    }
    let mut resp = StatusCode::NO_CONTENT.into_response();
    if let Some(v) = clear_cookie(&app) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}

/// `i•••@example.ru`.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}•••@{domain}")
        }
        None => "•••".into(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn masks_email() {
        assert_eq!(super::mask_email("ivanov@example.ru"), "i•••@example.ru");
    }
}
