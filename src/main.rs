//! Entry point of the register bundle (`index.html`): mounts [`bankid_portal_web::RegisterApp`].

fn main() {
    leptos::mount::mount_to_body(bankid_portal_web::RegisterApp);
}
