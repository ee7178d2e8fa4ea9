//! HMAC-SHA256 signatures as xpays.life and Xcash send them: lower-case
//! hex over the concatenation of the signed parts, checked in constant time.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Whether `signature` is the lower-case hex HMAC-SHA256 under `key` of
/// `parts` one after the other; upper-case hex fails.
pub(crate) fn hmac_sha256_ok(key: &str, parts: &[&[u8]], signature: &str) -> bool {
    let Some(given) = lower_hex_decode(signature) else { return false };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key.as_bytes()) else { return false };
    for part in parts {
        mac.update(part);
    }
    mac.verify_slice(&given).is_ok()
}

/// 64 lower-case hex characters → 32 bytes.
fn lower_hex_decode(text: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    if text.len() != 64 {
        return None;
    }
    text.as_bytes().chunks(2).map(|pair| Some((digit(*pair.first()?)? << 4) | digit(*pair.get(1)?)?)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_case_hex_only() {
        let text = "41ab".repeat(16);
        assert_eq!(lower_hex_decode(&text).map(|b| crate::hex(&b)), Some(text.clone()));
        assert_eq!(lower_hex_decode(&text.to_uppercase()), None);
        assert_eq!(lower_hex_decode("41ab"), None);
    }
}
