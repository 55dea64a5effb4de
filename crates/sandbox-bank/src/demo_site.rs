//! The demo bank website: the "online banking" of each sandbox bank, on an origin of its own
//! (`http://127.0.0.2:8082` in development), whose "Госуслуги" section embeds the portal's
//! `/embed/{bank_id}` in an iframe the way a partner bank's pages do (embedded mode, flow 9).
//!
//! - `GET /`: every bank's page; `GET /{bank}/`: the bank's "Госуслуги" page with the portal's
//!   frame (`?popups=blocked`: the frame is sandboxed without `allow-popups`, so the portal falls
//!   back to top-level navigation); `GET /{bank}/{accounts,payments,transfers}`: placeholders.
//! - `GET /demo.js`: the page's only script (no inline script; CSP `script-src 'self'`). It reads
//!   the portal's origin from the iframe's `data-portal-origin`, accepts only messages of protocol
//!   `bankid-portal/1` from that origin and that iframe's window (resize, done, error, …: each
//!   listed in `#bp-messages`), and posts the language chosen on the page to the frame with that
//!   exact target origin.
//! - `GET /demo.css`, `GET /brands.css` (each bank's colours as `--brand`/`--on-brand` on
//!   `.bank-{id}`), `GET /favicon.svg`.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::banks::text_color_on;
use crate::html::escape;

/// The demo site's configuration.
#[derive(Clone, Debug)]
pub struct DemoSite {
    /// The portal's public URL (no trailing slash needed), e.g. `http://127.0.0.1:8080`: the
    /// frame is `{portal_url}/embed/{bank}?lang=ru` and the pages' CSP `frame-src` is its origin.
    pub portal_url: String,
    /// The banks that get a page.
    pub banks: Vec<DemoBank>,
}

/// One bank of the demo site.
#[derive(Clone, Debug)]
pub struct DemoBank {
    /// The portal's bank id (`/embed/{id}`); lowercase ASCII letters, digits and hyphens.
    pub id: String,
    /// Shown in the header, in Russian.
    pub name: String,
    /// Brand colour `#RRGGBB` (anything else: a neutral blue).
    pub color: String,
}

/// The iframe's `sandbox` with `?popups=blocked`: everything the portal needs except popups.
pub const SANDBOX_WITHOUT_POPUPS: &str =
    "allow-scripts allow-same-origin allow-forms allow-top-navigation-by-user-activation";

/// The frame's accessible name.
pub const FRAME_TITLE: &str = "Портал государственных услуг — регистрация";

/// The frame's height until the portal says how tall its content is.
const FRAME_HEIGHT: u32 = 560;

const FALLBACK_COLOR: &str = "#1F4E79";

const DEMO_JS: &str = include_str!("demo/demo.js");
const DEMO_CSS: &str = include_str!("demo/demo.css");
const FAVICON: &str = concat!(
    r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">"##,
    r##"<rect width="32" height="32" rx="6" fill="#1F4E79"/>"##,
    r##"<path d="M8 22h16M10 20v-7m4 7v-7m4 7v-7m4 7v-7M7 12l9-5 9 5z" "##,
    r##"stroke="#fff" stroke-width="2" fill="none"/></svg>"##,
);

/// The sections of the online banking in its navigation: path segment and label; the empty
/// segment is the bank's start page, its "Госуслуги".
const SECTIONS: [(&str, &str); 4] = [
    ("accounts", "Счета"),
    ("payments", "Платежи"),
    ("transfers", "Переводы"),
    ("", "Госуслуги"),
];

struct Site {
    /// `portal_url` without trailing slashes.
    portal_url: String,
    /// The CSP of every answer; `None` when `portal_url` has no http(s) origin (then pages
    /// answer 500).
    csp: Option<HeaderValue>,
    /// The portal's origin, e.g. `http://127.0.0.1:8080`.
    portal_origin: String,
    banks: Vec<DemoBank>,
}

type Shared = Arc<Site>;

/// The portal's web origin (`scheme://host[:port]`) of an absolute http(s) URL.
fn origin_of(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return None;
    }
    match parsed.origin() {
        o @ url::Origin::Tuple(..) => Some(o.ascii_serialization()),
        url::Origin::Opaque(_) => None,
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 63
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
}

