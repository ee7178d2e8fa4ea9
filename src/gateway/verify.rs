//! Checks on every payment payload before it may become a QR: a BOLT11
//! invoice must decode, be signed, be for the right network and amount and not
//! be expired; an address must pass its checksum.

use jiff::Timestamp;
use lightning_invoice::{Bolt11Invoice, Bolt11SemanticError, Currency, ParseOrSemanticError};
use std::str::FromStr;

/// Which Bitcoin networks a gateway's Lightning invoices may be for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Networks {
    /// Bitcoin mainnet only: every real gateway.
    Mainnet,
    /// Also testnet, signet and regtest: the sandbox, or a gateway configured for testnet.
    AlsoTest,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the Lightning invoice does not decode ({0})")]
    Bolt11Decode(String),
    #[error("the Lightning invoice's signature is not valid")]
    Bolt11Signature,
    #[error("the Lightning invoice is for {found}, not Bitcoin mainnet")]
    Bolt11Network { found: String },
    #[error("the Lightning invoice has no amount")]
    Bolt11NoAmount,
    #[error("the Lightning invoice asks {found} msat where the gateway said {expected} msat")]
    Bolt11Amount { expected: u64, found: u64 },
    #[error("the Lightning invoice expired at {at}")]
    Bolt11Expired { at: Timestamp },
    #[error("the TRON address {0:?} is not 34 characters starting with T")]
    TronShape(String),
    #[error("the TRON address {0:?} fails its base58check checksum")]
    TronChecksum(String),
    #[error("the TRON address {0:?} is not a TRON mainnet address (version byte)")]
    TronVersion(String),
    #[error("the address {0:?} is not 0x and 40 hex digits")]
    EvmShape(String),
    #[error("the address {0:?} fails its EIP-55 checksum (mixed case)")]
    EvmChecksum(String),
    #[error("the Bitcoin address {0:?} does not decode")]
    BitcoinDecode(String),
    #[error("the Bitcoin address {address:?} is for {found}, not Bitcoin mainnet")]
    BitcoinNetwork { address: String, found: String },
    #[error("the payment page address {0:?} is not https")]
    UrlScheme(String),
    #[error("the payment page address {0:?} is not a URL")]
    UrlShape(String),
    #[error("the crypto amount {0} is not a positive amount")]
    Amount(String),
}

/// A BOLT11 invoice that passed every check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedBolt11 {
    /// The invoice in lower case, as decoded.
    pub invoice: String,
    pub amount_msat: u64,
    pub expires_at: Timestamp,
}

fn currency_name(c: Currency) -> &'static str {
    match c {
        Currency::Bitcoin => "Bitcoin mainnet",
        Currency::BitcoinTestnet => "Bitcoin testnet",
        Currency::Regtest => "Bitcoin regtest",
        Currency::Simnet => "Bitcoin simnet",
        Currency::Signet => "Bitcoin signet",
    }
}

/// Verifies a BOLT11 invoice against the amount the gateway stated.
pub fn bolt11(
    text: &str,
    expected_msat: u64,
    networks: Networks,
    now: Timestamp,
) -> Result<VerifiedBolt11, VerifyError> {
    let lower = text.trim().to_ascii_lowercase();
    let invoice = Bolt11Invoice::from_str(&lower).map_err(|e| match e {
        ParseOrSemanticError::SemanticError(Bolt11SemanticError::InvalidSignature) => VerifyError::Bolt11Signature,
        other => VerifyError::Bolt11Decode(other.to_string()),
    })?;
    invoice.check_signature().map_err(|_| VerifyError::Bolt11Signature)?;
    let currency = invoice.currency();
    if currency != Currency::Bitcoin && networks == Networks::Mainnet {
        return Err(VerifyError::Bolt11Network { found: currency_name(currency).into() });
    }
    let found = invoice.amount_milli_satoshis().ok_or(VerifyError::Bolt11NoAmount)?;
    if found != expected_msat {
        return Err(VerifyError::Bolt11Amount { expected: expected_msat, found });
    }
    let secs = invoice.expires_at().map_or(i64::MAX, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let expires_at = Timestamp::from_second(secs).unwrap_or(Timestamp::MAX);
    if now >= expires_at {
        return Err(VerifyError::Bolt11Expired { at: expires_at });
    }
    Ok(VerifiedBolt11 { invoice: lower, amount_msat: found, expires_at })
}

/// The QR payload for a verified BOLT11: upper case, with the `LIGHTNING:` scheme.
pub fn lightning_qr(v: &VerifiedBolt11) -> String {
    format!("LIGHTNING:{}", v.invoice.to_ascii_uppercase())
}

/// Verifies a TRON address: 34 characters starting with `T`, base58check over
/// 25 bytes, version byte 0x41.
pub fn tron_address(address: &str) -> Result<(), VerifyError> {
    if address.len() != 34 || !address.starts_with('T') {
        return Err(VerifyError::TronShape(address.to_string()));
    }
    let raw = bs58::decode(address).into_vec().map_err(|_| VerifyError::TronShape(address.to_string()))?;
    if raw.len() != 25 {
        return Err(VerifyError::TronShape(address.to_string()));
    }
    let payload = bs58::decode(address)
        .with_check(None)
        .into_vec()
        .map_err(|_| VerifyError::TronChecksum(address.to_string()))?;
    if payload.first() != Some(&0x41) {
        return Err(VerifyError::TronVersion(address.to_string()));
    }
    Ok(())
}

/// Verifies an EVM address: `0x` + 40 hex digits; when the letters are of
/// mixed case, they must spell the EIP-55 checksum.
pub fn evm_address(address: &str) -> Result<(), VerifyError> {
    use sha3::{Digest, Keccak256};
    let shape = || VerifyError::EvmShape(address.to_string());
    let hex = address.strip_prefix("0x").ok_or_else(shape)?;
    if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(shape());
    }
    let has_upper = hex.bytes().any(|b| b.is_ascii_uppercase());
    let has_lower = hex.bytes().any(|b| b.is_ascii_lowercase());
    if !(has_upper && has_lower) {
        return Ok(());
    }
    let lower = hex.to_ascii_lowercase();
    let hash = Keccak256::digest(lower.as_bytes());
    for (i, c) in hex.chars().enumerate() {
        if !c.is_ascii_alphabetic() {
            continue;
        }
        let byte = hash.get(i / 2).copied().unwrap_or(0);
        let nibble = if i % 2 == 0 { byte >> 4 } else { byte & 0x0f };
        if c.is_ascii_uppercase() != (nibble >= 8) {
            return Err(VerifyError::EvmChecksum(address.to_string()));
        }
    }
    Ok(())
}

