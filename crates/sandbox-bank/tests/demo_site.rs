//! The demo bank website over real HTTP: what the bank's page embeds, its CSP, the sandboxed
//! variant, its script and styles, unknown banks.

use reqwest::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE, LOCATION, X_FRAME_OPTIONS};
use reqwest::redirect::Policy;
use reqwest::StatusCode;
use sandbox_bank::{demo_site, DemoBank, DemoSite, FRAME_TITLE, SANDBOX_WITHOUT_POPUPS};

const PORTAL: &str = "http://127.0.0.1:18080";

async fn start(portal_url: &str) -> String {
    let site = demo_site(DemoSite {
        portal_url: portal_url.to_string(),
        banks: vec![
            DemoBank {
                id: "sber".into(),
                name: "Сбербанк".into(),
                color: "#21A038".into(),
            },
            DemoBank {
                id: "tbank".into(),
                name: "Т-Банк".into(),
                color: "#FFDD2D".into(),
            },
            DemoBank {
                id: "odd".into(),
                name: "<Банк & Ко>".into(),
                color: "red; } body { display: none".into(),
            },
            DemoBank {
                id: "Bad/Id".into(),
                name: "x".into(),
                color: "#000000".into(),
            },
        ],
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        axum::serve(listener, site).await.expect("serve");
    });
    format!("http://{addr}")
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client")
}

async fn get(url: &str) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let resp = client().get(url).send().await.expect("get");
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp.text().await.expect("body");
    (status, headers, body)
}

fn header(h: &reqwest::header::HeaderMap, name: reqwest::header::HeaderName) -> &str {
    h.get(&name)
        .unwrap_or_else(|| panic!("no {name}"))
        .to_str()
        .expect("ascii")
}

/// The `<iframe …>` start tag of a page.
fn iframe_tag(body: &str) -> &str {
    let start = body.find("<iframe").expect("an iframe");
    let end = start + body[start..].find('>').expect("end of the iframe tag");
    &body[start..=end]
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

fn directive<'a>(csp: &'a str, name: &str) -> Option<&'a str> {
    csp.split(';')
        .map(str::trim)
        .find_map(|d| d.strip_prefix(name).and_then(|v| v.strip_prefix(' ')))
}

