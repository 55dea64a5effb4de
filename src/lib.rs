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
pub mod nav;
pub mod pages;
pub mod state;

use bankid_api::routes::Bundle;
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

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

/// What every bundle sets up before its routes: language, shared state, which bundle it is.
fn provide_app(bundle: Bundle) {
    i18n::provide_lang();
    state::provide_state();
    nav::provide_bundle(bundle);
}

/// The register bundle (`index.html`): the pages before the bank, and not-found for unknown paths.
#[component]
pub fn RegisterApp() -> impl IntoView {
    provide_app(Bundle::Register);
    view! {
        <Router>
            <Layout>
                <Routes fallback=|| view! { <NotFound /> }>
                    <Route path=path!("/") view=BanksPage />
                    <Route path=path!("/register/:bank") view=Step1Phone />
                    <Route path=path!("/register/:bank/consent") view=Step2Consent />
                    <Route path=path!("/return") view=ReturnError />
                </Routes>
            </Layout>
        </Router>
    }
}

/// The account bundle (`account.html`): status, sign-in, activation, the sandbox inbox.
#[component]
pub fn AccountApp() -> impl IntoView {
    provide_app(Bundle::Account);
    view! {
        <Router>
            <Layout>
                <Routes fallback=|| view! { <NotFound /> }>
                    <Route path=path!("/registration/:id") view=StatusPage />
                    <Route path=path!("/signin") view=SignInPage />
                    <Route path=path!("/signin/second-factor") view=SecondFactorPage />
                    <Route path=path!("/account/activate") view=ActivatePage />
                    <Route path=path!("/dev/inbox") view=DevInboxPage />
                </Routes>
            </Layout>
        </Router>
    }
}

/// The manage bundle (`manage.html`): linked banks, consents.
#[component]
pub fn ManageApp() -> impl IntoView {
    provide_app(Bundle::Manage);
    view! {
        <Router>
            <Layout>
                <Routes fallback=|| view! { <NotFound /> }>
                    <Route path=path!("/account/banks") view=LinkedBanksPage />
                    <Route path=path!("/account/banks/add") view=ChooseBankPage />
                    <Route path=path!("/account/banks/add/:bank") view=LinkConsentPage />
                    <Route path=path!("/account/banks/change/:old") view=ChooseBankPage />
                    <Route path=path!("/account/banks/change/:old/:bank") view=LinkConsentPage />
                    <Route path=path!("/account/banks/remove/:bank") view=RemoveBankPage />
                    <Route path=path!("/account/consents") view=ConsentsPage />
                </Routes>
            </Layout>
        </Router>
    }
}

/// The security bundle (`security.html`): two-factor protection.
#[component]
pub fn SecurityApp() -> impl IntoView {
    provide_app(Bundle::Security);
    view! {
        <Router>
            <Layout>
                <Routes fallback=|| view! { <NotFound /> }>
                    <Route path=path!("/account/security") view=SecurityPage />
                </Routes>
            </Layout>
        </Router>
    }
}
