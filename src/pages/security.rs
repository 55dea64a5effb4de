//! `/account/security` — two-factor protection: turn on (QR + key + first code, then the backup
//! codes once), turn off, new backup codes.

use bankid_api::types::TotpEnrolment;
use bankid_api::ErrorCode;
use leptos::prelude::*;
use wasm_bindgen::JsValue;

use crate::api::{self, ApiError};
use crate::components::checkbox::Checkbox;
use crate::components::code_input::{mfa_code, otp_code, CodeInput, CodeKind};
use crate::components::error_summary::{ErrorSummary, SummaryItem};
use crate::components::focus_when_shown;
use crate::components::qr::QrSvg;
use crate::i18n::{t, tr, use_lang, use_page_title, Key};
use crate::pages::account::{field_error, summary_items, SignedIn};
use crate::state::use_session;

/// Id of the code input (one form at a time).
pub const MFA_CODE_ID: &str = "mfa-code";
/// Id of the "I have saved my backup codes" checkbox.
pub const SAVED_ID: &str = "saved";
/// Ids of what takes focus when the page changes what it shows (the control used is gone):
/// the state ("on"/"off"), the enrolment's first heading, the code form's lead, the backup
/// codes' heading; and the overview's buttons, which take it back on "Cancel".
pub const STATE_ID: &str = "totp-state";
pub const ENROL_HEADING_ID: &str = "enrol-heading";
pub const FORM_LEAD_ID: &str = "mfa-form-lead";
pub const BACKUP_HEADING_ID: &str = "backup-heading";
pub const TURN_ON_ID: &str = "totp-on";
pub const TURN_OFF_ID: &str = "totp-off";
pub const NEW_CODES_ID: &str = "totp-new-codes";

