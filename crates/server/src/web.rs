//! Cross-cutting HTTP: request context (trace id, language), rendering of coded errors, security
//! headers, cookies and the static SPA.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bankid_api::{ErrorBody, Lang};
use tracing::Instrument;

use crate::error::PendingError;
use crate::AppState;

/// Per-request facts every handler may need.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub trace_id: String,
    pub lang: Lang,
    /// The client's address as the server sees it (for per-address abuse limits).
    pub client_ip: Option<String>,
}

pub const LANG_COOKIE: &str = "bp_lang";

/// Assigns a trace id, picks the language, renders pending errors as `ErrorBody`, logs one line per
/// request (path only: query strings can hold codes and states).
pub async fn request_context(
    State(app): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let trace_id = crate::crypto::token(app.rng.as_ref(), 9);
    let lang = cookie(req.headers(), LANG_COOKIE)
        .and_then(|v| Lang::from_tag(&v))
        .or_else(|| {
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or(app.config.brand.theme.default_lang());
    // The TCP peer, or the client a trusted proxy names (`server.trusted_proxies`).
    let client_ip = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| {
            let forwarded: Vec<&str> = req
                .headers()
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect();
            crate::config::client_address(c.0.ip(), &forwarded, &app.trusted_proxies).to_string()
        });
    let ctx = Ctx {
        trace_id: trace_id.clone(),
        lang,
        client_ip,
    };
    req.extensions_mut().insert(ctx);
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let started = std::time::Instant::now();
    let span = tracing::info_span!("http", trace_id = %trace_id);
    let mut resp = next.run(req).instrument(span.clone()).await;
    if let Some(pending) = resp.extensions_mut().remove::<PendingError>() {
        let body = ErrorBody {
            code: pending.code,
            message: pending.code.message(lang).to_string(),
            fields: pending.fields,
            trace_id: trace_id.clone(),
            retry_after: pending.retry_after,
        };
        let status = resp.status();
        let headers = std::mem::take(resp.headers_mut());
        resp = (status, axum::Json(body)).into_response();
        for (name, value) in headers.iter() {
            if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                resp.headers_mut().append(name.clone(), value.clone());
            }
        }
    }
    if let Ok(v) = HeaderValue::from_str(&trace_id) {
        resp.headers_mut()
            .insert(HeaderName::from_static("x-trace-id"), v);
    }
    span.in_scope(|| {
        tracing::info!(%method, %path, status = resp.status().as_u16(), ms = started.elapsed().as_millis() as u64, "request")
    });
    resp
}

/// Headers on every response. The CSP allows the SPA's own scripts (by hash for Trunk's inline
/// loader), WebAssembly, and nothing inline; no page may be framed.
pub async fn security_headers(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let is_api = path.starts_with("/api/");
    // Only the embedded pages of a bank with embedding origins may be framed, and by exactly those.
    let framers = crate::embed::frame_ancestors(&app.config, path);
    let opener = if crate::embed::keeps_opener(path) {
        "unsafe-none"
    } else {
        "same-origin"
    };
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    let mut set = |name: &'static str, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.entry(HeaderName::from_static(name)).or_insert(v);
        }
    };
    set(
        "content-security-policy",
        &format!(
            "{}; frame-ancestors {}",
            app.site.csp(),
            framers.as_deref().unwrap_or("'none'")
        ),
    );
    set("x-content-type-options", "nosniff");
    set("referrer-policy", "no-referrer");
    if framers.is_none() {
        set("x-frame-options", "DENY");
    }
    set("cross-origin-opener-policy", opener);
    set("cross-origin-resource-policy", "same-origin");
    set(
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    );
    if app.config.secure_cookies() {
        set(
            "strict-transport-security",
            "max-age=31536000; includeSubDomains",
        );
    }
    if is_api {
        set("cache-control", "no-store");
    }
    resp
}

