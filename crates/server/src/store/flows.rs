//! Bank round trips (`auth_flows`): a pending flow for registration, sign-in or a bank link, and
//! its single use on return. A registration's flow is written with the registration itself
//! (`registrations.rs`).

use super::Store;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
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

#[derive(Debug, PartialEq, Eq)]
pub enum TakeFlow {
    Taken(Box<FlowRow>),
    /// Unknown, expired or already used.
    Invalid,
    /// The flow exists but was started in another browser. Nothing was changed.
    OtherBrowser,
}

/// A flow as read back on return: the flow and what decides whether it may be taken.
#[derive(sqlx::FromRow)]
struct PendingFlow {
    #[sqlx(flatten)]
    flow: FlowRow,
    expires_at: i64,
    consumed_at: Option<i64>,
    /// The browser that started it (a registration's flow: the registration's browser).
    browser_hash: Option<String>,
}

impl Store {
    /// Consumes a pending flow exactly once, and only for the browser that started it.
    pub async fn take_flow(
        &self,
        state_hash: &str,
        browser_hash: Option<&str>,
        now: i64,
    ) -> Result<TakeFlow, sqlx::Error> {
        let row: Option<PendingFlow> = sqlx::query_as(
            "SELECT f.purpose, f.registration_id, f.account_id, f.replace_bank, f.return_to, f.embed_mode, f.embed_return, f.bank_id, f.nonce, f.pkce_verifier, f.expires_at, f.consumed_at,
                    COALESCE(f.browser_hash, r.browser_hash) AS browser_hash, r.phone
             FROM auth_flows f LEFT JOIN registrations r ON r.id = f.registration_id
             WHERE f.state_hash = ?1",
        )
        .bind(state_hash)
        .fetch_optional(&self.pool)
        .await?;
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
        let done = sqlx::query(
            "UPDATE auth_flows SET consumed_at = ?1 WHERE state_hash = ?2 AND consumed_at IS NULL",
        )
        .bind(now)
        .bind(state_hash)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(TakeFlow::Invalid);
        }
        Ok(TakeFlow::Taken(Box::new(row.flow)))
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
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO auth_flows (state_hash, purpose, browser_hash, bank_id, nonce, pkce_verifier, return_to, created_at, expires_at)
             VALUES (?1, 'signin', ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .bind(state_hash)
        .bind(browser_hash)
        .bind(bank_id)
        .bind(nonce)
        .bind(verifier)
        .bind(return_to)
        .bind(now)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
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
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO auth_flows (state_hash, purpose, browser_hash, account_id, bank_id, replace_bank, nonce, pkce_verifier, created_at, expires_at)
             VALUES (?1, 'link', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )
        .bind(state_hash)
        .bind(browser_hash)
        .bind(account_id)
        .bind(bank_id)
        .bind(replace_bank)
        .bind(nonce)
        .bind(verifier)
        .bind(now)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
