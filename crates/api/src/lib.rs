//! What the SPA and the server must agree on: wire types, the closed set of error codes with their
//! ru/uk/en texts, and the field rules. Pure Rust + serde, so it compiles to wasm32 and native alike.

pub mod embed;
pub mod error;
pub mod i18n;
pub mod journal;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod routes;
pub mod texts;
pub mod types;
pub mod validate;

pub use error::{ErrorBody, ErrorCode};
pub use i18n::{Lang, Localized};
pub use journal::JournalEvent;
