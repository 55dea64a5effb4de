//! The phone question in a real browser: label/hint/error wiring, the error summary taking
//! focus, and normalization through the shared `bankid_api::validate::normalize_phone`.
#![cfg(target_arch = "wasm32")]

use bankid_api::ErrorCode;
use bankid_portal_web::components::phone_field::PhoneForm;
use leptos::{mount::mount_to, prelude::*, task::tick};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, HtmlInputElement};

mod common;
use common::{container, find};

wasm_bindgen_test_configure!(run_in_browser);

fn type_into(input: &HtmlInputElement, text: &str) {
    input.set_value(text);
    input
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
}

fn active_element() -> Option<web_sys::Element> {
    document().active_element()
}

async fn settle() {
    for _ in 0..3 {
        tick().await;
    }
}

#[wasm_bindgen_test]
async fn phone_field_wiring_validation_and_normalization() {
    let root = container();
    let value = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ErrorCode>);
    let reported = RwSignal::new(None::<String>);
    let _handle = mount_to(root.clone(), move || {
        view! { <PhoneForm value error on_valid=move |p: String| reported.set(Some(p)) /> }
    });
    settle().await;

    // Label, hint and describedby wiring before any error.
    let input: HtmlInputElement = find(&root, "input#phone");
    assert_eq!(input.type_(), "tel");
    assert_eq!(input.get_attribute("autocomplete").as_deref(), Some("tel"));
    assert_eq!(input.get_attribute("inputmode").as_deref(), Some("tel"));
    let label: HtmlElement = find(&root, "label[for=phone]");
    assert!(!label.text_content().unwrap_or_default().trim().is_empty());
    assert_eq!(
        label.parent_element().unwrap().tag_name(),
        "H1",
        "the question is the page heading"
    );
    let hint: HtmlElement = find(&root, "#phone-hint");
    assert!(hint.text_content().unwrap_or_default().contains("+380"));
    assert_eq!(
        input.get_attribute("aria-describedby").as_deref(),
        Some("phone-hint")
    );
    assert_eq!(input.get_attribute("aria-invalid"), None);
    assert!(root.query_selector("#phone-error").unwrap().is_none());
    assert!(root.query_selector(".bp-error-summary").unwrap().is_none());
    let form: HtmlElement = find(&root, "form");
    assert!(form.has_attribute("novalidate"));

    // A bad number: inline error, aria-invalid, describedby, focused summary, answer kept.
    type_into(&input, "12345");
    settle().await;
    let submit: HtmlElement = find(&root, "button[type=submit]");
    submit.click();
    settle().await;

    assert_eq!(error.get_untracked(), Some(ErrorCode::FieldPhoneFormat));
    let message: HtmlElement = find(&root, "#phone-error");
    let hidden: HtmlElement = find(&message, ".bp-visually-hidden");
    assert!(
        !hidden.text_content().unwrap_or_default().trim().is_empty(),
        "visually hidden Error: prefix"
    );
    assert_eq!(input.get_attribute("aria-invalid").as_deref(), Some("true"));
    let described = input.get_attribute("aria-describedby").unwrap_or_default();
    let ids: Vec<&str> = described.split_whitespace().collect();
    assert!(
        ids.contains(&"phone-hint") && ids.contains(&"phone-error"),
        "{described}"
    );
    assert_eq!(input.value(), "12345", "the typed answer is kept");
    assert_eq!(reported.get_untracked(), None);

    let summary: HtmlElement = find(&root, ".bp-error-summary");
    assert!(summary.query_selector("[role=alert]").unwrap().is_some());
    assert_eq!(
        active_element().as_ref(),
        Some(summary.unchecked_ref::<web_sys::Element>()),
        "summary focused"
    );
    let link: HtmlElement = find(&summary, "a[href='#phone']");
    assert_eq!(
        link.text_content().unwrap_or_default(),
        message
            .text_content()
            .unwrap_or_default()
            .trim_start_matches(&hidden.text_content().unwrap_or_default())
            .trim(),
        "summary and inline message say the same"
    );

    // The summary link moves focus to the field.
    link.click();
    settle().await;
    assert_eq!(
        active_element().as_ref(),
        Some(input.unchecked_ref::<web_sys::Element>())
    );

    // Empty answer: "required", not "format".
    type_into(&input, "   ");
    submit.click();
    settle().await;
    assert_eq!(error.get_untracked(), Some(ErrorCode::FieldRequired));

    // A good number in Russian domestic notation is normalized by the shared rule.
    type_into(&input, "8 (916) 123-45-67");
    submit.click();
    settle().await;
    assert_eq!(reported.get_untracked().as_deref(), Some("+79161234567"));
    assert_eq!(error.get_untracked(), None);
    assert!(root.query_selector("#phone-error").unwrap().is_none());
    assert!(root.query_selector(".bp-error-summary").unwrap().is_none());
    assert_eq!(input.get_attribute("aria-invalid"), None);
    assert_eq!(
        input.get_attribute("aria-describedby").as_deref(),
        Some("phone-hint")
    );
    assert_eq!(value.get_untracked(), "8 (916) 123-45-67");
}

#[wasm_bindgen_test]
async fn a_number_of_another_country_than_the_bank_is_refused_before_sending() {
    use bankid_api::types::Country;
    let root = container();
    let value = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ErrorCode>);
    let reported = RwSignal::new(None::<String>);
    let country = RwSignal::new(Some(Country::Ru));
    let _handle = mount_to(root.clone(), move || {
        view! { <PhoneForm value error country on_valid=move |p: String| reported.set(Some(p)) /> }
    });
    settle().await;
    let input: HtmlInputElement = find(&root, "input#phone");
    let submit: HtmlElement = find(&root, "button[type=submit]");
    for (bank, typed, code) in [
        (
            Country::Ru,
            "+380 67 123 45 67",
            ErrorCode::FieldPhoneUaForRuBank,
        ),
        (
            Country::Ua,
            "8 916 123-45-67",
            ErrorCode::FieldPhoneRuForUaBank,
        ),
        (Country::Ua, "+1 202 555 0100", ErrorCode::FieldPhoneCountry),
    ] {
        country.set(Some(bank));
        type_into(&input, typed);
        settle().await;
        submit.click();
        settle().await;
        assert_eq!(error.get_untracked(), Some(code), "{typed}");
        assert_eq!(reported.get_untracked(), None, "{typed}");
        let message: HtmlElement = find(&root, "#phone-error");
        let text = message.text_content().unwrap_or_default();
        assert!(
            bankid_api::Lang::ALL
                .iter()
                .any(|l| text.contains(code.message(*l))),
            "{text}"
        );
    }
    // The bank's own country goes on.
    type_into(&input, "067 123 45 67");
    settle().await;
    submit.click();
    settle().await;
    assert_eq!(error.get_untracked(), None);
    assert_eq!(reported.get_untracked().as_deref(), Some("+380671234567"));
}
