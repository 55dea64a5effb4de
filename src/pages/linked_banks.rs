//! `/account/banks` and its steps — the banks linked to the account: see them, add one, change one
//! for another (one operation on the server: link the new, retire the old), remove one.
//!
//! Adding and changing go: choose the bank → consent screen → the bank's own authentication →
//! back to `/account/banks` (with `?error=CODE&trace_id=T` when it did not work, and nothing
//! changed). Changes need a bank sign-in in the last 10 minutes; when the server asks for it
//! ([`ErrorCode::AuthReauthRequired`]), [`Reauth`] signs in again through a linked bank and
//! comes back to the same page.

use crate::router::{use_location, use_params_map, use_query_map};
use bankid_api::types::{
    ConsentAcceptance, Country, LinkBank, LinkedBank, StartSignIn, CONSENT_VERSION,
};
use bankid_api::ErrorCode;
use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::components::bank_card::BankCard;
use crate::components::bank_mark::BankMark;
use crate::components::error_summary::{server_summary, ErrorSummary};
use crate::components::problem::{load_failed, Problem};
use crate::components::{focus_when_shown, refocus_if_lost};
use crate::format::local_time;
use crate::i18n::{t, tf, tr, use_lang, use_page_title, Key};
use crate::load::Load;
use crate::nav::{use_go, Link};
use crate::pages::account::SignedIn;
use crate::pages::step2_consent::{go_to_bank, ConsentDetails, ConsentForm};
use crate::state::use_banks;

/// Where the page remembers, across the trip to the bank, what the citizen set out to do, so the
/// list can confirm it on return. Session storage: this tab only, gone when it closes.
const NOTICE_KEY: &str = "bp-banks-notice";

/// Id of the "Confirm with <bank>" button.
const REAUTH_ID: &str = "reauth";

/// Id of the linked-banks page's confirmation of what was done.
pub const DONE_ID: &str = "banks-done";

/// What the linked-banks page confirms when it next opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// `bank` was linked (in addition).
    Linked { bank: String },
    /// `bank` replaced `old`.
    Changed { bank: String, old: String },
    /// `bank` was removed.
    Removed { bank: String },
}

impl Notice {
    pub fn encode(&self) -> String {
        match self {
            Notice::Linked { bank } => format!("linked:{bank}"),
            Notice::Changed { bank, old } => format!("changed:{bank}:{old}"),
            Notice::Removed { bank } => format!("removed:{bank}"),
        }
    }

    pub fn decode(s: &str) -> Option<Notice> {
        let mut parts = s.split(':');
        let notice = match (parts.next()?, parts.next()?, parts.next()) {
            ("linked", bank, None) => Notice::Linked { bank: bank.into() },
            ("changed", bank, Some(old)) => Notice::Changed {
                bank: bank.into(),
                old: old.into(),
            },
            ("removed", bank, None) => Notice::Removed { bank: bank.into() },
            _ => return None,
        };
        parts.next().is_none().then_some(notice)
    }

    /// Whether the list of linked banks shows that this really happened.
    pub fn happened(&self, links: &[LinkedBank]) -> bool {
        let linked = |id: &str| links.iter().any(|l| l.bank_id == id);
        match self {
            Notice::Linked { bank } => linked(bank),
            Notice::Changed { bank, old } => linked(bank) && !linked(old),
            Notice::Removed { bank } => !linked(bank),
        }
    }
}

fn session_storage() -> Option<web_sys::Storage> {
    window().session_storage().ok().flatten()
}

fn remember(notice: &Notice) {
    if let Some(s) = session_storage() {
        let _ = s.set_item(NOTICE_KEY, &notice.encode());
    }
}

fn take_notice() -> Option<Notice> {
    let s = session_storage()?;
    let value = s.get_item(NOTICE_KEY).ok().flatten();
    let _ = s.remove_item(NOTICE_KEY);
    value.as_deref().and_then(Notice::decode)
}

