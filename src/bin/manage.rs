//! Entry point of the manage bundle (`manage.html`): mounts [`bankid_portal_web::ManageApp`].

fn main() {
    bankid_portal_web::mount(bankid_portal_web::ManageApp);
}
