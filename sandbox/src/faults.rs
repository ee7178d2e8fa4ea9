//! Misbehaviour on demand for tests: `/_sandbox/faults`.

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

/// Faults armed and not yet spent.
#[derive(Default)]
pub(crate) struct Faults {}

/// Middleware: applies an armed fault to a matching gateway request.
pub(crate) async fn apply(State(_shared): State<AppState>, req: Request, next: Next) -> Response {
    next.run(req).await
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
}
