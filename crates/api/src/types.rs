//! Request and response bodies of the REST API (`/api/v1`).

use serde::{Deserialize, Serialize};

use crate::error::ErrorCode;
use crate::i18n::{Lang, Localized};

/// Version of the consent text the SPA shows. The server refuses a registration whose consent was
/// given to another version, so a citizen never agrees to a text they did not see.
pub const CONSENT_VERSION: &str = "2026-11-01";

/// How long the portal keeps the data a bank transferred, in the consent text.
pub const RETENTION_YEARS: u32 = 5;

/// Largest request body the API accepts.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "UPPERCASE")]
pub enum Country {
    Ru,
    Ua,
}

impl Country {
    /// The language a citizen of a bank of this country most likely reads.
    pub fn default_lang(self) -> Lang {
        match self {
            Country::Ru => Lang::Ru,
            Country::Ua => Lang::Uk,
        }
    }
}

/// How a bank can confirm a citizen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    Redirect,
    AppConfirm,
    Qr,
}

/// A partner bank as the SPA shows it. Credentials and endpoints never leave the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BankInfo {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::BankId))]
    pub id: String,
    pub name: Localized,
    pub country: Country,
    /// Path of the self-hosted logo, e.g. `/logos/sber.svg`.
    pub logo: String,
    /// Brand colour, `#RRGGBB`.
    pub color: String,
    /// False while registration through this bank is not possible; shown disabled.
    pub workable: bool,
    pub capabilities: Vec<Capability>,
    /// The personal data this bank transfers, in display order: the portal's list for the
    /// country less what the bank does not supply (empty from an older server: the country's).
    #[serde(default)]
    pub fields: Vec<ConsentField>,
    /// The web origins (`https://bank.example`) whose pages may frame this bank's embedded
    /// registration (`/embed/{id}`); empty: the bank does not embed the portal.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub embed_origins: Vec<String>,
}

/// Personal data a bank transfers to the portal, as listed on the consent screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConsentField {
    FullName,
    BirthDate,
    Passport,
    /// RU: INN; UA: RNOKPP (the taxpayer number).
    TaxId,
    /// RU only.
    Snils,
    Phone,
    Email,
    /// Whether there is an active, unblocked card and transactions in the last 30 days.
    BankActivity,
}

impl ConsentField {
    /// The fields the portal requests from a bank of `country`, in display order.
    pub fn requested(country: Country) -> &'static [ConsentField] {
        use ConsentField::*;
        match country {
            Country::Ru => &[
                FullName,
                BirthDate,
                Passport,
                TaxId,
                Snils,
                Phone,
                Email,
                BankActivity,
            ],
            Country::Ua => &[
                FullName,
                BirthDate,
                Passport,
                TaxId,
                Phone,
                Email,
                BankActivity,
            ],
        }
    }

    pub fn label(self, lang: Lang, country: Country) -> &'static str {
        use ConsentField::*;
        let (ru, uk, en) = match (self, country) {
            (FullName, _) => ("Фамилия, имя, отчество", "Прізвище, ім'я, по батькові", "Full name"),
            (BirthDate, _) => ("Дата рождения", "Дата народження", "Date of birth"),
            (Passport, Country::Ru) => ("Серия и номер паспорта", "Серія та номер паспорта", "Passport series and number"),
            (Passport, Country::Ua) => ("Номер паспорта (ID-карта или книжечка)", "Номер паспорта (ID-картка або книжечка)", "Passport number (ID card or booklet)"),
            (TaxId, Country::Ru) => ("ИНН", "ІПН (ІНН)", "Taxpayer number (INN)"),
            (TaxId, Country::Ua) => ("РНУКПП (ИНН)", "РНОКПП (ІПН)", "Taxpayer number (RNOKPP)"),
            (Snils, _) => ("СНИЛС", "СНІЛС", "Insurance number (SNILS)"),
            (Phone, _) => ("Номер мобильного телефона", "Номер мобільного телефону", "Mobile phone number"),
            (Email, _) => ("Адрес электронной почты", "Адреса електронної пошти", "Email address"),
            (BankActivity, _) => (
                "Есть ли действующая незаблокированная карта и операции за 30 дней (без сумм и деталей)",
                "Чи є чинна незаблокована картка та операції за 30 днів (без сум і деталей)",
                "Whether you have an active, unblocked card and transactions in the last 30 days (no amounts or details)",
            ),
        };
        match lang {
            Lang::Ru => ru,
            Lang::Uk => uk,
            Lang::En => en,
        }
    }
}

