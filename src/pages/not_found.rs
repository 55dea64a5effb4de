//! Any path the route table does not know.

use leptos::prelude::*;

use crate::i18n::{t, tr, use_page_title, Key};
use crate::nav::Link;

#[component]
pub fn NotFound() -> impl IntoView {
    use_page_title(
        |l| t(l, Key::NotFoundTitle).to_string(),
        Signal::stored(false),
    );
    view! {
        <h1 class="bp-heading-xl">{tr(Key::NotFoundTitle)}</h1>
        <p class="bp-body">{tr(Key::NotFoundText)}</p>
        <p class="bp-body">
            <Link href="/" class="bp-link-action">{tr(Key::GoToStart)}</Link>
        </p>
    }
}
