//! The embed bundle's pieces in a real browser: whom the frame's messages go to and what it
//! posts (objects, not strings), the one thing it keeps in `sessionStorage`, its text table in
//! three languages, and the frame itself against a stubbed bank list (the bank named in the top
//! bar, refusals of unknown and non-embedding banks, the phone and consent steps' errors).
#![cfg(target_arch = "wasm32")]

use bankid_api::embed::{EmbedStep, FrameEvent};
use bankid_api::{ErrorCode, Lang};
use bankid_portal_web::embed::frame::Frame;
use bankid_portal_web::embed::protocol::{
    keep_pending, message_json, message_object, message_targets, post_json, return_url,
    take_pending, Pending, PENDING_KEY,
};
use bankid_portal_web::embed::texts::{et, etr, EmbedKey};
use bankid_portal_web::i18n::LangContext;
use leptos::{mount::mount_to, prelude::*, task::tick};
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, HtmlFormElement, HtmlInputElement};

mod common;
use common::{container, find, sleep};

wasm_bindgen_test_configure!(run_in_browser);

fn get(value: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(value, &JsValue::from_str(key)).unwrap()
}

/// Waits (up to 2 s) until `selector` matches in `root`.
async fn appears(root: &HtmlElement, selector: &str) -> HtmlElement {
    for _ in 0..200 {
        tick().await;
        if let Some(el) = root.query_selector(selector).unwrap() {
            return el.unchecked_into();
        }
        sleep(10).await;
    }
    panic!("{selector} never appeared in: {}", root.inner_html());
}

fn origins(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[wasm_bindgen_test]
fn messages_go_only_to_the_bank_s_origins() {
    let allowed = origins(&["http://127.0.0.2:8082", "https://bank.example"]);
    // The browser says who the parent is: only that origin.
    assert_eq!(
        message_targets(Some("https://bank.example"), "", &allowed),
        origins(&["https://bank.example"])
    );
    // Else the referrer's origin.
    assert_eq!(
        message_targets(None, "http://127.0.0.2:8082/sber/?x=1", &allowed),
        origins(&["http://127.0.0.2:8082"])
    );
    // Unknown or another origin: each allowed origin (never "*", never the other one).
    for (ancestor, referrer) in [
        (None, ""),
        (Some("http://127.0.0.3:9000"), "http://127.0.0.3:9000/"),
    ] {
        let targets = message_targets(ancestor, referrer, &allowed);
        assert_eq!(targets, allowed);
        assert!(!targets.iter().any(|t| t == "*"));
    }
    // The top-level trip comes back to the bank page, or to its origin's root.
    assert_eq!(
        return_url("http://127.0.0.2:8082/sber/", None, &allowed).as_deref(),
        Some("http://127.0.0.2:8082/sber/")
    );
    assert_eq!(
        return_url("", Some("https://bank.example"), &allowed).as_deref(),
        Some("https://bank.example/")
    );
}

#[wasm_bindgen_test]
async fn messages_are_posted_as_objects_of_the_contract() {
    let json = message_json(FrameEvent::Resize { height: 612 });
    let object = message_object(&json);
    assert!(object.is_object(), "an object, not a string");
    assert_eq!(
        get(&object, "protocol").as_string().as_deref(),
        Some("bankid-portal/1")
    );
    assert_eq!(get(&object, "type").as_string().as_deref(), Some("resize"));
    assert_eq!(get(&object, "height").as_f64(), Some(612.0));

    // Through postMessage (to this window, on its own origin) it arrives as that object.
    let w = window();
    let received = std::rc::Rc::new(std::cell::RefCell::new(None::<JsValue>));
    let sink = received.clone();
    let listener =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
            *sink.borrow_mut() = Some(ev.data());
        });
    w.add_event_listener_with_callback("message", listener.as_ref().unchecked_ref())
        .unwrap();
    let origin = w.location().origin().unwrap();
    let step = message_json(FrameEvent::Step {
        name: EmbedStep::Consent,
    });
    post_json(&w, &step, &[origin]);
    for _ in 0..100 {
        if received.borrow().is_some() {
            break;
        }
        sleep(10).await;
    }
    w.remove_event_listener_with_callback("message", listener.as_ref().unchecked_ref())
        .unwrap();
    let data = received.borrow().clone().expect("the message arrived");
    assert!(data.is_object());
    assert_eq!(get(&data, "type").as_string().as_deref(), Some("step"));
    assert_eq!(get(&data, "name").as_string().as_deref(), Some("consent"));
    assert_eq!(
        js_sys::Object::keys(data.unchecked_ref::<js_sys::Object>()).length(),
        3,
        "protocol, type, name and nothing else"
    );
}

