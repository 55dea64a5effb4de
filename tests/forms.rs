//! The error summary and the consent checkbox in a real browser.
#![cfg(target_arch = "wasm32")]

use bankid_api::{ErrorCode, Lang};
use bankid_portal_web::components::error_summary::{ErrorSummary, SummaryItem};
use bankid_portal_web::i18n::LangContext;
use bankid_portal_web::pages::step2_consent::ConsentForm;
use leptos::{mount::mount_to, prelude::*, task::tick};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

fn container() -> HtmlElement {
    let doc = document();
    let el = doc.create_element("section").unwrap();
    doc.body().unwrap().append_child(&el).unwrap();
    el.unchecked_into()
}

fn find<T: JsCast>(root: &HtmlElement, selector: &str) -> T {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no element matches {selector}"))
        .unchecked_into()
}

fn is_active(el: &HtmlElement) -> bool {
    document().active_element().as_ref() == Some(el.unchecked_ref::<web_sys::Element>())
}

async fn settle() {
    for _ in 0..3 {
        tick().await;
    }
}

#[wasm_bindgen_test]
async fn error_summary_appears_focused_and_links_to_fields() {
    let root = container();
    let items = RwSignal::new(Vec::<SummaryItem>::new());
    let trace = RwSignal::new(None::<String>);
    let _handle = mount_to(root.clone(), move || {
        provide_context(LangContext(RwSignal::new(Lang::En)));
        view! {
            <ErrorSummary items trace_id=trace />
            <input id="field-a" type="text" />
        }
    });
    settle().await;
    assert!(
        root.query_selector(".bp-error-summary").unwrap().is_none(),
        "hidden without errors"
    );

    items.set(vec![SummaryItem::field(
        "field-a",
        ErrorCode::FieldRequired,
    )]);
    trace.set(Some("trace-42".into()));
    settle().await;
    let summary: HtmlElement = find(&root, ".bp-error-summary");
    assert_eq!(summary.get_attribute("tabindex").as_deref(), Some("-1"));
    assert!(is_active(&summary), "summary takes focus");
    let alert: HtmlElement = find(&summary, "[role=alert]");
    assert_eq!(
        find::<HtmlElement>(&alert, "h2").text_content().as_deref(),
        Some("There is a problem")
    );
    let link: HtmlElement = find(&summary, "a[href='#field-a']");
    assert_eq!(
        link.text_content().as_deref(),
        Some(ErrorCode::FieldRequired.message(Lang::En))
    );
    assert_eq!(
        find::<HtmlElement>(&summary, ".bp-trace-id")
            .text_content()
            .as_deref(),
        Some("trace-42")
    );

    link.click();
    settle().await;
    let field: HtmlElement = find(&root, "#field-a");
    assert!(is_active(&field), "link focuses the field");

    // Submitting again with errors focuses the summary again.
    items.set(vec![SummaryItem::field(
        "field-a",
        ErrorCode::FieldRequired,
    )]);
    settle().await;
    assert!(is_active(&find(&root, ".bp-error-summary")));

    items.set(Vec::new());
    settle().await;
    assert!(root.query_selector(".bp-error-summary").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn consent_checkbox_is_required() {
    let root = container();
    let consent_error = RwSignal::new(None::<ErrorCode>);
    let accepted = RwSignal::new(0u32);
    let _handle = mount_to(root.clone(), move || {
        provide_context(LangContext(RwSignal::new(Lang::En)));
        view! {
            <ConsentForm
                bank_name="VTB".to_string()
                busy=false
                consent_error
                on_accept=move |()| accepted.update(|n| *n += 1)
            >
                <h1>"Consent"</h1>
            </ConsentForm>
        }
    });
    settle().await;

    let button: HtmlElement = find(&root, "button[type=submit]");
    assert_eq!(button.text_content().as_deref(), Some("Continue to VTB"));
    let checkbox: HtmlInputElement = find(&root, "input#consent[type=checkbox]");
    let label: HtmlElement = find(&root, "label[for=consent]");
    assert!(!label.text_content().unwrap_or_default().is_empty());
    assert_eq!(checkbox.get_attribute("aria-describedby"), None);

    // Not ticked: FIELD_CONSENT_REQUIRED in the summary and inline, nothing sent.
    button.click();
    settle().await;
    assert_eq!(
        consent_error.get_untracked(),
        Some(ErrorCode::FieldConsentRequired)
    );
    assert_eq!(accepted.get_untracked(), 0);
    let message: HtmlElement = find(&root, "#consent-error");
    assert!(message
        .text_content()
        .unwrap_or_default()
        .contains(ErrorCode::FieldConsentRequired.message(Lang::En)));
    assert_eq!(
        checkbox.get_attribute("aria-invalid").as_deref(),
        Some("true")
    );
    assert_eq!(
        checkbox.get_attribute("aria-describedby").as_deref(),
        Some("consent-error")
    );
    let summary: HtmlElement = find(&root, ".bp-error-summary");
    assert!(is_active(&summary));
    assert!(summary
        .query_selector("a[href='#consent']")
        .unwrap()
        .is_some());

    // Ticked: accepted once, errors gone.
    checkbox.click();
    settle().await;
    assert!(checkbox.checked());
    button.click();
    settle().await;
    assert_eq!(accepted.get_untracked(), 1);
    assert_eq!(consent_error.get_untracked(), None);
    assert!(root.query_selector("#consent-error").unwrap().is_none());
    assert!(root.query_selector(".bp-error-summary").unwrap().is_none());
}
