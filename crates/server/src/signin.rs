//! Signing in again through a bank linked to the account (then the second factor, if on).

use axum::extract::State;
use axum::http::header::{self, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use bankid_api::types::{SignInStarted, StartSignIn};
use bankid_api::ErrorCode;

use crate::bank_flow::{
    bank_exchange, bank_request, browser_cookie, session_cookie, started, to_return_page,
    BankRequest, CallbackParams, FLOW_TTL_MS,
};
use crate::crypto::{keyed_hash, sha256_b64url, token};
use crate::domain;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::openapi::{errors, BANK_START, JSON_BODY};
use crate::store::FlowRow;
use crate::web::Ctx;
use crate::AppState;

errors!(
    StartErrors = JSON_BODY,
    BANK_START,
    &[ErrorCode::FieldBankUnknown, ErrorCode::FieldReturnPath]
);

/// `POST /api/v1/sessions`: sign in again through a bank linked to the account.
///
/// An optional `return_to` (checked with [`bankid_api::routes::is_return_path`], refused as
/// `FIELD_RETURN_PATH`) is kept with the flow; see `sign_in_callback` for where the bank's
/// callback then goes.
#[utoipa::path(
    post,
    path = "/api/v1/sessions",
    operation_id = "startSignIn",
    summary = "Sign in again through a linked bank",
    description = "Returns the bank's authorization URL; after the bank the browser lands on the \
        status page, the second-factor page, or the return_to page. Sets bp_browser when the \
        browser has none.",
    request_body = StartSignIn,
    responses(
        (status = 201, description = "Send the browser to authorize_url", body = SignInStarted),
        StartErrors,
    ),
)]
pub async fn start(
    State(app): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<StartSignIn>,
) -> Result<Response, ApiError> {
    let bank = app.config.bank(req.bank_id.trim()).ok_or_else(|| {
        ApiError::field(
            "bank_id",
            if req.bank_id.trim().is_empty() {
                ErrorCode::FieldRequired
            } else {
                ErrorCode::FieldBankUnknown
            },
        )
    })?;
    if req
        .return_to
        .as_deref()
        .is_some_and(|p| !bankid_api::routes::is_return_path(p))
    {
        return Err(ApiError::field("return_to", ErrorCode::FieldReturnPath));
    }
    let lang = req.lang.unwrap_or(ctx.lang);
    // Sign-in needs only what identifies the person.
    let BankRequest {
        authorize_url,
        state,
        nonce,
        verifier,
    } = bank_request(&app, &ctx, bank, &bank.sign_in_scope(), lang).await?;
    let (browser, set_browser) = browser_cookie(&app, &headers);
    let now = app.now_ms();
    app.store
        .start_signin_flow(
            &sha256_b64url(state.as_bytes()),
            &sha256_b64url(browser.as_bytes()),
            &bank.id,
            &nonce,
            &verifier,
            req.return_to.as_deref(),
            now,
            now + FLOW_TTL_MS,
        )
        .await?;
    Ok(started(SignInStarted { authorize_url }, set_browser))
}

/// The callback of a sign-in: the bank's subject must be linked (not retired) to an account.
/// With two-factor on, the new session waits for a code.
///
/// Redirects to:
/// - with the flow's `return_to` page: the page itself, or, while the second factor is pending,
///   `/signin/second-factor?return_to={page}` (the page is restricted to `[a-z0-9/-]`, so it
///   needs no encoding), from where the SPA goes on to it after the code;
/// - without one: `/signin/second-factor` while the second factor is pending, else the status
///   page `/registration/{id}` (or `/`).
pub async fn complete(
    app: &AppState,
    ctx: &Ctx,
    flow: &FlowRow,
    p: &CallbackParams,
    now: i64,
) -> Response {
    let Some(bank) = app.config.bank(&flow.bank_id) else {
        return to_return_page(ErrorCode::BankUnavailable, &ctx.trace_id);
    };
    let claims = match bank_exchange(app, bank, flow, p, now).await {
        Ok(c) => c,
        Err((code, upstream)) => {
            tracing::info!(code = %code, upstream = upstream.as_deref().unwrap_or(""), "sign-in failed");
            return to_return_page(code, &ctx.trace_id);
        }
    };
    let person_keys: Vec<String> = domain::person_ids(&claims, bank.country)
        .iter()
        .map(|id| keyed_hash(&app.pepper, id))
        .collect();
    let session = token(app.rng.as_ref(), 32);
    let found = app
        .store
        .sign_in(
            &bank.id,
            &claims.sub,
            &person_keys,
            &sha256_b64url(session.as_bytes()),
            now,
            &ctx.trace_id,
        )
        .await;
    match found {
        Ok(crate::store::SignIn::Session {
            mfa_pending,
            registration_id,
        }) => {
            // A re-authentication asked for by a page goes back there (through the second
            // factor when it is on); a plain sign-in goes to the status page.
            let back = flow
                .return_to
                .as_deref()
                .filter(|p| bankid_api::routes::is_return_path(p));
            let target = match (mfa_pending, back) {
                (true, Some(page)) => format!("/signin/second-factor?return_to={page}"),
                (true, None) => "/signin/second-factor".to_string(),
                (false, Some(page)) => page.to_string(),
                (false, None) => registration_id
                    .map(|r| format!("/registration/{r}"))
                    .unwrap_or_else(|| "/".into()),
            };
            let mut resp = Redirect::to(&target).into_response();
            if let Some(v) = session_cookie(app, &session) {
                resp.headers_mut().append(header::SET_COOKIE, v);
            }
            resp
        }
        Ok(crate::store::SignIn::ConsentWithdrawn) => {
            to_return_page(ErrorCode::ConsentWithdrawn, &ctx.trace_id)
        }
        Ok(crate::store::SignIn::NotLinked) => {
            to_return_page(ErrorCode::AuthBankNotLinked, &ctx.trace_id)
        }
        Ok(crate::store::SignIn::NoAccount) => {
            to_return_page(ErrorCode::AuthNoAccount, &ctx.trace_id)
        }
        Err(e) => {
            tracing::error!(error = %e, "sign-in: store");
            to_return_page(ErrorCode::ServiceUnavailable, &ctx.trace_id)
        }
    }
}
