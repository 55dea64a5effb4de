//! Entry point of the register bundle (`index.html`): mounts [`bankid_portal_web::RegisterApp`].

fn main() {
    bankid_portal_web::mount(bankid_portal_web::RegisterApp);
}
