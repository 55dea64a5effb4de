//! Two-factor protection with an authenticator app (TOTP) and backup codes: enrolment, first code
//! confirms, replay refused, disabling or new backup codes need a valid code or a fresh bank
//! sign-in, other sessions end whenever it changes.

use axum::extract::State;
use axum::http::header;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use bankid_api::types::{BackupCodes, ConfirmActivation, MfaCode, TotpEnrolment};
use bankid_api::ErrorCode;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;

use crate::crypto::{keyed_hash, Rng};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::limits;
use crate::openapi::{errors, JSON_BODY, SESSION};
use crate::session::{rotate, AuthSession, PendingSession};
use crate::store::{SecondFactor, Store, StoredTotp};
use crate::totp;
use crate::vault::{Vault, VaultError};
use crate::web::Ctx;
use crate::AppState;

pub const ISSUER: &str = "Госуслуги (bankid-portal)";

pub fn backup_hash(app: &AppState, account_id: &str, code: &str) -> String {
    keyed_hash(
        &app.pepper,
        &format!("backup:{account_id}:{}", totp::canonical_backup_code(code)),
    )
}

/// Associated data of a sealed TOTP secret: bound to its account and kept apart from the other
/// sealed values of that account.
fn totp_aad(account_id: &str) -> String {
    format!("totp|{account_id}")
}

fn seal_totp(
    vault: &Vault,
    rng: &dyn Rng,
    account_id: &str,
    secret: &[u8],
) -> Result<(String, Vec<u8>), ApiError> {
    vault.seal(rng, &totp_aad(account_id), secret).map_err(|e| {
        tracing::error!(error = %e, "totp: seal");
        ApiError::new(ErrorCode::Internal)
    })
}

/// Opens a stored secret; rows from before sealing (no key id) are hex.
fn open_totp(app: &AppState, account_id: &str, stored: &StoredTotp) -> Result<Vec<u8>, ApiError> {
    let opened = match &stored.key_id {
        Some(key_id) => BASE64
            .decode(&stored.value)
            .map_err(|_| VaultError("not base64".into()))
            .and_then(|sealed| app.vault.open(key_id, &totp_aad(account_id), &sealed)),
        None => from_hex(&stored.value).ok_or_else(|| VaultError("not hex".into())),
    };
    opened.map_err(|e| {
        tracing::error!(error = %e, "totp: open");
        ApiError::new(ErrorCode::Internal)
    })
}

/// The account's active (`confirmed`) or pending TOTP secret, opened.
async fn totp_secret(
    app: &AppState,
    account_id: &str,
    confirmed: bool,
) -> Result<Option<Vec<u8>>, ApiError> {
    match app.store.totp_secret(account_id, confirmed).await? {
        Some(stored) => Ok(Some(open_totp(app, account_id, &stored)?)),
        None => Ok(None),
    }
}

/// Seals the TOTP secrets stored before they were sealed (run at start-up); answers how many.
pub async fn seal_legacy_totp(
    store: &Store,
    vault: &Vault,
    rng: &dyn Rng,
) -> Result<usize, String> {
    let mut sealed = 0;
    for (account_id, hex) in store
        .unsealed_totp_secrets()
        .await
        .map_err(|e| e.to_string())?
    {
        let secret =
            from_hex(&hex).ok_or_else(|| "an unsealed TOTP secret is not hex".to_string())?;
        let (key_id, blob) = seal_totp(vault, rng, &account_id, &secret)
            .map_err(|_| "cannot seal a TOTP secret".to_string())?;
        if store
            .seal_totp_secret(&account_id, &hex, (&key_id, &blob))
            .await
            .map_err(|e| e.to_string())?
        {
            sealed += 1;
        }
    }
    Ok(sealed)
}

fn from_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

fn new_backup_codes(app: &AppState) -> Vec<String> {
    (0..totp::BACKUP_CODES)
        .map(|_| {
            let mut b = [0u8; 7];
            app.rng.fill(&mut b);
            totp::backup_code(&b)
        })
        .collect()
}

/// Checks a TOTP or backup code for an account with abuse limits; `Ok(())` when it is valid (and
/// now spent).
pub async fn verify_second_factor(
    app: &AppState,
    ctx: &Ctx,
    account_id: &str,
    code: &str,
) -> Result<(), ApiError> {
    let now = app.now_ms();
    let scopes = limits::scopes("mfa", account_id, ctx.client_ip.as_deref());
    if let Err(wait) = limits::check(&app.store, &scopes, now).await? {
        return Err(ApiError::new(ErrorCode::RateLimited).retry_after(wait));
    }
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let result = if digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit()) {
        let Some(secret) = totp_secret(app, account_id, true).await? else {
            return Err(ApiError::new(ErrorCode::MfaNotOn));
        };
        match totp::matching_step(&secret, &digits, now / 1000) {
            Some(step) => app.store.spend_totp_step(account_id, step).await?,
            None => SecondFactor::Wrong,
        }
    } else {
        app.store
            .spend_backup_code(account_id, &backup_hash(app, account_id, code), now)
            .await?
    };
    match result {
        SecondFactor::Ok => Ok(()),
        SecondFactor::Reused => Err(ApiError::new(ErrorCode::MfaCodeReused)),
        SecondFactor::Wrong => {
            limits::record_failure(&app.store, &scopes, now).await?;
            app.store
                .journal_account(
                    account_id,
                    bankid_api::JournalEvent::Refused(ErrorCode::MfaCodeWrong),
                    now,
                    &ctx.trace_id,
                )
                .await?;
            Err(ApiError::new(ErrorCode::MfaCodeWrong))
        }
    }
}

