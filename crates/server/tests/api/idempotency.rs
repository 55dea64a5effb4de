//! Idempotency-Key replays (issue #10 §2): replies kept only sealed, a replay gives the browser
//! what the first answer gave it (Set-Cookie included), a mismatched reuse is refused and a key
//! past its lifetime is not replayed.

use bankid_api::types::{BackupCodes, SessionInfo, SignInStarted, TotpEnrolment};
use bankid_api::{ErrorBody, ErrorCode};
use reqwest::header::{HeaderMap, COOKIE, SET_COOKIE};
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};

use super::{env, json_of, totp_now, Env};

/// The `bp_session` token a response sets, if any.
fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("bp_session="))
        .and_then(|rest| rest.split(';').next())
        .map(str::to_string)
}

/// Every `Set-Cookie` of a response, in order.
fn set_cookies(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

/// A client that keeps no cookies: the test says which session each request carries, as a
/// browser that never received an answer would still send its old cookie.
struct Raw {
    client: Client,
    portal: String,
}

impl Raw {
    fn new(env: &Env) -> Raw {
        Raw {
            client: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            portal: env.portal.clone(),
        }
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        token: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.portal))
            .header(COOKIE, format!("bp_session={token}"));
        if let Some(k) = key {
            req = req.header("idempotency-key", k);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.unwrap()
    }

    async fn post(&self, path: &str, token: &str, key: &str, body: Value) -> reqwest::Response {
        self.send(Method::POST, path, token, Some(key), Some(body))
            .await
    }
}

/// Registers `login` through `bank` in the env's browser; answers the session token it got.
async fn register_for_token(env: &Env, bank: &str, login: &str) -> String {
    let started = env.start(bank, &super::phone_of(login)).await;
    let cb = env.bank_login(&started.authorize_url, login, "allow").await;
    let (_, headers) = env.callback(&cb).await;
    session_token(&headers).expect("a session cookie")
}

fn replayed(resp: &reqwest::Response) -> bool {
    resp.headers()
        .get("idempotent-replayed")
        .is_some_and(|v| v == "true")
}