#[wasm_bindgen_test]
fn the_pending_registration_serves_one_load_and_only_session_storage() {
    let local_before = window().local_storage().unwrap().unwrap().length().unwrap();
    let pending = Pending {
        registration_id: "r-1".into(),
        frame_token: Some("t".repeat(43)),
    };
    assert!(keep_pending(&pending));
    let session = window().session_storage().unwrap().unwrap();
    assert!(session.get_item(PENDING_KEY).unwrap().is_some());
    assert_eq!(take_pending(), Some(pending));
    // Taken out at once: a second load starts afresh.
    assert_eq!(session.get_item(PENDING_KEY).unwrap(), None);
    assert_eq!(take_pending(), None);
    // A broken value is dropped, not read.
    session
        .set_item(PENDING_KEY, "{\"registration_id\":\"a/b\"}")
        .unwrap();
    assert_eq!(take_pending(), None);
    assert_eq!(session.get_item(PENDING_KEY).unwrap(), None);
    assert_eq!(
        window().local_storage().unwrap().unwrap().length().unwrap(),
        local_before
    );
}

#[wasm_bindgen_test]
async fn the_text_table_speaks_three_languages_and_follows_the_switch() {
    for &k in EmbedKey::ALL {
        for l in Lang::ALL {
            assert!(!et(l, k).trim().is_empty(), "{k:?} {l:?}");
        }
        assert_ne!(et(Lang::En, k), et(Lang::Ru, k), "{k:?}");
    }
    let root = container();
    let lang = RwSignal::new(Lang::Ru);
    let _handle = mount_to(root.clone(), move || {
        provide_context(LangContext(lang));
        view! { <p>{etr(EmbedKey::RequestedBy)}</p> }
    });
    tick().await;
    assert_eq!(
        root.text_content().unwrap(),
        et(Lang::Ru, EmbedKey::RequestedBy)
    );
    lang.set(Lang::Uk);
    tick().await;
    assert_eq!(
        root.text_content().unwrap(),
        et(Lang::Uk, EmbedKey::RequestedBy)
    );
    lang.set(Lang::En);
    tick().await;
    assert_eq!(
        root.text_content().unwrap(),
        et(Lang::En, EmbedKey::RequestedBy)
    );
}

const BANKS: &str = r##"[
  {"id":"sber","name":{"ru":"Сбербанк","uk":"Сбербанк","en":"Sberbank"},"country":"RU",
   "logo":"/logos/sber.svg","color":"#21a038","workable":true,"capabilities":[],
   "fields":["full_name","birth_date","phone"],"embed_origins":["http://127.0.0.2:8082"]},
  {"id":"vtb","name":{"ru":"ВТБ","uk":"ВТБ","en":"VTB"},"country":"RU",
   "logo":"/logos/vtb.svg","color":"#002882","workable":true,"capabilities":[]}
]"##;

/// Replaces `window.fetch` with one that answers the bank list (and 404 to anything else) while
/// the returned guard lives.
struct FakeFetch(JsValue);

impl FakeFetch {
    fn install() -> FakeFetch {
        let w = window();
        let original = get(&w, "fetch");
        let fake = js_sys::Function::new_with_args(
            "req",
            &format!(
                "const url = typeof req === 'string' ? req : req.url;
                 if (url.endsWith('/api/v1/banks')) {{
                   return Promise.resolve(new Response({}, {{status: 200, headers: {{'content-type': 'application/json'}}}}));
                 }}
                 return Promise.resolve(new Response('{{\"code\":\"REQ_NOT_FOUND\",\"message\":\"x\",\"trace_id\":\"t-404\"}}', {{status: 404}}));",
                serde_json::to_string(BANKS).unwrap()
            ),
        );
        js_sys::Reflect::set(&w, &JsValue::from_str("fetch"), &fake).unwrap();
        FakeFetch(original)
    }
}

impl Drop for FakeFetch {
    fn drop(&mut self) {
        let _ = js_sys::Reflect::set(&window(), &JsValue::from_str("fetch"), &self.0);
    }
}

fn mount_frame(bank: &'static str) -> (HtmlElement, leptos::mount::UnmountHandle<impl Mountable>) {
    let root = container();
    let handle = mount_to(root.clone(), move || {
        provide_context(LangContext(RwSignal::new(Lang::En)));
        view! { <Frame bank_id=bank.to_string() /> }
    });
    (root, handle)
}

