//! The store: SQLite (embedded, the default) or PostgreSQL, migrations embedded. Every multi-row
//! change is one transaction.
//!
//! `Store` (this file) opens the database; `db.rs` is the SQL interface both backends share; each
//! aggregate's methods, with the rows they read and write, live in a file of their own below.

mod accounts;
mod activation;
mod consents;
pub mod db;
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

use db::{Db, Tx};
pub use db::{DbError, DbResult};

#[derive(Clone)]
pub struct Store {
    db: Db,
    /// Test seam: a named point inside a transaction that fails once, to prove the transaction
    /// leaves exactly the old state. Never set in production.
    fault: std::sync::Arc<std::sync::Mutex<Option<&'static str>>>,
}

#[derive(Debug)]
pub enum StoreError {
    Db(DbError),
    /// The bank subject is linked to another person's account.
    SubjectConflict,
    /// The bank subject's link to the account was removed.
    Retired,
    /// The registration is not in a state where this outcome may happen (`lifecycle::next`).
    Illegal,
}

impl From<DbError> for StoreError {
    fn from(e: DbError) -> Self {
        StoreError::Db(e)
    }
}

impl Store {
    /// Opens (creating when missing) the database and applies migrations.
    pub async fn connect(url: &str) -> Result<Store, DbError> {
        Ok(Store {
            db: Db::connect(url).await?,
            fault: Default::default(),
        })
    }

    /// Runs `f` as one write transaction (see [`Db::write`]).
    async fn write<T: Send, E: From<DbError> + Send>(
        &self,
        f: impl FnMut(&mut Tx<'_>) -> Result<T, E> + Send,
    ) -> Result<T, E> {
        self.db.write(f).await
    }

    /// Runs `f`'s statements each atomic on its own (see [`Db::write_each`]).
    async fn write_each<T: Send, E: From<DbError> + Send>(
        &self,
        f: impl FnMut(&mut Tx<'_>) -> Result<T, E> + Send,
    ) -> Result<T, E> {
        self.db.write_each(f).await
    }

    /// Runs `f`'s reads (see [`Db::read`]).
    async fn read<T: Send, E: From<DbError> + Send>(
        &self,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, E> + Send,
    ) -> Result<T, E> {
        self.db.read(f).await
    }

    /// Statements that scanned a whole table (see [`Db::full_scans`]).
    pub fn full_scans(&self) -> Vec<String> {
        self.db.full_scans()
    }

    /// Answers when the database does (health check).
    pub async fn ping(&self) -> DbResult<()> {
        self.read(|tx| tx.scalar::<i64>("SELECT 1", db::args![]).map(drop))
            .await
    }

    /// One batch of a retention statement (`crate::retention`): `sql` with `params` in order and
    /// `batch` last; the rows it changed.
    pub async fn retention_step(&self, sql: &str, params: &[i64], batch: i64) -> DbResult<u64> {
        let mut args: Vec<db::Arg<'_>> = params.iter().map(|p| db::Arg::Int(*p)).collect();
        args.push(db::Arg::Int(batch));
        self.write_each(|tx| tx.exec(sql, &args)).await
    }

    /// Makes the named fault point fail once (tests only).
    pub fn inject_fault(&self, point: &'static str) {
        if let Ok(mut f) = self.fault.lock() {
            *f = Some(point);
        }
    }

    fn fault_point(&self, point: &'static str) -> DbResult<()> {
        let hit = self.fault.lock().map(|mut f| {
            if *f == Some(point) {
                f.take().is_some()
            } else {
                false
            }
        });
        if hit.unwrap_or(false) {
            return Err(DbError::Fault(point));
        }
        Ok(())
    }
}
