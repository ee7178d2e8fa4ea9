//! Request bodies of the JSON gateways (xPay, xpays.life, XaiGate): whether
//! the request says its body is JSON.

use axum::http::{HeaderMap, header};

/// Whether `Content-Type` is `application/json` (any case, parameters
/// such as `charset` aside).
pub(crate) fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_type_only() {
        let with = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, header::HeaderValue::from_static(value));
            is_json(&headers)
        };
        assert!(with("application/json") && with("Application/JSON; charset=utf-8"));
        assert!(!with("text/plain") && !is_json(&HeaderMap::new()));
    }
}
