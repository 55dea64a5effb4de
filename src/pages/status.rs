//! `/registration/{id}` — where a registration stands. Polls (with backoff) while the bank has
//! not answered and while the account waits for activation, so activation done in another tab
//! shows up; "Check again" asks at once.

use crate::router::use_params_map;
use bankid_api::types::{JournalEntry, RegistrationState, RegistrationStatus};
use bankid_api::ErrorCode;
use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::components::problem::{Problem, SupportDetails};
use crate::format::{local_time, state_name};
use bankid_api::journal::field_text;

use crate::i18n::{t, tf, tr, use_lang, use_page_title, Key};
use crate::nav::Link;
use crate::state::{use_banks, use_session};

/// First poll delay; doubled after each poll up to [`POLL_MAX_MS`].
const POLL_FIRST_MS: u32 = 1_000;
const POLL_MAX_MS: u32 = 15_000;

/// After this long without any change, the page suggests contacting support.
pub const STALE_AFTER_MS: f64 = 24.0 * 60.0 * 60.0 * 1000.0;

/// Whether a registration still in progress has not changed for [`STALE_AFTER_MS`]: `last_ms` is
/// its newest event (or creation) time, `now_ms` the current time, both in ms since the epoch.
pub fn is_stale(state: RegistrationState, last_ms: f64, now_ms: f64) -> bool {
    matches!(
        state,
        RegistrationState::AwaitingBank | RegistrationState::PendingConfirmation
    ) && !last_ms.is_nan()
        && now_ms - last_ms > STALE_AFTER_MS
}

/// Whether the next step is the bank's, so that asking again may show something new ("Check
/// again"). While the account waits for activation the next step is the citizen's.
pub fn offers_check_again(state: RegistrationState) -> bool {
    state == RegistrationState::AwaitingBank
}

/// Whether something went wrong in `state`, so the page says how to reach support.
pub fn went_wrong(state: RegistrationState) -> bool {
    matches!(
        state,
        RegistrationState::Rejected | RegistrationState::Failed
    )
}

/// Whether the page keeps asking the server in `state`.
pub fn keeps_polling(state: RegistrationState) -> bool {
    matches!(
        state,
        RegistrationState::AwaitingBank | RegistrationState::PendingConfirmation
    )
}

/// The delay before poll number `n` (0-based): 1 s, 2 s, 4 s, 8 s, 15 s, 15 s …
pub fn poll_delay_ms(n: u32) -> u32 {
    POLL_FIRST_MS
        .saturating_mul(1u32.checked_shl(n.min(16)).unwrap_or(u32::MAX))
        .min(POLL_MAX_MS)
}

