//! One-time code fields: the activation / authenticator code (6 digits) and the sign-in second
//! factor, which also takes a backup code (`XXXXX-XXXXX`).

use bankid_api::validate::normalize_otp_code;
use bankid_api::ErrorCode;
use leptos::prelude::*;

use crate::components::text_input::{InputWidth, TextInput};

/// A 6-digit one-time code as sent on the wire, or why it is not one (spaces are ignored).
pub fn otp_code(input: &str) -> Result<String, ErrorCode> {
    normalize_otp_code(input).map_err(|e| e.code())
}

/// Characters of a backup code, without the dash.
const BACKUP_CHARS: usize = 10;

/// A second factor: a 6-digit authenticator code, or a backup code in any case, with or without
/// spaces and the dash, sent as `XXXXX-XXXXX`.
pub fn mfa_code(input: &str) -> Result<String, ErrorCode> {
    if input.trim().is_empty() {
        return Err(ErrorCode::FieldRequired);
    }
    if let Ok(code) = normalize_otp_code(input) {
        return Ok(code);
    }
    let raw: String = input
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '\u{2010}'..='\u{2015}'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let base32 = |c: char| c.is_ascii_uppercase() || ('2'..='7').contains(&c);
    if raw.len() == BACKUP_CHARS && raw.chars().all(base32) {
        Ok(format!("{}-{}", &raw[..5], &raw[5..]))
    } else {
        Err(ErrorCode::FieldCodeFormat)
    }
}

/// What kind of code a [`CodeInput`] takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CodeKind {
    /// 6 digits only (`inputmode="numeric"`).
    #[default]
    Otp,
    /// 6 digits or a backup code (letters too, so a text keyboard).
    Mfa,
}

/// A labelled one-time code field (`autocomplete="one-time-code"`, no spellcheck), id `id`.
#[component]
pub fn CodeInput(
    #[prop(into)] id: String,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<ErrorCode>>,
    #[prop(into)] label: Signal<String>,
    #[prop(optional, into)] hint: Signal<String>,
    #[prop(optional)] kind: CodeKind,
    #[prop(optional)] page_heading: bool,
) -> impl IntoView {
    let (inputmode, width) = match kind {
        CodeKind::Otp => ("numeric", InputWidth::Chars10),
        CodeKind::Mfa => ("text", InputWidth::Chars20),
    };
    view! {
        <TextInput
            id
            value
            error
            label
            hint
            page_heading
            autocomplete="one-time-code"
            inputmode=inputmode
            spellcheck=false
            width
        />
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn otp_codes() {
        assert_eq!(otp_code(" 123 456 ").as_deref(), Ok("123456"));
        assert_eq!(otp_code(""), Err(ErrorCode::FieldRequired));
        assert_eq!(otp_code("12345"), Err(ErrorCode::FieldCodeFormat));
        assert_eq!(otp_code("12345a"), Err(ErrorCode::FieldCodeFormat));
    }

    #[test]
    fn mfa_codes_take_digits_or_backup_codes() {
        assert_eq!(mfa_code("123456").as_deref(), Ok("123456"));
        assert_eq!(mfa_code("123 456").as_deref(), Ok("123456"));
        assert_eq!(mfa_code("abcde-fgh23").as_deref(), Ok("ABCDE-FGH23"));
        assert_eq!(mfa_code(" ABCDE FGH23 ").as_deref(), Ok("ABCDE-FGH23"));
        assert_eq!(mfa_code("ABCDEFGH23").as_deref(), Ok("ABCDE-FGH23"));
        assert_eq!(mfa_code("  "), Err(ErrorCode::FieldRequired));
        assert_eq!(mfa_code("12345"), Err(ErrorCode::FieldCodeFormat));
        // 0, 1, 8, 9 are not base32; Cyrillic look-alikes are not Latin.
        assert_eq!(mfa_code("ABCDE-FGH01"), Err(ErrorCode::FieldCodeFormat));
        assert_eq!(mfa_code("АВСDE-FGH23"), Err(ErrorCode::FieldCodeFormat));
    }
}
