//! JOSE: per-issuer signing keys (RSA 2048, P-256, Ed25519) generated with aws-lc-rs, their
//! JWKs (RFC 7517/7518/8037) and RFC 7638 thumbprint key ids, compact JWS signing and
//! verification with `jsonwebtoken` (RFC 7515), and the key ring of one issuer.

use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::{
    EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, RsaPublicKeyComponents,
    ECDSA_P256_SHA256_FIXED_SIGNING,
};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use rand::rngs::OsRng;
use rand::RngCore as _;
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

use crate::state::lock;
use crate::SigningAlg;

/// base64url without padding.
pub(crate) fn b64url(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// `n` random bytes from the OS CSPRNG, base64url-encoded.
pub(crate) fn random_token(n: usize) -> String {
    let mut buf = vec![0u8; n];
    OsRng.fill_bytes(&mut buf);
    b64url(&buf)
}

/// Makes `jsonwebtoken` use aws-lc-rs even if another crate in the build enables its
/// `rust_crypto` feature too (with both features it cannot pick a provider by itself).
pub(crate) fn install_crypto_provider() {
    // Err means a provider is already installed, which is fine.
    let _ = jsonwebtoken::crypto::CryptoProvider::install_default(
        &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER,
    );
}

impl SigningAlg {
    pub(crate) fn jwt_algorithm(self) -> Algorithm {
        match self {
            SigningAlg::Rs256 => Algorithm::RS256,
            SigningAlg::Ps256 => Algorithm::PS256,
            SigningAlg::Es256 => Algorithm::ES256,
            SigningAlg::EdDsa => Algorithm::EdDSA,
        }
    }

    /// Algorithms accepted for client assertions (`private_key_jwt`).
    pub(crate) const CLIENT_ASSERTION: [SigningAlg; 4] = [
        SigningAlg::Es256,
        SigningAlg::Ps256,
        SigningAlg::Rs256,
        SigningAlg::EdDsa,
    ];

    pub(crate) fn parse(s: &str) -> Option<SigningAlg> {
        Self::CLIENT_ASSERTION.into_iter().find(|a| a.as_str() == s)
    }
}

/// Key generation or signing failed (in practice: the OS random source failed).
#[derive(Debug)]
pub(crate) struct KeyError(pub(crate) &'static str);

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl From<aws_lc_rs::error::Unspecified> for KeyError {
    fn from(_: aws_lc_rs::error::Unspecified) -> Self {
        KeyError("key generation failed")
    }
}

impl From<aws_lc_rs::error::KeyRejected> for KeyError {
    fn from(_: aws_lc_rs::error::KeyRejected) -> Self {
        KeyError("generated key rejected")
    }
}

impl From<jsonwebtoken::errors::Error> for KeyError {
    fn from(_: jsonwebtoken::errors::Error) -> Self {
        KeyError("signing failed")
    }
}

/// Reads one DER TLV at the start of `input`: (tag, contents, rest).
fn der_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// The PKCS#1 `RSAPrivateKey` inside a PKCS#8 v1 `PrivateKeyInfo` (RFC 5208:
/// SEQUENCE { version INTEGER, algorithm AlgorithmIdentifier, privateKey OCTET STRING }).
fn pkcs8_private_key(pkcs8: &[u8]) -> Option<&[u8]> {
    let (0x30, info, _) = der_tlv(pkcs8)? else {
        return None;
    };
    let (0x02, _, rest) = der_tlv(info)? else {
        return None;
    };
    let (0x30, _, rest) = der_tlv(rest)? else {
        return None;
    };
    let (0x04, key, _) = der_tlv(rest)? else {
        return None;
    };
    Some(key)
}

/// RFC 7638 JWK thumbprint (SHA-256, base64url) of the required public members, which are
/// given here already in lexicographic order.
fn thumbprint(members: &[(&str, &str)]) -> String {
    let canonical = members
        .iter()
        .map(|(k, v)| format!("\"{k}\":\"{v}\""))
        .collect::<Vec<_>>()
        .join(",");
    b64url(Sha256::digest(format!("{{{canonical}}}").as_bytes()))
}

/// One signing key of an issuer: private key, `kid` and public JWK.
pub(crate) struct SigningKey {
    alg: SigningAlg,
    kid: String,
    jwk: Value,
    key: EncodingKey,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A fresh key for `alg`: RSA 2048 (RS256, PS256), P-256 (ES256) or Ed25519 (EdDSA).
    /// The `kid` is the RFC 7638 SHA-256 thumbprint of the public key.
    pub(crate) fn generate(alg: SigningAlg) -> Result<Self, KeyError> {
        let rng = SystemRandom::new();
        let (members, key): (Vec<(&str, String)>, EncodingKey) = match alg {
            SigningAlg::Rs256 | SigningAlg::Ps256 => {
                let pair = RsaKeyPair::generate(KeySize::Rsa2048)?;
                let pkcs8 = pair.as_der()?;
                let pkcs1 = pkcs8_private_key(pkcs8.as_ref())
                    .ok_or(KeyError("unexpected PKCS#8 encoding"))?;
                let public = RsaPublicKeyComponents::<Vec<u8>>::from(pair.public_key());
                (
                    vec![
                        ("e", b64url(&public.e)),
                        ("kty", "RSA".into()),
                        ("n", b64url(&public.n)),
                    ],
                    EncodingKey::from_rsa_der(pkcs1),
                )
            }
            SigningAlg::Es256 => {
                let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)?;
                let pair =
                    EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref())?;
                let point = pair.public_key().as_ref();
                if point.len() != 65 || point[0] != 4 {
                    return Err(KeyError("unexpected P-256 point encoding"));
                }
                (
                    vec![
                        ("crv", "P-256".into()),
                        ("kty", "EC".into()),
                        ("x", b64url(&point[1..33])),
                        ("y", b64url(&point[33..65])),
                    ],
                    EncodingKey::from_ec_der(pkcs8.as_ref()),
                )
            }
            SigningAlg::EdDsa => {
                let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng)?;
                let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref())?;
                (
                    vec![
                        ("crv", "Ed25519".into()),
                        ("kty", "OKP".into()),
                        ("x", b64url(pair.public_key().as_ref())),
                    ],
                    EncodingKey::from_ed_der(pkcs8.as_ref()),
                )
            }
        };
        let borrowed: Vec<(&str, &str)> = members.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let kid = thumbprint(&borrowed);
        let mut jwk = Map::new();
        for (k, v) in members {
            jwk.insert(k.into(), v.into());
        }
        jwk.insert("kid".into(), kid.clone().into());
        jwk.insert("use".into(), "sig".into());
        jwk.insert("alg".into(), alg.as_str().into());
        Ok(Self {
            alg,
            kid,
            jwk: Value::Object(jwk),
            key,
        })
    }

    pub(crate) fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key as a JWK (`kty`, `kid`, `use`, `alg` and the public parameters).
    pub(crate) fn jwk(&self) -> &Value {
        &self.jwk
    }

    /// Compact JWS of `payload` with header `{"alg","typ":"JWT","kid"}` plus `extra_header`.
    pub(crate) fn sign(
        &self,
        extra_header: Map<String, Value>,
        payload: &[u8],
    ) -> Result<String, KeyError> {
        let mut header = Map::new();
        header.insert("alg".into(), self.alg.as_str().into());
        header.insert("typ".into(), "JWT".into());
        header.insert("kid".into(), self.kid.clone().into());
        header.extend(extra_header);
        sign_compact(&header, payload, &self.key, self.alg.jwt_algorithm())
    }

    /// Same header (this key's `kid`) but signed by a fresh throw-away key of the same type,
    /// so the signature is well-formed yet does not verify against the published JWKS.
    pub(crate) fn sign_with_wrong_key(&self, payload: &[u8]) -> Result<String, KeyError> {
        let other = SigningKey::generate(self.alg)?;
        let mut header = Map::new();
        header.insert("alg".into(), self.alg.as_str().into());
        header.insert("typ".into(), "JWT".into());
        header.insert("kid".into(), self.kid.clone().into());
        sign_compact(&header, payload, &other.key, self.alg.jwt_algorithm())
    }
}