#[component]
pub fn StatusPage() -> impl IntoView {
    let lang = use_lang();
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());

    // The page's boot data brings the registration the page was loaded for: shown at once, and
    // asked for again only when polling would.
    let booted = crate::state::boot()
        .and_then(|b| b.registration.clone())
        .filter(|r| r.registration_id == id.get_untracked());
    let status = RwSignal::new(booted.clone().map(Ok::<_, ApiError>));
    let polling = RwSignal::new(booted.as_ref().is_some_and(|r| keeps_polling(r.state)));
    // Bumped by "Check again": restarts the polling at once, from the shortest delay.
    let reload = RwSignal::new(0_u32);
    let shown_id = StoredValue::new(
        booted
            .as_ref()
            .map(|r| r.registration_id.clone())
            .unwrap_or_default(),
    );
    // The first run of the loop below starts with a wait when the boot data had the answer.
    let first_from_boot = StoredValue::new(booted.is_some());

    // Load, then poll while the bank has not answered. The task and its request belong to this
    // effect's owner: both are cancelled (the request aborted) when the id changes or the page
    // is left.
    Effect::new(move |_| {
        let id = id.get();
        reload.track();
        // A new registration starts blank; "Check again" keeps the current one on screen.
        if shown_id.get_value() != id {
            shown_id.set_value(id.clone());
            status.set(None);
        }
        let cancel = api::Cancel::on_cleanup();
        let from_boot = first_from_boot.get_value();
        first_from_boot.set_value(false);
        leptos::task::spawn_local_scoped_with_cancellation(async move {
            let mut n = 0;
            if from_boot {
                // The answer is on screen already: the next one is the first poll's.
                if !polling.get_untracked() {
                    return;
                }
                api::sleep_ms(poll_delay_ms(n)).await;
                n += 1;
            }
            loop {
                let result = api::registration(&id, &cancel).await;
                if matches!(&result, Err(e) if e.aborted) {
                    break;
                }
                let again = match &result {
                    Ok(s) => keeps_polling(s.state),
                    // A hiccup while waiting: keep the last answer on screen and try again.
                    Err(e) if e.code.retryable() => {
                        matches!(status.get_untracked(), Some(Ok(_)))
                    }
                    Err(_) => false,
                };
                let keep_last = result.is_err() && again;
                // Re-render only on change, so focus and screen reader position survive polling.
                let changed = status.with_untracked(|s| s.as_ref() != Some(&result));
                if !keep_last && changed {
                    status.set(Some(result));
                }
                polling.set(again);
                if !again {
                    break;
                }
                api::sleep_ms(poll_delay_ms(n)).await;
                n += 1;
            }
        });
    });

    use_page_title(
        move |l| match status.get() {
            Some(Ok(s)) => state_title(l, s.state).to_string(),
            Some(Err(_)) => t(l, Key::StatusUnavailableTitle).to_string(),
            None => t(l, Key::Loading).to_string(),
        },
        Signal::derive(move || matches!(status.get(), Some(Err(_)))),
    );

    let announcement = move || {
        let l = lang.get();
        match status.get() {
            // While loading the layout's progress indicator speaks, if it takes long.
            None => "",
            Some(Ok(s)) => state_title(l, s.state),
            Some(Err(_)) => t(l, Key::StatusUnavailableTitle),
        }
    };
    let content = move || match status.get() {
        None => ().into_any(),
        Some(Err(e)) => view! { <Unavailable error=e /> }.into_any(),
        Some(Ok(s)) => view! { <StatusView status=s polling reload /> }.into_any(),
    };
    view! {
        // One live region for the whole page, so a state change found by polling is announced.
        <p class="bp-visually-hidden" role="status">{announcement}</p>
        {content}
    }
}

/// The heading for a state.
fn state_title(lang: bankid_api::Lang, state: RegistrationState) -> &'static str {
    let key = match state {
        RegistrationState::AwaitingBank => Key::StatusAwaitingTitle,
        RegistrationState::PendingConfirmation => Key::StatusPendingTitle,
        RegistrationState::Active => Key::StatusActiveTitle,
        RegistrationState::Rejected => Key::StatusRejectedTitle,
        RegistrationState::Failed => Key::StatusFailedTitle,
    };
    t(lang, key)
}

/// 401/404/…: the registration cannot be shown.
#[component]
fn Unavailable(error: ApiError) -> impl IntoView {
    let code = error.code;
    let trace_id = error.trace_id;
    view! {
        <h1 class="bp-heading-xl">{tr(Key::StatusUnavailableTitle)}</h1>
        <Problem code />
        <SupportDetails trace_id />
        <p class="bp-body">
            <Link href="/" class="bp-link-action">{tr(Key::StartAgain)}</Link>
        </p>
    }
}

