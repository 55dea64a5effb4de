//! The page frame: skip link, header with the language switcher, main landmark, footer.

use bankid_api::Lang;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

use crate::components::focus_element;
use crate::components::progress::ProgressIndicator;
use crate::i18n::{tr, use_lang, Key, LangContext};

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
        <header class="bp-header">
            <div class="bp-width-container bp-header__inner">
                <A exact=true href="/" attr:class="bp-header__brand">
                    <span class="bp-header__logo" aria-hidden="true"></span>
                    <span class="bp-header__name">{tr(Key::SiteName)}</span>
                </A>
                <LanguageSwitcher />
            </div>
        </header>
        <div class="bp-width-container">
            <main id=MAIN_ID class="bp-main" tabindex="-1">
                {children()}
            </main>
        </div>
        <footer class="bp-footer">
            <div class="bp-width-container">
                <p class="bp-footer__text">{tr(Key::FooterAbout)}</p>
                <p class="bp-footer__text">{tr(Key::FooterSandbox)}</p>
            </div>
        </footer>
        // Last, so it takes no part in the page's layout; what it shows floats on top.
        <ProgressIndicator />
    }
}

/// Three buttons, each language named in itself; the current one is `aria-pressed="true"`.
#[component]
pub fn LanguageSwitcher() -> impl IntoView {
    let lang = use_lang();
    let ctx = use_context::<LangContext>();
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
                        }
                    >
                        {l.endonym()}
                    </button>
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="bp-lang" role="group" aria-label=tr(Key::LanguageLabel)>
            <ul class="bp-lang__list">{buttons}</ul>
        </div>
    }
}
