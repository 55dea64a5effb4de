//! Field rules. The SPA runs them before sending; the server runs the same functions on every
//! request. Each returns the normalized value or the [`ErrorCode`] that describes the problem.

use crate::error::ErrorCode;

/// Longest phone input accepted before normalization (generous for spaces and brackets).
const PHONE_MAX_INPUT: usize = 32;

/// Human description of the phone rule, for hints.
pub const PHONE_HINT: (&str, &str, &str) = (
    "Российский (+7) или украинский (+380) мобильный номер. Пробелы, скобки и дефисы можно не убирать.",
    "Український (+380) або російський (+7) мобільний номер. Пробіли, дужки й дефіси можна не прибирати.",
    "A Russian (+7) or Ukrainian (+380) mobile number. Spaces, brackets and dashes are fine.",
);

/// Normalizes a Russian or Ukrainian phone number to E.164.
///
/// Accepts spaces, dashes, dots and brackets anywhere; `8XXXXXXXXXX` and `7XXXXXXXXXX` as Russian
/// numbers; `0XXXXXXXXX` and `380XXXXXXXXX` as Ukrainian ones. Russian numbers must start with 3, 4,
/// 8 or 9 after the country code (+7 6/7 is Kazakhstan); Ukrainian operator codes cannot start with 0.
pub fn normalize_phone(input: &str) -> Result<String, ErrorCode> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(ErrorCode::FieldRequired);
    }
    if trimmed.chars().count() > PHONE_MAX_INPUT {
        return Err(ErrorCode::FieldPhoneFormat);
    }
    let mut plus = false;
    let mut digits = String::with_capacity(15);
    for (i, ch) in trimmed.chars().enumerate() {
        match ch {
            '+' if i == 0 => plus = true,
            '0'..='9' => digits.push(ch),
            ' ' | '-' | '(' | ')' | '.' | '\u{00A0}' | '\u{2011}' | '\u{2012}' | '\u{2013}' => {}
            _ => return Err(ErrorCode::FieldPhoneFormat),
        }
    }
    let national_ru = |rest: &str| -> Result<String, ErrorCode> {
        match rest.as_bytes().first() {
            Some(b'3' | b'4' | b'8' | b'9') if rest.len() == 10 => Ok(format!("+7{rest}")),
            _ => Err(ErrorCode::FieldPhoneFormat),
        }
    };
    let national_ua = |rest: &str| -> Result<String, ErrorCode> {
        match rest.as_bytes().first() {
            Some(b'1'..=b'9') if rest.len() == 9 => Ok(format!("+380{rest}")),
            _ => Err(ErrorCode::FieldPhoneFormat),
        }
    };
    if plus {
        if let Some(rest) = digits.strip_prefix("380") {
            return national_ua(rest);
        }
        if let Some(rest) = digits.strip_prefix('7') {
            return national_ru(rest);
        }
        return Err(ErrorCode::FieldPhoneFormat);
    }
    match digits.len() {
        11 if digits.starts_with('8') || digits.starts_with('7') => national_ru(&digits[1..]),
        12 if digits.starts_with("380") => national_ua(&digits[3..]),
        10 if digits.starts_with('0') => national_ua(&digits[1..]),
        _ => Err(ErrorCode::FieldPhoneFormat),
    }
}

/// Masks a normalized phone for display: `+7 ••• •••-45-67`.
pub fn mask_phone(e164: &str) -> String {
    let n = e164.chars().count();
    let tail: String = e164.chars().skip(n.saturating_sub(4)).collect();
    let (cc, _) = if e164.starts_with("+380") {
        ("+380", 4)
    } else {
        ("+7", 2)
    };
    format!(
        "{cc} ••• •••-{}-{}",
        &tail[..tail.len().min(2)],
        &tail[tail.len().min(2)..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn russian_numbers_in_any_spacing() {
        for input in [
            "+79161234567",
            "+7 916 123-45-67",
            "+7 (916) 123-45-67",
            "8 (916) 123 45 67",
            "89161234567",
            "79161234567",
            " +7-916-123-45-67 ",
            "8.916.123.45.67",
            "+7\u{00A0}916\u{00A0}1234567",
        ] {
            assert_eq!(
                normalize_phone(input).as_deref(),
                Ok("+79161234567"),
                "{input}"
            );
        }
    }

    #[test]
    fn ukrainian_numbers_in_any_spacing() {
        for input in [
            "+380671234567",
            "+380 67 123 45 67",
            "380 (67) 123-45-67",
            "067 123 45 67",
            "0671234567",
        ] {
            assert_eq!(
                normalize_phone(input).as_deref(),
                Ok("+380671234567"),
                "{input}"
            );
        }
    }

    #[test]
    fn refuses_bad_numbers() {
        for input in [
            "+7916123456",     // too short
            "+791612345678",   // too long
            "+77011234567",    // Kazakhstan
            "+380071234567",   // operator code starting with 0
            "+1 202 555 0100", // not RU/UA
            "9161234567",      // no country prefix
            "+7 916 123 45 6a",
            "++79161234567",
            "7+9161234567",
            "+7 916 123 45 67 ext 1",
            "１２３",                                     // full-width digits
            "+7   9   1   6   1   2   3   4   5   6   7", // over the input length limit
        ] {
            assert!(normalize_phone(input).is_err(), "{input}");
        }
        assert_eq!(normalize_phone("   "), Err(ErrorCode::FieldRequired));
        assert_eq!(normalize_phone(""), Err(ErrorCode::FieldRequired));
        assert_eq!(
            normalize_phone(&"9".repeat(40)),
            Err(ErrorCode::FieldPhoneFormat)
        );
    }

    #[test]
    fn normalization_is_idempotent() {
        for input in ["8 916 123 45 67", "067 123 45 67"] {
            let once = normalize_phone(input).unwrap();
            assert_eq!(normalize_phone(&once).unwrap(), once);
        }
    }

    #[test]
    fn masks_all_but_last_four() {
        assert_eq!(mask_phone("+79161234567"), "+7 ••• •••-45-67");
        assert_eq!(mask_phone("+380671234567"), "+380 ••• •••-45-67");
    }
}
