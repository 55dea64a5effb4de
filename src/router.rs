//! The router of a bundle's pages: which page a path shows, its path and query parameters, and
//! going from page to page without a load (History API).
//!
//! A bundle has a handful of routes, all known when it is built ([`Route`]), and no page loads
//! code or data through the router, so the general-purpose router (nested and lazy routes,
//! async route data) is not needed; ours is a small part of a page's first load.
//!
//! What it does, as browsers and screen readers expect of a single-page app:
//! - a click on a link to a page of this bundle (left button, no modifier key, no `target`, no
//!   `download`, no `rel="external"`) shows that page without a load and adds a history entry;
//!   links into other bundles ([`bankid_api::routes::bundle_for_path`]) load the page;
//! - Back and Forward show the page of the entry;
//! - a new page starts at the top of the window, or at the element its `#fragment` names;
//! - a link to a fragment of the page shown is left to the browser.

use bankid_api::routes::{bundle_for_path, Bundle};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// A page of the bundle: a path pattern (segments, `:name` for a parameter) and its view.
#[derive(Clone, Copy)]
pub struct Route {
    pub path: &'static str,
    pub view: fn() -> AnyView,
}

/// Named values: a route's parameters or a query string's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// The value of `name` (the first, for a query that repeats it).
    pub fn get(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }

    /// A query string (`?a=1&b=x%20y`, with or without the `?`), decoded; a pair that does not
    /// decode is left out.
    pub fn from_query(search: &str) -> Params {
        Params(
            search
                .trim_start_matches('?')
                .split('&')
                .filter(|pair| !pair.is_empty())
                .filter_map(|pair| {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    Some((decode(k)?, decode(v)?))
                })
                .collect(),
        )
    }
}

/// A query component decoded (`+` is a space there).
fn decode(s: &str) -> Option<String> {
    decode_segment(&s.replace('+', " "))
}

/// A path segment decoded (`%XX` escapes; `+` is itself).
fn decode_segment(s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.to_string());
    }
    js_sys::decode_uri_component(s).ok().map(String::from)
}

/// Matches `path` against a route pattern: its parameters when every segment fits.
pub fn match_path(pattern: &str, path: &str) -> Option<Params> {
    let path = path
        .strip_suffix('/')
        .filter(|p| !p.is_empty())
        .unwrap_or(path);
    let mut want = pattern.split('/');
    let mut have = path.split('/');
    let mut params = Vec::new();
    loop {
        match (want.next(), have.next()) {
            (None, None) => return Some(Params(params)),
            (Some(w), Some(h)) => match w.strip_prefix(':') {
                Some(name) if !h.is_empty() => params.push((name.to_string(), decode_segment(h)?)),
                Some(_) => return None,
                None if w == h => {}
                None => return None,
            },
            _ => return None,
        }
    }
}

/// Where the page is: path and query string (with its `?`, or empty).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Url {
    path: String,
    search: String,
}

impl Url {
    fn current() -> Url {
        let location = window().location();
        Url {
            path: location.pathname().unwrap_or_else(|_| "/".to_string()),
            search: location.search().unwrap_or_default(),
        }
    }
}

/// The router of the running bundle.
#[derive(Clone, Copy)]
struct RouterContext {
    url: RwSignal<Url>,
}

fn router() -> RouterContext {
    use_context::<RouterContext>().unwrap_or_else(|| {
        // Outside an app (a component test): the window's location, not followed.
        RouterContext {
            url: RwSignal::new(Url::current()),
        }
    })
}

/// Where the page shown is.
#[derive(Clone, Copy)]
pub struct Location {
    /// The path, without query or fragment.
    pub pathname: Memo<String>,
    /// The query string, decoded.
    pub query: Memo<Params>,
}

pub fn use_location() -> Location {
    let url = router().url;
    Location {
        pathname: Memo::new(move |_| url.with(|u| u.path.clone())),
        query: Memo::new(move |_| url.with(|u| Params::from_query(&u.search))),
    }
}

/// The query string's values of the page shown.
pub fn use_query_map() -> Memo<Params> {
    use_location().query
}

/// The parameters of the route shown (`/register/:bank` → `bank`).
pub fn use_params_map() -> Memo<Params> {
    use_context::<Memo<Params>>().unwrap_or_else(|| Memo::new(|_| Params::default()))
}

/// How to go to a page: a new history entry (the default) or in place of the current one.
#[derive(Clone, Copy, Debug, Default)]
pub struct NavigateOptions {
    pub replace: bool,
}

/// A function that shows a page of this bundle: `navigate(href, options)`. Call it in a
/// component body; the function it returns may be called later, from handlers and tasks.
pub fn use_navigate() -> impl Fn(&str, NavigateOptions) + Clone + 'static {
    let url = router().url;
    move |href: &str, options: NavigateOptions| go(url, href, options)
}

fn go(url: RwSignal<Url>, href: &str, options: NavigateOptions) {
    let Ok(history) = window().history() else {
        let _ = window().location().assign(href);
        return;
    };
    let pushed = if options.replace {
        history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(href))
    } else {
        history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(href))
    };
    if pushed.is_err() {
        let _ = window().location().assign(href);
        return;
    }
    url.set(Url::current());
    scroll_to_fragment();
}

