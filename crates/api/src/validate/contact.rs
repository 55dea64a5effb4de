//! Email addresses and one-time codes.

use super::name::{letter_script, Script};
use super::{strip_to_digits, RuleError};

/// Longest accepted email address, in characters (the SMTP path limit).
pub const EMAIL_MAX_CHARS: usize = 254;

/// Longest local part (before `@`), in characters.
const EMAIL_LOCAL_MAX: usize = 64;

/// Longest domain label, in characters.
const EMAIL_LABEL_MAX: usize = 63;

/// Number of digits of a one-time code.
pub const OTP_CODE_LEN: usize = 6;

/// Human description of the email rule, for hints.
pub const EMAIL_HINT: (&str, &str, &str) = (
    "Адрес электронной почты, например ivan@example.ru.",
    "Адреса електронної пошти, наприклад olena@example.ua.",
    "Email address, for example anna@example.com.",
);

/// Human description of the one-time code rule, for hints.
pub const OTP_CODE_HINT: (&str, &str, &str) = (
    "Код из 6 цифр из сообщения.",
    "Код із 6 цифр із повідомлення.",
    "The 6-digit code from the message.",
);

/// Normalizes an email address: surrounding spaces trimmed, domain lower-cased.
///
/// A pragmatic subset of RFC 5321/5322 that real mailboxes use:
/// - exactly one `@`, at most [`EMAIL_MAX_CHARS`] characters in all;
/// - local part of 1–64 characters: ASCII letters, digits and ``!#$%&'*+-/=?^_`{|}~``, and dots
///   that neither start nor end it nor follow each other (no quoted local parts); its case is
///   kept, as the recipient's server decides about it;
/// - domain of at least two dot-separated labels of 1–63 characters: letters, digits and hyphens,
///   no hyphen at either end of a label. Letters may be Latin or Cyrillic ones for internationalized
///   domains (`почта.рф`; Latin Extended-B letters are not accepted there); the top-level label is
///   letters only, at least two, or an `xn--` A-label (`xn--p1ai`).
///
/// Limitations: no IP-address domains, no quoted or Unicode local parts, no Unicode domains in
/// other scripts (their A-label `xn--…` form is accepted), and no IDNA mapping beyond lower-casing.
pub fn normalize_email(input: &str) -> Result<String, RuleError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(RuleError::Required);
    }
    if trimmed.chars().count() > EMAIL_MAX_CHARS {
        return Err(RuleError::TooLong);
    }
    let (local, domain) = trimmed.split_once('@').ok_or(RuleError::EmailFormat)?;
    if !is_local_part(local) {
        return Err(RuleError::EmailFormat);
    }
    let domain: String = domain.chars().map(domain_lowercase).collect();
    if !is_domain(&domain) {
        return Err(RuleError::EmailFormat);
    }
    Ok(format!("{local}@{domain}"))
}

fn is_local_part(local: &str) -> bool {
    let atext =
        |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c) || c == '.';
    !local.is_empty()
        && local.len() <= EMAIL_LOCAL_MAX
        && local.chars().all(atext)
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
}

fn is_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let Some((tld, _)) = labels.split_last() else {
        return false;
    };
    labels.len() >= 2
        && labels.iter().all(|l| is_label(l))
        && (tld.starts_with("xn--")
            || (tld.chars().count() >= 2 && tld.chars().all(is_domain_letter)))
}

fn is_label(label: &str) -> bool {
    !label.is_empty()
        && label.chars().count() <= EMAIL_LABEL_MAX
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label
            .chars()
            .all(|c| c.is_ascii_digit() || c == '-' || is_domain_letter(c))
}

/// Letters allowed in a domain: the name repertoire without Latin Extended-B (whose case pairs
/// are irregular) and without U+0130 (its lowercase is two characters).
fn is_domain_letter(c: char) -> bool {
    match letter_script(c) {
        Some(Script::Latin) => !('\u{0180}'..='\u{024F}').contains(&c) && c != '\u{0130}',
        Some(Script::Cyrillic) => true,
        None => false,
    }
}

/// Lowercase of the domain letters (same result as `char::to_lowercase` for them, checked by a
/// test), without the Unicode case tables that would cost a few KB of wasm. Other characters
/// are returned unchanged (and then refused by [`is_domain`] if they are not allowed).
fn domain_lowercase(c: char) -> char {
    let u = c as u32;
    let lower = match u {
        0x41..=0x5A | 0xC0..=0xD6 | 0xD8..=0xDE | 0x410..=0x42F => u + 0x20,
        0x400..=0x40F => u + 0x50,
        0x178 => 0xFF,
        0x4C0 => 0x4CF,
        0x1E9E => 0xDF,
        // Case pairs with the capital on the even code point.
        0x100..=0x12F
        | 0x132..=0x137
        | 0x14A..=0x177
        | 0x460..=0x481
        | 0x48A..=0x4BF
        | 0x4D0..=0x52F
        | 0x1E00..=0x1E95
        | 0x1EA0..=0x1EFF
            if u & 1 == 0 =>
        {
            u + 1
        }
        // Case pairs with the capital on the odd code point.
        0x139..=0x148 | 0x179..=0x17E | 0x4C1..=0x4CE if u & 1 == 1 => u + 1,
        _ => u,
    };
    char::from_u32(lower).unwrap_or(c)
}

