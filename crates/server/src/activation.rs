//! Activation of a confirmed account with a 6-digit code sent to the bank-verified phone or email:
//! 10 minutes, single use, 5 wrong tries lock the code, one new code a minute, codes kept only as
//! keyed hashes and compared in constant time, failures slowed down per account and per address.

use axum::extract::State;
use axum::http::header;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use bankid_api::types::{
    ActivationCodeSent, Channel, ConfirmActivation, DevMessage, SendActivationCode,
};
use bankid_api::ErrorCode;

use crate::crypto::{keyed_hash, token};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::limits;
use crate::openapi::{errors, DB, JSON_BODY, SESSION};
use crate::session::{rotate, AuthSession};
use crate::store::{Confirm, NewChallenge};
use crate::web::rfc3339;
use crate::web::Ctx;
use crate::AppState;

pub const CODE_TTL_MS: i64 = 10 * 60 * 1000;
pub const RESEND_MS: i64 = 60 * 1000;
pub const MAX_TRIES: i64 = 5;

fn code_hash(app: &AppState, challenge_id: &str, code: &str) -> String {
    keyed_hash(&app.pepper, &format!("activation:{challenge_id}:{code}"))
}

/// Six random digits, uniformly (rejection sampling).
fn six_digits(app: &AppState) -> String {
    loop {
        let mut b = [0u8; 4];
        app.rng.fill(&mut b);
        let n = u32::from_le_bytes(b);
        if n < 4_294_000_000 {
            return format!("{:06}", n % 1_000_000);
        }
    }
}

fn message(country: &str, code: &str) -> String {
    if country == "UA" {
        format!("Код підтвердження порталу держпослуг: {code}. Нікому його не повідомляйте. / Portal confirmation code: {code}.")
    } else {
        format!("Код подтверждения портала госуслуг: {code}. Никому его не сообщайте. / Portal confirmation code: {code}.")
    }
}

errors!(
    SendErrors = SESSION,
    JSON_BODY,
    &[
        ErrorCode::ActAlreadyActive,
        ErrorCode::ActNoDestination,
        ErrorCode::RateLimited
    ]
);

