//! Scopes, the claims they release in each claim style, and the pairwise subject identifier.

use serde_json::{json, Map, Value};
use sha2::{Digest as _, Sha256};
use time::{Date, Duration, Month, OffsetDateTime};

use crate::banks::Country;
use crate::customers::{is_auto_login, Customer};
use crate::jose::b64url;
use crate::ClaimStyle;

/// A scope value the sandbox understands (in some claim style).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Scope {
    Openid,
    // Standard (and, for phone/email, Verified).
    Profile,
    Phone,
    Email,
    Passport,
    Inn,
    Snils,
    BankActivity,
    // Renamed.
    Fio,
    Birth,
    Contacts,
    Docs,
    Card,
    // Verified.
    IdentityVerified,
}

impl Scope {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Scope::Openid => "openid",
            Scope::Profile => "profile",
            Scope::Phone => "phone",
            Scope::Email => "email",
            Scope::Passport => "passport",
            Scope::Inn => "inn",
            Scope::Snils => "snils",
            Scope::BankActivity => "bank_activity",
            Scope::Fio => "fio",
            Scope::Birth => "birth",
            Scope::Contacts => "contacts",
            Scope::Docs => "docs",
            Scope::Card => "card",
            Scope::IdentityVerified => "identity_verified",
        }
    }

    /// Every scope a claim style knows (in any country).
    fn of_style(style: ClaimStyle) -> &'static [Scope] {
        match style {
            ClaimStyle::Standard => &[
                Scope::Openid,
                Scope::Profile,
                Scope::Phone,
                Scope::Email,
                Scope::Passport,
                Scope::Inn,
                Scope::Snils,
                Scope::BankActivity,
            ],
            ClaimStyle::Renamed => &[
                Scope::Openid,
                Scope::Fio,
                Scope::Birth,
                Scope::Contacts,
                Scope::Docs,
                Scope::Card,
            ],
            ClaimStyle::Verified => &[
                Scope::Openid,
                Scope::IdentityVerified,
                Scope::Phone,
                Scope::Email,
            ],
        }
    }

    fn supported_in(self, country: Country) -> bool {
        !(self == Scope::Snils && country == Country::Ua)
    }

    /// Scopes advertised by an issuer with `style` in `country`.
    pub(crate) fn supported(style: ClaimStyle, country: Country) -> Vec<Scope> {
        Scope::of_style(style)
            .iter()
            .copied()
            .filter(|s| s.supported_in(country))
            .collect()
    }

    /// Claim names a scope releases in `country` (for discovery).
    pub(crate) fn claim_names(self, country: Country) -> &'static [&'static str] {
        match self {
            Scope::Openid => &["sub"],
            Scope::Profile => &["family_name", "given_name", "middle_name", "birthdate"],
            Scope::Phone => &["phone_number", "phone_number_verified"],
            Scope::Email => &["email", "email_verified"],
            Scope::Passport => &["passport"],
            Scope::Inn => match country {
                Country::Ru => &["inn"],
                Country::Ua => &["rnokpp"],
            },
            Scope::Snils => &["snils"],
            Scope::BankActivity => &["bank_activity"],
            Scope::Fio => &["last_name", "first_name", "patronymic"],
            Scope::Birth => &["birth_date"],
            Scope::Contacts => &["mobile_phone", "mail"],
            Scope::Docs => &["documents"],
            Scope::Card => &["card_status"],
            Scope::IdentityVerified => &["verified_claims"],
        }
    }

    /// Human description of what the user consents to, as (local language, English) pairs.
    pub(crate) fn consent_items(self, country: Country) -> Vec<(&'static str, &'static str)> {
        let ua = country == Country::Ua;
        let name = (
            if ua {
                "Прізвище, ім'я та по батькові"
            } else {
                "Фамилия, имя и отчество"
            },
            "Full name",
        );
        let birth = (
            if ua {
                "Дата народження"
            } else {
                "Дата рождения"
            },
            "Date of birth",
        );
        let phone = (
            if ua {
                "Номер телефону"
            } else {
                "Номер телефона"
            },
            "Phone number",
        );
        let email = (
            if ua {
                "Адреса електронної пошти"
            } else {
                "Адрес электронной почты"
            },
            "Email address",
        );
        let passport = (
            if ua {
                "Серія та номер паспорта"
            } else {
                "Серия и номер паспорта"
            },
            "Passport number",
        );
        let tax = if ua {
            ("РНОКПП (ідентифікаційний код)", "Taxpayer number (RNOKPP)")
        } else {
            ("ИНН", "Taxpayer number (INN)")
        };
        let snils = ("СНИЛС", "Insurance number (SNILS)");
        let card = (
            if ua {
                "Стан картки та кількість операцій за 30 днів"
            } else {
                "Состояние карты и число операций за 30 дней"
            },
            "Card status and number of transactions in 30 days",
        );
        match self {
            Scope::Openid => vec![],
            Scope::Profile => vec![name, birth],
            Scope::Fio => vec![name],
            Scope::Birth => vec![birth],
            Scope::Phone => vec![phone],
            Scope::Email => vec![email],
            Scope::Contacts => vec![phone, email],
            Scope::Passport => vec![passport],
            Scope::Inn => vec![tax],
            Scope::Snils => vec![snils],
            Scope::Docs | Scope::IdentityVerified => {
                let mut items = Vec::new();
                if self == Scope::IdentityVerified {
                    items.push((
                        if ua {
                            "Перевірені банком ПІБ і дата народження"
                        } else {
                            "Проверенные банком ФИО и дата рождения"
                        },
                        "Full name and date of birth verified by the bank",
                    ));
                }
                items.push(passport);
                items.push(tax);
                if !ua {
                    items.push(snils);
                }
                items
            }
            Scope::BankActivity | Scope::Card => vec![card],
        }
    }
}

