//! Minimal JOSE: ES256 signing keys, JWKs and compact JWS (RFC 7515 / 7518 / 7519).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use rand::rngs::OsRng;
use rand::RngCore as _;
use serde_json::{json, Map, Value};
use sha2::{Digest as _, Sha256};

/// base64url without padding.
pub(crate) fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// `n` random bytes from the OS CSPRNG, base64url-encoded.
pub(crate) fn random_token(n: usize) -> String {
    let mut buf = vec![0u8; n];
    OsRng.fill_bytes(&mut buf);
    b64url(&buf)
}

/// One bank's ES256 signing key with its key id and public JWK.
pub(crate) struct BankKey {
    signing: SigningKey,
    kid: String,
    jwk: Value,
}

impl BankKey {
    /// Generates a fresh P-256 key with the OS CSPRNG.
    pub(crate) fn generate() -> Self {
        Self::from_signing_key(SigningKey::random(&mut OsRng))
    }

    fn from_signing_key(signing: SigningKey) -> Self {
        let point = signing.verifying_key().to_encoded_point(false);
        let kid = b64url(&Sha256::digest(point.as_bytes())[..16]);
        let coord = |c: Option<&p256::FieldBytes>| c.map(|c| b64url(c)).unwrap_or_default();
        let jwk = json!({
            "kty": "EC",
            "crv": "P-256",
            "x": coord(point.x()),
            "y": coord(point.y()),
            "kid": kid,
            "use": "sig",
            "alg": "ES256",
        });
        Self { signing, kid, jwk }
    }

    #[cfg(test)]
    pub(crate) fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key as a JWK (`kty`, `crv`, `x`, `y`, `kid`, `use`, `alg`).
    pub(crate) fn jwk(&self) -> &Value {
        &self.jwk
    }

    /// Signs `claims` as a compact JWS with header `{"alg":"ES256","typ":"JWT","kid":…}`.
    pub(crate) fn sign_jwt(&self, claims: &Map<String, Value>) -> String {
        sign_with(&self.signing, &self.kid, claims)
    }

    /// Same header (including this key's `kid`) but signed by a throw-away key, so the
    /// signature is well-formed yet does not verify against the published JWKS.
    pub(crate) fn sign_jwt_with_wrong_key(&self, claims: &Map<String, Value>) -> String {
        sign_with(&SigningKey::random(&mut OsRng), &self.kid, claims)
    }
}

fn sign_with(key: &SigningKey, kid: &str, claims: &Map<String, Value>) -> String {
    let header = json!({ "alg": "ES256", "typ": "JWT", "kid": kid });
    let signing_input = format!(
        "{}.{}",
        b64url(header.to_string().as_bytes()),
        b64url(Value::Object(claims.clone()).to_string().as_bytes())
    );
    // ES256 = ECDSA over P-256 with SHA-256; JWS wants the raw 64-byte r || s.
    let signature: Signature = key.sign(signing_input.as_bytes());
    format!("{signing_input}.{}", b64url(&signature.to_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Verifier as _;
    use p256::ecdsa::VerifyingKey;

    fn verify(jwk: &Value, jws: &str) -> bool {
        let parts: Vec<&str> = jws.split('.').collect();
        assert_eq!(parts.len(), 3);
        let x = URL_SAFE_NO_PAD
            .decode(jwk["x"].as_str().expect("x"))
            .expect("b64");
        let y = URL_SAFE_NO_PAD
            .decode(jwk["y"].as_str().expect("y"))
            .expect("b64");
        let mut sec1 = vec![4u8];
        sec1.extend_from_slice(&x);
        sec1.extend_from_slice(&y);
        let vk = VerifyingKey::from_sec1_bytes(&sec1).expect("key");
        let sig = URL_SAFE_NO_PAD.decode(parts[2]).expect("b64");
        assert_eq!(sig.len(), 64);
        let sig = Signature::from_slice(&sig).expect("sig");
        vk.verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig)
            .is_ok()
    }

    #[test]
    fn jws_round_trip() {
        let key = BankKey::generate();
        let mut claims = Map::new();
        claims.insert("sub".into(), "abc".into());
        claims.insert("name".into(), "Мар'яна".into());
        let jws = key.sign_jwt(&claims);
        assert!(verify(key.jwk(), &jws));

        let header: Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(jws.split('.').next().expect("header"))
                .expect("b64"),
        )
        .expect("json");
        assert_eq!(header["alg"], "ES256");
        assert_eq!(header["typ"], "JWT");
        assert_eq!(header["kid"], key.kid());
        assert!(!jws.contains('='));

        assert!(!verify(key.jwk(), &key.sign_jwt_with_wrong_key(&claims)));
    }

    #[test]
    fn kid_is_sha256_prefix_of_sec1_point() {
        let key = BankKey::generate();
        assert_eq!(key.kid().len(), 22);
        let jwk = key.jwk();
        assert_eq!(jwk["kty"], "EC");
        assert_eq!(jwk["crv"], "P-256");
        assert_eq!(jwk["kid"], key.kid());
        let mut sec1 = vec![4u8];
        for c in ["x", "y"] {
            let v = URL_SAFE_NO_PAD
                .decode(jwk[c].as_str().expect("coord"))
                .expect("b64");
            assert_eq!(v.len(), 32);
            sec1.extend_from_slice(&v);
        }
        assert_eq!(key.kid(), b64url(&Sha256::digest(&sec1)[..16]));
    }

    #[test]
    fn random_tokens_differ() {
        let a = random_token(32);
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_token(32));
    }
}
