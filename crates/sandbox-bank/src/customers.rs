//! Seeded, fictional bank customers and the national-id checksum rules their data satisfies.

use time::{Date, Month, OffsetDateTime};

use crate::banks::{bank_ids_of, Country};
#[cfg(test)]
use crate::checksum::{digits, is_valid_inn12, is_valid_rnokpp, is_valid_snils};
use crate::checksum::{inn12_checks, rnokpp_check, snils_check};

/// Password of every seeded customer.
pub const SANDBOX_PASSWORD: &str = "sandbox";

/// A fictional customer known to the sandbox banks of one country.
///
/// The same person (same national ids) exists at every bank of their country; only the
/// pairwise `sub` differs between banks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Customer {
    /// Login typed on the bank's sign-in page.
    pub login: String,
    /// Password typed on the bank's sign-in page (always [`SANDBOX_PASSWORD`]).
    pub password: String,
    pub country: Country,
    /// Ids of the banks this customer is a client of.
    pub banks: Vec<String>,
    /// What the customer exists for in tests.
    pub purpose: String,
    pub family_name: String,
    pub given_name: String,
    pub middle_name: Option<String>,
    /// `YYYY-MM-DD`.
    pub birthdate: String,
    /// E.164, e.g. `+79161234567`: the phone number the bank has on file.
    pub phone_number: String,
    pub email: String,
    /// RU: 10 digits (series + number). UA: 9-digit ID card or a booklet like `КВ123456`.
    pub passport: String,
    /// RU personal INN, 12 digits (claim `inn`).
    pub inn: Option<String>,
    /// UA RNOKPP, 10 digits (claim `rnokpp`).
    pub rnokpp: Option<String>,
    /// RU SNILS, 11 digits without separators.
    pub snils: Option<String>,
    pub has_active_card: bool,
    pub card_blocked: bool,
    pub transactions_30d: u32,
}

/// `today` minus `years`, clamping 29 February to the 28th.
fn years_before(today: Date, years: i32) -> Date {
    let year = today.year() - years;
    Date::from_calendar_date(year, today.month(), today.day())
        .or_else(|_| Date::from_calendar_date(year, Month::February, 28))
        .unwrap_or(today)
}

fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

struct Seed {
    login: &'static str,
    country: Country,
    purpose: &'static str,
    family_name: &'static str,
    given_name: &'static str,
    middle_name: Option<&'static str>,
    birthdate: String,
    phone_number: &'static str,
    email: &'static str,
    passport: String,
    inn: Option<&'static str>,
    rnokpp: Option<&'static str>,
    snils: Option<&'static str>,
    has_active_card: bool,
    card_blocked: bool,
    transactions_30d: u32,
}

impl Seed {
    fn into_customer(self) -> Customer {
        Customer {
            login: self.login.to_owned(),
            password: SANDBOX_PASSWORD.to_owned(),
            country: self.country,
            banks: bank_ids_of(self.country),
            purpose: self.purpose.to_owned(),
            family_name: self.family_name.to_owned(),
            given_name: self.given_name.to_owned(),
            middle_name: self.middle_name.map(str::to_owned),
            birthdate: self.birthdate,
            phone_number: self.phone_number.to_owned(),
            email: self.email.to_owned(),
            passport: self.passport,
            inn: self.inn.map(str::to_owned),
            rnokpp: self.rnokpp.map(str::to_owned),
            snils: self.snils.map(str::to_owned),
            has_active_card: self.has_active_card,
            card_blocked: self.card_blocked,
            transactions_30d: self.transactions_30d,
        }
    }
}

/// Age of the `minor` customer: one below the portal's minimum age of 14.
pub const MINOR_AGE: i32 = 13;

