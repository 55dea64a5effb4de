//! `Idempotency-Key` for POSTs: the same key with the same request replays the first successful
//! answer; with a different request it is refused; while the first is still running, the retry is
//! told so. Failed attempts are forgotten, so a retry after an error really retries (errors change
//! nothing). Keys are scoped to the browser (or session) cookie: without one there is nothing to
//! scope to and the request runs normally.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{HeaderValue, CONTENT_TYPE};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bankid_api::ErrorCode;

use crate::crypto::sha256_b64url;
use crate::error::ApiError;
use crate::store::IdemBegin;
use crate::web::{cookie, cookie_name};
use crate::AppState;

pub const HEADER: &str = "idempotency-key";
/// Largest answer kept for replay.
const MAX_STORED_BODY: usize = 256 * 1024;

fn valid_key(k: &str) -> bool {
    (8..=128).contains(&k.len())
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

pub async fn idempotency(State(app): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(raw) = req.headers().get(HEADER) else {
        return next.run(req).await;
    };
    let Some(key) = raw
        .to_str()
        .ok()
        .filter(|k| valid_key(k))
        .map(str::to_string)
    else {
        return ApiError::field("Idempotency-Key", ErrorCode::FieldWrongType).into_response();
    };
    let secure = app.config.secure_cookies();
    let scope = cookie(
        req.headers(),
        &cookie_name(crate::bank_flow::SESSION_COOKIE, secure),
    )
    .map(|s| format!("s:{}", sha256_b64url(s.as_bytes())))
    .or_else(|| {
        cookie(
            req.headers(),
            &cookie_name(crate::bank_flow::BROWSER_COOKIE, secure),
        )
        .map(|b| format!("b:{}", sha256_b64url(b.as_bytes())))
    });
    let Some(scope) = scope else {
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, bankid_api::types::MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => return ApiError::new(ErrorCode::ReqBodyTooLarge).into_response(),
    };
    let mut material = format!("{} {}\n", parts.method, parts.uri.path()).into_bytes();
    material.extend_from_slice(&bytes);
    let fingerprint = sha256_b64url(&material);
    let now = app.now_ms();
    match app.store.idem_begin(&scope, &key, &fingerprint, now).await {
        Err(e) => ApiError::from(e).into_response(),
        Ok(IdemBegin::Mismatch) => {
            ApiError::new(ErrorCode::ReqIdempotencyKeyReused).into_response()
        }
        Ok(IdemBegin::InProgress) => ApiError::new(ErrorCode::ReqInProgress).into_response(),
        Ok(IdemBegin::Replay {
            status,
            content_type,
            body,
        }) => {
            let mut resp = Response::new(Body::from(body));
            *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            if let Some(ct) = content_type.and_then(|c| HeaderValue::from_str(&c).ok()) {
                resp.headers_mut().insert(CONTENT_TYPE, ct);
            }
            resp.headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            resp
        }
        Ok(IdemBegin::New) => {
            let resp = next
                .run(Request::from_parts(parts, Body::from(bytes)))
                .await;
            if !resp.status().is_success() {
                if let Err(e) = app.store.idem_forget(&scope, &key).await {
                    tracing::warn!(error = %e, "idempotency: forget");
                }
                return resp;
            }
            let (rparts, rbody) = resp.into_parts();
            let Ok(rbytes) = axum::body::to_bytes(rbody, MAX_STORED_BODY).await else {
                let _ = app.store.idem_forget(&scope, &key).await;
                return ApiError::internal("idempotency: answer too large to keep").into_response();
            };
            let ct = rparts
                .headers
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            if let Err(e) = app
                .store
                .idem_finish(&scope, &key, rparts.status.as_u16(), ct.as_deref(), &rbytes)
                .await
            {
                tracing::warn!(error = %e, "idempotency: keep answer");
            }
            Response::from_parts(rparts, Body::from(rbytes))
        }
    }
}
