//! The events of a registration's journal: a closed set, each with words in ru/uk/en. The store
//! writes them, the status page reads them; a refusal or failure carries its [`ErrorCode`].

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::ErrorCode;
use crate::i18n::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JournalEvent {
    RegistrationStarted,
    ReverifyStarted,
    AccountCreated,
    AccountFound,
    /// The bank does not share card activity, so that rule was not checked.
    ActivityNotChecked,
    ActivationCodeSent,
    AccountActivated,
    SignedIn,
    MfaEnabled,
    MfaDisabled,
    BankLinked,
    BankChanged,
    BankUnlinked,
    ConsentWithdrawn,
    /// A refusal or failure, with its reason.
    Refused(ErrorCode),
}

const EVENTS: [(JournalEvent, &str); 14] = [
    (JournalEvent::RegistrationStarted, "REGISTRATION_STARTED"),
    (JournalEvent::ReverifyStarted, "REVERIFY_STARTED"),
    (JournalEvent::AccountCreated, "ACCOUNT_CREATED"),
    (JournalEvent::AccountFound, "ACCOUNT_FOUND"),
    (JournalEvent::ActivityNotChecked, "ACTIVITY_NOT_CHECKED"),
    (JournalEvent::ActivationCodeSent, "ACTIVATION_CODE_SENT"),
    (JournalEvent::AccountActivated, "ACCOUNT_ACTIVATED"),
    (JournalEvent::SignedIn, "SIGNED_IN"),
    (JournalEvent::MfaEnabled, "MFA_ENABLED"),
    (JournalEvent::MfaDisabled, "MFA_DISABLED"),
    (JournalEvent::BankLinked, "BANK_LINKED"),
    (JournalEvent::BankChanged, "BANK_CHANGED"),
    (JournalEvent::BankUnlinked, "BANK_UNLINKED"),
    (JournalEvent::ConsentWithdrawn, "CONSENT_WITHDRAWN"),
];

impl JournalEvent {
    /// Every event other than refusals, for tests and documentation.
    pub const ALL: [JournalEvent; 14] = {
        let mut all = [JournalEvent::RegistrationStarted; 14];
        let mut i = 0;
        while i < 14 {
            all[i] = EVENTS[i].0;
            i += 1;
        }
        all
    };

    /// The stable code stored and sent (`ACCOUNT_CREATED`, or the error code of a refusal).
    pub fn as_str(self) -> &'static str {
        match self {
            JournalEvent::Refused(code) => code.as_str(),
            event => EVENTS
                .iter()
                .find(|(e, _)| *e == event)
                .map(|(_, s)| *s)
                .unwrap_or(""),
        }
    }

    pub fn parse(s: &str) -> Option<JournalEvent> {
        EVENTS
            .iter()
            .find(|(_, name)| *name == s)
            .map(|(e, _)| *e)
            .or_else(|| ErrorCode::parse(s).map(JournalEvent::Refused))
    }

    /// What happened, in words.
    pub fn text(self, lang: Lang) -> &'static str {
        use JournalEvent::*;
        let (ru, uk, en) = match self {
            Refused(code) => return code.message(lang),
            RegistrationStarted => ("Заявка создана", "Заявку створено", "Request started"),
            ReverifyStarted => (
                "Начата повторная проверка в банке",
                "Розпочато повторну перевірку в банку",
                "Checking with the bank again",
            ),
            AccountCreated => (
                "Учётная запись создана",
                "Обліковий запис створено",
                "Account created",
            ),
            AccountFound => (
                "Найдена ваша существующая учётная запись",
                "Знайдено ваш наявний обліковий запис",
                "Your existing account was found",
            ),
            ActivityNotChecked => (
                "Операции по карте не проверялись: этот банк их не передаёт",
                "Операції за карткою не перевірялися: цей банк їх не передає",
                "Card activity was not checked: this bank does not share it",
            ),
            ActivationCodeSent => (
                "Код активации отправлен",
                "Код активації надіслано",
                "Activation code sent",
            ),
            AccountActivated => (
                "Учётная запись активирована",
                "Обліковий запис активовано",
                "Account activated",
            ),
            SignedIn => (
                "Вход через банк",
                "Вхід через банк",
                "Signed in through a bank",
            ),
            MfaEnabled => (
                "Двухфакторная защита включена",
                "Двофакторний захист увімкнено",
                "Two-factor protection turned on",
            ),
            MfaDisabled => (
                "Двухфакторная защита выключена",
                "Двофакторний захист вимкнено",
                "Two-factor protection turned off",
            ),
            BankLinked => ("Банк привязан", "Банк прив'язано", "Bank linked"),
            BankChanged => ("Банк заменён", "Банк замінено", "Bank changed"),
            BankUnlinked => ("Банк отвязан", "Банк відв'язано", "Bank removed"),
            ConsentWithdrawn => ("Согласие отозвано", "Згоду відкликано", "Consent withdrawn"),
        };
        match lang {
            Lang::Ru => ru,
            Lang::Uk => uk,
            Lang::En => en,
        }
    }
}