/// `BASE64URL(header) "." BASE64URL(payload) "." BASE64URL(signature)`.
pub(crate) fn sign_compact(
    header: &Map<String, Value>,
    payload: &[u8],
    key: &EncodingKey,
    alg: Algorithm,
) -> Result<String, KeyError> {
    let input = format!(
        "{}.{}",
        b64url(Value::Object(header.clone()).to_string()),
        b64url(payload)
    );
    let signature = jsonwebtoken::crypto::sign(input.as_bytes(), key, alg)?;
    Ok(format!("{input}.{signature}"))
}

/// An unsigned JWS (`"alg":"none"`, empty signature).
pub(crate) fn unsecured(header: &Map<String, Value>, payload: &[u8]) -> String {
    format!(
        "{}.{}.",
        b64url(Value::Object(header.clone()).to_string()),
        b64url(payload)
    )
}

/// The keys of one issuer: the current one (in JWKS) and, after a rotation, the previous
/// one (withdrawn from JWKS, kept only for the `withdrawn_key` fault).
pub(crate) struct KeySet {
    pub current: Arc<SigningKey>,
    pub previous: Option<Arc<SigningKey>>,
}

/// Lazily generated key set: the key is made the first time it is needed, so building the
/// router costs nothing even for RSA issuers.
pub(crate) struct KeyRing {
    alg: SigningAlg,
    init: Mutex<()>,
    keys: OnceLock<Mutex<KeySet>>,
}

