//! Server integration tests over real HTTP on 127.0.0.1: the portal and the real sandbox banks in
//! this process, a real database per test: a SQLite file, or, when `BANKID_TEST_POSTGRES_URL` names
//! a PostgreSQL database (`postgres://user@host:port/db`), a fresh database of that cluster. One
//! test binary for the whole server.

mod embed;
mod idempotency;
mod openapi;
mod phone_country;
mod retention;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};

mod bank_flow;

use bankid_api::types::{
    RegistrationStarted, RegistrationState, RegistrationStatus, CONSENT_VERSION,
};
use bankid_api::{ErrorBody, ErrorCode};
use reqwest::header::{CONTENT_TYPE, LOCATION, SET_COOKIE};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

const SECRET: &str = "test-client-secret";

/// Real time plus an offset the test can move forward.
struct TestClock(std::sync::atomic::AtomicI64);

impl bankid_server::Clock for TestClock {
    fn now(&self) -> time::OffsetDateTime {
        time::OffsetDateTime::now_utc() + time::Duration::seconds(self.0.load(Ordering::SeqCst))
    }
}

struct Env {
    app: bankid_server::AppState,
    clock: std::sync::Arc<TestClock>,
    portal: String,
    sandbox: String,
    /// A browser: cookie jar, no redirect following.
    browser: Client,
    /// The portal's database: `sqlite://FILE` or `postgres://…/t_…`.
    database_url: String,
    /// The tests' own connection to it, opened on first use.
    db: std::sync::Arc<tokio::sync::OnceCell<Db>>,
}

use bankid_server::store::db::Db;

/// The variable naming a PostgreSQL database to test against instead of SQLite files.
const POSTGRES_VAR: &str = "BANKID_TEST_POSTGRES_URL";

/// A new, empty database for one portal: a SQLite file of its own, or, when [`POSTGRES_VAR`] is
/// set, a PostgreSQL database of its own in that cluster.
fn fresh_database_url() -> String {
    match std::env::var(POSTGRES_VAR) {
        Ok(url) if !url.is_empty() => fresh_postgres(&url),
        _ => format!("sqlite://{}", unique_db().display()),
    }
}

/// Creates `t_<pid>_<start>_<n>` in the cluster of `admin_url` and answers its URL. The blocking
/// client runs on a thread of its own (it must not run on a runtime's thread).
fn fresh_postgres(admin_url: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    static START: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    // The time the process started keeps names apart when a PID comes again on the same cluster.
    let start = *START.get_or_init(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs()
    });
    let name = format!(
        "t_{}_{start}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    );
    let mut url = url::Url::parse(admin_url).expect(POSTGRES_VAR);
    url.set_path(&format!("/{name}"));
    let admin = admin_url.to_string();
    std::thread::spawn(move || {
        let mut client =
            postgres::Client::connect(&admin, postgres::NoTls).expect("connect to the cluster");
        client
            .batch_execute(&format!(
                "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
            ))
            .expect("create database");
    })
    .join()
    .expect("create database");
    url.to_string()
}

fn unique_db() -> std::path::PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!("bankid-portal-tests-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    dir.join(format!(
        "portal-{}.sqlite",
        N.fetch_add(1, Ordering::SeqCst)
    ))
}

fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

async fn env() -> Env {
    env_with(EnvOptions::default()).await
}

async fn env_with_dist(dist: &str) -> Env {
    env_with(EnvOptions {
        dist: dist.to_string(),
        ..EnvOptions::default()
    })
    .await
}

/// What a test may change in its environment.
struct EnvOptions {
    dist: String,
    /// Extra lines of the portal's `[server]` table.
    server: String,
    /// Extra sandbox issuers.
    variants: Vec<sandbox_bank::BankVariant>,
    /// Extra `[[bank]]` tables, given the sandbox URL.
    banks: Box<dyn Fn(&str) -> String + Send + Sync>,
}

impl Default for EnvOptions {
    fn default() -> Self {
        EnvOptions {
            dist: "/nonexistent-dist".into(),
            server: String::new(),
            variants: Vec::new(),
            banks: Box::new(|_| String::new()),
        }
    }
}

/// A test key for the portal's private_key_jwt client authentication (PKCS#8, P-256).
const CLIENT_KEY: &str = "t1:MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgZcLq9R/4eN2g38VI9Wbl1aM1G/Y1TQiYdaBSxRHUEZuhRANCAAQNvSfb6FObiq9qmhotjzwtFDc4KkOJ8bq4HwzrYW9egYOe1liFr6bwwSPXJH3MrNT9dsa3cSr8LI56szcsHg45";

/// Scopes and claim paths of a bank with the sandbox's `Renamed` claim style (docs/SANDBOX.md).
fn renamed_claims(tax_id: &str, snils: bool) -> String {
    format!(
        r#"scopes = ["openid", "fio", "birth", "contacts", "docs", "card"]
sign_in_scopes = ["openid", "docs"]
[bank.claims]
family_name = "last_name"
given_name = "first_name"
middle_name = "patronymic"
birthdate = "birth_date"
phone = "mobile_phone"
email = "mail"
passport = "documents.passport.number"
tax_id = "documents.{tax_id}"
{snils}card_active = "card_status.active"
card_blocked = "card_status.blocked"
transactions_30d = "card_status.transactions_last_30_days"
"#,
        snils = if snils {
            "snils = \"documents.snils\"\n"
        } else {
            ""
        },
    )
}

/// The `[[bank]]` extras that match the sandbox's default profile of a bank (docs/SANDBOX.md).
fn profile_toml(id: &str) -> String {
    match id {
        "vtb" => format!(
            "client_auth = \"client_secret_post\"\n{}",
            renamed_claims("inn", true)
        ),
        "monobank" => format!(
            "client_auth = \"client_secret_post\"\n{}",
            renamed_claims("rnokpp", false)
        ),
        // Its front-channel parameters are checked below; PAR has its own tests.
        "sber" => "par = \"never\"\n".into(),
        _ => String::new(),
    }
}

async fn env_with(opts: EnvOptions) -> Env {
    let sb_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let portal_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let sandbox = format!("http://{}", sb_listener.local_addr().expect("addr"));
    let portal = format!("http://{}", portal_listener.local_addr().expect("addr"));
    let router = sandbox_bank::router(sandbox_bank::SandboxConfig {
        public_url: sandbox.clone(),
        clients: vec![sandbox_bank::ClientRegistration {
            client_id: "bankid-portal".into(),
            client_secret: SECRET.into(),
            redirect_uris: vec![format!("{portal}/auth/callback")],
            client_name: "Портал".into(),
            jwks_uri: Some(format!("{portal}/.well-known/jwks.json")),
        }],
        faults_enabled: true,
        variants: opts.variants.clone(),
        auto_approve: false,
    });
    tokio::spawn(async move {
        let _ = axum::serve(sb_listener, router).await;
    });
    let database_url = fresh_database_url();
    let mut toml = format!(
        r##"
[server]
listen = "127.0.0.1:0"
public_url = "{portal}"
database_url = "{database_url}"
dist_dir = "{dist}"
pepper = "integration-test-pepper-0123456789"
data_keys = ["t1:dGVzdC1kYXRhLWtleS0wMDAwMDAwMDAwMDAwMDAwMDA="]
client_keys = ["{CLIENT_KEY}"]
{starts}
{server}

[sandbox]
listen = "127.0.0.1:9"
public_url = "{sandbox}"
"##,
        dist = opts.dist,
        server = opts.server,
        // Tests start many bank round trips from 127.0.0.1; one test sets its own limit.
        starts = if opts.server.contains("starts_per_address") {
            ""
        } else {
            "starts_per_address = 100000"
        },
    );
    for (id, country, workable) in [
        ("sber", "RU", true),
        ("vtb", "RU", true),
        ("otkritie", "RU", false),
        ("privatbank", "UA", true),
        ("monobank", "UA", true),
    ] {
        toml.push_str(&format!(
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
workable = {workable}
{profile}
"##,
            profile = profile_toml(id),
        ));
    }
    toml.push_str(&(opts.banks)(&sandbox));
    // A bank that is down: nothing listens on port 9 of loopback.
    toml.push_str(
        r##"
[[bank]]
id = "downbank"
issuer = "http://127.0.0.1:9/down"
client_id = "bankid-portal"
client_secret = "x"
name = { ru = "Не работает", uk = "Не працює", en = "Down" }
country = "RU"
logo = "/logos/down.svg"
color = "#000000"
"##,
    );
    let config = bankid_server::config::Config::from_toml(&toml).expect("config");
    let clock = std::sync::Arc::new(TestClock(std::sync::atomic::AtomicI64::new(0)));
    let state = bankid_server::state_with_clock(config, clock.clone())
        .await
        .expect("state");
    let app = state.clone();
    tokio::spawn(async move {
        let _ = bankid_server::serve(portal_listener, state).await;
    });
    Env {
        app,
        clock,
        portal,
        sandbox,
        browser: browser(),
        database_url,
        db: Default::default(),
    }
}

impl Env {
    /// Every statement the portal ran for this environment found its rows through an index or a
    /// key (SQLite's full-scan counter), the sandbox's dev inbox and start-up aside: a lookup
    /// that reads a whole table slows down as the table grows to millions of rows.
    pub(crate) fn assert_no_full_scans(&self) {
        let scans: Vec<String> = self
            .app
            .store
            .full_scans()
            .into_iter()
            .filter(|s| !s.contains("_sqlx_migrations") && !s.contains("FROM dev_inbox"))
            .collect();
        assert!(
            scans.is_empty(),
            "statements that read a whole table: {scans:#?}"
        );
    }

    fn advance(&self, secs: i64) {
        self.clock.0.fetch_add(secs, Ordering::SeqCst);
    }

    /// The portal's database, through the server's own [`Db`].
    async fn db(&self) -> Db {
        self.db
            .get_or_init(|| async { Db::connect(&self.database_url).await.expect("db") })
            .await
            .clone()
    }

    /// The portal's SQLite file; `None` on PostgreSQL.
    fn sqlite_file(&self) -> Option<std::path::PathBuf> {
        self.database_url
            .strip_prefix("sqlite://")
            .map(std::path::PathBuf::from)
    }

