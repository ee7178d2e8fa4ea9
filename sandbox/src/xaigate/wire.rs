//! XaiGate's answers: the sandbox's error messages (the format is
//! undocumented), the invoice as sent (the 14 fields of the completed
//! sample), and the control API's errors.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

/// `apiKey` missing or not the configured one, HTTP 401.
pub(super) const MSG_INVALID_API_KEY: &str = "Invalid apiKey";
/// A create whose `orderId` is taken, HTTP 400 (providers README § What
/// till does when a create times out).
pub(super) const MSG_ORDER_EXISTS: &str = "orderId already exists";
/// Info for an unknown `invoiceNo`, HTTP 404.
pub(super) const MSG_NOT_FOUND: &str = "Invoice not found";

/// `orderId` as echoed: a number when the reference is a plain integer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub(super) enum OrderId {
    Number(u64),
    Text(String),
}

impl OrderId {
    /// The reference as text (how the control API and the till compare it).
    pub(super) fn text(&self) -> String {
        match self {
            Self::Number(n) => n.to_string(),
            Self::Text(s) => s.clone(),
        }
    }

    /// A string reference: a number when it is all digits without a leading
    /// zero (so that the text survives the round trip) and fits in a u64.
    pub(super) fn from_text(s: &str) -> Self {
        let plain = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
        match s.parse::<u64>() {
            Ok(n) if plain => Self::Number(n),
            _ => Self::Text(s.to_owned()),
        }
    }
}

/// An invoice as XaiGate sends it: the 14 fields of the completed sample, in
/// its order.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireInvoice {
    pub(super) invoice_no: String,
    pub(super) amount: String,
    pub(super) paid_amount: String,
    pub(super) to_email: String,
    pub(super) to_name: String,
    pub(super) expiry: u32,
    pub(super) description: String,
    pub(super) status: &'static str,
    pub(super) pay_url: String,
    pub(super) currency: &'static str,
    pub(super) shop_name: String,
    pub(super) order_id: OrderId,
    pub(super) created_at: String,
    pub(super) updated_at: String,
}

/// An error answer: `{"message": "…"}` with an HTTP status.
pub(super) struct Refusal {
    pub(super) status: StatusCode,
    pub(super) message: String,
}

impl Refusal {
    pub(super) fn bad(message: impl Into<String>) -> Self {
        Self { status: StatusCode::BAD_REQUEST, message: message.into() }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (self.status, axum::Json(json!({ "message": self.message }))).into_response()
    }
}
