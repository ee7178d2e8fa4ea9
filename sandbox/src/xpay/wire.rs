//! xPay's answers: the messages (documented ones marked "doc"), the
//! `success`/`error` envelopes, and the bill as xPay sends it.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Number, Value, json};

// ---------------------------------------------------------------------------
// Messages. Documented ones are marked "doc"; the others are the sandbox's
// choice where xpay.md is silent.

/// Login success (doc).
pub(super) const MSG_AUTHENTICATED: &str = "Authenticated";
/// Login with a wrong username or secret key (doc).
pub(super) const MSG_INVALID_CREDENTIALS: &str = "invalid credentials";
/// Missing, unknown or expired `Authorization: Bearer` token, sent with
/// HTTP 401. xPay does not document this answer: this is the sandbox's
/// choice (the till reacts to a 401 by logging in again).
pub(crate) const MSG_INVALID_TOKEN: &str = "invalid or expired token";
/// Create success (doc).
pub(super) const MSG_BILL_CREATED: &str = "bill created";
/// View success (doc).
pub(super) const MSG_BILL_FOUND: &str = "bill found";
/// Find success (sandbox's choice).
pub(super) const MSG_BILLS_FOUND: &str = "bills found";
/// Cancel success (doc).
pub(super) const MSG_BILL_CANCELED: &str = "Bill Canceled";
/// View/cancel of an unknown reference (sandbox's choice).
pub(super) const MSG_BILL_NOT_FOUND: &str = "bill not found";
/// Create with a `reference` already used (sandbox's choice; the doc says
/// "Unique Non Reusable Bill Reference").
pub(super) const MSG_REFERENCE_EXISTS: &str = "bill reference already exists";
/// Cancel of a fully paid bill (sandbox's choice).
pub(crate) const MSG_ALREADY_PAID: &str = "bill already paid";
/// Prefix of every request-validation error (sandbox's choice); the rest of
/// the message names the field and what was wrong, `data` is
/// `{"invalid": true, "field": "<name>"}`.
pub(super) const MSG_INVALID_REQUEST: &str = "invalid request";

// ---------------------------------------------------------------------------
// Envelopes and the bill.

#[derive(Serialize)]
pub(super) struct SuccessEnvelope<T> {
    pub(super) success: SuccessBody<T>,
    pub(super) uuid: String,
}

#[derive(Serialize)]
pub(super) struct SuccessBody<T> {
    pub(super) message: &'static str,
    pub(super) data: T,
}

/// Login success: here (doc sample) `uuid` sits inside `success`.
#[derive(Serialize)]
pub(super) struct LoginEnvelope {
    pub(super) success: LoginBody,
}

#[derive(Serialize)]
pub(super) struct LoginBody {
    pub(super) message: &'static str,
    pub(super) data: LoginData,
    pub(super) uuid: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct LoginData {
    pub(super) success: bool,
    pub(super) expires_at: i64,
    pub(super) user: LoginUser,
    pub(super) ticket: String,
    #[serde(rename = "access_token")]
    pub(super) access_token: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct LoginUser {
    pub(super) username: String,
    pub(super) scopes: [&'static str; 1],
    #[serde(rename = "isAPI")]
    pub(super) is_api: bool,
}

/// `bills/find`: the page of bills plus paging info beside `data`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct FindBody {
    pub(super) message: &'static str,
    pub(super) data: Vec<WireBill>,
    pub(super) page: u64,
    pub(super) page_size: u64,
    pub(super) next_page: bool,
    pub(super) total: u64,
    pub(super) count: u64,
}

#[derive(Serialize)]
pub(super) struct FindEnvelope {
    pub(super) success: FindBody,
    pub(super) uuid: String,
}

#[derive(Serialize)]
pub(super) struct ErrorEnvelope {
    pub(super) error: ErrorBody,
    pub(super) uuid: String,
}

#[derive(Serialize)]
pub(super) struct ErrorBody {
    pub(super) message: String,
    pub(super) data: Value,
    pub(super) tag: String,
}

/// `address`: a string in the create answer, `{base58, hex}` when viewed.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub(crate) enum WireAddress {
    Text(String),
    Object { base58: String, hex: String },
}

/// A bill as xPay sends it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireBill {
    pub(super) uuid: String,
    pub(super) username: String,
    pub(super) wallet: String,
    pub(super) hex: String,
    pub(super) address: WireAddress,
    pub(super) created_at: i64,
    pub(super) bill_ref: String,
    pub(super) bill_amount: u64,
    pub(super) paid_amount: u64,
    pub(super) testnet: bool,
    pub(super) tag: String,
    pub(super) starting: i64,
    pub(super) until: i64,
    pub(super) closed: bool,
    pub(super) canceled: bool,
    pub(super) cooldown: u64,
    pub(super) txs: Vec<Tx>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) ln_invoice: Option<LnInvoice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) ln_receipt: Option<Value>,
    #[serde(rename = "callbackURL", skip_serializing_if = "Option::is_none")]
    pub(super) callback_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) email: Option<String>,
}

/// One payment seen on a bill (`txs[]`).
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Tx {
    #[serde(rename = "txRef")]
    pub(super) tx_ref: String,
    #[serde(rename = "txID")]
    pub(super) tx_id: String,
    /// Satoshis for Lightning, micro-dollars for TRON.
    pub(super) amount: u64,
    /// Epoch ms.
    pub(super) timestamp: i64,
}

/// `lnInvoice`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LnInvoice {
    /// Epoch **seconds**.
    pub(super) created_at: i64,
    pub(super) external_id: String,
    pub(super) payment_request: String,
    pub(super) payment_hash: String,
    pub(super) payment_secret: String,
    /// Always `"PENDING"`, even once paid (as in the doc's view sample).
    pub(super) payment_status: &'static str,
    pub(super) satoshis: u64,
    pub(super) dollars: Number,
}

pub(super) fn success<T: Serialize>(uuid: String, message: &'static str, data: T) -> Response {
    axum::Json(SuccessEnvelope { success: SuccessBody { message, data }, uuid }).into_response()
}

pub(super) fn error_body(uuid: String, message: impl Into<String>, data: Value) -> ErrorEnvelope {
    ErrorEnvelope { error: ErrorBody { message: message.into(), data, tag: crate::new_uuid() }, uuid }
}

/// A business error: HTTP 200 with an `error` envelope.
pub(super) fn error(uuid: String, message: impl Into<String>, data: Value) -> Response {
    axum::Json(error_body(uuid, message, data)).into_response()
}

/// The sandbox's answer to a bad token: HTTP 401, `error` envelope.
pub(super) fn unauthorized(uuid: String) -> Response {
    (StatusCode::UNAUTHORIZED, axum::Json(error_body(uuid, MSG_INVALID_TOKEN, Value::Null))).into_response()
}

/// A request that breaks the documented wire format.
pub(super) struct Invalid {
    pub(super) field: &'static str,
    pub(super) problem: String,
}

impl Invalid {
    pub(super) fn new(field: &'static str, problem: impl Into<String>) -> Self {
        Self { field, problem: problem.into() }
    }

    pub(super) fn into_response(self, uuid: String) -> Response {
        let message = if self.field.is_empty() {
            format!("{MSG_INVALID_REQUEST}: {}", self.problem)
        } else {
            format!("{MSG_INVALID_REQUEST}: {} {}", self.field, self.problem)
        };
        error(uuid, message, json!({ "invalid": true, "field": self.field }))
    }
}
