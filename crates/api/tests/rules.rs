//! Property tests and published values for the field rules of `bankid_api::validate`.
//!
//! The check digits and the calendar are recomputed here by independent implementations written
//! from the published descriptions (different code shape, signed arithmetic, Howard Hinnant's
//! day-number calendar), and names are compared with the `unicode-normalization` crate.
//!
//! Host only: the test tools do not build for wasm32-unknown-unknown.
#![cfg(not(target_arch = "wasm32"))]

use bankid_api::validate::*;
use proptest::prelude::*;
use unicode_normalization::UnicodeNormalization;

// ---------------------------------------------------------------------------------------------
// Independent reference implementations
// ---------------------------------------------------------------------------------------------

/// Weighted sum of digits, signed (RNOKPP has a negative weight).
fn weighted(digits: &[u8], weights: &[i64]) -> i64 {
    assert_eq!(digits.len(), weights.len());
    let mut sum = 0i64;
    for i in 0..digits.len() {
        sum += i64::from(digits[i]) * weights[i];
    }
    sum
}

/// Mathematical (non-negative) remainder modulo 11, as the published rules mean it.
fn residue11(digits: &[u8], weights: &[i64]) -> i64 {
    weighted(digits, weights).rem_euclid(11)
}

const W_INN10: [i64; 9] = [2, 4, 10, 3, 5, 9, 4, 6, 8];
const W_INN12_A: [i64; 10] = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
const W_INN12_B: [i64; 11] = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
const W_RNOKPP: [i64; 9] = [-1, 5, 7, 9, 4, 6, 10, 5, 7];

fn ref_check(digits: &[u8], weights: &[i64]) -> u8 {
    (residue11(digits, weights) % 10) as u8
}

fn not_all_zero(d: &[u8]) -> bool {
    d.iter().any(|&x| x != 0)
}

fn ref_inn_valid(d: &[u8]) -> bool {
    match d.len() {
        10 => not_all_zero(&d[..9]) && d[9] == ref_check(&d[..9], &W_INN10),
        12 => {
            not_all_zero(&d[..10])
                && d[10] == ref_check(&d[..10], &W_INN12_A)
                && d[11] == ref_check(&d[..11], &W_INN12_B)
        }
        _ => false,
    }
}

fn ref_rnokpp_valid(d: &[u8]) -> bool {
    d.len() == 10 && not_all_zero(&d[..9]) && d[9] == ref_check(&d[..9], &W_RNOKPP)
}

/// SNILS weighted sum: the first digit times 9, ..., the ninth times 1.
fn snils_sum(d: &[u8]) -> i64 {
    let mut sum = 0;
    for (i, &x) in d[..9].iter().enumerate() {
        sum += i64::from(x) * (9 - i as i64);
    }
    sum
}

/// The published SNILS control number, branch by branch.
fn ref_snils_control(d: &[u8]) -> i64 {
    let sum = snils_sum(d);
    if sum < 100 {
        sum
    } else if sum == 100 || sum == 101 {
        0
    } else {
        let r = sum % 101;
        if r == 100 {
            0
        } else {
            r
        }
    }
}

fn snils_payload(d: &[u8]) -> u64 {
    d[..9].iter().fold(0, |acc, &x| acc * 10 + u64::from(x))
}

fn ref_snils_valid(d: &[u8]) -> bool {
    if d.len() != 11 || snils_payload(d) == 0 {
        return false;
    }
    // "Checked only for numbers greater than 001-001-998."
    snils_payload(d) <= 1_001_998 || i64::from(d[9]) * 10 + i64::from(d[10]) == ref_snils_control(d)
}

fn to_string(d: &[u8]) -> String {
    d.iter().map(|&x| char::from(b'0' + x)).collect()
}

