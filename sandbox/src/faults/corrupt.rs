//! `unverifiable` (CONTROL.md § Faults): the gateway's JSON answer with
//! every payment string corrupted so that it must fail verification. A
//! string that looks like a TRON address, an EVM address, a bech32 Bitcoin
//! address, a BOLT11 invoice or an http(s) URL is changed (see [`corrupt`]).

use serde_json::Value;

use crate::evm::eip55;

/// The JSON answer with every payment string corrupted; `None` if it is not
/// JSON or has nothing to corrupt. The strings are replaced in the text, so
/// everything else stays byte for byte (key order, number digits); if a
/// string's JSON spelling is not found there, the value is re-serialized.
pub(super) fn corrupt_json(body: &[u8]) -> Option<Vec<u8>> {
    let mut value: Value = serde_json::from_slice(body).ok()?;
    let mut changes = Vec::new();
    collect(&value, &mut changes);
    if changes.is_empty() {
        return None;
    }
    if let Ok(mut text) = String::from_utf8(body.to_vec()) {
        let mut all_found = true;
        for (old, new) in &changes {
            let (Ok(old_json), Ok(new_json)) = (serde_json::to_string(old), serde_json::to_string(new)) else {
                all_found = false;
                break;
            };
            if !text.contains(&old_json) {
                all_found = false;
                break;
            }
            text = text.replace(&old_json, &new_json);
        }
        if all_found {
            return Some(text.into_bytes());
        }
    }
    rewrite(&mut value);
    serde_json::to_vec(&value).ok()
}

/// Every `(original, corrupted)` string pair in `value`.
fn collect(value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::String(s) => {
            if let Some(bad) = corrupt(s)
                && !out.iter().any(|(old, _)| old == s)
            {
                out.push((s.clone(), bad));
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect(v, out)),
        Value::Object(map) => map.values().for_each(|v| collect(v, out)),
        _ => {}
    }
}

