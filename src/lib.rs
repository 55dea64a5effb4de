//! bankid-portal web front end: a Leptos CSR single-page app.
//!
//! Citizens pick their bank, give their phone number and consent, and are sent to the bank
//! (OpenID Connect); after the bank the server sends them back to the status page. Signed in,
//! they activate the account with a one-time code, manage two-factor protection, and sign in
//! again later through their bank (then the authenticator code).
//! The app ships as five bundles (see [`bankid_api::routes`]): [`RegisterApp`] for the pages
//! before the bank, [`AccountApp`] for those right after it, [`ManageApp`] for linked banks and
//! consents, [`SecurityApp`] for two-factor protection, and [`EmbedApp`] for the registration a
//! partner bank's page frames (no router), so no page loads code it does not run.
//! `api` is the only module that talks HTTP; `i18n` holds every UI text; errors are shown through
//! [`bankid_api::ErrorCode`]'s own ru/uk/en texts.

pub mod api;
pub mod components;
pub mod embed;
pub mod format;
pub mod i18n;
pub mod load;
pub mod nav;
pub mod pages;
pub mod router;
pub mod state;

use bankid_api::routes::Bundle;
use leptos::prelude::*;

pub use crate::embed::EmbedApp;

use crate::components::layout::Layout;
use crate::pages::linked_banks::{
    ChooseBankPage, LinkConsentPage, LinkedBanksPage, RemoveBankPage,
};
use crate::pages::{
    activate::ActivatePage, banks::BanksPage, consents::ConsentsPage, dev_inbox::DevInboxPage,
    not_found::NotFound, return_error::ReturnError, security::SecurityPage,
    signin::SecondFactorPage, signin::SignInPage, status::StatusPage, step1_phone::Step1Phone,
    step2_consent::Step2Consent,
};
use crate::router::{routes, Route};

/// Mounts a bundle's app in place of the first view the server wrote into the page
/// ([`bankid_api::types::SHELL_ELEMENT_ID`]): both in one task, so no frame shows neither. That
/// task is not the one that started the wasm, so neither keeps a slow phone busy for as long.
pub fn mount<F, N>(app: F)
where
    F: FnOnce() -> N + 'static,
    N: IntoView,
{
    set_timeout(
        move || {
            if let Some(shell) = document().get_element_by_id(bankid_api::types::SHELL_ELEMENT_ID) {
                shell.remove();
            }
            leptos::mount::mount_to_body(app);
        },
        std::time::Duration::ZERO,
    );
}

/// Every bundle's page for a path none of its routes match.
fn not_found() -> AnyView {
    view! { <NotFound /> }.into_any()
}

/// A bundle's app: its setup, then its pages in the page frame.
fn app(bundle: Bundle, table: &'static [Route]) -> impl IntoView {
    provide_app(bundle);
    view! { <Layout>{routes(table, not_found)}</Layout> }
}

/// A row of a route table: a path pattern and the page component it shows.
macro_rules! route {
    ($path:literal, $page:ident) => {
        Route {
            path: $path,
            view: || view! { <$page /> }.into_any(),
        }
    };
}

/// What every bundle sets up before its routes: language, shared state, which bundle it is, its
/// router.
fn provide_app(bundle: Bundle) {
    i18n::provide_lang();
    state::provide_state();
    nav::provide_bundle(bundle);
    router::provide_router(bundle);
}

/// The register bundle (`index.html`): the pages before the bank, and not-found for unknown paths.
#[component]
pub fn RegisterApp() -> impl IntoView {
    app(Bundle::Register, REGISTER_ROUTES)
}

const REGISTER_ROUTES: &[Route] = &[
    route!("/", BanksPage),
    route!("/register/:bank", Step1Phone),
    route!("/register/:bank/consent", Step2Consent),
    route!("/return", ReturnError),
];

/// The account bundle (`account.html`): status, sign-in, activation, the sandbox inbox.
#[component]
pub fn AccountApp() -> impl IntoView {
    app(Bundle::Account, ACCOUNT_ROUTES)
}

const ACCOUNT_ROUTES: &[Route] = &[
    route!("/registration/:id", StatusPage),
    route!("/signin", SignInPage),
    route!("/signin/second-factor", SecondFactorPage),
    route!("/account/activate", ActivatePage),
    route!("/dev/inbox", DevInboxPage),
];

/// The manage bundle (`manage.html`): linked banks, consents.
#[component]
pub fn ManageApp() -> impl IntoView {
    app(Bundle::Manage, MANAGE_ROUTES)
}

const MANAGE_ROUTES: &[Route] = &[
    route!("/account/banks", LinkedBanksPage),
    route!("/account/banks/add", ChooseBankPage),
    route!("/account/banks/add/:bank", LinkConsentPage),
    route!("/account/banks/change/:old", ChooseBankPage),
    route!("/account/banks/change/:old/:bank", LinkConsentPage),
    route!("/account/banks/remove/:bank", RemoveBankPage),
    route!("/account/consents", ConsentsPage),
];

/// The security bundle (`security.html`): two-factor protection.
#[component]
pub fn SecurityApp() -> impl IntoView {
    app(Bundle::Security, SECURITY_ROUTES)
}

const SECURITY_ROUTES: &[Route] = &[route!("/account/security", SecurityPage)];
