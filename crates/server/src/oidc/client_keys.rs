//! The portal's own signing keys for `private_key_jwt` client authentication (RFC 7523, OpenID
//! Connect Core 9): P-256 keys with key ids; the first signs, all are published at
//! `/.well-known/jwks.json` so banks can rotate with the portal.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

/// Lifetime of a client assertion.
const ASSERTION_SECS: i64 = 60;

struct ClientKey {
    kid: String,
    enc: EncodingKey,
    jwk: Value,
}

/// The portal's client keys; `Debug` never shows private material.
#[derive(Default)]
pub struct ClientKeys {
    keys: Vec<ClientKey>,
}

impl std::fmt::Debug for ClientKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.keys.iter().map(|k| &k.kid))
            .finish()
    }
}

fn valid_kid(kid: &str) -> bool {
    (1..=64).contains(&kid.len())
        && kid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

impl ClientKeys {
    /// Keys from `kid:base64(PKCS#8 DER)` specs, the signing key first.
    pub fn from_specs(specs: &[String]) -> Result<ClientKeys, String> {
        let mut keys = Vec::new();
        for spec in specs {
            let (kid, b64) = spec
                .split_once(':')
                .ok_or("a client key is kid:base64(PKCS#8)")?;
            if !valid_kid(kid) {
                return Err(format!("client key id {kid:?}: 1-64 of [A-Za-z0-9._-]"));
            }
            if keys.iter().any(|k: &ClientKey| k.kid == kid) {
                return Err(format!("client key id {kid} is used twice"));
            }
            let der = STANDARD
                .decode(b64.trim())
                .map_err(|_| format!("client key {kid}: not base64"))?;
            let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der)
                .map_err(|_| format!("client key {kid}: not a PKCS#8 P-256 key"))?;
            let point = pair.public_key().as_ref();
            if point.len() != 65 {
                return Err(format!("client key {kid}: unexpected public key"));
            }
            keys.push(ClientKey {
                kid: kid.to_string(),
                enc: EncodingKey::from_ec_der(&der),
                jwk: json!({
                    "kty": "EC",
                    "crv": "P-256",
                    "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
                    "y": URL_SAFE_NO_PAD.encode(&point[33..65]),
                    "kid": kid,
                    "use": "sig",
                    "alg": "ES256",
                }),
            });
        }
        Ok(ClientKeys { keys })
    }

    /// A new key as a spec line (`kid:base64`), for `bankid-server --new-client-key`.
    pub fn generate(kid: &str) -> Result<String, String> {
        if !valid_kid(kid) {
            return Err("key id: 1-64 of [A-Za-z0-9._-]".into());
        }
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
                .map_err(|_| "key generation failed".to_string())?;
        Ok(format!("{kid}:{}", STANDARD.encode(pkcs8.as_ref())))
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The public JWK Set.
    pub fn jwks(&self) -> Value {
        json!({ "keys": self.keys.iter().map(|k| k.jwk.clone()).collect::<Vec<_>>() })
    }

    /// A client assertion for `client_id` at a bank: `iss` = `sub` = client id, `aud` = the bank's
    /// issuer (FAPI 2.0), a fresh `jti`, valid for a minute from `now` (Unix seconds).
    pub fn assertion(
        &self,
        client_id: &str,
        audience: &str,
        jti: &str,
        now: i64,
    ) -> Result<String, String> {
        let key = self
            .keys
            .first()
            .ok_or("no client keys: set server.client_keys or PORTAL_CLIENT_KEYS")?;
        let header = Header {
            kid: Some(key.kid.clone()),
            ..Header::new(Algorithm::ES256)
        };
        let claims = json!({
            "iss": client_id,
            "sub": client_id,
            "aud": audience,
            "jti": jti,
            "iat": now,
            "exp": now + ASSERTION_SECS,
        });
        jsonwebtoken::encode(&header, &claims, &key.enc).map_err(|e| format!("signing: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oidc::jws::VerifyKey;

    #[test]
    fn generated_keys_sign_assertions_the_jwks_verifies() {
        let a = ClientKeys::generate("k1").unwrap();
        let b = ClientKeys::generate("k2").unwrap();
        let keys = ClientKeys::from_specs(&[a, b]).unwrap();
        let jwks = keys.jwks();
        assert_eq!(jwks["keys"].as_array().unwrap().len(), 2);
        assert!(!jwks.to_string().contains("\"d\""), "no private part");
        let jwt = keys
            .assertion("portal", "https://bank", "j1", 1_800_000_000)
            .unwrap();
        let (h, rest) = jwt.split_once('.').unwrap();
        let (p, s) = rest.split_once('.').unwrap();
        let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).unwrap()).unwrap();
        assert_eq!(header["kid"], "k1");
        let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).unwrap()).unwrap();
        assert_eq!(claims["aud"], "https://bank");
        assert_eq!(claims["exp"], 1_800_000_060);
        let vks = VerifyKey::parse_set(&jwks);
        let ok = vks.iter().any(|k| {
            k.kid.as_deref() == Some("k1")
                && jsonwebtoken::crypto::verify(
                    s,
                    format!("{h}.{p}").as_bytes(),
                    k.key(),
                    Algorithm::ES256,
                )
                .unwrap_or(false)
        });
        assert!(ok);
        assert!(!format!("{keys:?}").contains(':'));
    }

    #[test]
    fn bad_specs_are_refused() {
        let good = ClientKeys::generate("k1").unwrap();
        for bad in ["k1", "k 1:AAAA", "k1:not-base64!", "k1:AAAA"] {
            assert!(ClientKeys::from_specs(&[bad.to_string()]).is_err(), "{bad}");
        }
        assert!(ClientKeys::from_specs(&[good.clone(), good]).is_err());
        assert!(ClientKeys::from_specs(&[])
            .unwrap()
            .assertion("c", "a", "j", 0)
            .is_err());
    }
}
