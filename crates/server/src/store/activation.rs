//! Account activation: codes (`challenges`) with their messages in the `outbox`, confirmation,
//! delivery bookkeeping, and the sandbox's dev inbox.

use super::db::{args, from_row, DbError};
use super::journal::journal;
use super::Store;
use bankid_api::{ErrorCode, JournalEvent};

pub struct NewChallenge<'a> {
    pub id: &'a str,
    pub account_id: &'a str,
    pub registration_id: Option<&'a str>,
    pub channel: &'a str,
    pub destination: &'a str,
    pub code_hash: &'a str,
    pub body: &'a str,
    pub trace_id: &'a str,
    pub now: i64,
    pub expires_at: i64,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Confirm {
    Activated,
    AlreadyActive,
    NoChallenge,
    Expired,
    Locked,
    Wrong { tries_left: i64 },
}

/// The latest `challenges` row of an account.
struct Challenge {
    id: String,
    code_hash: String,
    expires_at: i64,
    used_at: Option<i64>,
    locked_at: Option<i64>,
}
from_row!(Challenge {
    id,
    code_hash,
    expires_at,
    used_at,
    locked_at
});

/// An `outbox` message still to deliver.
struct PendingMessage {
    id: i64,
    channel: String,
    destination: String,
    body: String,
}
from_row!(PendingMessage {
    id,
    channel,
    destination,
    body
});

impl Store {
    pub async fn last_challenge_at(&self, account_id: &str) -> Result<Option<i64>, DbError> {
        self.read(|tx| {
            tx.scalar(
                "SELECT MAX(created_at) FROM challenges WHERE account_id = ?1",
                args![account_id],
            )
        })
        .await
    }

    /// A new activation code: the challenge, its message in the outbox and a journal entry, together.
    pub async fn create_challenge(&self, c: &NewChallenge<'_>) -> Result<(), DbError> {
        self.write(|tx| {
            tx.exec("INSERT INTO challenges (id, account_id, channel, code_hash, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", args![c.id, c.account_id, c.channel, c.code_hash, c.now, c.expires_at])?;
            tx.exec("INSERT INTO outbox (account_id, channel, destination, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5)", args![c.account_id, c.channel, c.destination, c.body, c.now])?;
            journal(
                tx,
                c.registration_id,
                Some(c.account_id),
                c.now,
                JournalEvent::ActivationCodeSent,
                Some(c.channel),
                Some(c.trace_id),
            )?;
            Ok(())
        }).await
    }

