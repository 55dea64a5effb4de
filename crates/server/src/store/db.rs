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

/// Notes `sql` when its last run stepped through a whole table (no index served it).
fn note_scan(
    scans: Option<&Mutex<std::collections::BTreeSet<String>>>,
    stmt: &rusqlite::CachedStatement<'_>,
    sql: &str,
) {
    if let Some(scans) = scans {
        if stmt.get_status(rusqlite::StatementStatus::FullscanStep) > 0 {
            lock(scans).insert(sql.split_whitespace().collect::<Vec<_>>().join(" "));
        }
    }
}

fn lite_rows(
    conn: &Connection,
    sql: &str,
    args: &[Arg<'_>],
    scans: Option<&Mutex<std::collections::BTreeSet<String>>>,
) -> DbResult<Vec<Row>> {
    let mut stmt = conn.prepare_cached(sql)?;
    bind(&mut stmt, args)?;
    let names: Arc<[String]> = stmt.column_names().iter().map(|n| n.to_string()).collect();
    let width = names.len();
    let mut out = Vec::new();
    let mut rows = stmt.raw_query();
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
    drop(rows);
    note_scan(scans, &stmt, sql);
    Ok(out)
}

/// The SQL as PostgreSQL takes it: `?N` parameters become `$N`, and SQLite's physical row id
/// (`rowid`, used to delete in batches) becomes PostgreSQL's (`ctid`).
fn pg_sql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if c == '\'' {
            quoted = !quoted;
        }
        if c == '?' && !quoted && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    if out.contains("rowid") {
        out = out.replace("rowid", "ctid");
    }
    // SQLite's planner hint (`INDEXED BY name`) has no PostgreSQL twin: PostgreSQL plans alone.
    while let Some(at) = out.find("INDEXED BY ") {
        let name_start = at + "INDEXED BY ".len();
        let name_end = out[name_start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(out.len(), |n| name_start + n);
        out.replace_range(at..name_end, "");
    }
    out
}

fn pg_statement<C: postgres::GenericClient>(
    client: &mut C,
    stmts: &mut Statements,
    sql: &str,
) -> DbResult<postgres::Statement> {
    if let Some(st) = stmts.get(sql) {
        return Ok(st.clone());
    }
    let st = client.prepare(&pg_sql(sql))?;
    stmts.insert(sql.to_string(), st.clone());
    Ok(st)
}

fn pg_args<'a>(args: &'a [Arg<'a>]) -> Vec<&'a (dyn postgres::types::ToSql + Sync)> {
    args.iter()
        .map(|a| a as &(dyn postgres::types::ToSql + Sync))
        .collect()
}

fn pg_rows(st: &postgres::Statement, rows: Vec<postgres::Row>) -> DbResult<Vec<Row>> {
    use postgres::types::Type;
    let names: Arc<[String]> = st.columns().iter().map(|c| c.name().to_string()).collect();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let mut values = Vec::with_capacity(names.len());
        for (i, col) in r.columns().iter().enumerate() {
            let ty = col.type_();
            let v = if *ty == Type::INT8 {
                r.try_get::<_, Option<i64>>(i)?.map(Value::Int)
            } else if *ty == Type::INT4 {
                r.try_get::<_, Option<i32>>(i)?
                    .map(|v| Value::Int(v.into()))
            } else if *ty == Type::INT2 {
                r.try_get::<_, Option<i16>>(i)?
                    .map(|v| Value::Int(v.into()))
            } else if *ty == Type::BOOL {
                r.try_get::<_, Option<bool>>(i)?
                    .map(|v| Value::Int(v.into()))
            } else if *ty == Type::BYTEA {
                r.try_get::<_, Option<Vec<u8>>>(i)?.map(Value::Blob)
            } else if *ty == Type::FLOAT8 {
                r.try_get::<_, Option<f64>>(i)?.map(Value::Real)
            } else if *ty == Type::TEXT || *ty == Type::VARCHAR || *ty == Type::NAME {
                r.try_get::<_, Option<String>>(i)?.map(Value::Text)
            } else {
                return Err(DbError::Decode(format!(
                    "column {}: type {ty} is not read by the store",
                    col.name()
                )));
            };
            values.push(v.unwrap_or(Value::Null));
        }
        out.push(Row {
            names: names.clone(),
            values,
        });
    }
    Ok(out)
}

impl postgres::types::ToSql for Arg<'_> {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        use postgres::types::Type;
        match *self {
            Arg::Null => Ok(postgres::types::IsNull::Yes),
            Arg::Int(v) if *ty == Type::INT4 => i32::try_from(v)?.to_sql(ty, out),
            Arg::Int(v) if *ty == Type::INT2 => i16::try_from(v)?.to_sql(ty, out),
            Arg::Int(v) if *ty == Type::BOOL => (v != 0).to_sql(ty, out),
            Arg::Int(v) if *ty == Type::TEXT || *ty == Type::VARCHAR => {
                v.to_string().to_sql(ty, out)
            }
            Arg::Int(v) => v.to_sql(ty, out),
            Arg::Text(v) => v.to_sql(ty, out),
            Arg::Blob(v) => v.to_sql(ty, out),
        }
    }

    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
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
    backend: Backend,
}

