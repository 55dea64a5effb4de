//! `/return?error=CODE&trace_id=T` — the server could not tie the bank's answer to a registration.

use crate::router::use_query_map;
use bankid_api::ErrorCode;
use leptos::prelude::*;

use crate::components::problem::Problem;
use crate::i18n::{t, tr, use_page_title, Key};
use crate::nav::Link;

/// Longest trace id shown; anything longer is not ours.
const MAX_TRACE_LEN: usize = 100;

#[component]
pub fn ReturnError() -> impl IntoView {
    let query = use_query_map();
    let code = Signal::derive(move || {
        query
            .read()
            .get("error")
            .and_then(|c| ErrorCode::parse(c.trim()))
            .unwrap_or(ErrorCode::Internal)
    });
    let trace_id = Signal::derive(move || {
        query
            .read()
            .get("trace_id")
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty() && t.len() <= MAX_TRACE_LEN)
    });
    use_page_title(|l| t(l, Key::ReturnTitle).to_string(), Signal::stored(true));
    view! {
        <h1 class="bp-heading-xl">{tr(Key::ReturnTitle)}</h1>
        <Problem code trace_id />
        <p class="bp-body">
            <Link href="/" class="bp-link-action">{tr(Key::StartAgain)}</Link>
        </p>
    }
}
