//! Bitsby's answers: the messages, the shapes of § Create invoice and
//! § Query status, and the `{"result","data"}` envelope (§ Errors and limits).

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

pub(super) const MSG_INVALID_TOKEN: &str = "Invalid token";
/// Doc, verbatim (§ Errors and limits).
pub(super) const MSG_TOO_FREQUENT: &str = "Requests too frequent";
pub(super) const MSG_NOT_MULTIPART: &str = "Request must be multipart/form-data";
pub(super) const MSG_PROJECT_NOT_FOUND: &str = "Project not found";
pub(super) const MSG_NO_WALLETS: &str = "The project has no wallets";
pub(super) const MSG_INVOICE_NOT_FOUND: &str = "Invoice not found";
pub(super) const MSG_CANCEL_VIEWED: &str = "The invoice cannot be canceled: the payment page has been viewed";

/// `wallets[]` of the create answer.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WireWallet {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) blockchain: String,
    pub(super) cryptocurrency: String,
    pub(super) address: String,
    pub(super) amount_crypto: String,
}

/// The create answer's `data`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WireCreated {
    pub(super) id: String,
    pub(super) uid: String,
    pub(super) create_datetime: String,
    pub(super) time_to_pay_datetime: String,
    pub(super) url: String,
    pub(super) wallets: Vec<WireWallet>,
}

/// An `/invoices/list` item (§ Query status), in the doc's field order.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireItem {
    pub(super) id: String,
    pub(super) uid: String,
    pub(super) project_id: String,
    pub(super) create_datetime: String,
    pub(super) time_to_pay_datetime: String,
    #[serde(rename = "commissionFiatUSD")]
    pub(super) commission_fiat_usd: String,
    #[serde(rename = "amountFiatUSD")]
    pub(super) amount_fiat_usd: String,
    pub(super) amount_fiat: String,
    pub(super) currency_fiat: &'static str,
    pub(super) description: Option<String>,
    pub(super) service_data: Option<String>,
    pub(super) views: u64,
    pub(super) status: &'static str,
}

/// `wallet` of a `/payments/list` item.
#[derive(Serialize)]
pub(super) struct WirePaymentWallet {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) blockchain: String,
    pub(super) cryptocurrency: String,
    pub(super) address: String,
}

/// A `/payments/list` item (§ Query status › Payments).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WirePayment {
    pub(super) id: String,
    pub(super) amount: String,
    pub(super) hash: String,
    pub(super) transaction_datetime: String,
    pub(super) invoice: WireItem,
    pub(super) wallet: WirePaymentWallet,
}

#[derive(Serialize)]
pub(super) struct Envelope<T> {
    pub(super) result: &'static str,
    pub(super) data: T,
}

/// The envelope as JSON text, every `/` written `\/` (as PHP's json_encode
/// and the doc's sample do; `/` only occurs inside strings, where `\/` is a
/// valid escape of it).
pub(super) fn envelope<T: Serialize>(status: StatusCode, result: &'static str, data: T) -> Response {
    let text = serde_json::to_string(&Envelope { result, data })
        .unwrap_or_else(|_| r#"{"result":"error","data":"internal error"}"#.to_owned());
    (status, [(header::CONTENT_TYPE, "application/json")], text.replace('/', "\\/")).into_response()
}

pub(super) fn success<T: Serialize>(data: T) -> Response {
    envelope(StatusCode::OK, "success", data)
}

pub(super) fn error(message: &str) -> Response {
    envelope(StatusCode::OK, "error", message)
}