impl KeyRing {
    pub(crate) fn new(alg: SigningAlg) -> Self {
        Self {
            alg,
            init: Mutex::new(()),
            keys: OnceLock::new(),
        }
    }

    /// The key set if it exists already (never blocks on key generation).
    pub(crate) fn ready(&self) -> Option<&Mutex<KeySet>> {
        self.keys.get()
    }

    /// The key set, generating the first key if needed (blocking: call from a blocking
    /// context for RSA).
    pub(crate) fn ensure(&self) -> Result<&Mutex<KeySet>, KeyError> {
        if let Some(keys) = self.keys.get() {
            return Ok(keys);
        }
        let _guard = lock(&self.init);
        if let Some(keys) = self.keys.get() {
            return Ok(keys);
        }
        let started = std::time::Instant::now();
        let current = Arc::new(SigningKey::generate(self.alg)?);
        tracing::debug!(alg = self.alg.as_str(), kid = current.kid(), elapsed = ?started.elapsed(), "signing key generated");
        Ok(self.keys.get_or_init(|| {
            Mutex::new(KeySet {
                current,
                previous: None,
            })
        }))
    }

    /// The current key (generating it on a blocking thread the first time).
    pub(crate) async fn current(self: &Arc<Self>) -> Result<Arc<SigningKey>, KeyError> {
        Ok(lock(self.keys().await?).current.clone())
    }

    /// (current, previous) keys.
    pub(crate) async fn both(
        self: &Arc<Self>,
    ) -> Result<(Arc<SigningKey>, Option<Arc<SigningKey>>), KeyError> {
        let keys = lock(self.keys().await?);
        Ok((keys.current.clone(), keys.previous.clone()))
    }

    async fn keys(self: &Arc<Self>) -> Result<&Mutex<KeySet>, KeyError> {
        if let Some(keys) = self.ready() {
            return Ok(keys);
        }
        let ring = Arc::clone(self);
        tokio::task::spawn_blocking(move || ring.ensure().map(|_| ()))
            .await
            .map_err(|_| KeyError("key generation task failed"))??;
        self.ready()
            .ok_or(KeyError("key generation did not complete"))
    }