/// Howard Hinnant's `days_from_civil`: days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Howard Hinnant's `civil_from_days`.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Days of a month from the day-number calendar: the day before the first of the next month.
fn ref_days_in_month(y: i64, m: i64) -> i64 {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    civil_from_days(days_from_civil(ny, nm, 1) - 1).2
}

fn ymd(y: i64, m: i64, d: i64) -> Ymd {
    Ymd {
        year: y as i32,
        month: m as u8,
        day: d as u8,
    }
}

const FAR_FUTURE: Ymd = Ymd {
    year: 9999,
    month: 12,
    day: 31,
};

// ---------------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------------

fn digits(n: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(0u8..=9, n).prop_filter("not a placeholder", |d| not_all_zero(d))
}

fn valid_inn10() -> impl Strategy<Value = Vec<u8>> {
    digits(9).prop_map(|mut d| {
        d.push(ref_check(&d, &W_INN10));
        d
    })
}

fn valid_inn12() -> impl Strategy<Value = Vec<u8>> {
    digits(10).prop_map(|mut d| {
        d.push(ref_check(&d, &W_INN12_A));
        d.push(ref_check(&d, &W_INN12_B));
        d
    })
}

fn valid_rnokpp() -> impl Strategy<Value = Vec<u8>> {
    digits(9).prop_map(|mut d| {
        d.push(ref_check(&d, &W_RNOKPP));
        d
    })
}

fn valid_snils() -> impl Strategy<Value = Vec<u8>> {
    digits(9)
        .prop_filter("checked range", |d| snils_payload(d) > 1_001_998)
        .prop_map(|mut d| {
            let c = ref_snils_control(&d) as u8;
            d.push(c / 10);
            d.push(c % 10);
            d
        })
}

/// Day number of a date between 1900-01-01 and 9985-12-31.
fn day_number() -> impl Strategy<Value = i64> {
    days_from_civil(1900, 1, 1)..=days_from_civil(9985, 12, 31)
}

/// Inserts a space before the digits marked in `spaces`.
fn spaced(s: &str, spaces: &[bool]) -> String {
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if spaces.get(i).copied().unwrap_or(false) {
            out.push(' ');
        }
        out.push(ch);
    }
    out
}

/// Every number that differs from `d` in exactly one digit, with the changed position.
fn single_digit_mutations(d: &[u8]) -> Vec<(usize, Vec<u8>)> {
    let mut out = Vec::new();
    for pos in 0..d.len() {
        for v in 0..=9u8 {
            if v != d[pos] {
                let mut m = d.to_vec();
                m[pos] = v;
                out.push((pos, m));
            }
        }
    }
    out
}

