//! ID-token verification (OpenID Connect Core 3.1.3.7 and JWS, RFC 7515): a well-kept JOSE crate
//! (`jsonwebtoken` on `aws-lc-rs`) checks the signature; this module holds the policy around it.
//! Pure: keys, expectations and the time come in as parameters.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;
use serde_json::Value;

/// Allowed clock difference between the bank and the portal.
pub const CLOCK_SKEW_SECS: i64 = 60;
/// Oldest `iat` accepted.
pub const MAX_TOKEN_AGE_SECS: i64 = 600;
/// Longest lifetime accepted: an ID token is read once, right after it was issued.
pub const MAX_LIFETIME_SECS: i64 = 24 * 3600;
/// Largest ID token accepted (a full verified_claims set is a few KB).
pub const MAX_TOKEN_BYTES: usize = 64 * 1024;
/// Deepest JSON nesting accepted in the header or the claims. OIDC for Identity Assurance needs
/// about 7 (`verified_claims[].verification.evidence[].document_details.issuer.…`).
pub const MAX_JSON_DEPTH: usize = 16;
/// Longest `sub` (OpenID Connect Core 2: at most 255 ASCII characters).
pub const MAX_SUB_LEN: usize = 255;
/// Smallest RSA modulus accepted, in bytes (2048 bits).
const MIN_RSA_BYTES: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdTokenError {
    Malformed,
    TooDeep,
    UnsupportedAlg,
    CriticalHeader,
    WrongType,
    UnknownKey,
    BadSignature,
    WrongIssuer,
    WrongAudience,
    Expired,
    NotYetValid,
    LifetimeTooLong,
    IssuedInFuture,
    TooOld,
    NonceMismatch,
    BadSubject,
}

impl IdTokenError {
    pub fn as_str(self) -> &'static str {
        match self {
            IdTokenError::Malformed => "malformed",
            IdTokenError::TooDeep => "too_deep",
            IdTokenError::UnsupportedAlg => "unsupported_alg",
            IdTokenError::CriticalHeader => "crit",
            IdTokenError::WrongType => "typ",
            IdTokenError::UnknownKey => "unknown_key",
            IdTokenError::BadSignature => "bad_signature",
            IdTokenError::WrongIssuer => "wrong_issuer",
            IdTokenError::WrongAudience => "wrong_audience",
            IdTokenError::Expired => "expired",
            IdTokenError::NotYetValid => "nbf",
            IdTokenError::LifetimeTooLong => "lifetime",
            IdTokenError::IssuedInFuture => "issued_in_future",
            IdTokenError::TooOld => "too_old",
            IdTokenError::NonceMismatch => "nonce_mismatch",
            IdTokenError::BadSubject => "sub",
        }
    }
}

/// Maps a JWS `alg` name to an asymmetric algorithm; `none` and HMAC are never accepted.
pub fn algorithm(name: &str) -> Option<Algorithm> {
    Some(match name {
        "RS256" => Algorithm::RS256,
        "RS384" => Algorithm::RS384,
        "RS512" => Algorithm::RS512,
        "PS256" => Algorithm::PS256,
        "PS384" => Algorithm::PS384,
        "PS512" => Algorithm::PS512,
        "ES256" => Algorithm::ES256,
        "ES384" => Algorithm::ES384,
        "EdDSA" => Algorithm::EdDSA,
        _ => return None,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Rsa,
    P256,
    P384,
    Ed25519,
}

fn kind_for(alg: Algorithm) -> Option<KeyKind> {
    Some(match alg {
        Algorithm::RS256
        | Algorithm::RS384
        | Algorithm::RS512
        | Algorithm::PS256
        | Algorithm::PS384
        | Algorithm::PS512 => KeyKind::Rsa,
        Algorithm::ES256 => KeyKind::P256,
        Algorithm::ES384 => KeyKind::P384,
        Algorithm::EdDSA => KeyKind::Ed25519,
        _ => return None,
    })
}

/// A bank's public signing key, parsed once per JWKS fetch.
#[derive(Clone)]
pub struct VerifyKey {
    pub kid: Option<String>,
    /// The key's `alg`, when the JWK names one: then only that algorithm may use it.
    alg: Option<Algorithm>,
    kind: KeyKind,
    key: DecodingKey,
}

impl std::fmt::Debug for VerifyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("kind", &self.kind)
            .finish()
    }
}

