//! Retention and the outbox (issue #10 §4): one retention pass removes what expired and keeps what
//! lives, registrations that never became accounts lose their personal data on time, the records
//! stay; messages that will never be sent lose their code; the outbox wakes on new work and a
//! hanging sender does not stall it.

use std::sync::Arc;

use bankid_api::types::RETENTION_YEARS;
use bankid_server::args;
use bankid_server::outbox::{Message, SendResult, Sender};
use bankid_server::retention::run_once;
use bankid_server::store::db::Db;
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::{browser, env, phone_of, Env};

const HOUR_MS: i64 = 3600 * 1000;
const DAY_MS: i64 = 24 * HOUR_MS;

async fn scalar(db: &Db, sql: &str) -> i64 {
    db.read(|tx| tx.scalar::<i64>(sql, args![])).await.unwrap()
}

/// What a signed-in citizen leaves behind in a day besides their session: an activation code
/// (asked with an Idempotency-Key, delivered), a wrong try at it, an authenticator enrolment never
/// finished, and a bank sign-in started and never finished (a flow).
async fn a_day_of(env: &Env, login: &str) {
    let phone = phone_of(login);
    let sent = env
        .browser
        .post(format!("{}/api/v1/account/activation", env.portal))
        .header("idempotency-key", format!("send-code-{login}"))
        .json(&json!({"channel": "phone"}))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), StatusCode::ACCEPTED);
    let code = env.inbox_code(&phone).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let resp = env
        .api(
            Method::POST,
            "/api/v1/account/activation/confirm",
            Some(json!({ "code": wrong })),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let resp = env.api(Method::POST, "/api/v1/account/totp", None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = env
        .api(
            Method::POST,
            "/api/v1/sessions",
            Some(json!({"bank_id": "vtb"})),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
}

fn another_browser(env: &Env) -> Env {
    Env {
        browser: browser(),
        ..env.clone_handles()
    }
}

/// Rows of `table` written before / from `t` (by its time column), among those matching `only`.
async fn split(db: &Db, (table, column, only): (&str, &str, &str), t: i64) -> (i64, i64) {
    (
        scalar(
            db,
            &format!("SELECT COUNT(*) FROM {table} WHERE {column} < {t} AND {only}"),
        )
        .await,
        scalar(
            db,
            &format!("SELECT COUNT(*) FROM {table} WHERE {column} >= {t} AND {only}"),
        )
        .await,
    )
}

#[tokio::test]
async fn a_pass_removes_what_expired_keeps_what_lives_and_erases_unclaimed_registrations() {
    let env = env().await;
    let db = env.db().await;

    // Day 0: Ivan's day; Elena registers; a registration the bank's data rejects; one abandoned
    // at the bank.
    let t0 = env.app.now_ms();
    let ivan = another_browser(&env);
    let ivan_reg = ivan
        .register("sber", "ivanov", &phone_of("ivanov"))
        .await
        .registration_id;
    a_day_of(&ivan, "ivanov").await;
    let elena_reg = another_browser(&env)
        .register("sber", "smirnova", &phone_of("smirnova"))
        .await
        .registration_id;
    let dormant = another_browser(&env);
    let rejected = dormant
        .register("sber", "dormant", &phone_of("dormant"))
        .await;
    assert_eq!(
        rejected.state,
        bankid_api::types::RegistrationState::Rejected
    );
    let walked_away = another_browser(&env);
    let abandoned = walked_away.start("sber", "+79161230077").await;

    // Day 1 (25 hours later): Elena's day; everything of it is live. (Her session is written as
    // the store writes one: the sandbox bank signs its ID tokens with the real time, so no bank
    // sign-in can succeed on the portal's moved clock.)
    env.advance(25 * 3600);
    let t1 = env.app.now_ms();
    let token = "retention-test-session-0123456789abcdefghijk";
    let id_hash = bankid_server::crypto::sha256_b64url(token.as_bytes());
    db.write(|tx| {
        tx.exec(
            "INSERT INTO sessions (id_hash, account_id, created_at, last_seen_at, auth_at)
             SELECT ?1, account_id, ?2, ?2, ?2 FROM registrations WHERE id = ?3",
            args![id_hash, t1, elena_reg],
        )
    })
    .await
    .unwrap();
    let jar = Arc::new(reqwest::cookie::Jar::default());
    jar.add_cookie_str(
        &format!("bp_session={token}; Path=/"),
        &env.portal.parse().unwrap(),
    );
    let elena = Env {
        browser: reqwest::Client::builder()
            .cookie_provider(jar)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        ..env.clone_handles()
    };
    a_day_of(&elena, "smirnova").await;
    // Two messages that will never be delivered still hold their codes: one out of attempts,
    // one older than a code lives (nothing would deliver either before this pass).
    db.write(|tx| {
        tx.exec(
            "INSERT INTO outbox (channel, destination, body, created_at, attempts, last_error)
             VALUES ('phone', '+79160000001', 'Код 654321', ?1, 10, 'gateway down'),
                    ('phone', '+79160000002', 'Код 123987', ?2, 0, NULL)",
            args![t1, t1 - 11 * 60 * 1000],
        )
    })
    .await
    .unwrap();

    let tables = [
        ("auth_flows", "created_at", "TRUE"),
        ("failure_counts", "last_at", "TRUE"),
        ("sessions", "created_at", "TRUE"),
        ("idempotency", "created_at", "TRUE"),
        // (The portal's own worker may still deliver the 11-minute-old message.)
        (
            "dev_inbox",
            "created_at",
            "destination NOT LIKE '+7916000000%'",
        ),
        ("challenges", "created_at", "TRUE"),
        ("totp", "created_at", "TRUE"),
    ];
    let mut before = Vec::new();
    for t in tables {
        let (old, new) = split(&db, t, t1).await;
        assert!(old > 0 && new > 0, "{}: seeded {old} old, {new} new", t.0);
        before.push(new);
    }
    let records = || async {
        (
            scalar(&db, "SELECT COUNT(*) FROM consents").await,
            scalar(&db, "SELECT COUNT(*) FROM journal").await,
            scalar(&db, "SELECT COUNT(*) FROM accounts").await,
            scalar(&db, "SELECT COUNT(*) FROM bank_links").await,
            scalar(&db, "SELECT COUNT(*) FROM registrations").await,
        )
    };
    let kept = records().await;

    // One pass now: yesterday's flows, failures, sessions, keys, dev messages, codes and the
    // unfinished enrolment go; today's stay.
    let report = run_once(&env.app, env.app.now_ms()).await.unwrap();
    for (t, new) in tables.into_iter().zip(before) {
        assert_eq!(split(&db, t, t1).await, (0, new), "{} after the pass", t.0);
    }
    assert!(report.auth_flows >= 3 && report.sessions >= 1 && report.idempotency >= 1);
    assert_eq!(report.pending_totp, 1);
    // Both undeliverable messages lost their codes; the delivered ones had none left.
    let bodies: Vec<(Option<String>, Option<String>)> = db
        .read(|tx| {
            tx.all(
                "SELECT body, last_error FROM outbox WHERE destination LIKE '+7916000000%' ORDER BY destination",
                args![],
            )
        }).await
        .unwrap();
    assert_eq!(bodies[0], (None, Some("gateway down".into())));
    assert_eq!(bodies[1].0, None);
    assert_eq!(
        scalar(&db, "SELECT COUNT(*) FROM outbox WHERE body IS NOT NULL").await,
        0
    );
    // Elena's session still works; nothing of the records was touched.
    let info: bankid_api::types::SessionInfo =
        super::json_of(elena.api(Method::GET, "/api/v1/session", None).await).await;
    assert_eq!(info.display_name, "Елена С.");
    assert_eq!(records().await, kept);
    // A second pass at once finds nothing more.
    assert_eq!(
        run_once(&env.app, env.app.now_ms()).await.unwrap().total(),
        0
    );

    let erased = |id: String| {
        let db = db.clone();
        async move {
            db.read(|tx| {
                tx.one::<(String, String, Option<i64>)>(
                    "SELECT phone, browser_hash, erased_at FROM registrations WHERE id = ?1",
                    args![id],
                )
            })
            .await
            .unwrap()
        }
    };

    // 31 days on: the abandoned registration (only a typed phone) is erased; the outbox rows are
    // past their support period. Two passes at once (two processes on one database) do each
    // change once.
    let outbox = scalar(&db, "SELECT COUNT(*) FROM outbox").await;
    let (a, b) = tokio::join!(
        run_once(&env.app, t1 + 31 * DAY_MS),
        run_once(&env.app, t1 + 31 * DAY_MS)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.registrations_erased + b.registrations_erased, 1);
    assert_eq!(a.outbox_deleted + b.outbox_deleted, outbox as u64);
    let (phone, browser_hash, at) = erased(abandoned.registration_id.clone()).await;
    assert_eq!((phone.as_str(), browser_hash.as_str()), ("", ""));
    assert_eq!(at, Some(t1 + 31 * DAY_MS));
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM outbox").await, 0);
    assert_eq!(erased(rejected.registration_id.clone()).await.2, None);

    // The rejected registration is kept until the consent's promise ends, not a day longer.
    let years = RETENTION_YEARS as i64 * 365 * DAY_MS;
    let r = run_once(&env.app, t0 + years - DAY_MS).await.unwrap();
    assert_eq!(r.registrations_erased, 0);
    let r = run_once(&env.app, t0 + years + HOUR_MS).await.unwrap();
    assert_eq!(r.registrations_erased, 1);
    let (phone, browser_hash, _) = erased(rejected.registration_id.clone()).await;
    assert_eq!((phone.as_str(), browser_hash.as_str()), ("", ""));
    assert_eq!(
        db.read(|tx| tx.scalar::<i64>(
            "SELECT COUNT(*) FROM registrations WHERE phone = ?1",
            args![phone_of("dormant")],
        ))
        .await
        .unwrap(),
        0
    );
    // Registrations that became accounts keep their data; the ledger, the journal, the accounts
    // and their links are records and stay whole.
    for id in [ivan_reg, elena_reg] {
        let (phone, _, at) = erased(id).await;
        assert!(!phone.is_empty() && at.is_none());
    }
    let (consents, journal, accounts, links, registrations) = records().await;
    assert_eq!(
        (consents, journal, accounts, links, registrations),
        kept,
        "records are never deleted"
    );
    assert!(consents > 0 && journal > 0);
    // The erased registration is no longer shown to the browser that started it.
    let resp = dormant
        .api(
            Method::GET,
            &format!("/api/v1/registrations/{}", rejected.registration_id),
            None,
        )
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    env.assert_no_full_scans();
}

/// A sender that fails every time, or never answers.
struct Broken {
    hang: bool,
}

impl Sender for Broken {
    fn send<'a>(&'a self, _msg: &'a Message) -> SendResult<'a> {
        let hang = self.hang;
        Box::pin(async move {
            if hang {
                std::future::pending::<()>().await;
            }
            Err("gateway down".to_string())
        })
    }
}

/// A portal state on a database of its own, with the given sender and configuration changes.
async fn own_state(
    env: &Env,
    sender: Option<Arc<dyn Sender>>,
    change: impl FnOnce(&mut bankid_server::config::Config),
) -> (bankid_server::AppState, Db) {
    let mut config = env.app.config.clone();
    config.server.database_url = super::fresh_database_url();
    change(&mut config);
    let clock: Arc<dyn bankid_server::Clock> = env.clock.clone();
    let state = bankid_server::state_with_clock(config, clock)
        .await
        .unwrap();
    let db = Db::connect(&state.config.server.database_url)
        .await
        .unwrap();
    let Some(sender) = sender else {
        return (state, db);
    };
    let inner = bankid_server::Inner {
        config: state.config.clone(),
        store: state.store.clone(),
        rp: bankid_server::oidc::RelyingParty::new().unwrap(),
        clock: state.clock.clone(),
        rng: state.rng.clone(),
        replica: state.replica.clone(),
        trusted_proxies: state.trusted_proxies.clone(),
        pepper: state.pepper.clone(),
        vault: bankid_server::vault::Vault::from_specs(&state.config.server.data_keys).unwrap(),
        site: bankid_server::site::Site::new(&state.config.server.dist_dir),
        sender,
        outbox_wake: Arc::new(tokio::sync::Notify::new()),
        client_keys: bankid_server::oidc::ClientKeys::from_specs(&state.config.server.client_keys)
            .unwrap(),
        openapi: state.openapi.clone(),
    };
    (bankid_server::AppState::new(inner), db)
}

#[tokio::test]
async fn a_message_that_failed_for_good_loses_its_code_and_a_hanging_sender_times_out() {
    let env = env().await;
    let (app, db) = own_state(&env, Some(Arc::new(Broken { hang: false })), |_| {}).await;
    db.write(|tx| {
        tx.exec(
            "INSERT INTO outbox (channel, destination, body, created_at) VALUES ('phone', '+79160000003', 'Код 246810', ?1)",
            args![app.now_ms()],
        )
    }).await
    .unwrap();
    let body = || async {
        db.read(|tx| {
            tx.one::<(Option<String>, i64, Option<String>)>(
                "SELECT body, attempts, last_error FROM outbox",
                args![],
            )
        })
        .await
        .unwrap()
    };
    for attempt in 1..bankid_server::outbox::MAX_ATTEMPTS {
        assert_eq!(
            bankid_server::outbox::deliver_pending(&app).await.unwrap(),
            0
        );
        assert_eq!(
            body().await,
            (
                Some("Код 246810".into()),
                attempt,
                Some("gateway down".into())
            )
        );
    }
    bankid_server::outbox::deliver_pending(&app).await.unwrap();
    assert_eq!(
        body().await,
        (
            None,
            bankid_server::outbox::MAX_ATTEMPTS,
            Some("gateway down".into())
        )
    );
    // Nothing is left to try.
    assert_eq!(
        bankid_server::outbox::deliver_batch(&app, std::time::Duration::from_secs(1))
            .await
            .unwrap(),
        (0, 0)
    );

    // A sender that never answers costs one attempt, not the worker.
    let (app, db) = own_state(&env, Some(Arc::new(Broken { hang: true })), |_| {}).await;
    db.write(|tx| {
        tx.exec(
            "INSERT INTO outbox (channel, destination, body, created_at) VALUES ('phone', '+79160000004', 'Код 135790', ?1)",
            args![app.now_ms()],
        )
    }).await
    .unwrap();
    let pass = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        bankid_server::outbox::deliver_batch(&app, std::time::Duration::from_millis(100)),
    )
    .await
    .expect("the pass ends although the sender hangs")
    .unwrap();
    assert_eq!(pass, (1, 0));
    let (attempts, error): (i64, Option<String>) = db
        .read(|tx| tx.one("SELECT attempts, last_error FROM outbox", args![]))
        .await
        .unwrap();
    assert_eq!((attempts, error.as_deref()), (1, Some("timeout")));
}

#[tokio::test]
async fn the_outbox_delivers_a_new_message_without_waiting_for_its_poll() {
    let env = env().await;
    // A portal of its own whose fallback poll is an hour: only the wake-up can deliver in time.
    let (app, db) = own_state(&env, None, |c| c.server.outbox_poll_seconds = 3600).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let portal = format!("http://{}", listener.local_addr().unwrap());
    let serving = app.clone();
    tokio::spawn(async move {
        let _ = bankid_server::serve(listener, serving).await;
    });
    // An account and a session, written as the store writes them.
    let now = app.now_ms();
    db.write(|tx| {
        tx.exec(
            "INSERT INTO accounts (id, state, person_key, country, family_name, given_name, birthdate, phone, created_at)
             VALUES ('acct-wake', 'pending_confirmation', 'pk-wake', 'RU', 'Иванов', 'Иван', '1990-05-17', '+79161112233', ?1)",
            args![now],
        )
    }).await
    .unwrap();
    let token = "wake-test-session-token-0123456789abcdefghijk";
    let id_hash = bankid_server::crypto::sha256_b64url(token.as_bytes());
    db.write(|tx| {
        tx.exec(
            "INSERT INTO sessions (id_hash, account_id, created_at, last_seen_at, auth_at) VALUES (?1, 'acct-wake', ?2, ?2, ?2)",
            args![id_hash, now],
        )
    }).await
    .unwrap();
    let client = reqwest::Client::new();
    // Two codes a minute apart. The second is written while the worker sleeps after delivering
    // the first: only the wake-up can deliver it before the hour is up. (The deadline of the wait
    // only stops a broken test.)
    for n in 1..=2 {
        if n == 2 {
            env.advance(61);
        }
        let resp = client
            .post(format!("{portal}/api/v1/account/activation"))
            .header("cookie", format!("bp_session={token}"))
            .json(&json!({"channel": "phone"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::ACCEPTED);
        let mut delivered = 0;
        for _ in 0..400 {
            let inbox: Vec<bankid_api::types::DevMessage> = client
                .get(format!("{portal}/api/v1/dev/inbox"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            delivered = inbox
                .iter()
                .filter(|m| m.destination == "+79161112233")
                .count();
            if delivered == n {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(delivered, n, "message {n} waited for the hourly poll");
    }
    let pending = scalar(
        &db,
        "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL OR body IS NOT NULL",
    )
    .await;
    assert_eq!(pending, 0);
}
