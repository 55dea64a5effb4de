//! Bank round trips (`auth_flows`): a pending flow for registration, sign-in or a bank link, and
//! its single use on return. A registration's flow is written with the registration itself
//! (`registrations.rs`).

use super::db::{args, from_row, DbError, DbResult, FromRow, Row};
use super::Store;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowRow {
    /// `register` or `signin`.
    pub purpose: String,
    pub registration_id: Option<String>,
    pub bank_id: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// The phone the citizen typed (registrations only).
    pub phone: Option<String>,
    /// The signed-in account (links only) and the bank it replaces, if any.
    pub account_id: Option<String>,
    pub replace_bank: Option<String>,
    /// The page a sign-in returns to (sign-ins only; see `bankid_api::routes::is_return_path`).
    pub return_to: Option<String>,
    /// A framed registration's way back: `popup` or `top` (see `store::EmbedLaunch`).
    pub embed_mode: Option<String>,
    /// For `top`: the bank's page to come back to.
    pub embed_return: Option<String>,
}
from_row!(FlowRow {
    purpose,
    registration_id,
    bank_id,
    nonce,
    pkce_verifier,
    phone,
    account_id,
    replace_bank,
    return_to,
    embed_mode,
    embed_return
});

#[derive(Debug, PartialEq, Eq)]
pub enum TakeFlow {
    Taken(Box<FlowRow>),
    /// Unknown, expired or already used.
    Invalid,
    /// The flow exists but was started in another browser. Nothing was changed.
    OtherBrowser,
}

/// A flow as read back on return: the flow and what decides whether it may be taken.
struct PendingFlow {
    flow: FlowRow,
    expires_at: i64,
    consumed_at: Option<i64>,
    /// The browser that started it (a registration's flow: the registration's browser).
    browser_hash: Option<String>,
}
impl FromRow for PendingFlow {
    fn from_row(row: &Row) -> DbResult<Self> {
        Ok(PendingFlow {
            flow: FlowRow::from_row(row)?,
            expires_at: row.by("expires_at")?,
            consumed_at: row.by("consumed_at")?,
            browser_hash: row.by("browser_hash")?,
        })
    }
}

impl Store {
    /// Consumes a pending flow exactly once, and only for the browser that started it.
    pub async fn take_flow(
        &self,
        state_hash: &str,
        browser_hash: Option<&str>,
        now: i64,
    ) -> Result<TakeFlow, DbError> {
        // Each statement atomic on its own is enough (the update takes the flow only while it
        // is unused), and PostgreSQL then keeps the read out of a serializable transaction.
        self.write_each(|tx| {
            let row: Option<PendingFlow> = tx.opt("SELECT f.purpose, f.registration_id, f.account_id, f.replace_bank, f.return_to, f.embed_mode, f.embed_return, f.bank_id, f.nonce, f.pkce_verifier, f.expires_at, f.consumed_at,
                    COALESCE(f.browser_hash, r.browser_hash) AS browser_hash, r.phone
             FROM auth_flows f LEFT JOIN registrations r ON r.id = f.registration_id
             WHERE f.state_hash = ?1", args![state_hash])?;
            // Refused: nothing written, and no commit to wait for.
            tx.undo();
            let Some(row) = row else {
                return Ok(TakeFlow::Invalid);
            };
            if row.consumed_at.is_some() || row.expires_at <= now {
                return Ok(TakeFlow::Invalid);
            }
            let owner = row.browser_hash;
            if owner.is_none() || browser_hash != owner.as_deref() {
                return Ok(TakeFlow::OtherBrowser);
            }
            let done = tx.exec("UPDATE auth_flows SET consumed_at = ?1 WHERE state_hash = ?2 AND consumed_at IS NULL", args![now, state_hash])?;
            if done != 1 {
                return Ok(TakeFlow::Invalid);
            }
            tx.keep();
            Ok(TakeFlow::Taken(Box::new(row.flow)))
        })
        .await
    }

    /// A pending sign-in round trip (no registration).
    #[allow(clippy::too_many_arguments)]
    pub async fn start_signin_flow(
        &self,
        state_hash: &str,
        browser_hash: &str,
        bank_id: &str,
        nonce: &str,
        verifier: &str,
        return_to: Option<&str>,
        now: i64,
        expires_at: i64,
    ) -> Result<(), DbError> {
        self.write(|tx| tx.exec("INSERT INTO auth_flows (state_hash, purpose, browser_hash, bank_id, nonce, pkce_verifier, return_to, created_at, expires_at)
             VALUES (?1, 'signin', ?2, ?3, ?4, ?5, ?6, ?7, ?8)", args![state_hash, browser_hash, bank_id, nonce, verifier, return_to, now, expires_at])).await?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn start_link_flow(
        &self,
        state_hash: &str,
        browser_hash: &str,
        account_id: &str,
        bank_id: &str,
        replace_bank: Option<&str>,
        nonce: &str,
        verifier: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), DbError> {
        self.write(|tx| tx.exec("INSERT INTO auth_flows (state_hash, purpose, browser_hash, account_id, bank_id, replace_bank, nonce, pkce_verifier, created_at, expires_at)
             VALUES (?1, 'link', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", args![state_hash, browser_hash, account_id, bank_id, replace_bank, nonce, verifier, now, expires_at])).await?;
        Ok(())
    }
}