/// Verifies a Bitcoin address (bech32, bech32m or base58check) for mainnet,
/// or for any network when test networks are allowed.
pub fn bitcoin_address(address: &str, networks: Networks) -> Result<(), VerifyError> {
    use bitcoin::{Address, Network};
    let parsed = Address::from_str(address).map_err(|_| VerifyError::BitcoinDecode(address.to_string()))?;
    if parsed.is_valid_for_network(Network::Bitcoin) {
        return Ok(());
    }
    let test = [Network::Testnet, Network::Signet, Network::Regtest];
    match networks {
        Networks::AlsoTest if test.iter().any(|n| parsed.is_valid_for_network(*n)) => Ok(()),
        _ => Err(VerifyError::BitcoinNetwork { address: address.to_string(), found: "a test network".into() }),
    }
}

/// The BIP 21 payload for a verified Bitcoin address and an exact amount.
pub fn bip21(address: &str, amount: &rust_decimal::Decimal) -> String {
    format!("bitcoin:{address}?amount={}", amount.normalize())
}

/// Verifies a payment page URL: https, or http to this machine only.
pub fn page_url(url: &str) -> Result<(), VerifyError> {
    let (scheme, rest) = url.split_once("://").ok_or_else(|| VerifyError::UrlShape(url.to_string()))?;
    let host_port = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host_port.is_empty() || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(VerifyError::UrlShape(url.to_string()));
    }
    match scheme {
        "https" => Ok(()),
        "http" if is_loopback(host_port) => Ok(()),
        _ => Err(VerifyError::UrlScheme(url.to_string())),
    }
}

