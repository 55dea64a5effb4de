//! Token endpoint and UserInfo endpoint.

use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{json, Map, Value};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use crate::authorize::is_pkce_charset;
use crate::claims::{identity_claims, scope_string};
use crate::client_auth::{authenticate_client, OAuthError};
use crate::faults::{IdTokenFault, TokenResponseFault};
use crate::jose::{b64url, random_token, sign_compact, unsecured, KeyError, SigningKey};
use crate::respond::{json_no_store, parse_params, repeated_param};
use crate::state::{
    lock, not_found, unix_now, AccessToken, AppState, BankState, Shared, TOKEN_TTL_SECS,
};

/// Nesting depth of the `deep_nesting` fault's extra claim.
const DEEP_NESTING: usize = 10_000;
/// Length of the `long_sub` fault's subject.
const LONG_SUB: usize = 4000;

/// RFC 7636 4.6: BASE64URL-NOPAD(SHA256(ASCII(code_verifier))) == code_challenge.
fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let computed = b64url(Sha256::digest(verifier.as_bytes()));
    computed.as_bytes().ct_eq(challenge.as_bytes()).into()
}

pub(crate) async fn token(
    State(shared): State<AppState>,
    Path(bank_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(bank_state) = shared.bank(&bank_id) else {
        return not_found();
    };
    // Armed faults apply to exactly this call.
    let faults = std::mem::take(&mut *lock(&bank_state.faults));
    match faults.token_response {
        Some(TokenResponseFault::Http500) => {
            tracing::info!(bank = %bank_id, "fault: token endpoint answers 500");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "Internal Server Error\n",
            )
                .into_response();
        }
        Some(TokenResponseFault::Slow30s) => {
            tracing::info!(bank = %bank_id, "fault: token endpoint sleeps 30 s");
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
        Some(TokenResponseFault::InvalidJson) | None => {}
    }
    let result = exchange_code(&shared, bank_state, &headers, &body, faults.id_token).await;
    match result {
        Ok(body) => {
            if faults.token_response == Some(TokenResponseFault::InvalidJson) {
                tracing::info!(bank = %bank_id, "fault: token endpoint answers truncated JSON");
                let text = body.to_string();
                let cut = text.len() / 2;
                let truncated: String = text
                    .char_indices()
                    .take_while(|(i, _)| *i < cut)
                    .map(|(_, c)| c)
                    .collect();
                let mut resp = json_no_store(StatusCode::OK, &Value::Null);
                *resp.body_mut() = axum::body::Body::from(truncated);
                return resp;
            }
            json_no_store(StatusCode::OK, &body)
        }
        Err(e) => e.into_response(),
    }
}

/// Whether the request body is declared as a form (RFC 6749 3.2).
pub(crate) fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
        .unwrap_or(false)
}

