//! Bitsby: written from ../shared/providers/bitsby.md (see the module docs below).

use axum::Router;

use crate::AppState;

pub const DEMO_BITSBY_TOKEN: &str = "SandboxBitsbyToken0000000000000000000000000000000000000";
pub const DEMO_BITSBY_PROJECT_ID: &str = "9deea1e2-0c08-41a3-bdc2-a34eada3892d";

/// How the sandbox's Bitsby is set up.
#[derive(Clone, Debug, Default)]
pub struct BitsbyOptions {}

/// The simulated Bitsby account.
pub(crate) struct Store {}

impl Store {
    pub(crate) fn new(_opts: &BitsbyOptions) -> Self {
        Self {}
    }
}

/// Gateway routes and this gateway's control routes under `/_sandbox/bitsby/`.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
}
