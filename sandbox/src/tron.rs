//! TRON addresses: version byte `0x41` + 20 bytes, base58check (double
//! SHA-256 checksum, Bitcoin alphabet) → 34 characters starting with `T`.

/// TRON mainnet address version byte.
pub(crate) const VERSION: u8 = 0x41;

/// A TRON address in its two usual spellings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Address {
    /// Base58check, e.g. `TDtSWK3dsSRJyZH4qNVzsoPsdrZz6k8B3Q`.
    pub(crate) base58: String,
    /// The 21 bytes (version + 20) as lower-case hex, e.g. `412af9…180b`.
    pub(crate) hex: String,
}

impl Address {
    /// A fresh random address (nobody holds its key: funds sent there are lost,
    /// which is what a demo address should be).
    pub(crate) fn random() -> Self {
        Self::from_account(crate::random_bytes::<20>())
    }

    /// The address of a 20-byte account id.
    pub(crate) fn from_account(account: [u8; 20]) -> Self {
        let mut raw = [0u8; 21];
        raw[0] = VERSION;
        raw[1..].copy_from_slice(&account);
        Self { base58: bs58::encode(raw).with_check().into_string(), hex: crate::hex(&raw) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_readme_worked_example() {
        // README § TRON base58check: TDtSWK3dsSRJyZH4qNVzsoPsdrZz6k8B3Q.
        let raw = [
            0x2a, 0xf9, 0xb2, 0x3a, 0x1b, 0x52, 0x22, 0xdd, 0xc5, 0x42, 0x11, 0x3a, 0x36, 0x9f, 0xee, 0x29, 0x1d, 0xe0,
            0x18, 0x0b,
        ];
        let a = Address::from_account(raw);
        assert_eq!(a.base58, "TDtSWK3dsSRJyZH4qNVzsoPsdrZz6k8B3Q");
        assert_eq!(a.hex, "412af9b23a1b5222ddc542113a369fee291de0180b");
    }

    #[test]
    fn random_addresses_are_well_formed() {
        let a = Address::random();
        assert_eq!(a.base58.len(), 34);
        assert!(a.base58.starts_with('T'));
        assert_eq!(a.hex.len(), 42);
        assert!(a.hex.starts_with("41"));
        assert_ne!(a, Address::random());
    }
}