/// Builds the Content-Security-Policy, allowing the inline scripts of the bundles' HTML by hash;
/// `frame-ancestors` is added per response (`security_headers`).
pub fn content_security_policy(index_html: Option<&str>) -> String {
    let hashes: Vec<String> = index_html
        .map(inline_scripts)
        .unwrap_or_default()
        .iter()
        .map(|s| format!("'sha256-{}'", crate::crypto::sha256_b64(s.as_bytes())))
        .collect();
    let mut script_src = String::from("'self' 'wasm-unsafe-eval'");
    for h in hashes {
        script_src.push(' ');
        script_src.push_str(&h);
    }
    format!(
        "default-src 'self'; script-src {script_src}; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'"
    )
}

/// Bodies of `<script>` elements without `src`.
fn inline_scripts(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(tag_end) = after.find('>') else {
            break;
        };
        let tag = &after[..tag_end];
        let body_start = tag_end + 1;
        let Some(close) = after[body_start..].find("</script>") else {
            break;
        };
        if !tag.contains(" src=") {
            out.push(after[body_start..body_start + close].to_string());
        }
        rest = &after[body_start + close..];
    }
    out
}

/// Value of a cookie in the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Path=/, Secure over https.
pub fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> String {
    let mut c = format!("{name}={value}; Path=/; Max-Age={max_age_secs}; HttpOnly; SameSite=Lax");
    if secure {
        c.push_str("; Secure");
    }
    c
}

/// Cookie names get the `__Host-` prefix when served over https (bound to the exact origin).
pub fn cookie_name(base: &'static str, secure: bool) -> String {
    if secure {
        format!("__Host-{base}")
    } else {
        base.to_string()
    }
}

/// The longest any request may take. No route of this API long-polls; the slowest legitimate one
/// is the bank callback, which makes at most a few bank calls of at most 10 s each
/// (`oidc::RelyingParty`), and the SPA gives up on an attempt after 15 s anyway. Past this the
/// server stops working on the request (its future is dropped, an open transaction rolls back)
/// and answers `REQ_TIMEOUT` (504) in the one error shape, with the trace id.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Applies [`REQUEST_TIMEOUT`] to every route.
pub async fn request_timeout(req: Request, next: Next) -> Response {
    within(REQUEST_TIMEOUT, req, next).await
}

/// The paths a browser opens top-level, coming back from or going to a bank: what they answer is
/// a page (or a redirect to one), never the JSON error shape.
pub const NAVIGATIONS: &[&str] = &["/auth/callback", "/auth/launch"];

/// Runs the request, or answers `REQ_TIMEOUT` once `limit` has passed: in the one error shape, or
/// on [`NAVIGATIONS`] as the return page that explains it (`/return?error=REQ_TIMEOUT&trace_id=…`).
pub async fn within(limit: std::time::Duration, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let trace_id = req
        .extensions()
        .get::<Ctx>()
        .map(|c| c.trace_id.clone())
        .unwrap_or_default();
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(resp) => resp,
        Err(_) => {
            tracing::warn!(%path, limit_ms = limit.as_millis() as u64, "request timed out");
            let code = bankid_api::ErrorCode::ReqTimeout;
            if NAVIGATIONS.contains(&path.as_str()) {
                crate::bank_flow::to_return_page(code, &trace_id)
            } else {
                crate::error::ApiError::new(code).into_response()
            }
        }
    }
}

/// Cache policy for static files: hashed assets (Trunk's, and the logos and marks of
/// `scripts/finish-dist.mjs`) are immutable, other HTML is revalidated. An answer that set its own
/// policy keeps it (the pages: `no-store`, they carry who is signed in).
pub async fn static_cache(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let mut resp = next.run(req).await;
    if resp.headers().contains_key(header::CACHE_CONTROL) {
        return resp;
    }
    let value = if is_hashed_asset(&path) {
        "public, max-age=31536000, immutable"
    } else if resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"))
    {
        "no-cache"
    } else {
        "public, max-age=3600"
    };
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    resp
}