impl Serialize for JournalEvent {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for JournalEvent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        JournalEvent::parse(&s).ok_or_else(|| serde::de::Error::custom("unknown journal event"))
    }
}

/// Personal-data fields named in a refusal (`claim:` in the journal), in words.
pub fn field_text(field: &str, lang: Lang) -> Option<&'static str> {
    let (ru, uk, en) = match field {
        "family_name" => ("фамилия", "прізвище", "family name"),
        "given_name" => ("имя", "ім'я", "given name"),
        "middle_name" => ("отчество", "по батькові", "middle name"),
        "birthdate" => ("дата рождения", "дата народження", "date of birth"),
        "phone_number" => ("телефон", "телефон", "phone"),
        "email" => ("электронная почта", "електронна пошта", "email"),
        "passport" => ("паспорт", "паспорт", "passport"),
        "tax_id" => ("ИНН", "РНОКПП", "taxpayer number"),
        "snils" => ("СНИЛС", "СНІЛС", "SNILS"),
        "bank_activity" => ("операции по карте", "операції за карткою", "card activity"),
        _ => return None,
    };
    Some(match lang {
        Lang::Ru => ru,
        Lang::Uk => uk,
        Lang::En => en,
    })
}

/// On the wire an event is its stable code: one of the events, or the error code of a refusal.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for JournalEvent {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let codes = EVENTS
            .iter()
            .map(|(_, name)| *name)
            .chain(ErrorCode::ALL.iter().map(|c| c.as_str()));
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(codes))
            .description(Some(
                "What happened: an event, or the error code of a refusal or failure.",
            ))
            .build()
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for JournalEvent {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_and_have_distinct_words() {
        for e in JournalEvent::ALL {
            assert_eq!(JournalEvent::parse(e.as_str()), Some(e));
            for l in [Lang::Ru, Lang::Uk, Lang::En] {
                assert!(!e.text(l).is_empty());
                let same = JournalEvent::ALL
                    .iter()
                    .filter(|o| o.text(l) == e.text(l))
                    .count();
                assert_eq!(same, 1, "{e:?} {l:?}");
            }
        }
        // An error code is a refusal with the error's words; an event name wins over an error code.
        let r = JournalEvent::parse("REG_UNDER_AGE").unwrap();
        assert_eq!(r, JournalEvent::Refused(ErrorCode::RegUnderAge));
        assert_eq!(r.text(Lang::En), ErrorCode::RegUnderAge.message(Lang::En));
        assert_eq!(
            JournalEvent::parse("CONSENT_WITHDRAWN"),
            Some(JournalEvent::ConsentWithdrawn)
        );
        assert_eq!(JournalEvent::parse("SOMETHING_NEW"), None);
    }

    #[test]
    fn wire_form_is_the_code() {
        let json = serde_json::to_string(&JournalEvent::AccountActivated).unwrap();
        assert_eq!(json, "\"ACCOUNT_ACTIVATED\"");
        let back: JournalEvent = serde_json::from_str("\"REG_CARD_BLOCKED\"").unwrap();
        assert_eq!(back, JournalEvent::Refused(ErrorCode::RegCardBlocked));
        assert!(serde_json::from_str::<JournalEvent>("\"NOPE\"").is_err());
        assert_eq!(field_text("tax_id", Lang::Ru), Some("ИНН"));
        assert_eq!(field_text("x", Lang::Ru), None);
    }
}
