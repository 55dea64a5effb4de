//! Abuse limits (`failures`): failed attempts per scope (an account or a client address), counted
//! over a window by `crate::limits`.

use super::Store;

impl Store {
    /// Failures of a scope since `since`: how many, and the last one's time.
    pub async fn failures(
        &self,
        scope: &str,
        since: i64,
    ) -> Result<(i64, Option<i64>), sqlx::Error> {
        sqlx::query_as(
            "SELECT COUNT(*) AS n, MAX(at) AS last FROM failures WHERE scope = ?1 AND at >= ?2",
        )
        .bind(scope)
        .bind(since)
        .fetch_one(&self.pool)
        .await
    }

    pub async fn add_failure(&self, scope: &str, now: i64) -> Result<(), sqlx::Error> {
        sqlx::query("INSERT INTO failures (scope, at) VALUES (?1, ?2)")
            .bind(scope)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
