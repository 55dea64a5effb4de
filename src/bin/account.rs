//! Entry point of the account bundle (`account.html`): mounts [`bankid_portal_web::AccountApp`].

fn main() {
    leptos::mount::mount_to_body(bankid_portal_web::AccountApp);
}