/// The citizen's agreement to the consent text of a given version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConsentAcceptance {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::accepted))]
    pub accepted: bool,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::consent_version))]
    pub version: String,
}

/// `POST /api/v1/registrations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StartRegistration {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::BankId))]
    pub bank_id: String,
    /// As typed; the server normalizes it with [`crate::validate::normalize_phone`].
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::phone))]
    pub phone: String,
    pub consent: ConsentAcceptance,
    /// The UI language, used for the bank's pages (`ui_locales`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<Lang>,
    /// Set when the registration starts inside a bank's page (`/embed/{bank_id}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embed: Option<crate::embed::EmbedStart>,
}

/// Answer to [`StartRegistration`]: where to send the browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegistrationStarted {
    pub registration_id: String,
    /// The bank's authorization URL; for an embedded start, the portal's one-time link that opens
    /// it (`/auth/launch?ticket=…`, valid 2 minutes, once).
    pub authorize_url: String,
    /// Embedded starts over plain http (development on loopback) only: the frame's credential for
    /// this registration, to be kept in memory and sent as `Authorization: Bearer …`. Over https the
    /// server sets it as a partitioned cookie (`__Host-bp_frame`) instead and this is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame_token: Option<String>,
}

/// Where a registration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RegistrationState {
    /// The citizen was sent to the bank and has not come back (yet).
    AwaitingBank,
    /// The bank confirmed the person; the account waits for activation.
    PendingConfirmation,
    /// The account is activated.
    Active,
    /// The bank's data does not allow an account; `reason` says why.
    Rejected,
    /// The bank round trip failed (cancelled, bank error); nothing was created.
    Failed,
}

/// One timestamped event of a registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JournalEntry {
    /// RFC 3339, UTC.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::date_time))]
    pub at: String,
    /// What happened; on the wire its stable code, e.g. `REGISTRATION_STARTED` or an
    /// [`ErrorCode`] string.
    pub code: crate::JournalEvent,
    /// The bank involved (sign-ins, links, activity not checked), by its id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_id: Option<String>,
    /// The personal-data field a refusal is about (`family_name`, `tax_id`, …), never its value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Error code of the bank when it sent one (e.g. OAuth `access_denied`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream: Option<String>,
}

/// `GET /api/v1/registrations/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegistrationStatus {
    pub registration_id: String,
    /// Human-friendly number to quote to support, e.g. `R-2026-000123`.
    pub request_number: String,
    pub bank_id: String,
    pub state: RegistrationState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<ErrorCode>,
    /// Trace id of the bank round trip that decided the state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    /// RFC 3339, UTC.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::date_time))]
    pub created_at: String,
    /// Account holder's masked name when an account exists, e.g. `Иван И.`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Newest first.
    pub journal: Vec<JournalEntry>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_are_refused() {
        let r: Result<StartRegistration, _> = serde_json::from_str(
            r#"{"bank_id":"sber","phone":"+79161234567","consent":{"accepted":true,"version":"x"},"admin":true}"#,
        );
        assert!(r.is_err());
    }

    #[test]
    fn every_requested_field_has_labels() {
        for c in [Country::Ru, Country::Ua] {
            for f in ConsentField::requested(c) {
                for l in Lang::ALL {
                    assert!(!f.label(l, c).is_empty());
                }
            }
        }
    }

    #[test]
    fn state_wire_names() {
        assert_eq!(
            serde_json::to_string(&RegistrationState::PendingConfirmation).unwrap(),
            "\"pending_confirmation\""
        );
    }
}

