//! `/register/{bank}/consent` — step 2: what the bank will share, and the citizen's consent.
//! Submitting starts the registration on the server and sends the browser to the bank.

use bankid_api::types::{
    ConsentAcceptance, ConsentField, Country, StartRegistration, CONSENT_VERSION, RETENTION_YEARS,
};
use bankid_api::validate::mask_phone;
use bankid_api::ErrorCode;
use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::components::checkbox::Checkbox;
use crate::components::error_summary::{ErrorSummary, SummaryItem, SummaryLink};
use crate::components::problem::Problem;
use crate::i18n::{t, tf, tr, use_lang, use_page_title, years, Key};
use crate::nav::Link;
use crate::router::{use_params_map, Redirect};
use crate::state::{use_banks, use_draft};

/// Id of the consent checkbox.
pub const CONSENT_ID: &str = "consent";

#[component]
pub fn Step2Consent() -> impl IntoView {
    let params = use_params_map();
    let bank_id = Memo::new(move |_| params.read().get("bank").unwrap_or_default());
    let draft = use_draft();
    move || match draft.phone.get() {
        // Nothing typed in this visit (e.g. the page was reloaded): back to step 1.
        None => view! {
            <Redirect path=format!("/register/{}", bank_id.get_untracked()) />
        }
        .into_any(),
        Some(phone) => view! { <ConsentPage bank_id phone /> }.into_any(),
    }
}

#[component]
fn ConsentPage(bank_id: Memo<String>, phone: String) -> impl IntoView {
    let lang = use_lang();
    let banks = use_banks();
    let draft = use_draft();

    let busy = RwSignal::new(false);
    let redirecting = RwSignal::new(false);
    let server_error = RwSignal::new(None::<ApiError>);
    let consent_error = RwSignal::new(None::<ErrorCode>);
    // Leaving the page (Back, Change) aborts a registration request still in flight.
    let cancel = api::Cancel::on_cleanup();

    let bank = Memo::new(move |_| banks.find(&bank_id.get()).flatten());
    let bank_problem = Memo::new(move |_| banks.problem(&bank_id.get()));
    let bank_name = Signal::derive(move || {
        bank.get()
            .map(|b| b.name.get(lang.get()).to_string())
            .unwrap_or_else(|| bank_id.get())
    });
    // The bank's country decides the field list; if the list could not be loaded, the phone's.
    let country = {
        let phone = phone.clone();
        Memo::new(move |_| match bank.get() {
            Some(b) => b.country,
            None if phone.starts_with("+380") => Country::Ua,
            None => Country::Ru,
        })
    };

    use_page_title(
        move |l| t(l, Key::ConsentTitle).to_string(),
        Signal::derive(move || {
            consent_error.get().is_some()
                || server_error.get().is_some()
                || bank_problem.get().is_some()
        }),
    );

    // Coming back from the bank with the Back button may restore this page from the
    // back/forward cache, still "busy": make the button usable again.
    let handle = window_event_listener_untyped("pageshow", move |_| {
        let _ = busy.try_set(false);
        let _ = redirecting.try_set(false);
    });
    on_cleanup(move || handle.remove());

    let on_accept = {
        let phone = phone.clone();
        move |()| {
            if busy.get_untracked() {
                return;
            }
            busy.set(true);
            server_error.set(None);
            let body = StartRegistration {
                bank_id: bank_id.get_untracked(),
                phone: phone.clone(),
                consent: ConsentAcceptance {
                    accepted: true,
                    version: CONSENT_VERSION.to_string(),
                },
                lang: Some(lang.get_untracked()),
                embed: None,
            };
            let cancel = cancel.clone();
            leptos::task::spawn_local(async move {
                let result = api::start_registration(&body, &cancel).await;
                match result {
                    // The page is gone: nobody to tell.
                    Err(e) if e.aborted => {}
                    Ok(started) if go_to_bank(&started.authorize_url) => {
                        // Started: the phone need not be kept in this tab any longer.
                        draft.clear();
                        let _ = redirecting.try_set(true);
                    }
                    Ok(_) => {
                        let _ = busy.try_set(false);
                        let _ = server_error.try_set(Some(ApiError::local(ErrorCode::Internal)));
                    }
                    Err(e) => {
                        let _ = busy.try_set(false);
                        let _ = server_error.try_set(Some(e));
                    }
                }
            });
        }
    };

    let step1 = Signal::derive(move || format!("/register/{}", bank_id.get()));
    let masked = mask_phone(&phone);

    let body = move || {
        if let Some(code) = bank_problem.get() {
            return view! {
                <Problem code as_heading=true />
                <p class="bp-body">
                    <Link href="/" class="bp-link-action">{tr(Key::GoToStart)}</Link>
                </p>
            }
            .into_any();
        }
        let masked = masked.clone();
        view! {
            <ConsentForm
                bank_name
                busy
                redirecting
                server_error
                consent_error
                phone_page=step1
                on_accept=on_accept.clone()
            >
                <span class="bp-caption-l">
                    {move || format!("{} · {}", t(lang.get(), Key::StepTwoOfTwo), bank_name.get())}
                </span>
                <h1 class="bp-heading-xl">{tr(Key::ConsentTitle)}</h1>
                <p class="bp-body-l">{tr(Key::ConsentLead)}</p>
                <dl class="bp-summary-list">
                    <div class="bp-summary-list__row">
                        <dt class="bp-summary-list__key">{tr(Key::ConsentBank)}</dt>
                        <dd class="bp-summary-list__value">{move || bank_name.get()}</dd>
                    </div>
                    <div class="bp-summary-list__row">
                        <dt class="bp-summary-list__key">{tr(Key::ConsentPhone)}</dt>
                        <dd class="bp-summary-list__value bp-nowrap">{masked}</dd>
                        <dd class="bp-summary-list__actions">
                            <a href=move || step1.get() id="phone-change">
                                {tr(Key::Change)}
                                <span class="bp-visually-hidden">
                                    " " {tr(Key::ChangePhoneHidden)}
                                </span>
                            </a>
                        </dd>
                    </div>
                </dl>
                <ConsentDetails
                    country
                    bank_fields=Signal::derive(move || bank.get().map(|b| b.fields).unwrap_or_default())
                    purpose=Key::ConsentPurposeText
                />
            </ConsentForm>
        }
        .into_any()
    };

    view! {
        <a href=move || step1.get() class="bp-back-link">{tr(Key::Back)}</a>
        {body}
    }
}