/// The seeded customers. The minor's birthdate (and passport series year) is computed from
/// today's date, so they are always exactly [`MINOR_AGE`] (13) on the day the sandbox starts.
pub fn seeded_customers() -> Vec<Customer> {
    let minor_birth = years_before(OffsetDateTime::now_utc().date(), MINOR_AGE);
    // Series = region 45 (Moscow) + the year of the blank, this year (so never before the
    // birth year); the number is ordinary. Plausible in form, although a real internal
    // passport is first issued at 14.
    let minor_passport = format!(
        "45{:02}{}",
        (minor_birth.year() + MINOR_AGE).rem_euclid(100),
        "765432"
    );
    let ru = Country::Ru;
    let ua = Country::Ua;
    [
        Seed {
            login: "ivanov",
            country: ru,
            purpose: "The normal adult: complete data, active card, recent transactions.",
            family_name: "Иванов",
            given_name: "Иван",
            middle_name: Some("Иванович"),
            birthdate: "1985-03-14".into(),
            phone_number: "+79161234567",
            email: "ivanov@example.ru",
            passport: "4510123456".into(),
            inn: Some("770712345633"),
            rnokpp: None,
            snils: Some("11223344595"),
            has_active_card: true,
            card_blocked: false,
            transactions_30d: 12,
        },
        Seed {
            login: "dormant",
            country: ru,
            purpose: "Adult with an active card but no transactions in the last 30 days.",
            family_name: "Смирнова",
            given_name: "Анна",
            middle_name: Some("Сергеевна"),
            birthdate: "1979-09-02".into(),
            phone_number: "+79161230001",
            email: "dormant@example.ru",
            passport: "4524654321".into(),
            inn: Some("771965432141"),
            rnokpp: None,
            snils: Some("14523698776"),
            has_active_card: true,
            card_blocked: false,
            transactions_30d: 0,
        },
        Seed {
            login: "blocked",
            country: ru,
            purpose: "Adult whose card is blocked (no active card).",
            family_name: "Кузнецов",
            given_name: "Алексей",
            middle_name: Some("Викторович"),
            birthdate: "1991-12-30".into(),
            phone_number: "+79161230002",
            email: "blocked@example.ru",
            passport: "4511234567".into(),
            inn: Some("772634561290"),
            rnokpp: None,
            snils: Some("15678923423"),
            has_active_card: false,
            card_blocked: true,
            transactions_30d: 0,
        },
        Seed {
            login: "otherphone",
            country: ru,
            purpose: "Adult whose phone at the bank (+79035550000) differs from the one typed on the portal.",
            family_name: "Попова",
            given_name: "Ольга",
            middle_name: Some("Павловна"),
            birthdate: "1988-06-17".into(),
            phone_number: "+79035550000",
            email: "otherphone@example.ru",
            passport: "4508345678".into(),
            inn: Some("773498765416"),
            rnokpp: None,
            snils: Some("16781234588"),
            has_active_card: true,
            card_blocked: false,
            transactions_30d: 7,
        },
        Seed {
            login: "minor",
            country: ru,
            purpose: "13 years old, one year below the portal's minimum age of 14 (birthdate computed at startup), otherwise complete with a passport.",
            family_name: "Иванов",
            given_name: "Артём",
            middle_name: Some("Иванович"),
            birthdate: format_date(minor_birth),
            phone_number: "+79161230003",
            email: "minor@example.ru",
            passport: minor_passport,
            inn: Some("770124681363"),
            rnokpp: None,
            snils: Some("98765432183"),
            has_active_card: true,
            card_blocked: false,
            transactions_30d: 5,
        },
        Seed {
            login: "kovalenko",
            country: ua,
            purpose: "UA adult: apostrophe and hyphen in the name, ID-card passport.",
            family_name: "Коваленко-Шевчук",
            given_name: "Мар'яна",
            middle_name: Some("Олегівна"),
            birthdate: "1990-07-22".into(),
            phone_number: "+380671234567",
            email: "kovalenko@example.com.ua",
            passport: "001234567".into(),
            inn: None,
            rnokpp: Some("3307512467"),
            snils: None,
            has_active_card: true,
            card_blocked: false,
            transactions_30d: 23,
        },
        Seed {
            login: "noinn",
            country: ru,
            purpose: "Adult without an INN: the `inn` claim is omitted.",
            family_name: "Соколов",
            given_name: "Дмитрий",
            middle_name: Some("Андреевич"),
            birthdate: "1995-01-25".into(),
            phone_number: "+79161230004",
            email: "noinn@example.ru",
            passport: "4515456789".into(),
            inn: None,
            rnokpp: None,
            snils: Some("17823456191"),
            has_active_card: true,
            card_blocked: false,
            transactions_30d: 9,
        },
        Seed {
            login: "smirnova",
            country: ru,
            purpose: "A second RU adult with an account, for the bank-change and consent e2e tests.",
            family_name: "Смирнова",
            given_name: "Елена",
            middle_name: Some("Викторовна"),
            birthdate: "1988-06-17".into(),
            phone_number: "+79161230005",
            email: "smirnova@example.ru",
            passport: "4512567890".into(),
            inn: Some("773456789013"),
            rnokpp: None,
            snils: Some("15678912317"),
            has_active_card: true,
            card_blocked: false,
            transactions_30d: 6,
        },
        Seed {
            login: "petrenko",
            country: ua,
            purpose: "UA adult with an old booklet passport (КВ123456).",
            family_name: "Петренко",
            given_name: "Олександр",
            middle_name: Some("Миколайович"),
            birthdate: "1978-11-05".into(),
            phone_number: "+380501234567",
            email: "petrenko@example.com.ua",
            passport: "КВ123456".into(),
            inn: None,
            rnokpp: Some("2879803577"),
            snils: None,
            has_active_card: true,
            card_blocked: false,
            transactions_30d: 4,
        },
        Seed {
            login: "orlova",
            country: ru,
            purpose: "A RU adult without an INN for the e2e interface checks (ux.spec.js, desktop): activation, two-factor, consents.",
            family_name: "Орлова",
            given_name: "Вера",
            middle_name: Some("Николаевна"),
            birthdate: "1991-09-08".into(),
            phone_number: "+79161230006",
            email: "orlova@example.ru",
            passport: "4516567890".into(),
            inn: None,
            rnokpp: None,
            snils: Some("17823457193"),
            has_active_card: true,
            card_blocked: false,
            transactions_30d: 5,
        },
        Seed {
            login: "volkov",
            country: ru,
            purpose: "A RU adult without an INN for the e2e interface checks (ux.spec.js, phone): activation, two-factor, consents.",
            family_name: "Волков",
            given_name: "Павел",
            middle_name: Some("Сергеевич"),
            birthdate: "1983-02-21".into(),
            phone_number: "+79161230007",
            email: "volkov@example.ru",
            passport: "4517678901".into(),
            inn: None,
            rnokpp: None,
            snils: Some("17823458296"),
            has_active_card: true,
            card_blocked: false,
            transactions_30d: 7,
        },
    ]
    .into_iter()
    .map(Seed::into_customer)
    .collect()
}

