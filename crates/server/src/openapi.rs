//! The OpenAPI 3.1 document of the API, generated: the schemas from the wire types of `bankid_api`
//! (feature `openapi`), each operation from its handler's `#[utoipa::path]`, and every error
//! response from the codes the handler (and the layers in front of it) can answer with, under the
//! status each code has ([`ErrorCode::http_status`]), in the one error shape (`ErrorBody`).
//!
//! Built once when the server starts ([`document`]), with what only the configuration knows: the
//! bank ids it accepts and the names of its cookies. Deterministic: the same configuration gives
//! the same bytes.
//!
//! Every error response lists its codes in `x-error-codes` (and in its description); the values
//! of `fields` a `REQ_INVALID_FIELDS` can carry are listed with the 400 they come in. `GET
//! /auth/callback` lists, on its 303, the codes its redirect can carry (or the registration keep as
//! its `reason`); the document's root lists the codes of the API's fallbacks.

use std::collections::{BTreeMap, BTreeSet};

use bankid_api::ErrorCode;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{HttpMethod, Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as Document, Ref, RefOr, Required};
use utoipa::OpenApi;

use crate::config::Config;

use ErrorCode::*;

/// Extension of a response: the error codes it can carry (top level or in `fields`).
pub const CODES_EXTENSION: &str = "x-error-codes";

/// Extension of a redirect: the error codes its target can carry (`?error=`), or the registration
/// keep as its `reason`.
pub const REDIRECT_CODES_EXTENSION: &str = "x-redirect-error-codes";

/// What every request may get: the time limit of [`crate::web::request_timeout`].
pub const ANY: &[ErrorCode] = &[ReqTimeout];
/// A handler that reads or writes the database.
pub const DB: &[ErrorCode] = &[Internal, ServiceUnavailable];
/// A signed-in endpoint: the [`crate::session::AuthSession`] extractor.
pub const SESSION: &[ErrorCode] = &[
    AuthSessionRequired,
    AuthSecondFactorRequired,
    Internal,
    ServiceUnavailable,
];
/// A JSON body: the [`crate::extract::ApiJson`] extractor.
pub const JSON_BODY: &[ErrorCode] = &[
    ReqUnsupportedMediaType,
    ReqInvalidEncoding,
    ReqMalformedJson,
    ReqBodyTooLarge,
    ReqInvalidFields,
    FieldRequired,
    FieldWrongType,
    FieldUnknown,
];
/// Every POST of the API: the `Idempotency-Key` middleware ([`crate::idempotency`]).
pub const IDEMPOTENT_POST: &[ErrorCode] = &[
    ReqInvalidFields,
    FieldWrongType,
    ReqBodyTooLarge,
    ReqInProgress,
    ReqIdempotencyKeyReused,
    Internal,
    ServiceUnavailable,
];
/// Starting a bank round trip: [`crate::bank_flow::bank_request`].
pub const BANK_START: &[ErrorCode] = &[
    BankUnavailable,
    RateLimited,
    BankUnreachable,
    BankError,
    Internal,
    ServiceUnavailable,
];
/// The consent of a bank round trip: [`crate::bank_flow::check_consent`].
pub const CONSENT: &[ErrorCode] = &[ReqInvalidFields, FieldConsentRequired, FieldConsentVersion];
/// What the answers to unknown paths and methods of the API carry (its fallbacks).
pub const FALLBACKS: &[ErrorCode] = &[ReqNotFound, ReqMethodNotAllowed];

/// The pattern of `Idempotency-Key` ([`crate::idempotency`]).
pub const IDEMPOTENCY_KEY_PATTERN: &str = "^[A-Za-z0-9._:-]{8,128}$";

/// Declares the error responses of a handler for its `#[utoipa::path(responses(…))]`: a type whose
/// responses are [`error_responses`] of the given code sets.
macro_rules! errors {
    ($name:ident = $($set:expr),+ $(,)?) => {
        pub struct $name;
        impl utoipa::IntoResponses for $name {
            fn responses() -> std::collections::BTreeMap<
                String,
                utoipa::openapi::RefOr<utoipa::openapi::response::Response>,
            > {
                $crate::openapi::error_responses(&[$($set),+])
            }
        }
    };
}
pub(crate) use errors;

