//! The banks linked to an account: the list, and removing one while another remains. An account
//! never has zero links; removing needs a bank sign-in in the last 10 minutes.

use axum::extract::State;
use axum::http::header::HeaderMap;
use axum::http::StatusCode;
use axum::response::Redirect;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use bankid_api::types::{ConsentRecord, ConsentStatus, LinkedBank};
use bankid_api::types::{LinkBank, SignInStarted, CONSENT_VERSION};
use bankid_api::ErrorCode;
use std::collections::BTreeMap;

use crate::bank_flow::{
    bank_exchange, bank_request, browser_cookie, started, to_return_page, BankRequest,
    CallbackParams, FLOW_TTL_MS,
};
use crate::crypto::{keyed_hash, sha256_b64url};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::openapi::{errors, BANK_START, CONSENT, JSON_BODY, SESSION};
use crate::session::AuthSession;
use crate::store::FlowRow;
use crate::store::Unlink;
use crate::web::rfc3339;
use crate::web::Ctx;
use crate::AppState;

errors!(ListErrors = SESSION);

/// `GET /api/v1/account/banks`.
#[utoipa::path(
    get,
    path = "/api/v1/account/banks",
    operation_id = "linkedBanks",
    summary = "Banks linked to the account",
    security(("bp_session" = [])),
    responses((status = 200, description = "The linked banks", body = Vec<LinkedBank>), ListErrors),
)]
pub async fn list(
    State(app): State<AppState>,
    s: AuthSession,
) -> Result<Json<Vec<LinkedBank>>, ApiError> {
    let rows = app.store.links(&s.account_id).await?;
    Ok(Json(
        rows.into_iter()
            .map(|(bank_id, linked_at, last_used_at)| LinkedBank {
                bank_id,
                linked_at: rfc3339(linked_at),
                last_used_at: rfc3339(last_used_at),
            })
            .collect(),
    ))
}

errors!(
    RemoveErrors = SESSION,
    &[
        ErrorCode::AuthReauthRequired,
        ErrorCode::LinkLastBank,
        ErrorCode::LinkNotFound,
        ErrorCode::ReqNotFound,
    ]
);

