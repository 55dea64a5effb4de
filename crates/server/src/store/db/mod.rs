//! The database underneath the store: one small SQL interface over SQLite (embedded, the default)
//! and PostgreSQL (shared by any number of portal replicas).
//!
//! A store method hands one closure per request to [`Db::write`] or [`Db::read`]; the closure runs
//! its statements synchronously on a [`Tx`], and a write's statements commit together. For SQLite
//! the closure runs on the calling thread with the one writer connection (or a reader from a small
//! pool) — no hand-off to a database thread per statement, which used to cost the portal more CPU
//! than the statements themselves — inside a savepoint of a batch that a commit thread commits
//! once for all the calls that joined it (group commit). SQL is written once with `?1`, `?2`… parameters (PostgreSQL
//! gets them as `$1`, `$2`…) and only portable constructs.

use std::sync::{Arc, Mutex};

use rusqlite::{Connection, TransactionBehavior};

mod lite;
mod migrate;
mod pg;

use lite::*;
use migrate::*;
use pg::*;

/// What a database call can fail with.
#[derive(Debug)]
pub enum DbError {
    Sqlite(rusqlite::Error),
    Postgres(postgres::Error),
    /// A query that must return a row returned none.
    RowNotFound,
    /// A column did not hold what the reader asked for (a bug, or a schema out of step).
    Decode(String),
    /// The database could not be reached or is too busy to answer in time.
    Unavailable(String),
    /// Test seam: a named fault point (`Store::inject_fault`).
    Fault(&'static str),
    /// A migration failed, or a stored migration differs from the one built in.
    Migrate(String),
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DbError::Sqlite(e) => write!(f, "sqlite: {e}"),
            DbError::Postgres(e) => write!(f, "postgres: {e}"),
            DbError::RowNotFound => f.write_str("no row"),
            DbError::Decode(e) => write!(f, "decode: {e}"),
            DbError::Unavailable(e) => write!(f, "unavailable: {e}"),
            DbError::Fault(p) => write!(f, "injected fault at {p}"),
            DbError::Migrate(e) => write!(f, "migration: {e}"),
        }
    }
}

impl std::error::Error for DbError {}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> Self {
        match &e {
            rusqlite::Error::SqliteFailure(f, _)
                if matches!(
                    f.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) =>
            {
                DbError::Unavailable(e.to_string())
            }
            _ => DbError::Sqlite(e),
        }
    }
}

impl From<postgres::Error> for DbError {
    fn from(e: postgres::Error) -> Self {
        // The database is away rather than the statement wrong: the connection broke or was
        // refused, the server is shutting down or out of resources (SQLSTATE classes 08, 53, 57),
        // or it is a standby that cannot write (25006, during a failover).
        let away = e.code().is_some_and(|c| {
            let c = c.code();
            c.starts_with("08") || c.starts_with("53") || c.starts_with("57") || c == "25006"
        });
        if away || e.is_closed() || e.as_db_error().is_none() && e.code().is_none() {
            DbError::Unavailable(e.to_string())
        } else {
            DbError::Postgres(e)
        }
    }
}

impl DbError {
    /// True when PostgreSQL gave up the transaction to keep it serializable: run it again.
    fn is_retryable(&self) -> bool {
        use postgres::error::SqlState;
        matches!(self, DbError::Postgres(e)
            if e.code() == Some(&SqlState::T_R_SERIALIZATION_FAILURE)
                || e.code() == Some(&SqlState::T_R_DEADLOCK_DETECTED))
    }

    /// True when a unique or primary-key constraint refused the row.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            DbError::Postgres(e) => e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION),
            DbError::Sqlite(rusqlite::Error::SqliteFailure(f, _)) => {
                f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            }
            _ => false,
        }
    }
}

pub type DbResult<T> = Result<T, DbError>;