    /// Checks a code against the account's latest challenge. Exactly one of any number of
    /// concurrent correct submissions activates; wrong ones count towards the lock.
    pub async fn confirm_challenge(
        &self,
        account_id: &str,
        now: i64,
        max_tries: i64,
        trace_id: &str,
        hash_for: impl Fn(&str) -> String,
    ) -> Result<Confirm, DbError> {
        let state: Option<String> = self
            .read(|tx| {
                tx.scalar_opt(
                    "SELECT state FROM accounts WHERE id = ?1",
                    args![account_id],
                )
            })
            .await?;
        if state.as_deref() == Some("active") {
            return Ok(Confirm::AlreadyActive);
        }
        let row: Option<Challenge> = self
            .read(|tx| {
                tx.opt(
                    "SELECT id, code_hash, expires_at, tries, used_at, locked_at FROM challenges
             WHERE account_id = ?1 ORDER BY created_at DESC, rowid DESC LIMIT 1",
                    args![account_id],
                )
            })
            .await?;
        let Some(row) = row else {
            return Ok(Confirm::NoChallenge);
        };
        let Challenge {
            id,
            code_hash: stored,
            expires_at: expires,
            used_at: used,
            locked_at: locked,
        } = row;
        if used.is_some() {
            return Ok(Confirm::AlreadyActive);
        }
        if locked.is_some() {
            return Ok(Confirm::Locked);
        }
        if expires <= now {
            return Ok(Confirm::Expired);
        }
        let given = hash_for(&id);
        let registration_id: Option<String> = self.read(|tx| tx.scalar_opt("SELECT id FROM registrations WHERE account_id = ?1 ORDER BY created_at DESC LIMIT 1", args![account_id])).await?;
        self.write(|tx| {
            if bool::from(subtle::ConstantTimeEq::ct_eq(
                stored.as_bytes(),
                given.as_bytes(),
            )) {
                let won = tx.exec("UPDATE challenges SET used_at = ?1 WHERE id = ?2 AND used_at IS NULL AND locked_at IS NULL AND expires_at > ?1", args![now, &id])?;
                if won != 1 {
                    return Ok(Confirm::AlreadyActive);
                }
                // The account's own step of the lifecycle: only a confirmed, not yet active account.
                let from = crate::lifecycle::effective("pending_confirmation", state.as_deref());
                let allowed = from
                    .and_then(|f| crate::lifecycle::next(f, crate::lifecycle::Event::Activated).ok());
                if allowed != Some(crate::lifecycle::RegistrationState::Active) {
                    tx.undo();
                    return Ok(Confirm::AlreadyActive);
                }
                tx.exec("UPDATE accounts SET state = 'active', activated_at = ?1 WHERE id = ?2 AND state = 'pending_confirmation'", args![now, account_id])?;
                journal(
                    tx,
                    registration_id.as_deref(),
                    Some(account_id),
                    now,
                    JournalEvent::AccountActivated,
                    None,
                    Some(trace_id),
                )?;
                return Ok(Confirm::Activated);
            }
            let tries: i64 = tx.scalar_opt("UPDATE challenges SET tries = tries + 1,
                     locked_at = CASE WHEN tries + 1 >= ?1 THEN ?2 ELSE locked_at END
                 WHERE id = ?3 AND used_at IS NULL RETURNING tries", args![max_tries, now, &id])?
            .unwrap_or(max_tries);
            let code = if tries >= max_tries {
                JournalEvent::Refused(ErrorCode::ActCodeLocked)
            } else {
                JournalEvent::Refused(ErrorCode::ActCodeWrong)
            };
            journal(
                tx,
                registration_id.as_deref(),
                Some(account_id),
                now,
                code,
                None,
                Some(trace_id),
            )?;
            Ok(Confirm::Wrong {
                tries_left: (max_tries - tries).max(0),
            })
        }).await
    }

    /// Claims up to `limit` messages to deliver, oldest first, for `lease_ms`: a delivery worker
    /// of another process (replica) skips them meanwhile, so each is sent once; a claim that
    /// outlives its worker (a crash) lapses and the message is taken again.
    pub async fn outbox_claim(
        &self,
        limit: i64,
        now: i64,
        lease_ms: i64,
    ) -> Result<Vec<(i64, crate::outbox::Message)>, DbError> {
        let mut rows: Vec<PendingMessage> = self
            .write_each(|tx| {
                // PostgreSQL: rows another replica is claiming right now are skipped, not waited for.
                let sql = if tx.is_postgres() {
                    "UPDATE outbox SET claimed_until = ?3
                 WHERE id IN (SELECT id FROM outbox
                              WHERE sent_at IS NULL AND body IS NOT NULL AND attempts < ?2
                                AND (claimed_until IS NULL OR claimed_until <= ?4)
                              ORDER BY id LIMIT ?1 FOR UPDATE SKIP LOCKED)
                 RETURNING id, channel, destination, body"
                } else {
                    "UPDATE outbox SET claimed_until = ?3
                 WHERE id IN (SELECT id FROM outbox
                              WHERE sent_at IS NULL AND body IS NOT NULL AND attempts < ?2
                                AND (claimed_until IS NULL OR claimed_until <= ?4)
                              ORDER BY id LIMIT ?1)
                 RETURNING id, channel, destination, body"
                };
                tx.all(
                    sql,
                    args![limit, crate::outbox::MAX_ATTEMPTS, now + lease_ms, now],
                )
            })
            .await?;
        rows.sort_by_key(|r| r.id);
        Ok(rows
            .into_iter()
            .map(|r| {
                (
                    r.id,
                    crate::outbox::Message {
                        channel: r.channel,
                        destination: r.destination,
                        body: r.body,
                    },
                )
            })
            .collect())
    }

    /// Holds the named lease for `holder` until `now + ttl_ms` when it is free, lapsed or already
    /// `holder`'s: true when `holder` holds it. Work that must run in one process at a time
    /// (retention) runs only while its lease is held.
    pub async fn hold_lease(
        &self,
        name: &str,
        holder: &str,
        now: i64,
        ttl_ms: i64,
    ) -> Result<bool, DbError> {
        let held = self.write_each(|tx| {
            tx.exec(
                "INSERT INTO worker_leases (name, holder, expires_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                 WHERE worker_leases.holder = excluded.holder OR worker_leases.expires_at <= ?4",
                args![name, holder, now + ttl_ms, now],
            )
        }).await?;
        Ok(held == 1)
    }

    /// Delivered: the text (with its code) is erased.
    pub async fn outbox_sent(&self, id: i64, now: i64) -> Result<(), DbError> {
        self.write_each(|tx| tx.exec("UPDATE outbox SET sent_at = ?1, body = NULL, attempts = attempts + 1, claimed_until = NULL WHERE id = ?2", args![now, id])).await?;
        Ok(())
    }

    /// A failed delivery; the last allowed one erases the text (with its code): a message that
    /// will never be sent keeps nothing secret.
    pub async fn outbox_failed(
        &self,
        id: i64,
        error: &str,
        max_attempts: i64,
    ) -> Result<(), DbError> {
        self.write_each(|tx| {
            tx.exec(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?1, claimed_until = NULL,
                 body = CASE WHEN attempts + 1 >= ?3 THEN NULL ELSE body END
             WHERE id = ?2",
                args![error, id, max_attempts],
            )
        })
        .await?;
        Ok(())
    }

    pub async fn dev_inbox_add(
        &self,
        channel: &str,
        destination: &str,
        body: &str,
        now: i64,
    ) -> Result<(), DbError> {
        self.write(|tx| tx.exec("INSERT INTO dev_inbox (channel, destination, body, created_at) VALUES (?1, ?2, ?3, ?4)", args![channel, destination, body, now])).await?;
        Ok(())
    }

    pub async fn dev_inbox(
        &self,
        limit: i64,
    ) -> Result<Vec<(String, String, String, i64)>, DbError> {
        self.read(|tx| tx.all("SELECT channel, destination, body, created_at FROM dev_inbox ORDER BY id DESC LIMIT ?1", args![limit])).await
    }
}

/// Two portal processes on one database (two `Store`s): SQLite by a file of its own, and
/// PostgreSQL when `BANKID_TEST_POSTGRES_URL` names one.
#[cfg(test)]
mod replicas {
    use super::*;

