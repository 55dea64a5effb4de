//! The GOV.UK error summary: a box at the top of the page that takes focus when errors appear,
//! announces itself (`role="alert"`) and links every problem to its field.

use bankid_api::ErrorCode;
use leptos::prelude::*;

use crate::api::ApiError;
use crate::components::focus_element;
use crate::components::problem::TraceId;
use crate::format::local_clock;
use crate::i18n::{tf, tr, use_lang, Key};
use crate::nav::Link;

/// Where an item of the summary leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SummaryLink {
    /// Not a field problem: plain text, followed by what to do next.
    None,
    /// A field on this page, by element id: the link focuses it.
    Field(String),
    /// A field on another page of the flow (e.g. step 1), by path.
    Page(String),
}

/// One problem in the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryItem {
    pub link: SummaryLink,
    pub code: ErrorCode,
}

impl SummaryItem {
    /// A problem with the field whose input has element id `id`.
    /// A problem that is not about a field: its text and what to do next.
    pub fn general(code: ErrorCode) -> Self {
        SummaryItem {
            link: SummaryLink::None,
            code,
        }
    }

    /// A problem with the field whose input has element id `id`.
    pub fn field(id: impl Into<String>, code: ErrorCode) -> Self {
        SummaryItem {
            link: SummaryLink::Field(id.into()),
            code,
        }
    }
}

/// Renders nothing while `items` is empty. Each time `items` is set to a non-empty list the
/// summary receives focus, so submitting a form with errors always lands the citizen on it.
/// Summary items and trace id for a page whose only errors come from the server: one general
/// item for the code.
pub fn server_summary(
    error: RwSignal<Option<ApiError>>,
) -> (Signal<Vec<SummaryItem>>, Signal<Option<String>>) {
    let items = Signal::derive(move || {
        error
            .get()
            .map(|e| vec![SummaryItem::general(e.code)])
            .unwrap_or_default()
    });
    let trace_id = Signal::derive(move || error.get().and_then(|e| e.trace_id));
    (items, trace_id)
}

#[component]
pub fn ErrorSummary(
    /// The problems, in page order.
    #[prop(into)]
    items: Signal<Vec<SummaryItem>>,
    /// Trace id of a server error, shown under the list.
    #[prop(optional, into)]
    trace_id: Signal<Option<String>>,
    /// Seconds until the server accepts another try (a lockout or rate limit), shown as the
    /// local time from which the citizen can try again.
    #[prop(optional, into)]
    retry_after: Signal<Option<u32>>,
) -> impl IntoView {
    let lang = use_lang();
    let root = NodeRef::<leptos::html::Div>::new();

    // Sync with the outside world: move focus to the summary when it (re)appears.
    Effect::new(move |_| {
        let has_items = items.with(|i| !i.is_empty());
        if let (true, Some(el)) = (has_items, root.get()) {
            let _ = el.focus();
        }
    });

    let list = move || {
        let lang = lang.get();
        items
            .get()
            .into_iter()
            .map(|item| {
                let text = item.code.message(lang);
                match item.link {
                    SummaryLink::Field(id) => {
                        let href = format!("#{id}");
                        view! {
                            <li>
                                // target="_self" keeps the router away; the handler moves focus.
                                <a
                                    href=href
                                    target="_self"
                                    on:click=move |ev| {
                                        if focus_element(&id) {
                                            ev.prevent_default();
                                        }
                                    }
                                >
                                    {text}
                                </a>
                            </li>
                        }
                        .into_any()
                    }
                    SummaryLink::Page(path) => view! {
                        <li>
                            <Link href=path>{text}</Link>
                        </li>
                    }
                    .into_any(),
                    SummaryLink::None => {
                        let next = item.code.next_step(lang);
                        view! {
                            <li>
                                <span class="bp-error-summary__text">{text}</span>
                                " "
                                <span class="bp-error-summary__next">{next}</span>
                            </li>
                        }
                        .into_any()
                    }
                }
            })
            .collect_view()
    };

    view! {
        <Show when=move || items.with(|i| !i.is_empty())>
            <div class="bp-error-summary" tabindex="-1" node_ref=root>
                <div role="alert">
                    <h2 class="bp-error-summary__title">
                        {tr(Key::ErrorSummaryTitle)}
                    </h2>
                    <div class="bp-error-summary__body">
                        <ul class="bp-list bp-error-summary__list">{list}</ul>
                        {move || {
                            retry_after
                                .get()
                                .map(|secs| {
                                    let l = lang.get();
                                    let at = js_sys::Date::now() + f64::from(secs) * 1000.0;
                                    view! {
                                        <p class="bp-body bp-error-summary__retry">
                                            {tf(l, Key::TryAgainAt, &[("time", &local_clock(l, at))])}
                                        </p>
                                    }
                                })
                        }}
                        <TraceId trace_id />
                    </div>
                </div>
            </div>
        </Show>
    }
}
