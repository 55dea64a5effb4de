//! The GOV.UK date input for a date of birth: three numeric boxes (day, month, year) in a
//! fieldset, one hint and one error message for the group, checked with the shared
//! [`normalize_birth_date_parts`] and reported in the wire form `YYYY-MM-DD`.

use bankid_api::validate::{normalize_birth_date_parts, RuleError, Ymd, MIN_AGE_YEARS};
use bankid_api::{ErrorCode, Lang};
use leptos::prelude::*;

use crate::components::error_message::ErrorMessage;
use crate::components::text_input::described_by;
use crate::i18n::{t, tf, use_lang, years, Key};

/// One of the three boxes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatePart {
    Day,
    Month,
    Year,
}

impl DatePart {
    /// In the order citizens of Russia and Ukraine (and the UK) write a date.
    pub const ALL: [DatePart; 3] = [DatePart::Day, DatePart::Month, DatePart::Year];

    fn suffix(self) -> &'static str {
        match self {
            DatePart::Day => "day",
            DatePart::Month => "month",
            DatePart::Year => "year",
        }
    }

    fn autocomplete(self) -> &'static str {
        match self {
            DatePart::Day => "bday-day",
            DatePart::Month => "bday-month",
            DatePart::Year => "bday-year",
        }
    }

    fn label(self) -> Key {
        match self {
            DatePart::Day => Key::DateDay,
            DatePart::Month => Key::DateMonth,
            DatePart::Year => Key::DateYear,
        }
    }

    fn class(self) -> &'static str {
        match self {
            DatePart::Year => "bp-input bp-date-input__input bp-input--width-4",
            _ => "bp-input bp-date-input__input bp-input--width-2",
        }
    }
}

/// Element id of one box of the date input `id`: `{id}-day`, `{id}-month`, `{id}-year`.
pub fn part_id(id: &str, part: DatePart) -> String {
    format!("{id}-{}", part.suffix())
}

/// Which boxes are at fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DateParts {
    pub day: bool,
    pub month: bool,
    pub year: bool,
}

impl DateParts {
    /// The whole date.
    pub const ALL: DateParts = DateParts {
        day: true,
        month: true,
        year: true,
    };

    pub fn contains(self, part: DatePart) -> bool {
        match part {
            DatePart::Day => self.day,
            DatePart::Month => self.month,
            DatePart::Year => self.year,
        }
    }
}

/// What is wrong with a date and which boxes to mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateError {
    pub code: ErrorCode,
    pub parts: DateParts,
}

impl DateError {
    /// The first box at fault: the target of the error summary's link (GOV.UK).
    pub fn first_part(self) -> DatePart {
        DatePart::ALL
            .into_iter()
            .find(|p| self.parts.contains(*p))
            .unwrap_or(DatePart::Day)
    }

    /// Element id of [`DateError::first_part`] in the date input `id`.
    pub fn field_id(self, id: &str) -> String {
        part_id(id, self.first_part())
    }
}

/// THE check of a birth date typed in three boxes: the shared rule
/// [`normalize_birth_date_parts`] (real date, not before 1900, not in the future, at least 14 on
/// `today`), giving the wire form `YYYY-MM-DD`, or the error code with the boxes to mark.
pub fn check_birth_date(
    day: &str,
    month: &str,
    year: &str,
    today: Ymd,
) -> Result<String, DateError> {
    normalize_birth_date_parts(day, month, year, today).map_err(|rule| DateError {
        code: rule.code(),
        parts: faulty_parts(day, month, year, rule),
    })
}

