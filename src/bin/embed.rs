//! Entry point of the embed bundle (`embed.html`): mounts [`bankid_portal_web::EmbedApp`].

fn main() {
    leptos::mount::mount_to_body(bankid_portal_web::EmbedApp);
}
