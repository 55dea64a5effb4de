//! The form components in a real browser: error summary, consent checkbox, text input, date
//! input, radios, the "Error: " title prefix, the progress indicator and request cancellation.
#![cfg(target_arch = "wasm32")]

use bankid_api::{ErrorCode, Lang};
use bankid_portal_web::components::error_summary::{ErrorSummary, SummaryItem};
use bankid_portal_web::i18n::LangContext;
use bankid_portal_web::pages::step2_consent::ConsentForm;
use leptos::{mount::mount_to, prelude::*, task::tick};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, HtmlInputElement};

mod common;
use common::{container, find, sleep};

wasm_bindgen_test_configure!(run_in_browser);

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

// ---------------------------------------------------------------------------------------------
// Text input, date input, radios, page title, progress indicator, request cancellation.

use bankid_api::validate::Ymd;
use bankid_portal_web::api;
use bankid_portal_web::components::date_input::{DateError, DateInput, DateValue};
use bankid_portal_web::components::error_summary::SummaryLink;
use bankid_portal_web::components::progress::ProgressIndicator;
use bankid_portal_web::components::radios::{require_choice, RadioOption, Radios};
use bankid_portal_web::components::text_input::TextInput;
use bankid_portal_web::i18n::use_page_title;

/// A fixed "today" for the date rules.
const TODAY: Ymd = Ymd {
    year: 2026,
    month: 11,
    day: 23,
};

fn type_into(input: &HtmlInputElement, text: &str) {
    input.set_value(text);
    input
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
}

fn attr(el: &HtmlElement, name: &str) -> Option<String> {
    el.get_attribute(name)
}

fn ids(list: Option<String>) -> Vec<String> {
    list.unwrap_or_default()
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

#[wasm_bindgen_test]
async fn text_input_wiring() {
    let root = container();
    let value = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ErrorCode>);
    let hint = RwSignal::new(String::new());
    let _handle = mount_to(root.clone(), move || {
        provide_context(LangContext(RwSignal::new(Lang::En)));
        view! {
            <TextInput
                id="email"
                value
                error
                label="Email address".to_string()
                hint
                input_type="email"
                autocomplete="email"
                inputmode="email"
                spellcheck=false
            />
        }
    });
    settle().await;

    let input: HtmlInputElement = find(&root, "input#email");
    assert_eq!(input.type_(), "email");
    assert_eq!(input.name(), "email");
    assert_eq!(
        input.get_attribute("autocomplete").as_deref(),
        Some("email")
    );
    assert_eq!(input.get_attribute("inputmode").as_deref(), Some("email"));
    assert_eq!(input.get_attribute("spellcheck").as_deref(), Some("false"));
    let label: HtmlElement = find(&root, "label[for=email]");
    assert_eq!(label.text_content().as_deref(), Some("Email address"));
    assert_ne!(
        label.parent_element().unwrap().tag_name(),
        "H1",
        "not a page heading unless asked"
    );
    // No hint, no error: nothing to describe it, not invalid.
    assert!(root.query_selector("#email-hint").unwrap().is_none());
    assert_eq!(input.get_attribute("aria-describedby"), None);
    assert_eq!(input.get_attribute("aria-invalid"), None);

    // A hint is described.
    hint.set("We send your code here".into());
    settle().await;
    let hint_el: HtmlElement = find(&root, "#email-hint");
    assert_eq!(
        hint_el.text_content().as_deref(),
        Some("We send your code here")
    );
    assert_eq!(ids(input.get_attribute("aria-describedby")), ["email-hint"]);

    // An error: message with the hidden prefix, described after the hint, invalid, value kept.
    type_into(&input, "not-an-address");
    error.set(Some(ErrorCode::FieldEmailFormat));
    settle().await;
    let message: HtmlElement = find(&root, "#email-error");
    assert_eq!(
        message.text_content().as_deref(),
        Some(format!("Error: {}", ErrorCode::FieldEmailFormat.message(Lang::En)).as_str())
    );
    assert_eq!(
        ids(input.get_attribute("aria-describedby")),
        ["email-hint", "email-error"]
    );
    assert_eq!(input.get_attribute("aria-invalid").as_deref(), Some("true"));
    assert!(input.class_list().contains("bp-input--error"));
    let group: HtmlElement = find(&root, ".bp-form-group");
    assert!(group.class_list().contains("bp-form-group--error"));
    assert_eq!(input.value(), "not-an-address");
    assert_eq!(value.get_untracked(), "not-an-address");

    // Fixed: back to the hint only.
    error.set(None);
    settle().await;
    assert!(root.query_selector("#email-error").unwrap().is_none());
    assert_eq!(ids(input.get_attribute("aria-describedby")), ["email-hint"]);
    assert_eq!(input.get_attribute("aria-invalid"), None);
}