/// What checking a second-factor code can answer ([`verify_second_factor`]).
const CODE_CHECK: &[ErrorCode] = &[
    ErrorCode::RateLimited,
    ErrorCode::MfaNotOn,
    ErrorCode::MfaCodeReused,
    ErrorCode::MfaCodeWrong,
];

errors!(EnrolErrors = SESSION, &[ErrorCode::MfaAlreadyOn]);

/// `POST /api/v1/account/totp`: a new secret to scan.
#[utoipa::path(
    post,
    path = "/api/v1/account/totp",
    operation_id = "totpEnrol",
    summary = "Start two-factor enrolment",
    description = "A new secret (base32) and its otpauth:// URI; not active until confirmed.",
    security(("bp_session" = [])),
    responses(
        (status = 200, description = "The secret to scan or type", body = TotpEnrolment),
        EnrolErrors,
    ),
)]
pub async fn enrol(
    State(app): State<AppState>,
    s: AuthSession,
) -> Result<Json<TotpEnrolment>, ApiError> {
    if app.store.totp_secret(&s.account_id, true).await?.is_some() {
        return Err(ApiError::new(ErrorCode::MfaAlreadyOn));
    }
    let account = app
        .store
        .account(&s.account_id)
        .await?
        .ok_or(ApiError::new(ErrorCode::AuthSessionRequired))?;
    let mut secret = [0u8; totp::SECRET_BYTES];
    app.rng.fill(&mut secret);
    let (key_id, sealed) = seal_totp(&app.vault, app.rng.as_ref(), &s.account_id, &secret)?;
    app.store
        .put_pending_totp(&s.account_id, (&key_id, &sealed), app.now_ms())
        .await?;
    let b32 = totp::base32(&secret);
    Ok(Json(TotpEnrolment {
        otpauth_uri: totp::otpauth_uri(ISSUER, &account.display_name(), &b32),
        secret: b32,
    }))
}

errors!(
    ConfirmErrors = SESSION,
    JSON_BODY,
    &[
        ErrorCode::FieldCodeFormat,
        ErrorCode::RateLimited,
        ErrorCode::MfaAlreadyOn,
        ErrorCode::MfaNotStarted,
        ErrorCode::MfaCodeWrong,
    ]
);

/// `POST /api/v1/account/totp/confirm`: the first valid code turns it on; answers the backup codes.
#[utoipa::path(
    post,
    path = "/api/v1/account/totp/confirm",
    operation_id = "totpConfirm",
    summary = "Confirm enrolment with the first code",
    description = "The first valid authenticator code turns two-factor protection on; the \
        account's other sessions end and this one is rotated.",
    request_body(content = ConfirmActivation, description = "The first authenticator code"),
    security(("bp_session" = [])),
    responses(
        (status = 200, description = "10 backup codes, shown once", body = BackupCodes,
            headers(("Set-Cookie" = String, description = "The new bp_session"))),
        ConfirmErrors,
    ),
)]
pub async fn confirm(
    State(app): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    s: AuthSession,
    ApiJson(req): ApiJson<MfaCode>,
) -> Result<Response, ApiError> {
    let code = bankid_api::validate::normalize_otp_code(&req.code)
        .map_err(|e| ApiError::field("code", e.code()))?;
    let now = app.now_ms();
    let scopes = limits::scopes("mfa", &s.account_id, ctx.client_ip.as_deref());
    if let Err(wait) = limits::check(&app.store, &scopes, now).await? {
        return Err(ApiError::new(ErrorCode::RateLimited).retry_after(wait));
    }
    if app.store.totp_secret(&s.account_id, true).await?.is_some() {
        return Err(ApiError::new(ErrorCode::MfaAlreadyOn));
    }
    let Some(secret) = totp_secret(&app, &s.account_id, false).await? else {
        return Err(ApiError::new(ErrorCode::MfaNotStarted));
    };
    let Some(step) = totp::matching_step(&secret, &code, now / 1000) else {
        limits::record_failure(&app.store, &scopes, now).await?;
        return Err(ApiError::new(ErrorCode::MfaCodeWrong));
    };
    let codes = new_backup_codes(&app);
    let hashes: Vec<String> = codes
        .iter()
        .map(|c| backup_hash(&app, &s.account_id, c))
        .collect();
    if !app
        .store
        .enable_totp(&s.account_id, step, &hashes, &s.id_hash, now, &ctx.trace_id)
        .await?
    {
        return Err(ApiError::new(ErrorCode::MfaAlreadyOn));
    }
    let cookie = rotate(&app, &s).await?;
    let mut resp = Json(BackupCodes { codes }).into_response();
    resp.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(resp)
}

