//! The page frame: skip link, header (the portal's mark and name from the deployment's brand,
//! the language switcher, the account navigation), main landmark, footer.

use crate::router::use_location;
use bankid_api::Lang;
use leptos::prelude::*;

use crate::components::focus_element;
use crate::components::progress::ProgressIndicator;
use crate::i18n::{t, tr, use_lang, Key, LangContext};
use crate::nav::{crosses, current_bundle, Link};
use crate::state::{brand, use_session};

/// Id of `<main>`, target of the skip link and of focus after client-side navigation.
pub const MAIN_ID: &str = "main-content";

/// Wraps every page. Must be inside the `<Router>`.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let location = use_location();

    // After a client-side navigation, move focus to the new page's content, as a page load would
    // reset it; screen readers then read the new page. Not on the first load.
    let first = StoredValue::new(true);
    Effect::new(move |_| {
        let _path = location.pathname.get();
        if first.get_value() {
            first.set_value(false);
            return;
        }
        request_animation_frame(|| {
            focus_element(MAIN_ID);
        });
    });

    // The deployment's portal (`[brand]`): its mark, its name in the header (short on phones) and
    // in the footer.
    let bankid_api::types::Brand {
        name: full_name,
        short_name,
        mark,
        ..
    } = brand();
    let (footer_name, footer_mark) = (full_name.clone(), mark.clone());
    let lang = use_lang();
    view! {
        <a
            href=format!("#{MAIN_ID}")
            target="_self"
            class="bp-skip-link"
            on:click=move |ev| {
                if focus_element(MAIN_ID) {
                    ev.prevent_default();
                }
            }
        >
            {tr(Key::SkipToContent)}
        </a>
        // One bar: the portal's mark and name, the language, the account. On a phone it is one
        // line; on a desktop a signed-in citizen's account links take a second row.
        <header class="bp-header">
            <div class="bp-width-container bp-header__bar">
                <div class="bp-header__identity">
                    <Link href="/" class="bp-header__brand">
                        <img class="bp-header__mark" src=mark alt="" width="40" height="40" />
                        <span class="bp-header__name">
                            <span class="bp-header__short">
                                {move || short_name.get(lang.get()).to_string()}
                            </span>
                            <span class="bp-header__full">
                                {move || full_name.get(lang.get()).to_string()}
                            </span>
                        </span>
                    </Link>
                </div>
                <LanguageSwitcher />
                <AccountNav />
            </div>
        </header>
        <IdleWarning />
        <div class="bp-width-container">
            <main id=MAIN_ID class="bp-main" tabindex="-1">
                {children()}
            </main>
        </div>
        <footer class="bp-footer">
            <div class="bp-width-container">
                <p class="bp-footer__brand">
                    <img class="bp-footer__mark" src=footer_mark alt="" width="24" height="24" />
                    <span>{move || footer_name.get(lang.get()).to_string()}</span>
                </p>
                <p class="bp-footer__text">{tr(Key::FooterAbout)}</p>
                <p class="bp-footer__text">{tr(Key::FooterSandbox)}</p>
            </div>
        </footer>
        // Last, so it takes no part in the page's layout; what it shows floats on top.
        <ProgressIndicator />
    }
}

/// Id of the language list, which the phone's language button shows and hides.
pub const LANG_LIST_ID: &str = "language-list";

/// A short name of `lang` in itself, for the phone's language button.
pub fn lang_short(lang: Lang) -> &'static str {
    lang.short()
}

