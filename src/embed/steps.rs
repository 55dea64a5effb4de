//! The frame's steps as the citizen sees them: the phone, the consent, waiting for the bank and
//! the outcome. [`super::frame::Frame`] owns the state ([`Form`]) and what happens on submit.

use bankid_api::types::BankInfo;
use bankid_api::types::{
    ConsentField, Country, RegistrationState, CONSENT_VERSION, RETENTION_YEARS,
};
use bankid_api::validate::{mask_phone, phone_hint_for};
use bankid_api::ErrorCode;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use super::frame::{consent_problems, Step, CONSENT_ID, PHONE_ID};
use super::texts::{et, et_with, etr, state_texts, EmbedKey};
use super::ui::{error_message, problem, ErrorBox, Problem};
use crate::api::{ApiError, StatusSummary};
use crate::format::state_name;
use crate::i18n::{pick, use_lang, years};

/// The frame's state the steps show and change.
#[derive(Clone, Copy)]
pub struct Form {
    pub step: RwSignal<Step>,
    /// The bank, once known to embed the portal.
    pub ready_bank: Memo<Option<BankInfo>>,
    /// Its name in the current language (its id until the list is in).
    pub bank_name: Signal<String>,
    pub typed: RwSignal<String>,
    pub phone_error: RwSignal<Option<ErrorCode>>,
    pub checked: RwSignal<bool>,
    pub consent_error: RwSignal<Option<ErrorCode>>,
    pub server_error: RwSignal<Option<ApiError>>,
    pub busy: RwSignal<bool>,
    pub wait_error: RwSignal<Option<ApiError>>,
    pub timed_out: RwSignal<bool>,
    pub polling: RwSignal<bool>,
    pub popup_open: RwSignal<bool>,
}

impl Form {
    pub fn new(ready_bank: Memo<Option<BankInfo>>, bank_name: Signal<String>, step: Step) -> Form {
        Form {
            step: RwSignal::new(step),
            ready_bank,
            bank_name,
            typed: RwSignal::new(String::new()),
            phone_error: RwSignal::new(None),
            checked: RwSignal::new(false),
            consent_error: RwSignal::new(None),
            server_error: RwSignal::new(None),
            busy: RwSignal::new(false),
            wait_error: RwSignal::new(None),
            timed_out: RwSignal::new(false),
            polling: RwSignal::new(false),
            popup_open: RwSignal::new(false),
        }
    }
}

/// `bp-form-group`, with its error modifier while `error`.
fn group_class(error: bool) -> &'static str {
    if error {
        "bp-form-group bp-form-group--error"
    } else {
        "bp-form-group"
    }
}

/// Step 1: the phone number, checked here before anything is sent.
pub fn phone_step(
    f: Form,
    on_phone: impl Fn(SubmitEvent) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let Form {
        phone_error,
        typed,
        bank_name,
        ready_bank,
        ..
    } = f;
    let lang = use_lang();
    let invalid = move || phone_error.get().is_some();
    let hint = move || {
        let l = lang.get();
        let country = ready_bank.with(|b| b.as_ref().map(|b| b.country));
        format!(
            "{} {}",
            et(l, EmbedKey::PhoneLead),
            pick(l, phone_hint_for(country))
        )
    };
    view! {
        <form class="bp-form" novalidate on:submit=on_phone>
            <ErrorBox items=Signal::derive(move || {
                phone_error
                    .get()
                    .map(|code| Problem { field: Some(PHONE_ID), code })
                    .into_iter()
                    .collect()
            }) />
            <span class="bp-caption-l">
                {move || format!("{} · {}", et(lang.get(), EmbedKey::StepOneOfTwo), bank_name.get())}
            </span>
            <div class=move || group_class(invalid())>
                <h1 class="bp-label-wrapper">
                    <label class="bp-label bp-label--l" for=PHONE_ID>
                        {etr(EmbedKey::PhoneQuestion)}
                    </label>
                </h1>
                <div id="phone-hint" class="bp-hint">{hint}</div>
                {move || phone_error.get().map(|code| error_message("phone-error", code))}
                <input
                    class=move || {
                        if invalid() {
                            "bp-input bp-input--width-20 bp-input--error"
                        } else {
                            "bp-input bp-input--width-20"
                        }
                    }
                    id=PHONE_ID
                    name=PHONE_ID
                    type="tel"
                    autocomplete="tel"
                    inputmode="tel"
                    spellcheck="false"
                    value=typed.get_untracked()
                    aria-describedby=move || {
                        if invalid() { "phone-hint phone-error" } else { "phone-hint" }
                    }
                    aria-invalid=move || invalid().then_some("true")
                    on:input=move |ev| typed.set(event_target_value(&ev))
                />
            </div>
            <button type="submit" class="bp-button">{etr(EmbedKey::Continue)}</button>
        </form>
    }
}