/// Login prefix of the fresh persons of the non-interactive mode (`auto_approve`).
pub(crate) const AUTO_PREFIX: &str = "auto-";

/// Fresh persons are numbered modulo this: their national ids carry the number in eight digits.
const AUTO_SPACE: u64 = 100_000_000;

/// The login of fresh person number `n` (taken modulo 10^8) of `country`: `auto-{n}-{phone
/// digits}`. The phone is `phone_hint` when it is E.164 of the country (`+7` and 10 digits, or
/// `+380` and 9), so a load driver can give the phone it typed on the portal (as `login_hint`);
/// otherwise one made from `n`.
pub(crate) fn auto_login(n: u64, country: Country, phone_hint: &str) -> String {
    let n = n % AUTO_SPACE;
    let digits = phone_hint.strip_prefix('+').filter(|d| {
        d.bytes().all(|b| b.is_ascii_digit())
            && match country {
                Country::Ru => d.len() == 11 && d.starts_with('7'),
                Country::Ua => d.len() == 12 && d.starts_with("380"),
            }
    });
    let phone = match (digits, country) {
        (Some(d), _) => d.to_owned(),
        (None, Country::Ru) => format!("79{:09}", n % 1_000_000_000),
        (None, Country::Ua) => format!("38067{:07}", n % 10_000_000),
    };
    format!("{AUTO_PREFIX}{n}-{phone}")
}

/// Whether `login` names a fresh person of the non-interactive mode.
pub(crate) fn is_auto_login(login: &str) -> bool {
    login.starts_with(AUTO_PREFIX)
}