/// Three buttons, each language named in itself; the current one is `aria-pressed="true"`.
/// On a phone they fold under one button showing the current language (a disclosure: Escape or a
/// choice folds them again, focus back on the button).
#[component]
pub fn LanguageSwitcher() -> impl IntoView {
    let lang = use_lang();
    let ctx = use_context::<LangContext>();
    let open = RwSignal::new(false);
    let toggle = NodeRef::<leptos::html::Button>::new();
    let buttons = Lang::ALL
        .into_iter()
        .map(|l| {
            view! {
                <li class="bp-lang__item">
                    <button
                        type="button"
                        class="bp-lang__button"
                        lang=l.tag()
                        aria-pressed=move || (lang.get() == l).to_string()
                        on:click=move |_| {
                            if let Some(ctx) = ctx {
                                ctx.set(l);
                            }
                            fold(open, toggle);
                        }
                    >
                        {l.endonym()}
                    </button>
                </li>
            }
        })
        .collect_view();
    view! {
        <div
            class="bp-lang"
            role="group"
            aria-label=tr(Key::LanguageLabel)
            on:keydown=move |ev| {
                if ev.key() == "Escape" {
                    fold(open, toggle);
                }
            }
            on:focusout=move |ev| {
                if focus_leaves(&ev) {
                    open.set(false);
                }
            }
        >
            <button
                type="button"
                class="bp-lang__toggle"
                node_ref=toggle
                aria-controls=LANG_LIST_ID
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)
            >
                <span lang=move || lang.get().tag()>{move || lang_short(lang.get())}</span>
                <span class="bp-visually-hidden">", " {tr(Key::LanguageChoose)}</span>
            </button>
            <ul
                id=LANG_LIST_ID
                class="bp-lang__list"
                class:bp-lang__list--open=move || open.get()
            >
                {buttons}
            </ul>
        </div>
    }
}

/// Folds an open disclosure (the phone's language list, the account menu) and gives focus back
/// to its `toggle`; nothing when it is folded.
fn fold(open: RwSignal<bool>, toggle: NodeRef<leptos::html::Button>) {
    if open.get_untracked() {
        open.set(false);
        if let Some(button) = toggle.get_untracked() {
            let _ = button.focus();
        }
    }
}

/// Whether focus, leaving the element that listens (`ev`'s current target), goes outside it or
/// nowhere: then what it opened over the page folds.
fn focus_leaves(ev: &web_sys::FocusEvent) -> bool {
    use wasm_bindgen::JsCast;
    let Some(container) = ev
        .current_target()
        .and_then(|t| t.dyn_into::<web_sys::Node>().ok())
    else {
        return false;
    };
    let to = ev
        .related_target()
        .and_then(|t| t.dyn_into::<web_sys::Node>().ok());
    !container.contains(to.as_ref())
}

/// How an account link relates to the page at `path`: `"page"` on its own page, `"true"` on a
/// page under it (`/account/banks/add` for `/account/banks`), `None` elsewhere.
pub fn current_state(path: &str, href: &str) -> Option<&'static str> {
    let path = path.trim_end_matches('/');
    if path == href {
        Some("page")
    } else if path
        .strip_prefix(href)
        .is_some_and(|rest| rest.starts_with('/'))
    {
        Some("true")
    } else {
        None
    }
}

/// One account link, `aria-current` when it is the page shown (or one under it). A plain `<a>`:
/// the router takes it within this bundle; into another bundle it is a full load.
#[component]
fn NavItem(#[prop(into)] href: String, label: Key) -> impl IntoView {
    let location = use_location();
    let external = crosses(current_bundle(), &href).then_some("external");
    let current = {
        let href = href.clone();
        move || current_state(&location.pathname.get(), &href)
    };
    view! {
        <li class="bp-account-nav__item">
            <a class="bp-account-nav__link" href=href rel=external aria-current=current>
                {tr(label)}
            </a>
        </li>
    }
}

