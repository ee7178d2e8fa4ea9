//! Signed requests (§ Authentication / signing; § What the server's code
//! says › Signature, › Check order).

use axum::http::HeaderMap;
use serde_json::json;

use super::options::XcashOptions;
use super::request::header_text;
use super::wire::{Code, Refusal};
use crate::signature::hmac_sha256_ok;

/// § What the server's code says: timestamp window and nonce memory, seconds.
pub(super) const WINDOW_SECS: i64 = 300;

/// The checks of a signed request up to the nonce, in the server's order:
/// unknown appid `1001` → timestamp `1008` → signature `1003` → empty
/// nonce `1000`. (`1005`, `1004`, `1002`: the sandbox project is active,
/// ready and whitelists every IP.) The nonce, for the replay check (`1009`)
/// that comes last.
pub(super) fn verify<'a>(
    opts: &XcashOptions,
    headers: &'a HeaderMap,
    body: &[u8],
    now: i64,
) -> Result<&'a str, Refusal> {
    if header_text(headers, "XC-Appid") != Some(opts.appid.as_str()) {
        return Err(Code::InvalidAppid.refuse(json!("")));
    }
    let timestamp = header_text(headers, "XC-Timestamp")
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= 15 && t.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|t| t.parse::<i64>().ok());
    let Some(timestamp) = timestamp else {
        return Err(Code::Timestamp.refuse(json!("")));
    };
    if (now.div_euclid(1000) - timestamp).abs() > WINDOW_SECS {
        return Err(Code::Timestamp.refuse(json!("")));
    }
    let nonce = header_text(headers, "XC-Nonce").unwrap_or("");
    let signature = header_text(headers, "XC-Signature").unwrap_or("");
    // The server signs `str(int(timestamp))`: leading zeros dropped.
    if !signature_ok(&opts.hmac_key, nonce, &timestamp.to_string(), body, signature) {
        return Err(Code::Signature.refuse(json!("")));
    }
    if nonce.is_empty() {
        return Err(Code::Parameter.refuse(json!("XC-Nonce is empty")));
    }
    Ok(nonce)
}

/// `XC-Signature` = lowercase hex HMAC-SHA256(hmac_key, nonce + timestamp +
/// raw body), compared in constant time; upper-case hex fails.
fn signature_ok(key: &str, nonce: &str, timestamp: &str, body: &[u8], signature: &str) -> bool {
    hmac_sha256_ok(key, &[nonce.as_bytes(), timestamp.as_bytes(), body], signature)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_worked_examples_verify() {
        // § Authentication / signing, examples 1 and 2.
        let body = br#"{"out_no":"A1","title":"Coffee","currency":"USD","amount":"4.50"}"#;
        let sig1 = "6959eb6fd8b79b12d372b3de94a6dc18d39cf8eeb3545e941965a7b8ad9fd262";
        let sig2 = "7d98bb9945f325bbdf1a9c4afffc89a04f8167a460f5eadae1b466db25c4a57c";
        assert!(signature_ok("test-hmac-key", "n0nce-123", "1730998051", body, sig1));
        assert!(signature_ok("test-hmac-key", "3f1c2a9e-6b7d-4e2f-9a1b-0c4d5e6f7a8b", "1730998051", body, sig2));
        assert!(!signature_ok("test-hmac-key", "n0nce-123", "1730998051", body, &sig1.to_uppercase()));
        assert!(!signature_ok("test-hmac-key", "n0nce-124", "1730998051", body, sig1));
    }
}