#[derive(Clone)]
enum Backend {
    Lite(Arc<Lite>),
    Pg(Arc<Pg>),
}

struct Lite {
    /// The one connection that writes (SQLite has one writer at a time anyway).
    writer: Mutex<Connection>,
    /// Statements that scanned a whole table ([`Db::full_scans`]).
    scans: Mutex<std::collections::BTreeSet<String>>,
    /// Idle reader connections; a read takes one (or opens one) and puts it back.
    readers: Mutex<Vec<Connection>>,
    /// `None` for an in-memory database: reads use the writer connection.
    path: Option<String>,
}

/// PostgreSQL: a pool of connections, each with its prepared statements. A store call holds one
/// connection for its closure, on a thread allowed to block (see [`blocking`]).
struct Pg {
    url: String,
    idle: Mutex<PgPool>,
    freed: std::sync::Condvar,
    max: usize,
}

struct PgPool {
    conns: Vec<PgConn>,
    open: usize,
}

struct PgConn {
    client: postgres::Client,
    stmts: Statements,
}

/// Most connections one portal process opens to PostgreSQL.
const PG_MAX_CONNECTIONS: usize = 16;
/// How long a call waits for a free connection before answering "unavailable".
const PG_ACQUIRE: std::time::Duration = std::time::Duration::from_secs(5);
/// Times a write transaction is run again after PostgreSQL refused it to stay serializable.
const PG_RETRIES: u32 = 20;

/// The pause before running a refused transaction again: growing (1, 2, 4 … 32 ms) and spread
/// at random over half to one and a half of that, so transactions refused together do not meet
/// again in step.
fn retry_pause(attempt: u32) -> std::time::Duration {
    let base = 1u64 << attempt.min(5);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::from(d.subsec_nanos()));
    let spread = base * 1000 / 2 + nanos % (base * 1000);
    std::time::Duration::from_micros(spread)
}
/// The advisory lock the replicas take while migrating (any constant both sides agree on).
const PG_MIGRATION_LOCK: i64 = 0x6261_6e6b_6964;

impl Pg {
    fn acquire(&self) -> DbResult<PgConn> {
        let deadline = std::time::Instant::now() + PG_ACQUIRE;
        let mut pool = lock(&self.idle);
        loop {
            if let Some(c) = pool.conns.pop() {
                if !c.client.is_closed() {
                    return Ok(c);
                }
                pool.open -= 1;
                continue;
            }
            if pool.open < self.max {
                pool.open += 1;
                drop(pool);
                return match postgres::Client::connect(&self.url, postgres::NoTls) {
                    Ok(client) => Ok(PgConn {
                        client,
                        stmts: Statements::new(),
                    }),
                    Err(e) => {
                        lock(&self.idle).open -= 1;
                        self.freed.notify_one();
                        Err(DbError::Unavailable(e.to_string()))
                    }
                };
            }
            let now = std::time::Instant::now();
            if now >= deadline {
                return Err(DbError::Unavailable("no free database connection".into()));
            }
            pool = self
                .freed
                .wait_timeout(pool, deadline - now)
                .map(|(g, _)| g)
                .unwrap_or_else(|p| p.into_inner().0);
        }
    }

    fn release(&self, conn: PgConn) {
        let mut pool = lock(&self.idle);
        if conn.client.is_closed() {
            pool.open -= 1;
        } else {
            pool.conns.push(conn);
        }
        drop(pool);
        self.freed.notify_one();
    }