/// The error responses for a set of codes: one per status, each in the one error shape, listing
/// its codes; `429` with its `Retry-After`.
pub fn error_responses(sets: &[&[ErrorCode]]) -> BTreeMap<String, RefOr<Response>> {
    let mut by_status: BTreeMap<u16, BTreeSet<ErrorCode>> = BTreeMap::new();
    for code in sets.iter().flat_map(|s| s.iter()) {
        by_status
            .entry(code.http_status())
            .or_default()
            .insert(*code);
    }
    by_status
        .into_iter()
        .map(|(status, codes)| (status.to_string(), RefOr::T(error_response(status, &codes))))
        .collect()
}

fn error_response(status: u16, codes: &BTreeSet<ErrorCode>) -> Response {
    let (fields, top): (Vec<ErrorCode>, Vec<ErrorCode>) =
        codes.iter().partition(|c| c.as_str().starts_with("FIELD_"));
    let mut parts: Vec<String> = top.iter().map(|c| c.as_str().to_string()).collect();
    if !fields.is_empty() {
        if let Some(p) = parts.iter_mut().find(|p| *p == ReqInvalidFields.as_str()) {
            let names: Vec<&str> = fields.iter().map(|c| c.as_str()).collect();
            *p = format!("{p} (fields: {})", names.join(", "));
        }
    }
    let reason = axum::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    let mut response = ResponseBuilder::new()
        .description(format!("{reason}: {}", parts.join("; ")))
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        );
    if status == 429 {
        response = response.header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .minimum(Some(0)),
                )
                .description(Some(
                    "Seconds until trying again makes sense (also `retry_after`).",
                ))
                .build(),
        );
    }
    let list: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
    response
        .extensions(Some(
            [(CODES_EXTENSION.to_string(), serde_json::json!(list))]
                .into_iter()
                .collect(),
        ))
        .build()
}

/// The answer of a redirect (`303 See Other` with `Location`) that can carry `codes`.
pub fn redirect_responses(
    description: &str,
    codes: &[ErrorCode],
) -> BTreeMap<String, RefOr<Response>> {
    let list: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
    let response = ResponseBuilder::new()
        .description(format!(
            "{description} Codes it can carry: {}.",
            list.join(", ")
        ))
        .header(
            "Location",
            HeaderBuilder::new()
                .schema(ObjectBuilder::new().schema_type(Type::String))
                .description(Some("A page of the web app"))
                .build(),
        )
        .extensions(Some(
            [(
                REDIRECT_CODES_EXTENSION.to_string(),
                serde_json::json!(list),
            )]
            .into_iter()
            .collect(),
        ))
        .build();
    [("303".to_string(), RefOr::T(response))]
        .into_iter()
        .collect()
}

/// The codes an error response lists.
fn codes_of(response: &RefOr<Response>) -> Vec<ErrorCode> {
    let RefOr::T(r) = response else {
        return Vec::new();
    };
    r.extensions
        .as_ref()
        .and_then(|e| e.get(CODES_EXTENSION))
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().and_then(ErrorCode::parse))
                .collect()
        })
        .unwrap_or_default()
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "bankid-portal API",
        version = "1.0.0",
        description = "Register on the government services portal through a partner bank (OpenID \
            Connect). All bodies are JSON in UTF-8. Every error has one shape, ErrorBody: a stable \
            machine code, a human message in the request's language (the bp_lang cookie or \
            Accept-Language: ru, uk, en), the field list of REQ_INVALID_FIELDS, the seconds to wait \
            (retry_after, and the Retry-After header) and a trace id to give to support. Each error \
            response lists its codes in x-error-codes. Generated from the server's types and handlers."
    ),
    paths(
        crate::routes::list_banks,
        crate::registration::start,
        crate::registration::status,
        crate::registration::reverify,
        crate::routes::openapi,
        crate::routes::health,
        crate::session::current,
        crate::session::sign_out,
        crate::activation::send_code,
        crate::activation::confirm,
        crate::activation::dev_inbox,
        crate::mfa::enrol,
        crate::mfa::disable,
        crate::mfa::confirm,
        crate::mfa::regenerate,
        crate::signin::start,
        crate::links::list,
        crate::links::start_link,
        crate::links::remove,
        crate::links::consents,
        crate::links::withdraw,
        crate::mfa::second_factor,
        crate::bank_flow::callback,
        crate::embed::launch,
        crate::embed::handback,
        crate::routes::client_jwks,
    ),
    components(schemas(ErrorCode, bankid_api::ErrorBody))
)]
struct ApiDoc;