#[tokio::test]
async fn bank_page_embeds_the_portal_frame_of_that_bank() {
    let base = start(PORTAL).await;
    for bank in ["sber", "tbank"] {
        let (status, headers, body) = get(&format!("{base}/{bank}/")).await;
        assert_eq!(status, StatusCode::OK, "{bank}");
        assert!(header(&headers, CONTENT_TYPE).starts_with("text/html"));
        assert_eq!(body.matches("<iframe").count(), 1, "{bank}: one frame");
        let tag = iframe_tag(&body);
        assert_eq!(
            attr(tag, "src"),
            Some(format!("{PORTAL}/embed/{bank}?lang=ru").as_str()),
            "{tag}"
        );
        assert_eq!(attr(tag, "title"), Some(FRAME_TITLE));
        assert_eq!(attr(tag, "width"), Some("100%"));
        assert_eq!(attr(tag, "height"), Some("560"));
        assert_eq!(attr(tag, "id"), Some("bp-portal-frame"));
        assert_eq!(attr(tag, "data-portal-origin"), Some(PORTAL));
        assert_eq!(attr(tag, "data-bank"), Some(bank));
        assert_eq!(attr(tag, "sandbox"), None, "popups allowed by default");
        // The page's parts the tests and the script rely on.
        assert!(body.contains(r#"<html lang="ru">"#));
        assert!(body.contains(r#"aria-current="page">Госуслуги</a>"#));
        assert!(body.contains(r#"aria-live="polite""#));
        assert!(body.contains(r#"<ol id="bp-messages">"#));
        assert!(body.contains("<summary>Сообщения портала (для разработчиков)</summary>"));
        assert!(body.contains(r#"<select id="bp-portal-lang">"#));
        assert!(body.contains(r#"<script src="/demo.js" defer></script>"#));
        assert_eq!(body.matches("<script").count(), 1, "no inline script");
        assert!(
            !body.contains("style="),
            "no inline style (CSP style-src 'self')"
        );
    }
    let (_, _, body) = get(&format!("{base}/sber/")).await;
    assert!(body.contains("Сбербанк"));
    assert!(body.contains(r#"<body class="bank-sber">"#));
}

#[tokio::test]
async fn the_csp_allows_frames_from_the_portal_origin_only() {
    // A portal URL with a path and a trailing slash: the frame is under the path, the CSP names
    // the origin.
    let base = start("https://portal.example:8443/gov/").await;
    let (status, headers, body) = get(&format!("{base}/sber/")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        attr(iframe_tag(&body), "src"),
        Some("https://portal.example:8443/gov/embed/sber?lang=ru")
    );
    assert_eq!(
        attr(iframe_tag(&body), "data-portal-origin"),
        Some("https://portal.example:8443")
    );
    let csp = header(&headers, CONTENT_SECURITY_POLICY);
    assert_eq!(
        directive(csp, "frame-src"),
        Some("https://portal.example:8443"),
        "{csp}"
    );
    assert_eq!(directive(csp, "script-src"), Some("'self'"), "{csp}");
    assert_eq!(directive(csp, "style-src"), Some("'self'"), "{csp}");
    assert_eq!(directive(csp, "default-src"), Some("'self'"), "{csp}");
    assert_eq!(directive(csp, "img-src"), Some("'self' data:"), "{csp}");
    assert_eq!(header(&headers, X_FRAME_OPTIONS), "DENY");

    let base = start(PORTAL).await;
    for path in ["/", "/sber/", "/sber/accounts", "/nosuchbank/"] {
        let (_, headers, _) = get(&format!("{base}{path}")).await;
        let csp = header(&headers, CONTENT_SECURITY_POLICY);
        assert_eq!(directive(csp, "frame-src"), Some(PORTAL), "{path}: {csp}");
    }
}

#[tokio::test]
async fn popups_blocked_sandboxes_the_frame_without_allow_popups() {
    let base = start(PORTAL).await;
    let (status, _, body) = get(&format!("{base}/sber/?popups=blocked")).await;
    assert_eq!(status, StatusCode::OK);
    let tag = iframe_tag(&body);
    let sandbox = attr(tag, "sandbox").expect("sandbox attribute");
    assert_eq!(sandbox, SANDBOX_WITHOUT_POPUPS);
    let tokens: Vec<&str> = sandbox.split_whitespace().collect();
    for needed in [
        "allow-scripts",
        "allow-same-origin",
        "allow-forms",
        "allow-top-navigation-by-user-activation",
    ] {
        assert!(tokens.contains(&needed), "{needed} in {sandbox}");
    }
    assert!(
        !tokens.iter().any(|t| t.starts_with("allow-popups")),
        "{sandbox}"
    );
    assert_eq!(
        attr(tag, "src"),
        Some(format!("{PORTAL}/embed/sber?lang=ru").as_str())
    );
    // Without the parameter (or with another value) there is no sandbox.
    let (_, _, body) = get(&format!("{base}/sber/?popups=allowed")).await;
    assert_eq!(attr(iframe_tag(&body), "sandbox"), None);
    // `/sber` keeps the query on its way to `/sber/`.
    let (status, headers, _) = get(&format!("{base}/sber?popups=blocked")).await;
    assert_eq!(status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(header(&headers, LOCATION), "/sber/?popups=blocked");
}

#[tokio::test]
async fn unknown_banks_and_pages_are_404() {
    let base = start(PORTAL).await;
    for path in [
        "/nosuchbank/",
        "/nosuchbank",
        "/Bad%2FId/",
        "/sber/nosuchsection",
        "/nosuchbank/accounts",
        "/sber/accounts/x",
        "/x.js",
    ] {
        let (status, headers, body) = get(&format!("{base}{path}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            header(&headers, CONTENT_TYPE).starts_with("text/html"),
            "{path}"
        );
        assert!(body.contains("Страница не найдена"), "{path}");
        assert!(!body.contains("<iframe"), "{path}");
    }
}

#[tokio::test]
async fn index_and_sections_link_the_banks() {
    let base = start(PORTAL).await;
    let (status, _, body) = get(&format!("{base}/")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains(r#"href="/sber/""#));
    assert!(body.contains(r#"href="/tbank/""#));
    assert!(body.contains(r#"href="/sber/?popups=blocked""#));
    assert!(!body.contains("Bad/Id"), "invalid ids are left out");
    // Names are escaped.
    assert!(body.contains("&lt;Банк &amp; Ко&gt;"));
    assert!(!body.contains("<Банк"));
    let (status, _, body) = get(&format!("{base}/sber/payments")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains(r#"aria-current="page">Платежи</a>"#));
    assert!(!body.contains("<iframe"));
}

#[tokio::test]
async fn script_and_styles_are_served_with_their_types() {
    let base = start(PORTAL).await;
    let (status, headers, js) = get(&format!("{base}/demo.js")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        header(&headers, CONTENT_TYPE).starts_with("text/javascript"),
        "{headers:?}"
    );
    assert_eq!(
        header(&headers, "x-content-type-options".parse().expect("name")),
        "nosniff"
    );
    // The script's checks: the portal's origin, the frame's window, the protocol tag; exact
    // target origin for the locale message.
    assert!(js.contains("event.origin !== portalOrigin"));
    assert!(js.contains("event.source !== frame.contentWindow"));
    assert!(js.contains("'bankid-portal/1'"));
    assert!(js.contains("}, portalOrigin);"));
    assert!(!js.contains("'*'"));
    assert!(!js.contains("innerHTML"));

    let (status, headers, css) = get(&format!("{base}/demo.css")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(header(&headers, CONTENT_TYPE).starts_with("text/css"));
    assert!(css.contains(".portal-frame"));

    let (status, headers, css) = get(&format!("{base}/brands.css")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(header(&headers, CONTENT_TYPE).starts_with("text/css"));
    // The text colour with the better contrast on each brand colour.
    assert!(css.contains(".bank-sber { --brand: #21A038; --on-brand: #111111; }"));
    assert!(css.contains(".bank-tbank { --brand: #FFDD2D; --on-brand: #111111; }"));
    // A colour that is not #RRGGBB never reaches the style sheet.
    assert!(!css.contains("display: none"));
    assert!(css.contains(".bank-odd { --brand: #1F4E79; --on-brand: #FFFFFF; }"));

    let (status, headers, _) = get(&format!("{base}/favicon.svg")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, CONTENT_TYPE), "image/svg+xml");
}

#[tokio::test]
async fn a_portal_url_without_an_origin_is_an_error_not_a_broken_page() {
    let base = start("not a url").await;
    let (status, _, body) = get(&format!("{base}/sber/")).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!body.contains("<iframe"));
}
