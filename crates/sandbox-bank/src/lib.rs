//! A standards-conformant OpenID Connect provider that simulates the partner banks.
//!
//! Every bank in [`BANK_IDS`] is a separate issuer at `{public_url}/{bank_id}`, and so is
//! every configured [`BankVariant`]. Each issuer has a [`BankProfile`]: its ID token signing
//! algorithm (RS256, PS256, ES256 or EdDSA, with its own key), the one client authentication
//! method its token and PAR endpoints accept (`client_secret_basic`, `client_secret_post` or
//! `private_key_jwt`), whether it offers or requires pushed authorization requests (RFC 9126)
//! and how it names its claims. Each serves discovery, JWKS, an authorization endpoint with a
//! server-rendered login → SMS code → consent flow, a token endpoint (authorization code +
//! PKCE S256) and UserInfo. State lives in memory. See `docs/SANDBOX.md`.

mod authorize;
mod banks;
pub mod checksum;
mod claims;
mod client_auth;
mod customers;
mod demo_site;
mod discovery;
mod faults;
mod html;
mod jose;
mod par;
mod respond;
mod state;
mod token;

use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;

pub use banks::{bank, Bank, Country, BANKS};
pub use customers::{seeded_customers, Customer, MINOR_AGE, SANDBOX_PASSWORD};
pub use demo_site::{demo_site, DemoBank, DemoSite, FRAME_TITLE, SANDBOX_WITHOUT_POPUPS};

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

/// Algorithm an issuer signs its ID tokens with (RFC 7518 / RFC 8037 names in [`Self::as_str`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SigningAlg {
    /// RSASSA-PKCS1-v1_5 with SHA-256, RSA 2048 key.
    Rs256,
    /// RSASSA-PSS with SHA-256, RSA 2048 key.
    Ps256,
    /// ECDSA P-256 with SHA-256.
    Es256,
    /// EdDSA with Ed25519.
    EdDsa,
}

impl SigningAlg {
    /// The JWS `alg` value: `RS256`, `PS256`, `ES256` or `EdDSA`.
    pub fn as_str(self) -> &'static str {
        match self {
            SigningAlg::Rs256 => "RS256",
            SigningAlg::Ps256 => "PS256",
            SigningAlg::Es256 => "ES256",
            SigningAlg::EdDsa => "EdDSA",
        }
    }
}

/// The one client authentication method an issuer's token and PAR endpoints accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientAuth {
    /// HTTP Basic with the form-urlencoded client id and secret (RFC 6749 2.3.1).
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the form body.
    ClientSecretPost,
    /// A JWT signed with a key from the client's JWKS (RFC 7523, OpenID Connect Core 9).
    PrivateKeyJwt,
}

impl ClientAuth {
    /// The `token_endpoint_auth_method` name.
    pub fn as_str(self) -> &'static str {
        match self {
            ClientAuth::ClientSecretBasic => "client_secret_basic",
            ClientAuth::ClientSecretPost => "client_secret_post",
            ClientAuth::PrivateKeyJwt => "private_key_jwt",
        }
    }
}

/// Pushed authorization requests (RFC 9126) at an issuer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Par {
    /// No PAR endpoint.
    No,
    /// `/par` exists; plain `/authorize` requests work too.
    Offered,
    /// `/authorize` only accepts a `request_uri` from `/par`.
    Required,
}

/// How an issuer names its scopes and claims (same customer data, different names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimStyle {
    /// OpenID Connect standard claims plus `passport`, `inn`/`rnokpp`, `snils`, `bank_activity`.
    Standard,
    /// Bank-specific names: scopes `fio birth contacts docs card`.
    Renamed,
    /// OpenID Connect for Identity Assurance 1.0: `verified_claims` (scope `identity_verified`).
    Verified,
}

/// How one issuer behaves on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BankProfile {
    pub alg: SigningAlg,
    pub client_auth: ClientAuth,
    pub par: Par,
    pub claims: ClaimStyle,
}

/// An extra issuer at `{public_url}/{id}`: the customers, names, country and colours of bank
/// `base`, with its own key, state and faults, behaving as `profile`.
#[derive(Clone, Debug)]
pub struct BankVariant {
    /// Lowercase ASCII letters, digits and hyphens; must differ from every bank id and
    /// every other variant (invalid variants are skipped with an error log).
    pub id: String,
    /// One of [`BANK_IDS`].
    pub base: String,
    pub profile: BankProfile,
}