/// Parses a `scope` request parameter at an issuer with `style` in `country`: the known
/// scopes, in the style's order and de-duplicated. A value the style does not know is an error (returned
/// as `Err(value)`); `snils` at a UA bank (Standard style) is dropped, as UA banks have no
/// SNILS.
pub(crate) fn parse_scopes(
    scope: &str,
    style: ClaimStyle,
    country: Country,
) -> Result<Vec<Scope>, String> {
    let known = Scope::of_style(style);
    let mut granted = Vec::new();
    for value in scope.split(' ').filter(|v| !v.is_empty()) {
        let Some(s) = known.iter().copied().find(|s| s.as_str() == value) else {
            return Err(value.to_owned());
        };
        if s.supported_in(country) {
            granted.push(s);
        }
    }
    // In the style's own order (as in discovery), without repeats.
    granted.sort_by_key(|s| known.iter().position(|k| k == s));
    granted.dedup();
    Ok(granted)
}

/// Space-separated scope string.
pub(crate) fn scope_string(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Pairwise subject: base64url-nopad(SHA-256("{bank}:{login}")), first 22 characters.
pub(crate) fn pairwise_sub(bank_id: &str, login: &str) -> String {
    let digest = Sha256::digest(format!("{bank_id}:{login}").as_bytes());
    let mut s = b64url(digest);
    s.truncate(22);
    s
}

/// `sub` plus the claims released by `scopes`, named as `style` names them (the UserInfo
/// response body; the ID token adds the protocol claims). `issuer_id` makes the pairwise `sub`.
pub(crate) fn identity_claims(
    style: ClaimStyle,
    issuer_id: &str,
    country: Country,
    customer: &Customer,
    scopes: &[Scope],
) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(
        "sub".into(),
        pairwise_sub(issuer_id, &customer.login).into(),
    );
    let c = customer;
    let mut put = |k: &str, v: Value| {
        m.insert(k.into(), v);
    };
    for scope in scopes {
        match scope {
            Scope::Openid => {}
            Scope::Profile => {
                put("family_name", c.family_name.clone().into());
                put("given_name", c.given_name.clone().into());
                if let Some(middle) = &c.middle_name {
                    put("middle_name", middle.clone().into());
                }
                put("birthdate", c.birthdate.clone().into());
                if is_auto_login(&c.login) {
                    // A fresh person of the non-interactive mode has a Gosuslugi-like profile
                    // that also carries the national ids (what the reference RP of the load
                    // test reads); the same values as the `inn` and `snils` scopes give.
                    if let (Country::Ru, Some(v)) = (country, &c.inn) {
                        put("inn", v.clone().into());
                    }
                    if let (Country::Ru, Some(v)) = (country, &c.snils) {
                        put("snils", v.clone().into());
                    }
                }
            }
            Scope::Phone => {
                put("phone_number", c.phone_number.clone().into());
                put("phone_number_verified", true.into());
            }
            Scope::Email => {
                put("email", c.email.clone().into());
                put("email_verified", true.into());
            }
            Scope::Passport => put("passport", c.passport.clone().into()),
            Scope::Inn => {
                let (name, value) = match country {
                    Country::Ru => ("inn", &c.inn),
                    Country::Ua => ("rnokpp", &c.rnokpp),
                };
                if let Some(v) = value {
                    put(name, v.clone().into());
                }
            }
            Scope::Snils => {
                if let (Country::Ru, Some(v)) = (country, &c.snils) {
                    put("snils", v.clone().into());
                }
            }
            Scope::BankActivity => put(
                "bank_activity",
                json!({
                    "has_active_card": c.has_active_card,
                    "card_blocked": c.card_blocked,
                    "transactions_30d": c.transactions_30d,
                }),
            ),
            Scope::Fio => {
                put("last_name", c.family_name.clone().into());
                put("first_name", c.given_name.clone().into());
                if let Some(middle) = &c.middle_name {
                    put("patronymic", middle.clone().into());
                }
            }
            Scope::Birth => put("birth_date", c.birthdate.clone().into()),
            Scope::Contacts => {
                put("mobile_phone", c.phone_number.clone().into());
                put("mail", c.email.clone().into());
            }
            Scope::Docs => {
                let mut docs = Map::new();
                docs.insert("passport".into(), json!({ "number": c.passport }));
                let (tax_name, tax) = match country {
                    Country::Ru => ("inn", &c.inn),
                    Country::Ua => ("rnokpp", &c.rnokpp),
                };
                if let Some(v) = tax {
                    docs.insert(tax_name.into(), v.clone().into());
                }
                if let (Country::Ru, Some(v)) = (country, &c.snils) {
                    docs.insert("snils".into(), v.clone().into());
                }
                put("documents", Value::Object(docs));
            }
            Scope::Card => put(
                "card_status",
                json!({
                    "active": c.has_active_card,
                    "blocked": c.card_blocked,
                    "transactions_last_30_days": c.transactions_30d,
                }),
            ),
            Scope::IdentityVerified => put("verified_claims", verified_claims(country, c)),
        }
    }
    // A style never releases claims of another style's scopes; scopes were parsed per style.
    debug_assert!(scopes.iter().all(|s| Scope::of_style(style).contains(s)));
    m
}

