//! End-to-end tests: a real HTTP server driven with reqwest (redirects disabled).

use std::collections::HashMap;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use reqwest::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_SECURITY_POLICY, LOCATION};
use reqwest::redirect::Policy;
use reqwest::StatusCode;
use sandbox_bank::{router, seeded_customers, ClientRegistration, SandboxConfig, BANK_IDS};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

const CLIENT_ID: &str = "portal";
const CLIENT_SECRET: &str = "portal-secret:with+odd&chars";
const REDIRECT_URI: &str = "http://127.0.0.1:3000/auth/callback";
const FULL_RU: &str = "openid profile phone email passport inn snils bank_activity";

struct Sandbox {
    base: String,
    http: reqwest::Client,
}

async fn start(faults_enabled: bool) -> Sandbox {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let app = router(SandboxConfig {
        public_url: base.clone(),
        clients: vec![ClientRegistration {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            redirect_uris: vec![REDIRECT_URI.into()],
            client_name: "Госпортал <test>".into(),
        }],
        faults_enabled,
    });
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    let http = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client");
    Sandbox { base, http }
}

fn pkce() -> (String, String) {
    let verifier = format!("verifier-{}", URL_SAFE_NO_PAD.encode(rand_bytes()));
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

fn rand_bytes() -> [u8; 32] {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_nanos();
    Sha256::digest(format!("{nanos}:{:?}", std::thread::current().id()).as_bytes()).into()
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

struct AuthRequest<'a> {
    bank: &'a str,
    scope: &'a str,
    state: String,
    nonce: String,
    verifier: String,
    challenge: String,
}

impl<'a> AuthRequest<'a> {
    fn new(bank: &'a str, scope: &'a str) -> Self {
        let (verifier, challenge) = pkce();
        AuthRequest {
            bank,
            scope,
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
            ("scope", self.scope.into()),
            ("state", self.state.clone()),
            ("nonce", self.nonce.clone()),
            ("code_challenge", self.challenge.clone()),
            ("code_challenge_method", "S256".into()),
        ]
    }
}

impl Sandbox {
    fn url(&self, bank: &str, path: &str) -> String {
        format!("{}/{bank}/{path}", self.base)
    }

    async fn authorize(&self, bank: &str, params: &[(&str, String)]) -> reqwest::Response {
        self.http
            .get(self.url(bank, "authorize"))
            .query(params)
            .send()
            .await
            .expect("authorize")
    }

    async fn post_form(&self, bank: &str, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(self.url(bank, path))
            .form(form)
            .send()
            .await
            .expect("post")
    }

    /// authorize → login → OTP; returns the consent page HTML and the flow id.
    async fn to_consent(&self, req: &AuthRequest<'_>, login: &str) -> (String, String) {
        let resp = self.authorize(req.bank, &req.params()).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let page = resp.text().await.expect("login page");
        assert!(page.contains("id=\"password\""));
        let flow = flow_id(&page);

        let resp = self
            .post_form(
                req.bank,
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
            .post_form(req.bank, "otp", &[("flow", &flow), ("otp", &otp)])
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
        let page = resp.text().await.expect("consent page");
        assert!(page.contains("value=\"allow\"") && page.contains("value=\"deny\""));
        (page, flow)
    }

    /// Full browser part; returns the authorization code.
    async fn code_for(&self, req: &AuthRequest<'_>, login: &str) -> String {
        let (_, flow) = self.to_consent(req, login).await;
        let resp = self
            .post_form(
                req.bank,
                "consent",
                &[("flow", &flow), ("decision", "allow")],
            )
            .await;
        let (target, params) = location_params(&resp);
        assert_eq!(target, REDIRECT_URI);
        assert_eq!(params["state"], req.state);
        assert_eq!(params["iss"], format!("{}/{}", self.base, req.bank));
        assert!(!params.contains_key("error"));
        params["code"].clone()
    }

    async fn token_basic(&self, bank: &str, code: &str, verifier: &str) -> reqwest::Response {
        let creds = format!("{}:{}", form_encode(CLIENT_ID), form_encode(CLIENT_SECRET));
        self.http
            .post(self.url(bank, "token"))
            .header(AUTHORIZATION, format!("Basic {}", STANDARD.encode(creds)))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT_URI),
                ("code_verifier", verifier),
            ])
            .send()
            .await
            .expect("token")
    }

    async fn jwks_key(&self, bank: &str) -> (VerifyingKey, String) {
        let jwks: Value = self
            .http
            .get(self.url(bank, "jwks"))
            .send()
            .await
            .expect("jwks")
            .json()
            .await
            .expect("json");
        let key = &jwks["keys"][0];
        let coord = |c: &str| {
            URL_SAFE_NO_PAD
                .decode(key[c].as_str().expect("coord"))
                .expect("b64")
        };
        let mut sec1 = vec![4u8];
        sec1.extend(coord("x"));
        sec1.extend(coord("y"));
        (
            VerifyingKey::from_sec1_bytes(&sec1).expect("P-256 point"),
            key["kid"].as_str().expect("kid").to_owned(),
        )
    }
}

