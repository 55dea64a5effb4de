//! The consent ledger (`consents`): the entries of an account and the withdrawal of a consent.
//! Transfers are recorded by the aggregate that makes them (registration, sign-in, bank link).

use super::db::{args, from_row, DbError, Tx};
use super::journal::journal;
use super::registrations::Completion;
use super::Store;
use bankid_api::JournalEvent;

/// A ledger entry as listed, with whether a later entry withdrew it.
struct ConsentEntry {
    id: i64,
    bank_id: String,
    fields: String,
    purpose: String,
    version: String,
    outcome: String,
    at: i64,
    withdraws: Option<i64>,
    withdrawn: i64,
}
from_row!(ConsentEntry {
    id,
    bank_id,
    fields,
    purpose,
    version,
    outcome,
    at,
    withdraws,
    withdrawn
});

impl Store {
    /// The account's consent ledger, oldest first: id, bank, fields, purpose, version, outcome, at,
    /// withdraws, withdrawn.
    #[allow(clippy::type_complexity)]
    pub async fn consents(
        &self,
        account_id: &str,
    ) -> Result<
        Vec<(
            i64,
            String,
            String,
            String,
            String,
            String,
            i64,
            Option<i64>,
            bool,
        )>,
        DbError,
    > {
        let rows: Vec<ConsentEntry> = self.read(|tx| tx.all("SELECT c.id, c.bank_id, c.fields, c.purpose, c.version, c.outcome, c.at, c.withdraws,
                    EXISTS (SELECT 1 FROM consents w WHERE w.withdraws = c.id) AS withdrawn
             FROM consents c WHERE c.account_id = ?1 ORDER BY c.at, c.id", args![account_id])).await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                (
                    r.id,
                    r.bank_id,
                    r.fields,
                    r.purpose,
                    r.version,
                    r.outcome,
                    r.at,
                    r.withdraws,
                    r.withdrawn != 0,
                )
            })
            .collect())
    }

    /// Withdraws a consent: a new ledger entry pointing at it, the bank link's data marked as no
    /// longer usable, and a journal entry on the registration (shown on the status page).
    pub async fn withdraw_consent(
        &self,
        account_id: &str,
        consent_id: i64,
        now: i64,
        trace_id: &str,
    ) -> Result<Result<(), &'static str>, DbError> {
        self.write(|tx| {
            let row: Option<(String, String, String, String, String, String)> = tx.opt("SELECT registration_id, bank_id, fields, purpose, version, outcome FROM consents WHERE id = ?1 AND account_id = ?2", args![consent_id, account_id])?;
            let Some((registration_id, bank_id, fields, purpose, version, outcome)) = row else {
                return Ok(Err("not_found"));
            };
            // Only a consent can be withdrawn, not a record of a refusal, a sign-in or a withdrawal.
            if !matches!(outcome.as_str(), "account" | "linked") {
                return Ok(Err("not_found"));
            }
            let already: i64 = tx.scalar("SELECT COUNT(*) FROM consents WHERE withdraws = ?1", args![consent_id])?;
            if already > 0 {
                return Ok(Err("already"));
            }
            // Like removing the last bank: the consent in force of the only bank the citizen can
            // still sign in with stays, or they would be locked out. Checked inside the write
            // transaction, so two withdrawals at once cannot both pass.
            let covers_live_link: i64 = tx.scalar("SELECT COUNT(*) FROM bank_links WHERE account_id = ?1 AND bank_id = ?2
                   AND retired_at IS NULL AND consent_withdrawn_at IS NULL
                   AND NOT EXISTS (SELECT 1 FROM consents WHERE account_id = ?1 AND bank_id = ?2
                                   AND outcome IN ('account', 'linked') AND id > ?3)", args![account_id, &bank_id, consent_id])?;
            let other_usable: i64 = tx.scalar("SELECT COUNT(*) FROM bank_links WHERE account_id = ?1 AND bank_id <> ?2
                   AND retired_at IS NULL AND consent_withdrawn_at IS NULL", args![account_id, &bank_id])?;
            if covers_live_link > 0 && other_usable == 0 {
                return Ok(Err("last_bank"));
            }
            tx.exec("INSERT INTO consents (registration_id, account_id, bank_id, fields, purpose, version, outcome, at, withdraws)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'withdrawn', ?7, ?8)", args![&registration_id, account_id, &bank_id, &fields, &purpose, &version, now, consent_id])?;
            // Only the consent in force (the bank's newest) covers the live link; withdrawing one that
            // a later consent replaced is recorded and leaves the link alone.
            tx.exec("UPDATE bank_links SET consent_withdrawn_at = ?1 WHERE account_id = ?2 AND bank_id = ?3 AND retired_at IS NULL
                   AND NOT EXISTS (SELECT 1 FROM consents WHERE account_id = ?2 AND bank_id = ?3
                                   AND outcome IN ('account', 'linked') AND id > ?4)", args![now, account_id, &bank_id, consent_id])?;
            journal(
                tx,
                Some(&registration_id),
                Some(account_id),
                now,
                JournalEvent::ConsentWithdrawn,
                Some(&bank_id),
                Some(trace_id),
            )?;
            Ok(Ok(()))
        }).await
    }
}

/// The ledger entry of a registration's outcome (`account` or `rejected`) within `tx`.
pub(super) fn consent(
    tx: &mut Tx<'_>,
    c: &Completion<'_>,
    account_id: Option<&str>,
    outcome: &str,
) -> Result<(), DbError> {
    tx.exec("INSERT INTO consents (registration_id, account_id, bank_id, fields, purpose, version, outcome, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", args![c.registration_id, account_id, c.bank_id, c.consent_fields, c.consent_purpose, c.consent_version, outcome, c.now])?;
    Ok(())
}
