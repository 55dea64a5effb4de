//! bankid-portal web front end: a Leptos CSR single-page app.
//!
//! Citizens pick their bank, give their phone number and consent, and are sent to the bank
//! (OpenID Connect); after the bank the server sends them back to the status page.
//! `api` is the only module that talks HTTP; `i18n` holds every UI text; errors are shown through
//! [`bankid_api::ErrorCode`]'s own ru/uk/en texts.

pub mod api;
pub mod components;
pub mod format;
pub mod i18n;
pub mod pages;
pub mod state;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::components::layout::Layout;
use crate::pages::{
    banks::BanksPage, not_found::NotFound, return_error::ReturnError, status::StatusPage,
    step1_phone::Step1Phone, step2_consent::Step2Consent,
};

/// The whole application: context, layout and the one route table.
#[component]
pub fn App() -> impl IntoView {
    i18n::provide_lang();
    state::provide_state();

    view! {
        <Router>
            <Layout>
                <Routes fallback=|| view! { <NotFound /> }>
                    <Route path=path!("/") view=BanksPage />
                    <Route path=path!("/register/:bank") view=Step1Phone />
                    <Route path=path!("/register/:bank/consent") view=Step2Consent />
                    <Route path=path!("/registration/:id") view=StatusPage />
                    <Route path=path!("/return") view=ReturnError />
                </Routes>
            </Layout>
        </Router>
    }
}
