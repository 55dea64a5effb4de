//! The one error shape of the portal and its closed set of codes.
//!
//! Every error the server returns is `{code, message, fields?, trace_id}`; the SPA maps the code
//! (never the message) to the citizen's language with [`ErrorCode::message`] and
//! [`ErrorCode::next_step`]. Codes are stable: never rename one, only add.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

/// Machine-readable error codes. Serialized as `SCREAMING_SNAKE_CASE` strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    // --- request shape ---
    ReqMalformedJson,
    ReqInvalidEncoding,
    ReqUnsupportedMediaType,
    ReqBodyTooLarge,
    ReqInvalidFields,
    ReqNotFound,
    ReqMethodNotAllowed,
    ReqIdempotencyKeyReused,
    ReqInProgress,
    /// The server gave up on a request that took longer than its time limit.
    ReqTimeout,
    // --- single fields (values of `fields`) ---
    FieldRequired,
    FieldWrongType,
    FieldUnknown,
    FieldTooLong,
    FieldPhoneFormat,
    FieldBankUnknown,
    FieldConsentRequired,
    FieldConsentVersion,
    FieldDateFormat,
    FieldDateNotReal,
    FieldDateTooEarly,
    FieldDateInFuture,
    FieldAgeUnder14,
    FieldInnFormat,
    FieldInnChecksum,
    FieldSnilsFormat,
    FieldSnilsChecksum,
    FieldRuPassportFormat,
    FieldRnokppFormat,
    FieldRnokppChecksum,
    FieldUaPassportFormat,
    FieldNameChars,
    FieldNameSeparators,
    FieldNameMixedScript,
    FieldNameUnsupportedMark,
    FieldEmailFormat,
    FieldCodeFormat,
    FieldReturnPath,
    /// The embedded mode's return address is not a page of the bank's own site.
    FieldReturnUrl,
    // --- embedded mode (flow 9) ---
    /// The bank does not embed the portal (it has no allowed web origins).
    EmbedNotAllowed,
    /// A hand-back code that is unknown, used, expired or of another frame.
    EmbedCodeInvalid,
    /// A link to the bank from an embedded page that is unknown, used or expired.
    EmbedLaunchInvalid,
    // --- banks ---
    BankUnavailable,
    BankUnreachable,
    BankError,
    BankLoginCancelled,
    // --- return from the bank ---
    AuthStateInvalid,
    AuthFlowMismatch,
    AuthIssMismatch,
    AuthIdTokenInvalid,
    AuthSessionRequired,
    // --- registration outcomes ---
    RegPhoneMismatch,
    RegAccountInactive,
    RegCardBlocked,
    RegUnderAge,
    RegMissingData,
    RegInvalidData,
    RegNotRetryable,
    // --- activation ---
    ActNoChallenge,
    ActCodeWrong,
    ActCodeExpired,
    ActCodeLocked,
    ActAlreadyActive,
    ActNoDestination,
    // --- two-factor and sign-in ---
    MfaAlreadyOn,
    MfaNotOn,
    MfaNotStarted,
    MfaCodeWrong,
    MfaCodeReused,
    MfaReauthRequired,
    AuthSecondFactorRequired,
    AuthNoAccount,
    AuthBankNotLinked,
    // --- linked banks ---
    LinkLastBank,
    LinkNotFound,
    AuthReauthRequired,
    LinkAlreadyLinked,
    LinkPersonMismatch,
    /// The bank to link is of another country than the account (whose banks confirm one person
    /// of one country).
    LinkOtherCountry,
    ConsentNotFound,
    ConsentAlreadyWithdrawn,
    ConsentWithdrawn,
    ConsentLastBank,
    // --- client side only (the SPA produces these, the server never does) ---
    NetOffline,
    NetTimeout,
    // --- generic ---
    RateLimited,
    ServiceUnavailable,
    Internal,
    // --- phone and bank of one country (values of `fields`) ---
    /// A number of a country the portal's banks do not serve (only Russia +7 and Ukraine +380).
    FieldPhoneCountry,
    /// A Ukrainian number (+380) for a Russian bank, which confirms only Russian numbers.
    FieldPhoneUaForRuBank,
    /// A Russian number (+7) for a Ukrainian bank, which confirms only Ukrainian numbers.
    FieldPhoneRuForUaBank,
}

