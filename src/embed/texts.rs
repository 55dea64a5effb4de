//! The texts of the embedded pages, in ru/uk/en: a small table of its own, so that the embed
//! bundle does not carry the portal's whole catalogue ([`crate::i18n`], ~9 KB brotli) and the
//! other bundles do not carry these.
//!
//! Texts the portal already has are *taken* from its catalogue at compile time
//! ([`crate::i18n::texts`] is a `const fn`), never copied: the same words as on the portal's own
//! pages, and only those that are shown here end up in the bundle. Error messages and next steps
//! come from [`bankid_api::ErrorCode`], like everywhere else.

use bankid_api::types::RegistrationState;
use bankid_api::Lang;
use leptos::prelude::Get;

use crate::i18n::{pick, texts as catalogue, use_lang, Key};

/// Declares [`EmbedKey`] and [`EmbedKey::ALL`] from one list, so the tests see every key.
macro_rules! keys {
    ($($(#[$meta:meta])* $key:ident,)*) => {
        /// Every text of the embedded pages.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum EmbedKey {
            $($(#[$meta])* $key,)*
        }

        impl EmbedKey {
            /// Every key, in declaration order.
            pub const ALL: &'static [EmbedKey] = &[$(EmbedKey::$key,)*];
        }
    };
}

keys! {
    // ---- the embedded pages' own ----
    /// Before the bank's logo and name: who asked for the portal.
    RequestedBy,
    /// Below the consent: how the bank's sign-in opens.
    BankOpensInWindow,
    /// Waiting for the bank, sign-in in the popup (`{bank}`).
    WaitingPopupTitle,
    WaitingPopupText,
    /// Focuses the popup.
    ShowBankWindow,
    /// Waiting for the bank after the whole page went there and came back.
    WaitingBackText,
    /// The frame stopped polling after 10 minutes.
    TimedOutTitle,
    TimedOutText,
    /// Link to the registration's page on the portal (a new tab).
    OpenAccount,
    /// Visually hidden after a link that opens a new tab.
    OpensNewTab,
    /// The bank's window, when it could not hand the answer back by itself.
    ReturnDoneTitle,
    ReturnDoneText,
    CloseWindow,
    // ---- the portal's, from its catalogue ----
    SiteName,
    ErrorPrefix,
    ErrorSummaryTitle,
    Loading,
    TryAgain,
    TraceIdLabel,
    WhatNext,
    Continue,
    StepOneOfTwo,
    StepTwoOfTwo,
    PhoneQuestion,
    PhoneLead,
    ConsentTitle,
    ConsentLead,
    ConsentBank,
    ConsentPhone,
    Change,
    ChangePhoneHidden,
    ConsentFieldsHeading,
    ConsentPurposeHeading,
    ConsentPurposeText,
    ConsentRetentionHeading,
    ConsentRetentionText,
    ConsentOperatorHeading,
    ConsentOperatorText,
    ConsentWithdraw,
    ConsentVersion,
    ConsentCheckbox,
    ContinueToBank,
    Redirecting,
    StatusLabel,
    StatusAwaitingTitle,
    StatusPendingTitle,
    StatusPendingText,
    StatusActiveTitle,
    StatusActiveText,
    StatusRejectedTitle,
    StatusFailedTitle,
    BadgeAwaiting,
    BadgePending,
    BadgeActive,
    BadgeRejected,
    BadgeFailed,
    RequestNumber,
    StartAgain,
    Checking,
    BanksLoadFailed,
}

/// The text of `key` in `lang`.
pub fn et(lang: Lang, key: EmbedKey) -> &'static str {
    pick(lang, texts(key))
}

/// [`et`] with `{name}` replaced by `value`.
pub fn et_with(lang: Lang, key: EmbedKey, name: &str, value: &str) -> String {
    et(lang, key).replace(&format!("{{{name}}}"), value)
}

/// The text of `key` in the current language, as a reactive view or attribute value. Every call
/// returns the same closure type, so all texts share one instantiation of the renderer.
pub fn etr(key: EmbedKey) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let lang = use_lang();
    move || et(lang.get(), key)
}

/// The heading and the badge of a registration's state (the status page's words), and the
/// badge's colour modifier (`bp-tag--…`).
pub fn state_texts(state: RegistrationState) -> (EmbedKey, EmbedKey, &'static str) {
    use EmbedKey::*;
    match state {
        RegistrationState::AwaitingBank => (StatusAwaitingTitle, BadgeAwaiting, "awaiting"),
        RegistrationState::PendingConfirmation => (StatusPendingTitle, BadgePending, "pending"),
        RegistrationState::Active => (StatusActiveTitle, BadgeActive, "active"),
        RegistrationState::Rejected => (StatusRejectedTitle, BadgeRejected, "rejected"),
        RegistrationState::Failed => (StatusFailedTitle, BadgeFailed, "failed"),
    }
}

/// A text of the portal's catalogue, evaluated while compiling.
macro_rules! shared {
    ($key:ident) => {
        const { catalogue(Key::$key) }
    };
}

#[rustfmt::skip]
fn texts(key: EmbedKey) -> (&'static str, &'static str, &'static str) {
    use EmbedKey::*;
    match key {
        RequestedBy => ("по запросу:", "на запит:", "requested by:"),
        BankOpensInWindow => (
            "Вход в банк откроется в новом окне. Эта страница останется открытой и покажет результат.",
            "Вхід до банку відкриється в новому вікні. Ця сторінка залишиться відкритою й покаже результат.",
            "Your bank's sign-in opens in a new window. This page stays open and shows the outcome.",
        ),
        WaitingPopupTitle => (
            "Войдите в банк «{bank}» в открывшемся окне",
            "Увійдіть до банку «{bank}» у вікні, що відкрилося",
            "Sign in at {bank} in the window that opened",
        ),
        WaitingPopupText => (
            "Когда банк ответит, окно закроется, а здесь появится результат.",
            "Коли банк відповість, вікно закриється, а тут з’явиться результат.",
            "When your bank answers, that window closes and the outcome appears here.",
        ),
        ShowBankWindow => ("Показать окно банка", "Показати вікно банку", "Show the bank's window"),
        WaitingBackText => (
            "Проверяем, что ответил банк. Результат появится здесь.",
            "Перевіряємо, що відповів банк. Результат з’явиться тут.",
            "Checking what your bank answered. The outcome appears here.",
        ),
        TimedOutTitle => (
            "Мы перестали ждать ответа банка",
            "Ми припинили чекати на відповідь банку",
            "We stopped waiting for your bank",
        ),
        TimedOutText => (
            "Банк не ответил за 10 минут. Если вы не завершили вход в банке, начните регистрацию заново.",
            "Банк не відповів за 10 хвилин. Якщо ви не завершили вхід у банку, почніть реєстрацію знову.",
            "Your bank did not answer within 10 minutes. If you did not finish signing in at the bank, start the registration again.",
        ),
        OpenAccount => (
            "Открыть учётную запись на портале",
            "Відкрити обліковий запис на порталі",
            "Open your account on the portal",
        ),
        OpensNewTab => ("(откроется в новой вкладке)", "(відкриється в новій вкладці)", "(opens in a new tab)"),
        ReturnDoneTitle => ("Вход в банк завершён", "Вхід до банку завершено", "You have signed in at your bank"),
        ReturnDoneText => (
            "Вернитесь на страницу вашего банка: результат регистрации появится там. Это окно можно закрыть.",
            "Поверніться на сторінку вашого банку: результат реєстрації з’явиться там. Це вікно можна закрити.",
            "Go back to your bank's page: the outcome of the registration appears there. You can close this window.",
        ),
        CloseWindow => ("Закрыть это окно", "Закрити це вікно", "Close this window"),
        SiteName => shared!(SiteName),
        ErrorPrefix => shared!(ErrorPrefix),
        ErrorSummaryTitle => shared!(ErrorSummaryTitle),
        Loading => shared!(Loading),
        TryAgain => shared!(TryAgain),
        TraceIdLabel => shared!(TraceIdLabel),
        WhatNext => shared!(WhatNext),
        Continue => shared!(Continue),
        StepOneOfTwo => shared!(StepOneOfTwo),
        StepTwoOfTwo => shared!(StepTwoOfTwo),
        PhoneQuestion => shared!(PhoneQuestion),
        PhoneLead => shared!(PhoneLead),
        ConsentTitle => shared!(ConsentTitle),
        ConsentLead => shared!(ConsentLead),
        ConsentBank => shared!(ConsentBank),
        ConsentPhone => shared!(ConsentPhone),
        Change => shared!(Change),
        ChangePhoneHidden => shared!(ChangePhoneHidden),
        ConsentFieldsHeading => shared!(ConsentFieldsHeading),
        ConsentPurposeHeading => shared!(ConsentPurposeHeading),
        ConsentPurposeText => shared!(ConsentPurposeText),
        ConsentRetentionHeading => shared!(ConsentRetentionHeading),
        ConsentRetentionText => shared!(ConsentRetentionText),
        ConsentOperatorHeading => shared!(ConsentOperatorHeading),
        ConsentOperatorText => shared!(ConsentOperatorText),
        ConsentWithdraw => shared!(ConsentWithdraw),
        ConsentVersion => shared!(ConsentVersion),
        ConsentCheckbox => shared!(ConsentCheckbox),
        ContinueToBank => shared!(ContinueToBank),
        Redirecting => shared!(Redirecting),
        StatusLabel => shared!(StatusLabel),
        StatusAwaitingTitle => shared!(StatusAwaitingTitle),
        StatusPendingTitle => shared!(StatusPendingTitle),
        StatusPendingText => shared!(StatusPendingText),
        StatusActiveTitle => shared!(StatusActiveTitle),
        StatusActiveText => shared!(StatusActiveText),
        StatusRejectedTitle => shared!(StatusRejectedTitle),
        StatusFailedTitle => shared!(StatusFailedTitle),
        BadgeAwaiting => shared!(BadgeAwaiting),
        BadgePending => shared!(BadgePending),
        BadgeActive => shared!(BadgeActive),
        BadgeRejected => shared!(BadgeRejected),
        BadgeFailed => shared!(BadgeFailed),
        RequestNumber => shared!(RequestNumber),
        StartAgain => shared!(StartAgain),
        Checking => shared!(Checking),
        BanksLoadFailed => shared!(BanksLoadFailed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The embedded pages' own texts (the others are the catalogue's, which has its own tests).
    const OWN: &[EmbedKey] = &[
        EmbedKey::RequestedBy,
        EmbedKey::BankOpensInWindow,
        EmbedKey::WaitingPopupTitle,
        EmbedKey::WaitingPopupText,
        EmbedKey::ShowBankWindow,
        EmbedKey::WaitingBackText,
        EmbedKey::TimedOutTitle,
        EmbedKey::TimedOutText,
        EmbedKey::OpenAccount,
        EmbedKey::OpensNewTab,
        EmbedKey::ReturnDoneTitle,
        EmbedKey::ReturnDoneText,
        EmbedKey::CloseWindow,
    ];

    #[test]
    fn every_text_is_translated_in_its_own_script() {
        let cyrillic = |s: &str| s.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c));
        for &k in EmbedKey::ALL {
            for l in Lang::ALL {
                let text = et(l, k);
                assert!(!text.trim().is_empty(), "{k:?} {l:?} is empty");
                assert_eq!(text, text.trim(), "{k:?} {l:?} has stray spaces");
            }
            assert!(cyrillic(et(Lang::Ru, k)), "{k:?} ru");
            assert!(cyrillic(et(Lang::Uk, k)), "{k:?} uk");
            assert!(!cyrillic(et(Lang::En, k)), "{k:?} en");
            assert_ne!(
                et(Lang::En, k),
                et(Lang::Ru, k),
                "{k:?}: en is a copy of ru"
            );
        }
        for &k in OWN {
            assert_ne!(
                et(Lang::Uk, k),
                et(Lang::Ru, k),
                "{k:?}: uk is a copy of ru"
            );
            assert!(!et(Lang::Ru, k).contains(['і', 'ї', 'є', 'ґ']), "{k:?} ru");
            assert!(!et(Lang::Uk, k).contains(['ы', 'э', 'ъ', 'ё']), "{k:?} uk");
        }
    }

    #[test]
    fn shared_texts_are_the_catalogue_s_of_the_same_name() {
        for &k in EmbedKey::ALL.iter().filter(|k| !OWN.contains(k)) {
            let name = format!("{k:?}");
            let key = Key::ALL
                .iter()
                .copied()
                .find(|c| format!("{c:?}") == name)
                .unwrap_or_else(|| panic!("{name} is not in the catalogue"));
            for l in Lang::ALL {
                assert_eq!(et(l, k), crate::i18n::t(l, key), "{name} {l:?}");
            }
        }
        // The embedded pages' own texts are not already in the catalogue.
        for &k in OWN {
            let name = format!("{k:?}");
            assert!(!Key::ALL.iter().any(|c| format!("{c:?}") == name), "{name}");
        }
    }

    #[test]
    fn bank_names_need_no_grammatical_case() {
        // As in the catalogue: in Russian and Ukrainian the name stands alone, in «…».
        for &k in EmbedKey::ALL {
            for l in [Lang::Ru, Lang::Uk] {
                let s = et(l, k);
                let n = s.matches("{bank}").count();
                assert_eq!(s.matches("«{bank}»").count(), n, "{k:?} {l:?}: {s}");
            }
        }
        assert_eq!(
            et_with(Lang::Uk, EmbedKey::WaitingPopupTitle, "bank", "Сбербанк"),
            "Увійдіть до банку «Сбербанк» у вікні, що відкрилося"
        );
    }

    #[test]
    fn placeholders_are_filled() {
        for l in Lang::ALL {
            assert!(et(l, EmbedKey::WaitingPopupTitle).contains("{bank}"));
            assert!(et(l, EmbedKey::ContinueToBank).contains("{bank}"));
            assert!(et(l, EmbedKey::ConsentRetentionText).contains("{years}"));
        }
        assert_eq!(
            et_with(Lang::En, EmbedKey::WaitingPopupTitle, "bank", "VTB"),
            "Sign in at VTB in the window that opened"
        );
    }

    #[test]
    fn every_state_has_a_heading_and_a_badge() {
        for s in [
            RegistrationState::AwaitingBank,
            RegistrationState::PendingConfirmation,
            RegistrationState::Active,
            RegistrationState::Rejected,
            RegistrationState::Failed,
        ] {
            let (title, badge, modifier) = state_texts(s);
            assert_ne!(title, badge);
            assert!(!modifier.is_empty());
        }
    }
}