/// The signed-in citizen's name, links to the account pages and "Sign out"; "Sign in" otherwise.
#[component]
pub fn AccountNav() -> impl IntoView {
    let session = use_session();
    let navigate = crate::nav::use_go();
    let busy = RwSignal::new(false);
    // On a phone the links fold under a "Menu" button (CSS shows the button only there); a page
    // change or Escape folds them again.
    let open = RwSignal::new(false);
    let toggle = NodeRef::<leptos::html::Button>::new();
    let location = use_location();
    Effect::new(move |_| {
        location.pathname.track();
        open.set(false);
    });
    let sign_out = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let _ = crate::api::sign_out(&crate::api::Cancel::new()).await;
            let _ = busy.try_set(false);
            session.clear();
            navigate("/");
        });
    };
    move || {
        let sign_out = sign_out.clone();
        match session.info.get() {
            None => session
                .checked
                .get()
                .then(|| {
                    view! {
                        <nav
                            class="bp-account-nav bp-account-nav--guest"
                            aria-label=tr(Key::AccountNavLabel)
                        >
                            <Link href="/signin" class="bp-account-nav__signin">
                                {tr(Key::SignIn)}
                            </Link>
                        </nav>
                    }
                })
                .into_any(),
            Some(info) => {
                let status = info.registration_id.map(|id| {
                    view! { <NavItem href=format!("/registration/{id}") label=Key::NavStatus /> }
                });
                let activate = (info.account_state != "active")
                    .then(|| view! { <NavItem href="/account/activate" label=Key::NavActivate /> });
                view! {
                    <nav
                        class="bp-account-nav bp-account-nav--signed-in"
                        aria-label=tr(Key::AccountNavLabel)
                        on:keydown=move |ev| {
                            if ev.key() == "Escape" {
                                fold(open, toggle);
                            }
                        }
                        // The open menu lies over the page: it folds when focus leaves it, so
                        // that it never hides what has focus.
                        on:focusout=move |ev| {
                            if focus_leaves(&ev) {
                                open.set(false);
                            }
                        }
                    >
                        <button
                            type="button"
                            class="bp-account-nav__toggle"
                            node_ref=toggle
                            aria-controls=NAV_LIST_ID
                            aria-expanded=move || open.get().to_string()
                            on:click=move |_| open.update(|o| *o = !*o)
                        >
                            {tr(Key::NavMenu)}
                        </button>
                        <div
                            id=NAV_LIST_ID
                            class="bp-account-nav__panel"
                            class:bp-account-nav__panel--open=move || open.get()
                        >
                            <p class="bp-account-nav__who">
                                {tr(Key::SignedInAs)} " "
                                <strong class="bp-account-nav__name">{info.display_name}</strong>
                            </p>
                            <ul class="bp-account-nav__list">
                                {status}
                                {activate}
                                <NavItem href="/account/security" label=Key::NavSecurity />
                                <NavItem href="/account/banks" label=Key::NavBanks />
                                <NavItem href="/account/consents" label=Key::NavConsents />
                            </ul>
                            <button
                                type="button"
                                class="bp-account-nav__button"
                                disabled=move || busy.get()
                                on:click=sign_out
                            >
                                {tr(Key::SignOut)}
                            </button>
                        </div>
                    </nav>
                }
                .into_any()
            }
        }
    }
}

/// Id of the account panel (who, links, sign out), which the phone "Menu" button shows and hides.
pub const NAV_LIST_ID: &str = "account-links";

/// How long before the idle timeout the warning appears.
pub const IDLE_WARNING_MS: f64 = 2.0 * 60.0 * 1000.0;

/// Milliseconds from `now_ms` until the warning for a session idle-expiring at `expires_ms` is
/// due (0: now). `None` when the time cannot be read.
pub fn idle_warning_delay_ms(expires_ms: f64, now_ms: f64) -> Option<u32> {
    if expires_ms.is_nan() || now_ms.is_nan() {
        return None;
    }
    let delay = expires_ms - IDLE_WARNING_MS - now_ms;
    Some(if delay <= 0.0 {
        0
    } else {
        delay.min(f64::from(i32::MAX)) as u32
    })
}

/// The session's idle deadline: the server's stated one, or later when a call since then (at
/// `last_contact`) restarted the idle period of length `idle_len` (both NaN-tolerant).
pub fn idle_deadline(stated: f64, last_contact: f64, idle_len: f64) -> f64 {
    let moved = last_contact + idle_len;
    if moved.is_nan() || moved < stated {
        stated
    } else {
        moved
    }
}

