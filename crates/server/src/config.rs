//! Portal configuration, read from a TOML file. A real bank is added by configuration alone.

use std::net::SocketAddr;
use std::path::PathBuf;

use bankid_api::types::{Capability, Country};
use bankid_api::Localized;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    #[serde(default)]
    pub sandbox: Option<SandboxSection>,
    #[serde(default, rename = "bank")]
    pub banks: Vec<BankConfig>,
    /// The portal's identity in this deployment (colours, name, mark); Russian by default.
    #[serde(default)]
    pub brand: BrandConfig,
}

/// `[brand]`: how the portal looks and what it is called in this deployment.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrandConfig {
    /// `"RU"` or `"UA"`: the colour scheme (and default mark and names) of the country served.
    pub theme: Country,
    /// The full name; the theme's by default.
    #[serde(default)]
    pub name: Option<Localized>,
    /// The name in the header on every screen; the theme's by default.
    #[serde(default)]
    pub short_name: Option<Localized>,
    /// Path of the mark under the built app (`public/`), an SVG; the theme's by default.
    #[serde(default)]
    pub mark: Option<String>,
}

impl Default for BrandConfig {
    fn default() -> Self {
        BrandConfig {
            theme: Country::Ru,
            name: None,
            short_name: None,
            mark: None,
        }
    }
}

impl BrandConfig {
    /// The brand with the theme's defaults filled in; `mark` is the path as configured (the server
    /// maps it to its content-hashed name).
    pub fn resolved(&self) -> bankid_api::types::Brand {
        let default = bankid_api::types::Brand::of(self.theme);
        bankid_api::types::Brand {
            theme: self.theme,
            name: self.name.clone().unwrap_or(default.name),
            short_name: self.short_name.clone().unwrap_or(default.short_name),
            mark: self.mark.clone().unwrap_or(default.mark),
        }
    }
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// Origin the browser uses, no trailing slash, e.g. `http://127.0.0.1:8080`.
    pub public_url: String,
    /// `sqlite://var/portal.sqlite` (created when missing, the default) or
    /// `postgres://user@host:port/db` (any number of replicas share it; `docs/DEPLOYMENT.md`).
    /// Overridden by `PORTAL_DATABASE_URL` (where a PostgreSQL password belongs).
    pub database_url: String,
    /// The built SPA (`trunk build` output).
    #[serde(default = "default_dist")]
    pub dist_dir: PathBuf,
    /// Secret for keyed hashes of national ids (HMAC-SHA256). Overridden by `PORTAL_PEPPER`.
    #[serde(default)]
    pub pepper: Option<String>,
    /// Keys that seal passport/INN/SNILS at rest, `id:base64(32 bytes)`, the sealing key first.
    /// Overridden by `PORTAL_DATA_KEYS` (comma-separated).
    #[serde(default)]
    pub data_keys: Vec<String>,
    /// How recent the bank sign-in must be for sensitive changes without another proof (changing
    /// or removing a bank; turning off 2FA or new backup codes without a code). 10 minutes by
    /// default; 5 to 3600 seconds.
    #[serde(default = "default_recent_auth")]
    pub recent_auth_seconds: u32,
    /// The portal's own signing keys for `private_key_jwt` client authentication,
    /// `kid:base64(PKCS#8 DER of a P-256 key)`, the signing key first; all are published at
    /// `/.well-known/jwks.json` so a bank can fetch them (rotation: add the new key second, let the
    /// banks see it, move it first, later drop the old one). Overridden by `PORTAL_CLIENT_KEYS`
    /// (comma-separated). `bankid-server --new-client-key KID` prints a new one.
    #[serde(default)]
    pub client_keys: Vec<String>,
    /// Bank round trips (registrations, sign-ins, links) one client address may start in 15
    /// minutes before each further start must wait (2 s, 4 s, … 15 min). Default 60.
    #[serde(default = "default_starts")]
    pub starts_per_address: u32,
    /// How often the retention worker deletes or seals what has expired (`retention.rs`,
    /// `docs/RETENTION.md`). 300 seconds by default; at least 1.
    #[serde(default = "default_retention_interval")]
    pub retention_interval_seconds: u64,
    /// The outbox worker wakes at once when a message is written by this process; this slow poll
    /// is the fallback for rows written by other processes and for retries of failed deliveries.
    /// 30 seconds by default; at least 1.
    #[serde(default = "default_outbox_poll")]
    pub outbox_poll_seconds: u64,
    /// The load balancers and reverse proxies in front of the portal (addresses or CIDR ranges,
    /// e.g. `["10.0.0.0/8", "127.0.0.1"]`). A request from one of them is attributed to the client
    /// address it names in `X-Forwarded-For` (the right-most address that is not itself a trusted
    /// proxy); from anyone else the header is ignored, so a client cannot choose its address for
    /// the per-address limits. Empty by default: the TCP peer is the client.
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
}

