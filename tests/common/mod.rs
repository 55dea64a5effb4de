//! What every component test file needs: a fresh element to mount into, and typed lookups in it.
//! (Each file under `tests/` is its own crate; this module is included by `mod common;`.)
#![allow(dead_code)]

use leptos::prelude::document;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

/// A new `<section>` at the end of the body, for one test's component.
pub fn container() -> HtmlElement {
    let doc = document();
    let el = doc.create_element("section").unwrap();
    doc.body().unwrap().append_child(&el).unwrap();
    el.unchecked_into()
}

/// The first element under `root` matching `selector`, as `T`; panics naming the selector.
pub fn find<T: JsCast>(root: &HtmlElement, selector: &str) -> T {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no element matches {selector}"))
        .unchecked_into()
}

/// Waits `ms` milliseconds (a timer, so the browser runs its events meanwhile).
pub async fn sleep(ms: u32) {
    bankid_portal_web::api::sleep_ms(ms).await;
}