/// The account's linked banks, loaded when the page opens (cancelled if it closes first).
fn load_links() -> Load<Result<Vec<LinkedBank>, ApiError>> {
    let cancel = api::Cancel::on_cleanup();
    Load::new(move || {
        let cancel = cancel.clone();
        async move { api::linked_banks(&cancel).await }
    })
}

#[component]
pub fn LinkedBanksPage() -> impl IntoView {
    view! { <SignedIn page=|_| view! { <LinkedBanks /> } /> }
}

#[component]
fn LinkedBanks() -> impl IntoView {
    let lang = use_lang();
    let banks = use_banks();
    let query = use_query_map();
    let links = load_links();
    // The bank's answer from a link or change: `?error=CODE&trace_id=T` when it did not work.
    let returned_error = Memo::new(move |_| {
        query
            .read()
            .get("error")
            .map(|c| ErrorCode::parse(&c).unwrap_or(ErrorCode::BankError))
    });
    let returned_trace = Memo::new(move |_| query.read().get("trace_id"));
    let notice = StoredValue::new(take_notice());
    // The confirmation of what was just done takes focus once, when it first shows (after a
    // removal the "Yes, remove it" button is gone; after a bank's trip it is the news).
    let notice_focused = StoredValue::new(false);
    use_page_title(
        |l| t(l, Key::LinkedBanksTitle).to_string(),
        Signal::derive(move || returned_error.get().is_some()),
    );

    let returned = move || {
        returned_error.get().map(|code| {
            view! {
                <div class="bp-panel bp-panel--error" data-testid="link-error">
                    <Problem code trace_id=returned_trace />
                </div>
            }
        })
    };

    let content = move || match links.get() {
        None => ().into_any(),
        Some(Err(e)) => load_failed(e, move || links.reload()),
        Some(Ok(list)) => {
            let l = lang.get();
            let done = notice
                .get_value()
                .filter(|n| returned_error.get().is_none() && n.happened(&list))
                .map(|n| {
                    let text = match n {
                        Notice::Linked { bank } => {
                            tf(l, Key::BankLinkedDone, &[("bank", &banks.name(l, &bank))])
                        }
                        Notice::Changed { bank, old } => tf(
                            l,
                            Key::BankChangedDone,
                            &[
                                ("bank", &banks.name(l, &bank)),
                                ("old", &banks.name(l, &old)),
                            ],
                        ),
                        Notice::Removed { bank } => {
                            tf(l, Key::BankRemovedDone, &[("bank", &banks.name(l, &bank))])
                        }
                    };
                    if !notice_focused.get_value() {
                        notice_focused.set_value(true);
                        focus_when_shown(DONE_ID);
                    }
                    view! {
                        <div class="bp-notice bp-notice--success" role="status" id=DONE_ID tabindex="-1" data-testid="banks-done">
                            <h2 class="bp-heading-m">{t(l, Key::DoneTitle)}</h2>
                            <p class="bp-body">{text}</p>
                        </div>
                    }
                });
            let only = list.len() == 1;
            let rows = list
                .into_iter()
                .map(|link| {
                    let name = banks.name(l, &link.bank_id);
                    let change = format!("/account/banks/change/{}", link.bank_id);
                    let remove = (!only).then(|| {
                        let href = format!("/account/banks/remove/{}", link.bank_id);
                        let name = name.clone();
                        view! {
                            <li>
                                <Link href>
                                    {t(l, Key::RemoveBank)}
                                    <span class="bp-visually-hidden">" " {name}</span>
                                </Link>
                            </li>
                        }
                    });
                    view! {
                        <div class="bp-summary-list__row" data-bank=link.bank_id.clone()>
                            <dt class="bp-summary-list__key">
                                <BankMark id=link.bank_id.clone() />
                                {name.clone()}
                            </dt>
                            <dd class="bp-summary-list__value">
                                <span class="bp-linked__line">
                                    {t(l, Key::LinkedAt)} ": " {local_time(l, &link.linked_at)}
                                </span>
                                <span class="bp-linked__line">
                                    {t(l, Key::LastUsedAt)} ": " {local_time(l, &link.last_used_at)}
                                </span>
                            </dd>
                            <dd class="bp-summary-list__actions">
                                <ul class="bp-actions">
                                    <li>
                                        <Link href=change>
                                            {t(l, Key::ChangeBank)}
                                            <span class="bp-visually-hidden">" " {name}</span>
                                        </Link>
                                    </li>
                                    {remove}
                                </ul>
                            </dd>
                        </div>
                    }
                })
                .collect_view();
            view! {
                {done}
                <dl class="bp-summary-list" data-testid="linked-banks">{rows}</dl>
                {only.then(|| view! { <p class="bp-body bp-secondary-text">{t(l, Key::OnlyBankHint)}</p> })}
                <p class="bp-body">
                    <Link href="/account/banks/add" class="bp-button bp-button--secondary">
                        {t(l, Key::AddBank)}
                    </Link>
                </p>
                <p class="bp-body">
                    <Link href="/account/consents" class="bp-link-action">{t(l, Key::ViewConsents)}</Link>
                </p>
            }
            .into_any()
        }
    };

    view! {
        <h1 class="bp-heading-xl">{tr(Key::LinkedBanksTitle)}</h1>
        {returned}
        <p class="bp-body-l">{tr(Key::LinkedBanksLead)}</p>
        {content}
    }
}

