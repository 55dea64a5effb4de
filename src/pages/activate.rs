//! `/account/activate` — confirm the account with a one-time code sent by SMS or email.

use bankid_api::types::{ActivationCodeSent, Channel, SessionInfo};
use bankid_api::ErrorCode;
use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::components::code_input::{otp_code, CodeInput};
use crate::components::error_summary::ErrorSummary;
use crate::components::focus_when_shown;
use crate::components::radios::{RadioOption, Radios};
use crate::i18n::{t, tf, tr, use_lang, use_page_title, Key};
use crate::nav::Link;
use crate::pages::account::{field_error, summary_items, SignedIn};
use crate::state::use_session;

/// Id of the code input.
pub const CODE_ID: &str = "code";
/// Id of the channel radios.
pub const CHANNEL_ID: &str = "channel";

/// Whole seconds left until `until_ms` at `now_ms` (rounded up; never negative).
pub fn seconds_left(until_ms: f64, now_ms: f64) -> u32 {
    let left = ((until_ms - now_ms) / 1000.0).ceil();
    if left.is_nan() || left <= 0.0 {
        0
    } else {
        left.min(f64::from(u32::MAX)) as u32
    }
}

#[component]
pub fn ActivatePage() -> impl IntoView {
    view! { <SignedIn page=|info| view! { <Activate info /> } /> }
}

