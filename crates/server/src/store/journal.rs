//! The journal: what happened to a registration or an account, with codes and trace ids. Every
//! aggregate writes its entries through `journal()` inside its own transaction.

use bankid_api::JournalEvent;

use super::db::{args, from_row, DbResult, Tx};
use super::Store;

#[derive(Debug, Clone)]
pub struct JournalRow {
    pub at: i64,
    pub code: String,
    pub upstream: Option<String>,
}
from_row!(JournalRow { at, code, upstream });

/// A registration's journal, newest first.
pub(super) fn journal_of(tx: &mut Tx<'_>, registration_id: &str) -> DbResult<Vec<JournalRow>> {
    tx.all(
        "SELECT at, code, upstream FROM journal WHERE registration_id = ?1 ORDER BY at DESC, id DESC",
        args![registration_id],
    )
}

impl Store {
    /// An account-level journal entry (sign-ins, two-factor changes and failures).
    pub async fn journal_account(
        &self,
        account_id: &str,
        code: JournalEvent,
        now: i64,
        trace_id: &str,
    ) -> DbResult<()> {
        self.write(|tx| journal(tx, None, Some(account_id), now, code, None, Some(trace_id)))
            .await
    }
}

/// Writes one journal entry within `tx`.
pub(super) fn journal(
    tx: &mut Tx<'_>,
    registration_id: Option<&str>,
    account_id: Option<&str>,
    at: i64,
    code: JournalEvent,
    upstream: Option<&str>,
    trace_id: Option<&str>,
) -> DbResult<()> {
    tx.exec(
        "INSERT INTO journal (registration_id, account_id, at, code, upstream, trace_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        args![registration_id, account_id, at, code.as_str(), upstream, trace_id],
    )?;
    Ok(())
}
