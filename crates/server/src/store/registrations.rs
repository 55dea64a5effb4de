//! Registrations: the start (with its bank flow), re-verification, failure, and the completion
//! that writes the bank's outcome (account, link, person keys, consent, session) in one transaction.

use super::accounts::{accounts_of_keys, add_person_keys};
use super::consents::consent;
use super::db::{args, from_row, DbError, Tx};
use super::journal::journal;
use super::{Store, StoreError};
use crate::lifecycle::{self, Event, RegistrationState};
use bankid_api::{ErrorCode, JournalEvent};

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

/// A `registrations` row as read, with the name and state of the account it created, if any.
struct RegistrationRecord {
    id: String,
    request_number: i64,
    bank_id: String,
    phone: String,
    state: String,
    reason: Option<String>,
    trace_id: Option<String>,
    browser_hash: String,
    account_id: Option<String>,
    created_at: i64,
    given_name: Option<String>,
    family_name: Option<String>,
    account_state: Option<String>,
}
from_row!(RegistrationRecord {
    id,
    request_number,
    bank_id,
    phone,
    state,
    reason,
    trace_id,
    browser_hash,
    account_id,
    created_at,
    given_name,
    family_name,
    account_state
});

impl From<RegistrationRecord> for RegistrationRow {
    fn from(r: RegistrationRecord) -> Self {
        let display_name = match (r.given_name, r.family_name) {
            (Some(g), Some(f)) => Some(format!("{g} {}.", f.chars().take(1).collect::<String>())),
            _ => None,
        };
        RegistrationRow {
            id: r.id,
            request_number: r.request_number,
            bank_id: r.bank_id,
            phone: r.phone,
            state: r.state,
            reason: r.reason,
            trace_id: r.trace_id,
            browser_hash: r.browser_hash,
            account_id: r.account_id,
            created_at: r.created_at,
            display_name,
            account_state: r.account_state,
        }
    }
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
    /// Set for a registration started in a frame: its flow waits for the launch link.
    pub embed: Option<super::EmbedLaunch<'a>>,
}

