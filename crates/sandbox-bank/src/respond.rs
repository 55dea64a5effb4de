//! Response and request helpers shared by the endpoints.

use std::collections::HashMap;

use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use url::Url;

/// Parameters of a query string or form body. Empty values count as absent
/// (RFC 6749 3.1); a repeated parameter is an error (RFC 6749 3.1 / 3.2).
pub(crate) fn parse_params(input: &[u8]) -> Result<HashMap<String, String>, String> {
    let mut out = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(input) {
        if v.is_empty() {
            continue;
        }
        if out.insert(k.to_string(), v.into_owned()).is_some() {
            return Err(k.into_owned());
        }
    }
    Ok(out)
}

/// `error_description` for a repeated parameter; kept within the printable ASCII that
/// RFC 6749 allows in `error_description`.
pub(crate) fn repeated_param(name: &str) -> String {
    let printable = name
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\');
    if printable && name.len() <= 64 {
        format!("parameter {name} is repeated")
    } else {
        "a parameter is repeated".to_owned()
    }
}

/// The CSP source expression that allows navigating to `redirect_uri`: its origin, or
/// `scheme:` for URIs without a tuple origin (private-use schemes).
pub(crate) fn csp_source_for(redirect_uri: &str) -> Option<String> {
    let url = Url::parse(redirect_uri).ok()?;
    let origin = url.origin();
    if origin.is_tuple() {
        Some(origin.ascii_serialization())
    } else {
        Some(format!("{}:", url.scheme()))
    }
}

fn static_headers() -> [(HeaderName, HeaderValue); 5] {
    [
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (header::PRAGMA, HeaderValue::from_static("no-cache")),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
    ]
}

/// An HTML page with the sandbox's security headers. `form_target` is the CSP source of
/// the client the page's form may end up redirecting to (None: the page has no form).
pub(crate) fn html(status: StatusCode, body: String, form_target: Option<&str>) -> Response {
    let form_action = match form_target {
        Some(target) => format!("'self' {target}"),
        None => "'none'".to_owned(),
    };
    let csp = format!(
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action {form_action}; frame-ancestors 'none'; base-uri 'none'"
    );
    let csp = HeaderValue::from_str(&csp).unwrap_or_else(|_| {
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'",
        )
    });
    let mut resp = (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        body,
    )
        .into_response();
    let headers = resp.headers_mut();
    headers.extend(static_headers());
    headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    resp
}

/// `303 See Other` to `location`, never cached.
pub(crate) fn see_other(location: &str) -> Option<Response> {
    let location = HeaderValue::from_str(location).ok()?;
    let mut resp = StatusCode::SEE_OTHER.into_response();
    let headers = resp.headers_mut();
    headers.insert(header::LOCATION, location);
    headers.extend(static_headers());
    Some(resp)
}

/// `redirect_uri` with `params` appended to its query (keeping any existing query).
pub(crate) fn redirect_url(redirect_uri: &str, params: &[(&str, &str)]) -> Option<String> {
    let mut url = Url::parse(redirect_uri).ok()?;
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in params {
            q.append_pair(k, v);
        }
    }
    Some(url.into())
}

/// JSON body with `Cache-Control: no-store`.
pub(crate) fn json_no_store(status: StatusCode, body: &serde_json::Value) -> Response {
    let mut resp = (status, axum::Json(body)).into_response();
    let headers = resp.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_ignore_empty_and_reject_duplicates() {
        let p = parse_params(b"a=1&b=&c=%20x+y").expect("ok");
        assert_eq!(p.get("a").map(String::as_str), Some("1"));
        assert!(!p.contains_key("b"));
        assert_eq!(p.get("c").map(String::as_str), Some(" x y"));
        assert_eq!(parse_params(b"a=1&a=2"), Err("a".to_owned()));
    }

    #[test]
    fn redirect_keeps_existing_query_and_encodes() {
        let u = redirect_url(
            "https://rp.example/cb?x=1",
            &[
                ("code", "a+b/c"),
                ("state", "s t&u"),
                ("iss", "http://h:1/sber"),
            ],
        )
        .expect("url");
        assert_eq!(
            u,
            "https://rp.example/cb?x=1&code=a%2Bb%2Fc&state=s+t%26u&iss=http%3A%2F%2Fh%3A1%2Fsber"
        );
    }

    #[test]
    fn csp_sources() {
        assert_eq!(
            csp_source_for("http://127.0.0.1:3000/auth/callback").as_deref(),
            Some("http://127.0.0.1:3000")
        );
        assert_eq!(
            csp_source_for("com.example.app:/cb").as_deref(),
            Some("com.example.app:")
        );
    }
}
