//! The embedded mode (flow 9): a partner bank's page frames the portal at `/embed/{bank_id}`.
//!
//! - **Framing policy** ([`frame_ancestors`]): pages under `/embed/{bank_id}` may be framed by
//!   exactly that bank's `embed_origins`; everything else by nobody.
//! - **The frame's credential**: a framed registration is bound to a random token the frame holds
//!   (in memory over plain http; a `Partitioned` cookie over https), as a top-level registration is
//!   bound to its browser cookie. It reads the registration's status and takes hand-back codes.
//! - **The bank outside the frame**: banks refuse to be framed, so the frame opens the bank in a
//!   popup (or the whole tab) through a one-time launch link ([`launch`]), which binds the flow to
//!   the browser that opened it (the callback's same-browser check holds as for any flow).
//! - **The way back** ([`landing`]): the popup lands on `/embed/return` with a one-time hand-back
//!   code for the frame ([`handback`]); the whole tab goes back to the bank's page.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Json};
use bankid_api::embed::{is_code, EmbedMode, EmbedStart, Handback, RETURN_URL_MAX};
use bankid_api::types::RegistrationStatus;
use bankid_api::ErrorCode;

use crate::bank_flow::{browser_cookie, to_return_page};
use crate::config::{BankConfig, Config};
use crate::crypto::{sha256_b64url, token};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::openapi::{errors, DB, JSON_BODY};
use crate::store::{EmbedLaunch, FlowRow};
use crate::web::{cookie, cookie_name, Ctx};
use crate::AppState;

/// The frame's credential cookie (over https only; `__Host-bp_frame`).
pub const FRAME_COOKIE: &str = "bp_frame";
/// How long the frame's credential cookie lives.
const FRAME_COOKIE_SECS: i64 = 2 * 3600;
/// A launch link must be opened within this.
pub const LAUNCH_TTL_MS: i64 = 2 * 60 * 1000;
/// A hand-back code must be exchanged within this.
pub const HANDBACK_TTL_MS: i64 = 60 * 1000;
/// The page of the bank's sign-in window after the bank (the embed bundle).
pub const RETURN_PAGE: &str = "/embed/return";

/// The origins that may frame `path`, as a CSP `frame-ancestors` source list, or `None` (nobody).
/// Only `/embed/{bank_id}` and the pages under it, for a bank with `embed_origins`.
pub fn frame_ancestors(config: &Config, path: &str) -> Option<String> {
    let rest = path.strip_prefix("/embed/")?;
    let id = rest.split('/').next().unwrap_or("");
    let bank = config.bank(id)?;
    (!bank.embed_origins.is_empty()).then(|| bank.embed_origins.join(" "))
}

/// Pages of the bank's sign-in window (popup) that must not cut it off from the frame that opened
/// it: `Cross-Origin-Opener-Policy: unsafe-none` there, so `window.opener` survives when the bank's
/// own pages allow it. The frame never depends on it (it can always ask the API).
pub fn keeps_opener(path: &str) -> bool {
    matches!(path, "/auth/launch" | "/auth/callback" | RETURN_PAGE)
}

/// The frame's credential in a request: `Authorization: Bearer …` (in-memory mode) or the
/// partitioned cookie (https).
pub fn frame_credential(headers: &HeaderMap, secure: bool) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string())
        .or_else(|| cookie(headers, &cookie_name(FRAME_COOKIE, secure)))
        .filter(|t| is_code(t))
}

/// The embedded part of a registration start, checked: the bank embeds the portal, and a
/// top-level return goes to a page of one of its embedding origins. Field errors go to `fields`.
pub fn check_start(
    bank: &BankConfig,
    e: &EmbedStart,
    fields: &mut BTreeMap<String, ErrorCode>,
) -> Result<(), ApiError> {
    if bank.embed_origins.is_empty() {
        return Err(ApiError::new(ErrorCode::EmbedNotAllowed));
    }
    if let EmbedStart::Top { return_url } = e {
        if !is_bank_page(bank, return_url) {
            fields.insert("embed.return_url".to_string(), ErrorCode::FieldReturnUrl);
        }
    }
    Ok(())
}

/// Whether `url` is an http(s) page on one of the bank's embedding origins (no credentials).
fn is_bank_page(bank: &BankConfig, url: &str) -> bool {
    if url.len() > RETURN_URL_MAX {
        return false;
    }
    let Ok(u) = url::Url::parse(url) else {
        return false;
    };
    matches!(u.scheme(), "https" | "http")
        && u.username().is_empty()
        && u.password().is_none()
        && bank
            .embed_origins
            .iter()
            .any(|o| *o == u.origin().ascii_serialization())
}

