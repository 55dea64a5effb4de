//! Discovery document (OpenID Connect Discovery 1.0), JWKS and the landing page.

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::banks::Country;
use crate::claims::Scope;
use crate::html;
use crate::state::{not_found, AppState, Shared};
use crate::{ClaimStyle, ClientAuth, Par, SigningAlg};

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
    let bank_state = shared.bank(bank_id)?;
    let bank = bank_state.info;
    let profile = bank_state.profile;
    let issuer = shared.issuer(&bank_state.id);
    let scopes = Scope::supported(profile.claims, bank.country);
    let mut claims = vec!["iss", "aud", "exp", "iat", "auth_time", "nonce"];
    for s in &scopes {
        for c in s.claim_names(bank.country) {
            if !claims.contains(c) {
                claims.push(c);
            }
        }
    }
    let scope_names: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
    // The sticky `http_endpoints` fault moves the back-channel endpoints off the issuer.
    let back_channel = if bank_state.http_endpoints_fault() {
        format!("http://bank.invalid/{}", bank_state.id)
    } else {
        issuer.clone()
    };
    let mut doc = json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{back_channel}/token"),
        "userinfo_endpoint": format!("{back_channel}/userinfo"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": [profile.alg.as_str()],
        "token_endpoint_auth_methods_supported": [profile.client_auth.as_str()],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": scope_names,
        "claims_supported": claims,
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "authorization_response_iss_parameter_supported": true,
        "ui_locales_supported": [bank.country.lang(), "en"],
    });
    let obj = doc.as_object_mut()?;
    if profile.client_auth == ClientAuth::PrivateKeyJwt {
        let algs: Vec<&str> = SigningAlg::CLIENT_ASSERTION
            .iter()
            .map(|a| a.as_str())
            .collect();
        obj.insert(
            "token_endpoint_auth_signing_alg_values_supported".into(),
            json!(algs),
        );
    }
    if profile.par != Par::No {
        obj.insert(
            "pushed_authorization_request_endpoint".into(),
            format!("{back_channel}/par").into(),
        );
        obj.insert(
            "require_pushed_authorization_requests".into(),
            (profile.par == Par::Required).into(),
        );
    }
    if profile.claims == ClaimStyle::Verified {
        // OpenID Connect for Identity Assurance 1.0, section 8.
        let framework = match bank.country {
            Country::Ru => "ru_115fz",
            Country::Ua => "ua_bankid",
        };
        let mut in_verified = vec![
            "family_name",
            "given_name",
            "middle_name",
            "birthdate",
            "idcards",
            "taxpayer_number",
        ];
        if bank.country == Country::Ru {
            in_verified.push("snils");
        }
        obj.insert("verified_claims_supported".into(), true.into());
        obj.insert("trust_frameworks_supported".into(), json!([framework]));
        obj.insert("evidence_supported".into(), json!(["document"]));
        obj.insert("documents_supported".into(), json!(["passport"]));
        obj.insert(
            "claims_in_verified_claims_supported".into(),
            json!(in_verified),
        );
    }
    Some(doc)
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
    let Some(bank_state) = shared.bank(&bank_id) else {
        return not_found();
    };
    match bank_state.keys.current().await {
        Ok(key) => public_json(json!({ "keys": [key.jwk()] })),
        Err(e) => {
            tracing::error!(bank = %bank_id, "key generation failed: {e}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

pub(crate) async fn index(State(shared): State<AppState>) -> Response {
    let banks: Vec<_> = shared
        .order
        .iter()
        .filter_map(|id| shared.bank(id))
        .map(|b| (b.info, shared.issuer(&b.id)))
        .collect();
    crate::respond::html(StatusCode::OK, html::index_page(&banks), None)
}
