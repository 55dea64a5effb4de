//! End-to-end tests: a real HTTP server on 127.0.0.1 driven with reqwest (redirects
//! disabled), plus a small client JWKS server for private_key_jwt.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, RsaPublicKeyComponents,
    ECDSA_P256_SHA256_FIXED_SIGNING, RSA_PKCS1_SHA256, RSA_PSS_SHA256,
};
use axum::extract::State;
use axum::routing::get;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use reqwest::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_SECURITY_POLICY, LOCATION};
use reqwest::redirect::Policy;
use reqwest::StatusCode;
use sandbox_bank::{
    default_profile, router, seeded_customers, BankProfile, BankVariant, ClaimStyle, ClientAuth,
    ClientRegistration, Par, SandboxConfig, SigningAlg, BANK_IDS, MINOR_AGE,
};
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

const CLIENT_ID: &str = "portal";
const CLIENT_SECRET: &str = "portal-secret:with+odd&chars";
/// A second client, to check that pushed requests and codes are bound to their client.
const OTHER_ID: &str = "other-rp";
const OTHER_SECRET: &str = "other-secret";
/// A client whose jwks_uri redirects (the sandbox must not follow it).
const REDIRECTING_ID: &str = "redirecting-rp";
const REDIRECT_URI: &str = "http://127.0.0.1:3000/auth/callback";
const FULL_RU: &str = "openid profile phone email passport inn snils bank_activity";
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

// ---------------------------------------------------------------------------------------------
// Client keys (what a relying party using private_key_jwt holds).

enum Pair {
    Rsa(aws_lc_rs::rsa::KeyPair),
    Ec(EcdsaKeyPair),
    Ed(Ed25519KeyPair),
}

struct ClientKey {
    kid: String,
    pair: Pair,
}

impl ClientKey {
    fn generate(kind: &str, kid: &str) -> Self {
        let rng = SystemRandom::new();
        let pair = match kind {
            "rsa" => Pair::Rsa(
                aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).expect("rsa"),
            ),
            "ec" => {
                let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
                    .expect("ec");
                Pair::Ec(
                    EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, doc.as_ref())
                        .expect("ec"),
                )
            }
            _ => {
                let doc = Ed25519KeyPair::generate_pkcs8(&rng).expect("ed");
                Pair::Ed(Ed25519KeyPair::from_pkcs8(doc.as_ref()).expect("ed"))
            }
        };
        ClientKey {
            kid: kid.to_owned(),
            pair,
        }
    }

    fn jwk(&self) -> Value {
        let b = |x: &[u8]| URL_SAFE_NO_PAD.encode(x);
        match &self.pair {
            // No `alg`: the RSA key serves both RS256 and PS256.
            Pair::Rsa(p) => {
                let c = RsaPublicKeyComponents::<Vec<u8>>::from(p.public_key());
                json!({"kty": "RSA", "kid": self.kid, "use": "sig", "n": b(&c.n), "e": b(&c.e)})
            }
            Pair::Ec(p) => {
                let pt = p.public_key().as_ref();
                json!({"kty": "EC", "crv": "P-256", "kid": self.kid, "alg": "ES256",
                       "x": b(&pt[1..33]), "y": b(&pt[33..65])})
            }
            Pair::Ed(p) => {
                json!({"kty": "OKP", "crv": "Ed25519", "kid": self.kid, "alg": "EdDSA",
                       "x": b(p.public_key().as_ref())})
            }
        }
    }

    /// Compact JWS with header `{"alg","kid"}` merged with `extra_header`.
    fn sign_as(&self, alg: &str, extra_header: Value, claims: &Value) -> String {
        let mut header = json!({"alg": alg, "kid": self.kid, "typ": "JWT"});
        if let (Some(h), Some(extra)) = (header.as_object_mut(), extra_header.as_object()) {
            for (k, v) in extra {
                h.insert(k.clone(), v.clone());
            }
        }
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let rng = SystemRandom::new();
        let sig = match &self.pair {
            Pair::Rsa(p) => {
                let mut sig = vec![0; p.public_modulus_len()];
                let enc: &'static dyn aws_lc_rs::signature::RsaEncoding = if alg == "RS256" {
                    &RSA_PKCS1_SHA256
                } else {
                    &RSA_PSS_SHA256
                };
                p.sign(enc, &rng, input.as_bytes(), &mut sig).expect("sign");
                sig
            }
            Pair::Ec(p) => p
                .sign(&rng, input.as_bytes())
                .expect("sign")
                .as_ref()
                .to_vec(),
            Pair::Ed(p) => p.sign(input.as_bytes()).as_ref().to_vec(),
        };
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
    }
}

/// A relying party's JWKS endpoint (`/jwks`) counting its fetches, plus `/moved`, a
/// redirect to it.
struct ClientJwks {
    base: String,
    keys: Arc<Mutex<Vec<Value>>>,
    fetches: Arc<AtomicUsize>,
}

#[derive(Clone)]
struct JwksState {
    keys: Arc<Mutex<Vec<Value>>>,
    fetches: Arc<AtomicUsize>,
}

async fn serve_jwks(State(s): State<JwksState>) -> axum::Json<Value> {
    s.fetches.fetch_add(1, Ordering::SeqCst);
    let keys = s.keys.lock().expect("lock").clone();
    axum::Json(json!({ "keys": keys }))
}

async fn client_jwks_server(keys: Vec<Value>) -> ClientJwks {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let state = JwksState {
        keys: Arc::new(Mutex::new(keys)),
        fetches: Arc::new(AtomicUsize::new(0)),
    };
    let app = axum::Router::new()
        .route("/jwks", get(serve_jwks))
        .route(
            "/moved",
            get(|| async {
                (
                    StatusCode::TEMPORARY_REDIRECT,
                    [(axum::http::header::LOCATION, "/jwks")],
                )
            }),
        )
        .with_state(state.clone());
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve jwks");
    });
    ClientJwks {
        base,
        keys: state.keys,
        fetches: state.fetches,
    }
}

// ---------------------------------------------------------------------------------------------
// The sandbox under test.

struct Sandbox {
    base: String,
    http: reqwest::Client,
    jwks: ClientJwks,
    /// The client's keys: ES256, RSA (PS256/RS256), EdDSA.
    ec: ClientKey,
    rsa: ClientKey,
    ed: ClientKey,
    variants: Vec<BankVariant>,
}

async fn start(faults_enabled: bool) -> Sandbox {
    start_with(faults_enabled, Vec::new()).await
}

async fn start_with(faults_enabled: bool, variants: Vec<BankVariant>) -> Sandbox {
    start_opts(faults_enabled, variants, false).await
}

async fn start_opts(
    faults_enabled: bool,
    variants: Vec<BankVariant>,
    auto_approve: bool,
) -> Sandbox {
    let ec = ClientKey::generate("ec", "client-ec");
    let rsa = ClientKey::generate("rsa", "client-rsa");
    let ed = ClientKey::generate("ed", "client-ed");
    let jwks = client_jwks_server(vec![ec.jwk(), rsa.jwk(), ed.jwk()]).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let client = |id: &str, secret: &str, jwks_uri: String| ClientRegistration {
        client_id: id.into(),
        client_secret: secret.into(),
        redirect_uris: vec![REDIRECT_URI.into()],
        client_name: "Госпортал <test>".into(),
        jwks_uri: Some(jwks_uri),
    };
    let app = router(SandboxConfig {
        public_url: base.clone(),
        clients: vec![
            client(CLIENT_ID, CLIENT_SECRET, format!("{}/jwks", jwks.base)),
            client(OTHER_ID, OTHER_SECRET, format!("{}/jwks", jwks.base)),
            client(REDIRECTING_ID, "x", format!("{}/moved", jwks.base)),
        ],
        faults_enabled,
        variants: variants.clone(),
        auto_approve,
    });
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    let http = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client");
    Sandbox {
        base,
        http,
        jwks,
        ec,
        rsa,
        ed,
        variants,
    }
}

fn pkce() -> (String, String) {
    let verifier = format!("verifier-{}", URL_SAFE_NO_PAD.encode(rand_bytes()));
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

fn rand_bytes() -> [u8; 32] {
    let mut b = [0u8; 32];
    aws_lc_rs::rand::fill(&mut b).expect("random");
    b
}

fn random_id() -> String {
    URL_SAFE_NO_PAD.encode(&rand_bytes()[..16])
}

/// Extracts `<... marker ...>VALUE<` or `marker="VALUE"` style fragments.
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let i = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} not in page:\n{html}"))
        + start.len();
    let j = html[i..].find(end).expect("end marker") + i;
    &html[i..j]
}

fn flow_id(html: &str) -> String {
    between(html, "name=\"flow\" value=\"", "\"").to_owned()
}

fn location_params(resp: &reqwest::Response) -> (String, HashMap<String, String>) {
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "expected a redirect");
    let loc = resp
        .headers()
        .get(LOCATION)
        .expect("location")
        .to_str()
        .expect("ascii");
    let url = url::Url::parse(loc).expect("absolute location");
    let params = url.query_pairs().into_owned().collect();
    let mut without_query = url.clone();
    without_query.set_query(None);
    (without_query.to_string(), params)
}

struct AuthRequest {
    bank: String,
    scope: String,
    state: String,
    nonce: String,
    verifier: String,
    challenge: String,
}

impl AuthRequest {
    fn new(bank: &str, scope: &str) -> Self {
        let (verifier, challenge) = pkce();
        AuthRequest {
            bank: bank.into(),
            scope: scope.into(),
            state: format!("st&te={}", &challenge[..8]),
            nonce: format!("n-{}", &challenge[8..20]),
            verifier,
            challenge,
        }
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        vec![
            ("response_type", "code".into()),
            ("client_id", CLIENT_ID.into()),
            ("redirect_uri", REDIRECT_URI.into()),
            ("scope", self.scope.clone()),
            ("state", self.state.clone()),
            ("nonce", self.nonce.clone()),
            ("code_challenge", self.challenge.clone()),
            ("code_challenge_method", "S256".into()),
        ]
    }
}

/// How one request authenticates the client.
struct Auth {
    basic: Option<String>,
    form: Vec<(&'static str, String)>,
}

fn form_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_secs() as i64
}

impl Sandbox {
    fn url(&self, bank: &str, path: &str) -> String {
        format!("{}/{bank}/{path}", self.base)
    }

    fn issuer(&self, bank: &str) -> String {
        format!("{}/{bank}", self.base)
    }

    fn profile(&self, bank: &str) -> BankProfile {
        self.variants
            .iter()
            .find(|v| v.id == bank)
            .map(|v| v.profile)
            .or_else(|| default_profile(bank))
            .expect("known issuer")
    }

    /// Client assertion claims for `bank` (aud = issuer), to be tweaked by the caller.
    fn assertion_claims(&self, bank: &str) -> Value {
        json!({
            "iss": CLIENT_ID,
            "sub": CLIENT_ID,
            "aud": self.issuer(bank),
            "jti": random_id(),
            "iat": now(),
            "exp": now() + 60,
        })
    }

    fn key_for(&self, alg: &str) -> &ClientKey {
        match alg {
            "ES256" => &self.ec,
            "EdDSA" => &self.ed,
            _ => &self.rsa,
        }
    }

    /// A valid client assertion for `bank`, signed with `alg`.
    fn assertion(&self, bank: &str, alg: &str) -> String {
        self.key_for(alg)
            .sign_as(alg, json!({}), &self.assertion_claims(bank))
    }

