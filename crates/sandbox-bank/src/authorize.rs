//! Authorization endpoint and the browser sign-in flow: login → SMS code → consent.

use std::collections::HashMap;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use rand::Rng as _;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use crate::banks::Bank;
use crate::claims::{parse_scopes, scope_string, Scope};
use crate::html;
use crate::jose::random_token;
use crate::respond::{self, csp_source_for, parse_params, redirect_url, repeated_param, see_other};
use crate::state::{
    lock, not_found, unix_now, AppState, BankState, CodeGrant, Flow, Shared, Stage, CODE_TTL,
    FLOW_TTL, MAX_ATTEMPTS,
};
use crate::{ClientRegistration, Par};

/// A validated authorization request (from the front channel or pushed to `/par`).
pub(crate) struct AuthParams {
    pub client_id: String,
    pub redirect_uri: String,
    pub state: String,
    pub nonce: String,
    pub code_challenge: String,
    pub scopes: Vec<Scope>,
    pub login_hint: String,
    /// `prompt=none`: answered with `login_required` (the sandbox always asks).
    pub prompt_none: bool,
}

/// An authorization request error to report to the client (RFC 6749 4.1.2.1).
pub(crate) struct RequestError {
    pub error: &'static str,
    pub description: String,
}

fn request_error(error: &'static str, description: impl Into<String>) -> RequestError {
    RequestError {
        error,
        description: description.into(),
    }
}

/// The registered redirect URI equal to `redirect_uri`, if any.
pub(crate) fn registered_redirect<'a>(
    client: &ClientRegistration,
    redirect_uri: Option<&'a String>,
) -> Option<&'a String> {
    redirect_uri.filter(|r| client.redirect_uris.iter().any(|reg| reg == *r))
}

/// Validates the protocol parameters of an authorization request whose client and
/// redirect URI are already verified (shared by `/authorize` and `/par`).
pub(crate) fn validate_request(
    bank: &BankState,
    client: &ClientRegistration,
    redirect_uri: &str,
    params: &HashMap<String, String>,
) -> Result<AuthParams, RequestError> {
    let get = |k: &str| params.get(k).map(String::as_str);
    if get("request").is_some() {
        return Err(request_error(
            "request_not_supported",
            "request objects are not supported",
        ));
    }
    match get("response_type") {
        None => {
            return Err(request_error(
                "invalid_request",
                "response_type is required",
            ))
        }
        Some("code") => {}
        Some(_) => {
            return Err(request_error(
                "unsupported_response_type",
                "only response_type=code is supported",
            ))
        }
    }
    if let Some(mode) = get("response_mode") {
        if mode != "query" {
            return Err(request_error(
                "invalid_request",
                "only response_mode=query is supported",
            ));
        }
    }
    let Some(scope) = get("scope") else {
        return Err(request_error(
            "invalid_scope",
            "scope is required and must include openid",
        ));
    };
    let scopes = match parse_scopes(scope, bank.profile.claims, bank.info.country) {
        Ok(s) => s,
        Err(unknown) => {
            let shown: String = unknown
                .chars()
                .filter(|c| c.is_ascii_graphic() && *c != '"' && *c != '\\')
                .take(64)
                .collect();
            return Err(request_error(
                "invalid_scope",
                format!("scope {shown} is not supported by this bank"),
            ));
        }
    };
    if !scopes.contains(&Scope::Openid) {
        return Err(request_error("invalid_scope", "scope must include openid"));
    }
    let Some(state) = get("state") else {
        return Err(request_error("invalid_request", "state is required"));
    };
    let Some(nonce) = get("nonce") else {
        return Err(request_error("invalid_request", "nonce is required"));
    };
    let Some(code_challenge) = get("code_challenge") else {
        return Err(request_error(
            "invalid_request",
            "PKCE is required: code_challenge missing",
        ));
    };
    match get("code_challenge_method") {
        Some("S256") => {}
        None => {
            return Err(request_error(
                "invalid_request",
                "code_challenge_method=S256 is required",
            ))
        }
        Some(_) => {
            return Err(request_error(
                "invalid_request",
                "only code_challenge_method=S256 is supported",
            ))
        }
    }
    if code_challenge.len() != 43 || !is_pkce_charset(code_challenge) {
        return Err(request_error(
            "invalid_request",
            "code_challenge must be a base64url SHA-256 digest (43 characters)",
        ));
    }
    Ok(AuthParams {
        client_id: client.client_id.clone(),
        redirect_uri: redirect_uri.to_owned(),
        state: state.to_owned(),
        nonce: nonce.to_owned(),
        code_challenge: code_challenge.to_owned(),
        scopes,
        login_hint: get("login_hint").unwrap_or_default().to_owned(),
        prompt_none: get("prompt").is_some_and(|p| p.split(' ').any(|v| v == "none")),
    })
}

