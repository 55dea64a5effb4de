//! The HTTP side of the relying party: discovery, JWKS, pushed authorization requests (RFC 9126),
//! the authorization URL, client authentication and the code exchange. Redirects are never
//! followed (SSRF), every response is size- and time-bounded, connections to each bank are kept
//! alive, and nothing here logs a token, a code or a secret.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;
use tokio::sync::Mutex;

use super::jws::{self, Expectations, VerifyKey};
use super::{IdClaims, RpError};
use crate::config::{BankConfig, ClientAuthMethod, ParMode};

const DISCOVERY_TTL_MS: i64 = 3600 * 1000;
/// JWKS kept this long when the bank's `Cache-Control` says nothing...
const JWKS_DEFAULT_TTL_MS: i64 = 5 * 60 * 1000;
/// ...and within these bounds when it does: a withdrawn key stops being trusted within the hour.
const JWKS_MIN_TTL_MS: i64 = 30 * 1000;
const JWKS_MAX_TTL_MS: i64 = 3600 * 1000;
/// A token naming a key we do not know refetches the set, at most this often.
const JWKS_MIN_REFRESH_MS: i64 = 30 * 1000;
const MAX_RESPONSE_BYTES: usize = 256 * 1024;

#[derive(Debug, Clone, Deserialize)]
pub struct ProviderMetadata {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    #[serde(default)]
    pub userinfo_endpoint: Option<String>,
    #[serde(default)]
    pub pushed_authorization_request_endpoint: Option<String>,
    #[serde(default)]
    pub require_pushed_authorization_requests: bool,
    #[serde(default)]
    pub code_challenge_methods_supported: Vec<String>,
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: bool,
}

impl ProviderMetadata {
    /// Every endpoint must be https, or plain http on loopback for a loopback http issuer
    /// (development); an https issuer never hands the portal a plain-http endpoint.
    fn check_endpoints(&self) -> Result<(), RpError> {
        let issuer = url::Url::parse(&self.issuer)
            .map_err(|_| RpError::Invalid("discovery issuer is not a URL".into()))?;
        let endpoints = [
            ("authorization_endpoint", Some(&self.authorization_endpoint)),
            ("token_endpoint", Some(&self.token_endpoint)),
            ("jwks_uri", Some(&self.jwks_uri)),
            ("userinfo_endpoint", self.userinfo_endpoint.as_ref()),
            (
                "pushed_authorization_request_endpoint",
                self.pushed_authorization_request_endpoint.as_ref(),
            ),
        ];
        for (name, url) in endpoints {
            let Some(url) = url else { continue };
            let u = url::Url::parse(url)
                .map_err(|_| RpError::Invalid(format!("discovery {name} is not a URL")))?;
            let ok = match u.scheme() {
                "https" => true,
                "http" => issuer.scheme() == "http" && is_loopback(&u) && is_loopback(&issuer),
                _ => false,
            };
            if !ok || u.username() != "" || u.password().is_some() {
                return Err(RpError::Invalid(format!(
                    "discovery {name} must be https (plain http only on loopback for a loopback issuer)"
                )));
            }
        }
        Ok(())
    }

    /// Whether this bank's authorization requests go through PAR.
    pub fn uses_par(&self, mode: ParMode) -> bool {
        match mode {
            ParMode::Never => false,
            ParMode::Always => true,
            ParMode::Auto => {
                self.pushed_authorization_request_endpoint.is_some()
                    || self.require_pushed_authorization_requests
            }
        }
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    }
}

