//! The migrations of both backends and the runner that applies them.

use super::*;

/// A migration: its version, name and SQL.
pub(super) type Migration = (i64, &'static str, &'static str);

macro_rules! migrations {
    ($dir:literal: $($v:literal $name:literal),+ $(,)?) => {
        &[$(($v, $name, include_str!(concat!("../../../migrations/", $dir, "/", $name, ".sql")))),+]
    };
}

pub(super) const SQLITE_MIGRATIONS: &[Migration] = migrations!("sqlite":
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
pub(super) const PG_MIGRATIONS: &[Migration] = migrations!("postgres":
    1 "0001_schema",
    2 "0002_replicas",
    3 "0003_failure_counts",
    4 "0004_lookup_indexes",
);

/// Applies the migrations not yet recorded, in order, within `tx`. The record is the table sqlx's
/// migrator kept (same rows, same SHA-384 checksums), so databases it created carry on.
pub(super) fn apply_migrations(tx: &mut Tx<'_>, all: &[Migration]) -> DbResult<()> {
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
