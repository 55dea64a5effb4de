//! `bankid-server --config config/portal.toml`

use std::path::PathBuf;

use bankid_server::config::Config;

fn usage() -> ! {
    eprintln!("usage: bankid-server [--config PATH]   (default config/portal.toml)");
    eprintln!("       bankid-server --new-client-key KID   (prints a private_key_jwt key for server.client_keys)");
    std::process::exit(2)
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let mut config_path = PathBuf::from("config/portal.toml");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--config" => config_path = args.next().map(PathBuf::from).unwrap_or_else(|| usage()),
            "--new-client-key" => {
                let kid = args.next().unwrap_or_else(|| usage());
                match bankid_server::oidc::ClientKeys::generate(&kid) {
                    Ok(spec) => {
                        println!("{spec}");
                        return;
                    }
                    Err(e) => {
                        eprintln!("bankid-server: {e}");
                        std::process::exit(2);
                    }
                }
            }
            _ => usage(),
        }
    }
    if let Err(e) = run(config_path).await {
        eprintln!("bankid-server: {e}");
        std::process::exit(1);
    }
}

async fn run(config_path: PathBuf) -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::load(&config_path)?;
    let listen = config.server.listen;
    #[cfg(feature = "sandbox")]
    if let Some(sb) = config.sandbox.clone() {
        start_sandbox(&config, sb).await?;
    }
    let state = bankid_server::state_from_config(config).await?;
    let listener = tokio::net::TcpListener::bind(listen).await?;
    tracing::info!(%listen, public_url = %state.config.server.public_url, "portal listening");
    bankid_server::serve(listener, state).await?;
    Ok(())
}

/// Runs the sandbox banks in this process, registering the portal as their client.
#[cfg(feature = "sandbox")]
async fn start_sandbox(
    config: &Config,
    sb: bankid_server::config::SandboxSection,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut clients = Vec::new();
    for b in config
        .banks
        .iter()
        .filter(|b| b.issuer.starts_with(&sb.public_url))
    {
        if clients
            .iter()
            .any(|c: &sandbox_bank::ClientRegistration| c.client_id == b.client_id)
        {
            continue;
        }
        // One registration per client id, valid at every sandbox bank: its secret from any bank
        // that has one, its keys at the portal's JWKS URL.
        let secret = config
            .banks
            .iter()
            .filter(|o| o.client_id == b.client_id && o.client_secret.is_some())
            .map(|o| o.secret())
            .next()
            .transpose()?
            .unwrap_or_default();
        clients.push(sandbox_bank::ClientRegistration {
            client_id: b.client_id.clone(),
            client_secret: secret,
            redirect_uris: vec![config.redirect_uri()],
            client_name: "Портал госуслуг / Government services portal".into(),
            jwks_uri: Some(format!(
                "{}/.well-known/jwks.json",
                config.server.public_url
            )),
        });
    }
    let router = sandbox_bank::router(sandbox_bank::SandboxConfig {
        public_url: sb.public_url.clone(),
        clients,
        faults_enabled: sb.faults,
        variants: Vec::new(),
        auto_approve: false,
    });
    let listener = tokio::net::TcpListener::bind(sb.listen).await?;
    tracing::info!(listen = %sb.listen, "sandbox banks listening");
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!(error = %e, "sandbox banks stopped");
        }
    });
    if let Some(demo_listen) = sb.demo_listen {
        // Each sandbox bank's "online banking", embedding the portal (flow 9).
        let banks = config
            .banks
            .iter()
            .filter(|b| b.issuer.starts_with(&sb.public_url))
            .map(|b| sandbox_bank::DemoBank {
                id: b.id.clone(),
                name: b.name.ru.clone(),
                color: b.color.clone(),
            })
            .collect();
        let site = sandbox_bank::demo_site(sandbox_bank::DemoSite {
            portal_url: config.server.public_url.clone(),
            banks,
        });
        let listener = tokio::net::TcpListener::bind(demo_listen).await?;
        tracing::info!(listen = %demo_listen, "demo bank website listening");
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, site).await {
                tracing::error!(error = %e, "demo bank website stopped");
            }
        });
    }
    Ok(())
}