/// Characters allowed in a PKCE code challenge / verifier (RFC 7636 4.1: unreserved).
pub(crate) fn is_pkce_charset(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// HTML error page (used whenever redirecting back to the client is not safe).
fn error_page(bank: &Bank, status: StatusCode, local: &str, en: &str) -> Response {
    respond::html(status, html::error_page(bank, local, en), None)
}

fn local<'a>(bank: &Bank, ru: &'a str, uk: &'a str) -> &'a str {
    match bank.country {
        crate::banks::Country::Ru => ru,
        crate::banks::Country::Ua => uk,
    }
}

/// Sends the browser back to the client with an error (RFC 6749 4.1.2.1 + RFC 9207 `iss`).
fn error_redirect(
    shared: &Shared,
    bank_state: &BankState,
    redirect_uri: &str,
    state: Option<&str>,
    error: &str,
    description: &str,
) -> Response {
    let bank = bank_state.info;
    let issuer = shared.issuer(&bank_state.id);
    let mut params = vec![("error", error), ("error_description", description)];
    if let Some(state) = state {
        params.push(("state", state));
    }
    params.push(("iss", issuer.as_str()));
    tracing::info!(
        bank = %bank_state.id,
        error,
        description,
        "authorization error redirect"
    );
    redirect_url(redirect_uri, &params)
        .and_then(|u| see_other(&u))
        .unwrap_or_else(|| {
            error_page(
                bank,
                StatusCode::BAD_REQUEST,
                local(
                    bank,
                    "Некорректный адрес возврата.",
                    "Некоректна адреса повернення.",
                ),
                "Invalid redirect URI.",
            )
        })
}

pub(crate) async fn authorize_get(
    State(shared): State<AppState>,
    Path(bank_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    authorize(&shared, &bank_id, query.unwrap_or_default().as_bytes())
}

pub(crate) async fn authorize_post(
    State(shared): State<AppState>,
    Path(bank_id): Path<String>,
    body: Bytes,
) -> Response {
    authorize(&shared, &bank_id, &body)
}

fn authorize(shared: &Shared, bank_id: &str, raw: &[u8]) -> Response {
    let Some(bank_state) = shared.bank(bank_id) else {
        return not_found();
    };
    let bank = bank_state.info;
    let params = match parse_params(raw) {
        Ok(p) => Ok(p),
        Err(dup) => {
            // Without a trustworthy client_id / redirect_uri / request_uri we cannot redirect.
            if matches!(dup.as_str(), "client_id" | "redirect_uri" | "request_uri") {
                return error_page(
                    bank,
                    StatusCode::BAD_REQUEST,
                    local(
                        bank,
                        "Параметр запроса повторяется.",
                        "Параметр запиту повторюється.",
                    ),
                    "A request parameter is repeated.",
                );
            }
            Err(dup)
        }
    };
    // Re-parse leniently to find client_id / redirect_uri even if another parameter repeats.
    let lenient: HashMap<String, String> = url::form_urlencoded::parse(raw)
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();

    // 1. Client and redirect URI: errors here are shown to the user, never redirected.
    let Some(client) = lenient
        .get("client_id")
        .and_then(|id| shared.clients.get(id))
    else {
        tracing::warn!(bank = %bank_state.id, "authorize: unknown or missing client_id");
        return error_page(
            bank,
            StatusCode::BAD_REQUEST,
            local(
                bank,
                "Неизвестное приложение (client_id).",
                "Невідомий застосунок (client_id).",
            ),
            "Unknown application (client_id).",
        );
    };

    // 2. Pushed authorization request (RFC 9126 4): only client_id and request_uri count.
    let pushed_at = bank_state.profile.par != Par::No;
    if let (true, Some(request_uri)) = (pushed_at, lenient.get("request_uri")) {
        let pushed = shared
            .take_pushed(request_uri)
            .filter(|p| p.bank == bank_state.id && p.expires_at > Instant::now());
        let Some(pushed) = pushed.filter(|p| p.params.client_id == client.client_id) else {
            tracing::warn!(bank = %bank_state.id, client = %client.client_id, "authorize: invalid_request_uri");
            return error_page(
                bank,
                StatusCode::BAD_REQUEST,
                local(
                    bank,
                    "Запрос на вход не найден, истёк или уже использован (invalid_request_uri). Вернитесь в приложение и начните заново.",
                    "Запит на вхід не знайдено, він сплив або вже використаний (invalid_request_uri). Поверніться до застосунку й почніть знову.",
                ),
                "The sign-in request was not found, has expired or was already used (invalid_request_uri). Return to the application and start again.",
            );
        };
        return start_flow(shared, bank_state, pushed.params);
    }
    if bank_state.profile.par == Par::Required {
        tracing::warn!(bank = %bank_state.id, client = %client.client_id, "authorize: PAR required");
        return error_page(
            bank,
            StatusCode::BAD_REQUEST,
            local(
                bank,
                "Банк принимает только запросы, переданные заранее (PAR, RFC 9126).",
                "Банк приймає лише запити, передані заздалегідь (PAR, RFC 9126).",
            ),
            "This bank only accepts pushed authorization requests (PAR, RFC 9126): request_uri is required.",
        );
    }

    let Some(redirect_uri) = registered_redirect(client, lenient.get("redirect_uri")) else {
        tracing::warn!(bank = %bank_state.id, client = %client.client_id, "authorize: redirect_uri not registered");
        return error_page(
            bank,
            StatusCode::BAD_REQUEST,
            local(
                bank,
                "Адрес возврата (redirect_uri) не зарегистрирован для этого приложения.",
                "Адресу повернення (redirect_uri) не зареєстровано для цього застосунку.",
            ),
            "The redirect URI is not registered for this application.",
        );
    };

    // 3. Protocol errors: redirect back to the client.
    let state_param = lenient.get("state").map(String::as_str);
    let fail = |error: &str, description: &str| {
        error_redirect(
            shared,
            bank_state,
            redirect_uri,
            state_param,
            error,
            description,
        )
    };
    let params = match params {
        Ok(p) => p,
        Err(dup) => return fail("invalid_request", &repeated_param(&dup)),
    };
    if params.contains_key("request_uri") {
        return fail("request_uri_not_supported", "request_uri is not supported");
    }
    match validate_request(bank_state, client, redirect_uri, &params) {
        Ok(p) => start_flow(shared, bank_state, p),
        Err(e) => fail(e.error, &e.description),
    }
}

/// Starts the browser sign-in for a valid request (or answers `prompt=none`).
fn start_flow(shared: &Shared, bank_state: &BankState, p: AuthParams) -> Response {
    if p.prompt_none {
        return error_redirect(
            shared,
            bank_state,
            &p.redirect_uri,
            Some(&p.state),
            "login_required",
            "the sandbox always requires interactive sign-in",
        );
    }
    // Non-interactive mode: a fresh person has signed in and consents at once.
    let stage = if shared.auto_approve {
        Stage::Consent {
            login: shared.fresh_person(bank_state, &p.login_hint),
            auth_time: unix_now(),
        }
    } else {
        Stage::Login { failures: 0 }
    };
    let flow = Flow {
        bank: bank_state.id.clone(),
        client_id: p.client_id,
        redirect_uri: p.redirect_uri,
        state: p.state,
        nonce: p.nonce,
        code_challenge: p.code_challenge,
        scopes: p.scopes,
        login_hint: p.login_hint,
        stage,
        expires_at: Instant::now() + FLOW_TTL,
    };
    if shared.auto_approve {
        return issue_code(shared, bank_state, flow);
    }
    let flow_id = random_token(24);
    tracing::info!(bank = %bank_state.id, client = %flow.client_id, scope = %scope_string(&flow.scopes), "sign-in flow started");
    let page = render_stage(shared, bank_state, &flow_id, &flow, None);
    shared.insert_flow(flow_id, flow);
    page
}

/// Renders the page of the flow's current stage.
fn render_stage(
    shared: &Shared,
    bank_state: &BankState,
    flow_id: &str,
    flow: &Flow,
    error_html: Option<&str>,
) -> Response {
    let bank = bank_state.info;
    let client_name = shared
        .clients
        .get(&flow.client_id)
        .map(|c| c.client_name.as_str())
        .unwrap_or(flow.client_id.as_str());
    let body = match &flow.stage {
        Stage::Login { .. } => html::login_page(
            bank,
            &shared.endpoint_path(&bank_state.id, "login"),
            flow_id,
            client_name,
            &flow.login_hint,
            &shared.logins_at(bank_state),
            error_html,
        ),
        Stage::Otp { login, code, .. } => {
            let phone = shared
                .customer_at(bank_state, login)
                .map(|c| c.phone_number.as_str())
                .unwrap_or_default();
            html::otp_page(
                bank,
                &shared.endpoint_path(&bank_state.id, "otp"),
                flow_id,
                phone,
                code,
                error_html,
            )
        }
        Stage::Consent { login, .. } => {
            let display = shared
                .customer_at(bank_state, login)
                .map(|c| {
                    let initial: String = c.family_name.chars().take(1).collect();
                    format!("{} {initial}. ({})", c.given_name, c.login)
                })
                .unwrap_or_else(|| login.clone());
            html::consent_page(
                bank,
                &shared.endpoint_path(&bank_state.id, "consent"),
                flow_id,
                client_name,
                &display,
                &flow.scopes,
            )
        }
    };
    let target = csp_source_for(&flow.redirect_uri);
    respond::html(StatusCode::OK, body, target.as_deref())
}

/// What a form handler decided, computed under the flows lock and acted on after it.
enum Outcome {
    Page(Response),
    ErrorRedirect {
        redirect_uri: String,
        state: String,
        error: &'static str,
        description: &'static str,
    },
    Finish(Flow),
}

/// Runs `step` on the posted flow (must belong to `bank_id`, be unexpired). Unknown
/// flows get an error page; expired flows are reported to the client as access_denied.
fn with_flow(
    shared: &Shared,
    bank_id: &str,
    body: &[u8],
    step: impl FnOnce(&Shared, &BankState, &mut Flow, &HashMap<String, String>) -> StepResult,
) -> Response {
    let Some(bank_state) = shared.bank(bank_id) else {
        return not_found();
    };
    let bank = bank_state.info;
    let form: HashMap<String, String> = url::form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let Some(flow_id) = form.get("flow").cloned() else {
        return error_page(
            bank,
            StatusCode::BAD_REQUEST,
            local(bank, "Сеанс входа не найден.", "Сеанс входу не знайдено."),
            "Sign-in session not found.",
        );
    };
    let outcome = {
        let mut flows = lock(&shared.flows);
        let Some(flow) = flows.get_mut(&flow_id).filter(|f| f.bank == bank_state.id) else {
            drop(flows);
            return error_page(
                bank,
                StatusCode::BAD_REQUEST,
                local(
                    bank,
                    "Сеанс входа не найден или истёк. Вернитесь в приложение и начните заново.",
                    "Сеанс входу не знайдено або він сплив. Поверніться до застосунку й почніть знову.",
                ),
                "Sign-in session not found or expired. Return to the application and start again.",
            );
        };
        if flow.expires_at <= Instant::now() {
            let flow = flows.remove(&flow_id);
            drop(flows);
            return match flow {
                Some(f) => error_redirect(
                    shared,
                    bank_state,
                    &f.redirect_uri,
                    Some(&f.state),
                    "access_denied",
                    "the sign-in session expired",
                ),
                None => not_found(),
            };
        }
        match step(shared, bank_state, flow, &form) {
            StepResult::Render(error_html) => Outcome::Page(render_stage(
                shared,
                bank_state,
                &flow_id,
                flow,
                error_html.as_deref(),
            )),
            StepResult::Fail { error, description } => {
                let f = flows.remove(&flow_id);
                match f {
                    Some(f) => Outcome::ErrorRedirect {
                        redirect_uri: f.redirect_uri,
                        state: f.state,
                        error,
                        description,
                    },
                    None => Outcome::Page(not_found()),
                }
            }
            StepResult::Finish => match flows.remove(&flow_id) {
                Some(f) => Outcome::Finish(f),
                None => Outcome::Page(not_found()),
            },
        }
    };
    match outcome {
        Outcome::Page(r) => r,
        Outcome::ErrorRedirect {
            redirect_uri,
            state,
            error,
            description,
        } => error_redirect(
            shared,
            bank_state,
            &redirect_uri,
            Some(&state),
            error,
            description,
        ),
        Outcome::Finish(flow) => issue_code(shared, bank_state, flow),
    }
}

/// Result of one form step.
enum StepResult {
    /// Show the (possibly advanced) current stage, with an optional escaped error message.
    Render(Option<String>),
    /// End the flow with an error redirect to the client.
    Fail {
        error: &'static str,
        description: &'static str,
    },
    /// Consent given: end the flow with an authorization code.
    Finish,
}

fn secret_eq(a: &str, b: &str) -> bool {
    Sha256::digest(a.as_bytes())
        .ct_eq(&Sha256::digest(b.as_bytes()))
        .into()
}

pub(crate) async fn login(
    State(shared): State<AppState>,
    Path(bank_id): Path<String>,
    body: Bytes,
) -> Response {
    with_flow(
        &shared,
        &bank_id,
        &body,
        |shared, bank_state, flow, form| {
            let bank = bank_state.info;
            let Stage::Login { failures } = flow.stage else {
                return StepResult::Render(None);
            };
            let login = form.get("login").map(|s| s.trim()).unwrap_or_default();
            let password = form.get("password").map(String::as_str).unwrap_or_default();
            let customer = shared.customer_at(bank_state, login);
            // Compare against a dummy when the login is unknown, to keep timing uniform.
            let expected = customer.map(|c| c.password.as_str()).unwrap_or("\u{0}");
            let password_ok = secret_eq(password, expected);
            match customer {
                Some(c) if password_ok => {
                    let code = format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32));
                    tracing::info!(bank = %bank_state.id, login = %c.login, "password accepted, SMS code sent");
                    flow.login_hint = c.login.clone();
                    flow.stage = Stage::Otp {
                        login: c.login.clone(),
                        code,
                        failures: 0,
                    };
                    StepResult::Render(None)
                }
                _ => {
                    let failures = failures + 1;
                    tracing::info!(bank = %bank_state.id, failures, "wrong login or password");
                    if failures >= MAX_ATTEMPTS {
                        return StepResult::Fail {
                            error: "access_denied",
                            description: "too many failed sign-in attempts",
                        };
                    }
                    flow.stage = Stage::Login { failures };
                    flow.login_hint = login.to_owned();
                    let left = (MAX_ATTEMPTS - failures).to_string();
                    StepResult::Render(Some(html::form_error(
                        bank,
                        &format!("Неверный логин или пароль. Осталось попыток: {left}."),
                        &format!("Невірний логін або пароль. Залишилось спроб: {left}."),
                        &format!("Wrong login or password. Attempts left: {left}."),
                    )))
                }
            }
        },
    )
}