/// An address range: `address/prefix` or one address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpRange {
    net: std::net::IpAddr,
    prefix: u8,
}

impl IpRange {
    pub fn parse(s: &str) -> Result<IpRange, String> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let net: std::net::IpAddr = addr
            .trim()
            .parse()
            .map_err(|_| format!("{s:?} is not an address or a CIDR range"))?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{s:?}: the prefix must be 0 to {max}"))?,
            None => max,
        };
        Ok(IpRange { net, prefix })
    }

    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        use std::net::IpAddr;
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// The client's address: the TCP `peer`, or, when the peer is a trusted proxy, the right-most
/// address of `forwarded_for` (`X-Forwarded-For`, all its values in order) that is not a trusted
/// proxy itself. A malformed entry ends the walk at the last trusted hop's word: the peer's.
pub fn client_address(
    peer: std::net::IpAddr,
    forwarded_for: &[&str],
    trusted: &[IpRange],
) -> std::net::IpAddr {
    let is_trusted = |ip: std::net::IpAddr| trusted.iter().any(|r| r.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let mut client = peer;
    for entry in forwarded_for
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .rev()
    {
        let Ok(ip) = entry.parse::<std::net::IpAddr>() else {
            return client;
        };
        client = ip;
        if !is_trusted(ip) {
            return ip;
        }
    }
    client
}

fn default_starts() -> u32 {
    60
}

/// Secrets never reach logs: `Debug` shows that they are set, not what they are.
impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = |v: bool| if v { "<redacted>" } else { "<none>" };
        f.debug_struct("ServerConfig")
            .field("listen", &self.listen)
            .field("public_url", &self.public_url)
            .field("database_url", &redact_url(&self.database_url))
            .field("dist_dir", &self.dist_dir)
            .field("pepper", &set(self.pepper.is_some()))
            .field(
                "data_keys",
                &format_args!("<{} redacted>", self.data_keys.len()),
            )
            .field("recent_auth_seconds", &self.recent_auth_seconds)
            .field(
                "client_keys",
                &format_args!("<{} redacted>", self.client_keys.len()),
            )
            .field("starts_per_address", &self.starts_per_address)
            .field(
                "retention_interval_seconds",
                &self.retention_interval_seconds,
            )
            .field("outbox_poll_seconds", &self.outbox_poll_seconds)
            .finish()
    }
}

