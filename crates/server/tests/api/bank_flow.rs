//! The bank flow against banks that differ the way real banks do: every signature algorithm with
//! every client authentication method, PAR, other claim names and OpenID Connect for Identity
//! Assurance `verified_claims`, and every broken token refused with nothing written.

use sandbox_bank::{BankProfile, BankVariant, ClaimStyle, ClientAuth, Par, SigningAlg};

use super::*;

fn variant(
    id: &str,
    base: &str,
    alg: SigningAlg,
    auth: ClientAuth,
    par: Par,
    claims: ClaimStyle,
) -> BankVariant {
    BankVariant {
        id: id.into(),
        base: base.into(),
        profile: BankProfile {
            alg,
            client_auth: auth,
            par,
            claims,
        },
    }
}

fn auth_name(a: ClientAuth) -> &'static str {
    match a {
        ClientAuth::ClientSecretBasic => "client_secret_basic",
        ClientAuth::ClientSecretPost => "client_secret_post",
        ClientAuth::PrivateKeyJwt => "private_key_jwt",
    }
}

/// The `[[bank]]` of a variant: the portal configured as its operator would, by configuration only.
fn bank_toml(sandbox: &str, v: &BankVariant, extra: &str) -> String {
    let country = if ["privatbank", "monobank", "oschadbank"].contains(&v.base.as_str()) {
        "UA"
    } else {
        "RU"
    };
    format!(
        r##"
[[bank]]
id = "{id}"
issuer = "{sandbox}/{id}"
client_id = "bankid-portal"
client_secret = "{SECRET}"
name = {{ ru = "Банк {id}", uk = "Банк {id}", en = "Bank {id}" }}
country = "{country}"
logo = "/logos/{id}.svg"
color = "#000000"
client_auth = "{auth}"
{extra}
"##,
        id = v.id,
        auth = auth_name(v.profile.client_auth),
    )
}

const VERIFIED_RU: &str = r#"scopes = ["openid", "identity_verified", "phone", "email"]
sign_in_scopes = ["openid", "identity_verified"]
not_supplied = ["bank_activity"]
[bank.claims]
family_name = "verified_claims.claims.family_name"
given_name = "verified_claims.claims.given_name"
middle_name = "verified_claims.claims.middle_name"
birthdate = "verified_claims.claims.birthdate"
passport = "verified_claims.claims.idcards.0.number"
tax_id = "verified_claims.claims.taxpayer_number"
snils = "verified_claims.claims.snils"
"#;

async fn env_of(variants: Vec<(BankVariant, String)>) -> Env {
    env_with(EnvOptions {
        variants: variants.iter().map(|(v, _)| v.clone()).collect(),
        banks: Box::new(move |sandbox: &str| {
            variants
                .iter()
                .map(|(v, extra)| bank_toml(sandbox, v, extra))
                .collect::<String>()
        }),
        ..EnvOptions::default()
    })
    .await
}

#[tokio::test]
async fn every_signature_algorithm_with_every_client_authentication() {
    let algs = [
        (SigningAlg::Rs256, "rs256"),
        (SigningAlg::Ps256, "ps256"),
        (SigningAlg::Es256, "es256"),
        (SigningAlg::EdDsa, "eddsa"),
    ];
    let auths = [
        (ClientAuth::ClientSecretBasic, "basic"),
        (ClientAuth::ClientSecretPost, "post"),
        (ClientAuth::PrivateKeyJwt, "pkjwt"),
    ];
    let mut variants = Vec::new();
    for (alg, a) in algs {
        for (auth, b) in auths {
            let v = variant(
                &format!("m-{a}-{b}"),
                "sber",
                alg,
                auth,
                Par::No,
                ClaimStyle::Standard,
            );
            variants.push((v, String::new()));
        }
    }
    let ids: Vec<String> = variants.iter().map(|(v, _)| v.id.clone()).collect();
    let env = env_of(variants).await;
    for id in &ids {
        let st = env.register(id, "ivanov", "+7 916 123-45-67").await;
        assert_eq!(
            st.state,
            RegistrationState::PendingConfirmation,
            "{id}: {st:?}"
        );
    }
    // One person, one account, whichever bank: twelve links to it.
    assert_eq!(env.count("accounts").await, 1);
    assert_eq!(env.count("bank_links").await, 12);
}