#[component]
fn StatusView(
    status: RegistrationStatus,
    polling: RwSignal<bool>,
    reload: RwSignal<u32>,
) -> impl IntoView {
    let lang = use_lang();
    let banks = use_banks();
    let session = use_session();
    let signed_in = Memo::new(move |_| session.info.with(Option::is_some));
    let state = status.state;
    let bank_id = status.bank_id.clone();
    let bank_name = move || {
        banks
            .find(&bank_id)
            .flatten()
            .map(|b| b.name.get(lang.get()).to_string())
            .unwrap_or_else(|| bank_id.clone())
    };
    let (badge_key, modifier) = match state {
        RegistrationState::AwaitingBank => (Key::BadgeAwaiting, "awaiting"),
        RegistrationState::PendingConfirmation => (Key::BadgePending, "pending"),
        RegistrationState::Active => (Key::BadgeActive, "active"),
        RegistrationState::Rejected => (Key::BadgeRejected, "rejected"),
        RegistrationState::Failed => (Key::BadgeFailed, "failed"),
    };
    let badge_class = format!("bp-tag bp-tag--{modifier}");

    let explanation = match state {
        RegistrationState::AwaitingBank => view! {
            <p class="bp-body-l">{tr(Key::StatusAwaitingText)}</p>
            <p class="bp-body bp-loading" aria-hidden="true">
                {move || polling.get().then(|| t(lang.get(), Key::Checking))}
            </p>
        }
        .into_any(),
        RegistrationState::PendingConfirmation => view! {
            <p class="bp-body-l">{tr(Key::StatusPendingText)}</p>
            {move || signed_in.get().then(|| view! {
                <div class="bp-cta">
                    <p class="bp-body">{tr(Key::ActivateCtaText)}</p>
                    <Link href="/account/activate" class="bp-button bp-button--start">
                        {tr(Key::ActivateTitle)}
                    </Link>
                </div>
            })}
        }
        .into_any(),
        RegistrationState::Active => view! {
            <p class="bp-body-l">{tr(Key::StatusActiveText)}</p>
        }
        .into_any(),
        RegistrationState::Rejected | RegistrationState::Failed => {
            let code = status.reason.unwrap_or(ErrorCode::Internal);
            view! {
                <p class="bp-body-l">{move || code.message(lang.get())}</p>
                <h2 class="bp-heading-m">{tr(Key::WhatNext)}</h2>
                <p class="bp-body">{move || code.next_step(lang.get())}</p>
                <p class="bp-body">
                    <Link href="/" class="bp-link-action">{tr(Key::StartAgain)}</Link>
                </p>
            }
            .into_any()
        }
    };

    let created_at = status.created_at.clone();
    let created_attr = created_at.clone();
    // The newest event (or the creation) decides whether nothing has happened for a day.
    let last_change = status
        .journal
        .iter()
        .map(|e| e.at.as_str())
        .chain([created_at.as_str()])
        .max()
        .map(js_sys::Date::parse)
        .unwrap_or(f64::NAN);
    // Support only where something went wrong (a refusal, a failure, or nothing for a day): the
    // request number for people, the trace id folded away for support.
    let stale = is_stale(state, last_change, js_sys::Date::now());
    let support = (stale || went_wrong(state)).then(|| {
        let number = status.request_number.clone();
        let trace_id = status.trace_id.clone();
        let key = if stale {
            Key::StaleNotice
        } else {
            Key::SupportText
        };
        view! {
            <section class="bp-notice bp-support" aria-labelledby="support-heading" data-testid="support">
                <h2 class="bp-heading-m" id="support-heading">{tr(Key::SupportTitle)}</h2>
                <p class="bp-body">
                    {move || tf(lang.get(), key, &[("number", &number)])}
                </p>
                <SupportDetails trace_id />
            </section>
        }
    });
    let check_again = offers_check_again(state).then(|| {
        view! {
            <button
                type="button"
                class="bp-button bp-button--secondary"
                on:click=move |_| reload.update(|n| *n = n.wrapping_add(1))
            >
                {tr(Key::CheckAgain)}
            </button>
        }
    });
    let holder = status.display_name.clone();
    let journal = status.journal.clone();
    // The history (one localized time per event) is drawn in a task of its own after the rest,
    // so the page's first render stays short on a slow phone.
    let journal_shown = RwSignal::new(false);
    set_timeout(
        move || {
            let _ = journal_shown.try_set(true);
        },
        std::time::Duration::ZERO,
    );

    view! {
        <div class="bp-status">
            <p class="bp-status__badge">
                <span class="bp-visually-hidden">{tr(Key::StatusLabel)} ": "</span>
                <strong class=badge_class data-state=state_name(state)>
                    {tr(badge_key)}
                </strong>
            </p>
            <h1 class="bp-heading-xl">{move || state_title(lang.get(), state)}</h1>
            {explanation}
            <dl class="bp-summary-list">
                <div class="bp-summary-list__row">
                    <dt class="bp-summary-list__key">{tr(Key::RequestNumber)}</dt>
                    <dd class="bp-summary-list__value bp-request-number">{status.request_number.clone()}</dd>
                </div>
                <div class="bp-summary-list__row">
                    <dt class="bp-summary-list__key">{tr(Key::Bank)}</dt>
                    <dd class="bp-summary-list__value">{bank_name}</dd>
                </div>
                <div class="bp-summary-list__row">
                    <dt class="bp-summary-list__key">{tr(Key::CreatedAt)}</dt>
                    <dd class="bp-summary-list__value">
                        <time datetime=created_attr>
                            {move || local_time(lang.get(), &created_at)}
                        </time>
                    </dd>
                </div>
                {holder.map(|name| view! {
                    <div class="bp-summary-list__row">
                        <dt class="bp-summary-list__key">{tr(Key::AccountHolder)}</dt>
                        <dd class="bp-summary-list__value">{name}</dd>
                    </div>
                })}
            </dl>
            {check_again}
            {support}
            {move || journal_shown.get().then(|| view! { <Journal entries=journal.clone() /> })}
        </div>
    }
}