/// What the bank's data led to, to be written in one transaction.
pub enum Outcome<'a> {
    /// `claim` names the bank claim at fault (kept as the journal's upstream detail).
    Rejected {
        reason: ErrorCode,
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

impl Store {
    /// Writes the registration, its bank flow and the first journal entry together.
    pub async fn start_registration(&self, r: &NewRegistration<'_>) -> Result<i64, DbError> {
        self.write(|tx| {
            // Request numbers count up: SQLite has one writer, PostgreSQL's replicas share a
            // sequence (numbers of rolled-back starts are skipped there).
            let sql = if tx.is_postgres() {
                "INSERT INTO registrations (id, request_number, bank_id, phone, state, browser_hash,
                    consent_version, lang, trace_id, created_at, updated_at)
                 VALUES (?1, nextval('registration_number_seq'), ?2, ?3,
                    'awaiting_bank', ?4, ?5, ?6, ?7, ?8, ?8)
                 RETURNING request_number"
            } else {
                "INSERT INTO registrations (id, request_number, bank_id, phone, state, browser_hash,
                    consent_version, lang, trace_id, created_at, updated_at)
                 VALUES (?1, (SELECT COALESCE(MAX(request_number), 0) + 1 FROM registrations), ?2, ?3,
                    'awaiting_bank', ?4, ?5, ?6, ?7, ?8, ?8)
                 RETURNING request_number"
            };
            let number: i64 = tx.scalar(sql, args![r.id, r.bank_id, r.phone, r.browser_hash, r.consent_version, r.lang, r.trace_id, r.now])?;
            let e = r.embed.as_ref();
            tx.exec("INSERT INTO auth_flows (state_hash, registration_id, bank_id, nonce, pkce_verifier, created_at, expires_at,
                    browser_hash, launch_hash, launch_key, launch_sealed, launch_expires_at, embed_mode, embed_return)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)", args![r.state_hash, r.id, r.bank_id, r.nonce, r.pkce_verifier, r.now, r.now + r.flow_ttl_ms, e.map(|_| super::UNLAUNCHED), e.map(|e| e.launch_hash), e.map(|e| e.sealed_url.0), e.map(|e| e.sealed_url.1), e.map(|e| e.expires_at), e.map(|e| e.mode), e.and_then(|e| e.return_url)])?;
            journal(
                tx,
                Some(r.id),
                None,
                r.now,
                JournalEvent::RegistrationStarted,
                None,
                Some(r.trace_id),
            )?;
            Ok(number)
        }).await
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
    ) -> Result<bool, DbError> {
        self.write(|tx| {
            if advance(tx, id, Event::Reverify)?.is_none() {
                return Ok(false);
            }
            tx.exec("UPDATE registrations SET phone = ?1, reason = NULL, trace_id = ?2, updated_at = ?3 WHERE id = ?4", args![phone, trace_id, now, id])?;
            let bank_id: String = tx.scalar("SELECT bank_id FROM registrations WHERE id = ?1", args![id])?;
            tx.exec("INSERT INTO auth_flows (state_hash, registration_id, bank_id, nonce, pkce_verifier, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", args![state_hash, id, &bank_id, nonce, verifier, now, now + flow_ttl_ms])?;
            journal(
                tx,
                Some(id),
                None,
                now,
                JournalEvent::ReverifyStarted,
                None,
                Some(trace_id),
            )?;
            Ok(true)
        }).await
    }

    /// Marks a bank round trip as failed (nothing else is written).
    pub async fn fail_registration(
        &self,
        id: &str,
        reason: ErrorCode,
        upstream: Option<&str>,
        trace_id: &str,
        now: i64,
    ) -> Result<(), DbError> {
        self.write(|tx| {
            if advance(tx, id, Event::BankFailed(reason))?
                .is_some()
            {
                tx.exec("UPDATE registrations SET reason = ?1, trace_id = ?2, updated_at = ?3 WHERE id = ?4", args![reason.as_str(), trace_id, now, id])?;
            }
            journal(
                tx,
                Some(id),
                None,
                now,
                JournalEvent::Refused(reason),
                upstream,
                Some(trace_id),
            )?;
            Ok(())
        }).await
    }

    /// Records the outcome of the bank's data: registration state, consent ledger entry, journal,
    /// and for an accepted person the account, the bank link and a session — all or nothing.
    pub async fn complete_registration(&self, c: &Completion<'_>) -> Result<Completed, StoreError> {
        self.write(|tx| {
            let result = match &c.outcome {
                Outcome::Rejected { reason, claim } => {
                    if advance(tx, c.registration_id, Event::BankRejected(*reason))?
                        .is_none()
                    {
                        return Err(StoreError::Illegal);
                    }
                    tx.exec("UPDATE registrations SET reason = ?1, trace_id = ?2, updated_at = ?3 WHERE id = ?4", args![reason.as_str(), c.trace_id, c.now, c.registration_id])?;
                    consent(tx, c, None, "rejected")?;
                    journal(
                        tx,
                        Some(c.registration_id),
                        None,
                        c.now,
                        JournalEvent::Refused(*reason),
                        claim.map(|c| format!("claim:{c}")).as_deref(),
                        Some(c.trace_id),
                    )?;
                    Completed::Rejected
                }
                Outcome::Accepted(a) => {
                    let owners = accounts_of_keys(tx, a.person_keys)?;
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
                            tx.exec("INSERT INTO accounts (id, state, person_key, country, family_name, given_name, middle_name,
                                    birthdate, phone, email, created_at, key_id, national_ids)
                                 VALUES (?1, 'pending_confirmation', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)", args![a.new_account_id, primary, a.country, a.family_name, a.given_name, a.middle_name, a.birthdate, a.phone, a.email, c.now, a.sealed_ids.0, a.sealed_ids.1])?;
                            a.new_account_id.to_string()
                        }
                    };
                    let linked_to: Option<(String, Option<i64>)> = tx.opt("SELECT account_id, retired_at FROM bank_links WHERE bank_id = ?1 AND subject = ?2", args![c.bank_id, a.subject])?;
                    match linked_to {
                        Some((owner, _)) if owner != account_id => {
                            return Err(StoreError::SubjectConflict)
                        }
                        // A removed bank does not reach the account again, not even by registering.
                        Some((_, Some(_))) => return Err(StoreError::Retired),
                        Some(_) => {
                            tx.exec("UPDATE bank_links SET last_used_at = ?1 WHERE bank_id = ?2 AND subject = ?3", args![c.now, c.bank_id, a.subject])?;
                        }
                        None => {
                            tx.exec("INSERT INTO bank_links (account_id, bank_id, subject, linked_at, last_used_at)
                                 VALUES (?1, ?2, ?3, ?4, ?4)", args![&account_id, c.bank_id, a.subject, c.now])?;
                        }
                    }
                    add_person_keys(tx, &account_id, a.person_keys)?;
                    let state: String = tx.scalar("SELECT state FROM accounts WHERE id = ?1", args![&account_id])?;
                    let accepted = Event::BankAccepted {
                        account_active: state == "active",
                    };
                    if advance(tx, c.registration_id, accepted)?
                        .is_none()
                    {
                        return Err(StoreError::Illegal);
                    }
                    tx.exec("UPDATE registrations SET reason = NULL, trace_id = ?1, account_id = ?2, updated_at = ?3
                         WHERE id = ?4", args![c.trace_id, &account_id, c.now, c.registration_id])?;
                    consent(tx, c, Some(&account_id), "account")?;
                    let code = if existed {
                        JournalEvent::AccountFound
                    } else {
                        JournalEvent::AccountCreated
                    };
                    journal(
                        tx,
                        Some(c.registration_id),
                        Some(&account_id),
                        c.now,
                        code,
                        None,
                        Some(c.trace_id),
                    )?;
                    if !a.activity_checked {
                        journal(
                            tx,
                            Some(c.registration_id),
                            Some(&account_id),
                            c.now,
                            JournalEvent::ActivityNotChecked,
                            Some(c.bank_id),
                            Some(c.trace_id),
                        )?;
                    }
                    tx.exec("INSERT INTO sessions (id_hash, account_id, created_at, last_seen_at, auth_at) VALUES (?1, ?2, ?3, ?3, ?3)", args![a.session_hash, &account_id, c.now])?;
                    Completed::Account {
                        account_id,
                        existed,
                    }
                }
            };
            Ok(result)
        }).await
    }

    /// A registration with its journal (newest first), read together: what the status page shows.
    pub async fn registration_status(
        &self,
        id: &str,
    ) -> Result<Option<(RegistrationRow, Vec<super::JournalRow>)>, DbError> {
        self.read(|tx| {
            let Some(row) = tx.opt::<RegistrationRecord>(REGISTRATION, args![id])? else {
                return Ok(None);
            };
            let journal = super::journal::journal_of(tx, id)?;
            Ok(Some((RegistrationRow::from(row), journal)))
        })
        .await
    }

    pub async fn registration(&self, id: &str) -> Result<Option<RegistrationRow>, DbError> {
        let row: Option<RegistrationRecord> =
            self.read(|tx| tx.opt(REGISTRATION, args![id])).await?;
        Ok(row.map(RegistrationRow::from))
    }
}

