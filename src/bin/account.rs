//! Entry point of the account bundle (`account.html`): mounts [`bankid_portal_web::AccountApp`].

fn main() {
    bankid_portal_web::mount(bankid_portal_web::AccountApp);
}
