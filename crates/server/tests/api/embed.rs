//! The embedded mode (issue #11): framing headers per route and per bank, the framed start bound to
//! the frame's credential, the one-time launch link, the popup's hand-back code (single use, 60 s,
//! bound to its frame) and the whole-tab fallback's return to the bank's page.

use bankid_api::types::{RegistrationStarted, RegistrationState, RegistrationStatus};
use bankid_api::{ErrorBody, ErrorCode};
use reqwest::header::{AUTHORIZATION, LOCATION, SET_COOKIE};
use reqwest::StatusCode;
use serde_json::{json, Value};

use super::{browser, env_with, phone_of, Env, EnvOptions};

const DEMO: &str = "http://127.0.0.2:8082";
const ONLINE: &str = "https://online.bank.example";

/// The test banks plus `framed`: the sandbox's Sberbank, embeddable from two origins.
async fn embed_env() -> Env {
    env_with(EnvOptions {
        banks: Box::new(|sandbox| {
            format!(
                r##"
[[bank]]
id = "framed"
issuer = "{sandbox}/sber"
client_id = "bankid-portal"
client_secret = "test-client-secret"
name = {{ ru = "Банк", uk = "Банк", en = "Bank" }}
country = "RU"
logo = "/logos/sber.svg"
color = "#21A038"
id_token_algs = ["ES256"]
embed_origins = ["{DEMO}", "{ONLINE}"]
"##
            )
        }),
        ..EnvOptions::default()
    })
    .await
}

fn consent() -> Value {
    json!({"accepted": true, "version": bankid_api::types::CONSENT_VERSION})
}

impl Env {
    /// Starts a framed registration the way the frame does: no cookies.
    async fn start_framed(&self, bank: &str, embed: Value) -> reqwest::Response {
        browser()
            .post(format!("{}/api/v1/registrations", self.portal))
            .json(&json!({"bank_id": bank, "phone": phone_of("ivanov"), "consent": consent(), "embed": embed}))
            .send()
            .await
            .expect("post")
    }

    /// A framed start that must succeed.
    async fn framed(&self, embed: Value) -> RegistrationStarted {
        let resp = self.start_framed("framed", embed).await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        assert!(
            resp.headers().get(SET_COOKIE).is_none(),
            "plain http: no cookie for the frame, its credential is in memory"
        );
        resp.json().await.expect("json")
    }

    /// Opens the launch link in `popup` (a top-level browser) and signs in at the bank; returns the
    /// callback's redirect target.
    async fn through_bank(&self, popup: &reqwest::Client, launch: &str, login: &str) -> String {
        let resp = popup.get(launch).send().await.expect("launch");
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        let bank_url = resp.headers()[LOCATION].to_str().expect("loc").to_string();
        assert!(bank_url.starts_with(&self.sandbox), "{bank_url}");
        let cb = self.bank_login(&bank_url, login, "allow").await;
        let resp = popup.get(&cb).send().await.expect("callback");
        if resp.status() == StatusCode::OK {
            // Back to the bank's page: a page that moves on by itself (no redirect, which the
            // bank's form-action could refuse).
            let html = resp.text().await.expect("html");
            let refresh = super::between(&html, "http-equiv=\"refresh\" content=\"0; url=", "\"");
            let link = super::between(&html, "<a href=\"", "\"");
            assert_eq!(refresh, link);
            return refresh.replace("&amp;", "&");
        }
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        resp.headers()[LOCATION].to_str().expect("loc").to_string()
    }

    /// A framed registration through the popup, up to the hand-back code the popup lands with:
    /// the start, the frame's credential and the code.
    async fn popup_registration(&self) -> (RegistrationStarted, String, String) {
        let started = self.framed(json!({"mode": "popup"})).await;
        let token = started.frame_token.clone().expect("frame token over http");
        let landing = self
            .through_bank(&browser(), &started.authorize_url, "ivanov")
            .await;
        let code = landing
            .strip_prefix("/embed/return#code=")
            .unwrap_or_else(|| panic!("popup lands on the hand-back page: {landing}"))
            .to_string();
        (started, token, code)
    }

