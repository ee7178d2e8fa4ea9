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

#[cfg(test)]
mod tests {
    use super::*;

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