/// `/account/banks/add` and `/account/banks/change/{old}`: choose the bank.
#[component]
pub fn ChooseBankPage() -> impl IntoView {
    view! { <SignedIn page=|_| view! { <ChooseBank /> } /> }
}

#[component]
fn ChooseBank() -> impl IntoView {
    let lang = use_lang();
    let banks = use_banks();
    let params = use_params_map();
    let go = use_go();
    let old = Memo::new(move |_| params.read().get("old"));
    let links = load_links();
    use_page_title(
        move |l| match old.get_untracked() {
            Some(o) => tf(l, Key::ChangeBankTitle, &[("bank", &banks.name(l, &o))]),
            None => t(l, Key::AddBankTitle).to_string(),
        },
        Signal::derive(|| false),
    );

    let content = move || {
        let (Some(all), Some(list)) = (banks.get(), links.get()) else {
            return ().into_any();
        };
        let links = match list {
            Ok(l) => l,
            Err(e) => return load_failed(e, move || links.reload()),
        };
        let all = match all {
            Ok(a) => a,
            Err(e) => return load_failed(e, move || banks.refetch()),
        };
        let l = lang.get();
        if let Some(o) = old.get() {
            if !links.iter().any(|x| x.bank_id == o) {
                return view! { <Problem code=ErrorCode::LinkNotFound /> }.into_any();
            }
        }
        // The account's country is that of its banks: a bank of another country cannot confirm
        // the same person.
        let country: Option<Country> = links
            .iter()
            .find_map(|x| all.iter().find(|b| b.id == x.bank_id).map(|b| b.country));
        let choices: Vec<_> = all
            .into_iter()
            .filter(|b| Some(b.country) == country && !links.iter().any(|x| x.bank_id == b.id))
            .collect();
        if choices.is_empty() {
            return view! { <p class="bp-body">{t(l, Key::NoOtherBanks)}</p> }.into_any();
        }
        let go = go.clone();
        let on_choose = Callback::new(move |id: String| {
            let path = match old.get_untracked() {
                Some(o) => format!("/account/banks/change/{o}/{id}"),
                None => format!("/account/banks/add/{id}"),
            };
            go(&path);
        });
        let cards = choices
            .into_iter()
            .map(|bank| view! { <BankCard bank on_choose /> })
            .collect_view();
        view! { <ul class="bp-bank-list">{cards}</ul> }.into_any()
    };

    view! {
        <Link href="/account/banks" class="bp-back-link">{tr(Key::Back)}</Link>
        <h1 class="bp-heading-xl">
            {move || {
                let l = lang.get();
                match old.get() {
                    Some(o) => tf(l, Key::ChangeBankTitle, &[("bank", &banks.name(l, &o))]),
                    None => t(l, Key::AddBankTitle).to_string(),
                }
            }}
        </h1>
        <p class="bp-body-l">
            {move || {
                let l = lang.get();
                match old.get() {
                    Some(o) => tf(l, Key::ChangeBankLead, &[("bank", &banks.name(l, &o))]),
                    None => t(l, Key::AddBankLead).to_string(),
                }
            }}
        </p>
        {content}
    }
}

