//! National identifiers: Russian INN, SNILS and passport; Ukrainian RNOKPP and passport.
//!
//! Each rule strips the separators people type and returns the bare form (digits, or for the
//! Ukrainian booklet passport two Cyrillic capitals and digits), which is what the wire carries
//! and what the server compares with the bank's claims.
//!
//! The checksummed numbers (INN, SNILS, RNOKPP) are also refused when their payload is all zeros:
//! such values pass the checksums but are placeholders, never issued numbers.

use super::{strip_to_digits, RuleError};

/// Human description of the INN rule, for hints.
pub const INN_HINT: (&str, &str, &str) = (
    "ИНН: 12 цифр у физического лица (10 цифр у организации). Пробелы можно не убирать.",
    "ІПН (ІНН): 12 цифр у фізичної особи (10 цифр в організації). Пробіли можна не прибирати.",
    "INN: 12 digits for a person (10 digits for an organisation). Spaces are fine.",
);

/// Human description of the SNILS rule, for hints.
pub const SNILS_HINT: (&str, &str, &str) = (
    "СНИЛС: 11 цифр, например 112-233-445 95. Дефисы и пробелы можно не убирать.",
    "СНІЛС: 11 цифр, наприклад 112-233-445 95. Дефіси й пробіли можна не прибирати.",
    "SNILS: 11 digits, for example 112-233-445 95. Dashes and spaces are fine.",
);

/// Human description of the Russian passport rule, for hints.
pub const RU_PASSPORT_HINT: (&str, &str, &str) = (
    "Серия (4 цифры) и номер (6 цифр) паспорта РФ, например 4510 123456.",
    "Серія (4 цифри) і номер (6 цифр) паспорта РФ, наприклад 4510 123456.",
    "Russian passport series (4 digits) and number (6 digits), for example 4510 123456.",
);

/// Human description of the RNOKPP rule, for hints.
pub const RNOKPP_HINT: (&str, &str, &str) = (
    "РНУКПП (налоговый номер Украины): 10 цифр.",
    "РНОКПП (податковий номер): 10 цифр.",
    "Ukrainian taxpayer number (RNOKPP): 10 digits.",
);

/// Human description of the Ukrainian passport rule, for hints.
pub const UA_PASSPORT_HINT: (&str, &str, &str) = (
    "Номер ID-карты (9 цифр) или серия и номер паспорта-книжечки (2 буквы и 6 цифр, например КМ 123456).",
    "Номер ID-картки (9 цифр) або серія та номер паспорта-книжечки (2 літери й 6 цифр, наприклад КМ 123456).",
    "ID card number (9 digits), or booklet passport series and number (2 letters and 6 digits, for example КМ 123456).",
);

const INN10_WEIGHTS: [u32; 9] = [2, 4, 10, 3, 5, 9, 4, 6, 8];
const INN12_WEIGHTS_11: [u32; 10] = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
const INN12_WEIGHTS_12: [u32; 11] = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
/// The published weights are -1, 5, 7, 9, 4, 6, 10, 5, 7; modulo 11, -1 is 10, which keeps the
/// sum non-negative (the published sum is taken modulo 11 as a non-negative remainder).
const RNOKPP_WEIGHTS: [u32; 9] = [10, 5, 7, 9, 4, 6, 10, 5, 7];

/// Normalizes a Russian INN (taxpayer number): 12 digits for a person, 10 for an organisation.
///
/// Spaces are removed. A wrong length or a non-digit gives [`RuleError::InnFormat`]; digits that
/// fail the check digits (weighted sum modulo 11, then modulo 10) give
/// [`RuleError::InnChecksum`].
pub fn normalize_inn(input: &str) -> Result<String, RuleError> {
    if input.trim().is_empty() {
        return Err(RuleError::Required);
    }
    let inn = strip_to_digits(input, char::is_whitespace, 12).ok_or(RuleError::InnFormat)?;
    let d = digit_values(&inn);
    let valid = match d.len() {
        10 => d[9] == check_mod11(&d[..9], &INN10_WEIGHTS) && !all_zero(&d[..9]),
        12 => {
            d[10] == check_mod11(&d[..10], &INN12_WEIGHTS_11)
                && d[11] == check_mod11(&d[..11], &INN12_WEIGHTS_12)
                && !all_zero(&d[..10])
        }
        _ => return Err(RuleError::InnFormat),
    };
    if valid {
        Ok(inn)
    } else {
        Err(RuleError::InnChecksum)
    }
}

