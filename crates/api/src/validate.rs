//! Field rules. The SPA runs them before sending; the server runs the same functions on every
//! request. Each returns the normalized value (the form that goes on the wire and into the store)
//! or what is wrong with the input.
//!
//! [`normalize_phone`] answers with an [`ErrorCode`] directly; every other rule answers with a
//! [`RuleError`], which names the exact problem and maps to an [`ErrorCode`] with
//! [`RuleError::code`]. Every rule comes with a `*_HINT` constant `(ru, uk, en)` that the SPA shows
//! under the field.
//!
//! The module is pure Rust without dependencies because it ships in the browser bundle: the
//! calendar, the checksums and the small piece of Unicode normalization that names need are
//! implemented here. Nothing reads a clock: rules that depend on the date take `today`.

use crate::error::ErrorCode;
use crate::types::Country;

mod contact;
mod date;
mod ids;
mod name;
mod nfc;

pub use contact::{
    normalize_email, normalize_otp_code, EMAIL_HINT, EMAIL_MAX_CHARS, OTP_CODE_HINT, OTP_CODE_LEN,
    OTP_CODE_PATTERN, SECOND_FACTOR_CODE_PATTERN,
};
pub use date::{
    age_on, days_in_month, is_leap_year, normalize_birth_date, normalize_birth_date_iso,
    normalize_birth_date_parts, Ymd, BIRTH_DATE_HINT, MIN_AGE_YEARS, MIN_BIRTH_YEAR,
};
pub use ids::{
    format_snils, normalize_inn, normalize_rnokpp, normalize_ru_passport, normalize_snils,
    normalize_ua_passport, INN_HINT, RNOKPP_HINT, RU_PASSPORT_HINT, SNILS_HINT, UA_PASSPORT_HINT,
};
pub use name::{normalize_name, NAME_HINT, NAME_MAX_CHARS};

/// What is wrong with a field value, as precisely as the rules can tell.
///
/// The SPA and the server report it as the [`ErrorCode`] of [`RuleError::code`], usually as a
/// value of the `fields` map of a `REQ_INVALID_FIELDS` error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleError {
    /// Nothing was entered (only spaces, or nothing at all).
    Required,
    /// Longer than the rule allows.
    TooLong,
    /// A date that is not written as DD.MM.YYYY (or as `YYYY-MM-DD` on the wire).
    DateFormat,
    /// A well-formed date that does not exist, such as 31.04 or 29.02 of a non-leap year.
    DateNotReal,
    /// A birth date before [`MIN_BIRTH_YEAR`].
    DateTooEarly,
    /// A birth date after `today`.
    DateInFuture,
    /// Younger than [`MIN_AGE_YEARS`] on `today`.
    AgeUnder14,
    /// An INN that is not 10 or 12 digits.
    InnFormat,
    /// An INN whose check digits do not match (or that is all zeros).
    InnChecksum,
    /// A SNILS that is not 11 digits.
    SnilsFormat,
    /// A SNILS whose check number does not match (or that is all zeros).
    SnilsChecksum,
    /// A Russian passport that is not 4 + 6 digits.
    RuPassportFormat,
    /// An RNOKPP that is not 10 digits.
    RnokppFormat,
    /// An RNOKPP whose check digit does not match (or that is all zeros).
    RnokppChecksum,
    /// A Ukrainian passport that is neither 9 digits nor 2 Cyrillic letters + 6 digits.
    UaPassportFormat,
    /// A name with a character that is not a letter, space, hyphen or apostrophe.
    NameChars,
    /// A name that starts or ends with a hyphen or apostrophe, or has two separators in a row.
    NameSeparators,
    /// A word of a name that mixes Latin and Cyrillic letters (`Ivanоv` with a Cyrillic `о`).
    NameMixedScript,
    /// A name with an accent or other combining mark that does not form a letter (stress marks).
    NameUnsupportedMark,
    /// Not an email address.
    EmailFormat,
    /// A one-time code that is not exactly 6 digits.
    CodeFormat,
}

