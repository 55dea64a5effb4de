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
use crate::openapi::{errors, DB};
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
#[utoipa::path(
    get,
    path = "/.well-known/jwks.json",
    operation_id = "clientJwks",
    summary = "The portal's public keys for private_key_jwt client authentication at the banks",
    responses((
        status = 200,
        description = "A JWK set (RFC 7517): every configured key, so that rotation works",
        content_type = "application/jwk-set+json",
        body = Object,
    )),
)]
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

/// `GET /api/v1/banks`: the partner banks in display order; sets the browser-binding cookie.
#[utoipa::path(
    get,
    path = "/api/v1/banks",
    operation_id = "listBanks",
    summary = "Partner banks",
    description = "In display order. A bank with workable false is shown but cannot be used. Sets \
        the HttpOnly browser-binding cookie bp_browser when the browser has none.",
    responses((status = 200, description = "Banks in display order", body = Vec<BankInfo>)),
)]
pub async fn list_banks(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let (_, set) = browser_cookie(&app, &headers);
    let mut resp = Json(app.config.banks.iter().map(bank_info).collect::<Vec<_>>()).into_response();
    if let Some(v) = set {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// The answer of `GET /api/v1/health`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Health {
    /// Always `ok` (anything wrong is an error).
    #[schema(pattern = "^ok$")]
    pub status: &'static str,
}

errors!(HealthErrors = DB);

/// `GET /api/v1/health`: the server answers and its database too.
#[utoipa::path(
    get,
    path = "/api/v1/health",
    operation_id = "health",
    summary = "Liveness and database check",
    responses((status = 200, description = "ok", body = Health), HealthErrors),
)]
pub async fn health(State(app): State<AppState>) -> Result<Json<Health>, ApiError> {
    sqlx::query("SELECT 1").execute(app.store.pool()).await?;
    Ok(Json(Health { status: "ok" }))
}

/// `GET /api/v1/openapi.json`: the document built when the server started ([`crate::openapi`]).
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    operation_id = "openapi",
    summary = "This document",
    responses((status = 200, description = "OpenAPI 3.1", body = Object)),
)]
pub async fn openapi(State(app): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        app.openapi.clone(),
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