/// Largest SNILS payload (first nine digits) without a check number: the published rule checks
/// the control number "only for numbers greater than 001-001-998".
const SNILS_UNCHECKED_MAX: u32 = 1_001_998;

/// Normalizes a SNILS (Russian insurance number) to its 11 digits, e.g. `11223344595`.
///
/// Spaces and hyphens anywhere are removed (`112-233-445 95`). The last two digits are the
/// control number of the first nine: the sum of each digit times its position counted from the
/// right (9 for the first, 1 for the ninth); below 100 it is the sum itself, 100 and 101 give
/// 00, above 101 the remainder modulo 101 (where 100 again gives 00). As published, numbers up
/// to 001-001-998 carry no checked control number and are accepted with any two last digits;
/// 000-000-000 is refused.
pub fn normalize_snils(input: &str) -> Result<String, RuleError> {
    if input.trim().is_empty() {
        return Err(RuleError::Required);
    }
    let snils = strip_to_digits(input, |c| c == '-' || c.is_whitespace(), 11)
        .ok_or(RuleError::SnilsFormat)?;
    if snils.len() != 11 {
        return Err(RuleError::SnilsFormat);
    }
    let d = digit_values(&snils);
    let payload = d[..9].iter().fold(0u32, |acc, &x| acc * 10 + u32::from(x));
    if payload == 0 {
        return Err(RuleError::SnilsChecksum);
    }
    if payload <= SNILS_UNCHECKED_MAX {
        return Ok(snils);
    }
    let sum: u32 = d[..9]
        .iter()
        .zip((1..=9u32).rev())
        .map(|(&x, w)| u32::from(x) * w)
        .sum();
    // < 100: the sum; 100, 101: 0; > 101: sum mod 101, with 100 becoming 0. In one expression:
    let control = (sum % 101) % 100;
    if u32::from(d[9]) * 10 + u32::from(d[10]) == control {
        Ok(snils)
    } else {
        Err(RuleError::SnilsChecksum)
    }
}

/// A SNILS in its usual written form `XXX-XXX-XXX YY`, after [`normalize_snils`].
pub fn format_snils(input: &str) -> Result<String, RuleError> {
    let s = normalize_snils(input)?;
    Ok(format!(
        "{}-{}-{} {}",
        &s[0..3],
        &s[3..6],
        &s[6..9],
        &s[9..11]
    ))
}

/// Normalizes a Russian internal passport to its 10 digits: series (4) and number (6).
/// Spaces are removed (`45 10 123456`, `4510 123456`).
pub fn normalize_ru_passport(input: &str) -> Result<String, RuleError> {
    if input.trim().is_empty() {
        return Err(RuleError::Required);
    }
    match strip_to_digits(input, char::is_whitespace, 10) {
        Some(p) if p.len() == 10 => Ok(p),
        _ => Err(RuleError::RuPassportFormat),
    }
}

/// Normalizes a Ukrainian RNOKPP (taxpayer registration number): 10 digits, the last a check
/// digit (weights -1, 5, 7, 9, 4, 6, 10, 5, 7 over the first nine, sum modulo 11 as a
/// non-negative remainder, then modulo 10). Spaces are removed.
///
/// Citizens who refused the number for religious reasons have a passport mark instead; that is
/// the passport rule, not this one.
pub fn normalize_rnokpp(input: &str) -> Result<String, RuleError> {
    if input.trim().is_empty() {
        return Err(RuleError::Required);
    }
    let n = strip_to_digits(input, char::is_whitespace, 10).ok_or(RuleError::RnokppFormat)?;
    if n.len() != 10 {
        return Err(RuleError::RnokppFormat);
    }
    let d = digit_values(&n);
    if d[9] == check_mod11(&d[..9], &RNOKPP_WEIGHTS) && !all_zero(&d[..9]) {
        Ok(n)
    } else {
        Err(RuleError::RnokppChecksum)
    }
}

