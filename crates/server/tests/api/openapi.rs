//! The served OpenAPI document (`GET /api/v1/openapi.json`): generated from the types and handlers,
//! it must describe every route the router has, every error code the server can emit under the
//! status it is emitted with, and be a well-formed OpenAPI 3.1 document the fuzzer accepts
//! (`scripts/test.sh` runs schemathesis against it). Deterministic: built once, the same bytes.

use std::collections::{BTreeMap, BTreeSet};

use super::*;

/// Codes the server never answers with: the SPA's own (no answer at all), and field rules only
/// the SPA's forms apply (the server applies them to bank data, refusing with `REG_*`).
const NEVER_FROM_THE_SERVER: &[ErrorCode] = &[
    ErrorCode::NetOffline,
    ErrorCode::NetTimeout,
    ErrorCode::FieldTooLong,
    ErrorCode::FieldDateFormat,
    ErrorCode::FieldDateNotReal,
    ErrorCode::FieldDateTooEarly,
    ErrorCode::FieldDateInFuture,
    ErrorCode::FieldAgeUnder14,
    ErrorCode::FieldInnFormat,
    ErrorCode::FieldInnChecksum,
    ErrorCode::FieldSnilsFormat,
    ErrorCode::FieldSnilsChecksum,
    ErrorCode::FieldRuPassportFormat,
    ErrorCode::FieldRnokppFormat,
    ErrorCode::FieldRnokppChecksum,
    ErrorCode::FieldUaPassportFormat,
    ErrorCode::FieldNameChars,
    ErrorCode::FieldNameSeparators,
    ErrorCode::FieldNameMixedScript,
    ErrorCode::FieldNameUnsupportedMark,
    ErrorCode::FieldEmailFormat,
];

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// The routes `bankid_server::app` registers, read from its source: `(path, method)`.
fn routes_in_the_router() -> BTreeSet<(String, String)> {
    let src = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/routes.rs"))
        .expect("routes.rs");
    let app = &src[src.find("pub fn app(").expect("fn app")..];
    let app = &app[..app.find("\n}\n").expect("end of fn app")];
    let nest = app
        .find(".nest(\"/api/v1\", api)")
        .expect("the API is nested");
    let route =
        regex::Regex::new(r#"\.route\(\s*"([^"]+)",((?:[^()]|\([^()]*\))*)\)"#).expect("regex");
    let method = regex::Regex::new(r"\b(get|post|put|patch|delete)\(").expect("regex");
    let mut routes = BTreeSet::new();
    for m in route.captures_iter(app) {
        let (Some(all), Some(path), Some(handlers)) = (m.get(0), m.get(1), m.get(2)) else {
            continue;
        };
        let prefix = if all.start() < nest { "/api/v1" } else { "" };
        for h in method.captures_iter(handlers.as_str()) {
            routes.insert((format!("{prefix}{}", path.as_str()), h[1].to_string()));
        }
    }
    assert!(
        routes.len() > 20,
        "routes not found in routes.rs: {routes:?}"
    );
    routes
}

fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            if METHODS.contains(&method.as_str()) {
                ops.push((path.clone(), method.clone(), op));
            }
        }
    }
    ops
}