#[derive(Debug, Deserialize)]
struct RawJwk {
    kty: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default, rename = "use")]
    use_: Option<String>,
    #[serde(default)]
    alg: Option<String>,
    #[serde(default)]
    crv: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
    #[serde(default)]
    x: Option<String>,
    #[serde(default)]
    y: Option<String>,
    #[serde(default)]
    key_ops: Option<Vec<String>>,
}

fn b64_len(s: &str) -> Option<usize> {
    URL_SAFE_NO_PAD.decode(s).ok().map(|b| b.len())
}

impl VerifyKey {
    /// The usable signature keys of a JWK Set (RFC 7517). Keys for encryption, of unknown types,
    /// with unknown or symmetric algorithms, RSA under 2048 bits or malformed are left out.
    pub fn parse_set(jwks: &Value) -> Vec<VerifyKey> {
        jwks.get("keys")
            .and_then(Value::as_array)
            .map(|keys| {
                keys.iter()
                    .filter_map(|k| serde_json::from_value::<RawJwk>(k.clone()).ok())
                    .filter_map(|k| VerifyKey::from_jwk(&k))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn from_jwk(k: &RawJwk) -> Option<VerifyKey> {
        if k.use_.as_deref().is_some_and(|u| u != "sig") {
            return None;
        }
        if k.key_ops
            .as_ref()
            .is_some_and(|ops| !ops.iter().any(|o| o == "verify"))
        {
            return None;
        }
        let alg = match k.alg.as_deref() {
            Some(a) => Some(algorithm(a)?),
            None => None,
        };
        let (kind, key) = match (k.kty.as_str(), k.crv.as_deref()) {
            ("RSA", _) => {
                let (n, e) = (k.n.as_deref()?, k.e.as_deref()?);
                let n_len = b64_len(n)?;
                if n_len < MIN_RSA_BYTES {
                    return None;
                }
                (KeyKind::Rsa, DecodingKey::from_rsa_components(n, e).ok()?)
            }
            ("EC", Some(crv @ ("P-256" | "P-384"))) => {
                let (x, y) = (k.x.as_deref()?, k.y.as_deref()?);
                let size = if crv == "P-256" { 32 } else { 48 };
                if b64_len(x)? != size || b64_len(y)? != size {
                    return None;
                }
                let kind = if crv == "P-256" {
                    KeyKind::P256
                } else {
                    KeyKind::P384
                };
                (kind, DecodingKey::from_ec_components(x, y).ok()?)
            }
            ("OKP", Some("Ed25519")) => {
                let x = k.x.as_deref()?;
                if b64_len(x)? != 32 {
                    return None;
                }
                (KeyKind::Ed25519, DecodingKey::from_ed_components(x).ok()?)
            }
            _ => return None,
        };
        if alg.is_some_and(|a| kind_for(a) != Some(kind)) {
            return None;
        }
        Some(VerifyKey {
            kid: k.kid.clone(),
            alg,
            kind,
            key,
        })
    }

    #[cfg(test)]
    pub(crate) fn key(&self) -> &DecodingKey {
        &self.key
    }

    fn fits(&self, alg: Algorithm, kid: Option<&str>) -> bool {
        kind_for(alg) == Some(self.kind)
            && self.alg.is_none_or(|a| a == alg)
            && match (kid, self.kid.as_deref()) {
                (Some(want), Some(have)) => want == have,
                (Some(_), None) => false,
                (None, _) => true,
            }
    }
}

/// What must hold for an ID token to be accepted.
pub struct Expectations<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: &'a str,
    /// The bank's allowed `alg` names.
    pub algs: &'a [String],
    /// Unix seconds.
    pub now: i64,
}

/// The protected header, as far as the policy reads it.
#[derive(Debug, Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    typ: Option<String>,
    #[serde(default)]
    crit: Option<Value>,
}

/// The `alg` and `kid` of a token's header, unverified (to pick or refetch keys).
pub fn peek_header(token: &str) -> Option<(String, Option<String>)> {
    let h64 = token.split('.').next()?;
    let bytes = URL_SAFE_NO_PAD.decode(h64).ok()?;
    let h: Header = serde_json::from_slice(&bytes).ok()?;
    Some((h.alg, h.kid))
}

/// A verified token: the bank's subject and the whole claims object (for the claim mapping).
#[derive(Debug)]
pub struct Verified {
    pub sub: String,
    pub claims: Value,
}

/// Verifies a compact-JWS ID token: header policy (allowed `alg`, no `crit`, `typ`), signature by
/// a key of `keys`, then `iss`, `aud`/`azp` (no untrusted extra audience), `exp`, `nbf`, `iat`,
/// `nonce` and `sub`, with checked arithmetic throughout.
pub fn verify_id_token(
    token: &str,
    keys: &[VerifyKey],
    exp: &Expectations<'_>,
) -> Result<Verified, IdTokenError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(IdTokenError::Malformed);
    }
    let mut parts = token.split('.');
    let (Some(h64), Some(p64), Some(s64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(IdTokenError::Malformed);
    };
    let header_bytes = URL_SAFE_NO_PAD
        .decode(h64)
        .map_err(|_| IdTokenError::Malformed)?;
    check_depth(&header_bytes)?;
    let header: Header =
        serde_json::from_slice(&header_bytes).map_err(|_| IdTokenError::Malformed)?;
    let alg = algorithm(&header.alg)
        .filter(|_| exp.algs.contains(&header.alg))
        .ok_or(IdTokenError::UnsupportedAlg)?;
    // RFC 7515 4.1.11: an extension the portal does not understand must be refused; it
    // understands none.
    if header.crit.is_some() {
        return Err(IdTokenError::CriticalHeader);
    }
    // An access token or logout token offered as an ID token (RFC 8725 3.11).
    if header.typ.as_deref().is_some_and(|t| {
        !t.eq_ignore_ascii_case("JWT") && !t.eq_ignore_ascii_case("application/jwt")
    }) {
        return Err(IdTokenError::WrongType);
    }
    let candidates: Vec<&VerifyKey> = keys
        .iter()
        .filter(|k| k.fits(alg, header.kid.as_deref()))
        .collect();
    if candidates.is_empty() {
        return Err(IdTokenError::UnknownKey);
    }
    let signing_input = &token.as_bytes()[..h64.len() + 1 + p64.len()];
    let verified = candidates
        .iter()
        .any(|k| jsonwebtoken::crypto::verify(s64, signing_input, &k.key, alg).unwrap_or(false));
    if !verified {
        return Err(IdTokenError::BadSignature);
    }
    let payload = URL_SAFE_NO_PAD
        .decode(p64)
        .map_err(|_| IdTokenError::Malformed)?;
    check_depth(&payload)?;
    let claims: Value = serde_json::from_slice(&payload).map_err(|_| IdTokenError::Malformed)?;
    let sub = check_claims(&claims, exp)?;
    Ok(Verified { sub, claims })
}