/// `DELETE /api/v1/account/banks/{bank_id}`: retires the link (history is kept); refused for the
/// last bank.
#[utoipa::path(
    delete,
    path = "/api/v1/account/banks/{bank_id}",
    operation_id = "unlinkBank",
    summary = "Remove a linked bank (never the last one)",
    description = "Needs a bank sign-in in the last recent_auth_seconds. The link is retired \
        (history kept); signing in or registering through it no longer reaches the account.",
    params(("bank_id" = bankid_api::openapi::BankId, Path, description = "A linked bank")),
    security(("bp_session" = [])),
    responses((status = 204, description = "Removed"), RemoveErrors),
)]
pub async fn remove(
    State(app): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    s: AuthSession,
    ApiPath(bank_id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let now = app.now_ms();
    if !app.recently_authenticated(s.auth_at) {
        return Err(ApiError::new(ErrorCode::AuthReauthRequired));
    }
    match app
        .store
        .retire_link(&s.account_id, &bank_id, now, &ctx.trace_id)
        .await?
    {
        Unlink::Done => Ok(StatusCode::NO_CONTENT.into_response()),
        Unlink::Last => Err(ApiError::new(ErrorCode::LinkLastBank)),
        Unlink::NotLinked => Err(ApiError::new(ErrorCode::LinkNotFound)),
    }
}

errors!(
    LinkErrors = SESSION,
    JSON_BODY,
    CONSENT,
    BANK_START,
    &[
        ErrorCode::FieldBankUnknown,
        ErrorCode::AuthReauthRequired,
        ErrorCode::LinkAlreadyLinked,
        ErrorCode::LinkOtherCountry,
        ErrorCode::LinkNotFound,
    ]
);

/// `POST /api/v1/account/banks`: link another bank, or change banks (`replace`). The citizen goes
/// through the new bank's full authentication; nothing changes until it presents the same person.
#[utoipa::path(
    post,
    path = "/api/v1/account/banks",
    operation_id = "linkBank",
    summary = "Link another bank or change banks",
    description = "Full authentication at the new bank; it must present the same person (keyed \
        hash of the taxpayer number, birth date and names). With replace, the new link is added \
        and the old one retired in one transaction. Needs a bank sign-in in the last \
        recent_auth_seconds. After the bank the browser lands on /account/banks (with \
        ?error=CODE&trace_id=T on refusal; nothing changed then).",
    request_body = LinkBank,
    security(("bp_session" = [])),
    responses(
        (status = 201, description = "Send the browser to authorize_url", body = SignInStarted),
        LinkErrors,
    ),
)]
pub async fn start_link(
    State(app): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    s: AuthSession,
    headers: HeaderMap,
    ApiJson(req): ApiJson<LinkBank>,
) -> Result<Response, ApiError> {
    let now = app.now_ms();
    let mut fields = BTreeMap::new();
    let bank = app.config.bank(req.bank_id.trim());
    if bank.is_none() {
        fields.insert("bank_id".to_string(), ErrorCode::FieldBankUnknown);
    }
    crate::bank_flow::check_consent(&req.consent, &mut fields);
    let (Some(bank), true) = (bank, fields.is_empty()) else {
        return Err(ApiError::fields(fields));
    };
    if !app.recently_authenticated(s.auth_at) {
        return Err(ApiError::new(ErrorCode::AuthReauthRequired));
    }
    let links = app.store.links(&s.account_id).await?;
    let withdrawn = app.store.withdrawn_links(&s.account_id).await?;
    if links.iter().any(|(b, _, _)| *b == bank.id) && !withdrawn.contains(&bank.id) {
        return Err(ApiError::new(ErrorCode::LinkAlreadyLinked));
    }
    if let Some(old) = &req.replace {
        if !links.iter().any(|(b, _, _)| b == old) {
            return Err(ApiError::new(ErrorCode::LinkNotFound));
        }
    }
    let account = app
        .store
        .account(&s.account_id)
        .await?
        .ok_or(ApiError::new(ErrorCode::AuthSessionRequired))?;
    if crate::domain::country_code(bank.country) != account.country {
        return Err(ApiError::new(ErrorCode::LinkOtherCountry));
    }
    let lang = req.lang.unwrap_or(ctx.lang);
    let BankRequest {
        authorize_url,
        state,
        nonce,
        verifier,
    } = bank_request(&app, &ctx, bank, &bank.scope(), lang).await?;
    let (browser, set_browser) = browser_cookie(&app, &headers);
    app.store
        .start_link_flow(
            &sha256_b64url(state.as_bytes()),
            &sha256_b64url(browser.as_bytes()),
            &s.account_id,
            &bank.id,
            req.replace.as_deref(),
            &nonce,
            &verifier,
            now,
            now + FLOW_TTL_MS,
        )
        .await?;
    Ok(started(SignInStarted { authorize_url }, set_browser))
}

