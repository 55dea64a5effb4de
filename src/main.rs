//! Entry point of the browser bundle: mounts [`bankid_portal_web::App`] into `<body>`.

fn main() {
    leptos::mount::mount_to_body(bankid_portal_web::App);
}