#[derive(Debug, Deserialize)]
struct TokenResponse {
    #[serde(default)]
    id_token: Option<String>,
    #[serde(default)]
    token_type: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ParResponse {
    request_uri: String,
    #[serde(default)]
    expires_in: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct OAuthErrorBody {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// Parameters of one authorization request, kept server-side until the callback.
pub struct AuthRequest<'a> {
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub scope: &'a str,
    pub state: &'a str,
    pub nonce: &'a str,
    pub code_challenge: &'a str,
    pub ui_locales: &'a str,
}

impl AuthRequest<'_> {
    fn params(&self) -> [(&'static str, &str); 9] {
        [
            ("response_type", "code"),
            ("client_id", self.client_id),
            ("redirect_uri", self.redirect_uri),
            ("scope", self.scope),
            ("state", self.state),
            ("nonce", self.nonce),
            ("code_challenge", self.code_challenge),
            ("code_challenge_method", "S256"),
            ("ui_locales", self.ui_locales),
        ]
    }
}

/// The front-channel URL of a plain (not pushed) authorization request.
pub fn authorize_url(meta: &ProviderMetadata, req: &AuthRequest<'_>) -> Result<String, RpError> {
    let mut url = url::Url::parse(&meta.authorization_endpoint)
        .map_err(|e| RpError::Invalid(format!("authorization_endpoint: {e}")))?;
    url.query_pairs_mut().extend_pairs(req.params());
    Ok(url.into())
}

struct Cached<T> {
    /// App-clock milliseconds.
    at: i64,
    ttl: i64,
    value: Arc<T>,
}

/// What the client authentication of one request needs.
pub struct ClientAuth<'a> {
    pub bank: &'a BankConfig,
    /// Signs `private_key_jwt` assertions.
    pub keys: &'a super::ClientKeys,
    /// A fresh random `jti` for an assertion.
    pub jti: String,
    /// Unix seconds.
    pub now: i64,
}

/// HTTP client to the banks with discovery and JWKS caches. Caches only hold public data, so any
/// replica can hold its own.
pub struct RelyingParty {
    http: reqwest::Client,
    discovery: Mutex<HashMap<String, Cached<ProviderMetadata>>>,
    jwks: Mutex<HashMap<String, Cached<Vec<VerifyKey>>>>,
}

impl RelyingParty {
    pub fn new() -> Result<RelyingParty, reqwest::Error> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(10))
            .pool_idle_timeout(Duration::from_secs(60))
            .tcp_nodelay(true)
            .user_agent(concat!("bankid-portal/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(RelyingParty {
            http,
            discovery: Mutex::new(HashMap::new()),
            jwks: Mutex::new(HashMap::new()),
        })
    }

    /// The bank's discovery document, cached for an hour. Its `issuer` must equal the configured
    /// one, its endpoints must not downgrade to plain http, and it must support PKCE S256.
    pub async fn metadata(
        &self,
        bank: &BankConfig,
        now_ms: i64,
    ) -> Result<Arc<ProviderMetadata>, RpError> {
        if let Some(c) = self.discovery.lock().await.get(&bank.id) {
            if now_ms.saturating_sub(c.at) < c.ttl {
                return Ok(c.value.clone());
            }
        }
        let url = format!(
            "{}/.well-known/openid-configuration",
            bank.issuer.trim_end_matches('/')
        );
        let (meta, _): (ProviderMetadata, _) = self.get_json(&url).await?;
        if meta.issuer != bank.issuer {
            return Err(RpError::Invalid(
                "discovery issuer differs from the configured issuer".into(),
            ));
        }
        meta.check_endpoints()?;
        if !meta.code_challenge_methods_supported.is_empty()
            && !meta
                .code_challenge_methods_supported
                .iter()
                .any(|m| m == "S256")
        {
            return Err(RpError::Invalid("bank does not support PKCE S256".into()));
        }
        if bank.par == ParMode::Never && meta.require_pushed_authorization_requests {
            return Err(RpError::Invalid(
                "bank requires pushed authorization requests but par = never".into(),
            ));
        }
        let value = Arc::new(meta);
        self.discovery.lock().await.insert(
            bank.id.clone(),
            Cached {
                at: now_ms,
                ttl: DISCOVERY_TTL_MS,
                value: value.clone(),
            },
        );
        Ok(value)
    }

    /// The bank's signing keys, parsed once per fetch. Kept for the bank's `Cache-Control`
    /// max-age (bounded), refetched sooner when a token names a key we do not know.
    pub async fn keys(
        &self,
        bank: &BankConfig,
        meta: &ProviderMetadata,
        kid: Option<&str>,
        now_ms: i64,
    ) -> Result<Arc<Vec<VerifyKey>>, RpError> {
        if let Some(c) = self.jwks.lock().await.get(&bank.id) {
            let age = now_ms.saturating_sub(c.at);
            let knows = kid.is_none_or(|k| c.value.iter().any(|j| j.kid.as_deref() == Some(k)));
            if age < c.ttl && (knows || age < JWKS_MIN_REFRESH_MS) {
                return Ok(c.value.clone());
            }
        }
        let (set, max_age): (Value, _) = self.get_json(&meta.jwks_uri).await?;
        let keys = VerifyKey::parse_set(&set);
        if keys.is_empty() {
            return Err(RpError::Invalid(
                "the bank's JWKS has no usable signing key".into(),
            ));
        }
        let ttl = max_age
            .map(|s| {
                s.saturating_mul(1000)
                    .clamp(JWKS_MIN_TTL_MS, JWKS_MAX_TTL_MS)
            })
            .unwrap_or(JWKS_DEFAULT_TTL_MS);
        let value = Arc::new(keys);
        self.jwks.lock().await.insert(
            bank.id.clone(),
            Cached {
                at: now_ms,
                ttl,
                value: value.clone(),
            },
        );
        Ok(value)
    }

    /// The URL to send the browser to: the authorization request pushed to the bank first (PAR)
    /// when the bank offers it or the configuration asks, else a plain front-channel request.
    pub async fn authorization(
        &self,
        meta: &ProviderMetadata,
        req: &AuthRequest<'_>,
        auth: ClientAuth<'_>,
    ) -> Result<String, RpError> {
        if !meta.uses_par(auth.bank.par) {
            return authorize_url(meta, req);
        }
        let endpoint = meta
            .pushed_authorization_request_endpoint
            .as_deref()
            .ok_or_else(|| {
                RpError::Invalid("PAR is asked for but discovery names no PAR endpoint".into())
            })?;
        let mut form: Vec<(&str, String)> = req
            .params()
            .into_iter()
            .map(|(k, v)| (k, v.to_string()))
            .collect();
        let body = self
            .post_authenticated(("PAR endpoint", endpoint), &meta.issuer, &mut form, auth)
            .await?;
        let par: ParResponse = serde_json::from_slice(&body)
            .map_err(|_| RpError::Invalid("PAR response is not JSON".into()))?;
        if !par.request_uri.starts_with("urn:") && !par.request_uri.starts_with("https:")
            || par.request_uri.len() > 512
            || par.expires_in.is_some_and(|e| e <= 0)
        {
            return Err(RpError::Invalid("PAR response: bad request_uri".into()));
        }
        let mut url = url::Url::parse(&meta.authorization_endpoint)
            .map_err(|e| RpError::Invalid(format!("authorization_endpoint: {e}")))?;
        url.query_pairs_mut()
            .append_pair("client_id", req.client_id)
            .append_pair("request_uri", &par.request_uri);
        Ok(url.into())
    }

    /// Exchanges an authorization code (with PKCE and the bank's client authentication), then
    /// verifies the ID token and maps its claims with the bank's claim map.
    #[allow(clippy::too_many_arguments)]
    pub async fn exchange(
        &self,
        meta: &ProviderMetadata,
        redirect_uri: &str,
        code: &str,
        verifier: &str,
        nonce: &str,
        auth: ClientAuth<'_>,
        now_ms: i64,
    ) -> Result<IdClaims, RpError> {
        let bank = auth.bank;
        let mut form: Vec<(&str, String)> = vec![
            ("grant_type", "authorization_code".into()),
            ("code", code.into()),
            ("redirect_uri", redirect_uri.into()),
            ("code_verifier", verifier.into()),
        ];
        let body = self
            .post_authenticated(
                ("token endpoint", &meta.token_endpoint),
                &meta.issuer,
                &mut form,
                auth,
            )
            .await?;
        let tr: TokenResponse = serde_json::from_slice(&body)
            .map_err(|_| RpError::Invalid("token response is not JSON".into()))?;
        if !tr
            .token_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("bearer") || t.eq_ignore_ascii_case("dpop"))
        {
            return Err(RpError::Invalid("token_type is not Bearer".into()));
        }
        let id_token = tr
            .id_token
            .ok_or_else(|| RpError::Invalid("no id_token".into()))?;
        let kid = jws::peek_header(&id_token).and_then(|(_, kid)| kid);
        let keys = self.keys(bank, meta, kid.as_deref(), now_ms).await?;
        let expect = Expectations {
            issuer: &meta.issuer,
            client_id: &bank.client_id,
            nonce,
            algs: &bank.id_token_algs,
            now: now_ms.div_euclid(1000),
        };
        let verified = jws::verify_id_token(&id_token, &keys, &expect).map_err(RpError::IdToken)?;
        Ok(bank.map.apply(verified.sub, &verified.claims))
    }

    /// POSTs a form to a bank endpoint with the bank's client authentication; the body of a 2xx
    /// answer, or the error.
    async fn post_authenticated(
        &self,
        (name, endpoint): (&str, &str),
        issuer: &str,
        form: &mut Vec<(&str, String)>,
        auth: ClientAuth<'_>,
    ) -> Result<Vec<u8>, RpError> {
        let bank = auth.bank;
        let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let mut req = self
            .http
            .post(endpoint)
            .header(reqwest::header::ACCEPT, "application/json");
        let secret = || {
            bank.secret().map_err(|e| {
                tracing::error!(error = %e, bank = %bank.id, "client secret");
                RpError::Config("client secret".into())
            })
        };
        match bank.client_auth {
            ClientAuthMethod::ClientSecretBasic => {
                req = req.basic_auth(enc(&bank.client_id), Some(enc(&secret()?)));
            }
            ClientAuthMethod::ClientSecretPost => {
                if !form.iter().any(|(k, _)| *k == "client_id") {
                    form.push(("client_id", bank.client_id.clone()));
                }
                form.push(("client_secret", secret()?));
            }
            ClientAuthMethod::PrivateKeyJwt => {
                let assertion = auth
                    .keys
                    .assertion(&bank.client_id, issuer, &auth.jti, auth.now)
                    .map_err(|e| {
                        tracing::error!(error = %e, bank = %bank.id, "client assertion");
                        RpError::Config("client keys".into())
                    })?;
                if !form.iter().any(|(k, _)| *k == "client_id") {
                    form.push(("client_id", bank.client_id.clone()));
                }
                form.push((
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".into(),
                ));
                form.push(("client_assertion", assertion));
            }
        }
        let resp = req
            .form(&form)
            .send()
            .await
            .map_err(|e| RpError::Unreachable(describe(&e)))?;
        let status = resp.status();
        let body = read_limited(resp).await?;
        if status.is_server_error() || status.is_redirection() {
            return Err(RpError::Unreachable(format!(
                "{} answered {}",
                name,
                status.as_u16()
            )));
        }
        if !status.is_success() {
            return Err(match serde_json::from_slice::<OAuthErrorBody>(&body) {
                Ok(e) => RpError::Protocol {
                    error: e.error,
                    description: e.error_description,
                },
                Err(_) => RpError::Invalid(format!("bank answered {status}")),
            });
        }
        Ok(body)
    }

    /// GETs JSON; also the `Cache-Control` max-age in seconds, if any.
    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
    ) -> Result<(T, Option<i64>), RpError> {
        let resp = self
            .http
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| RpError::Unreachable(describe(&e)))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(RpError::Unreachable(format!(
                "answered {}",
                status.as_u16()
            )));
        }
        let max_age = resp
            .headers()
            .get(reqwest::header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .and_then(max_age);
        let body = read_limited(resp).await?;
        jws::check_depth(&body).map_err(|_| RpError::Invalid("JSON nested too deep".into()))?;
        let value = serde_json::from_slice(&body)
            .map_err(|_| RpError::Invalid("not the expected JSON".into()))?;
        Ok((value, max_age))
    }
}