    /// Credentials of `method` for a request to `bank`.
    fn auth(&self, bank: &str, method: ClientAuth) -> Auth {
        match method {
            ClientAuth::ClientSecretBasic => Auth {
                basic: Some(format!(
                    "Basic {}",
                    STANDARD.encode(format!(
                        "{}:{}",
                        form_encode(CLIENT_ID),
                        form_encode(CLIENT_SECRET)
                    ))
                )),
                form: vec![],
            },
            ClientAuth::ClientSecretPost => Auth {
                basic: None,
                form: vec![
                    ("client_id", CLIENT_ID.into()),
                    ("client_secret", CLIENT_SECRET.into()),
                ],
            },
            ClientAuth::PrivateKeyJwt => Auth {
                basic: None,
                form: vec![
                    ("client_assertion_type", JWT_BEARER.into()),
                    ("client_assertion", self.assertion(bank, "ES256")),
                ],
            },
        }
    }

    /// POST a form to `bank`/`path` authenticated with `auth`.
    async fn post_auth(
        &self,
        bank: &str,
        path: &str,
        auth: Auth,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut all: Vec<(&str, String)> =
            form.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        // client_id may already be among the request parameters.
        for (k, v) in auth.form {
            if !all.iter().any(|(ak, av)| *ak == k && *av == v) {
                all.push((k, v));
            }
        }
        let mut req = self.http.post(self.url(bank, path)).form(&all);
        if let Some(basic) = auth.basic {
            req = req.header(AUTHORIZATION, basic);
        }
        req.send().await.expect("post")
    }

    /// The token request with the issuer's own client authentication method.
    async fn token(&self, bank: &str, code: &str, verifier: &str) -> reqwest::Response {
        let auth = self.auth(bank, self.profile(bank).client_auth);
        self.token_with(bank, auth, code, verifier).await
    }

    async fn token_with(
        &self,
        bank: &str,
        auth: Auth,
        code: &str,
        verifier: &str,
    ) -> reqwest::Response {
        self.post_auth(
            bank,
            "token",
            auth,
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT_URI),
                ("code_verifier", verifier),
            ],
        )
        .await
    }

    /// Token request with a made-up code: 400 invalid_grant when the client authenticated,
    /// 401 invalid_client when not.
    async fn probe_auth(&self, bank: &str, auth: Auth) -> (StatusCode, String) {
        let resp = self
            .token_with(bank, auth, "no-such-code", &"v".repeat(43))
            .await;
        let status = resp.status();
        let body: Value = resp.json().await.expect("json");
        (
            status,
            body["error"].as_str().unwrap_or_default().to_owned(),
        )
    }

    async fn probe_assertion(&self, bank: &str, assertion: String) -> (StatusCode, String) {
        self.probe_auth(
            bank,
            Auth {
                basic: None,
                form: vec![
                    ("client_assertion_type", JWT_BEARER.into()),
                    ("client_assertion", assertion),
                ],
            },
        )
        .await
    }

    /// `POST /par` with the authorization request and the issuer's client authentication.
    async fn push(&self, req: &AuthRequest) -> reqwest::Response {
        let auth = self.auth(&req.bank, self.profile(&req.bank).client_auth);
        let params = req.params();
        let form: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.post_auth(&req.bank, "par", auth, &form).await
    }

    async fn authorize(&self, bank: &str, params: &[(&str, String)]) -> reqwest::Response {
        self.http
            .get(self.url(bank, "authorize"))
            .query(params)
            .send()
            .await
            .expect("authorize")
    }

    /// The front-channel authorization request: pushed first where PAR is required.
    async fn start_authorize(&self, req: &AuthRequest) -> reqwest::Response {
        if self.profile(&req.bank).par == Par::Required {
            let resp = self.push(req).await;
            assert_eq!(resp.status(), StatusCode::CREATED, "PAR at {}", req.bank);
            let pushed: Value = resp.json().await.expect("json");
            let request_uri = pushed["request_uri"].as_str().expect("request_uri");
            self.authorize(
                &req.bank,
                &[
                    ("client_id", CLIENT_ID.into()),
                    ("request_uri", request_uri.into()),
                ],
            )
            .await
        } else {
            self.authorize(&req.bank, &req.params()).await
        }
    }

    async fn post_form(&self, bank: &str, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(self.url(bank, path))
            .form(form)
            .send()
            .await
            .expect("post")
    }

    /// Login page → login → OTP; returns the consent page HTML and the flow id.
    async fn login_to_consent(&self, bank: &str, page: &str, login: &str) -> (String, String) {
        assert!(page.contains("id=\"password\""), "{page}");
        let flow = flow_id(page);
        let resp = self
            .post_form(
                bank,
                "login",
                &[("flow", &flow), ("login", login), ("password", "sandbox")],
            )
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
        let page = resp.text().await.expect("otp page");
        assert!(page.contains("Sandbox: the SMS code is"));
        let otp = between(&page, "<output id=\"sandbox-sms-code\">", "</output>").to_owned();
        assert_eq!(otp.len(), 6);
        assert!(otp.chars().all(|c| c.is_ascii_digit()));
        let resp = self
            .post_form(bank, "otp", &[("flow", &flow), ("otp", &otp)])
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
        let page = resp.text().await.expect("consent page");
        assert!(page.contains("value=\"allow\"") && page.contains("value=\"deny\""));
        (page, flow)
    }

    /// authorize → login → OTP; returns the consent page HTML and the flow id.
    async fn to_consent(&self, req: &AuthRequest, login: &str) -> (String, String) {
        let resp = self.start_authorize(req).await;
        assert_eq!(resp.status(), StatusCode::OK, "authorize at {}", req.bank);
        let page = resp.text().await.expect("login page");
        self.login_to_consent(&req.bank, &page, login).await
    }

    /// Allows consent; returns the authorization code.
    async fn allow(&self, req: &AuthRequest, flow: &str) -> String {
        let resp = self
            .post_form(
                &req.bank,
                "consent",
                &[("flow", flow), ("decision", "allow")],
            )
            .await;
        let (target, params) = location_params(&resp);
        assert_eq!(target, REDIRECT_URI);
        assert_eq!(params["state"], req.state);
        assert_eq!(params["iss"], self.issuer(&req.bank));
        assert!(!params.contains_key("error"));
        params["code"].clone()
    }

    /// Full browser part; returns the authorization code.
    async fn code_for(&self, req: &AuthRequest, login: &str) -> String {
        let (_, flow) = self.to_consent(req, login).await;
        self.allow(req, &flow).await
    }

    /// Full flow and token request; returns the token response.
    async fn tokens_for(&self, req: &AuthRequest, login: &str) -> Value {
        let code = self.code_for(req, login).await;
        let resp = self.token(&req.bank, &code, &req.verifier).await;
        assert_eq!(resp.status(), StatusCode::OK, "token at {}", req.bank);
        assert_eq!(resp.headers()[CACHE_CONTROL], "no-store");
        resp.json().await.expect("json")
    }

    async fn jwks(&self, bank: &str) -> Vec<Value> {
        let resp = self
            .http
            .get(self.url(bank, "jwks"))
            .send()
            .await
            .expect("jwks");
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.headers()[CACHE_CONTROL], "public, max-age=60");
        let jwks: Value = resp.json().await.expect("json");
        jwks["keys"].as_array().expect("keys").clone()
    }

    async fn discovery(&self, bank: &str) -> Value {
        let resp = self
            .http
            .get(self.url(bank, ".well-known/openid-configuration"))
            .send()
            .await
            .expect("discovery");
        assert_eq!(resp.status(), StatusCode::OK, "{bank}");
        assert_eq!(resp.headers()[CACHE_CONTROL], "public, max-age=60");
        resp.json().await.expect("json")
    }

    async fn userinfo(&self, bank: &str, access_token: &str) -> Value {
        let resp = self
            .http
            .get(self.url(bank, "userinfo"))
            .bearer_auth(access_token)
            .send()
            .await
            .expect("userinfo");
        assert_eq!(resp.status(), StatusCode::OK);
        resp.json().await.expect("json")
    }

    async fn set_fault(&self, bank: &str, body: Value) -> StatusCode {
        self.http
            .post(self.url(bank, "_faults"))
            .json(&body)
            .send()
            .await
            .expect("faults")
            .status()
    }
}

// ---------------------------------------------------------------------------------------------
// JWT inspection with jsonwebtoken.

/// A compact JWS split into its parts (the payload kept as text: one fault nests it too
/// deep for serde_json).
struct Jwt {
    header: Value,
    payload: String,
    signing_input: String,
    signature: String,
}

impl Jwt {
    fn parse(token: &str) -> Jwt {
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3, "compact JWS");
        let dec = |p: &str| URL_SAFE_NO_PAD.decode(p).expect("base64url");
        Jwt {
            header: serde_json::from_slice(&dec(parts[0])).expect("header json"),
            payload: String::from_utf8(dec(parts[1])).expect("utf-8"),
            signing_input: format!("{}.{}", parts[0], parts[1]),
            signature: parts[2].to_owned(),
        }
    }

    fn claims(&self) -> Value {
        serde_json::from_str(&self.payload).expect("claims json")
    }

    fn kid(&self) -> &str {
        self.header["kid"].as_str().unwrap_or_default()
    }

    /// Whether the signature verifies with `jwk` under the header's alg.
    fn verifies_with(&self, jwk: &Value) -> bool {
        let Ok(alg) = serde_json::from_value::<jsonwebtoken::Algorithm>(self.header["alg"].clone())
        else {
            return false;
        };
        let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(jwk.clone()).expect("jwk");
        let key = jsonwebtoken::DecodingKey::from_jwk(&jwk).expect("decoding key");
        jsonwebtoken::crypto::verify(&self.signature, self.signing_input.as_bytes(), &key, alg)
            .unwrap_or(false)
    }
}

/// The JWK with `kid` among `keys`.
fn key_with<'a>(keys: &'a [Value], kid: &str) -> Option<&'a Value> {
    keys.iter().find(|k| k["kid"] == kid)
}

/// Verifies an ID token as a relying party would (jsonwebtoken `decode` with the JWKS key
/// named by `kid`, alg pinned to the issuer's, iss, aud, exp), returning its claims.
async fn verified_claims(sb: &Sandbox, bank: &str, id_token: &str) -> Value {
    let keys = sb.jwks(bank).await;
    let header = jsonwebtoken::decode_header(id_token).expect("header");
    let kid = header.kid.clone().expect("kid");
    let jwk: jsonwebtoken::jwk::Jwk =
        serde_json::from_value(key_with(&keys, &kid).expect("kid in JWKS").clone()).expect("jwk");
    let key = jsonwebtoken::DecodingKey::from_jwk(&jwk).expect("key");
    let alg = match sb.profile(bank).alg {
        SigningAlg::Rs256 => jsonwebtoken::Algorithm::RS256,
        SigningAlg::Ps256 => jsonwebtoken::Algorithm::PS256,
        SigningAlg::Es256 => jsonwebtoken::Algorithm::ES256,
        SigningAlg::EdDsa => jsonwebtoken::Algorithm::EdDSA,
    };
    assert_eq!(header.alg, alg, "{bank}");
    let mut validation = jsonwebtoken::Validation::new(alg);
    validation.set_audience(&[CLIENT_ID]);
    validation.set_issuer(&[sb.issuer(bank)]);
    validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
    jsonwebtoken::decode::<Value>(id_token, &key, &validation)
        .unwrap_or_else(|e| panic!("{bank}: ID token does not verify: {e}"))
        .claims
}

