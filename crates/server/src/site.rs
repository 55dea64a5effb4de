//! The built web app as the server serves it (`server.dist_dir`, written by
//! `scripts/build-web.sh`): each bundle's page, into which every answer writes the page's boot data
//! (who is signed in, the banks, the portal's identity) so the first render needs no request and
//! nothing moves when answers arrive; the asset manifest (content-hashed names of the logos and
//! marks, served immutable); the Content-Security-Policy of the pages' inline loaders. All of it is
//! read again when the build changes while the server runs (looked at once a second at most).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Instant, SystemTime};

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bankid_api::routes::Bundle;
use bankid_api::types::{Boot, BOOT_ELEMENT_ID};

use crate::AppState;

/// File the build writes: `{"/logos/sber.svg": "/logos/sber-0123456789abcdef.svg", …}`.
pub const MANIFEST: &str = "assets.json";

/// How often an answer may look whether the build changed.
const RECHECK_MS: u64 = 1000;

/// What was read from the build.
struct Snapshot {
    mtimes: Vec<Option<SystemTime>>,
    /// Each bundle's HTML as built.
    pages: HashMap<Bundle, Arc<str>>,
    /// Configured path → content-hashed path.
    assets: HashMap<String, String>,
    csp: Arc<str>,
}

pub struct Site {
    dist: PathBuf,
    /// The files whose change means a new build: every bundle's page and the manifest.
    watched: Vec<PathBuf>,
    current: RwLock<Arc<Snapshot>>,
    checked_ms: AtomicU64,
    started: Instant,
}

impl Site {
    pub fn new(dist: &Path) -> Site {
        let mut watched: Vec<PathBuf> = Bundle::ALL
            .iter()
            .map(|b| dist.join(b.html_file()))
            .collect();
        watched.push(dist.join(MANIFEST));
        let site = Site {
            dist: dist.to_path_buf(),
            watched,
            current: RwLock::new(Arc::new(Snapshot {
                mtimes: Vec::new(),
                pages: HashMap::new(),
                assets: HashMap::new(),
                csp: Arc::from(""),
            })),
            checked_ms: AtomicU64::new(0),
            started: Instant::now(),
        };
        site.reload();
        site
    }

    fn mtimes(&self) -> Vec<Option<SystemTime>> {
        self.watched
            .iter()
            .map(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
            .collect()
    }

    fn reload(&self) -> Arc<Snapshot> {
        let mtimes = self.mtimes();
        let mut pages = HashMap::new();
        for b in Bundle::ALL {
            if let Ok(html) = std::fs::read_to_string(self.dist.join(b.html_file())) {
                pages.insert(b, Arc::from(html));
            }
        }
        let assets = std::fs::read(self.dist.join(MANIFEST))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<HashMap<String, String>>(&bytes).ok())
            .unwrap_or_default();
        let all_html: String = pages.values().map(|p: &Arc<str>| p.as_ref()).collect();
        let csp = Arc::from(crate::web::content_security_policy(Some(&all_html)));
        let snapshot = Arc::new(Snapshot {
            mtimes,
            pages,
            assets,
            csp,
        });
        if let Ok(mut c) = self.current.write() {
            *c = snapshot.clone();
        }
        snapshot
    }

    /// What the build holds now: looked at again at most once a second.
    fn snapshot(&self) -> Arc<Snapshot> {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let last = self.checked_ms.load(Ordering::Relaxed);
        let cached = self.current.read().ok().map(|c| c.clone());
        if let Some(c) = &cached {
            if now.saturating_sub(last) < RECHECK_MS && !c.csp.is_empty() {
                return c.clone();
            }
        }
        self.checked_ms.store(now, Ordering::Relaxed);
        match cached {
            Some(c) if c.mtimes == self.mtimes() && !c.csp.is_empty() => c,
            _ => self.reload(),
        }
    }

    /// The CSP of every answer (the pages' inline loader scripts by hash).
    pub fn csp(&self) -> Arc<str> {
        self.snapshot().csp.clone()
    }

    /// The content-hashed path of a static file of the build (`/logos/sber.svg` →
    /// `/logos/sber-….svg`, cached for good by browsers), or `path` itself when the build has no
    /// such file in its manifest.
    pub fn asset(&self, path: &str) -> String {
        self.snapshot()
            .assets
            .get(path)
            .cloned()
            .unwrap_or_else(|| path.to_string())
    }
}

