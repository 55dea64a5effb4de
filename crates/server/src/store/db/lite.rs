//! SQLite underneath [`Db`]: connections (the writer, readers) and their settings, group commit
//! on the writer (each write call a savepoint in the open batch; the commit thread), the
//! checkpoint thread, binding parameters and reading rows, and the note of statements that scan a
//! table.

use super::*;
use rusqlite::OpenFlags;

/// Notes `sql` when its last run stepped through a whole table (no index served it).
pub(super) fn note_scan(
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

pub(super) fn lite_rows(
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

pub(super) fn bind(stmt: &mut rusqlite::CachedStatement<'_>, args: &[Arg<'_>]) -> DbResult<()> {
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

pub(super) struct Lite {
    /// The one connection that writes (SQLite has one writer at a time anyway), with the batch
    /// of write calls open on it ([`Lite::write`]).
    pub(super) writer: tokio::sync::Mutex<Writer>,
    /// The last batch committed and the batches whose commit failed.
    pub(super) committed: tokio::sync::watch::Sender<Committed>,
    /// Set when a batch waits for its commit; the committer thread waits for it.
    pub(super) waiting: (Mutex<bool>, std::sync::Condvar),
    /// Statements that scanned a whole table ([`Db::full_scans`]).
    pub(super) scans: Mutex<std::collections::BTreeSet<String>>,
    /// Idle reader connections; a read takes one (or opens one) and puts it back.
    pub(super) readers: Mutex<Vec<Connection>>,
    /// `None` for an in-memory database: reads use the writer connection.
    pub(super) path: Option<String>,
}

/// The writer connection and the batch open on it.
pub(super) struct Writer {
    pub(super) conn: Connection,
    /// The number of the batch open on `conn` (`BEGIN IMMEDIATE` run, not yet committed).
    open: Option<u64>,
    /// Write calls kept in the open batch (the others rolled back to their savepoints).
    kept: usize,
    /// The number the next batch gets.
    next: u64,
}

impl Writer {
    pub(super) fn new(conn: Connection) -> Writer {
        Writer {
            conn,
            open: None,
            kept: 0,
            next: 1,
        }
    }
}

/// What the committer thread has done: batches up to `done` are finished; those in `failed`
/// (the most recent [`FAILURES_KEPT`]) did not commit, with SQLite's reason.
#[derive(Default)]
pub(super) struct Committed {
    pub(super) done: u64,
    failed: std::collections::VecDeque<(u64, String)>,
}

const FAILURES_KEPT: usize = 64;

/// How a write call's closure ran in the batch.
enum Ran<T, E> {
    /// Kept in the batch: its result once the batch commits.
    Kept(u64, Result<T, E>),
    /// Nothing of it is in the batch: its result now.
    Left(Result<T, E>),
    Panicked(Box<dyn std::any::Any + Send>),
}

impl Lite {
    /// Group commit. `f` runs at once on the calling thread, inside a savepoint of the batch open
    /// on the writer connection (opening one, `BEGIN IMMEDIATE`, if none is); an error, an
    /// [`Tx::undo`] or a panic rolls back to the savepoint and returns without waiting, nothing
    /// of `f` left in the batch. A kept call waits until the committer thread has committed its
    /// batch and then returns `f`'s result (or the commit's failure). Calls that arrive while a
    /// batch commits join the next one, so under load one commit — one append of each changed
    /// page to the log — serves many requests; alone, a call waits for its own commit only.
    pub(super) async fn write<T: Send, E: From<DbError> + Send>(
        &self,
        f: &mut (impl FnMut(&mut Tx<'_>) -> Result<T, E> + Send),
    ) -> Result<T, E> {
        let mut committed = self.committed.subscribe();
        let ran = {
            let mut w = self.writer.lock().await;
            self.call(&mut w, f)
        };
        self.wake_committer();
        let (batch, out) = match ran {
            Ran::Kept(batch, out) => (batch, out),
            Ran::Left(out) => return out,
            Ran::Panicked(panic) => std::panic::resume_unwind(panic),
        };
        let failure = committed
            .wait_for(|c| c.done >= batch)
            .await
            .map(|c| {
                c.failed
                    .iter()
                    .find(|(b, _)| *b == batch)
                    .map(|(_, e)| e.clone())
            })
            .unwrap_or_else(|_| Some("the database was closed".into()));
        match failure {
            None => out,
            Some(e) => Err(E::from(DbError::Unavailable(format!("commit failed: {e}")))),
        }
    }

    /// Runs `f` in a savepoint of the open batch (opening one when none is).
    fn call<T, E: From<DbError>>(
        &self,
        w: &mut Writer,
        f: &mut impl FnMut(&mut Tx<'_>) -> Result<T, E>,
    ) -> Ran<T, E> {
        let batch = match w.open {
            Some(b) => b,
            None => {
                if let Err(e) = w.conn.execute_batch("BEGIN IMMEDIATE") {
                    return Ran::Left(Err(E::from(DbError::from(e))));
                }
                let b = w.next;
                w.next += 1;
                w.open = Some(b);
                w.kept = 0;
                b
            }
        };
        if let Err(e) = savepoint(&w.conn, "SAVEPOINT call") {
            return Ran::Left(Err(E::from(DbError::from(e))));
        }
        let mut tx = Tx::new(&w.conn);
        tx.scans = Some(&self.scans);
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&mut tx)));
        let keep = matches!(out, Ok(Ok(_))) && !tx.undo;
        drop(tx);
        let ended = if keep {
            savepoint(&w.conn, "RELEASE call")
        } else {
            savepoint(&w.conn, "ROLLBACK TO call").and_then(|()| savepoint(&w.conn, "RELEASE call"))
        };
        if let Err(e) = ended {
            // The batch is in an unknown state: all of it is rolled back and reported.
            let _ = w.conn.execute_batch("ROLLBACK");
            w.open = None;
            self.finished(batch, Err(e.to_string()));
            return Ran::Left(Err(E::from(DbError::from(e))));
        }
        match out {
            Ok(out) if keep => {
                w.kept += 1;
                Ran::Kept(batch, out)
            }
            Ok(out) => Ran::Left(out),
            Err(panic) => Ran::Panicked(panic),
        }
    }

    fn wake_committer(&self) {
        let (flag, cv) = &self.waiting;
        *lock(flag) = true;
        cv.notify_one();
    }

    /// Batch `batch` is over: committed (`Ok`) or not.
    fn finished(&self, batch: u64, result: Result<(), String>) {
        self.committed.send_modify(|c| {
            c.done = c.done.max(batch);
            if let Err(e) = result {
                c.failed.push_back((batch, e));
                if c.failed.len() > FAILURES_KEPT {
                    c.failed.pop_front();
                }
            }
        });
    }

    /// Commits the open batch (rolls it back when no call in it was kept).
    fn commit(&self) {
        let mut w = self.writer.blocking_lock();
        self.commit_open(&mut w);
    }

    /// Commits the batch open on `w`, if any, and tells its calls.
    fn commit_open(&self, w: &mut Writer) {
        let Some(batch) = w.open.take() else {
            return;
        };
        let result = if w.kept > 0 {
            w.conn.execute_batch("COMMIT").map_err(|e| {
                let _ = w.conn.execute_batch("ROLLBACK");
                tracing::error!(error = %e, "sqlite commit");
                e.to_string()
            })
        } else {
            w.conn.execute_batch("ROLLBACK").map_err(|e| e.to_string())
        };
        self.finished(batch, result);
    }
}

/// A savepoint statement, prepared once.
fn savepoint(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(drop)
}

/// The committer thread: commits the open batch whenever a call waits for it, until the database
/// is closed.
pub(super) fn committer(lite: std::sync::Weak<Lite>) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("sqlite-commit".into())
        .spawn(move || loop {
            let Some(db) = lite.upgrade() else {
                return;
            };
            {
                let (flag, cv) = &db.waiting;
                let mut waiting = lock(flag);
                while !*waiting {
                    let (w, timeout) = cv
                        .wait_timeout(waiting, std::time::Duration::from_millis(250))
                        .unwrap_or_else(|p| p.into_inner());
                    waiting = w;
                    if timeout.timed_out() && !*waiting {
                        break;
                    }
                }
                if !*waiting {
                    // Nothing to do for a while: let go of the database so it can close.
                    continue;
                }
                *waiting = false;
            }
            db.commit();
        })
        .map(drop)
}

/// How often the checkpoint thread copies the WAL into the database file.
pub(super) const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// Copies committed WAL frames into the database file every [`CHECKPOINT_EVERY`], on a thread of
/// its own with its own connection, until the database is closed: `PASSIVE`, so writes go on
/// meanwhile. When it copied the whole log and the log is longer than [`RESTART_FRAMES`], it
/// holds the writer for a moment and waits for the readers still reading from the log (a read
/// takes microseconds), so the next write starts the log again from its beginning (`RESTART`).
/// SQLite restarts the log by itself only when no reader is reading from it at the moment the
/// next write begins; under steady reads and writes that rarely happens, and the log grew without
/// bound (1 GB in 8 s at 700 registrations/s), every frame written into newly allocated file space.
pub(super) fn checkpoints(lite: std::sync::Weak<Lite>, conn: Connection) {
    // Readers are waited for in short steps rather than SQLite's default 1 ms sleeps, and for
    // about 10 ms at most (then the restart is left to the next round): writes wait meanwhile.
    if let Err(e) = conn.busy_handler(Some(|tries| {
        std::thread::sleep(std::time::Duration::from_micros(20));
        tries < 500
    })) {
        tracing::warn!(error = %e, "sqlite checkpoint busy handler");
    }
    let spawned = std::thread::Builder::new()
        .name("sqlite-checkpoint".into())
        .spawn(move || loop {
            std::thread::sleep(CHECKPOINT_EVERY);
            let Some(db) = lite.upgrade() else {
                return;
            };
            checkpoint_step(&db, &conn);
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "sqlite checkpoint thread");
    }
}

/// One round of the checkpoint thread ([`checkpoints`]) on its connection `conn`.
pub(super) fn checkpoint_step(db: &Lite, conn: &Connection) {
    match checkpoint(conn, "PASSIVE") {
        Ok((log, copied)) if log == copied && log > RESTART_FRAMES => {
            let mut writer = db.writer.blocking_lock();
            // An open batch holds SQLite's write lock: it is committed first (its calls are
            // told as by the committer thread).
            db.commit_open(&mut writer);
            if let Err(e) = checkpoint(conn, "RESTART") {
                tracing::warn!(error = %e, "sqlite checkpoint (restart)");
            }
            drop(writer);
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "sqlite checkpoint"),
    }
}

/// Frames (pages) of write-ahead log beyond which a checkpoint that copied them all restarts the
/// log: 4 MiB.
pub(super) const RESTART_FRAMES: i64 = 1024;

/// One checkpoint in `mode`: the frames in the log and how many of them are in the database file.
pub(super) fn checkpoint(conn: &Connection, mode: &str) -> rusqlite::Result<(i64, i64)> {
    conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| {
        Ok((r.get(1)?, r.get(2)?))
    })
}

/// Most idle reader connections kept.
pub(super) const READERS_KEPT: usize = 8;
pub(super) const STATEMENT_CACHE: usize = 128;

/// `sqlite://path`, `sqlite:path` (with an optional `?…` query, ignored) or `sqlite::memory:`.
pub(super) fn sqlite_path(url: &str) -> Option<Option<String>> {
    let rest = url.strip_prefix("sqlite:")?;
    if rest == ":memory:" || rest.starts_with(":memory:?") {
        return Some(None);
    }
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or(rest);
    Some(Some(path.to_string()))
}

pub(super) fn open_sqlite(path: Option<&str>, writer: bool) -> DbResult<Connection> {
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
        // The savepoints of group commit keep the pages they change in memory rather than in a
        // temporary file.
        conn.pragma_update(None, "temp_store", "MEMORY")?;
    }
    Ok(conn)
}
