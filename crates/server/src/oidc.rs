//! OpenID Connect relying party: discovery, JWKS, authorization request, code exchange and ID-token
//! verification (ES256). Redirects are never followed (SSRF), every response is size- and
//! time-bounded, and nothing here logs a token or a code.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use p256::ecdsa::signature::Verifier;
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::config::BankConfig;

const DISCOVERY_TTL: Duration = Duration::from_secs(3600);
const JWKS_MIN_REFRESH: Duration = Duration::from_secs(30);
const MAX_RESPONSE_BYTES: usize = 256 * 1024;
/// Allowed clock difference between the bank and the portal.
pub const CLOCK_SKEW_SECS: i64 = 60;
/// Oldest `iat` accepted.
pub const MAX_TOKEN_AGE_SECS: i64 = 600;

/// What went wrong talking to a bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RpError {
    /// Connection refused, timeout, 5xx, redirect: retry later.
    Unreachable(String),
    /// The bank answered with an OAuth error (kept verbatim for the journal).
    Protocol {
        error: String,
        description: Option<String>,
    },
    /// The bank's answer broke the protocol (bad discovery, bad JSON, issuer mismatch).
    Invalid(String),
    IdToken(IdTokenError),
}

impl RpError {
    /// Short code for the journal's `upstream` column.
    pub fn upstream(&self) -> String {
        match self {
            RpError::Unreachable(d) => format!("unreachable:{}", sanitize(d)),
            RpError::Protocol { error, .. } => sanitize(error),
            RpError::Invalid(_) => "invalid_response".into(),
            RpError::IdToken(e) => format!("id_token:{}", e.as_str()),
        }
    }
}

impl std::fmt::Display for RpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RpError::Unreachable(d) => write!(f, "bank unreachable: {d}"),
            RpError::Protocol { error, description } => {
                write!(
                    f,
                    "bank error {}: {}",
                    sanitize(error),
                    description.as_deref().map(sanitize).unwrap_or_default()
                )
            }
            RpError::Invalid(d) => write!(f, "invalid bank response: {d}"),
            RpError::IdToken(e) => write!(f, "id token refused: {}", e.as_str()),
        }
    }
}