fn valid_color(c: &str) -> bool {
    c.len() == 7 && c.starts_with('#') && c[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// The CSP of the demo pages: own scripts, styles and images only; frames only from the portal.
fn csp(portal_origin: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         frame-src {portal_origin}; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// The demo bank website's router (see the module documentation). Banks with an invalid id or
/// an id already taken are left out with an error log; an invalid colour becomes a neutral blue.
pub fn demo_site(cfg: DemoSite) -> Router {
    let portal_url = cfg.portal_url.trim_end_matches('/').to_string();
    let portal_origin = origin_of(&portal_url);
    if portal_origin.is_none() {
        tracing::error!(portal_url = %cfg.portal_url, "demo site: the portal URL is not an absolute http(s) URL");
    }
    let csp = portal_origin
        .as_deref()
        .and_then(|o| HeaderValue::from_str(&csp(o)).ok());
    let mut banks: Vec<DemoBank> = Vec::new();
    for mut b in cfg.banks {
        if !valid_id(&b.id) || banks.iter().any(|o| o.id == b.id) {
            tracing::error!(bank = %b.id, "demo site: bank id invalid or repeated, left out");
            continue;
        }
        if !valid_color(&b.color) {
            tracing::warn!(bank = %b.id, color = %b.color, "demo site: colour is not #RRGGBB");
            b.color = FALLBACK_COLOR.to_string();
        }
        banks.push(b);
    }
    let site = Arc::new(Site {
        portal_url,
        csp,
        portal_origin: portal_origin.unwrap_or_default(),
        banks,
    });
    Router::new()
        .route("/", get(index))
        .route(
            "/demo.js",
            get(|| async { asset("text/javascript; charset=utf-8", DEMO_JS) }),
        )
        .route(
            "/demo.css",
            get(|| async { asset("text/css; charset=utf-8", DEMO_CSS) }),
        )
        .route("/brands.css", get(brands_css))
        .route(
            "/favicon.svg",
            get(|| async { asset("image/svg+xml", FAVICON) }),
        )
        .route("/{bank}", get(bank_without_slash))
        .route("/{bank}/", get(bank_page))
        .route("/{bank}/{section}", get(section_page))
        .fallback(not_found)
        .with_state(site)
}

fn security_headers(site: Option<&Site>, resp: &mut Response) {
    let h = resp.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Some(csp) = site.and_then(|s| s.csp.clone()) {
        h.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut resp = (
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body,
    )
        .into_response();
    security_headers(None, &mut resp);
    resp
}

fn html(site: &Site, status: StatusCode, body: String) -> Response {
    if site.csp.is_none() {
        let mut resp = (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            )],
            "demo site: the portal URL is not an absolute http(s) URL\n",
        )
            .into_response();
        security_headers(None, &mut resp);
        return resp;
    }
    let mut resp = (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        body,
    )
        .into_response();
    security_headers(Some(site), &mut resp);
    resp
}

impl Site {
    fn bank(&self, id: &str) -> Option<&DemoBank> {
        self.banks.iter().find(|b| b.id == id)
    }

    /// `?popups=blocked` in a raw query.
    fn popups_blocked(query: Option<&str>) -> bool {
        query.is_some_and(|q| {
            url::form_urlencoded::parse(q.as_bytes()).any(|(k, v)| k == "popups" && v == "blocked")
        })
    }
}

/// A whole page: `title`, the body class (a bank's colours), `body` inside `<body>`.
fn document(title: &str, body_class: &str, body: &str) -> String {
    format!(
        r##"<!doctype html>
<html lang="ru">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/demo.css">
<link rel="stylesheet" href="/brands.css">
</head>
<body class="{body_class}">
<a class="skip" href="#main">Перейти к содержимому</a>
{body}
<footer class="site-footer"><p>Демонстрационный сайт песочницы bankid-portal. Это не настоящий банк: страницы показывают, как банк встраивает портал госуслуг.</p></footer>
</body>
</html>
"##,
        title = escape(title),
        body_class = escape(body_class),
    )
}

/// A bank's header and navigation around `main` (`current`: the section's path segment).
fn bank_chrome(bank: &DemoBank, current: &str, main: &str) -> String {
    let id = escape(&bank.id);
    let name = escape(&bank.name);
    let mark = bank
        .name
        .chars()
        .find(|c| c.is_alphanumeric())
        .map(|c| c.to_uppercase().to_string())
        .unwrap_or_default();
    let mut nav = String::new();
    for (segment, label) in SECTIONS {
        let aria = if segment == current {
            r#" aria-current="page""#
        } else {
            ""
        };
        nav.push_str(&format!(
            "<li><a href=\"/{id}/{segment}\"{aria}>{label}</a></li>\n"
        ));
    }
    format!(
        r##"<header class="bank-header">
<div class="bank-header__inner">
<a class="bank-logo" href="/{id}/"><span class="bank-logo__mark" aria-hidden="true">{mark}</span><span>{name}</span></a>
<span class="bank-header__product">Интернет-банк</span>
<span class="bank-user"><span>Клиент: Иван Петрович</span><a href="/">Все банки</a></span>
</div>
</header>
<div class="bank-layout">
<nav class="bank-nav" aria-label="Разделы интернет-банка">
<ul>
{nav}</ul>
</nav>
<main id="main" class="bank-main">
{main}</main>
</div>"##,
        mark = escape(&mark),
    )
}

async fn index(State(site): State<Shared>) -> Response {
    let mut rows = String::new();
    for b in &site.banks {
        let id = escape(&b.id);
        rows.push_str(&format!(
            "<li class=\"bank-{id}\"><span class=\"bank-list__swatch\" aria-hidden=\"true\"></span>\
             <a class=\"bank-list__name\" href=\"/{id}/\">{name}</a>\
             <a class=\"bank-list__alt\" href=\"/{id}/?popups=blocked\">{name}: всплывающие окна запрещены</a></li>\n",
            name = escape(&b.name),
        ));
    }
    let body = format!(
        r##"<main id="main" class="bank-layout">
<div class="bank-main">
<h1>Демонстрационные банки</h1>
<p class="intro">Интернет-банк каждого банка песочницы со встроенным порталом госуслуг (раздел «Госуслуги»).</p>
<ul class="bank-list">
{rows}</ul>
</div>
</main>"##
    );
    html(
        &site,
        StatusCode::OK,
        document("Демонстрационные банки", "", &body),
    )
}

async fn brands_css(State(site): State<Shared>) -> Response {
    let mut css = String::from(
        "/* Each bank's brand colour and the text colour with the better contrast on it. */\n",
    );
    for b in &site.banks {
        css.push_str(&format!(
            ".bank-{} {{ --brand: {}; --on-brand: {}; }}\n",
            b.id,
            b.color,
            text_color_on(&b.color)
        ));
    }
    let mut resp = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/css; charset=utf-8"),
        )],
        css,
    )
        .into_response();
    security_headers(None, &mut resp);
    resp
}

