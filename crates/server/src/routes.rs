//! The route table: every URL of the portal and the handler it goes to (use-case modules hold
//! the handlers), the layers every request passes, the SPA's static files; and the small handlers
//! of no use case: the bank list, health, the OpenAPI document, the portal's client JWKS, the
//! API's fallbacks.

use axum::extract::{DefaultBodyLimit, State};
use axum::http::header::{self, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use bankid_api::types::BankInfo;
use bankid_api::ErrorCode;
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;

use crate::bank_flow::browser_cookie;
use crate::config::BankConfig;
use crate::error::ApiError;
use crate::openapi::{errors, DB};
use crate::AppState;
use crate::{
    activation, bank_flow, embed, idempotency, links, mfa, registration, session, signin, web,
};

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .route("/banks", get(list_banks))
        .route("/registrations", axum::routing::post(registration::start))
        .route("/registrations/{id}", get(registration::status))
        .route("/openapi.json", get(openapi))
        .route("/health", get(health))
        .route("/session", get(session::current).delete(session::sign_out))
        .route(
            "/account/activation",
            axum::routing::post(activation::send_code),
        )
        .route(
            "/account/activation/confirm",
            axum::routing::post(activation::confirm),
        )
        .route("/dev/inbox", get(activation::dev_inbox))
        .route(
            "/account/totp",
            axum::routing::post(mfa::enrol).delete(mfa::disable),
        )
        .route("/account/totp/confirm", axum::routing::post(mfa::confirm))
        .route(
            "/account/backup-codes",
            axum::routing::post(mfa::regenerate),
        )
        .route("/sessions", axum::routing::post(signin::start))
        .route("/account/banks", get(links::list).post(links::start_link))
        .route(
            "/account/banks/{bank_id}",
            axum::routing::delete(links::remove),
        )
        .route("/account/consents", get(links::consents))
        .route(
            "/account/consents/{id}/withdraw",
            axum::routing::post(links::withdraw),
        )
        .route(
            "/registrations/{id}/reverify",
            axum::routing::post(registration::reverify),
        )
        .route(
            "/session/second-factor",
            axum::routing::post(mfa::second_factor),
        )
        .route("/embed/handback", axum::routing::post(embed::handback))
        .fallback(api_not_found)
        .method_not_allowed_fallback(api_method_not_allowed)
        .layer(DefaultBodyLimit::max(bankid_api::types::MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            idempotency::idempotency,
        ));

    let dist = state.config.server.dist_dir.clone();
    let spa = if dist.join("index.html").is_file() {
        // A page path is answered with the HTML of the bundle that renders it, its boot data
        // written in; every other file as built, brotli or gzip as the build wrote it.
        let page = axum::handler::Handler::with_state(crate::site::page, state.clone());
        // `/` is a page too: never the bare index.html.
        let files = ServeDir::new(&dist)
            .append_index_html_on_directories(false)
            .precompressed_br()
            .precompressed_gzip()
            .fallback(page);
        Router::new()
            .fallback_service(files)
            .layer(axum::middleware::from_fn(web::static_cache))
            .layer(CompressionLayer::new())
    } else {
        Router::new().fallback(web::no_spa)
    };

    Router::new()
        .nest("/api/v1", api)
        .route("/auth/callback", get(bank_flow::callback))
        .route("/auth/launch", get(embed::launch))
        .route("/.well-known/jwks.json", get(client_jwks))
        .merge(spa)
        .layer(axum::middleware::from_fn(web::request_timeout))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            web::security_headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            web::request_context,
        ))
        .with_state(state)
}

/// The partner banks in display order, their logos under their content-hashed names.
pub fn banks(app: &AppState) -> Vec<BankInfo> {
    app.config.banks.iter().map(|b| bank_info(app, b)).collect()
}

fn bank_info(app: &AppState, b: &BankConfig) -> BankInfo {
    BankInfo {
        id: b.id.clone(),
        name: b.name.clone(),
        country: b.country,
        logo: app.site.asset(&b.logo),
        color: b.color.clone(),
        workable: b.workable,
        capabilities: b.capabilities.clone(),
        fields: crate::registration::requested_fields(b),
        embed_origins: b.embed_origins.clone(),
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
    let mut resp = Json(banks(&app)).into_response();
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
    app.store.ping().await?;
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