/// `/account/banks/add/{bank}` and `/account/banks/change/{old}/{bank}`: what the new bank will
/// share, and the consent; accepting sends the browser to the bank.
#[component]
pub fn LinkConsentPage() -> impl IntoView {
    view! { <SignedIn page=|_| view! { <LinkConsent /> } /> }
}

#[component]
fn LinkConsent() -> impl IntoView {
    let lang = use_lang();
    let banks = use_banks();
    let params = use_params_map();
    let location = use_location();
    let bank_id = Memo::new(move |_| params.read().get("bank").unwrap_or_default());
    let old = Memo::new(move |_| params.read().get("old"));
    let cancel = api::Cancel::on_cleanup();
    let busy = RwSignal::new(false);
    let redirecting = RwSignal::new(false);
    let server_error = RwSignal::new(None::<ApiError>);
    let consent_error = RwSignal::new(None::<ErrorCode>);
    use_page_title(
        |l| t(l, Key::ConsentTitle).to_string(),
        Signal::derive(move || server_error.get().is_some() || consent_error.get().is_some()),
    );
    let name = Signal::derive(move || banks.name(lang.get(), &bank_id.get()));
    let country = Signal::derive(move || {
        banks
            .find(&bank_id.get())
            .flatten()
            .map_or(Country::Ru, |b| b.country)
    });
    let bank_fields = Signal::derive(move || {
        banks
            .find(&bank_id.get())
            .flatten()
            .map(|b| b.fields)
            .unwrap_or_default()
    });

    let on_accept = Callback::new(move |()| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        server_error.set(None);
        let body = LinkBank {
            bank_id: bank_id.get_untracked(),
            replace: old.get_untracked(),
            consent: ConsentAcceptance {
                accepted: true,
                version: CONSENT_VERSION.to_string(),
            },
            lang: Some(lang.get_untracked()),
        };
        let cancel = cancel.clone();
        leptos::task::spawn_local(async move {
            match api::link_bank(&body, &cancel).await {
                Err(e) if e.aborted => {}
                Ok(started) => {
                    // Remembered first: shown on return only if the list agrees it happened.
                    remember(&match body.replace {
                        Some(old) => Notice::Changed {
                            bank: body.bank_id,
                            old,
                        },
                        None => Notice::Linked { bank: body.bank_id },
                    });
                    if go_to_bank(&started.authorize_url) {
                        let _ = redirecting.try_set(true);
                    } else {
                        let _ = busy.try_set(false);
                        let _ = server_error.try_set(Some(ApiError::local(ErrorCode::Internal)));
                    }
                }
                Err(e) => {
                    let _ = busy.try_set(false);
                    let _ = server_error.try_set(Some(e));
                }
            }
        });
    });

    let reauth = move || reauth_offer(server_error, location.pathname.get_untracked());
    let replaces = move || {
        old.get().map(|o| {
            view! {
                <div class="bp-summary-list__row">
                    <dt class="bp-summary-list__key">{tr(Key::ReplacesBank)}</dt>
                    <dd class="bp-summary-list__value">
                        {move || banks.name(lang.get(), &o)}
                    </dd>
                </div>
            }
        })
    };
    let back = move || match old.get() {
        Some(o) => format!("/account/banks/change/{o}"),
        None => "/account/banks/add".to_string(),
    };

    view! {
        <Link href=back() class="bp-back-link">{tr(Key::Back)}</Link>
        {reauth}
        <ConsentForm bank_name=name busy redirecting server_error consent_error on_accept>
            <h1 class="bp-heading-xl">{tr(Key::ConsentTitle)}</h1>
            <p class="bp-body-l">{tr(Key::LinkConsentLead)}</p>
            <dl class="bp-summary-list">
                <div class="bp-summary-list__row">
                    <dt class="bp-summary-list__key">{tr(Key::ConsentBank)}</dt>
                    <dd class="bp-summary-list__value">{move || name.get()}</dd>
                </div>
                {replaces}
            </dl>
            <ConsentDetails country bank_fields purpose=Key::LinkPurposeText />
        </ConsentForm>
    }
}

