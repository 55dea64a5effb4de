//! Registration rules: what the bank's verified claims must show for a portal account. Pure: the
//! date comes in as a parameter.

use bankid_api::types::Country;
use bankid_api::ErrorCode;
use time::Date;

use bankid_api::validate as v;

use crate::oidc::{Activity, IdClaims};

/// Age from which a citizen can register through a bank: the portal's one rule, shared with the
/// web app's birth-date field ([`v::MIN_AGE_YEARS`], 14). The portal's own accounts open from 14
/// with a passport (first issued at 14), and banks issue cards in a teenager's own name from 14.
pub const MIN_AGE: i32 = v::MIN_AGE_YEARS;

/// The person a bank vouched for, after the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub family_name: String,
    pub given_name: String,
    pub middle_name: Option<String>,
    pub birthdate: Date,
    pub phone: String,
    pub email: Option<String>,
    /// INN (RU) or RNOKPP (UA), when the person has one (Gosuslugi asks for it "if present").
    pub tax_id: Option<String>,
    pub passport: String,
    pub snils: Option<String>,
    /// False when the bank does not share activity data, so the activity rule was not checked.
    pub activity_checked: bool,
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
    snils_supplied: bool,
    typed_phone: &str,
    today: Date,
) -> Result<Person, Refusal> {
    let person = person_from(claims, country, snils_supplied, today)?;
    let activity = match claims.bank_activity {
        Activity::Reported(a) => Some(a),
        Activity::Missing => return Err(Refusal::missing("bank_activity")),
        // The bank does not share it (its configuration says so): not checked, and journaled.
        Activity::NotSupplied => None,
    };
    if age_on(person.birthdate, today) < MIN_AGE {
        return Err(Refusal::rule(ErrorCode::RegUnderAge));
    }
    if person.phone != typed_phone {
        return Err(Refusal::rule(ErrorCode::RegPhoneMismatch));
    }
    if let Some(activity) = activity {
        if activity.card_blocked || !activity.has_active_card {
            return Err(Refusal::rule(ErrorCode::RegCardBlocked));
        }
        if activity.transactions_30d == 0 {
            return Err(Refusal::rule(ErrorCode::RegAccountInactive));
        }
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

fn person_from(
    c: &IdClaims,
    country: Country,
    snils_supplied: bool,
    today: Date,
) -> Result<Person, Refusal> {
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
    // The taxpayer number only "if present": absent is fine, present and wrong is not.
    let tax_id = match c.tax_id.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => {
            let t = match country {
                Country::Ru => checked(v::normalize_inn(t), "tax_id")?,
                Country::Ua => checked(v::normalize_rnokpp(t), "tax_id")?,
            };
            // A person's INN has 12 digits; 10 digits belong to organisations.
            if country == Country::Ru && t.len() != 12 {
                return Err(Refusal::invalid("tax_id"));
            }
            Some(t)
        }
    };
    let (passport, snils) = match country {
        Country::Ru => {
            let passport = checked(
                v::normalize_ru_passport(present(&c.passport, "passport")?),
                "passport",
            )?;
            let snils = match c.snils.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                Some(s) => Some(checked(v::normalize_snils(s), "snils")?),
                None if snils_supplied => return Err(Refusal::missing("snils")),
                None => None,
            };
            (passport, snils)
        }
        Country::Ua => {
            let passport = checked(
                v::normalize_ua_passport(present(&c.passport, "passport")?),
                "passport",
            )?;
            (passport, None)
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
        activity_checked: c.bank_activity != Activity::NotSupplied,
    })
}

/// The identifiers that recognise a person across banks, in order of strength, as the texts the
/// caller turns into keyed hashes: the taxpayer number (`RU|<inn>`, the form every account has
/// had), SNILS (`RU|snils|<n>`) and the passport (`RU|passport|<n>`). Only valid values count.
pub fn person_ids(c: &IdClaims, country: Country) -> Vec<String> {
    let tax = c.tax_id.as_deref().and_then(|t| match country {
        Country::Ru => v::normalize_inn(t).ok().filter(|i| i.len() == 12),
        Country::Ua => v::normalize_rnokpp(t).ok(),
    });
    let snils = c.snils.as_deref().and_then(|s| v::normalize_snils(s).ok());
    let passport = c.passport.as_deref().and_then(|p| match country {
        Country::Ru => v::normalize_ru_passport(p).ok(),
        Country::Ua => v::normalize_ua_passport(p).ok(),
    });
    ids_of(
        country,
        tax.as_deref(),
        snils.as_deref(),
        passport.as_deref(),
    )
}

impl Person {
    /// [`person_ids`] of a checked person.
    pub fn ids(&self, country: Country) -> Vec<String> {
        ids_of(
            country,
            self.tax_id.as_deref(),
            self.snils.as_deref(),
            Some(&self.passport),
        )
    }
}