pub(crate) async fn otp(
    State(shared): State<AppState>,
    Path(bank_id): Path<String>,
    body: Bytes,
) -> Response {
    with_flow(
        &shared,
        &bank_id,
        &body,
        |_shared, bank_state, flow, form| {
            let bank = bank_state.info;
            let Stage::Otp {
                login,
                code,
                failures,
            } = &flow.stage
            else {
                return StepResult::Render(None);
            };
            let typed: String = form
                .get("otp")
                .map(|s| s.chars().filter(|c| !c.is_whitespace()).collect())
                .unwrap_or_default();
            if secret_eq(&typed, code) {
                tracing::info!(bank = %bank_state.id, login = %login, "SMS code accepted");
                flow.stage = Stage::Consent {
                    login: login.clone(),
                    auth_time: unix_now(),
                };
                return StepResult::Render(None);
            }
            let failures = failures + 1;
            tracing::info!(bank = %bank_state.id, failures, "wrong SMS code");
            if failures >= MAX_ATTEMPTS {
                return StepResult::Fail {
                    error: "access_denied",
                    description: "too many wrong SMS codes",
                };
            }
            flow.stage = Stage::Otp {
                login: login.clone(),
                code: code.clone(),
                failures,
            };
            let left = (MAX_ATTEMPTS - failures).to_string();
            StepResult::Render(Some(html::form_error(
                bank,
                &format!("Неверный код. Осталось попыток: {left}."),
                &format!("Невірний код. Залишилось спроб: {left}."),
                &format!("Wrong code. Attempts left: {left}."),
            )))
        },
    )
}

