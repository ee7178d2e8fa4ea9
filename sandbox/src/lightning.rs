//! BOLT11 invoices signed by a throwaway node key.
//!
//! Sandbox invoices are always for **regtest** (`lnbcrt…`): a demo invoice
//! must never be payable on mainnet.

use std::time::Duration;

use bitcoin::hashes::{Hash, sha256};
use bitcoin::secp256k1::{All, PublicKey, Secp256k1, SecretKey};
use lightning_invoice::{Currency, InvoiceBuilder, PaymentSecret};

/// Network of every sandbox invoice.
pub(crate) const CURRENCY: Currency = Currency::Regtest;
/// Description of every sandbox invoice.
pub(crate) const DESCRIPTION: &str = "till sandbox";
/// `min_final_cltv_expiry_delta` of every sandbox invoice.
pub(crate) const MIN_FINAL_CLTV_EXPIRY_DELTA: u64 = 144;

/// The sandbox's Lightning node key, generated at start.
pub(crate) struct Signer {
    secp: Secp256k1<All>,
    key: SecretKey,
    node_id: PublicKey,
}

/// A signed invoice and the secrets behind it.
#[derive(Clone, Debug)]
pub(crate) struct Invoice {
    /// The BOLT11 string (lower case).
    pub(crate) bolt11: String,
    pub(crate) payment_hash: [u8; 32],
    pub(crate) payment_secret: [u8; 32],
    /// The preimage whose SHA-256 is `payment_hash` (released on payment).
    pub(crate) preimage: [u8; 32],
}

/// What to put in an invoice.
pub(crate) struct Request {
    pub(crate) amount_msat: u64,
    /// Invoice timestamp, epoch seconds.
    pub(crate) timestamp_secs: u64,
    pub(crate) expiry: Duration,
}

impl Signer {
    /// A fresh random node key.
    pub(crate) fn generate() -> Self {
        let secp = Secp256k1::new();
        let key = loop {
            // Fails only for 0 or ≥ the curve order: probability ~2^-128.
            if let Ok(key) = SecretKey::from_slice(&crate::random_bytes::<32>()) {
                break key;
            }
        };
        let node_id = PublicKey::from_secret_key(&secp, &key);
        Self { secp, key, node_id }
    }

    /// The node's public key (the payee every invoice's signature recovers).
    pub(crate) fn node_id(&self) -> PublicKey {
        self.node_id
    }

    /// Builds and signs an invoice with a random preimage and payment secret.
    pub(crate) fn invoice(&self, req: &Request) -> Result<Invoice, lightning_invoice::CreationError> {
        let preimage = crate::random_bytes::<32>();
        let payment_hash = sha256::Hash::hash(&preimage);
        let payment_secret = crate::random_bytes::<32>();
        let invoice = InvoiceBuilder::new(CURRENCY)
            .description(DESCRIPTION.to_owned())
            .amount_milli_satoshis(req.amount_msat)
            .payment_hash(payment_hash)
            .payment_secret(PaymentSecret(payment_secret))
            .duration_since_epoch(Duration::from_secs(req.timestamp_secs))
            .expiry_time(req.expiry)
            .min_final_cltv_expiry_delta(MIN_FINAL_CLTV_EXPIRY_DELTA)
            .build_signed(|msg| self.secp.sign_ecdsa_recoverable(msg, &self.key))?;
        Ok(Invoice {
            bolt11: invoice.to_string(),
            payment_hash: payment_hash.to_byte_array(),
            payment_secret,
            preimage,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lightning_invoice::Bolt11Invoice;
    use std::str::FromStr;

    #[test]
    fn signs_a_regtest_invoice_that_decodes() {
        let signer = Signer::generate();
        let inv = signer
            .invoice(&Request {
                amount_msat: 16_667_000,
                timestamp_secs: 1_724_149_286,
                expiry: Duration::from_secs(1740),
            })
            .expect("valid invoice");
        assert!(inv.bolt11.starts_with("lnbcrt"));
        let decoded = Bolt11Invoice::from_str(&inv.bolt11).expect("decodes");
        decoded.check_signature().expect("signature");
        assert_eq!(decoded.currency(), Currency::Regtest);
        assert_eq!(decoded.amount_milli_satoshis(), Some(16_667_000));
        assert_eq!(decoded.duration_since_epoch().as_secs(), 1_724_149_286);
        assert_eq!(decoded.expiry_time(), Duration::from_secs(1740));
        assert_eq!(decoded.min_final_cltv_expiry_delta(), 144);
        assert_eq!(decoded.recover_payee_pub_key(), signer.node_id());
        assert_eq!(decoded.payment_hash().to_byte_array(), inv.payment_hash);
        assert_eq!(decoded.payment_secret().0, inv.payment_secret);
        assert_eq!(sha256::Hash::hash(&inv.preimage).to_byte_array(), inv.payment_hash);
    }
}
