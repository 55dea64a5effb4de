//! A single GOV.UK checkbox with its own error message (e.g. the consent box).

use bankid_api::ErrorCode;
use leptos::prelude::*;

use crate::components::error_message::ErrorMessage;

/// `<input type="checkbox">` with a `<label for>`; error id `{id}-error`, referenced by
/// `aria-describedby` while shown.
#[component]
pub fn Checkbox(
    /// Id of the `<input>` (also its `name`).
    #[prop(into)]
    id: String,
    /// Whether it is ticked.
    checked: RwSignal<bool>,
    /// The label text.
    #[prop(into)]
    label: Signal<String>,
    /// What is wrong, if anything.
    #[prop(into)]
    error: Signal<Option<ErrorCode>>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let described_by = {
        let error_id = error_id.clone();
        move || error.get().map(|_| error_id.clone())
    };
    view! {
        <div class="bp-form-group" class:bp-form-group--error=move || error.get().is_some()>
            <ErrorMessage id=error_id code=error />
            <div class="bp-checkbox">
                <input
                    class="bp-checkbox__input"
                    type="checkbox"
                    id=id.clone()
                    name=id.clone()
                    value="yes"
                    aria-describedby=described_by
                    aria-invalid=move || error.get().map(|_| "true")
                    bind:checked=checked
                />
                <label class="bp-label bp-checkbox__label" for=id>
                    {move || label.get()}
                </label>
            </div>
        </div>
    }
}
