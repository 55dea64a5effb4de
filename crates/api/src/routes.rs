//! Which web bundle serves a page path. The SPA ships as separate WebAssembly bundles so that no
//! page loads code it never runs: the server answers a page path with that bundle's HTML, and the
//! SPA turns links into another bundle into full page loads. One rule, used by both sides.

/// A separately loaded web bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bundle {
    /// Before the bank: choosing a bank, phone, consent, the bank's error return (`index.html`).
    Register,
    /// After the bank: status, sign-in and its second factor, activation, the sandbox inbox
    /// (`account.html`).
    Account,
    /// Managing a signed-in account: linked banks, consents (`manage.html`).
    Manage,
    /// Two-factor protection: enrolment with the QR code, backup codes (`security.html`).
    Security,
    /// The embedded mode: the registration a partner bank's page frames at `/embed/{bank_id}`,
    /// and the bank window's return page `/embed/return` (`embed.html`).
    Embed,
}

impl Bundle {
    pub const ALL: [Bundle; 5] = [
        Bundle::Register,
        Bundle::Account,
        Bundle::Manage,
        Bundle::Security,
        Bundle::Embed,
    ];

    /// The HTML file of the bundle in the built `dist` directory.
    pub fn html_file(self) -> &'static str {
        match self {
            Bundle::Register => "index.html",
            Bundle::Account => "account.html",
            Bundle::Manage => "manage.html",
            Bundle::Security => "security.html",
            Bundle::Embed => "embed.html",
        }
    }
}

/// Path prefixes (whole segments) of the bundles other than the register one, most specific
/// first; every other path is [`Bundle::Register`], including unknown ones (its not-found page).
const PREFIXES: [(&str, Bundle); 8] = [
    ("/account/security", Bundle::Security),
    ("/account/banks", Bundle::Manage),
    ("/account/consents", Bundle::Manage),
    ("/registration", Bundle::Account),
    ("/signin", Bundle::Account),
    ("/account", Bundle::Account),
    ("/dev/inbox", Bundle::Account),
    ("/embed", Bundle::Embed),
];

/// The bundle of a page path; query and fragment are ignored.
pub fn bundle_for_path(href: &str) -> Bundle {
    let path = href.split(['?', '#']).next().unwrap_or("");
    PREFIXES
        .iter()
        .find(|(prefix, _)| {
            path.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
        .map_or(Bundle::Register, |(_, bundle)| *bundle)
}

/// Longest page path a sign-in may return to ([`is_return_path`]).
pub const RETURN_PATH_MAX: usize = 200;

/// [`is_return_path`] as a regular expression (ECMA-262, and Rust's `regex` syntax alike) for the
/// OpenAPI document: with [`RETURN_PATH_MAX`] as `maxLength`, exactly the paths it accepts.
pub const RETURN_PATH_PATTERN: &str = r"^/account/(?:security|banks|consents)(?:/[a-z0-9-]+)*/?$";

/// Whether `p` is a page a sign-in may return to: a plain path of the manage or security bundle (lowercase
/// letters, digits, `-` and `/` only: no query, no scheme or host, no `//` or `..`).
pub fn is_return_path(p: &str) -> bool {
    p.len() <= RETURN_PATH_MAX
        && p.starts_with('/')
        && !p.contains("//")
        && p.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'/' || b == b'-')
        && matches!(bundle_for_path(p), Bundle::Manage | Bundle::Security)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_after_the_bank_are_in_the_account_bundle() {
        for p in [
            "/registration/abc",
            "/signin",
            "/signin/second-factor",
            "/account",
            "/account/activate",
            "/dev/inbox",
            "/account#main",
        ] {
            assert_eq!(bundle_for_path(p), Bundle::Account, "{p}");
        }
    }

    #[test]
    fn account_management_is_the_manage_bundle() {
        assert_eq!(bundle_for_path("/account/security"), Bundle::Security);
        for p in [
            "/account/banks",
            "/account/banks?error=LINK_CANCELLED&trace_id=x",
            "/account/banks/change/sber",
            "/account/consents",
        ] {
            assert_eq!(bundle_for_path(p), Bundle::Manage, "{p}");
        }
        assert_eq!(bundle_for_path("/account/bankster"), Bundle::Account);
    }

    #[test]
    fn everything_else_is_the_register_bundle() {
        for p in [
            "/",
            "",
            "/register/sber",
            "/register/sber/consent",
            "/return?error=X",
            "/accounts",
            "/signing",
            "/registrations",
            "/embedded",
            "/no-such-page",
        ] {
            assert_eq!(bundle_for_path(p), Bundle::Register, "{p}");
        }
    }

    #[test]
    fn the_embedded_pages_are_the_embed_bundle() {
        for p in [
            "/embed",
            "/embed/sber",
            "/embed/sber?lang=uk",
            "/embed/return",
            "/embed/return#code=abc",
        ] {
            assert_eq!(bundle_for_path(p), Bundle::Embed, "{p}");
        }
        assert_eq!(Bundle::Embed.html_file(), "embed.html");
        // Every bundle has its own page, and is listed once.
        let mut files: Vec<&str> = Bundle::ALL.iter().map(|b| b.html_file()).collect();
        files.sort_unstable();
        files.dedup();
        assert_eq!(files.len(), Bundle::ALL.len());
        // Embedded pages are never where a sign-in returns to.
        assert!(!is_return_path("/embed/sber"));
    }

    #[test]
    fn only_manage_pages_are_return_paths() {
        for ok in [
            "/account/banks",
            "/account/consents",
            "/account/security",
            "/account/banks/remove/sber",
        ] {
            assert!(is_return_path(ok), "{ok}");
        }
        for bad in [
            "//evil.com",
            "https://evil.com/account/banks",
            "/account/banks?x=1",
            "/registration/x",
            "/",
            "/account/banks/../x",
            "/account//banks",
            "/account/Banks",
            "",
        ] {
            assert!(!is_return_path(bad), "{bad}");
        }
        assert!(!is_return_path(&format!(
            "/account/banks/{}",
            "a".repeat(200)
        )));
    }
}
