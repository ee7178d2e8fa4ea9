//! Bitcoin regtest addresses: native SegWit v0 P2WPKH in bech32 (BIP 173),
//! human-readable part `bcrt`, so `bcrt1q…` (44 characters).

use bitcoin::{Address, KnownHrp, WitnessProgram, WitnessVersion};

/// The address paying to a 20-byte key hash on `hrp`'s network.
fn p2wpkh(key_hash: [u8; 20], hrp: KnownHrp) -> String {
    // A version-0 program of 20 bytes is valid by definition (BIP 141).
    let program = WitnessProgram::new(WitnessVersion::V0, &key_hash).expect("a 20-byte v0 witness program is valid");
    Address::from_witness_program(program, hrp).to_string()
}

/// A fresh random regtest P2WPKH address (nobody holds its key).
pub(crate) fn random_regtest() -> String {
    p2wpkh(crate::random_bytes::<20>(), KnownHrp::Regtest)
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use bitcoin::{AddressType, Network};

    use super::*;

    #[test]
    fn matches_the_bip173_example() {
        // BIP 173: P2WPKH of key hash 751e76e8199196d454941c45d1b3a323f1433bd6.
        let hash = [
            0x75, 0x1e, 0x76, 0xe8, 0x19, 0x91, 0x96, 0xd4, 0x54, 0x94, 0x1c, 0x45, 0xd1, 0xb3, 0xa3, 0x23, 0xf1, 0x43,
            0x3b, 0xd6,
        ];
        assert_eq!(p2wpkh(hash, KnownHrp::Mainnet), "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4");
        assert!(p2wpkh(hash, KnownHrp::Regtest).starts_with("bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7k"));
    }

    #[test]
    fn random_addresses_parse_for_regtest() {
        let text = random_regtest();
        assert!(text.starts_with("bcrt1q"), "{text}");
        assert_eq!(text.len(), 44);
        let address = Address::from_str(&text).expect("parses").require_network(Network::Regtest).expect("regtest");
        assert_eq!(address.address_type(), Some(AddressType::P2wpkh));
        assert_ne!(text, random_regtest());
    }
}
