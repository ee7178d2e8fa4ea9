//! XaiGate: written from ../shared/providers/xaigate.md (see the module docs below).

use axum::Router;

use crate::AppState;

pub const DEMO_XAIGATE_API_KEY: &str = "fdda9f03-6409-43eb-a6ef-000000000000";

/// How the sandbox's XaiGate is set up.
#[derive(Clone, Debug, Default)]
pub struct XaigateOptions {}

/// The simulated XaiGate account.
pub(crate) struct Store {}

impl Store {
    pub(crate) fn new(_opts: &XaigateOptions) -> Self {
        Self {}
    }
}

/// Gateway routes and this gateway's control routes under `/_sandbox/xaigate/`.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
}