/// Whether `host[:port]` names this machine.
pub fn is_loopback(host_port: &str) -> bool {
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host_port.rsplit_once(':').map_or(host_port, |(h, _)| h),
    };
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// A crypto amount must be positive.
pub fn positive(amount: &rust_decimal::Decimal) -> Result<(), VerifyError> {
    if amount.is_sign_positive() && !amount.is_zero() { Ok(()) } else { Err(VerifyError::Amount(amount.to_string())) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evm_addresses_follow_eip55() {
        // The Bitsby sample's address (bitsby.md), mixed case: passes.
        assert_eq!(evm_address("0x1427ca2c71bCa28f0B619b70E3F112065D5411aC"), Ok(()));
        // All lower or all upper case carries no checksum.
        assert_eq!(evm_address("0x1427ca2c71bca28f0b619b70e3f112065d5411ac"), Ok(()));
        // One letter's case flipped: the checksum fails.
        assert!(matches!(evm_address("0x1427ca2c71bCa28f0B619b70E3F112065D5411AC"), Err(VerifyError::EvmChecksum(_))));
        assert!(matches!(evm_address("0x1427"), Err(VerifyError::EvmShape(_))));
        assert!(matches!(evm_address("1427ca2c71bCa28f0B619b70E3F112065D5411aCaa"), Err(VerifyError::EvmShape(_))));
        assert!(matches!(evm_address("0xZZ27ca2c71bCa28f0B619b70E3F112065D5411aC"), Err(VerifyError::EvmShape(_))));
    }

    #[test]
    fn bitcoin_addresses_decode_for_the_right_network() {
        // The Bitsby sample's bech32 address.
        assert_eq!(bitcoin_address("bc1qd9hs6dal8k2x0l8zhsgywqyvn9tpj3mrkk430t", Networks::Mainnet), Ok(()));
        assert!(matches!(
            bitcoin_address("bc1qd9hs6dal8k2x0l8zhsgywqyvn9tpj3mrkk430a", Networks::Mainnet),
            Err(VerifyError::BitcoinDecode(_))
        ));
        let regtest = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080";
        assert!(matches!(bitcoin_address(regtest, Networks::Mainnet), Err(VerifyError::BitcoinNetwork { .. })));
        assert_eq!(bitcoin_address(regtest, Networks::AlsoTest), Ok(()));
        assert_eq!(
            bip21("bc1qd9hs6dal8k2x0l8zhsgywqyvn9tpj3mrkk430t", &"0.00018186".parse().unwrap()),
            "bitcoin:bc1qd9hs6dal8k2x0l8zhsgywqyvn9tpj3mrkk430t?amount=0.00018186"
        );
    }

    #[test]
    fn payment_pages_are_https_or_loopback() {
        assert_eq!(page_url("https://wallet.xaigate.com/pay/INV2167234232?lang=en"), Ok(()));
        assert_eq!(page_url("http://127.0.0.1:8080/pay/x"), Ok(()));
        assert!(matches!(page_url("http://wallet.xaigate.com/pay/x"), Err(VerifyError::UrlScheme(_))));
        assert!(matches!(page_url("javascript:alert(1)"), Err(VerifyError::UrlShape(_))));
        assert!(matches!(page_url("https:///nohost"), Err(VerifyError::UrlShape(_))));
    }

    /// xPay's create sample (xpay.md § Create invoice › Response).
    const XPAY_BOLT11: &str = "lnbc164540n1pnvgm3xpp5dz7zmhut9nwmcrh7umvzldplsxk9wfvsy06a8q3pq0ttdvnsr0wsdp68qerwce4vf3k2ttpxpnrgtf5xa3rxttpx3nx2ttpvycnvwpexuursvnpv5cqzpuxqrpkvsp54e6ds39frtcjrhg3msydq07vjtdgv7wzv8zjjqv8nmngmah5tvyq9qxpqysgqp62fy08w5jxv3cgd720euaa4xp5jjwa369c8rmaryxl302ralz6rknhk9ffgmaxwrhhgdcu0n7z34y04gevsdguwd6jd9r9pvyc20wsqhw3mt5";

    fn at_creation() -> Timestamp {
        Timestamp::from_second(1_724_149_286).unwrap()
    }

    #[test]
    fn the_xpay_sample_invoice_passes_at_its_creation_time() {
        let v = bolt11(XPAY_BOLT11, 16_454_000, Networks::Mainnet, at_creation()).unwrap();
        assert_eq!(v.expires_at.to_string(), "2024-08-20T10:50:26Z");
        assert!(lightning_qr(&v).starts_with("LIGHTNING:LNBC164540N1"));
        assert_eq!(lightning_qr(&v), lightning_qr(&v).to_ascii_uppercase());
    }

    #[test]
    fn refuses_the_wrong_amount() {
        let err = bolt11(XPAY_BOLT11, 16_455_000, Networks::Mainnet, at_creation()).unwrap_err();
        assert_eq!(err, VerifyError::Bolt11Amount { expected: 16_455_000, found: 16_454_000 });
    }

    #[test]
    fn refuses_an_expired_invoice() {
        let later = Timestamp::from_second(1_724_151_026).unwrap();
        assert!(matches!(
            bolt11(XPAY_BOLT11, 16_454_000, Networks::Mainnet, later),
            Err(VerifyError::Bolt11Expired { .. })
        ));
    }

    #[test]
    fn refuses_a_tampered_signature_or_body() {
        // Change one character of the signature part (near the end, before the checksum).
        let mut chars: Vec<char> = XPAY_BOLT11.chars().collect();
        let i = chars.len() - 20;
        chars[i] = if chars[i] == 'q' { 'p' } else { 'q' };
        let tampered: String = chars.into_iter().collect();
        assert!(bolt11(&tampered, 16_454_000, Networks::Mainnet, at_creation()).is_err());
        assert!(matches!(
            bolt11("lnbc1notaninvoice", 1, Networks::Mainnet, at_creation()),
            Err(VerifyError::Bolt11Decode(_))
        ));
    }

    #[test]
    fn tron_addresses_pass_or_fail_their_checksum() {
        assert_eq!(tron_address("TDtSWK3dsSRJyZH4qNVzsoPsdrZz6k8B3Q"), Ok(()));
        assert_eq!(tron_address("TKbstUwMzLrfTAGL4erYb7gc7ghmHQ9zG7"), Ok(()));
        assert!(matches!(tron_address("TKbstUwMzLrfTAGL4erYb7gc7ghmHQ9zG8"), Err(VerifyError::TronChecksum(_))));
        assert!(matches!(tron_address(""), Err(VerifyError::TronShape(_))));
        assert!(matches!(tron_address("T0OIl"), Err(VerifyError::TronShape(_))));
        // A valid base58check string of the right length with a Bitcoin version byte.
        let btc_like = bs58::encode([[0u8].as_slice(), &[7u8; 20]].concat()).with_check().into_string();
        assert!(tron_address(&btc_like).is_err());
    }
}
