//! Accounts and what hangs on them: person keys (keyed identifiers), sessions, and signing in
//! through a linked bank.

use super::journal::journal;
use super::Store;
use bankid_api::JournalEvent;

/// Idle time after which a session ends.
pub const SESSION_IDLE_MS: i64 = 30 * 60 * 1000;
/// Absolute session lifetime.
pub const SESSION_ABSOLUTE_MS: i64 = 12 * 60 * 60 * 1000;

/// Outcome of a sign-in at a bank.
#[derive(Debug, PartialEq, Eq)]
pub enum SignIn {
    Session {
        mfa_pending: bool,
        registration_id: Option<String>,
    },
    /// The person has an account, but not through this bank (or the link was retired).
    NotLinked,
    /// The citizen withdrew the consent for this bank's data.
    ConsentWithdrawn,
    NoAccount,
}

#[derive(Debug, Clone)]
pub struct SessionRow {
    pub account_id: String,
    pub created_at: i64,
    pub auth_at: i64,
    pub mfa_pending: bool,
}

#[derive(Debug, Clone)]
pub struct AccountRow {
    pub id: String,
    pub person_key: String,
    pub birthdate: String,
    pub state: String,
    pub country: String,
    pub given_name: String,
    pub family_name: String,
    pub phone: String,
    pub email: Option<String>,
    pub registration_id: Option<String>,
    pub totp_enabled: bool,
}

impl AccountRow {
    pub fn display_name(&self) -> String {
        format!(
            "{} {}.",
            self.given_name,
            self.family_name.chars().take(1).collect::<String>()
        )
    }
}

/// An `accounts` row as read, with its newest registration and the count of active TOTP secrets.
#[derive(sqlx::FromRow)]
struct AccountRecord {
    id: String,
    person_key: String,
    birthdate: String,
    state: String,
    country: String,
    given_name: String,
    family_name: String,
    phone: String,
    email: Option<String>,
    registration_id: Option<String>,
    totp: i64,
}

impl From<AccountRecord> for AccountRow {
    fn from(r: AccountRecord) -> Self {
        AccountRow {
            id: r.id,
            person_key: r.person_key,
            birthdate: r.birthdate,
            state: r.state,
            country: r.country,
            given_name: r.given_name,
            family_name: r.family_name,
            phone: r.phone,
            email: r.email,
            registration_id: r.registration_id,
            totp_enabled: r.totp > 0,
        }
    }
}

/// What decides whether a `sessions` row is still alive.
#[derive(sqlx::FromRow)]
struct SessionTimes {
    account_id: String,
    created_at: i64,
    last_seen_at: i64,
}

/// A whole `sessions` row.
#[derive(sqlx::FromRow)]
struct SessionRecord {
    #[sqlx(flatten)]
    times: SessionTimes,
    auth_at: i64,
    mfa_pending: i64,
}