/// A question page for the date of birth, as a page would build it.
#[component]
fn BirthDateQuestion(
    value: DateValue,
    error: RwSignal<Option<DateError>>,
    iso: RwSignal<Option<String>>,
) -> impl IntoView {
    let items = Signal::derive(move || {
        error
            .get()
            .map(|e| vec![SummaryItem::field(e.field_id("dob"), e.code)])
            .unwrap_or_default()
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match value.check(TODAY) {
            Ok(date) => {
                error.set(None);
                iso.set(Some(date));
            }
            Err(e) => {
                iso.set(None);
                error.set(Some(e));
            }
        }
    };
    view! {
        <form novalidate on:submit=on_submit>
            <ErrorSummary items />
            <DateInput
                id="dob"
                value
                error
                legend="What is your date of birth?".to_string()
                page_heading=true
            />
            <button type="submit">"Continue"</button>
        </form>
    }
}

#[wasm_bindgen_test]
async fn date_input_wiring_and_the_shared_birth_date_rule() {
    let root = container();
    let value = DateValue::new();
    let error = RwSignal::new(None::<DateError>);
    let iso = RwSignal::new(None::<String>);
    let _handle = mount_to(root.clone(), move || {
        provide_context(LangContext(RwSignal::new(Lang::En)));
        view! { <BirthDateQuestion value error iso /> }
    });
    settle().await;

    // A fieldset (role group) whose legend is the page heading, one hint for the group.
    let fieldset: HtmlElement = find(&root, "fieldset");
    assert_eq!(attr(&fieldset, "role").as_deref(), Some("group"));
    let legend: HtmlElement = find(&fieldset, "legend");
    assert_eq!(
        find::<HtmlElement>(&legend, "h1").text_content().as_deref(),
        Some("What is your date of birth?")
    );
    let hint: HtmlElement = find(&fieldset, "#dob-hint");
    assert_eq!(
        hint.text_content().as_deref(),
        Some("For example, 17 05 1990. You must be at least 14 years old.")
    );
    assert_eq!(ids(attr(&fieldset, "aria-describedby")), ["dob-hint"]);

    // Three labelled numeric boxes with birthday autocomplete.
    let mut boxes = Vec::new();
    for (part, label, autocomplete) in [
        ("day", "Day", "bday-day"),
        ("month", "Month", "bday-month"),
        ("year", "Year", "bday-year"),
    ] {
        let input: HtmlInputElement = find(&fieldset, &format!("input#dob-{part}"));
        assert_eq!(input.type_(), "text");
        assert_eq!(input.name(), format!("dob-{part}"));
        assert_eq!(input.get_attribute("inputmode").as_deref(), Some("numeric"));
        assert_eq!(
            input.get_attribute("autocomplete").as_deref(),
            Some(autocomplete)
        );
        assert_eq!(input.get_attribute("aria-invalid"), None);
        let l: HtmlElement = find(&fieldset, &format!("label[for=dob-{part}]"));
        assert_eq!(l.text_content().as_deref(), Some(label));
        boxes.push(input);
    }
    let submit: HtmlElement = find(&root, "button[type=submit]");
    let fill = |d: &str, m: &str, y: &str| {
        type_into(&boxes[0], d);
        type_into(&boxes[1], m);
        type_into(&boxes[2], y);
    };

    // 31 February does not exist: FIELD_DATE_NOT_REAL for the whole group.
    fill("31", "02", "1990");
    submit.click();
    settle().await;
    assert_eq!(
        error.get_untracked().map(|e| e.code),
        Some(ErrorCode::FieldDateNotReal)
    );
    assert_eq!(iso.get_untracked(), None);
    let message: HtmlElement = find(&fieldset, "#dob-error");
    assert_eq!(
        message.text_content().as_deref(),
        Some(format!("Error: {}", ErrorCode::FieldDateNotReal.message(Lang::En)).as_str())
    );
    for b in &boxes {
        assert_eq!(
            b.get_attribute("aria-invalid").as_deref(),
            Some("true"),
            "{}",
            b.id()
        );
        assert!(b.class_list().contains("bp-input--error"));
    }
    assert_eq!(
        ids(attr(&fieldset, "aria-describedby")),
        ["dob-hint", "dob-error"]
    );
    let summary: HtmlElement = find(&root, ".bp-error-summary");
    assert!(is_active(&summary), "summary focused");
    let link: HtmlElement = find(&summary, "a[href='#dob-day']");
    assert_eq!(
        link.text_content().as_deref(),
        Some(ErrorCode::FieldDateNotReal.message(Lang::En))
    );
    link.click();
    settle().await;
    assert!(is_active(&boxes[0]), "the link focuses the first box");
    // The answers are kept.
    assert_eq!(
        [boxes[0].value(), boxes[1].value(), boxes[2].value()],
        ["31", "02", "1990"]
    );

    // Month 13: only the month box is at fault, and the link goes there.
    fill("17", "13", "1990");
    submit.click();
    settle().await;
    assert_eq!(
        error.get_untracked().map(|e| e.code),
        Some(ErrorCode::FieldDateNotReal)
    );
    let invalid: Vec<Option<String>> = boxes
        .iter()
        .map(|b| b.get_attribute("aria-invalid"))
        .collect();
    assert_eq!(invalid, [None, Some("true".into()), None]);
    assert!(root
        .query_selector("a[href='#dob-month']")
        .unwrap()
        .is_some());

    // Nothing typed: FIELD_REQUIRED.
    fill("", "", "");
    submit.click();
    settle().await;
    assert_eq!(
        error.get_untracked().map(|e| e.code),
        Some(ErrorCode::FieldRequired)
    );

    // The leap day of a leap year is a real date: accepted and reported in ISO.
    fill("29", "2", "2000");
    submit.click();
    settle().await;
    assert_eq!(iso.get_untracked().as_deref(), Some("2000-02-29"));
    assert_eq!(error.get_untracked(), None);
    assert!(root.query_selector("#dob-error").unwrap().is_none());
    assert!(root.query_selector(".bp-error-summary").unwrap().is_none());
    for b in &boxes {
        assert_eq!(b.get_attribute("aria-invalid"), None);
    }
    assert_eq!(ids(attr(&fieldset, "aria-describedby")), ["dob-hint"]);

    // … but not in 2023.
    fill("29", "2", "2023");
    submit.click();
    settle().await;
    assert_eq!(
        error.get_untracked().map(|e| e.code),
        Some(ErrorCode::FieldDateNotReal)
    );
}

#[wasm_bindgen_test]
async fn radios_wiring_and_required_choice() {
    let root = container();
    let selected = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ErrorCode>);
    let chosen = RwSignal::new(None::<String>);
    let _handle = mount_to(root.clone(), move || {
        provide_context(LangContext(RwSignal::new(Lang::En)));
        let items = Signal::derive(move || {
            error
                .get()
                .map(|c| vec![SummaryItem::field("country", c)])
                .unwrap_or_default()
        });
        let options = vec![
            RadioOption::new("ru", "Russia".to_string()),
            RadioOption::new("ua", "Ukraine".to_string())
                .with_hint("Banks with NBU BankID".to_string()),
            RadioOption::new("other", "Somewhere else".to_string()),
        ];
        let on_submit = move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            match require_choice(&selected.get_untracked()) {
                Ok(v) => {
                    error.set(None);
                    chosen.set(Some(v));
                }
                Err(code) => error.set(Some(code)),
            }
        };
        view! {
            <form novalidate on:submit=on_submit>
                <ErrorSummary items />
                <Radios
                    id="country"
                    legend="Where is your bank?".to_string()
                    page_heading=true
                    hint="Choose one".to_string()
                    options
                    selected
                    error
                />
                <button type="submit">"Continue"</button>
            </form>
        }
    });
    settle().await;

    let fieldset: HtmlElement = find(&root, "fieldset");
    let legend: HtmlElement = find(&fieldset, "legend");
    assert_eq!(
        find::<HtmlElement>(&legend, "h1").text_content().as_deref(),
        Some("Where is your bank?")
    );
    assert_eq!(ids(attr(&fieldset, "aria-describedby")), ["country-hint"]);
    let radios: Vec<HtmlInputElement> = ["country", "country-2", "country-3"]
        .iter()
        .map(|id| find(&fieldset, &format!("input#{id}")))
        .collect();
    for (radio, (value, label)) in radios.iter().zip([
        ("ru", "Russia"),
        ("ua", "Ukraine"),
        ("other", "Somewhere else"),
    ]) {
        assert_eq!(radio.type_(), "radio");
        assert_eq!(radio.name(), "country", "one group");
        assert_eq!(radio.value(), value);
        assert!(!radio.checked());
        let l: HtmlElement = find(&fieldset, &format!("label[for={}]", radio.id()));
        assert_eq!(l.text_content().as_deref(), Some(label));
    }
    // An answer's own hint describes that answer.
    assert_eq!(
        radios[1].get_attribute("aria-describedby").as_deref(),
        Some("country-2-item-hint")
    );
    assert_eq!(
        find::<HtmlElement>(&fieldset, "#country-2-item-hint")
            .text_content()
            .as_deref(),
        Some("Banks with NBU BankID")
    );
    assert_eq!(radios[0].get_attribute("aria-describedby"), None);

    // Nothing chosen: required, error message in the group's description, summary focused.
    let submit: HtmlElement = find(&root, "button[type=submit]");
    submit.click();
    settle().await;
    assert_eq!(error.get_untracked(), Some(ErrorCode::FieldRequired));
    assert_eq!(chosen.get_untracked(), None);
    let message: HtmlElement = find(&fieldset, "#country-error");
    assert!(message
        .text_content()
        .unwrap_or_default()
        .ends_with(ErrorCode::FieldRequired.message(Lang::En)));
    assert_eq!(
        ids(attr(&fieldset, "aria-describedby")),
        ["country-hint", "country-error"]
    );
    let group: HtmlElement = find(&root, ".bp-form-group");
    assert!(group.class_list().contains("bp-form-group--error"));
    let summary: HtmlElement = find(&root, ".bp-error-summary");
    assert!(is_active(&summary));
    let link: HtmlElement = find(&summary, "a[href='#country']");
    link.click();
    settle().await;
    assert!(is_active(&radios[0]), "the link focuses the first answer");

    // Choosing an answer updates the value; submitting reports it.
    radios[1].click();
    settle().await;
    assert_eq!(selected.get_untracked(), "ua");
    assert!(radios[1].checked() && !radios[0].checked());
    submit.click();
    settle().await;
    assert_eq!(chosen.get_untracked().as_deref(), Some("ua"));
    assert_eq!(error.get_untracked(), None);
    assert!(root.query_selector("#country-error").unwrap().is_none());
    assert_eq!(ids(attr(&fieldset, "aria-describedby")), ["country-hint"]);
}