/// What a consent covers, as the law asks it to be shown: the fields the bank of `country` will
/// share, why (`purpose`), for how long, who processes them, how to withdraw, the text version.
#[component]
pub fn ConsentDetails(
    #[prop(into)] country: Signal<Country>,
    /// What the chosen bank transfers (from the bank list); the country's list when unknown.
    #[prop(into)]
    bank_fields: Signal<Vec<ConsentField>>,
    purpose: Key,
) -> impl IntoView {
    let lang = use_lang();
    let fields = move || {
        let (lang, country) = (lang.get(), country.get());
        let given = bank_fields.get();
        let list: &[ConsentField] = if given.is_empty() {
            ConsentField::requested(country)
        } else {
            &given
        };
        list.iter()
            .map(|f| view! { <li>{f.label(lang, country)}</li> })
            .collect_view()
    };
    view! {
        <h2 class="bp-heading-m">{tr(Key::ConsentFieldsHeading)}</h2>
        <ul class="bp-list bp-list--bullet">{fields}</ul>
        <h2 class="bp-heading-m">{tr(Key::ConsentPurposeHeading)}</h2>
        <p class="bp-body">{tr(purpose)}</p>
        <h2 class="bp-heading-m">{tr(Key::ConsentRetentionHeading)}</h2>
        <p class="bp-body">
            {move || {
                let l = lang.get();
                tf(l, Key::ConsentRetentionText, &[("years", &years(l, RETENTION_YEARS))])
            }}
        </p>
        <h2 class="bp-heading-m">{tr(Key::ConsentOperatorHeading)}</h2>
        <p class="bp-body">{tr(Key::ConsentOperatorText)}</p>
        <p class="bp-body">{tr(Key::ConsentWithdraw)}</p>
        <p class="bp-body bp-secondary-text">
            {tr(Key::ConsentVersion)} ": " <span class="bp-nowrap">{CONSENT_VERSION}</span>
        </p>
    }
}

