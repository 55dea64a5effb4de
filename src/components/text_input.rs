//! The GOV.UK text input: a label (optionally the page heading), a hint, an inline error message
//! and the `<input>`, wired for assistive technology.

use bankid_api::ErrorCode;
use leptos::prelude::*;

use crate::components::error_message::ErrorMessage;

/// Ids a field refers to with `aria-describedby`: the hint (when there is one) and the error
/// message (while shown), in that order, space-separated; `None` when neither is present.
pub fn described_by(hint_id: Option<&str>, error_id: Option<&str>) -> Option<String> {
    let ids: Vec<&str> = hint_id.into_iter().chain(error_id).collect();
    (!ids.is_empty()).then(|| ids.join(" "))
}

/// How wide the box is, in characters (GOV.UK fixed-width inputs); full width when `Full`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InputWidth {
    #[default]
    Full,
    Chars2,
    Chars4,
    Chars10,
    Chars20,
}

impl InputWidth {
    /// The modifier class, `bp-input--width-N`.
    pub fn class(self) -> Option<&'static str> {
        match self {
            InputWidth::Full => None,
            InputWidth::Chars2 => Some("bp-input--width-2"),
            InputWidth::Chars4 => Some("bp-input--width-4"),
            InputWidth::Chars10 => Some("bp-input--width-10"),
            InputWidth::Chars20 => Some("bp-input--width-20"),
        }
    }
}

/// A labelled `<input>` with optional hint and inline error.
///
/// Ids: input `{id}` (also its `name`), hint `{id}-hint`, error `{id}-error`;
/// `aria-describedby` lists the hint and, while there is an error, the error;
/// `aria-invalid="true"` while there is an error. The value is kept as typed.
#[component]
pub fn TextInput(
    /// Id of the `<input>` (also its `name`).
    #[prop(into)]
    id: String,
    /// The text as typed; kept as is on redisplay.
    value: RwSignal<String>,
    /// What is wrong with it, if anything.
    #[prop(into)]
    error: Signal<Option<ErrorCode>>,
    /// The question.
    #[prop(into)]
    label: Signal<String>,
    /// Whether the label is the page's `<h1>` (GOV.UK question page).
    #[prop(optional)]
    page_heading: bool,
    /// Help under the label; no hint element while empty.
    #[prop(optional, into)]
    hint: Signal<String>,
    /// `type` of the input.
    #[prop(default = "text")]
    input_type: &'static str,
    /// `autocomplete` token, e.g. `tel`, `email`, `one-time-code`.
    #[prop(optional)]
    autocomplete: Option<&'static str>,
    /// `inputmode`, e.g. `tel`, `numeric`, `email`.
    #[prop(optional)]
    inputmode: Option<&'static str>,
    /// Sets `spellcheck` (off for numbers, codes, addresses).
    #[prop(optional)]
    spellcheck: Option<bool>,
    /// Width of the box.
    #[prop(optional)]
    width: InputWidth,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let has_hint = move || hint.with(|h| !h.is_empty());
    let has_error = move || error.with(Option::is_some);
    let aria_described_by = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || {
            described_by(
                has_hint().then_some(hint_id.as_str()),
                has_error().then_some(error_id.as_str()),
            )
        }
    };
    let label_view = {
        let id = id.clone();
        view! {
            <label class="bp-label" class:bp-label--l=page_heading for=id>
                {move || label.get()}
            </label>
        }
    };
    let label_view = if page_heading {
        view! { <h1 class="bp-label-wrapper">{label_view}</h1> }.into_any()
    } else {
        label_view.into_any()
    };
    let hint_view = move || {
        has_hint().then(|| {
            view! { <div id=hint_id.clone() class="bp-hint">{move || hint.get()}</div> }
        })
    };
    let class = match width.class() {
        Some(modifier) => format!("bp-input {modifier}"),
        None => "bp-input".to_string(),
    };
    view! {
        <div class="bp-form-group" class:bp-form-group--error=has_error>
            {label_view}
            {hint_view}
            <ErrorMessage id=error_id code=error />
            <input
                class=class
                class:bp-input--error=has_error
                id=id.clone()
                name=id
                type=input_type
                autocomplete=autocomplete
                inputmode=inputmode
                spellcheck=spellcheck.map(|s| s.to_string())
                aria-describedby=aria_described_by
                aria-invalid=move || has_error().then_some("true")
                bind:value=value
            />
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn described_by_lists_hint_then_error() {
        assert_eq!(described_by(None, None), None);
        assert_eq!(
            described_by(Some("a-hint"), None).as_deref(),
            Some("a-hint")
        );
        assert_eq!(
            described_by(None, Some("a-error")).as_deref(),
            Some("a-error")
        );
        assert_eq!(
            described_by(Some("a-hint"), Some("a-error")).as_deref(),
            Some("a-hint a-error")
        );
    }
}