    /// None of `needles` is in the SQLite file or its WAL, in clear (`what` names them in the
    /// failure, never the needle itself). On PostgreSQL there is no file of ours to search: the
    /// sealing happens before the store, whichever the backend; said and skipped.
    pub(crate) fn assert_not_in_database_files(&self, needles: &[&str], what: &str) {
        let Some(file) = self.sqlite_file() else {
            eprintln!("PostgreSQL: no database file to search for {what} in clear");
            return;
        };
        let raw = std::fs::read(&file).unwrap();
        let wal = std::fs::read(file.with_extension("sqlite-wal")).unwrap_or_default();
        for needle in needles {
            for bytes in [&raw, &wal] {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                    "{what} stored in clear ({} characters)",
                    needle.len()
                );
            }
        }
    }

    /// The first column of every row of `sql`.
    async fn column<T: bankid_server::store::db::FromValue + Send>(&self, sql: &str) -> Vec<T> {
        self.db()
            .await
            .read(|tx| tx.scalars(sql, bankid_server::args![]))
            .await
            .expect(sql)
    }

    async fn count(&self, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        self.db()
            .await
            .read(|tx| tx.scalar::<i64>(&sql, bankid_server::args![]))
            .await
            .expect("count")
    }

    /// Rows that only a successful registration may write.
    async fn written(&self) -> [i64; 4] {
        [
            self.count("accounts").await,
            self.count("bank_links").await,
            self.count("consents").await,
            self.count("sessions").await,
        ]
    }

    async fn start(&self, bank: &str, phone: &str) -> RegistrationStarted {
        let resp = self
            .browser
            .post(format!("{}/api/v1/registrations", self.portal))
            .json(&json!({"bank_id": bank, "phone": phone, "consent": {"accepted": true, "version": CONSENT_VERSION}}))
            .send()
            .await
            .expect("post");
        assert_eq!(
            resp.status(),
            StatusCode::CREATED,
            "{:?}",
            resp.text().await
        );
        resp.json().await.expect("json")
    }

    /// Goes through the sandbox bank's pages as the customer and returns the callback URL.
    async fn bank_login(&self, authorize_url: &str, login: &str, decision: &str) -> String {
        let bank = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let page = bank.get(authorize_url).send().await.expect("authorize");
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.expect("html");
        let base = authorize_url
            .split("/authorize")
            .next()
            .expect("bank base")
            .to_string();
        let flow = between(&html, "name=\"flow\" value=\"", "\"");
        let html = bank
            .post(format!("{base}/login"))
            .form(&[
                ("flow", flow.as_str()),
                ("login", login),
                ("password", "sandbox"),
            ])
            .send()
            .await
            .expect("login")
            .text()
            .await
            .expect("html");
        let otp = between(&html, "id=\"sandbox-sms-code\">", "<");
        let html = bank
            .post(format!("{base}/otp"))
            .form(&[("flow", flow.as_str()), ("otp", otp.as_str())])
            .send()
            .await
            .expect("otp")
            .text()
            .await
            .expect("html");
        assert!(html.contains("decision"), "consent page expected:\n{html}");
        let resp = bank
            .post(format!("{base}/consent"))
            .form(&[("flow", flow.as_str()), ("decision", decision)])
            .send()
            .await
            .expect("consent");
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        resp.headers()[LOCATION]
            .to_str()
            .expect("location")
            .to_string()
    }

    /// Calls the portal's callback with this env's browser; returns the redirect target.
    async fn callback(&self, url: &str) -> (String, reqwest::header::HeaderMap) {
        let resp = self.browser.get(url).send().await.expect("callback");
        assert_eq!(
            resp.status(),
            StatusCode::SEE_OTHER,
            "callback must redirect"
        );
        let loc = resp.headers()[LOCATION]
            .to_str()
            .expect("location")
            .to_string();
        (loc, resp.headers().clone())
    }

    async fn status(&self, id: &str) -> RegistrationStatus {
        let resp = self
            .browser
            .get(format!("{}/api/v1/registrations/{id}", self.portal))
            .send()
            .await
            .expect("status");
        assert_eq!(resp.status(), StatusCode::OK);
        resp.json().await.expect("json")
    }

    /// Whole registration; returns the final status.
    async fn register(&self, bank: &str, login: &str, typed_phone: &str) -> RegistrationStatus {
        let started = self.start(bank, typed_phone).await;
        let cb = self
            .bank_login(&started.authorize_url, login, "allow")
            .await;
        let (loc, _) = self.callback(&cb).await;
        assert_eq!(loc, format!("/registration/{}", started.registration_id));
        self.status(&started.registration_id).await
    }

    async fn fault(&self, bank: &str, body: Value) {
        let resp = self
            .browser
            .post(format!("{}/{bank}/_faults", self.sandbox))
            .json(&body)
            .send()
            .await
            .expect("fault");
        assert!(
            resp.status().is_success(),
            "fault not accepted: {}",
            resp.status()
        );
    }

    async fn post_raw(&self, content_type: &str, body: Vec<u8>) -> (StatusCode, ErrorBody) {
        let resp = self
            .browser
            .post(format!("{}/api/v1/registrations", self.portal))
            .header(CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .expect("post");
        let status = resp.status();
        let body: ErrorBody = resp.json().await.expect("error body");
        (status, body)
    }
}

fn between(html: &str, start: &str, end: &str) -> String {
    let i = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} not in page:\n{html}"))
        + start.len();
    let j = html[i..].find(end).expect("end") + i;
    html[i..j].to_string()
}

fn phone_of(login: &str) -> String {
    sandbox_bank::seeded_customers()
        .into_iter()
        .find(|c| c.login == login)
        .map(|c| c.phone_number)
        .expect("seeded customer")
}

fn query_of(url: &str) -> HashMap<String, String> {
    url::Url::parse(url)
        .expect("url")
        .query_pairs()
        .into_owned()
        .collect()
}

fn with_param(url: &str, key: &str, value: &str) -> String {
    let mut u = url::Url::parse(url).expect("url");
    let pairs: Vec<(String, String)> = u
        .query_pairs()
        .into_owned()
        .filter(|(k, _)| k != key)
        .collect();
    u.query_pairs_mut()
        .clear()
        .extend_pairs(pairs)
        .append_pair(key, value);
    u.into()
}

#[tokio::test]
async fn banks_are_listed_without_secrets() {
    let env = env().await;
    let resp = env
        .browser
        .get(format!("{}/api/v1/banks", env.portal))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let text = resp.text().await.unwrap();
    assert!(!text.contains(SECRET) && !text.contains("issuer") && !text.contains("client"));
    let banks: Vec<bankid_api::types::BankInfo> = serde_json::from_str(&text).unwrap();
    assert_eq!(banks.len(), 6);
    assert!(!banks.iter().find(|b| b.id == "otkritie").unwrap().workable);
    assert_eq!(banks[0].name.ru, "Банк sber");
}

#[tokio::test]
async fn happy_path_creates_account_link_consent_and_session_in_one_go() {
    let env = env().await;
    let started = env.start("sber", "8 (916) 123-45-67").await;
    let auth = query_of(&started.authorize_url);
    assert_eq!(auth["code_challenge_method"], "S256");
    assert_eq!(auth["response_type"], "code");
    assert!(auth["state"].len() >= 43 && auth["nonce"].len() >= 43);
    assert!(auth["scope"].contains("snils"));
    let cb = env
        .bank_login(&started.authorize_url, "ivanov", "allow")
        .await;
    let cbq = query_of(&cb);
    assert_eq!(cbq["iss"], format!("{}/sber", env.sandbox));
    let (loc, headers) = env.callback(&cb).await;
    assert_eq!(loc, format!("/registration/{}", started.registration_id));
    assert_eq!(headers["referrer-policy"], "no-referrer");
    let cookie = headers
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("bp_session="))
        .expect("session cookie");
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
            && !cookie.contains("Secure")
    );

    let st = env.status(&started.registration_id).await;
    assert_eq!(
        st.state,
        bankid_api::types::RegistrationState::PendingConfirmation
    );
    assert_eq!(st.display_name.as_deref(), Some("Иван И."));
    assert!(st.request_number.starts_with("R-20") && st.request_number.ends_with("000001"));
    let codes: Vec<&str> = st.journal.iter().map(|j| j.code.as_str()).collect();
    assert_eq!(codes, ["ACCOUNT_CREATED", "REGISTRATION_STARTED"]);
    assert_eq!(env.written().await, [1, 1, 1, 1]);

    // The same person registering again through another bank gets the same account, linked twice.
    let env2 = Env {
        browser: browser(),
        ..env
    };
    let st2 = env2.register("vtb", "ivanov", "+79161234567").await;
    assert_eq!(
        st2.state,
        bankid_api::types::RegistrationState::PendingConfirmation
    );
    assert_eq!(st2.journal[0].code.as_str(), "ACCOUNT_FOUND");
    assert_eq!(env2.count("accounts").await, 1);
    assert_eq!(env2.count("bank_links").await, 2);

    // National ids are not in the database file in clear.
    env2.assert_not_in_database_files(
        &["4510123456", "770712345633", "11223344595"],
        "national ids",
    );
    // They are stored sealed (AEAD, key id kept) and open with the configured key only for this
    // account.
    let (id, key_id, sealed): (String, String, Vec<u8>) = env2
        .db()
        .await
        .read(|tx| {
            tx.one(
                "SELECT id, key_id, national_ids FROM accounts",
                bankid_server::args![],
            )
        })
        .await
        .unwrap();
    assert_eq!(key_id, "t1");
    let opened = env2.app.vault.open(&key_id, &id, &sealed).unwrap();
    let ids: Value = serde_json::from_slice(&opened).unwrap();
    assert_eq!(
        ids,
        json!({"passport": "4510123456", "tax_id": "770712345633", "snils": "11223344595"})
    );
    assert!(env2
        .app
        .vault
        .open(&key_id, "another-account", &sealed)
        .is_err());
    env2.assert_no_full_scans();
}

#[tokio::test]
async fn each_rejection_reason_and_nothing_but_the_ledger_is_written() {
    let env = env().await;
    for (login, typed, reason) in [
        (
            "dormant",
            phone_of("dormant"),
            ErrorCode::RegAccountInactive,
        ),
        ("blocked", phone_of("blocked"), ErrorCode::RegCardBlocked),
        (
            "otherphone",
            "+7 916 123-45-67".to_string(),
            ErrorCode::RegPhoneMismatch,
        ),
        ("minor", phone_of("minor"), ErrorCode::RegUnderAge),
    ] {
        let st = env.register("sber", login, &typed).await;
        assert_eq!(
            st.state,
            bankid_api::types::RegistrationState::Rejected,
            "{login}"
        );
        assert_eq!(st.reason, Some(reason), "{login}");
        assert!(st.trace_id.is_some());
        assert_eq!(st.journal[0].code.as_str(), reason.as_str());
        assert!(st.display_name.is_none());
    }
    // Four transfers recorded in the ledger, no account, no link, no session.
    assert_eq!(env.written().await, [0, 0, 4, 0]);
}

#[tokio::test]
async fn ukrainian_names_round_trip() {
    let env = env().await;
    let st = env
        .register("privatbank", "kovalenko", "067 123 45 67")
        .await;
    assert_eq!(
        st.state,
        bankid_api::types::RegistrationState::PendingConfirmation
    );
    assert_eq!(st.display_name.as_deref(), Some("Мар'яна К."));
    let st = Env {
        browser: browser(),
        ..env
    }
    .register("monobank", "petrenko", &phone_of("petrenko"))
    .await;
    assert_eq!(
        st.state,
        bankid_api::types::RegistrationState::PendingConfirmation
    );
}

#[tokio::test]
async fn unknown_and_replayed_state_write_nothing() {
    let env = env().await;
    let started = env.start("sber", "+79161234567").await;
    let cb = env
        .bank_login(&started.authorize_url, "ivanov", "allow")
        .await;

    let forged = with_param(&cb, "state", "forged-state-value");
    let before = env.written().await;
    let (loc, _) = env.callback(&forged).await;
    assert!(
        loc.starts_with("/return?error=AUTH_STATE_INVALID&trace_id="),
        "{loc}"
    );
    assert_eq!(env.written().await, before);
    let (loc, _) = env
        .callback(&format!("{}/auth/callback?code=x", env.portal))
        .await;
    assert!(loc.starts_with("/return?error=AUTH_STATE_INVALID"), "{loc}");

    let (loc, _) = env.callback(&cb).await;
    assert!(loc.starts_with("/registration/"));
    let after_first = env.written().await;
    assert_eq!(after_first, [1, 1, 1, 1]);
    let (loc, _) = env.callback(&cb).await;
    assert!(
        loc.starts_with("/return?error=AUTH_STATE_INVALID"),
        "replay: {loc}"
    );
    assert_eq!(env.written().await, after_first);
}

#[tokio::test]
async fn callback_in_another_browser_is_refused_and_changes_nothing() {
    let env = env().await;
    let started = env.start("sber", "+79161234567").await;
    let cb = env
        .bank_login(&started.authorize_url, "ivanov", "allow")
        .await;
    let other = browser();
    let resp = other.get(&cb).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let loc = resp.headers()[LOCATION].to_str().unwrap();
    assert!(loc.starts_with("/return?error=AUTH_FLOW_MISMATCH"), "{loc}");
    assert_eq!(env.written().await, [0, 0, 0, 0]);
    // The rightful browser can still finish.
    let (loc, _) = env.callback(&cb).await;
    assert_eq!(loc, format!("/registration/{}", started.registration_id));
    assert_eq!(env.written().await, [1, 1, 1, 1]);
}

