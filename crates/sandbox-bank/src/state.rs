//! Shared in-memory state: configuration, bank keys, sign-in flows, codes and tokens.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::authorize::AuthParams;
use crate::banks::{bank, Bank, BANKS};
use crate::claims::Scope;
use crate::client_auth::ClientKeys;
use crate::customers::{auto_customer, auto_login, is_auto_login, seeded_customers, Customer};
use crate::faults::Faults;
use crate::jose::{install_crypto_provider, KeyRing};
use crate::{default_profile, BankProfile, BankVariant, ClientRegistration, SandboxConfig};

/// Lifetime of a sign-in flow (authorize → login → OTP → consent).
pub(crate) const FLOW_TTL: Duration = Duration::from_secs(10 * 60);
/// Lifetime of an authorization code.
pub(crate) const CODE_TTL: Duration = Duration::from_secs(60);
/// Lifetime of a pushed authorization request (`expires_in` of the PAR response).
pub(crate) const PAR_TTL_SECS: u64 = 60;
/// Lifetime of access and ID tokens, in seconds.
pub(crate) const TOKEN_TTL_SECS: i64 = 300;
/// Wrong passwords, and separately wrong SMS codes, allowed per flow.
pub(crate) const MAX_ATTEMPTS: u8 = 3;
/// How long expired flows and used codes are remembered (to report expiry / detect replay).
const TOMBSTONE: Duration = Duration::from_secs(10 * 60);
/// Expired entries are swept from a map at most this often (a sweep visits every entry; sweeping
/// on every insert made each insert cost O(entries), which a load test notices).
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// When a map was last swept, in milliseconds since the sandbox started.
pub(crate) struct Sweep {
    last_ms: AtomicU64,
}

impl Sweep {
    fn new() -> Self {
        Sweep {
            last_ms: AtomicU64::new(0),
        }
    }

    /// Whether it is time to sweep (and, if so, marks the sweep as done now).
    fn due(&self, started: Instant, now: Instant) -> bool {
        let now_ms = u64::try_from(now.duration_since(started).as_millis()).unwrap_or(u64::MAX);
        let last = self.last_ms.load(Ordering::Relaxed);
        let every = u64::try_from(SWEEP_EVERY.as_millis()).unwrap_or(1000);
        (last == 0 || now_ms >= last.saturating_add(every))
            && self
                .last_ms
                .compare_exchange(last, now_ms.max(1), Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }
}

pub(crate) type AppState = Arc<Shared>;

pub(crate) struct Shared {
    /// Base URL without trailing slash.
    pub public_url: String,
    /// Path component of `public_url` without trailing slash ("" when served at the root).
    pub base_path: String,
    pub clients: HashMap<String, ClientRegistration>,
    pub faults_enabled: bool,
    /// Every issuer (the nine banks and the valid variants) by id.
    pub banks: HashMap<String, BankState>,
    /// Issuer ids in display order (banks first, then variants).
    pub order: Vec<String>,
    pub customers: Vec<Customer>,
    pub flows: Mutex<HashMap<String, Flow>>,
    pub codes: Mutex<HashMap<String, CodeGrant>>,
    pub tokens: Mutex<HashMap<String, AccessToken>>,
    /// Pushed authorization requests by `request_uri`.
    pub pushed: Mutex<HashMap<String, Pushed>>,
    /// Clients' JWKS (private_key_jwt) and the client assertion `jti`s already seen.
    pub client_keys: ClientKeys,
    /// Non-interactive mode: `/authorize` answers at once with a code for a fresh person.
    pub auto_approve: bool,
    /// Number of the next fresh person (starts at a random point, so two runs differ).
    pub next_person: AtomicU64,
    pub started: Instant,
    pub sweeps: [Sweep; 4],
}

/// One issuer: a bank or a variant of one.
pub(crate) struct BankState {
    /// Path segment and issuer suffix (the bank id, or the variant id).
    pub id: String,
    /// The bank whose customers, names, country and colours this issuer has.
    pub info: &'static Bank,
    pub profile: BankProfile,
    pub keys: Arc<KeyRing>,
    /// One-shot faults for the next token call.
    pub faults: Mutex<Faults>,
    /// Sticky discovery fault: back-channel endpoints on http://bank.invalid.
    pub discovery_http_endpoints: AtomicBool,
}

impl BankState {
    fn new(id: String, info: &'static Bank, profile: BankProfile) -> Self {
        Self {
            id,
            info,
            profile,
            keys: Arc::new(KeyRing::new(profile.alg)),
            faults: Mutex::new(Faults::default()),
            discovery_http_endpoints: AtomicBool::new(false),
        }
    }

    pub(crate) fn http_endpoints_fault(&self) -> bool {
        self.discovery_http_endpoints.load(Ordering::Relaxed)
    }