/// OpenID Connect for Identity Assurance 1.0 `verified_claims` (an array with one element).
fn verified_claims(country: Country, c: &Customer) -> Value {
    let trust_framework = match country {
        Country::Ru => "ru_115fz",
        Country::Ua => "ua_bankid",
    };
    let mut claims = Map::new();
    claims.insert("family_name".into(), c.family_name.clone().into());
    claims.insert("given_name".into(), c.given_name.clone().into());
    if let Some(middle) = &c.middle_name {
        claims.insert("middle_name".into(), middle.clone().into());
    }
    claims.insert("birthdate".into(), c.birthdate.clone().into());
    claims.insert(
        "idcards".into(),
        json!([{ "type": "passport", "number": c.passport }]),
    );
    let tax = match country {
        Country::Ru => &c.inn,
        Country::Ua => &c.rnokpp,
    };
    if let Some(v) = tax {
        claims.insert("taxpayer_number".into(), v.clone().into());
    }
    if let (Country::Ru, Some(v)) = (country, &c.snils) {
        claims.insert("snils".into(), v.clone().into());
    }
    json!([{
        "verification": {
            "trust_framework": trust_framework,
            "time": verification_time(c),
            "evidence": [{
                "type": "document",
                "document_details": { "type": "passport", "document_number": c.passport },
            }],
        },
        "claims": claims,
    }])
}

