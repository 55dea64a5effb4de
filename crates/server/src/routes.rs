//! Small handlers of the API that belong to no use case: the bank list, health, the OpenAPI
//! document, the portal's client JWKS, and the API's fallbacks.

use axum::extract::State;
use axum::http::header::{self, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bankid_api::types::BankInfo;
use bankid_api::ErrorCode;

use crate::bank_flow::browser_cookie;
use crate::config::BankConfig;
use crate::error::ApiError;
use crate::AppState;

fn bank_info(b: &BankConfig) -> BankInfo {
    BankInfo {
        id: b.id.clone(),
        name: b.name.clone(),
        country: b.country,
        logo: b.logo.clone(),
        color: b.color.clone(),
        workable: b.workable,
        capabilities: b.capabilities.clone(),
        fields: crate::registration::requested_fields(b),
    }
}

/// `GET /.well-known/jwks.json`: the public keys of the portal's `private_key_jwt` client
/// authentication, for the banks to fetch (stable URL; every configured key, so rotation works).
pub async fn client_jwks(State(app): State<AppState>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/jwk-set+json"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        app.client_keys.jwks().to_string(),
    )
        .into_response()
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

/// Fallback for unknown API paths.
pub async fn api_not_found() -> ApiError {
    ApiError::new(ErrorCode::ReqNotFound)
}

pub async fn api_method_not_allowed() -> ApiError {
    ApiError::new(ErrorCode::ReqMethodNotAllowed)
}
