//! Abuse limits (`failure_counts`): failed attempts per scope (an account or a client address),
//! counted per minute, over a window by `crate::limits`.

use super::db::{args, DbResult};
use super::Store;

const MINUTE_MS: i64 = 60_000;

impl Store {
    /// Failures of a scope since the minute `since` falls in: how many, and the last one's time.
    pub async fn failures(&self, scope: &str, since: i64) -> DbResult<(i64, Option<i64>)> {
        self.read(|tx| {
            tx.one(
                "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS n, MAX(last_at) AS last
                 FROM failure_counts WHERE scope = ?1 AND minute >= ?2",
                args![scope, since.div_euclid(MINUTE_MS)],
            )
        })
        .await
    }

    pub async fn add_failure(&self, scope: &str, now: i64) -> DbResult<()> {
        self.write_each(|tx| {
            tx.exec(
                "INSERT INTO failure_counts (scope, minute, n, last_at) VALUES (?1, ?2, 1, ?3)
                 ON CONFLICT (scope, minute) DO UPDATE SET n = failure_counts.n + 1,
                   last_at = CASE WHEN excluded.last_at > failure_counts.last_at
                             THEN excluded.last_at ELSE failure_counts.last_at END",
                args![scope, now.div_euclid(MINUTE_MS), now],
            )
        })
        .await
        .map(drop)
    }
}