pub(crate) async fn consent(
    State(shared): State<AppState>,
    Path(bank_id): Path<String>,
    body: Bytes,
) -> Response {
    with_flow(
        &shared,
        &bank_id,
        &body,
        |_shared, _bank_state, flow, form| {
            if !matches!(flow.stage, Stage::Consent { .. }) {
                return StepResult::Render(None);
            }
            match form.get("decision").map(String::as_str) {
                Some("allow") => StepResult::Finish,
                Some("deny") => StepResult::Fail {
                    error: "access_denied",
                    description: "the user denied the request",
                },
                _ => StepResult::Render(None),
            }
        },
    )
}

/// Creates a single-use authorization code for a consented flow and redirects to the client.
fn issue_code(shared: &Shared, bank_state: &BankState, flow: Flow) -> Response {
    let Stage::Consent { login, auth_time } = flow.stage else {
        return not_found();
    };
    let code = random_token(32);
    let issuer = shared.issuer(&bank_state.id);
    let location = redirect_url(
        &flow.redirect_uri,
        &[("code", &code), ("state", &flow.state), ("iss", &issuer)],
    );
    tracing::info!(bank = %bank_state.id, client = %flow.client_id, login = %login, "authorization code issued");
    shared.insert_code(
        code,
        CodeGrant {
            bank: bank_state.id.clone(),
            client_id: flow.client_id,
            redirect_uri: flow.redirect_uri,
            code_challenge: flow.code_challenge,
            nonce: flow.nonce,
            scopes: flow.scopes,
            login,
            auth_time,
            expires_at: Instant::now() + CODE_TTL,
            used: false,
            access_token: None,
        },
    );
    location
        .and_then(|l| see_other(&l))
        .unwrap_or_else(not_found)
}