fn is_hashed_asset(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or("");
    let stem = file.rsplit_once('.').map(|(s, _)| s).unwrap_or("");
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(_, hash)| {
        (12..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// Answer when the SPA has not been built.
pub async fn no_spa() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        Body::from(
            "The web app is not built. Run the README's run command, which builds it with Trunk.\n",
        ),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csp_hashes_inline_scripts_only() {
        let html = r#"<html><script src="/a.js"></script><script type="module">import x from '/x.js';</script></html>"#;
        let csp = content_security_policy(Some(html));
        assert_eq!(
            inline_scripts(html),
            vec!["import x from '/x.js';".to_string()]
        );
        assert!(csp.contains("'sha256-"));
        assert!(!csp.contains("unsafe-inline"));
        assert!(!csp.contains("'unsafe-eval'"));
    }

    #[test]
    fn hashed_assets() {
        assert!(is_hashed_asset(
            "/bankid-portal-web-3f2a1b4c5d6e7f80_bg.wasm"
        ));
        assert!(is_hashed_asset("/main-0123456789abcdef.css"));
        // Trunk drops leading zeros of the hash.
        assert!(is_hashed_asset("/bankid-portal-web-89529a1e1f23c6a.js"));
        assert!(!is_hashed_asset("/logos/sber.svg"));
        assert!(!is_hashed_asset("/index.html"));
    }

    #[tokio::test]
    async fn slow_requests_get_the_coded_timeout() {
        use axum::routing::get;
        use tower::ServiceExt;
        let app = axum::Router::new()
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(std::time::Duration::from_secs(60)).await;
                    "late"
                }),
            )
            .route("/quick", get(|| async { "ok" }))
            .layer(axum::middleware::from_fn(|req, next| {
                within(std::time::Duration::from_millis(50), req, next)
            }));
        let get = |path: &str| {
            Request::builder()
                .uri(path)
                .body(Body::empty())
                .expect("request")
        };
        let slow = app.clone().oneshot(get("/slow")).await.expect("answer");
        assert_eq!(slow.status(), StatusCode::GATEWAY_TIMEOUT);
        let pending = slow
            .extensions()
            .get::<PendingError>()
            .expect("rendered as the one error shape by request_context");
        assert_eq!(pending.code, bankid_api::ErrorCode::ReqTimeout);
        let quick = app.oneshot(get("/quick")).await.expect("answer");
        assert_eq!(quick.status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn a_bank_round_trip_that_times_out_lands_on_the_return_page() {
        use axum::routing::get;
        use tower::ServiceExt;
        let slow = || async {
            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
            "late"
        };
        let app = axum::Router::new()
            .route("/auth/callback", get(slow))
            .route("/auth/launch", get(slow))
            .layer(axum::middleware::from_fn(|req, next| {
                within(std::time::Duration::from_millis(50), req, next)
            }));
        for path in NAVIGATIONS {
            let mut req = Request::builder()
                .uri(format!("{path}?code=c&state=s"))
                .body(Body::empty())
                .expect("request");
            req.extensions_mut().insert(Ctx {
                trace_id: "t-1".into(),
                lang: Lang::En,
                client_ip: None,
            });
            let resp = app.clone().oneshot(req).await.expect("answer");
            assert!(resp.status().is_redirection(), "{path}: {}", resp.status());
            assert_eq!(
                resp.headers()
                    .get(axum::http::header::LOCATION)
                    .and_then(|v| v.to_str().ok()),
                Some("/return?error=REQ_TIMEOUT&trace_id=t-1"),
                "{path}"
            );
            assert!(resp.extensions().get::<PendingError>().is_none(), "{path}");
        }
    }

    #[test]
    fn cookies() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; bp_session=xyz; b=2"),
        );
        assert_eq!(cookie(&h, "bp_session").as_deref(), Some("xyz"));
        assert_eq!(cookie(&h, "c"), None);
        assert!(set_cookie("n", "v", 10, true).ends_with("; Secure"));
        assert_eq!(cookie_name("bp_session", true), "__Host-bp_session");
    }
}

pub fn rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod rfc3339_tests {
    #[test]
    fn epoch() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00Z");
    }
}
