//! OpenID Connect relying party to the partner banks: discovery, JWKS, PAR, client
//! authentication, code exchange (`client`), ID-token verification policy (`jws`), the bank's
//! claims mapped to the portal's fields (`mapping`) and the portal's own client keys
//! (`client_keys`).

pub mod client;
pub mod client_keys;
pub mod jws;
pub mod mapping;

pub use client::{AuthRequest, ClientAuth, ProviderMetadata, RelyingParty};
pub use client_keys::ClientKeys;
pub use jws::IdTokenError;
pub use mapping::{Activity, BankActivity, ClaimMap, IdClaims};

/// What went wrong talking to a bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RpError {
    /// Connection refused, timeout, 5xx, redirect: retry later.
    Unreachable(String),
    /// The bank answered with an OAuth error (kept verbatim for the journal).
    Protocol {
        error: String,
        description: Option<String>,
    },
    /// The bank's answer broke the protocol (bad discovery, bad JSON, issuer mismatch).
    Invalid(String),
    IdToken(IdTokenError),
    /// The portal's own configuration is missing something (secret, client keys).
    Config(String),
}

impl RpError {
    /// Short code for the journal's `upstream` column.
    pub fn upstream(&self) -> String {
        match self {
            RpError::Unreachable(d) => format!("unreachable:{}", sanitize(d)),
            RpError::Protocol { error, .. } => sanitize(error),
            RpError::Invalid(_) => "invalid_response".into(),
            RpError::IdToken(e) => format!("id_token:{}", e.as_str()),
            RpError::Config(_) => "portal_config".into(),
        }
    }
}

impl std::fmt::Display for RpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RpError::Unreachable(d) => write!(f, "bank unreachable: {d}"),
            RpError::Protocol { error, description } => {
                write!(
                    f,
                    "bank error {}: {}",
                    sanitize(error),
                    description.as_deref().map(sanitize).unwrap_or_default()
                )
            }
            RpError::Invalid(d) => write!(f, "invalid bank response: {d}"),
            RpError::IdToken(e) => write!(f, "id token refused: {}", e.as_str()),
            RpError::Config(d) => write!(f, "portal configuration: {d}"),
        }
    }
}

/// Keeps upstream strings printable, short and free of anything but the OAuth error charset.
pub fn sanitize(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .take(120)
        .collect()
}
