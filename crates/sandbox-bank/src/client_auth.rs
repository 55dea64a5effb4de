//! Client authentication at the token and PAR endpoints: exactly the issuer's method,
//! `client_secret_basic`, `client_secret_post` or `private_key_jwt` (RFC 7523, OpenID Connect
//! Core 9) with the client's JWKS fetched from its `jwks_uri`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use crate::jose::{Compact, PublicJwk};
use crate::respond::json_no_store;
use crate::state::{lock, unix_now, BankState, Shared};
use crate::{ClientAuth, ClientRegistration, Par, SigningAlg};

/// `client_assertion_type` for private_key_jwt (RFC 7523 2.2).
pub(crate) const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Clock skew tolerated on `exp`, `iat` and `nbf` of client assertions.
const SKEW_SECS: i64 = 60;
/// Furthest `exp` may lie ahead (plus the skew).
const MAX_ASSERTION_LIFETIME_SECS: i64 = 300;
/// Largest client assertion accepted.
const MAX_ASSERTION_LEN: usize = 16 * 1024;
/// Largest client JWKS document accepted.
const MAX_JWKS_BYTES: usize = 64 * 1024;
/// A client's JWKS is refetched for an unknown `kid` at most this often.
const REFETCH_INTERVAL: Duration = Duration::from_secs(10);
/// A cached client JWKS older than this is refetched before use.
const JWKS_MAX_AGE: Duration = Duration::from_secs(300);
/// Timeout of a JWKS fetch.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// An RFC 6749 5.2 error response (token and PAR endpoints).
pub(crate) struct OAuthError {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: String,
}

impl OAuthError {
    pub(crate) fn bad(error: &'static str, description: impl Into<String>) -> Self {
        OAuthError {
            status: StatusCode::BAD_REQUEST,
            error,
            description: description.into(),
        }
    }

    pub(crate) fn invalid_client(description: impl Into<String>) -> Self {
        OAuthError {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
            description: description.into(),
        }
    }

    pub(crate) fn invalid_grant(description: impl Into<String>) -> Self {
        Self::bad("invalid_grant", description)
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        tracing::info!(error = self.error, description = %self.description, "OAuth error response");
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
/// form-urlencoded before base64). `Ok(None)` when there is no Authorization header.
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

/// Checks a client secret; unknown clients and clients without a secret always fail
/// (compared against a dummy so timing does not reveal client ids).
fn check_secret<'a>(
    shared: &'a Shared,
    id: &str,
    secret: &str,
) -> Result<&'a ClientRegistration, OAuthError> {
    let registered = shared.clients.get(id);
    let expected = registered
        .map(|c| c.client_secret.as_str())
        .unwrap_or_default();
    let secret_ok = hashed_eq(secret, expected);
    match registered {
        Some(c) if secret_ok && !c.client_secret.is_empty() => Ok(c),
        _ => Err(OAuthError::invalid_client("client authentication failed")),
    }
}

