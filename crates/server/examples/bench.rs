//! Throughput benchmark: the portal and the sandbox banks in this process on 127.0.0.1, a real
//! SQLite file, and N complete registrations (portal → bank login, code, consent → callback →
//! status) run C at a time. Prints registrations per second and latency percentiles, then the rate
//! of a plain API read. Run: `cargo run --release -p bankid-server --example bench -- [N] [C]`.

use std::time::{Duration, Instant};

use reqwest::redirect::Policy;
use reqwest::Client;
use serde_json::{json, Value};

fn between(html: &str, start: &str, end: &str) -> Option<String> {
    let i = html.find(start)? + start.len();
    let j = html[i..].find(end)? + i;
    Some(html[i..j].to_string())
}

async fn register(portal: &str) -> Result<Duration, String> {
    let t = Instant::now();
    let browser = Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let bank = Client::builder()
        .redirect(Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let started: Value = browser
        .post(format!("{portal}/api/v1/registrations"))
        .json(&json!({"bank_id": "sber", "phone": "+79161234567", "consent": {"accepted": true, "version": bankid_api::types::CONSENT_VERSION}}))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let url = started["authorize_url"]
        .as_str()
        .ok_or("no authorize_url")?;
    let base = url.split("/authorize").next().ok_or("bad url")?.to_string();
    let html = bank
        .get(url)
        .send()
        .await
        .map_err(|e| e.to_string())?
        .text()
        .await
        .map_err(|e| e.to_string())?;
    let flow = between(&html, "name=\"flow\" value=\"", "\"").ok_or("no flow")?;
    let html = bank
        .post(format!("{base}/login"))
        .form(&[
            ("flow", flow.as_str()),
            ("login", "ivanov"),
            ("password", "sandbox"),
        ])
        .send()
        .await
        .map_err(|e| e.to_string())?
        .text()
        .await
        .map_err(|e| e.to_string())?;
    let otp = between(&html, "id=\"sandbox-sms-code\">", "<").ok_or("no otp")?;
    bank.post(format!("{base}/otp"))
        .form(&[("flow", flow.as_str()), ("otp", otp.as_str())])
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let resp = bank
        .post(format!("{base}/consent"))
        .form(&[("flow", flow.as_str()), ("decision", "allow")])
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let cb = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .ok_or("no callback")?
        .to_string();
    let resp = browser.get(&cb).send().await.map_err(|e| e.to_string())?;
    let loc = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .ok_or("no redirect")?
        .to_string();
    let id = loc
        .strip_prefix("/registration/")
        .ok_or(format!("unexpected {loc}"))?;
    let st: Value = browser
        .get(format!("{portal}/api/v1/registrations/{id}"))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    if st["state"] != "pending_confirmation" {
        return Err(format!("state {}", st["state"]));
    }
    Ok(t.elapsed())
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted
        .get(i)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let c: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(8);
    let sb_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let portal_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let sandbox = format!("http://{}", sb_listener.local_addr()?);
    let portal = format!("http://{}", portal_listener.local_addr()?);
    let router = sandbox_bank::router(sandbox_bank::SandboxConfig {
        public_url: sandbox.clone(),
        clients: vec![sandbox_bank::ClientRegistration {
            client_id: "bankid-portal".into(),
            client_secret: "bench-secret".into(),
            redirect_uris: vec![format!("{portal}/auth/callback")],
            client_name: "bench".into(),
            jwks_uri: None,
        }],
        faults_enabled: false,
        variants: Vec::new(),
        auto_approve: false,
    });
    tokio::spawn(async move {
        let _ = axum::serve(sb_listener, router).await;
    });
    let dir = std::env::temp_dir().join(format!("bankid-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let toml = format!(
        r##"
[server]
listen = "127.0.0.1:0"
public_url = "{portal}"
database_url = "sqlite://{}/bench.sqlite"
dist_dir = "/nonexistent"
pepper = "benchmark-pepper-0123456789abcdef"
data_keys = ["b1:YmVuY2htYXJrLWRhdGEta2V5LTAwMDAwMDAwMDAwMDA="]
# Every simulated citizen comes from 127.0.0.1.
starts_per_address = 4000000000

[[bank]]
id = "sber"
issuer = "{sandbox}/sber"
client_id = "bankid-portal"
client_secret = "bench-secret"
name = {{ ru = "Сбербанк", uk = "Сбербанк", en = "Sberbank" }}
country = "RU"
logo = "/logos/sber.svg"
color = "#21A038"
"##,
        dir.display()
    );
    let state =
        bankid_server::state_from_config(bankid_server::config::Config::from_toml(&toml)?).await?;
    tokio::spawn(async move {
        let _ = bankid_server::serve(portal_listener, state).await;
    });

    let t0 = Instant::now();
    let sem = std::sync::Arc::new(tokio::sync::Semaphore::new(c));
    let mut tasks = Vec::with_capacity(n);
    for _ in 0..n {
        let permit = sem.clone().acquire_owned().await?;
        let portal = portal.clone();
        tasks.push(tokio::spawn(async move {
            let r = register(&portal).await;
            drop(permit);
            r
        }));
    }
    let mut lat = Vec::with_capacity(n);
    let mut errors = 0;
    for t in tasks {
        match t.await? {
            Ok(d) => lat.push(d),
            Err(e) => {
                errors += 1;
                eprintln!("error: {e}");
            }
        }
    }
    let total = t0.elapsed().as_secs_f64();
    lat.sort();
    println!(
        "registrations: {} ok, {errors} failed, concurrency {c}",
        lat.len()
    );
    println!(
        "  throughput: {:.1} complete registrations/s ({} HTTP requests each)",
        lat.len() as f64 / total,
        8
    );
    println!(
        "  latency ms: p50 {:.1}  p90 {:.1}  p99 {:.1}  max {:.1}",
        pct(&lat, 0.5),
        pct(&lat, 0.9),
        pct(&lat, 0.99),
        pct(&lat, 1.0)
    );

    // A plain read: the bank list, 2 seconds, 16 concurrent clients.
    let client = Client::new();
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut readers = Vec::new();
    for _ in 0..16 {
        let client = client.clone();
        let url = format!("{portal}/api/v1/banks");
        readers.push(tokio::spawn(async move {
            let mut k = 0u64;
            while Instant::now() < deadline {
                if client
                    .get(&url)
                    .send()
                    .await
                    .map(|r| r.status().is_success())
                    .unwrap_or(false)
                {
                    k += 1;
                }
            }
            k
        }));
    }
    let mut reads = 0;
    for r in readers {
        reads += r.await?;
    }
    println!(
        "GET /api/v1/banks: {:.0} requests/s (16 clients, 2 s)",
        reads as f64 / 2.0
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
