//! Bulk seeding: `POST /_sandbox/{gateway}/seed` (CONTROL.md § Seeding)
//! creates many open invoices at once, for benchmarks. The body is checked
//! here ([`spec`]); each gateway's store builds and stores the invoices the
//! way its own create endpoint does.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use crate::AppState;
use crate::control::fail;
use crate::gateway::Gateway;

mod spec;

pub(crate) use spec::{SeedError, Seeded, Spec, object};

pub(crate) fn router() -> Router<AppState> {
    let mut router = Router::new();
    for gateway in Gateway::ALL {
        router = router.route(
            &format!("/_sandbox/{}/seed", gateway.name()),
            post(move |State(shared): State<AppState>, body: Bytes| seed(shared, gateway, body)),
        );
    }
    router
}

async fn seed(shared: AppState, gateway: Gateway, body: Bytes) -> Response {
    let result = Spec::parse(gateway, &body).and_then(|spec| match gateway {
        Gateway::Xpay => shared.xpay.seed(&shared.lightning, &spec),
        Gateway::Xpays => shared.xpays.seed(&spec),
        Gateway::Xcash => shared.xcash.seed(&spec),
        Gateway::Xaigate => shared.xaigate.seed(&spec),
        Gateway::Bitsby => shared.bitsby.seed(&spec),
    });
    match result {
        Ok(seeded) => axum::Json(seeded).into_response(),
        Err(SeedError::BadRequest(message)) => fail(StatusCode::BAD_REQUEST, &message),
        Err(SeedError::Conflict(message)) => fail(StatusCode::CONFLICT, &message),
    }
}
