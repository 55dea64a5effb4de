//! The progress indicator: appears when an API call has taken longer than [`PROGRESS_DELAY_MS`]
//! (never before, so fast answers do not flicker), and goes when no call is in flight.

use std::time::Duration;

use leptos::prelude::*;

use crate::api;
use crate::i18n::{t, use_lang, Key};

/// How long a call may take before the indicator appears.
pub const PROGRESS_DELAY_MS: u64 = 300;

/// A live region (`role="status"`, polite) that stays in the page, empty while nothing is slow;
/// when a call is slow it holds "Loading…" (or "Sending your request…" for a POST), which screen
/// readers announce and which shows as a small box fixed at the top of the window.
#[component]
pub fn ProgressIndicator() -> impl IntoView {
    let lang = use_lang();
    let activity = api::activity();
    let shown = RwSignal::new(false);
    let timer = StoredValue::new(None::<TimeoutHandle>);

    let clear_timer = move || {
        if let Some(handle) = timer.try_get_value().flatten() {
            handle.clear();
        }
        let _ = timer.try_set_value(None);
    };

    // Sync with the outside world (a timer): start the delay when calls begin, stop when none.
    let watched = activity.clone();
    Effect::new(move |_| {
        let busy = watched.with(api::Activity::busy);
        if !busy {
            clear_timer();
            shown.set(false);
            return;
        }
        if shown.get_untracked() || timer.get_value().is_some() {
            return;
        }
        let still = watched.clone();
        let handle = set_timeout_with_handle(
            move || {
                let _ = timer.try_set_value(None);
                if still.with_untracked(api::Activity::busy) {
                    let _ = shown.try_set(true);
                }
            },
            Duration::from_millis(PROGRESS_DELAY_MS),
        )
        .ok();
        timer.set_value(handle);
    });
    on_cleanup(clear_timer);

    let text = move || {
        let sending = activity.with(|a| a.sending > 0);
        t(
            lang.get(),
            if sending {
                Key::Submitting
            } else {
                Key::Loading
            },
        )
    };
    view! {
        <div class="bp-activity" role="status" aria-live="polite">
            {move || {
                shown
                    .get()
                    .then(|| {
                        view! {
                            <p class="bp-activity__box">
                                <span class="bp-activity__spinner" aria-hidden="true"></span>
                                {text.clone()}
                            </p>
                        }
                    })
            }}
        </div>
    }
}
