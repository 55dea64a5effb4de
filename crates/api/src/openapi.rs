//! OpenAPI schemas of what the derives cannot say by themselves (feature `openapi`: the server's
//! document only, never the browser bundle): the constraints the server enforces on a field,
//! written once here next to the rules they mirror.
//!
//! The fields of the wire types point here with `#[schema(schema_with = …)]` or, for a named
//! component the server fills in at start (the configured bank ids), `#[schema(value_type = …)]`.

use utoipa::openapi::schema::{Object, ObjectBuilder, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use crate::types::CONSENT_VERSION;
use crate::validate::{
    OTP_CODE_PATTERN, PHONE_MAX_INPUT, PHONE_PATTERN, SECOND_FACTOR_CODE_PATTERN,
};

fn string(description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
}

/// The id of a partner bank (`GET /api/v1/banks`). The server replaces this component with the
/// ids it is configured with when it builds its document.
pub struct BankId;

impl PartialSchema for BankId {
    fn schema() -> RefOr<Schema> {
        string("The id of a configured partner bank, as `GET /api/v1/banks` lists them.")
            .build()
            .into()
    }
}

impl ToSchema for BankId {}

/// A page of a bank's site to come back to (embedded mode). The server replaces this component
/// with a pattern of the origins it is configured with when it builds its document.
pub struct EmbedReturnUrl;

impl PartialSchema for EmbedReturnUrl {
    fn schema() -> RefOr<Schema> {
        string("An absolute URL on one of the bank's embed_origins.")
            .max_length(Some(crate::embed::RETURN_URL_MAX))
            .build()
            .into()
    }
}

impl ToSchema for EmbedReturnUrl {}

/// A phone number as typed ([`crate::validate::normalize_phone`]).
pub fn phone() -> Object {
    string(
        "A Russian (+7) or Ukrainian (+380) mobile number as typed: spaces, brackets, dots and \
         dashes anywhere, a leading 8 or 7 (RU) or 0 or 380 (UA) for the country code. Whitespace \
         around it is ignored.",
    )
    .pattern(Some(PHONE_PATTERN))
    .min_length(Some(10))
    .max_length(Some(PHONE_MAX_INPUT))
    .examples(["+7 916 123-45-67", "067 123 45 67"])
    .build()
}

/// As [`phone`], or absent/`null` (the one given before).
pub fn optional_phone() -> Object {
    let mut o = phone();
    o.schema_type = utoipa::openapi::schema::SchemaType::from_iter([Type::String, Type::Null]);
    o
}

/// A 6-digit one-time code ([`crate::validate::normalize_otp_code`]).
pub fn otp_code() -> Object {
    string("Six digits; whitespace between them is ignored.")
        .pattern(Some(OTP_CODE_PATTERN))
        .examples(["123456"])
        .build()
}

/// An authenticator or backup code, or nothing where a recent bank sign-in is enough.
pub fn second_factor_code() -> Object {
    string(
        "A 6-digit authenticator code, or a backup code (XXXXX-XXXXX: letters and digits 2-7, any \
         case, spaces and dashes ignored). Empty to turn two-factor protection off or get new \
         backup codes with a bank sign-in of the last `recent_auth_seconds` instead.",
    )
    .pattern(Some(SECOND_FACTOR_CODE_PATTERN))
    .examples(["123456", "ABCDE-FGH23"])
    .build()
}

/// The consent was given: always `true` (anything else is refused).
pub fn accepted() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Boolean)
        .enum_values(Some([true]))
        .description(Some(
            "Must be true: the citizen agreed to the consent text.",
        ))
        .build()
}

/// The version of the consent text shown.
pub fn consent_version() -> Object {
    string("The version of the consent text the citizen saw; the current one only.")
        .enum_values(Some([CONSENT_VERSION]))
        .build()
}

/// A page a sign-in may return to ([`crate::routes::is_return_path`]).
pub fn return_path() -> Object {
    ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
            Type::String,
            Type::Null,
        ]))
        .description(Some(
            "A page of the manage or security bundle to come back to after the sign-in.",
        ))
        .pattern(Some(crate::routes::RETURN_PATH_PATTERN))
        .max_length(Some(crate::routes::RETURN_PATH_MAX))
        .examples(["/account/banks"])
        .build()
}

/// An RFC 3339 time in UTC.
pub fn date_time() -> Object {
    string("RFC 3339, UTC.")
        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
            utoipa::openapi::KnownFormat::DateTime,
        )))
        .build()
}
