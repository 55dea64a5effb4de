//! Links and navigation across bundles (see [`bankid_api::routes`]): a page of this bundle is
//! shown by the router; a page of the other bundle is a full page load, since this bundle does not
//! contain it.

use bankid_api::routes::{bundle_for_path, Bundle};
use leptos::prelude::*;

use crate::router::{use_location, use_navigate};

/// Records which bundle is running. Called once by each app.
pub fn provide_bundle(bundle: Bundle) {
    provide_context(bundle);
}

/// The running bundle (the register bundle when none was provided, as in component tests).
pub fn current_bundle() -> Bundle {
    use_context::<Bundle>().unwrap_or(Bundle::Register)
}

/// Whether `href` belongs to another bundle than the running one.
pub fn crosses(current: Bundle, href: &str) -> bool {
    bundle_for_path(href) != current
}

/// A link to a page of the portal: shown by the router within this bundle, a full load into
/// another (`rel="external"`, which the router leaves alone).
#[component]
pub fn Link(
    #[prop(into)] href: String,
    #[prop(optional, into)] class: Option<String>,
    children: Children,
) -> impl IntoView {
    if crosses(current_bundle(), &href) {
        view! { <a href=href class=class rel="external">{children()}</a> }.into_any()
    } else {
        // `aria-current` on the link to the page shown, as links to it are marked.
        let location = use_location();
        let path = href
            .split(['?', '#'])
            .next()
            .unwrap_or_default()
            .to_string();
        let current = move || location.pathname.with(|p| *p == path).then_some("page");
        view! { <a href=href class=class aria-current=current>{children()}</a> }.into_any()
    }
}

/// A function that goes to a page of the portal, the way [`Link`] does. Call it in a component
/// body; the returned function may be called later, from event handlers and tasks.
pub fn use_go() -> impl Fn(&str) + Clone + 'static {
    let current = current_bundle();
    let navigate = use_navigate();
    move |href: &str| {
        if crosses(current, href) {
            let _ = window().location().assign(href);
        } else {
            navigate(href, Default::default());
        }
    }
}
