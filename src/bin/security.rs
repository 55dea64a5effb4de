//! Entry point of the security bundle (`security.html`): mounts [`bankid_portal_web::SecurityApp`].

fn main() {
    bankid_portal_web::mount(bankid_portal_web::SecurityApp);
}
