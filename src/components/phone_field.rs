//! The phone number question: a GOV.UK text input (`PhoneField`) and the form around it
//! (`PhoneForm`) that validates with the same function as the server.

use bankid_api::validate::{normalize_phone, PHONE_HINT};
use bankid_api::{ErrorCode, Lang};
use leptos::prelude::*;

use crate::components::error_message::ErrorMessage;
use crate::components::error_summary::{ErrorSummary, SummaryItem};
use crate::i18n::{t, tr, use_lang, Key};

/// The phone rule in `lang`, from the shared crate.
pub fn phone_hint(lang: Lang) -> &'static str {
    let (ru, uk, en) = PHONE_HINT;
    match lang {
        Lang::Ru => ru,
        Lang::Uk => uk,
        Lang::En => en,
    }
}

/// A labelled `type="tel"` input with hint and inline error.
///
/// Ids: input `{id}`, hint `{id}-hint`, error `{id}-error`; `aria-describedby` lists the hint and,
/// while there is an error, the error; `aria-invalid="true"` while there is an error.
#[component]
pub fn PhoneField(
    /// Id of the `<input>` (also its `name`).
    #[prop(into)]
    id: String,
    /// The text as typed; kept as is on redisplay.
    value: RwSignal<String>,
    /// What is wrong with it, if anything.
    #[prop(into)]
    error: Signal<Option<ErrorCode>>,
    /// The question; rendered inside the page's `<h1>` when `page_heading`.
    #[prop(into)]
    label: Signal<String>,
    /// Whether the label is the page heading (GOV.UK question page).
    #[prop(optional)]
    page_heading: bool,
    /// Extra hint text shown before the phone rule.
    #[prop(optional, into)]
    lead: Signal<String>,
) -> impl IntoView {
    let lang = use_lang();
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described_by = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || {
            if error.get().is_some() {
                format!("{hint_id} {error_id}")
            } else {
                hint_id.clone()
            }
        }
    };
    let label_view = {
        let id = id.clone();
        view! {
            <label
                class="bp-label"
                class:bp-label--l=page_heading
                for=id
            >
                {move || label.get()}
            </label>
        }
    };
    let label_view = if page_heading {
        view! { <h1 class="bp-label-wrapper">{label_view}</h1> }.into_any()
    } else {
        label_view.into_any()
    };
    view! {
        <div class="bp-form-group" class:bp-form-group--error=move || error.get().is_some()>
            {label_view}
            <div id=hint_id class="bp-hint">
                {move || {
                    let lead = lead.get();
                    (!lead.is_empty()).then(|| format!("{lead} "))
                }}
                {move || phone_hint(lang.get())}
            </div>
            <ErrorMessage id=error_id code=error />
            <input
                class="bp-input bp-input--phone"
                class:bp-input--error=move || error.get().is_some()
                id=id.clone()
                name=id
                type="tel"
                autocomplete="tel"
                inputmode="tel"
                spellcheck="false"
                aria-describedby=described_by
                aria-invalid=move || error.get().map(|_| "true")
                bind:value=value
            />
        </div>
    }
}

/// The step 1 form: error summary, optional content (caption), the phone question and a
/// "Continue" button. On submit runs [`normalize_phone`]; on success calls `on_valid` with the
/// E.164 number, otherwise sets `error` (the summary takes focus, the typed text stays).
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
) -> impl IntoView {
    let lang = use_lang();
    let items = Signal::derive(move || {
        error
            .get()
            .map(|c| vec![SummaryItem::field("phone", c)])
            .unwrap_or_default()
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match normalize_phone(&value.get_untracked()) {
            Ok(e164) => {
                error.set(None);
                on_valid.run(e164);
            }
            Err(code) => error.set(Some(code)),
        }
    };
    let label = Signal::derive(move || t(lang.get(), Key::PhoneQuestion).to_string());
    view! {
        <form class="bp-form" novalidate on:submit=on_submit>
            <ErrorSummary items />
            {children.map(|c| c())}
            <PhoneField
                id="phone"
                value
                error=error
                label
                page_heading=true
                lead
            />
            <button type="submit" class="bp-button">
                {tr(Key::Continue)}
            </button>
        </form>
    }
}