/// The page of a bundle, with the boot data of this request written in: who is signed in (the
/// session cookie), the banks and the brand. Never cached: it depends on the session.
pub async fn page(State(app): State<AppState>, req: Request) -> Response {
    let bundle = bankid_api::routes::bundle_for_path(req.uri().path());
    let Some(template) = app.site.snapshot().pages.get(&bundle).cloned() else {
        return crate::web::no_spa().await;
    };
    let (mut parts, _) = req.into_parts();
    let lang = parts
        .extensions
        .get::<crate::web::Ctx>()
        .map(|c| c.lang)
        .unwrap_or(app.config.brand.theme.default_lang());
    let session = crate::session::peek(&app, &mut parts).await;
    let registration = match parts.uri.path().strip_prefix("/registration/") {
        Some(id) if !id.contains('/') => {
            crate::registration::readable_status(&app, &parts.headers, id)
                .await
                .ok()
        }
        _ => None,
    };
    let boot = Boot {
        lang,
        session,
        banks: crate::routes::banks(&app),
        brand: brand(&app),
        registration,
    };
    let view = (bundle != Bundle::Embed)
        .then(|| first_view(&app, parts.uri.path(), &boot))
        .map(|main| shell(&boot, parts.uri.path(), main.as_deref()));
    let html = render(&template, &boot, view.as_deref());
    // The browser-binding cookie, as the bank list sets it (the page now brings the list).
    let (_, set) = crate::bank_flow::browser_cookie(&app, &parts.headers);
    let mut resp = (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        html,
    )
        .into_response();
    if let Some(v) = set {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Cookie"));
    resp
}

/// The configured brand, its mark under its content-hashed name.
pub fn brand(app: &AppState) -> bankid_api::types::Brand {
    let mut brand = app.config.brand.resolved();
    brand.mark = app.site.asset(&brand.mark);
    brand
}

/// `template` with the language and theme on `<html>`, the boot data before `</head>` and the
/// first view (`shell`) at the start of `<body>`. The JSON is written so that no `<`, `>` or `&`
/// appears in it: nothing in it can end the script element.
pub fn render(template: &str, boot: &Boot, shell: Option<&str>) -> String {
    let json = serde_json::to_string(boot)
        .unwrap_or_else(|_| "null".into())
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    let theme = match boot.brand.theme {
        bankid_api::types::Country::Ru => "ru",
        bankid_api::types::Country::Ua => "ua",
    };
    let mut html = template.to_string();
    // `<html …>`: its `lang` is the page's language, and the theme is added.
    if let Some(start) = html.find("<html") {
        if let Some(len) = html[start..].find('>') {
            let attrs = &html[start + 5..start + len];
            if attrs.is_empty() || attrs.starts_with(' ') {
                let kept = without_attr(attrs, "lang");
                let tag = format!(
                    "<html lang=\"{}\" data-theme=\"{theme}\"{kept}>",
                    boot.lang.tag()
                );
                html.replace_range(start..start + len + 1, &tag);
            }
        }
    }
    let script =
        format!("<script id=\"{BOOT_ELEMENT_ID}\" type=\"application/json\">{json}</script>");
    match html.find("</head>") {
        Some(i) => html.insert_str(i, &script),
        None => html.push_str(&script),
    }
    if let Some(shell) = shell {
        if let Some(i) = html.find("<body>") {
            html.insert_str(i + "<body>".len(), shell);
        }
    }
    html
}

/// Text for HTML content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page as the app will first draw it, for the time the app is loading (on a slow phone,
/// seconds): the header with the portal's mark and name, and `main` (the page's heading block,
/// when the server knows it), with the app's own markup and classes, so that nothing moves when
/// the app takes its place ([`bankid_api::types::SHELL_ELEMENT_ID`]). Its buttons (language,
/// account menu) are `disabled`: they work once the app has taken over; its links work as links.
pub fn shell(boot: &Boot, path: &str, main: Option<&str>) -> String {
    use bankid_api::texts::{t, Key};
    use bankid_api::Lang;
    let lang = boot.lang;
    let brand = &boot.brand;
    let text = |key: Key| escape(t(lang, key));
    // The language control: the phone's one button and the list of the three languages.
    let languages: String = Lang::ALL
        .iter()
        .map(|&l| {
            format!(
                "<li class=\"bp-lang__item\"><button class=\"bp-lang__button\" type=\"button\" disabled lang=\"{}\" \
                 aria-pressed=\"{}\">{}</button></li>",
                l.tag(),
                l == lang,
                l.endonym()
            )
        })
        .collect();
    let language = format!(
        "<div class=\"bp-lang\" role=\"group\" aria-label=\"{}\"><button class=\"bp-lang__toggle\" \
         type=\"button\" disabled aria-controls=\"language-list\" aria-expanded=\"false\"><span lang=\"{}\">{}</span>\
         <span class=\"bp-visually-hidden\">, {}</span></button><ul class=\"bp-lang__list\" \
         id=\"language-list\">{languages}</ul></div>",
        text(Key::LanguageLabel),
        lang.tag(),
        lang.short(),
        text(Key::LanguageChoose),
    );
    // The account control: "Sign in", or who is signed in with the account's links.
    let account = match &boot.session {
        None => format!(
            "<nav class=\"bp-account-nav bp-account-nav--guest\" aria-label=\"{}\">\
             <a class=\"bp-account-nav__signin\" href=\"/signin\">{}</a></nav>",
            text(Key::AccountNavLabel),
            text(Key::SignIn)
        ),
        Some(info) => {
            let item = |href: &str, key: Key| {
                let here = path.trim_end_matches('/');
                let current = if here == href {
                    " aria-current=\"page\""
                } else if here.strip_prefix(href).is_some_and(|r| r.starts_with('/')) {
                    " aria-current=\"true\""
                } else {
                    ""
                };
                format!(
                    "<li class=\"bp-account-nav__item\"><a class=\"bp-account-nav__link\" \
                     href=\"{}\"{current}>{}</a></li>",
                    escape(href),
                    text(key)
                )
            };
            let mut items = String::new();
            if let Some(id) = &info.registration_id {
                items.push_str(&item(&format!("/registration/{id}"), Key::NavStatus));
            }
            if info.account_state != "active" {
                items.push_str(&item("/account/activate", Key::NavActivate));
            }
            items.push_str(&item("/account/security", Key::NavSecurity));
            items.push_str(&item("/account/banks", Key::NavBanks));
            items.push_str(&item("/account/consents", Key::NavConsents));
            format!(
                "<nav class=\"bp-account-nav bp-account-nav--signed-in\" aria-label=\"{}\">\
                 <button type=\"button\" disabled class=\"bp-account-nav__toggle\" aria-controls=\"account-links\" \
                 aria-expanded=\"false\">{}</button><div id=\"account-links\" class=\"bp-account-nav__panel\">\
                 <p class=\"bp-account-nav__who\">{} <strong class=\"bp-account-nav__name\">{}</strong></p>\
                 <ul class=\"bp-account-nav__list\">{items}</ul><button type=\"button\" disabled \
                 class=\"bp-account-nav__button\">{}</button></div></nav>",
                text(Key::AccountNavLabel),
                text(Key::NavMenu),
                text(Key::SignedInAs),
                escape(&info.display_name),
                text(Key::SignOut)
            )
        }
    };
    format!(
        "<div id=\"{id}\"><header class=\"bp-header\"><div class=\"bp-width-container bp-header__bar\">\
         <div class=\"bp-header__identity\"><a href=\"/\" class=\"bp-header__brand\"><img class=\"bp-header__mark\" \
         src=\"{mark}\" alt=\"\" width=\"40\" height=\"40\"><span class=\"bp-header__name\"><span \
         class=\"bp-header__short\">{short}</span><span class=\"bp-header__full\">{full}</span></span></a>\
         </div>{language}{account}</div></header>\
         <div class=\"bp-width-container\"><main class=\"bp-main\">{main}</main></div></div>",
        id = bankid_api::types::SHELL_ELEMENT_ID,
        mark = escape(&brand.mark),
        short = escape(brand.short_name.get(lang)),
        full = escape(brand.name.get(lang)),
        main = main.unwrap_or(""),
    )
}

/// The heading block of the page at `path` as the app draws it first, in the page's language:
/// only for pages whose first words do not wait for an answer (the bank list, a bank's phone step,
/// sign-in, the status page; activation, two-factor protection, linked banks, adding or changing a
/// bank and the consents when the boot data has the session).
fn first_view(app: &AppState, path: &str, boot: &Boot) -> Option<String> {
    use bankid_api::texts::{pick, t, tf, Key};
    let lang = boot.lang;
    let h1 = |key: Key| format!("<h1 class=\"bp-heading-xl\">{}</h1>", escape(t(lang, key)));
    let lead = |key: Key| format!("<p class=\"bp-body-l\">{}</p>", escape(t(lang, key)));
    let back = |href: &str| {
        format!(
            "<a href=\"{href}\" class=\"bp-back-link\">{}</a>",
            escape(t(lang, Key::Back))
        )
    };
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    let signed_in = boot.session.is_some();
    match segments.as_slice() {
        [] | [""] => Some(format!(
            "{}{}<p class=\"bp-body bp-signin-link\"><a href=\"/signin\">{}</a></p>",
            h1(Key::BanksTitle),
            lead(Key::BanksLead),
            escape(t(lang, Key::AlreadyRegistered))
        )),
        ["register", bank] => {
            let bank = app.config.bank(bank).filter(|b| b.workable)?;
            let hint = format!(
                "{} {}",
                t(lang, Key::PhoneLead),
                pick(
                    lang,
                    bankid_api::validate::phone_hint_for(Some(bank.country))
                )
            );
            Some(format!(
                "{}<form class=\"bp-form\"><span class=\"bp-caption-l\">{} · {}</span>\
                 <div class=\"bp-form-group\"><h1 class=\"bp-label-wrapper\">\
                 <label class=\"bp-label bp-label--l\">{}</label></h1>\
                 <div class=\"bp-hint\">{}</div></div></form>",
                back("/"),
                escape(t(lang, Key::StepOneOfTwo)),
                escape(bank.name.get(lang)),
                escape(t(lang, Key::PhoneQuestion)),
                escape(&hint)
            ))
        }
        ["signin"] if !signed_in => Some(format!(
            "{}{}{}",
            back("/"),
            h1(Key::SignInTitle),
            lead(Key::SignInLead)
        )),
        ["account", "banks"] if signed_in => Some(format!(
            "{}{}",
            h1(Key::LinkedBanksTitle),
            lead(Key::LinkedBanksLead)
        )),
        ["account", "banks", "add"] if signed_in => Some(format!(
            "{}{}{}",
            back("/account/banks"),
            h1(Key::AddBankTitle),
            lead(Key::AddBankLead)
        )),
        ["account", "banks", "change", old] if signed_in => {
            let name = boot
                .banks
                .iter()
                .find(|b| b.id == *old)
                .map_or(*old, |b| b.name.get(lang));
            let with_bank = |key: Key| tf(lang, key, &[("bank", name)]);
            Some(format!(
                "{}<h1 class=\"bp-heading-xl\">{}</h1><p class=\"bp-body-l\">{}</p>",
                back("/account/banks"),
                escape(&with_bank(Key::ChangeBankTitle)),
                escape(&with_bank(Key::ChangeBankLead))
            ))
        }
        ["account", "activate"] => {
            let active = boot.session.as_ref()?.account_state == "active";
            Some(if active {
                format!(
                    "{}{}",
                    h1(Key::StatusActiveTitle),
                    lead(Key::StatusActiveText)
                )
            } else {
                format!("{}{}", h1(Key::ActivateTitle), lead(Key::ActivateLead))
            })
        }
        // Whether two-factor protection is on is in the session: the overview's words.
        ["account", "security"] => {
            let on = boot.session.as_ref()?.totp_enabled;
            Some(format!(
                "{}<p class=\"bp-body-l bp-totp-state\"><strong>{}</strong></p><p class=\"bp-body\">{}</p>",
                h1(Key::SecurityTitle),
                escape(t(lang, if on { Key::TwoFactorOn } else { Key::TwoFactorOff })),
                escape(t(lang, Key::TwoFactorLead))
            ))
        }
        ["account", "consents"] if signed_in => Some(format!(
            "{}{}",
            h1(Key::ConsentsTitle),
            lead(Key::ConsentsLead)
        )),
        ["registration", id] => {
            use bankid_api::types::RegistrationState as S;
            let r = boot
                .registration
                .as_ref()
                .filter(|r| r.registration_id == *id)?;
            let (badge, modifier, title, text) = match r.state {
                S::AwaitingBank => (
                    Key::BadgeAwaiting,
                    "awaiting",
                    Key::StatusAwaitingTitle,
                    Some(Key::StatusAwaitingText),
                ),
                S::PendingConfirmation => (
                    Key::BadgePending,
                    "pending",
                    Key::StatusPendingTitle,
                    Some(Key::StatusPendingText),
                ),
                S::Active => (
                    Key::BadgeActive,
                    "active",
                    Key::StatusActiveTitle,
                    Some(Key::StatusActiveText),
                ),
                S::Rejected => (
                    Key::BadgeRejected,
                    "rejected",
                    Key::StatusRejectedTitle,
                    None,
                ),
                S::Failed => (Key::BadgeFailed, "failed", Key::StatusFailedTitle, None),
            };
            // A refusal or failure is explained by its reason's own words.
            let text = match text {
                Some(key) => t(lang, key),
                None => r
                    .reason
                    .unwrap_or(bankid_api::ErrorCode::Internal)
                    .message(lang),
            };
            let state = serde_json::to_value(r.state)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            Some(format!(
                "<div class=\"bp-status\"><p class=\"bp-status__badge\"><span class=\"bp-visually-hidden\">\
                 {}: </span><strong class=\"bp-tag bp-tag--{modifier}\" data-state=\"{state}\">{}</strong>\
                 </p>{}<p class=\"bp-body-l\">{}</p></div>",
                escape(t(lang, Key::StatusLabel)),
                escape(t(lang, badge)),
                h1(title),
                escape(text)
            ))
        }
        _ => None,
    }
}

/// `attrs` (the attributes of a start tag, each after a space) without `name`, whether its value is
/// quoted or not.
fn without_attr(attrs: &str, name: &str) -> String {
    let mut out = String::new();
    let mut rest = attrs;
    while let Some(stripped) = rest.strip_prefix(' ') {
        rest = stripped;
        let name_end = rest.find(['=', ' ']).unwrap_or(rest.len());
        let end = if rest[name_end..].starts_with('=') {
            let value = &rest[name_end + 1..];
            name_end
                + 1
                + match value.chars().next() {
                    Some(q @ ('"' | '\'')) => value[1..].find(q).map_or(value.len(), |i| i + 2),
                    _ => value.find(' ').unwrap_or(value.len()),
                }
        } else {
            name_end
        };
        if !rest[..name_end].eq_ignore_ascii_case(name) {
            out.push(' ');
            out.push_str(&rest[..end]);
        }
        rest = &rest[end..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use bankid_api::types::{Brand, Country};
    use bankid_api::Localized;

    fn boot(name: &str) -> Boot {
        let l = Localized {
            ru: name.into(),
            uk: name.into(),
            en: name.into(),
        };
        Boot {
            lang: bankid_api::Lang::Uk,
            session: None,
            registration: None,
            banks: Vec::new(),
            brand: Brand {
                theme: Country::Ua,
                name: l.clone(),
                short_name: l,
                mark: "/brand/ua.svg".into(),
            },
        }
    }

    #[test]
    fn boot_data_cannot_end_its_script() {
        let html = render(
            "<!DOCTYPE html><html lang=\"ru\"><head><title>t</title></head><body></body></html>",
            &boot("</script><script>alert(1)</script>&"),
            None,
        );
        assert!(html.starts_with("<!DOCTYPE html><html lang=\"uk\" data-theme=\"ua\">"));
        let bare = render("<html><head></head></html>", &boot("x"), None);
        assert!(
            bare.starts_with("<html lang=\"uk\" data-theme=\"ua\"><head><script id=\"bp-boot\"")
        );
        let minified = render(
            "<!doctype html><html lang=ru class=x dir='ltr'><title>",
            &boot("x"),
            None,
        );
        assert!(
            minified.starts_with(
                "<!doctype html><html lang=\"uk\" data-theme=\"ua\" class=x dir='ltr'><title>"
            ),
            "{minified}"
        );
        assert_eq!(html.matches("</script>").count(), 1, "{html}");
        assert!(!html.contains("<script>alert"));
        let start = html.find("application/json\">").unwrap() + "application/json\">".len();
        let end = html.find("</script>").unwrap();
        let back: Boot = serde_json::from_str(&html[start..end]).unwrap();
        assert_eq!(back, boot("</script><script>alert(1)</script>&"));
        assert!(html.ends_with("</script></head><body></body></html>"));
    }

    #[test]
    fn the_first_view_is_escaped_and_goes_first_in_the_body() {
        let b = boot("Порт<а>л & \"x\"");
        let shell = shell(&b, "/", Some("<h1>t</h1>"));
        assert!(shell.starts_with("<div id=\"bp-shell\"><header class=\"bp-header\">"));
        assert!(
            shell.contains("Порт&lt;а&gt;л &amp; &quot;x&quot;"),
            "{shell}"
        );
        assert!(shell.contains("src=\"/brand/ua.svg\""));
        assert!(shell.ends_with("<main class=\"bp-main\"><h1>t</h1></main></div></div>"));
        let html = render(
            "<html><head></head><body><noscript>x</noscript></body></html>",
            &b,
            Some(&shell),
        );
        assert!(html.contains(&format!("<body>{shell}<noscript>")));
    }
}