/// The document for this configuration, as served (JSON).
pub fn document(config: &Config) -> Result<String, serde_json::Error> {
    let mut doc = ApiDoc::openapi();
    complete(&mut doc, config);
    // Through `serde_json::Value`, whose maps are ordered: the bytes do not depend on hash order.
    let mut value = serde_json::to_value(&doc)?;
    require_retry_after(&mut value);
    closed_variants(&mut value, "EmbedStart");
    serde_json::to_string(&value)
}

/// What the generated document cannot know by itself: the layers every request goes through, the
/// configured bank ids and the cookie names.
fn complete(doc: &mut Document, config: &Config) {
    for (path, item) in doc.paths.paths.iter_mut() {
        let api = path.starts_with("/api/");
        for (method, op) in [
            (HttpMethod::Get, item.get.as_mut()),
            (HttpMethod::Post, item.post.as_mut()),
            (HttpMethod::Delete, item.delete.as_mut()),
        ] {
            let Some(op) = op else { continue };
            // Tagged by the module of the handler.
            for tag in op.tags.iter_mut().flatten() {
                if let Some(module) = tag.strip_prefix("crate::") {
                    *tag = module.to_string();
                }
            }
            // A navigation's timeout is its redirect to the return page (listed with its
            // redirect's codes), not the error shape.
            let mut layers: Vec<&[ErrorCode]> = if crate::web::NAVIGATIONS.contains(&path.as_str())
            {
                vec![]
            } else {
                vec![ANY]
            };
            if api && method == HttpMethod::Post {
                layers.push(IDEMPOTENT_POST);
                op.parameters
                    .get_or_insert_with(Vec::new)
                    .push(idempotency_key());
            }
            add_errors(op, &layers);
        }
    }
    let bank_ids: Vec<&str> = config.banks.iter().map(|b| b.id.as_str()).collect();
    let components = doc.components.get_or_insert_with(Default::default);
    components.schemas.insert(
        "BankId".to_string(),
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(bank_ids))
            .description(Some(
                "The id of a configured partner bank, as GET /api/v1/banks lists them.",
            ))
            .into(),
    );
    // The pages a framed start may return to: on the configured embedding origins (which bank's
    // origin goes with which bank is the server's check, `FIELD_RETURN_URL`).
    let mut origins: Vec<String> = config
        .banks
        .iter()
        .flat_map(|b| b.embed_origins.iter())
        .map(|o| regex_escape(o))
        .collect();
    origins.sort();
    origins.dedup();
    let pattern = if origins.is_empty() {
        "^$".to_string()
    } else {
        format!("^(?:{})(?:[/?#].*)?$", origins.join("|"))
    };
    components.schemas.insert(
        "EmbedReturnUrl".to_string(),
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(pattern))
            .max_length(Some(bankid_api::embed::RETURN_URL_MAX))
            .description(Some(
                "An absolute URL on one of the bank's embed_origins (GET /api/v1/banks).",
            ))
            .into(),
    );
    let secure = config.secure_cookies();
    for (scheme, base, what) in [
        (
            "bp_session",
            crate::bank_flow::SESSION_COOKIE,
            "The session of a signed-in citizen (HttpOnly; idle 30 minutes, at most 12 hours).",
        ),
        (
            "bp_browser",
            crate::bank_flow::BROWSER_COOKIE,
            "Binds a bank round trip and a registration to the browser that started it (HttpOnly).",
        ),
    ] {
        components.add_security_scheme(
            scheme,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::web::cookie_name(base, secure),
                what.to_string(),
            ))),
        );
    }
    components.add_security_scheme(
        "bp_frame",
        SecurityScheme::Http(
            utoipa::openapi::security::HttpBuilder::new()
                .scheme(utoipa::openapi::security::HttpAuthScheme::Bearer)
                .description(Some(format!(
                    "The credential of a frame inside a bank's page (embedded mode): the \
                     frame_token of its registration start over plain http, or the partitioned \
                     cookie {} over https.",
                    crate::web::cookie_name(crate::embed::FRAME_COOKIE, secure)
                )))
                .build(),
        ),
    );
    let root = doc.extensions.get_or_insert_with(Default::default);
    let fallbacks: Vec<&str> = FALLBACKS.iter().map(|c| c.as_str()).collect();
    root.insert(CODES_EXTENSION.to_string(), serde_json::json!(fallbacks));
}