    /// Replaces the current key with a new one; the old one becomes `previous`.
    /// Returns (new kid, withdrawn kid).
    pub(crate) async fn rotate(self: &Arc<Self>) -> Result<(String, String), KeyError> {
        let keys = self.keys().await?;
        let alg = self.alg;
        let fresh = tokio::task::spawn_blocking(move || SigningKey::generate(alg))
            .await
            .map_err(|_| KeyError("key generation task failed"))??;
        let fresh = Arc::new(fresh);
        let mut keys = lock(keys);
        let old = std::mem::replace(&mut keys.current, fresh);
        let kids = (keys.current.kid().to_owned(), old.kid().to_owned());
        keys.previous = Some(old);
        Ok(kids)
    }
}

/// A parsed compact JWS (not yet verified).
pub(crate) struct Compact<'a> {
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
    signing_input: &'a str,
    signature: &'a str,
}

impl<'a> Compact<'a> {
    /// Splits and decodes `token` (three base64url parts, JSON object header and payload).
    pub(crate) fn parse(token: &'a str) -> Option<Self> {
        let (signing_input, signature) = token.rsplit_once('.')?;
        let (header, payload) = signing_input.split_once('.')?;
        if payload.contains('.') {
            return None;
        }
        let header = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
        let claims = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
        Some(Self {
            header,
            claims,
            signing_input,
            signature,
        })
    }

    /// Whether the signature verifies with `key` under `alg`.
    pub(crate) fn verifies(&self, key: &DecodingKey, alg: SigningAlg) -> bool {
        !self.signature.is_empty()
            && jsonwebtoken::crypto::verify(
                self.signature,
                self.signing_input.as_bytes(),
                key,
                alg.jwt_algorithm(),
            )
            .unwrap_or(false)
    }
}

/// A public key from a client's JWKS that can verify signatures.
pub(crate) struct PublicJwk {
    pub kid: Option<String>,
    /// The JWK's `alg`, if it names one.
    pub alg: Option<String>,
    kty: Kty,
    key: DecodingKey,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kty {
    Rsa,
    P256,
    Ed25519,
}

impl PublicJwk {
    /// Parses one JWK; `None` for keys that cannot verify ES256/PS256/RS256/EdDSA
    /// signatures (other key types or curves, `use` other than `sig`, private keys, HMAC).
    pub(crate) fn parse(jwk: &Value) -> Option<Self> {
        let s = |k: &str| jwk.get(k).and_then(Value::as_str);
        if jwk.get("use").is_some_and(|u| u != "sig") {
            return None;
        }
        if jwk.get("d").is_some() {
            // A private key published by mistake: do not use it.
            return None;
        }
        let (kty, key) = match (s("kty")?, s("crv")) {
            ("RSA", _) => (
                Kty::Rsa,
                DecodingKey::from_rsa_components(s("n")?, s("e")?).ok()?,
            ),
            ("EC", Some("P-256")) => {
                let (x, y) = (s("x")?, s("y")?);
                let len = |c: &str| URL_SAFE_NO_PAD.decode(c).map(|b| b.len()).unwrap_or(0);
                if len(x) != 32 || len(y) != 32 {
                    return None;
                }
                (Kty::P256, DecodingKey::from_ec_components(x, y).ok()?)
            }
            ("OKP", Some("Ed25519")) => {
                let x = s("x")?;
                if URL_SAFE_NO_PAD.decode(x).map(|b| b.len()).unwrap_or(0) != 32 {
                    return None;
                }
                (Kty::Ed25519, DecodingKey::from_ed_components(x).ok()?)
            }
            _ => return None,
        };
        Some(Self {
            kid: s("kid").map(str::to_owned),
            alg: s("alg").map(str::to_owned),
            kty,
            key,
        })
    }

    /// Whether this key may verify a signature made with `alg`.
    pub(crate) fn fits(&self, alg: SigningAlg) -> bool {
        let kty = match alg {
            SigningAlg::Rs256 | SigningAlg::Ps256 => Kty::Rsa,
            SigningAlg::Es256 => Kty::P256,
            SigningAlg::EdDsa => Kty::Ed25519,
        };
        kty == self.kty && self.alg.as_deref().is_none_or(|a| a == alg.as_str())
    }