impl RuleError {
    /// Every variant, for catalogue tests.
    pub const ALL: &'static [RuleError] = &[
        RuleError::Required,
        RuleError::TooLong,
        RuleError::DateFormat,
        RuleError::DateNotReal,
        RuleError::DateTooEarly,
        RuleError::DateInFuture,
        RuleError::AgeUnder14,
        RuleError::InnFormat,
        RuleError::InnChecksum,
        RuleError::SnilsFormat,
        RuleError::SnilsChecksum,
        RuleError::RuPassportFormat,
        RuleError::RnokppFormat,
        RuleError::RnokppChecksum,
        RuleError::UaPassportFormat,
        RuleError::NameChars,
        RuleError::NameSeparators,
        RuleError::NameMixedScript,
        RuleError::NameUnsupportedMark,
        RuleError::EmailFormat,
        RuleError::CodeFormat,
    ];

    /// The error code reported for this problem.
    pub fn code(self) -> ErrorCode {
        match self {
            RuleError::Required => ErrorCode::FieldRequired,
            RuleError::TooLong => ErrorCode::FieldTooLong,
            RuleError::DateFormat => ErrorCode::FieldDateFormat,
            RuleError::DateNotReal => ErrorCode::FieldDateNotReal,
            RuleError::DateTooEarly => ErrorCode::FieldDateTooEarly,
            RuleError::DateInFuture => ErrorCode::FieldDateInFuture,
            RuleError::AgeUnder14 => ErrorCode::FieldAgeUnder14,
            RuleError::InnFormat => ErrorCode::FieldInnFormat,
            RuleError::InnChecksum => ErrorCode::FieldInnChecksum,
            RuleError::SnilsFormat => ErrorCode::FieldSnilsFormat,
            RuleError::SnilsChecksum => ErrorCode::FieldSnilsChecksum,
            RuleError::RuPassportFormat => ErrorCode::FieldRuPassportFormat,
            RuleError::RnokppFormat => ErrorCode::FieldRnokppFormat,
            RuleError::RnokppChecksum => ErrorCode::FieldRnokppChecksum,
            RuleError::UaPassportFormat => ErrorCode::FieldUaPassportFormat,
            RuleError::NameChars => ErrorCode::FieldNameChars,
            RuleError::NameSeparators => ErrorCode::FieldNameSeparators,
            RuleError::NameMixedScript => ErrorCode::FieldNameMixedScript,
            RuleError::NameUnsupportedMark => ErrorCode::FieldNameUnsupportedMark,
            RuleError::EmailFormat => ErrorCode::FieldEmailFormat,
            RuleError::CodeFormat => ErrorCode::FieldCodeFormat,
        }
    }
}

impl From<RuleError> for ErrorCode {
    fn from(e: RuleError) -> ErrorCode {
        e.code()
    }
}

/// The ASCII digits of `input` with every character for which `skip` holds removed.
///
/// `None` when any other character occurs or when there are more than `max` digits (so an
/// arbitrarily long input costs at most `max` pushes).
fn strip_to_digits(input: &str, skip: fn(char) -> bool, max: usize) -> Option<String> {
    let mut digits = String::with_capacity(max);
    for ch in input.chars() {
        if ch.is_ascii_digit() {
            if digits.len() == max {
                return None;
            }
            digits.push(ch);
        } else if !skip(ch) {
            return None;
        }
    }
    Some(digits)
}

/// The separators [`normalize_phone`] ignores, as a regular-expression class.
macro_rules! sep {
    () => {
        r"[ ().\u00A0\u2011-\u2013-]"
    };
}

/// The separators that are not whitespace (an input may start or end with them).
macro_rules! edge {
    () => {
        r"[().\u2011-\u2013-]"
    };
}

/// Longest phone input accepted before normalization (generous for spaces and brackets), in
/// characters once surrounding whitespace is trimmed.
pub const PHONE_MAX_INPUT: usize = 32;

