//! The account pieces in a real browser: the one-time code input's wiring and the QR code SVG.
#![cfg(target_arch = "wasm32")]

use bankid_api::{ErrorCode, Lang};
use bankid_portal_web::components::code_input::{CodeInput, CodeKind};
use bankid_portal_web::components::qr::{qr_modules, QrSvg};
use bankid_portal_web::i18n::LangContext;
use leptos::{mount::mount_to, prelude::*, task::tick};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, HtmlInputElement};

mod common;
use common::container;

wasm_bindgen_test_configure!(run_in_browser);

async fn settle() {
    for _ in 0..3 {
        tick().await;
    }
}

#[wasm_bindgen_test]
async fn code_input_is_a_labelled_one_time_code_field() {
    let root = container();
    let value = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ErrorCode>);
    let _handle = mount_to(root.clone(), move || {
        provide_context(LangContext(RwSignal::new(Lang::En)));
        view! {
            <CodeInput
                id="code"
                value
                error
                label="Enter the code"
                hint="6 digits"
            />
        }
    });
    settle().await;
    let input: HtmlInputElement = root
        .query_selector("input#code")
        .unwrap()
        .unwrap()
        .unchecked_into();
    assert_eq!(
        input.get_attribute("autocomplete").as_deref(),
        Some("one-time-code")
    );
    assert_eq!(input.get_attribute("inputmode").as_deref(), Some("numeric"));
    assert_eq!(input.get_attribute("spellcheck").as_deref(), Some("false"));
    assert_eq!(
        input.get_attribute("aria-describedby").as_deref(),
        Some("code-hint")
    );
    let label = root.query_selector("label[for=code]").unwrap().unwrap();
    assert_eq!(label.text_content().as_deref(), Some("Enter the code"));

    // Typing reaches the signal; an error is wired to the field.
    input.set_value("123 456");
    input
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    settle().await;
    assert_eq!(value.get_untracked(), "123 456");
    error.set(Some(ErrorCode::FieldCodeFormat));
    settle().await;
    assert_eq!(input.get_attribute("aria-invalid").as_deref(), Some("true"));
    assert_eq!(
        input.get_attribute("aria-describedby").as_deref(),
        Some("code-hint code-error")
    );
    let message = root.query_selector("#code-error").unwrap().unwrap();
    assert!(message
        .text_content()
        .unwrap_or_default()
        .contains(ErrorCode::FieldCodeFormat.message(Lang::En)));
}

#[wasm_bindgen_test]
async fn backup_code_input_takes_letters() {
    let root = container();
    let _handle = mount_to(root.clone(), move || {
        view! {
            <CodeInput
                id="mfa"
                value=RwSignal::new(String::new())
                error=Signal::stored(None)
                label="Code"
                kind=CodeKind::Mfa
            />
        }
    });
    settle().await;
    let input = root.query_selector("input#mfa").unwrap().unwrap();
    assert_eq!(input.get_attribute("inputmode").as_deref(), Some("text"));
    assert_eq!(
        input.get_attribute("autocomplete").as_deref(),
        Some("one-time-code")
    );
}

#[wasm_bindgen_test]
async fn qr_svg_has_one_rect_per_dark_module_and_no_style() {
    let uri = "otpauth://totp/x:y?secret=JBSWY3DPEHPK3PXP";
    let (width, dark) = qr_modules(uri).unwrap();
    assert_eq!(width, 29);
    let root = container();
    let _handle = mount_to(root.clone(), move || {
        view! { <QrSvg data=uri title="QR code" /> }
    });
    settle().await;
    let svg = root.query_selector("svg.bp-qr").unwrap().unwrap();
    assert_eq!(
        svg.namespace_uri().as_deref(),
        Some("http://www.w3.org/2000/svg")
    );
    assert_eq!(svg.get_attribute("role").as_deref(), Some("img"));
    assert_eq!(svg.get_attribute("aria-label").as_deref(), Some("QR code"));
    assert_eq!(svg.get_attribute("viewBox").as_deref(), Some("-4 -4 37 37"));
    let modules = root
        .query_selector_all("svg.bp-qr .bp-qr__modules rect")
        .unwrap();
    assert_eq!(modules.length() as usize, dark.len());
    assert!(dark.len() > 100 && dark.len() < width * width);
    let rect = root
        .query_selector(".bp-qr__modules rect")
        .unwrap()
        .unwrap();
    assert_eq!(
        rect.namespace_uri().as_deref(),
        Some("http://www.w3.org/2000/svg")
    );
    // Strict CSP: not a single style attribute anywhere in the drawing.
    assert_eq!(root.query_selector_all("[style]").unwrap().length(), 0);
    assert!(!root.inner_html().contains("style="));
}

#[wasm_bindgen_test]
async fn the_idle_warning_opens_before_the_timeout_and_closes_on_escape() {
    use bankid_api::types::SessionInfo;
    use bankid_portal_web::components::layout::IdleWarning;
    use bankid_portal_web::state::use_session;

    let root = container();
    let session_slot = RwSignal::new(None);
    let _handle = mount_to(root.clone(), move || {
        provide_context(LangContext(RwSignal::new(Lang::En)));
        let session = use_session();
        session_slot.set(Some(session));
        view! { <IdleWarning /> }
    });
    settle().await;
    assert!(root.query_selector("[role=alertdialog]").unwrap().is_none());

    // A session that idles out in one minute: inside the two-minute warning period.
    let expires = js_sys::Date::new(&(js_sys::Date::now() + 60_000.0).into());
    let session = session_slot.get_untracked().unwrap();
    session.info.set(Some(SessionInfo {
        display_name: "Test".into(),
        account_state: "active".into(),
        registration_id: None,
        phone_masked: "+7 *** ***-**-67".into(),
        email_masked: None,
        totp_enabled: false,
        idle_expires_at: String::from(expires.to_iso_string()),
        absolute_expires_at: String::from(expires.to_iso_string()),
    }));
    // The warning's timer fires at once (delay 0), then the dialog renders and takes focus.
    for _ in 0..20 {
        settle().await;
        bankid_portal_web::api::sleep_ms(20).await;
        if root.query_selector("[role=alertdialog]").unwrap().is_some() {
            break;
        }
    }
    settle().await;
    let dialog: HtmlElement = root
        .query_selector("[role=alertdialog]")
        .unwrap()
        .expect("the warning is shown")
        .unchecked_into();
    assert_eq!(
        dialog.get_attribute("aria-labelledby").as_deref(),
        Some("idle-title")
    );
    assert!(dialog.text_content().unwrap().contains("Stay signed in"));
    assert_eq!(
        document().active_element().map(|e| e.get_attribute("role")),
        Some(Some("alertdialog".to_string())),
        "focus moves to the warning"
    );

    // Escape closes it.
    let init = web_sys::KeyboardEventInit::new();
    init.set_key("Escape");
    init.set_bubbles(true);
    let ev = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    dialog.dispatch_event(&ev).unwrap();
    settle().await;
    assert!(root.query_selector("[role=alertdialog]").unwrap().is_none());
}
