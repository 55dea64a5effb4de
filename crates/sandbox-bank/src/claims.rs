//! Scopes, the claims they release, and the pairwise subject identifier.

use serde_json::{json, Map, Value};
use sha2::{Digest as _, Sha256};

use crate::banks::Country;
use crate::customers::Customer;
use crate::jose::b64url;

/// A scope value the sandbox understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Scope {
    Openid,
    Profile,
    Phone,
    Email,
    Passport,
    Inn,
    Snils,
    BankActivity,
}

impl Scope {
    const ALL: [Scope; 8] = [
        Scope::Openid,
        Scope::Profile,
        Scope::Phone,
        Scope::Email,
        Scope::Passport,
        Scope::Inn,
        Scope::Snils,
        Scope::BankActivity,
    ];

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
        }
    }

    fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|sc| sc.as_str() == s)
    }

    fn supported_in(self, country: Country) -> bool {
        !(self == Scope::Snils && country == Country::Ua)
    }

    /// Scopes advertised by a bank of `country`.
    pub(crate) fn supported(country: Country) -> Vec<Scope> {
        Scope::ALL
            .into_iter()
            .filter(|s| s.supported_in(country))
            .collect()
    }

    /// Claim names a scope releases at a bank of `country` (for discovery and consent).
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
        }
    }

    /// Human description of what the user consents to, as (local language, English) pairs.
    pub(crate) fn consent_items(self, country: Country) -> Vec<(&'static str, &'static str)> {
        let ua = country == Country::Ua;
        match self {
            Scope::Openid => vec![],
            Scope::Profile => vec![
                (
                    if ua {
                        "Прізвище, ім'я та по батькові"
                    } else {
                        "Фамилия, имя и отчество"
                    },
                    "Full name",
                ),
                (
                    if ua {
                        "Дата народження"
                    } else {
                        "Дата рождения"
                    },
                    "Date of birth",
                ),
            ],
            Scope::Phone => vec![(
                if ua {
                    "Номер телефону"
                } else {
                    "Номер телефона"
                },
                "Phone number",
            )],
            Scope::Email => vec![(
                if ua {
                    "Адреса електронної пошти"
                } else {
                    "Адрес электронной почты"
                },
                "Email address",
            )],
            Scope::Passport => vec![(
                if ua {
                    "Серія та номер паспорта"
                } else {
                    "Серия и номер паспорта"
                },
                "Passport number",
            )],
            Scope::Inn => vec![if ua {
                ("РНОКПП (ідентифікаційний код)", "Taxpayer number (RNOKPP)")
            } else {
                ("ИНН", "Taxpayer number (INN)")
            }],
            Scope::Snils => vec![("СНИЛС", "Insurance number (SNILS)")],
            Scope::BankActivity => vec![(
                if ua {
                    "Стан картки та кількість операцій за 30 днів"
                } else {
                    "Состояние карты и число операций за 30 дней"
                },
                "Card status and number of transactions in 30 days",
            )],
        }
    }
}

/// Outcome of parsing a `scope` request parameter at one bank.
pub(crate) struct RequestedScopes {
    /// Known, supported scopes, sorted and de-duplicated. Unknown values are ignored
    /// (OpenID Connect Core 3.1.2.1).
    pub granted: Vec<Scope>,
}

impl RequestedScopes {
    pub(crate) fn parse(scope: &str, country: Country) -> RequestedScopes {
        let mut granted: Vec<Scope> = scope
            .split(' ')
            .filter_map(Scope::parse)
            .filter(|s| s.supported_in(country))
            .collect();
        granted.sort();
        granted.dedup();
        RequestedScopes { granted }
    }
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
    let mut s = b64url(&digest);
    s.truncate(22);
    s
}

/// `sub` plus the claims released by `scopes` (the UserInfo response body; the ID token
/// adds the protocol claims).
pub(crate) fn identity_claims(
    bank_id: &str,
    country: Country,
    customer: &Customer,
    scopes: &[Scope],
) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("sub".into(), pairwise_sub(bank_id, &customer.login).into());
    for scope in scopes {
        match scope {
            Scope::Openid => {}
            Scope::Profile => {
                m.insert("family_name".into(), customer.family_name.clone().into());
                m.insert("given_name".into(), customer.given_name.clone().into());
                if let Some(middle) = &customer.middle_name {
                    m.insert("middle_name".into(), middle.clone().into());
                }
                m.insert("birthdate".into(), customer.birthdate.clone().into());
            }
            Scope::Phone => {
                m.insert("phone_number".into(), customer.phone_number.clone().into());
                m.insert("phone_number_verified".into(), true.into());
            }
            Scope::Email => {
                m.insert("email".into(), customer.email.clone().into());
                m.insert("email_verified".into(), true.into());
            }
            Scope::Passport => {
                m.insert("passport".into(), customer.passport.clone().into());
            }
            Scope::Inn => {
                let (name, value) = match country {
                    Country::Ru => ("inn", &customer.inn),
                    Country::Ua => ("rnokpp", &customer.rnokpp),
                };
                if let Some(v) = value {
                    m.insert(name.into(), v.clone().into());
                }
            }
            Scope::Snils => {
                if let (Country::Ru, Some(v)) = (country, &customer.snils) {
                    m.insert("snils".into(), v.clone().into());
                }
            }
            Scope::BankActivity => {
                m.insert(
                    "bank_activity".into(),
                    json!({
                        "has_active_card": customer.has_active_card,
                        "card_blocked": customer.card_blocked,
                        "transactions_30d": customer.transactions_30d,
                    }),
                );
            }
        }
    }
    m
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
    fn scope_parsing_ignores_unknown_and_unsupported() {
        let s = RequestedScopes::parse("openid phone openid foo snils", Country::Ua);
        assert_eq!(s.granted, vec![Scope::Openid, Scope::Phone]);
        let s = RequestedScopes::parse("snils openid", Country::Ru);
        assert_eq!(scope_string(&s.granted), "openid snils");
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
        let m = identity_claims("sber", Country::Ru, &c, &[Scope::Openid, Scope::Phone]);
        let keys: Vec<&str> = m.keys().map(String::as_str).collect();
        assert_eq!(keys, ["phone_number", "phone_number_verified", "sub"]);
    }

    #[test]
    fn all_ru_claims() {
        let c = customer("ivanov");
        let m = identity_claims("sber", Country::Ru, &c, &Scope::supported(Country::Ru));
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
        let m = identity_claims("monobank", Country::Ua, &c, &Scope::supported(Country::Ua));
        assert_eq!(m["rnokpp"], "3307512467");
        assert_eq!(m["given_name"], "Мар'яна");
        assert!(m.get("inn").is_none() && m.get("snils").is_none());

        let c = customer("noinn");
        let m = identity_claims("vtb", Country::Ru, &c, &[Scope::Openid, Scope::Inn]);
        assert!(m.get("inn").is_none());
    }
}