/// Authenticates the client with the issuer's one method and returns its id.
/// `endpoint` is the URL of the endpoint being called (a valid assertion audience).
pub(crate) async fn authenticate_client(
    shared: &Shared,
    bank: &BankState,
    endpoint: &str,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<String, OAuthError> {
    let basic = basic_credentials(headers)?;
    let body_id = form.get("client_id");
    let secret = form.get("client_secret");
    let assertion =
        form.contains_key("client_assertion") || form.contains_key("client_assertion_type");
    let used: Vec<ClientAuth> = [
        (basic.is_some(), ClientAuth::ClientSecretBasic),
        (secret.is_some(), ClientAuth::ClientSecretPost),
        (assertion, ClientAuth::PrivateKeyJwt),
    ]
    .into_iter()
    .filter_map(|(present, m)| present.then_some(m))
    .collect();
    let required = bank.profile.client_auth;
    match used.as_slice() {
        [] => {
            return Err(OAuthError::invalid_client(format!(
                "client authentication is required: this bank uses {}",
                required.as_str()
            )))
        }
        [m] if *m == required => {}
        [m] => {
            return Err(OAuthError::invalid_client(format!(
                "{} is not accepted: this bank requires {}",
                m.as_str(),
                required.as_str()
            )))
        }
        _ => {
            return Err(OAuthError::invalid_client(format!(
                "use exactly one client authentication method: this bank requires {}",
                required.as_str()
            )))
        }
    }
    match required {
        ClientAuth::ClientSecretBasic => {
            let Some((id, secret)) = basic else {
                return Err(OAuthError::invalid_client("client authentication failed"));
            };
            if body_id.is_some_and(|b| *b != id) {
                return Err(OAuthError::invalid_client(
                    "client_id in the body does not match the authenticated client",
                ));
            }
            check_secret(shared, &id, &secret).map(|c| c.client_id.clone())
        }
        ClientAuth::ClientSecretPost => {
            let (Some(id), Some(secret)) = (body_id, secret) else {
                return Err(OAuthError::invalid_client("client_id is required"));
            };
            check_secret(shared, id, secret).map(|c| c.client_id.clone())
        }
        ClientAuth::PrivateKeyJwt => {
            private_key_jwt(shared, bank, endpoint, body_id.map(String::as_str), form).await
        }
    }
}

/// RFC 7523 2.2 / OpenID Connect Core 9 `private_key_jwt`.
async fn private_key_jwt(
    shared: &Shared,
    bank: &BankState,
    endpoint: &str,
    body_id: Option<&str>,
    form: &HashMap<String, String>,
) -> Result<String, OAuthError> {
    let fail = |why: &str| OAuthError::invalid_client(format!("client assertion refused: {why}"));
    if form.get("client_assertion_type").map(String::as_str) != Some(JWT_BEARER) {
        return Err(OAuthError::invalid_client(format!(
            "client_assertion_type must be {JWT_BEARER}"
        )));
    }
    let Some(assertion) = form.get("client_assertion") else {
        return Err(OAuthError::invalid_client("client_assertion is required"));
    };
    if assertion.len() > MAX_ASSERTION_LEN {
        return Err(fail("too large"));
    }
    let jws = Compact::parse(assertion).ok_or_else(|| fail("not a compact JWS"))?;
    let alg_name = jws.header.get("alg").and_then(Value::as_str).unwrap_or("");
    if alg_name.eq_ignore_ascii_case("none") || alg_name.starts_with("HS") {
        return Err(fail("alg none and HMAC algorithms are not accepted"));
    }
    let alg = SigningAlg::parse(alg_name)
        .ok_or_else(|| fail("alg must be one of ES256, PS256, RS256, EdDSA"))?;
    if jws.header.contains_key("crit") {
        return Err(fail("no critical header extensions are understood"));
    }
    let claim = |k: &str| jws.claims.get(k).and_then(Value::as_str);
    let Some(iss) = claim("iss") else {
        return Err(fail("iss is required"));
    };
    if claim("sub") != Some(iss) {
        return Err(fail("sub must equal iss (the client_id)"));
    }
    if body_id.is_some_and(|id| id != iss) {
        return Err(fail("client_id in the body does not match iss"));
    }
    let Some(client) = shared.clients.get(iss) else {
        return Err(fail("unknown client"));
    };
    let Some(jwks_uri) = client.jwks_uri.as_deref() else {
        return Err(fail("the client has no registered jwks_uri"));
    };
    let kid = jws.header.get("kid").and_then(Value::as_str);
    shared
        .client_keys
        .verify(&client.client_id, jwks_uri, &jws, kid, alg)
        .await
        .map_err(|why| fail(&why))?;

    // Claims (RFC 7523 3).
    let issuer = shared.issuer(&bank.id);
    let mut audiences = vec![issuer.clone(), format!("{issuer}/token")];
    if bank.profile.par != Par::No {
        audiences.push(format!("{issuer}/par"));
    }
    if !audiences.iter().any(|a| a == endpoint) {
        audiences.push(endpoint.to_owned());
    }
    let aud_ok = match jws.claims.get("aud") {
        Some(Value::String(a)) => audiences.contains(a),
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .any(|a| audiences.iter().any(|x| x == a)),
        _ => false,
    };
    if !aud_ok {
        return Err(fail("aud must be the issuer or the endpoint URL"));
    }
    let now = unix_now();
    let time = |k: &str| {
        jws.claims
            .get(k)
            .map(|v| v.as_f64().map(|f| f.floor() as i64))
    };
    let exp = match time("exp") {
        Some(Some(exp)) => exp,
        Some(None) => return Err(fail("exp must be a number")),
        None => return Err(fail("exp is required")),
    };
    if exp < now - SKEW_SECS {
        return Err(fail("expired"));
    }
    if exp > now + MAX_ASSERTION_LIFETIME_SECS + SKEW_SECS {
        return Err(fail("exp is more than 5 minutes ahead"));
    }
    for k in ["iat", "nbf"] {
        match time(k) {
            None => {}
            Some(None) => return Err(fail(&format!("{k} must be a number"))),
            Some(Some(t)) if t > now + SKEW_SECS => {
                return Err(fail(&format!("{k} is in the future")))
            }
            Some(Some(_)) => {}
        }
    }
    let jti = claim("jti")
        .filter(|j| !j.is_empty() && j.len() <= 256)
        .ok_or_else(|| fail("jti is required"))?;
    if !shared
        .client_keys
        .remember_jti(&client.client_id, jti, exp + SKEW_SECS, now)
    {
        tracing::warn!(bank = %bank.id, client = %client.client_id, "client assertion replayed");
        return Err(fail("jti was already used"));
    }
    Ok(client.client_id.clone())
}

struct CachedJwks {
    uri: String,
    keys: Arc<Vec<PublicJwk>>,
    fetched_at: Instant,
}

/// What the cached keys say about a signature.
enum Check {
    Verified,
    /// A key matched (by kid, or any fitting key when there is no kid) and did not verify.
    BadSignature,
    /// No key fits the kid / alg.
    NoKey,
}

fn check(keys: &[PublicJwk], jws: &Compact<'_>, kid: Option<&str>, alg: SigningAlg) -> Check {
    let candidates: Vec<&PublicJwk> = keys
        .iter()
        .filter(|k| k.fits(alg) && kid.is_none_or(|kid| k.kid.as_deref() == Some(kid)))
        .collect();
    if candidates.is_empty() {
        return Check::NoKey;
    }
    if candidates.iter().any(|k| jws.verifies(k.key(), alg)) {
        Check::Verified
    } else if kid.is_some() {
        Check::BadSignature
    } else {
        // Without a kid a failure may mean the signing key is not known yet.
        Check::NoKey
    }
}

/// Clients' JWKS cache and the `jti` values of accepted client assertions.
pub(crate) struct ClientKeys {
    http: OnceLock<Option<reqwest::Client>>,
    cache: Mutex<HashMap<String, CachedJwks>>,
    jtis: Mutex<HashMap<(String, String), i64>>,
}

impl ClientKeys {
    pub(crate) fn new() -> Self {
        Self {
            http: OnceLock::new(),
            cache: Mutex::new(HashMap::new()),
            jtis: Mutex::new(HashMap::new()),
        }
    }

    fn http(&self) -> Option<&reqwest::Client> {
        self.http
            .get_or_init(|| {
                reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .timeout(FETCH_TIMEOUT)
                    .connect_timeout(FETCH_TIMEOUT)
                    .build()
                    .map_err(|e| tracing::error!("cannot build the JWKS HTTP client: {e}"))
                    .ok()
            })
            .as_ref()
    }

    /// Verifies `jws` with the client's keys, fetching its JWKS when there is none cached,
    /// the cache is old, or (at most every 10 s) the kid is unknown.
    async fn verify(
        &self,
        client_id: &str,
        jwks_uri: &str,
        jws: &Compact<'_>,
        kid: Option<&str>,
        alg: SigningAlg,
    ) -> Result<(), String> {
        let cached = {
            let cache = lock(&self.cache);
            cache
                .get(client_id)
                .filter(|c| c.uri == jwks_uri)
                .map(|c| (c.keys.clone(), c.fetched_at.elapsed()))
        };
        if let Some((keys, age)) = &cached {
            if *age < JWKS_MAX_AGE {
                match check(keys, jws, kid, alg) {
                    Check::Verified => return Ok(()),
                    Check::BadSignature => return Err("the signature does not verify".into()),
                    Check::NoKey if *age < REFETCH_INTERVAL => {
                        return Err("no key in the client's JWKS matches the kid and alg".into())
                    }
                    Check::NoKey => {}
                }
            }
        }
        let fetched = self.fetch(jwks_uri).await;
        let keys = match fetched {
            Ok(keys) => Arc::new(keys),
            Err(e) => {
                tracing::warn!(client = %client_id, jwks_uri, "client JWKS fetch failed: {e}");
                // Failed fetches count too: at most one attempt every 10 s per client.
                let mut cache = lock(&self.cache);
                let entry = cache
                    .entry(client_id.to_owned())
                    .or_insert_with(|| CachedJwks {
                        uri: jwks_uri.to_owned(),
                        keys: Arc::new(Vec::new()),
                        fetched_at: Instant::now(),
                    });
                entry.fetched_at = Instant::now();
                return Err(e);
            }
        };
        tracing::info!(client = %client_id, jwks_uri, keys = keys.len(), "client JWKS fetched");
        lock(&self.cache).insert(
            client_id.to_owned(),
            CachedJwks {
                uri: jwks_uri.to_owned(),
                keys: keys.clone(),
                fetched_at: Instant::now(),
            },
        );
        match check(&keys, jws, kid, alg) {
            Check::Verified => Ok(()),
            Check::BadSignature => Err("the signature does not verify".into()),
            Check::NoKey => Err("no key in the client's JWKS verifies the signature".into()),
        }
    }

    async fn fetch(&self, jwks_uri: &str) -> Result<Vec<PublicJwk>, String> {
        let url = url::Url::parse(jwks_uri).map_err(|_| "the jwks_uri is not a URL".to_owned())?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err("the jwks_uri must be http(s)".into());
        }
        let http = self.http().ok_or("no HTTP client")?;
        let mut resp = http
            .get(url)
            .header(
                reqwest::header::ACCEPT,
                "application/jwk-set+json, application/json",
            )
            .send()
            .await
            .map_err(|e| format!("cannot fetch the client's JWKS: {e}"))?;
        if !resp.status().is_success() {
            return Err(format!(
                "the client's JWKS answered HTTP {} (redirects are not followed)",
                resp.status().as_u16()
            ));
        }
        if resp
            .content_length()
            .is_some_and(|n| n > MAX_JWKS_BYTES as u64)
        {
            return Err("the client's JWKS is too large".into());
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| format!("cannot read the client's JWKS: {e}"))?
        {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err("the client's JWKS is too large".into());
            }
            body.extend_from_slice(&chunk);
        }
        let doc: Value = serde_json::from_slice(&body)
            .map_err(|_| "the client's JWKS is not JSON".to_owned())?;
        let keys = doc
            .get("keys")
            .and_then(Value::as_array)
            .ok_or("the client's JWKS has no keys array")?;
        Ok(keys.iter().filter_map(PublicJwk::parse).collect())
    }

    /// Records a `jti` until `until`; false if it was seen before (a replay).
    fn remember_jti(&self, client_id: &str, jti: &str, until: i64, now: i64) -> bool {
        let mut jtis = lock(&self.jtis);
        jtis.retain(|_, exp| *exp >= now);
        let key = (client_id.to_owned(), jti.to_owned());
        if jtis.contains_key(&key) {
            return false;
        }
        jtis.insert(key, until);
        true
    }
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
    fn jti_is_single_use_until_it_expires() {
        let keys = ClientKeys::new();
        assert!(keys.remember_jti("c", "j1", 100, 50));
        assert!(!keys.remember_jti("c", "j1", 100, 60));
        assert!(keys.remember_jti("other", "j1", 100, 60));
        // After its expiry the entry is forgotten.
        assert!(keys.remember_jti("c", "j1", 300, 101));
    }
}