/// `/{bank}` → `/{bank}/` (query kept).
async fn bank_without_slash(
    State(site): State<Shared>,
    Path(bank): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    if site.bank(&bank).is_none() {
        return not_found_page(&site);
    }
    let location = match query {
        Some(q) => format!("/{bank}/?{q}"),
        None => format!("/{bank}/"),
    };
    match HeaderValue::from_str(&location) {
        Ok(v) => {
            let mut resp =
                (StatusCode::PERMANENT_REDIRECT, [(header::LOCATION, v)]).into_response();
            security_headers(Some(&site), &mut resp);
            resp
        }
        Err(_) => not_found_page(&site),
    }
}

async fn bank_page(
    State(site): State<Shared>,
    Path(bank): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(b) = site.bank(&bank) else {
        return not_found_page(&site);
    };
    let popups_blocked = Site::popups_blocked(query.as_deref());
    let id = escape(&b.id);
    let src = escape(&format!("{}/embed/{}?lang=ru", site.portal_url, b.id));
    let sandbox = if popups_blocked {
        format!(" sandbox=\"{SANDBOX_WITHOUT_POPUPS}\"")
    } else {
        String::new()
    };
    let note = if popups_blocked {
        "<p class=\"note\">Проверка: портал встроен без права открывать окна (<code>sandbox</code> без <code>allow-popups</code>); вход в банк идёт через всю вкладку.</p>\n"
    } else {
        ""
    };
    let main = format!(
        r##"<h1>Госуслуги</h1>
<p class="intro">Зарегистрируйтесь на портале государственных услуг, не выходя из интернет-банка: {name} подтвердит вашу личность, и вам не придётся идти в центр обслуживания.</p>
{note}<div class="portal-tools">
<label for="bp-portal-lang">Язык портала</label>
<select id="bp-portal-lang">
<option value="ru" selected>Русский</option>
<option value="uk" lang="uk">Українська</option>
<option value="en" lang="en">English</option>
</select>
</div>
<p id="bp-portal-status" class="portal-status" role="status" aria-live="polite"></p>
<iframe id="bp-portal-frame" class="portal-frame" src="{src}" title="{title}" width="100%" height="{FRAME_HEIGHT}" referrerpolicy="no-referrer-when-downgrade"{sandbox} data-portal-origin="{origin}" data-bank="{id}" data-locale="ru"></iframe>
<details class="dev">
<summary>Сообщения портала (для разработчиков)</summary>
<ol id="bp-messages"></ol>
</details>
<script src="/demo.js" defer></script>
"##,
        name = escape(&b.name),
        title = escape(FRAME_TITLE),
        origin = escape(&site.portal_origin),
    );
    let title = format!("Госуслуги — {}", b.name);
    html(
        &site,
        StatusCode::OK,
        document(&title, &format!("bank-{id}"), &bank_chrome(b, "", &main)),
    )
}

