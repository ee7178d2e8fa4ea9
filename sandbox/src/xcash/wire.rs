//! Xcash's answers: the error codes (§ Errors and limits), Django REST
//! framework's bare `{"detail"}` errors, and the create and status shapes.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};

/// Error codes used (§ Errors and limits; English messages of the server's
/// `en` catalogue).
#[derive(Clone, Copy, Debug)]
pub(super) enum Code {
    Parameter,
    InvalidAppid,
    Signature,
    DuplicateOutNo,
    Timestamp,
    Replay,
    InvalidChain,
    InvalidCrypto,
    InvalidCurrency,
    InvoiceStatus,
    NoRecipient,
    TooManyWaiting,
    InvoiceExpired,
}

impl Code {
    fn parts(self) -> (&'static str, &'static str, StatusCode) {
        match self {
            Code::Parameter => ("1000", "Parameter error", StatusCode::BAD_REQUEST),
            Code::InvalidAppid => ("1001", "Invalid AppID", StatusCode::BAD_REQUEST),
            Code::Signature => ("1003", "Invalid signature", StatusCode::FORBIDDEN),
            Code::DuplicateOutNo => ("1007", "Duplicate out_no", StatusCode::BAD_REQUEST),
            Code::Timestamp => ("1008", "Timestamp header invalid", StatusCode::BAD_REQUEST),
            Code::Replay => ("1009", "Repeat", StatusCode::BAD_REQUEST),
            Code::InvalidChain => ("2000", "Invalid chain", StatusCode::BAD_REQUEST),
            Code::InvalidCrypto => ("2001", "Invalid token", StatusCode::BAD_REQUEST),
            Code::InvalidCurrency => ("5000", "Incorrect invoice type", StatusCode::BAD_REQUEST),
            Code::InvoiceStatus => ("5006", "Incorrect invoice status", StatusCode::BAD_REQUEST),
            Code::NoRecipient => ("5008", "No valid recipient address.", StatusCode::BAD_REQUEST),
            Code::TooManyWaiting => ("5009", "Too many pending invoices, please do not abuse", StatusCode::BAD_REQUEST),
            Code::InvoiceExpired => ("5012", "Invoice expired", StatusCode::BAD_REQUEST),
        }
    }

    pub(super) fn refuse(self, detail: Value) -> Refusal {
        Refusal::Code(self, detail)
    }

    /// `{"code":"<code>","message":"…","detail":…}` with the code's HTTP status.
    pub(super) fn answer(self, detail: Value) -> Response {
        let (code, message, status) = self.parts();
        (status, axum::Json(json!({ "code": code, "message": message, "detail": detail }))).into_response()
    }
}

/// Why a request is refused, before it becomes a [`Response`].
#[derive(Debug)]
pub(super) enum Refusal {
    /// `{"code","message","detail"}`.
    Code(Code, Value),
    /// DRF's `{"detail":"…"}`.
    Drf(StatusCode, String),
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Code(code, detail) => code.answer(detail),
            Refusal::Drf(status, detail) => drf(status, detail),
        }
    }
}

impl Refusal {
    /// The refusal as one line of text: `<code> <message>: <detail>`.
    pub(super) fn describe(&self) -> String {
        match self {
            Refusal::Code(code, detail) => {
                let (code, message, _) = code.parts();
                format!("{code} {message}: {detail}")
            }
            Refusal::Drf(_, detail) => detail.clone(),
        }
    }
}

/// Django REST framework's `{"detail":"…"}`.
pub(super) fn drf(status: StatusCode, detail: impl Into<String>) -> Response {
    (status, axum::Json(json!({ "detail": detail.into() }))).into_response()
}

pub(super) fn not_found() -> Response {
    drf(StatusCode::NOT_FOUND, "Not found.")
}

// ---------------------------------------------------------------------------
// Answers.

/// `payment`: the matched on-chain transfer (§ Query status).
#[derive(Clone, Debug, Serialize)]
pub(super) struct Payment {
    pub(super) chain: String,
    pub(super) block: u64,
    pub(super) hash: String,
    pub(super) from_address: String,
    pub(super) to_address: String,
    pub(super) crypto: String,
    pub(super) amount: String,
    pub(super) datetime: String,
    pub(super) status: &'static str,
    pub(super) confirm_progress: String,
}

/// The create answer (§ What the server's code says › Create success), in
/// the server's field order.
#[derive(Serialize)]
pub(super) struct WireCreate {
    pub(super) appid: String,
    pub(super) sys_no: String,
    pub(super) out_no: String,
    pub(super) title: String,
    pub(super) currency: String,
    pub(super) amount: String,
    pub(super) methods: BTreeMap<String, Vec<String>>,
    pub(super) chain: Option<String>,
    pub(super) crypto: Option<String>,
    pub(super) crypto_address: Option<String>,
    pub(super) pay_address: Option<String>,
    pub(super) pay_amount: Option<String>,
    pub(super) pay_url: String,
    pub(super) started_at: Option<String>,
    pub(super) created_at: String,
    pub(super) expires_at: String,
    pub(super) notify_url: Option<String>,
    pub(super) return_url: Option<String>,
    pub(super) payment: Option<Payment>,
    pub(super) status: &'static str,
    pub(super) risk_level: Option<String>,
    pub(super) risk_score: Option<String>,
}

/// The status answer (§ Query status; § What the server's code says ›
/// Status: no `appid`, `out_no`, `notify_url`; adds `payment_uri`,
/// `evm_payment`, `tron_payment`, whose shapes are undocumented: `null`).
#[derive(Clone, Debug, Serialize)]
pub(crate) struct WireStatus {
    pub(super) sys_no: String,
    pub(super) title: String,
    pub(super) currency: String,
    pub(super) amount: String,
    pub(super) methods: BTreeMap<String, Vec<String>>,
    pub(super) chain: Option<String>,
    pub(super) crypto: Option<String>,
    pub(super) crypto_address: Option<String>,
    pub(super) pay_address: Option<String>,
    pub(super) pay_amount: Option<String>,
    pub(super) pay_url: String,
    pub(super) started_at: Option<String>,
    pub(super) created_at: String,
    pub(super) expires_at: String,
    pub(super) return_url: Option<String>,
    pub(super) payment: Option<Payment>,
    pub(super) status: &'static str,
    pub(super) risk_level: Option<String>,
    pub(super) risk_score: Option<String>,
    pub(super) payment_uri: Option<String>,
    pub(super) evm_payment: Option<Value>,
    pub(super) tron_payment: Option<Value>,
}
