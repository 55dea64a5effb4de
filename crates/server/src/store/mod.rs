//! The store: SQLite through sqlx, migrations embedded. Every multi-row change is one transaction.
//!
//! `Store` (this file) opens the database and hands out write transactions; each aggregate's
//! methods, with the rows they read and write, live in a file of their own below.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

mod accounts;
mod activation;
mod consents;
mod embed;
mod flows;
mod idempotency;
mod journal;
mod limits;
mod links;
mod mfa;
mod registrations;

pub use accounts::{AccountRow, SessionRow, SignIn, SESSION_ABSOLUTE_MS, SESSION_IDLE_MS};
pub use activation::{Confirm, NewChallenge};
pub use embed::{EmbedLaunch, Launched, UNLAUNCHED};
pub use flows::{FlowRow, TakeFlow};
pub use idempotency::{IdemBegin, IDEMPOTENCY_TTL_MS};
pub use journal::JournalRow;
pub use links::Unlink;
pub use mfa::{SecondFactor, StoredTotp};
pub use registrations::{
    Completed, Completion, NewAccount, NewRegistration, Outcome, RegistrationRow,
};

#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
    /// Test seam: a named point inside a transaction that fails once, to prove the transaction
    /// leaves exactly the old state. Never set in production.
    fault: std::sync::Arc<std::sync::Mutex<Option<&'static str>>>,
}

#[derive(Debug)]
pub enum StoreError {
    Db(sqlx::Error),
    /// The bank subject is linked to another person's account.
    SubjectConflict,
    /// The bank subject's link to the account was removed.
    Retired,
    /// The registration is not in a state where this outcome may happen (`lifecycle::next`).
    Illegal,
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Db(e)
    }
}

impl Store {
    /// Opens (creating when missing) the database and applies migrations.
    pub async fn connect(url: &str) -> Result<Store, sqlx::Error> {
        let opts = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            // Deleted or overwritten content (expired codes, erased registrations) is zeroed in
            // the file rather than left in free space.
            .pragma("secure_delete", "ON")
            .busy_timeout(Duration::from_secs(5));
        let in_memory = url.contains(":memory:");
        let pool = SqlitePoolOptions::new()
            .max_connections(if in_memory { 1 } else { 8 })
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(opts)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Store {
            pool,
            fault: Default::default(),
        })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// A write transaction that takes SQLite's write lock at once (`BEGIN IMMEDIATE`): concurrent
    /// writers wait for each other (busy timeout) instead of failing when a read snapshot cannot be
    /// upgraded.
    async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.pool.begin_with("BEGIN IMMEDIATE").await
    }

    /// Makes the named fault point fail once (tests only).
    pub fn inject_fault(&self, point: &'static str) {
        if let Ok(mut f) = self.fault.lock() {
            *f = Some(point);
        }
    }

    fn fault_point(&self, point: &'static str) -> Result<(), sqlx::Error> {
        let hit = self.fault.lock().map(|mut f| {
            if *f == Some(point) {
                f.take().is_some()
            } else {
                false
            }
        });
        if hit.unwrap_or(false) {
            return Err(sqlx::Error::Protocol(format!("injected fault at {point}")));
        }
        Ok(())
    }
}
