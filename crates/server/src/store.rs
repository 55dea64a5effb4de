//! The store: SQLite through sqlx, migrations embedded. Every multi-row change is one transaction.

use std::str::FromStr;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

/// Idle time after which a session ends.
pub const SESSION_IDLE_MS: i64 = 30 * 60 * 1000;
/// Absolute session lifetime.
pub const SESSION_ABSOLUTE_MS: i64 = 12 * 60 * 60 * 1000;

#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
    /// Test seam: a named point inside a transaction that fails once, to prove the transaction
    /// leaves exactly the old state. Never set in production.
    fault: std::sync::Arc<std::sync::Mutex<Option<&'static str>>>,
}

#[derive(Debug, Clone)]
pub struct RegistrationRow {
    pub id: String,
    pub request_number: i64,
    pub bank_id: String,
    pub phone: String,
    pub state: String,
    pub reason: Option<String>,
    pub trace_id: Option<String>,
    pub browser_hash: String,
    pub account_id: Option<String>,
    pub created_at: i64,
    pub display_name: Option<String>,
    /// State of the account the registration created, if any.
    pub account_state: Option<String>,
}

#[derive(Debug, Clone)]
pub struct JournalRow {
    pub at: i64,
    pub code: String,
    pub upstream: Option<String>,
}

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
}

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

pub struct NewRegistration<'a> {
    pub id: &'a str,
    pub bank_id: &'a str,
    pub phone: &'a str,
    pub browser_hash: &'a str,
    pub consent_version: &'a str,
    pub lang: &'a str,
    pub trace_id: &'a str,
    pub state_hash: &'a str,
    pub nonce: &'a str,
    pub pkce_verifier: &'a str,
    pub flow_ttl_ms: i64,
    pub now: i64,
}

#[derive(Debug, PartialEq, Eq)]
pub enum TakeFlow {
    Taken(Box<FlowRow>),
    /// Unknown, expired or already used.
    Invalid,
    /// The flow exists but was started in another browser. Nothing was changed.
    OtherBrowser,
}

/// What the bank's data led to, to be written in one transaction.
pub enum Outcome<'a> {
    /// `claim` names the bank claim at fault (kept as the journal's upstream detail).
    Rejected {
        reason: &'a str,
        claim: Option<&'a str>,
    },
    Accepted(NewAccount<'a>),
}

pub struct NewAccount<'a> {
    pub new_account_id: &'a str,
    /// Keyed hashes of the person's identifiers, strongest first (see `domain::person_ids`);
    /// never empty (the passport is always there).
    pub person_keys: &'a [String],
    /// False when the bank does not share activity data (journaled as not checked).
    pub activity_checked: bool,
    pub country: &'a str,
    pub family_name: &'a str,
    pub given_name: &'a str,
    pub middle_name: Option<&'a str>,
    pub birthdate: &'a str,
    pub phone: &'a str,
    pub email: Option<&'a str>,
    pub subject: &'a str,
    pub session_hash: &'a str,
    /// Passport, taxpayer number and SNILS sealed for `new_account_id`: (key id, sealed bytes).
    pub sealed_ids: (&'a str, &'a [u8]),
}

