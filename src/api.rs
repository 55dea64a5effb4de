//! The only place that talks HTTP. Every answer becomes either the typed body or an [`ApiError`]
//! built by [`error_from_response`]; components never see a status code or a raw body.

use std::collections::BTreeMap;

use bankid_api::types::{BankInfo, RegistrationStarted, RegistrationStatus, StartRegistration};
use bankid_api::ErrorCode;
use gloo_net::http::{Request, Response};
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// How many times an idempotent GET is retried after a network failure or a 502/503/504.
const GET_RETRIES: u32 = 2;

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
}

impl ApiError {
    /// An error produced in the browser (no server answer).
    pub fn local(code: ErrorCode) -> Self {
        ApiError {
            code,
            trace_id: None,
            fields: BTreeMap::new(),
            status: 0,
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

/// The error body, read leniently: an unknown future code must not turn into a parse failure.
#[derive(Deserialize)]
struct LooseErrorBody {
    code: String,
    #[serde(default)]
    fields: Option<BTreeMap<String, String>>,
    #[serde(default)]
    trace_id: Option<String>,
}

/// THE mapping from an HTTP answer to an [`ApiError`]. `body` is the response text,
/// `header_trace_id` the `x-trace-id` header if the server sent one.
pub fn error_from_response(status: u16, body: &str, header_trace_id: Option<String>) -> ApiError {
    let fallback = fallback_code(status);
    match serde_json::from_str::<LooseErrorBody>(body) {
        Ok(b) => {
            let fields = b
                .fields
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| {
                    let code = ErrorCode::parse(&v).unwrap_or(ErrorCode::FieldWrongType);
                    (k, code)
                })
                .collect();
            ApiError {
                code: ErrorCode::parse(&b.code).unwrap_or(fallback),
                trace_id: b.trace_id.filter(|t| !t.is_empty()).or(header_trace_id),
                fields,
                status,
            }
        }
        Err(_) => ApiError {
            code: fallback,
            trace_id: header_trace_id,
            fields: BTreeMap::new(),
            status,
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

/// Whether a failed GET is worth repeating at once.
fn retryable_status(status: u16) -> bool {
    matches!(status, 0 | 502 | 503 | 504)
}

async fn read_json<T: DeserializeOwned>(resp: Response) -> Result<T, ApiError> {
    let status = resp.status();
    let trace = resp.headers().get("x-trace-id");
    let text = resp
        .text()
        .await
        .map_err(|_| ApiError::local(ErrorCode::NetOffline))?;
    if (200..300).contains(&status) {
        serde_json::from_str(&text).map_err(|_| ApiError {
            code: ErrorCode::Internal,
            trace_id: trace,
            fields: BTreeMap::new(),
            status,
        })
    } else {
        Err(error_from_response(status, &text, trace))
    }
}

async fn get_json<T: DeserializeOwned>(url: &str) -> Result<T, ApiError> {
    let mut attempt = 0;
    loop {
        let result = match Request::get(url)
            .header("Accept", "application/json")
            .send()
            .await
        {
            Ok(resp) => read_json(resp).await,
            Err(_) => Err(ApiError::local(ErrorCode::NetOffline)),
        };
        match result {
            Err(e) if attempt < GET_RETRIES && retryable_status(e.status) => {
                attempt += 1;
                // Exponential backoff with jitter: ~0.4 s, ~0.8 s.
                let jitter = (js_sys::Math::random() * 250.0) as u32;
                sleep_ms(400 * 2u32.pow(attempt - 1) + jitter).await;
            }
            other => return other,
        }
    }
}

/// `GET /api/v1/banks`.
pub async fn banks() -> Result<Vec<BankInfo>, ApiError> {
    get_json("/api/v1/banks").await
}

/// `GET /api/v1/registrations/{id}`.
pub async fn registration(id: &str) -> Result<RegistrationStatus, ApiError> {
    get_json(&format!("/api/v1/registrations/{}", encode_segment(id))).await
}

/// `POST /api/v1/registrations`. Not retried: the citizen decides to send again.
pub async fn start_registration(body: &StartRegistration) -> Result<RegistrationStarted, ApiError> {
    let request = Request::post("/api/v1/registrations")
        .header("Accept", "application/json")
        .header("Idempotency-Key", &idempotency_key())
        .json(body)
        .map_err(|_| ApiError::local(ErrorCode::Internal))?;
    match request.send().await {
        Ok(resp) => read_json(resp).await,
        Err(_) => Err(ApiError::local(ErrorCode::NetOffline)),
    }
}

/// A random key so that a POST repeated by the network is applied once.
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
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32);
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
    fn segments_are_encoded() {
        assert_eq!(encode_segment("abc-123"), "abc-123");
        assert_eq!(encode_segment("a/b?c"), "a%2Fb%3Fc");
    }
}
