//! xpays.life: written from ../shared/providers/xpays.md (see the module docs below).

use axum::Router;

use crate::AppState;

pub const DEMO_XPAYS_API_KEY: &str = "key_sandbox_xpays_demo";
pub const DEMO_XPAYS_SECRET_KEY: &str = "sandbox-xpays-secret";

/// How the sandbox's xpays.life is set up.
#[derive(Clone, Debug, Default)]
pub struct XpaysOptions {}

/// The simulated xpays.life account.
pub(crate) struct Store {}

impl Store {
    pub(crate) fn new(_opts: &XpaysOptions) -> Self {
        Self {}
    }
}

/// Gateway routes and this gateway's control routes under `/_sandbox/xpays/`.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
}
