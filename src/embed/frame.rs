//! `/embed/{bank_id}`: the registration inside a partner bank's page.
//!
//! Phone → consent → the bank (in a popup the frame opens, or — popups blocked — the whole page,
//! which the bank sends back to the bank's page) → waiting → the outcome. The frame tells the
//! bank's page what happens with `postMessage` ([`super::protocol`]); the only thing it keeps
//! across the top-level trip is the registration id and its credential, in `sessionStorage`.
//!
//! The steps use the portal's texts and markup (`step1_phone`, `step2_consent`, `status`) through
//! the embed bundle's own lean pieces ([`super::ui`]), not the shared components: see there why.

use bankid_api::embed::{EmbedStart, EmbedStep, FrameEvent, HandbackMessage, ParentMessage};
use bankid_api::types::{
    BankInfo, ConsentAcceptance, RegistrationState, StartRegistration, CONSENT_VERSION,
};
use bankid_api::validate::{normalize_phone, normalize_phone_for};
use bankid_api::ErrorCode;
use leptos::prelude::*;

use super::protocol::{
    allowed_origin, ancestor_origin, data_json, drop_pending, is_window, keep_pending,
    message_json, message_targets, param, parent_window, post_json, referrer, return_url,
    take_pending, Pending,
};
use super::steps::{consent_step, outcome, phone_step, waiting_step, Form};
use super::texts::{et, et_with, etr, state_texts, EmbedKey};
use super::ui::{problem, use_title, Problem};
use super::{Shell, MAIN_ID};
use crate::api::{self, ApiError, StatusSummary};
use crate::components::focus_element;
use crate::i18n::{use_lang, LangContext};
use crate::pages::step2_consent::is_web_url;

/// How often the frame asks whether the bank has answered.
pub const POLL_MS: u32 = 2_000;
/// How long it keeps asking.
pub const WAIT_LIMIT_MS: f64 = 10.0 * 60.0 * 1000.0;
/// The name of the bank's window (a second start reuses it).
pub const POPUP_NAME: &str = "bp-bank";
pub const POPUP_FEATURES: &str = "popup,width=520,height=720";

pub const PHONE_ID: &str = "phone";
pub const CONSENT_ID: &str = "consent";

/// A registration the frame waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    pub registration_id: String,
    /// The frame's credential (plain http); over https a cookie.
    pub frame_token: Option<String>,
    /// The bank's sign-in is in the popup (else the whole page went and came back).
    pub popup: bool,
}

/// Where the frame is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Phone,
    /// The normalized phone.
    Consent(String),
    Waiting(Started),
    Status(StatusSummary),
}

impl Step {
    /// The step's name in `step` messages.
    pub fn name(&self) -> EmbedStep {
        match self {
            Step::Phone => EmbedStep::Phone,
            Step::Consent(_) => EmbedStep::Consent,
            Step::Waiting(_) => EmbedStep::Bank,
            Step::Status(_) => EmbedStep::Status,
        }
    }
}

/// The bank `id` of the bank list, if the frame can register through it: unknown →
/// `FIELD_BANK_UNKNOWN`, no embedding origins → `EMBED_NOT_ALLOWED`, not workable →
/// `BANK_UNAVAILABLE`.
pub fn embeddable(list: &[BankInfo], id: &str) -> Result<BankInfo, ErrorCode> {
    let bank = list
        .iter()
        .find(|b| b.id == id)
        .ok_or(ErrorCode::FieldBankUnknown)?;
    if bank.embed_origins.is_empty() {
        Err(ErrorCode::EmbedNotAllowed)
    } else if !bank.workable {
        Err(ErrorCode::BankUnavailable)
    } else {
        Ok(bank.clone())
    }
}

/// The `error` message of a failure.
pub fn error_event(e: &ApiError) -> FrameEvent {
    FrameEvent::Error {
        code: e.code,
        trace_id: e.trace_id.clone().unwrap_or_default(),
    }
}

