//! Birth dates: the proleptic Gregorian calendar, the DD.MM.YYYY form citizens type, the ISO
//! `YYYY-MM-DD` form of the wire, and the birth-date rules (real, not before 1900, in the past,
//! at least 14 years old on `today`).

use std::fmt;

use super::RuleError;

/// Earliest accepted year of birth.
pub const MIN_BIRTH_YEAR: i32 = 1900;

/// Youngest age, in full years on `today`, at which a citizen may register (the age at which
/// Russian and Ukrainian citizens get their own passport).
pub const MIN_AGE_YEARS: i32 = 14;

/// Longest date input accepted before parsing (generous for spaces around separators).
const DATE_MAX_INPUT: usize = 32;

/// Human description of the birth-date rule, for hints.
pub const BIRTH_DATE_HINT: (&str, &str, &str) = (
    "Дата рождения в формате ДД.ММ.ГГГГ, например 17.05.1990. Зарегистрироваться можно с 14 лет.",
    "Дата народження у форматі ДД.ММ.РРРР, наприклад 17.05.1990. Зареєструватися можна з 14 років.",
    "Date of birth as DD.MM.YYYY, for example 17.05.1990. You must be at least 14 years old.",
);

/// A calendar day (proleptic Gregorian). Also the type of `today` in the date rules: the caller
/// reads the clock (the server in UTC or the portal's time zone, the SPA from the browser), never
/// this crate.
///
/// The fields are public for easy construction; [`Ymd::new`] checks that the day exists. Ordering
/// is chronological.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ymd {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl Ymd {
    /// The day, if it exists and its year has four digits (0000–9999).
    pub fn new(year: i32, month: u8, day: u8) -> Option<Ymd> {
        let ymd = Ymd { year, month, day };
        ymd.is_real().then_some(ymd)
    }

    /// Whether the day exists in a year 0000–9999.
    pub fn is_real(self) -> bool {
        (0..=9999).contains(&self.year)
            && self.day >= 1
            && self.day <= days_in_month(self.year, self.month)
    }

    /// Parses the wire form, exactly `YYYY-MM-DD` (no spaces, no time, no sign).
    pub fn parse_iso(s: &str) -> Result<Ymd, RuleError> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(RuleError::DateFormat);
        }
        let year = ascii_number(&b[0..4]).ok_or(RuleError::DateFormat)?;
        let month = ascii_number(&b[5..7]).ok_or(RuleError::DateFormat)?;
        let day = ascii_number(&b[8..10]).ok_or(RuleError::DateFormat)?;
        from_numbers(year, month, day)
    }

    /// The wire form `YYYY-MM-DD`.
    pub fn to_iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    /// The form citizens read and type, `DD.MM.YYYY`.
    pub fn to_display(self) -> String {
        format!("{:02}.{:02}.{:04}", self.day, self.month, self.year)
    }
}