/// Longest Ukrainian passport input, in characters, before spaces are removed.
const UA_PASSPORT_MAX_INPUT: usize = 32;

/// Normalizes a Ukrainian passport: an ID card number (9 digits) or a booklet series and number
/// (2 Cyrillic capitals + 6 digits, `КМ123456`).
///
/// Spaces are removed and series letters upper-cased. Latin letters that look exactly like a
/// Cyrillic series letter (`A B C E H I K M O P T X`, either case) are taken as that Cyrillic
/// letter, because people type series on a Latin keyboard and cannot see the difference. Series
/// letters are from the Ukrainian alphabet (no `Ё Ъ Ы Э`).
pub fn normalize_ua_passport(input: &str) -> Result<String, RuleError> {
    if input.trim().is_empty() {
        return Err(RuleError::Required);
    }
    if input.chars().count() > UA_PASSPORT_MAX_INPUT {
        return Err(RuleError::UaPassportFormat);
    }
    let chars: Vec<char> = input.chars().filter(|c| !c.is_whitespace()).collect();
    match chars.as_slice() {
        id if id.len() == 9 && id.iter().all(char::is_ascii_digit) => Ok(id.iter().collect()),
        [a, b, number @ ..] if number.len() == 6 && number.iter().all(char::is_ascii_digit) => {
            let a = ua_series_letter(*a).ok_or(RuleError::UaPassportFormat)?;
            let b = ua_series_letter(*b).ok_or(RuleError::UaPassportFormat)?;
            let mut out = String::with_capacity(16);
            out.push(a);
            out.push(b);
            out.extend(number.iter());
            Ok(out)
        }
        _ => Err(RuleError::UaPassportFormat),
    }
}

/// The capital Ukrainian letter `c` stands for in a passport series, if any.
fn ua_series_letter(c: char) -> Option<char> {
    let upper = match c {
        // а–я → А–Я
        'а'..='я' => char::from_u32(c as u32 - 0x20)?,
        'є' => 'Є',
        'і' => 'І',
        'ї' => 'Ї',
        'ґ' => 'Ґ',
        'A' | 'a' => 'А',
        'B' | 'b' => 'В',
        'C' | 'c' => 'С',
        'E' | 'e' => 'Е',
        'H' | 'h' => 'Н',
        'I' | 'i' => 'І',
        'K' | 'k' => 'К',
        'M' | 'm' => 'М',
        'O' | 'o' => 'О',
        'P' | 'p' => 'Р',
        'T' | 't' => 'Т',
        'X' | 'x' => 'Х',
        c => c,
    };
    match upper {
        'Ъ' | 'Ы' | 'Э' => None,
        'А'..='Я' | 'Є' | 'І' | 'Ї' | 'Ґ' => Some(upper),
        _ => None,
    }
}

/// The values of a string of ASCII digits.
fn digit_values(digits: &str) -> Vec<u8> {
    digits.bytes().map(|b| b.wrapping_sub(b'0')).collect()
}

/// Weighted sum modulo 11, then modulo 10 (INN and RNOKPP).
fn check_mod11(digits: &[u8], weights: &[u32]) -> u8 {
    let sum: u32 = digits
        .iter()
        .zip(weights)
        .map(|(&d, &w)| u32::from(d) * w)
        .sum();
    // `sum % 11 % 10` is at most 9.
    (sum % 11 % 10) as u8
}

