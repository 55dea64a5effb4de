//! Two-factor data: TOTP secrets (sealed), their confirmation and replay guard, backup codes.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;

use super::db::{args, DbError, DbResult, FromRow, Row, Tx};
use super::journal::journal;
use super::Store;
use bankid_api::JournalEvent;

/// A TOTP secret as stored: `value` is base64 of the sealed secret and `key_id` names its key;
/// rows from before migration 0008 hold hex and no key id.
pub struct StoredTotp {
    pub value: String,
    pub key_id: Option<String>,
}
impl FromRow for StoredTotp {
    fn from_row(row: &Row) -> DbResult<Self> {
        Ok(StoredTotp {
            value: row.by("secret")?,
            key_id: row.by("key_id")?,
        })
    }
}

/// A second-factor code after checking.
#[derive(Debug, PartialEq, Eq)]
pub enum SecondFactor {
    Ok,
    Reused,
    Wrong,
}

impl Store {
    /// The TOTP secret of an account as stored: the active one (`confirmed`) or the one being
    /// set up. Open it with `mfa::open_totp`.
    pub async fn totp_secret(
        &self,
        account_id: &str,
        confirmed: bool,
    ) -> Result<Option<StoredTotp>, DbError> {
        let sql = if confirmed {
            "SELECT secret, key_id FROM totp WHERE account_id = ?1 AND confirmed_at IS NOT NULL"
        } else {
            "SELECT secret, key_id FROM totp WHERE account_id = ?1 AND confirmed_at IS NULL"
        };
        self.read(|tx| tx.opt(sql, args![account_id])).await
    }

    /// Stores a sealed secret being set up (replaces an unconfirmed one, never an active one).
    pub async fn put_pending_totp(
        &self,
        account_id: &str,
        (key_id, sealed): (&str, &[u8]),
        now: i64,
    ) -> Result<(), DbError> {
        self.write(|tx| tx.exec("INSERT INTO totp (account_id, secret, key_id, created_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (account_id) DO UPDATE SET secret = excluded.secret, key_id = excluded.key_id,
                created_at = excluded.created_at, last_step = -1
             WHERE totp.confirmed_at IS NULL", args![account_id, BASE64.encode(sealed), key_id, now])).await?;
        Ok(())
    }

    /// Secrets written before they were sealed (hex, no key id): (account id, hex).
    pub async fn unsealed_totp_secrets(&self) -> Result<Vec<(String, String)>, DbError> {
        self.read(|tx| {
            tx.all(
                "SELECT account_id, secret FROM totp WHERE key_id IS NULL",
                args![],
            )
        })
        .await
    }

    /// Replaces an unsealed secret by its sealed form; false when it changed meanwhile.
    pub async fn seal_totp_secret(
        &self,
        account_id: &str,
        hex: &str,
        (key_id, sealed): (&str, &[u8]),
    ) -> Result<bool, DbError> {
        let done = self.write(|tx| tx.exec("UPDATE totp SET secret = ?1, key_id = ?2 WHERE account_id = ?3 AND key_id IS NULL AND secret = ?4", args![BASE64.encode(sealed), key_id, account_id, hex])).await?;
        Ok(done == 1)
    }

    /// Turns TOTP on with its backup codes, ends the account's other sessions, journals it.
    pub async fn enable_totp(
        &self,
        account_id: &str,
        step: i64,
        backup_hashes: &[String],
        keep_session: &str,
        now: i64,
        trace_id: &str,
    ) -> Result<bool, DbError> {
        self.write(|tx| {
            let done = tx.exec("UPDATE totp SET confirmed_at = ?1, last_step = ?2 WHERE account_id = ?3 AND confirmed_at IS NULL", args![now, step, account_id])?;
            if done != 1 {
                return Ok(false);
            }
            insert_backup_codes(tx, account_id, backup_hashes)?;
            tx.exec("DELETE FROM sessions WHERE account_id = ?1 AND id_hash <> ?2", args![account_id, keep_session])?;
            journal(
                tx,
                None,
                Some(account_id),
                now,
                JournalEvent::MfaEnabled,
                None,
                Some(trace_id),
            )?;
            Ok(true)
        }).await
    }

    pub async fn disable_totp(
        &self,
        account_id: &str,
        keep_session: &str,
        now: i64,
        trace_id: &str,
    ) -> Result<(), DbError> {
        self.write(|tx| {
            tx.exec("DELETE FROM totp WHERE account_id = ?1", args![account_id])?;
            tx.exec(
                "DELETE FROM backup_codes WHERE account_id = ?1",
                args![account_id],
            )?;
            tx.exec(
                "DELETE FROM sessions WHERE account_id = ?1 AND id_hash <> ?2",
                args![account_id, keep_session],
            )?;
            journal(
                tx,
                None,
                Some(account_id),
                now,
                JournalEvent::MfaDisabled,
                None,
                Some(trace_id),
            )?;
            Ok(())
        })
        .await
    }

    pub async fn replace_backup_codes(
        &self,
        account_id: &str,
        hashes: &[String],
    ) -> Result<(), DbError> {
        self.write(|tx| {
            insert_backup_codes(tx, account_id, hashes)?;
            Ok(())
        })
        .await
    }

    /// Spends a TOTP step: a step at or before the last one used is a replay.
    pub async fn spend_totp_step(
        &self,
        account_id: &str,
        step: i64,
    ) -> Result<SecondFactor, DbError> {
        let done = self.write(|tx| tx.exec("UPDATE totp SET last_step = ?1 WHERE account_id = ?2 AND confirmed_at IS NOT NULL AND last_step < ?1", args![step, account_id])).await?;
        Ok(if done == 1 {
            SecondFactor::Ok
        } else {
            SecondFactor::Reused
        })
    }

    /// Spends a backup code once: of two concurrent uses exactly one succeeds.
    pub async fn spend_backup_code(
        &self,
        account_id: &str,
        hash: &str,
        now: i64,
    ) -> Result<SecondFactor, DbError> {
        let done = self.write(|tx| tx.exec("UPDATE backup_codes SET used_at = ?1 WHERE account_id = ?2 AND code_hash = ?3 AND used_at IS NULL", args![now, account_id, hash])).await?;
        if done == 1 {
            return Ok(SecondFactor::Ok);
        }
        let used: Option<i64> = self
            .read(|tx| {
                tx.scalar(
                    "SELECT COUNT(*) FROM backup_codes WHERE account_id = ?1 AND code_hash = ?2",
                    args![account_id, hash],
                )
            })
            .await?;
        Ok(if used.unwrap_or(0) > 0 {
            SecondFactor::Reused
        } else {
            SecondFactor::Wrong
        })
    }
}

/// Replaces the account's backup codes (hashes) within a transaction.
fn insert_backup_codes(
    tx: &mut Tx<'_>,
    account_id: &str,
    hashes: &[String],
) -> Result<(), DbError> {
    tx.exec(
        "DELETE FROM backup_codes WHERE account_id = ?1",
        args![account_id],
    )?;
    for h in hashes {
        tx.exec(
            "INSERT INTO backup_codes (account_id, code_hash) VALUES (?1, ?2)",
            args![account_id, h],
        )?;
    }
    Ok(())
}