#[wasm_bindgen_test]
async fn page_title_is_prefixed_while_the_summary_shows_errors() {
    let root = container();
    let lang = RwSignal::new(Lang::Ru);
    let items = RwSignal::new(Vec::<SummaryItem>::new());
    let _handle = mount_to(root.clone(), move || {
        provide_context(LangContext(lang));
        let has_error = Signal::derive(move || items.with(|i| !i.is_empty()));
        use_page_title(|_| "Вопрос".to_string(), has_error);
        view! {
            <ErrorSummary items />
            <input id="title-field" type="text" />
        }
    });
    settle().await;
    assert_eq!(document().title(), "Вопрос — Портал государственных услуг");

    items.set(vec![
        SummaryItem::field("title-field", ErrorCode::FieldRequired),
        SummaryItem {
            link: SummaryLink::None,
            code: ErrorCode::ServiceUnavailable,
        },
    ]);
    settle().await;
    assert!(
        document().title().starts_with("Ошибка: "),
        "{}",
        document().title()
    );
    let summary: HtmlElement = find(&root, ".bp-error-summary");
    assert!(is_active(&summary));
    // A problem without a field is text with what to do next, not a link.
    assert_eq!(summary.query_selector_all("a").unwrap().length(), 1);
    assert!(summary
        .text_content()
        .unwrap_or_default()
        .contains(ErrorCode::ServiceUnavailable.next_step(Lang::Ru)));

    // The prefix follows the language.
    lang.set(Lang::Uk);
    settle().await;
    assert!(
        document().title().starts_with("Помилка: "),
        "{}",
        document().title()
    );
    assert_eq!(
        find::<HtmlElement>(&summary, "h2")
            .text_content()
            .as_deref(),
        Some("Виникла проблема")
    );
    lang.set(Lang::En);
    settle().await;
    assert!(
        document().title().starts_with("Error: "),
        "{}",
        document().title()
    );

    items.set(Vec::new());
    settle().await;
    assert!(
        !document().title().starts_with("Error"),
        "{}",
        document().title()
    );
}