impl Store {
    /// Finds the account of a bank subject (a live link) and opens a session for it; with TOTP on,
    /// the session waits for the second factor. Never creates an account.
    pub async fn sign_in(
        &self,
        bank_id: &str,
        subject: &str,
        person_keys: &[String],
        session_hash: &str,
        now: i64,
        trace_id: &str,
    ) -> Result<SignIn, sqlx::Error> {
        let mut tx = self.begin().await?;
        let withdrawn: Option<i64> = sqlx::query_scalar(
            "SELECT consent_withdrawn_at FROM bank_links WHERE bank_id = ?1 AND subject = ?2 AND retired_at IS NULL",
        )
        .bind(bank_id)
        .bind(subject)
        .fetch_optional(&mut *tx)
        .await?
        .flatten();
        if withdrawn.is_some() {
            return Ok(SignIn::ConsentWithdrawn);
        }
        let account: Option<String> = sqlx::query_scalar(
            "SELECT account_id FROM bank_links WHERE bank_id = ?1 AND subject = ?2 AND retired_at IS NULL",
        )
        .bind(bank_id)
        .bind(subject)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(account_id) = account else {
            let exists = !accounts_of_keys(&mut tx, person_keys).await?.is_empty();
            return Ok(if exists {
                SignIn::NotLinked
            } else {
                SignIn::NoAccount
            });
        };
        let mfa: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM totp WHERE account_id = ?1 AND confirmed_at IS NOT NULL",
        )
        .bind(&account_id)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("UPDATE bank_links SET last_used_at = ?1 WHERE bank_id = ?2 AND subject = ?3")
            .bind(now)
            .bind(bank_id)
            .bind(subject)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO sessions (id_hash, account_id, created_at, last_seen_at, auth_at, mfa_pending) VALUES (?1, ?2, ?3, ?3, ?3, ?4)",
        )
        .bind(session_hash)
        .bind(&account_id)
        .bind(now)
        .bind(i64::from(mfa > 0))
        .execute(&mut *tx)
        .await?;
        let registration_id: Option<String> = sqlx::query_scalar(
            "SELECT id FROM registrations WHERE account_id = ?1 ORDER BY created_at DESC LIMIT 1",
        )
        .bind(&account_id)
        .fetch_optional(&mut *tx)
        .await?;
        journal(
            &mut tx,
            None,
            Some(&account_id),
            now,
            JournalEvent::SignedIn,
            Some(bank_id),
            Some(trace_id),
        )
        .await?;
        // The bank sent the taxpayer number to recognise the account: a transfer for the ledger,
        // under the consent in force for that bank.
        if let Some(reg) = &registration_id {
            sqlx::query(
                "INSERT INTO consents (registration_id, account_id, bank_id, fields, purpose, version, outcome, at)
                 VALUES (?1, ?2, ?3, 'tax_id', 'sign-in: recognise the account',
                         COALESCE((SELECT version FROM consents WHERE account_id = ?2 AND bank_id = ?3
                                   AND outcome IN ('account', 'linked') ORDER BY id DESC LIMIT 1), ?4),
                         'signed_in', ?5)",
            )
            .bind(reg)
            .bind(&account_id)
            .bind(bank_id)
            .bind(bankid_api::types::CONSENT_VERSION)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(SignIn::Session {
            mfa_pending: mfa > 0,
            registration_id,
        })
    }

    /// The second factor was given: the session becomes a full one.
    pub async fn complete_mfa(&self, id_hash: &str) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE sessions SET mfa_pending = 0 WHERE id_hash = ?1")
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A live session (touching its idle timer); expired ones are deleted and give `None`.
    pub async fn session(
        &self,
        id_hash: &str,
        now: i64,
    ) -> Result<Option<SessionRow>, sqlx::Error> {
        let row: Option<SessionRecord> = sqlx::query_as(
            "SELECT account_id, created_at, last_seen_at, auth_at, mfa_pending FROM sessions WHERE id_hash = ?1",
        )
        .bind(id_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let created = row.times.created_at;
        let seen = row.times.last_seen_at;
        if now - seen > SESSION_IDLE_MS || now - created > SESSION_ABSOLUTE_MS {
            self.delete_session(id_hash).await?;
            return Ok(None);
        }
        sqlx::query("UPDATE sessions SET last_seen_at = ?1 WHERE id_hash = ?2")
            .bind(now)
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(Some(SessionRow {
            account_id: row.times.account_id,
            created_at: created,
            auth_at: row.auth_at,
            mfa_pending: row.mfa_pending != 0,
        }))
    }

    pub async fn delete_session(&self, id_hash: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = ?1")
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn rotate_session(&self, old_hash: &str, new_hash: &str) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE sessions SET id_hash = ?1 WHERE id_hash = ?2")
            .bind(new_hash)
            .bind(old_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The account of a live session ([`Store::session`]: touching its idle timer; expired
    /// sessions are deleted).
    pub async fn session_account(
        &self,
        id_hash: &str,
        now: i64,
    ) -> Result<Option<String>, sqlx::Error> {
        Ok(self.session(id_hash, now).await?.map(|s| s.account_id))
    }

    /// The keyed identifiers of an account.
    pub async fn person_keys(&self, account_id: &str) -> Result<Vec<String>, sqlx::Error> {
        sqlx::query_scalar("SELECT key FROM person_keys WHERE account_id = ?1")
            .bind(account_id)
            .fetch_all(&self.pool)
            .await
    }

    /// Adds identifiers a bank vouched for to an account (keys of other accounts stay theirs).
    pub async fn add_person_keys(
        &self,
        account_id: &str,
        keys: &[String],
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.begin().await?;
        add_person_keys(&mut tx, account_id, keys).await?;
        tx.commit().await
    }

    pub async fn account(&self, id: &str) -> Result<Option<AccountRow>, sqlx::Error> {
        let row: Option<AccountRecord> = sqlx::query_as(
            "SELECT a.id, a.person_key, a.birthdate, a.state, a.country, a.given_name, a.family_name, a.phone, a.email,
                    (SELECT r.id FROM registrations r WHERE r.account_id = a.id ORDER BY r.created_at DESC LIMIT 1) AS registration_id,
                    (SELECT COUNT(*) FROM totp t WHERE t.account_id = a.id AND t.confirmed_at IS NOT NULL) AS totp
             FROM accounts a WHERE a.id = ?1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(AccountRow::from))
    }
}

/// The accounts any of `keys` belongs to.
pub(super) async fn accounts_of_keys(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    keys: &[String],
) -> Result<Vec<String>, sqlx::Error> {
    let mut owners: Vec<String> = Vec::new();
    for k in keys {
        let owner: Option<String> =
            sqlx::query_scalar("SELECT account_id FROM person_keys WHERE key = ?1")
                .bind(k)
                .fetch_optional(&mut **tx)
                .await?;
        if let Some(o) = owner {
            if !owners.contains(&o) {
                owners.push(o);
            }
        }
    }
    Ok(owners)
}

/// Records identifiers for an account; a key of another account is left alone.
pub(super) async fn add_person_keys(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    account_id: &str,
    keys: &[String],
) -> Result<(), sqlx::Error> {
    for k in keys {
        sqlx::query("INSERT INTO person_keys (key, account_id) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING")
            .bind(k)
            .bind(account_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