#[tokio::test]
async fn wrong_iss_parameter_is_refused() {
    let env = env().await;
    for iss in [
        format!("{}/vtb", env.sandbox),
        "https://evil.example".to_string(),
    ] {
        let started = env.start("sber", "+79161234567").await;
        let cb = env
            .bank_login(&started.authorize_url, "ivanov", "allow")
            .await;
        let (loc, _) = env.callback(&with_param(&cb, "iss", &iss)).await;
        assert_eq!(loc, format!("/registration/{}", started.registration_id));
        let st = env.status(&started.registration_id).await;
        assert_eq!(st.state, bankid_api::types::RegistrationState::Failed);
        assert_eq!(st.reason, Some(ErrorCode::AuthIssMismatch));
    }
    // Missing iss from a bank that announces RFC 9207 support is refused too.
    let started = env.start("sber", "+79161234567").await;
    let cb = env
        .bank_login(&started.authorize_url, "ivanov", "allow")
        .await;
    let mut u = url::Url::parse(&cb).unwrap();
    let pairs: Vec<(String, String)> = u
        .query_pairs()
        .into_owned()
        .filter(|(k, _)| k != "iss")
        .collect();
    u.query_pairs_mut().clear().extend_pairs(pairs);
    env.callback(u.as_str()).await;
    assert_eq!(
        env.status(&started.registration_id).await.reason,
        Some(ErrorCode::AuthIssMismatch)
    );
    assert_eq!(env.written().await, [0, 0, 0, 0]);
}

#[tokio::test]
async fn bad_id_tokens_are_refused_and_write_nothing() {
    let env = env().await;
    for fault in [
        "bad_signature",
        "wrong_audience",
        "expired",
        "wrong_nonce",
        "wrong_issuer",
        "future_iat",
        "missing_nonce",
    ] {
        let started = env.start("sber", "+79161234567").await;
        let cb = env
            .bank_login(&started.authorize_url, "ivanov", "allow")
            .await;
        env.fault("sber", json!({"next_id_token": fault})).await;
        env.callback(&cb).await;
        let st = env.status(&started.registration_id).await;
        assert_eq!(
            st.state,
            bankid_api::types::RegistrationState::Failed,
            "{fault}"
        );
        assert_eq!(st.reason, Some(ErrorCode::AuthIdTokenInvalid), "{fault}");
        let upstream = st.journal[0].upstream.clone().unwrap_or_default();
        assert!(upstream.starts_with("id_token:"), "{fault}: {upstream}");
        assert_eq!(env.written().await, [0, 0, 0, 0], "{fault}");
    }
}

