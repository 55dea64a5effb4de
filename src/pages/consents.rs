//! `/account/consents` — the consent ledger (Russia's 152-FZ): every transfer of data from a bank,
//! newest first, with what was shared, why, under which consent text, and the outcome. A consent
//! in force can be withdrawn (after a confirmation); the withdrawal is a new entry of the ledger,
//! which is never rewritten.

use bankid_api::types::{ConsentField, ConsentRecord, ConsentStatus, Country};
use bankid_api::Lang;
use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::components::bank_mark::BankMark;
use crate::components::error_summary::{server_summary, ErrorSummary};
use crate::components::focus_when_shown;
use crate::components::problem::load_failed;
use crate::format::{css_ident, local_time};
use crate::i18n::{t, tf, tr, use_lang, use_page_title, Key};
use crate::load::Load;
use crate::nav::Link;
use crate::pages::account::SignedIn;
use crate::state::use_banks;

/// Id of the "consent withdrawn" message, focused when it appears.
pub const WITHDRAWN_ID: &str = "withdrawn";

/// The outcome of a ledger entry in words.
pub fn outcome_text(lang: Lang, outcome: &str) -> &'static str {
    t(
        lang,
        match outcome {
            "account" => Key::OutcomeAccount,
            "rejected" => Key::OutcomeRejected,
            "linked" => Key::OutcomeLinked,
            "signed_in" => Key::OutcomeSignedIn,
            _ => Key::OutcomeWithdrawn,
        },
    )
}

/// The purpose of a ledger entry in words (the server records it in English).
pub fn purpose_text(lang: Lang, purpose: &str) -> String {
    if purpose.starts_with("registration") {
        t(lang, Key::PurposeRegistration).to_string()
    } else if purpose.starts_with("bank link") {
        t(lang, Key::PurposeLink).to_string()
    } else if purpose.starts_with("sign-in") {
        t(lang, Key::PurposeSignIn).to_string()
    } else {
        purpose.to_string()
    }
}

/// Whether the entry is a consent in force that the citizen can withdraw.
pub fn withdrawable(r: &ConsentRecord) -> bool {
    r.status == ConsentStatus::InForce && !r.last_bank
}

/// The tag of an entry: (CSS class, text). The server says where each consent stands.
fn status_tag(lang: Lang, status: ConsentStatus) -> Option<(&'static str, &'static str)> {
    let (class, key) = match status {
        ConsentStatus::InForce => ("bp-tag bp-tag--active", Key::ConsentInForce),
        ConsentStatus::Withdrawn => ("bp-tag bp-tag--failed", Key::ConsentWithdrawnTag),
        ConsentStatus::BankRemoved => ("bp-tag bp-tag--failed", Key::ConsentBankNotLinked),
        ConsentStatus::Replaced => ("bp-tag bp-tag--failed", Key::ConsentReplaced),
        ConsentStatus::Record => return None,
    };
    Some((class, t(lang, key)))
}

