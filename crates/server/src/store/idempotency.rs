//! `Idempotency-Key` records: the claim of a key, the sealed first answer, the replay.

use super::db::{args, from_row, DbError};
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
struct SeenKey {
    fingerprint: String,
    status: Option<i64>,
    key_id: Option<String>,
    body: Option<Vec<u8>>,
}
from_row!(SeenKey {
    fingerprint,
    status,
    key_id,
    body
});

impl Store {
    /// Claims an idempotency key for a request, or says what happened to it before.
    pub async fn idem_begin(
        &self,
        scope: &str,
        key: &str,
        fingerprint: &str,
        now: i64,
    ) -> Result<IdemBegin, DbError> {
        // This key's row when it has outlived its lifetime, or was left running by an attempt that
        // died; the retention worker (`retention.rs`) removes the other expired rows in batches.
        self.write(|tx| {
            tx.exec(
                "DELETE FROM idempotency WHERE scope = ?1 AND key = ?2
               AND (created_at < ?3 OR (status IS NULL AND created_at < ?4))",
                args![
                    scope,
                    key,
                    now - IDEMPOTENCY_TTL_MS,
                    now - IDEMPOTENCY_STALE_MS
                ],
            )
        })
        .await?;
        let inserted = self.write(|tx| tx.exec("INSERT INTO idempotency (scope, key, fingerprint, created_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (scope, key) DO NOTHING", args![scope, key, fingerprint, now])).await?;
        if inserted == 1 {
            return Ok(IdemBegin::New);
        }
        let row: Option<SeenKey> = self.read(|tx| tx.opt("SELECT fingerprint, status, key_id, body FROM idempotency WHERE scope = ?1 AND key = ?2", args![scope, key])).await?;
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
    ) -> Result<(), DbError> {
        self.write(|tx| tx.exec("UPDATE idempotency SET status = ?1, key_id = ?2, body = ?3 WHERE scope = ?4 AND key = ?5", args![i64::from(status), key_id, sealed, scope, key])).await?;
        Ok(())
    }

    pub async fn idem_forget(&self, scope: &str, key: &str) -> Result<(), DbError> {
        self.write(|tx| {
            tx.exec(
                "DELETE FROM idempotency WHERE scope = ?1 AND key = ?2 AND status IS NULL",
                args![scope, key],
            )
        })
        .await?;
        Ok(())
    }
}