/// Step 2: what the bank will transfer, for what, for how long, and the consent.
pub fn consent_step(
    f: Form,
    phone: String,
    on_consent: impl Fn(SubmitEvent) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let Form {
        consent_error,
        ready_bank,
        bank_name,
        server_error,
        step,
        checked,
        busy,
        ..
    } = f;
    let lang = use_lang();
    let invalid = move || consent_error.get().is_some();
    let country = move || ready_bank.with(|b| b.as_ref().map_or(Country::Ru, |b| b.country));
    let fields = move || {
        let (l, country) = (lang.get(), country());
        let given = ready_bank.with(|b| b.as_ref().map(|b| b.fields.clone()).unwrap_or_default());
        let list: &[ConsentField] = if given.is_empty() {
            ConsentField::requested(country)
        } else {
            &given
        };
        list.iter()
            .map(|f| view! { <li>{f.label(l, country)}</li> })
            .collect::<Vec<_>>()
    };
    let retention = move || {
        let l = lang.get();
        et_with(
            l,
            EmbedKey::ConsentRetentionText,
            "years",
            &years(l, RETENTION_YEARS),
        )
    };
    let button = move || {
        et_with(
            lang.get(),
            EmbedKey::ContinueToBank,
            "bank",
            &bank_name.get(),
        )
    };
    view! {
        <form class="bp-form" novalidate on:submit=on_consent>
            <ErrorBox
                items=Signal::derive(move || {
                    server_error.with(|s| consent_problems(consent_error.get(), s.as_ref()))
                })
                trace_id=Signal::derive(move || server_error.with(|e| e.as_ref().and_then(|e| e.trace_id.clone())))
            />
            <span class="bp-caption-l">
                {move || format!("{} · {}", et(lang.get(), EmbedKey::StepTwoOfTwo), bank_name.get())}
            </span>
            <h1 class="bp-heading-xl">{etr(EmbedKey::ConsentTitle)}</h1>
            <p class="bp-body-l">{etr(EmbedKey::ConsentLead)}</p>
            <dl class="bp-summary-list">
                <div class="bp-summary-list__row">
                    <dt class="bp-summary-list__key">{etr(EmbedKey::ConsentBank)}</dt>
                    <dd class="bp-summary-list__value">{bank_name}</dd>
                </div>
                <div class="bp-summary-list__row">
                    <dt class="bp-summary-list__key">{etr(EmbedKey::ConsentPhone)}</dt>
                    <dd class="bp-summary-list__value bp-nowrap">{mask_phone(&phone)}</dd>
                    <dd class="bp-summary-list__actions">
                        <button
                            type="button"
                            class="bp-link-button"
                            id="phone-change"
                            on:click=move |_| {
                                server_error.set(None);
                                consent_error.set(None);
                                step.set(Step::Phone);
                            }
                        >
                            {etr(EmbedKey::Change)}
                            <span class="bp-visually-hidden">
                                " " {etr(EmbedKey::ChangePhoneHidden)}
                            </span>
                        </button>
                    </dd>
                </div>
            </dl>
            <h2 class="bp-heading-m">{etr(EmbedKey::ConsentFieldsHeading)}</h2>
            <ul class="bp-list bp-list--bullet">{fields}</ul>
            <h2 class="bp-heading-m">{etr(EmbedKey::ConsentPurposeHeading)}</h2>
            <p class="bp-body">{etr(EmbedKey::ConsentPurposeText)}</p>
            <h2 class="bp-heading-m">{etr(EmbedKey::ConsentRetentionHeading)}</h2>
            <p class="bp-body">{retention}</p>
            <h2 class="bp-heading-m">{etr(EmbedKey::ConsentOperatorHeading)}</h2>
            <p class="bp-body">{etr(EmbedKey::ConsentOperatorText)}</p>
            <p class="bp-body">{etr(EmbedKey::ConsentWithdraw)}</p>
            <p class="bp-body bp-secondary-text">
                {etr(EmbedKey::ConsentVersion)} ": " <span class="bp-nowrap">{CONSENT_VERSION}</span>
            </p>
            <div class=move || group_class(invalid())>
                {move || consent_error.get().map(|code| error_message("consent-error", code))}
                <div class="bp-checkbox">
                    <input
                        class="bp-checkbox__input"
                        type="checkbox"
                        id=CONSENT_ID
                        name=CONSENT_ID
                        value="yes"
                        aria-describedby=move || invalid().then_some("consent-error")
                        aria-invalid=move || invalid().then_some("true")
                        on:change=move |ev| checked.set(event_target_checked(&ev))
                    />
                    <label class="bp-label bp-checkbox__label" for=CONSENT_ID>
                        {etr(EmbedKey::ConsentCheckbox)}
                    </label>
                </div>
            </div>
            <p class="bp-body">{etr(EmbedKey::BankOpensInWindow)}</p>
            <button type="submit" class="bp-button" disabled=move || busy.get()>
                {button}
            </button>
        </form>
    }
}