/// A database URL without its password (`postgres://user:secret@host` → `postgres://user:<redacted>@host`).
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("<redacted>"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

fn default_recent_auth() -> u32 {
    600
}

fn default_retention_interval() -> u64 {
    300
}

fn default_outbox_poll() -> u64 {
    30
}

fn default_dist() -> PathBuf {
    PathBuf::from("dist")
}

/// Runs the sandbox banks in this process (development and demos only).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SandboxSection {
    pub listen: SocketAddr,
    pub public_url: String,
    #[serde(default)]
    pub faults: bool,
    /// Where the demo bank website runs (a second loopback origin, e.g. `127.0.0.2:8082`): pages
    /// of each sandbox bank that embed the portal (`/embed/{bank_id}`) the way a partner bank's
    /// online banking does. Absent: no demo site.
    #[serde(default)]
    pub demo_listen: Option<SocketAddr>,
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BankConfig {
    pub id: String,
    /// Issuer URL; discovery is `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    /// The client secret, or the name of an environment variable holding it (`env:NAME`). Not
    /// needed with `client_auth = "private_key_jwt"`.
    #[serde(default)]
    pub client_secret: Option<String>,
    pub name: Localized,
    pub country: Country,
    pub logo: String,
    pub color: String,
    #[serde(default = "yes")]
    pub workable: bool,
    #[serde(default)]
    pub order: i32,
    #[serde(default = "default_caps")]
    pub capabilities: Vec<Capability>,
    /// Web origins allowed to embed the portal for this bank (flow 9).
    #[serde(default)]
    pub embed_origins: Vec<String>,
    /// Scopes asked for at registration (and re-verification, bank links). Default: the names
    /// the portal's reference banks use for its fields (see [`default_scopes`]).
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
    /// Scopes asked for at sign-in: only what identifies the person. Default `openid inn`.
    #[serde(default)]
    pub sign_in_scopes: Option<Vec<String>>,
    /// Where each portal field is in the bank's claims (names or dotted JSON paths).
    #[serde(default)]
    pub claims: ClaimPaths,
    /// Portal fields this bank cannot supply (`bank_activity`, `tax_id`, `snils`, `email`,
    /// `middle_name`): their rules then say "not checked by this bank" instead of refusing.
    #[serde(default)]
    pub not_supplied: Vec<String>,
    /// ID-token signature algorithms accepted from this bank (never `none` or HMAC).
    #[serde(default = "default_algs")]
    pub id_token_algs: Vec<String>,
    /// How the portal authenticates at the token (and PAR) endpoint.
    #[serde(default)]
    pub client_auth: ClientAuthMethod,
    /// Pushed authorization requests (RFC 9126): `auto` when discovery offers them, `always`, `never`.
    #[serde(default)]
    pub par: ParMode,
    /// `claims` + `not_supplied` resolved at load.
    #[serde(skip)]
    pub map: crate::oidc::ClaimMap,
}

impl std::fmt::Debug for BankConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BankConfig")
            .field("id", &self.id)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &match self.client_secret.as_deref() {
                    Some(s) if s.starts_with("env:") => s,
                    Some(_) => "<redacted>",
                    None => "<none>",
                },
            )
            .field("country", &self.country)
            .field("workable", &self.workable)
            .field("scopes", &self.scopes)
            .field("claims", &self.claims)
            .field("not_supplied", &self.not_supplied)
            .field("id_token_algs", &self.id_token_algs)
            .field("client_auth", &self.client_auth)
            .field("par", &self.par)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuthMethod {
    #[default]
    ClientSecretBasic,
    ClientSecretPost,
    PrivateKeyJwt,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParMode {
    #[default]
    Auto,
    Always,
    Never,
}

/// Bank claim names or dotted JSON paths (`verified_claims.claims.given_name`; a number indexes
/// an array; a name applied to an array looks in each element in turn) for each portal field.
/// Unset fields use the reference names.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimPaths {
    pub family_name: Option<String>,
    pub given_name: Option<String>,
    pub middle_name: Option<String>,
    pub birthdate: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub passport: Option<String>,
    /// RU INN / UA RNOKPP.
    pub tax_id: Option<String>,
    pub snils: Option<String>,
    pub card_active: Option<String>,
    pub card_blocked: Option<String>,
    pub transactions_30d: Option<String>,
}

/// Fields a bank may declare it cannot supply.
pub const OPTIONAL_FIELDS: [&str; 5] = ["bank_activity", "tax_id", "snils", "email", "middle_name"];
/// ID-token algorithms the portal can verify.
pub const SUPPORTED_ALGS: [&str; 9] = [
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA",
];

fn default_algs() -> Vec<String> {
    ["RS256", "PS256", "ES256", "EdDSA"]
        .map(String::from)
        .to_vec()
}

/// The scopes of the portal's reference claim names.
pub fn default_scopes(country: Country) -> &'static str {
    match country {
        Country::Ru => "openid profile phone email passport inn snils bank_activity",
        Country::Ua => "openid profile phone email passport inn bank_activity",
    }
}

fn yes() -> bool {
    true
}

fn default_caps() -> Vec<Capability> {
    vec![Capability::Redirect]
}

