//! `/embed/return`: the bank's window after the bank (popup mode). It hands the one-time code of
//! its address fragment to the frame that opened it and closes; when it cannot (no opener: the
//! bank's pages cut the link, or the page was opened some other way), it says where to go.

use bankid_api::embed::HandbackMessage;
use bankid_api::ErrorCode;
use leptos::prelude::*;
use wasm_bindgen::JsValue;

use super::protocol::{as_window, handback_code, message_object};
use super::texts::{et, etr, EmbedKey};
use super::ui::{problem, use_title};
use super::Shell;

/// Reads and drops the fragment, hands the code back to the opener and closes the window.
/// Returns the code (`None`: there was none).
fn hand_back() -> Option<String> {
    let window = window();
    let location = window.location();
    let code = handback_code(&location.hash().unwrap_or_default());
    // The code leaves the address at once (history, the Referer of later loads).
    if let Ok(history) = window.history() {
        let path = location.pathname().unwrap_or_default() + &location.search().unwrap_or_default();
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&path));
    }
    let code = code?;
    let opener = window.opener().ok().and_then(as_window);
    if let (Some(opener), Ok(origin)) = (opener, location.origin()) {
        let json = serde_json::to_string(&HandbackMessage::new(&code)).unwrap_or_default();
        if opener.post_message(&message_object(&json), &origin).is_ok() {
            let _ = window.close();
        }
    }
    Some(code)
}

#[component]
pub fn ReturnPage() -> impl IntoView {
    let ok = hand_back().is_some();
    use_title(
        move |l| {
            if ok {
                et(l, EmbedKey::ReturnDoneTitle).to_string()
            } else {
                ErrorCode::EmbedCodeInvalid.message(l).to_string()
            }
        },
        Signal::derive(move || !ok),
    );
    // Seen only while the window stays open: closing failed, or nobody to hand back to.
    let body = if ok {
        view! {
            <h1 class="bp-heading-l">{etr(EmbedKey::ReturnDoneTitle)}</h1>
            <p class="bp-body">{etr(EmbedKey::ReturnDoneText)}</p>
            <button
                type="button"
                class="bp-button"
                on:click=move |_| {
                    let _ = window().close();
                }
            >
                {etr(EmbedKey::CloseWindow)}
            </button>
        }
        .into_any()
    } else {
        problem(ErrorCode::EmbedCodeInvalid, None, true).into_any()
    };
    view! { <Shell>{body}</Shell> }
}
