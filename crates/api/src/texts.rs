//! The UI string catalogue: every text of the portal's pages that is not an error message, in
//! Russian, Ukrainian and English. Shared by the SPA (which shows them) and the server (which
//! writes each page's first view with them, before the app has loaded).
//!
//! Error texts are not here: they come from [`crate::ErrorCode::message`] and
//! [`crate::ErrorCode::next_step`].

use crate::Lang;

/// Declares the catalogue: each [`Key`] a constant holding its three texts, and [`Key::ALL`].
/// A key is a reference to its texts, not a number matched against every text: a bundle's wasm
/// holds the texts of the keys its code names, not the whole catalogue.
macro_rules! catalogue {
    ($($key:ident => ($ru:expr, $uk:expr, $en:expr $(,)?),)*) => {
        #[allow(non_upper_case_globals)]
        impl Key {
            $(pub const $key: Key = Key(&Texts {
                name: stringify!($key),
                ru: $ru,
                uk: $uk,
                en: $en,
            });)*

            /// Every key, in declaration order, for catalogue tests (naming it links every text).
            pub const ALL: &'static [Key] = &[$(Key::$key,)*];
        }
    };
}

/// The three texts of a key.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Texts {
    /// The key's name, for messages and tests.
    pub name: &'static str,
    pub ru: &'static str,
    pub uk: &'static str,
    pub en: &'static str,
}

/// One UI text of the portal that is not an error message: `Key::BanksTitle` etc.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key(&'static Texts);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.name)
    }
}

/// The `(ru, uk, en)` texts of `key`. A `const fn`, so that a bundle can take texts at compile
/// time (the embed bundle's own catalogue).
pub const fn texts(key: Key) -> (&'static str, &'static str, &'static str) {
    (key.0.ru, key.0.uk, key.0.en)
}

/// The text of `key` in `lang`.
pub fn t(lang: Lang, key: Key) -> &'static str {
    pick(lang, texts(key))
}