#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// `server.trusted_proxies`, parsed (checked when the configuration was loaded).
    pub fn trusted_proxies(&self) -> Vec<IpRange> {
        self.server
            .trusted_proxies
            .iter()
            .filter_map(|p| IpRange::parse(p).ok())
            .collect()
    }

    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        let mut cfg: Config =
            toml::from_str(text).map_err(|e| ConfigError(format!("config: {e}")))?;
        cfg.validate()?;
        cfg.banks.sort_by_key(|b| b.order);
        Ok(cfg)
    }

    pub fn load(path: &std::path::Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
        Config::from_toml(&text)
    }

    fn validate(&mut self) -> Result<(), ConfigError> {
        if !(5..=3600).contains(&self.server.recent_auth_seconds) {
            return Err(ConfigError(
                "server.recent_auth_seconds must be between 5 and 3600".into(),
            ));
        }
        if self.server.retention_interval_seconds == 0 || self.server.outbox_poll_seconds == 0 {
            return Err(ConfigError(
                "server.retention_interval_seconds and server.outbox_poll_seconds must be at least 1"
                    .into(),
            ));
        }
        for p in &self.server.trusted_proxies {
            IpRange::parse(p).map_err(|e| ConfigError(format!("server.trusted_proxies: {e}")))?;
        }
        let mut seen = std::collections::HashSet::new();
        for b in &self.banks {
            if !seen.insert(b.id.as_str()) {
                return Err(ConfigError(format!("bank {} is configured twice", b.id)));
            }
            if b.id.is_empty()
                || !b
                    .id
                    .bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
            {
                return Err(ConfigError(format!(
                    "bank id {:?} must be lowercase ascii",
                    b.id
                )));
            }
            let url = url::Url::parse(&b.issuer)
                .map_err(|e| ConfigError(format!("bank {}: issuer: {e}", b.id)))?;
            if url.scheme() != "https" && !is_loopback(&url) {
                return Err(ConfigError(format!(
                    "bank {}: issuer must be https (plain http only on loopback)",
                    b.id
                )));
            }
            if RESERVED_BANK_IDS.contains(&b.id.as_str()) {
                return Err(ConfigError(format!(
                    "bank id {:?} is a page of the portal",
                    b.id
                )));
            }
            b.check_protocol()
                .map_err(|e| ConfigError(format!("bank {}: {e}", b.id)))?;
            for o in &b.embed_origins {
                check_embed_origin(o)
                    .map_err(|e| ConfigError(format!("bank {}: embed_origins: {o:?} {e}", b.id)))?;
            }
        }
        for b in &mut self.banks {
            b.map = crate::oidc::ClaimMap::new(&b.claims, b.country, &b.not_supplied)
                .map_err(|e| ConfigError(format!("bank {}: claims: {e}", b.id)))?;
        }
        url::Url::parse(&self.server.public_url)
            .map_err(|e| ConfigError(format!("server.public_url: {e}")))?;
        let brand = self.brand.resolved();
        if !brand.mark.starts_with('/')
            || !brand.mark.ends_with(".svg")
            || brand.mark.contains("..")
        {
            return Err(ConfigError(
                "brand.mark must be the path of an SVG file of the web app, e.g. /brand/ru.svg"
                    .into(),
            ));
        }
        for (what, l) in [("name", &brand.name), ("short_name", &brand.short_name)] {
            if [&l.ru, &l.uk, &l.en].iter().any(|t| t.trim().is_empty()) {
                return Err(ConfigError(format!(
                    "brand.{what} needs a text in ru, uk and en"
                )));
            }
        }
        Ok(())
    }

    pub fn bank(&self, id: &str) -> Option<&BankConfig> {
        self.banks.iter().find(|b| b.id == id)
    }

    /// Whether cookies must carry `Secure` (the portal is served over https).
    pub fn secure_cookies(&self) -> bool {
        self.server.public_url.starts_with("https://")
    }

    pub fn redirect_uri(&self) -> String {
        format!("{}/auth/callback", self.server.public_url)
    }
}

impl BankConfig {
    /// Resolves `env:NAME` secrets.
    pub fn secret(&self) -> Result<String, ConfigError> {
        let Some(secret) = self.client_secret.as_deref() else {
            return Err(ConfigError(format!("bank {}: no client_secret", self.id)));
        };
        match secret.strip_prefix("env:") {
            Some(var) => std::env::var(var).map_err(|_| {
                ConfigError(format!(
                    "bank {}: environment variable {var} is not set",
                    self.id
                ))
            }),
            None => Ok(secret.to_string()),
        }
    }

    /// The scope string of registrations, re-verifications and bank links.
    pub fn scope(&self) -> String {
        match &self.scopes {
            Some(s) => s.join(" "),
            None => default_scopes(self.country).to_string(),
        }
    }

    /// The scope string of sign-ins.
    pub fn sign_in_scope(&self) -> String {
        match &self.sign_in_scopes {
            Some(s) => s.join(" "),
            None => "openid inn".to_string(),
        }
    }

    /// Whether the bank supplies a portal field (see [`OPTIONAL_FIELDS`]).
    pub fn supplies(&self, field: &str) -> bool {
        !self.not_supplied.iter().any(|f| f == field)
    }

