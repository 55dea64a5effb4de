//! The inline message under a field (GOV.UK "error message"), prefixed "Error:" for screen readers.

use bankid_api::ErrorCode;
use leptos::prelude::*;

use crate::i18n::{tr, use_lang, Key};

/// Renders nothing while `code` is `None`; otherwise `<p id=id class="bp-error-message">`.
/// The field points `aria-describedby` at `id` while the message is shown.
#[component]
pub fn ErrorMessage(
    /// Element id, referenced by the field's `aria-describedby`.
    #[prop(into)]
    id: String,
    /// What is wrong, or `None`.
    #[prop(into)]
    code: Signal<Option<ErrorCode>>,
) -> impl IntoView {
    let lang = use_lang();
    move || {
        code.get().map(|c| {
            view! {
                <p id=id.clone() class="bp-error-message">
                    <span class="bp-visually-hidden">{tr(Key::ErrorPrefix)} " "</span>
                    {move || c.message(lang.get())}
                </p>
            }
        })
    }
}