fn all_zero(digits: &[u8]) -> bool {
    digits.iter().all(|&d| d == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snils_sum(payload: &str) -> u32 {
        payload
            .bytes()
            .zip((1..=9u32).rev())
            .map(|(b, w)| u32::from(b - b'0') * w)
            .sum()
    }

    /// A payload (greedy from the heaviest digit) whose weighted sum is `target`.
    fn payload_with_sum(target: u32) -> String {
        let mut rest = target;
        let p: String = (1..=9u32)
            .rev()
            .map(|w| {
                let d = (rest / w).min(9);
                rest -= d * w;
                char::from_digit(d, 10).unwrap()
            })
            .collect();
        assert_eq!((rest, snils_sum(&p)), (0, target));
        assert!(p.parse::<u32>().unwrap() > SNILS_UNCHECKED_MAX);
        p
    }

    #[test]
    fn inn_shapes() {
        assert_eq!(normalize_inn("7707083893").as_deref(), Ok("7707083893"));
        assert_eq!(normalize_inn(" 7707 083 893 ").as_deref(), Ok("7707083893"));
        assert_eq!(
            normalize_inn("5001\u{00A0}0073\u{00A0}2259").as_deref(),
            Ok("500100732259")
        );
        assert_eq!(normalize_inn("7707083894"), Err(RuleError::InnChecksum));
        assert_eq!(normalize_inn("500100732258"), Err(RuleError::InnChecksum));
        assert_eq!(normalize_inn("500100732269"), Err(RuleError::InnChecksum));
        for bad in [
            "770708389",
            "77070838931",
            "7707-083893",
            "77070838a3",
            "7707083893000",
            "5001007322590",
            "７７０７０８３８９３",
        ] {
            assert_eq!(normalize_inn(bad), Err(RuleError::InnFormat), "{bad:?}");
        }
        assert_eq!(normalize_inn(""), Err(RuleError::Required));
        assert_eq!(normalize_inn("  "), Err(RuleError::Required));
        // Placeholders pass the checksums but are refused.
        assert_eq!(normalize_inn("0000000000"), Err(RuleError::InnChecksum));
        assert_eq!(normalize_inn("000000000000"), Err(RuleError::InnChecksum));
    }

    #[test]
    fn snils_shapes() {
        for input in [
            "112-233-445 95",
            "11223344595",
            "112 233 445 95",
            " 112-233-445-95 ",
        ] {
            assert_eq!(
                normalize_snils(input).as_deref(),
                Ok("11223344595"),
                "{input:?}"
            );
        }
        assert_eq!(
            normalize_snils("112-233-445 96"),
            Err(RuleError::SnilsChecksum)
        );
        for bad in [
            "112-233-445 9",
            "112-233-445 955",
            "112_233_445 95",
            "112.233.445 95",
        ] {
            assert_eq!(normalize_snils(bad), Err(RuleError::SnilsFormat), "{bad:?}");
        }
        assert_eq!(normalize_snils(" "), Err(RuleError::Required));
        assert_eq!(format_snils("11223344595").as_deref(), Ok("112-233-445 95"));
        assert_eq!(format_snils("11223344596"), Err(RuleError::SnilsChecksum));
    }

    #[test]
    fn snils_unchecked_range_and_placeholder() {
        // Up to 001-001-998 the control number is not checked.
        assert!(normalize_snils("001-001-998 00").is_ok());
        assert!(normalize_snils("001-001-998 42").is_ok());
        assert!(normalize_snils("000-000-001 99").is_ok());
        // From 001-001-999 on it is: the sum is 7 + 4 + 27 + 18 + 9 = 65.
        assert_eq!(
            normalize_snils("001-001-999 00"),
            Err(RuleError::SnilsChecksum)
        );
        assert!(normalize_snils("001-001-999 65").is_ok());
        assert_eq!(
            normalize_snils("000-000-000 00"),
            Err(RuleError::SnilsChecksum)
        );
    }

    #[test]
    fn snils_control_number_boundaries() {
        for (sum, control) in [
            (99, 99),
            (100, 0),
            (101, 0),
            (102, 1),
            (201, 0),
            (202, 0),
            (203, 1),
            (302, 0),
        ] {
            let p = payload_with_sum(sum);
            assert_eq!(
                normalize_snils(&format!("{p}{control:02}")).as_deref(),
                Ok(format!("{p}{control:02}").as_str()),
                "sum {sum}"
            );
            let wrong = (control + 1) % 100;
            assert_eq!(
                normalize_snils(&format!("{p}{wrong:02}")),
                Err(RuleError::SnilsChecksum),
                "sum {sum}"
            );
        }
        // 100 is never a valid control number (it does not fit, and 100 maps to 00).
        let p = payload_with_sum(100);
        assert_eq!(
            normalize_snils(&format!("{p}100")),
            Err(RuleError::SnilsFormat)
        );
    }

    #[test]
    fn ru_passport_shapes() {
        for input in [
            "4510 123456",
            "45 10 123456",
            "4510123456",
            " 4510\u{00A0}123456 ",
        ] {
            assert_eq!(
                normalize_ru_passport(input).as_deref(),
                Ok("4510123456"),
                "{input:?}"
            );
        }
        for bad in [
            "4510-123456",
            "451012345",
            "45101234567",
            "4510 12345б",
            "№4510123456",
        ] {
            assert_eq!(
                normalize_ru_passport(bad),
                Err(RuleError::RuPassportFormat),
                "{bad:?}"
            );
        }
        assert_eq!(normalize_ru_passport(""), Err(RuleError::Required));
    }

    #[test]
    fn rnokpp_shapes() {
        assert_eq!(normalize_rnokpp("1759013776").as_deref(), Ok("1759013776"));
        assert_eq!(
            normalize_rnokpp(" 17590 13776 ").as_deref(),
            Ok("1759013776")
        );
        assert_eq!(
            normalize_rnokpp("1759013770"),
            Err(RuleError::RnokppChecksum)
        );
        // The first weight is -1: 9 * -1 = -9, and -9 mod 11 is 2 (not -9, not 9).
        assert_eq!(normalize_rnokpp("9000000002").as_deref(), Ok("9000000002"));
        assert_eq!(
            normalize_rnokpp("9000000009"),
            Err(RuleError::RnokppChecksum)
        );
        assert_eq!(
            normalize_rnokpp("0000000000"),
            Err(RuleError::RnokppChecksum)
        );
        for bad in ["175901377", "17590137760", "17590-13776", "175901377x"] {
            assert_eq!(
                normalize_rnokpp(bad),
                Err(RuleError::RnokppFormat),
                "{bad:?}"
            );
        }
        assert_eq!(normalize_rnokpp(""), Err(RuleError::Required));
    }

    #[test]
    fn ua_passport_shapes() {
        assert_eq!(
            normalize_ua_passport("123456789").as_deref(),
            Ok("123456789")
        );
        assert_eq!(
            normalize_ua_passport("123 456 789").as_deref(),
            Ok("123456789")
        );
        for input in [
            "КМ123456",
            "КМ 123456",
            "км 123 456",
            "Км123456",
            "KM123456",
            "km 123456",
        ] {
            assert_eq!(
                normalize_ua_passport(input).as_deref(),
                Ok("КМ123456"),
                "{input:?}"
            );
        }
        assert_eq!(normalize_ua_passport("єі123456").as_deref(), Ok("ЄІ123456"));
        assert_eq!(normalize_ua_passport("ґї123456").as_deref(), Ok("ҐЇ123456"));
        assert_eq!(normalize_ua_passport("ЯЮ123456").as_deref(), Ok("ЯЮ123456"));
        for bad in [
            "12345678",
            "1234567890",
            "К123456",
            "КМ12345",
            "КМ1234567",
            "КММ123456",
            "ЁЁ123456",
            "ЫЪ123456",
            "ЭЭ123456",
            "DD123456",
            "КМ-123456",
            "12КМ3456",
            "ΑΒ123456",
        ] {
            assert_eq!(
                normalize_ua_passport(bad),
                Err(RuleError::UaPassportFormat),
                "{bad:?}"
            );
        }
        assert_eq!(
            normalize_ua_passport(&"1".repeat(40)),
            Err(RuleError::UaPassportFormat)
        );
        assert_eq!(normalize_ua_passport(" "), Err(RuleError::Required));
    }

    #[test]
    fn outputs_are_fixed_points() {
        for (f, input) in [
            (
                normalize_inn as fn(&str) -> Result<String, RuleError>,
                " 7707 083 893",
            ),
            (normalize_snils, "112-233-445 95"),
            (normalize_ru_passport, "45 10 123456"),
            (normalize_rnokpp, "1759 013776"),
            (normalize_ua_passport, "km 123456"),
        ] {
            let once = f(input).unwrap();
            assert_eq!(f(&once).as_deref(), Ok(once.as_str()));
        }
    }
}
