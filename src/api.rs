//! The only place that talks HTTP. Every answer becomes either the typed body or an [`ApiError`]
//! built by [`error_from_response`]; components never see a status code or a raw body.
//!
//! Resilience, all here and nowhere else:
//! - **Retries.** Idempotent requests — GETs, and POSTs carrying an `Idempotency-Key` — are
//!   repeated after a network failure, a 502/503/504 or `REQ_IN_PROGRESS`, with bounded
//!   exponential backoff and full jitter ([`RETRY`], [`should_retry`]). A POST's key is made once
//!   per call, i.e. once per submission by the citizen, and sent again with every retry, so the
//!   server applies it once and replays its answer.
//! - **Timeout.** Each attempt is aborted after [`REQUEST_TIMEOUT_MS`] and reported as
//!   [`ErrorCode::NetTimeout`].
//! - **Cancellation.** A [`Cancel`] made with [`Cancel::on_cleanup`] aborts the requests of the
//!   component that started them when it is unmounted (navigation); such a request ends with an
//!   error whose [`ApiError::aborted`] is set, which callers drop without showing anything.
//! - **Activity.** Every call counts in [`activity`] while it runs (retries and waits included),
//!   so the layout can show a progress indicator when a call is slow.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use bankid_api::embed::Handback;
use bankid_api::types::{
    ActivationCodeSent, BackupCodes, BankInfo, Channel, ConfirmActivation, ConsentRecord,
    DevMessage, LinkBank, LinkedBank, MfaCode, RegistrationStarted, RegistrationState,
    RegistrationStatus, SendActivationCode, SessionInfo, SignInStarted, StartRegistration,
    StartSignIn, TotpEnrolment,
};
use bankid_api::ErrorCode;
use gloo_net::http::{Request, Response};
use leptos::prelude::{ArcRwSignal, Set, Update};
use send_wrapper::SendWrapper;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// How long one attempt may take, answer body included, before it is abandoned.
pub const REQUEST_TIMEOUT_MS: u32 = 15_000;

/// Bounded exponential backoff with full jitter (the AWS Architecture Blog's "full jitter"):
/// before retry `n` (1 = the first retry) wait a uniformly random time in
/// `[0, min(cap, base · 2^(n−1))]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Ceiling of the first wait.
    pub base_ms: u32,
    /// No wait is longer than this.
    pub cap_ms: u32,
    /// Attempts in all, the first one included.
    pub max_attempts: u32,
}

/// The policy of every API call: 300 ms, 600 ms, 1.2 s ceilings, at most 4 attempts in all.
pub const RETRY: RetryPolicy = RetryPolicy {
    base_ms: 300,
    cap_ms: 4_000,
    max_attempts: 4,
};

impl RetryPolicy {
    /// The longest wait before retry `retry` (1-based): `min(cap, base · 2^(retry−1))`.
    pub fn ceiling_ms(&self, retry: u32) -> u32 {
        let doubling = 1u32
            .checked_shl(retry.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.base_ms.saturating_mul(doubling).min(self.cap_ms)
    }

    /// The wait before retry `retry`: `unit` (a random number in `[0, 1)`) times the ceiling.
    /// Out-of-range `unit`s are clamped, so the wait never exceeds the ceiling.
    pub fn delay_ms(&self, retry: u32, unit: f64) -> u32 {
        let unit = if unit.is_nan() {
            0.0
        } else {
            unit.clamp(0.0, 1.0)
        };
        let ceiling = self.ceiling_ms(retry);
        ((f64::from(ceiling) * unit) as u32).min(ceiling)
    }
}

/// A failed API call, ready to show: the code maps to a message with [`ErrorCode::message`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: ErrorCode,
    /// The server's correlation id, for the citizen to quote to support.
    pub trace_id: Option<String>,
    /// Field name (as in the request body) → what is wrong with it.
    pub fields: BTreeMap<String, ErrorCode>,
    /// HTTP status; 0 when the request never got an answer.
    pub status: u16,
    /// The request was abandoned because its page went away ([`Cancel`]): show nothing.
    pub aborted: bool,
    /// Seconds until trying again makes sense (rate limits), when the server said so.
    pub retry_after: Option<u32>,
}

impl ApiError {
    /// An error produced in the browser (no server answer).
    pub fn local(code: ErrorCode) -> Self {
        ApiError {
            code,
            trace_id: None,
            fields: BTreeMap::new(),
            status: 0,
            aborted: false,
            retry_after: None,
        }
    }