/// RFC 7638 thumbprint of a published JWK.
fn thumbprint(jwk: &Value) -> String {
    let members: &[&str] = match jwk["kty"].as_str() {
        Some("RSA") => &["e", "kty", "n"],
        Some("EC") => &["crv", "kty", "x", "y"],
        _ => &["crv", "kty", "x"],
    };
    let canonical = members
        .iter()
        .map(|m| format!("\"{m}\":{}", jwk[*m]))
        .collect::<Vec<_>>()
        .join(",");
    URL_SAFE_NO_PAD.encode(Sha256::digest(format!("{{{canonical}}}").as_bytes()))
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn is_ua(bank: &str) -> bool {
    matches!(bank, "privatbank" | "monobank" | "oschadbank")
}

// ---------------------------------------------------------------------------------------------
// Tests.

#[tokio::test]
async fn discovery_and_jwks_follow_each_profile() {
    let sb = start(false).await;
    let mut kids = Vec::new();
    for bank in BANK_IDS {
        let p = default_profile(bank).expect("profile");
        let d = sb.discovery(bank).await;
        let issuer = sb.issuer(bank);
        assert_eq!(d["issuer"], issuer);
        assert_eq!(d["authorization_endpoint"], format!("{issuer}/authorize"));
        assert_eq!(d["token_endpoint"], format!("{issuer}/token"));
        assert_eq!(d["userinfo_endpoint"], format!("{issuer}/userinfo"));
        assert_eq!(d["jwks_uri"], format!("{issuer}/jwks"));
        assert_eq!(d["response_types_supported"], json!(["code"]));
        assert_eq!(d["grant_types_supported"], json!(["authorization_code"]));
        assert_eq!(d["subject_types_supported"], json!(["pairwise"]));
        assert_eq!(d["code_challenge_methods_supported"], json!(["S256"]));
        assert_eq!(d["authorization_response_iss_parameter_supported"], true);
        assert_eq!(
            d["id_token_signing_alg_values_supported"],
            json!([p.alg.as_str()]),
            "{bank}"
        );
        assert_eq!(
            d["token_endpoint_auth_methods_supported"],
            json!([p.client_auth.as_str()]),
            "{bank}"
        );
        if p.client_auth == ClientAuth::PrivateKeyJwt {
            assert_eq!(
                d["token_endpoint_auth_signing_alg_values_supported"],
                json!(["ES256", "PS256", "RS256", "EdDSA"])
            );
        } else {
            assert!(d
                .get("token_endpoint_auth_signing_alg_values_supported")
                .is_none());
        }
        match p.par {
            Par::No => {
                assert!(d.get("pushed_authorization_request_endpoint").is_none());
                assert!(d.get("require_pushed_authorization_requests").is_none());
            }
            Par::Offered | Par::Required => {
                assert_eq!(
                    d["pushed_authorization_request_endpoint"],
                    format!("{issuer}/par")
                );
                assert_eq!(
                    d["require_pushed_authorization_requests"],
                    p.par == Par::Required
                );
            }
        }
        let scopes = strings(&d["scopes_supported"]);
        let claims = strings(&d["claims_supported"]);
        let ua = is_ua(bank);
        match p.claims {
            ClaimStyle::Standard => {
                let mut expected = vec![
                    "openid",
                    "profile",
                    "phone",
                    "email",
                    "passport",
                    "inn",
                    "snils",
                    "bank_activity",
                ];
                if ua {
                    expected.retain(|s| *s != "snils");
                }
                assert_eq!(scopes, expected, "{bank}");
                assert_eq!(claims.contains(&"rnokpp"), ua, "{bank}");
                assert_eq!(claims.contains(&"inn"), !ua, "{bank}");
            }
            ClaimStyle::Renamed => {
                assert_eq!(
                    scopes,
                    ["openid", "fio", "birth", "contacts", "docs", "card"]
                );
                for c in [
                    "last_name",
                    "first_name",
                    "patronymic",
                    "birth_date",
                    "mobile_phone",
                    "mail",
                    "documents",
                    "card_status",
                ] {
                    assert!(claims.contains(&c), "{bank}: {c}");
                }
                assert!(!claims.contains(&"family_name"));
            }
            ClaimStyle::Verified => {
                assert_eq!(scopes, ["openid", "identity_verified", "phone", "email"]);
                assert!(claims.contains(&"verified_claims"));
                assert!(!claims.contains(&"bank_activity"));
                assert_eq!(d["verified_claims_supported"], true);
                assert_eq!(
                    d["trust_frameworks_supported"],
                    json!([if ua { "ua_bankid" } else { "ru_115fz" }])
                );
                assert_eq!(d["evidence_supported"], json!(["document"]));
            }
        }

        let keys = sb.jwks(bank).await;
        assert_eq!(keys.len(), 1, "{bank}");
        let k = &keys[0];
        assert_eq!(k["use"], "sig");
        assert_eq!(k["alg"], p.alg.as_str());
        match p.alg {
            SigningAlg::Rs256 | SigningAlg::Ps256 => {
                assert_eq!(k["kty"], "RSA");
                assert_eq!(k["e"], "AQAB");
                let n = URL_SAFE_NO_PAD
                    .decode(k["n"].as_str().expect("n"))
                    .expect("b64");
                assert_eq!(n.len() * 8, 2048, "{bank}");
            }
            SigningAlg::Es256 => {
                assert_eq!(k["kty"], "EC");
                assert_eq!(k["crv"], "P-256");
                assert!(k["x"].is_string() && k["y"].is_string());
            }
            SigningAlg::EdDsa => {
                assert_eq!(k["kty"], "OKP");
                assert_eq!(k["crv"], "Ed25519");
                assert!(k["x"].is_string() && k.get("y").is_none());
            }
        }
        assert!(
            k.get("d").is_none() && k.get("p").is_none(),
            "no private parts"
        );
        let kid = k["kid"].as_str().expect("kid");
        assert_eq!(kid, thumbprint(k), "{bank}: kid is the RFC 7638 thumbprint");
        kids.push(kid.to_owned());
    }
    kids.sort();
    kids.dedup();
    assert_eq!(kids.len(), BANK_IDS.len(), "one key per bank");

    for path in [
        "nosuchbank/.well-known/openid-configuration",
        "nosuchbank/jwks",
        "nosuchbank/authorize",
        "nosuchbank/userinfo",
    ] {
        let resp = sb
            .http
            .get(format!("{}/{path}", sb.base))
            .send()
            .await
            .expect("get");
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
    }
    // No PAR endpoint where PAR is not offered.
    let resp = sb
        .post_auth(
            "vtb",
            "par",
            sb.auth("vtb", ClientAuth::ClientSecretPost),
            &[],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn every_algorithm_verifies_against_the_published_key() {
    let sb = start(false).await;
    // One bank per algorithm, each with its own client authentication and claim style.
    for (bank, scope, login) in [
        ("sber", "openid profile", "ivanov"),
        ("vtb", "openid fio", "ivanov"),
        ("tbank", "openid profile", "smirnova"),
        ("alfa", "openid identity_verified", "ivanov"),
        ("monobank", "openid fio", "kovalenko"),
        ("oschadbank", "openid identity_verified", "petrenko"),
    ] {
        let req = AuthRequest::new(bank, scope);
        let tok = sb.tokens_for(&req, login).await;
        let id_token = tok["id_token"].as_str().expect("id_token");
        let jwt = Jwt::parse(id_token);
        assert_eq!(jwt.header["alg"], sb.profile(bank).alg.as_str());
        assert_eq!(jwt.header["typ"], "JWT");
        let claims = verified_claims(&sb, bank, id_token).await;
        assert_eq!(claims["nonce"], req.nonce);
        assert_eq!(
            claims["sub"],
            &URL_SAFE_NO_PAD.encode(Sha256::digest(format!("{bank}:{login}").as_bytes()))[..22]
        );
        // Another bank's key does not verify it.
        let other = if bank == "sber" { "otkritie" } else { "sber" };
        let other_keys = sb.jwks(other).await;
        assert!(!jwt.verifies_with(&other_keys[0]), "{bank}");
    }
}

#[tokio::test]
async fn full_ru_flow_with_userinfo_and_code_replay() {
    let sb = start(false).await;
    let req = AuthRequest::new("sber", FULL_RU);

    // Pages: security headers, language, accessible structure, escaped client name.
    let resp = sb.authorize("sber", &req.params()).await;
    let headers = resp.headers().clone();
    assert_eq!(headers[CACHE_CONTROL], "no-store");
    assert_eq!(headers["x-frame-options"], "DENY");
    let csp = headers[CONTENT_SECURITY_POLICY].to_str().expect("csp");
    assert!(csp.contains("default-src 'none'"));
    assert!(csp.contains("frame-ancestors 'none'"));
    assert!(csp.contains("form-action 'self' http://127.0.0.1:3000"));
    let page = resp.text().await.expect("page");
    assert!(page.contains("<html lang=\"ru\">"));
    assert!(page.contains("<meta charset=\"utf-8\">"));
    assert!(page.contains("Сбербанк"));
    assert!(page.contains("Госпортал &lt;test&gt;"));
    assert!(!page.contains("<test>"));
    assert!(!page.contains("<script"));
    assert!(page.contains("autocomplete=\"username\""));
    assert!(page.contains("autocomplete=\"current-password\""));

    let (consent, flow) = sb.to_consent(&req, "ivanov").await;
    assert!(consent.contains("Госпортал &lt;test&gt;</strong> asks for:"));
    for scope in [
        "profile",
        "phone",
        "email",
        "passport",
        "inn",
        "snils",
        "bank_activity",
    ] {
        assert!(
            consent.contains(&format!("data-scope=\"{scope}\"")),
            "{scope} listed"
        );
    }
    let code = sb.allow(&req, &flow).await;
    assert!(code.len() >= 22, "≥128-bit code");

    let resp = sb.token("sber", &code, &req.verifier).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()[CACHE_CONTROL], "no-store");
    let tok: Value = resp.json().await.expect("json");
    assert_eq!(tok["token_type"], "Bearer");
    assert_eq!(tok["expires_in"], 300);
    assert_eq!(tok["scope"], FULL_RU);
    let access_token = tok["access_token"].as_str().expect("at").to_owned();

    let id_token = tok["id_token"].as_str().expect("id_token");
    let claims = verified_claims(&sb, "sber", id_token).await;
    let keys = sb.jwks("sber").await;
    assert_eq!(Jwt::parse(id_token).kid(), keys[0]["kid"]);
    assert_eq!(claims["iss"], sb.issuer("sber"));
    assert_eq!(claims["aud"], CLIENT_ID);
    assert_eq!(claims["nonce"], req.nonce);
    let iat = claims["iat"].as_i64().expect("iat");
    assert!((iat - now()).abs() <= 5);
    assert_eq!(claims["exp"].as_i64(), Some(iat + 300));
    assert!(claims["auth_time"].as_i64().expect("auth_time") <= iat);
    assert_eq!(claims["sub"].as_str().expect("sub").len(), 22);
    assert_eq!(claims["family_name"], "Иванов");
    assert_eq!(claims["given_name"], "Иван");
    assert_eq!(claims["middle_name"], "Иванович");
    assert_eq!(claims["birthdate"], "1985-03-14");
    assert_eq!(claims["phone_number"], "+79161234567");
    assert_eq!(claims["phone_number_verified"], true);
    assert_eq!(claims["email"], "ivanov@example.ru");
    assert_eq!(claims["email_verified"], true);
    assert_eq!(claims["passport"], "4510123456");
    assert!(sandbox_bank::checksum::is_valid_inn12(
        claims["inn"].as_str().expect("inn")
    ));
    assert!(sandbox_bank::checksum::is_valid_snils(
        claims["snils"].as_str().expect("snils")
    ));
    assert_eq!(
        claims["bank_activity"],
        json!({"has_active_card": true, "card_blocked": false, "transactions_30d": 12})
    );

    // UserInfo returns the same identity claims.
    let ui = sb.userinfo("sber", &access_token).await;
    for (k, v) in ui.as_object().expect("object") {
        assert_eq!(&claims[k], v, "{k}");
    }
    for k in [
        "sub",
        "family_name",
        "phone_number",
        "inn",
        "snils",
        "bank_activity",
    ] {
        assert!(ui.get(k).is_some(), "{k}");
    }
    // The token is bank-bound; missing or wrong tokens are rejected.
    let resp = sb
        .http
        .get(sb.url("vtb", "userinfo"))
        .bearer_auth(&access_token)
        .send()
        .await
        .expect("userinfo");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let resp = sb
        .http
        .get(sb.url("sber", "userinfo"))
        .send()
        .await
        .expect("userinfo");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(resp.headers().contains_key("www-authenticate"));

    // Code reuse: invalid_grant, and the token issued from it is revoked.
    let resp = sb.token("sber", &code, &req.verifier).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let err: Value = resp.json().await.expect("json");
    assert_eq!(err["error"], "invalid_grant");
    let resp = sb
        .http
        .get(sb.url("sber", "userinfo"))
        .bearer_auth(&access_token)
        .send()
        .await
        .expect("userinfo");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn ua_standard_flow_and_pairwise_subs() {
    let sb = start(false).await;
    let mut subs = Vec::new();
    for (bank, scope) in [
        // snils is not offered by UA banks and is silently dropped.
        ("privatbank", "openid profile inn snils passport"),
        ("monobank", "openid fio docs"),
    ] {
        let req = AuthRequest::new(bank, scope);
        let (consent, flow) = sb.to_consent(&req, "kovalenko").await;
        assert!(consent.contains("<html lang=\"uk\">"));
        assert!(!consent.contains("data-scope=\"snils\""));
        let code = sb.allow(&req, &flow).await;
        let resp = sb.token(bank, &code, &req.verifier).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let tok: Value = resp.json().await.expect("json");
        let claims = verified_claims(&sb, bank, tok["id_token"].as_str().expect("id")).await;
        if bank == "privatbank" {
            assert!(consent.contains("data-scope=\"inn\""));
            assert_eq!(tok["scope"], "openid profile passport inn");
            assert_eq!(claims["given_name"], "Мар'яна");
            assert_eq!(claims["family_name"], "Коваленко-Шевчук");
            assert_eq!(claims["middle_name"], "Олегівна");
            assert_eq!(claims["passport"], "001234567");
            assert!(sandbox_bank::checksum::is_valid_rnokpp(
                claims["rnokpp"].as_str().expect("rnokpp")
            ));
            for absent in ["inn", "snils", "phone_number", "email", "bank_activity"] {
                assert!(claims.get(absent).is_none(), "{absent}");
            }
        } else {
            assert_eq!(tok["scope"], "openid fio docs");
            assert_eq!(claims["first_name"], "Мар'яна");
            assert_eq!(
                claims["documents"],
                json!({"passport": {"number": "001234567"}, "rnokpp": "3307512467"})
            );
        }
        subs.push(claims["sub"].as_str().expect("sub").to_owned());
    }
    assert_ne!(subs[0], subs[1], "pairwise subject differs per bank");

    // RU customers do not exist at UA banks.
    let req = AuthRequest::new("privatbank", "openid");
    let page = sb
        .authorize("privatbank", &req.params())
        .await
        .text()
        .await
        .expect("page");
    let resp = sb
        .post_form(
            "privatbank",
            "login",
            &[
                ("flow", &flow_id(&page)),
                ("login", "ivanov"),
                ("password", "sandbox"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.text().await.expect("page").contains("role=\"alert\""));
}

#[tokio::test]
async fn authorize_request_errors() {
    let sb = start(false).await;
    let req = AuthRequest::new("otkritie", "openid phone");
    let with = |k: &str, v: Option<&str>| {
        let mut p: Vec<(&str, String)> =
            req.params().into_iter().filter(|(n, _)| *n != k).collect();
        if let Some(v) = v {
            p.push((leak(k), v.to_owned()));
        }
        p
    };

    // Never redirect to an unverified client or redirect URI.
    for (k, v) in [
        ("client_id", Some("stranger")),
        ("client_id", None),
        (
            "redirect_uri",
            Some("http://127.0.0.1:3000/auth/callback/evil"),
        ),
        ("redirect_uri", Some("http://evil.example/cb")),
        ("redirect_uri", None),
    ] {
        let resp = sb.authorize("otkritie", &with(k, v)).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{k}={v:?}");
        assert!(resp.headers().get(LOCATION).is_none());
        let page = resp.text().await.expect("page");
        assert!(page.contains("<h1>"));
    }

    // Protocol errors go back to the client with state and iss.
    for (k, v, error) in [
        ("code_challenge", None, "invalid_request"),
        ("code_challenge_method", None, "invalid_request"),
        ("code_challenge_method", Some("plain"), "invalid_request"),
        ("nonce", None, "invalid_request"),
        ("scope", Some("phone email"), "invalid_scope"),
        ("scope", Some("openid phone nosuchscope"), "invalid_scope"),
        ("scope", Some("openid fio"), "invalid_scope"),
        ("response_type", Some("token"), "unsupported_response_type"),
        ("response_type", None, "invalid_request"),
        ("request_uri", Some("urn:x"), "request_uri_not_supported"),
        ("prompt", Some("none"), "login_required"),
    ] {
        let resp = sb.authorize("otkritie", &with(k, v)).await;
        let (target, params) = location_params(&resp);
        assert_eq!(target, REDIRECT_URI);
        assert_eq!(params["error"], error, "{k}={v:?}");
        assert!(!params["error_description"].is_empty());
        assert_eq!(params["state"], req.state);
        assert_eq!(params["iss"], sb.issuer("otkritie"));
    }
    let resp = sb.authorize("otkritie", &with("state", None)).await;
    let (_, params) = location_params(&resp);
    assert_eq!(params["error"], "invalid_request");
    assert!(!params.contains_key("state"));
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

#[tokio::test]
async fn token_endpoint_errors() {
    let sb = start(false).await;
    let req = AuthRequest::new("otkritie", "openid");
    let code = sb.code_for(&req, "dormant").await;

    // Client authentication.
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", req.verifier.as_str()),
    ];
    let resp = sb.post_form("otkritie", "token", &form).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(resp.headers().contains_key("www-authenticate"));
    assert_eq!(
        resp.json::<Value>().await.expect("json")["error"],
        "invalid_client"
    );
    let resp = sb
        .http
        .post(sb.url("otkritie", "token"))
        .basic_auth(CLIENT_ID, Some("wrong"))
        .form(&form)
        .send()
        .await
        .expect("token");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);

    // Wrong PKCE verifier: invalid_grant, and the code is spent.
    let (other_verifier, _) = pkce();
    let resp = sb.token("otkritie", &code, &other_verifier).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let err: Value = resp.json().await.expect("json");
    assert_eq!(err["error"], "invalid_grant");
    assert!(err["error_description"].is_string());
    let resp = sb.token("otkritie", &code, &req.verifier).await;
    assert_eq!(
        resp.json::<Value>().await.expect("json")["error"],
        "invalid_grant"
    );

    // Wrong bank, wrong client, unknown grant type, wrong redirect_uri, unknown code.
    let req = AuthRequest::new("otkritie", "openid");
    let code = sb.code_for(&req, "dormant").await;
    let resp = sb.token("sber", &code, &req.verifier).await;
    assert_eq!(
        resp.json::<Value>().await.expect("json")["error"],
        "invalid_grant"
    );
    let req = AuthRequest::new("otkritie", "openid");
    let code = sb.code_for(&req, "dormant").await;
    let resp = sb
        .http
        .post(sb.url("otkritie", "token"))
        .basic_auth(OTHER_ID, Some(OTHER_SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", req.verifier.as_str()),
        ])
        .send()
        .await
        .expect("token");
    assert_eq!(
        resp.json::<Value>().await.expect("json")["error"],
        "invalid_grant",
        "a code is bound to its client"
    );
    let req = AuthRequest::new("otkritie", "openid");
    let code = sb.code_for(&req, "dormant").await;
    let resp = sb
        .post_auth(
            "otkritie",
            "token",
            sb.auth("otkritie", ClientAuth::ClientSecretBasic),
            &[("grant_type", "password")],
        )
        .await;
    assert_eq!(
        resp.json::<Value>().await.expect("json")["error"],
        "unsupported_grant_type"
    );
    let resp = sb
        .post_auth(
            "otkritie",
            "token",
            sb.auth("otkritie", ClientAuth::ClientSecretBasic),
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", "http://127.0.0.1:3000/other"),
                ("code_verifier", &req.verifier),
            ],
        )
        .await;
    assert_eq!(
        resp.json::<Value>().await.expect("json")["error"],
        "invalid_grant"
    );
    let resp = sb.token("otkritie", "no-such-code", &req.verifier).await;
    assert_eq!(
        resp.json::<Value>().await.expect("json")["error"],
        "invalid_grant"
    );
}

#[tokio::test]
async fn each_bank_accepts_only_its_client_authentication_method() {
    let sb = start(false).await;
    let methods = [
        ClientAuth::ClientSecretBasic,
        ClientAuth::ClientSecretPost,
        ClientAuth::PrivateKeyJwt,
    ];
    for bank in BANK_IDS {
        let required = sb.profile(bank).client_auth;
        for method in methods {
            let (status, error) = sb.probe_auth(bank, sb.auth(bank, method)).await;
            if method == required {
                assert_eq!(
                    (status, error.as_str()),
                    (StatusCode::BAD_REQUEST, "invalid_grant"),
                    "{bank} accepts {method:?}"
                );
            } else {
                assert_eq!(
                    (status, error.as_str()),
                    (StatusCode::UNAUTHORIZED, "invalid_client"),
                    "{bank} refuses {method:?}"
                );
            }
        }
        // Two methods at once are refused too.
        let mut both = sb.auth(bank, required);
        let other = if required == ClientAuth::ClientSecretPost {
            ClientAuth::ClientSecretBasic
        } else {
            ClientAuth::ClientSecretPost
        };
        let extra = sb.auth(bank, other);
        both.basic = both.basic.or(extra.basic);
        both.form.extend(extra.form);
        let (status, error) = sb.probe_auth(bank, both).await;
        assert_eq!(
            (status, error.as_str()),
            (StatusCode::UNAUTHORIZED, "invalid_client"),
            "{bank}"
        );
    }
}

/// A change to client assertion claims.
type Tweak = Box<dyn Fn(&mut Value)>;

#[tokio::test]
async fn private_key_jwt_checks_the_assertion() {
    let sb = start(false).await;
    let bank = "tbank";
    let issuer = sb.issuer(bank);
    let accepted = (StatusCode::BAD_REQUEST, "invalid_grant".to_owned());
    let refused = (StatusCode::UNAUTHORIZED, "invalid_client".to_owned());

    // Every advertised algorithm, with aud as the issuer, the endpoint URL, or an array.
    for alg in ["ES256", "PS256", "RS256", "EdDSA"] {
        assert_eq!(
            sb.probe_assertion(bank, sb.assertion(bank, alg)).await,
            accepted,
            "{alg}"
        );
    }
    for aud in [
        json!(format!("{issuer}/token")),
        json!(format!("{issuer}/par")),
        json!(["https://elsewhere.example", issuer]),
    ] {
        let mut claims = sb.assertion_claims(bank);
        claims["aud"] = aud.clone();
        let jws = sb.ec.sign_as("ES256", json!({}), &claims);
        assert_eq!(sb.probe_assertion(bank, jws).await, accepted, "aud {aud}");
    }
    // client_id in the body may be given, and must match.
    let jws = sb.assertion(bank, "ES256");
    let ok = sb
        .probe_auth(
            bank,
            Auth {
                basic: None,
                form: vec![
                    ("client_id", CLIENT_ID.into()),
                    ("client_assertion_type", JWT_BEARER.into()),
                    ("client_assertion", jws),
                ],
            },
        )
        .await;
    assert_eq!(ok, accepted);
    let jws = sb.assertion(bank, "ES256");
    let mismatch = sb
        .probe_auth(
            bank,
            Auth {
                basic: None,
                form: vec![
                    ("client_id", OTHER_ID.into()),
                    ("client_assertion_type", JWT_BEARER.into()),
                    ("client_assertion", jws),
                ],
            },
        )
        .await;
    assert_eq!(mismatch, refused);

    // Replay: the same jti twice.
    let jws = sb.assertion(bank, "ES256");
    assert_eq!(sb.probe_assertion(bank, jws.clone()).await, accepted);
    assert_eq!(sb.probe_assertion(bank, jws).await, refused, "reused jti");

    // Bad signature: a key that is not in the client's JWKS, under a kid that is.
    let stranger = ClientKey::generate("ec", "client-ec");
    let jws = stranger.sign_as("ES256", json!({}), &sb.assertion_claims(bank));
    assert_eq!(
        sb.probe_assertion(bank, jws).await,
        refused,
        "bad signature"
    );
    // A tampered payload.
    let jws = sb.assertion(bank, "EdDSA");
    let mut parts: Vec<String> = jws.split('.').map(str::to_owned).collect();
    let mut claims = sb.assertion_claims(bank);
    claims["exp"] = json!(now() + 120);
    parts[1] = URL_SAFE_NO_PAD.encode(claims.to_string());
    assert_eq!(
        sb.probe_assertion(bank, parts.join(".")).await,
        refused,
        "tampered"
    );

    let cases: Vec<(&str, Tweak)> = vec![
        (
            "wrong aud",
            Box::new(|c: &mut Value| c["aud"] = json!("https://other.example/tbank")),
        ),
        (
            "aud of another bank",
            Box::new(|c: &mut Value| {
                let other = c["aud"]
                    .as_str()
                    .unwrap_or_default()
                    .replace("tbank", "alfa");
                c["aud"] = json!(other);
            }),
        ),
        (
            "aud is the authorization endpoint",
            Box::new(|c: &mut Value| {
                let a = format!("{}/authorize", c["aud"].as_str().unwrap_or_default());
                c["aud"] = json!(a);
            }),
        ),
        (
            "expired",
            Box::new(|c: &mut Value| {
                c["iat"] = json!(now() - 600);
                c["exp"] = json!(now() - 300);
            }),
        ),
        (
            "exp too far ahead",
            Box::new(|c: &mut Value| c["exp"] = json!(now() + 3600)),
        ),
        (
            "no exp",
            Box::new(|c: &mut Value| {
                c.as_object_mut().map(|m| m.remove("exp"));
            }),
        ),
        (
            "iat in the future",
            Box::new(|c: &mut Value| c["iat"] = json!(now() + 600)),
        ),
        (
            "no jti",
            Box::new(|c: &mut Value| {
                c.as_object_mut().map(|m| m.remove("jti"));
            }),
        ),
        (
            "sub differs from iss",
            Box::new(|c: &mut Value| c["sub"] = json!("someone-else")),
        ),
        (
            "unknown client",
            Box::new(|c: &mut Value| {
                c["iss"] = json!("stranger");
                c["sub"] = json!("stranger");
            }),
        ),
    ];
    for (what, tweak) in cases {
        let mut claims = sb.assertion_claims(bank);
        tweak(&mut claims);
        let jws = sb.ec.sign_as("ES256", json!({}), &claims);
        assert_eq!(sb.probe_assertion(bank, jws).await, refused, "{what}");
    }

    // alg none, HS256 with the client secret, an unknown critical header, wrong type.
    let claims = sb.assertion_claims(bank);
    let enc = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let none = format!("{}.{}.", enc(&json!({"alg": "none"})), enc(&claims));
    assert_eq!(sb.probe_assertion(bank, none).await, refused, "alg none");
    let hs_input = format!(
        "{}.{}",
        enc(&json!({"alg": "HS256", "kid": "client-ec"})),
        enc(&claims)
    );
    let hs_sig = jsonwebtoken::crypto::sign(
        hs_input.as_bytes(),
        &jsonwebtoken::EncodingKey::from_secret(CLIENT_SECRET.as_bytes()),
        jsonwebtoken::Algorithm::HS256,
    )
    .expect("hmac");
    assert_eq!(
        sb.probe_assertion(bank, format!("{hs_input}.{hs_sig}"))
            .await,
        refused,
        "HS256"
    );
    let crit = sb.ec.sign_as(
        "ES256",
        json!({"crit": ["urn:x"], "urn:x": 1}),
        &sb.assertion_claims(bank),
    );
    assert_eq!(sb.probe_assertion(bank, crit).await, refused, "crit");
    // The RSA key signing as ES256, and the EC key's kid with RS256.
    let wrong_kty = sb
        .rsa
        .sign_as("ES256", json!({}), &sb.assertion_claims(bank));
    assert_eq!(sb.probe_assertion(bank, wrong_kty).await, refused);
    let (status, error) = sb
        .probe_auth(
            bank,
            Auth {
                basic: None,
                form: vec![
                    ("client_assertion_type", "urn:wrong".into()),
                    ("client_assertion", sb.assertion(bank, "ES256")),
                ],
            },
        )
        .await;
    assert_eq!((status, error), refused, "assertion type");

    // A client whose jwks_uri redirects: redirects are not followed.
    let mut claims = sb.assertion_claims(bank);
    claims["iss"] = json!(REDIRECTING_ID);
    claims["sub"] = json!(REDIRECTING_ID);
    let jws = sb.ec.sign_as("ES256", json!({}), &claims);
    assert_eq!(sb.probe_assertion(bank, jws).await, refused, "redirect");
}

#[tokio::test]
async fn client_jwks_is_cached_and_refetched_for_an_unknown_kid_at_most_every_10_s() {
    let sb = start(false).await;
    let bank = "alfa";
    let accepted = (StatusCode::BAD_REQUEST, "invalid_grant".to_owned());
    let refused = (StatusCode::UNAUTHORIZED, "invalid_client".to_owned());
    assert_eq!(
        sb.probe_assertion(bank, sb.assertion(bank, "EdDSA")).await,
        accepted
    );
    assert_eq!(
        sb.probe_assertion(bank, sb.assertion(bank, "ES256")).await,
        accepted
    );
    assert_eq!(sb.jwks.fetches.load(Ordering::SeqCst), 1, "cached");

    // The client adds a key; right away its kid is unknown and not refetched.
    let fresh = ClientKey::generate("ec", "client-ec-2");
    sb.jwks.keys.lock().expect("lock").push(fresh.jwk());
    let jws = |sb: &Sandbox| fresh.sign_as("ES256", json!({}), &sb.assertion_claims(bank));
    assert_eq!(sb.probe_assertion(bank, jws(&sb)).await, refused);
    assert_eq!(sb.jwks.fetches.load(Ordering::SeqCst), 1, "no refetch yet");

    tokio::time::sleep(std::time::Duration::from_millis(10_200)).await;
    assert_eq!(sb.probe_assertion(bank, jws(&sb)).await, accepted);
    assert_eq!(sb.jwks.fetches.load(Ordering::SeqCst), 2, "refetched once");
    // A known kid never triggers a fetch.
    assert_eq!(sb.probe_assertion(bank, jws(&sb)).await, accepted);
    assert_eq!(sb.jwks.fetches.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn pushed_authorization_requests() {
    let sb = start(false).await;

    // sber offers PAR (client_secret_basic).
    let req = AuthRequest::new("sber", "openid phone");
    let resp = sb.push(&req).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert_eq!(resp.headers()[CACHE_CONTROL], "no-store");
    let pushed: Value = resp.json().await.expect("json");
    let request_uri = pushed["request_uri"]
        .as_str()
        .expect("request_uri")
        .to_owned();
    assert!(request_uri.starts_with("urn:ietf:params:oauth:request_uri:"));
    assert!(request_uri.len() > "urn:ietf:params:oauth:request_uri:".len() + 20);
    assert_eq!(pushed["expires_in"], 60);

    // Front-channel parameters other than client_id are ignored.
    let front = [
        ("client_id", CLIENT_ID.to_owned()),
        ("request_uri", request_uri.clone()),
        ("scope", "openid profile passport".to_owned()),
        ("redirect_uri", "http://evil.example/cb".to_owned()),
        ("state", "forged".to_owned()),
    ];
    // With another client_id the request is refused (and spent).
    let other_req = AuthRequest::new("sber", "openid");
    let other_resp = sb.push(&other_req).await;
    let other_uri = other_resp.json::<Value>().await.expect("json")["request_uri"]
        .as_str()
        .expect("uri")
        .to_owned();
    let resp = sb
        .authorize(
            "sber",
            &[
                ("client_id", OTHER_ID.into()),
                ("request_uri", other_uri.clone()),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(resp.headers().get(LOCATION).is_none());
    let resp = sb.authorize("sber", &front).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let page = resp.text().await.expect("page");
    let (consent, flow) = sb.login_to_consent("sber", &page, "ivanov").await;
    assert!(consent.contains("data-scope=\"phone\""));
    assert!(!consent.contains("data-scope=\"passport\""));
    let code = sb.allow(&req, &flow).await;
    let tok: Value = sb
        .token("sber", &code, &req.verifier)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(tok["scope"], "openid phone");
    let claims = verified_claims(&sb, "sber", tok["id_token"].as_str().expect("id")).await;
    assert_eq!(claims["nonce"], req.nonce);

    // Single use; unknown request_uri; request_uri of another issuer.
    for (bank, uri) in [
        ("sber", request_uri.as_str()),
        ("sber", "urn:ietf:params:oauth:request_uri:nope"),
    ] {
        let resp = sb
            .authorize(
                bank,
                &[("client_id", CLIENT_ID.into()), ("request_uri", uri.into())],
            )
            .await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{uri}");
        assert!(resp.headers().get(LOCATION).is_none());
        assert!(resp
            .text()
            .await
            .expect("page")
            .contains("invalid_request_uri"));
    }
    let req = AuthRequest::new("sber", "openid");
    let uri = sb.push(&req).await.json::<Value>().await.expect("json")["request_uri"]
        .as_str()
        .expect("uri")
        .to_owned();
    let resp = sb
        .authorize(
            "privatbank",
            &[("client_id", CLIENT_ID.into()), ("request_uri", uri)],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);

    // Plain authorize still works where PAR is only offered.
    let req = AuthRequest::new("sber", "openid");
    assert_eq!(
        sb.authorize("sber", &req.params()).await.status(),
        StatusCode::OK
    );

    // Validation at the PAR endpoint: JSON errors, nothing stored.
    let req = AuthRequest::new("sber", "openid");
    let cases: Vec<(&str, Option<&str>, StatusCode, &str)> = vec![
        (
            "redirect_uri",
            Some("http://evil.example/cb"),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            "redirect_uri",
            None,
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            "scope",
            Some("openid fio"),
            StatusCode::BAD_REQUEST,
            "invalid_scope",
        ),
        (
            "scope",
            Some("profile"),
            StatusCode::BAD_REQUEST,
            "invalid_scope",
        ),
        (
            "code_challenge",
            None,
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            "code_challenge_method",
            Some("plain"),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            "response_type",
            Some("token"),
            StatusCode::BAD_REQUEST,
            "unsupported_response_type",
        ),
        ("nonce", None, StatusCode::BAD_REQUEST, "invalid_request"),
        ("state", None, StatusCode::BAD_REQUEST, "invalid_request"),
        (
            "request_uri",
            Some("urn:x"),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
    ];
    for (k, v, status, error) in cases {
        let mut form: Vec<(&str, String)> =
            req.params().into_iter().filter(|(n, _)| *n != k).collect();
        if let Some(v) = v {
            form.push((k, v.to_owned()));
        }
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let resp = sb
            .post_auth(
                "sber",
                "par",
                sb.auth("sber", ClientAuth::ClientSecretBasic),
                &form,
            )
            .await;
        assert_eq!(resp.status(), status, "{k}={v:?}");
        let body: Value = resp.json().await.expect("json");
        assert_eq!(body["error"], error, "{k}={v:?}");
    }
    // The PAR endpoint authenticates the client with the bank's method only.
    let params = req.params();
    let form: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for method in [ClientAuth::ClientSecretPost, ClientAuth::PrivateKeyJwt] {
        let resp = sb
            .post_auth("sber", "par", sb.auth("sber", method), &form)
            .await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{method:?}");
    }
    let resp = sb.post_form("sber", "par", &form).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn par_required_refuses_plain_authorize() {
    let sb = start(false).await;
    for bank in ["tbank", "oschadbank"] {
        let scope = if bank == "tbank" {
            "openid profile"
        } else {
            "openid identity_verified"
        };
        let login = if bank == "tbank" {
            "ivanov"
        } else {
            "kovalenko"
        };
        let req = AuthRequest::new(bank, scope);
        let resp = sb.authorize(bank, &req.params()).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{bank}");
        assert!(resp.headers().get(LOCATION).is_none(), "no redirect");
        assert!(resp.text().await.expect("page").contains("PAR"));
        // Through PAR (private_key_jwt at both) the flow completes.
        let tok = sb.tokens_for(&req, login).await;
        let claims = verified_claims(&sb, bank, tok["id_token"].as_str().expect("id")).await;
        assert_eq!(claims["nonce"], req.nonce);
    }
}

#[tokio::test]
async fn renamed_claims_in_id_token_and_userinfo() {
    let sb = start(false).await;
    let req = AuthRequest::new("vtb", "openid fio birth contacts docs card");
    let (consent, flow) = sb.to_consent(&req, "ivanov").await;
    for scope in ["fio", "birth", "contacts", "docs", "card"] {
        assert!(
            consent.contains(&format!("data-scope=\"{scope}\"")),
            "{scope}"
        );
    }
    let code = sb.allow(&req, &flow).await;
    let tok: Value = sb
        .token("vtb", &code, &req.verifier)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(tok["scope"], "openid fio birth contacts docs card");
    let claims = verified_claims(&sb, "vtb", tok["id_token"].as_str().expect("id")).await;
    let ui = sb
        .userinfo("vtb", tok["access_token"].as_str().expect("at"))
        .await;
    for c in [&claims, &ui] {
        assert_eq!(c["last_name"], "Иванов");
        assert_eq!(c["first_name"], "Иван");
        assert_eq!(c["patronymic"], "Иванович");
        assert_eq!(c["birth_date"], "1985-03-14");
        assert_eq!(c["mobile_phone"], "+79161234567");
        assert_eq!(c["mail"], "ivanov@example.ru");
        assert_eq!(
            c["documents"],
            json!({"passport": {"number": "4510123456"}, "inn": "770712345633", "snils": "11223344595"})
        );
        assert_eq!(
            c["card_status"],
            json!({"active": true, "blocked": false, "transactions_last_30_days": 12})
        );
        for absent in [
            "family_name",
            "given_name",
            "birthdate",
            "phone_number",
            "email",
            "passport",
            "inn",
            "bank_activity",
        ] {
            assert!(c.get(absent).is_none(), "{absent}");
        }
    }
    assert_eq!(claims["sub"], ui["sub"]);

    // Standard scopes are unknown here.
    let req = AuthRequest::new("vtb", "openid profile");
    let (_, params) = location_params(&sb.authorize("vtb", &req.params()).await);
    assert_eq!(params["error"], "invalid_scope");

    // A customer without INN: the member is omitted.
    let req = AuthRequest::new("monobank", "openid docs card");
    let tok = sb.tokens_for(&req, "petrenko").await;
    let claims = verified_claims(&sb, "monobank", tok["id_token"].as_str().expect("id")).await;
    assert_eq!(
        claims["documents"],
        json!({"passport": {"number": "КВ123456"}, "rnokpp": "2879803577"})
    );
    assert_eq!(claims["card_status"]["transactions_last_30_days"], 4);
    let req = AuthRequest::new("vtb", "openid docs");
    let tok = sb.tokens_for(&req, "noinn").await;
    let claims = verified_claims(&sb, "vtb", tok["id_token"].as_str().expect("id")).await;
    assert!(claims["documents"].get("inn").is_none());
    assert!(claims["documents"]["snils"].is_string());
}

#[tokio::test]
async fn verified_claims_in_id_token_and_userinfo() {
    let sb = start(false).await;
    let req = AuthRequest::new("gazprombank", "openid identity_verified phone email");
    let tok = sb.tokens_for(&req, "ivanov").await;
    assert_eq!(tok["scope"], "openid identity_verified phone email");
    let claims = verified_claims(&sb, "gazprombank", tok["id_token"].as_str().expect("id")).await;
    let ui = sb
        .userinfo("gazprombank", tok["access_token"].as_str().expect("at"))
        .await;
    for c in [&claims, &ui] {
        assert_eq!(c["phone_number"], "+79161234567");
        assert_eq!(c["phone_number_verified"], true);
        assert_eq!(c["email"], "ivanov@example.ru");
        let vc = c["verified_claims"].as_array().expect("an array");
        assert_eq!(vc.len(), 1);
        let v = &vc[0]["verification"];
        assert_eq!(v["trust_framework"], "ru_115fz");
        let t = v["time"].as_str().expect("time");
        assert!(t.ends_with('Z') && t.len() == 20 && t < "2100", "{t}");
        assert_eq!(
            v["evidence"],
            json!([{"type": "document", "document_details": {"type": "passport", "document_number": "4510123456"}}])
        );
        assert_eq!(
            vc[0]["claims"],
            json!({
                "family_name": "Иванов",
                "given_name": "Иван",
                "middle_name": "Иванович",
                "birthdate": "1985-03-14",
                "idcards": [{"type": "passport", "number": "4510123456"}],
                "taxpayer_number": "770712345633",
                "snils": "11223344595",
            })
        );
        for absent in [
            "bank_activity",
            "card_status",
            "family_name",
            "passport",
            "inn",
        ] {
            assert!(c.get(absent).is_none(), "{absent}");
        }
    }
    // No bank activity at all in this style.
    let req = AuthRequest::new("gazprombank", "openid identity_verified bank_activity");
    let (_, params) = location_params(&sb.authorize("gazprombank", &req.params()).await);
    assert_eq!(params["error"], "invalid_scope");

    // UA: ua_bankid, RNOKPP as taxpayer_number, no SNILS (alfa-style PAR + private_key_jwt).
    let req = AuthRequest::new("oschadbank", "openid identity_verified");
    let tok = sb.tokens_for(&req, "petrenko").await;
    let claims = verified_claims(&sb, "oschadbank", tok["id_token"].as_str().expect("id")).await;
    let vc = &claims["verified_claims"][0];
    assert_eq!(vc["verification"]["trust_framework"], "ua_bankid");
    assert_eq!(vc["claims"]["taxpayer_number"], "2879803577");
    assert_eq!(
        vc["claims"]["idcards"],
        json!([{"type": "passport", "number": "КВ123456"}])
    );
    assert!(vc["claims"].get("snils").is_none());
    assert!(claims.get("phone_number").is_none());
}

#[tokio::test]
async fn classic_faults_apply_to_exactly_the_next_token_call() {
    // Disabled by default.
    let sb = start(false).await;
    assert_eq!(
        sb.set_fault("sber", json!({"next_id_token": "expired"}))
            .await,
        StatusCode::NOT_FOUND
    );
    let resp = sb
        .http
        .post(sb.url("sber", "_keys/rotate"))
        .send()
        .await
        .expect("rotate");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);

    let sb = start(true).await;
    let bank = "gazprombank";
    for body in [
        json!({"next_id_token": "nonsense"}),
        json!({"discovery": "nonsense"}),
        json!({"bogus": 1}),
    ] {
        assert_eq!(sb.set_fault(bank, body).await, StatusCode::BAD_REQUEST);
    }
    let keys = sb.jwks(bank).await;
    let issuer = sb.issuer(bank);

    // ID token faults, each followed by a clean token.
    for fault in [
        "bad_signature",
        "wrong_audience",
        "expired",
        "wrong_nonce",
        "wrong_issuer",
        "future_iat",
        "missing_nonce",
    ] {
        assert_eq!(
            sb.set_fault(bank, json!({"next_id_token": fault})).await,
            StatusCode::NO_CONTENT
        );
        for faulty in [true, false] {
            let req = AuthRequest::new(bank, "openid phone");
            let tok = sb.tokens_for(&req, "otherphone").await;
            let jwt = Jwt::parse(tok["id_token"].as_str().expect("id"));
            let valid = jwt.verifies_with(&keys[0]);
            let c = jwt.claims();
            let iat = c["iat"].as_i64().expect("iat");
            let exp = c["exp"].as_i64().expect("exp");
            let clean = valid
                && c["aud"] == CLIENT_ID
                && c["iss"] == issuer.as_str()
                && c["nonce"] == req.nonce.as_str()
                && exp > now()
                && iat <= now() + 5;
            assert_eq!(clean, !faulty, "{fault} faulty={faulty}");
            if faulty {
                match fault {
                    "bad_signature" => {
                        assert!(!valid);
                        assert_eq!(jwt.kid(), keys[0]["kid"], "still the bank's kid");
                    }
                    "wrong_audience" => assert_ne!(c["aud"], CLIENT_ID),
                    "expired" => assert!(exp < now()),
                    "wrong_nonce" => assert_ne!(c["nonce"], req.nonce.as_str()),
                    "wrong_issuer" => {
                        assert_ne!(c["iss"], issuer.as_str());
                        assert!(c["iss"].as_str().expect("iss").starts_with(&sb.base));
                    }
                    "future_iat" => assert!(iat > now() + 60),
                    "missing_nonce" => assert!(c.get("nonce").is_none()),
                    _ => unreachable!(),
                }
                if fault != "bad_signature" {
                    assert!(valid, "{fault}: still correctly signed");
                }
            }
            assert_eq!(c["phone_number"], "+79035550000");
        }
    }

    // Token response faults.
    assert_eq!(
        sb.set_fault(bank, json!({"next_token_response": "http_500"}))
            .await,
        StatusCode::NO_CONTENT
    );
    let req = AuthRequest::new(bank, "openid");
    let code = sb.code_for(&req, "ivanov").await;
    let resp = sb.token(bank, &code, &req.verifier).await;
    assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
    // The 500 happened before the code was looked at: a retry succeeds.
    let resp = sb.token(bank, &code, &req.verifier).await;
    assert_eq!(resp.status(), StatusCode::OK);

    assert_eq!(
        sb.set_fault(bank, json!({"next_token_response": "invalid_json"}))
            .await,
        StatusCode::NO_CONTENT
    );
    let req = AuthRequest::new(bank, "openid");
    let code = sb.code_for(&req, "ivanov").await;
    let resp = sb.token(bank, &code, &req.verifier).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body = resp.text().await.expect("body");
    assert!(serde_json::from_str::<Value>(&body).is_err(), "{body}");

    // Faults are per bank: sber is unaffected by gazprombank's faults.
    assert_eq!(
        sb.set_fault(bank, json!({"next_id_token": "wrong_audience"}))
            .await,
        StatusCode::NO_CONTENT
    );
    let req = AuthRequest::new("sber", "openid");
    let tok = sb.tokens_for(&req, "ivanov").await;
    let c = verified_claims(&sb, "sber", tok["id_token"].as_str().expect("id")).await;
    assert_eq!(c["aud"], CLIENT_ID);
}

#[tokio::test]
async fn new_id_token_faults_produce_what_they_say() {
    let sb = start(true).await;
    let bank = "sber";
    let issuer = sb.issuer(bank);
    let faults = [
        "extra_audience",
        "crit_header",
        "nbf_future",
        "long_sub",
        "empty_sub",
        "exp_max",
        "deep_nesting",
        "withdrawn_key",
        "alg_none",
        "hs256_secret",
    ];
    for fault in faults {
        let before = sb.jwks(bank).await;
        assert_eq!(
            sb.set_fault(bank, json!({"next_id_token": fault})).await,
            StatusCode::NO_CONTENT,
            "{fault}"
        );
        // withdrawn_key rotated the key (the bank had never rotated).
        let keys = sb.jwks(bank).await;
        assert_eq!(keys.len(), 1);
        if fault == "withdrawn_key" {
            assert_ne!(keys[0]["kid"], before[0]["kid"], "rotated");
        } else {
            assert_eq!(keys, before);
        }
        let req = AuthRequest::new(bank, "openid profile");
        let tok = sb.tokens_for(&req, "ivanov").await;
        let raw = tok["id_token"].as_str().expect("id").to_owned();
        let jwt = Jwt::parse(&raw);
        let current = &keys[0];
        let valid = jwt.verifies_with(current);
        match fault {
            "extra_audience" => {
                assert!(valid);
                let c = jwt.claims();
                assert_eq!(c["aud"], json!([CLIENT_ID, "untrusted-rp"]));
                assert_eq!(c["azp"], CLIENT_ID);
            }
            "crit_header" => {
                assert!(valid);
                assert_eq!(jwt.header["crit"], json!(["urn:example:unknown"]));
                assert!(jwt.header.get("urn:example:unknown").is_some());
                assert_eq!(jwt.header["alg"], "ES256");
            }
            "nbf_future" => {
                assert!(valid);
                let nbf = jwt.claims()["nbf"].as_i64().expect("nbf");
                assert!((nbf - (now() + 3600)).abs() <= 5);
            }
            "long_sub" => {
                assert!(valid);
                assert_eq!(
                    jwt.claims()["sub"].as_str().expect("sub").chars().count(),
                    4000
                );
            }
            "empty_sub" => {
                assert!(valid);
                assert_eq!(jwt.claims()["sub"], "");
            }
            "exp_max" => {
                assert!(valid);
                assert_eq!(jwt.claims()["exp"].as_i64(), Some(i64::MAX));
                assert!(jwt.payload.contains("\"exp\":9223372036854775807"));
            }
            "deep_nesting" => {
                assert!(valid);
                let open = format!("\"x\":{}", "[".repeat(10_000));
                let close = format!("{}}}", "]".repeat(10_000));
                assert!(jwt.payload.contains(&open) && jwt.payload.ends_with(&close));
                assert!(!jwt.payload.contains(&"[".repeat(10_001)));
                // Too deep for a default JSON parser.
                assert!(serde_json::from_str::<Value>(&jwt.payload).is_err());
                assert!(jwt.payload.contains(&format!("\"iss\":\"{issuer}\"")));
            }
            "withdrawn_key" => {
                assert!(!valid);
                assert_eq!(jwt.kid(), before[0]["kid"], "the withdrawn kid");
                assert!(key_with(&keys, jwt.kid()).is_none(), "not in JWKS");
                assert!(jwt.verifies_with(&before[0]), "signed by the old key");
            }
            "alg_none" => {
                assert_eq!(jwt.header["alg"], "none");
                assert!(jwt.signature.is_empty() && raw.ends_with('.'));
                assert_eq!(jwt.claims()["nonce"], req.nonce);
            }
            "hs256_secret" => {
                assert_eq!(jwt.header["alg"], "HS256");
                assert_eq!(jwt.kid(), current["kid"]);
                assert!(jsonwebtoken::crypto::verify(
                    &jwt.signature,
                    jwt.signing_input.as_bytes(),
                    &jsonwebtoken::DecodingKey::from_secret(CLIENT_SECRET.as_bytes()),
                    jsonwebtoken::Algorithm::HS256,
                )
                .expect("verify"));
            }
            _ => unreachable!(),
        }
        // The next token is clean again.
        let req = AuthRequest::new(bank, "openid");
        let tok = sb.tokens_for(&req, "ivanov").await;
        let c = verified_claims(&sb, bank, tok["id_token"].as_str().expect("id")).await;
        assert_eq!(c["aud"], CLIENT_ID, "{fault}: next token clean");
        assert!(c.get("nbf").is_none() && c.get("azp").is_none());
    }
}

#[tokio::test]
async fn key_rotation_withdraws_the_old_kid() {
    let sb = start(true).await;
    // An RSA bank: the new key is a fresh RSA 2048 key.
    let bank = "vtb";
    let old = sb.jwks(bank).await;
    let req = AuthRequest::new(bank, "openid fio");
    let old_token = sb.tokens_for(&req, "ivanov").await["id_token"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(Jwt::parse(&old_token).kid(), old[0]["kid"]);

    let resp = sb
        .http
        .post(sb.url(bank, "_keys/rotate"))
        .send()
        .await
        .expect("rotate");
    assert_eq!(resp.status(), StatusCode::OK);
    let rotated: Value = resp.json().await.expect("json");
    assert_eq!(rotated["withdrawn_kid"], old[0]["kid"]);
    let new = sb.jwks(bank).await;
    assert_eq!(new.len(), 1, "only the new key is published");
    assert_eq!(new[0]["kid"], rotated["kid"]);
    assert_ne!(new[0]["kid"], old[0]["kid"]);
    assert_eq!(new[0]["kty"], "RSA");
    assert_eq!(new[0]["kid"], thumbprint(&new[0]));
    // Tokens signed before the rotation no longer find their key.
    assert!(key_with(&new, Jwt::parse(&old_token).kid()).is_none());
    // New tokens use the new key.
    let req = AuthRequest::new(bank, "openid fio");
    let tok = sb.tokens_for(&req, "ivanov").await;
    let id = tok["id_token"].as_str().expect("id");
    assert_eq!(Jwt::parse(id).kid(), new[0]["kid"]);
    verified_claims(&sb, bank, id).await;
    // Other banks keep their keys.
    assert_eq!(sb.jwks("sber").await.len(), 1);

    // withdrawn_key after an explicit rotation uses the key that rotation withdrew.
    assert_eq!(
        sb.set_fault(bank, json!({"next_id_token": "withdrawn_key"}))
            .await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(sb.jwks(bank).await, new, "no second rotation");
    let req = AuthRequest::new(bank, "openid");
    let tok = sb.tokens_for(&req, "ivanov").await;
    let jwt = Jwt::parse(tok["id_token"].as_str().expect("id"));
    assert_eq!(jwt.kid(), old[0]["kid"]);
    assert!(jwt.verifies_with(&old[0]));
    assert!(!jwt.verifies_with(&new[0]));
}

#[tokio::test]
async fn sticky_discovery_fault() {
    let sb = start(true).await;
    assert_eq!(
        sb.set_fault("privatbank", json!({"discovery": "http_endpoints"}))
            .await,
        StatusCode::NO_CONTENT
    );
    for _ in 0..2 {
        let d = sb.discovery("privatbank").await;
        assert_eq!(d["issuer"], sb.issuer("privatbank"));
        assert_eq!(d["token_endpoint"], "http://bank.invalid/privatbank/token");
        assert_eq!(
            d["userinfo_endpoint"],
            "http://bank.invalid/privatbank/userinfo"
        );
        assert_eq!(
            d["pushed_authorization_request_endpoint"],
            "http://bank.invalid/privatbank/par"
        );
        assert_eq!(d["jwks_uri"], format!("{}/jwks", sb.issuer("privatbank")));
    }
    // Other banks are unaffected; a token call does not reset it.
    let d = sb.discovery("sber").await;
    assert_eq!(d["token_endpoint"], format!("{}/token", sb.issuer("sber")));
    let req = AuthRequest::new("privatbank", "openid");
    sb.tokens_for(&req, "kovalenko").await;
    let d = sb.discovery("privatbank").await;
    assert_eq!(d["token_endpoint"], "http://bank.invalid/privatbank/token");

    assert_eq!(
        sb.set_fault("privatbank", json!({"discovery": "normal"}))
            .await,
        StatusCode::NO_CONTENT
    );
    let d = sb.discovery("privatbank").await;
    assert_eq!(
        d["token_endpoint"],
        format!("{}/token", sb.issuer("privatbank"))
    );
}

#[tokio::test]
async fn variants_are_full_issuers() {
    let profile = BankProfile {
        alg: SigningAlg::Ps256,
        client_auth: ClientAuth::PrivateKeyJwt,
        par: Par::Required,
        claims: ClaimStyle::Verified,
    };
    let variant = |id: &str, base: &str| BankVariant {
        id: id.into(),
        base: base.into(),
        profile,
    };
    let sb = start_with(
        true,
        vec![
            variant("sber-fapi", "sber"),
            variant("mono-2", "monobank"),
            // Skipped: bad ids, a taken id, an unknown base.
            variant("Sber-Upper", "sber"),
            variant("bad_id", "sber"),
            variant("", "sber"),
            variant("vtb", "sber"),
            variant("sber-fapi", "vtb"),
            variant("ghost", "nosuchbank"),
        ],
    )
    .await;
    let d = sb.discovery("sber-fapi").await;
    assert_eq!(d["issuer"], sb.issuer("sber-fapi"));
    assert_eq!(d["id_token_signing_alg_values_supported"], json!(["PS256"]));
    assert_eq!(
        d["token_endpoint_auth_methods_supported"],
        json!(["private_key_jwt"])
    );
    assert_eq!(d["require_pushed_authorization_requests"], true);
    assert_eq!(d["trust_frameworks_supported"], json!(["ru_115fz"]));
    let d = sb.discovery("mono-2").await;
    assert_eq!(d["trust_frameworks_supported"], json!(["ua_bankid"]));
    // The base bank keeps its own profile.
    let d = sb.discovery("sber").await;
    assert_eq!(d["id_token_signing_alg_values_supported"], json!(["ES256"]));
    for skipped in ["Sber-Upper", "bad_id", "ghost"] {
        let resp = sb
            .http
            .get(sb.url(skipped, ".well-known/openid-configuration"))
            .send()
            .await
            .expect("get");
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{skipped}");
    }
    // vtb is still vtb.
    let d = sb.discovery("vtb").await;
    assert_eq!(d["id_token_signing_alg_values_supported"], json!(["RS256"]));

    // The variant's own keys, its base's customers and names, its own pairwise subjects.
    let keys = sb.jwks("sber-fapi").await;
    assert_eq!(keys[0]["kty"], "RSA");
    assert_ne!(keys[0]["kid"], sb.jwks("sber").await[0]["kid"]);
    let req = AuthRequest::new("sber-fapi", "openid identity_verified");
    let page = {
        let resp = sb.start_authorize(&req).await;
        assert_eq!(resp.status(), StatusCode::OK);
        resp.text().await.expect("page")
    };
    assert!(page.contains("Сбербанк"));
    assert!(page.contains("action=\"/sber-fapi/login\""));
    let (_, flow) = sb.login_to_consent("sber-fapi", &page, "ivanov").await;
    let code = sb.allow(&req, &flow).await;
    // A code of the variant is not valid at the base bank.
    let resp = sb.token("sber", &code, &req.verifier).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let req = AuthRequest::new("sber-fapi", "openid identity_verified");
    let tok = sb.tokens_for(&req, "ivanov").await;
    let claims = verified_claims(&sb, "sber-fapi", tok["id_token"].as_str().expect("id")).await;
    assert_eq!(
        claims["verified_claims"][0]["claims"]["family_name"],
        "Иванов"
    );
    assert_ne!(
        claims["sub"],
        &URL_SAFE_NO_PAD.encode(Sha256::digest(b"sber:ivanov"))[..22]
    );
    // Faults are the variant's own.
    assert_eq!(
        sb.set_fault("sber-fapi", json!({"next_id_token": "alg_none"}))
            .await,
        StatusCode::NO_CONTENT
    );
    let req = AuthRequest::new("sber", "openid");
    let tok = sb.tokens_for(&req, "ivanov").await;
    verified_claims(&sb, "sber", tok["id_token"].as_str().expect("id")).await;
}

#[tokio::test]
async fn seeded_minor_is_thirteen() {
    assert_eq!(MINOR_AGE, 13);
    let minor = seeded_customers()
        .into_iter()
        .find(|c| c.login == "minor")
        .expect("minor");
    let year: i32 = minor.birthdate[..4].parse().expect("year");
    let this_year: i32 = (1970 + now() / 31_556_952) as i32;
    assert!((this_year - year - 13).abs() <= 1);
    assert!(minor.purpose.contains("13"));

    let sb = start(false).await;
    let req = AuthRequest::new("otkritie", "openid profile passport");
    let tok = sb.tokens_for(&req, "minor").await;
    let c = verified_claims(&sb, "otkritie", tok["id_token"].as_str().expect("id")).await;
    assert_eq!(c["birthdate"], minor.birthdate.as_str());
    assert_eq!(c["passport"].as_str().expect("passport").len(), 10);
}

#[tokio::test]
async fn user_denies_or_fails_authentication() {
    let sb = start(false).await;
    let bank = "privatbank";

    let req = AuthRequest::new(bank, "openid profile");
    let (_, flow) = sb.to_consent(&req, "petrenko").await;
    let resp = sb
        .post_form(bank, "consent", &[("flow", &flow), ("decision", "deny")])
        .await;
    let (_, params) = location_params(&resp);
    assert_eq!(params["error"], "access_denied");
    assert_eq!(params["state"], req.state);
    assert_eq!(params["iss"], sb.issuer(bank));
    assert!(!params.contains_key("code"));
    // The flow is over.
    let resp = sb
        .post_form(bank, "consent", &[("flow", &flow), ("decision", "allow")])
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);

    // Three wrong passwords.
    let page = sb
        .authorize(bank, &req.params())
        .await
        .text()
        .await
        .expect("page");
    let flow = flow_id(&page);
    for attempt in 1..=3 {
        let resp = sb
            .post_form(
                bank,
                "login",
                &[
                    ("flow", &flow),
                    ("login", "petrenko"),
                    ("password", "wrong"),
                ],
            )
            .await;
        if attempt < 3 {
            assert_eq!(resp.status(), StatusCode::OK);
            let page = resp.text().await.expect("page");
            assert!(page.contains("role=\"alert\""));
            assert!(page.contains("aria-invalid=\"true\""));
        } else {
            let (_, params) = location_params(&resp);
            assert_eq!(params["error"], "access_denied");
            assert_eq!(params["state"], req.state);
        }
    }

    // Three wrong SMS codes.
    let page = sb
        .authorize(bank, &req.params())
        .await
        .text()
        .await
        .expect("page");
    let flow = flow_id(&page);
    let resp = sb
        .post_form(
            bank,
            "login",
            &[
                ("flow", &flow),
                ("login", "petrenko"),
                ("password", "sandbox"),
            ],
        )
        .await;
    let page = resp.text().await.expect("otp page");
    let otp = between(&page, "<output id=\"sandbox-sms-code\">", "</output>");
    let wrong = format!(
        "{:06}",
        (otp.parse::<u32>().expect("digits") + 1) % 1_000_000
    );
    for attempt in 1..=3 {
        let resp = sb
            .post_form(bank, "otp", &[("flow", &flow), ("otp", &wrong)])
            .await;
        if attempt < 3 {
            assert_eq!(resp.status(), StatusCode::OK);
            assert!(resp.text().await.expect("page").contains("role=\"alert\""));
        } else {
            let (_, params) = location_params(&resp);
            assert_eq!(params["error"], "access_denied");
        }
    }
}

#[tokio::test]
async fn router_startup_is_fast() {
    // Keys are generated on first use, so building the router for nine banks (four of them
    // RSA) costs no key generation.
    let started = std::time::Instant::now();
    let _app = router(SandboxConfig {
        public_url: "http://127.0.0.1:1".into(),
        clients: vec![],
        faults_enabled: false,
        variants: vec![],
        auto_approve: false,
    });
    let elapsed = started.elapsed();
    println!("router() with 9 banks: {elapsed:?}");
    assert!(elapsed < std::time::Duration::from_secs(2), "{elapsed:?}");

    // The first JWKS request of an issuer makes its key; later ones are served from memory.
    let sb = start(false).await;
    for bank in BANK_IDS {
        let t = std::time::Instant::now();
        sb.jwks(bank).await;
        let first = t.elapsed();
        let t = std::time::Instant::now();
        sb.jwks(bank).await;
        println!(
            "{bank} ({}): first JWKS {first:?}, then {:?}",
            sb.profile(bank).alg.as_str(),
            t.elapsed()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Non-interactive mode (`--auto-approve`, load tests).

/// The code of an authorize request answered at once (non-interactive mode).
async fn auto_code(sb: &Sandbox, req: &AuthRequest, login_hint: Option<&str>) -> String {
    let mut params = req.params();
    if let Some(hint) = login_hint {
        params.push(("login_hint", hint.to_owned()));
    }
    let resp = sb.authorize(&req.bank, &params).await;
    let (to, p) = location_params(&resp);
    assert_eq!(to, REDIRECT_URI);
    assert_eq!(p["state"], req.state);
    assert_eq!(p["iss"], sb.issuer(&req.bank));
    p["code"].clone()
}

#[tokio::test]
async fn auto_approve_answers_at_once_with_a_fresh_person_per_flow() {
    let sb = start_opts(false, Vec::new(), true).await;
    let mut subs = std::collections::HashSet::new();
    let mut ids = std::collections::HashSet::new();
    for hint in ["+79161112233", "+79161112244", "not-a-phone"] {
        let req = AuthRequest::new("sber", FULL_RU);
        let code = auto_code(&sb, &req, Some(hint)).await;
        let resp = sb.token("sber", &code, &req.verifier).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let tokens: Value = resp.json().await.expect("json");
        let id_token = tokens["id_token"].as_str().expect("id_token");
        // ES256 at sber, verified against the JWKS like any relying party does.
        let claims = verified_claims(&sb, "sber", id_token).await;
        assert_eq!(claims["nonce"], req.nonce.as_str());
        let phone = claims["phone_number"].as_str().expect("phone");
        if hint.starts_with('+') {
            assert_eq!(phone, hint, "the phone of the login_hint");
        } else {
            assert!(phone.starts_with("+79") && phone.len() == 12, "{phone}");
        }
        let inn = claims["inn"].as_str().expect("inn");
        let snils = claims["snils"].as_str().expect("snils");
        assert!(sandbox_bank::checksum::is_valid_inn12(inn), "{inn}");
        assert!(
            sandbox_bank::checksum::is_valid_snils(&snils.replace(['-', ' '], "")),
            "{snils}"
        );
        assert_eq!(claims["bank_activity"]["has_active_card"], true);
        assert!(claims["bank_activity"]["transactions_30d"].as_u64() > Some(0));
        let passport = claims["passport"].as_str().expect("passport").to_owned();
        assert!(subs.insert(claims["sub"].as_str().expect("sub").to_owned()));
        assert!(ids.insert(inn.to_owned()) && ids.insert(snils.to_owned()) && ids.insert(passport));
        // UserInfo knows the same person.
        let info = sb
            .userinfo("sber", tokens["access_token"].as_str().expect("at"))
            .await;
        assert_eq!(info["sub"], claims["sub"]);
        assert_eq!(info["inn"], claims["inn"]);
        // The code is still single use.
        let again = sb.token("sber", &code, &req.verifier).await;
        assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    }

    // A client that asks only for `openid profile email phone` (the reference RP of the load
    // test) still gets the national ids, in their written form.
    let req = AuthRequest::new("sber", "openid profile email phone");
    let code = auto_code(&sb, &req, None).await;
    let tokens: Value = sb
        .token("sber", &code, &req.verifier)
        .await
        .json()
        .await
        .expect("json");
    let claims = verified_claims(&sb, "sber", tokens["id_token"].as_str().expect("t")).await;
    let snils = claims["snils"].as_str().expect("snils");
    assert_eq!(snils.len(), 14);
    assert_eq!(&snils[3..4], "-");
    assert_eq!(&snils[11..12], " ");
    assert!(claims["inn"].is_string());
    assert!(claims.get("passport").is_none(), "only what profile gives");

    // At a UA bank: an RNOKPP, no SNILS.
    let req = AuthRequest::new("privatbank", "openid profile phone passport inn");
    let code = auto_code(&sb, &req, Some("+380501112233")).await;
    let tokens: Value = sb
        .token("privatbank", &code, &req.verifier)
        .await
        .json()
        .await
        .expect("json");
    let claims = verified_claims(&sb, "privatbank", tokens["id_token"].as_str().expect("t")).await;
    assert_eq!(claims["phone_number"], "+380501112233");
    assert!(sandbox_bank::checksum::is_valid_rnokpp(
        claims["rnokpp"].as_str().expect("rnokpp")
    ));
    assert!(claims.get("snils").is_none());

    // Invalid requests are still refused the usual way.
    let mut bad = AuthRequest::new("sber", FULL_RU).params();
    bad.retain(|(k, _)| *k != "code_challenge");
    let resp = sb.authorize("sber", &bad).await;
    let (_, p) = location_params(&resp);
    assert_eq!(p["error"], "invalid_request");
    assert!(!p.contains_key("code"));
}

#[tokio::test]
async fn without_auto_approve_the_bank_asks_and_knows_no_fresh_person() {
    let sb = start(false).await;
    let req = AuthRequest::new("sber", FULL_RU);
    let mut params = req.params();
    params.push(("login_hint", "+79161112233".to_owned()));
    let resp = sb.authorize("sber", &params).await;
    assert_eq!(resp.status(), StatusCode::OK, "the sign-in page");
    let page = resp.text().await.expect("page");
    let flow = flow_id(&page);
    // A fresh person's login is no customer here.
    let resp = sb
        .post_form(
            "sber",
            "login",
            &[
                ("flow", &flow),
                ("login", "auto-1-79161112233"),
                ("password", "sandbox"),
            ],
        )
        .await;
    let page = resp.text().await.expect("page");
    assert!(page.contains("Неверный логин или пароль"), "{page}");
}
