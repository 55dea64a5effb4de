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
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// Origin the browser uses, no trailing slash, e.g. `http://127.0.0.1:8080`.
    pub public_url: String,
    /// `sqlite://var/portal.sqlite` (created when missing).
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
    /// How often the retention worker deletes or seals what has expired (`retention.rs`,
    /// `docs/RETENTION.md`). 300 seconds by default; at least 1.
    #[serde(default = "default_retention_interval")]
    pub retention_interval_seconds: u64,
    /// The outbox worker wakes at once when a message is written by this process; this slow poll
    /// is the fallback for rows written by other processes and for retries of failed deliveries.
    /// 30 seconds by default; at least 1.
    #[serde(default = "default_outbox_poll")]
    pub outbox_poll_seconds: u64,
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
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BankConfig {
    pub id: String,
    /// Issuer URL; discovery is `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    /// The client secret, or the name of an environment variable holding it (`env:NAME`).
    pub client_secret: String,
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

    fn validate(&self) -> Result<(), ConfigError> {
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
        }
        url::Url::parse(&self.server.public_url)
            .map_err(|e| ConfigError(format!("server.public_url: {e}")))?;
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
        match self.client_secret.strip_prefix("env:") {
            Some(var) => std::env::var(var).map_err(|_| {
                ConfigError(format!(
                    "bank {}: environment variable {var} is not set",
                    self.id
                ))
            }),
            None => Ok(self.client_secret.clone()),
        }
    }
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
    fn refuses_duplicate_bank() {
        let twice = format!("{MIN}\n{}", &MIN[MIN.find("[[bank]]").unwrap()..]);
        assert!(Config::from_toml(&twice).is_err());
    }

    #[test]
    fn refuses_unknown_keys() {
        let bad = MIN.replace("[server]", "[server]\nlisten_addr = 1");
        assert!(Config::from_toml(&bad).is_err());
    }
}