    fn check_protocol(&self) -> Result<(), String> {
        for set in [&self.scopes, &self.sign_in_scopes].into_iter().flatten() {
            if !set.iter().any(|s| s == "openid") {
                return Err("scopes must include openid".into());
            }
            // RFC 6749 3.3 scope-token: %x21 / %x23-5B / %x5D-7E.
            let token = |s: &str| {
                !s.is_empty()
                    && s.bytes().all(|b| {
                        b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b)
                    })
            };
            if let Some(bad) = set.iter().find(|s| !token(s)) {
                return Err(format!("scope {bad:?} is not a scope token"));
            }
        }
        if self.id_token_algs.is_empty() {
            return Err("id_token_algs is empty".into());
        }
        if let Some(bad) = self
            .id_token_algs
            .iter()
            .find(|a| !SUPPORTED_ALGS.contains(&a.as_str()))
        {
            return Err(format!(
                "id_token_algs: {bad:?} is not accepted (none and HMAC never are); use {}",
                SUPPORTED_ALGS.join(", ")
            ));
        }
        if let Some(bad) = self
            .not_supplied
            .iter()
            .find(|f| !OPTIONAL_FIELDS.contains(&f.as_str()))
        {
            return Err(format!(
                "not_supplied: the portal cannot register without {bad:?} (optional: {})",
                OPTIONAL_FIELDS.join(", ")
            ));
        }
        match self.client_auth {
            ClientAuthMethod::ClientSecretBasic | ClientAuthMethod::ClientSecretPost
                if self.client_secret.is_none() =>
            {
                Err("client_secret is required for client_secret_basic/_post".into())
            }
            _ => Ok(()),
        }
    }
}

/// Bank ids that would collide with the portal's own pages under `/embed/`.
const RESERVED_BANK_IDS: &[&str] = &["return"];