    /// A request abandoned by [`Cancel::cancel`].
    pub fn aborted() -> Self {
        ApiError {
            aborted: true,
            ..ApiError::local(ErrorCode::NetOffline)
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.code)?;
        if let Some(t) = &self.trace_id {
            write!(f, " (trace {t})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// THE retry decision, after attempt number `attempt` (1-based) failed with `error`.
///
/// Only idempotent requests are repeated (`idempotent`: a GET, or a POST with an
/// `Idempotency-Key`), at most [`RetryPolicy::max_attempts`] times in all, and only for failures
/// that another try may cure: no answer at all (network), 502/503/504, and `REQ_IN_PROGRESS`
/// (the same key is still being processed). A timeout is not retried: the citizen has already
/// waited [`REQUEST_TIMEOUT_MS`]. An aborted request is never retried.
pub fn should_retry(
    policy: &RetryPolicy,
    idempotent: bool,
    attempt: u32,
    error: &ApiError,
) -> bool {
    idempotent && attempt < policy.max_attempts && is_transient(error)
}

/// Whether `error` is a failure that the very same request may not meet again.
pub fn is_transient(error: &ApiError) -> bool {
    if error.aborted {
        return false;
    }
    match error.status {
        0 => error.code == ErrorCode::NetOffline,
        502..=504 => true,
        _ => error.code == ErrorCode::ReqInProgress,
    }
}

/// The error body, read leniently: an unknown future code must not turn into a parse failure.
#[derive(Deserialize)]
struct LooseErrorBody {
    code: String,
    #[serde(default)]
    fields: Option<BTreeMap<String, String>>,
    #[serde(default)]
    trace_id: Option<String>,
    #[serde(default)]
    retry_after: Option<u32>,
}

/// THE mapping from an HTTP answer to an [`ApiError`]. `body` is the response text,
/// `header_trace_id` the `x-trace-id` header if the server sent one.
pub fn error_from_response(status: u16, body: &str, header_trace_id: Option<String>) -> ApiError {
    let fallback = fallback_code(status);
    match serde_json::from_str::<LooseErrorBody>(body) {
        Ok(b) => {
            // Inserted one by one: collecting into a map would link a sort (about 1 KB of wasm
            // in every bundle) for keys that arrive sorted anyway.
            let mut fields = BTreeMap::new();
            for (k, v) in b.fields.unwrap_or_default() {
                fields.insert(k, ErrorCode::parse(&v).unwrap_or(ErrorCode::FieldWrongType));
            }
            ApiError {
                code: ErrorCode::parse(&b.code).unwrap_or(fallback),
                trace_id: b.trace_id.filter(|t| !t.is_empty()).or(header_trace_id),
                fields,
                status,
                aborted: false,
                retry_after: b.retry_after,
            }
        }
        Err(_) => ApiError {
            code: fallback,
            trace_id: header_trace_id,
            fields: BTreeMap::new(),
            status,
            aborted: false,
            retry_after: None,
        },
    }
}

/// The code for a status whose body says nothing usable (a proxy's HTML page, an empty body).
fn fallback_code(status: u16) -> ErrorCode {
    match status {
        400 => ErrorCode::ReqInvalidFields,
        401 | 403 => ErrorCode::AuthSessionRequired,
        404 => ErrorCode::ReqNotFound,
        405 => ErrorCode::ReqMethodNotAllowed,
        409 => ErrorCode::BankUnavailable,
        413 => ErrorCode::ReqBodyTooLarge,
        415 => ErrorCode::ReqUnsupportedMediaType,
        429 => ErrorCode::RateLimited,
        502 | 503 => ErrorCode::ServiceUnavailable,
        504 => ErrorCode::NetTimeout,
        _ => ErrorCode::Internal,
    }
}

// ---------------------------------------------------------------------------------------------
// Cancellation

/// Aborts in-flight requests on demand. Cheap to clone; clones share the state.
///
/// Made with [`Cancel::on_cleanup`] it cancels itself when the current reactive owner (the
/// component or effect that started the requests) is cleaned up, e.g. on navigation.
#[derive(Clone)]
pub struct Cancel(SendWrapper<Rc<CancelInner>>);

#[derive(Default)]
struct CancelInner {
    cancelled: Cell<bool>,
    next_id: Cell<u32>,
    /// The controllers of the attempts in flight, by attempt id.
    in_flight: RefCell<Vec<(u32, web_sys::AbortController)>>,
}

impl Cancel {
    /// A canceller that only [`Cancel::cancel`] triggers.
    pub fn new() -> Self {
        Cancel(SendWrapper::new(Rc::new(CancelInner::default())))
    }

    /// A canceller triggered when the current reactive owner is cleaned up.
    pub fn on_cleanup() -> Self {
        let cancel = Cancel::new();
        let on_drop = cancel.clone();
        leptos::prelude::on_cleanup(move || on_drop.cancel());
        cancel
    }

    /// Aborts every request in flight and refuses new ones.
    pub fn cancel(&self) {
        self.0.cancelled.set(true);
        let controllers = std::mem::take(&mut *self.0.in_flight.borrow_mut());
        for (_, controller) in controllers {
            controller.abort();
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.cancelled.get()
    }

    fn register(&self, controller: &web_sys::AbortController) -> u32 {
        let id = self.0.next_id.get().wrapping_add(1);
        self.0.next_id.set(id);
        self.0.in_flight.borrow_mut().push((id, controller.clone()));
        id
    }

    fn unregister(&self, id: u32) {
        self.0.in_flight.borrow_mut().retain(|(i, _)| *i != id);
    }
}

impl Default for Cancel {
    fn default() -> Self {
        Cancel::new()
    }
}

// ---------------------------------------------------------------------------------------------
// Activity (for the progress indicator)

/// What the API calls in flight are doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Activity {
    /// GETs in flight.
    pub loading: u32,
    /// POSTs in flight.
    pub sending: u32,
}

impl Activity {
    pub fn busy(&self) -> bool {
        self.loading > 0 || self.sending > 0
    }
}

/// The kind of an API call, for [`Activity`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityKind {
    Loading,
    Sending,
}

thread_local! {
    static ACTIVITY: ArcRwSignal<Activity> = ArcRwSignal::new(Activity::default());
}

thread_local! {
    static SESSION_CONTACT: ArcRwSignal<f64> = ArcRwSignal::new(f64::NAN);
}

/// When (ms since the epoch) the server last answered a call that used the session, and so
/// restarted its idle timer; NaN before the first. The idle warning counts from it.
pub fn session_contact() -> ArcRwSignal<f64> {
    SESSION_CONTACT.with(Clone::clone)
}

/// Whether a successful call to `url` used (and so kept alive) the signed-in session.
pub fn touches_session(method_is_delete: bool, url: &str) -> bool {
    let path = url.split('?').next().unwrap_or(url);
    let session = path == "/api/v1/session" || path.starts_with("/api/v1/session/");
    (session && !method_is_delete) || path.starts_with("/api/v1/account/")
}

/// The calls in flight, as a signal (reading it in a reactive context subscribes).
pub fn activity() -> ArcRwSignal<Activity> {
    ACTIVITY.with(Clone::clone)
}

/// Counts one call in [`activity`] until dropped (also when the call's future is dropped).
#[must_use]
pub struct ActivityGuard(ActivityKind);

/// Starts counting one call of `kind`.
pub fn begin_activity(kind: ActivityKind) -> ActivityGuard {
    change_activity(kind, true);
    ActivityGuard(kind)
}

impl Drop for ActivityGuard {
    fn drop(&mut self) {
        change_activity(self.0, false);
    }
}

fn change_activity(kind: ActivityKind, up: bool) {
    ACTIVITY.with(|signal| {
        signal.update(|a| {
            let n = match kind {
                ActivityKind::Loading => &mut a.loading,
                ActivityKind::Sending => &mut a.sending,
            };
            *n = if up {
                n.saturating_add(1)
            } else {
                n.saturating_sub(1)
            };
        })
    });
}

// ---------------------------------------------------------------------------------------------
// Sending

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Post,
    Delete,
}

/// One logical call: the same for every attempt.
struct Call<'a> {
    method: Method,
    url: &'a str,
    /// JSON text of the body (POST).
    body: Option<String>,
    idempotency_key: Option<String>,
    /// The embedded frame's credential for its registration, sent as `Authorization: Bearer`.
    bearer: Option<&'a str>,
}

impl Call<'_> {
    fn idempotent(&self) -> bool {
        self.method == Method::Get || self.idempotency_key.is_some()
    }
}

