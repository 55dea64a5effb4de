//! A partner bank's mark (its monogram in its colours, `public/logos/`) beside its name.

use leptos::prelude::*;

use crate::state::use_banks;

/// The mark of bank `id`, decorative (`alt=""`: the bank's name is next to it), its size fixed by
/// `width`/`height` so nothing moves when it loads. Nothing while the bank list is not there or
/// the bank is unknown.
#[component]
pub fn BankMark(
    /// The bank's id.
    #[prop(into)]
    id: String,
    /// Width and height in CSS pixels.
    #[prop(default = 32)]
    size: u32,
) -> impl IntoView {
    let banks = use_banks();
    move || {
        banks.find(&id).flatten().map(|bank| {
            view! {
                <img
                    class="bp-bank-mark"
                    src=bank.logo
                    alt=""
                    width=size.to_string()
                    height=size.to_string()
                    data-bank-mark=bank.id
                />
            }
        })
    }
}
