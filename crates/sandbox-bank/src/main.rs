//! `sandbox-bank`: runs the sandbox OpenID Connect provider for all simulated banks.

use std::net::SocketAddr;
use std::process::ExitCode;

use sandbox_bank::{router, ClientRegistration, SandboxConfig, BANK_IDS};

const USAGE: &str = "\
Usage: sandbox-bank --listen ADDR:PORT --public-url URL --client-id ID --client-secret SECRET
                    --redirect-uri URL [--redirect-uri URL ...] [--client-name NAME]
                    [--client-jwks-uri URL] [--faults] [--auto-approve]

Runs the sandbox OpenID Connect provider simulating every partner bank.
Each bank B is an issuer at {public-url}/B.

Options:
  --listen ADDR:PORT     Socket address to bind, e.g. 127.0.0.1:8081
  --public-url URL       Base URL browsers and the relying party use, e.g. http://127.0.0.1:8081
  --client-id ID         The registered relying party's client_id
  --client-secret SECRET Its client secret
  --redirect-uri URL     An exact redirect URI of the client (repeatable)
  --client-name NAME     Name shown on login and consent pages (default: the client id)
  --client-jwks-uri URL  The client's JWKS, for banks that use private_key_jwt
  --faults               Enable POST /{bank}/_faults (test-only fault injection)
  --auto-approve         Non-interactive mode for load tests: /authorize answers at once with
                         a code for a fresh person (unique sub and national ids; the phone of
                         an E.164 login_hint). Never for development or demos.
  -h, --help             Show this help
";

#[derive(Debug)]
struct Args {
    listen: SocketAddr,
    config: SandboxConfig,
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Option<Args>, String> {
    let mut listen = None;
    let mut public_url = None;
    let mut client_id = None;
    let mut client_secret = None;
    let mut redirect_uris = Vec::new();
    let mut client_name = None;
    let mut jwks_uri = None;
    let mut faults = false;
    let mut auto_approve = false;

    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        // Accept both `--flag value` and `--flag=value`.
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            match inline.clone() {
                Some(v) => Ok(v),
                None => it.next().ok_or_else(|| format!("{name} needs a value")),
            }
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--listen" => {
                let v = value("--listen")?;
                listen = Some(
                    v.parse::<SocketAddr>()
                        .map_err(|e| format!("--listen {v:?}: {e}"))?,
                );
            }
            "--public-url" => public_url = Some(value("--public-url")?),
            "--client-id" => client_id = Some(value("--client-id")?),
            "--client-secret" => client_secret = Some(value("--client-secret")?),
            "--redirect-uri" => redirect_uris.push(value("--redirect-uri")?),
            "--client-name" => client_name = Some(value("--client-name")?),
            "--client-jwks-uri" => jwks_uri = Some(value("--client-jwks-uri")?),
            "--faults" => {
                if inline.is_some() {
                    return Err("--faults takes no value".to_owned());
                }
                faults = true;
            }
            "--auto-approve" => {
                if inline.is_some() {
                    return Err("--auto-approve takes no value".to_owned());
                }
                auto_approve = true;
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }

    let listen = listen.ok_or("--listen is required")?;
    let public_url = public_url.ok_or("--public-url is required")?;
    let parsed = url::Url::parse(&public_url).map_err(|e| format!("--public-url: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("--public-url must be an http(s) URL".to_owned());
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err("--public-url must not have a query or fragment".to_owned());
    }
    let client_id = client_id.ok_or("--client-id is required")?;
    let client_secret = client_secret.ok_or("--client-secret is required")?;
    if redirect_uris.is_empty() {
        return Err("at least one --redirect-uri is required".to_owned());
    }
    for uri in &redirect_uris {
        let u = url::Url::parse(uri).map_err(|e| format!("--redirect-uri {uri:?}: {e}"))?;
        if u.fragment().is_some() {
            return Err(format!("--redirect-uri {uri:?} must not have a fragment"));
        }
    }
    if let Some(uri) = &jwks_uri {
        let u = url::Url::parse(uri).map_err(|e| format!("--client-jwks-uri {uri:?}: {e}"))?;
        if !matches!(u.scheme(), "http" | "https") {
            return Err("--client-jwks-uri must be an http(s) URL".to_owned());
        }
    }
    let client_name = client_name.unwrap_or_else(|| client_id.clone());
    Ok(Some(Args {
        listen,
        config: SandboxConfig {
            public_url: public_url.trim_end_matches('/').to_owned(),
            clients: vec![ClientRegistration {
                client_id,
                client_secret,
                redirect_uris,
                client_name,
                jwks_uri,
            }],
            faults_enabled: faults,
            variants: Vec::new(),
            auto_approve,
        },
    }))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!("cannot listen for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();

    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(a)) => a,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("sandbox-bank: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };

    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(l) => l,
        Err(e) => {
            tracing::error!("cannot bind {}: {e}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    let public_url = args.config.public_url.clone();
    tracing::info!(
        listen = %args.listen,
        faults = args.config.faults_enabled,
        auto_approve = args.config.auto_approve,
        "sandbox banks listening; issuers: {}",
        BANK_IDS
            .iter()
            .map(|b| format!("{public_url}/{b}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let app = router(args.config);
    if let Err(e) = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
    {
        tracing::error!("server error: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &[&str]) -> Result<Option<Args>, String> {
        parse_args(s.iter().map(|s| s.to_string()))
    }

    #[test]
    fn parses_full_command_line() {
        let a = args(&[
            "--listen",
            "127.0.0.1:8081",
            "--public-url=http://127.0.0.1:8081/",
            "--client-id",
            "portal",
            "--client-secret",
            "s3cret",
            "--redirect-uri",
            "http://127.0.0.1:3000/cb",
            "--redirect-uri",
            "http://localhost:3000/cb",
            "--client-name",
            "Госпортал",
            "--client-jwks-uri",
            "http://127.0.0.1:3000/jwks",
            "--faults",
        ])
        .expect("ok")
        .expect("args");
        assert_eq!(a.listen.to_string(), "127.0.0.1:8081");
        assert_eq!(a.config.public_url, "http://127.0.0.1:8081");
        assert!(a.config.faults_enabled);
        assert!(!a.config.auto_approve, "off unless asked for");
        let c = &a.config.clients[0];
        assert_eq!(c.client_name, "Госпортал");
        assert_eq!(c.redirect_uris.len(), 2);
        assert_eq!(c.jwks_uri.as_deref(), Some("http://127.0.0.1:3000/jwks"));
    }

    #[test]
    fn rejects_missing_and_unknown() {
        assert!(args(&["--listen", "127.0.0.1:1"]).is_err());
        assert!(args(&["--bogus"]).is_err());
        assert!(args(&["--listen"]).is_err());
        assert!(matches!(args(&["--help"]), Ok(None)));
        assert!(args(&["--auto-approve=yes"]).is_err());
        let a = args(&[
            "--listen=127.0.0.1:1",
            "--public-url=http://127.0.0.1:1",
            "--client-id=c",
            "--client-secret=s",
            "--redirect-uri=http://127.0.0.1:2/cb",
            "--auto-approve",
        ])
        .expect("ok")
        .expect("args");
        assert!(a.config.auto_approve);
    }
}
