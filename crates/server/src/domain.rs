//! Registration rules: what the bank's verified claims must show for a portal account. Pure: the
//! date comes in as a parameter.

use bankid_api::types::Country;
use bankid_api::ErrorCode;
use time::Date;

use bankid_api::validate as v;

use crate::oidc::IdClaims;

/// Age from which a citizen can register through a bank.
pub const ADULT_AGE: u8 = 18;

/// The person a bank vouched for, after the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub family_name: String,
    pub given_name: String,
    pub middle_name: Option<String>,
    pub birthdate: Date,
    pub phone: String,
    pub email: Option<String>,
    /// INN (RU) or RNOKPP (UA): with the country, identifies the person across banks.
    pub tax_id: String,
    pub passport: String,
    pub snils: Option<String>,
}

impl Person {
    /// Name shown on the status page: given name and the family name's initial.
    pub fn display_name(&self) -> String {
        let initial: String = self.family_name.chars().take(1).collect();
        format!("{} {}.", self.given_name, initial)
    }
}

/// Applies the registration rules in a fixed order: data present, data valid under the same field
/// rules the portal applies to citizens' input, adult, phone as typed, a usable card, recent
/// activity. Returns the first rule that fails, with the claim at fault for the journal.
pub fn evaluate(
    claims: &IdClaims,
    country: Country,
    typed_phone: &str,
    today: Date,
) -> Result<Person, Refusal> {
    let person = person_from(claims, country, today)?;
    let activity = claims
        .bank_activity
        .as_ref()
        .ok_or(Refusal::missing("bank_activity"))?;
    if age_on(person.birthdate, today) < ADULT_AGE as i32 {
        return Err(Refusal::rule(ErrorCode::RegUnderAge));
    }
    if person.phone != typed_phone {
        return Err(Refusal::rule(ErrorCode::RegPhoneMismatch));
    }
    if activity.card_blocked || !activity.has_active_card {
        return Err(Refusal::rule(ErrorCode::RegCardBlocked));
    }
    if activity.transactions_30d == 0 {
        return Err(Refusal::rule(ErrorCode::RegAccountInactive));
    }
    Ok(person)
}

/// Why the bank's data cannot make an account, and which claim caused it (kept in the journal,
/// never its value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub code: ErrorCode,
    pub claim: Option<&'static str>,
}

impl Refusal {
    fn missing(claim: &'static str) -> Refusal {
        Refusal {
            code: ErrorCode::RegMissingData,
            claim: Some(claim),
        }
    }
    fn invalid(claim: &'static str) -> Refusal {
        Refusal {
            code: ErrorCode::RegInvalidData,
            claim: Some(claim),
        }
    }
    fn rule(code: ErrorCode) -> Refusal {
        Refusal { code, claim: None }
    }
}

fn present<'a>(v: &'a Option<String>, claim: &'static str) -> Result<&'a str, Refusal> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or(Refusal::missing(claim))
}

fn checked<T, E>(r: Result<T, E>, claim: &'static str) -> Result<T, Refusal> {
    r.map_err(|_| Refusal::invalid(claim))
}

fn person_from(c: &IdClaims, country: Country, today: Date) -> Result<Person, Refusal> {
    let family_name = checked(
        v::normalize_name(present(&c.family_name, "family_name")?),
        "family_name",
    )?;
    let given_name = checked(
        v::normalize_name(present(&c.given_name, "given_name")?),
        "given_name",
    )?;
    let middle_name = match c
        .middle_name
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(m) => Some(checked(v::normalize_name(m), "middle_name")?),
        None => None,
    };
    // The adult rule comes later with its own reason; here the date only has to be real and past.
    let today_ymd = v::Ymd::new(today.year(), today.month() as u8, today.day())
        .ok_or(Refusal::rule(ErrorCode::Internal))?;
    let iso = present(&c.birthdate, "birthdate")?;
    let birth = checked(v::Ymd::parse_iso(iso), "birthdate")?;
    if birth >= today_ymd || birth.year < v::MIN_BIRTH_YEAR {
        return Err(Refusal::invalid("birthdate"));
    }
    let birthdate = Date::from_calendar_date(
        birth.year,
        time::Month::try_from(birth.month).map_err(|_| Refusal::invalid("birthdate"))?,
        birth.day,
    )
    .map_err(|_| Refusal::invalid("birthdate"))?;
    let phone = bankid_api::validate::normalize_phone(present(&c.phone_number, "phone_number")?)
        .map_err(|_| Refusal::invalid("phone_number"))?;
    // Email is optional for an account: a malformed one is dropped, not fatal.
    let email = c.email.as_deref().and_then(|e| v::normalize_email(e).ok());
    let (tax_id, passport, snils) = match country {
        Country::Ru => {
            let inn = checked(v::normalize_inn(present(&c.inn, "inn")?), "inn")?;
            if inn.len() != 12 {
                // A person's INN has 12 digits; 10 digits belong to organisations.
                return Err(Refusal::invalid("inn"));
            }
            let passport = checked(
                v::normalize_ru_passport(present(&c.passport, "passport")?),
                "passport",
            )?;
            let snils = checked(v::normalize_snils(present(&c.snils, "snils")?), "snils")?;
            (inn, passport, Some(snils))
        }
        Country::Ua => {
            let rnokpp = checked(v::normalize_rnokpp(present(&c.rnokpp, "rnokpp")?), "rnokpp")?;
            let passport = checked(
                v::normalize_ua_passport(present(&c.passport, "passport")?),
                "passport",
            )?;
            (rnokpp, passport, None)
        }
    };
    Ok(Person {
        family_name,
        given_name,
        middle_name,
        birthdate,
        phone,
        email,
        tax_id,
        passport,
        snils,
    })
}

