//! Pushed authorization requests (RFC 9126): `POST /{bank}/par`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::authorize::{registered_redirect, validate_request};
use crate::client_auth::{authenticate_client, OAuthError};
use crate::respond::{json_no_store, parse_params, repeated_param};
use crate::state::{not_found, AppState, BankState, Shared, PAR_TTL_SECS};
use crate::token::is_form;
use crate::Par;

/// `POST /{bank}/par`: the client-authenticated authorization request parameters, validated
/// as `/authorize` validates them; answers 201 with a single-use `request_uri` (60 s).
/// 404 at issuers without PAR.
pub(crate) async fn par(
    State(shared): State<AppState>,
    Path(bank_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(bank_state) = shared.bank(&bank_id) else {
        return not_found();
    };
    if bank_state.profile.par == Par::No {
        return not_found();
    }
    match push(&shared, bank_state, &headers, &body).await {
        Ok(v) => json_no_store(StatusCode::CREATED, &v),
        Err(e) => e.into_response(),
    }
}

async fn push(
    shared: &Shared,
    bank_state: &BankState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Value, OAuthError> {
    if !is_form(headers) {
        return Err(OAuthError::bad(
            "invalid_request",
            "the request body must be application/x-www-form-urlencoded",
        ));
    }
    let form = parse_params(body)
        .map_err(|dup| OAuthError::bad("invalid_request", repeated_param(&dup)))?;
    let endpoint = format!("{}/par", shared.issuer(&bank_state.id));
    let client_id = authenticate_client(shared, bank_state, &endpoint, headers, &form).await?;
    if form.get("client_id").is_some_and(|id| *id != client_id) {
        return Err(OAuthError::bad(
            "invalid_request",
            "client_id does not match the authenticated client",
        ));
    }
    if form.contains_key("request_uri") {
        return Err(OAuthError::bad(
            "invalid_request",
            "request_uri must not be pushed (RFC 9126 2.1)",
        ));
    }
    let Some(client) = shared.clients.get(&client_id) else {
        return Err(OAuthError::invalid_client("client authentication failed"));
    };
    let Some(redirect_uri) = registered_redirect(client, form.get("redirect_uri")) else {
        return Err(OAuthError::bad(
            "invalid_request",
            "redirect_uri is missing or not registered for this client",
        ));
    };
    let params = validate_request(bank_state, client, redirect_uri, &form)
        .map_err(|e| OAuthError::bad(e.error, e.description))?;
    let request_uri = shared.push_request(&bank_state.id, params);
    tracing::info!(bank = %bank_state.id, client = %client_id, "authorization request pushed");
    Ok(json!({ "request_uri": request_uri, "expires_in": PAR_TTL_SECS }))
}