/// `/account/banks/remove/{bank}`: "Remove X?" with a confirmation button.
#[component]
pub fn RemoveBankPage() -> impl IntoView {
    view! { <SignedIn page=|_| view! { <RemoveBank /> } /> }
}

#[component]
fn RemoveBank() -> impl IntoView {
    let lang = use_lang();
    let banks = use_banks();
    let params = use_params_map();
    let location = use_location();
    let go = use_go();
    let bank_id = Memo::new(move |_| params.read().get("bank").unwrap_or_default());
    let links = load_links();
    let cancel = api::Cancel::on_cleanup();
    let busy = RwSignal::new(false);
    let server_error = RwSignal::new(None::<ApiError>);
    use_page_title(
        move |l| {
            tf(
                l,
                Key::RemoveTitle,
                &[("bank", &banks.name(l, &bank_id.get_untracked()))],
            )
        },
        Signal::derive(move || server_error.get().is_some()),
    );

    let remove = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        server_error.set(None);
        let (cancel, go, bank) = (cancel.clone(), go.clone(), bank_id.get_untracked());
        leptos::task::spawn_local(async move {
            match api::remove_bank(&bank, &cancel).await {
                Err(e) if e.aborted => {}
                Ok(()) => {
                    remember(&Notice::Removed { bank });
                    go("/account/banks");
                }
                Err(e) => {
                    let _ = busy.try_set(false);
                    let _ = server_error.try_set(Some(e));
                }
            }
        });
    };
    let (items, trace_id) = server_summary(server_error);
    let reauth = move || reauth_offer(server_error, location.pathname.get_untracked());

    let content = move || match links.get() {
        None => ().into_any(),
        Some(Err(e)) => load_failed(e, move || links.reload()),
        Some(Ok(list)) => {
            let id = bank_id.get();
            if !list.iter().any(|l| l.bank_id == id) {
                return view! { <Problem code=ErrorCode::LinkNotFound /> }.into_any();
            }
            if list.len() == 1 {
                // The server refuses it too; say so before the citizen tries.
                return view! { <Problem code=ErrorCode::LinkLastBank /> }.into_any();
            }
            let remove = remove.clone();
            view! {
                <p class="bp-body-l">{tr(Key::RemoveText)}</p>
                <div class="bp-button-group">
                    <button
                        type="button"
                        class="bp-button bp-button--warning"
                        disabled=move || busy.get()
                        on:click=remove
                    >
                        {tr(Key::RemoveConfirm)}
                    </button>
                    <Link href="/account/banks" class="bp-link-cancel">{tr(Key::Cancel)}</Link>
                </div>
            }
            .into_any()
        }
    };

    view! {
        <Link href="/account/banks" class="bp-back-link">{tr(Key::Back)}</Link>
        <ErrorSummary items trace_id />
        {reauth}
        <h1 class="bp-heading-xl">
            {move || {
                let l = lang.get();
                tf(l, Key::RemoveTitle, &[("bank", &banks.name(l, &bank_id.get()))])
            }}
        </h1>
        {content}
    }
}

/// [`Reauth`] back to `return_to` when the server asked for a recent sign-in.
fn reauth_offer(
    server_error: RwSignal<Option<ApiError>>,
    return_to: String,
) -> Option<impl IntoView> {
    server_error.with(|e| {
        matches!(e, Some(e) if e.code == ErrorCode::AuthReauthRequired)
            .then(|| view! { <Reauth return_to /> })
    })
}