/// Corrupts `value` in place.
fn rewrite(value: &mut Value) {
    match value {
        Value::String(s) => {
            if let Some(bad) = corrupt(s) {
                *s = bad;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite),
        Value::Object(map) => map.values_mut().for_each(rewrite),
        _ => {}
    }
}

const BASE58: &str = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const BECH32: &str = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/// The corrupted form of a payment string, or `None` if it is not one:
/// - TRON address (34 base58 characters starting with `T`): last character
///   changed, so the base58check checksum fails;
/// - EVM address (`0x` + 40 hex): last character changed so that the EIP-55
///   mixed-case checksum fails;
/// - bech32 Bitcoin address (`bc1`, `tb1`, `bcrt1`): last character (part
///   of the bech32 checksum) changed;
/// - BOLT11 (`ln…`): one character of the signature changed (the bech32
///   checksum is left as it was, so the invoice fails to decode);
/// - http(s) URL: `http://example.com` + its path (not https).
pub(crate) fn corrupt(s: &str) -> Option<String> {
    if is_tron(s) {
        return replace_at(s, s.len() - 1, BASE58);
    }
    if is_evm(s) {
        return Some(corrupt_evm(s));
    }
    if let Some((hrp, data_start)) = bech32_parts(s) {
        let lower = hrp.to_ascii_lowercase();
        if matches!(lower.as_str(), "bc" | "tb" | "bcrt") {
            return replace_at(s, s.len() - 1, BECH32);
        }
        // BOLT11: data = timestamp (7) + tagged fields + signature (104) + checksum (6).
        let data_len = s.len() - data_start;
        if lower.starts_with("ln") && data_len >= 7 + 104 + 6 {
            return replace_at(s, s.len() - 6 - 52, BECH32);
        }
        return None;
    }
    corrupt_url(s)
}

/// `s` with the character at byte `at` replaced by the next one of
/// `alphabet` (keeping the case of bech32 text).
fn replace_at(s: &str, at: usize, alphabet: &str) -> Option<String> {
    let old = s.get(at..at + 1)?;
    let upper = alphabet == BECH32 && s.bytes().any(|b| b.is_ascii_uppercase());
    let lower_old = if alphabet == BECH32 { old.to_ascii_lowercase() } else { old.to_owned() };
    let pos = alphabet.find(&lower_old)?;
    let next = alphabet.get(pos + 1..pos + 2).or_else(|| alphabet.get(0..1))?;
    let next = if upper { next.to_ascii_uppercase() } else { next.to_owned() };
    Some(format!("{}{next}{}", s.get(..at)?, s.get(at + 1..)?))
}

fn is_tron(s: &str) -> bool {
    s.len() == 34 && s.starts_with('T') && s.chars().all(|c| BASE58.contains(c))
}

fn is_evm(s: &str) -> bool {
    s.len() == 42 && s.starts_with("0x") && s.bytes().skip(2).all(|b| b.is_ascii_hexdigit())
}

/// Whether a `0x` address fails EIP-55 (mixed case that is not the checksum).
fn fails_eip55(addr: &str) -> bool {
    let hex = addr.get(2..).unwrap_or("");
    let mixed = hex.bytes().any(|b| b.is_ascii_uppercase()) && hex.bytes().any(|b| b.is_ascii_lowercase());
    mixed && eip55(hex) != hex
}

/// The last hex digit changed, casing kept where possible, so that EIP-55 fails.
fn corrupt_evm(s: &str) -> String {
    let head = s.get(..41).unwrap_or(s);
    let last = s.get(41..).unwrap_or("");
    let candidates = "0123456789abcdefABCDEF".chars().filter(|c| !c.to_string().eq_ignore_ascii_case(last));
    let mut first = None;
    for c in candidates {
        let candidate = format!("{head}{c}");
        if fails_eip55(&candidate) {
            return candidate;
        }
        first.get_or_insert(candidate);
    }
    // No single change fails (a vanishingly rare casing): checksum the
    // changed address, then flip the case of its last letter.
    let changed = first.unwrap_or_else(|| s.to_owned());
    let mut fixed: Vec<char> = eip55(changed.get(2..).unwrap_or("")).chars().collect();
    if let Some(c) = fixed.iter_mut().rev().find(|c| c.is_ascii_alphabetic()) {
        *c = if c.is_ascii_uppercase() { c.to_ascii_lowercase() } else { c.to_ascii_uppercase() };
    }
    format!("0x{}", fixed.into_iter().collect::<String>())
}

/// `(hrp, index of the first data character)` of a bech32-looking string:
/// one case, an hrp, `1`, then only bech32 characters (at least 6).
fn bech32_parts(s: &str) -> Option<(&str, usize)> {
    if s.len() < 8 || !s.is_ascii() {
        return None;
    }
    let one_case = s == s.to_ascii_lowercase() || s == s.to_ascii_uppercase();
    let sep = s.rfind('1')?;
    let (hrp, data) = (s.get(..sep)?, s.get(sep + 1..)?);
    let hrp_ok = !hrp.is_empty() && hrp.bytes().all(|b| b.is_ascii_alphanumeric());
    let data_ok = data.len() >= 6 && data.chars().all(|c| BECH32.contains(c.to_ascii_lowercase()));
    (one_case && hrp_ok && data_ok).then_some((hrp, sep + 1))
}

/// `http://example.com` + the URL's path, for an http(s) URL.
fn corrupt_url(s: &str) -> Option<String> {
    let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"))?;
    let path = rest.find(['/', '?', '#']).and_then(|i| rest.get(i..)).unwrap_or("");
    let bad = format!("http://example.com{path}");
    (bad != s).then_some(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tron_addresses_lose_their_checksum() {
        let good = "TDtSWK3dsSRJyZH4qNVzsoPsdrZz6k8B3Q";
        let bad = corrupt(good).expect("a TRON address");
        assert_eq!(bad.len(), 34);
        assert_eq!(&bad[..33], &good[..33]);
        assert_ne!(bad, good);
        assert!(bs58::decode(good).with_check(None).into_vec().is_ok());
        assert!(bs58::decode(&bad).with_check(None).into_vec().is_err());
        // The alphabet wraps around.
        assert_eq!(replace_at("Tz", 1, BASE58).as_deref(), Some("T1"));
    }

    #[test]
    fn evm_addresses_fail_eip55() {
        // EIP-55's own examples.
        for good in ["0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"] {
            assert!(!fails_eip55(good), "{good}");
            let bad = corrupt(good).expect("an EVM address");
            assert!(fails_eip55(&bad), "{bad}");
            assert!(bad[..41].eq_ignore_ascii_case(&good[..41]), "only the last digit changes: {bad}");
            assert!(!bad.eq_ignore_ascii_case(good), "the address itself changes");
        }
        // An all-lower-case address (no checksum) comes out mixed case and wrong.
        let bad = corrupt("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed").expect("an EVM address");
        assert!(fails_eip55(&bad), "{bad}");
    }

    #[test]
    fn bech32_addresses_lose_their_checksum() {
        use bitcoin::bech32::{hrp, segwit};
        let regtest = segwit::encode(hrp::BCRT, segwit::VERSION_0, &[7; 20]).expect("encodes");
        let taproot = segwit::encode(hrp::BCRT, segwit::VERSION_1, &[9; 32]).expect("encodes");
        // BIP 173's example, regtest P2WPKH, regtest P2TR (bech32m).
        for good in ["bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", regtest.as_str(), taproot.as_str()] {
            assert!(segwit::decode(good).is_ok(), "{good}");
            let bad = corrupt(good).expect("a bech32 address");
            assert_eq!(&bad[..bad.len() - 1], &good[..good.len() - 1]);
            assert!(segwit::decode(&bad).is_err(), "{bad}");
        }
        let upper = corrupt("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4").expect("upper case");
        assert_eq!(upper, upper.to_ascii_uppercase());
    }

    #[test]
    fn urls_lose_https_and_their_host() {
        assert_eq!(corrupt("https://xpays.life/pay/A1").as_deref(), Some("http://example.com/pay/A1"));
        assert_eq!(corrupt("http://127.0.0.1:8080/pay?x=1").as_deref(), Some("http://example.com/pay?x=1"));
        assert_eq!(corrupt("https://example.com").as_deref(), Some("http://example.com"));
        assert_eq!(corrupt("http://example.com/a"), None, "already corrupt");
    }

    #[test]
    fn other_strings_are_left_alone() {
        for s in [
            "74ec698a-d773-4b55-81ab-58192f6b560c",
            "INV2606028X7K2P9Q",
            "PENDING",
            "",
            "2024-11-16T20:00:04.971Z",
            "4.5",
            "412af9b23a1b5222ddc542113a369fee291de0180b",
            "USDT",
            "tron",
        ] {
            assert_eq!(corrupt(s), None, "{s}");
        }
    }

    #[test]
    fn json_text_keeps_everything_else() {
        let body = br#"{"z":1,"payment_amount":9.99721717462727,"address":"TDtSWK3dsSRJyZH4qNVzsoPsdrZz6k8B3Q","a":["https://x.y/p"]}"#;
        let out = String::from_utf8(corrupt_json(body).expect("changed")).expect("utf-8");
        assert_eq!(
            out,
            r#"{"z":1,"payment_amount":9.99721717462727,"address":"TDtSWK3dsSRJyZH4qNVzsoPsdrZz6k8B3R","a":["http://example.com/p"]}"#
        );
        assert_eq!(corrupt_json(b"{\"status\":\"PENDING\"}"), None);
        assert_eq!(corrupt_json(b"not json"), None);
    }
}