/// A registration by id with the name and state of the account it created.
const REGISTRATION: &str = "SELECT r.id, r.request_number, r.bank_id, r.phone, r.state, r.reason,
        r.trace_id, r.browser_hash, r.account_id, r.created_at, a.given_name, a.family_name,
        a.state AS account_state
     FROM registrations r LEFT JOIN accounts a ON a.id = r.account_id WHERE r.id = ?1";

/// Moves a registration through the lifecycle within `tx`: the state after `event` by
/// [`lifecycle::next`], written only while the row still holds the state it was computed from.
/// `None` (and nothing written) when the event is not allowed in the current state.
fn advance(tx: &mut Tx<'_>, id: &str, event: Event) -> Result<Option<RegistrationState>, DbError> {
    let row: Option<(String, Option<String>)> = tx.opt(
        "SELECT r.state, a.state FROM registrations r LEFT JOIN accounts a ON a.id = r.account_id
         WHERE r.id = ?1",
        args![id],
    )?;
    let Some((stored, account)) = row else {
        return Ok(None);
    };
    let Some(from) = lifecycle::effective(&stored, account.as_deref()) else {
        return Ok(None);
    };
    let Ok(to) = lifecycle::next(from, event) else {
        return Ok(None);
    };
    let done = tx.exec(
        "UPDATE registrations SET state = ?1 WHERE id = ?2 AND state = ?3",
        args![lifecycle::row_state(to), id, &stored],
    )?;
    Ok((done == 1).then_some(to))
}
