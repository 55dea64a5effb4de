//! The embedded pages' pieces: the portal's GOV.UK patterns (error summary, inline error, problem,
//! trace id, page title) with the same markup and classes as `crate::components`, built on
//! [`super::texts`] only. The shared components take their texts from the whole catalogue and
//! carry options this bundle never uses; these keep the bundle within its budget.

use bankid_api::{ErrorCode, Lang};
use leptos::prelude::*;

use super::texts::{et, etr, EmbedKey};
use crate::components::focus_element;
use crate::i18n::use_lang;

/// Id of the error summary, which takes focus when it appears.
pub const SUMMARY_ID: &str = "error-summary";

/// The message of `code` in the current language, reactive (one closure type for all).
pub fn message(code: ErrorCode) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let lang = use_lang();
    move || code.message(lang.get())
}

/// What to do next about `code` in the current language, reactive.
pub fn next_step(code: ErrorCode) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let lang = use_lang();
    move || code.next_step(lang.get())
}

/// One problem of the error summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Problem {
    /// The field's element id: the item links to it. `None`: the message and the next step.
    pub field: Option<&'static str>,
    pub code: ErrorCode,
}

/// The error summary: nothing while `items` is empty; otherwise a box that announces itself
/// (`role="alert"`), takes focus, and links every field problem to its field.
#[component]
pub fn ErrorBox(
    #[prop(into)] items: Signal<Vec<Problem>>,
    #[prop(optional, into)] trace_id: Signal<Option<String>>,
) -> impl IntoView {
    Effect::new(move |_| {
        if items.with(|i| !i.is_empty()) {
            focus_element(SUMMARY_ID);
        }
    });
    move || {
        let list = items.get();
        (!list.is_empty()).then(|| {
            let rows = list
                .into_iter()
                .map(|p| match p.field {
                    Some(id) => view! {
                        <li>
                            <a
                                href=format!("#{id}")
                                on:click=move |ev| {
                                    if focus_element(id) {
                                        ev.prevent_default();
                                    }
                                }
                            >
                                {message(p.code)}
                            </a>
                        </li>
                    }
                    .into_any(),
                    None => view! {
                        <li>
                            <span class="bp-error-summary__text">{message(p.code)}</span>
                            " "
                            <span class="bp-error-summary__next">{next_step(p.code)}</span>
                        </li>
                    }
                    .into_any(),
                })
                .collect::<Vec<_>>();
            view! {
                <div class="bp-error-summary" id=SUMMARY_ID tabindex="-1">
                    <div role="alert">
                        <h2 class="bp-error-summary__title">{etr(EmbedKey::ErrorSummaryTitle)}</h2>
                        <div class="bp-error-summary__body">
                            <ul class="bp-list bp-error-summary__list">{rows}</ul>
                            {trace_line(trace_id.get())}
                        </div>
                    </div>
                </div>
            }
        })
    }
}

/// The inline message of a field (`id`, which the field's `aria-describedby` names), prefixed
/// "Error:" for screen readers.
pub fn error_message(id: &'static str, code: ErrorCode) -> impl IntoView {
    view! {
        <p id=id class="bp-error-message">
            <span class="bp-visually-hidden">{etr(EmbedKey::ErrorPrefix)} " "</span>
            {message(code)}
        </p>
    }
}

/// "Give this number to support: T" (the id in `<code class="bp-trace-id">`); nothing without one.
pub fn trace_line(trace_id: Option<String>) -> Option<impl IntoView> {
    trace_id.filter(|t| !t.is_empty()).map(|id| {
        view! {
            <p class="bp-trace">
                {etr(EmbedKey::TraceIdLabel)} " " <code class="bp-trace-id">{id}</code>
            </p>
        }
    })
}

/// A failure explained in full: the message (the page's `<h1>` when `heading`), what to do next,
/// and the trace id.
pub fn problem(code: ErrorCode, trace_id: Option<String>, heading: bool) -> impl IntoView {
    let text = if heading {
        view! { <h1 class="bp-heading-l">{message(code)}</h1> }.into_any()
    } else {
        view! { <p class="bp-body-l bp-problem__message">{message(code)}</p> }.into_any()
    };
    view! {
        <div class="bp-problem">
            {text}
            <h2 class="bp-heading-m">{etr(EmbedKey::WhatNext)}</h2>
            <p class="bp-body">{next_step(code)}</p>
            {trace_line(trace_id)}
        </div>
    }
}

/// Keeps `document.title` at "`page` — portal", with "Error:" first while `has_error`.
pub fn use_title(page: impl Fn(Lang) -> String + 'static, has_error: Signal<bool>) {
    let lang = use_lang();
    Effect::new(move |_| {
        let l = lang.get();
        let prefix = if has_error.get() {
            format!("{} ", et(l, EmbedKey::ErrorPrefix))
        } else {
            String::new()
        };
        document().set_title(&format!(
            "{prefix}{} — {}",
            page(l),
            et(l, EmbedKey::SiteName)
        ));
    });
}