/// The validated taxpayer number (RU INN of a person, UA RNOKPP) that identifies a person across
/// banks, if the claims carry a valid one.
pub fn tax_id(c: &IdClaims, country: Country) -> Option<String> {
    match country {
        Country::Ru => v::normalize_inn(c.inn.as_deref()?)
            .ok()
            .filter(|i| i.len() == 12),
        Country::Ua => v::normalize_rnokpp(c.rnokpp.as_deref()?).ok(),
    }
}

/// Whether a bank's verified claims show the person an account belongs to: the keyed hash of the
/// taxpayer number, the birth date and the names (after the shared normalization, ignoring case).
pub fn same_person(
    claims: &IdClaims,
    country: Country,
    person_key_of: impl Fn(&str) -> String,
    account_person_key: &str,
    account_birthdate: &str,
    account_names: (&str, &str),
) -> bool {
    let Some(tax) = tax_id(claims, country) else {
        return false;
    };
    let key_ok: bool = subtle::ConstantTimeEq::ct_eq(
        person_key_of(&tax).as_bytes(),
        account_person_key.as_bytes(),
    )
    .into();
    let birth_ok = claims.birthdate.as_deref().map(str::trim) == Some(account_birthdate);
    let norm = |n: Option<&str>| {
        n.and_then(|n| v::normalize_name(n).ok())
            .map(|n| n.to_lowercase())
    };
    let names_ok = norm(claims.family_name.as_deref()) == norm(Some(account_names.0))
        && norm(claims.given_name.as_deref()) == norm(Some(account_names.1));
    key_ok && birth_ok && names_ok
}

