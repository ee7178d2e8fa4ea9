//! XaiGate on the wire (xaigate.md): the request bodies (which carry the
//! `apiKey`), the answer read as an invoice object with its message redacted,
//! the case-sensitive status mapping, and invoices read into verified ones.
//! Pure: no I/O.

use crate::core::invoice::{Invoice, Payload, PayloadKind, StatusReport};
use crate::core::method::{MethodId, PaymentMethod, ProviderId};
use crate::core::money::{Currency, Money};
use crate::core::status::Status;
use crate::gateway::CreateRequest;
use crate::gateway::answer::{self, Made};
use crate::gateway::error::GatewayError;
use crate::gateway::http::Reply;
use crate::gateway::json::{self, Fields};
use crate::gateway::verify;
use crate::secret::redact;
use jiff::SignedDuration;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

pub(super) const P: ProviderId = ProviderId::Xaigate;

/// How many times a create that surely was not processed is sent.
pub(super) const CREATE_ATTEMPTS: u32 = 3;

// ---- wire types: requests (xaigate.md § Create invoice › What till sends, § Query status)

#[derive(Serialize)]
pub struct CreateBody<'a> {
    #[serde(rename = "apiKey")]
    pub api_key: &'a str,
    #[serde(rename = "orderId")]
    pub order_id: &'a str,
    /// A decimal string, as both request tables type it.
    pub amount: String,
    pub currency: &'a str,
    pub email: &'a str,
    #[serde(rename = "shopName")]
    pub shop_name: &'a str,
    pub description: String,
}

#[derive(Serialize)]
pub(super) struct InfoBody<'a> {
    #[serde(rename = "apiKey")]
    pub(super) api_key: &'a str,
    #[serde(rename = "invoiceNo")]
    pub(super) invoice_no: &'a str,
}

// ---- pure parsing of XaiGate answers

/// An answer as the invoice object: non-2xx, not JSON, or no `invoiceNo` is
/// a failure (xaigate.md § Errors and limits). The message is the body's own.
pub fn invoice_of(reply: &Reply, api_key: &str) -> Result<Value, GatewayError> {
    let said = || {
        let body = redact(&String::from_utf8_lossy(&reply.body), &[api_key]);
        let v: Option<Value> = serde_json::from_str(&body).ok();
        let message = v
            .as_ref()
            .and_then(|v| v.get("message").or_else(|| v.get("error")).or_else(|| v.get("msg")))
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or(body);
        message.chars().take(200).collect::<String>()
    };
    match reply.status {
        200..=299 => {}
        401 | 403 => return Err(GatewayError::Credentials { provider: P }),
        s if s >= 500 => return Err(GatewayError::Http { provider: P, status: s }),
        _ => return Err(GatewayError::Refused { provider: P, message: said() }),
    }
    let v = json::parse(P, &reply.body)?;
    match v.get("invoiceNo") {
        Some(Value::String(s)) if !s.is_empty() => Ok(v),
        Some(Value::Number(_)) => Ok(v),
        _ if v.get("message").is_some() || v.get("error").is_some() => {
            Err(GatewayError::Refused { provider: P, message: said() })
        }
        _ => Err(GatewayError::protocol(P, "invoiceNo", "missing")),
    }
}

/// The normalized status (xaigate.md § Mapping to till); case-sensitive.
pub fn derive_status(inv: &Value) -> (Status, String) {
    let status = inv.get("status").and_then(Value::as_str);
    let paid = inv.get("paidAmount").and_then(json::decimal);
    let raw = format!(
        "status={} paidAmount={}",
        status.unwrap_or("(missing)"),
        paid.map_or_else(|| "(missing)".to_string(), |p| p.to_string())
    );
    let state = match status {
        Some("Pending") => Status::Pending,
        Some("PaidPartial") => Status::Underpaid,
        Some("Paid") => Status::Paid,
        Some("Expired") if paid.is_some_and(|p| p > Decimal::ZERO) => Status::ExpiredUnderpaid,
        Some("Expired") if paid.is_none_or(|p| p.is_zero()) => Status::Expired,
        Some("Deleted") => Status::Canceled,
        _ => Status::Unknown(raw.clone()),
    };
    (state, raw)
}