/// "Confirm with <bank>": signs in again through the most recently used linked bank and comes
/// back to `return_to`, so a change that needs a recent sign-in can go on.
#[component]
pub fn Reauth(return_to: String) -> impl IntoView {
    let lang = use_lang();
    let banks = use_banks();
    let links = load_links();
    let cancel = api::Cancel::on_cleanup();
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let return_to = StoredValue::new(return_to);
    move || {
        let Some(Ok(list)) = links.get() else {
            return ().into_any();
        };
        let Some(bank) = list
            .iter()
            .max_by(|a, b| a.last_used_at.cmp(&b.last_used_at))
            .map(|l| l.bank_id.clone())
        else {
            return ().into_any();
        };
        let cancel = cancel.clone();
        let id = bank.clone();
        let start = move |_| {
            if busy.get_untracked() {
                return;
            }
            busy.set(true);
            error.set(None);
            let body = StartSignIn {
                bank_id: id.clone(),
                lang: Some(lang.get_untracked()),
                return_to: Some(return_to.get_value()),
            };
            let cancel = cancel.clone();
            leptos::task::spawn_local(async move {
                match api::start_sign_in(&body, &cancel).await {
                    Err(e) if e.aborted => {}
                    Ok(s) if go_to_bank(&s.authorize_url) => {}
                    Ok(_) => {
                        let _ = busy.try_set(false);
                        let _ = error.try_set(Some(ApiError::local(ErrorCode::BankError)));
                        refocus_if_lost(REAUTH_ID);
                    }
                    Err(e) => {
                        let _ = busy.try_set(false);
                        let _ = error.try_set(Some(e));
                        // Disabled while it ran, the button lost focus: back to it, the
                        // problem is explained right below it.
                        refocus_if_lost(REAUTH_ID);
                    }
                }
            });
        };
        view! {
            <div class="bp-reauth">
                <button
                    type="button"
                    class="bp-button"
                    id=REAUTH_ID
                    data-testid="reauth"
                    disabled=move || busy.get()
                    on:click=start
                >
                    {move || {
                        let l = lang.get();
                        tf(l, Key::ReauthButton, &[("bank", &banks.name(l, &bank))])
                    }}
                </button>
                {move || error.get().map(|e| view! { <Problem code=e.code trace_id=e.trace_id /> })}
            </div>
        }
        .into_any()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(id: &str) -> LinkedBank {
        LinkedBank {
            bank_id: id.into(),
            linked_at: "2026-11-23T10:00:00Z".into(),
            last_used_at: "2026-11-23T10:00:00Z".into(),
        }
    }

    #[test]
    fn notices_round_trip_and_reject_junk() {
        for n in [
            Notice::Linked { bank: "vtb".into() },
            Notice::Changed {
                bank: "vtb".into(),
                old: "sber".into(),
            },
            Notice::Removed {
                bank: "alfa".into(),
            },
        ] {
            assert_eq!(Notice::decode(&n.encode()), Some(n));
        }
        for junk in [
            "",
            "linked",
            "changed:vtb",
            "removed:a:b",
            "other:x",
            "linked:a:b:c",
        ] {
            assert_eq!(Notice::decode(junk), None, "{junk}");
        }
    }

    #[test]
    fn a_notice_is_shown_only_when_the_list_agrees() {
        let after = [link("vtb")];
        let changed = Notice::Changed {
            bank: "vtb".into(),
            old: "sber".into(),
        };
        assert!(changed.happened(&after));
        assert!(!changed.happened(&[link("sber")]));
        assert!(!changed.happened(&[link("sber"), link("vtb")]));
        assert!(Notice::Removed {
            bank: "sber".into()
        }
        .happened(&after));
        assert!(!Notice::Linked {
            bank: "alfa".into()
        }
        .happened(&after));
    }
}
