//! `/dev/inbox` — development tool: the messages the portal "sent" in sandbox mode.

use bankid_api::types::{Channel, DevMessage};
use bankid_api::ErrorCode;
use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::components::problem::Problem;
use crate::components::refocus_if_lost;

/// Id of the "Refresh" button.
const REFRESH_ID: &str = "inbox-refresh";
use crate::format::local_time;
use crate::i18n::{t, tr, use_lang, use_page_title, Key};

#[component]
pub fn DevInboxPage() -> impl IntoView {
    let lang = use_lang();
    let messages = RwSignal::new(None::<Result<Vec<DevMessage>, ApiError>>);
    let busy = RwSignal::new(false);
    let cancel = api::Cancel::on_cleanup();
    // `refocus`: the button was used (disabled while loading, it loses focus; give it back).
    let load = move |refocus: bool| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let cancel = cancel.clone();
        leptos::task::spawn_local(async move {
            let result = api::dev_inbox(&cancel).await;
            if !matches!(&result, Err(e) if e.aborted) {
                let _ = messages.try_set(Some(result));
            }
            let _ = busy.try_set(false);
            if refocus {
                refocus_if_lost(REFRESH_ID);
            }
        });
    };
    load(false);

    use_page_title(
        |l| t(l, Key::InboxTitle).to_string(),
        Signal::derive(|| false),
    );

    let list = move || match messages.get() {
        None => ().into_any(),
        Some(Err(e)) if e.code == ErrorCode::ReqNotFound => view! {
            <p class="bp-body-l bp-inbox__unavailable">{tr(Key::InboxOnlySandbox)}</p>
        }
        .into_any(),
        Some(Err(e)) => {
            let code = e.code;
            let trace_id = e.trace_id;
            view! { <Problem code trace_id /> }.into_any()
        }
        Some(Ok(list)) if list.is_empty() => {
            view! { <p class="bp-body">{tr(Key::InboxEmpty)}</p> }.into_any()
        }
        Some(Ok(list)) => {
            let items = list
                .into_iter()
                .map(|m| {
                    let at = m.at.clone();
                    let channel = match m.channel {
                        Channel::Phone => Key::ChannelSms,
                        Channel::Email => Key::ChannelMail,
                    };
                    view! {
                        <li class="bp-inbox__item">
                            <dl class="bp-inbox__meta">
                                <dt>{tr(Key::InboxTime)}</dt>
                                <dd>
                                    <time datetime=m.at.clone()>
                                        {move || local_time(lang.get(), &at)}
                                    </time>
                                </dd>
                                <dt>{tr(Key::InboxChannel)}</dt>
                                <dd>{tr(channel)}</dd>
                                <dt>{tr(Key::InboxTo)}</dt>
                                <dd class="bp-nowrap">{m.destination}</dd>
                            </dl>
                            <p class="bp-inbox__body">
                                <span class="bp-visually-hidden">{tr(Key::InboxMessage)} ": "</span>
                                {m.body}
                            </p>
                        </li>
                    }
                })
                .collect_view();
            view! { <ol class="bp-inbox">{items}</ol> }.into_any()
        }
    };

    view! {
        <p class="bp-dev-tag"><strong class="bp-tag bp-tag--dev">"DEV"</strong></p>
        <h1 class="bp-heading-xl">{tr(Key::InboxTitle)}</h1>
        <p class="bp-body-l">{tr(Key::InboxLead)}</p>
        <button
            type="button"
            class="bp-button bp-button--secondary"
            id=REFRESH_ID
            disabled=move || busy.get()
            on:click=move |_| load(true)
        >
            {tr(Key::Refresh)}
        </button>
        <div aria-live="polite" aria-busy=move || busy.get().to_string()>{list}</div>
    }
}