async fn exchange_code(
    shared: &Shared,
    bank_state: &BankState,
    headers: &HeaderMap,
    body: &[u8],
    fault: Option<IdTokenFault>,
) -> Result<Value, OAuthError> {
    let bank_id = bank_state.id.as_str();
    if !is_form(headers) {
        return Err(OAuthError::bad(
            "invalid_request",
            "the request body must be application/x-www-form-urlencoded",
        ));
    }
    let form = parse_params(body)
        .map_err(|dup| OAuthError::bad("invalid_request", repeated_param(&dup)))?;
    let endpoint = format!("{}/token", shared.issuer(bank_id));
    let client_id = authenticate_client(shared, bank_state, &endpoint, headers, &form).await?;
    match form.get("grant_type").map(String::as_str) {
        None => return Err(OAuthError::bad("invalid_request", "grant_type is required")),
        Some("authorization_code") => {}
        Some(_) => {
            return Err(OAuthError::bad(
                "unsupported_grant_type",
                "only authorization_code is supported",
            ))
        }
    }
    let code = form
        .get("code")
        .ok_or_else(|| OAuthError::bad("invalid_request", "code is required"))?;
    let redirect_uri = form
        .get("redirect_uri")
        .ok_or_else(|| OAuthError::bad("invalid_request", "redirect_uri is required"))?;
    let verifier = form.get("code_verifier");

    // Validate and consume the code under the lock: a code is spent on first presentation.
    let grant = {
        let mut codes = lock(&shared.codes);
        let Some(grant) = codes.get_mut(code.as_str()) else {
            return Err(OAuthError::invalid_grant("unknown authorization code"));
        };
        if grant.bank != bank_id {
            return Err(OAuthError::invalid_grant(
                "the code was issued by another bank",
            ));
        }
        if grant.used {
            // RFC 6749 4.1.2: replay — revoke what the code produced.
            if let Some(token) = grant.access_token.take() {
                shared.revoke_token(&token);
            }
            tracing::warn!(bank = %bank_id, client = %client_id, "authorization code replayed");
            return Err(OAuthError::invalid_grant(
                "the authorization code was already used",
            ));
        }
        grant.used = true;
        if grant.expires_at <= Instant::now() {
            return Err(OAuthError::invalid_grant("the authorization code expired"));
        }
        if grant.client_id != client_id {
            return Err(OAuthError::invalid_grant(
                "the code was issued to another client",
            ));
        }
        if grant.redirect_uri != *redirect_uri {
            return Err(OAuthError::invalid_grant(
                "redirect_uri does not match the authorization request",
            ));
        }
        let Some(verifier) = verifier else {
            return Err(OAuthError::invalid_grant("code_verifier is required"));
        };
        if !(43..=128).contains(&verifier.len()) || !is_pkce_charset(verifier) {
            return Err(OAuthError::invalid_grant(
                "code_verifier must be 43-128 unreserved characters",
            ));
        }
        if !pkce_matches(verifier, &grant.code_challenge) {
            return Err(OAuthError::invalid_grant("PKCE verification failed"));
        }
        let access_token = random_token(32);
        grant.access_token = Some(access_token.clone());
        (access_token, grant.clone_data())
    };
    let (access_token, grant) = grant;

    let customer = shared
        .person_at(bank_state, &grant.login)
        .ok_or_else(|| OAuthError::invalid_grant("the customer no longer exists"))?;
    let id_token = id_token(shared, bank_state, &grant, &customer, fault)
        .await
        .map_err(|e| {
            tracing::error!(bank = %bank_id, "cannot sign the ID token: {e}");
            OAuthError {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                error: "server_error",
                description: "the ID token could not be signed".into(),
            }
        })?;
    shared.insert_token(
        access_token.clone(),
        AccessToken {
            bank: bank_id.to_owned(),
            login: grant.login.clone(),
            scopes: grant.scopes.clone(),
            expires_at: Instant::now() + Duration::from_secs(TOKEN_TTL_SECS.unsigned_abs()),
        },
    );
    tracing::info!(bank = %bank_id, client = %client_id, login = %grant.login, ?fault, "tokens issued");
    Ok(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": TOKEN_TTL_SECS,
        "id_token": id_token,
        "scope": scope_string(&grant.scopes),
    }))
}

/// The parts of a code grant needed after the lock is released.
pub(crate) struct GrantData {
    pub client_id: String,
    pub nonce: String,
    pub scopes: Vec<crate::claims::Scope>,
    pub login: String,
    pub auth_time: i64,
}

impl crate::state::CodeGrant {
    fn clone_data(&self) -> GrantData {
        GrantData {
            client_id: self.client_id.clone(),
            nonce: self.nonce.clone(),
            scopes: self.scopes.clone(),
            login: self.login.clone(),
            auth_time: self.auth_time,
        }
    }
}

