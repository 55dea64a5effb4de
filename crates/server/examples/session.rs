//! Registers a seeded sandbox customer at a running portal and prints its session cookie, for
//! tools that test the signed-in API (`scripts/test.sh` gives it to the API fuzzer).
//!
//! ```sh
//! cargo run -p bankid-server --example session -- http://127.0.0.1:18080 [BANK] [LOGIN] [PHONE]
//! ```
//!
//! Goes through the registration as a browser does, the way the integration tests' `Env::register`
//! does: `POST /api/v1/registrations`, then the sandbox bank's HTML pages (login, the SMS code the
//! page shows, consent), then the portal's callback. The defaults are Sberbank and `noinn` (+7 916
//! 123-00-04), a customer no end-to-end test uses. Prints one line, `bp_session=…` (the cookie as a
//! `Cookie` header value). The session is a secret: print it only where it is needed.

use std::error::Error;

use reqwest::header::{LOCATION, SET_COOKIE};
use reqwest::{redirect, Client, StatusCode};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

#[tokio::main]
async fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let portal = args
        .next()
        .ok_or("usage: session PORTAL_URL [BANK] [LOGIN] [PHONE]")?;
    let portal = portal.trim_end_matches('/').to_string();
    let bank = args.next().unwrap_or_else(|| "sber".into());
    let login = args.next().unwrap_or_else(|| "noinn".into());
    let phone = args.next().unwrap_or_else(|| "+7 916 123-00-04".into());
    let cookie = register(&portal, &bank, &login, &phone).await?;
    println!("{cookie}");
    Ok(())
}

/// The whole registration; answers `bp_session=…`.
async fn register(portal: &str, bank: &str, login: &str, phone: &str) -> Result<String> {
    // The citizen's browser: keeps the portal's cookies, follows no redirect.
    let browser = Client::builder()
        .cookie_store(true)
        .redirect(redirect::Policy::none())
        .build()?;
    let resp = browser
        .post(format!("{portal}/api/v1/registrations"))
        .json(&serde_json::json!({
            "bank_id": bank,
            "phone": phone,
            "consent": {"accepted": true, "version": bankid_api::types::CONSENT_VERSION},
        }))
        .send()
        .await?;
    if resp.status() != StatusCode::CREATED {
        return Err(format!("registration: {} {}", resp.status(), resp.text().await?).into());
    }
    let started: bankid_api::types::RegistrationStarted = resp.json().await?;
    let callback = bank_login(&started.authorize_url, login).await?;
    let resp = browser.get(&callback).send().await?;
    let location = resp
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let expected = format!("/registration/{}", started.registration_id);
    if resp.status() != StatusCode::SEE_OTHER || location != expected {
        return Err(format!("callback: {} to {location:?}", resp.status()).into());
    }
    resp.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|c| c.starts_with("bp_session=") || c.starts_with("__Host-bp_session="))
        .map(str::to_string)
        .ok_or_else(|| "the callback set no session cookie".into())
}

/// The sandbox bank's pages as the customer (password `sandbox`, the SMS code its page shows, then
/// "allow"); answers the URL the bank sends the browser back to.
async fn bank_login(authorize_url: &str, login: &str) -> Result<String> {
    let bank = Client::builder()
        .redirect(redirect::Policy::none())
        .build()?;
    let base = authorize_url
        .split("/authorize")
        .next()
        .ok_or("authorize URL")?;
    let html = page(bank.get(authorize_url).send().await?).await?;
    let flow = between(&html, "name=\"flow\" value=\"", "\"")?;
    let form = [
        ("flow", flow.as_str()),
        ("login", login),
        ("password", "sandbox"),
    ];
    let html = page(
        bank.post(format!("{base}/login"))
            .form(&form)
            .send()
            .await?,
    )
    .await?;
    let otp = between(&html, "id=\"sandbox-sms-code\">", "<")?;
    let form = [("flow", flow.as_str()), ("otp", otp.as_str())];
    page(bank.post(format!("{base}/otp")).form(&form).send().await?).await?;
    let form = [("flow", flow.as_str()), ("decision", "allow")];
    let resp = bank
        .post(format!("{base}/consent"))
        .form(&form)
        .send()
        .await?;
    if resp.status() != StatusCode::SEE_OTHER {
        return Err(format!("bank consent: {}", resp.status()).into());
    }
    Ok(resp
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or("bank consent: no Location")?
        .to_string())
}

async fn page(resp: reqwest::Response) -> Result<String> {
    let status = resp.status();
    let url = resp.url().path().to_string();
    let html = resp.text().await?;
    if status != StatusCode::OK {
        return Err(format!("bank page {url}: {status}").into());
    }
    Ok(html)
}

fn between(html: &str, start: &str, end: &str) -> Result<String> {
    let i = html
        .find(start)
        .ok_or_else(|| format!("{start} not in the bank's page"))?
        + start.len();
    let j = html[i..].find(end).ok_or("unterminated")? + i;
    Ok(html[i..j].to_string())
}