/// 128 cases per property (a few seconds in all); `PROPTEST_CASES=N` overrides.
fn config() -> ProptestConfig {
    let default = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_some() {
        default
    } else {
        ProptestConfig {
            cases: 128,
            ..default
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Checksummed numbers
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    #[test]
    fn generated_inns_pass(d10 in valid_inn10(), d12 in valid_inn12(), sp in prop::collection::vec(any::<bool>(), 12)) {
        for d in [d10, d12] {
            let s = to_string(&d);
            prop_assert_eq!(normalize_inn(&s), Ok(s.clone()));
            prop_assert_eq!(normalize_inn(&spaced(&s, &sp)), Ok(s.clone()));
        }
    }

    #[test]
    fn generated_snils_pass(d in valid_snils(), sep in prop::sample::select(vec!["", " ", "-"])) {
        let s = to_string(&d);
        prop_assert_eq!(normalize_snils(&s), Ok(s.clone()));
        let written = format!("{}{sep}{}{sep}{} {}", &s[0..3], &s[3..6], &s[6..9], &s[9..11]);
        prop_assert_eq!(normalize_snils(&written), Ok(s.clone()));
        prop_assert_eq!(format_snils(&s), Ok(format!("{}-{}-{} {}", &s[0..3], &s[3..6], &s[6..9], &s[9..11])));
    }

    #[test]
    fn generated_rnokpps_pass(d in valid_rnokpp(), sp in prop::collection::vec(any::<bool>(), 10)) {
        let s = to_string(&d);
        prop_assert_eq!(normalize_rnokpp(&s), Ok(s.clone()));
        prop_assert_eq!(normalize_rnokpp(&spaced(&s, &sp)), Ok(s.clone()));
    }

    /// mod 11 mod 10 cannot tell a residue of 10 from one of 0 (both give check digit 0): a
    /// single-digit change that moves the residue between them is not detected. Every other
    /// single-digit change is.
    #[test]
    fn inn10_single_digit_mutations_fail(d in valid_inn10()) {
        let r = residue11(&d[..9], &W_INN10);
        for (pos, m) in single_digit_mutations(&d) {
            let s = to_string(&m);
            if ref_inn_valid(&m) {
                let rm = residue11(&m[..9], &W_INN10);
                prop_assert!(pos < 9 && r + rm == 10 && r * rm == 0, "{} accepted", s);
                prop_assert_eq!(normalize_inn(&s), Ok(s.clone()));
            } else {
                prop_assert_eq!(normalize_inn(&s), Err(RuleError::InnChecksum), "{}", s);
            }
        }
    }

    #[test]
    fn inn12_single_digit_mutations_fail(d in valid_inn12()) {
        let ra = residue11(&d[..10], &W_INN12_A);
        let rb = residue11(&d[..11], &W_INN12_B);
        for (pos, m) in single_digit_mutations(&d) {
            let s = to_string(&m);
            if ref_inn_valid(&m) {
                // Only a payload digit, and only when both residues flip between 0 and 10.
                let ma = residue11(&m[..10], &W_INN12_A);
                let mb = residue11(&m[..11], &W_INN12_B);
                prop_assert!(pos < 10 && ra + ma == 10 && ra * ma == 0 && rb + mb == 10 && rb * mb == 0, "{} accepted", s);
                prop_assert_eq!(normalize_inn(&s), Ok(s.clone()));
            } else {
                prop_assert_eq!(normalize_inn(&s), Err(RuleError::InnChecksum), "{}", s);
            }
        }
    }

    #[test]
    fn rnokpp_single_digit_mutations_fail(d in valid_rnokpp()) {
        let r = residue11(&d[..9], &W_RNOKPP);
        for (pos, m) in single_digit_mutations(&d) {
            let s = to_string(&m);
            if ref_rnokpp_valid(&m) {
                let rm = residue11(&m[..9], &W_RNOKPP);
                prop_assert!(pos < 9 && r + rm == 10 && r * rm == 0, "{} accepted", s);
                prop_assert_eq!(normalize_rnokpp(&s), Ok(s.clone()));
            } else {
                prop_assert_eq!(normalize_rnokpp(&s), Err(RuleError::RnokppChecksum), "{}", s);
            }
        }
    }

    /// Two documented exceptions: a mutation that lands at or below 001-001-998 (no control
    /// number there), and residues 0 and 100 modulo 101 (both give control number 00).
    #[test]
    fn snils_single_digit_mutations_fail(d in valid_snils()) {
        let r = snils_sum(&d) % 101;
        for (pos, m) in single_digit_mutations(&d) {
            let s = to_string(&m);
            if ref_snils_valid(&m) {
                let rm = snils_sum(&m) % 101;
                let unchecked = snils_payload(&m) <= 1_001_998;
                let collision = pos < 9 && r + rm == 100 && r * rm == 0;
                prop_assert!(unchecked || collision, "{} accepted", s);
                prop_assert_eq!(normalize_snils(&s), Ok(s.clone()));
            } else {
                prop_assert_eq!(normalize_snils(&s), Err(RuleError::SnilsChecksum), "{}", s);
            }
        }
    }

    #[test]
    fn wrong_lengths_are_format_errors(n in 1usize..=20, d in prop::collection::vec(0u8..=9, 20)) {
        let s = to_string(&d[..n]);
        if n != 10 && n != 12 {
            prop_assert_eq!(normalize_inn(&s), Err(RuleError::InnFormat));
        }
        if n != 11 {
            prop_assert_eq!(normalize_snils(&s), Err(RuleError::SnilsFormat));
        }
        if n != 10 {
            prop_assert_eq!(normalize_rnokpp(&s), Err(RuleError::RnokppFormat));
            prop_assert_eq!(normalize_ru_passport(&s), Err(RuleError::RuPassportFormat));
        }
        if n != 9 {
            prop_assert_eq!(normalize_ua_passport(&s), Err(RuleError::UaPassportFormat));
        }
        if n != 6 {
            prop_assert_eq!(normalize_otp_code(&s), Err(RuleError::CodeFormat));
        }
    }

    #[test]
    fn passports_and_codes(d in prop::collection::vec(0u8..=9, 10), sp in prop::collection::vec(any::<bool>(), 10)) {
        let s = to_string(&d);
        prop_assert_eq!(normalize_ru_passport(&spaced(&s, &sp)), Ok(s.clone()));
        prop_assert_eq!(normalize_ua_passport(&spaced(&s[..9], &sp)), Ok(s[..9].to_string()));
        prop_assert_eq!(normalize_otp_code(&spaced(&s[..6], &sp)), Ok(s[..6].to_string()));
        let booklet = format!("КМ {}", &s[..6]);
        prop_assert_eq!(normalize_ua_passport(&booklet), Ok(format!("КМ{}", &s[..6])));
    }
}

/// A concrete instance of the mod 11 mod 10 blind spot the mutation properties allow for.
#[test]
fn inn_check_digit_blind_spot_exists() {
    let (orig, mutated) = (0..1_000_000u32)
        .map(|n| {
            let mut d: Vec<u8> = format!("1{n:08}").bytes().map(|b| b - b'0').collect();
            d.push(ref_check(&d, &W_INN10));
            d
        })
        .find_map(|d| {
            single_digit_mutations(&d)
                .into_iter()
                .find(|(_, m)| ref_inn_valid(m))
                .map(|(_, m)| (d, m))
        })
        .expect("the blind spot exists");
    assert!(normalize_inn(&to_string(&orig)).is_ok());
    assert!(normalize_inn(&to_string(&mutated)).is_ok());
}

// ---------------------------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    #[test]
    fn dates_round_trip(n in day_number(), sep in prop::sample::select(vec![".", "/", "-", " . ", " "])) {
        let (y, m, d) = civil_from_days(n);
        let display = format!("{d:02}.{m:02}.{y:04}");
        let iso = format!("{y:04}-{m:02}-{d:02}");
        // DD.MM.YYYY → ISO → DD.MM.YYYY
        let wire = normalize_birth_date(&display, FAR_FUTURE);
        prop_assert_eq!(wire.as_deref(), Ok(iso.as_str()));
        let parsed = Ymd::parse_iso(&iso);
        prop_assert_eq!(parsed, Ok(ymd(y, m, d)));
        prop_assert_eq!(parsed.map(Ymd::to_display), Ok(display.clone()));
        prop_assert_eq!(normalize_birth_date_iso(&iso, FAR_FUTURE), Ok(iso.clone()));
        // Unpadded, other separators, three fields, and the rule's own output.
        let loose = format!("{d}{sep}{m}{sep}{y}");
        prop_assert_eq!(normalize_birth_date(&loose, FAR_FUTURE), Ok(iso.clone()));
        prop_assert_eq!(normalize_birth_date_parts(&d.to_string(), &m.to_string(), &y.to_string(), FAR_FUTURE), Ok(iso.clone()));
        prop_assert_eq!(normalize_birth_date(&iso, FAR_FUTURE), Ok(iso.clone()));
        // The calendar agrees with the day-number calendar about the next day.
        let next = civil_from_days(n + 1);
        prop_assert_eq!(Ymd::new(y as i32, m as u8, (d + 1) as u8).is_some(), next.1 == m);
        prop_assert_eq!(i64::from(days_in_month(y as i32, m as u8)), ref_days_in_month(y, m));
    }

    #[test]
    fn invalid_days_are_refused(n in day_number(), extra in 1i64..=40, bad_month in 13u8..=99) {
        let (y, m, _) = civil_from_days(n);
        let day = ref_days_in_month(y, m) + extra;
        if day <= 99 {
            let s = format!("{day:02}.{m:02}.{y:04}");
            prop_assert_eq!(normalize_birth_date(&s, FAR_FUTURE), Err(RuleError::DateNotReal), "{}", s);
            let iso = format!("{y:04}-{m:02}-{day:02}");
            prop_assert_eq!(Ymd::parse_iso(&iso), Err(RuleError::DateNotReal), "{}", iso);
        }
        let s = format!("01.{bad_month:02}.{y:04}");
        prop_assert_eq!(normalize_birth_date(&s, FAR_FUTURE), Err(RuleError::DateNotReal));
        let s = format!("00.{m:02}.{y:04}");
        prop_assert_eq!(normalize_birth_date(&s, FAR_FUTURE), Err(RuleError::DateNotReal));
    }

    /// Age in full years, counted anniversary by anniversary on the day-number calendar (a
    /// 29 February birthday falls on 1 March in non-leap years).
    #[test]
    fn age_counts_anniversaries(b in days_from_civil(1900, 1, 1)..=days_from_civil(2100, 12, 31), span in 0i64..=40_000) {
        let (by, bm, bd) = civil_from_days(b);
        let t = b + span;
        let (ty, tm, td) = civil_from_days(t);
        let anniversary = |k: i64| {
            let y = by + k;
            if bd > ref_days_in_month(y, bm) {
                days_from_civil(y, 3, 1)
            } else {
                days_from_civil(y, bm, bd)
            }
        };
        let mut age = 0;
        while anniversary(age + 1) <= t {
            age += 1;
        }
        let birth = ymd(by, bm, bd);
        let today = ymd(ty, tm, td);
        prop_assert_eq!(i64::from(age_on(birth, today)), age);
        let expected = if age >= 14 { Ok(birth.to_iso()) } else { Err(RuleError::AgeUnder14) };
        prop_assert_eq!(normalize_birth_date_iso(&birth.to_iso(), today), expected);
    }
}

// ---------------------------------------------------------------------------------------------
// Names: the compact NFC against `unicode-normalization`
// ---------------------------------------------------------------------------------------------

const LATIN: &[char] = &[
    'a', 'e', 'i', 'o', 'u', 'n', 'c', 's', 'z', 'y', 'A', 'E', 'O', 'U', 'N', 'é', 'ê', 'ệ', 'ẹ',
    'ü', 'ǖ', 'ñ', 'ç', 'ø', 'å', 'ą', 'ơ', 'ư', 'Ǿ', 'Ǯ',
];
const CYRILLIC: &[char] = &[
    'а', 'е', 'и', 'і', 'у', 'о', 'й', 'ё', 'ї', 'є', 'ґ', 'А', 'Е', 'И', 'І', 'Й', 'Ё', 'Ї', 'Ў',
    'ў', 'ӓ', 'ж', 'ә', 'Ӛ',
];
const MARKS: &[char] = &[
    '\u{0300}', '\u{0301}', '\u{0302}', '\u{0303}', '\u{0304}', '\u{0306}', '\u{0307}', '\u{0308}',
    '\u{030A}', '\u{030B}', '\u{030C}', '\u{0323}', '\u{0327}', '\u{0328}', '\u{031B}', '\u{0331}',
    '\u{0324}', '\u{032D}', '\u{0345}', '\u{0315}',
];

fn one_script_word(letters: &'static [char]) -> impl Strategy<Value = String> {
    let pool: Vec<char> = letters.iter().chain(MARKS).copied().collect();
    (
        prop::sample::select(letters),
        prop::collection::vec(prop::sample::select(pool), 0..10),
    )
        .prop_map(|(first, rest)| std::iter::once(first).chain(rest).collect())
}

fn is_mark(c: char) -> bool {
    ('\u{0300}'..='\u{036F}').contains(&c)
}

/// What the rule does before NFC: trim, one space for each run of spaces, ASCII apostrophes and
/// hyphens.
fn ref_premap(s: &str) -> String {
    let mapped: String = s
        .trim()
        .chars()
        .map(|c| match c {
            '’' | 'ʼ' | '‘' | '`' => '\'',
            '\u{2010}' | '\u{2011}' => '-',
            c if c.is_whitespace() => ' ',
            c => c,
        })
        .collect();
    mapped
        .split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

proptest! {
    #![proptest_config(config())]

    /// A word of one script made of letters and marks is accepted exactly when its NFC has no
    /// mark left, and then the result is that NFC.
    #[test]
    fn names_are_nfc(word in prop_oneof![one_script_word(LATIN), one_script_word(CYRILLIC)]) {
        let reference: String = word.nfc().collect();
        let got = normalize_name(&word);
        if reference.chars().any(is_mark) {
            prop_assert_eq!(got, Err(RuleError::NameUnsupportedMark), "{:?}", word);
        } else {
            prop_assert_eq!(got, Ok(reference.clone()), "{:?}", word);
            prop_assert!(unicode_normalization::is_nfc(&reference));
        }
        // Decomposing first changes nothing.
        let decomposed: String = word.nfd().collect();
        prop_assert_eq!(normalize_name(&decomposed), normalize_name(&word));
    }

    /// Anything at all: accepted names are NFC, fixed points, short, and what the reference
    /// pipeline produces.
    #[test]
    fn accepted_names_are_normalized(s in "[a-zA-Zа-яА-ЯіїєґІЇЄҐéèüñ’ʼ`'\\- \u{00A0}\u{0301}\u{0306}\u{0308}\u{0323}\u{212B}1.Ω]{0,24}") {
        if let Ok(name) = normalize_name(&s) {
            prop_assert!(unicode_normalization::is_nfc(&name), "{:?}", name);
            prop_assert_eq!(normalize_name(&name), Ok(name.clone()));
            prop_assert!(name.chars().count() <= NAME_MAX_CHARS);
            let expected: String = ref_premap(&s).nfc().collect();
            prop_assert_eq!(&name, &expected);
            let first = name.chars().next().unwrap_or(' ');
            let last = name.chars().last().unwrap_or(' ');
            prop_assert!(!" -'".contains(first) && !" -'".contains(last), "{:?}", name);
            prop_assert!(!name.contains("  ") && !name.contains("--") && !name.contains("''"));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Email
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    #[test]
    fn generated_emails_pass(
        local in "[a-zA-Z0-9_+-]{1,20}(\\.[a-zA-Z0-9_+-]{1,10}){0,2}",
        labels in prop::collection::vec("[a-zA-Z0-9]([a-zA-Z0-9-]{0,10}[a-zA-Z0-9])?", 1..4),
        tld in "[a-zA-Z]{2,6}|рф|укр",
    ) {
        let input = format!("  {local}@{}.{tld} ", labels.join("."));
        let expected = format!("{local}@{}.{}", labels.join(".").to_lowercase(), tld.to_lowercase());
        prop_assert_eq!(normalize_email(&input), Ok(expected.clone()));
        prop_assert_eq!(normalize_email(&expected), Ok(expected.clone()));
    }

    #[test]
    fn accepted_emails_are_fixed_points(s in "[a-zA-Z0-9.@_+\\-а-яА-Я ]{0,30}") {
        if let Ok(e) = normalize_email(&s) {
            prop_assert_eq!(normalize_email(&e), Ok(e.clone()));
            prop_assert_eq!(e.matches('@').count(), 1);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Published real-world values
// ---------------------------------------------------------------------------------------------

/// Values published by third parties (sources named), plus a few marked synthetic.
#[test]
fn published_values() {
    // INN 7707083893: Sberbank (PJSC) — printed in its bank requisites (e.g. sakhexpo.ru,
    // "Реквизиты корреспондентского банка для сбербанка").
    assert_eq!(normalize_inn("7707083893").as_deref(), Ok("7707083893"));
    // 500100732259: the personal INN example used throughout INN validators (InnValidator README,
    // the Python `validators` package docstring, a Yandex test suite); 500111732259 is the invalid
    // counterpart in the same InnValidator README.
    assert_eq!(normalize_inn("500100732259").as_deref(), Ok("500100732259"));
    assert_eq!(normalize_inn("500111732259"), Err(RuleError::InnChecksum));
    // 7830002293: valid 10-digit example of the Python `validators` package docstring.
    assert_eq!(normalize_inn("7830002293").as_deref(), Ok("7830002293"));
    // python-stdnum `stdnum.ru.inn` doctests: two valid, two with a wrong check digit.
    assert!(normalize_inn("123456789047").is_ok());
    assert!(normalize_inn("1234567894").is_ok());
    assert_eq!(normalize_inn("123456789037"), Err(RuleError::InnChecksum));
    assert_eq!(normalize_inn("1234567895"), Err(RuleError::InnChecksum));

    // SNILS 112-233-445 95: the example of the published checksum description (e.g.
    // vgorode.moscow, worked out to 95) and of python-stdnum `stdnum.ru.snils`; ...96 invalid.
    assert_eq!(
        normalize_snils("112-233-445 95").as_deref(),
        Ok("11223344595")
    );
    assert_eq!(
        normalize_snils("112-233-445 96"),
        Err(RuleError::SnilsChecksum)
    );
    // python-stdnum doctests: 010-242-368 77 valid, 010-242-368 00 invalid.
    assert_eq!(
        normalize_snils("010-242-368 77").as_deref(),
        Ok("01024236877")
    );
    assert_eq!(
        normalize_snils("010-242-368 00"),
        Err(RuleError::SnilsChecksum)
    );
    // The published threshold, as in the README of vasiunov/SNILS_CheckAndCount: 001-001-998 is
    // not checked, 001-001-999 00 does not match.
    assert!(normalize_snils("001-001-998 00").is_ok());
    assert_eq!(
        normalize_snils("001-001-999 00"),
        Err(RuleError::SnilsChecksum)
    );

    // RNOKPP: python-stdnum `stdnum.ua.rntrc` doctests, 1759013776 valid, 1759013770 invalid.
    assert_eq!(normalize_rnokpp("1759013776").as_deref(), Ok("1759013776"));
    assert_eq!(
        normalize_rnokpp("1759013770"),
        Err(RuleError::RnokppChecksum)
    );

    // Synthetic (computed here, not published): a 12-digit INN from the generator rule.
    let synthetic: Vec<u8> = vec![7, 7, 0, 1, 2, 3, 4, 5, 6, 7];
    let mut d = synthetic.clone();
    d.push(ref_check(&d, &W_INN12_A));
    d.push(ref_check(&d, &W_INN12_B));
    assert!(normalize_inn(&to_string(&d)).is_ok());
}

// ---------------------------------------------------------------------------------------------
// The patterns of the OpenAPI document agree with the rules they describe
// ---------------------------------------------------------------------------------------------

fn compiled(pattern: &str) -> regex::Regex {
    regex::Regex::new(pattern).expect("the pattern compiles")
}

/// Characters a typed phone number or code is made of, and some it must not contain: separators,
/// whitespace of several kinds (inside and around), non-ASCII digits, letters.
fn typed(max: usize) -> impl Strategy<Value = String> {
    let chars = prop::sample::select(vec![
        '0', '1', '3', '4', '7', '8', '9', '6', '5', '2', '+', ' ', '-', '(', ')', '.', '\u{a0}',
        '\u{2011}', '\u{2012}', '\u{2013}', '\u{2014}', '\t', '\n', '\u{2003}', '\u{1c}',
        '\u{feff}', '١', 'a', 'Z', '/', ',',
    ]);
    prop::collection::vec(chars, 0..max).prop_map(|v| v.into_iter().collect())
}

/// A real number with separators strewn between its digits.
fn spaced_phone() -> impl Strategy<Value = String> {
    let number = prop::sample::select(vec![
        "+79161234567",
        "89161234567",
        "79161234567",
        "+380671234567",
        "380671234567",
        "0671234567",
        "+77011234567",
        "9161234567",
        "+7916123456",
    ]);
    let seps = prop::collection::vec(
        prop::sample::select(vec![
            "", "", "", " ", "-", "(", ")", ".", "\u{a0}", "  ", " - ",
        ]),
        14,
    );
    (number, seps).prop_map(|(n, seps)| {
        let mut out = String::new();
        for (i, c) in n.chars().enumerate() {
            out.push_str(seps[i]);
            out.push(c);
        }
        out.push_str(seps[13]);
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    /// Valid by the document means accepted; accepted means valid by the document, but for the
    /// whitespace around the number, which the server trims and the document leaves out.
    #[test]
    fn phone_pattern_is_the_phone_rule(s in prop_oneof![typed(36), spaced_phone()]) {
        let by_schema = compiled(PHONE_PATTERN).is_match(&s) && s.chars().count() <= PHONE_MAX_INPUT;
        let accepted = normalize_phone(&s).is_ok();
        if by_schema {
            prop_assert!(accepted, "{s:?} valid by the document, refused");
        }
        if accepted && s.trim() == s {
            prop_assert!(by_schema, "{s:?} accepted, invalid by the document");
        }
    }

    #[test]
    fn otp_pattern_is_the_code_rule(s in typed(12)) {
        prop_assert_eq!(
            compiled(OTP_CODE_PATTERN).is_match(&s),
            normalize_otp_code(&s).is_ok(),
            "{:?}", s
        );
    }

    #[test]
    fn return_path_pattern_is_the_rule(
        s in prop_oneof![
            "/account/(security|banks|consents|activate|x)(/[a-z0-9/-]{0,12})?",
            "[/a-zA-Z0-9.:?#-]{0,30}",
        ]
    ) {
        let by_schema = compiled(bankid_api::routes::RETURN_PATH_PATTERN).is_match(&s)
            && s.len() <= bankid_api::routes::RETURN_PATH_MAX;
        prop_assert_eq!(by_schema, bankid_api::routes::is_return_path(&s), "{:?}", s);
    }
}

#[test]
fn patterns_accept_the_examples() {
    for ok in [
        "+7 916 123-45-67",
        "8 (916) 123 45 67",
        "067 123 45 67",
        "+380 (67) 123-45-67",
    ] {
        assert!(compiled(PHONE_PATTERN).is_match(ok), "{ok}");
    }
    for ok in ["123456", " 123 456 ", "1\u{a0}2\t3 4 5 6"] {
        assert!(compiled(OTP_CODE_PATTERN).is_match(ok), "{ok:?}");
    }
    let second = compiled(SECOND_FACTOR_CODE_PATTERN);
    for ok in ["123456", "ABCDE-FGH23", "abcde fgh23", "", "  "] {
        assert!(second.is_match(ok), "{ok:?}");
    }
    for bad in ["12345", "ABCDE-FGH2", "ABCDE-FGH21", "x"] {
        assert!(!second.is_match(bad), "{bad:?}");
    }
}