/// Formats as the wire form `YYYY-MM-DD`.
impl fmt::Display for Ymd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Gregorian leap year: divisible by 4, except centuries not divisible by 400.
pub fn is_leap_year(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Number of days of `month` (1–12) in `year`; 0 for a month that does not exist.
pub fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Age in full years on `today` (negative when `birth` is after `today`).
///
/// A birthday is reached on the same month and day; someone born on 29 February reaches it on
/// 1 March in non-leap years. That is the later of the two readings in use, so an age check never
/// passes a day early.
pub fn age_on(birth: Ymd, today: Ymd) -> i32 {
    let birthday = if birth.month == 2 && birth.day == 29 && !is_leap_year(today.year) {
        (3, 1)
    } else {
        (birth.month, birth.day)
    };
    let years = today.year.saturating_sub(birth.year);
    if (today.month, today.day) < birthday {
        years.saturating_sub(1)
    } else {
        years
    }
}

/// Normalizes a birth date as citizens type it to the wire form `YYYY-MM-DD`.
///
/// Accepts `DD.MM.YYYY` and `D.M.YYYY` with `.`, `/` or `-` between the parts and spaces anywhere
/// (they are removed); without any of `./-`, spaces separate the parts (`17 05 1990`); eight
/// digits in a row are `DDMMYYYY`. A first part of four digits is read as the year
/// (`1990-05-17`), so the function accepts its own output. Two-digit years are refused: they are
/// ambiguous.
///
/// The date must exist, be in [`MIN_BIRTH_YEAR`] or later, not after `today`, and the citizen
/// must be at least [`MIN_AGE_YEARS`] old on `today` (see [`age_on`]).
pub fn normalize_birth_date(input: &str, today: Ymd) -> Result<String, RuleError> {
    let date = parse_typed_date(input)?;
    check_birth_date(date, today)
}

/// The three-field variant (separate day, month and year boxes): same rules and result as
/// [`normalize_birth_date`]. Each box may have surrounding spaces; the day and month take one or
/// two digits, the year four.
pub fn normalize_birth_date_parts(
    day: &str,
    month: &str,
    year: &str,
    today: Ymd,
) -> Result<String, RuleError> {
    let (day, month, year) = (day.trim(), month.trim(), year.trim());
    if day.is_empty() && month.is_empty() && year.is_empty() {
        return Err(RuleError::Required);
    }
    let date = from_parts(day, month, year)?;
    check_birth_date(date, today)
}

/// Checks a birth date in the wire form `YYYY-MM-DD` (what the SPA sends, and the OpenID
/// Connect `birthdate` claim) against the same rules; returns it unchanged.
pub fn normalize_birth_date_iso(input: &str, today: Ymd) -> Result<String, RuleError> {
    if input.trim().is_empty() {
        return Err(RuleError::Required);
    }
    let date = Ymd::parse_iso(input)?;
    check_birth_date(date, today)
}

fn check_birth_date(date: Ymd, today: Ymd) -> Result<String, RuleError> {
    if date.year < MIN_BIRTH_YEAR {
        return Err(RuleError::DateTooEarly);
    }
    if date > today {
        return Err(RuleError::DateInFuture);
    }
    if age_on(date, today) < MIN_AGE_YEARS {
        return Err(RuleError::AgeUnder14);
    }
    Ok(date.to_iso())
}

/// Parses the typed forms described at [`normalize_birth_date`] into a real date.
fn parse_typed_date(input: &str) -> Result<Ymd, RuleError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(RuleError::Required);
    }
    if trimmed.chars().count() > DATE_MAX_INPUT {
        return Err(RuleError::DateFormat);
    }
    let is_punct = |c: char| matches!(c, '.' | '/' | '-');
    // With `./-` present spaces are noise and go; without, each run of spaces separates parts.
    let mut text = String::with_capacity(trimmed.len());
    if trimmed.contains(is_punct) {
        text.extend(trimmed.chars().filter(|c| !c.is_whitespace()));
    } else {
        for ch in trimmed.chars() {
            if !ch.is_whitespace() {
                text.push(ch);
            } else if !text.ends_with('.') {
                text.push('.');
            }
        }
    }
    let groups: Vec<&str> = text.split(is_punct).collect();
    // Also refuses empty groups: leading, trailing or doubled separators.
    if groups
        .iter()
        .any(|g| g.is_empty() || !g.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(RuleError::DateFormat);
    }
    from_groups(&groups)
}

/// Reads one, or three groups of digits as a date.
fn from_groups(groups: &[&str]) -> Result<Ymd, RuleError> {
    match groups {
        [compact] if compact.len() == 8 => {
            from_parts(&compact[0..2], &compact[2..4], &compact[4..8])
        }
        [year, month, day] if year.len() == 4 => from_parts(day, month, year),
        [day, month, year] => from_parts(day, month, year),
        _ => Err(RuleError::DateFormat),
    }
}

/// Day and month of one or two ASCII digits, year of exactly four.
fn from_parts(day: &str, month: &str, year: &str) -> Result<Ymd, RuleError> {
    if !(1..=2).contains(&day.len()) || !(1..=2).contains(&month.len()) || year.len() != 4 {
        return Err(RuleError::DateFormat);
    }
    let day = ascii_number(day.as_bytes()).ok_or(RuleError::DateFormat)?;
    let month = ascii_number(month.as_bytes()).ok_or(RuleError::DateFormat)?;
    let year = ascii_number(year.as_bytes()).ok_or(RuleError::DateFormat)?;
    from_numbers(year, month, day)
}

fn from_numbers(year: u32, month: u32, day: u32) -> Result<Ymd, RuleError> {
    let (Ok(year), Ok(month), Ok(day)) =
        (i32::try_from(year), u8::try_from(month), u8::try_from(day))
    else {
        return Err(RuleError::DateNotReal);
    };
    Ymd::new(year, month, day).ok_or(RuleError::DateNotReal)
}