/// The consent step's problems: the box not ticked, and what the server refused (`consent*`
/// fields at the box; anything else — the phone is on the step before — as text).
pub fn consent_problems(local: Option<ErrorCode>, server: Option<&ApiError>) -> Vec<Problem> {
    let mut items: Vec<Problem> = local
        .map(|code| Problem {
            field: Some(CONSENT_ID),
            code,
        })
        .into_iter()
        .collect();
    if let Some(e) = server {
        if e.fields.is_empty() {
            items.push(Problem {
                field: None,
                code: e.code,
            });
        }
        for (field, &code) in &e.fields {
            let field = field.starts_with("consent").then_some(CONSENT_ID);
            items.push(Problem { field, code });
        }
    }
    items
}

/// The frame's line to the bank's page: where messages go (known once the bank is), the bank's
/// origins (the only ones a `locale` message is taken from) and the last height sent.
#[derive(Clone, Copy)]
struct Parent {
    targets: StoredValue<Vec<String>>,
    allowed: StoredValue<Vec<String>>,
    last_height: StoredValue<Option<u32>>,
}

impl Parent {
    fn new() -> Self {
        Parent {
            targets: StoredValue::new(Vec::new()),
            allowed: StoredValue::new(Vec::new()),
            last_height: StoredValue::new(None),
        }
    }

    /// Learns the bank's origins, says `ready`, then the height, and from then on each new one.
    fn connect(self, allowed: &[String]) {
        let targets = message_targets(ancestor_origin().as_deref(), &referrer(), allowed);
        self.allowed.set_value(allowed.to_vec());
        self.targets.set_value(targets);
        self.post(FrameEvent::Ready);
        self.resize(content_height());
        observe_height(self);
    }

    fn post(self, event: FrameEvent) {
        if let Some(parent) = parent_window() {
            let json = message_json(event);
            self.targets
                .try_with_value(|targets| post_json(&parent, &json, targets));
        }
    }

    /// `resize`, when connected and the height changed.
    fn resize(self, height: u32) {
        let connected = self.targets.try_with_value(|t| !t.is_empty()) == Some(true);
        if connected && self.last_height.try_get_value().flatten() != Some(height) {
            self.last_height.set_value(Some(height));
            self.post(FrameEvent::Resize { height });
        }
    }

    /// Whether a message from `origin` may come from the bank's page.
    fn allows(self, origin: &str) -> bool {
        self.allowed
            .try_with_value(|a| allowed_origin(origin, a).is_some())
            .unwrap_or(false)
    }
}

/// The document's height in whole CSS pixels (rounded up, so nothing is cut off).
fn content_height() -> u32 {
    document()
        .document_element()
        .map(|e| e.get_bounding_client_rect().height().ceil().max(0.0) as u32)
        .unwrap_or(0)
}

/// Tells `parent` each new height of the document, for the life of the page.
fn observe_height(parent: Parent) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let Some(root) = document().document_element() else {
        return;
    };
    let callback = Closure::<dyn FnMut()>::new(move || parent.resize(content_height()));
    if let Ok(observer) = web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref()) {
        observer.observe(&root);
        // Both live as long as the page.
        std::mem::forget(observer);
        callback.forget();
    }
}

