//! The embedded mode (flow 9): a partner bank's page frames the portal at `/embed/{bank_id}`.
//!
//! Two contracts live here, both versioned by [`PROTOCOL`]:
//! - the `postMessage` messages between the frame and the bank's page that embeds it
//!   ([`FrameMessage`] frame → parent, [`ParentMessage`] parent → frame); their JSON Schema is
//!   `docs/embed-messages.schema.json`. No message carries a token, a claim or personal data.
//! - the hand-back from the bank's sign-in window (a popup of the frame, same origin as the frame)
//!   to the frame: only a one-time opaque code ([`Handback`]), which the frame exchanges over the
//!   API with the credential it holds.

use serde::{Deserialize, Serialize};

use crate::error::ErrorCode;
use crate::i18n::Lang;
use crate::types::RegistrationState;

/// The version tag every message carries in its `protocol` field.
pub const PROTOCOL: &str = "bankid-portal/1";

/// Longest return address ([`EmbedStart::return_url`]) the server accepts.
pub const RETURN_URL_MAX: usize = 2000;

/// How the bank's sign-in opens from the frame (banks refuse to be framed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EmbedMode {
    /// In a popup window the frame opened; the frame stays where it is.
    Popup,
    /// The whole page goes to the bank (popups blocked) and comes back to `return_url`.
    Top,
}

/// `embed` of a registration started inside a bank's page: `{"mode": "popup"}`, or
/// `{"mode": "top", "return_url": …}` when popups are blocked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "mode", rename_all = "snake_case", deny_unknown_fields)]
pub enum EmbedStart {
    /// The bank's sign-in opens in a popup window the frame opened. (A struct variant: serde
    /// would let a unit variant carry unknown fields.)
    Popup {},
    /// The whole page goes to the bank and comes back to `return_url`.
    Top {
        /// The bank's page to come back to: an absolute URL on one of the bank's allowed
        /// embedding origins, at most [`RETURN_URL_MAX`] characters.
        #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::EmbedReturnUrl))]
        return_url: String,
    },
}

impl EmbedStart {
    pub fn mode(&self) -> EmbedMode {
        match self {
            EmbedStart::Popup {} => EmbedMode::Popup,
            EmbedStart::Top { .. } => EmbedMode::Top,
        }
    }

    /// The page to come back to ([`EmbedStart::Top`] only).
    pub fn return_url(&self) -> Option<&str> {
        match self {
            EmbedStart::Popup {} => None,
            EmbedStart::Top { return_url } => Some(return_url),
        }
    }
}

/// `POST /api/v1/embed/handback`: the one-time code the bank's sign-in window handed back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Handback {
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9_-]{43}$"))]
    pub code: String,
}

/// Where the citizen is in the embedded registration (`step` messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmbedStep {
    /// Typing the phone number.
    Phone,
    /// Reading and giving consent.
    Consent,
    /// Signing in at the bank (in the popup or top-level).
    Bank,
    /// Looking at the outcome.
    Status,
}

/// A message from the frame to the bank's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FrameEvent {
    /// The frame has loaded and listens.
    Ready,
    /// The frame's content height in CSS pixels changed: the page should size the iframe to it.
    Resize { height: u32 },
    /// The citizen moved to another step.
    Step { name: EmbedStep },
    /// The bank's answer arrived: the registration's state and its request number.
    Done {
        status: RegistrationState,
        request_number: String,
    },
    /// Something failed: the error code and the trace id to quote to support.
    Error { code: ErrorCode, trace_id: String },
}

/// [`FrameEvent`] in its envelope: `{"protocol": "bankid-portal/1", "type": …, …}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameMessage {
    pub protocol: String,
    #[serde(flatten)]
    pub event: FrameEvent,
}

impl FrameMessage {
    pub fn new(event: FrameEvent) -> FrameMessage {
        FrameMessage {
            protocol: PROTOCOL.to_string(),
            event,
        }
    }
}

/// A message from the bank's page to the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParentMessage {
    /// Show the portal in this language.
    Locale(Lang),
}

impl ParentMessage {
    /// Reads a message from the parent (its `data` as JSON text). Anything that is not exactly a
    /// known message of [`PROTOCOL`] (other fields, other types, other versions) is `None`, and
    /// the frame ignores it.
    pub fn parse(json: &str) -> Option<ParentMessage> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            protocol: String,
            #[serde(rename = "type")]
            kind: String,
            locale: String,
        }
        let raw: Raw = serde_json::from_str(json).ok()?;
        if raw.protocol != PROTOCOL || raw.kind != "locale" {
            return None;
        }
        // Exactly the schema's tags: `Lang::from_tag` would also take `ru-RU` or `UK`.
        Lang::ALL
            .into_iter()
            .find(|l| l.tag() == raw.locale)
            .map(ParentMessage::Locale)
    }

    pub fn to_json(self) -> String {
        match self {
            ParentMessage::Locale(l) => serde_json::json!({
                "protocol": PROTOCOL,
                "type": "locale",
                "locale": l.tag(),
            })
            .to_string(),
        }
    }
}

