//! `/register/{bank}` — step 1: the phone number.

use crate::router::{use_navigate, use_params_map};
use bankid_api::ErrorCode;
use leptos::prelude::*;

use crate::components::phone_field::PhoneForm;
use crate::components::problem::Problem;
use crate::i18n::{t, tr, use_lang, use_page_title, Key};
use crate::nav::Link;
use crate::state::{use_banks, use_draft};

#[component]
pub fn Step1Phone() -> impl IntoView {
    let lang = use_lang();
    let params = use_params_map();
    let bank_id = Memo::new(move |_| params.read().get("bank").unwrap_or_default());
    let banks = use_banks();
    let draft = use_draft();
    let navigate = use_navigate();

    // The typed answer survives going back from step 2.
    let value = RwSignal::new(draft.typed.get_untracked());
    let error = RwSignal::new(None::<ErrorCode>);

    // A bank that does not exist or cannot be used: explain instead of asking for the phone.
    let bank_problem = Memo::new(move |_| banks.problem(&bank_id.get()));
    let bank_name = move || {
        banks
            .find(&bank_id.get())
            .flatten()
            .map(|b| b.name.get(lang.get()).to_string())
    };

    use_page_title(
        move |l| match bank_problem.get() {
            Some(code) => code.message(l).to_string(),
            None => t(l, Key::PhoneQuestion).to_string(),
        },
        Signal::derive(move || error.get().is_some() || bank_problem.get().is_some()),
    );

    let country = Signal::derive(move || banks.find(&bank_id.get()).flatten().map(|b| b.country));

    let on_valid = move |e164: String| {
        draft.set(value.get_untracked(), e164);
        navigate(
            &format!("/register/{}/consent", bank_id.get_untracked()),
            Default::default(),
        );
    };

    let caption = move || {
        let step = t(lang.get(), Key::StepOneOfTwo);
        match bank_name() {
            Some(name) => format!("{step} · {name}"),
            None => step.to_string(),
        }
    };

    view! {
        <Link href="/" class="bp-back-link">{tr(Key::Back)}</Link>
        {move || match bank_problem.get() {
            Some(code) => view! {
                <Problem code as_heading=true />
                <p class="bp-body">
                    <Link href="/" class="bp-link-action">{tr(Key::GoToStart)}</Link>
                </p>
            }
            .into_any(),
            None => view! {
                <PhoneForm
                    value
                    error
                    on_valid=on_valid.clone()
                    country
                    lead=Signal::derive(move || t(lang.get(), Key::PhoneLead).to_string())
                >
                    <span class="bp-caption-l">{caption}</span>
                </PhoneForm>
            }
            .into_any(),
        }}
    }
}
