//! The current language, and the UI string catalogue (`bankid_api::texts`, shared with the server,
//! which writes each page's first view with it) as the components use it.
//!
//! Error texts are not here: they come from [`bankid_api::ErrorCode::message`] and
//! [`bankid_api::ErrorCode::next_step`], the one mapping shared with the server.

pub use bankid_api::texts::{pick, t, texts, tf, years, Key};
use bankid_api::Lang;
use leptos::prelude::*;

/// Where the chosen language is remembered between visits (not a secret); the server is told it
/// in the cookie [`LANG_COOKIE`].
const STORAGE_KEY: &str = "bp-lang";
/// The cookie the server reads the chosen language from (`web.rs`, `LANG_COOKIE`).
const LANG_COOKIE: &str = "bp_lang";

/// The current UI language, shared through context.
#[derive(Debug, Clone, Copy)]
pub struct LangContext(pub RwSignal<Lang>);

/// The current language: the context's if there is one, otherwise the default.
///
/// Components use this so that they also work when mounted alone (tests).
pub fn use_lang() -> Signal<Lang> {
    match use_context::<LangContext>() {
        Some(LangContext(sig)) => sig.into(),
        None => Signal::stored(initial_lang()),
    }
}

impl LangContext {
    /// Sets the UI language (the switcher calls this) and remembers it for the next visit.
    pub fn set(self, lang: Lang) {
        self.0.set(lang);
        if let Some(storage) = window().local_storage().ok().flatten() {
            let _ = storage.set_item(STORAGE_KEY, lang.tag());
        }
        remember_for_server(lang);
    }
}

/// Tells the server the language (cookie `bp_lang`, not secret, a year), so the pages it writes
/// and its error messages are in it from the first byte.
fn remember_for_server(lang: Lang) {
    let secure = window().location().protocol().is_ok_and(|p| p == "https:");
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax{}",
        lang.tag(),
        if secure { "; Secure" } else { "" }
    );
    let _ = js_sys::Reflect::set(&document(), &"cookie".into(), &cookie.into());
}

/// Creates the language signal, provides it as context and keeps `<html lang>` in sync.
pub fn provide_lang() -> RwSignal<Lang> {
    provide_lang_from(None)
}

/// [`provide_lang`] starting in `initial` when given (the embedded frame's `?lang=`), else in the
/// remembered or the browser's language.
pub fn provide_lang_from(initial: Option<Lang>) -> RwSignal<Lang> {
    let lang = RwSignal::new(initial.unwrap_or_else(initial_lang));
    provide_context(LangContext(lang));
    Effect::new(move |_| {
        let tag = lang.get().tag();
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("lang", tag);
        }
    });
    lang
}

/// The remembered choice, else the language the server wrote the page in (its boot data: the
/// browser's `Accept-Language`), else the browser's languages in order of preference, else
/// Russian. A remembered choice the server did not know of is told to it for the next page.
fn initial_lang() -> Lang {
    let stored = window()
        .local_storage()
        .ok()
        .flatten()
        .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten());
    let page = page_lang();
    let lang = match (stored.as_deref().and_then(Lang::from_tag), page) {
        (Some(chosen), _) => chosen,
        (None, Some(page)) => page,
        (None, None) => choose_lang(None, &browser_languages()),
    };
    if stored.is_some() && page.is_some_and(|p| p != lang) {
        remember_for_server(lang);
    }
    lang
}

/// The language the server wrote the page in: its `<html lang>`, when the page comes from the
/// portal's server (it has boot data; the embed bundle reads no more of it than this).
fn page_lang() -> Option<Lang> {
    let doc = document();
    doc.get_element_by_id(bankid_api::types::BOOT_ELEMENT_ID)?;
    Lang::from_tag(&doc.document_element()?.get_attribute("lang")?)
}

/// `navigator.languages` (the list the browser sends as `Accept-Language`, best first), or
/// `navigator.language` where the list is missing.
fn browser_languages() -> Vec<String> {
    let navigator = window().navigator();
    let mut tags: Vec<String> = navigator
        .languages()
        .iter()
        .filter_map(|v| v.as_string())
        .collect();
    if tags.is_empty() {
        tags.extend(navigator.language());
    }
    tags
}

