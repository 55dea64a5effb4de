//! Two-factor data: TOTP secrets (sealed), their confirmation and replay guard, backup codes.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;

use super::journal::journal;
use super::Store;
use bankid_api::JournalEvent;

/// A TOTP secret as stored: `value` is base64 of the sealed secret and `key_id` names its key;
/// rows from before migration 0008 hold hex and no key id.
#[derive(sqlx::FromRow)]
pub struct StoredTotp {
    #[sqlx(rename = "secret")]
    pub value: String,
    pub key_id: Option<String>,
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
    ) -> Result<Option<StoredTotp>, sqlx::Error> {
        let sql = if confirmed {
            "SELECT secret, key_id FROM totp WHERE account_id = ?1 AND confirmed_at IS NOT NULL"
        } else {
            "SELECT secret, key_id FROM totp WHERE account_id = ?1 AND confirmed_at IS NULL"
        };
        sqlx::query_as(sql)
            .bind(account_id)
            .fetch_optional(&self.pool)
            .await
    }

    /// Stores a sealed secret being set up (replaces an unconfirmed one, never an active one).
    pub async fn put_pending_totp(
        &self,
        account_id: &str,
        (key_id, sealed): (&str, &[u8]),
        now: i64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO totp (account_id, secret, key_id, created_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (account_id) DO UPDATE SET secret = excluded.secret, key_id = excluded.key_id,
                created_at = excluded.created_at, last_step = -1
             WHERE totp.confirmed_at IS NULL",
        )
        .bind(account_id)
        .bind(BASE64.encode(sealed))
        .bind(key_id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Secrets written before they were sealed (hex, no key id): (account id, hex).
    pub async fn unsealed_totp_secrets(&self) -> Result<Vec<(String, String)>, sqlx::Error> {
        sqlx::query_as("SELECT account_id, secret FROM totp WHERE key_id IS NULL")
            .fetch_all(&self.pool)
            .await
    }

    /// Replaces an unsealed secret by its sealed form; false when it changed meanwhile.
    pub async fn seal_totp_secret(
        &self,
        account_id: &str,
        hex: &str,
        (key_id, sealed): (&str, &[u8]),
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE totp SET secret = ?1, key_id = ?2 WHERE account_id = ?3 AND key_id IS NULL AND secret = ?4",
        )
        .bind(BASE64.encode(sealed))
        .bind(key_id)
        .bind(account_id)
        .bind(hex)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
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
    ) -> Result<bool, sqlx::Error> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE totp SET confirmed_at = ?1, last_step = ?2 WHERE account_id = ?3 AND confirmed_at IS NULL",
        )
        .bind(now)
        .bind(step)
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        insert_backup_codes(&mut tx, account_id, backup_hashes).await?;
        sqlx::query("DELETE FROM sessions WHERE account_id = ?1 AND id_hash <> ?2")
            .bind(account_id)
            .bind(keep_session)
            .execute(&mut *tx)
            .await?;
        journal(
            &mut tx,
            None,
            Some(account_id),
            now,
            JournalEvent::MfaEnabled,
            None,
            Some(trace_id),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn disable_totp(
        &self,
        account_id: &str,
        keep_session: &str,
        now: i64,
        trace_id: &str,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM totp WHERE account_id = ?1")
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM backup_codes WHERE account_id = ?1")
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE account_id = ?1 AND id_hash <> ?2")
            .bind(account_id)
            .bind(keep_session)
            .execute(&mut *tx)
            .await?;
        journal(
            &mut tx,
            None,
            Some(account_id),
            now,
            JournalEvent::MfaDisabled,
            None,
            Some(trace_id),
        )
        .await?;
        tx.commit().await
    }

    pub async fn replace_backup_codes(
        &self,
        account_id: &str,
        hashes: &[String],
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.begin().await?;
        insert_backup_codes(&mut tx, account_id, hashes).await?;
        tx.commit().await
    }

    /// Spends a TOTP step: a step at or before the last one used is a replay.
    pub async fn spend_totp_step(
        &self,
        account_id: &str,
        step: i64,
    ) -> Result<SecondFactor, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE totp SET last_step = ?1 WHERE account_id = ?2 AND confirmed_at IS NOT NULL AND last_step < ?1",
        )
        .bind(step)
        .bind(account_id)
        .execute(&self.pool)
        .await?;
        Ok(if done.rows_affected() == 1 {
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
    ) -> Result<SecondFactor, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE backup_codes SET used_at = ?1 WHERE account_id = ?2 AND code_hash = ?3 AND used_at IS NULL",
        )
        .bind(now)
        .bind(account_id)
        .bind(hash)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 1 {
            return Ok(SecondFactor::Ok);
        }
        let used: Option<i64> = sqlx::query_scalar(
            "SELECT COUNT(*) FROM backup_codes WHERE account_id = ?1 AND code_hash = ?2",
        )
        .bind(account_id)
        .bind(hash)
        .fetch_one(&self.pool)
        .await?;
        Ok(if used.unwrap_or(0) > 0 {
            SecondFactor::Reused
        } else {
            SecondFactor::Wrong
        })
    }
}

/// Replaces the account's backup codes (hashes) within a transaction.
async fn insert_backup_codes(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    account_id: &str,
    hashes: &[String],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM backup_codes WHERE account_id = ?1")
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
    for h in hashes {
        sqlx::query("INSERT INTO backup_codes (account_id, code_hash) VALUES (?1, ?2)")
            .bind(account_id)
            .bind(h)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