/// `GET /api/v1/session`: who is signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    pub display_name: String,
    /// `pending_confirmation` or `active`.
    pub account_state: String,
    /// The registration that created the account, for the status page.
    pub registration_id: Option<String>,
    pub phone_masked: String,
    pub email_masked: Option<String>,
    pub totp_enabled: bool,
    /// RFC 3339: when the session ends if nothing happens, and at the latest.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::date_time))]
    pub idle_expires_at: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::date_time))]
    pub absolute_expires_at: String,
}

/// The portal's identity in a deployment: its colours and layout (`theme`), its name and its mark.
/// Configured per deployment (`[brand]`); the SPA draws its header from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Brand {
    /// The colour scheme of the country the portal serves.
    pub theme: Country,
    /// The portal's full name, e.g. "Портал государственных услуг".
    pub name: Localized,
    /// The name in the header, e.g. "Госуслуги".
    pub short_name: Localized,
    /// Path of the portal's mark (SVG), content-hashed.
    pub mark: String,
}

impl Brand {
    /// The portal of `theme`'s country as it is called and drawn unless configured otherwise.
    pub fn of(theme: Country) -> Brand {
        let l = |ru: &str, uk: &str, en: &str| Localized {
            ru: ru.into(),
            uk: uk.into(),
            en: en.into(),
        };
        match theme {
            Country::Ru => Brand {
                theme,
                name: l(
                    "Портал государственных услуг",
                    "Портал державних послуг",
                    "Public services portal",
                ),
                short_name: l("Госуслуги", "Держпослуги", "Public services"),
                mark: "/brand/ru.svg".into(),
            },
            Country::Ua => Brand {
                theme,
                name: l(
                    "Портал государственных услуг Украины",
                    "Портал державних послуг України",
                    "Public services portal of Ukraine",
                ),
                short_name: l("Госуслуги", "Держпослуги", "Public services"),
                mark: "/brand/ua.svg".into(),
            },
        }
    }
}

/// What the server writes into every page it serves (`<script id="bp-boot"
/// type="application/json">`), so the first render needs no request: who is signed in, the banks,
/// the portal's identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Boot {
    /// The language the server wrote the page in: the `bp_lang` cookie (the citizen's choice), else
    /// the browser's `Accept-Language`, else the deployment's country's. The SPA starts in it
    /// unless the citizen chose another in this browser.
    pub lang: Lang,
    /// `None`: nobody is signed in (or a sign-in still owes its second factor).
    pub session: Option<SessionInfo>,
    /// The partner banks in display order, as `GET /api/v1/banks` gives them.
    pub banks: Vec<BankInfo>,
    pub brand: Brand,
    /// On `/registration/{id}`: that registration, as `GET /api/v1/registrations/{id}` answers
    /// this browser (`None` when it may not read it: the page then asks and shows why not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration: Option<RegistrationStatus>,
}

/// Id of the `<script type="application/json">` element that holds the page's [`Boot`].
pub const BOOT_ELEMENT_ID: &str = "bp-boot";

/// Id of the first view the server writes into a page (header, the page's heading and lead), shown
/// until the app replaces it.
pub const SHELL_ELEMENT_ID: &str = "bp-shell";

/// Where an activation code is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Phone,
    Email,
}

/// `POST /api/v1/account/activation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SendActivationCode {
    pub channel: Channel,
}

/// Answer to [`SendActivationCode`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivationCodeSent {
    pub channel: Channel,
    /// Masked destination, e.g. `+7 ••• •••-45-67`.
    pub destination: String,
    /// RFC 3339.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::date_time))]
    pub expires_at: String,
    /// Seconds until another code may be requested.
    pub resend_after_secs: u32,
}