/// The characters Rust's `char::is_whitespace` (Unicode `White_Space`) calls whitespace, as a
/// regular-expression class; `\s` means more in some engines (Python's takes U+001C–U+001F too).
macro_rules! ws {
    () => {
        r"[\t\n\u000B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    };
}

/// [`normalize_otp_code`] as a regular expression (ECMA-262, and Rust's `regex` syntax alike) for
/// the OpenAPI document: exactly what it accepts, six ASCII digits with whitespace anywhere.
/// Checked against the function by a property test (`tests/rules.rs`).
pub const OTP_CODE_PATTERN: &str = concat!("^", ws!(), "*(?:[0-9]", ws!(), "*){6}$");

/// What a second-factor code can be, as a regular expression: an authenticator code (as
/// [`OTP_CODE_PATTERN`]), a backup code (ten letters A–Z or digits 2–7, any case, spaces and dashes
/// anywhere), or nothing (whitespace only: a recent bank sign-in stands in for it where allowed).
pub const SECOND_FACTOR_CODE_PATTERN: &str = concat!(
    "^",
    ws!(),
    "*(?:[0-9]",
    ws!(),
    "*){6}$|^[ -]*(?:[A-Za-z2-7][ -]*){10}$|^",
    ws!(),
    "*$"
);

/// Normalizes a one-time code: exactly [`OTP_CODE_LEN`] ASCII digits once spaces are removed
/// (`123 456` is fine).
pub fn normalize_otp_code(input: &str) -> Result<String, RuleError> {
    if input.trim().is_empty() {
        return Err(RuleError::Required);
    }
    match strip_to_digits(input, char::is_whitespace, OTP_CODE_LEN) {
        Some(code) if code.len() == OTP_CODE_LEN => Ok(code),
        _ => Err(RuleError::CodeFormat),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_addresses() {
        for (input, expected) in [
            ("ivan@example.ru", "ivan@example.ru"),
            (" Ivan.Petrov@Example.RU ", "Ivan.Petrov@example.ru"),
            ("user+tag@mail.co.uk", "user+tag@mail.co.uk"),
            ("o'neil@example.ie", "o'neil@example.ie"),
            ("a!#$%&'*+-/=?^_`{|}~z@x.io", "a!#$%&'*+-/=?^_`{|}~z@x.io"),
            ("ivan@ПОЧТА.РФ", "ivan@почта.рф"),
            ("olena@пошта.укр", "olena@пошта.укр"),
            ("anna@München.DE", "anna@münchen.de"),
            ("a@xn--80a1acny.xn--p1ai", "a@xn--80a1acny.xn--p1ai"),
            ("a@b-c.d1.com", "a@b-c.d1.com"),
            ("1@2.ru", "1@2.ru"),
        ] {
            assert_eq!(normalize_email(input).as_deref(), Ok(expected), "{input:?}");
            assert_eq!(
                normalize_email(expected).as_deref(),
                Ok(expected),
                "{expected:?}"
            );
        }
        let local = "a".repeat(64);
        assert!(normalize_email(&format!("{local}@example.com")).is_ok());
        let label = "b".repeat(63);
        assert!(normalize_email(&format!("a@{label}.com")).is_ok());
    }

    #[test]
    fn bad_addresses() {
        for bad in [
            "ivan",
            "ivan@",
            "@example.ru",
            "a@@example.ru",
            "a@b@example.ru",
            ".a@example.ru",
            "a.@example.ru",
            "a..b@example.ru",
            "a b@example.ru",
            "\"a b\"@example.ru",
            "иван@example.ru",
            "a@example",
            "a@example.r",
            "a@example.r1",
            "a@example.c-m",
            "a@-example.ru",
            "a@example-.ru",
            "a@example..ru",
            "a@.example.ru",
            "a@example.ru.",
            "a@exam_ple.ru",
            "a@[127.0.0.1]",
            "a@127.0.0.1",
            "a@xn--.ru",
            "a@例え.jp",
            "a@İstanbul.tr",
            "a@ǅemal.ba",
            "a@example.ru\u{200B}",
        ] {
            assert_eq!(normalize_email(bad), Err(RuleError::EmailFormat), "{bad:?}");
        }
        let local = "a".repeat(65);
        assert_eq!(
            normalize_email(&format!("{local}@example.com")),
            Err(RuleError::EmailFormat)
        );
        let label = "b".repeat(64);
        assert_eq!(
            normalize_email(&format!("a@{label}.com")),
            Err(RuleError::EmailFormat)
        );
        let long = format!("a@{}.com", vec!["b".repeat(60); 5].join("."));
        assert_eq!(normalize_email(&long), Err(RuleError::TooLong));
        assert_eq!(normalize_email("  "), Err(RuleError::Required));
    }

    #[test]
    fn domain_lowercase_agrees_with_std() {
        for c in (0..0x2000u32).filter_map(char::from_u32) {
            if !is_domain_letter(c) && !c.is_ascii_digit() && c != '-' {
                continue;
            }
            let mut std_lower = c.to_lowercase();
            let expected = std_lower.next().unwrap();
            assert_eq!(
                std_lower.next(),
                None,
                "{c} lower-cases to more than one char"
            );
            assert_eq!(domain_lowercase(c), expected, "U+{:04X}", c as u32);
            // The result is itself allowed, so lower-casing is idempotent.
            assert!(is_domain_letter(expected) || !is_domain_letter(c));
        }
    }

    #[test]
    fn otp_codes() {
        assert_eq!(normalize_otp_code("123456").as_deref(), Ok("123456"));
        assert_eq!(normalize_otp_code(" 123 456 ").as_deref(), Ok("123456"));
        assert_eq!(normalize_otp_code("000000").as_deref(), Ok("000000"));
        for bad in [
            "12345",
            "1234567",
            "12345a",
            "123-456",
            "１２３４５６",
            "12 34 5",
        ] {
            assert_eq!(
                normalize_otp_code(bad),
                Err(RuleError::CodeFormat),
                "{bad:?}"
            );
        }
        assert_eq!(normalize_otp_code(""), Err(RuleError::Required));
    }
}