fn type_into(input: &HtmlInputElement, text: &str) {
    input.set_value(text);
    input
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
}

fn submit(root: &HtmlElement) {
    let form: HtmlFormElement = find(root, "form");
    form.request_submit().unwrap();
}

#[wasm_bindgen_test]
async fn unknown_and_non_embedding_banks_are_refused() {
    let _fetch = FakeFetch::install();
    for (bank, code) in [
        ("nope", ErrorCode::FieldBankUnknown),
        ("vtb", ErrorCode::EmbedNotAllowed),
    ] {
        let (root, _handle) = mount_frame(bank);
        let h1 = appears(&root, "main h1").await;
        assert_eq!(h1.text_content().unwrap(), code.message(Lang::En), "{bank}");
        assert!(root
            .text_content()
            .unwrap()
            .contains(code.next_step(Lang::En)));
        assert!(root.query_selector("form").unwrap().is_none(), "{bank}");
    }
}

#[wasm_bindgen_test]
async fn the_frame_names_the_portal_and_the_bank_and_checks_the_steps() {
    let _fetch = FakeFetch::install();
    let (root, _handle) = mount_frame("sber");
    let input: HtmlInputElement = appears(&root, "input#phone").await.unchecked_into();

    // The portal (a page without boot data: the Russian portal's name), and the bank that
    // asked for it.
    let bar: HtmlElement = find(&root, "header");
    let bar_text = bar.text_content().unwrap();
    let portal = bankid_api::types::Brand::of(bankid_api::types::Country::Ru).name;
    assert!(bar_text.contains(portal.get(Lang::En)), "{bar_text}");
    assert!(
        bar_text.contains(et(Lang::En, EmbedKey::RequestedBy)),
        "{bar_text}"
    );
    assert!(bar_text.contains("Sberbank"), "{bar_text}");

    // The phone question: labelled, described, checked with the shared rule.
    assert_eq!(input.type_(), "tel");
    assert_eq!(
        input.get_attribute("aria-describedby").as_deref(),
        Some("phone-hint")
    );
    let label: HtmlElement = find(&root, "label[for=phone]");
    assert_eq!(
        label.text_content().unwrap(),
        et(Lang::En, EmbedKey::PhoneQuestion)
    );
    type_into(&input, "12");
    submit(&root);
    let alert = appears(&root, "[role=alert]").await;
    assert!(alert
        .text_content()
        .unwrap()
        .contains(ErrorCode::FieldPhoneFormat.message(Lang::En)));
    assert_eq!(input.get_attribute("aria-invalid").as_deref(), Some("true"));
    assert_eq!(
        input.get_attribute("aria-describedby").as_deref(),
        Some("phone-hint phone-error")
    );
    // The summary took focus and links to the field.
    let summary: HtmlElement = find(&root, ".bp-error-summary");
    assert_eq!(document().active_element(), Some(summary.unchecked_into()));
    let link: HtmlElement = find(&root, ".bp-error-summary a[href='#phone']");
    assert!(!link.text_content().unwrap().is_empty());

    // A valid number leads to the consent, with what this bank transfers.
    type_into(&input, "+7 916 123-45-67");
    submit(&root);
    let checkbox: HtmlInputElement = appears(&root, "input#consent").await.unchecked_into();
    assert_eq!(checkbox.type_(), "checkbox");
    let text = root.text_content().unwrap();
    let masked = bankid_api::validate::mask_phone("+79161234567");
    assert!(text.contains(&masked), "{masked} in {text}");
    assert_eq!(
        root.query_selector_all("ul.bp-list--bullet li")
            .unwrap()
            .length(),
        3
    );
    // Not ticked: the consent error, at the box.
    submit(&root);
    let alert = appears(&root, "#consent-error").await;
    assert!(alert
        .text_content()
        .unwrap()
        .contains(ErrorCode::FieldConsentRequired.message(Lang::En)));
    assert_eq!(
        checkbox.get_attribute("aria-invalid").as_deref(),
        Some("true")
    );
    find::<HtmlElement>(&root, ".bp-error-summary a[href='#consent']");

    // "Change" goes back to the phone, which keeps what was typed.
    let change: HtmlElement = find(&root, "#phone-change");
    change.click();
    let input: HtmlInputElement = appears(&root, "input#phone").await.unchecked_into();
    assert_eq!(input.value(), "+7 916 123-45-67");
}
