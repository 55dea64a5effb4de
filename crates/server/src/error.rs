//! One error type for every handler, rendered once into the shared error shape.
//!
//! Handlers return `Err(ApiError)`; `into_response` only records the code in the response
//! extensions, and [`crate::web::request_context`] renders `{code, message, fields, trace_id}` in the
//! request's language. Details go to the log with the trace id, never to the client.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bankid_api::ErrorCode;

#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub fields: Option<BTreeMap<String, ErrorCode>>,
    /// Seconds until a retry makes sense (rate limits, locks); sent as `Retry-After` too.
    pub retry_after: Option<u32>,
    /// For the log only. Must not contain tokens, codes or personal data.
    pub detail: Option<String>,
}

impl ApiError {
    pub fn new(code: ErrorCode) -> ApiError {
        ApiError {
            code,
            fields: None,
            retry_after: None,
            detail: None,
        }
    }

    pub fn fields(fields: BTreeMap<String, ErrorCode>) -> ApiError {
        ApiError {
            code: ErrorCode::ReqInvalidFields,
            fields: Some(fields),
            retry_after: None,
            detail: None,
        }
    }

    pub fn field(name: &str, code: ErrorCode) -> ApiError {
        let mut f = BTreeMap::new();
        f.insert(name.to_string(), code);
        ApiError::fields(f)
    }

    pub fn retry_after(mut self, secs: u32) -> ApiError {
        self.retry_after = Some(secs);
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> ApiError {
        self.detail = Some(detail.into());
        self
    }

    pub fn internal(detail: impl std::fmt::Display) -> ApiError {
        ApiError::new(ErrorCode::Internal).detail(detail.to_string())
    }
}

impl From<crate::store::DbError> for ApiError {
    fn from(e: crate::store::DbError) -> ApiError {
        match &e {
            crate::store::DbError::Unavailable(_) => {
                ApiError::new(ErrorCode::ServiceUnavailable).detail(format!("db: {e}"))
            }
            _ => ApiError::internal(format!("db: {e}")),
        }
    }
}

/// Marker left in the response extensions for the rendering middleware.
#[derive(Debug, Clone)]
pub struct PendingError {
    pub code: ErrorCode,
    pub fields: Option<BTreeMap<String, ErrorCode>>,
    pub retry_after: Option<u32>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if let Some(detail) = &self.detail {
            if status.is_server_error() {
                tracing::warn!(code = %self.code, detail = %detail, "request failed");
            } else {
                tracing::info!(code = %self.code, detail = %detail, "request refused");
            }
        }
        let mut resp = status.into_response();
        if let Some(secs) = self.retry_after {
            resp.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(secs),
            );
        }
        resp.extensions_mut().insert(PendingError {
            code: self.code,
            fields: self.fields,
            retry_after: self.retry_after,
        });
        resp
    }
}