async fn id_token(
    shared: &Shared,
    bank_state: &BankState,
    grant: &GrantData,
    customer: &crate::customers::Customer,
    fault: Option<IdTokenFault>,
) -> Result<String, KeyError> {
    let (current, previous) = bank_state.keys.both().await?;
    let mut iat = unix_now();
    let mut iss = shared.issuer(&bank_state.id);
    let mut aud = Value::from(grant.client_id.clone());
    let mut nonce = Some(grant.nonce.clone());
    match fault {
        Some(IdTokenFault::WrongAudience) => aud = format!("{}-other", grant.client_id).into(),
        Some(IdTokenFault::ExtraAudience) => aud = json!([grant.client_id, "untrusted-rp"]),
        Some(IdTokenFault::Expired) => iat -= 2 * TOKEN_TTL_SECS,
        Some(IdTokenFault::WrongNonce) => nonce = Some(random_token(16)),
        Some(IdTokenFault::MissingNonce) => nonce = None,
        Some(IdTokenFault::FutureIat) => iat += 3600,
        Some(IdTokenFault::WrongIssuer) => {
            // Another sandbox issuer: the mix-up a relying party must catch.
            let other = shared
                .order
                .iter()
                .find(|b| **b != bank_state.id)
                .map(String::as_str)
                .unwrap_or("evil");
            iss = shared.issuer(other);
        }
        _ => {}
    }
    let auth_time = grant.auth_time.min(iat);
    let mut claims: Map<String, Value> = identity_claims(
        bank_state.profile.claims,
        &bank_state.id,
        bank_state.info.country,
        customer,
        &grant.scopes,
    );
    claims.insert("iss".into(), iss.into());
    claims.insert("aud".into(), aud);
    claims.insert("iat".into(), iat.into());
    claims.insert("exp".into(), (iat + TOKEN_TTL_SECS).into());
    claims.insert("auth_time".into(), auth_time.into());
    if let Some(nonce) = nonce {
        claims.insert("nonce".into(), nonce.into());
    }
    match fault {
        Some(IdTokenFault::ExtraAudience) => {
            claims.insert("azp".into(), grant.client_id.clone().into());
        }
        Some(IdTokenFault::NbfFuture) => {
            claims.insert("nbf".into(), (unix_now() + 3600).into());
        }
        Some(IdTokenFault::LongSub) => {
            let sub = claims
                .get("sub")
                .and_then(Value::as_str)
                .unwrap_or("sub")
                .to_owned();
            let long: String = sub.chars().cycle().take(LONG_SUB).collect();
            claims.insert("sub".into(), long.into());
        }
        Some(IdTokenFault::EmptySub) => {
            claims.insert("sub".into(), "".into());
        }
        Some(IdTokenFault::ExpMax) => {
            claims.insert("exp".into(), i64::MAX.into());
        }
        _ => {}
    }
    let mut payload = Value::Object(claims).to_string();
    if fault == Some(IdTokenFault::DeepNesting) {
        // Built as text: a 10 000-deep serde_json::Value would overflow the stack.
        payload.pop();
        payload.push_str(",\"x\":");
        payload.push_str(&"[".repeat(DEEP_NESTING));
        payload.push_str(&"]".repeat(DEEP_NESTING));
        payload.push('}');
    }
    let payload = payload.into_bytes();
    match fault {
        Some(IdTokenFault::BadSignature) => {
            // A throw-away RSA key takes a while to make: off the async workers.
            tokio::task::spawn_blocking(move || current.sign_with_wrong_key(&payload))
                .await
                .map_err(|_| KeyError("signing task failed"))?
        }
        Some(IdTokenFault::WithdrawnKey) => {
            let key: std::sync::Arc<SigningKey> = match previous {
                Some(previous) => previous,
                None => {
                    // Not rotated yet (the fault rotates when armed; this is a fallback).
                    bank_state.keys.rotate().await?;
                    let (_, previous) = bank_state.keys.both().await?;
                    previous.ok_or(KeyError("no withdrawn key"))?
                }
            };
            key.sign(Map::new(), &payload)
        }
        Some(IdTokenFault::AlgNone) => {
            let mut header = Map::new();
            header.insert("alg".into(), "none".into());
            header.insert("typ".into(), "JWT".into());
            Ok(unsecured(&header, &payload))
        }
        Some(IdTokenFault::Hs256Secret) => {
            let secret = shared
                .clients
                .get(&grant.client_id)
                .map(|c| c.client_secret.as_bytes())
                .unwrap_or_default();
            let mut header = Map::new();
            header.insert("alg".into(), "HS256".into());
            header.insert("typ".into(), "JWT".into());
            header.insert("kid".into(), current.kid().into());
            sign_compact(
                &header,
                &payload,
                &EncodingKey::from_secret(secret),
                Algorithm::HS256,
            )
        }
        Some(IdTokenFault::CritHeader) => {
            let mut extra = Map::new();
            extra.insert("crit".into(), json!(["urn:example:unknown"]));
            extra.insert("urn:example:unknown".into(), true.into());
            current.sign(extra, &payload)
        }
        _ => current.sign(Map::new(), &payload),
    }
}

fn bearer_error(error: Option<&str>, description: &str) -> Response {
    let challenge = match error {
        Some(e) => format!(
            "Bearer realm=\"sandbox-bank\", error=\"{e}\", error_description=\"{description}\""
        ),
        None => "Bearer realm=\"sandbox-bank\"".to_owned(),
    };
    let mut resp = json_no_store(
        StatusCode::UNAUTHORIZED,
        &json!({ "error": error.unwrap_or("invalid_token"), "error_description": description }),
    );
    if let Ok(v) = HeaderValue::from_str(&challenge) {
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    resp
}

/// OpenID Connect UserInfo: `sub` plus the claims of the granted scopes.
pub(crate) async fn userinfo(
    State(shared): State<AppState>,
    Path(bank_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(bank_state) = shared.bank(&bank_id) else {
        return not_found();
    };
    let Some(auth) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return bearer_error(None, "a bearer access token is required");
    };
    let token = match auth.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
        _ => return bearer_error(Some("invalid_request"), "use the Bearer scheme"),
    };
    let grant = {
        let tokens = lock(&shared.tokens);
        tokens
            .get(token)
            .filter(|t| t.bank == bank_state.id && t.expires_at > Instant::now())
            .map(|t| (t.login.clone(), t.scopes.clone()))
    };
    let Some((login, scopes)) = grant else {
        return bearer_error(
            Some("invalid_token"),
            "the access token is invalid or expired",
        );
    };
    let Some(customer) = shared.person_at(bank_state, &login) else {
        return bearer_error(Some("invalid_token"), "unknown subject");
    };
    let claims = identity_claims(
        bank_state.profile.claims,
        &bank_state.id,
        bank_state.info.country,
        &customer,
        &scopes,
    );
    json_no_store(StatusCode::OK, &Value::Object(claims))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_rfc7636_appendix_b() {
        assert!(pkce_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!pkce_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
    }
}