    async fn two_replicas(url: &str) -> (Store, Store) {
        let a = Store::connect(url).await.expect("replica a");
        let b = Store::connect(url).await.expect("replica b");
        (a, b)
    }

    fn urls() -> Vec<(String, Option<std::path::PathBuf>)> {
        let dir = std::env::temp_dir().join(format!("bp-replicas-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let mut v = vec![(format!("sqlite://{}/r.sqlite", dir.display()), Some(dir))];
        if let Ok(pg) = std::env::var("BANKID_TEST_POSTGRES_URL") {
            v.push((pg, None));
        }
        v
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn each_message_is_claimed_by_one_replica_and_retention_runs_in_one() {
        for (url, dir) in urls() {
            let (a, b) = two_replicas(&url).await;
            let now = 1_000_000;
            a.write(|tx| {
                tx.exec(
                    "DELETE FROM outbox WHERE destination LIKE 'claim-test-%'",
                    args![],
                )?;
                tx.exec("DELETE FROM worker_leases WHERE name = 'test'", args![])?;
                for i in 0..60 {
                    tx.exec(
                        "INSERT INTO outbox (channel, destination, body, created_at) VALUES ('phone', ?1, 'x', ?2)",
                        args![format!("claim-test-{i:02}"), now],
                    )?;
                }
                Ok::<_, DbError>(())
            }).await
            .expect("messages");
            // Both replicas' workers claim at once, batch after batch, until nothing is left.
            let drain = |s: Store| {
                tokio::spawn(async move {
                    let mut mine = Vec::new();
                    loop {
                        let got = s.outbox_claim(7, now, 60_000).await.expect("claim");
                        if got.is_empty() {
                            return mine;
                        }
                        mine.extend(
                            got.into_iter()
                                .filter(|(_, m)| m.destination.starts_with("claim-test-"))
                                .map(|(id, _)| id),
                        );
                    }
                })
            };
            let (x, y) = tokio::join!(drain(a.clone()), drain(b.clone()));
            let (x, y) = (x.expect("a"), y.expect("b"));
            let mut all: Vec<i64> = x.iter().chain(&y).copied().collect();
            all.sort_unstable();
            let before = all.len();
            all.dedup();
            assert_eq!((before, all.len()), (60, 60), "{url}: every message once");
            // A claim lapses when its worker does not finish: the message is taken again then.
            assert!(b
                .outbox_claim(100, now + 1, 60_000)
                .await
                .expect("again")
                .is_empty());
            let retaken = b
                .outbox_claim(100, now + 60_000, 60_000)
                .await
                .expect("lapsed");
            assert!(retaken.len() >= 60, "{url}: lapsed claims are taken again");

            // The lease: a's while it renews it, b's once a's lapses.
            for (store, holder, at, held) in [
                (&a, "a", 0, true),
                (&b, "b", 5_000, false),
                (&a, "a", 9_000, true),
                (&b, "b", 18_000, false),
                (&b, "b", 19_000, true),
                (&a, "a", 20_000, false),
            ] {
                let got = store
                    .hold_lease("test", holder, now + at, 10_000)
                    .await
                    .expect("lease");
                assert_eq!(got, held, "{url}: {holder} at +{at} ms");
            }
            a.write(|tx| {
                tx.exec(
                    "DELETE FROM outbox WHERE destination LIKE 'claim-test-%'",
                    args![],
                )
            })
            .await
            .expect("clean");
            drop((a, b));
            if let Some(dir) = dir {
                std::fs::remove_dir_all(dir).ok();
            }
        }
    }
}
