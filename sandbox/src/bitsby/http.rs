//! Bitsby's routes: auth and the rate limit before anything else, then
//! create, list, cancel, payments, and the control routes.

use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::request::{Action, CreateRequest, Form, ListQuery, PaymentsQuery, read_form};
use super::wire::{MSG_INVALID_TOKEN, MSG_TOO_FREQUENT, envelope, error, success};
use crate::{AppState, now_ms};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/invoices/create", post(create))
        .route("/invoices/list", post(list))
        .route("/invoices/cancel", post(cancel))
        .route("/payments/list", post(payments))
        .route("/_sandbox/bitsby/invoices", get(control_list))
        .route("/_sandbox/bitsby/invoices/{id}/{action}", post(control_action))
}

/// Auth, then the rate limit, then the form: what every gateway route does
/// first.
async fn admitted_form(shared: &AppState, req: Request) -> Result<Form, Response> {
    let store = &shared.bitsby;
    if !store.token_ok(req.headers()) {
        return Err(envelope(StatusCode::UNAUTHORIZED, "error", MSG_INVALID_TOKEN));
    }
    if !store.admit(Instant::now()) {
        return Err(error(MSG_TOO_FREQUENT));
    }
    read_form(req).await.map_err(|msg| error(&msg))
}

/// `POST /invoices/create` (§ Create invoice).
async fn create(State(shared): State<AppState>, req: Request) -> Response {
    let form = match admitted_form(&shared, req).await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    match CreateRequest::parse(&form).and_then(|req| shared.bitsby.create(req, now_ms())) {
        Ok(created) => success(created),
        Err(msg) => error(&msg),
    }
}

/// `POST /invoices/list` (§ Query status).
async fn list(State(shared): State<AppState>, req: Request) -> Response {
    let form = match admitted_form(&shared, req).await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    match ListQuery::parse(&form) {
        Ok(q) => success(shared.bitsby.list(&q, now_ms())),
        Err(msg) => error(&msg),
    }
}

/// `POST /invoices/cancel` (§ Cancel).
async fn cancel(State(shared): State<AppState>, req: Request) -> Response {
    let form = match admitted_form(&shared, req).await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    match form.required("invoiceId").and_then(|id| shared.bitsby.cancel(id, now_ms())) {
        Ok(item) => success(item),
        Err(msg) => error(&msg),
    }
}

/// `POST /payments/list` (§ Query status › Payments).
async fn payments(State(shared): State<AppState>, req: Request) -> Response {
    let form = match admitted_form(&shared, req).await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    match PaymentsQuery::parse(&form) {
        Ok(q) => success(shared.bitsby.payments(&q, now_ms())),
        Err(msg) => error(&msg),
    }
}

// -- control ------------------------------------------------------------------

/// `GET /_sandbox/bitsby/invoices`.
async fn control_list(State(shared): State<AppState>) -> Response {
    axum::Json(shared.bitsby.all(now_ms())).into_response()
}

/// `POST /_sandbox/bitsby/invoices/{id}/{action}`: `{id}` is an invoice `id`,
/// its `uid`, or `serviceData.till_sale`. pay (body `{"wallet":
/// "<blockchain>/<cryptocurrency>"}`, default the first wallet) → `paid` and a
/// payment of exactly that wallet's `amountCrypto` (on an `expired` invoice
/// too: a late credit, the transfer dated the window's last second); expire
/// → `expired`; cancel → `canceled` (whatever `views`); view → `views` + 1;
/// weird → `refunded`; partial, seen → 400. pay of a paid or canceled
/// invoice, expire and cancel of a final one → 409.
async fn control_action(
    State(shared): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let result = Action::parse(&action, &body).and_then(|action| shared.bitsby.act(&id, &action, now_ms()));
    match result {
        Ok(item) => axum::Json(item).into_response(),
        Err(refused) => refused.into_response(),
    }
}
