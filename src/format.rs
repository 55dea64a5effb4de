//! Small display helpers: localized times, wire names, safe CSS class suffixes.

use bankid_api::types::RegistrationState;
use bankid_api::Lang;
use wasm_bindgen::JsValue;

/// An RFC 3339 time as the citizen reads it, e.g. "23 ноября 2026 г., 18:40" (their time zone).
/// Falls back to the raw text when the browser cannot parse it.
pub fn local_time(lang: Lang, rfc3339: &str) -> String {
    if !cfg!(target_arch = "wasm32") {
        return rfc3339.to_string();
    }
    let date = js_sys::Date::new(&JsValue::from_str(rfc3339));
    if date.get_time().is_nan() {
        return rfc3339.to_string();
    }
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"long".into());
    let _ = js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into());
    String::from(date.to_locale_string(lang.tag(), &options))
}

/// A moment (ms since the epoch) as a clock time the citizen reads, e.g. "14:05" (their time
/// zone); with the date too when it is not today.
pub fn local_clock(lang: Lang, ms: f64) -> String {
    if !cfg!(target_arch = "wasm32") {
        return format!("{ms}");
    }
    let date = js_sys::Date::new(&JsValue::from_f64(ms));
    let today = js_sys::Date::new_0();
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into());
    if date.to_date_string() != today.to_date_string() {
        let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into());
    }
    String::from(date.to_locale_string(lang.tag(), &options))
}

/// The wire name of a state, for `data-state` (e2e hooks) and CSS modifiers.
pub fn state_name(state: RegistrationState) -> &'static str {
    match state {
        RegistrationState::AwaitingBank => "awaiting_bank",
        RegistrationState::PendingConfirmation => "pending_confirmation",
        RegistrationState::Active => "active",
        RegistrationState::Rejected => "rejected",
        RegistrationState::Failed => "failed",
    }
}

/// `s` reduced to `[a-z0-9-]`, for use in a class name.
pub fn css_ident(s: &str) -> String {
    s.chars()
        .map(|c| c.to_ascii_lowercase())
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_suffixes_are_safe() {
        assert_eq!(css_ident("sber"), "sber");
        assert_eq!(css_ident("Evil\" onclick=x"), "evilonclickx");
    }

    #[test]
    fn state_names_match_serde() {
        for s in [
            RegistrationState::AwaitingBank,
            RegistrationState::PendingConfirmation,
            RegistrationState::Rejected,
            RegistrationState::Failed,
        ] {
            assert_eq!(
                serde_json::to_string(&s).ok(),
                Some(format!("\"{}\"", state_name(s)))
            );
        }
    }
}