impl ErrorCode {
    /// Every code, for catalogue tests and documentation.
    pub const ALL: &'static [ErrorCode] = &[
        ErrorCode::ReqMalformedJson,
        ErrorCode::ReqInvalidEncoding,
        ErrorCode::ReqUnsupportedMediaType,
        ErrorCode::ReqBodyTooLarge,
        ErrorCode::ReqInvalidFields,
        ErrorCode::ReqNotFound,
        ErrorCode::ReqMethodNotAllowed,
        ErrorCode::ReqIdempotencyKeyReused,
        ErrorCode::ReqInProgress,
        ErrorCode::ReqTimeout,
        ErrorCode::FieldRequired,
        ErrorCode::FieldWrongType,
        ErrorCode::FieldUnknown,
        ErrorCode::FieldTooLong,
        ErrorCode::FieldPhoneFormat,
        ErrorCode::FieldBankUnknown,
        ErrorCode::FieldConsentRequired,
        ErrorCode::FieldConsentVersion,
        ErrorCode::FieldDateFormat,
        ErrorCode::FieldDateNotReal,
        ErrorCode::FieldDateTooEarly,
        ErrorCode::FieldDateInFuture,
        ErrorCode::FieldAgeUnder14,
        ErrorCode::FieldInnFormat,
        ErrorCode::FieldInnChecksum,
        ErrorCode::FieldSnilsFormat,
        ErrorCode::FieldSnilsChecksum,
        ErrorCode::FieldRuPassportFormat,
        ErrorCode::FieldRnokppFormat,
        ErrorCode::FieldRnokppChecksum,
        ErrorCode::FieldUaPassportFormat,
        ErrorCode::FieldNameChars,
        ErrorCode::FieldNameSeparators,
        ErrorCode::FieldNameMixedScript,
        ErrorCode::FieldNameUnsupportedMark,
        ErrorCode::FieldEmailFormat,
        ErrorCode::FieldCodeFormat,
        ErrorCode::FieldReturnPath,
        ErrorCode::FieldReturnUrl,
        ErrorCode::EmbedNotAllowed,
        ErrorCode::EmbedCodeInvalid,
        ErrorCode::EmbedLaunchInvalid,
        ErrorCode::BankUnavailable,
        ErrorCode::BankUnreachable,
        ErrorCode::BankError,
        ErrorCode::BankLoginCancelled,
        ErrorCode::AuthStateInvalid,
        ErrorCode::AuthFlowMismatch,
        ErrorCode::AuthIssMismatch,
        ErrorCode::AuthIdTokenInvalid,
        ErrorCode::AuthSessionRequired,
        ErrorCode::RegPhoneMismatch,
        ErrorCode::RegAccountInactive,
        ErrorCode::RegCardBlocked,
        ErrorCode::RegUnderAge,
        ErrorCode::RegMissingData,
        ErrorCode::RegInvalidData,
        ErrorCode::RegNotRetryable,
        ErrorCode::ActNoChallenge,
        ErrorCode::ActCodeWrong,
        ErrorCode::ActCodeExpired,
        ErrorCode::ActCodeLocked,
        ErrorCode::ActAlreadyActive,
        ErrorCode::ActNoDestination,
        ErrorCode::MfaAlreadyOn,
        ErrorCode::MfaNotOn,
        ErrorCode::MfaNotStarted,
        ErrorCode::MfaCodeWrong,
        ErrorCode::MfaCodeReused,
        ErrorCode::MfaReauthRequired,
        ErrorCode::AuthSecondFactorRequired,
        ErrorCode::AuthNoAccount,
        ErrorCode::AuthBankNotLinked,
        ErrorCode::LinkLastBank,
        ErrorCode::LinkNotFound,
        ErrorCode::AuthReauthRequired,
        ErrorCode::LinkAlreadyLinked,
        ErrorCode::LinkPersonMismatch,
        ErrorCode::LinkOtherCountry,
        ErrorCode::ConsentNotFound,
        ErrorCode::ConsentAlreadyWithdrawn,
        ErrorCode::ConsentWithdrawn,
        ErrorCode::ConsentLastBank,
        ErrorCode::NetOffline,
        ErrorCode::NetTimeout,
        ErrorCode::RateLimited,
        ErrorCode::ServiceUnavailable,
        ErrorCode::Internal,
        ErrorCode::FieldPhoneCountry,
        ErrorCode::FieldPhoneUaForRuBank,
        ErrorCode::FieldPhoneRuForUaBank,
    ];

    /// The wire string, e.g. `REG_PHONE_MISMATCH`.
    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            ReqMalformedJson => "REQ_MALFORMED_JSON",
            ReqInvalidEncoding => "REQ_INVALID_ENCODING",
            ReqUnsupportedMediaType => "REQ_UNSUPPORTED_MEDIA_TYPE",
            ReqBodyTooLarge => "REQ_BODY_TOO_LARGE",
            ReqInvalidFields => "REQ_INVALID_FIELDS",
            ReqNotFound => "REQ_NOT_FOUND",
            ReqMethodNotAllowed => "REQ_METHOD_NOT_ALLOWED",
            FieldRequired => "FIELD_REQUIRED",
            FieldWrongType => "FIELD_WRONG_TYPE",
            FieldUnknown => "FIELD_UNKNOWN",
            FieldTooLong => "FIELD_TOO_LONG",
            FieldPhoneFormat => "FIELD_PHONE_FORMAT",
            FieldBankUnknown => "FIELD_BANK_UNKNOWN",
            FieldConsentRequired => "FIELD_CONSENT_REQUIRED",
            FieldConsentVersion => "FIELD_CONSENT_VERSION",
            FieldDateFormat => "FIELD_DATE_FORMAT",
            FieldDateNotReal => "FIELD_DATE_NOT_REAL",
            FieldDateTooEarly => "FIELD_DATE_TOO_EARLY",
            FieldDateInFuture => "FIELD_DATE_IN_FUTURE",
            FieldAgeUnder14 => "FIELD_AGE_UNDER14",
            FieldInnFormat => "FIELD_INN_FORMAT",
            FieldInnChecksum => "FIELD_INN_CHECKSUM",
            FieldSnilsFormat => "FIELD_SNILS_FORMAT",
            FieldSnilsChecksum => "FIELD_SNILS_CHECKSUM",
            FieldRuPassportFormat => "FIELD_RU_PASSPORT_FORMAT",
            FieldRnokppFormat => "FIELD_RNOKPP_FORMAT",
            FieldRnokppChecksum => "FIELD_RNOKPP_CHECKSUM",
            FieldUaPassportFormat => "FIELD_UA_PASSPORT_FORMAT",
            FieldNameChars => "FIELD_NAME_CHARS",
            FieldNameSeparators => "FIELD_NAME_SEPARATORS",
            FieldNameMixedScript => "FIELD_NAME_MIXED_SCRIPT",
            FieldNameUnsupportedMark => "FIELD_NAME_UNSUPPORTED_MARK",
            FieldEmailFormat => "FIELD_EMAIL_FORMAT",
            FieldCodeFormat => "FIELD_CODE_FORMAT",
            FieldReturnPath => "FIELD_RETURN_PATH",
            FieldReturnUrl => "FIELD_RETURN_URL",
            EmbedNotAllowed => "EMBED_NOT_ALLOWED",
            EmbedCodeInvalid => "EMBED_CODE_INVALID",
            EmbedLaunchInvalid => "EMBED_LAUNCH_INVALID",
            ReqIdempotencyKeyReused => "REQ_IDEMPOTENCY_KEY_REUSED",
            ReqInProgress => "REQ_IN_PROGRESS",
            ReqTimeout => "REQ_TIMEOUT",
            BankUnavailable => "BANK_UNAVAILABLE",
            BankUnreachable => "BANK_UNREACHABLE",
            BankError => "BANK_ERROR",
            BankLoginCancelled => "BANK_LOGIN_CANCELLED",
            AuthStateInvalid => "AUTH_STATE_INVALID",
            AuthFlowMismatch => "AUTH_FLOW_MISMATCH",
            AuthIssMismatch => "AUTH_ISS_MISMATCH",
            AuthIdTokenInvalid => "AUTH_ID_TOKEN_INVALID",
            AuthSessionRequired => "AUTH_SESSION_REQUIRED",
            RegPhoneMismatch => "REG_PHONE_MISMATCH",
            RegAccountInactive => "REG_ACCOUNT_INACTIVE",
            RegCardBlocked => "REG_CARD_BLOCKED",
            RegUnderAge => "REG_UNDER_AGE",
            RegMissingData => "REG_MISSING_DATA",
            RegInvalidData => "REG_INVALID_DATA",
            RegNotRetryable => "REG_NOT_RETRYABLE",
            ActNoChallenge => "ACT_NO_CHALLENGE",
            ActCodeWrong => "ACT_CODE_WRONG",
            ActCodeExpired => "ACT_CODE_EXPIRED",
            ActCodeLocked => "ACT_CODE_LOCKED",
            ActAlreadyActive => "ACT_ALREADY_ACTIVE",
            ActNoDestination => "ACT_NO_DESTINATION",
            MfaAlreadyOn => "MFA_ALREADY_ON",
            MfaNotOn => "MFA_NOT_ON",
            MfaNotStarted => "MFA_NOT_STARTED",
            MfaCodeWrong => "MFA_CODE_WRONG",
            MfaCodeReused => "MFA_CODE_REUSED",
            MfaReauthRequired => "MFA_REAUTH_REQUIRED",
            AuthSecondFactorRequired => "AUTH_SECOND_FACTOR_REQUIRED",
            AuthNoAccount => "AUTH_NO_ACCOUNT",
            AuthBankNotLinked => "AUTH_BANK_NOT_LINKED",
            LinkLastBank => "LINK_LAST_BANK",
            LinkNotFound => "LINK_NOT_FOUND",
            AuthReauthRequired => "AUTH_REAUTH_REQUIRED",
            LinkAlreadyLinked => "LINK_ALREADY_LINKED",
            LinkPersonMismatch => "LINK_PERSON_MISMATCH",
            LinkOtherCountry => "LINK_OTHER_COUNTRY",
            ConsentNotFound => "CONSENT_NOT_FOUND",
            ConsentAlreadyWithdrawn => "CONSENT_ALREADY_WITHDRAWN",
            ConsentLastBank => "CONSENT_LAST_BANK",
            ConsentWithdrawn => "CONSENT_WITHDRAWN",
            NetOffline => "NET_OFFLINE",
            NetTimeout => "NET_TIMEOUT",
            RateLimited => "RATE_LIMITED",
            ServiceUnavailable => "SERVICE_UNAVAILABLE",
            Internal => "INTERNAL",
            FieldPhoneCountry => "FIELD_PHONE_COUNTRY",
            FieldPhoneUaForRuBank => "FIELD_PHONE_UA_FOR_RU_BANK",
            FieldPhoneRuForUaBank => "FIELD_PHONE_RU_FOR_UA_BANK",
        }
    }

    /// Parses a wire string back into a code.
    pub fn parse(s: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.iter().copied().find(|c| c.as_str() == s)
    }

    /// The HTTP status the server answers with when this code is the top-level error.
    pub fn http_status(self) -> u16 {
        use ErrorCode::*;
        match self {
            ReqMalformedJson | ReqInvalidEncoding | ReqInvalidFields | FieldRequired
            | FieldWrongType | FieldUnknown | FieldTooLong | FieldPhoneFormat
            | FieldBankUnknown | FieldConsentRequired | FieldConsentVersion | AuthStateInvalid
            | AuthFlowMismatch | AuthIssMismatch => 400,
            FieldDateFormat
            | FieldDateNotReal
            | FieldDateTooEarly
            | FieldDateInFuture
            | FieldAgeUnder14
            | FieldInnFormat
            | FieldInnChecksum
            | FieldSnilsFormat
            | FieldSnilsChecksum
            | FieldRuPassportFormat
            | FieldRnokppFormat
            | FieldRnokppChecksum
            | FieldUaPassportFormat
            | FieldNameChars
            | FieldNameSeparators
            | FieldNameMixedScript
            | FieldNameUnsupportedMark
            | FieldEmailFormat
            | FieldCodeFormat
            | FieldReturnPath
            | FieldReturnUrl
            | EmbedCodeInvalid
            | EmbedLaunchInvalid => 400,
            EmbedNotAllowed => 403,
            ReqUnsupportedMediaType => 415,
            ReqBodyTooLarge => 413,
            ReqNotFound => 404,
            ReqMethodNotAllowed => 405,
            BankUnavailable | ReqInProgress => 409,
            ReqIdempotencyKeyReused => 422,
            ReqTimeout => 504,
            BankUnreachable | BankError | AuthIdTokenInvalid => 502,
            BankLoginCancelled => 400,
            AuthSessionRequired => 401,
            RegPhoneMismatch | RegAccountInactive | RegCardBlocked | RegUnderAge
            | RegMissingData | RegInvalidData => 422,
            RateLimited => 429,
            ConsentNotFound => 404,
            ConsentAlreadyWithdrawn => 409,
            ConsentLastBank => 409,
            ConsentWithdrawn => 403,

            LinkAlreadyLinked => 409,
            LinkPersonMismatch => 409,
            LinkOtherCountry => 409,

            LinkLastBank => 409,
            LinkNotFound => 404,
            AuthReauthRequired => 403,

            RegNotRetryable => 409,
            MfaAlreadyOn => 409,
            MfaNotOn => 409,
            MfaNotStarted => 409,
            MfaCodeWrong => 400,
            MfaCodeReused => 400,
            MfaReauthRequired => 403,
            AuthSecondFactorRequired => 401,
            AuthNoAccount => 404,
            AuthBankNotLinked => 403,

            ActNoChallenge => 409,
            ActCodeWrong => 400,
            ActCodeExpired => 410,
            ActCodeLocked => 423,
            ActAlreadyActive => 409,
            ActNoDestination => 409,

            ServiceUnavailable | NetOffline | NetTimeout => 503,
            Internal => 500,
            FieldPhoneCountry | FieldPhoneUaForRuBank | FieldPhoneRuForUaBank => 400,
        }
    }

    /// Whether trying the same thing again later may succeed without the citizen changing anything.
    pub fn retryable(self) -> bool {
        matches!(
            self,
            ErrorCode::BankUnreachable
                | ErrorCode::ReqInProgress
                | ErrorCode::ReqTimeout
                | ErrorCode::ServiceUnavailable
                | ErrorCode::NetOffline
                | ErrorCode::NetTimeout
                | ErrorCode::RateLimited
        )
    }

    /// What went wrong, in the citizen's language.
    pub fn message(self, lang: Lang) -> &'static str {
        let (ru, uk, en) = self.texts().0;
        pick(lang, ru, uk, en)
    }

    /// What the citizen can do next, in their language.
    pub fn next_step(self, lang: Lang) -> &'static str {
        let (ru, uk, en) = self.texts().1;
        pick(lang, ru, uk, en)
    }

    #[allow(clippy::type_complexity)]
    fn texts(
        self,
    ) -> (
        (&'static str, &'static str, &'static str),
        (&'static str, &'static str, &'static str),
    ) {
        use ErrorCode::*;
        const RETRY: (&str, &str, &str) = (
            "Попробуйте ещё раз через несколько минут.",
            "Спробуйте ще раз за кілька хвилин.",
            "Please try again in a few minutes.",
        );
        const FIX_FORM: (&str, &str, &str) = (
            "Исправьте отмеченные поля и отправьте форму снова.",
            "Виправте позначені поля й надішліть форму знову.",
            "Correct the marked fields and submit the form again.",
        );
        const START_AGAIN: (&str, &str, &str) = (
            "Начните регистрацию заново с выбора банка.",
            "Почніть реєстрацію заново з вибору банку.",
            "Start the registration again by choosing your bank.",
        );
        const CONTACT_BANK: (&str, &str, &str) = (
            "Обратитесь в свой банк, чтобы обновить данные, затем начните регистрацию заново.",
            "Зверніться до свого банку, щоб оновити дані, потім почніть реєстрацію заново.",
            "Contact your bank to update your details, then start the registration again.",
        );
        const SUPPORT: (&str, &str, &str) = (
            "Если ошибка повторяется, сообщите в поддержку номер обращения.",
            "Якщо помилка повторюється, повідомте службі підтримки номер звернення.",
            "If it happens again, give support the reference number.",
        );
        match self {
            ReqMalformedJson => (
                (
                    "Запрос повреждён: это не корректный JSON.",
                    "Запит пошкоджено: це не коректний JSON.",
                    "The request is damaged: it is not valid JSON.",
                ),
                SUPPORT,
            ),
            ReqInvalidEncoding => (
                (
                    "Запрос содержит текст не в кодировке UTF-8.",
                    "Запит містить текст не в кодуванні UTF-8.",
                    "The request contains text that is not UTF-8.",
                ),
                SUPPORT,
            ),
            ReqUnsupportedMediaType => (
                (
                    "Запрос отправлен в неподдерживаемом формате; нужен JSON в UTF-8.",
                    "Запит надіслано в непідтримуваному форматі; потрібен JSON в UTF-8.",
                    "The request has an unsupported format; JSON in UTF-8 is required.",
                ),
                SUPPORT,
            ),
            ReqBodyTooLarge => (
                (
                    "Запрос слишком большой.",
                    "Запит завеликий.",
                    "The request is too large.",
                ),
                SUPPORT,
            ),
            ReqInvalidFields => (
                (
                    "Некоторые поля заполнены неверно.",
                    "Деякі поля заповнено неправильно.",
                    "Some fields are not filled in correctly.",
                ),
                FIX_FORM,
            ),
            ReqNotFound => (
                (
                    "Такой страницы или записи нет.",
                    "Такої сторінки або запису немає.",
                    "There is no such page or record.",
                ),
                START_AGAIN,
            ),
            ReqMethodNotAllowed => (
                (
                    "Это действие здесь недоступно.",
                    "Ця дія тут недоступна.",
                    "This action is not available here.",
                ),
                SUPPORT,
            ),
            FieldRequired => (
                ("Заполните это поле.", "Заповніть це поле.", "Fill in this field."),
                FIX_FORM,
            ),
            FieldWrongType => (
                (
                    "Значение имеет неверный тип.",
                    "Значення має неправильний тип.",
                    "The value has the wrong type.",
                ),
                FIX_FORM,
            ),
            FieldUnknown => (
                (
                    "Запрос содержит лишнее поле.",
                    "Запит містить зайве поле.",
                    "The request contains an unexpected field.",
                ),
                SUPPORT,
            ),
            FieldTooLong => (
                ("Значение слишком длинное.", "Значення задовге.", "The value is too long."),
                FIX_FORM,
            ),
            FieldPhoneFormat => (
                (
                    "Введите номер мобильного телефона в формате +7 XXX XXX-XX-XX или +380 XX XXX XX XX.",
                    "Введіть номер мобільного телефону у форматі +380 XX XXX XX XX або +7 XXX XXX-XX-XX.",
                    "Enter a mobile number like +7 XXX XXX-XX-XX or +380 XX XXX XX XX.",
                ),
                FIX_FORM,
            ),
            FieldBankUnknown => (
                (
                    "Такого банка нет среди партнёров портала.",
                    "Такого банку немає серед партнерів порталу.",
                    "This bank is not a partner of the portal.",
                ),
                START_AGAIN,
            ),
            FieldConsentRequired => (
                (
                    "Чтобы продолжить, отметьте согласие на передачу данных.",
                    "Щоб продовжити, позначте згоду на передачу даних.",
                    "To continue, tick the box to consent to the data transfer.",
                ),
                FIX_FORM,
            ),
            FieldConsentVersion => (
                (
                    "Текст согласия изменился. Прочитайте новую версию.",
                    "Текст згоди змінився. Прочитайте нову версію.",
                    "The consent text has changed. Read the new version.",
                ),
                START_AGAIN,
            ),
            FieldDateFormat => (
                (
                    "Введите дату в формате ДД.ММ.ГГГГ, например 14.03.1985.",
                    "Введіть дату у форматі ДД.ММ.РРРР, наприклад 14.03.1985.",
                    "Enter the date as DD.MM.YYYY, for example 14.03.1985.",
                ),
                FIX_FORM,
            ),
            FieldDateNotReal => (
                (
                    "Такой даты не существует. Проверьте день и месяц.",
                    "Такої дати не існує. Перевірте день і місяць.",
                    "This date does not exist. Check the day and month.",
                ),
                FIX_FORM,
            ),
            FieldDateTooEarly => (
                (
                    "Год рождения должен быть не раньше 1900.",
                    "Рік народження має бути не раніше 1900.",
                    "The year of birth must be 1900 or later.",
                ),
                FIX_FORM,
            ),
            FieldDateInFuture => (
                (
                    "Дата рождения должна быть в прошлом.",
                    "Дата народження має бути в минулому.",
                    "The date of birth must be in the past.",
                ),
                FIX_FORM,
            ),
            FieldAgeUnder14 => (
                (
                    "Зарегистрироваться можно с 14 лет.",
                    "Зареєструватися можна з 14 років.",
                    "You must be at least 14 years old to register.",
                ),
                FIX_FORM,
            ),
            FieldInnFormat => (
                (
                    "ИНН состоит из 10 или 12 цифр.",
                    "ІПН (ІНН) складається з 10 або 12 цифр.",
                    "An INN has 10 or 12 digits.",
                ),
                FIX_FORM,
            ),
            FieldInnChecksum => (
                (
                    "В ИНН ошибка: не сходятся контрольные цифры. Проверьте каждую цифру.",
                    "В ІПН (ІНН) помилка: не збігаються контрольні цифри. Перевірте кожну цифру.",
                    "The INN has a typo: its check digits do not match. Check each digit.",
                ),
                FIX_FORM,
            ),
            FieldSnilsFormat => (
                (
                    "СНИЛС состоит из 11 цифр, например 112-233-445 95.",
                    "СНІЛС складається з 11 цифр, наприклад 112-233-445 95.",
                    "A SNILS has 11 digits, for example 112-233-445 95.",
                ),
                FIX_FORM,
            ),
            FieldSnilsChecksum => (
                (
                    "В СНИЛС ошибка: не сходится контрольное число. Проверьте каждую цифру.",
                    "У СНІЛС помилка: не збігається контрольне число. Перевірте кожну цифру.",
                    "The SNILS has a typo: its check number does not match. Check each digit.",
                ),
                FIX_FORM,
            ),
            FieldRuPassportFormat => (
                (
                    "Серия и номер паспорта — 4 и 6 цифр, например 45 10 123456.",
                    "Серія та номер паспорта — 4 і 6 цифр, наприклад 45 10 123456.",
                    "Passport series and number are 4 and 6 digits, for example 45 10 123456.",
                ),
                FIX_FORM,
            ),
            FieldRnokppFormat => (
                (
                    "РНУКПП состоит из 10 цифр.",
                    "РНОКПП складається з 10 цифр.",
                    "An RNOKPP has 10 digits.",
                ),
                FIX_FORM,
            ),
            FieldRnokppChecksum => (
                (
                    "В РНУКПП ошибка: не сходится контрольная цифра. Проверьте каждую цифру.",
                    "У РНОКПП помилка: не збігається контрольна цифра. Перевірте кожну цифру.",
                    "The RNOKPP has a typo: its check digit does not match. Check each digit.",
                ),
                FIX_FORM,
            ),
            FieldUaPassportFormat => (
                (
                    "Номер паспорта: 9 цифр ID-карты или 2 буквы и 6 цифр паспорта-книжечки.",
                    "Номер паспорта: 9 цифр ID-картки або 2 літери й 6 цифр паспорта-книжечки.",
                    "Passport number: 9 digits of an ID card, or 2 letters and 6 digits of a booklet.",
                ),
                FIX_FORM,
            ),
            FieldNameChars => (
                (
                    "Имя может содержать только буквы, пробел, дефис и апостроф.",
                    "Ім'я може містити лише літери, пробіл, дефіс і апостроф.",
                    "A name can only contain letters, spaces, hyphens and apostrophes.",
                ),
                FIX_FORM,
            ),
            FieldNameSeparators => (
                (
                    "Дефис или апостроф не может стоять в начале, в конце или два раза подряд.",
                    "Дефіс або апостроф не може стояти на початку, в кінці чи двічі поспіль.",
                    "A hyphen or apostrophe cannot come first, last, or twice in a row.",
                ),
                FIX_FORM,
            ),
            FieldNameMixedScript => (
                (
                    "В слове смешаны латинские и кириллические буквы. Наберите его одной раскладкой.",
                    "У слові змішано латинські й кириличні літери. Наберіть його однією розкладкою.",
                    "A word mixes Latin and Cyrillic letters. Type it in one keyboard layout.",
                ),
                FIX_FORM,
            ),
            FieldNameUnsupportedMark => (
                (
                    "Уберите знаки ударения и другие надстрочные знаки.",
                    "Приберіть знаки наголосу та інші надрядкові знаки.",
                    "Remove stress marks and other accents that are not part of a letter.",
                ),
                FIX_FORM,
            ),
            FieldEmailFormat => (
                (
                    "Введите адрес электронной почты в формате name@example.ru.",
                    "Введіть адресу електронної пошти у форматі name@example.ua.",
                    "Enter an email address like name@example.com.",
                ),
                FIX_FORM,
            ),
            FieldCodeFormat => (
                (
                    "Код состоит из 6 цифр.",
                    "Код складається з 6 цифр.",
                    "The code has 6 digits.",
                ),
                FIX_FORM,
            ),
            FieldReturnPath => (
                (
                    "После входа можно вернуться только на страницу управления учётной записью.",
                    "Після входу можна повернутися лише на сторінку керування обліковим записом.",
                    "After signing in you can only return to a page for managing your account.",
                ),
                FIX_FORM,
            ),
            FieldReturnUrl => (
                (
                    "Вернуться можно только на страницу сайта банка, который открыл портал.",
                    "Повернутися можна лише на сторінку сайту банку, який відкрив портал.",
                    "You can only return to a page of the bank's site that opened the portal.",
                ),
                FIX_FORM,
            ),
            EmbedNotAllowed => (
                (
                    "Этот банк не может открывать портал на своём сайте.",
                    "Цей банк не може відкривати портал на своєму сайті.",
                    "This bank cannot open the portal on its own site.",
                ),
                (
                    "Зарегистрируйтесь на сайте портала: выберите там свой банк.",
                    "Зареєструйтеся на сайті порталу: оберіть там свій банк.",
                    "Register on the portal's own site and choose your bank there.",
                ),
            ),
            EmbedCodeInvalid => (
                (
                    "Ответ банка для этого окна не найден или уже получен.",
                    "Відповідь банку для цього вікна не знайдено або вже отримано.",
                    "The bank's answer for this window was not found or was already received.",
                ),
                (
                    "Если статус не обновился, начните регистрацию заново.",
                    "Якщо статус не оновився, почніть реєстрацію знову.",
                    "If the status did not update, start the registration again.",
                ),
            ),
            EmbedLaunchInvalid => (
                (
                    "Ссылка на вход в банк устарела или уже использована.",
                    "Посилання на вхід у банк застаріле або вже використане.",
                    "The link to sign in at the bank has expired or was already used.",
                ),
                (
                    "Вернитесь на страницу банка и начните регистрацию заново.",
                    "Поверніться на сторінку банку й почніть реєстрацію знову.",
                    "Go back to the bank's page and start the registration again.",
                ),
            ),
            ReqIdempotencyKeyReused => (
                (
                    "Этот ключ повтора уже использован для другого запроса.",
                    "Цей ключ повтору вже використано для іншого запиту.",
                    "This retry key was already used for a different request.",
                ),
                SUPPORT,
            ),
            ReqInProgress => (
                (
                    "Тот же запрос ещё выполняется.",
                    "Той самий запит ще виконується.",
                    "The same request is still being processed.",
                ),
                RETRY,
            ),
            ReqTimeout => (
                (
                    "Портал не успел обработать запрос.",
                    "Портал не встиг обробити запит.",
                    "The portal took too long to handle the request.",
                ),
                RETRY,
            ),
            BankUnavailable => (
                (
                    "Регистрация через этот банк сейчас недоступна.",
                    "Реєстрація через цей банк зараз недоступна.",
                    "Registration through this bank is not available at the moment.",
                ),
                (
                    "Выберите другой банк или попробуйте позже.",
                    "Оберіть інший банк або спробуйте пізніше.",
                    "Choose another bank or try later.",
                ),
            ),
            BankUnreachable => (
                (
                    "Банк не отвечает.",
                    "Банк не відповідає.",
                    "The bank is not responding.",
                ),
                RETRY,
            ),
            BankError => (
                (
                    "Банк вернул ошибку.",
                    "Банк повернув помилку.",
                    "The bank returned an error.",
                ),
                START_AGAIN,
            ),
            BankLoginCancelled => (
                (
                    "Вход в банк отменён, данные не переданы.",
                    "Вхід до банку скасовано, дані не передано.",
                    "The bank sign-in was cancelled; no data was shared.",
                ),
                START_AGAIN,
            ),
            AuthStateInvalid => (
                (
                    "Ответ банка устарел или уже был использован.",
                    "Відповідь банку застаріла або вже була використана.",
                    "The bank's answer has expired or was already used.",
                ),
                START_AGAIN,
            ),
            AuthFlowMismatch => (
                (
                    "Регистрация была начата в другом браузере.",
                    "Реєстрацію було розпочато в іншому браузері.",
                    "The registration was started in a different browser.",
                ),
                START_AGAIN,
            ),
            AuthIssMismatch => (
                (
                    "Ответ пришёл не от того банка, который вы выбрали.",
                    "Відповідь надійшла не від банку, який ви обрали.",
                    "The answer did not come from the bank you chose.",
                ),
                START_AGAIN,
            ),
            AuthIdTokenInvalid => (
                (
                    "Не удалось проверить подпись данных банка.",
                    "Не вдалося перевірити підпис даних банку.",
                    "The bank's signed data could not be verified.",
                ),
                START_AGAIN,
            ),
            AuthSessionRequired => (
                (
                    "Сеанс истёк или вы не вошли.",
                    "Сеанс завершився або ви не увійшли.",
                    "Your session has expired or you are not signed in.",
                ),
                (
                    "Войдите снова через свой банк.",
                    "Увійдіть знову через свій банк.",
                    "Sign in again through your bank.",
                ),
            ),
            RegPhoneMismatch => (
                (
                    "Номер телефона не совпадает с номером, который указан в банке.",
                    "Номер телефону не збігається з номером, вказаним у банку.",
                    "The phone number does not match the number your bank has.",
                ),
                (
                    "Укажите номер, который вы сообщили банку, или обновите его в банке.",
                    "Вкажіть номер, який ви повідомили банку, або оновіть його в банку.",
                    "Enter the number your bank has on file, or update it with your bank.",
                ),
            ),
            RegAccountInactive => (
                (
                    "Банк сообщил, что по вашему счёту не было операций за последние 30 дней.",
                    "Банк повідомив, що за вашим рахунком не було операцій за останні 30 днів.",
                    "Your bank reports no transactions on your account in the last 30 days.",
                ),
                (
                    "Совершите любую операцию по карте и повторите регистрацию, или выберите другой банк.",
                    "Здійсніть будь-яку операцію карткою та повторіть реєстрацію, або оберіть інший банк.",
                    "Make any card payment and register again, or choose another bank.",
                ),
            ),
            RegCardBlocked => (
                (
                    "Банк сообщил, что ваша карта заблокирована или нет действующей карты.",
                    "Банк повідомив, що вашу картку заблоковано або немає чинної картки.",
                    "Your bank reports that your card is blocked or you have no active card.",
                ),
                CONTACT_BANK,
            ),
            RegUnderAge => (
                (
                    "Регистрация через банк доступна с 18 лет.",
                    "Реєстрація через банк доступна з 18 років.",
                    "Registration through a bank is available from the age of 18.",
                ),
                (
                    "Зарегистрируйтесь в центре обслуживания вместе с законным представителем.",
                    "Зареєструйтеся в центрі обслуговування разом із законним представником.",
                    "Register at a service centre together with a legal guardian.",
                ),
            ),
            RegMissingData => (
                (
                    "Банк передал не все данные, нужные для учётной записи.",
                    "Банк передав не всі дані, потрібні для облікового запису.",
                    "Your bank did not share all the data an account needs.",
                ),
                CONTACT_BANK,
            ),
            RegInvalidData => (
                (
                    "Данные из банка не прошли проверку (например, контрольные цифры ИНН или СНИЛС).",
                    "Дані з банку не пройшли перевірку (наприклад, контрольні цифри РНОКПП).",
                    "The data from your bank failed our checks (for example, the check digits of a tax number).",
                ),
                CONTACT_BANK,
            ),
            ActNoChallenge => (
                (
                    "Сначала запросите код подтверждения.",
                    "Спочатку запросіть код підтвердження.",
                    "Ask for a confirmation code first.",
                ),
                ("Нажмите «Получить код».", "Натисніть «Отримати код».", "Select 'Send code'."),
            ),
            ActCodeWrong => (
                (
                    "Код неверный.",
                    "Код неправильний.",
                    "The code is wrong.",
                ),
                ("Проверьте код в сообщении и введите его снова.", "Перевірте код у повідомленні та введіть його знову.", "Check the code in the message and enter it again."),
            ),
            ActCodeExpired => (
                (
                    "Срок действия кода истёк.",
                    "Термін дії коду минув.",
                    "The code has expired.",
                ),
                ("Запросите новый код.", "Запросіть новий код.", "Ask for a new code."),
            ),
            ActCodeLocked => (
                (
                    "Слишком много неверных попыток: код заблокирован.",
                    "Забагато неправильних спроб: код заблоковано.",
                    "Too many wrong attempts: the code is locked.",
                ),
                ("Запросите новый код.", "Запросіть новий код.", "Ask for a new code."),
            ),
            ActAlreadyActive => (
                (
                    "Учётная запись уже активирована.",
                    "Обліковий запис уже активовано.",
                    "The account is already activated.",
                ),
                ("Ничего делать не нужно.", "Нічого робити не потрібно.", "There is nothing more to do."),
            ),
            ActNoDestination => (
                (
                    "Банк не передал адрес электронной почты.",
                    "Банк не передав адресу електронної пошти.",
                    "Your bank did not share an email address.",
                ),
                ("Выберите получение кода по SMS.", "Оберіть отримання коду через SMS.", "Choose to get the code by text message."),
            ),
            MfaAlreadyOn => (
                (
                    "Двухфакторная защита уже включена.",
                    "Двофакторний захист уже ввімкнено.",
                    "Two-factor protection is already on.",
                ),
                ("Ничего делать не нужно.", "Нічого робити не потрібно.", "There is nothing more to do."),
            ),
            MfaNotOn => (
                (
                    "Двухфакторная защита не включена.",
                    "Двофакторний захист не ввімкнено.",
                    "Two-factor protection is not on.",
                ),
                ("Включите её на странице безопасности.", "Увімкніть його на сторінці безпеки.", "Turn it on on the security page."),
            ),
            MfaNotStarted => (
                (
                    "Сначала отсканируйте новый QR-код.",
                    "Спочатку відскануйте новий QR-код.",
                    "Scan a new QR code first.",
                ),
                ("Начните подключение приложения заново.", "Почніть підключення застосунку заново.", "Start setting up the app again."),
            ),
            MfaCodeWrong => (
                (
                    "Код из приложения неверный.",
                    "Код із застосунку неправильний.",
                    "The code from the app is wrong.",
                ),
                ("Введите текущий код из приложения-аутентификатора или резервный код.", "Введіть поточний код із застосунку-автентифікатора або резервний код.", "Enter the current code from your authenticator app, or a backup code."),
            ),
            MfaCodeReused => (
                (
                    "Этот код уже использован.",
                    "Цей код уже використано.",
                    "This code has already been used.",
                ),
                ("Дождитесь следующего кода в приложении.", "Дочекайтеся наступного коду в застосунку.", "Wait for the next code in the app."),
            ),
            MfaReauthRequired => (
                (
                    "Для этого действия подтвердите, что это вы.",
                    "Для цієї дії підтвердьте, що це ви.",
                    "Confirm it is you to do this.",
                ),
                ("Введите код из приложения или войдите снова через банк.", "Введіть код із застосунку або увійдіть знову через банк.", "Enter a code from the app, or sign in again through your bank."),
            ),
            AuthSecondFactorRequired => (
                (
                    "Нужен код из приложения-аутентификатора.",
                    "Потрібен код із застосунку-автентифікатора.",
                    "A code from your authenticator app is needed.",
                ),
                ("Введите код из приложения или резервный код.", "Введіть код із застосунку або резервний код.", "Enter the code from the app or a backup code."),
            ),
            AuthNoAccount => (
                (
                    "Учётной записи для этих данных нет.",
                    "Облікового запису для цих даних немає.",
                    "There is no account for this person.",
                ),
                ("Зарегистрируйтесь через банк.", "Зареєструйтеся через банк.", "Register through your bank."),
            ),
            AuthBankNotLinked => (
                (
                    "Этот банк не привязан к вашей учётной записи.",
                    "Цей банк не прив'язано до вашого облікового запису.",
                    "This bank is not linked to your account.",
                ),
                ("Войдите через банк, который привязан к учётной записи.", "Увійдіть через банк, прив'язаний до облікового запису.", "Sign in through a bank linked to your account."),
            ),
            RegNotRetryable => (
                (
                    "Эту заявку нельзя отправить повторно: она не отклонена.",
                    "Цю заявку не можна надіслати повторно: її не відхилено.",
                    "This request cannot be sent again: it was not rejected.",
                ),
                ("Откройте страницу статуса заявки.", "Відкрийте сторінку статусу заявки.", "Open the status page of the request."),
            ),
            LinkLastBank => (
                (
                    "Нельзя отвязать единственный банк: без него вы не сможете войти.",
                    "Не можна відв'язати єдиний банк: без нього ви не зможете увійти.",
                    "You cannot remove your only bank: you would not be able to sign in.",
                ),
                ("Сначала привяжите другой банк, затем отвяжите этот.", "Спочатку прив'яжіть інший банк, потім відв'яжіть цей.", "Link another bank first, then remove this one."),
            ),
            LinkNotFound => (
                (
                    "Этот банк не привязан к учётной записи.",
                    "Цей банк не прив'язано до облікового запису.",
                    "This bank is not linked to the account.",
                ),
                ("Обновите страницу со списком банков.", "Оновіть сторінку зі списком банків.", "Reload the list of banks."),
            ),
            AuthReauthRequired => (
                (
                    "Для этого действия нужно недавно войти через банк.",
                    "Для цієї дії потрібно нещодавно увійти через банк.",
                    "This needs a recent sign-in through your bank.",
                ),
                ("Войдите снова через банк и повторите действие.", "Увійдіть знову через банк і повторіть дію.", "Sign in again through your bank and try again."),
            ),
            LinkAlreadyLinked => (
                (
                    "Этот банк уже привязан к учётной записи.",
                    "Цей банк уже прив'язано до облікового запису.",
                    "This bank is already linked to the account.",
                ),
                ("Выберите другой банк.", "Оберіть інший банк.", "Choose another bank."),
            ),
            LinkPersonMismatch => (
                (
                    "Новый банк передал данные другого человека: ИНН, дата рождения или имя не совпадают.",
                    "Новий банк передав дані іншої особи: РНОКПП, дата народження або ім'я не збігаються.",
                    "The new bank identified a different person: the tax number, date of birth or name do not match.",
                ),
                ("Проверьте, что вы вошли в свой банк. Ничего не изменилось.", "Перевірте, що ви увійшли до свого банку. Нічого не змінилося.", "Check that you signed in to your own bank. Nothing has changed."),
            ),
            LinkOtherCountry => (
                (
                    "Этот банк из другой страны: он не может подтвердить вашу личность для этой учётной записи.",
                    "Цей банк з іншої країни: він не може підтвердити вашу особу для цього облікового запису.",
                    "This bank is in another country: it cannot confirm your identity for this account.",
                ),
                ("Выберите банк той же страны, что и привязанные банки.", "Оберіть банк тієї ж країни, що й прив'язані банки.", "Choose a bank of the same country as your linked banks."),
            ),
            ConsentNotFound => (
                (
                    "Такого согласия нет в вашем журнале.",
                    "Такої згоди немає у вашому журналі.",
                    "There is no such consent in your ledger.",
                ),
                ("Обновите журнал согласий.", "Оновіть журнал згод.", "Reload the consent ledger."),
            ),
            ConsentAlreadyWithdrawn => (
                (
                    "Это согласие уже отозвано.",
                    "Цю згоду вже відкликано.",
                    "This consent has already been withdrawn.",
                ),
                ("Ничего делать не нужно.", "Нічого робити не потрібно.", "There is nothing more to do."),
            ),
            ConsentLastBank => (
                (
                    "Нельзя отозвать согласие единственного банка, через который вы входите: без него вы не сможете войти.",
                    "Не можна відкликати згоду єдиного банку, через який ви входите: без нього ви не зможете увійти.",
                    "You cannot withdraw the consent of the only bank you sign in with: you would not be able to sign in.",
                ),
                ("Сначала привяжите другой банк, затем отзовите это согласие.", "Спочатку прив'яжіть інший банк, потім відкличте цю згоду.", "Link another bank first, then withdraw this consent."),
            ),
            ConsentWithdrawn => (
                (
                    "Вы отозвали согласие на использование данных этого банка.",
                    "Ви відкликали згоду на використання даних цього банку.",
                    "You withdrew your consent to use data from this bank.",
                ),
                ("Привяжите банк заново, дав новое согласие, или войдите через другой банк.", "Прив'яжіть банк знову, надавши нову згоду, або увійдіть через інший банк.", "Link the bank again with a new consent, or sign in through another bank."),
            ),
            NetOffline => (
                (
                    "Нет связи с порталом.",
                    "Немає зв'язку з порталом.",
                    "Cannot reach the portal.",
                ),
                (
                    "Проверьте подключение к интернету и попробуйте снова.",
                    "Перевірте підключення до інтернету та спробуйте знову.",
                    "Check your internet connection and try again.",
                ),
            ),
            NetTimeout => (
                (
                    "Портал отвечает слишком долго.",
                    "Портал відповідає надто довго.",
                    "The portal is taking too long to respond.",
                ),
                RETRY,
            ),
            RateLimited => (
                (
                    "Слишком много попыток.",
                    "Забагато спроб.",
                    "Too many attempts.",
                ),
                RETRY,
            ),
            ServiceUnavailable => (
                (
                    "Портал временно недоступен.",
                    "Портал тимчасово недоступний.",
                    "The portal is temporarily unavailable.",
                ),
                RETRY,
            ),
            Internal => (
                (
                    "На портале произошла ошибка.",
                    "На порталі сталася помилка.",
                    "Something went wrong on the portal.",
                ),
                SUPPORT,
            ),
            FieldPhoneCountry => (
                (
                    "Это номер другой страны. Портал принимает только номера России (+7) и Украины (+380): банки-партнёры подтверждают только их.",
                    "Це номер іншої країни. Портал приймає лише номери України (+380) та Росії (+7): банки-партнери підтверджують лише їх.",
                    "This is a number of another country. The portal only accepts numbers from Russia (+7) and Ukraine (+380): its partner banks confirm only those.",
                ),
                (
                    "Введите российский (+7) или украинский (+380) мобильный номер, который знает ваш банк.",
                    "Введіть український (+380) або російський (+7) мобільний номер, який знає ваш банк.",
                    "Enter the Russian (+7) or Ukrainian (+380) mobile number your bank knows.",
                ),
            ),
            FieldPhoneUaForRuBank => (
                (
                    "Это украинский номер (+380), а выбран российский банк. Российский банк подтверждает только российские номера (+7).",
                    "Це український номер (+380), а обрано російський банк. Російський банк підтверджує лише російські номери (+7).",
                    "This is a Ukrainian number (+380), but you chose a Russian bank. A Russian bank confirms only Russian numbers (+7).",
                ),
                (
                    "Введите российский номер (+7), который знает ваш банк, или вернитесь к списку и выберите украинский банк.",
                    "Введіть російський номер (+7), який знає ваш банк, або поверніться до списку й оберіть український банк.",
                    "Enter the Russian number (+7) your bank knows, or go back to the list and choose a Ukrainian bank.",
                ),
            ),
            FieldPhoneRuForUaBank => (
                (
                    "Это российский номер (+7), а выбран украинский банк. Украинский банк подтверждает только украинские номера (+380).",
                    "Це російський номер (+7), а обрано український банк. Український банк підтверджує лише українські номери (+380).",
                    "This is a Russian number (+7), but you chose a Ukrainian bank. A Ukrainian bank confirms only Ukrainian numbers (+380).",
                ),
                (
                    "Введите украинский номер (+380), который знает ваш банк, или вернитесь к списку и выберите российский банк.",
                    "Введіть український номер (+380), який знає ваш банк, або поверніться до списку й оберіть російський банк.",
                    "Enter the Ukrainian number (+380) your bank knows, or go back to the list and choose a Russian bank.",
                ),
            ),
        }
    }
}

fn pick(lang: Lang, ru: &'static str, uk: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Ru => ru,
        Lang::Uk => uk,
        Lang::En => en,
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The body of every error response: `{code, message, fields?, trace_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub code: ErrorCode,
    /// Human text in the request's language (the SPA re-derives it from `code`).
    pub message: String,
    /// Field name → what is wrong with it, for [`ErrorCode::ReqInvalidFields`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, ErrorCode>>,
    /// Correlation id; the citizen gives it to support and it appears in server logs.
    pub trace_id: String,
    /// For [`ErrorCode::RateLimited`] and locks: seconds until trying again makes sense.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_match_serde() {
        for &c in ErrorCode::ALL {
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.as_str()));
            assert_eq!(ErrorCode::parse(c.as_str()), Some(c));
        }
    }

    #[test]
    fn every_code_has_distinct_nonempty_texts_in_every_language() {
        for &c in ErrorCode::ALL {
            for l in Lang::ALL {
                assert!(!c.message(l).is_empty(), "{c} {l:?}");
                assert!(!c.next_step(l).is_empty(), "{c} {l:?}");
            }
            // A forgotten translation usually shows as a copy of another language.
            assert_ne!(c.message(Lang::Ru), c.message(Lang::En), "{c}");
            assert_ne!(c.message(Lang::Uk), c.message(Lang::En), "{c}");
        }
    }

    #[test]
    fn messages_are_unique_per_language() {
        for l in Lang::ALL {
            let mut seen = std::collections::HashSet::new();
            for &c in ErrorCode::ALL {
                assert!(seen.insert(c.message(l)), "duplicate text for {c} in {l:?}");
            }
        }
    }

    #[test]
    fn statuses_are_client_or_server_errors() {
        for &c in ErrorCode::ALL {
            assert!((400..600).contains(&c.http_status()), "{c}");
        }
    }

    #[test]
    fn error_body_round_trips_with_cyrillic() {
        let mut fields = BTreeMap::new();
        fields.insert("phone".to_string(), ErrorCode::FieldPhoneFormat);
        let body = ErrorBody {
            code: ErrorCode::ReqInvalidFields,
            message: ErrorCode::ReqInvalidFields.message(Lang::Ru).to_string(),
            fields: Some(fields),
            trace_id: "t-1".into(),
            retry_after: None,
        };
        let s = serde_json::to_string(&body).unwrap();
        assert!(s.contains("Некоторые поля"));
        let back: ErrorBody = serde_json::from_str(&s).unwrap();
        assert_eq!(back, body);
    }
}
