//! Discovery document (OpenID Connect Discovery 1.0), JWKS and the landing page.

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::banks::BANKS;
use crate::claims::Scope;
use crate::html;
use crate::state::{not_found, AppState, Shared};

fn public_json(body: Value) -> Response {
    let mut resp = (StatusCode::OK, axum::Json(body)).into_response();
    let headers = resp.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    resp
}

pub(crate) fn discovery_document(shared: &Shared, bank_id: &str) -> Option<Value> {
    let bank = shared.bank(bank_id)?.info;
    let issuer = shared.issuer(bank.id);
    let scopes = Scope::supported(bank.country);
    let mut claims = vec!["iss", "aud", "exp", "iat", "auth_time", "nonce"];
    for s in &scopes {
        for c in s.claim_names(bank.country) {
            if !claims.contains(c) {
                claims.push(c);
            }
        }
    }
    let scope_names: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
    Some(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "userinfo_endpoint": format!("{issuer}/userinfo"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": scope_names,
        "claims_supported": claims,
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "authorization_response_iss_parameter_supported": true,
        "ui_locales_supported": [bank.country.lang(), "en"],
    }))
}

pub(crate) async fn discovery(
    State(shared): State<AppState>,
    Path(bank_id): Path<String>,
) -> Response {
    match discovery_document(&shared, &bank_id) {
        Some(doc) => public_json(doc),
        None => not_found(),
    }
}

pub(crate) async fn jwks(State(shared): State<AppState>, Path(bank_id): Path<String>) -> Response {
    match shared.bank(&bank_id) {
        Some(b) => public_json(json!({ "keys": [b.key.jwk()] })),
        None => not_found(),
    }
}

pub(crate) async fn index(State(shared): State<AppState>) -> Response {
    let banks: Vec<_> = BANKS.iter().map(|b| (b, shared.issuer(b.id))).collect();
    crate::respond::html(StatusCode::OK, html::index_page(&banks), None)
}