async fn section_page(
    State(site): State<Shared>,
    Path((bank, section)): Path<(String, String)>,
) -> Response {
    let Some(b) = site.bank(&bank) else {
        return not_found_page(&site);
    };
    let Some((segment, label)) = SECTIONS
        .iter()
        .find(|(s, _)| !s.is_empty() && *s == section)
    else {
        return not_found_page(&site);
    };
    let main = format!(
        r##"<h1>{label}</h1>
<p class="intro">Раздел «{label}» в демонстрационном банке не работает. Встроенный портал — в разделе <a href="/{id}/">«Госуслуги»</a>.</p>
"##,
        id = escape(&b.id),
    );
    let title = format!("{label} — {}", b.name);
    html(
        &site,
        StatusCode::OK,
        document(
            &title,
            &format!("bank-{}", escape(&b.id)),
            &bank_chrome(b, segment, &main),
        ),
    )
}

fn not_found_page(site: &Site) -> Response {
    let body = r##"<main id="main" class="bank-layout">
<div class="bank-main">
<h1>Страница не найдена</h1>
<p class="intro">Такого банка или раздела на демонстрационном сайте нет. <a href="/">Все банки</a></p>
</div>
</main>"##;
    html(
        site,
        StatusCode::NOT_FOUND,
        document("Страница не найдена", "", body),
    )
}

async fn not_found(State(site): State<Shared>) -> Response {
    not_found_page(&site)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_of_portal_urls() {
        assert_eq!(
            origin_of("http://127.0.0.1:8080").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(
            origin_of("https://portal.example/gov").as_deref(),
            Some("https://portal.example")
        );
        assert_eq!(
            origin_of("https://portal.example:443").as_deref(),
            Some("https://portal.example")
        );
        assert_eq!(origin_of("file:///tmp/x"), None);
        assert_eq!(origin_of("/relative"), None);
    }

    #[test]
    fn ids_and_colours_are_checked() {
        assert!(valid_id("sber"));
        assert!(valid_id("bank-2"));
        for bad in ["", "Sber", "-x", "a/b", "a\"b", "demo.js", "сбер"] {
            assert!(!valid_id(bad), "{bad}");
        }
        assert!(valid_color("#21A038"));
        for bad in ["21A038", "#21A03", "#21A038;x", "red", "#GGGGGG"] {
            assert!(!valid_color(bad), "{bad}");
        }
    }

    #[test]
    fn popups_blocked_query() {
        assert!(Site::popups_blocked(Some("popups=blocked")));
        assert!(Site::popups_blocked(Some("x=1&popups=blocked")));
        assert!(!Site::popups_blocked(Some("popups=allowed")));
        assert!(!Site::popups_blocked(None));
    }
}