/// [`normalize_phone`] as a regular expression (ECMA-262, and Rust's `regex` syntax alike) for the
/// OpenAPI document: together with [`PHONE_MAX_INPUT`] as `maxLength`, exactly the inputs without
/// surrounding whitespace that it accepts (the server also trims surrounding whitespace). Checked
/// against the function by a property test (`tests/rules.rs`).
///
/// Separators (space, brackets, dot, dashes, no-break space) go anywhere between the digits; `+`
/// only first; the digits are `+7` / `7` / `8` and a 10-digit Russian number starting 3, 4, 8 or
/// 9, or `+380` / `380` / `0` and a 9-digit Ukrainian number not starting 0.
pub const PHONE_PATTERN: &str = concat!(
    r"^(?:\+",
    sep!(),
    "*(?:3",
    sep!(),
    "*8",
    sep!(),
    "*0",
    sep!(),
    "*[1-9](?:",
    sep!(),
    "*[0-9]){8}|7",
    sep!(),
    "*[3489](?:",
    sep!(),
    "*[0-9]){9})|(?:",
    edge!(),
    sep!(),
    "*)?(?:[78]",
    sep!(),
    "*[3489](?:",
    sep!(),
    "*[0-9]){9}|3",
    sep!(),
    "*8",
    sep!(),
    "*0",
    sep!(),
    "*[1-9](?:",
    sep!(),
    "*[0-9]){8}|0",
    sep!(),
    "*[1-9](?:",
    sep!(),
    "*[0-9]){8}))(?:",
    sep!(),
    "*",
    edge!(),
    ")?$",
);

/// Human description of the phone rule, for hints, when the bank is not known.
pub const PHONE_HINT: (&str, &str, &str) = (
    "Российский (+7) или украинский (+380) мобильный номер. Пробелы, скобки и дефисы можно не убирать.",
    "Український (+380) або російський (+7) мобільний номер. Пробіли, дужки й дефіси можна не прибирати.",
    "A Russian (+7) or Ukrainian (+380) mobile number. Spaces, brackets and dashes are fine.",
);