    /// Runs `f` with a pooled connection; a broken connection is dropped, not returned.
    fn with<R>(&self, f: impl FnOnce(&mut PgConn) -> R) -> DbResult<R> {
        let mut conn = self.acquire()?;
        let out = f(&mut conn);
        self.release(conn);
        Ok(out)
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        // A PostgreSQL client closes its connection with a blocking call, not allowed on the
        // async runtime's threads: the last ones are closed on a thread of their own.
        let conns = std::mem::take(&mut lock(&self.idle).conns);
        if !conns.is_empty() {
            std::thread::spawn(move || drop(conns));
        }
    }
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

/// How often the checkpoint thread copies the WAL into the database file.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// Copies committed WAL frames into the database file every [`CHECKPOINT_EVERY`] (`PASSIVE`: it
/// never waits for the writer or readers), on a thread of its own with its own connection, until
/// the database is closed.
fn checkpoints(lite: std::sync::Weak<Lite>, conn: Connection) {
    let spawned = std::thread::Builder::new()
        .name("sqlite-checkpoint".into())
        .spawn(move || loop {
            std::thread::sleep(CHECKPOINT_EVERY);
            if lite.upgrade().is_none() {
                return;
            }
            if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                tracing::warn!(error = %e, "sqlite checkpoint");
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "sqlite checkpoint thread");
    }
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
        if path.is_some() {
            // Checkpoints run on a thread of their own ([`checkpoints`]), not inside a commit
            // that holds the writer (and an async worker thread) while it copies and syncs.
            conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        }
        // Deleted or overwritten content (expired codes, erased registrations) is zeroed in the
        // file rather than left in free space.
        conn.pragma_update(None, "secure_delete", "ON")?;
    }
    Ok(conn)
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
        let writer = open_sqlite(path.as_deref(), true)?;
        let lite = Arc::new(Lite {
            writer: Mutex::new(writer),
            scans: Mutex::default(),
            readers: Mutex::new(Vec::new()),
            path,
        });
        if let Some(path) = &lite.path {
            checkpoints(Arc::downgrade(&lite), open_sqlite(Some(path), true)?);
        }
        let db = Db {
            backend: Backend::Lite(lite),
        };
        db.migrate()?;
        Ok(db)
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
    /// [`Tx::undo`]), rolled back otherwise. SQLite: on the one writer connection, `BEGIN
    /// IMMEDIATE`. PostgreSQL: `SERIALIZABLE`, run again (up to [`PG_RETRIES`] times, after a
    /// [`retry_pause`]) when the
    /// database refuses it to stay serializable — so `f` may run more than once and must not act
    /// outside the transaction.
    pub fn write<T: Send, E: From<DbError> + Send>(
        &self,
        mut f: impl FnMut(&mut Tx<'_>) -> Result<T, E> + Send,
    ) -> Result<T, E> {
        match &self.backend {
            Backend::Lite(lite) => {
                let mut conn = lock(&lite.writer);
                let txn = conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .map_err(DbError::from)?;
                let mut tx = Tx::new(&txn);
                tx.scans = Some(&lite.scans);
                let out = f(&mut tx)?;
                let undo = tx.undo;
                drop(tx);
                if undo {
                    txn.rollback().map_err(DbError::from)?;
                } else {
                    txn.commit().map_err(DbError::from)?;
                }
                Ok(out)
            }
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
    pub fn write_each<T: Send, E: From<DbError> + Send>(
        &self,
        f: impl FnMut(&mut Tx<'_>) -> Result<T, E> + Send,
    ) -> Result<T, E> {
        match &self.backend {
            Backend::Lite(_) => self.write(f),
            Backend::Pg(_) => self.read(f),
        }
    }

    /// Runs `f`'s reads: SQLite on a reader connection, PostgreSQL statement by statement in
    /// autocommit.
    pub fn read<T: Send, E: From<DbError> + Send>(
        &self,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, E> + Send,
    ) -> Result<T, E> {
        match &self.backend {
            Backend::Lite(lite) => {
                let Some(path) = &lite.path else {
                    let conn = lock(&lite.writer);
                    let mut tx = Tx::new(&conn);
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
            Backend::Lite(lite) => {
                let mut conn = lock(&lite.writer);
                let txn = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                apply_migrations(&mut Tx::new(&txn), SQLITE_MIGRATIONS)?;
                txn.commit()?;
                Ok(())
            }
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

/// Why one attempt of a PostgreSQL write ended without a value.
enum Failed<E> {
    Db(DbError),
    /// A statement was refused to keep the transaction serializable.
    Retry,
    Caller(E),
}

fn pg_write_once<T, E: From<DbError>>(
    conn: &mut PgConn,
    f: &mut impl FnMut(&mut Tx<'_>) -> Result<T, E>,
) -> Result<T, Failed<E>> {
    let PgConn { client, stmts } = conn;
    let txn = client
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::Serializable)
        .start()
        .map_err(|e| Failed::Db(e.into()))?;
    let mut tx = Tx::with(Inner::PgTxn(txn, stmts));
    let out = match f(&mut tx) {
        Ok(v) => v,
        // A statement refused to keep the transaction serializable (`f` may have turned it into
        // an error of its own type): the whole closure runs again.
        Err(_) if tx.retry => return Err(Failed::Retry),
        Err(e) => return Err(Failed::Caller(e)),
    };
    let undo = tx.undo;
    let Inner::PgTxn(txn, _) = tx.inner else {
        return Err(Failed::Db(DbError::Decode("not a transaction".into())));
    };
    if undo {
        txn.rollback().map_err(|e| Failed::Db(e.into()))?;
    } else {
        txn.commit().map_err(|e| Failed::Db(e.into()))?;
    }
    Ok(out)
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
    13 "0013_replicas",
    14 "0014_failure_counts",
    15 "0015_lookup_indexes",
);

/// PostgreSQL starts from the final schema of the SQLite migrations above; later migrations get
/// a file in both directories.
const PG_MIGRATIONS: &[Migration] = migrations!("postgres":
    1 "0001_schema",
    2 "0002_replicas",
    3 "0003_failure_counts",
    4 "0004_lookup_indexes",
);

/// Applies the migrations not yet recorded, in order, within `tx`. The record is the table sqlx's
/// migrator kept (same rows, same SHA-384 checksums), so databases it created carry on.
fn apply_migrations(tx: &mut Tx<'_>, all: &[Migration]) -> DbResult<()> {
    use sha2::{Digest, Sha384};
    tx.batch(&format!(
        "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
            version BIGINT PRIMARY KEY,
            description TEXT NOT NULL,
            installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
            success BOOLEAN NOT NULL,
            checksum {} NOT NULL,
            execution_time BIGINT NOT NULL
        )",
        if tx.is_postgres() { "BYTEA" } else { "BLOB" }
    ))?;
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

/// The same checks against PostgreSQL when `BANKID_TEST_POSTGRES_URL` names a database (the
/// test script starts a throw-away cluster and sets it); skipped otherwise.
#[cfg(test)]
mod pg_tests {
    use super::*;

    fn url() -> Option<String> {
        std::env::var("BANKID_TEST_POSTGRES_URL").ok()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_migrates_once_rolls_back_and_serializes_writers() {
        let Some(url) = url() else {
            eprintln!("BANKID_TEST_POSTGRES_URL not set: skipped");
            return;
        };
        // Two replicas starting together: both come up, the schema is applied once.
        let (a, b) = tokio::join!(Db::connect(&url), Db::connect(&url));
        let (a, b) = (a.expect("replica a"), b.expect("replica b"));
        let applied: i64 = a
            .read(|tx| tx.scalar("SELECT COUNT(*) FROM _sqlx_migrations", args![]))
            .expect("count");
        assert_eq!(applied as usize, PG_MIGRATIONS.len());
        a.write(|tx| {
            tx.exec("DROP TABLE IF EXISTS t_db", args![])?;
            tx.exec(
                "CREATE TABLE t_db (k TEXT PRIMARY KEY, n BIGINT NOT NULL)",
                args![],
            )
        })
        .expect("create");
        let failed: DbResult<()> = a.write(|tx| {
            tx.exec("INSERT INTO t_db VALUES (?1, ?2)", args!["x", 1i64])?;
            Err(DbError::Fault("test"))
        });
        assert!(failed.is_err());
        b.write(|tx| tx.exec("INSERT INTO t_db VALUES (?1, ?2)", args!["c", 0i64]))
            .expect("insert");
        // Read-modify-write from both replicas at once: serializable, retried, none lost.
        let bump = |db: Db| {
            tokio::spawn(async move {
                for _ in 0..50 {
                    db.write(|tx| {
                        let n: i64 = tx.scalar("SELECT n FROM t_db WHERE k = ?1", args!["c"])?;
                        tx.exec("UPDATE t_db SET n = ?1 WHERE k = ?2", args![n + 1, "c"])
                    })
                    .expect("bump");
                }
            })
        };
        let (x, y) = tokio::join!(bump(a.clone()), bump(b.clone()));
        x.expect("a");
        y.expect("b");
        let rows: Vec<(String, i64)> = a
            .read(|tx| tx.all("SELECT k, n FROM t_db ORDER BY k", args![]))
            .expect("read");
        assert_eq!(rows, vec![("c".to_string(), 100)]);
        let dup = a.write(|tx| tx.exec("INSERT INTO t_db VALUES (?1, ?2)", args!["c", 0i64]));
        assert!(dup.is_err_and(|e| e.is_unique_violation()));
        a.write(|tx| tx.exec("DROP TABLE t_db", args![]))
            .expect("drop");

        // The database drops every connection (a restart, a failover): each broken connection
        // fails one call as "unavailable" (503 to the citizen) and is replaced, not reused.
        b.read(|tx| {
            tx.exec(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                 WHERE datname = current_database() AND pid <> pg_backend_pid()",
                args![],
            )
        })
        .expect("terminate");
        let mut failed = 0;
        let ok = loop {
            match a.read(|tx| tx.scalar::<i64>("SELECT 1", args![])) {
                Ok(v) => break v,
                Err(DbError::Unavailable(_)) if failed < PG_MAX_CONNECTIONS => failed += 1,
                Err(e) => panic!("not an unavailable database: {e}"),
            }
        };
        assert_eq!(ok, 1);
        assert!(failed >= 1, "a's connection was terminated");
    }
}