/// The labels of the wire field names, for a bank of `country`; unknown names as they are.
fn field_labels(lang: Lang, country: Country, fields: &[String]) -> String {
    let all = [
        ConsentField::FullName,
        ConsentField::BirthDate,
        ConsentField::Passport,
        ConsentField::TaxId,
        ConsentField::Snils,
        ConsentField::Phone,
        ConsentField::Email,
        ConsentField::BankActivity,
    ];
    fields
        .iter()
        .map(|name| {
            all.iter()
                .find(|f| {
                    serde_json::to_value(f)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        == Some(name.clone())
                })
                .map_or_else(|| name.clone(), |f| f.label(lang, country).to_string())
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[component]
pub fn ConsentsPage() -> impl IntoView {
    view! { <SignedIn page=|_| view! { <Consents /> } /> }
}

#[component]
fn Consents() -> impl IntoView {
    let lang = use_lang();
    let banks = use_banks();
    let cancel = api::Cancel::on_cleanup();
    let ledger = {
        let cancel = cancel.clone();
        Load::new(move || {
            let cancel = cancel.clone();
            async move { api::consents(&cancel).await }
        })
    };
    // The entry whose withdrawal is being confirmed.
    let confirming = RwSignal::new(None::<i64>);
    let busy = RwSignal::new(false);
    let server_error = RwSignal::new(None::<ApiError>);
    let withdrawn = RwSignal::new(false);
    use_page_title(
        |l| t(l, Key::ConsentsTitle).to_string(),
        Signal::derive(move || server_error.get().is_some()),
    );

    let withdraw = move |id: i64| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        server_error.set(None);
        let cancel = cancel.clone();
        leptos::task::spawn_local(async move {
            let result = api::withdraw_consent(id, &cancel).await;
            let _ = busy.try_set(false);
            match result {
                Err(e) if e.aborted => {}
                Ok(()) => {
                    let _ = confirming.try_set(None);
                    let _ = withdrawn.try_set(true);
                    ledger.reload();
                    // The confirmation is gone: the outcome takes focus.
                    focus_when_shown(WITHDRAWN_ID);
                }
                Err(e) => {
                    let _ = server_error.try_set(Some(e));
                }
            }
        });
    };
    let (items, trace_id) = server_summary(server_error);

    let entries = move || match ledger.get() {
        None => ().into_any(),
        Some(Err(e)) => load_failed(e, move || ledger.reload()),
        Some(Ok(list)) if list.is_empty() => {
            view! { <p class="bp-body">{tr(Key::ConsentsEmpty)}</p> }.into_any()
        }
        Some(Ok(list)) => {
            let l = lang.get();
            let withdraw = withdraw.clone();
            let rows = list
                .into_iter()
                .rev()
                .map(|r| {
                    let country = banks
                        .find(&r.bank_id)
                        .flatten()
                        .map_or(Country::Ru, |b| b.country);
                    let bank = banks.name(l, &r.bank_id);
                    let when = local_time(l, &r.at);
                    let heading_id = format!("consent-{}", r.id);
                    let tag = status_tag(l, r.status).map(|(class, text)| view! { <strong class=class>{text}</strong> });
                    let withdraws = r.withdraws.map(|w| {
                        view! {
                            <div class="bp-summary-list__row">
                                <dt class="bp-summary-list__key">{t(l, Key::LedgerWithdraws)}</dt>
                                <dd class="bp-summary-list__value">"№ " {w}</dd>
                            </div>
                        }
                    });
                    // The only bank the citizen signs in with: say why there is no button, and how on.
                    let last_bank = r.last_bank.then(|| {
                        view! {
                            <p class="bp-body" data-testid="withdraw-last-bank">
                                {t(l, Key::WithdrawLastBank)} " "
                                <Link href="/account/banks/add" class="bp-link">{t(l, Key::AddBank)}</Link>
                            </p>
                        }
                    });
                    let action = withdrawable(&r).then(|| {
                        let id = r.id;
                        let withdraw = withdraw.clone();
                        let hidden = tf(
                            l,
                            Key::WithdrawHidden,
                            &[("bank", &bank), ("when", &when)],
                        );
                        let text = tf(l, Key::WithdrawText, &[("bank", &bank)]);
                        move || {
                            if confirming.get() == Some(id) {
                                let withdraw = withdraw.clone();
                                view! {
                                    <div class="bp-confirm" role="group" aria-labelledby=format!("confirm-{id}")>
                                        <h3 class="bp-heading-s" id=format!("confirm-{id}") tabindex="-1">
                                            {t(l, Key::WithdrawTitle)}
                                        </h3>
                                        <p class="bp-body">{text.clone()}</p>
                                        <div class="bp-button-group">
                                            <button
                                                type="button"
                                                class="bp-button bp-button--warning"
                                                data-testid="withdraw-confirm"
                                                disabled=move || busy.get()
                                                on:click=move |_| withdraw(id)
                                            >
                                                {t(l, Key::WithdrawConfirm)}
                                            </button>
                                            <button
                                                type="button"
                                                class="bp-button bp-button--secondary"
                                                data-testid="withdraw-cancel"
                                                on:click=move |_| {
                                                    confirming.set(None);
                                                    // Back to the button that asked.
                                                    focus_when_shown(format!("withdraw-{id}"));
                                                }
                                            >
                                                {t(l, Key::Cancel)}
                                            </button>
                                        </div>
                                    </div>
                                }
                                .into_any()
                            } else {
                                view! {
                                    <button
                                        type="button"
                                        class="bp-button bp-button--secondary"
                                        id=format!("withdraw-{id}")
                                        data-testid="withdraw"
                                        on:click=move |_| {
                                            server_error.set(None);
                                            confirming.set(Some(id));
                                            // The question replaces the button: it takes focus.
                                            focus_when_shown(format!("confirm-{id}"));
                                        }
                                    >
                                        {t(l, Key::WithdrawButton)}
                                        <span class="bp-visually-hidden">" " {hidden.clone()}</span>
                                    </button>
                                }
                                .into_any()
                            }
                        }
                    });
                    view! {
                        <li
                            class=format!("bp-ledger__entry bp-ledger__entry--{}", css_ident(&r.outcome))
                            data-consent=r.id
                            data-outcome=r.outcome.clone()
                            data-withdrawn=r.withdrawn.to_string()
                        >
                            <h2 class="bp-heading-m" id=heading_id>
                                {outcome_text(l, &r.outcome)} " · "
                                <BankMark id=r.bank_id.clone() />
                                {bank.clone()}
                            </h2>
                            {tag}
                            <dl class="bp-summary-list">
                                <div class="bp-summary-list__row">
                                    <dt class="bp-summary-list__key">{t(l, Key::LedgerWhen)}</dt>
                                    <dd class="bp-summary-list__value">{when.clone()}</dd>
                                </div>
                                <div class="bp-summary-list__row">
                                    <dt class="bp-summary-list__key">{t(l, Key::LedgerFields)}</dt>
                                    <dd class="bp-summary-list__value">
                                        {field_labels(l, country, &r.fields)}
                                    </dd>
                                </div>
                                <div class="bp-summary-list__row">
                                    <dt class="bp-summary-list__key">{t(l, Key::LedgerPurpose)}</dt>
                                    <dd class="bp-summary-list__value">{purpose_text(l, &r.purpose)}</dd>
                                </div>
                                <div class="bp-summary-list__row">
                                    <dt class="bp-summary-list__key">{t(l, Key::ConsentVersion)}</dt>
                                    <dd class="bp-summary-list__value">{r.version.clone()}</dd>
                                </div>
                                {withdraws}
                            </dl>
                            {last_bank}
                            {action}
                        </li>
                    }
                })
                .collect_view();
            view! { <ol class="bp-ledger" data-testid="ledger">{rows}</ol> }.into_any()
        }
    };

    view! {
        <ErrorSummary items trace_id />
        <h1 class="bp-heading-xl">{tr(Key::ConsentsTitle)}</h1>
        {move || {
            withdrawn
                .get()
                .then(|| {
                    view! {
                        <div class="bp-notice bp-notice--success" role="status" id=WITHDRAWN_ID tabindex="-1">
                            <p class="bp-body">{tr(Key::WithdrawDone)}</p>
                        </div>
                    }
                })
        }}
        <p class="bp-body-l">{tr(Key::ConsentsLead)}</p>
        {entries}
        // After the ledger has come, so that it appears below it instead of being pushed down.
        {move || {
            ledger.with(Option::is_some).then(|| view! {
                <p class="bp-body">
                    <Link href="/account/banks" class="bp-link-action">{tr(Key::LinkedBanksTitle)}</Link>
                </p>
            })
        }}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(outcome: &str, status: ConsentStatus) -> ConsentRecord {
        ConsentRecord {
            id: 1,
            bank_id: "sber".into(),
            fields: vec!["full_name".into(), "tax_id".into()],
            purpose: "registration: create and confirm a portal account".into(),
            version: "2026-11-01".into(),
            outcome: outcome.into(),
            at: "2026-11-23T10:00:00Z".into(),
            withdraws: None,
            withdrawn: status == ConsentStatus::Withdrawn,
            status,
            last_bank: false,
        }
    }

    #[test]
    fn only_consents_in_force_can_be_withdrawn() {
        use ConsentStatus::*;
        assert!(withdrawable(&record("account", InForce)));
        assert!(withdrawable(&record("linked", InForce)));
        // Not the only bank the citizen signs in with.
        let mut only = record("linked", InForce);
        only.last_bank = true;
        assert!(!withdrawable(&only));
        for status in [Withdrawn, BankRemoved, Replaced] {
            assert!(!withdrawable(&record("linked", status)));
        }
        assert!(!withdrawable(&record("rejected", Record)));
        assert!(!withdrawable(&record("withdrawn", Record)));
        assert_eq!(status_tag(Lang::En, Record), None);
        assert_eq!(
            status_tag(Lang::En, BankRemoved),
            Some(("bp-tag bp-tag--failed", "Bank removed"))
        );
    }

    #[test]
    fn fields_and_purposes_are_shown_in_words() {
        assert_eq!(
            field_labels(
                Lang::En,
                Country::Ru,
                &["full_name".into(), "tax_id".into(), "x".into()]
            ),
            "Full name; Taxpayer number (INN); x"
        );
        assert_eq!(
            purpose_text(
                Lang::En,
                "registration: create and confirm a portal account"
            ),
            "Create and confirm a portal account"
        );
        assert_eq!(
            purpose_text(Lang::En, "bank link: confirm the same person"),
            "Link a bank: confirm it is the same person"
        );
        assert_eq!(outcome_text(Lang::Ru, "linked"), "Банк подключён");
        assert_eq!(
            outcome_text(Lang::En, "signed_in"),
            "Signed in through the bank"
        );
        assert_eq!(
            purpose_text(Lang::En, "sign-in: recognise the account"),
            "Sign-in: recognise your account"
        );
    }
}