/// The new page starts at its fragment's element, or at the top.
fn scroll_to_fragment() {
    let hash = window().location().hash().unwrap_or_default();
    let id = hash.trim_start_matches('#');
    match (!id.is_empty())
        .then(|| document().get_element_by_id(&decode_segment(id).unwrap_or_default()))
        .flatten()
    {
        Some(el) => el.scroll_into_view(),
        None => window().scroll_to_with_x_and_y(0.0, 0.0),
    }
}

/// Goes to `path` in place of the current history entry when it is rendered.
#[component]
pub fn Redirect(#[prop(into)] path: String) -> impl IntoView {
    let navigate = use_navigate();
    // After this render: the router's state must not change while it draws.
    queue_microtask(move || {
        navigate(&path, NavigateOptions { replace: true });
    });
}

/// Sets up the router of `bundle`: once, before anything asks where the page is. It takes the
/// links to `bundle`'s pages.
pub fn provide_router(bundle: Bundle) {
    let url = RwSignal::new(Url::current());
    provide_context(RouterContext { url });
    listen(url, bundle);
}

/// The page of `routes` that the current path matches, or `fallback`; a new page whenever the
/// match (route or parameters) changes.
pub fn routes(routes: &'static [Route], fallback: fn() -> AnyView) -> impl IntoView {
    let url = router().url;
    let matched = Memo::new(move |_| {
        url.with(|u| {
            routes
                .iter()
                .enumerate()
                .find_map(|(i, r)| match_path(r.path, &u.path).map(|p| (i, p)))
        })
    });
    let params = Memo::new(move |_| {
        matched
            .with(|m| m.as_ref().map(|(_, p)| p.clone()))
            .unwrap_or_default()
    });
    provide_context(params);
    move || {
        let view = matched
            .with(|m| m.as_ref().and_then(|(i, _)| routes.get(*i)))
            .map_or(fallback, |r| r.view);
        untrack(view)
    }
}

/// Follows Back/Forward and takes clicks on links to this bundle's pages.
fn listen(url: RwSignal<Url>, bundle: Bundle) {
    let popstate = window_event_listener_untyped("popstate", move |_| url.set(Url::current()));
    let click = window_event_listener_untyped("click", move |ev| {
        if let Some(href) = link_target(&ev) {
            if bundle_for_path(&href) == bundle {
                ev.prevent_default();
                go(url, &href, NavigateOptions::default());
            }
        }
    });
    on_cleanup(move || {
        popstate.remove();
        click.remove();
    });
}

/// The same-origin page (path, query, fragment) a click goes to, when it is a plain click on a
/// link the router may take.
fn link_target(ev: &web_sys::Event) -> Option<String> {
    let mouse = ev.dyn_ref::<web_sys::MouseEvent>()?;
    if ev.default_prevented()
        || mouse.button() != 0
        || mouse.meta_key()
        || mouse.alt_key()
        || mouse.ctrl_key()
        || mouse.shift_key()
    {
        return None;
    }
    let target = ev.target()?.dyn_into::<web_sys::Element>().ok()?;
    let a = target.closest("a[href]").ok()??;
    let attr = |name: &str| a.get_attribute(name).unwrap_or_default();
    if !matches!(attr("target").as_str(), "" | "_self")
        || a.has_attribute("download")
        || attr("rel")
            .split_ascii_whitespace()
            .any(|r| r == "external")
    {
        return None;
    }
    let here = window().location();
    let url = web_sys::Url::new_with_base(&attr("href"), &here.href().ok()?).ok()?;
    if url.origin() != here.origin().ok()? {
        return None;
    }
    let (path, search, hash) = (url.pathname(), url.search(), url.hash());
    // A fragment of the page shown: the browser scrolls to it.
    if !hash.is_empty() && path == here.pathname().ok()? && search == here.search().ok()? {
        return None;
    }
    Some(format!("{path}{search}{hash}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_their_patterns() {
        let p = match_path("/register/:bank/consent", "/register/sber/consent").unwrap();
        assert_eq!(p.get("bank").as_deref(), Some("sber"));
        assert!(match_path("/register/:bank", "/register/sber/consent").is_none());
        assert!(match_path("/register/:bank", "/register/").is_none());
        assert!(match_path("/register/:bank", "/register").is_none());
        assert!(match_path("/", "/").is_some());
        assert!(match_path("/signin", "/signin/").is_some());
        assert!(match_path("/signin", "/sign").is_none());
        // `+` in a path is itself; in a query it is a space.
        let p = match_path("/registration/:id", "/registration/a+b").unwrap();
        assert_eq!(p.get("id").as_deref(), Some("a+b"));
        assert_eq!(
            Params::from_query("?q=a+b").get("q").as_deref(),
            Some("a b")
        );
        let p = match_path(
            "/account/banks/change/:old/:bank",
            "/account/banks/change/a/b",
        )
        .unwrap();
        assert_eq!(
            (p.get("old"), p.get("bank")),
            (Some("a".into()), Some("b".into()))
        );
    }

    #[test]
    fn queries_are_split_without_decoding_when_plain() {
        let q = Params::from_query("?error=LINK_CANCELLED&trace_id=t-1&empty=&flag");
        assert_eq!(q.get("error").as_deref(), Some("LINK_CANCELLED"));
        assert_eq!(q.get("trace_id").as_deref(), Some("t-1"));
        assert_eq!(q.get("empty").as_deref(), Some(""));
        assert_eq!(q.get("flag").as_deref(), Some(""));
        assert_eq!(q.get("missing"), None);
        assert_eq!(Params::from_query("").get("x"), None);
    }
}
