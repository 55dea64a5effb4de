//! A large tappable card for one partner bank.

use bankid_api::types::BankInfo;
use leptos::prelude::*;

use crate::format::css_ident;
use crate::i18n::{tr, use_lang, Key};
use crate::nav::Link;

/// One `<li>` of the bank list. A workable bank is a link to step 1 named by the bank's name;
/// an unavailable one is a disabled group (not a link) saying "temporarily unavailable".
/// The brand colour comes from the class `bp-bank-card--{id}` (no inline styles: strict CSP).
///
/// With `on_choose` a workable bank is a button instead (sign-in: choosing it starts a request).
#[component]
pub fn BankCard(
    bank: BankInfo,
    /// Called with the bank id when the card is a button.
    #[prop(optional)]
    on_choose: Option<Callback<String>>,
    /// A request is in flight: the buttons are disabled.
    #[prop(optional, into)]
    busy: Signal<bool>,
) -> impl IntoView {
    let lang = use_lang();
    let ident = css_ident(&bank.id);
    let name = {
        let name = bank.name.clone();
        move || name.get(lang.get()).to_string()
    };
    let logo = bank.logo.clone();
    if let (true, Some(on_choose)) = (bank.workable, on_choose) {
        let class = format!("bp-bank-card bp-bank-card--button bp-bank-card--{ident}");
        let id = bank.id.clone();
        view! {
            <li class="bp-bank-list__item">
                <button
                    type="button"
                    class=class
                    disabled=move || busy.get()
                    on:click=move |_| on_choose.run(id.clone())
                >
                    <img class="bp-bank-card__logo" src=logo alt="" width="48" height="48" />
                    <span class="bp-bank-card__name">{name}</span>
                </button>
            </li>
        }
        .into_any()
    } else if bank.workable {
        let class = format!("bp-bank-card bp-bank-card--{ident}");
        view! {
            <li class="bp-bank-list__item">
                <Link href=format!("/register/{}", bank.id) class=class>
                    <img class="bp-bank-card__logo" src=logo alt="" width="48" height="48" />
                    <span class="bp-bank-card__name">{name}</span>
                </Link>
            </li>
        }
        .into_any()
    } else {
        let class = format!("bp-bank-card bp-bank-card--disabled bp-bank-card--{ident}");
        let name_id = format!("bank-{ident}-name");
        let labelled_by = name_id.clone();
        view! {
            <li class="bp-bank-list__item">
                <div class=class role="group" aria-disabled="true" aria-labelledby=labelled_by>
                    <img class="bp-bank-card__logo" src=logo alt="" width="48" height="48" />
                    <span class="bp-bank-card__text">
                        <span class="bp-bank-card__name" id=name_id>{name}</span>
                        <span class="bp-bank-card__status">
                            {tr(Key::BankUnavailable)}
                        </span>
                    </span>
                </div>
            </li>
        }
        .into_any()
    }
}