pub struct Completion<'a> {
    pub registration_id: &'a str,
    pub bank_id: &'a str,
    pub trace_id: &'a str,
    pub consent_fields: &'a str,
    pub consent_purpose: &'a str,
    pub consent_version: &'a str,
    pub outcome: Outcome<'a>,
    pub now: i64,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Completed {
    Rejected,
    /// The account (new or found by person key) and whether it already existed.
    Account {
        account_id: String,
        existed: bool,
    },
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

pub struct NewChallenge<'a> {
    pub id: &'a str,
    pub account_id: &'a str,
    pub registration_id: Option<&'a str>,
    pub channel: &'a str,
    pub destination: &'a str,
    pub code_hash: &'a str,
    pub body: &'a str,
    pub trace_id: &'a str,
    pub now: i64,
    pub expires_at: i64,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Confirm {
    Activated,
    AlreadyActive,
    NoChallenge,
    Expired,
    Locked,
    Wrong { tries_left: i64 },
}

/// Outcome of removing a bank link.
#[derive(Debug, PartialEq, Eq)]
pub enum Unlink {
    Done,
    /// It is the account's only live link: refused.
    Last,
    NotLinked,
}

/// A TOTP secret as stored: `value` is base64 of the sealed secret and `key_id` names its key;
/// rows from before migration 0008 hold hex and no key id.
pub struct StoredTotp {
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

/// What an `Idempotency-Key` has seen before.
#[derive(Debug, PartialEq, Eq)]
pub enum IdemBegin {
    New,
    InProgress,
    Mismatch,
    /// The first answer, sealed (see `idempotency::StoredReply`); `key_id` names the vault key
    /// (`None` only for rows kept in clear before sealing, which migration 0010 removed).
    Replay {
        key_id: Option<String>,
        sealed: Vec<u8>,
    },
}

/// Keys are kept this long.
pub const IDEMPOTENCY_TTL_MS: i64 = 24 * 3600 * 1000;
/// A request still marked running after this is taken to have died.
const IDEMPOTENCY_STALE_MS: i64 = 60 * 1000;

#[derive(Debug)]
pub enum StoreError {
    Db(sqlx::Error),
    /// The bank subject is linked to another person's account.
    SubjectConflict,
    /// The bank subject's link to the account was removed.
    Retired,
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Db(e)
    }
}

impl Store {
    /// Opens (creating when missing) the database and applies migrations.
    pub async fn connect(url: &str) -> Result<Store, sqlx::Error> {
        let opts = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            // Deleted or overwritten content (expired codes, erased registrations) is zeroed in
            // the file rather than left in free space.
            .pragma("secure_delete", "ON")
            .busy_timeout(Duration::from_secs(5));
        let in_memory = url.contains(":memory:");
        let pool = SqlitePoolOptions::new()
            .max_connections(if in_memory { 1 } else { 8 })
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(opts)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Store {
            pool,
            fault: Default::default(),
        })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// A write transaction that takes SQLite's write lock at once (`BEGIN IMMEDIATE`): concurrent
    /// writers wait for each other (busy timeout) instead of failing when a read snapshot cannot be
    /// upgraded.
    async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.pool.begin_with("BEGIN IMMEDIATE").await
    }

    /// Makes the named fault point fail once (tests only).
    pub fn inject_fault(&self, point: &'static str) {
        if let Ok(mut f) = self.fault.lock() {
            *f = Some(point);
        }
    }

    fn fault_point(&self, point: &'static str) -> Result<(), sqlx::Error> {
        let hit = self.fault.lock().map(|mut f| {
            if *f == Some(point) {
                f.take().is_some()
            } else {
                false
            }
        });
        if hit.unwrap_or(false) {
            return Err(sqlx::Error::Protocol(format!("injected fault at {point}")));
        }
        Ok(())
    }

    /// Writes the registration, its bank flow and the first journal entry together.
    pub async fn start_registration(&self, r: &NewRegistration<'_>) -> Result<i64, sqlx::Error> {
        let mut tx = self.begin().await?;
        let number: i64 = sqlx::query(
            "INSERT INTO registrations (id, request_number, bank_id, phone, state, browser_hash,
                consent_version, lang, trace_id, created_at, updated_at)
             VALUES (?1, (SELECT COALESCE(MAX(request_number), 0) + 1 FROM registrations), ?2, ?3,
                'awaiting_bank', ?4, ?5, ?6, ?7, ?8, ?8)
             RETURNING request_number",
        )
        .bind(r.id)
        .bind(r.bank_id)
        .bind(r.phone)
        .bind(r.browser_hash)
        .bind(r.consent_version)
        .bind(r.lang)
        .bind(r.trace_id)
        .bind(r.now)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        sqlx::query(
            "INSERT INTO auth_flows (state_hash, registration_id, bank_id, nonce, pkce_verifier, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .bind(r.state_hash)
        .bind(r.id)
        .bind(r.bank_id)
        .bind(r.nonce)
        .bind(r.pkce_verifier)
        .bind(r.now)
        .bind(r.now + r.flow_ttl_ms)
        .execute(&mut *tx)
        .await?;
        journal(
            &mut tx,
            Some(r.id),
            None,
            r.now,
            "REGISTRATION_STARTED",
            None,
            Some(r.trace_id),
        )
        .await?;
        tx.commit().await?;
        Ok(number)
    }

    /// Consumes a pending flow exactly once, and only for the browser that started it.
    pub async fn take_flow(
        &self,
        state_hash: &str,
        browser_hash: Option<&str>,
        now: i64,
    ) -> Result<TakeFlow, sqlx::Error> {
        let row = sqlx::query(
            "SELECT f.purpose, f.registration_id, f.account_id, f.replace_bank, f.return_to, f.bank_id, f.nonce, f.pkce_verifier, f.expires_at, f.consumed_at,
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
        let expires_at: i64 = row.try_get("expires_at")?;
        let consumed_at: Option<i64> = row.try_get("consumed_at")?;
        if consumed_at.is_some() || expires_at <= now {
            return Ok(TakeFlow::Invalid);
        }
        let owner: Option<String> = row.try_get("browser_hash")?;
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
        Ok(TakeFlow::Taken(Box::new(FlowRow {
            purpose: row.try_get("purpose")?,
            registration_id: row.try_get("registration_id")?,
            bank_id: row.try_get("bank_id")?,
            nonce: row.try_get("nonce")?,
            pkce_verifier: row.try_get("pkce_verifier")?,
            phone: row.try_get("phone")?,
            account_id: row.try_get("account_id")?,
            replace_bank: row.try_get("replace_bank")?,
            return_to: row.try_get("return_to")?,
        })))
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
            "SIGNED_IN",
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

    /// Starts another bank round trip for a rejected or failed registration, as the lifecycle
    /// allows; `Ok(false)` when the registration is in a state that cannot be re-verified.
    #[allow(clippy::too_many_arguments)]
    pub async fn reverify(
        &self,
        id: &str,
        phone: &str,
        state_hash: &str,
        nonce: &str,
        verifier: &str,
        now: i64,
        flow_ttl_ms: i64,
        trace_id: &str,
    ) -> Result<bool, sqlx::Error> {
        let mut tx = self.begin().await?;
        let current: Option<String> =
            sqlx::query_scalar("SELECT state FROM registrations WHERE id = ?1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(from) = current.as_deref().and_then(crate::lifecycle::parse_state) else {
            return Ok(false);
        };
        let Ok(to) = crate::lifecycle::next(from, crate::lifecycle::Event::Reverify) else {
            return Ok(false);
        };
        let done = sqlx::query(
            "UPDATE registrations SET state = ?1, phone = ?2, reason = NULL, trace_id = ?3, updated_at = ?4
             WHERE id = ?5 AND state = ?6",
        )
        .bind(crate::lifecycle::state_name(to))
        .bind(phone)
        .bind(trace_id)
        .bind(now)
        .bind(id)
        .bind(crate::lifecycle::state_name(from))
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        let bank_id: String = sqlx::query_scalar("SELECT bank_id FROM registrations WHERE id = ?1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO auth_flows (state_hash, registration_id, bank_id, nonce, pkce_verifier, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .bind(state_hash)
        .bind(id)
        .bind(&bank_id)
        .bind(nonce)
        .bind(verifier)
        .bind(now)
        .bind(now + flow_ttl_ms)
        .execute(&mut *tx)
        .await?;
        journal(
            &mut tx,
            Some(id),
            None,
            now,
            "REVERIFY_STARTED",
            None,
            Some(trace_id),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
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
    ) -> Result<Result<(), &'static str>, sqlx::Error> {
        let mut tx = self.begin().await?;
        let owner: Option<(String, Option<i64>, Option<i64>)> = sqlx::query_as(
            "SELECT account_id, retired_at, consent_withdrawn_at FROM bank_links WHERE bank_id = ?1 AND subject = ?2",
        )
        .bind(bank_id)
        .bind(subject)
        .fetch_optional(&mut *tx)
        .await?;
        match owner {
            Some((other, _, _)) if other != account_id => {
                return Ok(Err("subject_of_other_account"))
            }
            Some((_, None, None)) => return Ok(Err("already_linked")),
            Some(_) => {
                sqlx::query("UPDATE bank_links SET retired_at = NULL, consent_withdrawn_at = NULL, linked_at = ?1, last_used_at = ?1 WHERE bank_id = ?2 AND subject = ?3")
                    .bind(now)
                    .bind(bank_id)
                    .bind(subject)
                    .execute(&mut *tx)
                    .await?;
            }
            None => {
                sqlx::query(
                    "INSERT INTO bank_links (account_id, bank_id, subject, linked_at, last_used_at) VALUES (?1, ?2, ?3, ?4, ?4)",
                )
                .bind(account_id)
                .bind(bank_id)
                .bind(subject)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
        }
        self.fault_point("link:between")?;
        if let Some(old) = replace {
            let done = sqlx::query(
                "UPDATE bank_links SET retired_at = ?1 WHERE account_id = ?2 AND bank_id = ?3 AND retired_at IS NULL",
            )
            .bind(now)
            .bind(account_id)
            .bind(old)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Ok(Err("replaced_bank_not_linked"));
            }
        }
        let registration_id: Option<String> = sqlx::query_scalar(
            "SELECT id FROM registrations WHERE account_id = ?1 ORDER BY created_at DESC LIMIT 1",
        )
        .bind(account_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(reg) = &registration_id {
            sqlx::query(
                "INSERT INTO consents (registration_id, account_id, bank_id, fields, purpose, version, outcome, at)
                 VALUES (?1, ?2, ?3, ?4, 'bank link: confirm the same person', ?5, 'linked', ?6)",
            )
            .bind(reg)
            .bind(account_id)
            .bind(bank_id)
            .bind(consent_fields)
            .bind(consent_version)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        let code = if replace.is_some() {
            "BANK_CHANGED"
        } else {
            "BANK_LINKED"
        };
        journal(
            &mut tx,
            None,
            Some(account_id),
            now,
            code,
            Some(bank_id),
            Some(trace_id),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

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
        sqlx::Error,
    > {
        let rows = sqlx::query(
            "SELECT c.id, c.bank_id, c.fields, c.purpose, c.version, c.outcome, c.at, c.withdraws,
                    EXISTS (SELECT 1 FROM consents w WHERE w.withdraws = c.id) AS withdrawn
             FROM consents c WHERE c.account_id = ?1 ORDER BY c.at, c.id",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("id")?,
                    r.try_get("bank_id")?,
                    r.try_get("fields")?,
                    r.try_get("purpose")?,
                    r.try_get("version")?,
                    r.try_get("outcome")?,
                    r.try_get("at")?,
                    r.try_get("withdraws")?,
                    r.try_get::<i64, _>("withdrawn")? != 0,
                ))
            })
            .collect()
    }

    /// Withdraws a consent: a new ledger entry pointing at it, the bank link's data marked as no
    /// longer usable, and a journal entry on the registration (shown on the status page).
    pub async fn withdraw_consent(
        &self,
        account_id: &str,
        consent_id: i64,
        now: i64,
        trace_id: &str,
    ) -> Result<Result<(), &'static str>, sqlx::Error> {
        let mut tx = self.begin().await?;
        let row: Option<(String, String, String, String, String, String)> = sqlx::query_as(
            "SELECT registration_id, bank_id, fields, purpose, version, outcome FROM consents WHERE id = ?1 AND account_id = ?2",
        )
        .bind(consent_id)
        .bind(account_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((registration_id, bank_id, fields, purpose, version, outcome)) = row else {
            return Ok(Err("not_found"));
        };
        // Only a consent can be withdrawn, not a record of a refusal, a sign-in or a withdrawal.
        if !matches!(outcome.as_str(), "account" | "linked") {
            return Ok(Err("not_found"));
        }
        let already: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM consents WHERE withdraws = ?1")
            .bind(consent_id)
            .fetch_one(&mut *tx)
            .await?;
        if already > 0 {
            return Ok(Err("already"));
        }
        sqlx::query(
            "INSERT INTO consents (registration_id, account_id, bank_id, fields, purpose, version, outcome, at, withdraws)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'withdrawn', ?7, ?8)",
        )
        .bind(&registration_id)
        .bind(account_id)
        .bind(&bank_id)
        .bind(&fields)
        .bind(&purpose)
        .bind(&version)
        .bind(now)
        .bind(consent_id)
        .execute(&mut *tx)
        .await?;
        // Only the consent in force (the bank's newest) covers the live link; withdrawing one that
        // a later consent replaced is recorded and leaves the link alone.
        sqlx::query(
            "UPDATE bank_links SET consent_withdrawn_at = ?1 WHERE account_id = ?2 AND bank_id = ?3 AND retired_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM consents WHERE account_id = ?2 AND bank_id = ?3
                               AND outcome IN ('account', 'linked') AND id > ?4)",
        )
        .bind(now)
        .bind(account_id)
        .bind(&bank_id)
        .bind(consent_id)
        .execute(&mut *tx)
        .await?;
        journal(
            &mut tx,
            Some(&registration_id),
            Some(account_id),
            now,
            "CONSENT_WITHDRAWN",
            Some(&bank_id),
            Some(trace_id),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// Banks of live links whose consent the citizen withdrew.
    pub async fn withdrawn_links(&self, account_id: &str) -> Result<Vec<String>, sqlx::Error> {
        sqlx::query_scalar(
            "SELECT bank_id FROM bank_links WHERE account_id = ?1 AND retired_at IS NULL AND consent_withdrawn_at IS NOT NULL",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await
    }

    /// Live links of an account: bank, linked at, last used at.
    pub async fn links(&self, account_id: &str) -> Result<Vec<(String, i64, i64)>, sqlx::Error> {
        sqlx::query_as(
            "SELECT bank_id, linked_at, last_used_at FROM bank_links
             WHERE account_id = ?1 AND retired_at IS NULL ORDER BY linked_at, id",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await
    }

    /// Retires a link unless it is the last live one; the check and the change are one statement,
    /// so two concurrent removals cannot leave zero links.
    pub async fn retire_link(
        &self,
        account_id: &str,
        bank_id: &str,
        now: i64,
        trace_id: &str,
    ) -> Result<Unlink, sqlx::Error> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE bank_links SET retired_at = ?1
             WHERE account_id = ?2 AND bank_id = ?3 AND retired_at IS NULL
               AND (SELECT COUNT(*) FROM bank_links WHERE account_id = ?2 AND retired_at IS NULL) > 1",
        )
        .bind(now)
        .bind(account_id)
        .bind(bank_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            let linked: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM bank_links WHERE account_id = ?1 AND bank_id = ?2 AND retired_at IS NULL",
            )
            .bind(account_id)
            .bind(bank_id)
            .fetch_one(&mut *tx)
            .await?;
            return Ok(if linked > 0 {
                Unlink::Last
            } else {
                Unlink::NotLinked
            });
        }
        journal(
            &mut tx,
            None,
            Some(account_id),
            now,
            "BANK_UNLINKED",
            Some(bank_id),
            Some(trace_id),
        )
        .await?;
        tx.commit().await?;
        Ok(Unlink::Done)
    }

    /// An account-level journal entry (sign-ins, two-factor changes and failures).
    pub async fn journal_account(
        &self,
        account_id: &str,
        code: &str,
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

    /// Marks a bank round trip as failed (nothing else is written).
    pub async fn fail_registration(
        &self,
        id: &str,
        reason: &str,
        upstream: Option<&str>,
        trace_id: &str,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE registrations SET state = 'failed', reason = ?1, trace_id = ?2, updated_at = ?3
             WHERE id = ?4 AND state = 'awaiting_bank'",
        )
        .bind(reason)
        .bind(trace_id)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        journal(
            &mut tx,
            Some(id),
            None,
            now,
            reason,
            upstream,
            Some(trace_id),
        )
        .await?;
        tx.commit().await
    }

    /// Records the outcome of the bank's data: registration state, consent ledger entry, journal,
    /// and for an accepted person the account, the bank link and a session — all or nothing.
    pub async fn complete_registration(&self, c: &Completion<'_>) -> Result<Completed, StoreError> {
        let mut tx = self.begin().await?;
        let result = match &c.outcome {
            Outcome::Rejected { reason, claim } => {
                sqlx::query(
                    "UPDATE registrations SET state = 'rejected', reason = ?1, trace_id = ?2, updated_at = ?3 WHERE id = ?4",
                )
                .bind(reason)
                .bind(c.trace_id)
                .bind(c.now)
                .bind(c.registration_id)
                .execute(&mut *tx)
                .await?;
                consent(&mut tx, c, None, "rejected").await?;
                journal(
                    &mut tx,
                    Some(c.registration_id),
                    None,
                    c.now,
                    reason,
                    claim.map(|c| format!("claim:{c}")).as_deref(),
                    Some(c.trace_id),
                )
                .await?;
                Completed::Rejected
            }
            Outcome::Accepted(a) => {
                let owners = accounts_of_keys(&mut tx, a.person_keys).await?;
                if owners.len() > 1 {
                    // The identifiers point at two accounts: a data error at a bank, never merged.
                    return Err(StoreError::SubjectConflict);
                }
                let existing = owners.into_iter().next();
                let existed = existing.is_some();
                let primary = a
                    .person_keys
                    .first()
                    .map(String::as_str)
                    .unwrap_or_default();
                let account_id = match existing {
                    Some(id) => id,
                    None => {
                        sqlx::query(
                            "INSERT INTO accounts (id, state, person_key, country, family_name, given_name, middle_name,
                                birthdate, phone, email, created_at, key_id, national_ids)
                             VALUES (?1, 'pending_confirmation', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                        )
                        .bind(a.new_account_id)
                        .bind(primary)
                        .bind(a.country)
                        .bind(a.family_name)
                        .bind(a.given_name)
                        .bind(a.middle_name)
                        .bind(a.birthdate)
                        .bind(a.phone)
                        .bind(a.email)
                        .bind(c.now)
                        .bind(a.sealed_ids.0)
                        .bind(a.sealed_ids.1)
                        .execute(&mut *tx)
                        .await?;
                        a.new_account_id.to_string()
                    }
                };
                let linked_to: Option<(String, Option<i64>)> = sqlx::query_as(
                    "SELECT account_id, retired_at FROM bank_links WHERE bank_id = ?1 AND subject = ?2",
                )
                .bind(c.bank_id)
                .bind(a.subject)
                .fetch_optional(&mut *tx)
                .await?;
                match linked_to {
                    Some((owner, _)) if owner != account_id => {
                        return Err(StoreError::SubjectConflict)
                    }
                    // A removed bank does not reach the account again, not even by registering.
                    Some((_, Some(_))) => return Err(StoreError::Retired),
                    Some(_) => {
                        sqlx::query("UPDATE bank_links SET last_used_at = ?1 WHERE bank_id = ?2 AND subject = ?3")
                            .bind(c.now)
                            .bind(c.bank_id)
                            .bind(a.subject)
                            .execute(&mut *tx)
                            .await?;
                    }
                    None => {
                        sqlx::query(
                            "INSERT INTO bank_links (account_id, bank_id, subject, linked_at, last_used_at)
                             VALUES (?1, ?2, ?3, ?4, ?4)",
                        )
                        .bind(&account_id)
                        .bind(c.bank_id)
                        .bind(a.subject)
                        .bind(c.now)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                add_person_keys(&mut tx, &account_id, a.person_keys).await?;
                let state: String = sqlx::query_scalar("SELECT state FROM accounts WHERE id = ?1")
                    .bind(&account_id)
                    .fetch_one(&mut *tx)
                    .await?;
                sqlx::query(
                    "UPDATE registrations SET state = ?1, reason = NULL, trace_id = ?2, account_id = ?3, updated_at = ?4
                     WHERE id = ?5",
                )
                .bind(if state == "active" { "pending_confirmation" } else { state.as_str() })
                .bind(c.trace_id)
                .bind(&account_id)
                .bind(c.now)
                .bind(c.registration_id)
                .execute(&mut *tx)
                .await?;
                consent(&mut tx, c, Some(&account_id), "account").await?;
                let code = if existed {
                    "ACCOUNT_FOUND"
                } else {
                    "ACCOUNT_CREATED"
                };
                journal(
                    &mut tx,
                    Some(c.registration_id),
                    Some(&account_id),
                    c.now,
                    code,
                    None,
                    Some(c.trace_id),
                )
                .await?;
                if !a.activity_checked {
                    journal(
                        &mut tx,
                        Some(c.registration_id),
                        Some(&account_id),
                        c.now,
                        "ACTIVITY_NOT_CHECKED",
                        Some(c.bank_id),
                        Some(c.trace_id),
                    )
                    .await?;
                }
                sqlx::query("INSERT INTO sessions (id_hash, account_id, created_at, last_seen_at, auth_at) VALUES (?1, ?2, ?3, ?3, ?3)")
                    .bind(a.session_hash)
                    .bind(&account_id)
                    .bind(c.now)
                    .execute(&mut *tx)
                    .await?;
                Completed::Account {
                    account_id,
                    existed,
                }
            }
        };
        tx.commit().await?;
        Ok(result)
    }

    pub async fn registration(&self, id: &str) -> Result<Option<RegistrationRow>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT r.id, r.request_number, r.bank_id, r.phone, r.state, r.reason, r.trace_id, r.browser_hash,
                    r.account_id, r.created_at, a.given_name, a.family_name, a.state AS account_state
             FROM registrations r LEFT JOIN accounts a ON a.id = r.account_id WHERE r.id = ?1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let given: Option<String> = row.try_get("given_name")?;
        let family: Option<String> = row.try_get("family_name")?;
        let display_name = match (given, family) {
            (Some(g), Some(f)) => Some(format!("{g} {}.", f.chars().take(1).collect::<String>())),
            _ => None,
        };
        Ok(Some(RegistrationRow {
            id: row.try_get("id")?,
            request_number: row.try_get("request_number")?,
            bank_id: row.try_get("bank_id")?,
            phone: row.try_get("phone")?,
            state: row.try_get("state")?,
            reason: row.try_get("reason")?,
            trace_id: row.try_get("trace_id")?,
            browser_hash: row.try_get("browser_hash")?,
            account_id: row.try_get("account_id")?,
            created_at: row.try_get("created_at")?,
            display_name,
            account_state: row.try_get("account_state")?,
        }))
    }

    /// Newest first.
    pub async fn journal(&self, registration_id: &str) -> Result<Vec<JournalRow>, sqlx::Error> {
        let rows = sqlx::query("SELECT at, code, upstream FROM journal WHERE registration_id = ?1 ORDER BY at DESC, id DESC")
            .bind(registration_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(JournalRow {
                    at: r.try_get("at")?,
                    code: r.try_get("code")?,
                    upstream: r.try_get("upstream")?,
                })
            })
            .collect()
    }

    /// Claims an idempotency key for a request, or says what happened to it before.
    pub async fn idem_begin(
        &self,
        scope: &str,
        key: &str,
        fingerprint: &str,
        now: i64,
    ) -> Result<IdemBegin, sqlx::Error> {
        // This key's row when it has outlived its lifetime, or was left running by an attempt that
        // died; the retention worker (`retention.rs`) removes the other expired rows in batches.
        sqlx::query(
            "DELETE FROM idempotency WHERE scope = ?1 AND key = ?2
               AND (created_at < ?3 OR (status IS NULL AND created_at < ?4))",
        )
        .bind(scope)
        .bind(key)
        .bind(now - IDEMPOTENCY_TTL_MS)
        .bind(now - IDEMPOTENCY_STALE_MS)
        .execute(&self.pool)
        .await?;
        let inserted = sqlx::query(
            "INSERT INTO idempotency (scope, key, fingerprint, created_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (scope, key) DO NOTHING",
        )
        .bind(scope)
        .bind(key)
        .bind(fingerprint)
        .bind(now)
        .execute(&self.pool)
        .await?;
        if inserted.rows_affected() == 1 {
            return Ok(IdemBegin::New);
        }
        let row = sqlx::query("SELECT fingerprint, status, key_id, body FROM idempotency WHERE scope = ?1 AND key = ?2")
            .bind(scope)
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else {
            return Ok(IdemBegin::InProgress);
        };
        let seen: String = row.try_get("fingerprint")?;
        if seen != fingerprint {
            return Ok(IdemBegin::Mismatch);
        }
        let status: Option<i64> = row.try_get("status")?;
        Ok(match status {
            None => IdemBegin::InProgress,
            Some(_) => IdemBegin::Replay {
                key_id: row.try_get("key_id")?,
                sealed: row
                    .try_get::<Option<Vec<u8>>, _>("body")?
                    .unwrap_or_default(),
            },
        })
    }

    /// Keeps the sealed answer of a key (`status` only marks it finished; the answer, status
    /// included, is in `sealed`).
    pub async fn idem_finish(
        &self,
        scope: &str,
        key: &str,
        status: u16,
        key_id: &str,
        sealed: &[u8],
    ) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE idempotency SET status = ?1, key_id = ?2, body = ?3 WHERE scope = ?4 AND key = ?5")
            .bind(i64::from(status))
            .bind(key_id)
            .bind(sealed)
            .bind(scope)
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn idem_forget(&self, scope: &str, key: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM idempotency WHERE scope = ?1 AND key = ?2 AND status IS NULL")
            .bind(scope)
            .bind(key)
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
        let row = sqlx::query(
            "SELECT account_id, created_at, last_seen_at, auth_at, mfa_pending FROM sessions WHERE id_hash = ?1",
        )
        .bind(id_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let created: i64 = row.try_get("created_at")?;
        let seen: i64 = row.try_get("last_seen_at")?;
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
            account_id: row.try_get("account_id")?,
            created_at: created,
            auth_at: row.try_get("auth_at")?,
            mfa_pending: row.try_get::<i64, _>("mfa_pending")? != 0,
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
        let row = sqlx::query(
            "SELECT a.id, a.person_key, a.birthdate, a.state, a.country, a.given_name, a.family_name, a.phone, a.email,
                    (SELECT r.id FROM registrations r WHERE r.account_id = a.id ORDER BY r.created_at DESC LIMIT 1) AS registration_id,
                    (SELECT COUNT(*) FROM totp t WHERE t.account_id = a.id AND t.confirmed_at IS NOT NULL) AS totp
             FROM accounts a WHERE a.id = ?1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(AccountRow {
            id: r.try_get("id")?,
            person_key: r.try_get("person_key")?,
            birthdate: r.try_get("birthdate")?,
            state: r.try_get("state")?,
            country: r.try_get("country")?,
            given_name: r.try_get("given_name")?,
            family_name: r.try_get("family_name")?,
            phone: r.try_get("phone")?,
            email: r.try_get("email")?,
            registration_id: r.try_get("registration_id")?,
            totp_enabled: r.try_get::<i64, _>("totp")? > 0,
        }))
    }

    /// Failures of a scope since `since`: how many, and the last one's time.
    pub async fn failures(
        &self,
        scope: &str,
        since: i64,
    ) -> Result<(i64, Option<i64>), sqlx::Error> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, MAX(at) AS last FROM failures WHERE scope = ?1 AND at >= ?2",
        )
        .bind(scope)
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get("n")?, row.try_get("last")?))
    }

    pub async fn add_failure(&self, scope: &str, now: i64) -> Result<(), sqlx::Error> {
        sqlx::query("INSERT INTO failures (scope, at) VALUES (?1, ?2)")
            .bind(scope)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn last_challenge_at(&self, account_id: &str) -> Result<Option<i64>, sqlx::Error> {
        sqlx::query_scalar("SELECT MAX(created_at) FROM challenges WHERE account_id = ?1")
            .bind(account_id)
            .fetch_one(&self.pool)
            .await
    }

    /// A new activation code: the challenge, its message in the outbox and a journal entry, together.
    pub async fn create_challenge(&self, c: &NewChallenge<'_>) -> Result<(), sqlx::Error> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO challenges (id, account_id, channel, code_hash, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .bind(c.id)
        .bind(c.account_id)
        .bind(c.channel)
        .bind(c.code_hash)
        .bind(c.now)
        .bind(c.expires_at)
        .execute(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO outbox (account_id, channel, destination, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5)")
            .bind(c.account_id)
            .bind(c.channel)
            .bind(c.destination)
            .bind(c.body)
            .bind(c.now)
            .execute(&mut *tx)
            .await?;
        journal(
            &mut tx,
            c.registration_id,
            Some(c.account_id),
            c.now,
            "ACTIVATION_CODE_SENT",
            Some(c.channel),
            Some(c.trace_id),
        )
        .await?;
        tx.commit().await
    }

    /// Checks a code against the account's latest challenge. Exactly one of any number of
    /// concurrent correct submissions activates; wrong ones count towards the lock.
    pub async fn confirm_challenge(
        &self,
        account_id: &str,
        now: i64,
        max_tries: i64,
        trace_id: &str,
        hash_for: impl Fn(&str) -> String,
    ) -> Result<Confirm, sqlx::Error> {
        let state: Option<String> = sqlx::query_scalar("SELECT state FROM accounts WHERE id = ?1")
            .bind(account_id)
            .fetch_optional(&self.pool)
            .await?;
        if state.as_deref() == Some("active") {
            return Ok(Confirm::AlreadyActive);
        }
        let row = sqlx::query(
            "SELECT id, code_hash, expires_at, tries, used_at, locked_at FROM challenges
             WHERE account_id = ?1 ORDER BY created_at DESC, rowid DESC LIMIT 1",
        )
        .bind(account_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(Confirm::NoChallenge);
        };
        let id: String = row.try_get("id")?;
        let used: Option<i64> = row.try_get("used_at")?;
        let locked: Option<i64> = row.try_get("locked_at")?;
        let expires: i64 = row.try_get("expires_at")?;
        if used.is_some() {
            return Ok(Confirm::AlreadyActive);
        }
        if locked.is_some() {
            return Ok(Confirm::Locked);
        }
        if expires <= now {
            return Ok(Confirm::Expired);
        }
        let stored: String = row.try_get("code_hash")?;
        let given = hash_for(&id);
        let registration_id: Option<String> = sqlx::query_scalar(
            "SELECT id FROM registrations WHERE account_id = ?1 ORDER BY created_at DESC LIMIT 1",
        )
        .bind(account_id)
        .fetch_optional(&self.pool)
        .await?;
        let mut tx = self.begin().await?;
        if bool::from(subtle::ConstantTimeEq::ct_eq(
            stored.as_bytes(),
            given.as_bytes(),
        )) {
            let won = sqlx::query(
                "UPDATE challenges SET used_at = ?1 WHERE id = ?2 AND used_at IS NULL AND locked_at IS NULL AND expires_at > ?1",
            )
            .bind(now)
            .bind(&id)
            .execute(&mut *tx)
            .await?;
            if won.rows_affected() != 1 {
                return Ok(Confirm::AlreadyActive);
            }
            sqlx::query("UPDATE accounts SET state = 'active', activated_at = ?1 WHERE id = ?2 AND state = 'pending_confirmation'")
                .bind(now)
                .bind(account_id)
                .execute(&mut *tx)
                .await?;
            journal(
                &mut tx,
                registration_id.as_deref(),
                Some(account_id),
                now,
                "ACCOUNT_ACTIVATED",
                None,
                Some(trace_id),
            )
            .await?;
            tx.commit().await?;
            return Ok(Confirm::Activated);
        }
        let tries: i64 = sqlx::query_scalar(
            "UPDATE challenges SET tries = tries + 1,
                 locked_at = CASE WHEN tries + 1 >= ?1 THEN ?2 ELSE locked_at END
             WHERE id = ?3 AND used_at IS NULL RETURNING tries",
        )
        .bind(max_tries)
        .bind(now)
        .bind(&id)
        .fetch_optional(&mut *tx)
        .await?
        .unwrap_or(max_tries);
        let code = if tries >= max_tries {
            "ACTIVATION_CODE_LOCKED"
        } else {
            "ACT_CODE_WRONG"
        };
        journal(
            &mut tx,
            registration_id.as_deref(),
            Some(account_id),
            now,
            code,
            None,
            Some(trace_id),
        )
        .await?;
        tx.commit().await?;
        Ok(Confirm::Wrong {
            tries_left: (max_tries - tries).max(0),
        })
    }

    pub async fn outbox_pending(
        &self,
        limit: i64,
    ) -> Result<Vec<(i64, crate::outbox::Message)>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT id, channel, destination, body FROM outbox WHERE sent_at IS NULL AND body IS NOT NULL AND attempts < ?2
             ORDER BY id LIMIT ?1",
        )
        .bind(limit)
        .bind(crate::outbox::MAX_ATTEMPTS)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("id")?,
                    crate::outbox::Message {
                        channel: r.try_get("channel")?,
                        destination: r.try_get("destination")?,
                        body: r.try_get("body")?,
                    },
                ))
            })
            .collect()
    }

    /// Delivered: the text (with its code) is erased.
    pub async fn outbox_sent(&self, id: i64, now: i64) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE outbox SET sent_at = ?1, body = NULL, attempts = attempts + 1 WHERE id = ?2",
        )
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A failed delivery; the last allowed one erases the text (with its code): a message that
    /// will never be sent keeps nothing secret.
    pub async fn outbox_failed(
        &self,
        id: i64,
        error: &str,
        max_attempts: i64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?1,
                 body = CASE WHEN attempts + 1 >= ?3 THEN NULL ELSE body END
             WHERE id = ?2",
        )
        .bind(error)
        .bind(id)
        .bind(max_attempts)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn dev_inbox_add(
        &self,
        channel: &str,
        destination: &str,
        body: &str,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query("INSERT INTO dev_inbox (channel, destination, body, created_at) VALUES (?1, ?2, ?3, ?4)")
            .bind(channel)
            .bind(destination)
            .bind(body)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn dev_inbox(
        &self,
        limit: i64,
    ) -> Result<Vec<(String, String, String, i64)>, sqlx::Error> {
        let rows = sqlx::query("SELECT channel, destination, body, created_at FROM dev_inbox ORDER BY id DESC LIMIT ?1")
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("channel")?,
                    r.try_get("destination")?,
                    r.try_get("body")?,
                    r.try_get("created_at")?,
                ))
            })
            .collect()
    }

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
        let row = sqlx::query(sql)
            .bind(account_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(StoredTotp {
                value: r.try_get("secret")?,
                key_id: r.try_get("key_id")?,
            })
        })
        .transpose()
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
        sqlx::query("SELECT account_id, secret FROM totp WHERE key_id IS NULL")
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(|r| Ok((r.try_get("account_id")?, r.try_get("secret")?)))
            .collect()
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
            "MFA_ENABLED",
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
            "MFA_DISABLED",
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

    /// The account of a live session, touching its idle timer; expired sessions are deleted.
    pub async fn session_account(
        &self,
        id_hash: &str,
        now: i64,
    ) -> Result<Option<String>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT account_id, created_at, last_seen_at FROM sessions WHERE id_hash = ?1",
        )
        .bind(id_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let created: i64 = row.try_get("created_at")?;
        let seen: i64 = row.try_get("last_seen_at")?;
        if now - seen > SESSION_IDLE_MS || now - created > SESSION_ABSOLUTE_MS {
            sqlx::query("DELETE FROM sessions WHERE id_hash = ?1")
                .bind(id_hash)
                .execute(&self.pool)
                .await?;
            return Ok(None);
        }
        sqlx::query("UPDATE sessions SET last_seen_at = ?1 WHERE id_hash = ?2")
            .bind(now)
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(Some(row.try_get("account_id")?))
    }
}

/// The accounts any of `keys` belongs to.
async fn accounts_of_keys(
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
async fn add_person_keys(
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

async fn journal(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    registration_id: Option<&str>,
    account_id: Option<&str>,
    at: i64,
    code: &str,
    upstream: Option<&str>,
    trace_id: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO journal (registration_id, account_id, at, code, upstream, trace_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        .bind(registration_id)
        .bind(account_id)
        .bind(at)
        .bind(code)
        .bind(upstream)
        .bind(trace_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn consent(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    c: &Completion<'_>,
    account_id: Option<&str>,
    outcome: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO consents (registration_id, account_id, bank_id, fields, purpose, version, outcome, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .bind(c.registration_id)
    .bind(account_id)
    .bind(c.bank_id)
    .bind(c.consent_fields)
    .bind(c.consent_purpose)
    .bind(c.consent_version)
    .bind(outcome)
    .bind(c.now)
    .execute(&mut **tx)
    .await?;
    Ok(())
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
