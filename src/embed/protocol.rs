//! The embedded pages' side of the contract with the bank's page (`docs/embed-messages.schema.json`,
//! [`bankid_api::embed`]): which page a path is, whom a message goes to, what address the whole
//! page comes back to, how messages are posted, and the one thing the frame keeps across a
//! top-level trip to the bank.
//!
//! The decisions are plain functions of strings (tested on the host and in the browser); the few
//! functions that touch the browser are at the end.

use bankid_api::embed::{FrameEvent, FrameMessage, RETURN_URL_MAX};
use bankid_api::Lang;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};

/// The `sessionStorage` key of [`Pending`]: the only thing the embedded pages ever store.
pub const PENDING_KEY: &str = "bp-embed-pending";

/// Which embedded page a path is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmbedRoute {
    /// `/embed/{bank_id}`: the frame a bank's page embeds.
    Frame(String),
    /// `/embed/return`: the bank's window after the bank.
    Return,
    /// Anything else under `/embed`.
    Unknown,
}

/// The page of `path` (query and fragment ignored, a trailing `/` allowed).
pub fn embed_route(path: &str) -> EmbedRoute {
    let path = path.split(['?', '#']).next().unwrap_or("");
    let Some(rest) = path.strip_prefix("/embed/") else {
        return EmbedRoute::Unknown;
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest == "return" {
        EmbedRoute::Return
    } else if !rest.is_empty()
        && rest.len() <= 64
        && rest
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
    {
        EmbedRoute::Frame(rest.to_string())
    } else {
        EmbedRoute::Unknown
    }
}

/// The raw (still percent-encoded) value of the query parameter `name` in `search` (`?a=1&b=2`).
pub fn query_param<'a>(search: &'a str, name: &str) -> Option<&'a str> {
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
}

/// The language the bank asked for in the frame's address (`?lang=ru|uk|en`), if any.
pub fn lang_param(search: &str) -> Option<Lang> {
    query_param(search, "lang").and_then(|v| match v {
        "ru" => Some(Lang::Ru),
        "uk" => Some(Lang::Uk),
        "en" => Some(Lang::En),
        _ => None,
    })
}

/// The one-time code of the bank window's return address fragment (`#code=…`), if well formed.
pub fn handback_code(fragment: &str) -> Option<String> {
    fragment
        .trim_start_matches('#')
        .split('&')
        .find_map(|pair| pair.strip_prefix("code="))
        .filter(|c| bankid_api::embed::is_code(c))
        .map(str::to_string)
}

/// The web origin (`scheme://host[:port]`, lowercase) of an absolute http(s) URL or origin.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    Some(format!("{scheme}://{}", authority.to_ascii_lowercase()))
}

/// The entry of `allowed` (the bank's `embed_origins`) that is the origin `origin`, if any.
pub fn allowed_origin(origin: &str, allowed: &[String]) -> Option<String> {
    let origin = origin_of(origin)?;
    allowed
        .iter()
        .find(|a| origin_of(a).as_deref() == Some(origin.as_str()))
        .cloned()
}

/// Where the frame's messages go: the parent's origin when it is known — `ancestor`
/// (`location.ancestorOrigins[0]`), else the origin of `referrer` — and one of the bank's
/// `allowed` origins; otherwise each of the allowed origins (the browser delivers only to the one
/// the parent really is on). Never `*`.
pub fn message_targets(ancestor: Option<&str>, referrer: &str, allowed: &[String]) -> Vec<String> {
    ancestor
        .and_then(|a| allowed_origin(a, allowed))
        .or_else(|| allowed_origin(referrer, allowed))
        .map(|o| vec![o])
        .unwrap_or_else(|| allowed.to_vec())
}

/// The bank page a top-level trip to the bank comes back to: the parent page's address
/// (`referrer`) when it is on one of the bank's `allowed` origins; else the parent's origin (known
/// from `ancestor` or the referrer, or the bank's only origin) followed by `/`; `None` when no
/// origin of the bank can be told (the server then refuses with `FIELD_RETURN_URL`).
pub fn return_url(referrer: &str, ancestor: Option<&str>, allowed: &[String]) -> Option<String> {
    if allowed_origin(referrer, allowed).is_some() && referrer.len() <= RETURN_URL_MAX {
        return Some(referrer.to_string());
    }
    let origin = ancestor
        .and_then(|a| allowed_origin(a, allowed))
        .or_else(|| allowed_origin(referrer, allowed))
        .or_else(|| match allowed {
            [only] => origin_of(only),
            _ => None,
        })?;
    Some(format!("{}/", origin.trim_end_matches('/')))
}

/// The JSON text of a frame → parent message.
pub fn message_json(event: FrameEvent) -> String {
    // A FrameMessage is strings, numbers and enums: serializing it cannot fail.
    serde_json::to_string(&FrameMessage::new(event)).unwrap_or_default()
}

/// The JS object posted for `json` (a message's JSON text): messages are objects, not strings.
pub fn message_object(json: &str) -> JsValue {
    js_sys::JSON::parse(json).unwrap_or(JsValue::NULL)
}