#[tokio::test]
async fn bank_failures_are_clear_and_retryable_where_they_should_be() {
    let env = env().await;
    // Bank down before anything is written: 502 BANK_UNREACHABLE, no registration.
    let resp = env
        .browser
        .post(format!("{}/api/v1/registrations", env.portal))
        .json(&json!({"bank_id": "downbank", "phone": "+79161234567", "consent": {"accepted": true, "version": CONSENT_VERSION}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_GATEWAY);
    let body: ErrorBody = resp.json().await.unwrap();
    assert_eq!(body.code, ErrorCode::BankUnreachable);
    assert!(body.code.retryable());
    assert!(!body.trace_id.is_empty());
    assert_eq!(env.count("registrations").await, 0);

    // Token endpoint failing during the callback.
    let started = env.start("sber", "+79161234567").await;
    let cb = env
        .bank_login(&started.authorize_url, "ivanov", "allow")
        .await;
    env.fault("sber", json!({"next_token_response": "http_500"}))
        .await;
    env.callback(&cb).await;
    let st = env.status(&started.registration_id).await;
    assert_eq!(st.reason, Some(ErrorCode::BankUnreachable));
    // The bank's own failure is kept verbatim for support.
    assert_eq!(
        st.journal[0].upstream.as_deref(),
        Some("unreachable:token endpoint answered 500")
    );

    // The citizen cancels at the bank.
    let started = env.start("sber", "+79161234567").await;
    let cb = env
        .bank_login(&started.authorize_url, "ivanov", "deny")
        .await;
    assert_eq!(query_of(&cb)["error"], "access_denied");
    env.callback(&cb).await;
    let st = env.status(&started.registration_id).await;
    assert_eq!(st.state, bankid_api::types::RegistrationState::Failed);
    assert_eq!(st.reason, Some(ErrorCode::BankLoginCancelled));
    assert_eq!(st.journal[0].upstream.as_deref(), Some("access_denied"));

    // Unavailable bank.
    let resp = env
        .browser
        .post(format!("{}/api/v1/registrations", env.portal))
        .json(&json!({"bank_id": "otkritie", "phone": "+79161234567", "consent": {"accepted": true, "version": CONSENT_VERSION}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert_eq!(
        resp.json::<ErrorBody>().await.unwrap().code,
        ErrorCode::BankUnavailable
    );
    assert_eq!(env.written().await, [0, 0, 0, 0]);
}

#[tokio::test]
async fn bad_input_gets_coded_errors_and_changes_nothing() {
    let env = env().await;
    let good = json!({"bank_id": "sber", "phone": "+79161234567", "consent": {"accepted": true, "version": CONSENT_VERSION}});
    let field =
        |body: &ErrorBody, name: &str| body.fields.as_ref().and_then(|f| f.get(name)).copied();
    let json_ct = "application/json";

    let (s, b) = env
        .post_raw(json_ct, b"{\"bank_id\": \"sber\",".to_vec())
        .await;
    assert_eq!(
        (s, b.code),
        (StatusCode::BAD_REQUEST, ErrorCode::ReqMalformedJson)
    );
    let (s, b) = env.post_raw(json_ct, br#"{"bank_id": 7, "phone": "+79161234567", "consent": {"accepted": true, "version": "2026-11-01"}}"#.to_vec()).await;
    assert_eq!(
        (s, b.code, field(&b, "bank_id")),
        (
            StatusCode::BAD_REQUEST,
            ErrorCode::ReqInvalidFields,
            Some(ErrorCode::FieldWrongType)
        )
    );
    let (_, b) = env
        .post_raw(
            json_ct,
            br#"{"bank_id": "sber", "consent": {"accepted": true, "version": "2026-11-01"}}"#
                .to_vec(),
        )
        .await;
    assert_eq!(field(&b, "phone"), Some(ErrorCode::FieldRequired));
    let (_, b) = env
        .post_raw(
            json_ct,
            br#"{"bank_id": "sber", "phone": "1", "consent": {"accepted": true}}"#.to_vec(),
        )
        .await;
    assert_eq!(field(&b, "consent.version"), Some(ErrorCode::FieldRequired));
    let (_, b) = env.post_raw(json_ct, br#"{"bank_id": "nobank", "phone": "12", "consent": {"accepted": false, "version": "2026-11-01"}}"#.to_vec()).await;
    assert_eq!(field(&b, "bank_id"), Some(ErrorCode::FieldBankUnknown));
    assert_eq!(field(&b, "phone"), Some(ErrorCode::FieldPhoneFormat));
    assert_eq!(
        field(&b, "consent.accepted"),
        Some(ErrorCode::FieldConsentRequired)
    );
    let (_, b) = env.post_raw(json_ct, br#"{"bank_id": "sber", "phone": "+79161234567", "consent": {"accepted": true, "version": "1999-01-01"}}"#.to_vec()).await;
    assert_eq!(
        field(&b, "consent.version"),
        Some(ErrorCode::FieldConsentVersion)
    );
    let (_, b) = env.post_raw(json_ct, br#"{"bank_id": "sber", "phone": "+79161234567", "consent": {"accepted": true, "version": "2026-11-01"}, "role": "admin"}"#.to_vec()).await;
    assert_eq!(field(&b, "role"), Some(ErrorCode::FieldUnknown));
    let (s, b) = env
        .post_raw(json_ct, b"{\"bank_id\": \"sb\xffer\"}".to_vec())
        .await;
    assert_eq!(
        (s, b.code),
        (StatusCode::BAD_REQUEST, ErrorCode::ReqInvalidEncoding)
    );
    let (s, b) = env
        .post_raw(
            "application/json; charset=windows-1251",
            good.to_string().into_bytes(),
        )
        .await;
    assert_eq!(
        (s, b.code),
        (StatusCode::BAD_REQUEST, ErrorCode::ReqInvalidEncoding)
    );
    let (s, b) = env
        .post_raw("text/plain", good.to_string().into_bytes())
        .await;
    assert_eq!(
        (s, b.code),
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::ReqUnsupportedMediaType
        )
    );
    let mut big = good.clone();
    big["phone"] = json!("9".repeat(70 * 1024));
    let (s, b) = env.post_raw(json_ct, big.to_string().into_bytes()).await;
    assert_eq!(
        (s, b.code),
        (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::ReqBodyTooLarge)
    );
    assert!(!b.trace_id.is_empty());
    // Messages follow Accept-Language.
    let resp = env
        .browser
        .post(format!("{}/api/v1/registrations", env.portal))
        .header("accept-language", "uk-UA,uk;q=0.9")
        .header(CONTENT_TYPE, json_ct)
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.json::<ErrorBody>().await.unwrap().message,
        ErrorCode::ReqMalformedJson.message(bankid_api::Lang::Uk)
    );
    assert_eq!(env.count("registrations").await, 0);
    assert_eq!(env.count("auth_flows").await, 0);

    // Phone numbers in any spacing are accepted and normalized.
    for phone in [
        "+7 (916) 123-45-67",
        "8 916 123 45 67",
        "89161234567",
        "+7-916-123-45-67",
    ] {
        let started = env.start("sber", phone).await;
        let _ = started;
    }
    let phones: Vec<String> = env.column("SELECT DISTINCT phone FROM registrations").await;
    assert_eq!(phones, ["+79161234567"]);
}

#[tokio::test]
async fn status_is_private_to_its_browser_or_account() {
    let env = env().await;
    let st = env.register("sber", "dormant", &phone_of("dormant")).await;
    let stranger = browser();
    let resp = stranger
        .get(format!(
            "{}/api/v1/registrations/{}",
            env.portal, st.registration_id
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        resp.json::<ErrorBody>().await.unwrap().code,
        ErrorCode::AuthSessionRequired
    );
    // A stranger with a browser cookie of their own sees nothing either.
    let other = Env {
        browser: browser(),
        ..env
    };
    other.start("sber", "+79161234567").await;
    let resp = other
        .browser
        .get(format!(
            "{}/api/v1/registrations/{}",
            other.portal, st.registration_id
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let resp = other
        .browser
        .get(format!(
            "{}/api/v1/registrations/..%2F..%2Fetc",
            other.portal
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn headers_openapi_and_unknown_routes() {
    let env = env().await;
    let resp = env
        .browser
        .get(format!("{}/api/v1/openapi.json", env.portal))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let csp = resp.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("frame-ancestors 'none'")
            && csp.contains("'wasm-unsafe-eval'")
            && !csp.contains("unsafe-inline")
    );
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
    assert!(resp.headers().contains_key("x-trace-id"));
    // What the document says is checked in `openapi.rs`.
    let doc: Value = resp.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let resp = env
        .browser
        .get(format!("{}/api/v1/nothing", env.portal))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        resp.json::<ErrorBody>().await.unwrap().code,
        ErrorCode::ReqNotFound
    );
    let resp = env
        .browser
        .delete(format!("{}/api/v1/banks", env.portal))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        resp.json::<ErrorBody>().await.unwrap().code,
        ErrorCode::ReqMethodNotAllowed
    );
}

#[tokio::test]
async fn serves_the_spa_with_csp_hashes_and_cache_policy() {
    let dist = std::env::temp_dir().join(format!("bankid-portal-dist-{}", std::process::id()));
    std::fs::create_dir_all(dist.join("logos")).unwrap();
    let loader =
        "import init from '/app-0123456789abcdef.js';init('/app-0123456789abcdef_bg.wasm');";
    std::fs::write(
        dist.join("index.html"),
        format!("<!DOCTYPE html><html><head><script type=\"module\">{loader}</script></head><body></body></html>"),
    )
    .unwrap();
    std::fs::write(
        dist.join("app-0123456789abcdef.js"),
        "export default function init() {}".repeat(100),
    )
    .unwrap();
    std::fs::write(
        dist.join("logos/sber.svg"),
        "<svg xmlns='http://www.w3.org/2000/svg'/>",
    )
    .unwrap();
    let env = env_with_dist(dist.to_str().unwrap()).await;

    let resp = env
        .browser
        .get(format!("{}/", env.portal))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let csp = resp.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    use base64::Engine as _;
    use sha2::Digest as _;
    let hash =
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(loader.as_bytes()));
    assert!(csp.contains(&format!("'sha256-{hash}'")), "{csp}");
    assert!(!csp.contains("unsafe-inline"));
    // A page carries who is signed in: never stored by any cache.
    assert_eq!(resp.headers()["cache-control"], "no-store");
    assert_eq!(resp.headers()["vary"], "Cookie");
    assert_eq!(resp.headers()["x-frame-options"], "DENY");
    // The page brings the bank list, so it sets the browser-binding cookie as the list does.
    assert!(resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .any(|c| c.to_str().unwrap().starts_with("bp_browser=")));

    // A rebuilt app (new loader script) is allowed without a restart, within a second (the
    // server looks at the built pages at most once a second).
    let loader2 = "import init from '/app-fedcba9876543210.js';init();";
    std::thread::sleep(std::time::Duration::from_millis(1100));
    std::fs::write(
        dist.join("index.html"),
        format!(
            "<!DOCTYPE html><html><head><script type=\"module\">{loader2}</script></head></html>"
        ),
    )
    .unwrap();
    let resp = env
        .browser
        .get(format!("{}/", env.portal))
        .send()
        .await
        .unwrap();
    let hash2 =
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(loader2.as_bytes()));
    let csp2 = resp.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp2.contains(&hash2) && !csp2.contains(&hash), "{csp2}");
    std::fs::write(
        dist.join("index.html"),
        format!("<!DOCTYPE html><html><head><script type=\"module\">{loader}</script></head><body></body></html>"),
    )
    .unwrap();

    // Each page path gets the HTML of its bundle, and the CSP allows every bundle's loader.
    let account = "import init from '/account-0123456789abcdef.js';init();";
    let manage = "import init from '/manage-0123456789abcdef.js';init();";
    let security = "import init from '/security-0123456789abcdef.js';init();";
    for (file, script) in [
        ("account.html", account),
        ("manage.html", manage),
        ("security.html", security),
    ] {
        std::fs::write(
            dist.join(file),
            format!("<!DOCTYPE html><html><head><script type=\"module\">{script}</script></head></html>"),
        )
        .unwrap();
    }
    std::thread::sleep(std::time::Duration::from_millis(1100));
    for (path, script) in [
        ("/register/sber/consent", loader),
        ("/no-such-page", loader),
        ("/registration/abc", account),
        ("/signin", account),
        ("/account/activate", account),
        ("/account/security", security),
        ("/account/banks?error=LINK_CANCELLED", manage),
        ("/account/consents", manage),
    ] {
        let resp = env
            .browser
            .get(format!("{}{path}", env.portal))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        assert_eq!(resp.headers()["cache-control"], "no-store", "{path}");
        let csp = resp.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        for s in [loader, account, manage, security] {
            let h = base64::engine::general_purpose::STANDARD
                .encode(sha2::Sha256::digest(s.as_bytes()));
            assert!(csp.contains(&h), "{path}: {csp}");
        }
        assert!(resp.text().await.unwrap().contains(script), "{path}");
    }

    // Hashed assets are immutable and compressed on request.
    let resp = get_with(
        &env,
        "/app-0123456789abcdef.js",
        &[("accept-encoding", "br")],
    )
    .await;
    assert_eq!(
        resp.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(resp.headers()["content-encoding"], "br");
    let resp = env
        .browser
        .get(format!("{}/logos/sber.svg", env.portal))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "image/svg+xml");
    // The API never falls back to the app.
    let resp = env
        .browser
        .get(format!("{}/api/v1/registrations", env.portal))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    let _ = std::fs::remove_dir_all(&dist);
}

/// The boot data of a page: the JSON of its `<script id="bp-boot" type="application/json">`.
fn boot_of(html: &str) -> bankid_api::types::Boot {
    let open = "<script id=\"bp-boot\" type=\"application/json\">";
    let start = html.find(open).expect("boot data") + open.len();
    let end = start + html[start..].find("</script>").expect("its end");
    serde_json::from_str(&html[start..end]).expect("boot JSON")
}

/// `GET path` from the environment's browser with extra `headers`.
async fn get_with(env: &Env, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut req = env.browser.get(format!("{}{path}", env.portal));
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    req.send().await.expect("request")
}

#[tokio::test]
async fn pages_carry_the_session_banks_and_brand_and_assets_are_hashed_and_precompressed() {
    use reqwest::Method;
    let dist = std::env::temp_dir().join(format!("bankid-portal-boot-{}", std::process::id()));
    std::fs::create_dir_all(dist.join("logos")).unwrap();
    std::fs::create_dir_all(dist.join("brand")).unwrap();
    for page in ["index.html", "account.html", "manage.html"] {
        std::fs::write(
            dist.join(page),
            "<!doctype html><html lang=ru><title>t</title></head><body></body></html>",
        )
        .unwrap();
    }
    let svg = "<svg xmlns='http://www.w3.org/2000/svg'/>";
    for f in [
        "logos/sber.svg",
        "logos/sber-0123456789abcdef.svg",
        "brand/ru.svg",
        "brand/ru-fedcba9876543210.svg",
    ] {
        std::fs::write(dist.join(f), svg).unwrap();
    }
    std::fs::write(
        dist.join("assets.json"),
        r#"{"/logos/sber.svg": "/logos/sber-0123456789abcdef.svg",
            "/brand/ru.svg": "/brand/ru-fedcba9876543210.svg"}"#,
    )
    .unwrap();
    // What the build compressed is sent as it is (these bytes are no real brotli stream: the
    // server must not touch them).
    std::fs::write(dist.join("app-0123456789abcdef.js"), "x".repeat(5000)).unwrap();
    std::fs::write(dist.join("app-0123456789abcdef.js.br"), b"precompressed!").unwrap();
    let env = env_with_dist(dist.to_str().unwrap()).await;

    // Signed out: nobody in the boot data, the banks with their hashed logos, the brand.
    let html = env.api(Method::GET, "/", None).await.text().await.unwrap();
    assert!(
        html.starts_with("<!doctype html><html lang=\"ru\" data-theme=\"ru\">"),
        "{html}"
    );
    assert_eq!(boot_of(&html).lang, bankid_api::Lang::Ru);
    // The page is in the language the citizen chose (cookie), else their browser's.
    let en = get_with(&env, "/", &[("accept-language", "en-GB,en;q=0.9")])
        .await
        .text()
        .await
        .unwrap();
    assert!(en.starts_with("<!doctype html><html lang=\"en\""), "{en}");
    assert_eq!(boot_of(&en).lang, bankid_api::Lang::En);
    let uk = get_with(
        &env,
        "/",
        &[
            ("accept-language", "en-GB,en;q=0.9"),
            ("cookie", "bp_lang=uk"),
        ],
    )
    .await
    .text()
    .await
    .unwrap();
    assert_eq!(boot_of(&uk).lang, bankid_api::Lang::Uk);
    let boot = boot_of(&html);
    assert_eq!(boot.session, None);
    let sber = boot.banks.iter().find(|b| b.id == "sber").unwrap();
    assert_eq!(sber.logo, "/logos/sber-0123456789abcdef.svg");
    assert_eq!(boot.brand.mark, "/brand/ru-fedcba9876543210.svg");
    assert_eq!(boot.brand.short_name.ru, "Госуслуги");
    let banks: Vec<bankid_api::types::BankInfo> =
        json_of(env.api(Method::GET, "/api/v1/banks", None).await).await;
    assert_eq!(banks, boot.banks, "the page's list is the API's");
    // Nobody signed in is an answer, not a failure.
    let resp = env.api(Method::GET, "/api/v1/session", None).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);

    // Hashed logos are cached for good; the configured path still answers.
    for (path, policy) in [
        (
            "/logos/sber-0123456789abcdef.svg",
            "public, max-age=31536000, immutable",
        ),
        (
            "/brand/ru-fedcba9876543210.svg",
            "public, max-age=31536000, immutable",
        ),
        ("/logos/sber.svg", "public, max-age=3600"),
    ] {
        let resp = env.api(Method::GET, path, None).await;
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        assert_eq!(resp.headers()["cache-control"], policy, "{path}");
    }
    let resp = get_with(
        &env,
        "/app-0123456789abcdef.js",
        &[("accept-encoding", "br")],
    )
    .await;
    assert_eq!(resp.headers()["content-encoding"], "br");
    assert_eq!(resp.headers()["content-length"], "14");

    // Signed in: the page names who, as GET /api/v1/session does.
    env.register("sber", "ivanov", "+79161234567").await;
    let info: bankid_api::types::SessionInfo =
        json_of(env.api(Method::GET, "/api/v1/session", None).await).await;
    for path in ["/", "/registration/x", "/account/banks"] {
        let html = env.api(Method::GET, path, None).await.text().await.unwrap();
        let boot = boot_of(&html);
        let seen = boot.session.expect("signed in");
        assert_eq!(
            (&seen.display_name, &seen.registration_id, seen.totp_enabled),
            (&info.display_name, &info.registration_id, info.totp_enabled),
            "{path}"
        );
        // No national id, token or full phone number is in the page.
        assert!(
            !html.contains("+79161234567") && !html.contains("79161234567"),
            "{path}"
        );
    }
    // The status page brings its registration, to the browser that may read it and no other.
    let id = info.registration_id.clone().expect("registration");
    let html = env
        .api(Method::GET, &format!("/registration/{id}"), None)
        .await
        .text()
        .await
        .unwrap();
    let status = boot_of(&html)
        .registration
        .expect("the page's registration");
    assert_eq!(status.registration_id, id);
    assert!(
        html.contains("<div id=\"bp-shell\">"),
        "the first view is written"
    );
    let stranger = reqwest::Client::new()
        .get(format!("{}/registration/{id}", env.portal))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(boot_of(&stranger).registration, None);
    // After signing out the page names nobody again.
    env.api(Method::DELETE, "/api/v1/session", None).await;
    let html = env.api(Method::GET, "/", None).await.text().await.unwrap();
    assert_eq!(boot_of(&html).session, None);
    let _ = std::fs::remove_dir_all(&dist);
}

#[tokio::test]
async fn idempotency_key_makes_retries_safe() {
    let env = env().await;
    // The first call of the app (the bank list) binds the browser.
    let resp = env
        .browser
        .get(format!("{}/api/v1/banks", env.portal))
        .send()
        .await
        .unwrap();
    assert!(resp
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .any(|c| c.to_str().unwrap().starts_with("bp_browser=")));
    let body = json!({"bank_id": "sber", "phone": "+79161234567", "consent": {"accepted": true, "version": CONSENT_VERSION}});
    let post = |key: &str, body: &Value| {
        env.browser
            .post(format!("{}/api/v1/registrations", env.portal))
            .header("idempotency-key", key)
            .json(body)
            .send()
    };
    let first = post("key-0001-abcdef", &body).await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: RegistrationStarted = first.json().await.unwrap();
    let again = post("key-0001-abcdef", &body).await.unwrap();
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: RegistrationStarted = again.json().await.unwrap();
    assert_eq!(again, first);
    assert_eq!(env.count("registrations").await, 1);

    // Same key, different request.
    let mut other = body.clone();
    other["phone"] = json!("+79161230001");
    let resp = post("key-0001-abcdef", &other).await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        resp.json::<ErrorBody>().await.unwrap().code,
        ErrorCode::ReqIdempotencyKeyReused
    );

    // A failed attempt is not remembered: the retry runs again.
    let mut down = body.clone();
    down["bank_id"] = json!("downbank");
    for _ in 0..2 {
        let resp = post("key-0002-abcdef", &down).await.unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_GATEWAY);
        assert!(resp.headers().get("idempotent-replayed").is_none());
    }

    // A malformed key is refused with a coded field error.
    let resp = post("short", &body).await.unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let err: ErrorBody = resp.json().await.unwrap();
    assert_eq!(
        err.fields.unwrap().get("Idempotency-Key"),
        Some(&ErrorCode::FieldWrongType)
    );

    // 20 parallel submissions with one key create exactly one registration.
    let before = env.count("registrations").await;
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let client = env.browser.clone();
        let url = format!("{}/api/v1/registrations", env.portal);
        let body = body.clone();
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .header("idempotency-key", "key-0003-parallel")
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    for t in tasks {
        let status = t.await.unwrap();
        assert!(
            status == StatusCode::CREATED || status == StatusCode::CONFLICT,
            "{status}"
        );
    }
    assert_eq!(env.count("registrations").await, before + 1);
    env.assert_no_full_scans();
}

impl Env {
    async fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut req = self
            .browser
            .request(method, format!("{}{path}", self.portal));
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.expect("request")
    }

    /// The newest dev-inbox message to `destination`, waiting for the delivery worker.
    async fn inbox_code(&self, destination: &str) -> String {
        for _ in 0..50 {
            let msgs: Vec<bankid_api::types::DevMessage> = self
                .api(reqwest::Method::GET, "/api/v1/dev/inbox", None)
                .await
                .json()
                .await
                .unwrap();
            if let Some(m) = msgs.iter().find(|m| m.destination == destination) {
                let digits: String = m
                    .body
                    .chars()
                    .filter(char::is_ascii_digit)
                    .take(6)
                    .collect();
                return digits;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let rows: Vec<(i64, Option<String>, Option<i64>)> = self
            .db()
            .await
            .read(|tx| {
                tx.all(
                    "SELECT attempts, last_error, sent_at FROM outbox",
                    bankid_server::args![],
                )
            })
            .await
            .unwrap();
        panic!("no message to {destination}; outbox: {rows:?}");
    }
}

async fn code_of(resp: reqwest::Response) -> (StatusCode, ErrorCode, Option<u32>) {
    let status = resp.status();
    let body: ErrorBody = resp.json().await.unwrap();
    (status, body.code, body.retry_after)
}

#[tokio::test]
async fn activation_with_a_code_from_the_outbox() {
    use reqwest::Method;
    let env = env().await;
    // Without a session nothing happens.
    let (s, c, _) = code_of(
        env.api(
            Method::POST,
            "/api/v1/account/activation",
            Some(json!({"channel": "phone"})),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, c),
        (StatusCode::UNAUTHORIZED, ErrorCode::AuthSessionRequired)
    );

    env.register("sber", "ivanov", "+79161234567").await;
    let info: bankid_api::types::SessionInfo = env
        .api(Method::GET, "/api/v1/session", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(info.account_state, "pending_confirmation");
    assert_eq!(info.phone_masked, "+7 ••• •••-45-67");

    let resp = env
        .api(
            Method::POST,
            "/api/v1/account/activation",
            Some(json!({"channel": "phone"})),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let sent: bankid_api::types::ActivationCodeSent = resp.json().await.unwrap();
    assert_eq!(sent.destination, "+7 ••• •••-45-67");
    let code = env.inbox_code("+79161234567").await;
    assert_eq!(code.len(), 6);
    // The code is not kept in clear once delivered, and never was in the challenge.
    // The outbox erases the text right after the delivery that put it in the inbox.
    let mut bodies: Vec<Option<String>> = Vec::new();
    for _ in 0..50 {
        bodies = env.column("SELECT body FROM outbox").await;
        if bodies == [None] {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(bodies, [None]);
    let hashes: Vec<String> = env.column("SELECT code_hash FROM challenges").await;
    assert!(!hashes[0].contains(&code));

    // Resending within a minute is throttled and says when to try again.
    let (s, c, after) = code_of(
        env.api(
            Method::POST,
            "/api/v1/account/activation",
            Some(json!({"channel": "phone"})),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, c),
        (StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited)
    );
    assert!(after.unwrap() <= 60);
    // Bad input is refused with codes.
    let (s, c, _) = code_of(
        env.api(
            Method::POST,
            "/api/v1/account/activation",
            Some(json!({"channel": "pigeon"})),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, c),
        (StatusCode::BAD_REQUEST, ErrorCode::ReqInvalidFields)
    );
    let resp = env
        .api(
            Method::POST,
            "/api/v1/account/activation/confirm",
            Some(json!({"code": "12a456"})),
        )
        .await;
    assert_eq!(
        resp.json::<ErrorBody>().await.unwrap().fields.unwrap()["code"],
        ErrorCode::FieldCodeFormat
    );

    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (s, c, _) = code_of(
        env.api(
            Method::POST,
            "/api/v1/account/activation/confirm",
            Some(json!({"code": wrong})),
        )
        .await,
    )
    .await;
    assert_eq!((s, c), (StatusCode::BAD_REQUEST, ErrorCode::ActCodeWrong));

    // 50 parallel submissions of the right code: exactly one activates.
    let old_cookie = env
        .browser
        .get(format!("{}/api/v1/session", env.portal))
        .send()
        .await
        .unwrap();
    assert_eq!(old_cookie.status(), StatusCode::OK);
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let client = env.browser.clone();
        let url = format!("{}/api/v1/account/activation/confirm", env.portal);
        let code = code.clone();
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .json(&json!({"code": code}))
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    let mut ok = 0;
    for t in tasks {
        let status = t.await.unwrap();
        if status == StatusCode::NO_CONTENT {
            ok += 1;
        } else {
            // The others are told the account is already active, or, when they arrive after the
            // winner rotated the session id (a privilege change), that the old id is gone.
            assert!(
                status == StatusCode::CONFLICT || status == StatusCode::UNAUTHORIZED,
                "{status}"
            );
        }
    }
    assert_eq!(ok, 1);
    let info: bankid_api::types::SessionInfo = env
        .api(Method::GET, "/api/v1/session", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(info.account_state, "active");
    let journal: Vec<String> = env.column("SELECT code FROM journal ORDER BY id").await;
    assert_eq!(
        journal.iter().filter(|c| *c == "ACCOUNT_ACTIVATED").count(),
        1
    );
    assert!(
        journal.contains(&"ACT_CODE_WRONG".to_string())
            && journal.contains(&"ACTIVATION_CODE_SENT".to_string())
    );
    env.assert_no_full_scans();
}

#[tokio::test]
async fn wrong_codes_slow_down_then_lock_and_codes_expire() {
    use reqwest::Method;
    let env = env().await;
    env.register("sber", "ivanov", "+79161234567").await;
    env.api(
        Method::POST,
        "/api/v1/account/activation",
        Some(json!({"channel": "phone"})),
    )
    .await;
    let code = env.inbox_code("+79161234567").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let confirm = |c: &'static str| {
        env.api(
            Method::POST,
            "/api/v1/account/activation/confirm",
            Some(json!({"code": c})),
        )
    };
    for i in 1..=5 {
        let (s, c, _) = code_of(confirm(wrong).await).await;
        if i < 5 {
            assert_eq!(
                (s, c),
                (StatusCode::BAD_REQUEST, ErrorCode::ActCodeWrong),
                "try {i}"
            );
        } else {
            assert_eq!(c, ErrorCode::ActCodeLocked, "the fifth wrong try locks");
        }
        if i >= 3 {
            // From the third failure on, the next try must wait, and is told how long.
            let (s, c, after) = code_of(confirm(wrong).await).await;
            assert_eq!(
                (s, c),
                (StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited),
                "try {i}"
            );
            let after = after.unwrap();
            assert!((1..=900).contains(&after), "{after}");
            env.advance(i64::from(after));
        }
    }
    // Locked: even the right code no longer works; a new code is needed.
    let right: &'static str = Box::leak(code.clone().into_boxed_str());
    let (_, c, _) = code_of(confirm(right).await).await;
    assert_eq!(c, ErrorCode::ActCodeLocked);
    env.advance(61);
    env.api(
        Method::POST,
        "/api/v1/account/activation",
        Some(json!({"channel": "phone"})),
    )
    .await;
    // A code expires after 10 minutes (the session is kept alive meanwhile).
    for _ in 0..2 {
        env.advance(5 * 60 + 1);
        env.api(Method::GET, "/api/v1/session", None).await;
    }
    let fresh = env.inbox_code("+79161234567").await;
    let fresh: &'static str = Box::leak(fresh.into_boxed_str());
    env.advance(15 * 60);
    env.api(Method::GET, "/api/v1/session", None).await;
    let (_, c, _) = code_of(confirm(fresh).await).await;
    assert!(
        c == ErrorCode::ActCodeExpired || c == ErrorCode::AuthSessionRequired,
        "{c}"
    );
    env.assert_no_full_scans();
}

#[tokio::test]
async fn sessions_end_when_idle_and_on_sign_out() {
    use reqwest::Method;
    let env = env().await;
    env.register("sber", "ivanov", "+79161234567").await;
    assert_eq!(
        env.api(Method::GET, "/api/v1/session", None).await.status(),
        StatusCode::OK
    );
    env.advance(29 * 60);
    assert_eq!(
        env.api(Method::GET, "/api/v1/session", None).await.status(),
        StatusCode::OK,
        "29 min idle is fine"
    );
    env.advance(31 * 60);
    assert_eq!(
        env.api(Method::GET, "/api/v1/session", None).await.status(),
        StatusCode::NO_CONTENT,
        "31 min idle ends it: nobody is signed in"
    );
    assert_eq!(env.count("sessions").await, 0);

    // Absolute lifetime: 12 h even when active.
    let env2 = self::env().await;
    env2.register("vtb", "ivanov", "+79161234567").await;
    for _ in 0..24 {
        env2.advance(29 * 60);
        assert_eq!(
            env2.api(Method::GET, "/api/v1/session", None)
                .await
                .status(),
            StatusCode::OK
        );
    }
    env2.advance(29 * 60);
    assert_eq!(
        env2.api(Method::GET, "/api/v1/session", None)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );

    // Sign-out kills it on the server.
    let env3 = self::env().await;
    env3.register("sber", "ivanov", "+79161234567").await;
    let resp = env3.api(Method::DELETE, "/api/v1/session", None).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert!(resp.headers()[SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    assert_eq!(env3.count("sessions").await, 0);
}

async fn json_of<T: serde::de::DeserializeOwned>(resp: reqwest::Response) -> T {
    assert!(
        resp.status().is_success(),
        "{}: {:?}",
        resp.status(),
        resp.text().await
    );
    resp.json().await.unwrap()
}

fn totp_now(env: &Env, secret: &[u8]) -> String {
    use bankid_server::Clock as _;
    let now = env.clock.now().unix_timestamp();
    bankid_server::totp::code_at(secret, bankid_server::totp::step_of(now))
}

#[tokio::test]
async fn two_factor_enrolment_sign_in_and_replay() {
    use bankid_api::types::{BackupCodes, SignInStarted, TotpEnrolment};
    use reqwest::Method;
    let env = env().await;
    env.register("sber", "ivanov", "+79161234567").await;
    // A second session of the same account (another device, through another bank).
    let other = Env {
        browser: browser(),
        ..env
    };
    other.register("vtb", "ivanov", "+79161234567").await;
    let env = Env {
        browser: browser(),
        ..other.clone_handles()
    };
    env.register("sber", "ivanov", "+79161234567").await;

    let enrol: TotpEnrolment =
        json_of(env.api(Method::POST, "/api/v1/account/totp", None).await).await;
    assert!(
        enrol.otpauth_uri.starts_with("otpauth://totp/")
            && enrol.otpauth_uri.contains(&enrol.secret)
    );
    let secret = bankid_server::totp::base32_decode(&enrol.secret).unwrap();
    assert_eq!(secret.len(), 20);
    let code = totp_now(&env, &secret);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (s, c, _) = code_of(
        env.api(
            Method::POST,
            "/api/v1/account/totp/confirm",
            Some(json!({"code": wrong})),
        )
        .await,
    )
    .await;
    assert_eq!((s, c), (StatusCode::BAD_REQUEST, ErrorCode::MfaCodeWrong));
    let backup: BackupCodes = json_of(
        env.api(
            Method::POST,
            "/api/v1/account/totp/confirm",
            Some(json!({"code": code})),
        )
        .await,
    )
    .await;
    assert_eq!(backup.codes.len(), 10);
    let distinct: std::collections::HashSet<_> = backup.codes.iter().collect();
    assert_eq!(distinct.len(), 10);
    assert!(backup
        .codes
        .iter()
        .all(|c| c.len() == 11 && c.as_bytes()[5] == b'-'));
    let info: bankid_api::types::SessionInfo =
        json_of(env.api(Method::GET, "/api/v1/session", None).await).await;
    assert!(info.totp_enabled);
    // Other sessions of the account ended when 2FA changed.
    assert_eq!(
        other
            .api(Method::GET, "/api/v1/session", None)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    // Backup codes are stored hashed only.
    env.assert_not_in_database_files(&[&backup.codes[0].replace('-', "")], "backup codes");

    // The code that turned it on cannot be used again in its window.
    let (_, c, _) = code_of(
        env.api(
            Method::DELETE,
            "/api/v1/account/totp",
            Some(json!({"code": code})),
        )
        .await,
    )
    .await;
    assert_eq!(c, ErrorCode::MfaCodeReused);

    // Sign out, then sign in again through the bank: the session waits for the second factor.
    assert_eq!(
        env.api(Method::DELETE, "/api/v1/session", None)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let started: SignInStarted = json_of(
        env.api(
            Method::POST,
            "/api/v1/sessions",
            Some(json!({"bank_id": "sber"})),
        )
        .await,
    )
    .await;
    assert_eq!(query_of(&started.authorize_url)["scope"], "openid inn");
    let cb = env
        .bank_login(&started.authorize_url, "ivanov", "allow")
        .await;
    let (loc, _) = env.callback(&cb).await;
    assert_eq!(loc, "/signin/second-factor");
    let (s, c, _) = code_of(env.api(Method::GET, "/api/v1/session", None).await).await;
    assert_eq!(
        (s, c),
        (
            StatusCode::UNAUTHORIZED,
            ErrorCode::AuthSecondFactorRequired
        )
    );
    // Two parallel uses of one backup code: exactly one succeeds.
    let mut tasks = Vec::new();
    for _ in 0..2 {
        let client = env.browser.clone();
        let url = format!("{}/api/v1/session/second-factor", env.portal);
        let code = backup.codes[3].to_lowercase();
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .json(&json!({"code": code}))
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::NO_CONTENT)
            .count(),
        1,
        "{statuses:?}"
    );
    let info: bankid_api::types::SessionInfo =
        json_of(env.api(Method::GET, "/api/v1/session", None).await).await;
    assert_eq!(info.display_name, "Иван И.");

    // Turning it off: within 10 minutes of the bank sign-in no code is needed; later it is.
    env.advance(11 * 60);
    let (s, c, _) = code_of(
        env.api(
            Method::DELETE,
            "/api/v1/account/totp",
            Some(json!({"code": ""})),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, c),
        (StatusCode::FORBIDDEN, ErrorCode::MfaReauthRequired)
    );
    let fresh = totp_now(&env, &secret);
    let resp = env
        .api(
            Method::DELETE,
            "/api/v1/account/totp",
            Some(json!({"code": fresh})),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let info: bankid_api::types::SessionInfo =
        json_of(env.api(Method::GET, "/api/v1/session", None).await).await;
    assert!(!info.totp_enabled);
    env.assert_no_full_scans();
}

#[tokio::test]
async fn sign_in_needs_a_linked_bank_and_an_account() {
    use bankid_api::types::SignInStarted;
    use reqwest::Method;
    let env = env().await;
    env.register("sber", "ivanov", "+79161234567").await;
    let accounts = env.count("accounts").await;
    for (bank, login, expected) in [
        ("vtb", "ivanov", "AUTH_BANK_NOT_LINKED"),
        ("sber", "dormant", "AUTH_NO_ACCOUNT"),
    ] {
        let b = Env {
            browser: browser(),
            ..env.clone_handles()
        };
        let started: SignInStarted = json_of(
            b.api(
                Method::POST,
                "/api/v1/sessions",
                Some(json!({"bank_id": bank})),
            )
            .await,
        )
        .await;
        let cb = b.bank_login(&started.authorize_url, login, "allow").await;
        let (loc, _) = b.callback(&cb).await;
        assert!(
            loc.starts_with(&format!("/return?error={expected}")),
            "{loc}"
        );
        assert_eq!(
            b.api(Method::GET, "/api/v1/session", None).await.status(),
            StatusCode::NO_CONTENT
        );
    }
    // Signing in never creates an account.
    assert_eq!(env.count("accounts").await, accounts);
    // Without 2FA, a linked bank signs in straight to the status page.
    let b = Env {
        browser: browser(),
        ..env.clone_handles()
    };
    let started: SignInStarted = json_of(
        b.api(
            Method::POST,
            "/api/v1/sessions",
            Some(json!({"bank_id": "sber"})),
        )
        .await,
    )
    .await;
    let cb = b
        .bank_login(&started.authorize_url, "ivanov", "allow")
        .await;
    let (loc, _) = b.callback(&cb).await;
    assert!(loc.starts_with("/registration/"), "{loc}");
    assert_eq!(
        b.api(Method::GET, "/api/v1/session", None).await.status(),
        StatusCode::OK
    );
    let (s, c, _) = code_of(
        b.api(
            Method::POST,
            "/api/v1/sessions",
            Some(json!({"bank_id": "nobank"})),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, c),
        (StatusCode::BAD_REQUEST, ErrorCode::ReqInvalidFields)
    );
    env.assert_no_full_scans();
}

#[tokio::test]
async fn a_reauthentication_returns_to_the_page_that_asked_for_it() {
    use bankid_api::types::SignInStarted;
    use reqwest::Method;
    let env = env().await;
    env.register("sber", "ivanov", "+79161234567").await;
    let flows = env.count("auth_flows").await;
    for bad in [
        "//evil.example",
        "/registration/x",
        "https://evil.example/account/banks",
        "/account/banks?x=1",
    ] {
        let resp = env
            .api(
                Method::POST,
                "/api/v1/sessions",
                Some(json!({"bank_id": "sber", "return_to": bad})),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{bad}");
        let body: ErrorBody = resp.json().await.unwrap();
        assert_eq!(body.code, ErrorCode::ReqInvalidFields, "{bad}");
        assert_eq!(
            body.fields.as_ref().and_then(|f| f.get("return_to")),
            Some(&ErrorCode::FieldReturnPath),
            "{bad}"
        );
    }
    assert_eq!(env.count("auth_flows").await, flows, "nothing was started");
    let b = Env {
        browser: browser(),
        ..env.clone_handles()
    };
    let started: SignInStarted = json_of(
        b.api(
            Method::POST,
            "/api/v1/sessions",
            Some(json!({"bank_id": "sber", "return_to": "/account/banks"})),
        )
        .await,
    )
    .await;
    let cb = b
        .bank_login(&started.authorize_url, "ivanov", "allow")
        .await;
    let (loc, _) = b.callback(&cb).await;
    assert_eq!(loc, "/account/banks");
    assert_eq!(
        b.api(Method::GET, "/api/v1/session", None).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_reauthentication_keeps_its_page_through_the_second_factor() {
    use bankid_api::types::{BackupCodes, SignInStarted, TotpEnrolment};
    use reqwest::Method;
    let env = env().await;
    env.register("sber", "ivanov", "+79161234567").await;
    let enrol: TotpEnrolment =
        json_of(env.api(Method::POST, "/api/v1/account/totp", None).await).await;
    let secret = bankid_server::totp::base32_decode(&enrol.secret).unwrap();
    let backup: BackupCodes = json_of(
        env.api(
            Method::POST,
            "/api/v1/account/totp/confirm",
            Some(json!({"code": totp_now(&env, &secret)})),
        )
        .await,
    )
    .await;

    // Another device signs in again for the bank page: the second factor comes first, and the
    // page rides along for the SPA to go on to after the code.
    let b = Env {
        browser: browser(),
        ..env.clone_handles()
    };
    let started: SignInStarted = json_of(
        b.api(
            Method::POST,
            "/api/v1/sessions",
            Some(json!({"bank_id": "sber", "return_to": "/account/banks"})),
        )
        .await,
    )
    .await;
    let cb = b
        .bank_login(&started.authorize_url, "ivanov", "allow")
        .await;
    let (loc, _) = b.callback(&cb).await;
    assert_eq!(loc, "/signin/second-factor?return_to=/account/banks");
    let (s, c, _) = code_of(b.api(Method::GET, "/api/v1/session", None).await).await;
    assert_eq!(
        (s, c),
        (
            StatusCode::UNAUTHORIZED,
            ErrorCode::AuthSecondFactorRequired
        )
    );
    assert_eq!(
        b.api(
            Method::POST,
            "/api/v1/session/second-factor",
            Some(json!({"code": backup.codes[0]})),
        )
        .await
        .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        b.api(Method::GET, "/api/v1/session", None).await.status(),
        StatusCode::OK
    );
}

impl Env {
    /// Signs in through `bank` as `login` (allowing at the bank): where the portal sends the
    /// browser.
    async fn sign_in_at_bank(&self, bank: &str, login: &str) -> String {
        let started: bankid_api::types::SignInStarted = json_of(
            self.api(
                reqwest::Method::POST,
                "/api/v1/sessions",
                Some(json!({ "bank_id": bank })),
            )
            .await,
        )
        .await;
        let cb = self
            .bank_login(&started.authorize_url, login, "allow")
            .await;
        self.callback(&cb).await.0
    }

    fn clone_handles(&self) -> Env {
        Env {
            app: self.app.clone(),
            clock: self.clock.clone(),
            portal: self.portal.clone(),
            sandbox: self.sandbox.clone(),
            browser: self.browser.clone(),
            database_url: self.database_url.clone(),
            db: self.db.clone(),
        }
    }
}

#[tokio::test]
async fn a_rejected_registration_can_go_through_the_bank_again() {
    use reqwest::Method;
    let env = env().await;
    // Typed the wrong phone: rejected.
    let first = env.register("sber", "otherphone", "+79161234567").await;
    assert_eq!(first.reason, Some(ErrorCode::RegPhoneMismatch));
    let consent = json!({"accepted": true, "version": CONSENT_VERSION});
    let path = format!("/api/v1/registrations/{}/reverify", first.registration_id);
    // Bad input changes nothing.
    let (s, c, _) = code_of(
        env.api(
            Method::POST,
            &path,
            Some(json!({"consent": {"accepted": false, "version": CONSENT_VERSION}})),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, c),
        (StatusCode::BAD_REQUEST, ErrorCode::ReqInvalidFields)
    );
    let (s, _, _) = code_of(
        env.api(
            Method::POST,
            &path,
            Some(json!({"consent": consent, "phone": "12"})),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        env.status(&first.registration_id).await.state,
        bankid_api::types::RegistrationState::Rejected
    );
    // Another browser cannot.
    let stranger = Env {
        browser: browser(),
        ..env.clone_handles()
    };
    stranger.api(Method::GET, "/api/v1/banks", None).await;
    let (s, _, _) = code_of(
        stranger
            .api(Method::POST, &path, Some(json!({"consent": consent})))
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let again: RegistrationStarted = json_of(
        env.api(
            Method::POST,
            &path,
            Some(json!({"consent": consent, "phone": "+7 903 555-00-00"})),
        )
        .await,
    )
    .await;
    assert_eq!(again.registration_id, first.registration_id);
    let cb = env
        .bank_login(&again.authorize_url, "otherphone", "allow")
        .await;
    let (loc, _) = env.callback(&cb).await;
    assert_eq!(loc, format!("/registration/{}", first.registration_id));
    let st = env.status(&first.registration_id).await;
    assert_eq!(
        st.state,
        bankid_api::types::RegistrationState::PendingConfirmation
    );
    assert_eq!(st.request_number, first.request_number);
    let codes: Vec<&str> = st.journal.iter().map(|j| j.code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "ACCOUNT_CREATED",
            "REVERIFY_STARTED",
            "REG_PHONE_MISMATCH",
            "REGISTRATION_STARTED"
        ]
    );
    // Not again once accepted: the lifecycle refuses it.
    let (s, c, _) = code_of(
        env.api(Method::POST, &path, Some(json!({"consent": consent})))
            .await,
    )
    .await;
    assert_eq!((s, c), (StatusCode::CONFLICT, ErrorCode::RegNotRetryable));
    env.assert_no_full_scans();
}

#[tokio::test]
async fn linked_banks_are_listed_and_the_last_one_stays() {
    use bankid_api::types::{LinkedBank, SignInStarted};
    use reqwest::Method;
    let env = env().await;
    env.register("sber", "ivanov", "+79161234567").await;
    let env = Env {
        browser: browser(),
        ..env.clone_handles()
    };
    env.register("vtb", "ivanov", "+79161234567").await;
    let links: Vec<LinkedBank> =
        json_of(env.api(Method::GET, "/api/v1/account/banks", None).await).await;
    let ids: Vec<&str> = links.iter().map(|l| l.bank_id.as_str()).collect();
    assert_eq!(ids, ["sber", "vtb"]);

    // A session older than 10 minutes must sign in at the bank again first.
    env.advance(11 * 60);
    let (s, c, _) = code_of(
        env.api(Method::DELETE, "/api/v1/account/banks/sber", None)
            .await,
    )
    .await;
    assert_eq!(
        (s, c),
        (StatusCode::FORBIDDEN, ErrorCode::AuthReauthRequired)
    );
    let fresh = Env {
        browser: browser(),
        ..env.clone_handles()
    };
    let started: SignInStarted = json_of(
        fresh
            .api(
                Method::POST,
                "/api/v1/sessions",
                Some(json!({"bank_id": "vtb"})),
            )
            .await,
    )
    .await;
    // The sandbox's tokens carry real time; keep the portal's clock in step for the sign-in.
    env.advance(-11 * 60);
    let cb = fresh
        .bank_login(&started.authorize_url, "ivanov", "allow")
        .await;
    fresh.callback(&cb).await;

    let resp = fresh
        .api(Method::DELETE, "/api/v1/account/banks/sber", None)
        .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let links: Vec<LinkedBank> =
        json_of(fresh.api(Method::GET, "/api/v1/account/banks", None).await).await;
    assert_eq!(links.len(), 1);
    let (s, c, _) = code_of(
        fresh
            .api(Method::DELETE, "/api/v1/account/banks/vtb", None)
            .await,
    )
    .await;
    assert_eq!((s, c), (StatusCode::CONFLICT, ErrorCode::LinkLastBank));
    let (s, c, _) = code_of(
        fresh
            .api(Method::DELETE, "/api/v1/account/banks/sber", None)
            .await,
    )
    .await;
    assert_eq!((s, c), (StatusCode::NOT_FOUND, ErrorCode::LinkNotFound));
    assert_eq!(
        env.count("bank_links").await,
        2,
        "history is kept: the link is retired, not deleted"
    );

    // Signing in through the removed bank no longer reaches the account.
    let b = Env {
        browser: browser(),
        ..env.clone_handles()
    };
    let started: SignInStarted = json_of(
        b.api(
            Method::POST,
            "/api/v1/sessions",
            Some(json!({"bank_id": "sber"})),
        )
        .await,
    )
    .await;
    let cb = b
        .bank_login(&started.authorize_url, "ivanov", "allow")
        .await;
    let (loc, _) = b.callback(&cb).await;
    assert!(
        loc.starts_with("/return?error=AUTH_BANK_NOT_LINKED"),
        "{loc}"
    );
    env.assert_no_full_scans();
}

#[tokio::test]
async fn changing_banks_is_one_operation_for_the_same_person() {
    use bankid_api::types::{LinkedBank, SignInStarted};
    use reqwest::Method;
    let env = env().await;
    env.register("sber", "ivanov", "+79161234567").await;
    let consent = json!({"accepted": true, "version": CONSENT_VERSION});
    let links = |e: &Env| {
        let e = e.clone_handles();
        async move {
            let l: Vec<LinkedBank> =
                json_of(e.api(Method::GET, "/api/v1/account/banks", None).await).await;
            l.into_iter().map(|l| l.bank_id).collect::<Vec<_>>()
        }
    };
    let start = |body: Value| env.api(Method::POST, "/api/v1/account/banks", Some(body));

    // Refusals before any bank is contacted.
    let (s, c, _) = code_of(start(json!({"bank_id": "sber", "consent": consent})).await).await;
    assert_eq!((s, c), (StatusCode::CONFLICT, ErrorCode::LinkAlreadyLinked));
    let (s, c, _) =
        code_of(start(json!({"bank_id": "vtb", "replace": "alfa", "consent": consent})).await)
            .await;
    assert_eq!((s, c), (StatusCode::NOT_FOUND, ErrorCode::LinkNotFound));
    let (s, _, _) = code_of(
        start(
            json!({"bank_id": "vtb", "consent": {"accepted": false, "version": CONSENT_VERSION}}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // Found by the API fuzzer: a request valid by the document was refused as malformed (400
    // FIELD_BANK_UNKNOWN); the bank exists, it only cannot serve this account.
    let (s, c, _) =
        code_of(start(json!({"bank_id": "privatbank", "consent": consent})).await).await;
    assert_eq!(
        (s, c),
        (StatusCode::CONFLICT, ErrorCode::LinkOtherCountry),
        "a bank of another country cannot present this person"
    );

    // Another person at the new bank: nothing changes.
    let started: SignInStarted =
        json_of(start(json!({"bank_id": "vtb", "replace": "sber", "consent": consent})).await)
            .await;
    let cb = env
        .bank_login(&started.authorize_url, "dormant", "allow")
        .await;
    let (loc, _) = env.callback(&cb).await;
    assert!(
        loc.starts_with("/account/banks?error=LINK_PERSON_MISMATCH"),
        "{loc}"
    );
    assert_eq!(links(&env).await, ["sber"]);
    // A cancelled bank login: nothing changes.
    let started: SignInStarted =
        json_of(start(json!({"bank_id": "vtb", "replace": "sber", "consent": consent})).await)
            .await;
    let cb = env
        .bank_login(&started.authorize_url, "ivanov", "deny")
        .await;
    let (loc, _) = env.callback(&cb).await;
    assert!(
        loc.starts_with("/account/banks?error=BANK_LOGIN_CANCELLED"),
        "{loc}"
    );
    assert_eq!(links(&env).await, ["sber"]);
    // A crash between adding the new link and retiring the old: exactly the old state.
    env.app.store.inject_fault("link:between");
    let started: SignInStarted =
        json_of(start(json!({"bank_id": "vtb", "replace": "sber", "consent": consent})).await)
            .await;
    let cb = env
        .bank_login(&started.authorize_url, "ivanov", "allow")
        .await;
    let (loc, _) = env.callback(&cb).await;
    assert!(
        loc.starts_with("/account/banks?error=SERVICE_UNAVAILABLE"),
        "{loc}"
    );
    assert_eq!(links(&env).await, ["sber"]);
    assert_eq!(env.count("bank_links").await, 1);

    // The real change: the same person at VTB; SBER is retired in the same transaction.
    let consents_before = env.count("consents").await;
    let started: SignInStarted =
        json_of(start(json!({"bank_id": "vtb", "replace": "sber", "consent": consent})).await)
            .await;
    let cb = env
        .bank_login(&started.authorize_url, "ivanov", "allow")
        .await;
    let (loc, _) = env.callback(&cb).await;
    assert_eq!(loc, "/account/banks");
    assert_eq!(links(&env).await, ["vtb"]);
    assert_eq!(env.count("accounts").await, 1);
    assert_eq!(
        env.count("consents").await,
        consents_before + 1,
        "the transfer is in the ledger"
    );

    // The retired bank no longer signs in; the new one does.
    let b = Env {
        browser: browser(),
        ..env.clone_handles()
    };
    let s1: SignInStarted = json_of(
        b.api(
            Method::POST,
            "/api/v1/sessions",
            Some(json!({"bank_id": "sber"})),
        )
        .await,
    )
    .await;
    let cb = b.bank_login(&s1.authorize_url, "ivanov", "allow").await;
    assert!(b
        .callback(&cb)
        .await
        .0
        .starts_with("/return?error=AUTH_BANK_NOT_LINKED"));
    let s2: SignInStarted = json_of(
        b.api(
            Method::POST,
            "/api/v1/sessions",
            Some(json!({"bank_id": "vtb"})),
        )
        .await,
    )
    .await;
    let cb = b.bank_login(&s2.authorize_url, "ivanov", "allow").await;
    assert!(b.callback(&cb).await.0.starts_with("/registration/"));

    // Adding a second bank without removing one.
    let started: SignInStarted =
        json_of(start(json!({"bank_id": "sber", "consent": consent})).await).await;
    let cb = env
        .bank_login(&started.authorize_url, "ivanov", "allow")
        .await;
    assert_eq!(env.callback(&cb).await.0, "/account/banks");
    assert_eq!(links(&env).await.len(), 2);

    // A stale session must sign in at the bank again first.
    env.advance(11 * 60);
    let (s, c, _) = code_of(start(json!({"bank_id": "vtb", "consent": consent})).await).await;
    assert_eq!(
        (s, c),
        (StatusCode::FORBIDDEN, ErrorCode::AuthReauthRequired)
    );
    env.assert_no_full_scans();
}

#[tokio::test]
async fn the_consent_ledger_is_visible_append_only_and_withdrawable() {
    use bankid_api::types::{ConsentRecord, SignInStarted};
    use reqwest::Method;
    let env = env().await;
    let st = env.register("sber", "ivanov", "+79161234567").await;
    let ledger: Vec<ConsentRecord> =
        json_of(env.api(Method::GET, "/api/v1/account/consents", None).await).await;
    assert_eq!(ledger.len(), 1);
    let first = &ledger[0];
    assert_eq!(
        (
            first.bank_id.as_str(),
            first.outcome.as_str(),
            first.version.as_str()
        ),
        ("sber", "account", CONSENT_VERSION)
    );
    assert!(
        first.fields.contains(&"passport".to_string())
            && first.fields.contains(&"snils".to_string())
    );
    assert!(!first.withdrawn);

    // Bad ids are refused with codes and change nothing.
    let (s, c, _) = code_of(
        env.api(Method::POST, "/api/v1/account/consents/999/withdraw", None)
            .await,
    )
    .await;
    assert_eq!((s, c), (StatusCode::NOT_FOUND, ErrorCode::ConsentNotFound));
    let (s, c, _) = code_of(
        env.api(Method::POST, "/api/v1/account/consents/abc/withdraw", None)
            .await,
    )
    .await;
    assert_eq!((s, c), (StatusCode::NOT_FOUND, ErrorCode::ConsentNotFound));

    let path = format!("/api/v1/account/consents/{}/withdraw", first.id);
    // The consent of the only bank the citizen signs in with stays, like the last bank does.
    let (s, c, _) = code_of(env.api(Method::POST, &path, None).await).await;
    assert_eq!((s, c), (StatusCode::CONFLICT, ErrorCode::ConsentLastBank));
    assert_eq!(env.count("consents").await, 1, "nothing written");
    let ledger: Vec<ConsentRecord> =
        json_of(env.api(Method::GET, "/api/v1/account/consents", None).await).await;
    assert!(
        ledger[0].last_bank,
        "the page can say so before anyone tries"
    );
    // With a second bank the citizen can still get in, so the first consent can go.
    let second = env.register("vtb", "ivanov", "+79161234567").await;
    assert_eq!(second.state, RegistrationState::PendingConfirmation);
    assert_eq!(
        env.api(Method::POST, &path, None).await.status(),
        StatusCode::NO_CONTENT
    );
    let (s, c, _) = code_of(env.api(Method::POST, &path, None).await).await;
    assert_eq!(
        (s, c),
        (StatusCode::CONFLICT, ErrorCode::ConsentAlreadyWithdrawn)
    );
    let ledger: Vec<ConsentRecord> =
        json_of(env.api(Method::GET, "/api/v1/account/consents", None).await).await;
    assert_eq!(ledger.len(), 3, "withdrawal is a new entry");
    assert!(ledger[0].withdrawn);
    assert_eq!(
        (ledger[2].outcome.as_str(), ledger[2].withdraws),
        ("withdrawn", Some(first.id))
    );
    // Nor can the bank left be removed: the withdrawn one no longer signs in.
    let (s, c, _) = code_of(
        env.api(Method::DELETE, "/api/v1/account/banks/vtb", None)
            .await,
    )
    .await;
    assert_eq!((s, c), (StatusCode::CONFLICT, ErrorCode::LinkLastBank));
    let ledger: Vec<ConsentRecord> =
        json_of(env.api(Method::GET, "/api/v1/account/consents", None).await).await;
    assert!(ledger.iter().any(|r| r.bank_id == "vtb" && r.last_bank));
    // The status page's journal shows it.
    let status = env.status(&st.registration_id).await;
    assert_eq!(status.journal[0].code.as_str(), "CONSENT_WITHDRAWN");
    // The bank's data is no longer used: signing in through it is refused.
    let b = Env {
        browser: browser(),
        ..env.clone_handles()
    };
    let s1: SignInStarted = json_of(
        b.api(
            Method::POST,
            "/api/v1/sessions",
            Some(json!({"bank_id": "sber"})),
        )
        .await,
    )
    .await;
    let cb = b.bank_login(&s1.authorize_url, "ivanov", "allow").await;
    assert!(b
        .callback(&cb)
        .await
        .0
        .starts_with("/return?error=CONSENT_WITHDRAWN"));

    // The ledger cannot be rewritten, not even with SQL.
    let db = env.db().await;
    for sql in ["UPDATE consents SET outcome = 'x'", "DELETE FROM consents"] {
        assert!(db
            .write(|tx| tx.exec(sql, bankid_server::args![]))
            .await
            .is_err());
    }
    assert_eq!(env.count("consents").await, 3);
    env.assert_no_full_scans();
}

#[tokio::test]
async fn concurrent_first_registrations_of_one_person_make_one_account() {
    let env = env().await;
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let e = Env {
            browser: browser(),
            ..env.clone_handles()
        };
        tasks.push(tokio::spawn(async move {
            e.register("sber", "ivanov", "+79161234567").await.state
        }));
    }
    for t in tasks {
        assert_eq!(
            t.await.unwrap(),
            bankid_api::types::RegistrationState::PendingConfirmation
        );
    }
    assert_eq!(env.count("accounts").await, 1);
    assert_eq!(env.count("bank_links").await, 1);
    assert_eq!(env.count("sessions").await, 6);
}

#[tokio::test]
async fn totp_secrets_are_sealed_at_rest_and_old_ones_when_the_server_starts() {
    use bankid_api::types::{BackupCodes, TotpEnrolment};
    use base64::Engine as _;
    use reqwest::Method;
    let env = env().await;
    env.register("sber", "ivanov", "+79161234567").await;
    let enrol: TotpEnrolment =
        json_of(env.api(Method::POST, "/api/v1/account/totp", None).await).await;
    let secret = bankid_server::totp::base32_decode(&enrol.secret).unwrap();
    let code = totp_now(&env, &secret);
    let _: BackupCodes = json_of(
        env.api(
            Method::POST,
            "/api/v1/account/totp/confirm",
            Some(json!({"code": code})),
        )
        .await,
    )
    .await;

    // Neither the key shown to the citizen nor its hex is in the database file.
    let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    env.assert_not_in_database_files(&[enrol.secret.as_str(), hex.as_str()], "the TOTP secret");
    // It is sealed with the configured key, for this account and for TOTP only.
    let db = env.db().await;
    let stored = || async {
        let row: (String, Option<String>, String) = db
            .read(|tx| {
                tx.one(
                    "SELECT account_id, key_id, secret FROM totp",
                    bankid_server::args![],
                )
            })
            .await
            .unwrap();
        row
    };
    let (account_id, key_id, value) = stored().await;
    assert_eq!(key_id.as_deref(), Some("t1"));
    let sealed = base64::engine::general_purpose::STANDARD
        .decode(&value)
        .unwrap();
    assert_eq!(
        env.app
            .vault
            .open("t1", &format!("totp|{account_id}"), &sealed)
            .unwrap(),
        secret
    );
    assert!(env.app.vault.open("t1", &account_id, &sealed).is_err());

    // A secret stored before sealing existed (hex, no key id) is sealed when the server starts,
    // and the citizen's authenticator goes on working.
    db.write(|tx| {
        tx.exec(
            "UPDATE totp SET secret = ?1, key_id = NULL",
            bankid_server::args![hex],
        )
    })
    .await
    .unwrap();
    let clock: std::sync::Arc<dyn bankid_server::Clock> = env.clock.clone();
    let _restarted = bankid_server::state_with_clock(env.app.config.clone(), clock)
        .await
        .unwrap();
    let (_, key_id, value) = stored().await;
    assert_eq!(key_id.as_deref(), Some("t1"));
    assert_ne!(value, hex);
    env.advance(30);
    let codes: BackupCodes = json_of(
        env.api(
            Method::POST,
            "/api/v1/account/backup-codes",
            Some(json!({"code": totp_now(&env, &secret)})),
        )
        .await,
    )
    .await;
    assert_eq!(codes.codes.len(), 10);
}

#[tokio::test]
async fn consent_statuses_follow_the_links_and_only_the_one_in_force_stops_a_link() {
    use bankid_api::types::{ConsentRecord, ConsentStatus::*, SignInStarted};
    use reqwest::Method;
    let env = env().await;
    env.register("sber", "ivanov", "+79161234567").await;
    let statuses = |e: &Env| {
        let e = e.clone_handles();
        async move {
            let ledger: Vec<ConsentRecord> =
                json_of(e.api(Method::GET, "/api/v1/account/consents", None).await).await;
            ledger
                .iter()
                .map(|r| (r.bank_id.clone(), r.status))
                .collect::<Vec<_>>()
        }
    };
    let s = |v: &[(&str, bankid_api::types::ConsentStatus)]| {
        v.iter()
            .map(|(b, st)| (b.to_string(), *st))
            .collect::<Vec<_>>()
    };
    assert_eq!(statuses(&env).await, s(&[("sber", InForce)]));

    // vtb linked through the same person's registration there, then removed.
    let vtb = Env {
        browser: browser(),
        ..env.clone_handles()
    };
    vtb.register("vtb", "ivanov", "+79161234567").await;
    assert_eq!(
        statuses(&vtb).await,
        s(&[("sber", InForce), ("vtb", InForce)])
    );
    assert_eq!(
        vtb.api(Method::DELETE, "/api/v1/account/banks/vtb", None)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        statuses(&env).await,
        s(&[("sber", InForce), ("vtb", BankRemoved)])
    );

    // Linked again from the account: the new consent replaces the old one.
    let again = env.clone_handles();
    let started: SignInStarted = json_of(
        again
            .api(
                Method::POST,
                "/api/v1/account/banks",
                Some(json!({"bank_id": "vtb", "consent": {"accepted": true, "version": CONSENT_VERSION}})),
            )
            .await,
    )
    .await;
    let cb = again
        .bank_login(&started.authorize_url, "ivanov", "allow")
        .await;
    assert_eq!(again.callback(&cb).await.0, "/account/banks");
    assert_eq!(
        statuses(&again).await,
        s(&[("sber", InForce), ("vtb", Replaced), ("vtb", InForce)])
    );

    // Withdrawing the replaced consent is recorded and leaves the live vtb link working.
    let ledger: Vec<ConsentRecord> = json_of(
        again
            .api(Method::GET, "/api/v1/account/consents", None)
            .await,
    )
    .await;
    let path = format!("/api/v1/account/consents/{}/withdraw", ledger[1].id);
    assert_eq!(
        again.api(Method::POST, &path, None).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        statuses(&again).await,
        s(&[
            ("sber", InForce),
            ("vtb", Withdrawn),
            ("vtb", InForce),
            ("vtb", Record)
        ])
    );
    let b = Env {
        browser: browser(),
        ..env.clone_handles()
    };
    assert!(b
        .sign_in_at_bank("vtb", "ivanov")
        .await
        .starts_with("/registration/"));
    // The sign-in is in the ledger too (the bank sent the taxpayer number), as a record that
    // cannot be withdrawn.
    let after: Vec<ConsentRecord> =
        json_of(b.api(Method::GET, "/api/v1/account/consents", None).await).await;
    let signed_in = after.last().unwrap();
    assert_eq!(
        (
            signed_in.bank_id.as_str(),
            signed_in.outcome.as_str(),
            signed_in.fields.clone(),
            signed_in.version.as_str(),
            signed_in.status
        ),
        (
            "vtb",
            "signed_in",
            vec!["tax_id".to_string()],
            CONSENT_VERSION,
            Record
        )
    );
    let (st, c, _) = code_of(
        b.api(
            Method::POST,
            &format!("/api/v1/account/consents/{}/withdraw", signed_in.id),
            None,
        )
        .await,
    )
    .await;
    assert_eq!((st, c), (StatusCode::NOT_FOUND, ErrorCode::ConsentNotFound));

    // Withdrawing the one in force stops the link.
    let path = format!("/api/v1/account/consents/{}/withdraw", ledger[2].id);
    assert_eq!(
        again.api(Method::POST, &path, None).await.status(),
        StatusCode::NO_CONTENT
    );
    let c = Env {
        browser: browser(),
        ..env.clone_handles()
    };
    assert!(c
        .sign_in_at_bank("vtb", "ivanov")
        .await
        .starts_with("/return?error=CONSENT_WITHDRAWN"));
    env.assert_no_full_scans();
}
