//! Entry point of the security bundle (`security.html`): mounts [`bankid_portal_web::SecurityApp`].

fn main() {
    leptos::mount::mount_to_body(bankid_portal_web::SecurityApp);
}