/// The value of 1–4 ASCII digits; `None` for anything else.
fn ascii_number(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 4 {
        return None;
    }
    b.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: Ymd = Ymd {
        year: 2026,
        month: 11,
        day: 1,
    };

    fn ymd(year: i32, month: u8, day: u8) -> Ymd {
        Ymd { year, month, day }
    }

    #[test]
    fn leap_years_follow_the_gregorian_rule() {
        for y in [1600, 2000, 2004, 2024, 1904, 2400] {
            assert!(is_leap_year(y), "{y}");
        }
        for y in [1700, 1800, 1900, 2100, 2023, 2025, 1901] {
            assert!(!is_leap_year(y), "{y}");
        }
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(2023, 2), 28);
        assert_eq!(days_in_month(1900, 2), 28);
        assert_eq!(days_in_month(2000, 2), 29);
        assert_eq!(days_in_month(2023, 4), 30);
        assert_eq!(days_in_month(2023, 12), 31);
        assert_eq!(days_in_month(2023, 0), 0);
        assert_eq!(days_in_month(2023, 13), 0);
        let total: u32 = (1..=12).map(|m| u32::from(days_in_month(2024, m))).sum();
        assert_eq!(total, 366);
    }

    #[test]
    fn ymd_construction_and_forms() {
        assert_eq!(Ymd::new(1990, 5, 17), Some(ymd(1990, 5, 17)));
        assert_eq!(Ymd::new(1990, 2, 29), None);
        assert_eq!(Ymd::new(1990, 4, 31), None);
        assert_eq!(Ymd::new(1990, 0, 1), None);
        assert_eq!(Ymd::new(1990, 1, 0), None);
        assert_eq!(Ymd::new(10000, 1, 1), None);
        assert_eq!(Ymd::new(-1, 1, 1), None);
        let d = ymd(1990, 5, 7);
        assert_eq!(d.to_iso(), "1990-05-07");
        assert_eq!(d.to_string(), "1990-05-07");
        assert_eq!(d.to_display(), "07.05.1990");
        assert!(ymd(1990, 5, 7) < ymd(1990, 5, 8));
        assert!(ymd(1990, 5, 31) < ymd(1990, 6, 1));
        assert!(ymd(1989, 12, 31) < ymd(1990, 1, 1));
    }

    #[test]
    fn iso_wire_form_is_strict() {
        assert_eq!(Ymd::parse_iso("1990-05-17"), Ok(ymd(1990, 5, 17)));
        assert_eq!(Ymd::parse_iso("2000-02-29"), Ok(ymd(2000, 2, 29)));
        assert_eq!(Ymd::parse_iso("1900-02-29"), Err(RuleError::DateNotReal));
        assert_eq!(Ymd::parse_iso("1990-02-30"), Err(RuleError::DateNotReal));
        assert_eq!(Ymd::parse_iso("1990-13-01"), Err(RuleError::DateNotReal));
        for bad in [
            "1990-5-17",
            "90-05-17",
            " 1990-05-17",
            "1990-05-17 ",
            "1990/05/17",
            "+990-05-17",
            "1990-05-1a",
            "1990-05-17T00:00:00Z",
            "17.05.1990",
            "",
            "１９９０-05-17",
        ] {
            assert_eq!(Ymd::parse_iso(bad), Err(RuleError::DateFormat), "{bad:?}");
        }
    }

    #[test]
    fn typed_forms_normalize_to_iso() {
        for input in [
            "17.05.1990",
            "17.5.1990",
            "17/05/1990",
            "17-05-1990",
            "17-05/1990",
            " 17 . 05 . 1990 ",
            "17. 05. 1990",
            "17.05.19 90",
            "17 05 1990",
            "17  5   1990",
            "17\u{00A0}05\u{00A0}1990",
            "17051990",
            "1990-05-17",
            "1990.5.17",
        ] {
            assert_eq!(
                normalize_birth_date(input, TODAY).as_deref(),
                Ok("1990-05-17"),
                "{input:?}"
            );
        }
        assert_eq!(
            normalize_birth_date("7.5.1990", TODAY).as_deref(),
            Ok("1990-05-07")
        );
        assert_eq!(
            normalize_birth_date("29.02.2000", TODAY).as_deref(),
            Ok("2000-02-29")
        );
    }

    #[test]
    fn typed_forms_refused() {
        for bad in [
            "17.05.90",
            "17..05.1990",
            ".17.05.1990",
            "17.05.1990.",
            "17.05",
            "17.05.1990.1",
            "1 7 0 5 1 9 9 0",
            "170590",
            "117.05.1990",
            "17.005.1990",
            "17.05.19900",
            "17.05.1990г",
            "１７.05.1990",
            "17,05,1990",
            "May 17, 1990",
            "1990-05",
            "-",
            "17 .          05          .         1990",
            "1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1",
        ] {
            assert_eq!(
                normalize_birth_date(bad, TODAY),
                Err(RuleError::DateFormat),
                "{bad:?}"
            );
        }
        assert_eq!(normalize_birth_date("", TODAY), Err(RuleError::Required));
        assert_eq!(
            normalize_birth_date(" \t ", TODAY),
            Err(RuleError::Required)
        );
    }

    #[test]
    fn dates_must_exist() {
        for bad in [
            "31.02.1990",
            "30.02.2000",
            "29.02.2001",
            "29.02.1900",
            "31.04.1990",
            "31.06.1990",
            "31.09.1990",
            "31.11.1990",
            "00.05.1990",
            "17.00.1990",
            "17.13.1990",
            "32.01.1990",
            "99.99.1990",
            "05.17.1990",
        ] {
            assert_eq!(
                normalize_birth_date(bad, TODAY),
                Err(RuleError::DateNotReal),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn range_and_age() {
        assert_eq!(
            normalize_birth_date("31.12.1899", TODAY),
            Err(RuleError::DateTooEarly)
        );
        assert_eq!(
            normalize_birth_date("01.01.1900", TODAY).as_deref(),
            Ok("1900-01-01")
        );
        assert_eq!(
            normalize_birth_date("0001.01.01", TODAY),
            Err(RuleError::DateTooEarly)
        );
        assert_eq!(
            normalize_birth_date("02.11.2026", TODAY),
            Err(RuleError::DateInFuture)
        );
        assert_eq!(
            normalize_birth_date("01.01.9999", TODAY),
            Err(RuleError::DateInFuture)
        );
        // Born today: not in the future, but 0 years old.
        assert_eq!(
            normalize_birth_date("01.11.2026", TODAY),
            Err(RuleError::AgeUnder14)
        );
        // 14th birthday today: accepted; tomorrow: not yet.
        assert_eq!(
            normalize_birth_date("01.11.2012", TODAY).as_deref(),
            Ok("2012-11-01")
        );
        assert_eq!(
            normalize_birth_date("02.11.2012", TODAY),
            Err(RuleError::AgeUnder14)
        );
    }

    #[test]
    fn leap_day_birthdays() {
        let born = ymd(2012, 2, 29);
        assert_eq!(age_on(born, ymd(2026, 2, 28)), 13);
        assert_eq!(age_on(born, ymd(2026, 3, 1)), 14);
        assert_eq!(age_on(born, ymd(2028, 2, 28)), 15);
        assert_eq!(age_on(born, ymd(2028, 2, 29)), 16);
        assert_eq!(
            normalize_birth_date("29.02.2012", ymd(2026, 2, 28)),
            Err(RuleError::AgeUnder14)
        );
        assert_eq!(
            normalize_birth_date("29.02.2012", ymd(2026, 3, 1)).as_deref(),
            Ok("2012-02-29")
        );
        assert_eq!(age_on(ymd(2000, 1, 1), ymd(1999, 12, 31)), -1);
        // No overflow on absurd (unchecked) inputs.
        assert!(age_on(ymd(i32::MAX, 1, 1), ymd(i32::MIN, 1, 1)) < 0);
    }

    #[test]
    fn iso_rule_and_parts_rule_agree_with_the_typed_rule() {
        assert_eq!(
            normalize_birth_date_iso("1990-05-17", TODAY).as_deref(),
            Ok("1990-05-17")
        );
        assert_eq!(
            normalize_birth_date_iso("17.05.1990", TODAY),
            Err(RuleError::DateFormat)
        );
        assert_eq!(
            normalize_birth_date_iso("", TODAY),
            Err(RuleError::Required)
        );
        assert_eq!(
            normalize_birth_date_iso("2020-01-01", TODAY),
            Err(RuleError::AgeUnder14)
        );
        assert_eq!(
            normalize_birth_date_parts("17", "5", "1990", TODAY).as_deref(),
            Ok("1990-05-17")
        );
        assert_eq!(
            normalize_birth_date_parts(" 7 ", "05", " 1990", TODAY).as_deref(),
            Ok("1990-05-07")
        );
        assert_eq!(
            normalize_birth_date_parts("", " ", "", TODAY),
            Err(RuleError::Required)
        );
        for (d, m, y) in [
            ("17", "", "1990"),
            ("17", "5", "90"),
            ("017", "5", "1990"),
            ("1 7", "5", "1990"),
            ("17", "May", "1990"),
            ("-1", "5", "1990"),
        ] {
            assert_eq!(
                normalize_birth_date_parts(d, m, y, TODAY),
                Err(RuleError::DateFormat),
                "{d:?} {m:?} {y:?}"
            );
        }
        assert_eq!(
            normalize_birth_date_parts("31", "2", "1990", TODAY),
            Err(RuleError::DateNotReal)
        );
    }
}
