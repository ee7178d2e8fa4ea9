//! EVM addresses (Ethereum, BNB Smart Chain): `0x` + the 20-byte account as
//! hex, in EIP-55 mixed case: a hex letter is upper case where the nibble at
//! the same position of keccak-256(lower-case hex, as ASCII) is 8 or more.

use sha3::{Digest, Keccak256};

/// The EIP-55 spelling of a 20-byte account.
pub(crate) fn checksummed(account: [u8; 20]) -> String {
    format!("0x{}", eip55(&crate::hex(&account)))
}

/// The EIP-55 spelling of 40 hex digits (any case, without `0x`).
pub(crate) fn eip55(hex40: &str) -> String {
    let lower = hex40.to_ascii_lowercase();
    let hash = Keccak256::digest(lower.as_bytes());
    lower
        .chars()
        .enumerate()
        .map(|(i, c)| {
            let byte = hash.get(i / 2).copied().unwrap_or(0);
            let nibble = if i % 2 == 0 { byte >> 4 } else { byte & 0x0f };
            if nibble >= 8 { c.to_ascii_uppercase() } else { c }
        })
        .collect()
}

/// A fresh random address (nobody holds its key) whose checksum shows: it
/// has both upper- and lower-case letters, as "EIP-55 mixed case" promises.
pub(crate) fn random() -> String {
    loop {
        let address = checksummed(crate::random_bytes::<20>());
        let hex = address.trim_start_matches("0x");
        if hex.bytes().any(|b| b.is_ascii_uppercase()) && hex.bytes().any(|b| b.is_ascii_lowercase()) {
            return address;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(hex: &str) -> [u8; 20] {
        let mut out = [0u8; 20];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex");
        }
        out
    }

    #[test]
    fn matches_the_eip55_examples_and_the_bitsby_sample() {
        for expected in [
            // EIP-55 test cases.
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
            "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
            "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
            // bitsby.md § Create invoice, response sample.
            "0x1427ca2c71bCa28f0B619b70E3F112065D5411aC",
        ] {
            let lower = expected[2..].to_ascii_lowercase();
            assert_eq!(checksummed(account(&lower)), expected);
        }
    }

    #[test]
    fn random_addresses_are_mixed_case() {
        let a = random();
        assert_eq!(a.len(), 42);
        assert!(a.starts_with("0x"));
        assert_eq!(checksummed(account(&a[2..].to_ascii_lowercase())), a);
        assert_ne!(a, random());
    }
}
