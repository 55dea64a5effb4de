//! bankid-portal server: REST API (`/api/v1`), OpenID Connect relying party to the partner banks,
//! registration domain, SQLite store, and the static SPA.

pub mod activation;
pub mod bank_flow;
pub mod config;
pub mod crypto;
pub mod domain;
pub mod embed;
pub mod error;
pub mod extract;
pub mod idempotency;
pub mod lifecycle;
pub mod limits;
pub mod links;
pub mod mfa;
pub mod oidc;
pub mod openapi;
pub mod outbox;
pub mod registration;
pub mod retention;
pub mod routes;
pub mod session;
pub mod signin;
pub mod site;
pub mod store;
pub mod totp;
pub mod vault;
pub mod web;

use std::sync::Arc;

use crate::config::Config;
use crate::crypto::Rng;
use crate::oidc::RelyingParty;
use crate::store::Store;

pub use crate::routes::app;

/// Source of the current time; domain code gets time from here so tests can move it.
pub trait Clock: Send + Sync {
    fn now(&self) -> time::OffsetDateTime;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> time::OffsetDateTime {
        time::OffsetDateTime::now_utc()
    }
}

pub struct Inner {
    pub config: Config,
    pub store: Store,
    pub rp: RelyingParty,
    pub clock: Arc<dyn Clock>,
    pub rng: Arc<dyn Rng>,
    /// Key of the keyed hashes of national ids.
    pub pepper: Vec<u8>,
    /// Seals national ids at rest.
    pub vault: vault::Vault,
    /// The built web app: its pages (with boot data), asset manifest and CSP.
    pub site: site::Site,
    /// Delivers the outbox (SMS/email gateway; the dev inbox in sandbox mode).
    pub sender: Arc<dyn outbox::Sender>,
    /// The portal's keys for `private_key_jwt` at the banks (public half at `/.well-known/jwks.json`).
    pub client_keys: oidc::ClientKeys,
    /// Wakes the outbox worker; notified after a message is committed.
    pub outbox_wake: Arc<tokio::sync::Notify>,
    /// `server.trusted_proxies`, parsed: who may name the client's address.
    pub trusted_proxies: Vec<config::IpRange>,
    /// This process's name among replicas sharing one database (random at start): the holder of
    /// worker leases.
    pub replica: String,
    /// The OpenAPI document served at `/api/v1/openapi.json`, built once at start ([`openapi`]).
    pub openapi: axum::body::Bytes,
}

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(inner: Inner) -> AppState {
        AppState(Arc::new(inner))
    }

    /// Whether a bank sign-in at `auth_at` (ms) is recent enough for sensitive changes.
    pub fn recently_authenticated(&self, auth_at: i64) -> bool {
        self.now_ms() - auth_at <= i64::from(self.config.server.recent_auth_seconds) * 1000
    }

    pub fn now_ms(&self) -> i64 {
        (self.clock.now().unix_timestamp_nanos() / 1_000_000) as i64
    }
}

#[derive(Debug)]
pub struct StartError(pub String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartError {}

/// Builds the state from a config: opens the store, prepares the relying party and the CSP.
pub async fn state_from_config(config: Config) -> Result<AppState, StartError> {
    state_with_clock(config, Arc::new(SystemClock)).await
}

/// As [`state_from_config`], with the clock given (tests move time with it).
pub async fn state_with_clock(
    config: Config,
    clock: Arc<dyn Clock>,
) -> Result<AppState, StartError> {
    // A PostgreSQL URL with a password belongs in the environment, not in the file.
    let database_url = std::env::var("PORTAL_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| config.server.database_url.clone());
    let store = Store::connect(&database_url).await.map_err(|e| {
        StartError(format!(
            "database {}: {e}",
            config::redact_url(&database_url)
        ))
    })?;
    let rp = RelyingParty::new().map_err(|e| StartError(format!("http client: {e}")))?;
    let pepper = std::env::var("PORTAL_PEPPER")
        .ok()
        .or_else(|| config.server.pepper.clone())
        .ok_or_else(|| StartError("no pepper: set server.pepper or PORTAL_PEPPER".into()))?;
    if pepper.len() < 16 {
        return Err(StartError(
            "the pepper must be at least 16 characters".into(),
        ));
    }
    let key_specs: Vec<String> = match std::env::var("PORTAL_DATA_KEYS") {
        Ok(v) => v
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_string)
            .collect(),
        Err(_) => config.server.data_keys.clone(),
    };
    let vault =
        vault::Vault::from_specs(&key_specs).map_err(|e| StartError(format!("data keys: {e}")))?;
    let rng: Arc<dyn Rng> = Arc::new(crypto::OsRng);
    let resealed = mfa::seal_legacy_totp(&store, &vault, rng.as_ref())
        .await
        .map_err(|e| StartError(format!("sealing TOTP secrets: {e}")))?;
    if resealed > 0 {
        tracing::info!(
            count = resealed,
            "sealed TOTP secrets stored before sealing"
        );
    }
    let key_specs: Vec<String> = match std::env::var("PORTAL_CLIENT_KEYS") {
        Ok(v) => v
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_string)
            .collect(),
        Err(_) => config.server.client_keys.clone(),
    };
    let client_keys = oidc::ClientKeys::from_specs(&key_specs)
        .map_err(|e| StartError(format!("client keys: {e}")))?;
    if let Some(b) = config
        .banks
        .iter()
        .find(|b| b.client_auth == config::ClientAuthMethod::PrivateKeyJwt)
    {
        if client_keys.is_empty() {
            return Err(StartError(format!(
                "bank {} uses private_key_jwt: set server.client_keys or PORTAL_CLIENT_KEYS",
                b.id
            )));
        }
    }
    let site = site::Site::new(&config.server.dist_dir);
    let openapi =
        openapi::document(&config).map_err(|e| StartError(format!("OpenAPI document: {e}")))?;
    let sender: Arc<dyn outbox::Sender> = if config.sandbox.is_some() {
        Arc::new(outbox::DevInbox {
            store: store.clone(),
            clock: clock.clone(),
        })
    } else {
        Arc::new(outbox::NoGateway)
    };
    let replica = crypto::token(rng.as_ref(), 12);
    let trusted_proxies = config.trusted_proxies();
    Ok(AppState::new(Inner {
        trusted_proxies,
        config,
        store,
        rp,
        clock,
        rng,
        replica,
        pepper: pepper.into_bytes(),
        vault,
        site,
        sender,
        client_keys,
        outbox_wake: Arc::new(tokio::sync::Notify::new()),
        openapi: axum::body::Bytes::from(openapi),
    }))
}

/// Binds and serves until Ctrl-C / SIGTERM, with the outbox delivery and retention workers.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    outbox::spawn_worker(state.clone());
    retention::spawn_worker(state.clone());
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
