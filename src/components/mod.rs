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

/// Moves keyboard focus to the element with `id` once it is on the page: after the pending render
/// (the next animation frame), trying a few frames more while it has not appeared yet (content
/// that waits for data). For a control that just disappeared (or was disabled, which drops focus
/// to `<body>`): focus goes to what the citizen needs next.
pub fn focus_when_shown(id: impl Into<String>) {
    fn attempt(id: String, frames_left: u32) {
        leptos::prelude::request_animation_frame(move || {
            if !focus_element(&id) && frames_left > 0 {
                attempt(id, frames_left - 1);
            }
        });
    }
    attempt(id.into(), 30);
}

/// Whether keyboard focus is nowhere in particular (on `<body>`, or on nothing), as after the
/// focused control was removed or disabled.
pub fn focus_is_lost() -> bool {
    let doc = leptos::prelude::document();
    match (doc.active_element(), doc.body()) {
        (None, _) => true,
        (Some(active), Some(body)) => {
            let body: &web_sys::Element = body.as_ref();
            active == *body
        }
        (Some(_), None) => false,
    }
}

/// Gives focus back to `id` after the pending render if it was lost meanwhile (a button disabled
/// while its request ran, then enabled again).
pub fn refocus_if_lost(id: impl Into<String>) {
    let id = id.into();
    leptos::prelude::request_animation_frame(move || {
        if focus_is_lost() {
            focus_element(&id);
        }
    });
}
