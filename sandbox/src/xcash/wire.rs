//! Xcash's answers: the error codes (§ Errors and limits), Django REST
//! framework's bare `{"detail"}` errors, and the create and status shapes.

use std::collections::BTreeMap;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};

/// Error codes used (§ Errors and limits): English messages of the server's
/// `en` catalogue, or Chinese where the deployment did not compile its
/// translations ([`in_language`]).
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

    /// The message of the server's source language, Chinese: what a
    /// deployment that did not compile its English translations answers,
    /// whatever `Accept-Language` says (xcash.md § Measured).
    fn chinese(self) -> &'static str {
        match self {
            Code::Parameter => "参数错误",
            Code::InvalidAppid => "无效的AppID",
            Code::Signature => "签名错误",
            Code::DuplicateOutNo => "商户订单号重复",
            Code::Timestamp => "时间戳无效",
            Code::Replay => "重复请求",
            Code::InvalidChain => "无效的链",
            Code::InvalidCrypto => "无效的代币",
            Code::InvalidCurrency => "账单类型错误",
            Code::InvoiceStatus => "账单状态错误",
            Code::NoRecipient => "没有有效的收款地址。",
            Code::TooManyWaiting => "待支付账单过多，请勿滥用",
            Code::InvoiceExpired => "账单已过期",
        }
    }

    const ALL: [Code; 13] = [
        Code::Parameter,
        Code::InvalidAppid,
        Code::Signature,
        Code::DuplicateOutNo,
        Code::Timestamp,
        Code::Replay,
        Code::InvalidChain,
        Code::InvalidCrypto,
        Code::InvalidCurrency,
        Code::InvoiceStatus,
        Code::NoRecipient,
        Code::TooManyWaiting,
        Code::InvoiceExpired,
    ];

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
    drf(StatusCode::NOT_FOUND, NOT_FOUND)
}

const NOT_FOUND: &str = "Not found.";

/// What the real server answers for a trailing slash or an unknown route
/// (measured): Django's HTML 403 page, not JSON.
const FORBIDDEN_PAGE: &str = "<!doctype html>\n<html lang=\"en\">\n<head>\n  <title>403 Forbidden</title>\n</head>\n<body>\n  <h1>403 Forbidden</h1><p></p>\n</body>\n</html>\n";

/// An unknown route or a trailing slash: HTML 403.
pub(super) fn forbidden_page() -> Response {
    (StatusCode::FORBIDDEN, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], FORBIDDEN_PAGE).into_response()
}

/// Largest error body [`in_language`] reads (the sandbox's own are small).
const ERROR_READ_LIMIT: usize = 64 * 1024;

/// An error answer in the deployment's language: as it is when `english`
/// (translations compiled), else with the Chinese message of its `code`
/// (and DRF's `未找到。` for `Not found.`). Other answers pass unchanged.
pub(super) async fn in_language(resp: Response, english: bool) -> Response {
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if english || resp.status().is_success() || !is_json {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, ERROR_READ_LIMIT).await else {
        return (parts.status, "").into_response();
    };
    let Ok(mut v) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, axum::body::Body::from(bytes));
    };
    let chinese = v
        .get("code")
        .and_then(Value::as_str)
        .and_then(|code| Code::ALL.into_iter().find(|c| c.parts().0 == code))
        .map(Code::chinese);
    if let Some(message) = chinese {
        v["message"] = json!(message);
    } else if v.get("detail").and_then(Value::as_str) == Some(NOT_FOUND) {
        v["detail"] = json!("未找到。");
    }
    let mut headers = parts.headers;
    headers.remove(header::CONTENT_LENGTH);
    (parts.status, headers, axum::Json(v)).into_response()
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
    pub(super) confirm_progress: ConfirmProgress,
}

impl Payment {
    /// The same transfer, now fully confirmed.
    pub(super) fn confirmed(self) -> Self {
        let required = self.confirm_progress.required;
        Self { status: "confirmed", confirm_progress: ConfirmProgress::new(required, required), ..self }
    }
}

/// `payment.confirm_progress`: an object on the real server (measured; its
/// fields are undocumented, so these are the sandbox's own).
#[derive(Clone, Copy, Debug, Serialize)]
pub(super) struct ConfirmProgress {
    pub(super) confirmations: u32,
    pub(super) required: u32,
}

impl ConfirmProgress {
    pub(super) fn new(confirmations: u32, required: u32) -> Self {
        Self { confirmations, required }
    }
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