/// The phone rule for a bank of `country` ([`check_phone_country`]: a bank confirms only its own
/// country's numbers), for hints; [`PHONE_HINT`] when the bank is not known.
pub fn phone_hint_for(country: Option<Country>) -> (&'static str, &'static str, &'static str) {
    match country {
        Some(Country::Ru) => (
            "Российский мобильный номер (+7). Пробелы, скобки и дефисы можно не убирать.",
            "Російський мобільний номер (+7). Пробіли, дужки й дефіси можна не прибирати.",
            "A Russian mobile number (+7). Spaces, brackets and dashes are fine.",
        ),
        Some(Country::Ua) => (
            "Украинский мобильный номер (+380). Пробелы, скобки и дефисы можно не убирать.",
            "Український мобільний номер (+380). Пробіли, дужки й дефіси можна не прибирати.",
            "A Ukrainian mobile number (+380). Spaces, brackets and dashes are fine.",
        ),
        None => PHONE_HINT,
    }
}

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
            // +7 6… and +7 7… are Kazakhstan's numbers.
            Some(b'6' | b'7') if rest.len() == 10 => Err(ErrorCode::FieldPhoneCountry),
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
        // A country code of its own (+1, +44, +375 …), not the start of +380 still being typed.
        if !"380".starts_with(digits.as_str()) {
            return Err(ErrorCode::FieldPhoneCountry);
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

/// The country of a normalized (E.164) number: `+7` Russia, `+380` Ukraine; `None` for anything
/// else.
pub fn phone_country(e164: &str) -> Option<Country> {
    if e164.starts_with("+380") {
        Some(Country::Ua)
    } else if e164.starts_with("+7") {
        Some(Country::Ru)
    } else {
        None
    }
}

/// A bank confirms only numbers of its own country: a normalized number `e164` for a bank of
/// `bank`'s country, or the code that says which way round they differ.
pub fn check_phone_country(e164: &str, bank: Country) -> Result<(), ErrorCode> {
    match (phone_country(e164), bank) {
        (Some(Country::Ua), Country::Ru) => Err(ErrorCode::FieldPhoneUaForRuBank),
        (Some(Country::Ru), Country::Ua) => Err(ErrorCode::FieldPhoneRuForUaBank),
        (Some(_), _) => Ok(()),
        (None, _) => Err(ErrorCode::FieldPhoneFormat),
    }
}

/// The phone rule of a registration through a bank of `bank`'s country: [`normalize_phone`], then
/// [`check_phone_country`]. The SPA runs it before sending, the server on every start.
pub fn normalize_phone_for(input: &str, bank: Country) -> Result<String, ErrorCode> {
    let e164 = normalize_phone(input)?;
    check_phone_country(&e164, bank)?;
    Ok(e164)
}

/// Masks a normalized phone for display: `+7 ••• •••-45-67`.
///
/// Never panics, whatever the input (a non-ASCII tail is cut at a character boundary).
pub fn mask_phone(e164: &str) -> String {
    let n = e164.chars().count();
    let tail: String = e164.chars().skip(n.saturating_sub(4)).collect();
    let (cc, _) = if e164.starts_with("+380") {
        ("+380", 4)
    } else {
        ("+7", 2)
    };
    let mut cut = tail.len().min(2);
    while !tail.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{cc} ••• •••-{}-{}", &tail[..cut], &tail[cut..])
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_phone_hint_names_the_countries_whose_numbers_are_taken() {
        for (country, own, other) in [(Country::Ru, "+7)", "+380"), (Country::Ua, "+380)", "+7")] {
            let (ru, uk, en) = phone_hint_for(Some(country));
            for text in [ru, uk, en] {
                assert!(
                    text.contains(own) && !text.contains(other),
                    "{country:?}: {text}"
                );
            }
        }
        let (ru, uk, en) = phone_hint_for(None);
        for text in [ru, uk, en] {
            assert!(text.contains("+7)") && text.contains("+380)"), "{text}");
        }
    }

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
    fn numbers_of_other_countries_are_named_as_such() {
        for input in [
            "+1 202 555 0100",   // USA
            "+44 20 7946 0958",  // United Kingdom
            "+375 29 123 45 67", // Belarus
            "+49 30 1234567",    // Germany
            "+7 701 123 45 67",  // Kazakhstan (+7 7…)
            "+7 600 123 45 67",  // Kazakhstan (+7 6…)
            "8 701 123 45 67",   // Kazakhstan, dialled with 8
        ] {
            assert_eq!(
                normalize_phone(input),
                Err(ErrorCode::FieldPhoneCountry),
                "{input}"
            );
        }
        // The start of +380 still being typed, or too few digits: a format problem.
        for input in ["+", "+3", "+38", "+380", "+7", "+7 916", "+7 100 123 45 67"] {
            assert_eq!(
                normalize_phone(input),
                Err(ErrorCode::FieldPhoneFormat),
                "{input}"
            );
        }
    }

    #[test]
    fn a_bank_takes_only_numbers_of_its_country() {
        assert_eq!(phone_country("+79161234567"), Some(Country::Ru));
        assert_eq!(phone_country("+380671234567"), Some(Country::Ua));
        assert_eq!(phone_country("+12025550100"), None);
        assert_eq!(
            normalize_phone_for("+7 916 123-45-67", Country::Ru).as_deref(),
            Ok("+79161234567")
        );
        assert_eq!(
            normalize_phone_for("067 123 45 67", Country::Ua).as_deref(),
            Ok("+380671234567")
        );
        for ua in ["+380671234567", "380 67 123 45 67", "067 123 45 67"] {
            assert_eq!(
                normalize_phone_for(ua, Country::Ru),
                Err(ErrorCode::FieldPhoneUaForRuBank),
                "{ua}"
            );
        }
        for ru in ["+79161234567", "8 916 123 45 67", "79161234567"] {
            assert_eq!(
                normalize_phone_for(ru, Country::Ua),
                Err(ErrorCode::FieldPhoneRuForUaBank),
                "{ru}"
            );
        }
        // Other problems come first, whatever the bank.
        for bank in [Country::Ru, Country::Ua] {
            assert_eq!(
                normalize_phone_for("+1 202 555 0100", bank),
                Err(ErrorCode::FieldPhoneCountry)
            );
            assert_eq!(normalize_phone_for("", bank), Err(ErrorCode::FieldRequired));
            assert_eq!(
                normalize_phone_for("+7 916", bank),
                Err(ErrorCode::FieldPhoneFormat)
            );
        }
        assert_eq!(
            check_phone_country("junk", Country::Ru),
            Err(ErrorCode::FieldPhoneFormat)
        );
        // The three codes say different things, in every language.
        for lang in crate::Lang::ALL {
            let texts = [
                ErrorCode::FieldPhoneCountry.message(lang),
                ErrorCode::FieldPhoneUaForRuBank.message(lang),
                ErrorCode::FieldPhoneRuForUaBank.message(lang),
            ];
            assert!(texts[0].contains("+7") && texts[0].contains("+380"));
            assert_ne!(texts[1], texts[2]);
        }
        assert!(ErrorCode::FieldPhoneUaForRuBank
            .message(crate::Lang::Ru)
            .starts_with("Это украинский номер (+380), а выбран российский банк"));
        assert!(ErrorCode::FieldPhoneRuForUaBank
            .message(crate::Lang::Uk)
            .starts_with("Це російський номер (+7), а обрано український банк"));
    }

    #[test]
    fn normalization_is_idempotent() {
        for input in ["8 916 123 45 67", "067 123 45 67"] {
            let once = normalize_phone(input).unwrap();
            assert_eq!(normalize_phone(&once).unwrap(), once);
        }
    }

    #[test]
    fn every_rule_error_maps_to_its_own_field_code() {
        let mut codes: Vec<ErrorCode> = RuleError::ALL.iter().map(|e| e.code()).collect();
        for e in RuleError::ALL {
            let code = e.code();
            assert_eq!(ErrorCode::from(*e), code);
            assert!(code.as_str().starts_with("FIELD_"), "{e:?}");
            assert_eq!(code.http_status(), 400, "{e:?}");
        }
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), RuleError::ALL.len());
        assert_eq!(RuleError::ALL.len(), 21);
        assert_eq!(RuleError::AgeUnder14.code().as_str(), "FIELD_AGE_UNDER14");
        assert_eq!(
            RuleError::NameUnsupportedMark.code().as_str(),
            "FIELD_NAME_UNSUPPORTED_MARK"
        );
    }

    #[test]
    fn strip_to_digits_limits_and_refuses() {
        assert_eq!(
            strip_to_digits(" 12 3 ", char::is_whitespace, 3).as_deref(),
            Some("123")
        );
        assert_eq!(strip_to_digits("1234", char::is_whitespace, 3), None);
        assert_eq!(strip_to_digits("12a", char::is_whitespace, 3), None);
        assert_eq!(
            strip_to_digits("", char::is_whitespace, 3).as_deref(),
            Some("")
        );
        // Only ASCII digits count.
        assert_eq!(strip_to_digits("١٢", char::is_whitespace, 3), None);
    }

    #[test]
    fn masks_all_but_last_four() {
        assert_eq!(mask_phone("+79161234567"), "+7 ••• •••-45-67");
        assert_eq!(mask_phone("+380671234567"), "+380 ••• •••-45-67");
    }

    #[test]
    fn masking_garbage_does_not_panic() {
        // Found by `cargo fuzz run rules`: a multi-byte character in the last four.
        assert_eq!(mask_phone("1۹"), "+7 ••• •••-1-۹");
        assert_eq!(mask_phone("۹۹۹۹"), "+7 ••• •••-۹-۹۹۹");
        assert_eq!(mask_phone(""), "+7 ••• •••--");
    }
}