#[component]
pub fn Frame(bank_id: String) -> impl IntoView {
    let lang = use_lang();
    let lang_ctx = use_context::<LangContext>();
    let parent = Parent::new();

    // The bank list: the one the server wrote into the page, so the first frame already shows
    // the bank (nothing arrives later to push the page down); else asked for once (a plain
    // task: no resource machinery in this bundle).
    let banks = RwSignal::new(super::boot().map(|b| Ok::<_, ApiError>(b.banks.clone())));
    let load_banks = move || {
        banks.set(None);
        leptos::task::spawn_local(async move {
            let list = api::banks(&api::Cancel::new()).await;
            banks.set(Some(list));
        });
    };
    if banks.with_untracked(Option::is_none) {
        load_banks();
    }
    let bank_id = StoredValue::new(bank_id);
    let bank = Memo::new(move |_| {
        banks.with(|b| {
            b.as_ref().map(|r| {
                r.as_ref()
                    .map(|list| bank_id.with_value(|id| embeddable(list, id)))
                    .map_err(Clone::clone)
            })
        })
    });
    let ready_bank = Memo::new(move |_| match bank.get() {
        Some(Ok(Ok(b))) => Some(b),
        _ => None,
    });
    let bank_name = Signal::derive(move || {
        ready_bank
            .with(|b| b.as_ref().map(|b| b.name.get(lang.get()).to_string()))
            .unwrap_or_else(|| bank_id.get_value())
    });

    // The whole page coming back from the bank: wait for that registration.
    let form = Form::new(
        ready_bank,
        bank_name,
        match take_pending() {
            Some(p) => Step::Waiting(Started {
                registration_id: p.registration_id,
                frame_token: p.frame_token,
                popup: false,
            }),
            None => Step::Phone,
        },
    );
    let Form {
        step,
        typed,
        phone_error,
        checked,
        consent_error,
        server_error,
        busy,
        wait_error,
        timed_out,
        polling,
        popup_open,
        ..
    } = form;
    let step_name = Memo::new(move |_| step.with(Step::name));
    let redirecting = RwSignal::new(false);
    let popup = StoredValue::new_local(None::<web_sys::Window>);
    let connected = RwSignal::new(false);

    let report = move |e: &ApiError| parent.post(error_event(e));

    // The bank's answer, from polling or from the bank's window: the outcome, once.
    let finish = move |registration_id: &str, status: StatusSummary| {
        let waiting_for_it = step.with_untracked(
            |s| matches!(s, Step::Waiting(w) if w.registration_id == registration_id),
        );
        if waiting_for_it && status.state != RegistrationState::AwaitingBank {
            step.set(Step::Status(status));
        }
    };

    // One listener for both: the bank's page (language) and the bank's window (hand-back).
    let own_origin = window().location().origin().unwrap_or_default();
    let listener = window_event_listener(leptos::ev::message, move |ev: web_sys::MessageEvent| {
        let Some(json) = data_json(&ev.data()) else {
            return;
        };
        let origin = ev.origin();
        if origin == own_origin {
            // From the bank's window (the portal's origin): the one-time code.
            let (Some(code), Step::Waiting(started)) =
                (HandbackMessage::parse(&json), step.get_untracked())
            else {
                return;
            };
            leptos::task::spawn_local(async move {
                let token = started.frame_token.as_deref();
                match api::embed_handback(&code, token, &api::Cancel::new()).await {
                    Ok(status) => finish(&started.registration_id, status),
                    // Polling carries on: the outcome still comes that way.
                    Err(e) => {
                        report(&e);
                        wait_error.set(Some(e));
                    }
                }
            });
        } else if parent.allows(&origin)
            && parent_window().is_some_and(|p| is_window(ev.source().as_ref(), &p))
        {
            // From the bank's page: shown in its language, never remembered.
            if let (Some(ParentMessage::Locale(l)), Some(LangContext(signal))) =
                (ParentMessage::parse(&json), lang_ctx)
            {
                signal.set(l);
            }
        }
    });
    on_cleanup(move || listener.remove());

    // The bank known to embed the portal: the line to its page opens (also when it cannot be
    // used right now, to say so there).
    Effect::new(move |_| {
        let origins = banks.with(|b| {
            let list = b.as_ref()?.as_ref().ok()?;
            let bank = bank_id.with_value(|id| list.iter().find(|b| &b.id == id))?;
            (!bank.embed_origins.is_empty()).then(|| bank.embed_origins.clone())
        });
        if let (Some(origins), false) = (origins, connected.get_untracked()) {
            parent.connect(&origins);
            connected.set(true);
        }
    });
    Effect::new(move |_| {
        if let (true, Some(Ok(Err(code)))) = (connected.get(), bank.get()) {
            parent.post(FrameEvent::Error {
                code,
                trace_id: String::new(),
            });
        }
    });

    // Each step, and the outcome, to the bank's page.
    Effect::new(move |_| {
        let name = step_name.get();
        if !connected.get() {
            return;
        }
        parent.post(FrameEvent::Step { name });
        if let Step::Status(s) = step.get_untracked() {
            parent.post(FrameEvent::Done {
                status: s.state,
                request_number: s.request_number,
            });
        }
    });

    // A new step gets focus, as a new page would (not on load: the bank's page keeps it).
    let first = StoredValue::new(true);
    Effect::new(move |_| {
        step_name.track();
        if first.get_value() {
            first.set_value(false);
            return;
        }
        request_animation_frame(|| {
            focus_element(MAIN_ID);
        });
    });

    // Waiting: ask every 2 s, for 10 minutes at most. The task ends with the waiting.
    let waiting = Memo::new(move |_| match step.get() {
        Step::Waiting(s) => Some(s),
        _ => None,
    });
    Effect::new(move |_| {
        let Some(started) = waiting.get() else {
            return;
        };
        wait_error.set(None);
        timed_out.set(false);
        polling.set(true);
        let cancel = api::Cancel::on_cleanup();
        leptos::task::spawn_local_scoped_with_cancellation(async move {
            let since = js_sys::Date::now();
            loop {
                let token = started.frame_token.as_deref();
                let result = api::registration_status_as::<StatusSummary>(
                    &started.registration_id,
                    token,
                    &cancel,
                )
                .await;
                match result {
                    Err(e) if e.aborted => return,
                    Ok(s) if s.state != RegistrationState::AwaitingBank => {
                        finish(&started.registration_id, s);
                        return;
                    }
                    Ok(_) => {}
                    // A hiccup: ask again.
                    Err(e) if e.code.retryable() || e.status == 0 => {}
                    Err(e) => {
                        report(&e);
                        polling.set(false);
                        wait_error.set(Some(e));
                        return;
                    }
                }
                let open = popup.try_with_value(|w| {
                    w.as_ref()
                        .is_some_and(|w| w.closed().map(|c| !c).unwrap_or(false))
                });
                popup_open.set(open == Some(true));
                if js_sys::Date::now() - since >= WAIT_LIMIT_MS {
                    polling.set(false);
                    timed_out.set(true);
                    return;
                }
                api::sleep_ms(POLL_MS).await;
            }
        });
    });

    let start_again = move || {
        popup.update_value(|w| {
            if let Some(w) = w.take() {
                let _ = w.close();
            }
        });
        popup_open.set(false);
        busy.set(false);
        redirecting.set(false);
        checked.set(false);
        server_error.set(None);
        consent_error.set(None);
        wait_error.set(None);
        timed_out.set(false);
        step.set(Step::Phone);
    };

    let on_phone = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // The server's rule: a bank confirms only its own country's numbers.
        let checked = match ready_bank.get_untracked() {
            Some(b) => normalize_phone_for(&typed.get_untracked(), b.country),
            None => normalize_phone(&typed.get_untracked()),
        };
        match checked {
            Ok(e164) => {
                phone_error.set(None);
                step.set(Step::Consent(e164));
            }
            Err(code) => phone_error.set(Some(code)),
        }
    };

    // "Continue": the bank's window must open now, in the click, or the browser blocks it.
    let on_consent = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        if !checked.get_untracked() {
            consent_error.set(Some(ErrorCode::FieldConsentRequired));
            return;
        }
        consent_error.set(None);
        let (Step::Consent(phone), Some(b)) = (step.get_untracked(), ready_bank.get_untracked())
        else {
            return;
        };
        let opened = window()
            .open_with_url_and_target_and_features("about:blank", POPUP_NAME, POPUP_FEATURES)
            .ok()
            .flatten();
        let embed = match opened {
            Some(_) => EmbedStart::Popup {},
            // Without a page to come back to the server refuses the start (FIELD_RETURN_URL),
            // which the consent step then shows.
            None => EmbedStart::Top {
                return_url: param("return")
                    .or_else(|| {
                        return_url(&referrer(), ancestor_origin().as_deref(), &b.embed_origins)
                    })
                    .unwrap_or_default(),
            },
        };
        let body = StartRegistration {
            bank_id: b.id,
            phone,
            consent: ConsentAcceptance {
                accepted: true,
                version: CONSENT_VERSION.to_string(),
            },
            lang: Some(lang.get_untracked()),
            embed: Some(embed),
        };
        busy.set(true);
        server_error.set(None);
        popup.set_value(opened.clone());
        leptos::task::spawn_local(async move {
            let result = api::start_registration(&body, &api::Cancel::new()).await;
            let failed = |e: ApiError| {
                if let Some(w) = &opened {
                    let _ = w.close();
                }
                report(&e);
                busy.set(false);
                redirecting.set(false);
                server_error.set(Some(e));
            };
            let started = match result {
                Ok(s) if is_web_url(&s.authorize_url) => s,
                Ok(_) => return failed(ApiError::local(ErrorCode::Internal)),
                Err(e) => return failed(e),
            };
            if let Some(w) = &opened {
                let _ = w.location().set_href(&started.authorize_url);
                busy.set(false);
                popup_open.set(true);
                step.set(Step::Waiting(Started {
                    registration_id: started.registration_id,
                    frame_token: started.frame_token,
                    popup: true,
                }));
                return;
            }
            // The whole page goes; this document goes with it. Coming back, the frame picks the
            // registration up from sessionStorage (and removes it at once).
            keep_pending(&Pending {
                registration_id: started.registration_id,
                frame_token: started.frame_token,
            });
            redirecting.set(true);
            let gone = window()
                .top()
                .ok()
                .flatten()
                .is_some_and(|top| top.location().set_href(&started.authorize_url).is_ok());
            if !gone {
                drop_pending();
                failed(ApiError::local(ErrorCode::Internal));
            }
        });
    };

    let show_popup = move || {
        popup.with_value(|w| {
            if let Some(w) = w {
                let _ = w.focus();
            }
        })
    };

    use_title(
        move |l| match bank.get() {
            None => et(l, EmbedKey::Loading).to_string(),
            Some(Err(_)) => et(l, EmbedKey::BanksLoadFailed).to_string(),
            Some(Ok(Err(code))) => code.message(l).to_string(),
            Some(Ok(Ok(b))) => match step.get() {
                Step::Phone => et(l, EmbedKey::PhoneQuestion).to_string(),
                Step::Consent(_) => et(l, EmbedKey::ConsentTitle).to_string(),
                Step::Waiting(w) if w.popup => {
                    et_with(l, EmbedKey::WaitingPopupTitle, "bank", b.name.get(l))
                }
                Step::Waiting(_) => et(l, EmbedKey::StatusAwaitingTitle).to_string(),
                Step::Status(s) => et(l, state_texts(s.state).0).to_string(),
            },
        },
        Signal::derive(move || {
            matches!(bank.get(), Some(Err(_)) | Some(Ok(Err(_))))
                || phone_error.get().is_some()
                || consent_error.get().is_some()
                || server_error.get().is_some()
                || wait_error.get().is_some()
        }),
    );

    // One live region for what changes without the citizen doing anything.
    let announcement = move || {
        let l = lang.get();
        match step.get() {
            Step::Status(s) => et(l, state_texts(s.state).0),
            _ if timed_out.get() => et(l, EmbedKey::TimedOutTitle),
            _ if redirecting.get() => et(l, EmbedKey::Redirecting),
            _ => "",
        }
    };

    let steps = move || match step.get() {
        Step::Phone => phone_step(form, on_phone).into_any(),
        Step::Consent(phone) => consent_step(form, phone, on_consent).into_any(),
        Step::Waiting(started) => {
            waiting_step(form, started.popup, show_popup, start_again).into_any()
        }
        Step::Status(s) => outcome(s, start_again).into_any(),
    };

    let content = move || {
        match bank.get() {
        None => view! { <p class="bp-body bp-loading">{etr(EmbedKey::Loading)}</p> }.into_any(),
        Some(Err(e)) => view! {
            <div class="bp-panel bp-panel--error">
                {problem(e.code, e.trace_id, true)}
                <button type="button" class="bp-button bp-button--secondary" on:click=move |_| load_banks()>
                    {etr(EmbedKey::TryAgain)}
                </button>
            </div>
        }
        .into_any(),
        Some(Ok(Err(code))) => problem(code, None, true).into_any(),
        Some(Ok(Ok(_))) => steps.into_any(),
    }
    };

    view! {
        <Shell bank=ready_bank>
            {content}
            <p class="bp-visually-hidden" role="status">{announcement}</p>
        </Shell>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bankid_api::i18n::Localized;
    use bankid_api::types::Country;

    fn bank(id: &str, origins: &[&str], workable: bool) -> BankInfo {
        BankInfo {
            id: id.into(),
            name: Localized {
                ru: id.into(),
                uk: id.into(),
                en: id.into(),
            },
            country: Country::Ru,
            logo: format!("/logos/{id}.svg"),
            color: "#000000".into(),
            workable,
            capabilities: Vec::new(),
            fields: Vec::new(),
            embed_origins: origins.iter().map(|o| o.to_string()).collect(),
        }
    }

    #[test]
    fn only_known_embedding_workable_banks_are_framed() {
        let list = [
            bank("sber", &["http://127.0.0.2:8082"], true),
            bank("vtb", &[], true),
            bank("alfa", &["https://alfa.example"], false),
        ];
        assert_eq!(embeddable(&list, "sber").map(|b| b.id), Ok("sber".into()));
        assert_eq!(embeddable(&list, "nope"), Err(ErrorCode::FieldBankUnknown));
        assert_eq!(embeddable(&list, "vtb"), Err(ErrorCode::EmbedNotAllowed));
        assert_eq!(embeddable(&list, "alfa"), Err(ErrorCode::BankUnavailable));
    }

    #[test]
    fn consent_problems_point_at_the_box_or_explain_themselves() {
        assert!(consent_problems(None, None).is_empty());
        assert_eq!(
            consent_problems(Some(ErrorCode::FieldConsentRequired), None),
            [Problem {
                field: Some(CONSENT_ID),
                code: ErrorCode::FieldConsentRequired
            }]
        );
        let mut refused = ApiError::local(ErrorCode::ReqInvalidFields);
        refused
            .fields
            .insert("consent.version".into(), ErrorCode::FieldConsentVersion);
        refused
            .fields
            .insert("embed.return_url".into(), ErrorCode::FieldReturnUrl);
        assert_eq!(
            consent_problems(None, Some(&refused)),
            [
                Problem {
                    field: Some(CONSENT_ID),
                    code: ErrorCode::FieldConsentVersion
                },
                Problem {
                    field: None,
                    code: ErrorCode::FieldReturnUrl
                },
            ]
        );
        let down = ApiError::local(ErrorCode::BankUnreachable);
        assert_eq!(
            consent_problems(None, Some(&down)),
            [Problem {
                field: None,
                code: ErrorCode::BankUnreachable
            }]
        );
    }

    #[test]
    fn errors_go_to_the_bank_page_as_code_and_trace_id() {
        let mut e = ApiError::local(ErrorCode::EmbedCodeInvalid);
        assert_eq!(
            error_event(&e),
            FrameEvent::Error {
                code: ErrorCode::EmbedCodeInvalid,
                trace_id: String::new()
            }
        );
        e.trace_id = Some("t-9".into());
        assert_eq!(
            message_json(error_event(&e)),
            r#"{"protocol":"bankid-portal/1","type":"error","code":"EMBED_CODE_INVALID","trace_id":"t-9"}"#
        );
    }

    #[test]
    fn steps_have_their_message_names() {
        let started = Started {
            registration_id: "r".into(),
            frame_token: None,
            popup: true,
        };
        assert_eq!(Step::Phone.name(), EmbedStep::Phone);
        assert_eq!(Step::Consent("+7".into()).name(), EmbedStep::Consent);
        assert_eq!(Step::Waiting(started).name(), EmbedStep::Bank);
    }
}