/// Keeps upstream strings printable, short and free of anything but the OAuth error charset.
pub fn sanitize(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .take(120)
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdTokenError {
    Malformed,
    UnsupportedAlg,
    UnknownKey,
    BadSignature,
    WrongIssuer,
    WrongAudience,
    Expired,
    IssuedInFuture,
    TooOld,
    NonceMismatch,
}

impl IdTokenError {
    pub fn as_str(self) -> &'static str {
        match self {
            IdTokenError::Malformed => "malformed",
            IdTokenError::UnsupportedAlg => "unsupported_alg",
            IdTokenError::UnknownKey => "unknown_key",
            IdTokenError::BadSignature => "bad_signature",
            IdTokenError::WrongIssuer => "wrong_issuer",
            IdTokenError::WrongAudience => "wrong_audience",
            IdTokenError::Expired => "expired",
            IdTokenError::IssuedInFuture => "issued_in_future",
            IdTokenError::TooOld => "too_old",
            IdTokenError::NonceMismatch => "nonce_mismatch",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ProviderMetadata {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    #[serde(default)]
    pub userinfo_endpoint: Option<String>,
    #[serde(default)]
    pub code_challenge_methods_supported: Vec<String>,
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Jwk {
    pub kty: String,
    #[serde(default)]
    pub kid: Option<String>,
    #[serde(default)]
    pub crv: Option<String>,
    #[serde(default)]
    pub x: Option<String>,
    #[serde(default)]
    pub y: Option<String>,
    #[serde(default, rename = "use")]
    pub use_: Option<String>,
    #[serde(default)]
    pub alg: Option<String>,
}

#[derive(Debug, Deserialize)]
struct JwkSet {
    keys: Vec<Jwk>,
}

#[derive(Debug, Deserialize)]
struct TokenResponse {
    #[serde(default)]
    id_token: Option<String>,
    #[serde(default)]
    token_type: Option<String>,
}

#[derive(Debug, Deserialize)]
struct OAuthErrorBody {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// Bank activity facts (the sandbox's and partner banks' `bank_activity` claim).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct BankActivity {
    pub has_active_card: bool,
    pub card_blocked: bool,
    pub transactions_30d: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

/// The claims of a verified ID token. Identity claims are optional here; the domain decides which
/// are required.
#[derive(Debug, Clone, Deserialize)]
pub struct IdClaims {
    pub iss: String,
    pub sub: String,
    pub aud: Audience,
    pub exp: i64,
    pub iat: i64,
    #[serde(default)]
    pub nonce: Option<String>,
    #[serde(default)]
    pub azp: Option<String>,
    #[serde(default)]
    pub family_name: Option<String>,
    #[serde(default)]
    pub given_name: Option<String>,
    #[serde(default)]
    pub middle_name: Option<String>,
    #[serde(default)]
    pub birthdate: Option<String>,
    #[serde(default)]
    pub phone_number: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub passport: Option<String>,
    #[serde(default)]
    pub inn: Option<String>,
    #[serde(default)]
    pub rnokpp: Option<String>,
    #[serde(default)]
    pub snils: Option<String>,
    #[serde(default)]
    pub bank_activity: Option<BankActivity>,
}

/// What must hold for an ID token to be accepted.
pub struct Expectations<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: &'a str,
    /// Unix seconds.
    pub now: i64,
}

/// Verifies a compact-JWS ID token: ES256 signature by a key of `keys`, then iss, aud/azp, exp, iat,
/// nonce. Pure: time comes in through `exp.now`.
pub fn verify_id_token(
    token: &str,
    keys: &[Jwk],
    exp: &Expectations<'_>,
) -> Result<IdClaims, IdTokenError> {
    let mut parts = token.split('.');
    let (Some(h64), Some(p64), Some(s64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(IdTokenError::Malformed);
    };
    #[derive(Deserialize)]
    struct Header {
        alg: String,
        #[serde(default)]
        kid: Option<String>,
    }
    let header: Header = URL_SAFE_NO_PAD
        .decode(h64)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(IdTokenError::Malformed)?;
    if header.alg != "ES256" {
        return Err(IdTokenError::UnsupportedAlg);
    }
    let candidates: Vec<&Jwk> = keys
        .iter()
        .filter(|k| k.kty == "EC" && k.crv.as_deref() == Some("P-256"))
        .filter(|k| k.use_.as_deref().is_none_or(|u| u == "sig"))
        .filter(|k| k.alg.as_deref().is_none_or(|a| a == "ES256"))
        .filter(|k| match (&header.kid, &k.kid) {
            (Some(want), Some(have)) => want == have,
            (Some(_), None) => false,
            (None, _) => true,
        })
        .collect();
    if candidates.is_empty() {
        return Err(IdTokenError::UnknownKey);
    }
    let sig_bytes = URL_SAFE_NO_PAD
        .decode(s64)
        .map_err(|_| IdTokenError::Malformed)?;
    let signature =
        p256::ecdsa::Signature::from_slice(&sig_bytes).map_err(|_| IdTokenError::BadSignature)?;
    let signing_input = &token[..h64.len() + 1 + p64.len()];
    let verified = candidates.iter().any(|k| match ec_key(k) {
        Some(vk) => vk.verify(signing_input.as_bytes(), &signature).is_ok(),
        None => false,
    });
    if !verified {
        return Err(IdTokenError::BadSignature);
    }
    let claims: IdClaims = URL_SAFE_NO_PAD
        .decode(p64)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(IdTokenError::Malformed)?;
    if claims.iss != exp.issuer {
        return Err(IdTokenError::WrongIssuer);
    }
    let aud_ok = match &claims.aud {
        Audience::One(a) => a == exp.client_id,
        Audience::Many(list) => {
            list.iter().any(|a| a == exp.client_id)
                && (list.len() == 1 || claims.azp.as_deref() == Some(exp.client_id))
        }
    };
    if !aud_ok
        || claims
            .azp
            .as_deref()
            .is_some_and(|azp| azp != exp.client_id)
    {
        return Err(IdTokenError::WrongAudience);
    }
    if claims.exp + CLOCK_SKEW_SECS <= exp.now {
        return Err(IdTokenError::Expired);
    }
    if claims.iat > exp.now + CLOCK_SKEW_SECS {
        return Err(IdTokenError::IssuedInFuture);
    }
    if claims.iat < exp.now - MAX_TOKEN_AGE_SECS {
        return Err(IdTokenError::TooOld);
    }
    let nonce_ok = claims
        .nonce
        .as_deref()
        .is_some_and(|n| subtle::ConstantTimeEq::ct_eq(n.as_bytes(), exp.nonce.as_bytes()).into());
    if !nonce_ok {
        return Err(IdTokenError::NonceMismatch);
    }
    Ok(claims)
}

fn ec_key(k: &Jwk) -> Option<p256::ecdsa::VerifyingKey> {
    let x = URL_SAFE_NO_PAD.decode(k.x.as_deref()?).ok()?;
    let y = URL_SAFE_NO_PAD.decode(k.y.as_deref()?).ok()?;
    if x.len() != 32 || y.len() != 32 {
        return None;
    }
    let mut sec1 = Vec::with_capacity(65);
    sec1.push(4u8);
    sec1.extend_from_slice(&x);
    sec1.extend_from_slice(&y);
    p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1).ok()
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

pub fn authorize_url(meta: &ProviderMetadata, req: &AuthRequest<'_>) -> Result<String, RpError> {
    let mut url = url::Url::parse(&meta.authorization_endpoint)
        .map_err(|e| RpError::Invalid(format!("authorization_endpoint: {e}")))?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", req.client_id)
        .append_pair("redirect_uri", req.redirect_uri)
        .append_pair("scope", req.scope)
        .append_pair("state", req.state)
        .append_pair("nonce", req.nonce)
        .append_pair("code_challenge", req.code_challenge)
        .append_pair("code_challenge_method", "S256")
        .append_pair("ui_locales", req.ui_locales);
    Ok(url.into())
}

struct Cached<T> {
    at: Instant,
    value: Arc<T>,
}

/// HTTP client to the banks with discovery and JWKS caches. Caches only hold public data, so any
/// replica can hold its own.
pub struct RelyingParty {
    http: reqwest::Client,
    discovery: Mutex<HashMap<String, Cached<ProviderMetadata>>>,
    jwks: Mutex<HashMap<String, Cached<Vec<Jwk>>>>,
}

impl RelyingParty {
    pub fn new() -> Result<RelyingParty, reqwest::Error> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(10))
            .user_agent(concat!("bankid-portal/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(RelyingParty {
            http,
            discovery: Mutex::new(HashMap::new()),
            jwks: Mutex::new(HashMap::new()),
        })
    }

    /// The bank's discovery document, cached for an hour. Its `issuer` must equal the configured one.
    pub async fn metadata(&self, bank: &BankConfig) -> Result<Arc<ProviderMetadata>, RpError> {
        if let Some(c) = self.discovery.lock().await.get(&bank.id) {
            if c.at.elapsed() < DISCOVERY_TTL {
                return Ok(c.value.clone());
            }
        }
        let url = format!(
            "{}/.well-known/openid-configuration",
            bank.issuer.trim_end_matches('/')
        );
        let meta: ProviderMetadata = self.get_json(&url).await?;
        if meta.issuer != bank.issuer {
            return Err(RpError::Invalid(
                "discovery issuer differs from the configured issuer".into(),
            ));
        }
        if !meta.code_challenge_methods_supported.is_empty()
            && !meta
                .code_challenge_methods_supported
                .iter()
                .any(|m| m == "S256")
        {
            return Err(RpError::Invalid("bank does not support PKCE S256".into()));
        }
        let value = Arc::new(meta);
        self.discovery.lock().await.insert(
            bank.id.clone(),
            Cached {
                at: Instant::now(),
                value: value.clone(),
            },
        );
        Ok(value)
    }

    /// The bank's signing keys; refetched when a token names a key we do not know (at most every 30 s).
    pub async fn keys(
        &self,
        bank: &BankConfig,
        meta: &ProviderMetadata,
        kid: Option<&str>,
    ) -> Result<Arc<Vec<Jwk>>, RpError> {
        if let Some(c) = self.jwks.lock().await.get(&bank.id) {
            let knows = kid.is_none_or(|k| c.value.iter().any(|j| j.kid.as_deref() == Some(k)));
            if knows || c.at.elapsed() < JWKS_MIN_REFRESH {
                return Ok(c.value.clone());
            }
        }
        let set: JwkSet = self.get_json(&meta.jwks_uri).await?;
        let value = Arc::new(set.keys);
        self.jwks.lock().await.insert(
            bank.id.clone(),
            Cached {
                at: Instant::now(),
                value: value.clone(),
            },
        );
        Ok(value)
    }

    /// Exchanges an authorization code (client_secret_basic + PKCE) and verifies the ID token.
    #[allow(clippy::too_many_arguments)]
    pub async fn exchange(
        &self,
        bank: &BankConfig,
        secret: &str,
        redirect_uri: &str,
        code: &str,
        verifier: &str,
        nonce: &str,
        now: i64,
    ) -> Result<IdClaims, RpError> {
        let meta = self.metadata(bank).await?;
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", verifier),
        ];
        let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let resp = self
            .http
            .post(&meta.token_endpoint)
            .basic_auth(enc(&bank.client_id), Some(enc(secret)))
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form)
            .send()
            .await
            .map_err(|e| RpError::Unreachable(describe(&e)))?;
        let status = resp.status();
        let body = read_limited(resp).await?;
        if status.is_server_error() || status.is_redirection() {
            return Err(RpError::Unreachable(format!(
                "token endpoint answered {}",
                status.as_u16()
            )));
        }
        if !status.is_success() {
            return Err(match serde_json::from_slice::<OAuthErrorBody>(&body) {
                Ok(e) => RpError::Protocol {
                    error: e.error,
                    description: e.error_description,
                },
                Err(_) => RpError::Invalid(format!("token endpoint answered {status}")),
            });
        }
        let tr: TokenResponse = serde_json::from_slice(&body)
            .map_err(|_| RpError::Invalid("token response is not JSON".into()))?;
        if !tr
            .token_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("bearer"))
        {
            return Err(RpError::Invalid("token_type is not Bearer".into()));
        }
        let id_token = tr
            .id_token
            .ok_or_else(|| RpError::Invalid("no id_token".into()))?;
        let kid = peek_kid(&id_token);
        let keys = self.keys(bank, &meta, kid.as_deref()).await?;
        let expect = Expectations {
            issuer: &meta.issuer,
            client_id: &bank.client_id,
            nonce,
            now,
        };
        verify_id_token(&id_token, &keys, &expect).map_err(RpError::IdToken)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, RpError> {
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
        let body = read_limited(resp).await?;
        serde_json::from_slice(&body).map_err(|e| RpError::Invalid(format!("{url}: {e}")))
    }
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

fn peek_kid(token: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct H {
        kid: Option<String>,
    }
    let h64 = token.split('.').next()?;
    let bytes = URL_SAFE_NO_PAD.decode(h64).ok()?;
    serde_json::from_slice::<H>(&bytes).ok()?.kid
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Signer;
    use p256::ecdsa::{Signature, SigningKey};

    fn jwk_of(sk: &SigningKey, kid: &str) -> Jwk {
        let point = sk.verifying_key().to_encoded_point(false);
        Jwk {
            kty: "EC".into(),
            kid: Some(kid.into()),
            crv: Some("P-256".into()),
            x: point.x().map(|x| URL_SAFE_NO_PAD.encode(x)),
            y: point.y().map(|y| URL_SAFE_NO_PAD.encode(y)),
            use_: Some("sig".into()),
            alg: Some("ES256".into()),
        }
    }

    fn sign(sk: &SigningKey, header: serde_json::Value, claims: serde_json::Value) -> String {
        let h = URL_SAFE_NO_PAD.encode(header.to_string());
        let p = URL_SAFE_NO_PAD.encode(claims.to_string());
        let input = format!("{h}.{p}");
        let sig: Signature = sk.sign(input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()))
    }

    const NOW: i64 = 1_800_000_000;

    fn claims() -> serde_json::Value {
        serde_json::json!({"iss":"https://bank","sub":"s1","aud":"portal","exp":NOW+300,"iat":NOW,"nonce":"n1","given_name":"Мар'яна"})
    }

    fn check(token: &str, keys: &[Jwk]) -> Result<IdClaims, IdTokenError> {
        verify_id_token(
            token,
            keys,
            &Expectations {
                issuer: "https://bank",
                client_id: "portal",
                nonce: "n1",
                now: NOW,
            },
        )
    }

    #[test]
    fn accepts_a_good_token_and_refuses_each_defect() {
        let sk = SigningKey::random(&mut rand::rngs::OsRng);
        let other = SigningKey::random(&mut rand::rngs::OsRng);
        let keys = vec![jwk_of(&sk, "k1")];
        let hdr = serde_json::json!({"alg":"ES256","kid":"k1"});
        let good = sign(&sk, hdr.clone(), claims());
        let c = check(&good, &keys).unwrap();
        assert_eq!(c.given_name.as_deref(), Some("Мар'яна"));

        let with = |k: &str, v: serde_json::Value| {
            let mut c = claims();
            c[k] = v;
            sign(&sk, hdr.clone(), c)
        };
        assert_eq!(
            check(&sign(&other, hdr.clone(), claims()), &keys).err(),
            Some(IdTokenError::BadSignature)
        );
        assert_eq!(
            check(&with("iss", "https://evil".into()), &keys).err(),
            Some(IdTokenError::WrongIssuer)
        );
        assert_eq!(
            check(&with("aud", "other".into()), &keys).err(),
            Some(IdTokenError::WrongAudience)
        );
        assert_eq!(
            check(&with("aud", serde_json::json!(["portal", "other"])), &keys).err(),
            Some(IdTokenError::WrongAudience),
            "multiple audiences need azp"
        );
        assert_eq!(
            check(&with("exp", (NOW - 61).into()), &keys).err(),
            Some(IdTokenError::Expired)
        );
        assert_eq!(
            check(&with("iat", (NOW + 120).into()), &keys).err(),
            Some(IdTokenError::IssuedInFuture)
        );
        assert_eq!(
            check(&with("iat", (NOW - 3600).into()), &keys).err(),
            Some(IdTokenError::TooOld)
        );
        assert_eq!(
            check(&with("nonce", "n2".into()), &keys).err(),
            Some(IdTokenError::NonceMismatch)
        );
        let mut no_nonce = claims();
        no_nonce.as_object_mut().unwrap().remove("nonce");
        assert_eq!(
            check(&sign(&sk, hdr.clone(), no_nonce), &keys).err(),
            Some(IdTokenError::NonceMismatch)
        );
        assert_eq!(
            check(
                &sign(&sk, serde_json::json!({"alg":"none"}), claims()),
                &keys
            )
            .err(),
            Some(IdTokenError::UnsupportedAlg)
        );
        assert_eq!(
            check(
                &sign(&sk, serde_json::json!({"alg":"ES256","kid":"k9"}), claims()),
                &keys
            )
            .err(),
            Some(IdTokenError::UnknownKey)
        );
        // A payload swapped under a valid signature.
        let mut parts: Vec<&str> = good.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(with("sub", "s2".into()).split('.').nth(1).unwrap());
        let forged = String::from_utf8(URL_SAFE_NO_PAD.decode(forged).unwrap()).unwrap();
        parts[1] = &forged;
        assert_eq!(
            check(&parts.join("."), &keys).err(),
            Some(IdTokenError::BadSignature)
        );
        assert_eq!(check("a.b", &keys).err(), Some(IdTokenError::Malformed));
    }

    #[test]
    fn authorize_url_encodes_everything() {
        let meta = ProviderMetadata {
            issuer: "https://bank".into(),
            authorization_endpoint: "https://bank/authorize".into(),
            token_endpoint: "https://bank/token".into(),
            jwks_uri: "https://bank/jwks".into(),
            userinfo_endpoint: None,
            code_challenge_methods_supported: vec!["S256".into()],
            authorization_response_iss_parameter_supported: true,
        };
        let u = authorize_url(
            &meta,
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
}