#[component]
fn Activate(info: SessionInfo) -> impl IntoView {
    let lang = use_lang();
    let session = use_session();
    let navigate = crate::nav::use_go();
    let cancel = api::Cancel::on_cleanup();

    let channel = RwSignal::new("phone".to_string());
    let sent = RwSignal::new(None::<ActivationCodeSent>);
    let code = RwSignal::new(String::new());
    let code_error = RwSignal::new(None::<ErrorCode>);
    let server_error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    // Countdown until a new code may be asked for.
    let resend_at = RwSignal::new(0.0_f64);
    let now = RwSignal::new(js_sys::Date::now());
    if let Ok(handle) = set_interval_with_handle(
        move || {
            let _ = now.try_set(js_sys::Date::now());
        },
        std::time::Duration::from_secs(1),
    ) {
        on_cleanup(move || handle.clear());
    }
    let wait = Memo::new(move |_| seconds_left(resend_at.get(), now.get()));

    // Sandbox mode: offer the dev inbox.
    let sandbox = RwSignal::new(false);
    {
        let cancel = cancel.clone();
        leptos::task::spawn_local(async move {
            if api::dev_inbox(&cancel).await.is_ok() {
                let _ = sandbox.try_set(true);
            }
        });
    }

    use_page_title(
        |l| t(l, Key::ActivateTitle).to_string(),
        Signal::derive(move || code_error.get().is_some() || server_error.get().is_some()),
    );

    let failed = move |e: ApiError| {
        if let Some(secs) = e.retry_after {
            resend_at.set(js_sys::Date::now() + f64::from(secs) * 1000.0);
        }
        server_error.set(Some(e));
    };

    let send = {
        let cancel = cancel.clone();
        move || {
            if busy.get_untracked() {
                return;
            }
            let ch = if channel.get_untracked() == "email" {
                Channel::Email
            } else {
                Channel::Phone
            };
            busy.set(true);
            server_error.set(None);
            code_error.set(None);
            let cancel = cancel.clone();
            leptos::task::spawn_local(async move {
                let result = api::send_activation_code(ch, &cancel).await;
                let _ = busy.try_set(false);
                match result {
                    Err(e) if e.aborted => {}
                    Ok(s) => {
                        resend_at
                            .set(js_sys::Date::now() + f64::from(s.resend_after_secs) * 1000.0);
                        sent.set(Some(s));
                        // "Send code" is gone (or "Send a new code" waits): on to the code.
                        focus_when_shown(CODE_ID);
                    }
                    Err(e) => failed(e),
                }
            });
        }
    };

    let confirm = {
        let cancel = cancel.clone();
        let navigate = navigate.clone();
        move || {
            if busy.get_untracked() {
                return;
            }
            server_error.set(None);
            let typed = match otp_code(&code.get_untracked()) {
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
                let result = api::confirm_activation(typed, &cancel).await;
                match result {
                    Err(e) if e.aborted => {}
                    Ok(()) => {
                        let target = match session.load().await {
                            Ok(SessionInfo {
                                registration_id: Some(id),
                                ..
                            }) => format!("/registration/{id}"),
                            _ => "/".to_string(),
                        };
                        navigate(&target);
                    }
                    Err(e) => {
                        let _ = busy.try_set(false);
                        failed(e)
                    }
                }
            });
        }
    };

    let items = Signal::derive(move || {
        let err = server_error.get();
        let field = if sent.get().is_some() {
            CODE_ID
        } else {
            CHANNEL_ID
        };
        summary_items(code_error.get(), err.as_ref(), field)
    });
    let trace_id = Signal::derive(move || server_error.get().and_then(|e| e.trace_id));
    let inline_error =
        Signal::derive(move || server_error.with(|e| field_error(code_error.get(), e.as_ref())));

    if info.account_state == "active" {
        let status = info
            .registration_id
            .map(|id| format!("/registration/{id}"))
            .unwrap_or_else(|| "/".into());
        return view! {
            <h1 class="bp-heading-xl">{tr(Key::StatusActiveTitle)}</h1>
            <p class="bp-body-l">{tr(Key::StatusActiveText)}</p>
            <p class="bp-body"><Link href=status class="bp-link-action">{tr(Key::NavStatus)}</Link></p>
        }
        .into_any();
    }

    let mut options = vec![RadioOption::new(
        "phone",
        Signal::derive({
            let phone = info.phone_masked.clone();
            move || tf(lang.get(), Key::ChannelPhone, &[("dest", &phone)])
        }),
    )];
    if let Some(email) = info.email_masked.clone() {
        options.push(RadioOption::new(
            "email",
            Signal::derive(move || tf(lang.get(), Key::ChannelEmail, &[("dest", &email)])),
        ));
    }

    let send_form = {
        let send = send.clone();
        view! {
            <form
                class="bp-form"
                novalidate
                hidden=move || sent.with(Option::is_some)
                on:submit=move |ev| {
                    ev.prevent_default();
                    send();
                }
            >
                <Radios
                    id=CHANNEL_ID
                    legend=Signal::derive(move || t(lang.get(), Key::ChannelLegend).to_string())
                    options
                    selected=channel
                    error=Signal::derive(|| None)
                />
                <button type="submit" class="bp-button" disabled=move || busy.get()>
                    {tr(Key::SendCode)}
                </button>
            </form>
        }
    };

    let code_form = move || {
        let s = sent.get()?;
        let confirm = confirm.clone();
        let send = send.clone();
        Some(view! {
            <p class="bp-body-l bp-code-sent" role="status">
                {move || tf(lang.get(), Key::CodeSentTo, &[("dest", &s.destination)])}
            </p>
            <form class="bp-form" novalidate on:submit=move |ev| {
                ev.prevent_default();
                confirm();
            }>
                <CodeInput
                    id=CODE_ID
                    value=code
                    error=inline_error
                    label=Signal::derive(move || t(lang.get(), Key::CodeLabel).to_string())
                    hint=Signal::derive(move || {
                        crate::i18n::pick(lang.get(), bankid_api::validate::OTP_CODE_HINT).to_string()
                    })
                />
                <button type="submit" class="bp-button" disabled=move || busy.get()>
                    {tr(Key::Confirm)}
                </button>
            </form>
            <div class="bp-resend">
                <button
                    type="button"
                    class="bp-button bp-button--secondary"
                    aria-describedby="resend-wait"
                    disabled=move || { busy.get() || wait.get() > 0 }
                    on:click=move |_| send()
                >
                    {tr(Key::SendNewCode)}
                </button>
                <p class="bp-hint" id="resend-wait">
                    {move || {
                        let secs = wait.get();
                        if secs > 0 {
                            tf(lang.get(), Key::ResendWait, &[("secs", &secs.to_string())])
                        } else {
                            t(lang.get(), Key::ResendReady).to_string()
                        }
                    }}
                </p>
            </div>
        })
    };

    view! {
        <ErrorSummary items trace_id retry_after=Signal::derive(move || server_error.get().and_then(|e| e.retry_after)) />
        <h1 class="bp-heading-xl">{tr(Key::ActivateTitle)}</h1>
        <p class="bp-body-l">{tr(Key::ActivateLead)}</p>
        {send_form}
        {code_form}
        {move || sandbox.get().then(|| view! {
            <p class="bp-body bp-dev-link">
                <Link href="/dev/inbox" class="bp-link-action">{tr(Key::OpenInbox)}</Link>
            </p>
        })}
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::seconds_left;

    #[test]
    fn countdown_rounds_up_and_stops_at_zero() {
        assert_eq!(seconds_left(60_000.0, 0.0), 60);
        assert_eq!(seconds_left(60_000.0, 100.0), 60);
        assert_eq!(seconds_left(60_000.0, 59_001.0), 1);
        assert_eq!(seconds_left(60_000.0, 60_000.0), 0);
        assert_eq!(seconds_left(0.0, 5_000.0), 0);
        assert_eq!(seconds_left(f64::NAN, 0.0), 0);
    }
}
