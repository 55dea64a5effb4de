//! SQLite underneath [`Db`]: connections (the writer, readers), their settings, the checkpoint
//! thread, binding parameters and reading rows, and the note of statements that scan a table.

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
    /// The one connection that writes (SQLite has one writer at a time anyway).
    pub(super) writer: Mutex<Connection>,
    /// Statements that scanned a whole table ([`Db::full_scans`]).
    pub(super) scans: Mutex<std::collections::BTreeSet<String>>,
    /// Idle reader connections; a read takes one (or opens one) and puts it back.
    pub(super) readers: Mutex<Vec<Connection>>,
    /// `None` for an in-memory database: reads use the writer connection.
    pub(super) path: Option<String>,
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
            let writer = lock(&db.writer);
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
    }
    Ok(conn)
}
