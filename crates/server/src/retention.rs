//! Retention: nothing grows without end. A worker deletes (or erases) what has outlived its purpose,
//! every `server.retention_interval_seconds`, with the injected clock, in bounded batches — each
//! batch one short statement, never one giant transaction — so requests keep getting the write
//! lock in between. Every step is an idempotent `DELETE`/`UPDATE … WHERE <expired>`: two workers
//! (two processes on one database) running at once delete each row once and never anything live.
//!
//! What is deleted when, and what is kept as a record, is in `docs/RETENTION.md`; the periods are
//! the constants below.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::AppState;

const DAY_MS: i64 = 24 * 3600 * 1000;
/// Rows changed per statement.
pub const BATCH: i64 = 500;
/// Statements per step and pass: a pass is bounded; what is left waits for the next one.
pub const MAX_BATCHES: usize = 40;

/// A registration that never reached the bank's data (still `awaiting_bank`, every flow long
/// expired) holds only the phone the citizen typed: erased 30 days after its last change
/// (152-FZ art. 21 §4: within 30 days once the purpose cannot be reached).
pub const ABANDONED_REGISTRATION_MS: i64 = 30 * DAY_MS;
/// A rejected or failed registration (no account): erased `RETENTION_YEARS` after its last change,
/// the longest the consent screen promises ("no longer than {years}"). A year is counted as 365
/// days, so this is never later than the promise.
pub const UNCLAIMED_REGISTRATION_MS: i64 = bankid_api::types::RETENTION_YEARS as i64 * 365 * DAY_MS;
/// Outbox rows (delivered, or given up with their text erased) are kept this long for support
/// ("I got no SMS"): channel, destination, attempts, last error, times.
pub const OUTBOX_KEEP_MS: i64 = 30 * DAY_MS;
/// An undelivered message older than an activation code's lifetime is useless: given up and its
/// text (the code) erased.
pub const OUTBOX_GIVE_UP_MS: i64 = crate::activation::CODE_TTL_MS;
/// Sandbox dev inbox messages (codes in clear, for the demo page).
pub const DEV_INBOX_KEEP_MS: i64 = DAY_MS;
/// Activation challenges (code hashes) after they expired: a day of "this code has expired"
/// before a late confirmation is told there is no code.
pub const CHALLENGE_KEEP_MS: i64 = DAY_MS;
/// An authenticator enrolment never confirmed (its sealed secret).
pub const PENDING_TOTP_MS: i64 = DAY_MS;

/// What one pass removed, per step.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub auth_flows: u64,
    pub embed_handbacks: u64,
    pub failures: u64,
    pub sessions: u64,
    pub idempotency: u64,
    pub outbox_given_up: u64,
    pub outbox_deleted: u64,
    pub dev_inbox: u64,
    pub challenges: u64,
    pub pending_totp: u64,
    pub registrations_erased: u64,
}

impl Report {
    pub fn total(&self) -> u64 {
        self.auth_flows
            + self.embed_handbacks
            + self.failures
            + self.sessions
            + self.idempotency
            + self.outbox_given_up
            + self.outbox_deleted
            + self.dev_inbox
            + self.challenges
            + self.pending_totp
            + self.registrations_erased
    }
}

/// Runs `sql` (whose last parameter is the batch size, the others `params` in order) until it
/// changes fewer than a batch, at most [`MAX_BATCHES`] times. Answers the rows changed.
async fn batched(app: &AppState, sql: &str, params: &[i64]) -> Result<u64, crate::store::DbError> {
    let mut total = 0;
    for _ in 0..MAX_BATCHES {
        let n = app.store.retention_step(sql, params, BATCH).await?;
        total += n;
        if n < BATCH as u64 {
            break;
        }
        tokio::task::yield_now().await;
    }
    Ok(total)
}

