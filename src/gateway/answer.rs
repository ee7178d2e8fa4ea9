//! What every adapter checks of a gateway's answer, written once: that it is
//! about our invoice (reference, amount), the invoice it makes, the report
//! when it is not, the one log line for an answer the till's checks refuse,
//! the config check's probe, and how a create's unreadable answer counts.

use super::CreateRequest;
use super::error::GatewayError;
use super::http::Reply;
use crate::core::invoice::{CryptoAmount, Invoice, Payload, Reference, StatusReport};
use crate::core::method::{PaymentMethod, ProviderId};
use jiff::Timestamp;

/// A field that must carry our reference.
pub fn our_reference(provider: ProviderId, field: &str, got: &str, reference: &Reference) -> Result<(), GatewayError> {
    if got == reference.as_str() {
        Ok(())
    } else {
        Err(GatewayError::protocol(provider, field, "does not match our reference"))
    }
}

/// A field that must carry the amount asked.
pub fn same_amount<T: PartialEq>(provider: ProviderId, field: &str, got: T, asked: T) -> Result<(), GatewayError> {
    if got == asked { Ok(()) } else { Err(GatewayError::protocol(provider, field, "differs from the amount asked")) }
}

/// The report for an answer that cannot be read as this invoice's status:
/// `unknown`, with these words as the raw value. Polling goes on.
pub fn unknown(raw: &str) -> StatusReport {
    StatusReport {
        status: crate::core::status::Status::Unknown(raw.to_string()),
        raw: raw.to_string(),
        received: None,
        tx_id: None,
        paid_with: None,
    }
}

/// A created invoice as the till's checks left it: a refusal is logged here,
/// the same way for every gateway.
pub fn vetted<T>(
    provider: ProviderId,
    reference: &Reference,
    checked: Result<T, GatewayError>,
) -> Result<T, GatewayError> {
    checked.inspect_err(|e| {
        tracing::warn!(provider = provider.id(), %reference, error = %e, "invoice refused by the till's checks");
    })
}

/// What a gateway's answer says of a new invoice, once checked; the rest is
/// our request's.
pub struct Made {
    pub id: String,
    pub method: PaymentMethod,
    pub crypto: Option<CryptoAmount>,
    pub payload: Payload,
    /// From its creation to its expiry.
    pub valid: (Timestamp, Timestamp),
}

impl Made {
    /// The invoice, in the state `report` gives, with no other choices.
    pub fn invoice(self, request: &CreateRequest, report: StatusReport) -> Invoice {
        let (created_at, expires_at) = self.valid;
        Invoice {
            id: self.id,
            reference: request.reference.clone(),
            method: self.method,
            fiat: request.amount.clone(),
            crypto: self.crypto,
            payload: self.payload,
            created_at,
            expires_at,
            status: report.status,
            received: report.received,
            choices: Vec::new(),
        }
    }
}

/// The config check's probe for something that does not exist: an answer,
/// or a refusal saying it does not exist, means `accepted`.
pub fn probed<T>(answer: Result<T, GatewayError>, accepted: &str, what: &str) -> Result<String, GatewayError> {
    match answer {
        Ok(_) => Ok(accepted.to_string()),
        Err(GatewayError::Refused { message, .. }) => {
            Ok(format!("{accepted} (no such {what}, as expected: \"{message}\")"))
        }
        Err(e) => Err(e),
    }
}

/// A create's answer as `read` took it, except that a 2xx whose body cannot
/// be read (malformed, empty, HTML, or without the invoice) counts as a
/// timeout: the gateway may have made the invoice, and the adapter resolves
/// it its own way (providers README § What till does when a create times
/// out), never with a plain "try again".
pub fn create_answer<T>(provider: ProviderId, reply: &Reply, read: Result<T, GatewayError>) -> Result<T, GatewayError> {
    match read {
        Err(e @ GatewayError::Protocol { .. }) if (200..300).contains(&reply.status) => Err(GatewayError::Timeout {
            provider,
            detail: format!("HTTP {} with a body that cannot be read ({e})", reply.status),
        }),
        other => other,
    }
}

/// A refusal of a create that says our reference is already taken
/// (xpays.life `order_id already exists`, XaiGate `orderId already exists`):
/// an earlier try made the invoice, so the outcome is unknown where the
/// gateway cannot be asked, never "not created".
pub fn reference_taken(
    provider: ProviderId,
    read: Result<serde_json::Value, GatewayError>,
) -> Result<serde_json::Value, GatewayError> {
    match read {
        Err(GatewayError::Refused { message, .. }) if message.to_ascii_lowercase().contains("already exists") => {
            Err(GatewayError::OutcomeUnknown {
                provider,
                detail: format!("our reference is taken, so an earlier try made the invoice: \"{message}\""),
            })
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, body: &str) -> Reply {
        Reply { status, body: body.as_bytes().to_vec(), date: None }
    }

    #[test]
    fn an_unreadable_2xx_create_answer_is_a_timeout_and_nothing_else_changes() {
        let p = ProviderId::Xpays;
        let unreadable = || Err::<(), _>(GatewayError::protocol(p, "(body)", "not JSON"));
        for status in [200, 201] {
            let e = create_answer(p, &reply(status, "<html>"), unreadable()).unwrap_err();
            assert!(matches!(e, GatewayError::Timeout { .. }) && e.maybe_processed(), "{e:?}");
        }
        // Not a 2xx, or a refusal in the gateway's words: as read.
        let e = create_answer(p, &reply(400, "<html>"), unreadable()).unwrap_err();
        assert!(matches!(e, GatewayError::Protocol { .. }), "{e:?}");
        let refused = Err::<(), _>(GatewayError::Refused { provider: p, message: "Forbidden".into() });
        assert!(matches!(create_answer(p, &reply(200, "{}"), refused), Err(GatewayError::Refused { .. })));
        assert!(create_answer(p, &reply(200, "{}"), Ok(())).is_ok());
    }

    #[test]
    fn our_reference_taken_is_an_unknown_outcome() {
        let p = ProviderId::Xaigate;
        for message in ["orderId already exists", "order_id already exists"] {
            let taken = Err(GatewayError::Refused { provider: p, message: message.into() });
            let e = reference_taken(p, taken).unwrap_err();
            assert!(matches!(&e, GatewayError::OutcomeUnknown { detail, .. } if detail.contains(message)), "{e:?}");
        }
        let other = Err(GatewayError::Refused { provider: p, message: "amount is required".into() });
        assert!(matches!(reference_taken(p, other), Err(GatewayError::Refused { .. })));
    }
}
