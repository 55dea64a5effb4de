//! The banks linked to an account: the list, and removing one while another remains. An account
//! never has zero links; removing needs a bank sign-in in the last 10 minutes.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use bankid_api::types::LinkedBank;
use bankid_api::ErrorCode;

use crate::error::ApiError;
use crate::routes::rfc3339;
use crate::session::AuthSession;
use crate::store::Unlink;
use crate::web::Ctx;
use crate::AppState;

/// How recent the bank sign-in must be for changes to the links.
pub const RECENT_AUTH_MS: i64 = 10 * 60 * 1000;

/// `GET /api/v1/account/banks`.
pub async fn list(
    State(app): State<AppState>,
    s: AuthSession,
) -> Result<Json<Vec<LinkedBank>>, ApiError> {
    let rows = app.store.links(&s.account_id).await?;
    Ok(Json(
        rows.into_iter()
            .map(|(bank_id, linked_at, last_used_at)| LinkedBank {
                bank_id,
                linked_at: rfc3339(linked_at),
                last_used_at: rfc3339(last_used_at),
            })
            .collect(),
    ))
}

/// `DELETE /api/v1/account/banks/{bank_id}`: retires the link (history is kept); refused for the
/// last bank.
pub async fn remove(
    State(app): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    s: AuthSession,
    Path(bank_id): Path<String>,
) -> Result<Response, ApiError> {
    let now = app.now_ms();
    if now - s.auth_at > RECENT_AUTH_MS {
        return Err(ApiError::new(ErrorCode::AuthReauthRequired));
    }
    match app
        .store
        .retire_link(&s.account_id, &bank_id, now, &ctx.trace_id)
        .await?
    {
        Unlink::Done => Ok(StatusCode::NO_CONTENT.into_response()),
        Unlink::Last => Err(ApiError::new(ErrorCode::LinkLastBank)),
        Unlink::NotLinked => Err(ApiError::new(ErrorCode::LinkNotFound)),
    }
}