/// A successful answer, before it is read as a type: the request machinery below is not generic,
/// so it exists once in the wasm rather than once per endpoint.
struct Answer {
    status: u16,
    text: String,
    trace_id: Option<String>,
}

/// Reads a successful answer as `T`. 204 No Content (any empty success) reads as JSON `null`,
/// i.e. `()`.
fn parse<T: DeserializeOwned>(answer: Answer) -> Result<T, ApiError> {
    let text = if answer.text.trim().is_empty() {
        "null"
    } else {
        answer.text.as_str()
    };
    serde_json::from_str(text).map_err(|_| ApiError {
        trace_id: answer.trace_id,
        status: answer.status,
        ..ApiError::local(ErrorCode::Internal)
    })
}

async fn read_answer(resp: Response) -> Result<Answer, ApiError> {
    let status = resp.status();
    let trace_id = resp.headers().get("x-trace-id");
    let text = resp
        .text()
        .await
        .map_err(|_| ApiError::local(ErrorCode::NetOffline))?;
    if (200..300).contains(&status) {
        Ok(Answer {
            status,
            text,
            trace_id,
        })
    } else {
        Err(error_from_response(status, &text, trace_id))
    }
}

/// Runs `call` and reads the answer as `T`.
async fn run<T: DeserializeOwned>(call: Call<'_>, cancel: &Cancel) -> Result<T, ApiError> {
    // Boxed: every endpoint shares one compiled copy of the sending state machine.
    let sending: std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<Answer, ApiError>> + '_>,
    > = Box::pin(send(call, cancel));
    parse(sending.await?)
}