/// Sends the browser to the bank's authorization page `url` (http(s) only); false when it
/// cannot go there.
pub fn go_to_bank(url: &str) -> bool {
    is_web_url(url) && window().location().assign(url).is_ok()
}

/// Only http(s) addresses are followed (never `javascript:` or the like).
pub fn is_web_url(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// The consent form: error summary, the page content (`children`), the required consent
/// checkbox (id `consent`) and the "Continue to <bank>" button.
///
/// Submitting without the box ticked sets `consent_error` to `FIELD_CONSENT_REQUIRED` (summary and
/// inline); with it ticked calls `on_accept`. Server errors are mapped to the fields they name:
/// `consent*` to the checkbox, `phone*` to a link to `phone_page`, others to plain text.
#[component]
pub fn ConsentForm(
    /// Bank name in the UI language, for the button.
    #[prop(into)]
    bank_name: Signal<String>,
    /// A request is in flight: the button is disabled and progress is announced.
    #[prop(into)]
    busy: Signal<bool>,
    /// The browser is on its way to the bank.
    #[prop(optional, into)]
    redirecting: Signal<bool>,
    /// The last server error, if any.
    #[prop(optional, into)]
    server_error: Signal<Option<ApiError>>,
    /// The client-side checkbox error.
    consent_error: RwSignal<Option<ErrorCode>>,
    /// Path of step 1, where a phone problem is fixed.
    #[prop(optional, into)]
    phone_page: Signal<String>,
    /// Called when the form is submitted with the box ticked.
    #[prop(into)]
    on_accept: Callback<()>,
    children: Children,
) -> impl IntoView {
    let lang = use_lang();
    let checked = RwSignal::new(false);

    let server_consent_error = move || {
        server_error.with(|e| {
            e.as_ref().and_then(|e| {
                e.fields
                    .iter()
                    .find(|(k, _)| k.starts_with("consent"))
                    .map(|(_, c)| *c)
            })
        })
    };
    let inline_error = Signal::derive(move || consent_error.get().or_else(server_consent_error));

    let items = Signal::derive(move || {
        let mut items = Vec::new();
        if let Some(code) = consent_error.get() {
            items.push(SummaryItem::field(CONSENT_ID, code));
        }
        if let Some(e) = server_error.get() {
            if e.fields.is_empty() {
                items.push(SummaryItem::general(e.code));
            }
            for (field, code) in e.fields {
                let link = if field.starts_with("consent") {
                    SummaryLink::Field(CONSENT_ID.to_string())
                } else if field.starts_with("phone") && !phone_page.get().is_empty() {
                    SummaryLink::Page(phone_page.get())
                } else {
                    SummaryLink::None
                };
                items.push(SummaryItem { link, code });
            }
        }
        items
    });
    let trace_id = Signal::derive(move || server_error.get().and_then(|e| e.trace_id));

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        if checked.get_untracked() {
            consent_error.set(None);
            on_accept.run(());
        } else {
            consent_error.set(Some(ErrorCode::FieldConsentRequired));
        }
    };

    // While the request is in flight the layout's progress indicator speaks (if it is slow);
    // once the bank's address is known, the wait is for the bank's page.
    let progress = move || {
        if redirecting.get() {
            t(lang.get(), Key::Redirecting)
        } else {
            ""
        }
    };

    view! {
        <form class="bp-form" novalidate on:submit=on_submit>
            <ErrorSummary items trace_id />
            {children()}
            <Checkbox
                id=CONSENT_ID
                checked
                label=Signal::derive(move || t(lang.get(), Key::ConsentCheckbox).to_string())
                error=inline_error
            />
            <button type="submit" class="bp-button" disabled=move || busy.get()>
                {move || tf(lang.get(), Key::ContinueToBank, &[("bank", &bank_name.get())])}
            </button>
            <p class="bp-progress" role="status">{progress}</p>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::is_web_url;

    #[test]
    fn only_web_urls_are_followed() {
        assert!(is_web_url("https://bank.example/authorize?x=1"));
        assert!(is_web_url("http://127.0.0.1:8081/authorize"));
        assert!(!is_web_url("javascript:alert(1)"));
        assert!(!is_web_url("data:text/html,x"));
        assert!(!is_web_url("//evil.example"));
    }
}