/// When the bank verified the customer's identity (RFC 3339): at 10:00 UTC on the day they
/// turned 18, or 2019-06-03 if that is later; never in the future (30 days ago for someone
/// not yet 18).
pub(crate) fn verification_time(c: &Customer) -> String {
    let today = OffsetDateTime::now_utc().date();
    let floor = Date::from_calendar_date(2019, Month::June, 3).unwrap_or(today);
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let adult = Date::parse(&c.birthdate, fmt)
        .ok()
        .and_then(|b| {
            Date::from_calendar_date(b.year() + 18, b.month(), b.day())
                .or_else(|_| Date::from_calendar_date(b.year() + 18, Month::March, 1))
                .ok()
        })
        .unwrap_or(floor);
    let day = if adult > today {
        today - Duration::days(30)
    } else {
        adult.max(floor).min(today)
    };
    format!(
        "{:04}-{:02}-{:02}T10:00:00Z",
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customers::seeded_customers;

    fn customer(login: &str) -> Customer {
        seeded_customers()
            .into_iter()
            .find(|c| c.login == login)
            .expect("seeded")
    }

    #[test]
    fn scope_parsing_refuses_unknown_and_drops_ua_snils() {
        let s = parse_scopes(
            "openid phone openid snils",
            ClaimStyle::Standard,
            Country::Ua,
        );
        assert_eq!(s, Ok(vec![Scope::Openid, Scope::Phone]));
        let s = parse_scopes("snils openid", ClaimStyle::Standard, Country::Ru).expect("ok");
        assert_eq!(scope_string(&s), "openid snils");
        assert_eq!(
            parse_scopes("openid foo", ClaimStyle::Standard, Country::Ru),
            Err("foo".into())
        );
        assert_eq!(
            parse_scopes("openid profile", ClaimStyle::Renamed, Country::Ru),
            Err("profile".into())
        );
        assert_eq!(
            parse_scopes("openid  fio card", ClaimStyle::Renamed, Country::Ru),
            Ok(vec![Scope::Openid, Scope::Fio, Scope::Card])
        );
        assert_eq!(
            parse_scopes("openid bank_activity", ClaimStyle::Verified, Country::Ru),
            Err("bank_activity".into())
        );
    }
    #[test]
    fn pairwise_sub_is_stable_and_bank_specific() {
        let a = pairwise_sub("sber", "ivanov");
        assert_eq!(a.len(), 22);
        assert_eq!(a, pairwise_sub("sber", "ivanov"));
        assert_ne!(a, pairwise_sub("vtb", "ivanov"));
        assert_ne!(a, pairwise_sub("sber", "dormant"));
    }

    #[test]
    fn only_granted_claims_are_released() {
        let c = customer("ivanov");
        let m = identity_claims(
            ClaimStyle::Standard,
            "sber",
            Country::Ru,
            &c,
            &[Scope::Openid, Scope::Phone],
        );
        let keys: Vec<&str> = m.keys().map(String::as_str).collect();
        assert_eq!(keys, ["phone_number", "phone_number_verified", "sub"]);
    }

    #[test]
    fn all_ru_claims() {
        let c = customer("ivanov");
        let m = identity_claims(
            ClaimStyle::Standard,
            "sber",
            Country::Ru,
            &c,
            &Scope::supported(ClaimStyle::Standard, Country::Ru),
        );
        assert_eq!(m["family_name"], "Иванов");
        assert_eq!(m["middle_name"], "Иванович");
        assert_eq!(m["birthdate"], "1985-03-14");
        assert_eq!(m["phone_number"], "+79161234567");
        assert_eq!(m["email_verified"], true);
        assert_eq!(m["passport"], "4510123456");
        assert_eq!(m["inn"], "770712345633");
        assert_eq!(m["snils"], "11223344595");
        assert_eq!(m["bank_activity"]["transactions_30d"], 12);
        assert!(m.get("rnokpp").is_none());
    }

    #[test]
    fn ua_uses_rnokpp_and_noinn_omits_inn() {
        let c = customer("kovalenko");
        let m = identity_claims(
            ClaimStyle::Standard,
            "monobank",
            Country::Ua,
            &c,
            &Scope::supported(ClaimStyle::Standard, Country::Ua),
        );
        assert_eq!(m["rnokpp"], "3307512467");
        assert_eq!(m["given_name"], "Мар'яна");
        assert!(m.get("inn").is_none() && m.get("snils").is_none());

        let c = customer("noinn");
        let m = identity_claims(
            ClaimStyle::Standard,
            "vtb",
            Country::Ru,
            &c,
            &[Scope::Openid, Scope::Inn],
        );
        assert!(m.get("inn").is_none());
    }

    #[test]
    fn renamed_style() {
        let c = customer("ivanov");
        let all = Scope::supported(ClaimStyle::Renamed, Country::Ru);
        assert_eq!(scope_string(&all), "openid fio birth contacts docs card");
        let m = identity_claims(ClaimStyle::Renamed, "vtb", Country::Ru, &c, &all);
        assert_eq!(m["last_name"], "Иванов");
        assert_eq!(m["first_name"], "Иван");
        assert_eq!(m["patronymic"], "Иванович");
        assert_eq!(m["birth_date"], "1985-03-14");
        assert_eq!(m["mobile_phone"], "+79161234567");
        assert_eq!(m["mail"], "ivanov@example.ru");
        assert_eq!(
            m["documents"],
            json!({"passport": {"number": "4510123456"}, "inn": "770712345633", "snils": "11223344595"})
        );
        assert_eq!(
            m["card_status"],
            json!({"active": true, "blocked": false, "transactions_last_30_days": 12})
        );
        for absent in [
            "family_name",
            "birthdate",
            "phone_number",
            "passport",
            "inn",
        ] {
            assert!(m.get(absent).is_none(), "{absent}");
        }

        let c = customer("petrenko");
        let m = identity_claims(ClaimStyle::Renamed, "monobank", Country::Ua, &c, &all);
        assert_eq!(
            m["documents"],
            json!({"passport": {"number": "КВ123456"}, "rnokpp": "2879803577"})
        );
        let c = customer("noinn");
        let m = identity_claims(ClaimStyle::Renamed, "vtb", Country::Ru, &c, &all);
        assert!(m["documents"].get("inn").is_none());
    }

    #[test]
    fn verified_style() {
        let c = customer("ivanov");
        let all = Scope::supported(ClaimStyle::Verified, Country::Ru);
        assert_eq!(scope_string(&all), "openid identity_verified phone email");
        assert_eq!(
            parse_scopes(
                "email identity_verified openid",
                ClaimStyle::Verified,
                Country::Ru
            ),
            Ok(vec![Scope::Openid, Scope::IdentityVerified, Scope::Email])
        );
        let m = identity_claims(ClaimStyle::Verified, "alfa", Country::Ru, &c, &all);
        assert_eq!(m["phone_number"], "+79161234567");
        assert_eq!(m["email"], "ivanov@example.ru");
        let vc = m["verified_claims"].as_array().expect("array");
        assert_eq!(vc.len(), 1);
        let v = &vc[0]["verification"];
        assert_eq!(v["trust_framework"], "ru_115fz");
        let t = v["time"].as_str().expect("time");
        assert!(
            OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).is_ok(),
            "{t}"
        );
        assert_eq!(
            v["evidence"],
            json!([{"type": "document", "document_details": {"type": "passport", "document_number": "4510123456"}}])
        );
        assert_eq!(
            vc[0]["claims"],
            json!({
                "family_name": "Иванов", "given_name": "Иван", "middle_name": "Иванович",
                "birthdate": "1985-03-14",
                "idcards": [{"type": "passport", "number": "4510123456"}],
                "taxpayer_number": "770712345633", "snils": "11223344595",
            })
        );
        assert!(m.get("bank_activity").is_none() && m.get("family_name").is_none());

        let c = customer("kovalenko");
        let m = identity_claims(ClaimStyle::Verified, "oschadbank", Country::Ua, &c, &all);
        let claims = &m["verified_claims"][0]["claims"];
        assert_eq!(
            m["verified_claims"][0]["verification"]["trust_framework"],
            "ua_bankid"
        );
        assert_eq!(claims["taxpayer_number"], "3307512467");
        assert!(claims.get("snils").is_none());
    }

    #[test]
    fn verification_time_is_past_even_for_the_minor() {
        let now = OffsetDateTime::now_utc();
        for c in seeded_customers() {
            let t = verification_time(&c);
            let t = OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339)
                .expect("rfc3339");
            assert!(t < now, "{}", c.login);
            assert!(t.date().to_string() > c.birthdate, "{}", c.login);
        }
    }
}