    pub(crate) fn key(&self) -> &DecodingKey {
        &self.key
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn verify_with_jwk(jwk: &Value, jws: &str, alg: SigningAlg) -> bool {
        let key = PublicJwk::parse(jwk).expect("usable jwk");
        assert!(key.fits(alg));
        Compact::parse(jws)
            .expect("compact")
            .verifies(key.key(), alg)
    }

    #[test]
    fn every_alg_round_trips_and_publishes_the_right_jwk() {
        for alg in SigningAlg::CLIENT_ASSERTION {
            let key = SigningKey::generate(alg).expect("key");
            let jws = key
                .sign(Map::new(), r#"{"sub":"abc","name":"Мар'яна"}"#.as_bytes())
                .expect("sign");
            assert!(verify_with_jwk(key.jwk(), &jws, alg), "{alg:?}");
            let parsed = Compact::parse(&jws).expect("parse");
            assert_eq!(parsed.header["alg"], alg.as_str());
            assert_eq!(parsed.header["typ"], "JWT");
            assert_eq!(parsed.header["kid"], key.kid());
            assert_eq!(parsed.claims["name"], "Мар'яна");
            assert!(!jws.contains('='));

            let wrong = key.sign_with_wrong_key(b"{}").expect("sign");
            assert!(!verify_with_jwk(key.jwk(), &wrong, alg), "{alg:?}");

            let jwk = key.jwk();
            assert_eq!(jwk["kid"], key.kid());
            assert_eq!(jwk["use"], "sig");
            assert_eq!(jwk["alg"], alg.as_str());
            assert_eq!(key.kid().len(), 43);
            match alg {
                SigningAlg::Rs256 | SigningAlg::Ps256 => {
                    assert_eq!(jwk["kty"], "RSA");
                    assert_eq!(jwk["e"], "AQAB");
                    let n = URL_SAFE_NO_PAD
                        .decode(jwk["n"].as_str().expect("n"))
                        .expect("b64");
                    assert_eq!(n.len(), 256, "RSA 2048");
                }
                SigningAlg::Es256 => {
                    assert_eq!(jwk["kty"], "EC");
                    assert_eq!(jwk["crv"], "P-256");
                    assert!(jwk["y"].is_string());
                }
                SigningAlg::EdDsa => {
                    assert_eq!(jwk["kty"], "OKP");
                    assert_eq!(jwk["crv"], "Ed25519");
                    assert!(jwk.get("y").is_none());
                }
            }
        }
    }

    #[test]
    fn rfc7638_example_thumbprint() {
        // RFC 7638 section 3.1.
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        assert_eq!(
            thumbprint(&[("e", "AQAB"), ("kty", "RSA"), ("n", n)]),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn pkcs8_unwrapping_rejects_garbage() {
        assert!(pkcs8_private_key(&[]).is_none());
        assert!(pkcs8_private_key(&[0x30, 0x05, 0x02, 0x01]).is_none());
        assert!(der_tlv(&[0x04, 0x82, 0x01]).is_none());
    }

    #[test]
    fn unsuitable_jwks_are_skipped() {
        assert!(PublicJwk::parse(&json!({"kty": "oct", "k": "c2VjcmV0"})).is_none());
        assert!(
            PublicJwk::parse(&json!({"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"})).is_none()
        );
        let key = SigningKey::generate(SigningAlg::Es256).expect("key");
        let mut enc = key.jwk().clone();
        enc["use"] = "enc".into();
        assert!(PublicJwk::parse(&enc).is_none());
        let parsed = PublicJwk::parse(key.jwk()).expect("sig key");
        assert!(parsed.fits(SigningAlg::Es256));
        assert!(!parsed.fits(SigningAlg::Rs256));
    }

    #[test]
    fn unsecured_has_empty_signature() {
        let mut h = Map::new();
        h.insert("alg".into(), "none".into());
        let t = unsecured(&h, b"{}");
        assert!(t.ends_with('.'));
        let c = Compact::parse(&t).expect("parse");
        assert_eq!(c.header["alg"], "none");
    }

    #[test]
    fn random_tokens_differ() {
        let a = random_token(32);
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_token(32));
    }
}