/// `POST /api/v1/account/activation/confirm`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConfirmActivation {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::otp_code))]
    pub code: String,
}

/// One message of the sandbox's dev inbox (`GET /api/v1/dev/inbox`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DevMessage {
    pub channel: Channel,
    pub destination: String,
    pub body: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::date_time))]
    pub at: String,
}

/// `POST /api/v1/account/totp`: a new secret to scan (not active until confirmed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TotpEnrolment {
    /// Base32, for typing into the app by hand.
    pub secret: String,
    /// `otpauth://totp/…`, for the QR code.
    pub otpauth_uri: String,
}

/// A code from the authenticator app or a backup code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MfaCode {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::second_factor_code))]
    pub code: String,
}

/// Backup codes, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BackupCodes {
    pub codes: Vec<String>,
}

/// `POST /api/v1/sessions`: sign in again through a linked bank.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StartSignIn {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::BankId))]
    pub bank_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<Lang>,
    /// A portal page to come back to after the sign-in (and its second factor): a
    /// re-authentication asked for by that page. Only account-management pages (the manage and
    /// security bundles) are accepted ([`crate::routes::is_return_path`]); anything else is
    /// `FIELD_RETURN_PATH` on `return_to`. The bank's callback then redirects to the page itself,
    /// or, while a second factor is pending, to `/signin/second-factor?return_to={page}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::return_path))]
    pub return_to: Option<String>,
}

/// Answer to [`StartSignIn`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignInStarted {
    pub authorize_url: String,
}

/// `POST /api/v1/registrations/{id}/reverify`: go through the bank again after a rejection or a
/// failure (for example once the bank has fixed the data), keeping the request number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Reverify {
    pub consent: ConsentAcceptance,
    /// A corrected phone number; the one given before when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::optional_phone))]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<Lang>,
}

/// A bank linked to the account (`GET /api/v1/account/banks`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkedBank {
    pub bank_id: String,
    /// RFC 3339.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::date_time))]
    pub linked_at: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::date_time))]
    pub last_used_at: String,
}

/// `POST /api/v1/account/banks`: link another bank, optionally replacing a linked one (bank
/// change). The new bank must present the same person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LinkBank {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::BankId))]
    pub bank_id: String,
    /// The linked bank to retire once the new one is linked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::BankId>))]
    pub replace: Option<String>,
    pub consent: ConsentAcceptance,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<Lang>,
}

/// One entry of the consent ledger (`GET /api/v1/account/consents`), oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsentRecord {
    pub id: i64,
    pub bank_id: String,
    /// Wire names of [`ConsentField`]s.
    pub fields: Vec<String>,
    pub purpose: String,
    pub version: String,
    /// `account`, `rejected`, `linked`, `signed_in` (the bank sent the taxpayer number to sign in), or `withdrawn`.
    pub outcome: String,
    /// RFC 3339.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::date_time))]
    pub at: String,
    /// For `withdrawn`: the entry it withdraws.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdraws: Option<i64>,
    /// Whether a later entry withdrew this one.
    pub withdrawn: bool,
    /// Where the consent stands now.
    pub status: ConsentStatus,
    /// The consent in force of the only bank the citizen can still sign in with: it cannot be
    /// withdrawn until another bank is linked (`CONSENT_LAST_BANK`).
    #[serde(default)]
    pub last_bank: bool,
}

/// Where an entry of the consent ledger stands now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConsentStatus {
    /// Given, and the bank link it covers is in use; the citizen can withdraw it.
    InForce,
    /// The citizen withdrew it.
    Withdrawn,
    /// The bank is no longer linked to the account: its data is not used any more.
    BankRemoved,
    /// A later consent for the same bank took its place.
    Replaced,
    /// A record, not a consent in use: a refused transfer or a withdrawal.
    Record,
}