/// The message the bank's sign-in window posts to the frame that opened it (both on the portal's
/// origin): `{"protocol": "bankid-portal/1", "type": "handback", "code": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandbackMessage {
    pub protocol: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub code: String,
}

impl HandbackMessage {
    pub fn new(code: &str) -> HandbackMessage {
        HandbackMessage {
            protocol: PROTOCOL.to_string(),
            kind: "handback".to_string(),
            code: code.to_string(),
        }
    }

    /// The code of a well-formed hand-back message (43 URL-safe base64 characters), else `None`.
    pub fn parse(json: &str) -> Option<String> {
        let m: HandbackMessage = serde_json::from_str(json).ok()?;
        (m.protocol == PROTOCOL && m.kind == "handback" && is_code(&m.code)).then_some(m.code)
    }
}

/// Whether `s` has the shape of a one-time code or credential of the embedded mode (32 random
/// bytes, URL-safe base64 without padding).
pub fn is_code(s: &str) -> bool {
    s.len() == 43
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_messages_have_the_documented_shape() {
        let v = |e| serde_json::to_value(FrameMessage::new(e)).unwrap();
        assert_eq!(
            v(FrameEvent::Ready),
            serde_json::json!({"protocol": "bankid-portal/1", "type": "ready"})
        );
        assert_eq!(
            v(FrameEvent::Resize { height: 612 }),
            serde_json::json!({"protocol": "bankid-portal/1", "type": "resize", "height": 612})
        );
        assert_eq!(
            v(FrameEvent::Step {
                name: EmbedStep::Consent
            }),
            serde_json::json!({"protocol": "bankid-portal/1", "type": "step", "name": "consent"})
        );
        assert_eq!(
            v(FrameEvent::Done {
                status: RegistrationState::PendingConfirmation,
                request_number: "R-2026-000001".into()
            }),
            serde_json::json!({"protocol": "bankid-portal/1", "type": "done",
                "status": "pending_confirmation", "request_number": "R-2026-000001"})
        );
        assert_eq!(
            v(FrameEvent::Error {
                code: ErrorCode::BankUnreachable,
                trace_id: "t1".into()
            }),
            serde_json::json!({"protocol": "bankid-portal/1", "type": "error",
                "code": "BANK_UNREACHABLE", "trace_id": "t1"})
        );
    }

    #[test]
    fn embedded_starts_have_the_documented_shape() {
        let top = EmbedStart::Top {
            return_url: "https://b.example/p".into(),
        };
        assert_eq!(
            serde_json::to_value(&top).unwrap(),
            serde_json::json!({"mode": "top", "return_url": "https://b.example/p"})
        );
        assert_eq!(
            serde_json::to_value(EmbedStart::Popup {}).unwrap(),
            serde_json::json!({"mode": "popup"})
        );
        for bad in [
            r#"{"mode":"top"}"#,
            r#"{"mode":"popup","return_url":"https://b.example/"}"#,
            r#"{"mode":"popup","token":"x"}"#,
            r#"{"mode":"iframe"}"#,
        ] {
            assert!(serde_json::from_str::<EmbedStart>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_exact_parent_messages_are_read() {
        let ok = r#"{"protocol":"bankid-portal/1","type":"locale","locale":"uk"}"#;
        assert_eq!(
            ParentMessage::parse(ok),
            Some(ParentMessage::Locale(Lang::Uk))
        );
        assert_eq!(
            ParentMessage::parse(&ParentMessage::Locale(Lang::En).to_json()),
            Some(ParentMessage::Locale(Lang::En))
        );
        for bad in [
            r#"{"protocol":"bankid-portal/2","type":"locale","locale":"uk"}"#,
            r#"{"protocol":"bankid-portal/1","type":"locale","locale":"de"}"#,
            r#"{"protocol":"bankid-portal/1","type":"locale","locale":"ru-RU"}"#,
            r#"{"protocol":"bankid-portal/1","type":"locale","locale":"UK"}"#,
            r#"{"protocol":"bankid-portal/1","type":"navigate","locale":"uk"}"#,
            r#"{"protocol":"bankid-portal/1","type":"locale","locale":"uk","url":"x"}"#,
            r#"{"type":"locale","locale":"uk"}"#,
            r#""locale""#,
            "not json",
        ] {
            assert_eq!(ParentMessage::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn handback_messages_carry_only_a_code() {
        let code = "a".repeat(43);
        let json = serde_json::to_string(&HandbackMessage::new(&code)).unwrap();
        assert_eq!(HandbackMessage::parse(&json), Some(code));
        assert_eq!(
            HandbackMessage::parse(
                r#"{"protocol":"bankid-portal/1","type":"handback","code":"short"}"#
            ),
            None
        );
        assert_eq!(
            HandbackMessage::parse(&format!(
                r#"{{"protocol":"bankid-portal/1","type":"handback","code":"{}","x":1}}"#,
                "a".repeat(43)
            )),
            None
        );
    }
}