/// The callback of a link or bank change.
pub async fn link_callback(
    app: &AppState,
    ctx: &Ctx,
    flow: &FlowRow,
    p: &CallbackParams,
    now: i64,
) -> Response {
    let (Some(bank), Some(account_id)) =
        (app.config.bank(&flow.bank_id), flow.account_id.as_deref())
    else {
        return to_return_page(ErrorCode::AuthStateInvalid, &ctx.trace_id);
    };
    let page = |code: Option<ErrorCode>| match code {
        None => Redirect::to("/account/banks").into_response(),
        Some(c) => Redirect::to(&format!(
            "/account/banks?error={}&trace_id={}",
            c.as_str(),
            ctx.trace_id
        ))
        .into_response(),
    };
    let claims = match bank_exchange(app, bank, flow, p, now).await {
        Ok(c) => c,
        Err((code, upstream)) => {
            tracing::info!(code = %code, upstream = upstream.as_deref().unwrap_or(""), "bank link failed");
            return page(Some(code));
        }
    };
    let account = match app.store.account(account_id).await {
        Ok(Some(a)) => a,
        _ => return to_return_page(ErrorCode::AuthSessionRequired, &ctx.trace_id),
    };
    let account_keys = match app.store.person_keys(account_id).await {
        Ok(k) => k,
        Err(e) => {
            tracing::error!(error = %e, "bank link: store");
            return page(Some(ErrorCode::ServiceUnavailable));
        }
    };
    let claim_keys: Vec<String> = crate::domain::person_ids(&claims, bank.country)
        .iter()
        .map(|id| keyed_hash(&app.pepper, id))
        .collect();
    let same = crate::domain::same_person(
        &claims,
        &claim_keys,
        &account_keys,
        &account.birthdate,
        (&account.family_name, &account.given_name),
    );
    if !same {
        tracing::info!("bank link refused: another person");
        return page(Some(ErrorCode::LinkPersonMismatch));
    }
    let fields = crate::registration::consent_fields(bank);
    match app
        .store
        .link_bank(
            account_id,
            &bank.id,
            &claims.sub,
            flow.replace_bank.as_deref(),
            &fields,
            CONSENT_VERSION,
            now,
            &ctx.trace_id,
        )
        .await
    {
        Ok(Ok(())) => {
            // Identifiers this bank vouched for help recognise the person later.
            if let Err(e) = app.store.add_person_keys(account_id, &claim_keys).await {
                tracing::warn!(error = %e, "bank link: person keys");
            }
            page(None)
        }
        Ok(Err(why)) => {
            tracing::info!(why, "bank link refused");
            page(Some(if why == "already_linked" {
                ErrorCode::LinkAlreadyLinked
            } else {
                ErrorCode::BankError
            }))
        }
        Err(e) => {
            tracing::error!(error = %e, "bank link: store");
            page(Some(ErrorCode::ServiceUnavailable))
        }
    }
}

/// Where each consent of a ledger (oldest first: id, bank, outcome, withdrawn) stands, given the
/// banks linked now. A consent is in force while its bank is linked and no later consent for that
/// bank took its place.
pub fn consent_statuses(rows: &[(i64, &str, &str, bool)], linked: &[&str]) -> Vec<ConsentStatus> {
    rows.iter()
        .map(|&(id, bank, outcome, withdrawn)| {
            let accepted = |o: &str| matches!(o, "account" | "linked");
            if !accepted(outcome) {
                ConsentStatus::Record
            } else if withdrawn {
                ConsentStatus::Withdrawn
            } else if !linked.contains(&bank) {
                ConsentStatus::BankRemoved
            } else if rows
                .iter()
                .any(|&(later, b, o, _)| later > id && b == bank && accepted(o))
            {
                ConsentStatus::Replaced
            } else {
                ConsentStatus::InForce
            }
        })
        .collect()
}

errors!(ConsentsErrors = SESSION);

