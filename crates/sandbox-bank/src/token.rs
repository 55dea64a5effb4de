//! Token endpoint, UserInfo endpoint and test-only fault injection.

use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use crate::authorize::is_pkce_charset;
use crate::banks::BANKS;
use crate::claims::{identity_claims, scope_string};
use crate::jose::{b64url, random_token};
use crate::respond::{json_no_store, parse_params, repeated_param};
use crate::state::{
    lock, not_found, unix_now, AccessToken, AppState, BankState, IdTokenFault, Shared,
    TokenResponseFault, TOKEN_TTL_SECS,
};

/// An RFC 6749 5.2 error response.
struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
}

impl OAuthError {
    fn bad(error: &'static str, description: impl Into<String>) -> Self {
        OAuthError {
            status: StatusCode::BAD_REQUEST,
            error,
            description: description.into(),
        }
    }

    fn invalid_client(description: impl Into<String>) -> Self {
        OAuthError {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
            description: description.into(),
        }
    }

    fn invalid_grant(description: impl Into<String>) -> Self {
        Self::bad("invalid_grant", description)
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        tracing::info!(error = self.error, description = %self.description, "token endpoint error");
        let mut resp = json_no_store(
            self.status,
            &json!({ "error": self.error, "error_description": self.description }),
        );
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"sandbox-bank\", charset=\"UTF-8\""),
            );
        }
        resp
    }
}

/// Decodes one `application/x-www-form-urlencoded` component (`+` is a space).
fn form_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Credentials from `Authorization: Basic` (RFC 6749 2.3.1: id and secret are
/// form-urlencoded before base64). `Ok(None)` when there is no Basic header.
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let malformed = || OAuthError::invalid_client("malformed Authorization header");
    let value = value.to_str().map_err(|_| malformed())?;
    let Some((scheme, encoded)) = value.split_once(' ') else {
        return Err(malformed());
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(OAuthError::invalid_client(
            "unsupported client authentication scheme",
        ));
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| malformed())?;
    let decoded = String::from_utf8(decoded).map_err(|_| malformed())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(malformed)?;
    Ok(Some((
        form_decode(id).ok_or_else(malformed)?,
        form_decode(secret).ok_or_else(malformed)?,
    )))
}

fn hashed_eq(a: &str, b: &str) -> bool {
    Sha256::digest(a.as_bytes())
        .ct_eq(&Sha256::digest(b.as_bytes()))
        .into()
}

/// Authenticates the client (client_secret_basic or client_secret_post) and returns its id.
fn authenticate_client(
    shared: &Shared,
    headers: &HeaderMap,
    form: &std::collections::HashMap<String, String>,
) -> Result<String, OAuthError> {
    let basic = basic_credentials(headers)?;
    let body_id = form.get("client_id");
    let body_secret = form.get("client_secret");
    let (id, secret) = match (basic, body_secret) {
        (Some(_), Some(_)) => {
            return Err(OAuthError::bad(
                "invalid_request",
                "use only one client authentication method",
            ))
        }
        (Some((id, secret)), None) => {
            if body_id.is_some_and(|b| *b != id) {
                return Err(OAuthError::bad(
                    "invalid_request",
                    "client_id in the body does not match the authenticated client",
                ));
            }
            (id, secret)
        }
        (None, Some(secret)) => match body_id {
            Some(id) => (id.clone(), secret.clone()),
            None => return Err(OAuthError::invalid_client("client_id is required")),
        },
        (None, None) => {
            return Err(OAuthError::invalid_client(
                "client authentication is required",
            ))
        }
    };
    let registered = shared.clients.get(&id);
    // Compare against a dummy for unknown clients so timing does not reveal client ids.
    let expected = registered.map(|c| c.client_secret.as_str()).unwrap_or("");
    let secret_ok = hashed_eq(&secret, expected);
    match registered {
        Some(_) if secret_ok => Ok(id),
        _ => Err(OAuthError::invalid_client("client authentication failed")),
    }
}

/// RFC 7636 4.6: BASE64URL-NOPAD(SHA256(ASCII(code_verifier))) == code_challenge.
fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let computed = b64url(&Sha256::digest(verifier.as_bytes()));
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
    let result = exchange_code(&shared, bank_state, &headers, &body, faults.id_token);
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