#[wasm_bindgen_test]
async fn progress_indicator_waits_300_ms_then_speaks_until_the_call_ends() {
    let root = container();
    let _handle = mount_to(root.clone(), move || {
        provide_context(LangContext(RwSignal::new(Lang::En)));
        view! { <ProgressIndicator /> }
    });
    settle().await;
    let region: HtmlElement = find(&root, ".bp-activity");
    assert_eq!(attr(&region, "role").as_deref(), Some("status"));
    assert_eq!(attr(&region, "aria-live").as_deref(), Some("polite"));
    assert_eq!(region.text_content().as_deref(), Some(""));

    // A fast call: nothing shows.
    let fast = api::begin_activity(api::ActivityKind::Loading);
    settle().await;
    sleep(100).await;
    drop(fast);
    settle().await;
    sleep(350).await;
    assert_eq!(region.text_content().as_deref(), Some(""), "no flicker");

    // A slow call: after 300 ms, "Loading…"; gone when it ends.
    let slow = api::begin_activity(api::ActivityKind::Loading);
    settle().await;
    sleep(150).await;
    assert_eq!(
        region.text_content().as_deref(),
        Some(""),
        "not before 300 ms"
    );
    sleep(300).await;
    settle().await;
    assert_eq!(region.text_content().as_deref(), Some("Loading…"));
    drop(slow);
    settle().await;
    assert_eq!(region.text_content().as_deref(), Some(""));

    // A slow POST says it is sending.
    let sending = api::begin_activity(api::ActivityKind::Sending);
    settle().await;
    sleep(400).await;
    settle().await;
    assert_eq!(
        region.text_content().as_deref(),
        Some("Sending your request…")
    );
    drop(sending);
    settle().await;
    assert_eq!(region.text_content().as_deref(), Some(""));
}

