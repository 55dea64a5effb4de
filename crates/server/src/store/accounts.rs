//! Accounts and what hangs on them: person keys (keyed identifiers), sessions, and signing in
//! through a linked bank.

use super::db::{args, from_row, DbError, DbResult, FromRow, Row, Tx};
use super::journal::journal;
use super::Store;
use bankid_api::JournalEvent;

/// Idle time after which a session ends.
pub const SESSION_IDLE_MS: i64 = 30 * 60 * 1000;
/// How stale a session's last-seen time may get before a request writes it again: a session
/// ends idle between `SESSION_IDLE_MS - SESSION_TOUCH_MS` and `SESSION_IDLE_MS` after its last
/// use.
pub const SESSION_TOUCH_MS: i64 = 15 * 1000;
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
from_row!(AccountRecord {
    id,
    person_key,
    birthdate,
    state,
    country,
    given_name,
    family_name,
    phone,
    email,
    registration_id,
    totp
});

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
struct SessionTimes {
    account_id: String,
    created_at: i64,
    last_seen_at: i64,
}
from_row!(SessionTimes {
    account_id,
    created_at,
    last_seen_at
});

/// A whole `sessions` row.
struct SessionRecord {
    times: SessionTimes,
    auth_at: i64,
    mfa_pending: i64,
}
impl FromRow for SessionRecord {
    fn from_row(row: &Row) -> DbResult<Self> {
        Ok(SessionRecord {
            times: SessionTimes::from_row(row)?,
            auth_at: row.by("auth_at")?,
            mfa_pending: row.by("mfa_pending")?,
        })
    }
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
    ) -> Result<SignIn, DbError> {
        self.write(|tx| {
            let withdrawn: Option<i64> = tx.scalar_opt("SELECT consent_withdrawn_at FROM bank_links WHERE bank_id = ?1 AND subject = ?2 AND retired_at IS NULL", args![bank_id, subject])?
            .flatten();
            if withdrawn.is_some() {
                return Ok(SignIn::ConsentWithdrawn);
            }
            let account: Option<String> = tx.scalar_opt("SELECT account_id FROM bank_links WHERE bank_id = ?1 AND subject = ?2 AND retired_at IS NULL", args![bank_id, subject])?;
            let Some(account_id) = account else {
                let exists = !accounts_of_keys(tx, person_keys)?.is_empty();
                return Ok(if exists {
                    SignIn::NotLinked
                } else {
                    SignIn::NoAccount
                });
            };
            let mfa: i64 = tx.scalar("SELECT COUNT(*) FROM totp WHERE account_id = ?1 AND confirmed_at IS NOT NULL", args![&account_id])?;
            tx.exec("UPDATE bank_links SET last_used_at = ?1 WHERE bank_id = ?2 AND subject = ?3", args![now, bank_id, subject])?;
            tx.exec("INSERT INTO sessions (id_hash, account_id, created_at, last_seen_at, auth_at, mfa_pending) VALUES (?1, ?2, ?3, ?3, ?3, ?4)", args![session_hash, &account_id, now, i64::from(mfa > 0)])?;
            let registration_id: Option<String> = tx.scalar_opt("SELECT id FROM registrations WHERE account_id = ?1 ORDER BY created_at DESC LIMIT 1", args![&account_id])?;
            journal(
                tx,
                None,
                Some(&account_id),
                now,
                JournalEvent::SignedIn,
                Some(bank_id),
                Some(trace_id),
            )?;
            // The bank sent the taxpayer number to recognise the account: a transfer for the ledger,
            // under the consent in force for that bank.
            if let Some(reg) = &registration_id {
                tx.exec("INSERT INTO consents (registration_id, account_id, bank_id, fields, purpose, version, outcome, at)
                     VALUES (?1, ?2, ?3, 'tax_id', 'sign-in: recognise the account',
                             COALESCE((SELECT version FROM consents WHERE account_id = ?2 AND bank_id = ?3
                                       AND outcome IN ('account', 'linked') ORDER BY id DESC LIMIT 1), ?4),
                             'signed_in', ?5)", args![reg, &account_id, bank_id, bankid_api::types::CONSENT_VERSION, now])?;
            }
            Ok(SignIn::Session {
                mfa_pending: mfa > 0,
                registration_id,
            })
        }).await
    }

    /// The second factor was given: the session becomes a full one.
    pub async fn complete_mfa(&self, id_hash: &str) -> Result<(), DbError> {
        self.write(|tx| {
            tx.exec(
                "UPDATE sessions SET mfa_pending = 0 WHERE id_hash = ?1",
                args![id_hash],
            )
        })
        .await?;
        Ok(())
    }

    /// A live session (touching its idle timer); expired ones are deleted and give `None`.
    pub async fn session(&self, id_hash: &str, now: i64) -> Result<Option<SessionRow>, DbError> {
        let row: Option<SessionRecord> = self.read(|tx| tx.opt("SELECT account_id, created_at, last_seen_at, auth_at, mfa_pending FROM sessions WHERE id_hash = ?1", args![id_hash])).await?;
        let Some(row) = row else { return Ok(None) };
        let created = row.times.created_at;
        let seen = row.times.last_seen_at;
        if now - seen > SESSION_IDLE_MS || now - created > SESSION_ABSOLUTE_MS {
            self.delete_session(id_hash).await?;
            return Ok(None);
        }
        // The idle timer moves in steps: a session used again within [`SESSION_TOUCH_MS`] is not
        // written again (a read per request, not a write).
        if now - seen >= SESSION_TOUCH_MS {
            self.write_each(|tx| {
                tx.exec(
                    "UPDATE sessions SET last_seen_at = ?1 WHERE id_hash = ?2",
                    args![now, id_hash],
                )
            })
            .await?;
        }
        Ok(Some(SessionRow {
            account_id: row.times.account_id,
            created_at: created,
            auth_at: row.auth_at,
            mfa_pending: row.mfa_pending != 0,
        }))
    }

    pub async fn delete_session(&self, id_hash: &str) -> Result<(), DbError> {
        self.write(|tx| tx.exec("DELETE FROM sessions WHERE id_hash = ?1", args![id_hash]))
            .await?;
        Ok(())
    }

    pub async fn rotate_session(&self, old_hash: &str, new_hash: &str) -> Result<(), DbError> {
        self.write(|tx| {
            tx.exec(
                "UPDATE sessions SET id_hash = ?1 WHERE id_hash = ?2",
                args![new_hash, old_hash],
            )
        })
        .await?;
        Ok(())
    }

    /// The account of a live session ([`Store::session`]: touching its idle timer; expired
    /// sessions are deleted).
    pub async fn session_account(
        &self,
        id_hash: &str,
        now: i64,
    ) -> Result<Option<String>, DbError> {
        Ok(self.session(id_hash, now).await?.map(|s| s.account_id))
    }

    /// The keyed identifiers of an account.
    pub async fn person_keys(&self, account_id: &str) -> Result<Vec<String>, DbError> {
        self.read(|tx| {
            tx.scalars(
                "SELECT key FROM person_keys WHERE account_id = ?1",
                args![account_id],
            )
        })
        .await
    }

    /// Adds identifiers a bank vouched for to an account (keys of other accounts stay theirs).
    pub async fn add_person_keys(&self, account_id: &str, keys: &[String]) -> Result<(), DbError> {
        self.write(|tx| {
            add_person_keys(tx, account_id, keys)?;
            Ok(())
        })
        .await
    }

    pub async fn account(&self, id: &str) -> Result<Option<AccountRow>, DbError> {
        let row: Option<AccountRecord> = self.read(|tx| tx.opt("SELECT a.id, a.person_key, a.birthdate, a.state, a.country, a.given_name, a.family_name, a.phone, a.email,
                    (SELECT r.id FROM registrations r WHERE r.account_id = a.id ORDER BY r.created_at DESC LIMIT 1) AS registration_id,
                    (SELECT COUNT(*) FROM totp t WHERE t.account_id = a.id AND t.confirmed_at IS NOT NULL) AS totp
             FROM accounts a WHERE a.id = ?1", args![id])).await?;
        Ok(row.map(AccountRow::from))
    }
}

/// The accounts any of `keys` belongs to.
pub(super) fn accounts_of_keys(tx: &mut Tx<'_>, keys: &[String]) -> Result<Vec<String>, DbError> {
    let mut owners: Vec<String> = Vec::new();
    for k in keys {
        let owner: Option<String> = tx.scalar_opt(
            "SELECT account_id FROM person_keys WHERE key = ?1",
            args![k],
        )?;
        if let Some(o) = owner {
            if !owners.contains(&o) {
                owners.push(o);
            }
        }
    }
    Ok(owners)
}

/// Records identifiers for an account; a key of another account is left alone.
pub(super) fn add_person_keys(
    tx: &mut Tx<'_>,
    account_id: &str,
    keys: &[String],
) -> Result<(), DbError> {
    for k in keys {
        tx.exec("INSERT INTO person_keys (key, account_id) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING", args![k, account_id])?;
    }
    Ok(())
}
