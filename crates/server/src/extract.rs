//! `ApiJson<T>`: the JSON body extractor whose every refusal is a coded error with a field list;
//! `ApiPath<T>`: path parameters, refused in the same error shape.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use bankid_api::ErrorCode;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        check_content_type(
            req.headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
        )?;
        let bytes = Bytes::from_request(req, state).await.map_err(|rej| {
            if rej.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(ErrorCode::ReqBodyTooLarge)
            } else {
                ApiError::new(ErrorCode::ReqMalformedJson).detail(format!("body: {rej}"))
            }
        })?;
        decode(&bytes).map(ApiJson)
    }
}

/// Path parameters. One that cannot even be decoded (not UTF-8 once percent-decoded, not of its
/// type) names nothing here: `REQ_NOT_FOUND`, in the one error shape (axum's own refusal is a
/// plain-text 400).
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| ApiPath(value))
            .map_err(|rej| ApiError::new(ErrorCode::ReqNotFound).detail(format!("path: {rej}")))
    }
}

fn check_content_type(ct: Option<&str>) -> Result<(), ApiError> {
    let Some(ct) = ct else {
        return Err(ApiError::new(ErrorCode::ReqUnsupportedMediaType));
    };
    let mut parts = ct.split(';');
    let mime = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    if mime != "application/json" {
        return Err(ApiError::new(ErrorCode::ReqUnsupportedMediaType));
    }
    for p in parts {
        if let Some((k, v)) = p.split_once('=') {
            if k.trim().eq_ignore_ascii_case("charset") {
                let v = v.trim().trim_matches('"');
                if !v.eq_ignore_ascii_case("utf-8") && !v.eq_ignore_ascii_case("utf8") {
                    return Err(ApiError::new(ErrorCode::ReqInvalidEncoding));
                }
            }
        }
    }
    Ok(())
}

/// Decodes a JSON body, turning serde's errors into field codes.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if std::str::from_utf8(bytes).is_err() {
        return Err(ApiError::new(ErrorCode::ReqInvalidEncoding));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if inner.is_syntax() || inner.is_eof() || inner.is_io() {
            return ApiError::new(ErrorCode::ReqMalformedJson).detail(format!("json: {inner}"));
        }
        let msg = inner.to_string();
        let (field, code) = classify(&path, &msg);
        let mut fields = BTreeMap::new();
        fields.insert(field, code);
        ApiError::fields(fields)
    })?;
    Ok(value)
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() || path == "." {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

fn backticked(msg: &str) -> Option<&str> {
    let start = msg.find('`')? + 1;
    let len = msg[start..].find('`')?;
    Some(&msg[start..start + len])
}

fn classify(path: &str, msg: &str) -> (String, ErrorCode) {
    if msg.starts_with("missing field") {
        let name = backticked(msg).unwrap_or("?");
        return (join(path, name), ErrorCode::FieldRequired);
    }
    if msg.starts_with("unknown field") {
        let name = backticked(msg).unwrap_or("?");
        // serde_path_to_error already includes the unknown key in the path.
        let field = if path.ends_with(name) {
            path.to_string()
        } else {
            join(path, name)
        };
        return (field, ErrorCode::FieldUnknown);
    }
    let field = if path.is_empty() || path == "." {
        "body".to_string()
    } else {
        path.to_string()
    };
    (field, ErrorCode::FieldWrongType)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bankid_api::types::StartRegistration;

    fn fields_of(body: &str) -> BTreeMap<String, ErrorCode> {
        match decode::<StartRegistration>(body.as_bytes()) {
            Err(e) => e.fields.unwrap_or_default(),
            Ok(_) => panic!("accepted {body}"),
        }
    }

    #[test]
    fn missing_nested_field_is_named() {
        let f = fields_of(r#"{"bank_id":"sber","phone":"1","consent":{"accepted":true}}"#);
        assert_eq!(f.get("consent.version"), Some(&ErrorCode::FieldRequired));
        let f = fields_of(r#"{"phone":"1","consent":{"accepted":true,"version":"v"}}"#);
        assert_eq!(f.get("bank_id"), Some(&ErrorCode::FieldRequired));
    }

    #[test]
    fn wrong_type_and_unknown_field_are_named() {
        let f = fields_of(r#"{"bank_id":5,"phone":"1","consent":{"accepted":true,"version":"v"}}"#);
        assert_eq!(f.get("bank_id"), Some(&ErrorCode::FieldWrongType));
        let f =
            fields_of(r#"{"bank_id":"s","phone":"1","consent":{"accepted":"yes","version":"v"}}"#);
        assert_eq!(f.get("consent.accepted"), Some(&ErrorCode::FieldWrongType));
        let f = fields_of(
            r#"{"bank_id":"s","phone":"1","consent":{"accepted":true,"version":"v"},"x":1}"#,
        );
        assert_eq!(f.get("x"), Some(&ErrorCode::FieldUnknown));
        let f = fields_of(r#""hello""#);
        assert_eq!(f.get("body"), Some(&ErrorCode::FieldWrongType));
        let f = fields_of(r#"[1,2]"#);
        assert!(f.values().all(|c| *c == ErrorCode::FieldWrongType) && !f.is_empty());
    }

    #[test]
    fn syntax_and_encoding() {
        let e = decode::<StartRegistration>(b"{\"bank_id\":").err().unwrap();
        assert_eq!(e.code, ErrorCode::ReqMalformedJson);
        let e = decode::<StartRegistration>(b"{\"bank_id\":\"\xff\"}")
            .err()
            .unwrap();
        assert_eq!(e.code, ErrorCode::ReqInvalidEncoding);
    }

    #[test]
    fn content_types() {
        assert!(check_content_type(Some("application/json")).is_ok());
        assert!(check_content_type(Some("application/json; charset=UTF-8")).is_ok());
        assert_eq!(
            check_content_type(Some("application/json; charset=windows-1251"))
                .err()
                .unwrap()
                .code,
            ErrorCode::ReqInvalidEncoding
        );
        assert_eq!(
            check_content_type(Some("text/plain")).err().unwrap().code,
            ErrorCode::ReqUnsupportedMediaType
        );
        assert_eq!(
            check_content_type(None).err().unwrap().code,
            ErrorCode::ReqUnsupportedMediaType
        );
    }
}
