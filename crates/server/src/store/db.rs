//! The database underneath the store: one small SQL interface over SQLite (embedded, the default)
//! and PostgreSQL (shared by any number of portal replicas).
//!
//! A store method hands one closure per request to [`Db::write`] or [`Db::read`]; the closure runs
//! its statements synchronously on a [`Tx`], and a write's statements commit together. For SQLite
//! the closure runs on the calling thread with the one writer connection (or a reader from a small
//! pool) — no hand-off to a database thread per statement, which used to cost the portal more CPU
//! than the statements themselves. SQL is written once with `?1`, `?2`… parameters (PostgreSQL
//! gets them as `$1`, `$2`…) and only portable constructs.

use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

/// What a database call can fail with.
#[derive(Debug)]
pub enum DbError {
    Sqlite(rusqlite::Error),
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

impl DbError {
    /// True when a unique or primary-key constraint refused the row.
    pub fn is_unique_violation(&self) -> bool {
        match self {
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
    conn: &'c Connection,
    undo: bool,
}

impl<'c> Tx<'c> {
    fn new(conn: &'c Connection) -> Self {
        Tx { conn, undo: false }
    }

    /// Rolls the write transaction back when the closure returns, even with `Ok` (an outcome
    /// found after some statements ran that must leave nothing behind).
    pub fn undo(&mut self) {
        self.undo = true;
    }

    /// Runs a statement; the number of rows it changed.
    pub fn exec(&mut self, sql: &str, args: &[Arg<'_>]) -> DbResult<u64> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        bind(&mut stmt, args)?;
        Ok(stmt.raw_execute()? as u64)
    }

    /// Every row of a query.
    pub fn rows(&mut self, sql: &str, args: &[Arg<'_>]) -> DbResult<Vec<Row>> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        bind(&mut stmt, args)?;
        let names: Arc<[String]> = stmt.column_names().iter().map(|n| n.to_string()).collect();
        let width = names.len();
        let mut rows = stmt.raw_query();
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut values = Vec::with_capacity(width);
            for i in 0..width {
                values.push(match r.get_ref(i)? {
                    rusqlite::types::ValueRef::Null => Value::Null,
                    rusqlite::types::ValueRef::Integer(i) => Value::Int(i),
                    rusqlite::types::ValueRef::Real(f) => Value::Real(f),
                    rusqlite::types::ValueRef::Text(t) => {
                        Value::Text(String::from_utf8_lossy(t).into_owned())
                    }
                    rusqlite::types::ValueRef::Blob(b) => Value::Blob(b.to_vec()),
                });
            }
            out.push(Row {
                names: names.clone(),
                values,
            });
        }
        Ok(out)
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
        Ok(self.conn.execute_batch(sql)?)
    }
}

fn bind(stmt: &mut rusqlite::CachedStatement<'_>, args: &[Arg<'_>]) -> DbResult<()> {
    let expected = stmt.parameter_count();
    if expected != args.len() {
        return Err(DbError::Sqlite(rusqlite::Error::InvalidParameterCount(
            args.len(),
            expected,
        )));
    }
    for (i, a) in args.iter().enumerate() {
        let i = i + 1;
        match *a {
            Arg::Null => stmt.raw_bind_parameter(i, rusqlite::types::Null)?,
            Arg::Int(v) => stmt.raw_bind_parameter(i, v)?,
            Arg::Text(v) => stmt.raw_bind_parameter(i, v)?,
            Arg::Blob(v) => stmt.raw_bind_parameter(i, v)?,
        }
    }
    Ok(())
}

/// The database a store uses, chosen by its URL.
#[derive(Clone)]
pub struct Db {
    lite: Arc<Lite>,
}

struct Lite {
    /// The one connection that writes (SQLite has one writer at a time anyway).
    writer: Mutex<Connection>,
    /// Idle reader connections; a read takes one (or opens one) and puts it back.
    readers: Mutex<Vec<Connection>>,
    /// `None` for an in-memory database: reads use the writer connection.
    path: Option<String>,
}

/// Most idle reader connections kept.
const READERS_KEPT: usize = 8;
const STATEMENT_CACHE: usize = 128;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding a connection leaves it usable (its transaction rolled back on drop).
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// `sqlite://path`, `sqlite:path` (with an optional `?…` query, ignored) or `sqlite::memory:`.
fn sqlite_path(url: &str) -> Option<Option<String>> {
    let rest = url.strip_prefix("sqlite:")?;
    if rest == ":memory:" || rest.starts_with(":memory:?") {
        return Some(None);
    }
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or(rest);
    Some(Some(path.to_string()))
}

fn open_sqlite(path: Option<&str>, writer: bool) -> DbResult<Connection> {
    let conn = match path {
        None => Connection::open_in_memory()?,
        Some(p) => {
            let mut flags = OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
            flags |= if writer {
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE
            } else {
                OpenFlags::SQLITE_OPEN_READ_ONLY
            };
            Connection::open_with_flags(p, flags)?
        }
    };
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.pragma_update(None, "foreign_keys", "ON")?;
    if writer {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // Deleted or overwritten content (expired codes, erased registrations) is zeroed in the
        // file rather than left in free space.
        conn.pragma_update(None, "secure_delete", "ON")?;
    }
    Ok(conn)
}

impl Db {
    /// Opens (creating when missing) the database named by `url` and applies the migrations.
    pub async fn connect(url: &str) -> DbResult<Db> {
        let Some(path) = sqlite_path(url) else {
            return Err(DbError::Unavailable(format!(
                "unsupported database URL scheme: {}",
                url.split(':').next().unwrap_or_default()
            )));
        };
        let writer = open_sqlite(path.as_deref(), true)?;
        let db = Db {
            lite: Arc::new(Lite {
                writer: Mutex::new(writer),
                readers: Mutex::new(Vec::new()),
                path,
            }),
        };
        db.migrate()?;
        Ok(db)
    }

    /// Runs `f` in one write transaction, committed when it returns `Ok`, rolled back otherwise.
    pub fn write<T, E: From<DbError>>(
        &self,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = lock(&self.lite.writer);
        let txn = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(DbError::from)?;
        let mut tx = Tx::new(&txn);
        let out = f(&mut tx)?;
        if tx.undo {
            txn.rollback().map_err(DbError::from)?;
        } else {
            txn.commit().map_err(DbError::from)?;
        }
        Ok(out)
    }

    /// Runs `f` on a reader connection (statements outside a write transaction).
    pub fn read<T, E: From<DbError>>(
        &self,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let Some(path) = &self.lite.path else {
            let conn = lock(&self.lite.writer);
            return f(&mut Tx::new(&conn));
        };
        let taken = lock(&self.lite.readers).pop();
        let conn = match taken {
            Some(c) => c,
            None => open_sqlite(Some(path), false)?,
        };
        let out = f(&mut Tx::new(&conn));
        let mut idle = lock(&self.lite.readers);
        if idle.len() < READERS_KEPT {
            idle.push(conn);
        }
        out
    }

    fn migrate(&self) -> DbResult<()> {
        let mut conn = lock(&self.lite.writer);
        let txn = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        apply_migrations(&mut Tx::new(&txn), SQLITE_MIGRATIONS)?;
        txn.commit()?;
        Ok(())
    }
}

/// A migration: its version, name and SQL.
type Migration = (i64, &'static str, &'static str);

macro_rules! migrations {
    ($dir:literal: $($v:literal $name:literal),+ $(,)?) => {
        &[$(($v, $name, include_str!(concat!("../../migrations/", $dir, "/", $name, ".sql")))),+]
    };
}

const SQLITE_MIGRATIONS: &[Migration] = migrations!("sqlite":
    1 "0001_registration",
    2 "0002_idempotency",
    3 "0003_lifecycle",
    4 "0004_bank_change",
    5 "0005_consent_withdrawal",
    6 "0006_sealed_ids",
    7 "0007_flow_return_to",
    8 "0008_sealed_totp",
    9 "0009_person_keys",
    10 "0010_sealed_replies",
    11 "0011_retention",
    12 "0012_embed",
);

/// Applies the migrations not yet recorded, in order, within `tx`. The record is the table sqlx's
/// migrator kept (same rows, same SHA-384 checksums), so databases it created carry on.
fn apply_migrations(tx: &mut Tx<'_>, all: &[Migration]) -> DbResult<()> {
    use sha2::{Digest, Sha384};
    tx.batch(
        "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
            version BIGINT PRIMARY KEY,
            description TEXT NOT NULL,
            installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
            success BOOLEAN NOT NULL,
            checksum BLOB NOT NULL,
            execution_time BIGINT NOT NULL
        )",
    )?;
    let done: Vec<(i64, Vec<u8>)> = tx.all(
        "SELECT version, checksum FROM _sqlx_migrations WHERE success = TRUE ORDER BY version",
        args![],
    )?;
    for &(version, name, sql) in all {
        let checksum = Sha384::digest(sql.as_bytes()).to_vec();
        if let Some((_, stored)) = done.iter().find(|(v, _)| *v == version) {
            if *stored != checksum {
                return Err(DbError::Migrate(format!(
                    "{name} was changed after it was applied"
                )));
            }
            continue;
        }
        let started = std::time::Instant::now();
        tx.batch(sql)
            .map_err(|e| DbError::Migrate(format!("{name}: {e}")))?;
        let description = name
            .split_once('_')
            .map(|(_, d)| d.replace('_', " "))
            .unwrap_or_default();
        let elapsed = i64::try_from(started.elapsed().as_nanos()).unwrap_or(i64::MAX);
        tx.exec(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
             VALUES (?1, ?2, TRUE, ?3, ?4)",
            args![version, description, checksum, elapsed],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[tokio::test]
    async fn write_rolls_back_on_error_and_reads_see_commits() {
        let dir = std::env::temp_dir().join(format!("bp-db-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let url = format!("sqlite://{}/t.sqlite", dir.display());
        let db = Db::connect(&url).await.expect("connect");
        db.write(|tx| tx.exec("CREATE TABLE t (a INTEGER, b TEXT)", args![]))
            .expect("create");
        let failed: DbResult<()> = db.write(|tx| {
            tx.exec("INSERT INTO t VALUES (?1, ?2)", args![1i64, "x"])?;
            Err(DbError::Fault("test"))
        });
        assert!(failed.is_err());
        db.write(|tx| tx.exec("INSERT INTO t VALUES (?1, ?2)", args![2i64, Some("y")]))
            .expect("insert");
        let rows: Vec<(i64, Option<String>)> = db
            .read(|tx| tx.all("SELECT a, b FROM t", args![]))
            .expect("read");
        assert_eq!(rows, vec![(2, Some("y".to_string()))]);
        // Reopening applies nothing twice.
        drop(db);
        Db::connect(&url).await.expect("reconnect");
        std::fs::remove_dir_all(&dir).ok();
    }
}