fn codes(list: &Value) -> Vec<ErrorCode> {
    list.as_array()
        .map(|a| {
            a.iter()
                .map(|c| {
                    let s = c.as_str().expect("a code is a string");
                    ErrorCode::parse(s).unwrap_or_else(|| panic!("{s} is no error code"))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Every `$ref` of the document, and every `pattern`.
fn walk<'a>(v: &'a Value, refs: &mut Vec<&'a str>, patterns: &mut Vec<&'a str>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => refs.push(r),
                    ("pattern", Value::String(p)) => patterns.push(p),
                    _ => walk(v, refs, patterns),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| walk(v, refs, patterns)),
        _ => {}
    }
}

#[tokio::test]
async fn the_document_describes_every_route_and_every_code_the_server_emits() {
    let env = env().await;
    let url = format!("{}/api/v1/openapi.json", env.portal);
    let resp = env.browser.get(&url).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()[CONTENT_TYPE], "application/json");
    let bytes = resp.bytes().await.unwrap();
    // Built once, deterministic: served again and built again, the same bytes.
    let again = env.browser.get(&url).send().await.unwrap();
    assert_eq!(again.bytes().await.unwrap(), bytes);
    let rebuilt = bankid_server::openapi::document(&env.app.config).unwrap();
    assert_eq!(rebuilt.as_bytes(), &bytes[..]);
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");

    // Every route of the router, with its methods, and nothing else.
    let documented: BTreeSet<(String, String)> = operations(&doc)
        .into_iter()
        .map(|(p, m, _)| (p, m))
        .collect();
    assert_eq!(documented, routes_in_the_router());

    // Well formed: unique operation ids, every path parameter declared, every response
    // described, every reference resolves, every pattern compiles.
    let mut ids = BTreeSet::new();
    let mut emitted: BTreeSet<ErrorCode> = codes(&doc["x-error-codes"]).into_iter().collect();
    for (path, method, op) in operations(&doc) {
        let what = format!("{method} {path}");
        assert!(
            ids.insert(op["operationId"].as_str().expect("operationId")),
            "{what}"
        );
        let params: Vec<&Value> = op["parameters"]
            .as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        for name in path.split('{').skip(1).filter_map(|s| s.split('}').next()) {
            assert!(
                params
                    .iter()
                    .any(|p| p["name"] == name && p["in"] == "path" && p["required"] == true),
                "{what}: path parameter {name} not declared"
            );
        }
        let responses = op["responses"].as_object().expect("responses");
        assert!(
            responses
                .keys()
                .any(|s| s.starts_with('2') || s.starts_with('3')),
            "{what}"
        );
        for (status, r) in responses {
            assert!(r["description"].is_string(), "{what} {status}");
            if let Some(list) = r.get("x-redirect-error-codes") {
                emitted.extend(codes(list));
            }
            let Some(list) = r.get("x-error-codes") else {
                continue;
            };
            assert_eq!(
                r["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/ErrorBody",
                "{what} {status}: the one error shape"
            );
            for code in codes(list) {
                assert_eq!(
                    code.http_status().to_string(),
                    *status,
                    "{what}: {code} is answered with another status"
                );
                emitted.insert(code);
            }
        }
        // The layers every request goes through: the time limit, answered in the error shape,
        // or on a browser's navigation to or from a bank by its redirect to the return page.
        let listed =
            |status: &str| codes(&responses.get(status).unwrap_or(&Value::Null)["x-error-codes"]);
        if bankid_server::web::NAVIGATIONS.contains(&path.as_str()) {
            let redirected: Vec<ErrorCode> = responses
                .values()
                .flat_map(|r| codes(&r["x-redirect-error-codes"]))
                .collect();
            assert!(redirected.contains(&ErrorCode::ReqTimeout), "{what}");
            assert!(!listed("504").contains(&ErrorCode::ReqTimeout), "{what}");
        } else {
            assert!(listed("504").contains(&ErrorCode::ReqTimeout), "{what}");
        }
        if op.get("requestBody").is_some() {
            assert!(
                listed("400").contains(&ErrorCode::ReqMalformedJson),
                "{what}"
            );
            assert!(
                listed("413").contains(&ErrorCode::ReqBodyTooLarge),
                "{what}"
            );
            assert!(
                listed("415").contains(&ErrorCode::ReqUnsupportedMediaType),
                "{what}"
            );
        }
        if method == "post" && path.starts_with("/api/") {
            assert!(
                params.iter().any(|p| p["name"] == "Idempotency-Key"),
                "{what}"
            );
            assert!(listed("409").contains(&ErrorCode::ReqInProgress), "{what}");
        }
        // The fuzzer's settings expect 422 on a POST only for a reused Idempotency-Key.
        if responses.contains_key("422") {
            assert_eq!(
                listed("422"),
                [ErrorCode::ReqIdempotencyKeyReused],
                "{what}"
            );
        }
        if listed("429").contains(&ErrorCode::RateLimited) {
            assert_eq!(
                responses["429"]["headers"]["Retry-After"]["required"], true,
                "{what}"
            );
        }
        let security = op["security"].as_array().cloned().unwrap_or_default();
        let signed_in_only =
            !security.is_empty() && security.iter().all(|s| s.get("bp_session").is_some());
        if signed_in_only {
            assert!(
                listed("401").contains(&ErrorCode::AuthSessionRequired),
                "{what}"
            );
        }
        if path.contains("{id}") && path.starts_with("/api/v1/registrations") {
            let id = params.iter().find(|p| p["name"] == "id").expect("id");
            assert_eq!(
                id["schema"]["pattern"],
                bankid_server::registration::ID_PATTERN
            );
        }
    }
    let (mut refs, mut patterns) = (Vec::new(), Vec::new());
    walk(&doc, &mut refs, &mut patterns);
    for r in refs {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("{r}: not a schema reference"));
        assert!(
            doc["components"]["schemas"].get(name).is_some(),
            "{r} does not resolve"
        );
    }
    for p in patterns {
        regex::Regex::new(p).unwrap_or_else(|e| panic!("{p}: {e}"));
    }

    // Every code the server can emit is documented where it is emitted.
    let missing: Vec<&ErrorCode> = ErrorCode::ALL
        .iter()
        .filter(|c| !NEVER_FROM_THE_SERVER.contains(c) && !emitted.contains(c))
        .collect();
    assert!(
        missing.is_empty(),
        "codes the document does not list: {missing:?}"
    );
    let never: Vec<&ErrorCode> = NEVER_FROM_THE_SERVER
        .iter()
        .filter(|c| emitted.contains(c))
        .collect();
    assert!(never.is_empty(), "listed but never emitted: {never:?}");

    // Bank ids are the configured ones; the cookies are named as the server names them.
    let banks: BTreeSet<&str> = env.app.config.banks.iter().map(|b| b.id.as_str()).collect();
    let documented: BTreeSet<&str> = doc["components"]["schemas"]["BankId"]["enum"]
        .as_array()
        .expect("bank ids")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(documented, banks);
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bp_session"]["name"], "bp_session");
    assert_eq!(schemes["bp_session"]["in"], "cookie");
    assert_eq!(schemes["bp_browser"]["name"], "bp_browser");
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let env = env().await;
    let doc: Value = env
        .browser
        .get(format!("{}/api/v1/openapi.json", env.portal))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut answered = BTreeMap::new();
    for (path, method, _) in operations(&doc) {
        let url = format!(
            "{}{}",
            env.portal,
            path.replace("{id}", "1").replace("{bank_id}", "sber")
        );
        let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let resp = env
            .browser
            .request(method.clone(), &url)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let body = resp.text().await.unwrap_or_default();
        let fallback = serde_json::from_str::<ErrorBody>(&body)
            .map(|b| b.code == ErrorCode::ReqMethodNotAllowed)
            .unwrap_or(false);
        assert!(
            status != StatusCode::METHOD_NOT_ALLOWED && !fallback,
            "{method} {path}: {status} {body}"
        );
        answered.insert(format!("{method} {path}"), status.as_u16());
    }
    assert!(answered.len() > 20, "{answered:?}");
}

/// Found checking what the fuzzer checks (a documented status, the one error shape) by hand:
/// axum's own refusals were plain-text 400s the document does not have.
#[tokio::test]
async fn undecodable_paths_and_repeated_callback_parameters_get_documented_answers() {
    let env = env().await;
    // A repeated parameter: the callback still redirects (the first value counts).
    let resp = env
        .browser
        .get(format!(
            "{}/auth/callback?state=a&state=b&code=x",
            env.portal
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let location = resp.headers()[LOCATION].to_str().unwrap().to_string();
    assert!(
        location.starts_with("/return?error=AUTH_STATE_INVALID&trace_id="),
        "{location}"
    );
    // A path parameter that is not UTF-8 once decoded names nothing: 404 in the error shape.
    let started = env.start("sber", "+79161234567").await;
    assert!(!started.registration_id.is_empty());
    for (method, path) in [
        (reqwest::Method::GET, "/api/v1/registrations/%FF%FE"),
        (
            reqwest::Method::POST,
            "/api/v1/registrations/%FF%FE/reverify",
        ),
    ] {
        let resp = env
            .browser
            .request(method.clone(), format!("{}{path}", env.portal))
            .header(CONTENT_TYPE, "application/json")
            .body(format!(
                r#"{{"consent":{{"accepted":true,"version":"{CONSENT_VERSION}"}}}}"#
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{method} {path}");
        let body: ErrorBody = resp.json().await.unwrap();
        assert_eq!(body.code, ErrorCode::ReqNotFound, "{method} {path}");
    }
}