fn form_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Decodes a compact JWS; returns (header, claims, signature valid).
fn decode_jwt(jwt: &str, key: &VerifyingKey) -> (Value, Value, bool) {
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3);
    let part = |p: &str| -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).expect("b64url")).expect("json")
    };
    let sig = URL_SAFE_NO_PAD.decode(parts[2]).expect("b64url sig");
    assert_eq!(sig.len(), 64, "raw r||s");
    let sig = Signature::from_slice(&sig).expect("signature");
    let valid = key
        .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig)
        .is_ok();
    (part(parts[0]), part(parts[1]), valid)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_secs() as i64
}

#[tokio::test]
async fn discovery_and_jwks_for_every_bank() {
    let sb = start(false).await;
    let mut kids = Vec::new();
    for bank in BANK_IDS {
        let resp = sb
            .http
            .get(sb.url(bank, ".well-known/openid-configuration"))
            .send()
            .await
            .expect("discovery");
        assert_eq!(resp.status(), StatusCode::OK);
        let d: Value = resp.json().await.expect("json");
        let issuer = format!("{}/{bank}", sb.base);
        assert_eq!(d["issuer"], issuer);
        assert_eq!(d["authorization_endpoint"], format!("{issuer}/authorize"));
        assert_eq!(d["token_endpoint"], format!("{issuer}/token"));
        assert_eq!(d["userinfo_endpoint"], format!("{issuer}/userinfo"));
        assert_eq!(d["jwks_uri"], format!("{issuer}/jwks"));
        assert_eq!(d["response_types_supported"], serde_json::json!(["code"]));
        assert_eq!(
            d["grant_types_supported"],
            serde_json::json!(["authorization_code"])
        );
        assert_eq!(
            d["subject_types_supported"],
            serde_json::json!(["pairwise"])
        );
        assert_eq!(
            d["id_token_signing_alg_values_supported"],
            serde_json::json!(["ES256"])
        );
        assert_eq!(
            d["token_endpoint_auth_methods_supported"],
            serde_json::json!(["client_secret_basic", "client_secret_post"])
        );
        assert_eq!(
            d["code_challenge_methods_supported"],
            serde_json::json!(["S256"])
        );
        assert_eq!(d["authorization_response_iss_parameter_supported"], true);
        let scopes: Vec<&str> = d["scopes_supported"]
            .as_array()
            .expect("scopes")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let claims = d["claims_supported"].as_array().expect("claims");
        assert!(scopes.contains(&"openid") && scopes.contains(&"bank_activity"));
        let ua = matches!(bank, "privatbank" | "monobank" | "oschadbank");
        assert_eq!(scopes.contains(&"snils"), !ua, "{bank}");
        assert_eq!(claims.contains(&Value::from("rnokpp")), ua, "{bank}");
        assert_eq!(claims.contains(&Value::from("inn")), !ua, "{bank}");

        let jwks: Value = sb
            .http
            .get(sb.url(bank, "jwks"))
            .send()
            .await
            .expect("jwks")
            .json()
            .await
            .expect("json");
        let keys = jwks["keys"].as_array().expect("keys");
        assert_eq!(keys.len(), 1);
        let k = &keys[0];
        assert_eq!(k["kty"], "EC");
        assert_eq!(k["crv"], "P-256");
        assert_eq!(k["use"], "sig");
        assert_eq!(k["alg"], "ES256");
        let (vk, kid) = sb.jwks_key(bank).await;
        let sec1 = vk.to_encoded_point(false);
        assert_eq!(
            kid,
            URL_SAFE_NO_PAD.encode(&Sha256::digest(sec1.as_bytes())[..16])
        );
        kids.push(kid);
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
}

#[tokio::test]
async fn full_ru_flow_with_signature_check_and_userinfo() {
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
    let resp = sb
        .post_form("sber", "consent", &[("flow", &flow), ("decision", "allow")])
        .await;
    let (_, params) = location_params(&resp);
    assert_eq!(params["state"], req.state);
    assert_eq!(params["iss"], format!("{}/sber", sb.base));
    let code = params["code"].clone();
    assert!(code.len() >= 22, "≥128-bit code");

    let resp = sb.token_basic("sber", &code, &req.verifier).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()[CACHE_CONTROL], "no-store");
    let tok: Value = resp.json().await.expect("json");
    assert_eq!(tok["token_type"], "Bearer");
    assert_eq!(tok["expires_in"], 300);
    assert_eq!(tok["scope"], FULL_RU);
    let access_token = tok["access_token"].as_str().expect("at").to_owned();

    let (key, kid) = sb.jwks_key("sber").await;
    let (header, claims, valid) = decode_jwt(tok["id_token"].as_str().expect("id_token"), &key);
    assert!(valid, "ID token signature verifies with the JWKS key");
    assert_eq!(header["alg"], "ES256");
    assert_eq!(header["typ"], "JWT");
    assert_eq!(header["kid"], kid);
    assert_eq!(claims["iss"], format!("{}/sber", sb.base));
    assert_eq!(claims["aud"], CLIENT_ID);
    assert_eq!(claims["nonce"], req.nonce);
    let iat = claims["iat"].as_i64().expect("iat");
    assert!((iat - now()).abs() <= 5);
    assert_eq!(claims["exp"].as_i64(), Some(iat + 300));
    assert!(claims["auth_time"].as_i64().expect("auth_time") <= iat);
    let sub = claims["sub"].as_str().expect("sub").to_owned();
    assert_eq!(sub.len(), 22);
    assert_eq!(
        sub,
        &URL_SAFE_NO_PAD.encode(Sha256::digest(b"sber:ivanov"))[..22]
    );
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
        serde_json::json!({"has_active_card": true, "card_blocked": false, "transactions_30d": 12})
    );

    // UserInfo returns the same identity claims.
    let resp = sb
        .http
        .get(sb.url("sber", "userinfo"))
        .bearer_auth(&access_token)
        .send()
        .await
        .expect("userinfo");
    assert_eq!(resp.status(), StatusCode::OK);
    let ui: Value = resp.json().await.expect("json");
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
    let resp = sb.token_basic("sber", &code, &req.verifier).await;
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
async fn ua_flow_with_client_secret_post_and_pairwise_subs() {
    let sb = start(false).await;
    let mut subs = Vec::new();
    for bank in ["monobank", "privatbank"] {
        // snils is not offered by UA banks and is silently dropped.
        let req = AuthRequest::new(bank, "openid profile inn snils passport");
        let (consent, flow) = sb.to_consent(&req, "kovalenko").await;
        assert!(consent.contains("<html lang=\"uk\">"));
        assert!(!consent.contains("data-scope=\"snils\""));
        assert!(consent.contains("data-scope=\"inn\""));
        let resp = sb
            .post_form(bank, "consent", &[("flow", &flow), ("decision", "allow")])
            .await;
        let (_, params) = location_params(&resp);
        let resp = sb
            .post_form(
                bank,
                "token",
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &params["code"]),
                    ("redirect_uri", REDIRECT_URI),
                    ("code_verifier", &req.verifier),
                    ("client_id", CLIENT_ID),
                    ("client_secret", CLIENT_SECRET),
                ],
            )
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
        let tok: Value = resp.json().await.expect("json");
        assert_eq!(tok["scope"], "openid profile passport inn");
        let (key, _) = sb.jwks_key(bank).await;
        let (_, claims, valid) = decode_jwt(tok["id_token"].as_str().expect("id"), &key);
        assert!(valid);
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
        subs.push(claims["sub"].as_str().expect("sub").to_owned());
    }
    assert_ne!(subs[0], subs[1], "pairwise subject differs per bank");

    // RU customers do not exist at UA banks.
    let req = AuthRequest::new("monobank", "openid");
    let page = sb
        .authorize("monobank", &req.params())
        .await
        .text()
        .await
        .expect("page");
    let resp = sb
        .post_form(
            "monobank",
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
    let req = AuthRequest::new("vtb", "openid phone");
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
        let resp = sb.authorize("vtb", &with(k, v)).await;
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
        ("response_type", Some("token"), "unsupported_response_type"),
        ("response_type", None, "invalid_request"),
    ] {
        let resp = sb.authorize("vtb", &with(k, v)).await;
        let (target, params) = location_params(&resp);
        assert_eq!(target, REDIRECT_URI);
        assert_eq!(params["error"], error, "{k}={v:?}");
        assert!(!params["error_description"].is_empty());
        assert_eq!(params["state"], req.state);
        assert_eq!(params["iss"], format!("{}/vtb", sb.base));
    }
    let resp = sb.authorize("vtb", &with("state", None)).await;
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
    let req = AuthRequest::new("tbank", "openid");
    let code = sb.code_for(&req, "dormant").await;

    // Client authentication.
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", req.verifier.as_str()),
    ];
    let resp = sb.post_form("tbank", "token", &form).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(resp.headers().contains_key("www-authenticate"));
    assert_eq!(
        resp.json::<Value>().await.expect("json")["error"],
        "invalid_client"
    );
    let resp = sb
        .http
        .post(sb.url("tbank", "token"))
        .basic_auth(CLIENT_ID, Some("wrong"))
        .form(&form)
        .send()
        .await
        .expect("token");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);

    // Wrong PKCE verifier: invalid_grant, and the code is spent.
    let (other_verifier, _) = pkce();
    let resp = sb.token_basic("tbank", &code, &other_verifier).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let err: Value = resp.json().await.expect("json");
    assert_eq!(err["error"], "invalid_grant");
    assert!(err["error_description"].is_string());
    let resp = sb.token_basic("tbank", &code, &req.verifier).await;
    assert_eq!(
        resp.json::<Value>().await.expect("json")["error"],
        "invalid_grant"
    );

    // Wrong redirect_uri, wrong bank, unknown grant type, unknown code.
    let req = AuthRequest::new("tbank", "openid");
    let code = sb.code_for(&req, "dormant").await;
    let resp = sb.token_basic("alfa", &code, &req.verifier).await;
    assert_eq!(
        resp.json::<Value>().await.expect("json")["error"],
        "invalid_grant"
    );
    let resp = sb
        .post_form(
            "tbank",
            "token",
            &[
                ("grant_type", "password"),
                ("client_id", CLIENT_ID),
                ("client_secret", CLIENT_SECRET),
            ],
        )
        .await;
    assert_eq!(
        resp.json::<Value>().await.expect("json")["error"],
        "unsupported_grant_type"
    );
    let resp = sb
        .post_form(
            "tbank",
            "token",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", "http://127.0.0.1:3000/other"),
                ("code_verifier", &req.verifier),
                ("client_id", CLIENT_ID),
                ("client_secret", CLIENT_SECRET),
            ],
        )
        .await;
    assert_eq!(
        resp.json::<Value>().await.expect("json")["error"],
        "invalid_grant"
    );
    let resp = sb.token_basic("tbank", "no-such-code", &req.verifier).await;
    assert_eq!(
        resp.json::<Value>().await.expect("json")["error"],
        "invalid_grant"
    );
}