/// The registration's events, newest first, with localized times.
#[component]
pub fn Journal(entries: Vec<JournalEntry>) -> impl IntoView {
    let lang = use_lang();
    let banks = use_banks();
    let mut entries = entries;
    // RFC 3339 UTC strings sort by time; the server sends newest first, make sure of it.
    entries.sort_by(|a, b| b.at.cmp(&a.at));
    let empty = entries.is_empty();
    let items = entries
        .into_iter()
        .map(|e| {
            let at = e.at.clone();
            let at_attr = e.at.clone();
            let event = e.code;
            let code = event.as_str();
            let field = e.field.clone();
            let bank = e.bank_id.clone();
            let upstream = e.upstream.clone();
            let text = move || event.text(lang.get());
            // Words for people; the stable code beside them for support. A field is named, never
            // its value; a bank by its name; a bank's own error code as it sent it.
            let about = move || {
                let l = lang.get();
                let field = field.as_deref().map(|f| {
                    field_text(f, l)
                        .map(str::to_string)
                        .unwrap_or_else(|| f.to_string())
                });
                let bank = bank.as_deref().map(|b| banks.name(l, b));
                field.or(bank)
            };
            let details = view! {
                <span class="bp-timeline__code">
                    {move || about().map(|a| view! { {a} " · " })}
                    <code>{code}</code>
                    {upstream.map(|u| view! {
                        " (" {tr(Key::BankCode)} ": " <code>{u}</code> ")"
                    })}
                </span>
            };
            view! {
                <li class="bp-timeline__item">
                    <time class="bp-timeline__time" datetime=at_attr>
                        {move || local_time(lang.get(), &at)}
                    </time>
                    <span class="bp-timeline__text">{text}</span>
                    {details}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="bp-journal" aria-labelledby="journal-heading">
            <h2 class="bp-heading-m" id="journal-heading">{tr(Key::JournalHeading)}</h2>
            {if empty {
                view! { <p class="bp-body">{tr(Key::JournalEmpty)}</p> }.into_any()
            } else {
                view! { <ol class="bp-timeline">{items}</ol> }.into_any()
            }}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unfinished_registrations_go_stale_after_a_day() {
        let day = STALE_AFTER_MS;
        let pending = RegistrationState::PendingConfirmation;
        assert!(!is_stale(pending, 0.0, day));
        assert!(is_stale(pending, 0.0, day + 1.0));
        assert!(is_stale(RegistrationState::AwaitingBank, 0.0, day * 2.0));
        assert!(!is_stale(RegistrationState::Active, 0.0, day * 2.0));
        assert!(!is_stale(RegistrationState::Rejected, 0.0, day * 2.0));
        assert!(!is_stale(pending, f64::NAN, day * 2.0));
    }

    #[test]
    fn polling_continues_until_a_final_state() {
        assert!(keeps_polling(RegistrationState::AwaitingBank));
        assert!(keeps_polling(RegistrationState::PendingConfirmation));
        assert!(!keeps_polling(RegistrationState::Active));
        assert!(!keeps_polling(RegistrationState::Failed));
    }

    #[test]
    fn check_again_only_while_the_bank_has_the_next_step() {
        use RegistrationState::*;
        assert!(offers_check_again(AwaitingBank));
        for s in [PendingConfirmation, Active, Rejected, Failed] {
            assert!(!offers_check_again(s), "{s:?}");
        }
        assert!(went_wrong(Rejected) && went_wrong(Failed));
        for s in [AwaitingBank, PendingConfirmation, Active] {
            assert!(!went_wrong(s), "{s:?}");
        }
    }

    #[test]
    fn backoff_doubles_up_to_fifteen_seconds() {
        let delays: Vec<u32> = (0..7).map(poll_delay_ms).collect();
        assert_eq!(delays, [1_000, 2_000, 4_000, 8_000, 15_000, 15_000, 15_000]);
        assert_eq!(poll_delay_ms(100), 15_000);
    }
}