/// One of a `(ru, uk, en)` triple, the shape of the shared crate's `*_HINT` constants.
pub fn pick(lang: Lang, (ru, uk, en): (&'static str, &'static str, &'static str)) -> &'static str {
    match lang {
        Lang::Ru => ru,
        Lang::Uk => uk,
        Lang::En => en,
    }
}

/// `t` with `{name}` placeholders replaced, in order of `args`.
pub fn tf(lang: Lang, key: Key, args: &[(&str, &str)]) -> String {
    let mut s = t(lang, key).to_string();
    for (name, value) in args {
        s = s.replace(&format!("{{{name}}}"), value);
    }
    s
}

/// "N years" with the right plural form.
pub fn years(lang: Lang, n: u32) -> String {
    let word = match lang {
        Lang::Ru | Lang::Uk => {
            let (one, few, many) = if lang == Lang::Ru {
                ("год", "года", "лет")
            } else {
                ("рік", "роки", "років")
            };
            let (n10, n100) = (n % 10, n % 100);
            if n10 == 1 && n100 != 11 {
                one
            } else if (2..=4).contains(&n10) && !(12..=14).contains(&n100) {
                few
            } else {
                many
            }
        }
        Lang::En => {
            if n == 1 {
                "year"
            } else {
                "years"
            }
        }
    };
    format!("{n} {word}")
}

#[rustfmt::skip]
catalogue! {
    SiteName => ("Портал государственных услуг", "Портал державних послуг", "Government services portal"),
    SkipToContent => ("Перейти к основному содержанию", "Перейти до основного вмісту", "Skip to main content"),
    LanguageLabel => ("Язык интерфейса", "Мова інтерфейсу", "Language"),
    FooterAbout => (
        "Регистрация через банк: банк подтверждает вашу личность и передаёт данные только с вашего согласия.",
        "Реєстрація через банк: банк підтверджує вашу особу й передає дані лише з вашої згоди.",
        "Registration through your bank: the bank confirms who you are and shares data only with your consent.",
    ),
    FooterSandbox => (
        "Мы никогда не спрашиваем номер карты, CVV или пароль от банка.",
        "Ми ніколи не питаємо номер картки, CVV чи пароль від банку.",
        "We never ask for your card number, CVV or bank password.",
    ),
    ErrorPrefix => ("Ошибка:", "Помилка:", "Error:"),
    ErrorSummaryTitle => ("Есть проблема", "Виникла проблема", "There is a problem"),
    Loading => ("Загрузка…", "Завантаження…", "Loading…"),
    TryAgain => ("Попробовать снова", "Спробувати знову", "Try again"),
    TraceIdLabel => (
        "Если обратитесь в поддержку, назовите этот номер:",
        "Якщо звернетеся до служби підтримки, назвіть цей номер:",
        "If you contact support, give them this number:",
    ),
    Back => ("Назад", "Назад", "Back"),
    Continue => ("Продолжить", "Продовжити", "Continue"),
    GoToStart => ("Перейти к выбору банка", "Перейти до вибору банку", "Go to the list of banks"),

    BanksTitle => ("Регистрация через банк", "Реєстрація через банк", "Register through your bank"),
    BanksLead => (
        "Выберите банк, в котором у вас есть счёт. Банк подтвердит вашу личность и с вашего согласия передаст данные для учётной записи на портале.",
        "Оберіть банк, у якому у вас є рахунок. Банк підтвердить вашу особу і з вашої згоди передасть дані для облікового запису на порталі.",
        "Choose a bank where you have an account. The bank will confirm who you are and, with your consent, share the details the portal needs for your account.",
    ),
    BanksRu => ("Банки России", "Банки Росії", "Banks in Russia"),
    BanksUa => ("Банки Украины", "Банки України", "Banks in Ukraine"),
    BankUnavailable => ("Временно недоступен", "Тимчасово недоступний", "Temporarily unavailable"),
    BanksEmpty => (
        "Сейчас нет банков, через которые можно зарегистрироваться.",
        "Зараз немає банків, через які можна зареєструватися.",
        "There are no banks to register through at the moment.",
    ),
    BanksLoadFailed => (
        "Не удалось загрузить список банков",
        "Не вдалося завантажити список банків",
        "We could not load the list of banks",
    ),

    StepOneOfTwo => ("Шаг 1 из 2", "Крок 1 з 2", "Step 1 of 2"),
    StepTwoOfTwo => ("Шаг 2 из 2", "Крок 2 з 2", "Step 2 of 2"),
    PhoneQuestion => (
        "Какой у вас номер мобильного телефона?",
        "Який у вас номер мобільного телефону?",
        "What is your mobile phone number?",
    ),
    PhoneLead => (
        "Укажите номер, который знает ваш банк. Банк проверит, что он совпадает.",
        "Вкажіть номер, який знає ваш банк. Банк перевірить, що він збігається.",
        "Enter the number your bank has for you. The bank will check that it matches.",
    ),

    ConsentTitle => (
        "Согласие на передачу данных",
        "Згода на передачу даних",
        "Consent to share your data",
    ),
    ConsentLead => (
        "Прочитайте, какие данные банк передаст порталу, и подтвердите согласие. Затем откроется страница входа в ваш банк.",
        "Прочитайте, які дані банк передасть порталу, і підтвердьте згоду. Потім відкриється сторінка входу до вашого банку.",
        "Read which details your bank will share with the portal and give your consent. Your bank's sign-in page opens next.",
    ),
    ConsentBank => ("Банк", "Банк", "Bank"),
    ConsentPhone => ("Номер телефона", "Номер телефону", "Phone number"),
    Change => ("Изменить", "Змінити", "Change"),
    ChangePhoneHidden => ("номер телефона", "номер телефону", "phone number"),
    ConsentFieldsHeading => (
        "Какие данные банк передаст порталу",
        "Які дані банк передасть порталу",
        "What your bank will share with the portal",
    ),
    ConsentPurposeHeading => ("Зачем", "Навіщо", "Why"),
    ConsentPurposeText => (
        "Чтобы создать и подтвердить вашу учётную запись на портале и идентифицировать вас при получении государственных услуг.",
        "Щоб створити й підтвердити ваш обліковий запис на порталі та ідентифікувати вас під час отримання державних послуг.",
        "To create and confirm your account on the portal and to identify you when you use government services.",
    ),
    ConsentRetentionHeading => ("Как долго хранятся данные", "Як довго зберігаються дані", "How long the data is kept"),
    ConsentRetentionText => (
        "Портал хранит эти данные не дольше {years}, затем удаляет их.",
        "Портал зберігає ці дані не довше ніж {years}, потім видаляє їх.",
        "The portal keeps this data for no longer than {years}, then deletes it.",
    ),
    ConsentOperatorHeading => ("Кто обрабатывает данные", "Хто обробляє дані", "Who processes the data"),
    ConsentOperatorText => (
        "Оператор портала государственных услуг. Банк передаёт данные напрямую порталу по защищённому каналу.",
        "Оператор порталу державних послуг. Банк передає дані безпосередньо порталу захищеним каналом.",
        "The operator of the government services portal. Your bank sends the data directly to the portal over a secure channel.",
    ),
    ConsentWithdraw => (
        "Вы можете отозвать согласие в любой момент в личном кабинете.",
        "Ви можете відкликати згоду будь-коли в особистому кабінеті.",
        "You can withdraw your consent at any time in your account.",
    ),
    ConsentVersion => ("Версия текста согласия", "Версія тексту згоди", "Consent text version"),
    ConsentCheckbox => (
        "Я согласен(на), чтобы банк передал порталу перечисленные данные для указанной цели",
        "Я погоджуюся, щоб банк передав порталу перелічені дані для зазначеної мети",
        "I consent to my bank sharing the details listed above with the portal for this purpose",
    ),
    ContinueToBank => ("Перейти в банк «{bank}»", "Перейти до банку «{bank}»", "Continue to {bank}"),
    Submitting => ("Отправляем запрос…", "Надсилаємо запит…", "Sending your request…"),
    Redirecting => (
        "Открываем страницу входа в банк…",
        "Відкриваємо сторінку входу до банку…",
        "Opening your bank's sign-in page…",
    ),

    StatusAwaitingTitle => ("Ждём ответа банка", "Чекаємо на відповідь банку", "Waiting for your bank"),
    StatusAwaitingText => (
        "Страница обновится сама, как только банк ответит. Не закрывайте её.",
        "Сторінка оновиться сама, щойно банк відповість. Не закривайте її.",
        "This page updates by itself as soon as your bank answers. Keep it open.",
    ),
    StatusPendingTitle => (
        "Ваша учётная запись создана и ожидает подтверждения",
        "Ваш обліковий запис створено, він очікує на підтвердження",
        "Your account is created and waits for confirmation",
    ),
    StatusPendingText => (
        "Банк подтвердил вашу личность. Следующий шаг — подтверждение учётной записи.",
        "Банк підтвердив вашу особу. Наступний крок — підтвердження облікового запису.",
        "Your bank has confirmed who you are. The next step is to confirm your account.",
    ),
    StatusActiveTitle => (
        "Ваша учётная запись активирована",
        "Ваш обліковий запис активовано",
        "Your account is active",
    ),
    StatusActiveText => (
        "Учётная запись подтверждена. Вы можете пользоваться государственными услугами.",
        "Обліковий запис підтверджено. Ви можете користуватися державними послугами.",
        "Your account is confirmed. You can use government services.",
    ),
    StatusRejectedTitle => (
        "Учётную запись создать не удалось",
        "Обліковий запис створити не вдалося",
        "We could not create your account",
    ),
    StatusFailedTitle => (
        "Регистрация не завершена",
        "Реєстрацію не завершено",
        "The registration was not completed",
    ),
    BadgeAwaiting => ("Ждём банк", "Чекаємо на банк", "Waiting for bank"),
    BadgePending => ("Ожидает подтверждения", "Очікує на підтвердження", "Waiting for confirmation"),
    BadgeActive => ("Активна", "Активний", "Active"),
    BadgeRejected => ("Отказано", "Відмовлено", "Rejected"),
    BadgeFailed => ("Не завершена", "Не завершено", "Not completed"),
    StatusLabel => ("Статус", "Статус", "Status"),
    RequestNumber => ("Номер заявки", "Номер заявки", "Request number"),
    Bank => ("Банк", "Банк", "Bank"),
    CreatedAt => ("Создана", "Створено", "Started"),
    AccountHolder => ("Владелец учётной записи", "Власник облікового запису", "Account holder"),
    WhatNext => ("Что делать дальше", "Що робити далі", "What to do next"),
    StartAgain => ("Начать регистрацию заново", "Почати реєстрацію заново", "Start the registration again"),
    JournalHeading => ("История заявки", "Історія заявки", "Request history"),
    JournalEmpty => ("Событий пока нет.", "Подій поки немає.", "No events yet."),
    BankCode => ("код банка", "код банку", "bank code"),
    StatusUnavailableTitle => (
        "Не удалось показать заявку",
        "Не вдалося показати заявку",
        "We cannot show this request",
    ),
    Checking => ("Проверяем статус…", "Перевіряємо статус…", "Checking the status…"),

    ReturnTitle => (
        "Не удалось завершить вход через банк",
        "Не вдалося завершити вхід через банк",
        "We could not complete the sign-in through your bank",
    ),
    NotFoundTitle => ("Страница не найдена", "Сторінку не знайдено", "Page not found"),
    NotFoundText => (
        "Проверьте адрес страницы или начните с выбора банка.",
        "Перевірте адресу сторінки або почніть з вибору банку.",
        "Check the address of the page, or start by choosing your bank.",
    ),


    DateDay => ("День", "День", "Day"),
    DateMonth => ("Месяц", "Місяць", "Month"),
    DateYear => ("Год", "Рік", "Year"),
    DateHint => (
        "Например, 17 05 1990. Зарегистрироваться можно с {years}.",
        "Наприклад, 17 05 1990. Зареєструватися можна з {years}.",
        "For example, 17 05 1990. You must be at least {years} old.",
    ),

    AccountNavLabel => ("Учётная запись", "Обліковий запис", "Your account"),
    NavMenu => ("Меню", "Меню", "Menu"),
    SignedInAs => ("Вы вошли как", "Ви увійшли як", "Signed in as"),
    NavStatus => ("Моя заявка", "Моя заявка", "My request"),
    NavActivate => ("Активировать", "Активувати", "Activate"),
    NavSecurity => ("Безопасность", "Безпека", "Security"),
    SignIn => ("Войти", "Увійти", "Sign in"),
    SignOut => ("Выйти", "Вийти", "Sign out"),
    AlreadyRegistered => (
        "Уже зарегистрированы? Войдите через банк",
        "Вже зареєстровані? Увійдіть через банк",
        "Already registered? Sign in",
    ),
    IdleTitle => ("Вы скоро выйдете из системы", "Незабаром ви вийдете з системи", "You will be signed out soon"),
    IdleText => (
        "Вы ничего не делали почти 30 минут. Через 2 минуты мы завершим сеанс, чтобы защитить ваши данные.",
        "Ви нічого не робили майже 30 хвилин. За 2 хвилини ми завершимо сеанс, щоб захистити ваші дані.",
        "You will be signed out in 2 minutes because nothing has happened for a while. This protects your data.",
    ),
    StaySignedIn => ("Остаться в системе", "Залишитися в системі", "Stay signed in"),

    ActivateCtaText => (
        "Подтвердите учётную запись одноразовым кодом из SMS или письма.",
        "Підтвердьте обліковий запис одноразовим кодом з SMS або листа.",
        "Confirm your account with a one-time code sent by SMS or email.",
    ),
    CheckAgain => ("Проверить ещё раз", "Перевірити ще раз", "Check again"),
    StaleNotice => (
        "За сутки ничего не изменилось. Обратитесь в поддержку и назовите номер заявки {number}.",
        "За добу нічого не змінилося. Зверніться до служби підтримки й назвіть номер заявки {number}.",
        "Nothing has changed for a day. Contact support and give them the request number {number}.",
    ),

    ActivateTitle => ("Активируйте учётную запись", "Активуйте обліковий запис", "Activate your account"),
    ActivateLead => (
        "Мы отправим код из 6 цифр. Он действует 10 минут.",
        "Ми надішлемо код із 6 цифр. Він діє 10 хвилин.",
        "We will send you a 6-digit code. It works for 10 minutes.",
    ),
    ChannelLegend => ("Куда отправить код?", "Куди надіслати код?", "Where should we send the code?"),
    ChannelPhone => ("SMS на номер {dest}", "SMS на номер {dest}", "By text message to {dest}"),
    ChannelEmail => ("Письмом на адрес {dest}", "Листом на адресу {dest}", "By email to {dest}"),
    SendCode => ("Отправить код", "Надіслати код", "Send code"),
    CodeSentTo => ("Мы отправили код: {dest}.", "Ми надіслали код: {dest}.", "We have sent a code to {dest}."),
    CodeLabel => ("Введите код", "Введіть код", "Enter the code"),
    Confirm => ("Подтвердить", "Підтвердити", "Confirm"),
    SendNewCode => ("Отправить новый код", "Надіслати новий код", "Send a new code"),
    ResendWait => (
        "Новый код можно запросить через {secs} с.",
        "Новий код можна запросити через {secs} с.",
        "You can ask for a new code in {secs} seconds.",
    ),
    ResendReady => ("Можно запросить новый код.", "Можна запросити новий код.", "You can ask for a new code now."),
    OpenInbox => (
        "Открыть тестовый почтовый ящик (только для разработки)",
        "Відкрити тестову поштову скриньку (лише для розробки)",
        "Open the sandbox inbox (development only)",
    ),
    SignInRequiredTitle => ("Войдите, чтобы продолжить", "Увійдіть, щоб продовжити", "Sign in to continue"),

    InboxTitle => ("Тестовый почтовый ящик", "Тестова поштова скринька", "Sandbox inbox"),
    InboxLead => (
        "Инструмент разработчика: SMS и письма, которые портал отправил бы в настоящей работе. Есть только в тестовом режиме.",
        "Інструмент розробника: SMS і листи, які портал надіслав би в справжній роботі. Є лише в тестовому режимі.",
        "Development tool: the text messages and emails the portal would have sent. Only in sandbox mode.",
    ),
    InboxEmpty => ("Сообщений пока нет.", "Повідомлень поки немає.", "No messages yet."),
    Refresh => ("Обновить", "Оновити", "Refresh"),
    InboxOnlySandbox => (
        "Почтовый ящик есть только в тестовом режиме.",
        "Поштова скринька є лише в тестовому режимі.",
        "The inbox exists only in sandbox mode.",
    ),
    InboxTime => ("Время", "Час", "Time"),
    InboxChannel => ("Канал", "Канал зв'язку", "Channel"),
    InboxTo => ("Кому", "Кому", "To"),
    InboxMessage => ("Сообщение", "Повідомлення", "Message"),
    ChannelSms => ("СМС", "СМС-повідомлення", "SMS"),
    ChannelMail => ("Электронная почта", "Електронна пошта", "Email"),

    SecurityTitle => ("Безопасность учётной записи", "Безпека облікового запису", "Account security"),
    TwoFactorOn => ("Двухфакторная защита: включена", "Двофакторний захист: увімкнено", "Two-factor protection: on"),
    TwoFactorOff => ("Двухфакторная защита: выключена", "Двофакторний захист: вимкнено", "Two-factor protection: off"),
    TwoFactorLead => (
        "Приложение-аутентификатор на телефоне каждые 30 секунд показывает новый код. После входа через банк вы вводите этот код.",
        "Застосунок-автентифікатор на телефоні кожні 30 секунд показує новий код. Після входу через банк ви вводите цей код.",
        "An authenticator app on your phone shows a new code every 30 seconds. You enter it after signing in through your bank.",
    ),
    TurnOn => ("Включить", "Увімкнути", "Turn on"),
    TurnOff => ("Выключить", "Вимкнути", "Turn off"),
    NewBackupCodes => ("Получить новые резервные коды", "Отримати нові резервні коди", "Get new backup codes"),
    ScanQr => (
        "1. Отсканируйте QR-код приложением-аутентификатором",
        "1. Відскануйте QR-код застосунком-автентифікатором",
        "1. Scan this QR code with your authenticator app",
    ),
    QrTitle => (
        "QR-код для приложения-аутентификатора",
        "QR-код для застосунку-автентифікатора",
        "QR code for your authenticator app",
    ),
    ManualEntry => (
        "Если сканировать не получается, введите в приложении этот ключ:",
        "Якщо сканувати не виходить, введіть у застосунку цей ключ:",
        "If you cannot scan it, type this key into the app:",
    ),
    SecretKey => ("Ключ", "Ключ доступу", "Key"),
    EnterAppCode => (
        "2. Введите код из 6 цифр, который показывает приложение",
        "2. Введіть код із 6 цифр, який показує застосунок",
        "2. Enter the 6-digit code the app shows",
    ),
    BackupTitle => ("Ваши резервные коды", "Ваші резервні коди", "Your backup codes"),
    BackupLead => (
        "Каждый код срабатывает один раз, если у вас не будет телефона. Сохраните их сейчас: больше мы их не покажем.",
        "Кожен код спрацьовує один раз, якщо у вас не буде телефону. Збережіть їх зараз: більше ми їх не покажемо.",
        "Each code works once, for when you do not have your phone. Save them now: we will not show them again.",
    ),
    Download => ("Скачать текстовым файлом", "Завантажити текстовим файлом", "Download as a text file"),
    CopyHint => (
        "Коды можно также выделить и скопировать.",
        "Коди можна також виділити й скопіювати.",
        "You can also select and copy them.",
    ),
    SavedCheckbox => ("Я сохранил(а) резервные коды", "Я зберіг(ла) резервні коди", "I have saved my backup codes"),
    MfaCodeLabel => (
        "Код из приложения или резервный код",
        "Код із застосунку або резервний код",
        "Code from your app or a backup code",
    ),
    MfaCodeHint => (
        "6 цифр из приложения или резервный код вида ABCDE-FGHIJ.",
        "6 цифр із застосунку або резервний код на зразок ABCDE-FGHIJ.",
        "6 digits from the app, or a backup code like ABCDE-FGHIJ.",
    ),
    TurnOffLead => (
        "Чтобы выключить защиту, введите код из приложения или резервный код.",
        "Щоб вимкнути захист, введіть код із застосунку або резервний код.",
        "To turn it off, enter a code from your app or a backup code.",
    ),
    NewCodesLead => (
        "Старые резервные коды перестанут работать. Введите код из приложения или резервный код.",
        "Старі резервні коди перестануть працювати. Введіть код із застосунку або резервний код.",
        "Your old backup codes will stop working. Enter a code from your app or a backup code.",
    ),
    Cancel => ("Отмена", "Скасувати", "Cancel"),

    SignInTitle => ("Вход через банк", "Вхід через банк", "Sign in through your bank"),
    SignInLead => (
        "Выберите банк, через который вы зарегистрировались или который привязан к учётной записи.",
        "Оберіть банк, через який ви зареєструвалися або який прив'язано до облікового запису.",
        "Choose the bank you registered with, or another bank linked to your account.",
    ),
    SecondFactorTitle => ("Введите код защиты", "Введіть код захисту", "Enter your security code"),
    SecondFactorLead => (
        "Откройте приложение-аутентификатор или используйте один из резервных кодов.",
        "Відкрийте застосунок-автентифікатор або скористайтеся одним із резервних кодів.",
        "Open your authenticator app, or use one of your backup codes.",
    ),
    TryAgainAt => (
        "Попробовать снова можно в {time}.",
        "Спробувати знову можна о {time}.",
        "You can try again at {time}.",
    ),
    EnrolCodeLead => (
        "Код меняется каждые 30 секунд. Если он вот-вот сменится, дождитесь следующего.",
        "Код змінюється кожні 30 секунд. Якщо він ось-ось зміниться, дочекайтеся наступного.",
        "The code changes every 30 seconds. If it is about to change, wait for the next one.",
    ),
    AppCodeHint => (
        "6 цифр из приложения, без пробелов.",
        "6 цифр із застосунку, без пробілів.",
        "6 digits from the app, without spaces.",
    ),
    NavBanks => (
        "Банки",
        "Банки",
        "Banks",
    ),
    NavConsents => (
        "Согласия",
        "Згоди",
        "Consents",
    ),
    LinkedBanksTitle => (
        "Ваши банки",
        "Ваші банки",
        "Your banks",
    ),
    LinkedBanksLead => (
        "Через эти банки вы входите на портал, и они подтверждают вашу личность. Номер карты, срок её действия и CVV портал никогда не спрашивает.",
        "Через ці банки ви входите на портал, і вони підтверджують вашу особу. Номер картки, строк її дії та CVV портал ніколи не запитує.",
        "You sign in to the portal through these banks, and they confirm who you are. The portal never asks for a card number, expiry date or CVV.",
    ),
    LinkedAt => (
        "Подключён",
        "Підключено",
        "Linked",
    ),
    LastUsedAt => (
        "Последнее использование",
        "Останнє використання",
        "Last used",
    ),
    ChangeBank => (
        "Сменить банк",
        "Змінити банк",
        "Change bank",
    ),
    RemoveBank => (
        "Отключить",
        "Відключити",
        "Remove",
    ),
    AddBank => (
        "Подключить ещё один банк",
        "Підключити ще один банк",
        "Add another bank",
    ),
    OnlyBankHint => (
        "Это ваш единственный банк, поэтому отключить его нельзя. Чтобы перейти в другой банк, выберите «Сменить банк»: старый отключится, когда новый подтвердит вашу личность.",
        "Це ваш єдиний банк, тому відключити його не можна. Щоб перейти до іншого банку, оберіть «Змінити банк»: старий буде відключено, коли новий підтвердить вашу особу.",
        "This is your only bank, so it cannot be removed. To move to another bank, choose “Change bank”: the old one is removed once the new one confirms who you are.",
    ),
    ViewConsents => (
        "Согласия на передачу данных",
        "Згоди на передачу даних",
        "Consents to share data",
    ),
    DoneTitle => (
        "Готово",
        "Готово",
        "Done",
    ),
    BankLinkedDone => (
        "Банк «{bank}» подключён: теперь вы можете входить и через него.",
        "Банк «{bank}» підключено: тепер ви можете входити і через нього.",
        "{bank} is linked: you can now sign in through it as well.",
    ),
    BankChangedDone => (
        "Банк сменён: теперь вы входите через банк «{bank}», а банк «{old}» отключён.",
        "Банк змінено: тепер ви входите через банк «{bank}», а банк «{old}» відключено.",
        "Bank changed: you now sign in through {bank}, and {old} is removed.",
    ),
    BankRemovedDone => (
        "Банк «{bank}» отключён. Входить через него больше нельзя.",
        "Банк «{bank}» відключено. Входити через нього більше не можна.",
        "{bank} is removed. You can no longer sign in through it.",
    ),
    ChangeBankTitle => (
        "Какой банк подключить вместо банка «{bank}»?",
        "Який банк підключити замість банку «{bank}»?",
        "Which bank should replace {bank}?",
    ),
    ChangeBankLead => (
        "Новый банк должен подтвердить, что это вы. Только после этого банк «{bank}» будет отключён; если что-то пойдёт не так, ничего не изменится.",
        "Новий банк має підтвердити, що це ви. Лише після цього банк «{bank}» буде відключено; якщо щось піде не так, нічого не зміниться.",
        "The new bank must confirm that it is you. Only then is {bank} removed; if anything goes wrong, nothing changes.",
    ),
    AddBankTitle => (
        "Какой банк подключить?",
        "Який банк підключити?",
        "Which bank do you want to add?",
    ),
    AddBankLead => (
        "Банк должен подтвердить, что это вы: вы войдёте в него и дадите согласие на передачу данных.",
        "Банк має підтвердити, що це ви: ви увійдете до нього та надасте згоду на передачу даних.",
        "The bank must confirm that it is you: you will sign in to it and agree to share your data.",
    ),
    NoOtherBanks => (
        "Других банков, которые можно подключить, сейчас нет.",
        "Інших банків, які можна підключити, зараз немає.",
        "There are no other banks you can add right now.",
    ),
    LinkConsentLead => (
        "Банк передаст порталу эти данные, чтобы подтвердить, что вы тот же человек. Если данные не совпадут, ничего не изменится.",
        "Банк передасть порталу ці дані, щоб підтвердити, що ви та сама особа. Якщо дані не збігатимуться, нічого не зміниться.",
        "The bank will share this data with the portal to confirm that you are the same person. If it does not match, nothing changes.",
    ),
    LinkPurposeText => (
        "Подтвердить, что банк знает вас как того же человека, и входить через него на портал.",
        "Підтвердити, що банк знає вас як ту саму особу, і входити через нього на портал.",
        "To confirm that the bank knows you as the same person, and to sign in to the portal through it.",
    ),
    ReplacesBank => (
        "Вместо банка",
        "Замість банку",
        "Replaces",
    ),
    RemoveTitle => (
        "Отключить банк «{bank}»?",
        "Відключити банк «{bank}»?",
        "Remove {bank}?",
    ),
    RemoveText => (
        "Вы больше не сможете входить через этот банк. История согласий сохранится.",
        "Ви більше не зможете входити через цей банк. Історія згод збережеться.",
        "You will no longer be able to sign in through this bank. The consent history is kept.",
    ),
    RemoveConfirm => (
        "Да, отключить",
        "Так, відключити",
        "Yes, remove it",
    ),
    ReauthButton => (
        "Подтвердить через банк «{bank}»",
        "Підтвердити через банк «{bank}»",
        "Confirm with {bank}",
    ),
    ConsentsTitle => (
        "Согласия на передачу данных",
        "Згоди на передачу даних",
        "Consents to share data",
    ),
    ConsentsLead => (
        "Здесь записана каждая передача ваших данных из банка на портал. Согласие можно отозвать; запись об этом тоже останется здесь.",
        "Тут записано кожну передачу ваших даних із банку на портал. Згоду можна відкликати; запис про це теж залишиться тут.",
        "Every transfer of your data from a bank to the portal is recorded here. You can withdraw a consent; that is recorded here too.",
    ),
    ConsentsEmpty => (
        "Записей пока нет.",
        "Записів поки немає.",
        "No entries yet.",
    ),
    OutcomeAccount => (
        "Учётная запись создана",
        "Обліковий запис створено",
        "Account created",
    ),
    OutcomeRejected => (
        "В регистрации отказано",
        "У реєстрації відмовлено",
        "Registration refused",
    ),
    OutcomeLinked => (
        "Банк подключён",
        "Банк підключено",
        "Bank linked",
    ),
    OutcomeSignedIn => (
        "Вход через банк",
        "Вхід через банк",
        "Signed in through the bank",
    ),
    PurposeSignIn => (
        "Вход на портал: узнать вашу учётную запись",
        "Вхід на портал: розпізнати ваш обліковий запис",
        "Sign-in: recognise your account",
    ),
    OutcomeWithdrawn => (
        "Согласие отозвано",
        "Згоду відкликано",
        "Consent withdrawn",
    ),
    ConsentInForce => (
        "Действует",
        "Діє",
        "In force",
    ),
    ConsentBankNotLinked => (
        "Банк отключён",
        "Банк відключено",
        "Bank removed",
    ),
    ConsentReplaced => (
        "Заменено новым согласием",
        "Замінено новою згодою",
        "Replaced by a newer consent",
    ),
    ConsentWithdrawnTag => (
        "Отозвано",
        "Відкликано",
        "Withdrawn",
    ),
    LedgerWhen => (
        "Когда",
        "Коли",
        "When",
    ),
    LedgerFields => (
        "Какие данные",
        "Які дані",
        "Data",
    ),
    LedgerPurpose => (
        "Цель",
        "Мета",
        "Purpose",
    ),
    LedgerWithdraws => (
        "Отзывает запись",
        "Відкликає запис",
        "Withdraws entry",
    ),
    PurposeRegistration => (
        "Создать и подтвердить учётную запись портала",
        "Створити та підтвердити обліковий запис порталу",
        "Create and confirm a portal account",
    ),
    PurposeLink => (
        "Подключить банк: подтвердить, что это тот же человек",
        "Підключити банк: підтвердити, що це та сама особа",
        "Link a bank: confirm it is the same person",
    ),
    WithdrawLastBank => (
        "Это согласие единственного банка, через который вы входите: если его отозвать, вы не сможете войти. Отозвать его можно, когда подключён ещё один банк.",
        "Це згода єдиного банку, через який ви входите: якщо її відкликати, ви не зможете увійти. Відкликати її можна, коли підключено ще один банк.",
        "This is the consent of the only bank you sign in with: withdrawing it would lock you out. You can withdraw it once another bank is linked.",
    ),
    WithdrawButton => (
        "Отозвать согласие",
        "Відкликати згоду",
        "Withdraw consent",
    ),
    WithdrawHidden => (
        "на передачу данных из банка «{bank}» от {when}",
        "на передачу даних із банку «{bank}» від {when}",
        "to share data from {bank} given on {when}",
    ),
    WithdrawTitle => (
        "Отозвать согласие?",
        "Відкликати згоду?",
        "Withdraw this consent?",
    ),
    WithdrawText => (
        "Портал перестанет использовать данные, полученные от банка «{bank}», и вход через этот банк станет невозможен. Отзыв будет записан в историю.",
        "Портал перестане використовувати дані, отримані від банку «{bank}», і вхід через цей банк стане неможливим. Відкликання буде записано в історію.",
        "The portal will stop using the data it received from {bank}, and you will no longer be able to sign in through that bank. The withdrawal is recorded.",
    ),
    WithdrawConfirm => (
        "Да, отозвать",
        "Так, відкликати",
        "Yes, withdraw it",
    ),
    WithdrawDone => (
        "Согласие отозвано. Данные этого банка больше не используются.",
        "Згоду відкликано. Дані цього банку більше не використовуються.",
        "Consent withdrawn. That bank's data is no longer used.",
    ),
    // what a citizen trips over (issue #13)
    SupportTitle => ("Нужна помощь?", "Потрібна допомога?", "Need help?"),
    SupportText => (
        "Обратитесь в службу поддержки и назовите номер заявки {number}.",
        "Зверніться до служби підтримки й назвіть номер заявки {number}.",
        "Contact support and give them the request number {number}.",
    ),
    SupportDetails => (
        "Сведения для службы поддержки",
        "Відомості для служби підтримки",
        "Details for support",
    ),
    SupportTraceLabel => (
        "Технический номер запроса:",
        "Технічний номер запиту:",
        "Technical request id:",
    ),
    // header (theme)
    LanguageChoose => ("выбрать язык", "обрати мову", "choose language"),
}
