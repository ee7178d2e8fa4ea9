//! xpays.life's answers: the error messages (the doc's where it has them,
//! else the sandbox's), `{"error":"…"}`, and the payment as sent (the 41
//! fields of § Create invoice › Response, in its order).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Number, Value, json};

/// Missing or wrong `x-api-key` (doc sample `{"error":"Forbidden"}`), HTTP 403.
pub(super) const MSG_FORBIDDEN: &str = "Forbidden";
/// Bad signature, or a timestamp missing, malformed or too far off, HTTP 401.
pub(super) const MSG_INVALID_SIGNATURE: &str = "Invalid signature";
/// Unknown payment id, HTTP 404.
pub(super) const MSG_NOT_FOUND: &str = "Payment not found";
/// A reused `order_id`, HTTP 400 (the doc: it "must be unique").
pub(super) const MSG_ORDER_EXISTS: &str = "order_id already exists";

#[derive(Clone, Debug, Serialize)]
pub(crate) struct WirePayment {
    pub(super) id: String,
    pub(super) seq_num: u64,
    pub(super) order_id: String,
    pub(super) chain: String,
    pub(super) network: &'static str,
    pub(super) from_fiat_currency: String,
    pub(super) to_crypto_currency: String,
    pub(super) amount: String,
    pub(super) payment_amount: Number,
    pub(super) payer_paid_currency: Option<String>,
    pub(super) payer_paid_amount: Option<Number>,
    pub(super) merchant_amount: Number,
    pub(super) txid: Option<String>,
    pub(super) address: String,
    pub(super) from_address: Option<String>,
    pub(super) auto_convert: bool,
    pub(super) convert_to: String,
    pub(super) payment_url: String,
    pub(super) url_return: String,
    pub(super) url_success: String,
    pub(super) url_failed: String,
    pub(super) is_multiple_order: bool,
    pub(super) lifetime: u64,
    pub(super) expired_at: String,
    pub(super) fee_subtract: u64,
    pub(super) fee_percent: Number,
    pub(super) discount_percent: Number,
    pub(super) discount_amount: u64,
    pub(super) accuracy_percent: u64,
    pub(super) additional_data: Value,
    pub(super) support_currencies: Option<Value>,
    pub(super) except_currencies: Option<Value>,
    pub(super) exchange_rate: Option<Number>,
    pub(super) exchange_rate_source: &'static str,
    pub(super) payment_status: &'static str,
    pub(super) payment_match_type: &'static str,
    pub(super) is_completed: bool,
    pub(super) status: &'static str,
    pub(super) created_at: String,
    pub(super) owned_by_group: String,
    pub(super) agent_id: String,
}

/// `{"error":"<message>"}` with `status` (§ Errors and limits).
pub(super) fn fail(status: StatusCode, message: impl Into<String>) -> Response {
    (status, axum::Json(json!({ "error": message.into() }))).into_response()
}