/// A framed registration being started: its credential and its one-time launch link.
pub struct Frame {
    /// The frame's credential (given to the frame once, never stored in clear).
    pub token: String,
    /// What the registration is bound to instead of a browser cookie.
    pub token_hash: String,
    ticket: String,
    ticket_hash: String,
    sealed: (String, Vec<u8>),
    mode: EmbedMode,
    return_url: Option<String>,
}

impl Frame {
    /// A new credential and launch link for the bank URL `authorize_url` (sealed with the vault,
    /// the flow's `state_hash` as associated data).
    pub fn new(
        app: &AppState,
        e: &EmbedStart,
        authorize_url: &str,
        state_hash: &str,
    ) -> Result<Frame, ApiError> {
        let rng = app.rng.as_ref();
        let (frame, ticket) = (token(rng, 32), token(rng, 32));
        let sealed = app
            .vault
            .seal(rng, state_hash, authorize_url.as_bytes())
            .map_err(|e| ApiError::internal(format!("seal launch: {e}")))?;
        Ok(Frame {
            token_hash: sha256_b64url(frame.as_bytes()),
            token: frame,
            ticket_hash: sha256_b64url(ticket.as_bytes()),
            ticket,
            sealed,
            mode: e.mode(),
            return_url: e.return_url().map(str::to_string),
        })
    }

    /// The flow's launch columns.
    pub fn launch(&self, now: i64) -> EmbedLaunch<'_> {
        EmbedLaunch {
            launch_hash: &self.ticket_hash,
            sealed_url: (&self.sealed.0, &self.sealed.1),
            expires_at: now + LAUNCH_TTL_MS,
            mode: match self.mode {
                EmbedMode::Popup => "popup",
                EmbedMode::Top => "top",
            },
            return_url: self.return_url.as_deref(),
        }
    }

    /// The link the frame opens top-level (popup or whole tab) instead of the bank's URL.
    pub fn launch_url(&self, config: &Config) -> String {
        format!(
            "{}/auth/launch?ticket={}",
            config.server.public_url, self.ticket
        )
    }

    /// Over https the credential is a partitioned cookie (CHIPS: kept per top-level site even where
    /// third-party cookies are blocked) and not in the body; over plain http (loopback development)
    /// the frame keeps it in memory.
    pub fn credential(&self, config: &Config) -> (Option<String>, Option<HeaderValue>) {
        if !config.secure_cookies() {
            return (Some(self.token.clone()), None);
        }
        let name = cookie_name(FRAME_COOKIE, true);
        let value = format!(
            "{name}={}; Path=/; Max-Age={FRAME_COOKIE_SECS}; HttpOnly; Secure; SameSite=None; Partitioned",
            self.token
        );
        (None, HeaderValue::from_str(&value).ok())
    }
}

/// The query of `GET /auth/launch`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct LaunchQuery {
    /// The one-time launch ticket of an embedded registration start.
    pub ticket: Option<String>,
}

/// The launch link's answers for the OpenAPI document: always a redirect.
pub struct LaunchResponses;

impl utoipa::IntoResponses for LaunchResponses {
    fn responses() -> BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::response::Response>>
    {
        crate::openapi::redirect_responses(
            "To the bank's authorization URL, or /return?error=CODE&trace_id=T when the link is \
             unknown, used or expired (or the portal took too long).",
            &[
                ErrorCode::EmbedLaunchInvalid,
                ErrorCode::ServiceUnavailable,
                ErrorCode::ReqTimeout,
            ],
        )
    }
}