/// The profile each of the nine banks has by default.
pub fn default_profile(bank_id: &str) -> Option<BankProfile> {
    use ClaimStyle::{Renamed, Standard, Verified};
    use ClientAuth::{ClientSecretBasic as Basic, ClientSecretPost as Post, PrivateKeyJwt as Jwt};
    use SigningAlg::{EdDsa, Es256, Ps256, Rs256};
    let (alg, client_auth, par, claims) = match bank_id {
        "sber" => (Es256, Basic, Par::Offered, Standard),
        "vtb" => (Rs256, Post, Par::No, Renamed),
        "tbank" => (Ps256, Jwt, Par::Required, Standard),
        "alfa" => (EdDsa, Jwt, Par::Offered, Verified),
        "gazprombank" => (Rs256, Basic, Par::No, Verified),
        "otkritie" => (Es256, Basic, Par::No, Standard),
        "privatbank" => (Es256, Basic, Par::Offered, Standard),
        "monobank" => (Ps256, Post, Par::No, Renamed),
        "oschadbank" => (EdDsa, Jwt, Par::Required, Verified),
        _ => return None,
    };
    Some(BankProfile {
        alg,
        client_auth,
        par,
        claims,
    })
}

/// Configuration of the sandbox.
#[derive(Clone)]
pub struct SandboxConfig {
    /// Base URL the browser and the relying party use, no trailing slash, e.g. "http://127.0.0.1:8081".
    pub public_url: String,
    /// Registered relying parties (valid at every bank).
    pub clients: Vec<ClientRegistration>,
    /// Enables POST /{bank}/_faults and /{bank}/_keys/rotate (test-only fault injection).
    /// Off by default in the binary.
    pub faults_enabled: bool,
    /// Extra issuers (tests): `{public_url}/{id}` serving the customers of bank `base` with `profile`.
    pub variants: Vec<BankVariant>,
    /// Non-interactive mode for load tests (the binary's `--auto-approve`; never in development):
    /// a valid `/authorize` request is answered at once with a code for a fresh person (unique
    /// `sub`, valid and unique national ids; the phone of an E.164 `login_hint` of the bank's
    /// country). See `docs/SANDBOX.md`.
    pub auto_approve: bool,
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
    /// The client's public keys for private_key_jwt (RFC 7523), fetched when needed (refetched on an unknown kid, at most every 10 s).
    pub jwks_uri: Option<String>,
}

impl std::fmt::Debug for ClientRegistration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientRegistration")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("redirect_uris", &self.redirect_uris)
            .field("client_name", &self.client_name)
            .field("jwks_uri", &self.jwks_uri)
            .finish()
    }
}

impl std::fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxConfig")
            .field("public_url", &self.public_url)
            .field("clients", &self.clients)
            .field("faults_enabled", &self.faults_enabled)
            .field("variants", &self.variants)
            .field("auto_approve", &self.auto_approve)
            .finish()
    }
}

/// Axum router serving every sandbox bank (and every valid variant) under /{issuer_id}/...
///
/// Signing keys are new for every router: each issuer generates its key the first time it is
/// needed (JWKS or a token), so building the router is fast even with RSA issuers. Invalid
/// variants (bad id, unknown base, an id already taken) are skipped with an error log.
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
        .route("/{bank}/par", post(par::par))
        .route("/{bank}/login", post(authorize::login))
        .route("/{bank}/otp", post(authorize::otp))
        .route("/{bank}/consent", post(authorize::consent))
        .route("/{bank}/token", post(token::token))
        .route(
            "/{bank}/userinfo",
            get(token::userinfo).post(token::userinfo),
        )
        .route("/{bank}/_faults", post(faults::faults))
        .route("/{bank}/_keys/rotate", post(faults::rotate_keys))
        .fallback(|| async { state::not_found() })
        .with_state(shared)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bank_has_a_default_profile() {
        for id in BANK_IDS {
            assert!(default_profile(id).is_some(), "{id}");
        }
        assert!(default_profile("nosuchbank").is_none());
        let t = default_profile("tbank").expect("tbank");
        assert_eq!(t.alg.as_str(), "PS256");
        assert_eq!(t.client_auth.as_str(), "private_key_jwt");
        assert_eq!(t.par, Par::Required);
    }
}
