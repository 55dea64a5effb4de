//! `Idempotency-Key` records: the claim of a key, the sealed first answer, the replay.

use super::Store;

/// What an `Idempotency-Key` has seen before.
#[derive(Debug, PartialEq, Eq)]
pub enum IdemBegin {
    New,
    InProgress,
    Mismatch,
    /// The first answer, sealed (see `idempotency::StoredReply`); `key_id` names the vault key
    /// (`None` only for rows kept in clear before sealing, which migration 0010 removed).
    Replay {
        key_id: Option<String>,
        sealed: Vec<u8>,
    },
}

/// Keys are kept this long.
pub const IDEMPOTENCY_TTL_MS: i64 = 24 * 3600 * 1000;
/// A request still marked running after this is taken to have died.
const IDEMPOTENCY_STALE_MS: i64 = 60 * 1000;

/// An `idempotency` row seen again.
#[derive(sqlx::FromRow)]
struct SeenKey {
    fingerprint: String,
    status: Option<i64>,
    key_id: Option<String>,
    body: Option<Vec<u8>>,
}

impl Store {
    /// Claims an idempotency key for a request, or says what happened to it before.
    pub async fn idem_begin(
        &self,
        scope: &str,
        key: &str,
        fingerprint: &str,
        now: i64,
    ) -> Result<IdemBegin, sqlx::Error> {
        // This key's row when it has outlived its lifetime, or was left running by an attempt that
        // died; the retention worker (`retention.rs`) removes the other expired rows in batches.
        sqlx::query(
            "DELETE FROM idempotency WHERE scope = ?1 AND key = ?2
               AND (created_at < ?3 OR (status IS NULL AND created_at < ?4))",
        )
        .bind(scope)
        .bind(key)
        .bind(now - IDEMPOTENCY_TTL_MS)
        .bind(now - IDEMPOTENCY_STALE_MS)
        .execute(&self.pool)
        .await?;
        let inserted = sqlx::query(
            "INSERT INTO idempotency (scope, key, fingerprint, created_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (scope, key) DO NOTHING",
        )
        .bind(scope)
        .bind(key)
        .bind(fingerprint)
        .bind(now)
        .execute(&self.pool)
        .await?;
        if inserted.rows_affected() == 1 {
            return Ok(IdemBegin::New);
        }
        let row: Option<SeenKey> = sqlx::query_as("SELECT fingerprint, status, key_id, body FROM idempotency WHERE scope = ?1 AND key = ?2")
            .bind(scope)
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else {
            return Ok(IdemBegin::InProgress);
        };
        if row.fingerprint != fingerprint {
            return Ok(IdemBegin::Mismatch);
        }
        Ok(match row.status {
            None => IdemBegin::InProgress,
            Some(_) => IdemBegin::Replay {
                key_id: row.key_id,
                sealed: row.body.unwrap_or_default(),
            },
        })
    }

    /// Keeps the sealed answer of a key (`status` only marks it finished; the answer, status
    /// included, is in `sealed`).
    pub async fn idem_finish(
        &self,
        scope: &str,
        key: &str,
        status: u16,
        key_id: &str,
        sealed: &[u8],
    ) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE idempotency SET status = ?1, key_id = ?2, body = ?3 WHERE scope = ?4 AND key = ?5")
            .bind(i64::from(status))
            .bind(key_id)
            .bind(sealed)
            .bind(scope)
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn idem_forget(&self, scope: &str, key: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM idempotency WHERE scope = ?1 AND key = ?2 AND status IS NULL")
            .bind(scope)
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
