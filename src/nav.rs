//! Links and navigation across bundles (see [`bankid_api::routes`]): a page of this bundle is
//! shown by the router; a page of the other bundle is a full page load, since this bundle does not
//! contain it.

use bankid_api::routes::{bundle_for_path, Bundle};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

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

/// A link to a page of the portal: a router link within this bundle, a plain link (full load)
/// into another.
#[component]
pub fn Link(
    #[prop(into)] href: String,
    #[prop(optional, into)] class: Option<String>,
    children: Children,
) -> impl IntoView {
    if crosses(current_bundle(), &href) {
        view! { <a href=href class=class rel="external">{children()}</a> }.into_any()
    } else {
        view! { <A exact=true href=href attr:class=class>{children()}</A> }.into_any()
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