#[wasm_bindgen_test]
async fn requests_are_aborted_when_cancelled_and_answers_are_typed() {
    // The test server has no API: a plain 404, which is final (no retry) and typed.
    let cancel = api::Cancel::new();
    let e = api::registration("nope", &cancel).await.unwrap_err();
    assert_eq!(
        (e.status, e.code, e.aborted),
        (404, ErrorCode::ReqNotFound, false)
    );
    assert!(
        !api::activity().get_untracked().busy(),
        "the call is no longer counted"
    );

    // Cancelled while in flight: aborted, nothing to show.
    let cancel = api::Cancel::new();
    let result = RwSignal::new(None::<Result<(), api::ApiError>>);
    {
        let cancel = cancel.clone();
        leptos::task::spawn_local(async move {
            let r = api::banks(&cancel).await.map(|_| ());
            result.set(Some(r));
        });
    }
    tick().await;
    assert!(api::activity().get_untracked().busy());
    cancel.cancel();
    for _ in 0..50 {
        if result.get_untracked().is_some() {
            break;
        }
        sleep(10).await;
    }
    let e = result.get_untracked().expect("finished").unwrap_err();
    assert!(e.aborted, "{e:?}");
    assert!(!api::activity().get_untracked().busy());

    // Already cancelled: nothing is sent.
    let e = api::banks(&cancel).await.unwrap_err();
    assert!(e.aborted);
}

