//! Reusable pieces of the interface (GOV.UK Design System patterns, `bp-` BEM classes).

pub mod bank_card;
pub mod bank_mark;
pub mod checkbox;
pub mod code_input;
pub mod date_input;
pub mod error_message;
pub mod error_summary;
pub mod layout;
pub mod phone_field;
pub mod problem;
pub mod progress;
pub mod qr;
pub mod radios;
pub mod text_input;

use wasm_bindgen::JsCast;

/// Moves keyboard focus to the element with `id` and brings it into view.
/// Returns whether such an element exists.
pub fn focus_element(id: &str) -> bool {
    let Some(el) = leptos::prelude::document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    else {
        return false;
    };
    let _ = el.focus();
    el.scroll_into_view();
    true
}