/// The boxes to mark for `rule`: the ones that are wrong on their own (empty, not a number of
/// the right length, a month above 12, a day above 31), else the whole date (29.02.2023,
/// a date in the future, too young).
pub fn faulty_parts(day: &str, month: &str, year: &str, rule: RuleError) -> DateParts {
    let (day, month, year) = (day.trim(), month.trim(), year.trim());
    let digits = |s: &str, len: std::ops::RangeInclusive<usize>| {
        len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    let value = |s: &str| s.parse::<u32>().ok();
    let parts = match rule {
        RuleError::DateFormat => DateParts {
            day: !digits(day, 1..=2),
            month: !digits(month, 1..=2),
            year: !digits(year, 4..=4),
        },
        RuleError::DateNotReal => DateParts {
            day: value(day).is_none_or(|d| d == 0 || d > 31),
            month: value(month).is_none_or(|m| m == 0 || m > 12),
            year: false,
        },
        _ => DateParts::ALL,
    };
    if parts == DateParts::default() {
        DateParts::ALL
    } else {
        parts
    }
}

/// The three boxes' contents, exactly as typed (kept on redisplay).
#[derive(Debug, Clone, Copy)]
pub struct DateValue {
    pub day: RwSignal<String>,
    pub month: RwSignal<String>,
    pub year: RwSignal<String>,
}

impl DateValue {
    pub fn new() -> Self {
        DateValue {
            day: RwSignal::new(String::new()),
            month: RwSignal::new(String::new()),
            year: RwSignal::new(String::new()),
        }
    }

    fn part(&self, part: DatePart) -> RwSignal<String> {
        match part {
            DatePart::Day => self.day,
            DatePart::Month => self.month,
            DatePart::Year => self.year,
        }
    }

    /// [`check_birth_date`] on the current contents: the ISO date or what is wrong.
    pub fn check(&self, today: Ymd) -> Result<String, DateError> {
        check_birth_date(
            &self.day.get_untracked(),
            &self.month.get_untracked(),
            &self.year.get_untracked(),
            today,
        )
    }
}

impl Default for DateValue {
    fn default() -> Self {
        DateValue::new()
    }
}

/// The hint of the three boxes: an example in their order and the age rule of the shared crate
/// ([`MIN_AGE_YEARS`]). (The shared `BIRTH_DATE_HINT` describes the one-box `DD.MM.YYYY` form.)
pub fn birth_date_hint(lang: Lang) -> String {
    let age = u32::try_from(MIN_AGE_YEARS).unwrap_or(14);
    tf(lang, Key::DateHint, &[("years", &years(lang, age))])
}

/// Today in the browser's time zone (the citizen's calendar day).
pub fn browser_today() -> Ymd {
    let now = js_sys::Date::new_0();
    Ymd {
        year: now.get_full_year() as i32,
        month: (now.get_month() + 1) as u8,
        day: now.get_date() as u8,
    }
}

/// A date of birth as three boxes.
///
/// Ids: container `{id}`, boxes `{id}-day`, `{id}-month`, `{id}-year` (also their names),
/// hint `{id}-hint`, error `{id}-error`. The fieldset (`role="group"`) is described by the hint
/// and, while there is an error, the error message; the boxes at fault get
/// `aria-invalid="true"`. Each box: `inputmode="numeric"`, `autocomplete="bday-*"`.
#[component]
pub fn DateInput(
    /// Prefix of the ids and names.
    #[prop(into)]
    id: String,
    /// What is typed in the boxes.
    value: DateValue,
    /// What is wrong, if anything (from [`DateValue::check`]).
    #[prop(into)]
    error: Signal<Option<DateError>>,
    /// The question, as the fieldset's legend.
    #[prop(into)]
    legend: Signal<String>,
    /// Whether the legend is the page's `<h1>` (GOV.UK question page).
    #[prop(optional)]
    page_heading: bool,
    /// Help under the legend; [`birth_date_hint`] while empty.
    #[prop(optional, into)]
    hint: Signal<String>,
) -> impl IntoView {
    let lang = use_lang();
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let has_error = move || error.with(Option::is_some);
    let code = Signal::derive(move || error.get().map(|e| e.code));
    let aria_described_by = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || described_by(Some(&hint_id), has_error().then_some(error_id.as_str()))
    };
    let hint_text = move || {
        let custom = hint.get();
        if custom.is_empty() {
            birth_date_hint(lang.get())
        } else {
            custom
        }
    };
    let legend_text = move || legend.get();
    let legend_view = if page_heading {
        view! {
            <legend class="bp-fieldset__legend bp-fieldset__legend--l">
                <h1 class="bp-fieldset__heading">{legend_text}</h1>
            </legend>
        }
        .into_any()
    } else {
        view! { <legend class="bp-fieldset__legend">{legend_text}</legend> }.into_any()
    };
    let boxes = DatePart::ALL
        .into_iter()
        .map(|part| {
            let box_id = part_id(&id, part);
            let invalid = move || error.with(|e| e.is_some_and(|e| e.parts.contains(part)));
            view! {
                <div class="bp-date-input__item">
                    <label class="bp-label bp-date-input__label" for=box_id.clone()>
                        {move || t(lang.get(), part.label())}
                    </label>
                    <input
                        class=part.class()
                        class:bp-input--error=invalid
                        id=box_id.clone()
                        name=box_id
                        type="text"
                        inputmode="numeric"
                        autocomplete=part.autocomplete()
                        spellcheck="false"
                        aria-invalid=move || invalid().then_some("true")
                        bind:value=value.part(part)
                    />
                </div>
            }
        })
        .collect_view();
    view! {
        <div class="bp-form-group" class:bp-form-group--error=has_error>
            <fieldset class="bp-fieldset" role="group" aria-describedby=aria_described_by>
                {legend_view}
                <div id=hint_id class="bp-hint">{hint_text}</div>
                <ErrorMessage id=error_id code />
                <div class="bp-date-input" id=id>{boxes}</div>
            </fieldset>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: Ymd = Ymd {
        year: 2026,
        month: 11,
        day: 23,
    };

    fn parts(day: bool, month: bool, year: bool) -> DateParts {
        DateParts { day, month, year }
    }

    #[test]
    fn valid_dates_are_reported_in_iso() {
        assert_eq!(
            check_birth_date("17", "5", "1990", TODAY).as_deref(),
            Ok("1990-05-17")
        );
        assert_eq!(
            check_birth_date(" 07 ", "05", "1990", TODAY).as_deref(),
            Ok("1990-05-07")
        );
        // Leap day of a leap year.
        assert_eq!(
            check_birth_date("29", "02", "2000", TODAY).as_deref(),
            Ok("2000-02-29")
        );
    }

    #[test]
    fn whole_date_problems_mark_every_box() {
        let e = check_birth_date("31", "02", "1990", TODAY).unwrap_err();
        assert_eq!(e.code, ErrorCode::FieldDateNotReal);
        assert_eq!(e.parts, DateParts::ALL);
        let e = check_birth_date("29", "02", "2023", TODAY).unwrap_err();
        assert_eq!(
            (e.code, e.parts),
            (ErrorCode::FieldDateNotReal, DateParts::ALL)
        );
        let e = check_birth_date("", " ", "", TODAY).unwrap_err();
        assert_eq!(
            (e.code, e.parts),
            (ErrorCode::FieldRequired, DateParts::ALL)
        );
        let e = check_birth_date("1", "1", "2030", TODAY).unwrap_err();
        assert_eq!(
            (e.code, e.parts),
            (ErrorCode::FieldDateInFuture, DateParts::ALL)
        );
        let e = check_birth_date("1", "1", "2020", TODAY).unwrap_err();
        assert_eq!(
            (e.code, e.parts),
            (ErrorCode::FieldAgeUnder14, DateParts::ALL)
        );
        let e = check_birth_date("1", "1", "1850", TODAY).unwrap_err();
        assert_eq!(
            (e.code, e.parts),
            (ErrorCode::FieldDateTooEarly, DateParts::ALL)
        );
    }

    #[test]
    fn single_box_problems_mark_that_box() {
        let e = check_birth_date("17", "", "1990", TODAY).unwrap_err();
        assert_eq!(
            (e.code, e.parts),
            (ErrorCode::FieldDateFormat, parts(false, true, false))
        );
        assert_eq!(e.field_id("dob"), "dob-month");
        let e = check_birth_date("17", "5", "90", TODAY).unwrap_err();
        assert_eq!(
            (e.code, e.parts),
            (ErrorCode::FieldDateFormat, parts(false, false, true))
        );
        let e = check_birth_date("x", "5", "1990", TODAY).unwrap_err();
        assert_eq!(e.parts, parts(true, false, false));
        let e = check_birth_date("17", "13", "1990", TODAY).unwrap_err();
        assert_eq!(
            (e.code, e.parts),
            (ErrorCode::FieldDateNotReal, parts(false, true, false))
        );
        let e = check_birth_date("32", "1", "1990", TODAY).unwrap_err();
        assert_eq!(
            (e.code, e.parts),
            (ErrorCode::FieldDateNotReal, parts(true, false, false))
        );
        assert_eq!(e.field_id("dob"), "dob-day");
    }

    #[test]
    fn the_hint_states_the_shared_age_rule() {
        assert_eq!(
            birth_date_hint(Lang::Ru),
            "Например, 17 05 1990. Зарегистрироваться можно с 14 лет."
        );
        assert_eq!(
            birth_date_hint(Lang::Uk),
            "Наприклад, 17 05 1990. Зареєструватися можна з 14 років."
        );
        assert_eq!(
            birth_date_hint(Lang::En),
            "For example, 17 05 1990. You must be at least 14 years old."
        );
    }

    #[test]
    fn ids_follow_govuk() {
        assert_eq!(part_id("dob", DatePart::Day), "dob-day");
        assert_eq!(part_id("dob", DatePart::Month), "dob-month");
        assert_eq!(part_id("dob", DatePart::Year), "dob-year");
    }
}
