//! Signed requests (§ Authentication / signing, with till's documented
//! assumption): `x-api-key`, `x-timestamp` (13-digit epoch ms) and
//! `x-signature` = lowercase hex HMAC-SHA256(secret_key,
//! `{timestamp}{body}`) over the exact raw body bytes (`""` for a GET).

use axum::http::{HeaderMap, StatusCode};

use super::options::XpaysOptions;
use super::wire::{MSG_FORBIDDEN, MSG_INVALID_SIGNATURE};
use crate::signature::hmac_sha256_ok;

/// Largest clock difference accepted on `x-timestamp`.
const MAX_CLOCK_DIFF_MS: i64 = 5 * 60_000;

/// Key (403), then timestamp and signature (401).
pub(super) fn verify(
    opts: &XpaysOptions,
    headers: &HeaderMap,
    body: &[u8],
    now: i64,
) -> Result<(), (StatusCode, &'static str)> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if text("x-api-key") != Some(opts.api_key.as_str()) {
        return Err((StatusCode::FORBIDDEN, MSG_FORBIDDEN));
    }
    let unsigned = Err((StatusCode::UNAUTHORIZED, MSG_INVALID_SIGNATURE));
    let Some(timestamp) = text("x-timestamp").filter(|t| t.len() == 13 && t.bytes().all(|b| b.is_ascii_digit())) else {
        return unsigned;
    };
    let Ok(ms) = timestamp.parse::<i64>() else { return unsigned };
    if (now - ms).abs() > MAX_CLOCK_DIFF_MS {
        return unsigned;
    }
    let signature = text("x-signature").unwrap_or("");
    if !signature_ok(&opts.secret_key, timestamp, body, signature) {
        return unsigned;
    }
    Ok(())
}

/// Whether `signature` is the lowercase hex HMAC-SHA256 of
/// `{timestamp}{body}`, compared in constant time.
fn signature_ok(secret: &str, timestamp: &str, body: &[u8], signature: &str) -> bool {
    hmac_sha256_ok(secret, &[timestamp.as_bytes(), body], signature)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_worked_examples() {
        // § Authentication / signing.
        let body =
            r#"{"order_id":"A1","amount":"10","from_fiat_currency":"USD","to_crypto_currency":"USDT","chain":"tron"}"#;
        let create = "8f4f3dcc88822a87bbfe5dea8cc7cdfc7ab23ebe5edc73e47421c86c2348f14b";
        let info = "1644d0426d8978e03a8410ec63423990e8093804a0d53f869cd938017e785b29";
        assert!(signature_ok("test-secret", "1730998051892", body.as_bytes(), create));
        assert!(signature_ok("test-secret", "1730998051892", b"", info));
        assert!(!signature_ok("test-secret", "1730998051892", b"", &info.to_uppercase()));
        assert!(!signature_ok("test-secret", "1730998051893", b"", info));
    }
}