/// "You will be signed out in 2 minutes": a dialog that appears 2 minutes before the session's
/// idle timeout, takes focus, and closes with "Stay signed in" (which refreshes the session) or
/// Escape.
#[component]
pub fn IdleWarning() -> impl IntoView {
    let lang = use_lang();
    let session = use_session();
    let open = RwSignal::new(false);
    let dialog = NodeRef::<leptos::html::Div>::new();
    let timer = StoredValue::new(None::<TimeoutHandle>);

    // The idle length the server stated (its deadline minus when the answer came), so that every
    // later call that uses the session moves the deadline on, as it does on the server.
    let contact = crate::api::session_contact();
    let idle_len = StoredValue::new((f64::NAN, f64::NAN));

    // Sync with the outside world: a timer for the current session's idle deadline.
    Effect::new(move |_| {
        if let Some(handle) = timer.get_value() {
            handle.clear();
        }
        timer.set_value(None);
        let expires = session
            .info
            .with(|i| i.as_ref().map(|i| js_sys::Date::parse(&i.idle_expires_at)));
        let last = contact.get();
        let deadline = expires.map(|e| {
            let (seen, _) = idle_len.get_value();
            if seen != e {
                idle_len.set_value((e, e - last));
            }
            idle_deadline(e, last, idle_len.get_value().1)
        });
        let Some(delay) = deadline.and_then(|e| idle_warning_delay_ms(e, js_sys::Date::now()))
        else {
            open.set(false);
            return;
        };
        let handle = set_timeout_with_handle(
            move || {
                let _ = open.try_set(true);
            },
            std::time::Duration::from_millis(u64::from(delay)),
        );
        timer.set_value(handle.ok());
    });
    on_cleanup(move || {
        if let Some(handle) = timer.try_get_value().flatten() {
            handle.clear();
        }
    });
    // Focus moves to the dialog when it opens.
    Effect::new(move |_| {
        if open.get() {
            if let Some(el) = dialog.get() {
                let _ = el.focus();
            }
        }
    });

    let stay = move || {
        open.set(false);
        session.reload();
    };
    view! {
        <Show when=move || open.get()>
            <div
                class="bp-idle"
                role="alertdialog"
                aria-modal="false"
                aria-labelledby="idle-title"
                aria-describedby="idle-text"
                tabindex="-1"
                node_ref=dialog
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        open.set(false);
                    }
                }
            >
                <div class="bp-width-container">
                    <h2 class="bp-heading-m" id="idle-title">{tr(Key::IdleTitle)}</h2>
                    <p class="bp-body" id="idle-text">{move || t(lang.get(), Key::IdleText)}</p>
                    <button type="button" class="bp-button" on:click=move |_| stay()>
                        {tr(Key::StaySignedIn)}
                    </button>
                </div>
            </div>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_calls_move_the_idle_deadline() {
        let min = 60_000.0;
        assert_eq!(idle_deadline(30.0 * min, 0.0, 30.0 * min), 30.0 * min);
        assert_eq!(
            idle_deadline(30.0 * min, 10.0 * min, 30.0 * min),
            40.0 * min
        );
        assert_eq!(idle_deadline(30.0 * min, f64::NAN, f64::NAN), 30.0 * min);
        assert_eq!(
            idle_deadline(30.0 * min, -5.0 * min, 30.0 * min),
            30.0 * min
        );
    }

    #[test]
    fn the_account_link_of_the_page_shown_is_current() {
        assert_eq!(
            current_state("/account/banks", "/account/banks"),
            Some("page")
        );
        assert_eq!(
            current_state("/account/banks/", "/account/banks"),
            Some("page")
        );
        assert_eq!(
            current_state("/account/banks/add/sber", "/account/banks"),
            Some("true")
        );
        assert_eq!(current_state("/account/banksx", "/account/banks"), None);
        assert_eq!(current_state("/account/security", "/account/banks"), None);
        assert_eq!(current_state("/", "/account/banks"), None);
    }

    #[test]
    fn the_idle_warning_comes_two_minutes_early() {
        let min = 60_000.0;
        assert_eq!(idle_warning_delay_ms(30.0 * min, 0.0), Some(28 * 60_000));
        assert_eq!(idle_warning_delay_ms(2.0 * min, 0.0), Some(0));
        assert_eq!(idle_warning_delay_ms(min, 0.0), Some(0));
        assert_eq!(idle_warning_delay_ms(f64::NAN, 0.0), None);
    }
}