/// A statement parameter, borrowed from the caller.
#[derive(Debug, Clone, Copy)]
pub enum Arg<'a> {
    Null,
    Int(i64),
    Text(&'a str),
    Blob(&'a [u8]),
}

/// Values that can be bound as a parameter.
pub trait ToArg {
    fn to_arg(&self) -> Arg<'_>;
}

impl ToArg for i64 {
    fn to_arg(&self) -> Arg<'_> {
        Arg::Int(*self)
    }
}
impl ToArg for i32 {
    fn to_arg(&self) -> Arg<'_> {
        Arg::Int(i64::from(*self))
    }
}
impl ToArg for u32 {
    fn to_arg(&self) -> Arg<'_> {
        Arg::Int(i64::from(*self))
    }
}
impl ToArg for bool {
    fn to_arg(&self) -> Arg<'_> {
        Arg::Int(i64::from(*self))
    }
}
impl ToArg for str {
    fn to_arg(&self) -> Arg<'_> {
        Arg::Text(self)
    }
}
impl ToArg for String {
    fn to_arg(&self) -> Arg<'_> {
        Arg::Text(self)
    }
}
impl ToArg for [u8] {
    fn to_arg(&self) -> Arg<'_> {
        Arg::Blob(self)
    }
}
impl ToArg for Vec<u8> {
    fn to_arg(&self) -> Arg<'_> {
        Arg::Blob(self)
    }
}
impl<T: ToArg + ?Sized> ToArg for &T {
    fn to_arg(&self) -> Arg<'_> {
        (**self).to_arg()
    }
}
impl<T: ToArg> ToArg for Option<T> {
    fn to_arg(&self) -> Arg<'_> {
        match self {
            Some(v) => v.to_arg(),
            None => Arg::Null,
        }
    }
}

