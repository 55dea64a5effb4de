//! How a failed operation is explained: message, what to do next, and the trace id.

use bankid_api::ErrorCode;
use leptos::prelude::*;

use crate::i18n::{tr, use_lang, Key};

/// "Give this number to support: T". Renders nothing without an id.
/// The id itself is in `<code class="bp-trace-id">` (an e2e hook).
#[component]
pub fn TraceId(#[prop(into)] trace_id: Signal<Option<String>>) -> impl IntoView {
    move || {
        trace_id.get().map(|id| {
            view! {
                <p class="bp-trace">
                    {tr(Key::TraceIdLabel)} " "
                    <code class="bp-trace-id">{id}</code>
                </p>
            }
        })
    }
}

/// The trace id folded away behind "Details for support" (`<details>`): people quote the request
/// number, support looks the request up by this id. Renders nothing without an id. The id is in
/// `<code class="bp-trace-id">`, like [`TraceId`]'s.
#[component]
pub fn SupportDetails(#[prop(into)] trace_id: Signal<Option<String>>) -> impl IntoView {
    move || {
        trace_id.get().map(|id| {
            view! {
                <details class="bp-support-details" data-testid="support-details">
                    <summary class="bp-support-details__summary">{tr(Key::SupportDetails)}</summary>
                    <p class="bp-support-details__text">
                        {tr(Key::SupportTraceLabel)} " "
                        <code class="bp-trace-id">{id}</code>
                    </p>
                </details>
            }
        })
    }
}

/// An error explained in full, from the one `ErrorCode` → text mapping of `bankid_api`.
#[component]
pub fn Problem(
    /// What went wrong.
    #[prop(into)]
    code: Signal<ErrorCode>,
    /// Correlation id from the server, shown for support.
    #[prop(optional, into)]
    trace_id: Signal<Option<String>>,
    /// Render the message as the page's `<h1>` instead of a paragraph.
    #[prop(optional)]
    as_heading: bool,
) -> impl IntoView {
    let lang = use_lang();
    let message = move || code.get().message(lang.get());
    let message = if as_heading {
        view! { <h1 class="bp-heading-l">{message}</h1> }.into_any()
    } else {
        view! { <p class="bp-body-l bp-problem__message">{message}</p> }.into_any()
    };
    view! {
        <div class="bp-problem">
            {message}
            <h2 class="bp-heading-m">{tr(Key::WhatNext)}</h2>
            <p class="bp-body">{move || code.get().next_step(lang.get())}</p>
            <TraceId trace_id />
        </div>
    }
}

/// A page's data failed to load: the problem explained, with "try again" (calls `retry`).
pub fn load_failed(e: crate::api::ApiError, retry: impl Fn() + 'static) -> AnyView {
    view! {
        <div class="bp-panel bp-panel--error">
            <Problem code=e.code trace_id=e.trace_id />
            <button type="button" class="bp-button bp-button--secondary" on:click=move |_| retry()>
                {tr(Key::TryAgain)}
            </button>
        </div>
    }
    .into_any()
}