fn exchange_code(
    shared: &Shared,
    bank_state: &BankState,
    headers: &HeaderMap,
    body: &[u8],
    fault: Option<IdTokenFault>,
) -> Result<Value, OAuthError> {
    let bank = bank_state.info;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if content_type.as_deref() != Some("application/x-www-form-urlencoded") {
        return Err(OAuthError::bad(
            "invalid_request",
            "the request body must be application/x-www-form-urlencoded",
        ));
    }
    let form = parse_params(body)
        .map_err(|dup| OAuthError::bad("invalid_request", repeated_param(&dup)))?;
    let client_id = authenticate_client(shared, headers, &form)?;
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
        if grant.bank != bank.id {
            return Err(OAuthError::invalid_grant(
                "the code was issued by another bank",
            ));
        }
        if grant.used {
            // RFC 6749 4.1.2: replay — revoke what the code produced.
            if let Some(token) = grant.access_token.take() {
                shared.revoke_token(&token);
            }
            tracing::warn!(bank = bank.id, client = %client_id, "authorization code replayed");
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
        .customer_at(bank.id, &grant.login)
        .ok_or_else(|| OAuthError::invalid_grant("the customer no longer exists"))?;
    let id_token = id_token(shared, bank_state, &grant, customer, fault);
    shared.insert_token(
        access_token.clone(),
        AccessToken {
            bank: bank.id,
            login: grant.login.clone(),
            scopes: grant.scopes.clone(),
            expires_at: Instant::now() + Duration::from_secs(TOKEN_TTL_SECS.unsigned_abs()),
        },
    );
    tracing::info!(bank = bank.id, client = %client_id, login = %grant.login, ?fault, "tokens issued");
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

fn id_token(
    shared: &Shared,
    bank_state: &BankState,
    grant: &GrantData,
    customer: &crate::customers::Customer,
    fault: Option<IdTokenFault>,
) -> String {
    let bank = bank_state.info;
    let mut iat = unix_now();
    let mut auth_time = grant.auth_time;
    let mut iss = shared.issuer(bank.id);
    let mut aud = grant.client_id.clone();
    let mut nonce = Some(grant.nonce.clone());
    match fault {
        Some(IdTokenFault::WrongAudience) => aud = format!("{}-other", grant.client_id),
        Some(IdTokenFault::Expired) => iat -= 2 * TOKEN_TTL_SECS,
        Some(IdTokenFault::WrongNonce) => nonce = Some(random_token(16)),
        Some(IdTokenFault::MissingNonce) => nonce = None,
        Some(IdTokenFault::FutureIat) => iat += 3600,
        Some(IdTokenFault::WrongIssuer) => {
            // Another sandbox bank's issuer: the mix-up a relying party must catch.
            let other = BANKS
                .iter()
                .find(|b| b.id != bank.id)
                .map(|b| b.id)
                .unwrap_or("evil");
            iss = shared.issuer(other);
        }
        Some(IdTokenFault::BadSignature) | None => {}
    }
    auth_time = auth_time.min(iat);
    let mut claims: Map<String, Value> =
        identity_claims(bank.id, bank.country, customer, &grant.scopes);
    claims.insert("iss".into(), iss.into());
    claims.insert("aud".into(), aud.into());
    claims.insert("iat".into(), iat.into());
    claims.insert("exp".into(), (iat + TOKEN_TTL_SECS).into());
    claims.insert("auth_time".into(), auth_time.into());
    if let Some(nonce) = nonce {
        claims.insert("nonce".into(), nonce.into());
    }
    if fault == Some(IdTokenFault::BadSignature) {
        bank_state.key.sign_jwt_with_wrong_key(&claims)
    } else {
        bank_state.key.sign_jwt(&claims)
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
    let bank = bank_state.info;
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
            .filter(|t| t.bank == bank.id && t.expires_at > Instant::now())
            .map(|t| (t.login.clone(), t.scopes.clone()))
    };
    let Some((login, scopes)) = grant else {
        return bearer_error(
            Some("invalid_token"),
            "the access token is invalid or expired",
        );
    };
    let Some(customer) = shared.customer_at(bank.id, &login) else {
        return bearer_error(Some("invalid_token"), "unknown subject");
    };
    let claims = identity_claims(bank.id, bank.country, customer, &scopes);
    json_no_store(StatusCode::OK, &Value::Object(claims))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultRequest {
    next_id_token: Option<String>,
    next_token_response: Option<String>,
}

/// Test-only: arms faults for the next `/token` call of this bank.
pub(crate) async fn faults(
    State(shared): State<AppState>,
    Path(bank_id): Path<String>,
    body: Bytes,
) -> Response {
    if !shared.faults_enabled {
        return not_found();
    }
    let Some(bank_state) = shared.bank(&bank_id) else {
        return not_found();
    };
    let bad = |msg: String| {
        (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({ "error": "invalid_request", "error_description": msg })),
        )
            .into_response()
    };
    let req: FaultRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return bad(format!("invalid fault request: {e}")),
    };
    let id_token = match req
        .next_id_token
        .as_deref()
        .map(|s| (s, IdTokenFault::parse(s)))
    {
        None => None,
        Some((_, Some(f))) => Some(f),
        Some((s, None)) => return bad(format!("unknown next_id_token fault {s:?}")),
    };
    let token_response = match req
        .next_token_response
        .as_deref()
        .map(|s| (s, TokenResponseFault::parse(s)))
    {
        None => None,
        Some((_, Some(f))) => Some(f),
        Some((s, None)) => return bad(format!("unknown next_token_response fault {s:?}")),
    };
    {
        let mut faults = lock(&bank_state.faults);
        if id_token.is_some() {
            faults.id_token = id_token;
        }
        if token_response.is_some() {
            faults.token_response = token_response;
        }
    }
    tracing::info!(bank = %bank_id, ?id_token, ?token_response, "faults armed for the next token call");
    StatusCode::NO_CONTENT.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decoding() {
        assert_eq!(form_decode("a%3Ab+c").as_deref(), Some("a:b c"));
        assert_eq!(form_decode("%zz"), None);
        assert_eq!(form_decode("%4"), None);
        assert_eq!(form_decode("%D0%96").as_deref(), Some("Ж"));
    }

    #[test]
    fn basic_header_is_form_decoded() {
        let mut h = HeaderMap::new();
        let encoded = STANDARD.encode("my%3Aclient:s%2Bcr+t");
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Basic {encoded}")).expect("header"),
        );
        let creds = basic_credentials(&h).ok().flatten().expect("creds");
        assert_eq!(creds, ("my:client".to_owned(), "s+cr t".to_owned()));
    }

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