/// Sends `call`, retrying as [`should_retry`] says.
async fn send(call: Call<'_>, cancel: &Cancel) -> Result<Answer, ApiError> {
    let _activity = begin_activity(match call.method {
        Method::Get => ActivityKind::Loading,
        Method::Post | Method::Delete => ActivityKind::Sending,
    });
    let mut attempt = 1;
    loop {
        if cancel.is_cancelled() {
            return Err(ApiError::aborted());
        }
        let result = attempt_once(&call, cancel).await;
        if result.is_ok() && touches_session(call.method == Method::Delete, call.url) {
            SESSION_CONTACT.with(|c| c.set(js_sys::Date::now()));
        }
        match result {
            Err(e) if should_retry(&RETRY, call.idempotent(), attempt, &e) => {
                sleep_ms(RETRY.delay_ms(attempt, js_sys::Math::random())).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// One attempt with its own abort controller, fired by the timeout or by `cancel`.
async fn attempt_once(call: &Call<'_>, cancel: &Cancel) -> Result<Answer, ApiError> {
    let controller = web_sys::AbortController::new().ok();
    let registration = controller.as_ref().map(|c| cancel.register(c));
    let timed_out = Rc::new(Cell::new(false));
    let _timer = {
        let (controller, timed_out) = (controller.clone(), timed_out.clone());
        Timer::start(REQUEST_TIMEOUT_MS, move || {
            timed_out.set(true);
            if let Some(c) = &controller {
                c.abort();
            }
        })
    };
    let signal = controller.as_ref().map(|c| c.signal());

    let mut builder = match call.method {
        Method::Get => Request::get(call.url),
        Method::Post => Request::post(call.url),
        Method::Delete => Request::delete(call.url),
    }
    .header("Accept", "application/json")
    .abort_signal(signal.as_ref());
    if let Some(key) = &call.idempotency_key {
        builder = builder.header("Idempotency-Key", key);
    }
    if let Some(token) = call.bearer {
        builder = builder.header("Authorization", &format!("Bearer {token}"));
    }
    let request = match &call.body {
        Some(json) => builder
            .header("Content-Type", "application/json")
            .body(json.as_str()),
        None => builder.build(),
    };
    let result = match request {
        Ok(request) => match request.send().await {
            Ok(resp) => read_answer(resp).await,
            Err(_) => Err(ApiError::local(ErrorCode::NetOffline)),
        },
        Err(_) => Err(ApiError::local(ErrorCode::Internal)),
    };
    if let Some(id) = registration {
        cancel.unregister(id);
    }
    if cancel.is_cancelled() {
        return Err(ApiError::aborted());
    }
    match result {
        Err(e) if e.status == 0 && timed_out.get() => Err(ApiError::local(ErrorCode::NetTimeout)),
        other => other,
    }
}

/// A `setTimeout` that is cleared when dropped.
struct Timer {
    handle: Option<i32>,
    _callback: Closure<dyn FnMut()>,
}

impl Timer {
    fn start(ms: u32, f: impl FnOnce() + 'static) -> Timer {
        let mut f = Some(f);
        let callback = Closure::<dyn FnMut()>::new(move || {
            if let Some(f) = f.take() {
                f();
            }
        });
        let handle = web_sys::window().and_then(|w| {
            w.set_timeout_with_callback_and_timeout_and_arguments_0(
                callback.as_ref().unchecked_ref(),
                i32::try_from(ms).unwrap_or(i32::MAX),
            )
            .ok()
        });
        Timer {
            handle,
            _callback: callback,
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        if let (Some(handle), Some(w)) = (self.handle, web_sys::window()) {
            w.clear_timeout_with_handle(handle);
        }
    }
}

/// `GET /api/v1/banks`.
pub async fn banks(cancel: &Cancel) -> Result<Vec<BankInfo>, ApiError> {
    let call = Call {
        method: Method::Get,
        url: "/api/v1/banks",
        body: None,
        idempotency_key: None,
        bearer: None,
    };
    run(call, cancel).await
}

/// `GET /api/v1/registrations/{id}`.
pub async fn registration(id: &str, cancel: &Cancel) -> Result<RegistrationStatus, ApiError> {
    registration_status_as(id, None, cancel).await
}

/// What the embedded frame reads of a [`RegistrationStatus`]: what it shows, nothing more (no
/// journal, no name), so that its bundle does not carry the decoding of the rest.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StatusSummary {
    pub registration_id: String,
    pub request_number: String,
    pub state: RegistrationState,
    /// Why it was rejected or failed; an unknown code reads as `None`.
    #[serde(default, deserialize_with = "lenient_code")]
    pub reason: Option<ErrorCode>,
    #[serde(default)]
    pub trace_id: Option<String>,
}

/// An error code read through [`ErrorCode::parse`] (not serde's derive: smaller, and lenient).
fn lenient_code<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<ErrorCode>, D::Error> {
    let code: Option<String> = Deserialize::deserialize(d)?;
    Ok(code.as_deref().and_then(ErrorCode::parse))
}

/// `GET /api/v1/registrations/{id}` read as `T` ([`RegistrationStatus`] or [`StatusSummary`]),
/// as the embedded frame that started it when `frame_token` is given (`Authorization: Bearer`;
/// over https the frame's partitioned cookie speaks instead).
pub async fn registration_status_as<T: DeserializeOwned>(
    id: &str,
    frame_token: Option<&str>,
    cancel: &Cancel,
) -> Result<T, ApiError> {
    let url = format!("/api/v1/registrations/{}", encode_segment(id));
    let call = Call {
        method: Method::Get,
        url: &url,
        body: None,
        idempotency_key: None,
        bearer: frame_token,
    };
    run(call, cancel).await
}

/// `POST /api/v1/embed/handback`: the one-time `code` the bank's window handed back to the frame,
/// with the frame's credential; answers where the registration stands.
pub async fn embed_handback(
    code: &str,
    frame_token: Option<&str>,
    cancel: &Cancel,
) -> Result<StatusSummary, ApiError> {
    let body = Handback {
        code: code.to_string(),
    };
    post_as("/api/v1/embed/handback", &body, frame_token, cancel).await
}

/// `POST /api/v1/registrations`. One call is one submission by the citizen: it gets a fresh
/// `Idempotency-Key`, which its retries reuse (so the server starts one registration at most).
/// An embedded start (`body.embed`) answers the frame's credential in `frame_token` (plain http).
pub async fn start_registration(
    body: &StartRegistration,
    cancel: &Cancel,
) -> Result<RegistrationStarted, ApiError> {
    let json = serde_json::to_string(body).map_err(|_| ApiError::local(ErrorCode::Internal))?;
    let call = Call {
        method: Method::Post,
        url: "/api/v1/registrations",
        body: Some(json),
        idempotency_key: Some(idempotency_key()),
        bearer: None,
    };
    run(call, cancel).await
}

/// A GET of `url`.
async fn get<T: DeserializeOwned>(url: &str, cancel: &Cancel) -> Result<T, ApiError> {
    let call = Call {
        method: Method::Get,
        url,
        body: None,
        idempotency_key: None,
        bearer: None,
    };
    run(call, cancel).await
}

/// A POST of `body` to `url` with a fresh `Idempotency-Key` (one per submission; retries reuse it).
async fn post<B: serde::Serialize, T: DeserializeOwned>(
    url: &str,
    body: &B,
    cancel: &Cancel,
) -> Result<T, ApiError> {
    post_as(url, body, None, cancel).await
}

/// [`post`] with the embedded frame's credential (`Authorization: Bearer`) when given.
async fn post_as<B: serde::Serialize, T: DeserializeOwned>(
    url: &str,
    body: &B,
    bearer: Option<&str>,
    cancel: &Cancel,
) -> Result<T, ApiError> {
    let json = serde_json::to_string(body).map_err(|_| ApiError::local(ErrorCode::Internal))?;
    let call = Call {
        method: Method::Post,
        url,
        body: Some(json),
        idempotency_key: Some(idempotency_key()),
        bearer,
    };
    run(call, cancel).await
}

/// A DELETE of `url`, with an optional JSON body. Not retried: the citizen decides.
async fn delete<B: serde::Serialize>(
    url: &str,
    body: Option<&B>,
    cancel: &Cancel,
) -> Result<(), ApiError> {
    let body = match body {
        Some(b) => {
            Some(serde_json::to_string(b).map_err(|_| ApiError::local(ErrorCode::Internal))?)
        }
        None => None,
    };
    let call = Call {
        method: Method::Delete,
        url,
        body,
        idempotency_key: None,
        bearer: None,
    };
    run(call, cancel).await
}

/// `GET /api/v1/session`: who is signed in (`None`: nobody, 204; 401
/// `AUTH_SECOND_FACTOR_REQUIRED` while the sign-in waits for its second factor).
/// Also keeps the session's idle timer going.
pub async fn session(cancel: &Cancel) -> Result<Option<SessionInfo>, ApiError> {
    get("/api/v1/session", cancel).await
}

/// `DELETE /api/v1/session`: sign out.
pub async fn sign_out(cancel: &Cancel) -> Result<(), ApiError> {
    delete::<()>("/api/v1/session", None, cancel).await
}

/// `POST /api/v1/account/activation`: send an activation code to `channel`.
pub async fn send_activation_code(
    channel: Channel,
    cancel: &Cancel,
) -> Result<ActivationCodeSent, ApiError> {
    post(
        "/api/v1/account/activation",
        &SendActivationCode { channel },
        cancel,
    )
    .await
}

/// `POST /api/v1/account/activation/confirm`: the code from the message; 204 = active.
pub async fn confirm_activation(code: String, cancel: &Cancel) -> Result<(), ApiError> {
    post(
        "/api/v1/account/activation/confirm",
        &ConfirmActivation { code },
        cancel,
    )
    .await
}

/// `GET /api/v1/dev/inbox` (sandbox mode only; 404 otherwise), newest first.
pub async fn dev_inbox(cancel: &Cancel) -> Result<Vec<DevMessage>, ApiError> {
    get("/api/v1/dev/inbox", cancel).await
}

/// `POST /api/v1/account/totp`: start enrolling an authenticator app.
pub async fn totp_enrol(cancel: &Cancel) -> Result<TotpEnrolment, ApiError> {
    post("/api/v1/account/totp", &serde_json::Map::new(), cancel).await
}

/// `POST /api/v1/account/totp/confirm`: the first code from the app; answers the backup codes.
pub async fn totp_confirm(code: String, cancel: &Cancel) -> Result<BackupCodes, ApiError> {
    post("/api/v1/account/totp/confirm", &MfaCode { code }, cancel).await
}

/// `DELETE /api/v1/account/totp` with a TOTP or backup code.
pub async fn totp_disable(code: String, cancel: &Cancel) -> Result<(), ApiError> {
    delete("/api/v1/account/totp", Some(&MfaCode { code }), cancel).await
}

/// `POST /api/v1/account/backup-codes` with a code: a new set, the old one stops working.
pub async fn new_backup_codes(code: String, cancel: &Cancel) -> Result<BackupCodes, ApiError> {
    post("/api/v1/account/backup-codes", &MfaCode { code }, cancel).await
}

/// `POST /api/v1/sessions`: sign in again through `bank_id`; answers where to send the browser.
pub async fn start_sign_in(body: &StartSignIn, cancel: &Cancel) -> Result<SignInStarted, ApiError> {
    post("/api/v1/sessions", body, cancel).await
}

/// `POST /api/v1/session/second-factor`: finish a sign-in with a TOTP or backup code.
pub async fn second_factor(code: String, cancel: &Cancel) -> Result<(), ApiError> {
    post("/api/v1/session/second-factor", &MfaCode { code }, cancel).await
}

/// `GET /api/v1/account/banks`: the banks linked to the account.
pub async fn linked_banks(cancel: &Cancel) -> Result<Vec<LinkedBank>, ApiError> {
    get("/api/v1/account/banks", cancel).await
}

/// `POST /api/v1/account/banks`: link another bank or change banks; answers where to send the
/// browser for the new bank's authentication.
pub async fn link_bank(body: &LinkBank, cancel: &Cancel) -> Result<SignInStarted, ApiError> {
    post("/api/v1/account/banks", body, cancel).await
}

/// `DELETE /api/v1/account/banks/{bank_id}`: retire a linked bank (never the last).
pub async fn remove_bank(bank_id: &str, cancel: &Cancel) -> Result<(), ApiError> {
    let url = format!("/api/v1/account/banks/{}", encode_segment(bank_id));
    delete::<()>(&url, None, cancel).await
}

/// `GET /api/v1/account/consents`: the consent ledger, oldest first.
pub async fn consents(cancel: &Cancel) -> Result<Vec<ConsentRecord>, ApiError> {
    get("/api/v1/account/consents", cancel).await
}

/// `POST /api/v1/account/consents/{id}/withdraw`.
pub async fn withdraw_consent(id: i64, cancel: &Cancel) -> Result<(), ApiError> {
    post(
        &format!("/api/v1/account/consents/{id}/withdraw"),
        &serde_json::Value::Null,
        cancel,
    )
    .await
}

/// A random key so that a POST repeated by the network or by a retry is applied once.
fn idempotency_key() -> String {
    if let Some(uuid) = window_crypto_uuid() {
        return uuid;
    }
    // Not a secret, only unique enough: fall back to Math.random outside secure contexts.
    let a = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    let b = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    let now = js_sys::Date::now() as u64;
    format!("{now:x}-{a:08x}{b:08x}")
}

fn window_crypto_uuid() -> Option<String> {
    let window = web_sys::window()?;
    let crypto = window.crypto().ok()?;
    if !window.is_secure_context() {
        return None;
    }
    Some(crypto.random_uuid())
}

/// Percent-encodes one path segment (ids are plain, but never trust a URL part).
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Waits `ms` milliseconds without blocking the page.
pub async fn sleep_ms(ms: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(
                &resolve,
                i32::try_from(ms).unwrap_or(i32::MAX),
            );
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_error_body_is_read() {
        let e = error_from_response(
            400,
            r#"{"code":"REQ_INVALID_FIELDS","message":"x","fields":{"phone":"FIELD_PHONE_FORMAT"},"trace_id":"t-1"}"#,
            None,
        );
        assert_eq!(e.code, ErrorCode::ReqInvalidFields);
        assert_eq!(e.trace_id.as_deref(), Some("t-1"));
        assert_eq!(e.fields.get("phone"), Some(&ErrorCode::FieldPhoneFormat));
        assert_eq!(e.status, 400);
        assert!(!e.aborted);
    }

    #[test]
    fn unknown_code_falls_back_to_status() {
        let e = error_from_response(
            409,
            r#"{"code":"SOMETHING_NEW","message":"x","trace_id":"t"}"#,
            None,
        );
        assert_eq!(e.code, ErrorCode::BankUnavailable);
        assert_eq!(e.trace_id.as_deref(), Some("t"));
    }

    #[test]
    fn non_json_5xx() {
        let e = error_from_response(502, "<html>Bad gateway</html>", Some("h-1".into()));
        assert_eq!(e.code, ErrorCode::ServiceUnavailable);
        assert_eq!(e.trace_id.as_deref(), Some("h-1"));
        assert_eq!(error_from_response(500, "", None).code, ErrorCode::Internal);
        assert_eq!(
            error_from_response(504, "", None).code,
            ErrorCode::NetTimeout
        );
        assert_eq!(
            error_from_response(401, "", None).code,
            ErrorCode::AuthSessionRequired
        );
        assert_eq!(
            error_from_response(404, "nope", None).code,
            ErrorCode::ReqNotFound
        );
    }

    #[test]
    fn the_frame_reads_only_what_it_shows_of_a_status() {
        let body = r#"{"registration_id":"r1","request_number":"R-2026-000001","bank_id":"sber",
            "state":"rejected","reason":"REG_UNDER_AGE","trace_id":"t1",
            "created_at":"2026-11-29T10:00:00Z","display_name":"Иван И.",
            "journal":[{"at":"2026-11-29T10:00:00Z","code":"REGISTRATION_STARTED"}]}"#;
        let s: StatusSummary = serde_json::from_str(body).unwrap();
        assert_eq!(s.state, RegistrationState::Rejected);
        assert_eq!(s.reason, Some(ErrorCode::RegUnderAge));
        assert_eq!(s.request_number, "R-2026-000001");
        assert_eq!(s.trace_id.as_deref(), Some("t1"));
        // A code this build does not know is no reason to fail the whole answer.
        let s: StatusSummary = serde_json::from_str(
            r#"{"registration_id":"r1","request_number":"R","state":"failed","reason":"NEW_CODE"}"#,
        )
        .unwrap();
        assert_eq!(s.reason, None);
        assert_eq!(s.trace_id, None);
    }

    #[test]
    fn calls_that_keep_the_session_alive() {
        assert!(touches_session(false, "/api/v1/session"));
        assert!(touches_session(false, "/api/v1/session/second-factor"));
        assert!(touches_session(false, "/api/v1/account/banks"));
        assert!(touches_session(true, "/api/v1/account/banks/sber"));
        assert!(!touches_session(true, "/api/v1/session"));
        assert!(!touches_session(false, "/api/v1/banks"));
        assert!(!touches_session(false, "/api/v1/sessions"));
        assert!(!touches_session(false, "/api/v1/registrations/x"));
    }

    #[test]
    fn segments_are_encoded() {
        assert_eq!(encode_segment("abc-123"), "abc-123");
        assert_eq!(encode_segment("a/b?c"), "a%2Fb%3Fc");
    }

    #[test]
    fn backoff_ceilings_double_from_base_up_to_cap() {
        let ceilings: Vec<u32> = (1..=8).map(|n| RETRY.ceiling_ms(n)).collect();
        assert_eq!(
            ceilings,
            [300, 600, 1_200, 2_400, 4_000, 4_000, 4_000, 4_000]
        );
        // No overflow however far it goes.
        assert_eq!(RETRY.ceiling_ms(40), 4_000);
        assert_eq!(RETRY.ceiling_ms(u32::MAX), 4_000);
        // Retry 0 does not exist; it is treated as the first.
        assert_eq!(RETRY.ceiling_ms(0), 300);
    }

    #[test]
    fn full_jitter_stays_between_zero_and_the_ceiling() {
        for n in 1..=6 {
            let ceiling = RETRY.ceiling_ms(n);
            assert_eq!(RETRY.delay_ms(n, 0.0), 0);
            assert_eq!(RETRY.delay_ms(n, 0.5), ceiling / 2);
            assert!(RETRY.delay_ms(n, 0.999_999) <= ceiling);
            assert_eq!(RETRY.delay_ms(n, 1.0), ceiling);
            // A broken random source cannot make the wait longer or negative.
            assert_eq!(RETRY.delay_ms(n, 7.0), ceiling);
            assert_eq!(RETRY.delay_ms(n, -1.0), 0);
            assert_eq!(RETRY.delay_ms(n, f64::NAN), 0);
        }
        // The worst case of the whole schedule (3 retries) stays bounded.
        let worst: u32 = (1..RETRY.max_attempts)
            .map(|n| RETRY.delay_ms(n, 1.0))
            .sum();
        assert_eq!(worst, 300 + 600 + 1_200);
    }

    fn answered(status: u16, code: ErrorCode) -> ApiError {
        ApiError {
            status,
            ..ApiError::local(code)
        }
    }

    #[test]
    fn transient_failures_are_retried_when_idempotent() {
        let transient = [
            ApiError::local(ErrorCode::NetOffline),
            answered(502, ErrorCode::ServiceUnavailable),
            answered(503, ErrorCode::ServiceUnavailable),
            answered(504, ErrorCode::NetTimeout),
            // A 502 carrying a bank code is still a gateway failure.
            answered(502, ErrorCode::BankUnreachable),
            answered(409, ErrorCode::ReqInProgress),
        ];
        for e in &transient {
            assert!(is_transient(e), "{e:?}");
            assert!(should_retry(&RETRY, true, 1, e), "{e:?}");
            assert!(should_retry(&RETRY, true, 3, e), "{e:?}");
            // Attempt 4 was the last one.
            assert!(!should_retry(&RETRY, true, 4, e), "{e:?}");
            // A POST without an Idempotency-Key is never repeated.
            assert!(!should_retry(&RETRY, false, 1, e), "{e:?}");
        }
    }

    #[test]
    fn final_failures_are_not_retried() {
        let final_ = [
            answered(400, ErrorCode::ReqInvalidFields),
            answered(401, ErrorCode::AuthSessionRequired),
            answered(404, ErrorCode::ReqNotFound),
            answered(409, ErrorCode::BankUnavailable),
            answered(422, ErrorCode::ReqIdempotencyKeyReused),
            answered(429, ErrorCode::RateLimited),
            answered(500, ErrorCode::Internal),
            answered(200, ErrorCode::Internal),
            // Timed out after 15 s: the citizen decides whether to wait again.
            ApiError::local(ErrorCode::NetTimeout),
            // Our own page went away.
            ApiError::aborted(),
            // Built in the browser (e.g. a body that could not be serialized).
            ApiError::local(ErrorCode::Internal),
        ];
        for e in &final_ {
            assert!(!is_transient(e), "{e:?}");
            assert!(!should_retry(&RETRY, true, 1, e), "{e:?}");
        }
    }

    #[test]
    fn the_schedule_makes_at_most_four_attempts() {
        let e = answered(503, ErrorCode::ServiceUnavailable);
        let attempts = (1..)
            .take_while(|&n| n == 1 || should_retry(&RETRY, true, n - 1, &e))
            .take(100)
            .count();
        assert_eq!(attempts, 4);
    }
}