/// A base32 key in groups of four, as authenticator apps show it: `JBSW Y3DP …`.
pub fn group_in_fours(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().filter(|c| !c.is_whitespace()).collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The text file of the backup codes, one a line.
pub fn backup_codes_file(codes: &[String]) -> String {
    let mut s = String::new();
    for c in codes {
        s.push_str(c);
        s.push_str("\r\n");
    }
    s
}

/// What the page is doing.
#[derive(Debug, Clone, PartialEq)]
enum Mode {
    Overview,
    Enrolling(TotpEnrolment),
    TurningOff,
    NewCodes,
    Backup(Vec<String>),
}

#[component]
pub fn SecurityPage() -> impl IntoView {
    view! { <SignedIn page=|_| view! { <Security /> } /> }
}

#[component]
fn Security() -> impl IntoView {
    let lang = use_lang();
    let session = use_session();
    let cancel = api::Cancel::on_cleanup();
    let mode = RwSignal::new(Mode::Overview);
    let code = RwSignal::new(String::new());
    let code_error = RwSignal::new(None::<ErrorCode>);
    let server_error = RwSignal::new(None::<ApiError>);
    let saved = RwSignal::new(false);
    let saved_error = RwSignal::new(None::<ErrorCode>);
    let busy = RwSignal::new(false);
    let enabled = Memo::new(move |_| {
        session
            .info
            .with(|i| i.as_ref().is_some_and(|i| i.totp_enabled))
    });

    use_page_title(
        |l| t(l, Key::SecurityTitle).to_string(),
        Signal::derive(move || {
            code_error.get().is_some()
                || server_error.get().is_some()
                || saved_error.get().is_some()
        }),
    );

    let reset = move |m: Mode| {
        code.set(String::new());
        code_error.set(None);
        server_error.set(None);
        saved.set(false);
        saved_error.set(None);
        mode.set(m);
    };
    // The overview's button that opened the current form, for "Cancel" to go back to.
    let opened_by = StoredValue::new(TURN_ON_ID);
    // Shows `m` and moves focus to `focus` there (the control used has gone).
    let show = move |m: Mode, focus: &'static str| {
        reset(m);
        focus_when_shown(focus);
    };
    let open = move |m: Mode, button: &'static str| {
        opened_by.set_value(button);
        show(m, FORM_LEAD_ID);
    };

    let start = {
        let cancel = cancel.clone();
        move || {
            if busy.get_untracked() {
                return;
            }
            busy.set(true);
            server_error.set(None);
            let cancel = cancel.clone();
            leptos::task::spawn_local(async move {
                let result = api::totp_enrol(&cancel).await;
                let _ = busy.try_set(false);
                match result {
                    Err(e) if e.aborted => {}
                    Ok(enrolment) => {
                        opened_by.set_value(TURN_ON_ID);
                        show(Mode::Enrolling(enrolment), ENROL_HEADING_ID);
                    }
                    Err(e) => server_error.set(Some(e)),
                }
            });
        }
    };

    // One submit handler for the three code forms.
    let submit = {
        let cancel = cancel.clone();
        move || {
            if busy.get_untracked() {
                return;
            }
            server_error.set(None);
            let current = mode.get_untracked();
            let typed = code.get_untracked();
            let checked = match current {
                Mode::Enrolling(_) => otp_code(&typed),
                _ => mfa_code(&typed),
            };
            let typed = match checked {
                Ok(c) => c,
                Err(e) => {
                    code_error.set(Some(e));
                    return;
                }
            };
            code_error.set(None);
            busy.set(true);
            let cancel = cancel.clone();
            leptos::task::spawn_local(async move {
                let result = match current {
                    Mode::Enrolling(_) => api::totp_confirm(typed, &cancel).await.map(Some),
                    Mode::NewCodes => api::new_backup_codes(typed, &cancel).await.map(Some),
                    _ => api::totp_disable(typed, &cancel).await.map(|()| None),
                };
                let _ = busy.try_set(false);
                match result {
                    Err(e) if e.aborted => {}
                    Ok(codes) => {
                        let _ = session.load().await;
                        match codes {
                            Some(c) => show(Mode::Backup(c.codes), BACKUP_HEADING_ID),
                            // Turned off: the state says so.
                            None => show(Mode::Overview, STATE_ID),
                        }
                    }
                    Err(e) => server_error.set(Some(e)),
                }
            });
        }
    };

    let items = Signal::derive(move || {
        let mut items = summary_items(code_error.get(), server_error.get().as_ref(), MFA_CODE_ID);
        if let Some(c) = saved_error.get() {
            items.push(SummaryItem::field(SAVED_ID, c));
        }
        items
    });
    let trace_id = Signal::derive(move || server_error.get().and_then(|e| e.trace_id));
    let inline_error =
        Signal::derive(move || server_error.with(|e| field_error(code_error.get(), e.as_ref())));

    let code_form = move |lead: Key, label: Key, kind: CodeKind, button: Key| {
        let submit = submit.clone();
        let hint = match kind {
            CodeKind::Otp => Signal::derive(move || t(lang.get(), Key::AppCodeHint).to_string()),
            CodeKind::Mfa => Signal::derive(move || t(lang.get(), Key::MfaCodeHint).to_string()),
        };
        view! {
            <form class="bp-form" novalidate on:submit=move |ev| {
                ev.prevent_default();
                submit();
            }>
                <p class="bp-body" id=FORM_LEAD_ID tabindex="-1">{tr(lead)}</p>
                <CodeInput
                    id=MFA_CODE_ID
                    value=code
                    error=inline_error
                    label=Signal::derive(move || t(lang.get(), label).to_string())
                    hint
                    kind
                />
                <div class="bp-button-group">
                    <button type="submit" class="bp-button" disabled=move || busy.get()>
                        {tr(button)}
                    </button>
                    <button
                        type="button"
                        class="bp-button bp-button--secondary"
                        on:click=move |_| show(Mode::Overview, opened_by.get_value())
                    >
                        {tr(Key::Cancel)}
                    </button>
                </div>
            </form>
        }
    };

    let body = move || {
        match mode.get() {
        Mode::Overview => {
            let start = start.clone();
            view! {
                <p class="bp-body-l bp-totp-state" id=STATE_ID tabindex="-1" data-totp=move || if enabled.get() { "on" } else { "off" }>
                    <strong>
                        {move || t(lang.get(), if enabled.get() { Key::TwoFactorOn } else { Key::TwoFactorOff })}
                    </strong>
                </p>
                <p class="bp-body">{tr(Key::TwoFactorLead)}</p>
                {move || if enabled.get() {
                    view! {
                        <div class="bp-button-group">
                            <button type="button" class="bp-button bp-button--secondary" id=NEW_CODES_ID
                                on:click=move |_| open(Mode::NewCodes, NEW_CODES_ID)>
                                {tr(Key::NewBackupCodes)}
                            </button>
                            <button type="button" class="bp-button bp-button--warning" id=TURN_OFF_ID
                                on:click=move |_| open(Mode::TurningOff, TURN_OFF_ID)>
                                {tr(Key::TurnOff)}
                            </button>
                        </div>
                    }.into_any()
                } else {
                    let start = start.clone();
                    view! {
                        <button type="button" class="bp-button" id=TURN_ON_ID disabled=move || busy.get()
                            on:click=move |_| start()>
                            {tr(Key::TurnOn)}
                        </button>
                    }.into_any()
                }}
            }
            .into_any()
        }
        Mode::Enrolling(enrolment) => {
            let grouped = group_in_fours(&enrolment.secret);
            view! {
                <h2 class="bp-heading-m" id=ENROL_HEADING_ID tabindex="-1">{tr(Key::ScanQr)}</h2>
                <div class="bp-qr-box">
                    <QrSvg
                        data=enrolment.otpauth_uri
                        title=Signal::derive(move || t(lang.get(), Key::QrTitle).to_string())
                    />
                </div>
                <p class="bp-body" id="totp-secret-label">{tr(Key::ManualEntry)}</p>
                <p class="bp-secret">
                    <span class="bp-visually-hidden">{tr(Key::SecretKey)} ": "</span>
                    <code class="bp-secret__value" aria-describedby="totp-secret-label" data-secret=enrolment.secret>
                        {grouped}
                    </code>
                </p>
                <h2 class="bp-heading-m">{tr(Key::EnterAppCode)}</h2>
                {code_form(Key::EnrolCodeLead, Key::CodeLabel, CodeKind::Otp, Key::Confirm)}
            }
            .into_any()
        }
        Mode::TurningOff => code_form(Key::TurnOffLead, Key::MfaCodeLabel, CodeKind::Mfa, Key::TurnOff).into_any(),
        Mode::NewCodes => code_form(Key::NewCodesLead, Key::MfaCodeLabel, CodeKind::Mfa, Key::NewBackupCodes).into_any(),
        Mode::Backup(codes) => view! { <BackupCodesView codes saved saved_error on_done=move || show(Mode::Overview, STATE_ID) /> }.into_any(),
    }
    };

    view! {
        <ErrorSummary items trace_id retry_after=Signal::derive(move || server_error.get().and_then(|e| e.retry_after)) />
        <h1 class="bp-heading-xl">{tr(Key::SecurityTitle)}</h1>
        {body}
    }
}