/// Waiting for the bank: in the popup (which can be brought forward) or after the whole page's
/// trip; the frame asks the API meanwhile.
pub fn waiting_step(
    f: Form,
    popup_mode: bool,
    show_popup: impl Fn() + Copy + Send + Sync + 'static,
    start_again: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let Form {
        bank_name,
        polling,
        timed_out,
        wait_error,
        popup_open,
        ..
    } = f;
    let lang = use_lang();
    let title = move || {
        let l = lang.get();
        if popup_mode {
            et_with(l, EmbedKey::WaitingPopupTitle, "bank", &bank_name.get())
        } else {
            et(l, EmbedKey::StatusAwaitingTitle).to_string()
        }
    };
    let text = if popup_mode {
        EmbedKey::WaitingPopupText
    } else {
        EmbedKey::WaitingBackText
    };
    view! {
        <h1 class="bp-heading-l">{title}</h1>
        <p class="bp-body">{etr(text)}</p>
        <p class="bp-body bp-loading" aria-hidden="true">
            {move || polling.get().then(etr(EmbedKey::Checking))}
        </p>
        {move || timed_out.get().then(|| view! {
            <div class="bp-notice">
                <h2 class="bp-heading-m">{etr(EmbedKey::TimedOutTitle)}</h2>
                <p class="bp-body">{etr(EmbedKey::TimedOutText)}</p>
            </div>
        })}
        {move || wait_error.get().map(|e| view! {
            <div class="bp-panel bp-panel--error" role="alert">{problem(e.code, e.trace_id, false)}</div>
        })}
        <div class="bp-embed__actions">
            {move || (popup_mode && popup_open.get()).then(|| view! {
                <button type="button" class="bp-button" on:click=move |_| show_popup()>
                    {etr(EmbedKey::ShowBankWindow)}
                </button>
            })}
            <button type="button" class="bp-button bp-button--secondary" on:click=move |_| start_again()>
                {etr(EmbedKey::StartAgain)}
            </button>
        </div>
    }
}

/// The outcome: the state in words, the request number, what to do next, the trace id, and the
/// account on the portal (a new top-level tab: the portal's account pages are never framed).
pub fn outcome(
    status: StatusSummary,
    start_again: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let state = status.state;
    let (title, badge, modifier) = state_texts(state);
    let failed = matches!(
        state,
        RegistrationState::Rejected | RegistrationState::Failed
    );
    let explanation = match (failed, state) {
        (true, _) => {
            let code = status.reason.unwrap_or(ErrorCode::Internal);
            view! {
                <p class="bp-body-l">{super::ui::message(code)}</p>
                <h2 class="bp-heading-m">{etr(EmbedKey::WhatNext)}</h2>
                <p class="bp-body">{super::ui::next_step(code)}</p>
            }
            .into_any()
        }
        (false, RegistrationState::Active) => {
            view! { <p class="bp-body-l">{etr(EmbedKey::StatusActiveText)}</p> }.into_any()
        }
        (false, _) => {
            view! { <p class="bp-body-l">{etr(EmbedKey::StatusPendingText)}</p> }.into_any()
        }
    };
    let badge_class = format!("bp-tag bp-tag--{modifier}");
    view! {
        <div class="bp-status">
            <p class="bp-status__badge">
                <span class="bp-visually-hidden">{etr(EmbedKey::StatusLabel)} ": "</span>
                <strong class=badge_class data-state=state_name(state)>{etr(badge)}</strong>
            </p>
            <h1 class="bp-heading-l">{etr(title)}</h1>
            {explanation}
            <dl class="bp-summary-list">
                <div class="bp-summary-list__row">
                    <dt class="bp-summary-list__key">{etr(EmbedKey::RequestNumber)}</dt>
                    <dd class="bp-summary-list__value bp-request-number">{status.request_number}</dd>
                </div>
            </dl>
            {super::ui::trace_line(status.trace_id)}
            <p class="bp-body">
                <a
                    class="bp-embed__link"
                    href=format!("/registration/{}", status.registration_id)
                    target="_blank"
                    rel="noopener"
                >
                    {etr(EmbedKey::OpenAccount)}
                    <span class="bp-visually-hidden">" " {etr(EmbedKey::OpensNewTab)}</span>
                    <span class="bp-embed__new-tab" aria-hidden="true">"↗"</span>
                </a>
            </p>
            {failed.then(|| view! {
                <button type="button" class="bp-button" on:click=move |_| start_again()>
                    {etr(EmbedKey::StartAgain)}
                </button>
            })}
        </div>
    }
}