/// The parameters of one statement: `args![a, b, c]` binds `?1`, `?2`, `?3`.
#[macro_export]
macro_rules! args {
    () => { &[] as &[$crate::store::db::Arg<'_>] };
    ($($a:expr),+ $(,)?) => { &[$($crate::store::db::ToArg::to_arg(&$a)),+] as &[$crate::store::db::Arg<'_>] };
}
pub use args;

/// A column value as read.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// A row as read: its values and the names of its columns.
#[derive(Debug, Clone)]
pub struct Row {
    names: Arc<[String]>,
    values: Vec<Value>,
}

impl Row {
    /// The value of column `i` (from 0).
    pub fn get<T: FromValue>(&self, i: usize) -> DbResult<T> {
        let v = self
            .values
            .get(i)
            .ok_or_else(|| DbError::Decode(format!("no column {i}")))?;
        T::from_value(v).map_err(|e| DbError::Decode(format!("column {i}: {e}")))
    }

    /// The value of the column named `name`.
    pub fn by<T: FromValue>(&self, name: &str) -> DbResult<T> {
        let i = self
            .names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| DbError::Decode(format!("no column {name}")))?;
        let v = &self.values[i];
        T::from_value(v).map_err(|e| DbError::Decode(format!("column {name}: {e}")))
    }
}

/// Values that can be read from a column.
pub trait FromValue: Sized {
    fn from_value(v: &Value) -> Result<Self, String>;
}

impl FromValue for i64 {
    fn from_value(v: &Value) -> Result<Self, String> {
        match v {
            Value::Int(i) => Ok(*i),
            other => Err(format!("expected an integer, found {other:?}")),
        }
    }
}
impl FromValue for u32 {
    fn from_value(v: &Value) -> Result<Self, String> {
        let i = i64::from_value(v)?;
        u32::try_from(i).map_err(|e| e.to_string())
    }
}
impl FromValue for bool {
    fn from_value(v: &Value) -> Result<Self, String> {
        Ok(i64::from_value(v)? != 0)
    }
}
impl FromValue for String {
    fn from_value(v: &Value) -> Result<Self, String> {
        match v {
            Value::Text(s) => Ok(s.clone()),
            other => Err(format!("expected text, found {other:?}")),
        }
    }
}
impl FromValue for Vec<u8> {
    fn from_value(v: &Value) -> Result<Self, String> {
        match v {
            Value::Blob(b) => Ok(b.clone()),
            Value::Text(s) => Ok(s.as_bytes().to_vec()),
            other => Err(format!("expected bytes, found {other:?}")),
        }
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &Value) -> Result<Self, String> {
        match v {
            Value::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}

/// Types built from a whole row: tuples by position, structs by column name (`from_row!`).
pub trait FromRow: Sized {
    fn from_row(row: &Row) -> DbResult<Self>;
}

macro_rules! tuple_from_row {
    ($($t:ident $i:tt),+) => {
        impl<$($t: FromValue),+> FromRow for ($($t,)+) {
            fn from_row(row: &Row) -> DbResult<Self> {
                Ok(($(row.get::<$t>($i)?,)+))
            }
        }
    };
}
tuple_from_row!(A 0);
tuple_from_row!(A 0, B 1);
tuple_from_row!(A 0, B 1, C 2);
tuple_from_row!(A 0, B 1, C 2, D 3);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);

/// `from_row!(Record { a, b, c })`: reads each field from the column of the same name.
#[macro_export]
macro_rules! from_row {
    ($t:ident { $($f:ident),+ $(,)? }) => {
        impl $crate::store::db::FromRow for $t {
            fn from_row(row: &$crate::store::db::Row) -> $crate::store::db::DbResult<Self> {
                Ok($t { $($f: row.by(stringify!($f))?),+ })
            }
        }
    };
}
pub use from_row;

/// One transaction (or, for reads, one connection): the statements of a store call.
pub struct Tx<'c> {
    inner: Inner<'c>,
    /// SQLite: where statements that scanned a whole table are noted ([`Db::full_scans`]).
    scans: Option<&'c Mutex<std::collections::BTreeSet<String>>>,
    undo: bool,
    /// PostgreSQL refused a statement to keep the transaction serializable: run it again.
    retry: bool,
}

enum Inner<'c> {
    Lite(&'c Connection),
    /// A read: statements in autocommit.
    PgClient(&'c mut postgres::Client, &'c mut Statements),
    /// A write transaction.
    PgTxn(postgres::Transaction<'c>, &'c mut Statements),
}

/// A PostgreSQL connection's prepared statements, by their SQL as the store wrote it.
type Statements = std::collections::HashMap<String, postgres::Statement>;

impl<'c> Tx<'c> {
    fn new(conn: &'c Connection) -> Self {
        Tx::with(Inner::Lite(conn))
    }

    fn with(inner: Inner<'c>) -> Self {
        Tx {
            inner,
            scans: None,
            undo: false,
            retry: false,
        }
    }

    /// True on PostgreSQL (for the few statements whose SQL differs).
    pub fn is_postgres(&self) -> bool {
        !matches!(self.inner, Inner::Lite(_))
    }

    /// Rolls the write transaction back when the closure returns, even with `Ok` (an outcome
    /// found after some statements ran that must leave nothing behind).
    pub fn undo(&mut self) {
        self.undo = true;
    }

    /// Takes back an earlier [`Tx::undo`]: the transaction commits after all.
    pub fn keep(&mut self) {
        self.undo = false;
    }

    /// Runs a statement; the number of rows it changed.
    pub fn exec(&mut self, sql: &str, args: &[Arg<'_>]) -> DbResult<u64> {
        match &mut self.inner {
            Inner::Lite(conn) => {
                let mut stmt = conn.prepare_cached(sql)?;
                bind(&mut stmt, args)?;
                let changed = stmt.raw_execute()? as u64;
                note_scan(self.scans, &stmt, sql);
                Ok(changed)
            }
            Inner::PgClient(c, stmts) => {
                let st = pg_statement(*c, stmts, sql)?;
                Ok(c.execute(&st, &pg_args(args))?)
            }
            Inner::PgTxn(t, stmts) => {
                let st = pg_statement(t, stmts, sql)?;
                let done = t.execute(&st, &pg_args(args)).map_err(DbError::from);
                self.retry |= done.as_ref().is_err_and(DbError::is_retryable);
                done
            }
        }
    }

    /// Every row of a query.
    pub fn rows(&mut self, sql: &str, args: &[Arg<'_>]) -> DbResult<Vec<Row>> {
        match &mut self.inner {
            Inner::Lite(conn) => lite_rows(conn, sql, args, self.scans),
            Inner::PgClient(c, stmts) => {
                let st = pg_statement(*c, stmts, sql)?;
                pg_rows(&st, c.query(&st, &pg_args(args))?)
            }
            Inner::PgTxn(t, stmts) => {
                let st = pg_statement(t, stmts, sql)?;
                let rows = t.query(&st, &pg_args(args)).map_err(DbError::from);
                self.retry |= rows.as_ref().is_err_and(DbError::is_retryable);
                pg_rows(&st, rows?)
            }
        }
    }

    pub fn all<T: FromRow>(&mut self, sql: &str, args: &[Arg<'_>]) -> DbResult<Vec<T>> {
        self.rows(sql, args)?.iter().map(T::from_row).collect()
    }

    pub fn opt<T: FromRow>(&mut self, sql: &str, args: &[Arg<'_>]) -> DbResult<Option<T>> {
        self.rows(sql, args)?.first().map(T::from_row).transpose()
    }

    pub fn one<T: FromRow>(&mut self, sql: &str, args: &[Arg<'_>]) -> DbResult<T> {
        self.opt(sql, args)?.ok_or(DbError::RowNotFound)
    }

    /// The first column of every row.
    pub fn scalars<T: FromValue>(&mut self, sql: &str, args: &[Arg<'_>]) -> DbResult<Vec<T>> {
        self.rows(sql, args)?.iter().map(|r| r.get(0)).collect()
    }

    /// The first column of the first row, if there is a row.
    pub fn scalar_opt<T: FromValue>(&mut self, sql: &str, args: &[Arg<'_>]) -> DbResult<Option<T>> {
        self.rows(sql, args)?.first().map(|r| r.get(0)).transpose()
    }

    /// The first column of the one row.
    pub fn scalar<T: FromValue>(&mut self, sql: &str, args: &[Arg<'_>]) -> DbResult<T> {
        self.scalar_opt(sql, args)?.ok_or(DbError::RowNotFound)
    }

    /// Runs several statements without parameters (migrations).
    fn batch(&mut self, sql: &str) -> DbResult<()> {
        match &mut self.inner {
            Inner::Lite(conn) => Ok(conn.execute_batch(sql)?),
            Inner::PgClient(c, _) => Ok(c.batch_execute(sql)?),
            Inner::PgTxn(t, _) => Ok(t.batch_execute(sql)?),
        }
    }
}

/// The database a store uses, chosen by its URL.
#[derive(Clone)]
pub struct Db {
    backend: Backend,
}

#[derive(Clone)]
enum Backend {
    Lite(Arc<Lite>),
    Pg(Arc<Pg>),
}

/// Brings a SQLite database up to date (before it is shared: [`Db::connect`]).
fn migrate_sqlite(conn: &mut Connection) -> DbResult<()> {
    let txn = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    apply_migrations(&mut Tx::new(&txn), SQLITE_MIGRATIONS)?;
    txn.commit()?;
    Ok(())
}

/// Runs blocking database work from async code: on the multi-threaded runtime in place (the
/// runtime moves its other tasks off this thread meanwhile); elsewhere (a single-threaded test
/// runtime) on a scoped thread, because the PostgreSQL client runs a runtime of its own.
fn blocking<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(RuntimeFlavor::MultiThread) => tokio::task::block_in_place(f),
        Ok(_) => std::thread::scope(|s| {
            s.spawn(f)
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p))
        }),
        Err(_) => f(),
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding a connection leaves it usable (its transaction rolled back on drop).
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Db {
    /// Opens (creating when missing) the database named by `url` and applies the migrations:
    /// `sqlite://path` or `sqlite::memory:`, or `postgres://user@host:port/db` (also
    /// `postgresql://`), where several replicas starting at once migrate one after another.
    pub async fn connect(url: &str) -> DbResult<Db> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pg = Arc::new(Pg {
                url: url.to_string(),
                idle: Mutex::new(PgPool {
                    conns: Vec::new(),
                    open: 0,
                }),
                freed: std::sync::Condvar::new(),
                max: PG_MAX_CONNECTIONS,
            });
            let db = Db {
                backend: Backend::Pg(pg),
            };
            let migrated = db.clone();
            blocking(move || migrated.migrate())?;
            return Ok(db);
        }
        let Some(path) = sqlite_path(url) else {
            return Err(DbError::Unavailable(format!(
                "unsupported database URL scheme: {}",
                url.split(':').next().unwrap_or_default()
            )));
        };
        let mut writer = open_sqlite(path.as_deref(), true)?;
        migrate_sqlite(&mut writer)?;
        let lite = Arc::new(Lite {
            writer: tokio::sync::Mutex::new(Writer::new(writer)),
            committed: tokio::sync::watch::Sender::new(Committed::default()),
            waiting: Default::default(),
            scans: Mutex::default(),
            readers: Mutex::new(Vec::new()),
            path,
        });
        committer(Arc::downgrade(&lite))
            .map_err(|e| DbError::Unavailable(format!("sqlite commit thread: {e}")))?;
        if let Some(path) = &lite.path {
            checkpoints(Arc::downgrade(&lite), open_sqlite(Some(path), true)?);
        }
        Ok(Db {
            backend: Backend::Lite(lite),
        })
    }

    /// The statements (whitespace folded) that stepped through a whole table since the database
    /// was opened: SQLite only (its full-scan counter); a statement here will slow down as the
    /// table grows. Tests assert the request paths they drive leave it empty.
    pub fn full_scans(&self) -> Vec<String> {
        match &self.backend {
            Backend::Lite(lite) => lock(&lite.scans).iter().cloned().collect(),
            Backend::Pg(_) => Vec::new(),
        }
    }

    /// True when the store is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        matches!(self.backend, Backend::Pg(_))
    }

    /// Runs `f` in one write transaction, committed when it returns `Ok` (unless it called
    /// [`Tx::undo`]), rolled back otherwise; returns once it is committed. SQLite: a savepoint in
    /// the batch of write calls on the one writer connection, committed with the batch (group
    /// commit, see [`Lite::write`]). PostgreSQL: `SERIALIZABLE`, run again (up to
    /// [`PG_RETRIES`] times, after a [`retry_pause`]) when the database refuses it to stay
    /// serializable — so `f` may run more than once and must not act outside the transaction.
    pub async fn write<T: Send, E: From<DbError> + Send>(
        &self,
        mut f: impl FnMut(&mut Tx<'_>) -> Result<T, E> + Send,
    ) -> Result<T, E> {
        match &self.backend {
            Backend::Lite(lite) => lite.write(&mut f).await,
            Backend::Pg(pg) => blocking(|| {
                pg.with(|conn| {
                    let mut attempt = 0;
                    loop {
                        let retry = match pg_write_once(conn, &mut f) {
                            Err(Failed::Retry) => DbError::Unavailable(
                                "could not serialize the transaction".into(),
                            ),
                            Err(Failed::Db(e)) if e.is_retryable() => e,
                            Err(Failed::Db(e)) => return Err(E::from(e)),
                            Err(Failed::Caller(e)) => return Err(e),
                            Ok(v) => return Ok(v),
                        };
                        if attempt >= PG_RETRIES {
                            tracing::warn!(error = %retry, attempts = attempt + 1, "gave up a write transaction");
                            return Err(E::from(DbError::Unavailable(retry.to_string())));
                        }
                        attempt += 1;
                        std::thread::sleep(retry_pause(attempt));
                    }
                })
                .map_err(E::from)?
            }),
        }
    }

    /// Runs `f`'s statements each atomic on its own: for a single statement that needs no
    /// transaction around it (a counter's upsert, a lease, claiming queue rows with `SKIP
    /// LOCKED`, a batch of retention deletes). SQLite: a write transaction as [`Db::write`].
    /// PostgreSQL: autocommit (`READ COMMITTED`), where such a statement waits for a row another
    /// transaction holds instead of failing to serialize on a hot row.
    pub async fn write_each<T: Send, E: From<DbError> + Send>(
        &self,
        f: impl FnMut(&mut Tx<'_>) -> Result<T, E> + Send,
    ) -> Result<T, E> {
        match &self.backend {
            Backend::Lite(_) => self.write(f).await,
            Backend::Pg(_) => self.read(f).await,
        }
    }

    /// Runs `f`'s reads: SQLite on a reader connection (an in-memory database, for tests: on
    /// the writer connection, where it also sees the open batch), PostgreSQL statement by
    /// statement in autocommit.
    pub async fn read<T: Send, E: From<DbError> + Send>(
        &self,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, E> + Send,
    ) -> Result<T, E> {
        match &self.backend {
            Backend::Lite(lite) => {
                let Some(path) = &lite.path else {
                    let w = lite.writer.lock().await;
                    let mut tx = Tx::new(&w.conn);
                    tx.scans = Some(&lite.scans);
                    return f(&mut tx);
                };
                let taken = lock(&lite.readers).pop();
                let conn = match taken {
                    Some(c) => c,
                    None => open_sqlite(Some(path), false)?,
                };
                let mut tx = Tx::new(&conn);
                tx.scans = Some(&lite.scans);
                let out = f(&mut tx);
                drop(tx);
                let mut idle = lock(&lite.readers);
                if idle.len() < READERS_KEPT {
                    idle.push(conn);
                }
                out
            }
            Backend::Pg(pg) => blocking(|| {
                pg.with(|conn| {
                    let PgConn { client, stmts } = conn;
                    f(&mut Tx::with(Inner::PgClient(client, stmts)))
                })
                .map_err(E::from)?
            }),
        }
    }

    fn migrate(&self) -> DbResult<()> {
        match &self.backend {
            Backend::Lite(_) => Ok(()),
            Backend::Pg(pg) => pg.with(|conn| {
                // Replicas starting together: one migrates, the others wait and then find
                // nothing left to do.
                conn.client
                    .execute("SELECT pg_advisory_lock($1)", &[&PG_MIGRATION_LOCK])?;
                let result = (|| {
                    let PgConn { client, stmts } = &mut *conn;
                    let mut tx = Tx::with(Inner::PgTxn(client.transaction()?, stmts));
                    apply_migrations(&mut tx, PG_MIGRATIONS)?;
                    match tx.inner {
                        Inner::PgTxn(t, _) => t.commit()?,
                        _ => unreachable!("a PostgreSQL transaction"),
                    }
                    Ok(())
                })();
                conn.client
                    .execute("SELECT pg_advisory_unlock($1)", &[&PG_MIGRATION_LOCK])?;
                // Statements prepared before the schema existed would not see it.
                conn.stmts.clear();
                result
            })?,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_of_an_older_version_is_brought_up_to_date_keeping_its_counts() {
        let conn = open_sqlite(None, true).expect("open");
        let older = SQLITE_MIGRATIONS
            .iter()
            .position(|m| m.1 == "0014_failure_counts")
            .expect("0014");
        let mut tx = Tx::new(&conn);
        apply_migrations(&mut tx, &SQLITE_MIGRATIONS[..older]).expect("older");
        for at in [60_000i64, 61_000, 119_999, 120_000] {
            tx.exec(
                "INSERT INTO failures (scope, at) VALUES ('ip:x', ?1)",
                args![at],
            )
            .expect("failure");
        }
        apply_migrations(&mut tx, SQLITE_MIGRATIONS).expect("up to date");
        let counts: Vec<(i64, i64, i64)> = tx
            .all(
                "SELECT minute, n, last_at FROM failure_counts ORDER BY minute",
                args![],
            )
            .expect("counts");
        assert_eq!(counts, vec![(1, 3, 119_999), (2, 1, 120_000)]);
        // Nothing applies twice.
        apply_migrations(&mut tx, SQLITE_MIGRATIONS).expect("again");
    }

    #[test]
    fn postgres_sql() {
        assert_eq!(
            pg_sql("SELECT a FROM t WHERE b = ?1 AND c = '?2' AND d = ?12"),
            "SELECT a FROM t WHERE b = $1 AND c = '?2' AND d = $12"
        );
        assert_eq!(
            pg_sql(
                "DELETE FROM t WHERE rowid IN (SELECT rowid FROM t INDEXED BY t_x WHERE a < ?1)"
            ),
            "DELETE FROM t WHERE ctid IN (SELECT ctid FROM t  WHERE a < $1)"
        );
    }

    #[test]
    fn urls() {
        assert_eq!(sqlite_path("sqlite::memory:"), Some(None));
        assert_eq!(
            sqlite_path("sqlite://var/portal.sqlite"),
            Some(Some("var/portal.sqlite".into()))
        );
        assert_eq!(
            sqlite_path("sqlite:///tmp/x.db?mode=rwc"),
            Some(Some("/tmp/x.db".into()))
        );
        assert_eq!(sqlite_path("postgres://h/db"), None);
    }

    /// The log's frames now (a `PASSIVE` checkpoint also reports them).
    fn wal_frames(conn: &Connection) -> i64 {
        checkpoint(conn, "PASSIVE").expect("checkpoint").0
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_log_starts_again_after_checkpoints_while_writes_and_reads_go_on() {
        let dir = std::env::temp_dir().join(format!("bp-wal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("t.sqlite").display().to_string();
        let db = Db::connect(&format!("sqlite://{path}"))
            .await
            .expect("connect");
        db.write(|tx| tx.exec("CREATE TABLE t (a INTEGER, b BLOB)", args![]))
            .await
            .expect("create");
        // A writer and a reader that never pause, as under load: 3,000 rows of 4 KiB, each its
        // own transaction (about 9,000 frames of log in all).
        let writing = {
            let db = db.clone();
            tokio::spawn(async move {
                let page = vec![7u8; 4000];
                for i in 0..3000i64 {
                    db.write(|tx| tx.exec("INSERT INTO t VALUES (?1, ?2)", args![i, &page[..]]))
                        .await
                        .expect("insert");
                }
            })
        };
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let reading = {
            let (db, stop) = (db.clone(), stop.clone());
            tokio::spawn(async move {
                let mut reads = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    db.read(|tx| {
                        tx.scalar::<i64>("SELECT coalesce(max(rowid), 0) FROM t", args![])
                    })
                    .await
                    .expect("read");
                    reads += 1;
                    tokio::task::yield_now().await;
                }
                reads
            })
        };
        let Backend::Lite(lite) = &db.backend else {
            panic!("sqlite")
        };
        let probe = Arc::new(Mutex::new(open_sqlite(Some(&path), true).expect("probe")));
        let checkpointing = {
            let (lite, probe, stop) = (lite.clone(), probe.clone(), stop.clone());
            tokio::task::spawn_blocking(move || {
                let mut most = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let probe = lock(&probe);
                    checkpoint_step(&lite, &probe);
                    std::thread::sleep(std::time::Duration::from_millis(10));
                    most = most.max(wal_frames(&probe));
                }
                checkpoint_step(&lite, &lock(&probe));
                most
            })
        };
        writing.await.expect("writer");
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        assert!(reading.await.expect("reader") > 0);
        let most = checkpointing.await.expect("checkpoints");
        db.write(|tx| tx.exec("DELETE FROM t WHERE a = 0", args![]))
            .await
            .expect("a write after the last checkpoint");
        let frames = wal_frames(&lock(&probe));
        // Without the restarts the log held nearly every frame written (about 9,000).
        assert!(most < 3000, "the log grew to {most} frames");
        assert!(frames < 10, "the log went on from frame {frames}");
        drop(db);
        std::fs::remove_dir_all(&dir).ok();
    }

    /// Many write calls at once share commits; each call is still all or nothing on its own:
    /// kept and visible to readers when it returns `Ok`, absent when it failed, undid or
    /// panicked, whatever the other calls in its batch did; a batch whose commit fails fails every
    /// call kept in it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn group_commit_keeps_each_call_all_or_nothing() {
        let dir = std::env::temp_dir().join(format!("bp-group-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let db = Db::connect(&format!("sqlite://{}/t.sqlite", dir.display()))
            .await
            .expect("connect");
        db.write(|tx| {
            tx.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)", args![])?;
            // A deferred reference is checked at COMMIT: a way to make a commit fail.
            tx.exec(
                "CREATE TABLE c (p INTEGER REFERENCES t (k) DEFERRABLE INITIALLY DEFERRED)",
                args![],
            )
        })
        .await
        .expect("create");
        let calls = (0..400i64).map(|k| {
            let db = db.clone();
            tokio::spawn(async move {
                let outcome = db
                    .write(|tx| {
                        tx.exec("INSERT INTO t VALUES (?1, 'x')", args![k])?;
                        match k % 5 {
                            1 => Err(DbError::Fault("a failed call")),
                            2 => {
                                tx.undo();
                                Ok(())
                            }
                            3 if k % 50 == 3 => panic!("a call that panics"),
                            _ => Ok(()),
                        }
                    })
                    .await;
                // Returned Ok (and not undone): committed, so any reader sees it now.
                let stays = outcome.is_ok() && k % 5 != 2;
                if stays {
                    let seen: i64 = db
                        .read(|tx| tx.scalar("SELECT count(*) FROM t WHERE k = ?1", args![k]))
                        .await
                        .expect("read");
                    assert_eq!(seen, 1, "call {k} returned before its commit");
                }
                assert_eq!(outcome.is_ok(), k % 5 != 1, "call {k}: {outcome:?}");
                stays
            })
        });
        let mut kept = Vec::new();
        for (k, call) in calls.collect::<Vec<_>>().into_iter().enumerate() {
            match call.await {
                Ok(true) => kept.push(k as i64),
                Ok(false) => {}
                Err(e) => assert!(e.is_panic() && k % 50 == 3, "call {k}: {e}"),
            }
        }
        let stored: Vec<i64> = db
            .read(|tx| tx.scalars("SELECT k FROM t ORDER BY k", args![]))
            .await
            .expect("stored");
        assert_eq!(stored, kept);
        assert_eq!(kept.len(), 400 - 80 - 80 - 8);
        let Backend::Lite(lite) = &db.backend else {
            panic!("sqlite")
        };
        let batches = lite.committed.borrow().done;
        assert!(
            batches < 400,
            "{batches} commits for 400 calls: none shared"
        );

        // A commit that fails (a deferred reference to nothing): the call is told, nothing stays.
        let failed = db
            .write(|tx| tx.exec("INSERT INTO c VALUES (?1)", args![100_000i64]))
            .await;
        assert!(matches!(failed, Err(DbError::Unavailable(_))), "{failed:?}");
        let after = db
            .write(|tx| tx.exec("INSERT INTO c VALUES (?1)", args![0i64]))
            .await;
        assert!(after.is_ok(), "the next batch is not affected: {after:?}");
        let refs: Vec<i64> = db
            .read(|tx| tx.scalars("SELECT p FROM c", args![]))
            .await
            .expect("refs");
        assert_eq!(refs, vec![0]);
        drop(db);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[tokio::test]
    async fn write_rolls_back_on_error_and_reads_see_commits() {
        let dir = std::env::temp_dir().join(format!("bp-db-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let url = format!("sqlite://{}/t.sqlite", dir.display());
        let db = Db::connect(&url).await.expect("connect");
        db.write(|tx| tx.exec("CREATE TABLE t (a INTEGER, b TEXT)", args![]))
            .await
            .expect("create");
        let failed: DbResult<()> = db
            .write(|tx| {
                tx.exec("INSERT INTO t VALUES (?1, ?2)", args![1i64, "x"])?;
                Err(DbError::Fault("test"))
            })
            .await;
        assert!(failed.is_err());
        db.write(|tx| tx.exec("INSERT INTO t VALUES (?1, ?2)", args![2i64, Some("y")]))
            .await
            .expect("insert");
        let rows: Vec<(i64, Option<String>)> = db
            .read(|tx| tx.all("SELECT a, b FROM t", args![]))
            .await
            .expect("read");
        assert_eq!(rows, vec![(2, Some("y".to_string()))]);
        // Reopening applies nothing twice.
        drop(db);
        Db::connect(&url).await.expect("reconnect");
        std::fs::remove_dir_all(&dir).ok();
    }
}