async fn recent_or_code(
    app: &AppState,
    ctx: &Ctx,
    s: &AuthSession,
    code: Option<&str>,
) -> Result<(), ApiError> {
    match code.filter(|c| !c.trim().is_empty()) {
        Some(c) => verify_second_factor(app, ctx, &s.account_id, c).await,
        None if app.recently_authenticated(s.auth_at) => Ok(()),
        None => Err(ApiError::new(ErrorCode::MfaReauthRequired)),
    }
}

errors!(
    DisableErrors = SESSION,
    JSON_BODY,
    CODE_CHECK,
    &[ErrorCode::MfaReauthRequired]
);

/// `DELETE /api/v1/account/totp` with `{code}` (or an empty code after a fresh bank sign-in).
#[utoipa::path(
    delete,
    path = "/api/v1/account/totp",
    operation_id = "totpDisable",
    summary = "Turn two-factor protection off",
    description = "Needs a valid authenticator or backup code, or (empty code) a bank sign-in in \
        the last recent_auth_seconds (MFA_REAUTH_REQUIRED otherwise). Ends the account's other \
        sessions; rotates this one.",
    request_body = MfaCode,
    security(("bp_session" = [])),
    responses(
        (status = 204, description = "Off",
            headers(("Set-Cookie" = String, description = "The new bp_session"))),
        DisableErrors,
    ),
)]
pub async fn disable(
    State(app): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    s: AuthSession,
    ApiJson(req): ApiJson<MfaCode>,
) -> Result<Response, ApiError> {
    if app.store.totp_secret(&s.account_id, true).await?.is_none() {
        return Err(ApiError::new(ErrorCode::MfaNotOn));
    }
    recent_or_code(&app, &ctx, &s, Some(&req.code)).await?;
    app.store
        .disable_totp(&s.account_id, &s.id_hash, app.now_ms(), &ctx.trace_id)
        .await?;
    let cookie = rotate(&app, &s).await?;
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(resp)
}

errors!(
    RegenerateErrors = SESSION,
    JSON_BODY,
    CODE_CHECK,
    &[ErrorCode::MfaReauthRequired]
);

/// `POST /api/v1/account/backup-codes` with `{code}`: ten new codes, the old ones stop working.
#[utoipa::path(
    post,
    path = "/api/v1/account/backup-codes",
    operation_id = "backupCodes",
    summary = "New backup codes (the old ones stop working)",
    description = "Needs a valid authenticator or backup code, or (empty code) a bank sign-in in \
        the last recent_auth_seconds (MFA_REAUTH_REQUIRED otherwise).",
    request_body = MfaCode,
    security(("bp_session" = [])),
    responses((status = 200, description = "10 backup codes, shown once", body = BackupCodes), RegenerateErrors),
)]
pub async fn regenerate(
    State(app): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    s: AuthSession,
    ApiJson(req): ApiJson<MfaCode>,
) -> Result<Json<BackupCodes>, ApiError> {
    if app.store.totp_secret(&s.account_id, true).await?.is_none() {
        return Err(ApiError::new(ErrorCode::MfaNotOn));
    }
    recent_or_code(&app, &ctx, &s, Some(&req.code)).await?;
    let codes = new_backup_codes(&app);
    let hashes: Vec<String> = codes
        .iter()
        .map(|c| backup_hash(&app, &s.account_id, c))
        .collect();
    app.store
        .replace_backup_codes(&s.account_id, &hashes)
        .await?;
    Ok(Json(BackupCodes { codes }))
}

errors!(
    SecondFactorErrors = JSON_BODY,
    CODE_CHECK,
    &[
        ErrorCode::AuthSessionRequired,
        ErrorCode::Internal,
        ErrorCode::ServiceUnavailable
    ]
);

/// `POST /api/v1/session/second-factor`: finishes a sign-in with a TOTP or backup code.
#[utoipa::path(
    post,
    path = "/api/v1/session/second-factor",
    operation_id = "secondFactor",
    summary = "Finish a sign-in with an authenticator or backup code",
    description = "For a session signed in at the bank that still owes its second factor \
        (AUTH_SESSION_REQUIRED for any other).",
    request_body = MfaCode,
    security(("bp_session" = [])),
    responses(
        (status = 204, description = "Signed in; the session id is rotated",
            headers(("Set-Cookie" = String, description = "The new bp_session"))),
        SecondFactorErrors,
    ),
)]
pub async fn second_factor(
    State(app): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    PendingSession(s): PendingSession,
    ApiJson(req): ApiJson<MfaCode>,
) -> Result<Response, ApiError> {
    verify_second_factor(&app, &ctx, &s.account_id, &req.code).await?;
    app.store.complete_mfa(&s.id_hash).await?;
    let cookie = rotate(&app, &s).await?;
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(resp)
}
