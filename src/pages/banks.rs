//! `/` — choose your bank.

use bankid_api::types::{BankInfo, Country};
use bankid_api::Lang;
use leptos::prelude::*;

use crate::components::bank_card::BankCard;
use crate::components::problem::Problem;
use crate::i18n::{t, tr, use_lang, use_page_title, Key};
use crate::nav::Link;
use crate::state::use_banks;

#[component]
pub fn BanksPage() -> impl IntoView {
    let lang = use_lang();
    let banks = use_banks();
    use_page_title(
        |l| t(l, Key::BanksTitle).to_string(),
        Signal::derive(move || matches!(banks.get(), Some(Err(_)))),
    );

    let content = move || match banks.get() {
        // The layout's progress indicator appears if this takes long.
        None => ().into_any(),
        Some(Err(e)) => {
            let code = e.code;
            let trace_id = e.trace_id.clone();
            view! {
                <div class="bp-panel bp-panel--error">
                    <h2 class="bp-heading-l">{tr(Key::BanksLoadFailed)}</h2>
                    <Problem code trace_id=trace_id />
                    <button
                        type="button"
                        class="bp-button bp-button--secondary"
                        disabled=move || banks.loading()
                        on:click=move |_| banks.refetch()
                    >
                        {tr(Key::TryAgain)}
                    </button>
                </div>
            }
            .into_any()
        }
        Some(Ok(list)) if list.is_empty() => view! {
            <p class="bp-body">{tr(Key::BanksEmpty)}</p>
        }
        .into_any(),
        Some(Ok(list)) => {
            // The citizen's own country first.
            let order = if lang.get() == Lang::Uk {
                [Country::Ua, Country::Ru]
            } else {
                [Country::Ru, Country::Ua]
            };
            order
                .into_iter()
                .map(|country| group(country, &list, None, Signal::stored(false)))
                .collect_view()
                .into_any()
        }
    };

    view! {
        <h1 class="bp-heading-xl">{tr(Key::BanksTitle)}</h1>
        <p class="bp-body-l">{tr(Key::BanksLead)}</p>
        <p class="bp-body bp-signin-link">
            <Link href="/signin" class="bp-link-action">{tr(Key::AlreadyRegistered)}</Link>
        </p>
        {content}
    }
}

/// The banks of one country as a titled list; nothing when there are none. With `on_choose` the
/// workable banks are buttons (sign-in) instead of links to registration.
pub fn group(
    country: Country,
    list: &[BankInfo],
    on_choose: Option<Callback<String>>,
    busy: Signal<bool>,
) -> Option<impl IntoView> {
    let banks: Vec<BankInfo> = list
        .iter()
        .filter(|b| b.country == country)
        .cloned()
        .collect();
    if banks.is_empty() {
        return None;
    }
    let (id, key) = match country {
        Country::Ru => ("banks-ru", Key::BanksRu),
        Country::Ua => ("banks-ua", Key::BanksUa),
    };
    Some(view! {
        <section class="bp-bank-group" aria-labelledby=id>
            <h2 class="bp-heading-m" id=id>{tr(key)}</h2>
            <ul class="bp-bank-list">
                {banks
                    .into_iter()
                    .map(|bank| match on_choose {
                        Some(on_choose) => view! { <BankCard bank on_choose busy /> }.into_any(),
                        None => view! { <BankCard bank /> }.into_any(),
                    })
                    .collect_view()}
            </ul>
        </section>
    })
}
