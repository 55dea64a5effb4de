//! Every field rule on arbitrary text: no panic, and whatever a rule accepts it accepts again
//! unchanged (normalization is idempotent), plus rule-specific invariants of the output.
#![no_main]

use bankid_api::validate::*;
use libfuzzer_sys::fuzz_target;
use unicode_normalization::UnicodeNormalization;

type Rule = fn(&str) -> Result<String, RuleError>;

const RULES: &[(&str, Rule)] = &[
    ("inn", normalize_inn),
    ("snils", normalize_snils),
    ("snils-format", format_snils),
    ("ru-passport", normalize_ru_passport),
    ("rnokpp", normalize_rnokpp),
    ("ua-passport", normalize_ua_passport),
    ("name", normalize_name),
    ("email", normalize_email),
    ("otp", normalize_otp_code),
];

fn today(seed: &[u8]) -> Ymd {
    // Mostly a fixed day; sometimes one derived from the input, to reach the age boundaries.
    match seed {
        [a, b, c, ..] if a % 4 == 0 => Ymd {
            year: 1900 + i32::from(*b) * 2,
            month: 1 + c % 12,
            day: 1 + (b ^ c) % 28,
        },
        _ => Ymd { year: 2026, month: 11, day: 1 },
    }
}

fn check_fixed_point(what: &str, rule: Rule, input: &str) {
    if let Ok(out) = rule(input) {
        let again = rule(&out);
        assert_eq!(again.as_ref(), Ok(&out), "{what}: {input:?} -> {out:?} -> {again:?}");
        assert!(!out.is_empty(), "{what}: {input:?}");
    }
}

fn check_date(input: &str, today: Ymd) {
    let typed = normalize_birth_date(input, today);
    if let Ok(iso) = &typed {
        // The wire form parses, passes the wire rule, and displays as a form the typed rule takes.
        let date = Ymd::parse_iso(iso).expect("output is ISO");
        assert_eq!(&date.to_iso(), iso);
        assert_eq!(normalize_birth_date_iso(iso, today).as_ref(), Ok(iso));
        assert_eq!(normalize_birth_date(iso, today).as_ref(), Ok(iso));
        assert_eq!(normalize_birth_date(&date.to_display(), today).as_ref(), Ok(iso));
        assert!(date <= today && age_on(date, today) >= MIN_AGE_YEARS);
    }
    if let Ok(iso) = normalize_birth_date_iso(input, today) {
        assert_eq!(iso, input);
        assert_eq!(typed.as_deref(), Ok(input));
    }
    // The three-field form on the input cut in three.
    let mut parts = input.splitn(3, '|');
    let (d, m, y) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    if let Ok(iso) = normalize_birth_date_parts(d, m, y, today) {
        assert_eq!(normalize_birth_date_iso(&iso, today).as_ref(), Ok(&iso));
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    for &(what, rule) in RULES {
        check_fixed_point(what, rule, input);
    }
    if let Ok(phone) = normalize_phone(input) {
        assert_eq!(normalize_phone(&phone).as_ref(), Ok(&phone));
        let _ = mask_phone(&phone);
    }
    let _ = mask_phone(input);
    if let Ok(name) = normalize_name(input) {
        assert!(unicode_normalization::is_nfc(&name), "{name:?}");
        assert_eq!(name.nfc().collect::<String>(), name);
        assert!(name.chars().count() <= NAME_MAX_CHARS);
    }
    if let Ok(email) = normalize_email(input) {
        assert!(email.chars().count() <= EMAIL_MAX_CHARS);
        assert_eq!(email.matches('@').count(), 1);
    }
    check_date(input, today(data));
    for e in RuleError::ALL {
        let _ = e.code().as_str();
    }
});
