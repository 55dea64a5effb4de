//! PostgreSQL underneath [`Db`]: the connection pool, statements prepared once per connection, the
//! SQL as PostgreSQL takes it, rows and parameters, and a write run again when refused.

use super::*;

/// The SQL as PostgreSQL takes it: `?N` parameters become `$N`, and SQLite's physical row id
/// (`rowid`, used to delete in batches) becomes PostgreSQL's (`ctid`).
pub(super) fn pg_sql(sql: &str) -> String {
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

pub(super) fn pg_statement<C: postgres::GenericClient>(
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

pub(super) fn pg_args<'a>(args: &'a [Arg<'a>]) -> Vec<&'a (dyn postgres::types::ToSql + Sync)> {
    args.iter()
        .map(|a| a as &(dyn postgres::types::ToSql + Sync))
        .collect()
}

pub(super) fn pg_rows(st: &postgres::Statement, rows: Vec<postgres::Row>) -> DbResult<Vec<Row>> {
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

/// PostgreSQL: a pool of connections, each with its prepared statements. A store call holds one
/// connection for its closure, on a thread allowed to block (see [`blocking`]).
pub(super) struct Pg {
    pub(super) url: String,
    pub(super) idle: Mutex<PgPool>,
    pub(super) freed: std::sync::Condvar,
    pub(super) max: usize,
}

pub(super) struct PgPool {
    pub(super) conns: Vec<PgConn>,
    pub(super) open: usize,
}

pub(super) struct PgConn {
    pub(super) client: postgres::Client,
    pub(super) stmts: Statements,
}

/// Most connections one portal process opens to PostgreSQL.
pub(super) const PG_MAX_CONNECTIONS: usize = 16;
/// How long a call waits for a free connection before answering "unavailable".
pub(super) const PG_ACQUIRE: std::time::Duration = std::time::Duration::from_secs(5);
/// Times a write transaction is run again after PostgreSQL refused it to stay serializable.
pub(super) const PG_RETRIES: u32 = 20;

/// The pause before running a refused transaction again: growing (1, 2, 4 … 32 ms) and spread
/// at random over half to one and a half of that, so transactions refused together do not meet
/// again in step.
pub(super) fn retry_pause(attempt: u32) -> std::time::Duration {
    let base = 1u64 << attempt.min(5);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::from(d.subsec_nanos()));
    let spread = base * 1000 / 2 + nanos % (base * 1000);
    std::time::Duration::from_micros(spread)
}
/// The advisory lock the replicas take while migrating (any constant both sides agree on).
pub(super) const PG_MIGRATION_LOCK: i64 = 0x6261_6e6b_6964;

impl Pg {
    pub(super) fn acquire(&self) -> DbResult<PgConn> {
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

    pub(super) fn release(&self, conn: PgConn) {
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
    pub(super) fn with<R>(&self, f: impl FnOnce(&mut PgConn) -> R) -> DbResult<R> {
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

/// Why one attempt of a PostgreSQL write ended without a value.
pub(super) enum Failed<E> {
    Db(DbError),
    /// A statement was refused to keep the transaction serializable.
    Retry,
    Caller(E),
}

pub(super) fn pg_write_once<T, E: From<DbError>>(
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
            .await
            .expect("count");
        assert_eq!(applied as usize, PG_MIGRATIONS.len());
        a.write(|tx| {
            tx.exec("DROP TABLE IF EXISTS t_db", args![])?;
            tx.exec(
                "CREATE TABLE t_db (k TEXT PRIMARY KEY, n BIGINT NOT NULL)",
                args![],
            )
        })
        .await
        .expect("create");
        let failed: DbResult<()> = a
            .write(|tx| {
                tx.exec("INSERT INTO t_db VALUES (?1, ?2)", args!["x", 1i64])?;
                Err(DbError::Fault("test"))
            })
            .await;
        assert!(failed.is_err());
        b.write(|tx| tx.exec("INSERT INTO t_db VALUES (?1, ?2)", args!["c", 0i64]))
            .await
            .expect("insert");
        // Read-modify-write from both replicas at once: serializable, retried, none lost.
        let bump = |db: Db| {
            tokio::spawn(async move {
                for _ in 0..50 {
                    db.write(|tx| {
                        let n: i64 = tx.scalar("SELECT n FROM t_db WHERE k = ?1", args!["c"])?;
                        tx.exec("UPDATE t_db SET n = ?1 WHERE k = ?2", args![n + 1, "c"])
                    })
                    .await
                    .expect("bump");
                }
            })
        };
        let (x, y) = tokio::join!(bump(a.clone()), bump(b.clone()));
        x.expect("a");
        y.expect("b");
        let rows: Vec<(String, i64)> = a
            .read(|tx| tx.all("SELECT k, n FROM t_db ORDER BY k", args![]))
            .await
            .expect("read");
        assert_eq!(rows, vec![("c".to_string(), 100)]);
        let dup = a
            .write(|tx| tx.exec("INSERT INTO t_db VALUES (?1, ?2)", args!["c", 0i64]))
            .await;
        assert!(dup.is_err_and(|e| e.is_unique_violation()));
        a.write(|tx| tx.exec("DROP TABLE t_db", args![]))
            .await
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
        .await
        .expect("terminate");
        let mut failed = 0;
        let ok = loop {
            match a.read(|tx| tx.scalar::<i64>("SELECT 1", args![])).await {
                Ok(v) => break v,
                Err(DbError::Unavailable(_)) if failed < PG_MAX_CONNECTIONS => failed += 1,
                Err(e) => panic!("not an unavailable database: {e}"),
            }
        };
        assert_eq!(ok, 1);
        assert!(failed >= 1, "a's connection was terminated");
    }
}
