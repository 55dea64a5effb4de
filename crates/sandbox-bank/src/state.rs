//! Shared in-memory state: configuration, bank keys, sign-in flows, codes and tokens.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::banks::{Bank, BANKS};
use crate::claims::Scope;
use crate::customers::{seeded_customers, Customer};
use crate::jose::BankKey;
use crate::{ClientRegistration, SandboxConfig};

/// Lifetime of a sign-in flow (authorize → login → OTP → consent).
pub(crate) const FLOW_TTL: Duration = Duration::from_secs(10 * 60);
/// Lifetime of an authorization code.
pub(crate) const CODE_TTL: Duration = Duration::from_secs(60);
/// Lifetime of access and ID tokens, in seconds.
pub(crate) const TOKEN_TTL_SECS: i64 = 300;
/// Wrong passwords, and separately wrong SMS codes, allowed per flow.
pub(crate) const MAX_ATTEMPTS: u8 = 3;
/// How long expired flows and used codes are remembered (to report expiry / detect replay).
const TOMBSTONE: Duration = Duration::from_secs(10 * 60);

pub(crate) type AppState = Arc<Shared>;

pub(crate) struct Shared {
    /// Base URL without trailing slash.
    pub public_url: String,
    /// Path component of `public_url` without trailing slash ("" when served at the root).
    pub base_path: String,
    pub clients: HashMap<String, ClientRegistration>,
    pub faults_enabled: bool,
    pub banks: HashMap<&'static str, BankState>,
    pub customers: Vec<Customer>,
    pub flows: Mutex<HashMap<String, Flow>>,
    pub codes: Mutex<HashMap<String, CodeGrant>>,
    pub tokens: Mutex<HashMap<String, AccessToken>>,
}

pub(crate) struct BankState {
    pub info: &'static Bank,
    pub key: BankKey,
    pub faults: Mutex<Faults>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IdTokenFault {
    BadSignature,
    WrongAudience,
    Expired,
    WrongNonce,
    WrongIssuer,
    FutureIat,
    MissingNonce,
}

impl IdTokenFault {
    pub(crate) fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "bad_signature" => Self::BadSignature,
            "wrong_audience" => Self::WrongAudience,
            "expired" => Self::Expired,
            "wrong_nonce" => Self::WrongNonce,
            "wrong_issuer" => Self::WrongIssuer,
            "future_iat" => Self::FutureIat,
            "missing_nonce" => Self::MissingNonce,
            _ => return None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenResponseFault {
    Http500,
    Slow30s,
    InvalidJson,
}

impl TokenResponseFault {
    pub(crate) fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "http_500" => Self::Http500,
            "slow_30s" => Self::Slow30s,
            "invalid_json" => Self::InvalidJson,
            _ => return None,
        })
    }
}

/// Faults armed for the next `/token` call of one bank.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Faults {
    pub id_token: Option<IdTokenFault>,
    pub token_response: Option<TokenResponseFault>,
}

pub(crate) enum Stage {
    Login {
        failures: u8,
    },
    Otp {
        login: String,
        code: String,
        failures: u8,
    },
    Consent {
        login: String,
        auth_time: i64,
    },
}

/// One browser sign-in started by a valid `/authorize` request.
pub(crate) struct Flow {
    pub bank: &'static str,
    pub client_id: String,
    pub redirect_uri: String,
    pub state: String,
    pub nonce: String,
    pub code_challenge: String,
    pub scopes: Vec<Scope>,
    pub login_hint: String,
    pub stage: Stage,
    pub expires_at: Instant,
}

pub(crate) struct CodeGrant {
    pub bank: &'static str,
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub nonce: String,
    pub scopes: Vec<Scope>,
    pub login: String,
    pub auth_time: i64,
    pub expires_at: Instant,
    /// Set once the code has been presented at the token endpoint.
    pub used: bool,
    /// Access token issued for this code (revoked if the code is replayed).
    pub access_token: Option<String>,
}

pub(crate) struct AccessToken {
    pub bank: &'static str,
    pub login: String,
    pub scopes: Vec<Scope>,
    pub expires_at: Instant,
}

/// Locks a mutex, recovering the data if a previous holder panicked (state stays usable).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Seconds since the Unix epoch.
pub(crate) fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

impl Shared {
    pub(crate) fn new(cfg: SandboxConfig) -> Self {
        let public_url = cfg.public_url.trim_end_matches('/').to_owned();
        let base_path = url::Url::parse(&public_url)
            .map(|u| u.path().trim_end_matches('/').to_owned())
            .unwrap_or_default();
        let banks = BANKS
            .iter()
            .map(|b| {
                (
                    b.id,
                    BankState {
                        info: b,
                        key: BankKey::generate(),
                        faults: Mutex::new(Faults::default()),
                    },
                )
            })
            .collect();
        let clients = cfg
            .clients
            .into_iter()
            .map(|c| (c.client_id.clone(), c))
            .collect();
        Shared {
            public_url,
            base_path,
            clients,
            faults_enabled: cfg.faults_enabled,
            banks,
            customers: seeded_customers(),
            flows: Mutex::new(HashMap::new()),
            codes: Mutex::new(HashMap::new()),
            tokens: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn issuer(&self, bank_id: &str) -> String {
        format!("{}/{bank_id}", self.public_url)
    }

    /// Absolute path of a bank endpoint as the browser sees it (honours a path prefix in
    /// `public_url`).
    pub(crate) fn endpoint_path(&self, bank_id: &str, endpoint: &str) -> String {
        format!("{}/{bank_id}/{endpoint}", self.base_path)
    }

    pub(crate) fn bank(&self, bank_id: &str) -> Option<&BankState> {
        self.banks.get(bank_id)
    }

    /// The customer with `login` if they are a client of `bank_id`.
    pub(crate) fn customer_at(&self, bank_id: &str, login: &str) -> Option<&Customer> {
        self.customers
            .iter()
            .find(|c| c.login == login && c.banks.iter().any(|b| b == bank_id))
    }

    pub(crate) fn logins_at(&self, bank_id: &str) -> Vec<String> {
        self.customers
            .iter()
            .filter(|c| c.banks.iter().any(|b| b == bank_id))
            .map(|c| c.login.clone())
            .collect()
    }

    pub(crate) fn insert_flow(&self, id: String, flow: Flow) {
        let now = Instant::now();
        let mut flows = lock(&self.flows);
        flows.retain(|_, f| f.expires_at + TOMBSTONE > now);
        flows.insert(id, flow);
    }

    pub(crate) fn insert_code(&self, code: String, grant: CodeGrant) {
        let now = Instant::now();
        let mut codes = lock(&self.codes);
        codes.retain(|_, c| c.expires_at + TOMBSTONE > now);
        codes.insert(code, grant);
    }

    pub(crate) fn insert_token(&self, token: String, grant: AccessToken) {
        let now = Instant::now();
        let mut tokens = lock(&self.tokens);
        tokens.retain(|_, t| t.expires_at > now);
        tokens.insert(token, grant);
    }

    pub(crate) fn revoke_token(&self, token: &str) {
        lock(&self.tokens).remove(token);
    }
}

/// Plain-text 404 for unknown banks and paths.
pub(crate) fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        "not found\n",
    )
        .into_response()
}