    pub(crate) fn set_http_endpoints_fault(&self, on: bool) {
        self.discovery_http_endpoints.store(on, Ordering::Relaxed);
    }
}

/// Why a variant cannot be served.
pub(crate) fn variant_problem(
    v: &BankVariant,
    taken: &HashMap<String, BankState>,
) -> Option<String> {
    let valid_id = !v.id.is_empty()
        && v.id.len() <= 64
        && v.id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !valid_id {
        return Some("the id must be 1-64 lowercase ASCII letters, digits or hyphens".into());
    }
    if taken.contains_key(&v.id) {
        return Some("the id is already a bank or another variant".into());
    }
    if bank(&v.base).is_none() {
        return Some(format!("unknown base bank {:?}", v.base));
    }
    None
}

/// A request pushed to `/par` (RFC 9126), waiting for its `/authorize`.
pub(crate) struct Pushed {
    /// Issuer id it was pushed to.
    pub bank: String,
    pub params: AuthParams,
    pub expires_at: Instant,
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
    /// Issuer id.
    pub bank: String,
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
    /// Issuer id.
    pub bank: String,
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
    /// Issuer id.
    pub bank: String,
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
        install_crypto_provider();
        let public_url = cfg.public_url.trim_end_matches('/').to_owned();
        let base_path = url::Url::parse(&public_url)
            .map(|u| u.path().trim_end_matches('/').to_owned())
            .unwrap_or_default();
        let mut banks = HashMap::new();
        let mut order = Vec::new();
        for b in &BANKS {
            let Some(profile) = default_profile(b.id) else {
                continue;
            };
            banks.insert(b.id.to_owned(), BankState::new(b.id.to_owned(), b, profile));
            order.push(b.id.to_owned());
        }
        for v in cfg.variants {
            if let Some(problem) = variant_problem(&v, &banks) {
                tracing::error!(variant = %v.id, base = %v.base, "sandbox variant skipped: {problem}");
                continue;
            }
            let Some(info) = bank(&v.base) else {
                continue;
            };
            banks.insert(v.id.clone(), BankState::new(v.id.clone(), info, v.profile));
            order.push(v.id);
        }
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
            order,
            customers: seeded_customers(),
            flows: Mutex::new(HashMap::new()),
            codes: Mutex::new(HashMap::new()),
            tokens: Mutex::new(HashMap::new()),
            pushed: Mutex::new(HashMap::new()),
            client_keys: ClientKeys::new(),
            auto_approve: cfg.auto_approve,
            next_person: AtomicU64::new(rand::Rng::gen_range(
                &mut rand::rngs::OsRng,
                0..50_000_000,
            )),
            started: Instant::now(),
            sweeps: [Sweep::new(), Sweep::new(), Sweep::new(), Sweep::new()],
        }
    }

    /// The login of a new fresh person at `bank` (non-interactive mode), with the phone of
    /// `login_hint` when it is one of the bank's country.
    pub(crate) fn fresh_person(&self, bank: &BankState, login_hint: &str) -> String {
        let n = self.next_person.fetch_add(1, Ordering::Relaxed);
        auto_login(n, bank.info.country, login_hint)
    }

    /// The person a code or token was issued for: a seeded customer of the bank, or (only in the
    /// non-interactive mode) a fresh person.
    pub(crate) fn person_at(&self, bank: &BankState, login: &str) -> Option<Cow<'_, Customer>> {
        if self.auto_approve && is_auto_login(login) {
            return auto_customer(login, bank.info.country).map(Cow::Owned);
        }
        self.customer_at(bank, login).map(Cow::Borrowed)
    }

    pub(crate) fn issuer(&self, bank_id: &str) -> String {
        format!("{}/{bank_id}", self.public_url)
    }

    /// Absolute path of an issuer endpoint as the browser sees it (honours a path prefix in
    /// `public_url`).
    pub(crate) fn endpoint_path(&self, bank_id: &str, endpoint: &str) -> String {
        format!("{}/{bank_id}/{endpoint}", self.base_path)
    }

    pub(crate) fn bank(&self, bank_id: &str) -> Option<&BankState> {
        self.banks.get(bank_id)
    }

    /// The customer with `login` if they are a client of the issuer's bank.
    pub(crate) fn customer_at(&self, bank: &BankState, login: &str) -> Option<&Customer> {
        self.customers
            .iter()
            .find(|c| c.login == login && c.banks.iter().any(|b| b == bank.info.id))
    }

    pub(crate) fn logins_at(&self, bank: &BankState) -> Vec<String> {
        self.customers
            .iter()
            .filter(|c| c.banks.iter().any(|b| b == bank.info.id))
            .map(|c| c.login.clone())
            .collect()
    }

    /// Stores a pushed request; returns the `request_uri`.
    pub(crate) fn push_request(&self, bank: &str, params: AuthParams) -> String {
        let request_uri = format!(
            "urn:ietf:params:oauth:request_uri:{}",
            crate::jose::random_token(32)
        );
        let now = Instant::now();
        let mut pushed = lock(&self.pushed);
        if self.sweeps[0].due(self.started, now) {
            pushed.retain(|_, p| p.expires_at > now);
        }
        pushed.insert(
            request_uri.clone(),
            Pushed {
                bank: bank.to_owned(),
                params,
                expires_at: now + Duration::from_secs(PAR_TTL_SECS),
            },
        );
        request_uri
    }

    /// Takes (single use) a pushed request.
    pub(crate) fn take_pushed(&self, request_uri: &str) -> Option<Pushed> {
        lock(&self.pushed).remove(request_uri)
    }

    pub(crate) fn insert_flow(&self, id: String, flow: Flow) {
        let now = Instant::now();
        let mut flows = lock(&self.flows);
        if self.sweeps[1].due(self.started, now) {
            flows.retain(|_, f| f.expires_at + TOMBSTONE > now);
        }
        flows.insert(id, flow);
    }

    pub(crate) fn insert_code(&self, code: String, grant: CodeGrant) {
        let now = Instant::now();
        let mut codes = lock(&self.codes);
        if self.sweeps[2].due(self.started, now) {
            codes.retain(|_, c| c.expires_at + TOMBSTONE > now);
        }
        codes.insert(code, grant);
    }

    pub(crate) fn insert_token(&self, token: String, grant: AccessToken) {
        let now = Instant::now();
        let mut tokens = lock(&self.tokens);
        if self.sweeps[3].due(self.started, now) {
            tokens.retain(|_, t| t.expires_at > now);
        }
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