/// `POST /api/v1/account/activation`: sends a new code.
#[utoipa::path(
    post,
    path = "/api/v1/account/activation",
    operation_id = "sendActivationCode",
    summary = "Send an activation code",
    description = "A 6-digit code to the bank-verified phone or email, valid 10 minutes; at most \
        one code a minute (RATE_LIMITED with retry_after).",
    request_body = SendActivationCode,
    security(("bp_session" = [])),
    responses(
        (status = 202, description = "Sent (masked destination, expiry)", body = ActivationCodeSent),
        SendErrors,
    ),
)]
pub async fn send_code(
    State(app): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    s: AuthSession,
    ApiJson(req): ApiJson<SendActivationCode>,
) -> Result<Response, ApiError> {
    let now = app.now_ms();
    let account = app
        .store
        .account(&s.account_id)
        .await?
        .ok_or(ApiError::new(ErrorCode::AuthSessionRequired))?;
    if account.state == "active" {
        return Err(ApiError::new(ErrorCode::ActAlreadyActive));
    }
    let (channel, destination, shown) = match req.channel {
        Channel::Phone => (
            "phone",
            account.phone.clone(),
            bankid_api::validate::mask_phone(&account.phone),
        ),
        Channel::Email => {
            let email = account
                .email
                .clone()
                .ok_or(ApiError::new(ErrorCode::ActNoDestination))?;
            let shown = crate::session::mask_email(&email);
            ("email", email, shown)
        }
    };
    if let Some(last) = app.store.last_challenge_at(&s.account_id).await? {
        if now - last < RESEND_MS {
            let wait = ((last + RESEND_MS - now + 999) / 1000) as u32;
            return Err(ApiError::new(ErrorCode::RateLimited).retry_after(wait));
        }
    }
    let id = token(app.rng.as_ref(), 16);
    let code = six_digits(&app);
    app.store
        .create_challenge(&NewChallenge {
            id: &id,
            account_id: &s.account_id,
            registration_id: account.registration_id.as_deref(),
            channel,
            destination: &destination,
            code_hash: &code_hash(&app, &id, &code),
            body: &message(&account.country, &code),
            trace_id: &ctx.trace_id,
            now,
            expires_at: now + CODE_TTL_MS,
        })
        .await?;
    // Committed: the outbox worker delivers it now rather than at its next poll.
    app.outbox_wake.notify_one();
    let body = ActivationCodeSent {
        channel: req.channel,
        destination: shown,
        expires_at: rfc3339(now + CODE_TTL_MS),
        resend_after_secs: (RESEND_MS / 1000) as u32,
    };
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

errors!(
    ConfirmErrors = SESSION,
    JSON_BODY,
    &[
        ErrorCode::FieldCodeFormat,
        ErrorCode::RateLimited,
        ErrorCode::ActAlreadyActive,
        ErrorCode::ActNoChallenge,
        ErrorCode::ActCodeExpired,
        ErrorCode::ActCodeLocked,
        ErrorCode::ActCodeWrong,
    ]
);

/// `POST /api/v1/account/activation/confirm`.
#[utoipa::path(
    post,
    path = "/api/v1/account/activation/confirm",
    operation_id = "confirmActivation",
    summary = "Confirm the activation code",
    description = "Single use; 5 wrong tries lock the code; failures per account and per address \
        are slowed down (RATE_LIMITED with retry_after). The session id is rotated.",
    request_body = ConfirmActivation,
    security(("bp_session" = [])),
    responses(
        (status = 204, description = "Account active; the session id is rotated",
            headers(("Set-Cookie" = String, description = "The new bp_session"))),
        ConfirmErrors,
    ),
)]
pub async fn confirm(
    State(app): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    s: AuthSession,
    ApiJson(req): ApiJson<ConfirmActivation>,
) -> Result<Response, ApiError> {
    let code = bankid_api::validate::normalize_otp_code(&req.code)
        .map_err(|e| ApiError::field("code", e.code()))?;
    let now = app.now_ms();
    let scopes = limits::scopes("activation", &s.account_id, ctx.client_ip.as_deref());
    if let Err(wait) = limits::check(&app.store, &scopes, now).await? {
        return Err(ApiError::new(ErrorCode::RateLimited).retry_after(wait));
    }
    let outcome = app
        .store
        .confirm_challenge(
            &s.account_id,
            now,
            MAX_TRIES,
            &ctx.trace_id,
            |challenge_id| code_hash(&app, challenge_id, &code),
        )
        .await?;
    match outcome {
        Confirm::Activated => {
            // A privilege change: new session id.
            let cookie = rotate(&app, &s).await?;
            let mut resp = StatusCode::NO_CONTENT.into_response();
            resp.headers_mut().append(header::SET_COOKIE, cookie);
            Ok(resp)
        }
        Confirm::AlreadyActive => Err(ApiError::new(ErrorCode::ActAlreadyActive)),
        Confirm::NoChallenge => Err(ApiError::new(ErrorCode::ActNoChallenge)),
        Confirm::Expired => Err(ApiError::new(ErrorCode::ActCodeExpired)),
        Confirm::Locked => Err(ApiError::new(ErrorCode::ActCodeLocked)),
        Confirm::Wrong { tries_left } => {
            limits::record_failure(&app.store, &scopes, now).await?;
            let e = if tries_left == 0 {
                ErrorCode::ActCodeLocked
            } else {
                ErrorCode::ActCodeWrong
            };
            Err(ApiError::new(e).detail(format!("tries left {tries_left}")))
        }
    }
}

errors!(InboxErrors = DB, &[ErrorCode::ReqNotFound]);

/// `GET /api/v1/dev/inbox` (sandbox mode only): messages the portal "sent", newest first.
#[utoipa::path(
    get,
    path = "/api/v1/dev/inbox",
    operation_id = "devInbox",
    summary = "Sandbox mode only: the messages the portal sent",
    description = "The last 50, newest first. REQ_NOT_FOUND outside sandbox mode.",
    responses((status = 200, description = "Newest first", body = Vec<DevMessage>), InboxErrors),
)]
pub async fn dev_inbox(State(app): State<AppState>) -> Result<Json<Vec<DevMessage>>, ApiError> {
    if app.config.sandbox.is_none() {
        return Err(ApiError::new(ErrorCode::ReqNotFound));
    }
    let rows = app.store.dev_inbox(50).await?;
    Ok(Json(
        rows.into_iter()
            .map(|(channel, destination, body, at)| DevMessage {
                channel: if channel == "email" {
                    Channel::Email
                } else {
                    Channel::Phone
                },
                destination,
                body,
                at: rfc3339(at),
            })
            .collect(),
    ))
}
