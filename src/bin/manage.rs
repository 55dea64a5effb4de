//! Entry point of the manage bundle (`manage.html`): mounts [`bankid_portal_web::ManageApp`].

fn main() {
    leptos::mount::mount_to_body(bankid_portal_web::ManageApp);
}