#[tokio::test]
async fn a_bank_that_refuses_the_method_it_was_not_configured_for_fails_cleanly() {
    // The bank requires private_key_jwt; the portal is (wrongly) configured with a secret.
    let v = variant(
        "strict",
        "sber",
        SigningAlg::Ps256,
        ClientAuth::PrivateKeyJwt,
        Par::No,
        ClaimStyle::Standard,
    );
    let env = env_with(EnvOptions {
        variants: vec![v],
        banks: Box::new(|sandbox: &str| {
            bank_toml(
                sandbox,
                &variant(
                    "strict",
                    "sber",
                    SigningAlg::Ps256,
                    ClientAuth::ClientSecretBasic,
                    Par::No,
                    ClaimStyle::Standard,
                ),
                "",
            )
        }),
        ..EnvOptions::default()
    })
    .await;
    let st = env.register("strict", "ivanov", "+7 916 123-45-67").await;
    assert_eq!(st.state, RegistrationState::Failed);
    assert_eq!(st.reason, Some(ErrorCode::BankError));
    assert_eq!(st.journal[0].upstream.as_deref(), Some("invalid_client"));
    assert_eq!(env.written().await, [0, 0, 0, 0]);
}

#[tokio::test]
async fn pushed_authorization_requests_are_used_when_offered_or_required() {
    let env = env_of(vec![
        (
            variant(
                "par-req",
                "sber",
                SigningAlg::Es256,
                ClientAuth::PrivateKeyJwt,
                Par::Required,
                ClaimStyle::Standard,
            ),
            String::new(),
        ),
        (
            variant(
                "par-off",
                "vtb",
                SigningAlg::Rs256,
                ClientAuth::ClientSecretPost,
                Par::Offered,
                ClaimStyle::Standard,
            ),
            String::new(),
        ),
        (
            variant(
                "par-no",
                "alfa",
                SigningAlg::Rs256,
                ClientAuth::ClientSecretBasic,
                Par::No,
                ClaimStyle::Standard,
            ),
            String::new(),
        ),
    ])
    .await;
    for (bank, pushed) in [("par-req", true), ("par-off", true), ("par-no", false)] {
        let started = env.start(bank, "+7 916 123-45-67").await;
        let url = url::Url::parse(&started.authorize_url).expect("url");
        let names: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
        if pushed {
            // Only client_id and the pushed request's handle travel through the browser.
            assert_eq!(names, ["client_id", "request_uri"], "{bank}");
        } else {
            assert!(names.contains(&"code_challenge".to_string()), "{bank}");
        }
        let cb = env
            .bank_login(&started.authorize_url, "ivanov", "allow")
            .await;
        env.callback(&cb).await;
        let st = env.status(&started.registration_id).await;
        assert_eq!(st.state, RegistrationState::PendingConfirmation, "{bank}");
    }
}

#[tokio::test]
async fn other_claim_names_and_verified_claims_register_through_their_mapping() {
    let env = env_of(vec![
        (
            variant(
                "renamed",
                "vtb",
                SigningAlg::Rs256,
                ClientAuth::ClientSecretPost,
                Par::No,
                ClaimStyle::Renamed,
            ),
            renamed_claims("inn", true),
        ),
        (
            variant(
                "ida",
                "gazprombank",
                SigningAlg::EdDsa,
                ClientAuth::PrivateKeyJwt,
                Par::Offered,
                ClaimStyle::Verified,
            ),
            VERIFIED_RU.to_string(),
        ),
    ])
    .await;
    // The consent screen lists what each bank transfers: no card activity from the IDA bank.
    let banks: Vec<bankid_api::types::BankInfo> = env
        .browser
        .get(format!("{}/api/v1/banks", env.portal))
        .send()
        .await
        .expect("banks")
        .json()
        .await
        .expect("json");
    let fields_of = |id: &str| {
        banks
            .iter()
            .find(|b| b.id == id)
            .map(|b| b.fields.clone())
            .unwrap_or_default()
    };
    use bankid_api::types::ConsentField;
    assert!(fields_of("renamed").contains(&ConsentField::BankActivity));
    assert!(!fields_of("ida").contains(&ConsentField::BankActivity));
    assert!(fields_of("ida").contains(&ConsentField::Snils));
    let st = env
        .register("renamed", "smirnova", &phone_of("smirnova"))
        .await;
    assert_eq!(st.state, RegistrationState::PendingConfirmation, "{st:?}");
    assert_eq!(st.display_name.as_deref(), Some("Елена С."));
    // The renamed bank's card data is read through its paths: a blocked card is refused.
    let st = env
        .register("renamed", "blocked", &phone_of("blocked"))
        .await;
    assert_eq!(st.reason, Some(ErrorCode::RegCardBlocked));
    // Identity assurance: no activity data, so the rule says it was not checked.
    let st = env.register("ida", "ivanov", "+7 916 123-45-67").await;
    assert_eq!(st.state, RegistrationState::PendingConfirmation, "{st:?}");
    assert!(
        st.journal
            .iter()
            .any(|j| j.code.as_str() == "ACTIVITY_NOT_CHECKED"),
        "{:?}",
        st.journal
    );
    // The same person through both banks: one account, found by the identifiers.
    assert_eq!(env.count("accounts").await, 2);
    let ledger: Vec<String> = env
        .column("SELECT fields FROM consents WHERE bank_id = 'ida'")
        .await;
    assert_eq!(
        ledger,
        ["full_name,birth_date,passport,tax_id,snils,phone,email"]
    );
}