/// `GET /auth/launch?ticket=…`: opened top-level by the frame (in a popup, or the whole tab when
/// popups are blocked). Once, within 2 minutes: binds the registration's bank round trip to this
/// browser (the callback must come back to it) and sends it to the bank.
#[utoipa::path(
    get,
    path = "/auth/launch",
    operation_id = "embedLaunch",
    summary = "Open the bank's sign-in of a registration started in a bank's page",
    description = "Single use, valid 2 minutes. Binds the bank round trip to this browser (sets \
        the HttpOnly bp_browser cookie when it has none) and redirects to the bank.",
    params(LaunchQuery),
    responses(LaunchResponses)
)]
pub async fn launch(
    State(app): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    Query(q): Query<LaunchQuery>,
) -> Response {
    let Some(ticket) = q.ticket.filter(|t| is_code(t)) else {
        return to_return_page(ErrorCode::EmbedLaunchInvalid, &ctx.trace_id);
    };
    let (browser, set_browser) = browser_cookie(&app, &headers);
    let launched = app
        .store
        .launch(
            &sha256_b64url(ticket.as_bytes()),
            &sha256_b64url(browser.as_bytes()),
            app.now_ms(),
        )
        .await;
    let url = match launched {
        Ok(Some(l)) => app
            .vault
            .open(&l.key_id, &l.state_hash, &l.sealed)
            .ok()
            .and_then(|u| String::from_utf8(u).ok()),
        Ok(None) => return to_return_page(ErrorCode::EmbedLaunchInvalid, &ctx.trace_id),
        Err(e) => {
            tracing::error!(error = %e, "launch: store");
            return to_return_page(ErrorCode::ServiceUnavailable, &ctx.trace_id);
        }
    };
    let Some(url) = url else {
        tracing::error!("launch: sealed URL does not open");
        return to_return_page(ErrorCode::ServiceUnavailable, &ctx.trace_id);
    };
    let mut resp = Redirect::to(&url).into_response();
    if let Some(v) = set_browser {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// Where the callback sends the browser after a registration's bank round trip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Landing {
    /// A page of the portal (`303`): the status page, or the popup's `/embed/return` page.
    Portal(String),
    /// The bank's own page (the whole-tab fallback), reached through a page of the portal that
    /// moves on by itself: a redirect would end the bank's form submission on another origin,
    /// which a bank's `form-action` policy may refuse.
    BankPage(String),
}

impl Landing {
    pub fn respond(&self, lang: bankid_api::Lang) -> Response {
        match self {
            Landing::Portal(path) => Redirect::to(path).into_response(),
            Landing::BankPage(url) => back_to_bank_page(url, lang),
        }
    }
}

/// The status page; for a framed registration's popup, `/embed/return` with a new hand-back code
/// in the fragment (never sent to a server, nor in a `Referer`); for its whole-tab fallback, the
/// bank's page.
pub async fn landing(app: &AppState, flow: &FlowRow, registration_id: &str, now: i64) -> Landing {
    match flow.embed_mode.as_deref() {
        Some("popup") => {
            let code = token(app.rng.as_ref(), 32);
            match app
                .store
                .new_handback(
                    &sha256_b64url(code.as_bytes()),
                    registration_id,
                    now + HANDBACK_TTL_MS,
                )
                .await
            {
                Ok(()) => Landing::Portal(format!("{RETURN_PAGE}#code={code}")),
                // The frame still learns the outcome by asking the API.
                Err(e) => {
                    tracing::error!(error = %e, "callback: hand-back code");
                    Landing::Portal(RETURN_PAGE.to_string())
                }
            }
        }
        Some("top") => match flow.embed_return.clone() {
            Some(url) => Landing::BankPage(url),
            None => Landing::Portal(RETURN_PAGE.to_string()),
        },
        _ => Landing::Portal(format!("/registration/{registration_id}")),
    }
}

/// A page that sends the browser on to `url` (a bank page checked at the start) at once, without
/// script (the portal's CSP allows none inline): a refresh, and a link for whoever has refreshes
/// turned off.
fn back_to_bank_page(url: &str, lang: bankid_api::Lang) -> Response {
    // Quotes, angle brackets and spaces percent-encoded, `&` escaped: the URL stays one attribute
    // value and one refresh target.
    let url = url
        .replace('"', "%22")
        .replace('\'', "%27")
        .replace('<', "%3C")
        .replace('>', "%3E")
        .replace(' ', "%20")
        .replace('&', "&amp;");
    let (title, link) = match lang {
        bankid_api::Lang::Ru => ("Возвращаемся на сайт банка", "Вернуться на страницу банка"),
        bankid_api::Lang::Uk => (
            "Повертаємося на сайт банку",
            "Повернутися на сторінку банку",
        ),
        bankid_api::Lang::En => ("Going back to the bank's site", "Back to the bank's page"),
    };
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta http-equiv=\"refresh\" content=\"0; url={url}\"><title>{title}</title></head>\
         <body><main><h1>{title}</h1><p><a href=\"{url}\">{link}</a></p></main></body></html>\n",
        lang.tag()
    );
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        html,
    )
        .into_response()
}

errors!(
    HandbackErrors = JSON_BODY,
    DB,
    &[
        ErrorCode::AuthSessionRequired,
        ErrorCode::EmbedCodeInvalid,
        ErrorCode::ReqNotFound
    ]
);

