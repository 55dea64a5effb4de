//! Where each portal field is in a bank's claims. Banks name their claims differently (flat names,
//! nested objects, OpenID Connect for Identity Assurance `verified_claims`): each bank's paths are
//! configuration ([`crate::config::ClaimPaths`]), resolved here once at start-up.

use bankid_api::types::Country;
use serde_json::Value;

use crate::config::ClaimPaths;

/// Longest claim path, in segments.
const MAX_SEGMENTS: usize = 8;

/// One dotted path: `verified_claims.claims.idcards.0.number`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimPath(Vec<String>);

impl ClaimPath {
    pub fn parse(text: &str) -> Result<ClaimPath, String> {
        let segments: Vec<String> = text.split('.').map(str::to_string).collect();
        if text.is_empty()
            || segments.len() > MAX_SEGMENTS
            || segments.iter().any(|s| {
                s.is_empty()
                    || s.len() > 64
                    || !s
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"_-:$".contains(&b))
            })
        {
            return Err(format!(
                "{text:?} is not a claim path (names of letters, digits, _ - : $ joined by dots, at most {MAX_SEGMENTS})"
            ));
        }
        Ok(ClaimPath(segments))
    }

    /// The value at this path. A number indexes an array; a name applied to an array looks in
    /// each element in turn and takes the first that has the rest of the path (`verified_claims`
    /// may be one object or an array of them).
    pub fn find<'a>(&self, root: &'a Value) -> Option<&'a Value> {
        find(root, &self.0)
    }
}

fn find<'a>(value: &'a Value, path: &[String]) -> Option<&'a Value> {
    let Some((first, rest)) = path.split_first() else {
        return Some(value).filter(|v| !v.is_null());
    };
    match value {
        Value::Object(map) => find(map.get(first)?, rest),
        Value::Array(items) => match first.parse::<usize>() {
            Ok(i) => find(items.get(i)?, rest),
            Err(_) => items.iter().find_map(|item| find(item, path)),
        },
        _ => None,
    }
}

/// The resolved paths of one bank; `None` where the bank does not supply the field.
#[derive(Debug, Clone, Default)]
pub struct ClaimMap {
    pub family_name: Option<ClaimPath>,
    pub given_name: Option<ClaimPath>,
    pub middle_name: Option<ClaimPath>,
    pub birthdate: Option<ClaimPath>,
    pub phone: Option<ClaimPath>,
    pub email: Option<ClaimPath>,
    pub passport: Option<ClaimPath>,
    pub tax_id: Option<ClaimPath>,
    pub snils: Option<ClaimPath>,
    pub card_active: Option<ClaimPath>,
    pub card_blocked: Option<ClaimPath>,
    pub transactions_30d: Option<ClaimPath>,
    /// The bank does not share card and transaction data: the activity rule is not checked.
    pub activity_supplied: bool,
}

impl ClaimMap {
    pub fn new(
        paths: &ClaimPaths,
        country: Country,
        not_supplied: &[String],
    ) -> Result<ClaimMap, String> {
        let supplied = |field: &str| !not_supplied.iter().any(|f| f == field);
        let path = |given: &Option<String>, default: &str, field: &str| match given {
            Some(p) if !supplied(field) => Err(format!(
                "{field} has a path ({p:?}) but is listed as not supplied"
            )),
            _ if !supplied(field) => Ok(None),
            Some(p) => ClaimPath::parse(p).map(Some),
            None => ClaimPath::parse(default).map(Some),
        };
        let tax_default = match country {
            Country::Ru => "inn",
            Country::Ua => "rnokpp",
        };
        let snils = match country {
            Country::Ru => path(&paths.snils, "snils", "snils")?,
            Country::Ua => None,
        };
        let activity = supplied("bank_activity");
        Ok(ClaimMap {
            family_name: path(&paths.family_name, "family_name", "family_name")?,
            given_name: path(&paths.given_name, "given_name", "given_name")?,
            middle_name: path(&paths.middle_name, "middle_name", "middle_name")?,
            birthdate: path(&paths.birthdate, "birthdate", "birthdate")?,
            phone: path(&paths.phone, "phone_number", "phone")?,
            email: path(&paths.email, "email", "email")?,
            passport: path(&paths.passport, "passport", "passport")?,
            tax_id: path(&paths.tax_id, tax_default, "tax_id")?,
            snils,
            card_active: path(
                &paths.card_active,
                "bank_activity.has_active_card",
                "bank_activity",
            )?,
            card_blocked: path(
                &paths.card_blocked,
                "bank_activity.card_blocked",
                "bank_activity",
            )?,
            transactions_30d: path(
                &paths.transactions_30d,
                "bank_activity.transactions_30d",
                "bank_activity",
            )?,
            activity_supplied: activity,
        })
    }

