//! Server-rendered, script-free, accessible HTML pages.

use std::fmt::Write as _;

use crate::banks::{text_color_on, Bank, Country};
use crate::claims::Scope;

/// Escapes text for HTML element content and double- or single-quoted attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A UI string in Russian, Ukrainian and English.
#[derive(Clone, Copy)]
pub(crate) struct L {
    pub ru: &'static str,
    pub uk: &'static str,
    pub en: &'static str,
}

impl L {
    fn local(self, country: Country) -> &'static str {
        match country {
            Country::Ru => self.ru,
            Country::Ua => self.uk,
        }
    }

    /// `Local / English` as HTML, the English part marked `lang="en"`.
    fn html(self, country: Country) -> String {
        bilingual(self.local(country), self.en)
    }

    fn plain(self, country: Country) -> String {
        format!("{} / {}", self.local(country), self.en)
    }
}

fn bilingual(local: &str, en: &str) -> String {
    format!(
        "{} / <span lang=\"en\">{}</span>",
        escape(local),
        escape(en)
    )
}

const SIGN_IN: L = L {
    ru: "Вход",
    uk: "Вхід",
    en: "Sign in",
};
const LOGIN: L = L {
    ru: "Логин",
    uk: "Логін",
    en: "Login",
};
const PASSWORD: L = L {
    ru: "Пароль",
    uk: "Пароль",
    en: "Password",
};
const CONFIRM: L = L {
    ru: "Подтверждение входа",
    uk: "Підтвердження входу",
    en: "Confirm sign-in",
};
const SMS_CODE: L = L {
    ru: "Код из SMS",
    uk: "Код з SMS",
    en: "SMS code",
};
const CONTINUE: L = L {
    ru: "Продолжить",
    uk: "Продовжити",
    en: "Continue",
};
const CONSENT: L = L {
    ru: "Доступ к данным",
    uk: "Доступ до даних",
    en: "Data access",
};
const ALLOW: L = L {
    ru: "Разрешить",
    uk: "Дозволити",
    en: "Allow",
};
const DENY: L = L {
    ru: "Отказать",
    uk: "Відмовити",
    en: "Deny",
};
const ERROR: L = L {
    ru: "Ошибка",
    uk: "Помилка",
    en: "Error",
};
const SANDBOX: L = L {
    ru: "Песочница",
    uk: "Пісочниця",
    en: "Sandbox",
};
const FOOTER: L = L {
    ru: "Тестовый банк для разработки. Не вводите настоящие данные.",
    uk: "Тестовий банк для розробки. Не вводьте справжні дані.",
    en: "Test bank for development. Never enter real credentials.",
};