#[wasm_bindgen_test]
async fn journal_events_read_as_words_with_their_code_field_and_bank() {
    use bankid_api::types::JournalEntry;
    use bankid_api::JournalEvent;
    use bankid_portal_web::pages::status::Journal;

    let root = container();
    let lang = RwSignal::new(Lang::Uk);
    let entry = |at: &str, code: JournalEvent, upstream: Option<&str>| JournalEntry {
        at: at.to_string(),
        code,
        bank_id: None,
        field: None,
        upstream: upstream.map(str::to_string),
    };
    let mut refused = entry(
        "2026-11-23T10:02:00Z",
        JournalEvent::Refused(ErrorCode::RegInvalidData),
        None,
    );
    refused.field = Some("tax_id".into());
    let mut not_checked = entry(
        "2026-11-23T10:04:00Z",
        JournalEvent::ActivityNotChecked,
        None,
    );
    not_checked.bank_id = Some("alfa".into());
    let entries = vec![
        entry(
            "2026-11-23T10:00:00Z",
            JournalEvent::RegistrationStarted,
            None,
        ),
        entry(
            "2026-11-23T10:01:00Z",
            JournalEvent::Refused(ErrorCode::BankLoginCancelled),
            Some("access_denied"),
        ),
        refused,
        entry("2026-11-23T10:03:00Z", JournalEvent::ReverifyStarted, None),
        not_checked,
    ];
    let _handle = mount_to(root.clone(), move || {
        provide_context(LangContext(lang));
        view! { <Journal entries=entries.clone() /> }
    });
    settle().await;

    let texts = || -> Vec<String> {
        let list = root.query_selector_all(".bp-timeline__text").unwrap();
        (0..list.length())
            .map(|i| list.get(i).unwrap().text_content().unwrap_or_default())
            .collect()
    };
    // Newest first, every event in words (no raw codes as text).
    assert_eq!(
        texts(),
        [
            JournalEvent::ActivityNotChecked.text(Lang::Uk),
            "Розпочато повторну перевірку в банку",
            ErrorCode::RegInvalidData.message(Lang::Uk),
            ErrorCode::BankLoginCancelled.message(Lang::Uk),
            "Заявку створено",
        ]
    );
    let items = root.query_selector_all(".bp-timeline__item").unwrap();
    let details = |i: u32| -> String {
        let item: HtmlElement = items.get(i).unwrap().unchecked_into();
        find::<HtmlElement>(&item, ".bp-timeline__code")
            .text_content()
            .unwrap_or_default()
    };
    // The code for support, the bank's own code, the field named (never its value), the bank.
    assert!(
        details(3).contains("BANK_LOGIN_CANCELLED"),
        "{}",
        details(3)
    );
    assert!(
        details(3).contains("код банку: access_denied"),
        "{}",
        details(3)
    );
    assert!(details(2).contains("РНОКПП"), "{}", details(2));
    assert!(details(0).contains("alfa"), "{}", details(0));

    lang.set(Lang::En);
    settle().await;
    assert_eq!(texts()[1], "Checking with the bank again");
    assert_eq!(texts()[4], "Request started");
    assert!(details(2).contains("taxpayer number"), "{}", details(2));
}

#[wasm_bindgen_test]
async fn a_locked_citizen_is_told_when_to_try_again() {
    let root = container();
    let items = RwSignal::new(vec![SummaryItem {
        link: bankid_portal_web::components::error_summary::SummaryLink::None,
        code: ErrorCode::RateLimited,
    }]);
    let retry = RwSignal::new(None::<u32>);
    let _handle = mount_to(root.clone(), move || {
        provide_context(LangContext(RwSignal::new(Lang::En)));
        view! { <ErrorSummary items retry_after=retry /> }
    });
    settle().await;
    assert!(root
        .query_selector(".bp-error-summary__retry")
        .unwrap()
        .is_none());
    retry.set(Some(90));
    settle().await;
    let text = find::<HtmlElement>(&root, ".bp-error-summary__retry")
        .text_content()
        .unwrap_or_default();
    // The local clock time 90 s from now, as the browser formats it.
    let at = js_sys::Date::new(&(js_sys::Date::now() + 90_000.0).into());
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into()).unwrap();
    let expected_time = String::from(at.to_locale_string("en", &options));
    // (After 23:58 the date is shown too, so the time is looked for inside the sentence.)
    assert!(text.starts_with("You can try again at "), "{text}");
    assert!(text.contains(&expected_time), "{text} / {expected_time}");
}