/// One retention pass as of `now` (ms). Public so tests (and operators' tools) can run it.
pub async fn run_once(app: &AppState, now: i64) -> Result<Report, crate::store::DbError> {
    // Bank round trips past their lifetime: consumed or not, they can never be used again.
    let auth_flows = batched(
        app,
        "DELETE FROM auth_flows WHERE rowid IN
           (SELECT rowid FROM auth_flows WHERE expires_at < ?1 LIMIT ?2)",
        &[now],
    )
    .await?;
    // Hand-back codes of framed registrations (60 seconds), used or not.
    let embed_handbacks = batched(
        app,
        "DELETE FROM embed_handbacks WHERE rowid IN
           (SELECT rowid FROM embed_handbacks WHERE expires_at < ?1 LIMIT ?2)",
        &[now],
    )
    .await?;
    // Failed code attempts (they name the client address) once outside the counting window.
    let failures = batched(
        app,
        "DELETE FROM failure_counts WHERE rowid IN
           (SELECT rowid FROM failure_counts WHERE last_at < ?1 LIMIT ?2)",
        &[now - crate::limits::WINDOW_MS],
    )
    .await?;
    // Sessions past their idle or absolute lifetime (the store already refuses them).
    let sessions = batched(
        app,
        "DELETE FROM sessions WHERE rowid IN
           (SELECT rowid FROM sessions WHERE last_seen_at < ?1 LIMIT ?2)",
        &[now - crate::store::SESSION_IDLE_MS],
    )
    .await?;
    let sessions_absolute = batched(
        app,
        "DELETE FROM sessions WHERE rowid IN
           (SELECT rowid FROM sessions WHERE created_at < ?1 LIMIT ?2)",
        &[now - crate::store::SESSION_ABSOLUTE_MS],
    )
    .await?;
    // Idempotency keys (and their sealed replies) past their lifetime.
    let idempotency = batched(
        app,
        "DELETE FROM idempotency WHERE rowid IN
           (SELECT rowid FROM idempotency WHERE created_at < ?1 LIMIT ?2)",
        &[now - crate::store::IDEMPOTENCY_TTL_MS],
    )
    .await?;
    // Messages that will never be delivered lose their text (the code): out of attempts (the
    // delivery worker erases those itself; this catches older rows) or older than a code lives.
    let outbox_given_up = batched(
        app,
        "UPDATE outbox SET body = NULL,
             last_error = CASE WHEN attempts >= ?2 THEN last_error ELSE 'expired' END
         WHERE id IN (SELECT id FROM outbox WHERE sent_at IS NULL AND body IS NOT NULL
                        AND (attempts >= ?2 OR created_at < ?1) LIMIT ?3)",
        &[now - OUTBOX_GIVE_UP_MS, crate::outbox::MAX_ATTEMPTS],
    )
    .await?;
    // Then the rows themselves, text already gone, after the support period.
    let outbox_deleted = batched(
        app,
        "DELETE FROM outbox WHERE id IN
           (SELECT id FROM outbox WHERE created_at < ?1 AND body IS NULL LIMIT ?2)",
        &[now - OUTBOX_KEEP_MS],
    )
    .await?;
    let dev_inbox = batched(
        app,
        "DELETE FROM dev_inbox WHERE id IN (SELECT id FROM dev_inbox WHERE created_at < ?1 LIMIT ?2)",
        &[now - DEV_INBOX_KEEP_MS],
    )
    .await?;
    let challenges = batched(
        app,
        "DELETE FROM challenges WHERE rowid IN
           (SELECT rowid FROM challenges WHERE expires_at < ?1 LIMIT ?2)",
        &[now - CHALLENGE_KEEP_MS],
    )
    .await?;
    let pending_totp = batched(
        app,
        "DELETE FROM totp WHERE rowid IN
           (SELECT rowid FROM totp WHERE confirmed_at IS NULL AND created_at < ?1 LIMIT ?2)",
        &[now - PENDING_TOTP_MS],
    )
    .await?;
    // Registrations that never became accounts: the personal data goes (the typed phone, the
    // browser binding, the trace id); the row stays as a blank the consent ledger and the journal
    // (legal records, kept) point at. Nobody can open it any more: no browser matches.
    let registrations_erased = batched(
        app,
        "UPDATE registrations SET phone = '', browser_hash = '', trace_id = NULL, erased_at = ?1
         WHERE id IN (SELECT id FROM registrations INDEXED BY registrations_unclaimed
                      WHERE account_id IS NULL AND erased_at IS NULL
                        AND updated_at < ?2
                        AND (state = 'awaiting_bank' OR updated_at < ?3)
                      LIMIT ?4)",
        &[
            now,
            now - ABANDONED_REGISTRATION_MS,
            now - UNCLAIMED_REGISTRATION_MS,
        ],
    )
    .await?;
    Ok(Report {
        auth_flows,
        embed_handbacks,
        failures,
        sessions: sessions + sessions_absolute,
        idempotency,
        outbox_given_up,
        outbox_deleted,
        dev_inbox,
        challenges,
        pending_totp,
        registrations_erased,
    })
}

static STARTED: AtomicBool = AtomicBool::new(false);

/// Starts the retention worker: a pass at once, then every `server.retention_interval_seconds`.
/// One per process: a second call does nothing and answers `false`.
pub fn spawn_worker(app: AppState) -> bool {
    if STARTED.swap(true, Ordering::SeqCst) {
        return false;
    }
    let every = Duration::from_secs(app.config.server.retention_interval_seconds.max(1));
    tokio::spawn(async move {
        // Replicas sharing one database: the pass runs where the lease is held (it outlives two
        // intervals, so a replica that stops hands over within that time).
        let lease_ms = i64::try_from(every.as_millis() * 2).unwrap_or(i64::MAX / 2);
        loop {
            let now = app.now_ms();
            let held = app
                .store
                .hold_lease("retention", &app.replica, now, lease_ms)
                .await
                .unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "retention: lease");
                    false
                });
            if !held {
                tokio::time::sleep(every).await;
                continue;
            }
            match run_once(&app, now).await {
                Ok(r) if r.total() > 0 => tracing::info!(?r, "retention: removed expired data"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "retention"),
            }
            tokio::time::sleep(every).await;
        }
    });
    true
}