/// The first language the portal speaks of: the remembered choice (`stored`), then each of the
/// browser's `preferred` tags in order; Russian when none fits.
pub fn choose_lang(stored: Option<&str>, preferred: &[String]) -> Lang {
    stored
        .and_then(Lang::from_tag)
        .or_else(|| preferred.iter().find_map(|tag| Lang::from_tag(tag)))
        .unwrap_or_default()
}

/// The text of `key` in the current language, as a reactive view or attribute value.
///
/// Every call returns the same closure type, so the hundred texts of the UI share one
/// instantiation of the renderer instead of one each (this keeps the wasm small).
pub fn tr(key: Key) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let lang = use_lang();
    move || t(lang.get(), key)
}

/// Keeps `document.title` at "`page` — portal" (the deployment's name for the portal), prefixed
/// with "Error: " while `has_error`.
pub fn use_page_title(page: impl Fn(Lang) -> String + 'static, has_error: Signal<bool>) {
    let lang = use_lang();
    let portal = crate::state::brand().name;
    Effect::new(move |_| {
        let lang = lang.get();
        let mut title = String::new();
        if has_error.get() {
            title.push_str(t(lang, Key::ErrorPrefix));
            title.push(' ');
        }
        title.push_str(&page(lang));
        title.push_str(" — ");
        title.push_str(portal.get(lang));
        document().set_title(&title);
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use bankid_api::ErrorCode;

    /// Keys whose Ukrainian text is spelled exactly as the Russian one because the word is the
    /// same in both languages (not a forgotten translation).
    const SAME_IN_RU_AND_UK: &[Key] = &[
        Key::Back,
        Key::ConsentBank,
        Key::StatusLabel,
        Key::RequestNumber,
        Key::Bank,
        Key::DateDay,
        Key::NavStatus,
        Key::InboxTo,
        Key::ChannelPhone,
        Key::NavBanks,
        Key::DoneTitle,
        Key::NavMenu,
    ];

    #[test]
    fn the_whole_catalogue_is_translated() {
        assert!(Key::ALL.len() > 70, "Key::ALL lists every key");
        for &k in Key::ALL {
            for l in Lang::ALL {
                let text = t(l, k);
                assert!(!text.trim().is_empty(), "{k:?} {l:?} is empty");
                assert_eq!(text, text.trim(), "{k:?} {l:?} has stray spaces");
            }
            // A forgotten translation shows up as a copy of the Russian text.
            assert_ne!(t(Lang::En, k), t(Lang::Ru, k), "{k:?}: en is a copy of ru");
            assert_ne!(t(Lang::En, k), t(Lang::Uk, k), "{k:?}: en is a copy of uk");
            if !SAME_IN_RU_AND_UK.contains(&k) {
                assert_ne!(t(Lang::Uk, k), t(Lang::Ru, k), "{k:?}: uk is a copy of ru");
            }
        }
        // And the exceptions are exactly the words that really are the same.
        for &k in SAME_IN_RU_AND_UK {
            assert_eq!(
                t(Lang::Uk, k),
                t(Lang::Ru, k),
                "{k:?} is no longer the same word"
            );
        }
    }

    #[test]
    fn each_language_reads_in_its_own_script() {
        let cyrillic = |s: &str| s.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c));
        for &k in Key::ALL {
            assert!(cyrillic(t(Lang::Ru, k)), "{k:?} ru");
            assert!(cyrillic(t(Lang::Uk, k)), "{k:?} uk");
            assert!(!cyrillic(t(Lang::En, k)), "{k:?} en");
            // Letters only Ukrainian has never appear in Russian text, and the reverse.
            assert!(!t(Lang::Ru, k).contains(['і', 'ї', 'є', 'ґ']), "{k:?} ru");
            assert!(!t(Lang::Uk, k).contains(['ы', 'э', 'ъ', 'ё']), "{k:?} uk");
        }
    }

    #[test]
    fn every_error_code_has_texts_in_every_language() {
        for &code in ErrorCode::ALL {
            for l in Lang::ALL {
                assert!(!code.message(l).trim().is_empty(), "{code} {l:?} message");
                assert!(
                    !code.next_step(l).trim().is_empty(),
                    "{code} {l:?} next step"
                );
                // The journal shows a refusal with the same text.
                assert_eq!(
                    bankid_api::JournalEvent::Refused(code).text(l),
                    code.message(l),
                    "{code}"
                );
            }
            assert_ne!(code.message(Lang::En), code.message(Lang::Ru), "{code}");
            assert_ne!(code.message(Lang::Uk), code.message(Lang::Ru), "{code}");
        }
    }

    #[test]
    fn journal_events_read_as_words_in_every_language() {
        let cyrillic = |s: &str| {
            s.chars()
                .any(|c| ('а'..='я').contains(&c.to_lowercase().next().unwrap_or(c)))
        };
        for e in bankid_api::JournalEvent::ALL {
            assert!(
                cyrillic(e.text(Lang::Ru)) && cyrillic(e.text(Lang::Uk)),
                "{e:?}"
            );
            assert!(!cyrillic(e.text(Lang::En)), "{e:?}");
            assert!(!e.text(Lang::Ru).contains(['і', 'ї', 'є', 'ґ']), "{e:?} ru");
            assert!(!e.text(Lang::Uk).contains(['ы', 'э', 'ъ', 'ё']), "{e:?} uk");
            // Never the raw code.
            assert_ne!(e.text(Lang::En), e.as_str());
        }
    }

    #[test]
    fn language_choice_order() {
        let tags = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // Nothing known: Russian.
        assert_eq!(choose_lang(None, &[]), Lang::Ru);
        assert_eq!(choose_lang(None, &tags(&["de-DE", "fr"])), Lang::Ru);
        // The browser's list, in order, skipping what the portal does not speak.
        assert_eq!(
            choose_lang(None, &tags(&["de-DE", "uk-UA", "en"])),
            Lang::Uk
        );
        assert_eq!(choose_lang(None, &tags(&["en-GB", "ru"])), Lang::En);
        // A remembered choice wins; a broken one is ignored.
        assert_eq!(choose_lang(Some("uk"), &tags(&["en-GB"])), Lang::Uk);
        assert_eq!(choose_lang(Some("xx"), &tags(&["en-GB"])), Lang::En);
    }

    #[test]
    fn placeholders_survive_translation() {
        for l in Lang::ALL {
            assert!(t(l, Key::ContinueToBank).contains("{bank}"));
            assert!(t(l, Key::ConsentRetentionText).contains("{years}"));
            assert!(t(l, Key::DateHint).contains("{years}"));
            assert!(t(l, Key::StaleNotice).contains("{number}"));
            assert!(t(l, Key::ResendWait).contains("{secs}"));
            for k in [Key::ChannelPhone, Key::ChannelEmail, Key::CodeSentTo] {
                assert!(t(l, k).contains("{dest}"), "{k:?}");
            }
        }
        assert_eq!(
            tf(Lang::En, Key::ContinueToBank, &[("bank", "VTB")]),
            "Continue to VTB"
        );
    }

    #[test]
    fn bank_names_need_no_grammatical_case() {
        // Banks come from configuration: in Russian and Ukrainian a name stands alone, in «…»
        // after a generic noun, so no text needs it declined ("до Сбербанку").
        for &k in Key::ALL {
            for l in [Lang::Ru, Lang::Uk] {
                let s = t(l, k);
                for p in ["{bank}", "{old}"] {
                    let n = s.matches(p).count();
                    assert_eq!(s.matches(&format!("«{p}»")).count(), n, "{k:?} {l:?}: {s}");
                }
            }
        }
        assert_eq!(
            tf(Lang::Uk, Key::ContinueToBank, &[("bank", "Сбербанк")]),
            "Перейти до банку «Сбербанк»"
        );
        assert_eq!(
            tf(Lang::Ru, Key::SupportText, &[("number", "R-1")]),
            "Обратитесь в службу поддержки и назовите номер заявки R-1."
        );
    }

    #[test]
    fn plural_years() {
        assert_eq!(years(Lang::Ru, 1), "1 год");
        assert_eq!(years(Lang::Ru, 3), "3 года");
        assert_eq!(years(Lang::Ru, 5), "5 лет");
        assert_eq!(years(Lang::Ru, 11), "11 лет");
        assert_eq!(years(Lang::Ru, 21), "21 год");
        assert_eq!(years(Lang::Uk, 5), "5 років");
        assert_eq!(years(Lang::Uk, 2), "2 роки");
        assert_eq!(years(Lang::En, 5), "5 years");
        assert_eq!(years(Lang::En, 1), "1 year");
    }
}
