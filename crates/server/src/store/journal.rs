//! The journal: what happened to a registration or an account, with codes and trace ids. Every
//! aggregate writes its entries through `journal()` inside its own transaction.

use bankid_api::JournalEvent;

use super::Store;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JournalRow {
    pub at: i64,
    pub code: String,
    pub upstream: Option<String>,
}

impl Store {
    /// Newest first.
    pub async fn journal(&self, registration_id: &str) -> Result<Vec<JournalRow>, sqlx::Error> {
        sqlx::query_as("SELECT at, code, upstream FROM journal WHERE registration_id = ?1 ORDER BY at DESC, id DESC")
            .bind(registration_id)
            .fetch_all(&self.pool)
            .await
    }

    /// An account-level journal entry (sign-ins, two-factor changes and failures).
    pub async fn journal_account(
        &self,
        account_id: &str,
        code: JournalEvent,
        now: i64,
        trace_id: &str,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.begin().await?;
        journal(
            &mut tx,
            None,
            Some(account_id),
            now,
            code,
            None,
            Some(trace_id),
        )
        .await?;
        tx.commit().await
    }
}

/// Writes one journal entry within `tx`.
pub(super) async fn journal(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    registration_id: Option<&str>,
    account_id: Option<&str>,
    at: i64,
    code: JournalEvent,
    upstream: Option<&str>,
    trace_id: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO journal (registration_id, account_id, at, code, upstream, trace_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        .bind(registration_id)
        .bind(account_id)
        .bind(at)
        .bind(code.as_str())
        .bind(upstream)
        .bind(trace_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