fn check_claims(c: &Value, exp: &Expectations<'_>) -> Result<String, IdTokenError> {
    let obj = c.as_object().ok_or(IdTokenError::Malformed)?;
    let text = |name: &str| obj.get(name).and_then(Value::as_str);
    let number = |name: &str| -> Result<Option<i64>, IdTokenError> {
        match obj.get(name) {
            None => Ok(None),
            // NumericDate: seconds; fractions are allowed by RFC 7519 and dropped here.
            Some(v) => v
                .as_i64()
                .or_else(|| v.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
                .map(Some)
                .ok_or(IdTokenError::Malformed),
        }
    };
    if text("iss") != Some(exp.issuer) {
        return Err(IdTokenError::WrongIssuer);
    }
    // OIDC Core 3.1.3.7 (3)–(5): the client must be an audience and no other audience may be
    // there (the portal trusts none); `azp`, when present, is the client.
    let aud_ok = match obj.get("aud") {
        Some(Value::String(a)) => a == exp.client_id,
        Some(Value::Array(list)) => {
            !list.is_empty() && list.iter().all(|a| a.as_str() == Some(exp.client_id))
        }
        _ => false,
    };
    let azp_ok = match obj.get("azp") {
        None => true,
        Some(v) => v.as_str() == Some(exp.client_id),
    };
    if !aud_ok || !azp_ok {
        return Err(IdTokenError::WrongAudience);
    }
    let now = exp.now;
    let expiry = number("exp")?.ok_or(IdTokenError::Malformed)?;
    let issued = number("iat")?.ok_or(IdTokenError::Malformed)?;
    if expiry.saturating_add(CLOCK_SKEW_SECS) <= now {
        return Err(IdTokenError::Expired);
    }
    if expiry.saturating_sub(now) > MAX_LIFETIME_SECS {
        return Err(IdTokenError::LifetimeTooLong);
    }
    if let Some(nbf) = number("nbf")? {
        if nbf > now.saturating_add(CLOCK_SKEW_SECS) {
            return Err(IdTokenError::NotYetValid);
        }
    }
    if issued > now.saturating_add(CLOCK_SKEW_SECS) {
        return Err(IdTokenError::IssuedInFuture);
    }
    if issued < now.saturating_sub(MAX_TOKEN_AGE_SECS) {
        return Err(IdTokenError::TooOld);
    }
    let nonce_ok = text("nonce")
        .is_some_and(|n| subtle::ConstantTimeEq::ct_eq(n.as_bytes(), exp.nonce.as_bytes()).into());
    if !nonce_ok {
        return Err(IdTokenError::NonceMismatch);
    }
    let sub = text("sub")
        .filter(|s| {
            !s.is_empty() && s.len() <= MAX_SUB_LEN && s.bytes().all(|b| (0x20..0x7f).contains(&b))
        })
        .ok_or(IdTokenError::BadSubject)?;
    Ok(sub.to_string())
}

/// Refuses JSON nested deeper than [`MAX_JSON_DEPTH`] before it is parsed (serde_json skips
/// unknown members without a depth limit).
pub fn check_depth(json: &[u8]) -> Result<(), IdTokenError> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &b in json {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_JSON_DEPTH {
                    return Err(IdTokenError::TooDeep);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
    use jsonwebtoken::{EncodingKey, Header as JwtHeader};
    use serde_json::json;

    const NOW: i64 = 1_800_000_000;

    struct Signer {
        enc: EncodingKey,
        jwk: Value,
    }

    fn es256(kid: &str) -> Signer {
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
                .unwrap();
        let pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).unwrap();
        let point = pair.public_key().as_ref();
        Signer {
            enc: EncodingKey::from_ec_der(pkcs8.as_ref()),
            jwk: json!({"kty":"EC","crv":"P-256","kid":kid,"use":"sig","alg":"ES256",
                "x": URL_SAFE_NO_PAD.encode(&point[1..33]), "y": URL_SAFE_NO_PAD.encode(&point[33..65])}),
        }
    }

    fn sign(s: &Signer, header: Value, claims: &Value) -> String {
        let h = URL_SAFE_NO_PAD.encode(header.to_string());
        let p = URL_SAFE_NO_PAD.encode(claims.to_string());
        let input = format!("{h}.{p}");
        let alg = algorithm(header["alg"].as_str().unwrap()).unwrap();
        let sig = jsonwebtoken::crypto::sign(input.as_bytes(), &s.enc, alg).unwrap();
        format!("{input}.{sig}")
    }

    fn claims() -> Value {
        json!({"iss":"https://bank","sub":"s1","aud":"portal","exp":NOW+300,"iat":NOW,"nonce":"n1","given_name":"Мар'яна"})
    }

    fn algs() -> Vec<String> {
        vec![
            "RS256".into(),
            "PS256".into(),
            "ES256".into(),
            "EdDSA".into(),
        ]
    }

    fn check(token: &str, keys: &[VerifyKey]) -> Result<Verified, IdTokenError> {
        verify_id_token(
            token,
            keys,
            &Expectations {
                issuer: "https://bank",
                client_id: "portal",
                nonce: "n1",
                algs: &algs(),
                now: NOW,
            },
        )
    }

    #[test]
    fn accepts_a_good_token_and_refuses_each_defect() {
        let sk = es256("k1");
        let other = es256("k1");
        let keys = VerifyKey::parse_set(&json!({"keys":[sk.jwk.clone()]}));
        assert_eq!(keys.len(), 1);
        let hdr = json!({"alg":"ES256","kid":"k1","typ":"JWT"});
        let good = sign(&sk, hdr.clone(), &claims());
        let v = check(&good, &keys).unwrap();
        assert_eq!(v.sub, "s1");
        assert_eq!(v.claims["given_name"], "Мар'яна");

        let with = |k: &str, val: Value| {
            let mut c = claims();
            c[k] = val;
            sign(&sk, hdr.clone(), &c)
        };
        let err = |t: &str| check(t, &keys).err();
        use IdTokenError::*;
        assert_eq!(
            err(&sign(&other, hdr.clone(), &claims())),
            Some(BadSignature)
        );
        assert_eq!(err(&with("iss", "https://evil".into())), Some(WrongIssuer));
        assert_eq!(err(&with("aud", "other".into())), Some(WrongAudience));
        assert_eq!(
            err(&with("aud", json!(["portal", "other"]))),
            Some(WrongAudience)
        );
        assert_eq!(err(&with("azp", "other".into())), Some(WrongAudience));
        let mut extra = claims();
        extra["aud"] = json!(["portal", "untrusted-rp"]);
        extra["azp"] = "portal".into();
        assert_eq!(
            err(&sign(&sk, hdr.clone(), &extra)),
            Some(WrongAudience),
            "3.1.3.7: extra audience"
        );
        assert!(check(&with("aud", json!(["portal"])), &keys).is_ok());
        assert_eq!(err(&with("exp", (NOW - 61).into())), Some(Expired));
        assert_eq!(err(&with("exp", i64::MAX.into())), Some(LifetimeTooLong));
        assert_eq!(err(&with("exp", json!(1e300))), Some(LifetimeTooLong));
        assert_eq!(err(&with("exp", i64::MIN.into())), Some(Expired));
        assert_eq!(err(&with("exp", "soon".into())), Some(Malformed));
        assert_eq!(err(&with("nbf", (NOW + 3600).into())), Some(NotYetValid));
        assert!(check(&with("nbf", (NOW - 10).into()), &keys).is_ok());
        assert_eq!(err(&with("iat", (NOW + 120).into())), Some(IssuedInFuture));
        assert_eq!(err(&with("iat", (NOW - 3600).into())), Some(TooOld));
        assert_eq!(err(&with("iat", i64::MIN.into())), Some(TooOld));
        assert_eq!(err(&with("nonce", "n2".into())), Some(NonceMismatch));
        assert_eq!(err(&with("sub", "".into())), Some(BadSubject));
        assert_eq!(err(&with("sub", "x".repeat(4000).into())), Some(BadSubject));
        assert_eq!(err(&with("sub", "a\nb".into())), Some(BadSubject));
        assert!(check(&with("sub", "x".repeat(255).into()), &keys).is_ok());
        let mut no_nonce = claims();
        no_nonce.as_object_mut().unwrap().remove("nonce");
        assert_eq!(err(&sign(&sk, hdr.clone(), &no_nonce)), Some(NonceMismatch));
        // Header policy.
        assert_eq!(
            err(&sign(
                &sk,
                json!({"alg":"ES256","kid":"k1","crit":["exp"]}),
                &claims()
            )),
            Some(CriticalHeader)
        );
        assert_eq!(
            err(&sign(
                &sk,
                json!({"alg":"ES256","kid":"k1","typ":"at+jwt"}),
                &claims()
            )),
            Some(WrongType)
        );
        assert_eq!(
            err(&sign(&sk, json!({"alg":"ES256","kid":"k9"}), &claims())),
            Some(UnknownKey)
        );
        let h = URL_SAFE_NO_PAD.encode(json!({"alg":"none"}).to_string());
        let p = URL_SAFE_NO_PAD.encode(claims().to_string());
        assert_eq!(err(&format!("{h}.{p}.")), Some(UnsupportedAlg));
        let hs = jsonwebtoken::encode(
            &JwtHeader {
                kid: Some("k1".into()),
                ..JwtHeader::new(Algorithm::HS256)
            },
            &claims(),
            &EncodingKey::from_secret(b"client-secret"),
        )
        .unwrap();
        assert_eq!(err(&hs), Some(UnsupportedAlg));
        // ES256 allowed by the key but not by this bank's list.
        let only_rsa = ["RS256".to_string()];
        assert_eq!(
            verify_id_token(
                &good,
                &keys,
                &Expectations {
                    issuer: "https://bank",
                    client_id: "portal",
                    nonce: "n1",
                    algs: &only_rsa,
                    now: NOW
                }
            )
            .err(),
            Some(UnsupportedAlg)
        );
        // A payload swapped under a valid signature.
        let mut parts: Vec<&str> = good.split('.').collect();
        let forged = with("sub", "s2".into());
        parts[1] = forged.split('.').nth(1).unwrap();
        assert_eq!(err(&parts.join(".")), Some(BadSignature));
        assert_eq!(err("a.b"), Some(Malformed));
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let sk = es256("k1");
        let keys = VerifyKey::parse_set(&json!({"keys":[sk.jwk.clone()]}));
        let mut c = claims();
        c["x"] = json!([]);
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let payload = c.to_string().replace("\"x\":[]", &format!("\"x\":{deep}"));
        let h = URL_SAFE_NO_PAD.encode(json!({"alg":"ES256","kid":"k1"}).to_string());
        let p = URL_SAFE_NO_PAD.encode(&payload);
        let input = format!("{h}.{p}");
        let sig = jsonwebtoken::crypto::sign(input.as_bytes(), &sk.enc, Algorithm::ES256).unwrap();
        assert_eq!(
            check(&format!("{input}.{sig}"), &keys).err(),
            Some(IdTokenError::TooDeep)
        );
        assert!(
            check_depth(br#"{"a":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"[[[["}"#).is_ok()
        );
        let ida = json!({"verified_claims":[{"verification":{"evidence":[{"document_details":{"issuer":{"country":"RU"}}}]}}]});
        assert!(check_depth(ida.to_string().as_bytes()).is_ok());
    }

    #[test]
    fn jwks_parsing_keeps_only_usable_signature_keys() {
        let sk = es256("k1");
        let mut enc = sk.jwk.clone();
        enc["use"] = "enc".into();
        let mut wrong_alg = sk.jwk.clone();
        wrong_alg["alg"] = "RS256".into();
        let set = json!({"keys":[
            sk.jwk, enc, wrong_alg,
            {"kty":"oct","k":"c2VjcmV0","alg":"HS256"},
            {"kty":"RSA","n":"AQAB","e":"AQAB","alg":"RS256"},
            {"kty":"OKP","crv":"X25519","x":"AAAA"},
            "junk"
        ]});
        let keys = VerifyKey::parse_set(&set);
        assert_eq!(keys.len(), 1, "{keys:?}");
        assert!(VerifyKey::parse_set(&json!({"nokeys":1})).is_empty());
    }
}
