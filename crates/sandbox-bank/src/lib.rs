//! A standards-conformant OpenID Connect provider that simulates the partner banks.
//!
//! Every bank in [`BANK_IDS`] is a separate issuer at `{public_url}/{bank_id}` with its own
//! ES256 key, serving discovery, JWKS, an authorization endpoint with a server-rendered
//! login → SMS code → consent flow, a token endpoint (authorization code + PKCE S256) and
//! UserInfo. State lives in memory. See `docs/SANDBOX.md`.

mod authorize;
mod banks;
pub mod checksum;
mod claims;
mod customers;
mod discovery;
mod html;
mod jose;
mod respond;
mod state;
mod token;

use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;

pub use banks::{bank, Bank, Country, BANKS};
pub use customers::{seeded_customers, Customer, SANDBOX_PASSWORD};

/// The bank ids served.
pub const BANK_IDS: [&str; 9] = [
    "sber",
    "vtb",
    "tbank",
    "alfa",
    "gazprombank",
    "otkritie",
    "privatbank",
    "monobank",
    "oschadbank",
];

/// Configuration of the sandbox.
#[derive(Clone)]
pub struct SandboxConfig {
    /// Base URL the browser and the relying party use, no trailing slash, e.g. "http://127.0.0.1:8081".
    pub public_url: String,
    /// Registered relying parties (valid at every bank).
    pub clients: Vec<ClientRegistration>,
    /// Enables POST /{bank}/_faults (test-only fault injection). Off by default in the binary.
    pub faults_enabled: bool,
}

/// A registered relying party.
#[derive(Clone)]
pub struct ClientRegistration {
    pub client_id: String,
    pub client_secret: String,
    /// Exact-match redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Shown on the login and consent pages.
    pub client_name: String,
}

impl std::fmt::Debug for ClientRegistration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientRegistration")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("redirect_uris", &self.redirect_uris)
            .field("client_name", &self.client_name)
            .finish()
    }
}

impl std::fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxConfig")
            .field("public_url", &self.public_url)
            .field("clients", &self.clients)
            .field("faults_enabled", &self.faults_enabled)
            .finish()
    }
}

/// Axum router serving every sandbox bank under /{bank_id}/...
///
/// Generates a fresh P-256 signing key per bank (so call it once per process / test server).
pub fn router(cfg: SandboxConfig) -> Router {
    let shared = Arc::new(state::Shared::new(cfg));
    Router::new()
        .route("/", get(discovery::index))
        .route(
            "/{bank}/.well-known/openid-configuration",
            get(discovery::discovery),
        )
        .route("/{bank}/jwks", get(discovery::jwks))
        .route(
            "/{bank}/authorize",
            get(authorize::authorize_get).post(authorize::authorize_post),
        )
        .route("/{bank}/login", post(authorize::login))
        .route("/{bank}/otp", post(authorize::otp))
        .route("/{bank}/consent", post(authorize::consent))
        .route("/{bank}/token", post(token::token))
        .route(
            "/{bank}/userinfo",
            get(token::userinfo).post(token::userinfo),
        )
        .route("/{bank}/_faults", post(token::faults))
        .fallback(|| async { state::not_found() })
        .with_state(shared)
}
