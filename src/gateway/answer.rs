//! What every adapter checks of a gateway's answer, written once: that it is
//! about our invoice (reference, amount), the report when it is not, and the
//! one log line for an answer the till's checks refuse.

use super::error::GatewayError;
use crate::core::invoice::{Reference, StatusReport};
use crate::core::method::ProviderId;

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
