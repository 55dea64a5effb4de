//! Registration rules: what the bank's verified claims must show for a portal account. Pure: the
//! date comes in as a parameter.

use bankid_api::types::Country;
use bankid_api::ErrorCode;
use time::Date;

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

/// Applies the registration rules in a fixed order: data present and well-formed, adult, phone as
/// typed, a usable card, recent activity. Returns the first rule that fails.
pub fn evaluate(
    claims: &IdClaims,
    country: Country,
    typed_phone: &str,
    today: Date,
) -> Result<Person, ErrorCode> {
    let person = person_from(claims, country).ok_or(ErrorCode::RegMissingData)?;
    let activity = claims
        .bank_activity
        .as_ref()
        .ok_or(ErrorCode::RegMissingData)?;
    if age_on(person.birthdate, today) < ADULT_AGE as i32 {
        return Err(ErrorCode::RegUnderAge);
    }
    if person.phone != typed_phone {
        return Err(ErrorCode::RegPhoneMismatch);
    }
    if activity.card_blocked || !activity.has_active_card {
        return Err(ErrorCode::RegCardBlocked);
    }
    if activity.transactions_30d == 0 {
        return Err(ErrorCode::RegAccountInactive);
    }
    Ok(person)
}

fn non_empty(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn digits(v: &Option<String>, lens: &[usize]) -> Option<String> {
    let s = non_empty(v)?;
    (lens.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())).then_some(s)
}

fn person_from(c: &IdClaims, country: Country) -> Option<Person> {
    let birthdate = Date::parse(
        c.birthdate.as_deref()?,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()?;
    let phone = bankid_api::validate::normalize_phone(c.phone_number.as_deref()?).ok()?;
    let (tax_id, passport, snils) = match country {
        Country::Ru => (
            digits(&c.inn, &[10, 12])?,
            digits(&c.passport, &[10])?,
            Some(digits(&c.snils, &[11])?),
        ),
        Country::Ua => {
            let passport = non_empty(&c.passport)?;
            (digits(&c.rnokpp, &[10])?, passport, None)
        }
    };
    Some(Person {
        family_name: non_empty(&c.family_name)?,
        given_name: non_empty(&c.given_name)?,
        middle_name: non_empty(&c.middle_name),
        birthdate,
        phone,
        email: non_empty(&c.email),
        tax_id,
        passport,
        snils,
    })
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
            evaluate(&c, Country::Ru, "+79161234567", TODAY),
            Err(ErrorCode::RegMissingData)
        );
        let mut c = ivanov();
        c.birthdate = Some("2011-11-24".into());
        assert_eq!(
            evaluate(&c, Country::Ru, "+79161234567", TODAY),
            Err(ErrorCode::RegUnderAge)
        );
        assert_eq!(
            evaluate(&ivanov(), Country::Ru, "+79035550000", TODAY),
            Err(ErrorCode::RegPhoneMismatch)
        );
        let mut c = ivanov();
        c.bank_activity = Some(BankActivity {
            has_active_card: false,
            card_blocked: true,
            transactions_30d: 3,
        });
        assert_eq!(
            evaluate(&c, Country::Ru, "+79161234567", TODAY),
            Err(ErrorCode::RegCardBlocked)
        );
        let mut c = ivanov();
        c.bank_activity = Some(BankActivity {
            has_active_card: true,
            card_blocked: false,
            transactions_30d: 0,
        });
        assert_eq!(
            evaluate(&c, Country::Ru, "+79161234567", TODAY),
            Err(ErrorCode::RegAccountInactive)
        );
        let mut c = ivanov();
        c.bank_activity = None;
        assert_eq!(
            evaluate(&c, Country::Ru, "+79161234567", TODAY),
            Err(ErrorCode::RegMissingData)
        );
        let mut c = ivanov();
        c.birthdate = Some("14.03.1985".into());
        assert_eq!(
            evaluate(&c, Country::Ru, "+79161234567", TODAY),
            Err(ErrorCode::RegMissingData)
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
