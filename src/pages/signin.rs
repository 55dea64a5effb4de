//! `/signin` — sign in again through a linked bank; `/signin/second-factor` — then the code from
//! the authenticator app (or a backup code) when two-factor protection is on.

use bankid_api::types::{Country, SessionInfo, StartSignIn};
use bankid_api::{ErrorCode, Lang};
use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::components::code_input::{mfa_code, CodeInput, CodeKind};
use crate::components::error_summary::ErrorSummary;
use crate::i18n::{t, tr, use_lang, use_page_title, Key};
use crate::nav::Link;
use crate::pages::account::{field_error, summary_items};
use crate::pages::banks::group;
use crate::pages::step2_consent::go_to_bank;
use crate::state::{use_banks, use_session};

/// Id of the second-factor code input.
pub const SECOND_FACTOR_ID: &str = "code";

#[component]
pub fn SignInPage() -> impl IntoView {
    let lang = use_lang();
    let banks = use_banks();
    let busy = RwSignal::new(false);
    let server_error = RwSignal::new(None::<ApiError>);
    let cancel = api::Cancel::on_cleanup();
    use_page_title(
        |l| t(l, Key::SignInTitle).to_string(),
        Signal::derive(move || server_error.get().is_some()),
    );
    // Back from the bank via the back/forward cache: usable again.
    let handle = window_event_listener_untyped("pageshow", move |_| {
        let _ = busy.try_set(false);
    });
    on_cleanup(move || handle.remove());

    let on_choose = Callback::new(move |bank_id: String| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        server_error.set(None);
        let body = StartSignIn {
            bank_id,
            lang: Some(lang.get_untracked()),
            return_to: None,
        };
        let cancel = cancel.clone();
        leptos::task::spawn_local(async move {
            match api::start_sign_in(&body, &cancel).await {
                Err(e) if e.aborted => {}
                Ok(started) if go_to_bank(&started.authorize_url) => {}
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
    });

    let items = Signal::derive(move || summary_items(None, server_error.get().as_ref(), ""));
    let trace_id = Signal::derive(move || server_error.get().and_then(|e| e.trace_id));
    let busy_signal: Signal<bool> = busy.into();
    let content = move || match banks.get() {
        None => ().into_any(),
        Some(Err(e)) => {
            let code = e.code;
            view! { <crate::components::problem::Problem code trace_id=e.trace_id /> }.into_any()
        }
        Some(Ok(list)) => {
            let order = if lang.get() == Lang::Uk {
                [Country::Ua, Country::Ru]
            } else {
                [Country::Ru, Country::Ua]
            };
            order
                .into_iter()
                .map(|c| group(c, &list, Some(on_choose), busy_signal))
                .collect_view()
                .into_any()
        }
    };
    view! {
        <Link href="/" class="bp-back-link">{tr(Key::Back)}</Link>
        <ErrorSummary items trace_id retry_after=Signal::derive(move || server_error.get().and_then(|e| e.retry_after)) />
        <h1 class="bp-heading-xl">{tr(Key::SignInTitle)}</h1>
        <p class="bp-body-l">{tr(Key::SignInLead)}</p>
        {content}
        <p class="bp-progress" role="status">
            {move || busy.get().then(|| t(lang.get(), Key::Redirecting))}
        </p>
    }
}

#[component]
pub fn SecondFactorPage() -> impl IntoView {
    let lang = use_lang();
    let session = use_session();
    let navigate = crate::nav::use_go();
    let cancel = api::Cancel::on_cleanup();
    let code = RwSignal::new(String::new());
    let code_error = RwSignal::new(None::<ErrorCode>);
    let server_error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    use_page_title(
        |l| t(l, Key::SecondFactorTitle).to_string(),
        Signal::derive(move || code_error.get().is_some() || server_error.get().is_some()),
    );

    // Set by the server when the sign-in was a re-authentication asked for by a page; only pages
    // that [`bankid_api::routes::is_return_path`] accepts are followed.
    let query = crate::router::use_query_map();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let return_to = query
            .read_untracked()
            .get("return_to")
            .filter(|p| bankid_api::routes::is_return_path(p));
        server_error.set(None);
        let typed = match mfa_code(&code.get_untracked()) {
            Ok(c) => c,
            Err(e) => {
                code_error.set(Some(e));
                return;
            }
        };
        code_error.set(None);
        busy.set(true);
        let cancel = cancel.clone();
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match api::second_factor(typed, &cancel).await {
                Err(e) if e.aborted => {}
                Ok(()) => {
                    let target = match (return_to, session.load().await) {
                        // Back to the page that asked for a fresh sign-in.
                        (Some(page), _) => page,
                        (
                            None,
                            Ok(SessionInfo {
                                registration_id: Some(id),
                                ..
                            }),
                        ) => format!("/registration/{id}"),
                        _ => "/".to_string(),
                    };
                    navigate(&target);
                }
                Err(e) => {
                    let _ = busy.try_set(false);
                    server_error.set(Some(e));
                }
            }
        });
    };

    let items = Signal::derive(move || {
        summary_items(
            code_error.get(),
            server_error.get().as_ref(),
            SECOND_FACTOR_ID,
        )
    });
    let trace_id = Signal::derive(move || server_error.get().and_then(|e| e.trace_id));
    let inline_error =
        Signal::derive(move || server_error.with(|e| field_error(code_error.get(), e.as_ref())));
    let expired = move || {
        server_error.with(|e| {
            matches!(e, Some(e) if e.code == ErrorCode::AuthSessionRequired).then(|| {
                view! {
                    <p class="bp-body"><Link href="/signin" class="bp-link-action">{tr(Key::SignInTitle)}</Link></p>
                }
            })
        })
    };

    view! {
        <form class="bp-form" novalidate on:submit=on_submit>
            <ErrorSummary items trace_id retry_after=Signal::derive(move || server_error.get().and_then(|e| e.retry_after)) />
            <h1 class="bp-heading-xl">{tr(Key::SecondFactorTitle)}</h1>
            <p class="bp-body-l">{tr(Key::SecondFactorLead)}</p>
            {expired}
            <CodeInput
                id=SECOND_FACTOR_ID
                value=code
                error=inline_error
                label=Signal::derive(move || t(lang.get(), Key::MfaCodeLabel).to_string())
                hint=Signal::derive(move || t(lang.get(), Key::MfaCodeHint).to_string())
                kind=CodeKind::Mfa
            />
            <button type="submit" class="bp-button" disabled=move || busy.get()>
                {tr(Key::Continue)}
            </button>
        </form>
    }
}