/// The backup codes, once: a list to copy, a download, and "I have saved them" before going on.
#[component]
fn BackupCodesView(
    codes: Vec<String>,
    saved: RwSignal<bool>,
    saved_error: RwSignal<Option<ErrorCode>>,
    on_done: impl Fn() + 'static,
) -> impl IntoView {
    let lang = use_lang();
    let url = blob_url(&backup_codes_file(&codes));
    if let Some(u) = url.clone() {
        on_cleanup(move || {
            let _ = web_sys::Url::revoke_object_url(&u);
        });
    }
    let list = codes
        .into_iter()
        .map(|c| view! { <li><code>{c}</code></li> })
        .collect_view();
    view! {
        <h2 class="bp-heading-l" id=BACKUP_HEADING_ID tabindex="-1">{tr(Key::BackupTitle)}</h2>
        <p class="bp-body">{tr(Key::BackupLead)}</p>
        // role="list": the numbers are drawn by CSS, and some browsers drop the list of a
        // `list-style: none` list.
        <ol class="bp-backup-codes" role="list">{list}</ol>
        <p class="bp-body">
            {url.map(|u| view! {
                <a class="bp-download" href=u download="backup-codes.txt">{tr(Key::Download)}</a>
                " "
            })}
            {tr(Key::CopyHint)}
        </p>
        <form class="bp-form" novalidate on:submit=move |ev| {
            ev.prevent_default();
            if saved.get_untracked() {
                saved_error.set(None);
                on_done();
            } else {
                saved_error.set(Some(ErrorCode::FieldRequired));
            }
        }>
            <Checkbox
                id=SAVED_ID
                checked=saved
                label=Signal::derive(move || t(lang.get(), Key::SavedCheckbox).to_string())
                error=saved_error
            />
            <button type="submit" class="bp-button">{tr(Key::Continue)}</button>
        </form>
    }
}

/// A `blob:` URL of `text` as a plain-text file (CSP allows these downloads; `data:` is not used).
fn blob_url(text: &str) -> Option<String> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/plain;charset=utf-8");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).ok()?;
    web_sys::Url::create_object_url_with_blob(&blob).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_grouped_in_fours() {
        assert_eq!(group_in_fours("JBSWY3DPEHPK3PXP"), "JBSW Y3DP EHPK 3PXP");
        assert_eq!(group_in_fours("ABCDEF"), "ABCD EF");
        assert_eq!(group_in_fours(""), "");
    }

    #[test]
    fn the_file_has_one_code_a_line() {
        let codes = vec!["AAAAA-BBBBB".to_string(), "CCCCC-DDDDD".to_string()];
        assert_eq!(backup_codes_file(&codes), "AAAAA-BBBBB\r\nCCCCC-DDDDD\r\n");
    }
}