/// Full years between `birth` and `today`.
pub fn age_on(birth: Date, today: Date) -> i32 {
    let mut age = today.year() - birth.year();
    if (today.month() as u8, today.day()) < (birth.month() as u8, birth.day()) {
        age -= 1;
    }
    age
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oidc::{Audience, BankActivity};
    use time::macros::date;

    fn ivanov() -> IdClaims {
        IdClaims {
            iss: "i".into(),
            sub: "s".into(),
            aud: Audience::One("a".into()),
            exp: 0,
            iat: 0,
            nonce: None,
            azp: None,
            family_name: Some("Иванов".into()),
            given_name: Some("Иван".into()),
            middle_name: Some("Иванович".into()),
            birthdate: Some("1985-03-14".into()),
            phone_number: Some("+79161234567".into()),
            email: Some("ivanov@example.ru".into()),
            passport: Some("4510123456".into()),
            inn: Some("500100732259".into()),
            rnokpp: None,
            snils: Some("11223344595".into()),
            bank_activity: Some(BankActivity {
                has_active_card: true,
                card_blocked: false,
                transactions_30d: 12,
            }),
        }
    }

    const TODAY: Date = date!(2026 - 11 - 23);

    #[test]
    fn normal_adult_passes() {
        let p = evaluate(&ivanov(), Country::Ru, "+79161234567", TODAY).unwrap();
        assert_eq!(p.display_name(), "Иван И.");
    }

    #[test]
    fn each_rule_has_its_reason() {
        let mut c = ivanov();
        c.inn = None;
        assert_eq!(
            evaluate(&c, Country::Ru, "+79161234567", TODAY).map_err(|r| r.code),
            Err(ErrorCode::RegMissingData)
        );
        let mut c = ivanov();
        c.birthdate = Some("2011-11-24".into());
        assert_eq!(
            evaluate(&c, Country::Ru, "+79161234567", TODAY).map_err(|r| r.code),
            Err(ErrorCode::RegUnderAge)
        );
        assert_eq!(
            evaluate(&ivanov(), Country::Ru, "+79035550000", TODAY).map_err(|r| r.code),
            Err(ErrorCode::RegPhoneMismatch)
        );
        let mut c = ivanov();
        c.bank_activity = Some(BankActivity {
            has_active_card: false,
            card_blocked: true,
            transactions_30d: 3,
        });
        assert_eq!(
            evaluate(&c, Country::Ru, "+79161234567", TODAY).map_err(|r| r.code),
            Err(ErrorCode::RegCardBlocked)
        );
        let mut c = ivanov();
        c.bank_activity = Some(BankActivity {
            has_active_card: true,
            card_blocked: false,
            transactions_30d: 0,
        });
        assert_eq!(
            evaluate(&c, Country::Ru, "+79161234567", TODAY).map_err(|r| r.code),
            Err(ErrorCode::RegAccountInactive)
        );
        let mut c = ivanov();
        c.bank_activity = None;
        assert_eq!(
            evaluate(&c, Country::Ru, "+79161234567", TODAY).map_err(|r| r.code),
            Err(ErrorCode::RegMissingData)
        );
    }

    #[test]
    fn bank_data_is_checked_with_the_shared_field_rules() {
        let check = |f: &dyn Fn(&mut IdClaims)| {
            let mut c = ivanov();
            f(&mut c);
            evaluate(&c, Country::Ru, "+79161234567", TODAY).err()
        };
        let invalid = |claim| {
            Some(Refusal {
                code: ErrorCode::RegInvalidData,
                claim: Some(claim),
            })
        };
        assert_eq!(
            check(&|c| c.birthdate = Some("14.03.1985".into())),
            invalid("birthdate")
        );
        assert_eq!(
            check(&|c| c.birthdate = Some("1985-02-30".into())),
            invalid("birthdate")
        );
        assert_eq!(
            check(&|c| c.birthdate = Some("2030-01-01".into())),
            invalid("birthdate")
        );
        assert_eq!(
            check(&|c| c.inn = Some("500100732250".into())),
            invalid("inn")
        );
        assert_eq!(
            check(&|c| c.inn = Some("7707083893".into())),
            invalid("inn"),
            "an organisation's INN"
        );
        assert_eq!(
            check(&|c| c.snils = Some("11223344596".into())),
            invalid("snils")
        );
        assert_eq!(
            check(&|c| c.passport = Some("45101234".into())),
            invalid("passport")
        );
        assert_eq!(
            check(&|c| c.given_name = Some("Ivan1".into())),
            invalid("given_name")
        );
        assert_eq!(
            check(&|c| c.phone_number = Some("+1 202 555 0100".into())),
            invalid("phone_number")
        );
        assert_eq!(
            check(&|c| c.snils = None),
            Some(Refusal {
                code: ErrorCode::RegMissingData,
                claim: Some("snils")
            })
        );
        // Spacing the bank may use is normalized like citizens' input.
        let mut c = ivanov();
        c.snils = Some("112-233-445 95".into());
        c.passport = Some("45 10 123456".into());
        let p = evaluate(&c, Country::Ru, "+79161234567", TODAY).unwrap();
        assert_eq!(
            (p.snils.as_deref(), p.passport.as_str()),
            (Some("11223344595"), "4510123456")
        );
        // An unusable email is dropped, not fatal.
        let mut c = ivanov();
        c.email = Some("not-an-email".into());
        assert_eq!(
            evaluate(&c, Country::Ru, "+79161234567", TODAY)
                .unwrap()
                .email,
            None
        );
    }

    #[test]
    fn age_boundaries() {
        assert_eq!(age_on(date!(2008 - 11 - 23), TODAY), 18);
        assert_eq!(age_on(date!(2008 - 11 - 24), TODAY), 17);
        assert_eq!(age_on(date!(2008 - 02 - 29), date!(2026 - 02 - 28)), 17);
        assert_eq!(age_on(date!(2008 - 02 - 29), date!(2026 - 03 - 01)), 18);
    }
}