    async fn as_frame(&self, id: &str, token: &str) -> reqwest::Response {
        browser()
            .get(format!("{}/api/v1/registrations/{id}", self.portal))
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .send()
            .await
            .expect("status")
    }

    async fn handback(&self, code: &str, token: Option<&str>) -> reqwest::Response {
        let mut req = browser()
            .post(format!("{}/api/v1/embed/handback", self.portal))
            .json(&json!({ "code": code }));
        if let Some(t) = token {
            req = req.header(AUTHORIZATION, format!("Bearer {t}"));
        }
        req.send().await.expect("handback")
    }
}

async fn code_of(resp: reqwest::Response) -> (StatusCode, ErrorCode) {
    let status = resp.status();
    let body: ErrorBody = resp.json().await.expect("error body");
    (status, body.code)
}

#[tokio::test]
async fn only_a_banks_embed_pages_may_be_framed_and_only_by_its_origins() {
    let env = embed_env().await;
    let get = |path: &str| {
        let url = format!("{}{path}", env.portal);
        async move { browser().get(url).send().await.expect("get") }
    };
    for path in ["/embed/framed", "/embed/framed/", "/embed/framed/anything"] {
        let resp = get(path).await;
        let csp = resp.headers()["content-security-policy"].to_str().unwrap();
        assert!(
            csp.ends_with(&format!("frame-ancestors {DEMO} {ONLINE}")),
            "{path}: {csp}"
        );
        assert_eq!(csp.matches("frame-ancestors").count(), 1);
        assert!(resp.headers().get("x-frame-options").is_none(), "{path}");
    }
    // Banks without embedding origins, unknown banks, the popup's page, every other page, the API
    // and the callback: nobody may frame them.
    for path in [
        "/embed/sber",
        "/embed/nosuchbank",
        "/embed/return",
        "/embed",
        "/",
        "/registration/abc",
        "/account/banks",
        "/api/v1/banks",
        "/api/v1/nope",
        "/auth/callback",
        "/auth/launch",
        "/.well-known/jwks.json",
        "/logos/sber.svg",
    ] {
        let resp = get(path).await;
        let csp = resp.headers()["content-security-policy"].to_str().unwrap();
        assert!(csp.ends_with("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(resp.headers()["x-frame-options"], "DENY", "{path}");
    }
    // The bank's sign-in window keeps its opener where the bank allows it; nothing else does.
    for (path, coop) in [
        ("/auth/launch", "unsafe-none"),
        ("/auth/callback", "unsafe-none"),
        ("/embed/return", "unsafe-none"),
        ("/embed/framed", "same-origin"),
        ("/", "same-origin"),
    ] {
        assert_eq!(
            get(path).await.headers()["cross-origin-opener-policy"],
            coop,
            "{path}"
        );
    }
    // The bank list tells the frame whom it may talk to.
    let banks: Vec<bankid_api::types::BankInfo> = get("/api/v1/banks").await.json().await.unwrap();
    let framed = banks.iter().find(|b| b.id == "framed").unwrap();
    assert_eq!(
        framed.embed_origins,
        vec![DEMO.to_string(), ONLINE.to_string()]
    );
    assert!(banks
        .iter()
        .find(|b| b.id == "sber")
        .unwrap()
        .embed_origins
        .is_empty());
}

#[tokio::test]
async fn a_registration_inside_the_frame_through_the_popup() {
    let env = embed_env().await;
    let started = env.framed(json!({"mode": "popup"})).await;
    let token = started.frame_token.clone().expect("frame token over http");
    assert!(bankid_api::embed::is_code(&token));
    let launch = started.authorize_url.clone();
    assert!(
        launch.starts_with(&format!("{}/auth/launch?ticket=", env.portal)),
        "{launch}"
    );
    // The frame reads its registration while the citizen is at the bank.
    let waiting: RegistrationStatus = env
        .as_frame(&started.registration_id, &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(waiting.state, RegistrationState::AwaitingBank);

    let popup = browser();
    let landing = env.through_bank(&popup, &launch, "ivanov").await;
    let code = landing
        .strip_prefix("/embed/return#code=")
        .unwrap_or_else(|| panic!("popup lands on the hand-back page: {landing}"))
        .to_string();
    assert!(bankid_api::embed::is_code(&code));
    // The popup (a top-level window of the portal) is signed in: account pages open in a new tab.
    let session = popup
        .get(format!("{}/api/v1/session", env.portal))
        .send()
        .await
        .unwrap();
    assert_eq!(session.status(), StatusCode::OK);
    // The launch link was used up.
    let again = browser().get(&launch).send().await.unwrap();
    assert!(again.headers()[LOCATION]
        .to_str()
        .unwrap()
        .starts_with("/return?error=EMBED_LAUNCH_INVALID"));

    // The code is bound to the frame: no credential, another frame's credential: refused, and the
    // code is not used up by them.
    assert_eq!(
        code_of(env.handback(&code, None).await).await,
        (StatusCode::UNAUTHORIZED, ErrorCode::AuthSessionRequired)
    );
    let other = env.framed(json!({"mode": "popup"})).await;
    let other_token = other.frame_token.expect("token");
    assert_eq!(
        code_of(env.handback(&code, Some(&other_token)).await).await,
        (StatusCode::BAD_REQUEST, ErrorCode::EmbedCodeInvalid)
    );
    // Another frame cannot read this registration either.
    assert_eq!(
        env.as_frame(&started.registration_id, &other_token)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let done = env.handback(&code, Some(&token)).await;
    assert_eq!(done.status(), StatusCode::OK);
    let done: RegistrationStatus = done.json().await.unwrap();
    assert_eq!(done.registration_id, started.registration_id);
    assert_eq!(done.state, RegistrationState::PendingConfirmation);
    // Single use.
    assert_eq!(
        code_of(env.handback(&code, Some(&token)).await).await,
        (StatusCode::BAD_REQUEST, ErrorCode::EmbedCodeInvalid)
    );
    // Polling is the channel that always works.
    let polled: RegistrationStatus = env
        .as_frame(&started.registration_id, &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(polled.state, RegistrationState::PendingConfirmation);
    assert_eq!(
        code_of(env.handback("x", Some(&token)).await).await,
        (StatusCode::BAD_REQUEST, ErrorCode::EmbedCodeInvalid)
    );
    env.assert_no_full_scans();
}

#[tokio::test]
async fn hand_back_codes_expire_after_a_minute_and_launch_links_after_two() {
    let env = embed_env().await;
    let (_, token, code) = env.popup_registration().await;
    env.advance(61);
    assert_eq!(
        code_of(env.handback(&code, Some(&token)).await).await,
        (StatusCode::BAD_REQUEST, ErrorCode::EmbedCodeInvalid)
    );

    let late = env.framed(json!({"mode": "popup"})).await;
    env.advance(121);
    let resp = browser().get(&late.authorize_url).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(resp.headers()[LOCATION]
        .to_str()
        .unwrap()
        .starts_with("/return?error=EMBED_LAUNCH_INVALID"));
}

#[tokio::test]
async fn the_callback_must_come_back_to_the_browser_that_opened_the_launch_link() {
    let env = embed_env().await;
    let started = env.framed(json!({"mode": "popup"})).await;
    let popup = browser();
    let resp = popup.get(&started.authorize_url).send().await.unwrap();
    let bank_url = resp.headers()[LOCATION].to_str().unwrap().to_string();
    let cb = env.bank_login(&bank_url, "ivanov", "allow").await;
    // Sent to someone else's browser, the callback is refused and writes nothing.
    let before = env.written().await;
    let resp = browser().get(&cb).send().await.unwrap();
    assert!(resp.headers()[LOCATION]
        .to_str()
        .unwrap()
        .starts_with("/return?error=AUTH_FLOW_MISMATCH"));
    assert_eq!(env.written().await, before);
}

#[tokio::test]
async fn without_popups_the_whole_tab_goes_to_the_bank_and_back_to_the_banks_page() {
    let env = embed_env().await;
    let page = format!("{DEMO}/sber/?section=gosuslugi&from=portal");
    let started = env.framed(json!({"mode": "top", "return_url": page})).await;
    let tab = browser();
    let landing = env
        .through_bank(&tab, &started.authorize_url, "ivanov")
        .await;
    assert_eq!(landing, page);
    let status: RegistrationStatus = env
        .as_frame(
            &started.registration_id,
            &started.frame_token.expect("token"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status.state, RegistrationState::PendingConfirmation);
}

#[tokio::test]
async fn bad_embedded_starts_are_refused_and_change_nothing() {
    let env = embed_env().await;
    let before = env.count("registrations").await;
    let resp = env.start_framed("framed", json!({"mode": "top"})).await;
    let body: ErrorBody = resp.json().await.unwrap();
    assert_eq!(
        body.fields.as_ref().and_then(|f| f.get("embed.return_url")),
        Some(&ErrorCode::FieldRequired)
    );
    for bad in [
        json!({"mode": "top", "return_url": "https://evil.example/"}),
        json!({"mode": "top", "return_url": "http://127.0.0.2:8083/"}),
        json!({"mode": "top", "return_url": "http://127.0.0.3:8082/sber/"}),
        json!({"mode": "top", "return_url": "javascript:alert(1)//127.0.0.2:8082"}),
        json!({"mode": "top", "return_url": "http://user@127.0.0.2:8082/"}),
        json!({"mode": "top", "return_url": format!("{DEMO}/{}", "a".repeat(2000))}),
    ] {
        let resp = env.start_framed("framed", bad.clone()).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{bad}");
        let body: ErrorBody = resp.json().await.unwrap();
        assert_eq!(body.code, ErrorCode::ReqInvalidFields, "{bad}");
        assert_eq!(
            body.fields.as_ref().and_then(|f| f.get("embed.return_url")),
            Some(&ErrorCode::FieldReturnUrl),
            "{bad}"
        );
    }
    // A bank that does not embed the portal.
    assert_eq!(
        code_of(env.start_framed("sber", json!({"mode": "popup"})).await).await,
        (StatusCode::FORBIDDEN, ErrorCode::EmbedNotAllowed)
    );
    // Shapes the contract does not have.
    for bad in [
        json!({"mode": "iframe"}),
        json!({"mode": "popup", "token": "x"}),
        json!({"mode": "popup", "return_url": format!("{DEMO}/")}),
        json!("popup"),
    ] {
        assert_eq!(
            env.start_framed("framed", bad.clone()).await.status(),
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }
    assert_eq!(env.count("registrations").await, before);
    assert_eq!(env.count("auth_flows").await, 0);
}

#[tokio::test]
async fn a_retried_hand_back_with_its_idempotency_key_gets_the_first_answer() {
    let env = embed_env().await;
    let (started, token, code) = env.popup_registration().await;
    let send = || {
        browser()
            .post(format!("{}/api/v1/embed/handback", env.portal))
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .header("idempotency-key", "frame-retry-0001")
            .json(&json!({ "code": code }))
            .send()
    };
    let first = send().await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let again = send().await.unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    assert!(again.headers().get("idempotent-replayed").is_some());
    let status: RegistrationStatus = again.json().await.unwrap();
    assert_eq!(status.registration_id, started.registration_id);
    env.assert_no_full_scans();
}
