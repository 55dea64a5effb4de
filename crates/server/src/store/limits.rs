//! Abuse limits (`failure_counts`): failed attempts per scope (an account or a client address),
//! counted per minute, over a window by `crate::limits`.

use super::db::{args, DbResult};
use super::Store;

const MINUTE_MS: i64 = 60_000;

/// A scope's failures since a minute: how many, and the last one's time.
const FAILURES: &str = "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS n, MAX(last_at) AS last
     FROM failure_counts WHERE scope = ?1 AND minute >= ?2";

/// One more failure of a scope in a minute.
const ADD_FAILURE: &str =
    "INSERT INTO failure_counts (scope, minute, n, last_at) VALUES (?1, ?2, 1, ?3)
     ON CONFLICT (scope, minute) DO UPDATE SET n = failure_counts.n + 1,
       last_at = CASE WHEN excluded.last_at > failure_counts.last_at
                 THEN excluded.last_at ELSE failure_counts.last_at END";

impl Store {
    /// Failures of a scope since the minute `since` falls in: how many, and the last one's time.
    pub async fn failures(&self, scope: &str, since: i64) -> DbResult<(i64, Option<i64>)> {
        self.read(|tx| tx.one(FAILURES, args![scope, since.div_euclid(MINUTE_MS)]))
            .await
    }

    /// Counts an attempt of `scope` now unless `refuse`, given the failures since `since` as
    /// [`Store::failures`] gives them, answers `Some(seconds to wait)`; its answer is returned.
    /// One call: the count read and the attempt counted together.
    pub async fn count_unless(
        &self,
        scope: &str,
        since: i64,
        now: i64,
        refuse: impl Fn(i64, Option<i64>) -> Option<u32> + Send + Sync,
    ) -> DbResult<Option<u32>> {
        self.write_each(|tx| {
            let (n, last) = tx.one(FAILURES, args![scope, since.div_euclid(MINUTE_MS)])?;
            let refused = refuse(n, last);
            if refused.is_none() {
                tx.exec(ADD_FAILURE, args![scope, now.div_euclid(MINUTE_MS), now])?;
            } else {
                tx.undo();
            }
            Ok(refused)
        })
        .await
    }

    pub async fn add_failure(&self, scope: &str, now: i64) -> DbResult<()> {
        self.write_each(|tx| tx.exec(ADD_FAILURE, args![scope, now.div_euclid(MINUTE_MS), now]))
            .await
            .map(drop)
    }
}
