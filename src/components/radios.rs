//! GOV.UK radios: one question (fieldset + legend), a hint, one error message, and a labelled
//! radio button per answer.

use bankid_api::ErrorCode;
use leptos::prelude::*;

use crate::components::error_message::ErrorMessage;
use crate::components::text_input::described_by;

/// One answer.
#[derive(Debug, Clone)]
pub struct RadioOption {
    /// The `value` of the radio button (what [`Radios`]' `selected` holds when it is chosen).
    pub value: String,
    /// What the citizen reads.
    pub label: Signal<String>,
    /// Help under the label, if any.
    pub hint: Option<Signal<String>>,
}

impl RadioOption {
    pub fn new(value: impl Into<String>, label: impl Into<Signal<String>>) -> Self {
        RadioOption {
            value: value.into(),
            label: label.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<Signal<String>>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// Element id of the radio button number `index` (0-based) of the group `id`: the first is `id`
/// itself, so an error summary link to `#{id}` lands on it (GOV.UK); the others `{id}-2`, `{id}-3`…
pub fn radio_id(id: &str, index: usize) -> String {
    if index == 0 {
        id.to_string()
    } else {
        format!("{id}-{}", index + 1)
    }
}

/// The rule of a required choice: the chosen value, or `FIELD_REQUIRED` when there is none.
pub fn require_choice(selected: &str) -> Result<String, ErrorCode> {
    let selected = selected.trim();
    if selected.is_empty() {
        Err(ErrorCode::FieldRequired)
    } else {
        Ok(selected.to_string())
    }
}

/// A group of radio buttons named `id`.
///
/// Ids: buttons [`radio_id`], item hints `{button id}-item-hint`, group hint `{id}-hint`, error
/// `{id}-error`. The fieldset is described by the hint and, while there is an error, the error
/// message. `selected` is the chosen value, empty while nothing is chosen.
#[component]
pub fn Radios(
    /// Name of the group, and id of its first button.
    #[prop(into)]
    id: String,
    /// The question, as the fieldset's legend.
    #[prop(into)]
    legend: Signal<String>,
    /// Whether the legend is the page's `<h1>` (GOV.UK question page).
    #[prop(optional)]
    page_heading: bool,
    /// Help under the legend; no hint element while empty.
    #[prop(optional, into)]
    hint: Signal<String>,
    /// The answers, in order.
    options: Vec<RadioOption>,
    /// The chosen value; empty while nothing is chosen.
    selected: RwSignal<String>,
    /// What is wrong, if anything.
    #[prop(into)]
    error: Signal<Option<ErrorCode>>,
    /// Side by side (for two short answers such as yes/no).
    #[prop(optional)]
    inline: bool,
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
    let legend_text = move || legend.get();
    let legend_view = if page_heading {
        view! {
            <legend class="bp-fieldset__legend bp-fieldset__legend--l">
                <h1 class="bp-fieldset__heading">{legend_text}</h1>
            </legend>
        }
        .into_any()
    } else {
        view! { <legend class="bp-fieldset__legend">{legend_text}</legend> }.into_any()
    };
    let hint_view = move || {
        has_hint()
            .then(|| view! { <div id=hint_id.clone() class="bp-hint">{move || hint.get()}</div> })
    };
    let items = options
        .into_iter()
        .enumerate()
        .map(|(index, option)| {
            let button_id = radio_id(&id, index);
            let item_hint_id = format!("{button_id}-item-hint");
            let label = option.label;
            let item_hint = option.hint.map(|hint| {
                view! {
                    <div id=item_hint_id.clone() class="bp-hint bp-radios__hint">
                        {move || hint.get()}
                    </div>
                }
            });
            let describe = item_hint.is_some().then_some(item_hint_id);
            view! {
                <div class="bp-radios__item">
                    <input
                        class="bp-radios__input"
                        type="radio"
                        id=button_id.clone()
                        name=id.clone()
                        value=option.value
                        aria-describedby=describe
                        bind:group=selected
                    />
                    <label class="bp-label bp-radios__label" for=button_id>
                        {move || label.get()}
                    </label>
                    {item_hint}
                </div>
            }
        })
        .collect_view();
    view! {
        <div class="bp-form-group" class:bp-form-group--error=has_error>
            <fieldset class="bp-fieldset" aria-describedby=aria_described_by>
                {legend_view}
                {hint_view}
                <ErrorMessage id=error_id code=error />
                <div class="bp-radios" class:bp-radios--inline=inline>{items}</div>
            </fieldset>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_button_carries_the_group_id() {
        assert_eq!(radio_id("country", 0), "country");
        assert_eq!(radio_id("country", 1), "country-2");
        assert_eq!(radio_id("country", 2), "country-3");
    }

    #[test]
    fn a_choice_is_required() {
        assert_eq!(require_choice(""), Err(ErrorCode::FieldRequired));
        assert_eq!(require_choice("  "), Err(ErrorCode::FieldRequired));
        assert_eq!(require_choice("ua").as_deref(), Ok("ua"));
    }
}