/// What the frame keeps in `sessionStorage` ([`PENDING_KEY`]) while the whole page is at the bank:
/// which registration, and the frame's credential for it (absent over https, where a cookie is
/// the credential).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    pub registration_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame_token: Option<String>,
}

impl Pending {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A well-formed stored value; anything else is `None`.
    pub fn parse(json: &str) -> Option<Pending> {
        let p: Pending = serde_json::from_str(json).ok()?;
        let id_ok = !p.registration_id.is_empty()
            && p.registration_id.len() <= 64
            && p.registration_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        let token_ok = p
            .frame_token
            .as_deref()
            .is_none_or(bankid_api::embed::is_code);
        (id_ok && token_ok).then_some(p)
    }
}

// ---------------------------------------------------------------------------------------------
// The browser

/// `location.ancestorOrigins[0]` (the parent's origin) where the browser has it.
pub fn ancestor_origin() -> Option<String> {
    let location = web_sys::window()?.location();
    let list = js_sys::Reflect::get(&location, &JsValue::from_str("ancestorOrigins")).ok()?;
    if list.is_undefined() || list.is_null() {
        return None;
    }
    js_sys::Reflect::get(&list, &JsValue::from_f64(0.0))
        .ok()?
        .as_string()
}

/// The query parameter `name` of this page's address, decoded.
pub fn param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    let raw = query_param(&search, name)?;
    js_sys::decode_uri_component(raw).ok().map(String::from)
}

/// `document.referrer` ("" when there is none).
pub fn referrer() -> String {
    web_sys::window()
        .and_then(|w| w.document())
        .map(|d| d.referrer())
        .unwrap_or_default()
}

/// The window that frames this one, if any (not this window itself).
pub fn parent_window() -> Option<web_sys::Window> {
    let window = web_sys::window()?;
    let parent = window.parent().ok().flatten()?;
    (!js_sys::Object::is(&parent, &window)).then_some(parent)
}

/// Posts the message `json` (as an object) to `target` on each of `origins`.
pub fn post_json(target: &web_sys::Window, json: &str, origins: &[String]) {
    let object = message_object(json);
    for origin in origins {
        let _ = target.post_message(&object, origin);
    }
}

/// Takes [`Pending`] out of `sessionStorage`: removed at once, so it serves one page load.
pub fn take_pending() -> Option<Pending> {
    let storage = web_sys::window()?.session_storage().ok().flatten()?;
    let value = storage.get_item(PENDING_KEY).ok().flatten()?;
    let _ = storage.remove_item(PENDING_KEY);
    Pending::parse(&value)
}

/// Keeps `pending` in `sessionStorage` for the page load after the bank; false when the browser
/// refuses (then the frame cannot pick the registration up again, but polling from a new start
/// still works).
pub fn keep_pending(pending: &Pending) -> bool {
    web_sys::window()
        .and_then(|w| w.session_storage().ok().flatten())
        .is_some_and(|s| s.set_item(PENDING_KEY, &pending.to_json()).is_ok())
}

/// Forgets [`Pending`] (the top-level trip did not happen).
pub fn drop_pending() {
    if let Some(s) = web_sys::window().and_then(|w| w.session_storage().ok().flatten()) {
        let _ = s.remove_item(PENDING_KEY);
    }
}

/// `event.data` as JSON text (`JSON.stringify`), if it has one.
pub fn data_json(data: &JsValue) -> Option<String> {
    js_sys::JSON::stringify(data).ok()?.as_string()
}

/// Whether `source` (a message's `event.source`) is `window`.
pub fn is_window(source: Option<&js_sys::Object>, window: &web_sys::Window) -> bool {
    source.is_some_and(|s| js_sys::Object::is(s, window))
}

