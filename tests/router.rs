//! The router in a real browser: which clicks it takes, the page and parameters it shows, the
//! history entries it makes, Back.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use bankid_api::routes::Bundle;
use bankid_portal_web::router::{provide_router, routes, use_params_map, use_query_map, Route};
use leptos::{mount::mount_to, prelude::*, task::tick};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, MouseEvent, MouseEventInit};

mod common;
use common::{container, find, sleep};

wasm_bindgen_test_configure!(run_in_browser);

async fn settle() {
    for _ in 0..3 {
        tick().await;
    }
}

/// Waits (up to 2 s) until `ok` holds: Back arrives as an event some time later.
async fn until(mut ok: impl FnMut() -> bool) {
    for _ in 0..200 {
        if ok() {
            return;
        }
        sleep(10).await;
    }
    panic!("condition not met within 2 s");
}

const ROUTES: &[Route] = &[
    Route {
        path: "/account/banks",
        view: || view! { <p id="page">"banks"</p> }.into_any(),
    },
    Route {
        path: "/account/banks/change/:old/:bank",
        view: || {
            let params = use_params_map();
            let text = move || {
                let p = params.read();
                format!(
                    "change {}→{}",
                    p.get("old").unwrap_or_default(),
                    p.get("bank").unwrap_or_default()
                )
            };
            view! { <p id="page">{text}</p> }.into_any()
        },
    },
    Route {
        path: "/account/consents",
        view: || {
            let query = use_query_map();
            view! { <p id="page">{move || format!("consents {}", query.read().get("note").unwrap_or_default())}</p> }
                .into_any()
        },
    },
];

fn page(root: &HtmlElement) -> String {
    find::<HtmlElement>(root, "#page")
        .text_content()
        .unwrap_or_default()
}

/// Clicks `selector` with `ctrl` held or not; whether the router took the click (the browser
/// is kept from following any link it did not take).
fn click(
    root: &HtmlElement,
    selector: &str,
    ctrl: bool,
    taken: &Rc<RefCell<Option<bool>>>,
) -> bool {
    let init = MouseEventInit::new();
    init.set_bubbles(true);
    init.set_cancelable(true);
    init.set_button(0);
    init.set_ctrl_key(ctrl);
    let ev = MouseEvent::new_with_mouse_event_init_dict("click", &init).unwrap();
    *taken.borrow_mut() = None;
    find::<HtmlElement>(root, selector)
        .dispatch_event(&ev)
        .unwrap();
    taken.borrow().expect("the click reached the window")
}

#[wasm_bindgen_test]
async fn links_of_the_bundle_show_their_page_and_back_returns() {
    let start = window().location().href().unwrap();
    let history = window().history().unwrap();
    history
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("/account/banks"))
        .unwrap();

    let root = container();
    let _handle = mount_to(root.clone(), || {
        provide_router(Bundle::Manage);
        view! {
            <a id="change" href="/account/banks/change/sber/tinkoff">"change"</a>
            <a id="consents" href="/account/consents?note=%D0%B4%D0%B0+ok">"consents"</a>
            <a id="other-bundle" href="/account/security">"security"</a>
            <a id="external" href="/account/consents" rel="external">"full load"</a>
            <a id="new-tab" href="/account/consents" target="_blank">"new tab"</a>
            <a id="download" href="/account/consents" download>"download"</a>
            <a id="fragment" href="#page">"fragment"</a>
            <a id="foreign" href="http://127.0.0.3:9/account/consents">"other origin"</a>
            <span id="inner-holder"><a href="/account/banks"><b id="inner">"banks"</b></a></span>
            {routes(ROUTES, || view! { <p id="page">"not found"</p> }.into_any())}
        }
    });
    // Registered after the router's: sees whether it took the click, then keeps the browser
    // from following the link.
    let taken = Rc::new(RefCell::new(None));
    let seen = taken.clone();
    let listener = Closure::<dyn Fn(web_sys::Event)>::new(move |ev: web_sys::Event| {
        *seen.borrow_mut() = Some(ev.default_prevented());
        ev.prevent_default();
    });
    window()
        .add_event_listener_with_callback("click", listener.as_ref().unchecked_ref())
        .unwrap();
    settle().await;
    assert_eq!(page(&root), "banks");

    let entries = history.length().unwrap();
    assert!(click(&root, "#change", false, &taken));
    settle().await;
    assert_eq!(page(&root), "change sber→tinkoff");
    assert_eq!(
        window().location().pathname().unwrap(),
        "/account/banks/change/sber/tinkoff"
    );
    assert_eq!(history.length().unwrap(), entries + 1);

    assert!(click(&root, "#consents", false, &taken));
    settle().await;
    assert_eq!(page(&root), "consents да ok");

    // A click on something inside a link is a click on the link.
    assert!(click(&root, "#inner", false, &taken));
    settle().await;
    assert_eq!(page(&root), "banks");

    // Not taken: a page of another bundle, a full load asked for, another tab, a download, a
    // fragment of this page, another origin, a click with Ctrl held.
    for selector in [
        "#other-bundle",
        "#external",
        "#new-tab",
        "#download",
        "#fragment",
        "#foreign",
    ] {
        assert!(!click(&root, selector, false, &taken), "{selector}");
    }
    assert!(!click(&root, "#change", true, &taken));
    settle().await;
    assert_eq!(page(&root), "banks");

    // Back: the page of the entry before.
    history.back().unwrap();
    until(|| page(&root) == "consents да ok").await;
    history.back().unwrap();
    until(|| page(&root) == "change sber→tinkoff").await;

    // A path none of the routes match.
    history
        .replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some("/account/banks/nothing"),
        )
        .unwrap();
    let popstate = web_sys::Event::new("popstate").unwrap();
    window().dispatch_event(&popstate).unwrap();
    settle().await;
    assert_eq!(page(&root), "not found");

    window()
        .remove_event_listener_with_callback("click", listener.as_ref().unchecked_ref())
        .unwrap();
    history
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&start))
        .unwrap();
}