#[tokio::test]
async fn every_broken_token_is_refused_and_nothing_is_written() {
    let env = env_of(vec![(
        variant(
            "probe",
            "sber",
            SigningAlg::Rs256,
            ClientAuth::ClientSecretBasic,
            Par::No,
            ClaimStyle::Standard,
        ),
        String::new(),
    )])
    .await;
    for fault in [
        "extra_audience",
        "crit_header",
        "nbf_future",
        "long_sub",
        "empty_sub",
        "exp_max",
        "deep_nesting",
        "alg_none",
        "hs256_secret",
        "bad_signature",
        "wrong_audience",
        "wrong_issuer",
        "wrong_nonce",
        "missing_nonce",
        "expired",
        "future_iat",
    ] {
        env.fault("probe", json!({ "next_id_token": fault })).await;
        let st = env.register("probe", "ivanov", "+7 916 123-45-67").await;
        assert_eq!(st.state, RegistrationState::Failed, "{fault}");
        assert_eq!(st.reason, Some(ErrorCode::AuthIdTokenInvalid), "{fault}");
        assert!(
            st.journal[0]
                .upstream
                .as_deref()
                .is_some_and(|u| u.starts_with("id_token:")),
            "{fault}: {:?}",
            st.journal
        );
        assert_eq!(env.written().await, [0, 0, 0, 0], "{fault}");
    }
    // A good token after all that still works.
    let st = env.register("probe", "ivanov", "+7 916 123-45-67").await;
    assert_eq!(st.state, RegistrationState::PendingConfirmation);
}

#[tokio::test]
async fn a_key_the_bank_withdrew_stops_being_trusted_when_the_cache_expires() {
    let env = env_of(vec![(
        variant(
            "rotating",
            "sber",
            SigningAlg::Es256,
            ClientAuth::ClientSecretBasic,
            Par::No,
            ClaimStyle::Standard,
        ),
        String::new(),
    )])
    .await;
    let st = env.register("rotating", "ivanov", "+7 916 123-45-67").await;
    assert_eq!(st.state, RegistrationState::PendingConfirmation);
    let resp = env
        .browser
        .post(format!("{}/rotating/_keys/rotate", env.sandbox))
        .send()
        .await
        .expect("rotate");
    assert!(resp.status().is_success());
    // The bank's JWKS says max-age=60: past that, the portal refetches and the old key is gone.
    env.advance(120);
    let before = env.written().await;
    env.fault("rotating", json!({ "next_id_token": "withdrawn_key" }))
        .await;
    let st = env.register("rotating", "ivanov", "+7 916 123-45-67").await;
    assert_eq!(st.reason, Some(ErrorCode::AuthIdTokenInvalid));
    assert_eq!(
        st.journal[0].upstream.as_deref(),
        Some("id_token:unknown_key")
    );
    assert_eq!(env.written().await, before);
    // Tokens under the new key are fine.
    let st = env.register("rotating", "ivanov", "+7 916 123-45-67").await;
    assert_eq!(st.state, RegistrationState::PendingConfirmation);
}

