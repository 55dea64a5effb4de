//! The phone number question: the form around a [`TextInput`] of type `tel`, validated with the
//! same function as the server.

use bankid_api::types::Country;
use bankid_api::validate::{check_phone_country, normalize_phone, phone_hint_for};
use bankid_api::{ErrorCode, Lang};
use leptos::prelude::*;

use crate::components::error_summary::{ErrorSummary, SummaryItem};
use crate::components::text_input::{InputWidth, TextInput};
use crate::i18n::{pick, t, tr, use_lang, Key};

/// Id (and name) of the phone input.
pub const PHONE_ID: &str = "phone";

/// The phone rule in `lang` for a bank of `country` (any served country's when not known), from
/// the shared crate.
pub fn phone_hint(lang: Lang, country: Option<Country>) -> &'static str {
    pick(lang, phone_hint_for(country))
}

/// The step 1 form: error summary, optional content (caption), the phone question and a
/// "Continue" button. On submit runs [`normalize_phone`] and, when the chosen bank's `country` is
/// known, [`check_phone_country`] (the server's rule: a bank confirms only its own country's
/// numbers); on success calls `on_valid` with the E.164 number, otherwise sets `error` (the
/// summary takes focus, the typed text stays).
#[component]
pub fn PhoneForm(
    /// The text as typed.
    value: RwSignal<String>,
    /// The current problem; the page reads it for its title.
    error: RwSignal<Option<ErrorCode>>,
    /// Receives the normalized number.
    #[prop(into)]
    on_valid: Callback<String>,
    /// Shown between the summary and the question (e.g. the step caption).
    #[prop(optional)]
    children: Option<Children>,
    /// Extra hint text before the phone rule.
    #[prop(optional, into)]
    lead: Signal<String>,
    /// The country of the bank the number is for, once known.
    #[prop(optional, into)]
    country: Signal<Option<Country>>,
) -> impl IntoView {
    let lang = use_lang();
    let items = Signal::derive(move || {
        error
            .get()
            .map(|c| vec![SummaryItem::field(PHONE_ID, c)])
            .unwrap_or_default()
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let checked = normalize_phone(&value.get_untracked()).and_then(|e164| {
            match country.get_untracked() {
                Some(c) => check_phone_country(&e164, c).map(|()| e164),
                None => Ok(e164),
            }
        });
        match checked {
            Ok(e164) => {
                error.set(None);
                on_valid.run(e164);
            }
            Err(code) => error.set(Some(code)),
        }
    };
    let label = Signal::derive(move || t(lang.get(), Key::PhoneQuestion).to_string());
    // The page's lead (if any), then the shared phone rule (of the bank's country).
    let hint = Signal::derive(move || {
        let rule = phone_hint(lang.get(), country.get());
        lead.with(|lead| {
            if lead.is_empty() {
                rule.to_string()
            } else {
                format!("{lead} {rule}")
            }
        })
    });
    view! {
        <form class="bp-form" novalidate on:submit=on_submit>
            <ErrorSummary items />
            {children.map(|c| c())}
            <TextInput
                id=PHONE_ID
                value
                error=error
                label
                page_heading=true
                hint
                input_type="tel"
                autocomplete="tel"
                inputmode="tel"
                spellcheck=false
                width=InputWidth::Chars20
            />
            <button type="submit" class="bp-button">
                {tr(Key::Continue)}
            </button>
        </form>
    }
}
