//! XaiGate's routes: create and info, and the control routes.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::request::{Action, CreateRequest, authenticated_body, required_string};
use super::store::new_invoice;
use super::wire::{MSG_NOT_FOUND, Refusal};
use crate::AppState;
use crate::time::now_us;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/invoice/create", post(create))
        .route("/api/v1/invoice/info", post(info))
        .route("/_sandbox/xaigate/invoices", get(control_list))
        .route("/_sandbox/xaigate/invoices/{id}/{action}", post(control_action))
}

/// `POST /api/v1/invoice/create` (§ Create invoice).
async fn create(State(shared): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let req =
        match authenticated_body(&shared.xaigate.api_key, &headers, &body).and_then(|obj| CreateRequest::parse(&obj)) {
            Ok(req) => req,
            Err(refusal) => return refusal.into_response(),
        };
    let invoice = new_invoice(req, shared.xaigate.expiry_minutes, now_us());
    match shared.xaigate.insert(invoice) {
        Ok(invoice) => axum::Json(invoice).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

/// `POST /api/v1/invoice/info` (§ Query status).
async fn info(State(shared): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let invoice_no = match authenticated_body(&shared.xaigate.api_key, &headers, &body).and_then(|obj| {
        let no = required_string(&obj, "invoiceNo")?;
        Ok(no.to_owned())
    }) {
        Ok(no) => no,
        Err(refusal) => return refusal.into_response(),
    };
    match shared.xaigate.info(&invoice_no, now_us()) {
        Some(invoice) => axum::Json(invoice).into_response(),
        None => Refusal { status: StatusCode::NOT_FOUND, message: MSG_NOT_FOUND.into() }.into_response(),
    }
}

// -- control ------------------------------------------------------------------

/// `GET /_sandbox/xaigate/invoices`.
async fn control_list(State(shared): State<AppState>) -> Response {
    axum::Json(shared.xaigate.list(now_us())).into_response()
}

/// `POST /_sandbox/xaigate/invoices/{id}/{action}`: `{id}` is an `invoiceNo`
/// or an `orderId`. pay → `Paid` (`paidAmount` = `amount`); partial →
/// `PaidPartial` (half); expire → `Expired` (`paidAmount` kept); cancel →
/// `Deleted`; weird → `Refunded` (any state); seen, view → 400. pay on an
/// `Expired` invoice credits it late: `Paid`. Otherwise a final invoice
/// (`Paid`, `Expired`, `Deleted`) → 409.
async fn control_action(State(shared): State<AppState>, Path((id, action)): Path<(String, String)>) -> Response {
    let result = Action::parse(&action).and_then(|action| shared.xaigate.act(&id, action, now_us()));
    match result {
        Ok(invoice) => axum::Json(invoice).into_response(),
        Err(refused) => refused.into_response(),
    }
}