/// The identifier texts of normalized values, strongest first.
fn ids_of(
    country: Country,
    tax: Option<&str>,
    snils: Option<&str>,
    passport: Option<&str>,
) -> Vec<String> {
    let cc = country_code(country);
    [
        tax.map(|t| format!("{cc}|{t}")),
        snils.map(|s| format!("{cc}|snils|{s}")),
        passport.map(|p| format!("{cc}|passport|{p}")),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// `RU` / `UA`, as accounts store the country.
pub fn country_code(country: Country) -> &'static str {
    match country {
        Country::Ru => "RU",
        Country::Ua => "UA",
    }
}

/// Whether a bank's verified claims show the person an account belongs to: one of the keyed
/// identifiers in common, the birth date and the names (after the shared normalization,
/// ignoring case).
pub fn same_person(
    claims: &IdClaims,
    claim_keys: &[String],
    account_keys: &[String],
    account_birthdate: &str,
    account_names: (&str, &str),
) -> bool {
    let key_ok = claim_keys.iter().any(|k| {
        account_keys
            .iter()
            .any(|a| bool::from(subtle::ConstantTimeEq::ct_eq(k.as_bytes(), a.as_bytes())))
    });
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
    use crate::oidc::BankActivity;
    use time::macros::date;

    fn ivanov() -> IdClaims {
        IdClaims {
            sub: "s".into(),
            family_name: Some("Иванов".into()),
            given_name: Some("Иван".into()),
            middle_name: Some("Иванович".into()),
            birthdate: Some("1985-03-14".into()),
            phone_number: Some("+79161234567".into()),
            email: Some("ivanov@example.ru".into()),
            passport: Some("4510123456".into()),
            tax_id: Some("500100732259".into()),
            tax_id_supplied: true,
            snils: Some("11223344595".into()),
            bank_activity: Activity::Reported(BankActivity {
                has_active_card: true,
                card_blocked: false,
                transactions_30d: 12,
            }),
        }
    }

    fn evaluate(
        c: &IdClaims,
        country: Country,
        phone: &str,
        today: Date,
    ) -> Result<Person, Refusal> {
        super::evaluate(c, country, true, phone, today)
    }

    const TODAY: Date = date!(2026 - 11 - 23);

    #[test]
    fn normal_adult_passes() {
        let p = evaluate(&ivanov(), Country::Ru, "+79161234567", TODAY).unwrap();
        assert_eq!(p.display_name(), "Иван И.");
    }

    #[test]
    fn each_rule_has_its_reason() {
        // The INN only "if present" (Gosuslugi): a customer without one registers.
        let mut c = ivanov();
        c.tax_id = None;
        let p = evaluate(&c, Country::Ru, "+79161234567", TODAY).unwrap();
        assert_eq!(p.tax_id, None);
        assert_eq!(
            p.ids(Country::Ru),
            ["RU|snils|11223344595", "RU|passport|4510123456"]
        );
        let mut c = ivanov();
        c.birthdate = Some("2012-11-24".into());
        assert_eq!(
            evaluate(&c, Country::Ru, "+79161234567", TODAY).map_err(|r| r.code),
            Err(ErrorCode::RegUnderAge)
        );
        assert_eq!(
            evaluate(&ivanov(), Country::Ru, "+79035550000", TODAY).map_err(|r| r.code),
            Err(ErrorCode::RegPhoneMismatch)
        );
        let mut c = ivanov();
        c.bank_activity = Activity::Reported(BankActivity {
            has_active_card: false,
            card_blocked: true,
            transactions_30d: 3,
        });
        assert_eq!(
            evaluate(&c, Country::Ru, "+79161234567", TODAY).map_err(|r| r.code),
            Err(ErrorCode::RegCardBlocked)
        );
        let mut c = ivanov();
        c.bank_activity = Activity::Reported(BankActivity {
            has_active_card: true,
            card_blocked: false,
            transactions_30d: 0,
        });
        assert_eq!(
            evaluate(&c, Country::Ru, "+79161234567", TODAY).map_err(|r| r.code),
            Err(ErrorCode::RegAccountInactive)
        );
        let mut c = ivanov();
        c.bank_activity = Activity::Missing;
        assert_eq!(
            evaluate(&c, Country::Ru, "+79161234567", TODAY).map_err(|r| r.code),
            Err(ErrorCode::RegMissingData)
        );
        // A bank that does not share activity data: the rule is not checked, and it says so.
        c.bank_activity = Activity::NotSupplied;
        let p = evaluate(&c, Country::Ru, "+79161234567", TODAY).unwrap();
        assert!(!p.activity_checked);
        // 14 is the one minimum age (the shared birth-date rule's).
        let mut c = ivanov();
        c.birthdate = Some("2012-11-23".into());
        assert!(evaluate(&c, Country::Ru, "+79161234567", TODAY).is_ok());
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
            check(&|c| c.tax_id = Some("500100732250".into())),
            invalid("tax_id")
        );
        assert_eq!(
            check(&|c| c.tax_id = Some("7707083893".into())),
            invalid("tax_id"),
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
