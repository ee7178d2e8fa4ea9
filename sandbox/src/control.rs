//! The control API under `/_sandbox/`: no auth, JSON answers. Tests and the
//! demo's "simulate payment" key drive the simulated gateways through it.
//!
//! | Route | Effect |
//! |---|---|
//! | `GET /_sandbox/requests` | `{"<path>": count, …}` of gateway requests |
//!
//! Elsewhere: `/_sandbox/faults` (faults.rs), `/_sandbox/rates` (rates.rs),
//! `/_sandbox/{gateway}/seed` (seed/), each gateway's
//! `/_sandbox/{gateway}/invoices…` (its folder; xPay's
//! `/_sandbox/xpay/bills…` and `/_sandbox/xpay/tokens/expire` in
//! xpay/control.rs). Control paths start with [`crate::gateway::PREFIX`].

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/_sandbox/requests", get(requests))
}

/// Any path nobody serves: HTTP 404 `{"error":"not found"}`.
pub(crate) async fn not_found() -> Response {
    fail(StatusCode::NOT_FOUND, "not found")
}

/// `{"error": message}` with `status`: how every control route refuses.
pub(crate) fn fail(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}

/// Why an invoice action (CONTROL.md § Invoice actions) was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ControlError {
    /// HTTP 404 `no such invoice`.
    NotFound,
    /// HTTP 409: the invoice's state does not allow the action.
    Conflict(String),
    /// HTTP 400: an action the gateway cannot express, or a bad body.
    BadRequest(String),
}

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        match self {
            Self::NotFound => fail(StatusCode::NOT_FOUND, "no such invoice"),
            Self::Conflict(message) => fail(StatusCode::CONFLICT, &message),
            Self::BadRequest(message) => fail(StatusCode::BAD_REQUEST, &message),
        }
    }
}

async fn requests(State(shared): State<AppState>) -> Response {
    axum::Json(shared.request_counts()).into_response()
}