/// `additionalProperties: false` on each variant of the tagged enum `schema` (serde's
/// `deny_unknown_fields` refuses other fields; the derive says so only for structs).
fn closed_variants(doc: &mut serde_json::Value, schema: &str) {
    if let Some(variants) = doc
        .pointer_mut(&format!("/components/schemas/{schema}/oneOf"))
        .and_then(|v| v.as_array_mut())
    {
        for v in variants.iter_mut().filter_map(|v| v.as_object_mut()) {
            v.insert(
                "additionalProperties".into(),
                serde_json::Value::Bool(false),
            );
        }
    }
}

/// `s` as a regular expression matching itself (ECMA-262 and Rust `regex` alike).
fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Adds the codes of the layers to an operation's error responses.
fn add_errors(op: &mut Operation, layers: &[&[ErrorCode]]) {
    let mut codes: BTreeSet<ErrorCode> = layers.iter().flat_map(|l| l.iter().copied()).collect();
    let statuses: Vec<String> = op
        .responses
        .responses
        .iter()
        .filter(|(_, r)| !codes_of(r).is_empty())
        .map(|(s, _)| s.clone())
        .collect();
    for status in statuses {
        if let Some(r) = op.responses.responses.remove(&status) {
            codes.extend(codes_of(&r));
        }
    }
    let codes: Vec<ErrorCode> = codes.into_iter().collect();
    op.responses.responses.extend(error_responses(&[&codes]));
}

fn idempotency_key() -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "Makes a retry safe: the same key with the same request (within 24 hours, from the \
             same browser or session) replays the first successful answer \
             (Idempotent-Replayed: true); with another request it is refused \
             (REQ_IDEMPOTENCY_KEY_REUSED); while the first is still running, REQ_IN_PROGRESS.",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(IDEMPOTENCY_KEY_PATTERN)),
        ))
        .build()
}

/// Every `429` carries `Retry-After`: the header is required where it is documented.
fn require_retry_after(doc: &mut serde_json::Value) {
    let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) else {
        return;
    };
    for op in paths
        .values_mut()
        .filter_map(|item| item.as_object_mut())
        .flat_map(|item| item.values_mut())
    {
        if let Some(h) = op.pointer_mut("/responses/429/headers/Retry-After") {
            h["required"] = serde_json::Value::Bool(true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_idempotency_key_pattern_is_the_rule() {
        let re = regex::Regex::new(IDEMPOTENCY_KEY_PATTERN).expect("pattern");
        let long = "k".repeat(128);
        let too_long = "k".repeat(129);
        for key in [
            "abcdefgh",
            "abc-def_g.h:1",
            long.as_str(),
            too_long.as_str(),
            "abcdefg",
            "abc defgh",
            "ключключключ",
            "abcdefgh\n",
            "a/b/c/d/e",
        ] {
            assert_eq!(
                re.is_match(key),
                crate::idempotency::valid_key(key),
                "{key:?}"
            );
        }
    }

    #[test]
    fn the_registration_id_pattern_is_the_rule() {
        let re = regex::Regex::new(crate::registration::ID_PATTERN).expect("pattern");
        let long = "a".repeat(64);
        let too_long = "a".repeat(65);
        for id in [
            "0123456789abcdef",
            "0123456789abcde",
            "0123456789abcdef-_",
            "0123456789abcdef!",
            long.as_str(),
            too_long.as_str(),
            "0123456789абвгде",
        ] {
            assert_eq!(re.is_match(id), crate::registration::valid_id(id), "{id:?}");
        }
    }

    #[test]
    fn every_status_of_a_code_set_gets_one_response_with_its_codes() {
        let r = error_responses(&[JSON_BODY, &[RateLimited, FieldPhoneFormat]]);
        let statuses: Vec<&str> = r.keys().map(String::as_str).collect();
        assert_eq!(statuses, ["400", "413", "415", "429"]);
        let codes = codes_of(&r["400"]);
        assert!(codes.contains(&ReqInvalidFields) && codes.contains(&FieldPhoneFormat));
        let RefOr::T(too_many) = &r["429"] else {
            panic!("inline")
        };
        assert!(too_many.headers.contains_key("Retry-After"));
    }
}