/// An origin a bank's pages frame the portal from: exactly `scheme://host[:port]` as a browser
/// serializes it (lowercase, no default port, no trailing slash); https, or http on loopback only;
/// no wildcard, path, query, fragment or credentials.
fn check_embed_origin(o: &str) -> Result<(), String> {
    if o.contains('*') {
        return Err("must not contain a wildcard".into());
    }
    let url = url::Url::parse(o).map_err(|e| format!("is not an origin: {e}"))?;
    if url.scheme() != "https" && !(url.scheme() == "http" && is_loopback(&url)) {
        return Err("must be https (plain http only on loopback)".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry credentials".into());
    }
    let origin = url.origin().ascii_serialization();
    if origin != o {
        return Err(format!(
            "must be exactly an origin (scheme://host[:port], no path or trailing slash): {origin:?}"
        ));
    }
    Ok(())
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: &str = r##"
[server]
listen = "127.0.0.1:8080"
public_url = "http://127.0.0.1:8080"
database_url = "sqlite::memory:"

[[bank]]
id = "sber"
issuer = "http://127.0.0.1:8081/sber"
client_id = "portal"
client_secret = "s"
name = { ru = "Сбербанк", uk = "Сбербанк", en = "Sberbank" }
country = "RU"
logo = "/logos/sber.svg"
color = "#21A038"
"##;

    #[test]
    fn parses_minimal_config() {
        let c = Config::from_toml(MIN).unwrap();
        assert_eq!(c.banks.len(), 1);
        assert!(c.banks[0].workable);
        assert_eq!(c.redirect_uri(), "http://127.0.0.1:8080/auth/callback");
        assert!(!c.secure_cookies());
        assert_eq!(c.server.recent_auth_seconds, 600);
        assert_eq!(c.server.retention_interval_seconds, 300);
        assert_eq!(c.server.outbox_poll_seconds, 30);
    }

    #[test]
    fn worker_intervals_are_positive() {
        for bad in ["retention_interval_seconds = 0", "outbox_poll_seconds = 0"] {
            let cfg = MIN.replace("[server]", &format!("[server]\n{bad}"));
            assert!(Config::from_toml(&cfg).is_err(), "{bad}");
        }
        let ok = MIN.replace("[server]", "[server]\nretention_interval_seconds = 60");
        assert_eq!(
            Config::from_toml(&ok)
                .unwrap()
                .server
                .retention_interval_seconds,
            60
        );
    }

    #[test]
    fn the_recent_sign_in_window_is_bounded() {
        let with = |secs: &str| {
            MIN.replace(
                "[server]",
                &format!("[server]\nrecent_auth_seconds = {secs}"),
            )
        };
        assert_eq!(
            Config::from_toml(&with("30"))
                .unwrap()
                .server
                .recent_auth_seconds,
            30
        );
        for bad in ["0", "4", "3601"] {
            assert!(Config::from_toml(&with(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn refuses_plain_http_issuer_off_loopback() {
        let bad = MIN.replace("http://127.0.0.1:8081/sber", "http://bank.example/sber");
        assert!(Config::from_toml(&bad).is_err());
    }

    #[test]
    fn the_client_is_named_by_trusted_proxies_only() {
        let ip = |s: &str| s.parse::<std::net::IpAddr>().expect("ip");
        let trusted = vec![
            IpRange::parse("10.0.0.0/8").expect("range"),
            IpRange::parse("127.0.0.1").expect("one"),
        ];
        // Not from a proxy: the header is the client's own word, ignored.
        assert_eq!(
            client_address(ip("203.0.113.9"), &["198.51.100.1"], &trusted),
            ip("203.0.113.9")
        );
        // Through two proxies: the right-most address that is not a proxy.
        assert_eq!(
            client_address(
                ip("127.0.0.1"),
                &["198.51.100.1, 203.0.113.7", "10.1.2.3"],
                &trusted
            ),
            ip("203.0.113.7")
        );
        // No header, or a malformed one: the last trusted word.
        assert_eq!(
            client_address(ip("10.0.0.5"), &[], &trusted),
            ip("10.0.0.5")
        );
        assert_eq!(
            client_address(ip("10.0.0.5"), &["junk, 10.9.9.9"], &trusted),
            ip("10.9.9.9")
        );
        // IPv6, and IPv4 seen as mapped IPv6.
        let v6 = IpRange::parse("2001:db8::/32").expect("v6");
        assert!(v6.contains(ip("2001:db8:1::1")) && !v6.contains(ip("2001:db9::1")));
        assert!(trusted[1].contains(ip("::ffff:127.0.0.1")));
        for bad in ["10.0.0.0/33", "nonsense", "::/129"] {
            assert!(IpRange::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn embed_origins_are_exact_https_origins() {
        let with = |origins: &str| {
            MIN.replace(
                "color = \"#21A038\"",
                &format!("color = \"#21A038\"\nembed_origins = {origins}"),
            )
        };
        let ok = Config::from_toml(&with(
            r#"["https://online.sber.example", "https://b.example:8443", "http://127.0.0.2:8082", "http://localhost:3000"]"#,
        ))
        .unwrap();
        assert_eq!(ok.banks[0].embed_origins.len(), 4);
        for bad in [
            r#"["*"]"#,
            r#"["https://*.sber.example"]"#,
            r#"["https://online.sber.example/gosuslugi"]"#,
            r#"["https://online.sber.example/"]"#,
            r#"["https://online.sber.example?x=1"]"#,
            r#"["http://online.sber.example"]"#,
            r#"["https://user:pw@online.sber.example"]"#,
            r#"["https://Online.Sber.example"]"#,
            r#"["https://online.sber.example:443"]"#,
            r#"["online.sber.example"]"#,
            r#"["null"]"#,
            r#"["data:text/html,x"]"#,
        ] {
            assert!(Config::from_toml(&with(bad)).is_err(), "{bad}");
        }
        let reserved = MIN.replace("id = \"sber\"", "id = \"return\"");
        assert!(Config::from_toml(&reserved).is_err());
    }

    #[test]
    fn refuses_duplicate_bank() {
        let twice = format!("{MIN}\n{}", &MIN[MIN.find("[[bank]]").unwrap()..]);
        assert!(Config::from_toml(&twice).is_err());
    }

    #[test]
    fn the_development_config_parses_with_every_bank_profile() {
        let c = Config::load(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../config/portal.toml"
        )))
        .unwrap();
        let vtb = c.bank("vtb").unwrap();
        assert_eq!(vtb.client_auth, ClientAuthMethod::ClientSecretPost);
        assert_eq!(vtb.scope(), "openid fio birth contacts docs card");
        assert!(vtb.map.passport.is_some());
        let alfa = c.bank("alfa").unwrap();
        assert!(!alfa.supplies("bank_activity"));
        assert!(!alfa.map.activity_supplied);
        assert_eq!(alfa.client_auth, ClientAuthMethod::PrivateKeyJwt);
        assert!(alfa.client_secret.is_none());
        assert_eq!(c.bank("sber").unwrap().sign_in_scope(), "openid inn");
        assert_eq!(c.server.client_keys.len(), 1);
    }

    #[test]
    fn refuses_what_a_bank_cannot_be() {
        let with = |extra: &str| {
            MIN.replace(
                "color = \"#21A038\"",
                &format!("color = \"#21A038\"\n{extra}"),
            )
        };
        assert!(Config::from_toml(&with("")).is_ok());
        for bad in [
            r#"id_token_algs = ["none"]"#,
            r#"id_token_algs = ["HS256"]"#,
            r#"id_token_algs = []"#,
            r#"not_supplied = ["passport"]"#,
            r#"not_supplied = ["birthdate"]"#,
            r#"scopes = ["profile"]"#,
            r#"scopes = ["openid", "a b"]"#,
            r#"client_auth = "tls_client_auth""#,
            r#"par = "sometimes""#,
            "[bank.claims]\ngiven_name = \"a..b\"",
            "not_supplied = [\"snils\"]\n[bank.claims]\nsnils = \"x\"",
        ] {
            assert!(Config::from_toml(&with(bad)).is_err(), "{bad}");
        }
        let no_secret = with("").replace("client_secret = \"s\"\n", "");
        assert!(
            Config::from_toml(&no_secret).is_err(),
            "basic needs a secret"
        );
        assert!(
            Config::from_toml(&format!("{no_secret}client_auth = \"private_key_jwt\"\n")).is_ok()
        );
    }

    #[test]
    fn debug_never_shows_secrets() {
        let text = MIN.replace(
            "[server]",
            "[server]\npepper = \"pepper-secret-0123456789\"\ndata_keys = [\"k:c2VjcmV0LWRhdGEta2V5\"]\nclient_keys = [\"c:cHJpdmF0ZS1rZXk=\"]",
        ).replace("sqlite::memory:", "postgres://portal:dbpass@127.0.0.1/portal");
        let c: Config = toml::from_str(&text).unwrap();
        let shown = format!("{c:?}");
        for secret in [
            "pepper-secret",
            "c2VjcmV0",
            "cHJpdmF0",
            "dbpass",
            "client_secret: \"s\"",
        ] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("<redacted>"));
    }

    #[test]
    fn refuses_unknown_keys() {
        let bad = MIN.replace("[server]", "[server]\nlisten_addr = 1");
        assert!(Config::from_toml(&bad).is_err());
    }

    #[test]
    fn brand_defaults_to_the_russian_portal_and_follows_its_theme() {
        let c = Config::from_toml(MIN).unwrap();
        let b = c.brand.resolved();
        assert_eq!(b.theme, Country::Ru);
        assert_eq!(b.short_name.ru, "Госуслуги");
        assert_eq!(b.mark, "/brand/ru.svg");

        let ua = format!("{MIN}\n[brand]\ntheme = \"UA\"\n");
        let b = Config::from_toml(&ua).unwrap().brand.resolved();
        assert_eq!(b.theme, Country::Ua);
        assert_eq!(b.name.uk, "Портал державних послуг України");
        assert_eq!(b.mark, "/brand/ua.svg");

        let own = format!(
            "{MIN}\n[brand]\ntheme = \"UA\"\nmark = \"/brand/own.svg\"\n\
             short_name = {{ ru = \"Дія\", uk = \"Дія\", en = \"Diia\" }}\n"
        );
        let b = Config::from_toml(&own).unwrap().brand.resolved();
        assert_eq!(
            (b.mark.as_str(), b.short_name.en.as_str()),
            ("/brand/own.svg", "Diia")
        );
        assert_eq!(b.name.en, "Public services portal of Ukraine");

        for bad in [
            "theme = \"PL\"",
            "theme = \"RU\"\nmark = \"brand/ru.svg\"",
            "theme = \"RU\"\nmark = \"/brand/ru.png\"",
            "theme = \"RU\"\nmark = \"/../etc/x.svg\"",
            "theme = \"RU\"\nname = { ru = \"\", uk = \"x\", en = \"x\" }",
            "theme = \"RU\"\ncolour = \"red\"",
        ] {
            let cfg = format!("{MIN}\n[brand]\n{bad}\n");
            assert!(Config::from_toml(&cfg).is_err(), "{bad}");
        }
    }
}