/// `GET /api/v1/account/consents`: the 152-FZ ledger of every data transfer, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/account/consents",
    operation_id = "consents",
    summary = "The consent ledger (152-FZ): every data transfer from a bank, oldest first",
    description = "A consent is in force while its bank is linked and no later consent for that \
        bank replaced it; last_bank marks the one that cannot be withdrawn.",
    security(("bp_session" = [])),
    responses((status = 200, description = "The ledger, oldest first", body = Vec<ConsentRecord>), ConsentsErrors),
)]
pub async fn consents(
    State(app): State<AppState>,
    s: AuthSession,
) -> Result<Json<Vec<ConsentRecord>>, ApiError> {
    let rows = app.store.consents(&s.account_id).await?;
    let links = app.store.links(&s.account_id).await?;
    let linked: Vec<&str> = links.iter().map(|(bank, _, _)| bank.as_str()).collect();
    let keys: Vec<(i64, &str, &str, bool)> = rows
        .iter()
        .map(|r| (r.0, r.1.as_str(), r.5.as_str(), r.8))
        .collect();
    let statuses = consent_statuses(&keys, &linked);
    // Banks the citizen can still sign in with: those whose consent is in force.
    let mut usable: Vec<&str> = keys
        .iter()
        .zip(&statuses)
        .filter(|(_, s)| **s == ConsentStatus::InForce)
        .map(|(k, _)| k.1)
        .collect();
    usable.sort_unstable();
    usable.dedup();
    let last_bank = usable.len() == 1;
    Ok(Json(
        rows.into_iter()
            .zip(statuses)
            .map(
                |(
                    (id, bank_id, fields, purpose, version, outcome, at, withdraws, withdrawn),
                    status,
                )| {
                    ConsentRecord {
                        id,
                        bank_id,
                        fields: fields
                            .split(',')
                            .filter(|f| !f.is_empty())
                            .map(str::to_string)
                            .collect(),
                        purpose,
                        version,
                        outcome,
                        at: rfc3339(at),
                        withdraws,
                        withdrawn,
                        status,
                        last_bank: last_bank && status == ConsentStatus::InForce,
                    }
                },
            )
            .collect(),
    ))
}

errors!(
    WithdrawErrors = SESSION,
    &[
        ErrorCode::ConsentNotFound,
        ErrorCode::ConsentAlreadyWithdrawn,
        ErrorCode::ConsentLastBank,
        ErrorCode::ReqNotFound,
    ]
);

/// `POST /api/v1/account/consents/{id}/withdraw`.
#[utoipa::path(
    post,
    path = "/api/v1/account/consents/{id}/withdraw",
    operation_id = "withdrawConsent",
    summary = "Withdraw a consent",
    description = "Appends a withdrawn entry (the ledger is append-only); when it is the consent \
        in force, the bank link's data is no longer used (sign-in through it is refused until it \
        is linked again with a new consent). Refused (CONSENT_LAST_BANK) for the consent in force \
        of the only bank still usable for sign-in.",
    params(("id" = i64, Path, description = "The id of a ledger entry")),
    security(("bp_session" = [])),
    responses((status = 204, description = "Withdrawn"), WithdrawErrors),
)]
pub async fn withdraw(
    State(app): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    s: AuthSession,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    // Parsed here, not by the extractor, so a bad id gets the coded error shape too.
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::new(ErrorCode::ConsentNotFound))?;
    match app
        .store
        .withdraw_consent(&s.account_id, id, app.now_ms(), &ctx.trace_id)
        .await?
    {
        Ok(()) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err("already") => Err(ApiError::new(ErrorCode::ConsentAlreadyWithdrawn)),
        Err("last_bank") => Err(ApiError::new(ErrorCode::ConsentLastBank)),
        Err(_) => Err(ApiError::new(ErrorCode::ConsentNotFound)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ConsentStatus::*;

    #[test]
    fn a_consent_is_in_force_while_its_bank_is_linked_and_nothing_replaced_it() {
        // Registered through sber, refused once by tbank, linked vtb, removed it, linked it again,
        // then withdrew the sber consent.
        let rows = [
            (1, "sber", "account", true),
            (2, "tbank", "rejected", false),
            (3, "vtb", "linked", false),
            (4, "vtb", "linked", false),
            (5, "sber", "withdrawn", false),
        ];
        assert_eq!(
            consent_statuses(&rows, &["sber", "vtb"]),
            [Withdrawn, Record, Replaced, InForce, Record]
        );
        assert_eq!(
            consent_statuses(&rows, &["sber"]),
            [Withdrawn, Record, BankRemoved, BankRemoved, Record]
        );
        assert_eq!(consent_statuses(&[], &["sber"]), []);
    }
}