#[tokio::test]
async fn two_factor_answers_are_replayed_but_never_kept_in_clear() {
    let env = env().await;
    let raw = Raw::new(&env);
    let token0 = register_for_token(&env, "sber", "ivanov").await;

    // Enrolment: the retry gets the same secret (and it is the one that confirms).
    let first = raw
        .post(
            "/api/v1/account/totp",
            &token0,
            "enrol-0001-abcdef",
            json!({}),
        )
        .await;
    assert_eq!(first.status(), StatusCode::OK);
    assert!(!replayed(&first));
    let enrol: TotpEnrolment = first.json().await.unwrap();
    let again = raw
        .post(
            "/api/v1/account/totp",
            &token0,
            "enrol-0001-abcdef",
            json!({}),
        )
        .await;
    assert_eq!(again.status(), StatusCode::OK);
    assert!(replayed(&again));
    assert_eq!(
        again.headers()["content-type"],
        "application/json",
        "the replay keeps the content type"
    );
    let again: TotpEnrolment = again.json().await.unwrap();
    assert_eq!(
        (&again.secret, &again.otpauth_uri),
        (&enrol.secret, &enrol.otpauth_uri)
    );
    let secret = bankid_server::totp::base32_decode(&enrol.secret).unwrap();

    // Confirmation rotates the session. The answer is lost; the browser retries with its old
    // cookie and gets the same codes and the same new session cookie.
    let body = json!({ "code": totp_now(&env, &secret) });
    let first = raw
        .post(
            "/api/v1/account/totp/confirm",
            &token0,
            "confirm-0001-abcdef",
            body.clone(),
        )
        .await;
    assert_eq!(first.status(), StatusCode::OK);
    let first_cookies = set_cookies(first.headers());
    let token1 = session_token(first.headers()).expect("the session is rotated");
    assert_ne!(token1, token0);
    let codes: BackupCodes = first.json().await.unwrap();
    let retry = raw
        .post(
            "/api/v1/account/totp/confirm",
            &token0,
            "confirm-0001-abcdef",
            body,
        )
        .await;
    assert_eq!(retry.status(), StatusCode::OK);
    assert!(replayed(&retry));
    assert_eq!(set_cookies(retry.headers()), first_cookies);
    let retried: BackupCodes = retry.json().await.unwrap();
    assert_eq!(retried.codes, codes.codes);
    let info: SessionInfo = json_of(
        raw.send(Method::GET, "/api/v1/session", &token1, None, None)
            .await,
    )
    .await;
    assert!(info.totp_enabled);
    assert_eq!(
        raw.send(Method::GET, "/api/v1/session", &token0, None, None)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );

    // New backup codes: replayed as well.
    env.advance(30);
    let codes_body = json!({ "code": totp_now(&env, &secret) });
    let first = raw
        .post(
            "/api/v1/account/backup-codes",
            &token1,
            "codes-0001-abcdef",
            codes_body.clone(),
        )
        .await;
    let fresh: BackupCodes = json_of(first).await;
    let retry = raw
        .post(
            "/api/v1/account/backup-codes",
            &token1,
            "codes-0001-abcdef",
            codes_body.clone(),
        )
        .await;
    assert!(replayed(&retry));
    assert_eq!(json_of::<BackupCodes>(retry).await.codes, fresh.codes);

    // The same key for another request is still refused.
    let other = raw
        .post(
            "/api/v1/account/backup-codes",
            &token1,
            "codes-0001-abcdef",
            json!({ "code": "000000" }),
        )
        .await;
    assert_eq!(other.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        other.json::<ErrorBody>().await.unwrap().code,
        ErrorCode::ReqIdempotencyKeyReused
    );

    // Nothing secret is in the database files: not the secret (base32 or hex), not a backup code
    // (as shown or without its dash), not a session token.
    let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    let mut needles = vec![enrol.secret.clone(), hex, token0, token1.clone()];
    for code in codes.codes.iter().chain(&fresh.codes) {
        needles.push(code.clone());
        needles.push(code.replace('-', ""));
    }
    let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
    env.assert_not_in_database_files(&needles, "a secret");
    // The replies are kept, sealed under the configured key.
    let db = env.db().await;
    let kept: Vec<(Option<String>, Option<String>)> = db
        .read(|tx| {
            tx.all(
                "SELECT key_id, content_type FROM idempotency",
                bankid_server::args![],
            )
        })
        .await
        .unwrap();
    assert_eq!(kept.len(), 3);
    assert!(kept
        .iter()
        .all(|(k, ct)| k.as_deref() == Some("t1") && ct.is_none()));
    // A reply cannot be moved to another key row: it is sealed for its own. The very same retry
    // now finds a reply it cannot open and says so, rather than running the request again.
    db.write(|tx| {
        tx.exec(
            "UPDATE idempotency SET body = (SELECT body FROM idempotency WHERE key = 'enrol-0001-abcdef')
             WHERE key = 'codes-0001-abcdef'",
            bankid_server::args![],
        )
    }).await
    .unwrap();
    let moved = raw
        .post(
            "/api/v1/account/backup-codes",
            &token1,
            "codes-0001-abcdef",
            codes_body,
        )
        .await;
    assert!(!replayed(&moved));
    assert_eq!(moved.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
async fn a_retried_second_factor_keeps_the_new_session() {
    let env = env().await;
    let raw = Raw::new(&env);
    let token = register_for_token(&env, "sber", "ivanov").await;
    let enrol: TotpEnrolment = json_of(
        raw.send(Method::POST, "/api/v1/account/totp", &token, None, None)
            .await,
    )
    .await;
    let secret = bankid_server::totp::base32_decode(&enrol.secret).unwrap();
    let confirmed = raw
        .send(
            Method::POST,
            "/api/v1/account/totp/confirm",
            &token,
            None,
            Some(json!({ "code": totp_now(&env, &secret) })),
        )
        .await;
    let token = session_token(confirmed.headers()).unwrap();
    let codes: BackupCodes = json_of(confirmed).await;
    assert_eq!(
        raw.send(Method::DELETE, "/api/v1/session", &token, None, None)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );

    // Sign in again through the bank: the session waits for the second factor.
    let started: SignInStarted = json_of(
        env.api(
            Method::POST,
            "/api/v1/sessions",
            Some(json!({"bank_id": "sber"})),
        )
        .await,
    )
    .await;
    let cb = env
        .bank_login(&started.authorize_url, "ivanov", "allow")
        .await;
    let (loc, headers) = env.callback(&cb).await;
    assert_eq!(loc, "/signin/second-factor");
    let pending = session_token(&headers).unwrap();

    // The second factor's answer (a new session cookie) is lost; the retry gets it again.
    let body = json!({ "code": codes.codes[0] });
    let key = "second-factor-0001";
    let first = raw
        .post("/api/v1/session/second-factor", &pending, key, body.clone())
        .await;
    assert_eq!(first.status(), StatusCode::NO_CONTENT);
    let first_cookies = set_cookies(first.headers());
    let signed_in = session_token(first.headers()).unwrap();
    let retry = raw
        .post("/api/v1/session/second-factor", &pending, key, body.clone())
        .await;
    assert_eq!(retry.status(), StatusCode::NO_CONTENT);
    assert!(replayed(&retry));
    assert_eq!(set_cookies(retry.headers()), first_cookies);
    assert_eq!(session_token(retry.headers()).as_deref(), Some(&*signed_in));
    // The session it sets works (and keeps working).
    for _ in 0..2 {
        let info: SessionInfo = json_of(
            raw.send(Method::GET, "/api/v1/session", &signed_in, None, None)
                .await,
        )
        .await;
        assert_eq!(info.display_name, "Иван И.");
    }
    // The same key with another code is refused, not replayed.
    let other = raw
        .post(
            "/api/v1/session/second-factor",
            &pending,
            key,
            json!({ "code": codes.codes[1] }),
        )
        .await;
    assert_eq!(
        other.json::<ErrorBody>().await.unwrap().code,
        ErrorCode::ReqIdempotencyKeyReused
    );

    // Within the key's lifetime the answer is replayed as it was, even once the session it set
    // has ended; after it, the request runs again (and the old pending session is long gone).
    env.advance(24 * 3600 - 60);
    let late = raw
        .post("/api/v1/session/second-factor", &pending, key, body.clone())
        .await;
    assert!(replayed(&late));
    assert_eq!(set_cookies(late.headers()), first_cookies);
    env.advance(120);
    let expired = raw
        .post("/api/v1/session/second-factor", &pending, key, body)
        .await;
    assert!(!replayed(&expired));
    assert_eq!(expired.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        expired.json::<ErrorBody>().await.unwrap().code,
        ErrorCode::AuthSessionRequired
    );
}
