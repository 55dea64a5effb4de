//! Pieces the signed-in pages share: the "sign in first" guard and server-error summaries.

use bankid_api::types::SessionInfo;
use bankid_api::ErrorCode;
use leptos::prelude::*;

use crate::api::ApiError;
use crate::components::error_summary::SummaryItem;
use crate::components::problem::Problem;
use crate::i18n::{tr, Key};
use crate::nav::Link;
use crate::state::use_session;

/// Shows `page` with the session once someone is signed in; "sign in first" (with a link to
/// `/signin`) when nobody is; nothing while the first answer is awaited. Re-renders only when
/// signing in or out, not when the session is refreshed, so forms keep what was typed.
#[component]
pub fn SignedIn<F, V>(page: F) -> impl IntoView
where
    F: Fn(SessionInfo) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let session = use_session();
    // Memos: a refreshed session (same answers) must not rebuild the page and lose its state.
    let signed_in = Memo::new(move |_| session.info.with(Option::is_some));
    let checked = Memo::new(move |_| session.checked.get());
    move || {
        if !checked.get() {
            return ().into_any();
        }
        if !signed_in.get() {
            return view! {
                <h1 class="bp-heading-xl">{tr(Key::SignInRequiredTitle)}</h1>
                <Problem code=ErrorCode::AuthSessionRequired />
                <p class="bp-body">
                    <Link href="/signin" class="bp-link-action">{tr(Key::SignInTitle)}</Link>
                </p>
            }
            .into_any();
        }
        match session.info.get_untracked() {
            Some(info) => page(info).into_any(),
            None => ().into_any(),
        }
    }
}

/// The error summary items for a failed call whose only field is the code input `field_id`:
/// field problems link to the field, anything else is explained with its next step.
pub fn summary_items(
    client: Option<ErrorCode>,
    server: Option<&ApiError>,
    field_id: &str,
) -> Vec<SummaryItem> {
    let mut items = Vec::new();
    if let Some(code) = client {
        items.push(SummaryItem::field(field_id, code));
    }
    if let Some(e) = server {
        if e.fields.is_empty() {
            items.push(SummaryItem::general(e.code));
        }
        for code in e.fields.values() {
            items.push(SummaryItem::field(field_id, *code));
        }
    }
    items
}

/// The inline error of the code field: the browser's check, else what the server said about it,
/// else a wrong code (the server's answer that is about what was typed).
pub fn field_error(client: Option<ErrorCode>, server: Option<&ApiError>) -> Option<ErrorCode> {
    client.or_else(|| {
        server.and_then(|e| {
            e.fields.values().next().copied().or(matches!(
                e.code,
                ErrorCode::ActCodeWrong | ErrorCode::MfaCodeWrong | ErrorCode::MfaCodeReused
            )
            .then_some(e.code))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::error_summary::SummaryLink;

    #[test]
    fn server_field_errors_link_to_the_field() {
        let mut e = ApiError::local(ErrorCode::ReqInvalidFields);
        e.fields.insert("code".into(), ErrorCode::FieldCodeFormat);
        let items = summary_items(None, Some(&e), "code");
        assert_eq!(
            items,
            vec![SummaryItem::field("code", ErrorCode::FieldCodeFormat)]
        );
        assert_eq!(
            field_error(None, Some(&e)),
            Some(ErrorCode::FieldCodeFormat)
        );
    }

    #[test]
    fn other_errors_are_explained_in_the_summary() {
        let e = ApiError::local(ErrorCode::ActCodeLocked);
        let items = summary_items(None, Some(&e), "code");
        assert_eq!(items[0].link, SummaryLink::None);
        assert_eq!(field_error(None, Some(&e)), None);
        let wrong = ApiError::local(ErrorCode::ActCodeWrong);
        assert_eq!(
            field_error(None, Some(&wrong)),
            Some(ErrorCode::ActCodeWrong)
        );
        assert_eq!(
            field_error(Some(ErrorCode::FieldRequired), Some(&wrong)),
            Some(ErrorCode::FieldRequired)
        );
    }
}