/// Page chrome: document, header with bank name and brand colour, `<main>` with the only
/// `<h1>`, footer.
fn layout(bank: &Bank, title: L, body: &str) -> String {
    let c = bank.country;
    let brand = bank.brand_color;
    let on_brand = text_color_on(brand);
    format!(
        r##"<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{title_plain} — {bank_name}</title>
<link rel="icon" href="data:,">
<style>
*,*::before,*::after{{box-sizing:border-box}}
body{{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;font-size:16px;line-height:1.5;color:#1a1a1a;background:#f4f5f7}}
.brand{{background:{brand};color:{on_brand};padding:14px 20px;display:flex;align-items:center;gap:8px 12px;flex-wrap:wrap}}
.bank-name{{font-size:1.25rem;font-weight:700}}
.badge{{margin-left:auto;font-size:.8125rem;font-weight:600;border:1px solid currentColor;border-radius:999px;padding:2px 10px}}
main{{max-width:440px;margin:24px auto;padding:24px 20px;background:#fff;border-radius:12px;box-shadow:0 1px 3px rgba(0,0,0,.15)}}
@media (max-width:480px){{main{{margin:0;border-radius:0;box-shadow:none}}}}
h1{{font-size:1.5rem;line-height:1.25;margin:0 0 16px}}
label{{display:block;font-weight:600;margin:16px 0 6px}}
input[type=text],input[type=password]{{display:block;width:100%;font:inherit;padding:12px;border:1px solid #6b6f76;border-radius:8px;background:#fff;color:#1a1a1a}}
input:focus-visible,button:focus-visible{{outline:3px solid #1a56db;outline-offset:2px}}
button{{display:block;width:100%;font:inherit;font-weight:600;padding:12px 20px;min-height:48px;border-radius:8px;cursor:pointer;margin-top:20px}}
.primary{{background:{brand};color:{on_brand};border:2px solid #1a1a1a}}
.secondary{{background:#fff;color:#1a1a1a;border:2px solid #6b6f76;margin-top:12px}}
.error{{color:#a1001c;background:#fdecee;border:1px solid #a1001c;border-radius:8px;padding:10px 12px}}
.sms{{color:#1a1a1a;background:#fff8d6;border:1px dashed #6b5400;border-radius:8px;padding:10px 12px}}
output{{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:1.25rem;font-weight:700;letter-spacing:.15em}}
.claims{{padding-left:1.25rem}}
.claims li{{margin:4px 0}}
.hint{{color:#454a52;font-size:.875rem}}
code{{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}}
footer{{max-width:440px;margin:0 auto;padding:12px 20px;color:#454a52;font-size:.8125rem}}
</style>
</head>
<body>
<header class="brand"><span class="bank-name">{bank_name}</span><span class="badge">{sandbox}</span></header>
<main>
<h1>{title_html}</h1>
{body}
</main>
<footer><p>{footer}</p></footer>
</body>
</html>
"##,
        lang = c.lang(),
        title_plain = escape(&title.plain(c)),
        bank_name = escape(bank.name),
        sandbox = SANDBOX.html(c),
        title_html = title.html(c),
        footer = FOOTER.html(c),
    )
}

fn error_box(message: Option<&str>) -> String {
    match message {
        Some(m) => format!("<p class=\"error\" id=\"form-error\" role=\"alert\">{m}</p>\n"),
        None => String::new(),
    }
}

fn described_by(error: Option<&str>) -> &'static str {
    if error.is_some() {
        " aria-describedby=\"form-error\" aria-invalid=\"true\""
    } else {
        ""
    }
}

/// Login form. `error_html` must already be escaped HTML.
pub(crate) fn login_page(
    bank: &Bank,
    action: &str,
    flow: &str,
    client_name: &str,
    login_value: &str,
    logins: &[String],
    error_html: Option<&str>,
) -> String {
    let c = bank.country;
    let intro = bilingual(
        &match c {
            Country::Ru => format!("«{client_name}» просит войти через {}.", bank.name),
            Country::Ua => format!("«{client_name}» просить увійти через {}.", bank.name),
        },
        &format!("{client_name} asks you to sign in with {}.", bank.name),
    );
    let logins = logins
        .iter()
        .map(|l| format!("<code>{}</code>", escape(l)))
        .collect::<Vec<_>>()
        .join(", ");
    let hint = match c {
        Country::Ru => "Тестовые логины",
        Country::Ua => "Тестові логіни",
    };
    let body = format!(
        r#"<p>{intro}</p>
{error}<form method="post" action="{action}">
<input type="hidden" name="flow" value="{flow}">
<label for="login">{login_label}</label>
<input id="login" name="login" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required value="{login_value}"{described}>
<label for="password">{password_label}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required{described}>
<button class="primary" type="submit">{submit}</button>
</form>
<p class="hint">{hint} / <span lang="en">Test logins</span>: {logins}.<br>{password_label}: <code>sandbox</code>.</p>"#,
        error = error_box(error_html),
        action = escape(action),
        flow = escape(flow),
        login_label = LOGIN.html(c),
        login_value = escape(login_value),
        described = described_by(error_html),
        password_label = PASSWORD.html(c),
        submit = SIGN_IN.html(c),
    );
    layout(bank, SIGN_IN, &body)
}

/// Masks a phone number for display: `+7 ••• •••-••-67`.
fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.len() < 4 {
        return "•••".to_owned();
    }
    let tail: String = digits[digits.len() - 2..].iter().collect();
    let country = if phone.starts_with("+380") {
        "+380"
    } else if phone.starts_with("+7") {
        "+7"
    } else {
        "+"
    };
    format!("{country} ••• •••-••-{tail}")
}

/// SMS one-time-code form; the sandbox shows the code in `#sandbox-sms-code`.
pub(crate) fn otp_page(
    bank: &Bank,
    action: &str,
    flow: &str,
    phone: &str,
    code: &str,
    error_html: Option<&str>,
) -> String {
    let c = bank.country;
    let masked = mask_phone(phone);
    let sent = bilingual(
        &match c {
            Country::Ru => format!("Мы отправили SMS с кодом на номер {masked}."),
            Country::Ua => format!("Ми надіслали SMS з кодом на номер {masked}."),
        },
        &format!("We sent a code by SMS to {masked}."),
    );
    let sandbox_local = match c {
        Country::Ru => "Песочница: код из SMS —",
        Country::Ua => "Пісочниця: код з SMS —",
    };
    let body = format!(
        r#"<p>{sent}</p>
<p class="sms">{sandbox_local} <span lang="en">Sandbox: the SMS code is</span> <output id="sandbox-sms-code">{code}</output></p>
{error}<form method="post" action="{action}">
<input type="hidden" name="flow" value="{flow}">
<label for="otp">{label}</label>
<input id="otp" name="otp" type="text" inputmode="numeric" pattern="[0-9]{{6}}" maxlength="6" autocomplete="one-time-code" required{described}>
<button class="primary" type="submit">{submit}</button>
</form>"#,
        sandbox_local = escape(sandbox_local),
        code = escape(code),
        error = error_box(error_html),
        action = escape(action),
        flow = escape(flow),
        label = SMS_CODE.html(c),
        described = described_by(error_html),
        submit = CONTINUE.html(c),
    );
    layout(bank, CONFIRM, &body)
}

/// Consent form listing exactly the data the granted scopes release.
pub(crate) fn consent_page(
    bank: &Bank,
    action: &str,
    flow: &str,
    client_name: &str,
    user_display: &str,
    scopes: &[Scope],
) -> String {
    let c = bank.country;
    let mut items = String::new();
    for scope in scopes {
        for (local, en) in scope.consent_items(c) {
            let _ = writeln!(
                items,
                "<li data-scope=\"{}\">{}</li>",
                scope.as_str(),
                bilingual(local, en)
            );
        }
    }
    let list = if items.is_empty() {
        format!(
            "<p>{}</p>",
            bilingual(
                match c {
                    Country::Ru => "Только обезличенный идентификатор учётной записи.",
                    Country::Ua => "Лише знеособлений ідентифікатор облікового запису.",
                },
                "Only a pseudonymous account identifier."
            )
        )
    } else {
        format!("<ul class=\"claims\">\n{items}</ul>")
    };
    let client = escape(client_name);
    let asks = match c {
        Country::Ru => "запрашивает:",
        Country::Ua => "запитує:",
    };
    let signed_in = bilingual(
        &match c {
            Country::Ru => format!("Вы вошли как {user_display}."),
            Country::Ua => format!("Ви увійшли як {user_display}."),
        },
        &format!("Signed in as {user_display}."),
    );
    let body = format!(
        r#"<p class="hint">{signed_in}</p>
<p><strong>{client}</strong> {asks}<br><span lang="en"><strong>{client}</strong> asks for:</span></p>
{list}
<form method="post" action="{action}">
<input type="hidden" name="flow" value="{flow}">
<button class="primary" type="submit" name="decision" value="allow">{allow}</button>
<button class="secondary" type="submit" name="decision" value="deny">{deny}</button>
</form>"#,
        action = escape(action),
        flow = escape(flow),
        allow = ALLOW.html(c),
        deny = DENY.html(c),
    );
    layout(bank, CONSENT, &body)
}

/// Error page for problems that must not be reported by redirecting to the client.
pub(crate) fn error_page(bank: &Bank, local: &str, en: &str) -> String {
    let body = format!("<p>{}</p>", bilingual(local, en));
    layout(bank, ERROR, &body)
}

/// Bilingual, escaped error text for the login and OTP forms.
pub(crate) fn form_error(bank: &Bank, ru: &str, uk: &str, en: &str) -> String {
    let c = bank.country;
    bilingual(
        match c {
            Country::Ru => ru,
            Country::Ua => uk,
        },
        en,
    )
}

/// Minimal landing page at `/` listing the banks and their issuers.
pub(crate) fn index_page(banks: &[(&Bank, String)]) -> String {
    let mut rows = String::new();
    for (bank, issuer) in banks {
        let _ = writeln!(
            rows,
            "<li><strong lang=\"{}\">{}</strong> — <a href=\"{}/.well-known/openid-configuration\">{}</a></li>",
            bank.country.lang(),
            escape(bank.name),
            escape(issuer),
            escape(issuer)
        );
    }
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sandbox banks</title>
<link rel="icon" href="data:,">
<style>
body{{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;line-height:1.5;color:#1a1a1a;background:#fff}}
main{{max-width:720px;margin:0 auto;padding:24px 20px}}
a{{color:#0b4fa8;overflow-wrap:anywhere}}
</style>
</head>
<body>
<main>
<h1>Sandbox banks (OpenID Connect)</h1>
<p>Every bank is its own issuer. Seeded customers use the password <code>sandbox</code>.</p>
<ul>
{rows}</ul>
</main>
</body>
</html>
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::banks::BANKS;

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">Мар'яна & co</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Мар&#39;яна &amp; co&lt;/a&gt;"
        );
    }

    #[test]
    fn pages_have_one_h1_main_lang_and_no_script() {
        for bank in &BANKS {
            let logins = vec!["ivanov".to_owned()];
            let pages = [
                login_page(bank, "/x/login", "f", "<Портал>", "", &logins, Some("bad")),
                otp_page(bank, "/x/otp", "f", "+79161234567", "123456", None),
                consent_page(
                    bank,
                    "/x/consent",
                    "f",
                    "Портал",
                    "Иван И.",
                    &Scope::supported(crate::ClaimStyle::Verified, bank.country),
                ),
                error_page(bank, "Ошибка", "Error"),
            ];
            for p in pages {
                assert_eq!(p.matches("<h1>").count(), 1);
                assert_eq!(p.matches("<main>").count(), 1);
                assert!(p.contains(&format!("<html lang=\"{}\">", bank.country.lang())));
                assert!(p.contains("<meta charset=\"utf-8\">"));
                assert!(!p.contains("<script"));
                assert!(!p.contains("<Портал>"));
                for needle in ["onclick", "onload", "onsubmit", "javascript:", "style=\""] {
                    assert!(!p.contains(needle), "{needle}");
                }
            }
        }
    }

    #[test]
    fn every_input_is_labelled() {
        let bank = &BANKS[0];
        let logins = vec!["ivanov".to_owned()];
        for p in [
            login_page(bank, "/a", "f", "c", "", &logins, None),
            otp_page(bank, "/a", "f", "+79161234567", "000001", Some("bad")),
        ] {
            for id in ["login", "password", "otp"] {
                if p.contains(&format!("id=\"{id}\"")) {
                    assert!(p.contains(&format!("<label for=\"{id}\">")), "{id}");
                }
            }
        }
    }

    #[test]
    fn masks_phones() {
        assert_eq!(mask_phone("+79161234567"), "+7 ••• •••-••-67");
        assert_eq!(mask_phone("+380671234567"), "+380 ••• •••-••-67");
    }
}
