//! The embed bundle (`embed.html`, issue #11): the registration a partner bank's page frames at
//! `/embed/{bank_id}` ([`frame`]), and the page the bank's window returns to, `/embed/return`
//! ([`popup`]). No router: the path is read once. The bank's page and the frame talk by
//! `postMessage` (`bankid-portal/1`, [`protocol`]). Its texts ([`texts`]) and GOV.UK pieces
//! ([`ui`]) are its own, lean ones: the bundle's first load must stay within 150 KB brotli.

pub mod frame;
pub mod popup;
pub mod protocol;
pub mod steps;
pub mod texts;
pub mod ui;

use bankid_api::types::{BankInfo, Brand, Country};
use bankid_api::ErrorCode;
use leptos::prelude::*;

use crate::i18n::{provide_lang_from, use_lang};
use protocol::{embed_route, lang_param, EmbedRoute};
use texts::{etr, EmbedKey};

/// Id of `<main>`, which takes focus when the step changes.
pub const MAIN_ID: &str = "main-content";

/// The embed bundle's app: the frame or the bank window's return page, by path.
#[component]
pub fn EmbedApp() -> impl IntoView {
    let location = window().location();
    let path = location.pathname().unwrap_or_default();
    let search = location.search().unwrap_or_default();
    // No `nav::provide_bundle`: nothing here links through the router.
    provide_lang_from(lang_param(&search));
    match embed_route(&path) {
        EmbedRoute::Frame(bank_id) => view! { <frame::Frame bank_id /> }.into_any(),
        EmbedRoute::Return => view! { <popup::ReturnPage /> }.into_any(),
        EmbedRoute::Unknown => {
            view! { <Shell>{ui::problem(ErrorCode::ReqNotFound, None, true)}</Shell> }.into_any()
        }
    }
}

/// What the embedded pages take from the boot data the server writes into every page
/// ([`bankid_api::types::Boot`]): the banks and the portal's identity; the rest is not decoded.
#[derive(serde::Deserialize)]
pub struct EmbedBoot {
    pub banks: Vec<BankInfo>,
    pub brand: Brand,
}

/// The page's boot data, read once; `None` when the page has none (or it does not decode).
pub fn boot() -> Option<&'static EmbedBoot> {
    thread_local! {
        static BOOT: Option<&'static EmbedBoot> = document()
            .get_element_by_id(bankid_api::types::BOOT_ELEMENT_ID)
            .and_then(|el| el.text_content())
            .and_then(|text| serde_json::from_str::<EmbedBoot>(&text).ok())
            .map(|b| &*Box::leak(Box::new(b)));
    }
    BOOT.with(|b| *b)
}

/// The compact page of the embedded mode: no portal header or footer, but always a slim bar
/// saying that this is the government portal and, once known, which bank asked for it.
#[component]
pub fn Shell(
    /// The bank whose page embeds the portal.
    #[prop(optional, into)]
    bank: Signal<Option<BankInfo>>,
    children: Children,
) -> impl IntoView {
    let lang = use_lang();
    let requested_by = move || {
        bank.get().map(|b| {
            let name = b.name.clone();
            view! {
                <p class="bp-embed-bar__bank">
                    <span class="bp-embed-bar__by">{etr(EmbedKey::RequestedBy)}</span>
                    " "
                    <img class="bp-embed-bar__logo" src=b.logo alt="" width="24" height="24" />
                    <strong class="bp-embed-bar__bank-name">{move || name.get(lang.get()).to_string()}</strong>
                </p>
            }
        })
    };
    // The deployment's portal (`[brand]`): its mark and full name.
    let Brand {
        name: portal, mark, ..
    } = boot()
        .map(|b| b.brand.clone())
        .unwrap_or_else(|| Brand::of(Country::Ru));
    let portal = StoredValue::new(portal);
    let portal_name = move || portal.with_value(|p| p.get(lang.get()).to_string());
    view! {
        // Named landmarks: the bank's page around the frame has its own banner and main.
        <header class="bp-embed-bar" aria-label=portal_name>
            <p class="bp-embed-bar__portal">
                <img class="bp-embed-bar__mark" src=mark alt="" width="24" height="24" />
                <span>{portal_name}</span>
            </p>
            {requested_by}
        </header>
        <main id=MAIN_ID class="bp-embed-main" tabindex="-1" aria-label=etr(EmbedKey::SiteName)>
            {children()}
        </main>
    }
}