    /// The portal's fields out of a bank's claims (ID token, or ID token merged with UserInfo).
    /// Values of the wrong JSON type count as absent here; the domain refuses what is missing.
    pub fn apply(&self, sub: String, claims: &Value) -> IdClaims {
        let text = |p: &Option<ClaimPath>| {
            p.as_ref()
                .and_then(|p| p.find(claims))
                .and_then(|v| match v {
                    Value::String(s) => Some(s.clone()),
                    // Some banks send numbers for digit-only ids.
                    Value::Number(n) if n.is_u64() => Some(n.to_string()),
                    _ => None,
                })
        };
        let flag = |p: &Option<ClaimPath>| {
            p.as_ref()
                .and_then(|p| p.find(claims))
                .and_then(Value::as_bool)
        };
        let count = |p: &Option<ClaimPath>| {
            p.as_ref()
                .and_then(|p| p.find(claims))
                .and_then(Value::as_u64)
                .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
        };
        let bank_activity = if self.activity_supplied {
            match (
                flag(&self.card_active),
                flag(&self.card_blocked),
                count(&self.transactions_30d),
            ) {
                (Some(has_active_card), Some(card_blocked), Some(transactions_30d)) => {
                    Activity::Reported(BankActivity {
                        has_active_card,
                        card_blocked,
                        transactions_30d,
                    })
                }
                _ => Activity::Missing,
            }
        } else {
            Activity::NotSupplied
        };
        IdClaims {
            sub,
            family_name: text(&self.family_name),
            given_name: text(&self.given_name),
            middle_name: text(&self.middle_name),
            birthdate: text(&self.birthdate),
            phone_number: text(&self.phone),
            email: text(&self.email),
            passport: text(&self.passport),
            tax_id: text(&self.tax_id),
            tax_id_supplied: self.tax_id.is_some(),
            snils: text(&self.snils),
            bank_activity,
        }
    }
}

/// Bank activity facts: an active card, not blocked, transactions in the last 30 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BankActivity {
    pub has_active_card: bool,
    pub card_blocked: bool,
    pub transactions_30d: u32,
}

/// What the bank said about activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activity {
    Reported(BankActivity),
    /// The bank supplies activity data but this answer lacks it.
    Missing,
    /// The bank does not share activity data at all (configuration): not checked.
    NotSupplied,
}

/// The portal's fields from a verified ID token, by the bank's mapping. Identity fields are
/// optional here; the domain decides which are required.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdClaims {
    /// The bank's subject identifier (checked: 1–255 printable ASCII characters).
    pub sub: String,
    pub family_name: Option<String>,
    pub given_name: Option<String>,
    pub middle_name: Option<String>,
    pub birthdate: Option<String>,
    pub phone_number: Option<String>,
    pub email: Option<String>,
    pub passport: Option<String>,
    /// RU INN / UA RNOKPP.
    pub tax_id: Option<String>,
    /// Whether the bank supplies the taxpayer number at all.
    pub tax_id_supplied: bool,
    pub snils: Option<String>,
    pub bank_activity: Activity,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reference_names_by_default() {
        let map = ClaimMap::new(&ClaimPaths::default(), Country::Ru, &[]).unwrap();
        let c = map.apply(
            "s".into(),
            &json!({"family_name":"Иванов","given_name":"Иван","inn":"500100732259","snils":"112-233-445 95",
                "bank_activity":{"has_active_card":true,"card_blocked":false,"transactions_30d":3}}),
        );
        assert_eq!(c.family_name.as_deref(), Some("Иванов"));
        assert_eq!(c.tax_id.as_deref(), Some("500100732259"));
        assert_eq!(
            c.bank_activity,
            Activity::Reported(BankActivity {
                has_active_card: true,
                card_blocked: false,
                transactions_30d: 3
            })
        );
        let ua = ClaimMap::new(&ClaimPaths::default(), Country::Ua, &[]).unwrap();
        assert_eq!(
            ua.apply("s".into(), &json!({"rnokpp":"3184710691"}))
                .tax_id
                .as_deref(),
            Some("3184710691")
        );
        assert!(ua.snils.is_none());
    }

    #[test]
    fn verified_claims_paths_search_arrays() {
        let paths = ClaimPaths {
            given_name: Some("verified_claims.claims.given_name".into()),
            passport: Some("verified_claims.claims.idcards.0.number".into()),
            ..ClaimPaths::default()
        };
        let map = ClaimMap::new(&paths, Country::Ru, &["bank_activity".into()]).unwrap();
        let claims = json!({"verified_claims":[
            {"verification":{"trust_framework":"x"},"claims":{"other":1}},
            {"verification":{"trust_framework":"ru_115fz"},"claims":{"given_name":"Елена","idcards":[{"type":"passport","number":"4510 123456"}]}}
        ]});
        let c = map.apply("s".into(), &claims);
        assert_eq!(c.given_name.as_deref(), Some("Елена"));
        assert_eq!(c.passport.as_deref(), Some("4510 123456"));
        assert_eq!(c.bank_activity, Activity::NotSupplied);
        // One object instead of an array works the same.
        let one = json!({"verified_claims":{"claims":{"given_name":"Ivan"}}});
        assert_eq!(
            map.apply("s".into(), &one).given_name.as_deref(),
            Some("Ivan")
        );
    }

    #[test]
    fn wrong_types_are_absent_and_partial_activity_is_missing() {
        let map = ClaimMap::new(&ClaimPaths::default(), Country::Ru, &[]).unwrap();
        let c = map.apply(
            "s".into(),
            &json!({"given_name":{"x":1},"inn":500100732259u64,"bank_activity":{"has_active_card":true}}),
        );
        assert_eq!(c.given_name, None);
        assert_eq!(c.tax_id.as_deref(), Some("500100732259"));
        assert_eq!(c.bank_activity, Activity::Missing);
    }

    #[test]
    fn bad_paths_and_contradictions_are_refused() {
        for bad in ["", "a..b", "a.b c", "a.b.c.d.e.f.g.h.i"] {
            assert!(ClaimPath::parse(bad).is_err(), "{bad:?}");
        }
        let paths = ClaimPaths {
            snils: Some("x".into()),
            ..ClaimPaths::default()
        };
        assert!(ClaimMap::new(&paths, Country::Ru, &["snils".into()]).is_err());
    }
}