#[tokio::test]
async fn discovery_naming_plain_http_endpoints_is_refused() {
    let env = env_of(vec![(
        variant(
            "downgrade",
            "sber",
            SigningAlg::Es256,
            ClientAuth::ClientSecretBasic,
            Par::No,
            ClaimStyle::Standard,
        ),
        String::new(),
    )])
    .await;
    env.fault("downgrade", json!({ "discovery": "http_endpoints" }))
        .await;
    let resp = env
        .browser
        .post(format!("{}/api/v1/registrations", env.portal))
        .json(&json!({"bank_id": "downgrade", "phone": "+79161234567", "consent": {"accepted": true, "version": CONSENT_VERSION}}))
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::BAD_GATEWAY);
    let body: ErrorBody = resp.json().await.expect("json");
    assert_eq!(body.code, ErrorCode::BankError);
    assert_eq!(env.count("registrations").await, 0);
}

#[tokio::test]
async fn a_customer_without_an_inn_registers_and_is_recognised_by_other_ids() {
    let env = env().await;
    let st = env.register("sber", "noinn", &phone_of("noinn")).await;
    assert_eq!(st.state, RegistrationState::PendingConfirmation, "{st:?}");
    // The sealed identifiers hold no taxpayer number; the SNILS and passport keys recognise the person.
    let keys: i64 = env.count("person_keys").await;
    assert_eq!(keys, 2);
    let again = env.register("vtb", "noinn", &phone_of("noinn")).await;
    assert_eq!(again.state, RegistrationState::PendingConfirmation);
    assert_eq!(env.count("accounts").await, 1);
}

#[tokio::test]
async fn bank_round_trips_per_address_are_limited() {
    let env = env_with(EnvOptions {
        server: "starts_per_address = 3".into(),
        ..EnvOptions::default()
    })
    .await;
    for _ in 0..3 {
        env.start("sber", "+7 916 123-45-67").await;
    }
    let resp = env
        .browser
        .post(format!("{}/api/v1/sessions", env.portal))
        .json(&json!({"bank_id": "sber"}))
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(resp.headers().contains_key("retry-after"));
    let body: ErrorBody = resp.json().await.expect("json");
    assert_eq!(body.code, ErrorCode::RateLimited);
    assert_eq!(
        env.count("auth_flows").await,
        3,
        "the refused start wrote nothing"
    );
}

/// Behind a load balancer: the limits count the address the trusted proxy names, and only a
/// trusted proxy may name one.
#[tokio::test]
async fn per_address_limits_count_the_client_a_trusted_proxy_names() {
    let start = |env: &Env, forwarded: &'static str| {
        let req = env
            .browser
            .post(format!("{}/api/v1/sessions", env.portal))
            .header("x-forwarded-for", forwarded)
            .json(&json!({"bank_id": "sber"}));
        async move { req.send().await.expect("post").status() }
    };
    let env = env_with(EnvOptions {
        server: "starts_per_address = 3\ntrusted_proxies = [\"127.0.0.1/32\"]".into(),
        ..EnvOptions::default()
    })
    .await;
    for _ in 0..3 {
        assert_eq!(start(&env, "203.0.113.7").await, StatusCode::CREATED);
    }
    assert_eq!(
        start(&env, "198.51.100.2, 203.0.113.7").await,
        StatusCode::TOO_MANY_REQUESTS,
        "the right-most untrusted address is the client"
    );
    assert_eq!(
        start(&env, "203.0.113.8").await,
        StatusCode::CREATED,
        "another citizen"
    );

    // Without trusted proxies the header is the client's own word: ignored.
    let env = env_with(EnvOptions {
        server: "starts_per_address = 3".into(),
        ..EnvOptions::default()
    })
    .await;
    for forwarded in ["203.0.113.1", "203.0.113.2", "203.0.113.3"] {
        assert_eq!(start(&env, forwarded).await, StatusCode::CREATED);
    }
    assert_eq!(
        start(&env, "203.0.113.4").await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn the_portal_publishes_its_client_keys() {
    let env = env().await;
    let resp = env
        .browser
        .get(format!("{}/.well-known/jwks.json", env.portal))
        .send()
        .await
        .expect("jwks");
    assert_eq!(resp.status(), StatusCode::OK);
    let jwks: Value = resp.json().await.expect("json");
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "EC");
    assert_eq!(key["alg"], "ES256");
    assert!(key.get("d").is_none(), "no private part");
}
