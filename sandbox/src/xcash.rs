//! Xcash: written from ../shared/providers/xcash.md (see the module docs below).

use axum::Router;

use crate::AppState;

pub const DEMO_XCASH_APPID: &str = "XC-SANDBOX1";
pub const DEMO_XCASH_HMAC_KEY: &str = "sandbox-xcash-hmac-key-32-chars!";

/// How the sandbox's Xcash is set up.
#[derive(Clone, Debug, Default)]
pub struct XcashOptions {}

/// The simulated Xcash account.
pub(crate) struct Store {}

impl Store {
    pub(crate) fn new(_opts: &XcashOptions) -> Self {
        Self {}
    }
}

/// Gateway routes and this gateway's control routes under `/_sandbox/xcash/`.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
}