/// `max-age` of a Cache-Control value (`no-store`/`no-cache` count as 0).
fn max_age(cc: &str) -> Option<i64> {
    let mut age = None;
    for d in cc.split(',').map(str::trim) {
        if d.eq_ignore_ascii_case("no-store") || d.eq_ignore_ascii_case("no-cache") {
            return Some(0);
        }
        if let Some(v) = d
            .strip_prefix("max-age=")
            .or_else(|| d.strip_prefix("s-maxage="))
        {
            age = v.trim_matches('"').parse::<i64>().ok().or(age);
        }
    }
    age
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timeout".into()
    } else if e.is_connect() {
        "connection failed".into()
    } else {
        "request failed".into()
    }
}

async fn read_limited(mut resp: reqwest::Response) -> Result<Vec<u8>, RpError> {
    if resp
        .content_length()
        .is_some_and(|l| l > MAX_RESPONSE_BYTES as u64)
    {
        return Err(RpError::Invalid("response too large".into()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| RpError::Unreachable(describe(&e)))?
    {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(RpError::Invalid("response too large".into()));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(issuer: &str, token: &str) -> ProviderMetadata {
        ProviderMetadata {
            issuer: issuer.into(),
            authorization_endpoint: format!("{issuer}/authorize"),
            token_endpoint: token.into(),
            jwks_uri: format!("{issuer}/jwks"),
            userinfo_endpoint: None,
            pushed_authorization_request_endpoint: None,
            require_pushed_authorization_requests: false,
            code_challenge_methods_supported: vec!["S256".into()],
            authorization_response_iss_parameter_supported: true,
        }
    }

    #[test]
    fn authorize_url_encodes_everything() {
        let u = authorize_url(
            &meta("https://bank", "https://bank/token"),
            &AuthRequest {
                client_id: "portal",
                redirect_uri: "http://127.0.0.1:8080/auth/callback",
                scope: "openid phone",
                state: "st",
                nonce: "no",
                code_challenge: "ch",
                ui_locales: "uk",
            },
        )
        .unwrap();
        assert!(u.starts_with("https://bank/authorize?response_type=code&client_id=portal&redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fauth%2Fcallback&scope=openid+phone"));
        assert!(u.contains("code_challenge_method=S256"));
    }

    #[test]
    fn endpoints_never_downgrade_to_plain_http() {
        assert!(meta("https://bank", "https://bank/token")
            .check_endpoints()
            .is_ok());
        assert!(meta("https://bank", "http://bank/token")
            .check_endpoints()
            .is_err());
        assert!(meta("https://bank", "http://127.0.0.1/token")
            .check_endpoints()
            .is_err());
        assert!(meta("http://127.0.0.1:1/b", "http://127.0.0.1:1/b/token")
            .check_endpoints()
            .is_ok());
        assert!(meta("http://127.0.0.1:1/b", "http://bank.invalid/b/token")
            .check_endpoints()
            .is_err());
        assert!(meta("https://bank", "https://u:p@bank/token")
            .check_endpoints()
            .is_err());
        assert!(meta("https://bank", "ftp://bank/token")
            .check_endpoints()
            .is_err());
        let mut m = meta("https://bank", "https://bank/token");
        m.userinfo_endpoint = Some("http://bank/userinfo".into());
        assert!(m.check_endpoints().is_err());
    }

    #[test]
    fn cache_control_max_age() {
        assert_eq!(max_age("public, max-age=60"), Some(60));
        assert_eq!(max_age("no-store"), Some(0));
        assert_eq!(max_age("public"), None);
        assert_eq!(max_age("max-age=\"120\""), Some(120));
    }

    #[test]
    fn par_is_used_when_offered_or_asked() {
        let mut m = meta("https://bank", "https://bank/token");
        assert!(!m.uses_par(ParMode::Auto));
        assert!(m.uses_par(ParMode::Always));
        m.pushed_authorization_request_endpoint = Some("https://bank/par".into());
        assert!(m.uses_par(ParMode::Auto));
        assert!(!m.uses_par(ParMode::Never));
    }
}
