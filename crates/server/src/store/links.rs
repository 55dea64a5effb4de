//! Bank links (`bank_links`): linking a bank to an account, changing banks (one transaction),
//! removing a link (never the last), and the links a withdrawn consent left unusable.

use super::db::{args, DbError};
use super::journal::journal;
use super::Store;
use bankid_api::JournalEvent;

/// Outcome of removing a bank link.
#[derive(Debug, PartialEq, Eq)]
pub enum Unlink {
    Done,
    /// It is the account's only live link: refused.
    Last,
    NotLinked,
}

impl Store {
    /// Links a bank subject to the account and, for a bank change, retires the old link — in one
    /// transaction, so the account has exactly the old or exactly the new links. The transfer is
    /// recorded in the consent ledger.
    #[allow(clippy::too_many_arguments)]
    pub async fn link_bank(
        &self,
        account_id: &str,
        bank_id: &str,
        subject: &str,
        replace: Option<&str>,
        consent_fields: &str,
        consent_version: &str,
        now: i64,
        trace_id: &str,
    ) -> Result<Result<(), &'static str>, DbError> {
        self.write(|tx| {
            let owner: Option<(String, Option<i64>, Option<i64>)> = tx.opt("SELECT account_id, retired_at, consent_withdrawn_at FROM bank_links WHERE bank_id = ?1 AND subject = ?2", args![bank_id, subject])?;
            match owner {
                Some((other, _, _)) if other != account_id => {
                    return Ok(Err("subject_of_other_account"))
                }
                Some((_, None, None)) => return Ok(Err("already_linked")),
                Some(_) => {
                    tx.exec("UPDATE bank_links SET retired_at = NULL, consent_withdrawn_at = NULL, linked_at = ?1, last_used_at = ?1 WHERE bank_id = ?2 AND subject = ?3", args![now, bank_id, subject])?;
                }
                None => {
                    tx.exec("INSERT INTO bank_links (account_id, bank_id, subject, linked_at, last_used_at) VALUES (?1, ?2, ?3, ?4, ?4)", args![account_id, bank_id, subject, now])?;
                }
            }
            self.fault_point("link:between")?;
            if let Some(old) = replace {
                let done = tx.exec("UPDATE bank_links SET retired_at = ?1 WHERE account_id = ?2 AND bank_id = ?3 AND retired_at IS NULL", args![now, account_id, old])?;
                if done == 0 {
                    tx.undo();
                    return Ok(Err("replaced_bank_not_linked"));
                }
            }
            let registration_id: Option<String> = tx.scalar_opt("SELECT id FROM registrations WHERE account_id = ?1 ORDER BY created_at DESC LIMIT 1", args![account_id])?;
            if let Some(reg) = &registration_id {
                tx.exec("INSERT INTO consents (registration_id, account_id, bank_id, fields, purpose, version, outcome, at)
                     VALUES (?1, ?2, ?3, ?4, 'bank link: confirm the same person', ?5, 'linked', ?6)", args![reg, account_id, bank_id, consent_fields, consent_version, now])?;
            }
            let code = if replace.is_some() {
                JournalEvent::BankChanged
            } else {
                JournalEvent::BankLinked
            };
            journal(
                tx,
                None,
                Some(account_id),
                now,
                code,
                Some(bank_id),
                Some(trace_id),
            )?;
            Ok(Ok(()))
        }).await
    }

    /// Banks of live links whose consent the citizen withdrew.
    pub async fn withdrawn_links(&self, account_id: &str) -> Result<Vec<String>, DbError> {
        self.read(|tx| tx.scalars("SELECT bank_id FROM bank_links WHERE account_id = ?1 AND retired_at IS NULL AND consent_withdrawn_at IS NOT NULL", args![account_id])).await
    }

    /// Live links of an account: bank, linked at, last used at.
    pub async fn links(&self, account_id: &str) -> Result<Vec<(String, i64, i64)>, DbError> {
        self.read(|tx| {
            tx.all(
                "SELECT bank_id, linked_at, last_used_at FROM bank_links
             WHERE account_id = ?1 AND retired_at IS NULL ORDER BY linked_at, id",
                args![account_id],
            )
        })
        .await
    }

    /// Retires a link unless no other bank could still sign the citizen in (another live link
    /// whose consent was not withdrawn); the check and the change are one statement, so two
    /// concurrent removals cannot leave the account without a way in.
    pub async fn retire_link(
        &self,
        account_id: &str,
        bank_id: &str,
        now: i64,
        trace_id: &str,
    ) -> Result<Unlink, DbError> {
        self.write(|tx| {
            let done = tx.exec("UPDATE bank_links SET retired_at = ?1
                 WHERE account_id = ?2 AND bank_id = ?3 AND retired_at IS NULL
                   AND (SELECT COUNT(*) FROM bank_links WHERE account_id = ?2 AND bank_id <> ?3
                          AND retired_at IS NULL AND consent_withdrawn_at IS NULL) > 0", args![now, account_id, bank_id])?;
            if done == 0 {
                let linked: i64 = tx.scalar("SELECT COUNT(*) FROM bank_links WHERE account_id = ?1 AND bank_id = ?2 AND retired_at IS NULL", args![account_id, bank_id])?;
                return Ok(if linked > 0 {
                    Unlink::Last
                } else {
                    Unlink::NotLinked
                });
            }
            journal(
                tx,
                None,
                Some(account_id),
                now,
                JournalEvent::BankUnlinked,
                Some(bank_id),
                Some(trace_id),
            )?;
            Ok(Unlink::Done)
        }).await
    }
}