/// A window as the `Window` type (a `WindowProxy` from `opener` or `window.open`).
pub fn as_window(value: JsValue) -> Option<web_sys::Window> {
    (!value.is_null() && !value.is_undefined()).then(|| value.unchecked_into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use bankid_api::embed::EmbedStep;

    fn origins(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn paths_are_the_frame_or_the_return_page() {
        assert_eq!(embed_route("/embed/sber"), EmbedRoute::Frame("sber".into()));
        assert_eq!(
            embed_route("/embed/sber/?lang=uk"),
            EmbedRoute::Frame("sber".into())
        );
        assert_eq!(embed_route("/embed/return"), EmbedRoute::Return);
        assert_eq!(embed_route("/embed/return#code=x"), EmbedRoute::Return);
        for p in [
            "/embed",
            "/embed/",
            "/embed/sber/x",
            "/embed/Sber",
            "/embed/a%20b",
            "/",
        ] {
            assert_eq!(embed_route(p), EmbedRoute::Unknown, "{p}");
        }
    }

    #[test]
    fn query_parameters_are_found_by_whole_name() {
        assert_eq!(
            query_param("?lang=uk&return=x%2Fy", "return"),
            Some("x%2Fy")
        );
        assert_eq!(query_param("?returns=1&return=2", "return"), Some("2"));
        assert_eq!(query_param("?lang=uk", "return"), None);
        assert_eq!(query_param("", "lang"), None);
    }

    #[test]
    fn only_known_languages_are_taken_from_the_address() {
        assert_eq!(lang_param("?lang=uk"), Some(Lang::Uk));
        assert_eq!(lang_param("?x=1&lang=en"), Some(Lang::En));
        assert_eq!(lang_param("?lang=de"), None);
        assert_eq!(lang_param("?lang=uk-UA"), None);
        assert_eq!(lang_param(""), None);
    }

    #[test]
    fn the_code_is_read_from_the_fragment() {
        let code = "A".repeat(43);
        assert_eq!(handback_code(&format!("#code={code}")), Some(code.clone()));
        assert_eq!(handback_code(&format!("#x=1&code={code}")), Some(code));
        assert_eq!(handback_code("#code=short"), None);
        assert_eq!(handback_code(""), None);
    }

    #[test]
    fn origins_of_urls() {
        assert_eq!(
            origin_of("http://127.0.0.2:8082/sber/?a=1").as_deref(),
            Some("http://127.0.0.2:8082")
        );
        assert_eq!(
            origin_of("HTTPS://Bank.Example").as_deref(),
            Some("https://bank.example")
        );
        assert_eq!(origin_of("javascript:alert(1)"), None);
        assert_eq!(origin_of("https://user@evil.example/"), None);
        assert_eq!(origin_of(""), None);
    }

    #[test]
    fn messages_go_to_the_parent_origin_or_to_each_allowed_one() {
        let allowed = origins(&["http://127.0.0.2:8082", "https://bank.example"]);
        // The browser says who the parent is.
        assert_eq!(
            message_targets(Some("https://bank.example"), "", &allowed),
            origins(&["https://bank.example"])
        );
        // Else the referrer's origin.
        assert_eq!(
            message_targets(None, "http://127.0.0.2:8082/sber/", &allowed),
            origins(&["http://127.0.0.2:8082"])
        );
        // A parent on another origin is never a target: each allowed origin instead.
        assert_eq!(
            message_targets(
                Some("http://127.0.0.3:9000"),
                "http://127.0.0.3:9000/",
                &allowed
            ),
            allowed
        );
        assert_eq!(message_targets(None, "", &allowed), allowed);
        assert!(message_targets(None, "", &[]).is_empty());
    }

    #[test]
    fn the_whole_page_comes_back_to_the_bank_page() {
        let allowed = origins(&["http://127.0.0.2:8082"]);
        assert_eq!(
            return_url("http://127.0.0.2:8082/sber/?tab=2", None, &allowed).as_deref(),
            Some("http://127.0.0.2:8082/sber/?tab=2")
        );
        // Only the origin known (the usual referrer policy): its root.
        assert_eq!(
            return_url("", Some("http://127.0.0.2:8082"), &allowed).as_deref(),
            Some("http://127.0.0.2:8082/")
        );
        // Nothing known, one allowed origin: that is the parent's.
        assert_eq!(
            return_url("", None, &allowed).as_deref(),
            Some("http://127.0.0.2:8082/")
        );
        // Several allowed, nothing known: the server decides (it refuses).
        let two = origins(&["http://127.0.0.2:8082", "https://bank.example"]);
        assert_eq!(return_url("", None, &two), None);
        // A referrer elsewhere is never a return address.
        assert_eq!(
            return_url(
                "http://127.0.0.3:9000/x",
                Some("https://bank.example"),
                &two
            )
            .as_deref(),
            Some("https://bank.example/")
        );
        // Too long to send: the origin.
        let long = format!("http://127.0.0.2:8082/{}", "a".repeat(RETURN_URL_MAX));
        assert_eq!(
            return_url(&long, None, &allowed).as_deref(),
            Some("http://127.0.0.2:8082/")
        );
    }

    #[test]
    fn messages_are_the_documented_json() {
        assert_eq!(
            message_json(FrameEvent::Step {
                name: EmbedStep::Bank
            }),
            r#"{"protocol":"bankid-portal/1","type":"step","name":"bank"}"#
        );
    }

    #[test]
    fn pending_registrations_round_trip_and_nothing_else_is_read() {
        let p = Pending {
            registration_id: "0b7d4c1e-9a1f-4f7e-8d2a-3c4b5a6d7e8f".into(),
            frame_token: Some("t".repeat(43)),
        };
        assert_eq!(Pending::parse(&p.to_json()), Some(p));
        let cookie_only = Pending {
            registration_id: "r1".into(),
            frame_token: None,
        };
        assert_eq!(cookie_only.to_json(), r#"{"registration_id":"r1"}"#);
        assert_eq!(Pending::parse(&cookie_only.to_json()), Some(cookie_only));
        for bad in [
            r#"{"registration_id":"","frame_token":null}"#,
            r#"{"registration_id":"a/b"}"#,
            r#"{"registration_id":"r1","frame_token":"short"}"#,
            "not json",
        ] {
            assert_eq!(Pending::parse(bad), None, "{bad}");
        }
    }
}
