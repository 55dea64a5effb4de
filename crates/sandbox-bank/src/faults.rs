//! Test-only fault injection (`POST /{bank}/_faults`) and key rotation
//! (`POST /{bank}/_keys/rotate`), both 404 unless `faults_enabled`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::respond::json_no_store;
use crate::state::{lock, not_found, AppState};

/// What is wrong with the next ID token of an issuer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IdTokenFault {
    BadSignature,
    WrongAudience,
    Expired,
    WrongNonce,
    WrongIssuer,
    FutureIat,
    MissingNonce,
    ExtraAudience,
    CritHeader,
    NbfFuture,
    LongSub,
    EmptySub,
    ExpMax,
    DeepNesting,
    WithdrawnKey,
    AlgNone,
    Hs256Secret,
}

impl IdTokenFault {
    const ALL: [(&'static str, IdTokenFault); 17] = [
        ("bad_signature", Self::BadSignature),
        ("wrong_audience", Self::WrongAudience),
        ("expired", Self::Expired),
        ("wrong_nonce", Self::WrongNonce),
        ("wrong_issuer", Self::WrongIssuer),
        ("future_iat", Self::FutureIat),
        ("missing_nonce", Self::MissingNonce),
        ("extra_audience", Self::ExtraAudience),
        ("crit_header", Self::CritHeader),
        ("nbf_future", Self::NbfFuture),
        ("long_sub", Self::LongSub),
        ("empty_sub", Self::EmptySub),
        ("exp_max", Self::ExpMax),
        ("deep_nesting", Self::DeepNesting),
        ("withdrawn_key", Self::WithdrawnKey),
        ("alg_none", Self::AlgNone),
        ("hs256_secret", Self::Hs256Secret),
    ];

    pub(crate) fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().find(|(n, _)| *n == s).map(|(_, f)| *f)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenResponseFault {
    Http500,
    Slow30s,
    InvalidJson,
}

impl TokenResponseFault {
    pub(crate) fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "http_500" => Self::Http500,
            "slow_30s" => Self::Slow30s,
            "invalid_json" => Self::InvalidJson,
            _ => return None,
        })
    }
}

/// Faults armed for the next `/token` call of one issuer.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Faults {
    pub id_token: Option<IdTokenFault>,
    pub token_response: Option<TokenResponseFault>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultRequest {
    next_id_token: Option<String>,
    next_token_response: Option<String>,
    discovery: Option<String>,
}

fn bad(msg: String) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({ "error": "invalid_request", "error_description": msg })),
    )
        .into_response()
}

/// Test-only: arms faults for the next `/token` call of this issuer, or sets the sticky
/// discovery fault.
pub(crate) async fn faults(
    State(shared): State<AppState>,
    Path(bank_id): Path<String>,
    body: Bytes,
) -> Response {
    if !shared.faults_enabled {
        return not_found();
    }
    let Some(bank_state) = shared.bank(&bank_id) else {
        return not_found();
    };
    let req: FaultRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return bad(format!("invalid fault request: {e}")),
    };
    let id_token = match req.next_id_token.as_deref() {
        None => None,
        Some(s) => match IdTokenFault::parse(s) {
            Some(f) => Some(f),
            None => return bad(format!("unknown next_id_token fault {s:?}")),
        },
    };
    let token_response = match req.next_token_response.as_deref() {
        None => None,
        Some(s) => match TokenResponseFault::parse(s) {
            Some(f) => Some(f),
            None => return bad(format!("unknown next_token_response fault {s:?}")),
        },
    };
    let http_endpoints = match req.discovery.as_deref() {
        None => None,
        Some("http_endpoints") => Some(true),
        Some("normal") => Some(false),
        Some(s) => return bad(format!("unknown discovery fault {s:?}")),
    };
    if id_token == Some(IdTokenFault::WithdrawnKey) {
        // The withdrawn key is the one replaced by the last rotation: rotate now if the
        // issuer never rotated.
        let rotated = match bank_state.keys.both().await {
            Ok((_, previous)) => previous.is_some(),
            Err(e) => {
                tracing::error!(bank = %bank_id, "key generation failed: {e}");
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
        };
        if !rotated {
            if let Err(e) = bank_state.keys.rotate().await {
                tracing::error!(bank = %bank_id, "key rotation failed: {e}");
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
        }
    }
    {
        let mut faults = lock(&bank_state.faults);
        if id_token.is_some() {
            faults.id_token = id_token;
        }
        if token_response.is_some() {
            faults.token_response = token_response;
        }
    }
    if let Some(on) = http_endpoints {
        bank_state.set_http_endpoints_fault(on);
    }
    tracing::info!(bank = %bank_id, ?id_token, ?token_response, ?http_endpoints, "faults armed");
    StatusCode::NO_CONTENT.into_response()
}

/// Test-only: a new signing key replaces the current one in JWKS. The old key is kept only
/// to sign the `withdrawn_key` fault. Answers `{"kid": new, "withdrawn_kid": old}`.
pub(crate) async fn rotate_keys(
    State(shared): State<AppState>,
    Path(bank_id): Path<String>,
) -> Response {
    if !shared.faults_enabled {
        return not_found();
    }
    let Some(bank_state) = shared.bank(&bank_id) else {
        return not_found();
    };
    match bank_state.keys.rotate().await {
        Ok((kid, withdrawn_kid)) => {
            tracing::info!(bank = %bank_id, %kid, %withdrawn_kid, "signing key rotated");
            json_no_store(
                StatusCode::OK,
                &json!({ "kid": kid, "withdrawn_kid": withdrawn_kid }),
            )
        }
        Err(e) => {
            tracing::error!(bank = %bank_id, "key rotation failed: {e}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_names_round_trip() {
        for (name, fault) in IdTokenFault::ALL {
            assert_eq!(IdTokenFault::parse(name), Some(fault));
        }
        assert_eq!(IdTokenFault::parse("nonsense"), None);
        assert_eq!(
            TokenResponseFault::parse("http_500"),
            Some(TokenResponseFault::Http500)
        );
    }
}