#[tokio::test]
async fn user_denies_or_fails_authentication() {
    let sb = start(false).await;

    let req = AuthRequest::new("alfa", "openid profile");
    let (_, flow) = sb.to_consent(&req, "blocked").await;
    let resp = sb
        .post_form("alfa", "consent", &[("flow", &flow), ("decision", "deny")])
        .await;
    let (_, params) = location_params(&resp);
    assert_eq!(params["error"], "access_denied");
    assert_eq!(params["state"], req.state);
    assert_eq!(params["iss"], format!("{}/alfa", sb.base));
    assert!(!params.contains_key("code"));
    // The flow is over.
    let resp = sb
        .post_form("alfa", "consent", &[("flow", &flow), ("decision", "allow")])
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);

    // Three wrong passwords.
    let page = sb
        .authorize("alfa", &req.params())
        .await
        .text()
        .await
        .expect("page");
    let flow = flow_id(&page);
    for attempt in 1..=3 {
        let resp = sb
            .post_form(
                "alfa",
                "login",
                &[("flow", &flow), ("login", "ivanov"), ("password", "wrong")],
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
        .authorize("alfa", &req.params())
        .await
        .text()
        .await
        .expect("page");
    let flow = flow_id(&page);
    let resp = sb
        .post_form(
            "alfa",
            "login",
            &[
                ("flow", &flow),
                ("login", "ivanov"),
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
            .post_form("alfa", "otp", &[("flow", &flow), ("otp", &wrong)])
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
async fn faults_apply_to_exactly_the_next_token_call() {
    // Disabled by default.
    let sb = start(false).await;
    let resp = sb
        .http
        .post(sb.url("sber", "_faults"))
        .json(&serde_json::json!({"next_id_token": "expired"}))
        .send()
        .await
        .expect("faults");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);

    let sb = start(true).await;
    let set = |body: Value| {
        let sb = &sb;
        async move {
            sb.http
                .post(sb.url("gazprombank", "_faults"))
                .json(&body)
                .send()
                .await
                .expect("faults")
                .status()
        }
    };
    assert_eq!(
        set(serde_json::json!({"next_id_token": "nonsense"})).await,
        StatusCode::BAD_REQUEST
    );
    let (key, _) = sb.jwks_key("gazprombank").await;

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
            set(serde_json::json!({"next_id_token": fault})).await,
            StatusCode::NO_CONTENT
        );
        for faulty in [true, false] {
            let req = AuthRequest::new("gazprombank", "openid phone");
            let code = sb.code_for(&req, "otherphone").await;
            let resp = sb.token_basic("gazprombank", &code, &req.verifier).await;
            assert_eq!(resp.status(), StatusCode::OK);
            let tok: Value = resp.json().await.expect("json");
            let (_, c, valid) = decode_jwt(tok["id_token"].as_str().expect("id"), &key);
            let issuer = format!("{}/gazprombank", sb.base);
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
                    "bad_signature" => assert!(!valid),
                    "wrong_audience" => assert_ne!(c["aud"], CLIENT_ID),
                    "expired" => assert!(exp < now()),
                    "wrong_nonce" => assert_ne!(c["nonce"], req.nonce.as_str()),
                    "wrong_issuer" => assert_ne!(c["iss"], issuer.as_str()),
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
        set(serde_json::json!({"next_token_response": "http_500"})).await,
        StatusCode::NO_CONTENT
    );
    let req = AuthRequest::new("gazprombank", "openid");
    let code = sb.code_for(&req, "ivanov").await;
    let resp = sb.token_basic("gazprombank", &code, &req.verifier).await;
    assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
    // The 500 happened before the code was looked at: a retry succeeds.
    let resp = sb.token_basic("gazprombank", &code, &req.verifier).await;
    assert_eq!(resp.status(), StatusCode::OK);

    assert_eq!(
        set(serde_json::json!({"next_token_response": "invalid_json"})).await,
        StatusCode::NO_CONTENT
    );
    let req = AuthRequest::new("gazprombank", "openid");
    let code = sb.code_for(&req, "ivanov").await;
    let resp = sb.token_basic("gazprombank", &code, &req.verifier).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body = resp.text().await.expect("body");
    assert!(serde_json::from_str::<Value>(&body).is_err(), "{body}");

    // Faults are per bank: sber is unaffected by gazprombank's faults.
    assert_eq!(
        set(serde_json::json!({"next_id_token": "wrong_audience"})).await,
        StatusCode::NO_CONTENT
    );
    let req = AuthRequest::new("sber", "openid");
    let code = sb.code_for(&req, "ivanov").await;
    let tok: Value = sb
        .token_basic("sber", &code, &req.verifier)
        .await
        .json()
        .await
        .expect("json");
    let (sber_key, _) = sb.jwks_key("sber").await;
    let (_, c, valid) = decode_jwt(tok["id_token"].as_str().expect("id"), &sber_key);
    assert!(valid);
    assert_eq!(c["aud"], CLIENT_ID);
}

#[tokio::test]
async fn seeded_minor_is_fifteen() {
    let minor = seeded_customers()
        .into_iter()
        .find(|c| c.login == "minor")
        .expect("minor");
    let year: i32 = minor.birthdate[..4].parse().expect("year");
    let this_year: i32 = (1970 + now() / 31_556_952) as i32;
    assert!((this_year - year - 15).abs() <= 1);

    let sb = start(false).await;
    let req = AuthRequest::new("otkritie", "openid profile");
    let code = sb.code_for(&req, "minor").await;
    let tok: Value = sb
        .token_basic("otkritie", &code, &req.verifier)
        .await
        .json()
        .await
        .expect("json");
    let (key, _) = sb.jwks_key("otkritie").await;
    let (_, c, valid) = decode_jwt(tok["id_token"].as_str().expect("id"), &key);
    assert!(valid);
    assert_eq!(c["birthdate"], minor.birthdate.as_str());
}