/// The report; `paidAmount` is taken to be in the invoice's fiat currency.
pub fn report(inv: &Value, currency: &Currency) -> StatusReport {
    let (status, raw) = derive_status(inv);
    let received = inv
        .get("paidAmount")
        .and_then(json::decimal)
        .filter(|p| *p > Decimal::ZERO)
        .map(|p| Money::new(p, currency.clone()));
    StatusReport { status, raw, received, tx_id: None, paid_with: None }
}

/// Turns an invoice object into a verified invoice: the QR is `payUrl`.
pub fn invoice_from(inv: &Value, request: &CreateRequest) -> Result<Invoice, GatewayError> {
    let f = Fields::new(P, "", inv);
    let id = f.text("invoiceNo")?;
    answer::our_reference(P, "orderId", &f.text("orderId")?, &request.reference)?;
    answer::same_amount(P, "amount", f.decimal("amount")?, request.amount.amount)?;
    if let Some(c) = f.opt_str("currency")?
        && c != request.amount.currency.code()
    {
        return Err(GatewayError::protocol(P, "currency", "differs from the shop's"));
    }
    let created_at = f.instant("createdAt")?;
    let minutes = f.int("expiry")?;
    let minutes = i64::try_from(minutes)
        .ok()
        .filter(|m| (1..=10_080).contains(m))
        .ok_or_else(|| GatewayError::protocol(P, "expiry", "not a number of minutes"))?;
    // Assumption (xaigate.md § Mapping to till): validity runs from createdAt.
    let expires_at = created_at
        .checked_add(SignedDuration::from_mins(minutes))
        .map_err(|_| GatewayError::protocol(P, "expiry", "out of range"))?;
    let url = f.str("payUrl")?;
    verify::page_url(url).map_err(|error| GatewayError::Unverified { provider: P, error })?;
    let report = report(inv, &request.amount.currency);
    let payload = Payload { kind: PayloadKind::Page, qr: url.to_string(), text: url.to_string() };
    let method = PaymentMethod::new(P, MethodId::Checkout);
    Ok(Made { id, method, crypto: None, payload, valid: (created_at, expires_at) }.invoice(request, report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_status_value_maps_case_sensitively() {
        use Status::*;
        let cases = [
            (json!({"status": "Pending", "paidAmount": "0"}), Pending),
            (json!({"status": "PaidPartial", "paidAmount": "4"}), Underpaid),
            (json!({"status": "Paid", "paidAmount": "10"}), Paid),
            (json!({"status": "Expired", "paidAmount": "0"}), Expired),
            (json!({"status": "Expired", "paidAmount": 0}), Expired),
            (json!({"status": "Expired", "paidAmount": "2.5"}), ExpiredUnderpaid),
            (json!({"status": "Deleted", "paidAmount": "0"}), Canceled),
        ];
        for (v, want) in cases {
            assert_eq!(derive_status(&v).0, want, "{v}");
        }
        for v in [json!({"status": "paid"}), json!({"status": "Refunded"}), json!({"status": 1}), json!({})] {
            assert!(matches!(derive_status(&v).0, Unknown(_)), "{v}");
        }
    }

    #[test]
    fn the_key_never_reaches_a_message() {
        let reply = Reply {
            status: 400,
            body: br#"{"message":"bad apiKey fdda9f03-6409-43eb-a6ef-e1f6cea71c2e"}"#.to_vec(),
            date: None,
        };
        let e = invoice_of(&reply, "fdda9f03-6409-43eb-a6ef-e1f6cea71c2e").unwrap_err();
        assert!(!e.problem().message.contains("fdda9f03"), "{}", e.problem().message);
        assert!(e.problem().message.contains("bad apiKey ***"));
    }
}