/// The fresh person a login from [`auto_login`] names, at a bank of `country`: an adult with an
/// active card, recent transactions and national ids with valid check digits, unique per number
/// (INN `77` + the number + check digits, SNILS `1` + the number + check number, passport `45` +
/// the number; UA: RNOKPP `3` + the number + check digit, ID card `1` + the number). SNILS is in
/// its written form `XXX-XXX-XXX YY`. Derived from the login alone, so nothing is stored per person.
pub(crate) fn auto_customer(login: &str, country: Country) -> Option<Customer> {
    let rest = login.strip_prefix(AUTO_PREFIX)?;
    let (n, phone) = rest.split_once('-')?;
    let n: u64 = n.parse().ok().filter(|n| *n < AUTO_SPACE)?;
    if phone.is_empty() || phone.len() > 15 || !phone.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year = 1950 + (n % 50) as i32;
    let month = 1 + (n / 50 % 12) as u8;
    let day = 1 + (n / 600 % 28) as u8;
    let num = format!("{n:08}");
    let (passport, inn, rnokpp, snils) = match country {
        Country::Ru => {
            let inn10 = format!("77{num}");
            let (c11, c12) = inn12_checks(&inn10)?;
            let payload = format!("1{num}");
            let snils = format!(
                "{}-{}-{} {:02}",
                &payload[0..3],
                &payload[3..6],
                &payload[6..9],
                snils_check(&payload)?
            );
            (
                format!("45{num}"),
                Some(format!("{inn10}{c11}{c12}")),
                None,
                Some(snils),
            )
        }
        Country::Ua => {
            let nine = format!("3{num}");
            let check = rnokpp_check(&nine)?;
            (
                format!("1{num}"),
                None,
                Some(format!("{nine}{check}")),
                None,
            )
        }
    };
    Some(Customer {
        login: login.to_owned(),
        password: String::new(),
        country,
        banks: bank_ids_of(country),
        purpose: "A fresh person of the non-interactive mode (load tests).".to_owned(),
        family_name: "Нагрузов".to_owned(),
        given_name: "Тест".to_owned(),
        middle_name: Some("Автоматович".to_owned()),
        birthdate: format!("{year:04}-{month:02}-{day:02}"),
        phone_number: format!("+{phone}"),
        email: format!("auto{n}@example.ru"),
        passport,
        inn,
        rnokpp,
        snils,
        has_active_card: true,
        card_blocked: false,
        transactions_30d: 12,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_login(login: &str) -> Customer {
        seeded_customers()
            .into_iter()
            .find(|c| c.login == login)
            .expect("seeded")
    }

    #[test]
    fn checksum_functions_reject_corrupted_values() {
        assert!(is_valid_inn12("770712345633"));
        assert!(!is_valid_inn12("770712345634"));
        assert!(!is_valid_inn12("77071234563"));
        assert!(is_valid_snils("11223344595"));
        assert!(!is_valid_snils("11223344596"));
        // Sums of exactly 100 and 101 give check number 00; sums above 101 are taken mod 101.
        assert!(is_valid_snils("92000000300"));
        assert!(is_valid_snils("92000000400"));
        assert!(!is_valid_snils("92000000401"));
        assert!(is_valid_snils("17823456191"));
        assert!(is_valid_inn12("500100732259"));
        assert!(is_valid_rnokpp("3307512467"));
        assert!(!is_valid_rnokpp("3307512468"));
    }

    #[test]
    fn every_seed_has_valid_national_ids() {
        for c in seeded_customers() {
            if let Some(inn) = &c.inn {
                assert_eq!(c.country, Country::Ru, "{}", c.login);
                assert!(is_valid_inn12(inn), "{}: INN {inn}", c.login);
            }
            if let Some(snils) = &c.snils {
                assert_eq!(c.country, Country::Ru, "{}", c.login);
                assert!(is_valid_snils(snils), "{}: SNILS {snils}", c.login);
            }
            if let Some(code) = &c.rnokpp {
                assert_eq!(c.country, Country::Ua, "{}", c.login);
                assert!(is_valid_rnokpp(code), "{}: RNOKPP {code}", c.login);
            }
            match c.country {
                Country::Ru => {
                    assert!(c.snils.is_some(), "{}", c.login);
                    assert!(digits(&c.passport, 10).is_some(), "{}", c.login);
                    assert!(c.phone_number.starts_with("+7"), "{}", c.login);
                }
                Country::Ua => {
                    assert!(c.rnokpp.is_some(), "{}", c.login);
                    let booklet = c.passport.chars().count() == 8
                        && c.passport.chars().take(2).all(|ch| ch.is_alphabetic())
                        && c.passport.chars().skip(2).all(|ch| ch.is_ascii_digit());
                    assert!(booklet || digits(&c.passport, 9).is_some(), "{}", c.login);
                    assert!(c.phone_number.starts_with("+380"), "{}", c.login);
                }
            }
            assert_eq!(c.password, SANDBOX_PASSWORD);
            assert!(c.phone_number[1..].chars().all(|ch| ch.is_ascii_digit()));
            assert!(!c.banks.is_empty());
        }
    }

    #[test]
    fn seeds_are_unique() {
        let all = seeded_customers();
        assert_eq!(all.len(), 11);
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(a.login, b.login);
                assert_ne!(a.phone_number, b.phone_number);
                assert_ne!(a.passport, b.passport);
                if a.inn.is_some() {
                    assert_ne!(a.inn, b.inn);
                }
            }
        }
    }

    #[test]
    fn rnokpp_encodes_birthdate_and_sex() {
        // First five digits: days since 1899-12-31; ninth digit even for women, odd for men.
        let epoch = Date::from_calendar_date(1899, Month::December, 31).expect("date");
        for (login, female) in [("kovalenko", true), ("petrenko", false)] {
            let c = by_login(login);
            let code = c.rnokpp.expect("rnokpp");
            let birth = Date::parse(
                &c.birthdate,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .expect("birthdate");
            let days = (birth - epoch).whole_days();
            assert_eq!(code[..5].parse::<i64>().expect("digits"), days, "{login}");
            let ninth = code[8..9].parse::<u32>().expect("digit");
            assert_eq!(ninth % 2 == 0, female, "{login}");
        }
    }

    #[test]
    fn minor_is_thirteen_and_adults_are_adults() {
        let today = OffsetDateTime::now_utc().date();
        for c in seeded_customers() {
            let birth = Date::parse(
                &c.birthdate,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .expect("birthdate");
            let mut age = today.year() - birth.year();
            if (today.month() as u8, today.day()) < (birth.month() as u8, birth.day()) {
                age -= 1;
            }
            if c.login == "minor" {
                assert_eq!(age, MINOR_AGE);
                assert!(
                    age < 14,
                    "the minor must stay below the portal's minimum age"
                );
            } else {
                assert!(age >= 18, "{} is {age}", c.login);
            }
        }
    }

    #[test]
    fn banks_by_country() {
        assert_eq!(
            by_login("ivanov").banks,
            ["sber", "vtb", "tbank", "alfa", "gazprombank", "otkritie"]
        );
        assert_eq!(
            by_login("kovalenko").banks,
            ["privatbank", "monobank", "oschadbank"]
        );
        assert_eq!(by_login("kovalenko").given_name, "Мар\u{27}яна");
        assert_eq!(by_login("noinn").inn, None);
        assert_eq!(by_login("petrenko").passport, "КВ123456");
    }

    #[test]
    fn leap_day_clamps() {
        let d = Date::from_calendar_date(2024, Month::February, 29).expect("date");
        assert_eq!(format_date(years_before(d, 15)), "2009-02-28");
        assert_eq!(format_date(years_before(d, 16)), "2008-02-29");
    }

    #[test]
    fn fresh_persons_are_valid_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for n in [0u64, 1, 2, 99, 12_345_678, 99_999_999, 100_000_003] {
            let login = auto_login(n, Country::Ru, "");
            assert!(is_auto_login(&login));
            let c = auto_customer(&login, Country::Ru).expect("ru person");
            let inn = c.inn.clone().expect("inn");
            assert!(is_valid_inn12(&inn), "{inn}");
            let snils = c.snils.clone().expect("snils");
            assert_eq!(snils.len(), 14, "{snils}");
            assert!(is_valid_snils(&snils.replace(['-', ' '], "")), "{snils}");
            assert!(digits(&c.passport, 10).is_some());
            assert!(c.phone_number.starts_with("+79") && c.phone_number.len() == 12);
            assert!(c.has_active_card && !c.card_blocked && c.transactions_30d > 0);
            assert!(c.birthdate.as_str() < "2001-01-01");
            assert!(seen.insert((inn, snils, c.passport.clone(), c.phone_number.clone())));
            let ua = auto_customer(&auto_login(n, Country::Ua, ""), Country::Ua).expect("ua");
            assert!(is_valid_rnokpp(ua.rnokpp.as_deref().expect("rnokpp")));
            assert!(digits(&ua.passport, 9).is_some());
            assert!(ua.phone_number.starts_with("+380"));
        }
    }

    #[test]
    fn fresh_person_takes_the_phone_hint_of_its_country() {
        let c = auto_customer(&auto_login(5, Country::Ru, "+79161112233"), Country::Ru)
            .expect("person");
        assert_eq!(c.phone_number, "+79161112233");
        // Not E.164 of the country: a phone of its own.
        for hint in ["79161112233", "+380671234567", "+7916111223x", "ivanov"] {
            let c = auto_customer(&auto_login(5, Country::Ru, hint), Country::Ru).expect("p");
            assert_eq!(c.phone_number, "+79000000005", "{hint}");
        }
        let ua =
            auto_customer(&auto_login(5, Country::Ua, "+380501112233"), Country::Ua).expect("ua");
        assert_eq!(ua.phone_number, "+380501112233");
        assert!(auto_customer("ivanov", Country::Ru).is_none());
        assert!(auto_customer("auto-x-7916", Country::Ru).is_none());
        assert!(auto_customer("auto-1-79+1", Country::Ru).is_none());
    }
}