/// `POST /api/v1/embed/handback`: the frame exchanges the one-time code its bank window handed
/// back, with its own credential, for the registration's status.
#[utoipa::path(
    post,
    path = "/api/v1/embed/handback",
    operation_id = "embedHandback",
    summary = "Exchange the bank window's one-time hand-back code for the registration's status",
    description = "For the frame that started the registration (its credential: Authorization: \
        Bearer, or the partitioned bp_frame cookie over https). The code is single use and valid \
        60 seconds; EMBED_CODE_INVALID for an unknown, used, expired or other frame's code (an \
        other frame's attempt does not use it up).",
    request_body = Handback,
    security(("bp_frame" = [])),
    responses(
        (status = 200, description = "The registration's status", body = RegistrationStatus),
        HandbackErrors,
    ),
)]
pub async fn handback(
    State(app): State<AppState>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<Handback>,
) -> Result<Json<RegistrationStatus>, ApiError> {
    let frame = frame_credential(&headers, app.config.secure_cookies())
        .ok_or(ApiError::new(ErrorCode::AuthSessionRequired))?;
    if !is_code(&req.code) {
        return Err(ApiError::new(ErrorCode::EmbedCodeInvalid));
    }
    let id = app
        .store
        .take_handback(
            &sha256_b64url(req.code.as_bytes()),
            &sha256_b64url(frame.as_bytes()),
            app.now_ms(),
        )
        .await?
        .ok_or(ApiError::new(ErrorCode::EmbedCodeInvalid))?;
    let (row, journal) = app
        .store
        .registration_status(&id)
        .await?
        .ok_or(ApiError::new(ErrorCode::ReqNotFound))?;
    Ok(Json(crate::registration::status_of(&app, row, journal)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(public_url: &str) -> Config {
        Config::from_toml(&format!(
            r##"
[server]
listen = "127.0.0.1:8080"
public_url = "{public_url}"
database_url = "sqlite::memory:"
[[bank]]
id = "sber"
issuer = "https://sber.example"
client_id = "portal"
client_secret = "s"
name = {{ ru = "Б", uk = "Б", en = "B" }}
country = "RU"
logo = "/logos/sber.svg"
color = "#000000"
embed_origins = ["https://online.sber.example"]
"##
        ))
        .unwrap()
    }

    fn frame() -> Frame {
        Frame {
            token: "t".repeat(43),
            token_hash: "h".into(),
            ticket: "k".repeat(43),
            ticket_hash: "kh".into(),
            sealed: ("v1".into(), vec![1]),
            mode: EmbedMode::Popup,
            return_url: None,
        }
    }

    #[test]
    fn over_https_the_credential_is_a_partitioned_cookie_and_not_in_the_body() {
        let (body, cookie) = frame().credential(&config("https://portal.example"));
        assert_eq!(body, None);
        let cookie = cookie.unwrap();
        let cookie = cookie.to_str().unwrap();
        assert!(cookie.starts_with(&format!("__Host-bp_frame={};", "t".repeat(43))));
        for attr in [
            "Path=/",
            "HttpOnly",
            "Secure",
            "SameSite=None",
            "Partitioned",
        ] {
            assert!(cookie.split("; ").any(|a| a == attr), "{attr}: {cookie}");
        }
        // Over plain http (loopback development) it is the frame's to keep in memory.
        let (body, cookie) = frame().credential(&config("http://127.0.0.1:8080"));
        assert_eq!(body.as_deref(), Some("t".repeat(43).as_str()));
        assert!(cookie.is_none());
    }

    #[test]
    fn the_credential_comes_from_the_header_or_the_partitioned_cookie() {
        let token = "a".repeat(43);
        let mut h = HeaderMap::new();
        assert_eq!(frame_credential(&h, true), None);
        h.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("__Host-bp_frame={token}")).unwrap(),
        );
        assert_eq!(frame_credential(&h, true), Some(token.clone()));
        assert_eq!(frame_credential(&h, false), None);
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
        );
        assert_eq!(frame_credential(&h, false), Some(token));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer short"),
        );
        assert_eq!(frame_credential(&h, false), None);
    }

    #[test]
    fn frame_ancestors_only_for_a_banks_embed_pages() {
        let c = config("https://portal.example");
        let origins = Some("https://online.sber.example".to_string());
        assert_eq!(frame_ancestors(&c, "/embed/sber"), origins);
        assert_eq!(frame_ancestors(&c, "/embed/sber/x"), origins);
        for p in [
            "/embed/return",
            "/embed/",
            "/embed",
            "/embedsber",
            "/",
            "/api/v1/banks",
            "/embed/vtb",
        ] {
            assert_eq!(frame_ancestors(&c, p), None, "{p}");
        }
    }
}
