//! Abuse limits (`failures`): failed attempts per scope (an account or a client address), counted
//! over a window by `crate::limits`.

use super::db::{args, DbResult};
use super::Store;

impl Store {
    /// Failures of a scope since `since`: how many, and the last one's time.
    pub async fn failures(&self, scope: &str, since: i64) -> DbResult<(i64, Option<i64>)> {
        self.read(|tx| {
            tx.one(
                "SELECT COUNT(*) AS n, MAX(at) AS last FROM failures WHERE scope = ?1 AND at >= ?2",
                args![scope, since],
            )
        })
    }

    pub async fn add_failure(&self, scope: &str, now: i64) -> DbResult<()> {
        self.write(|tx| {
            tx.exec(
                "INSERT INTO failures (scope, at) VALUES (?1, ?2)",
                args![scope, now],
            )
        })
        .map(drop)
    }
}
