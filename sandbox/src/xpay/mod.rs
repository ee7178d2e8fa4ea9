//! The xPay (xpay.stream) gateway, written from `providers/xpay.md`.
//!
//! Every endpoint is a `POST` with a JSON body; success and business errors
//! are both HTTP 200 envelopes:
//! `{"success":{"message","data"},"uuid"}` / `{"error":{"message","data","tag"},"uuid"}`.
//! The only non-200 answer is the sandbox's (undocumented) 401 for a bad token.
//! A bill closed by its expiry still takes late money through the control
//! API (`paidAmount` reaches `billAmount`: the bill reads paid); a canceled
//! one does not.
//!
//! | File | Holds |
//! |---|---|
//! | `wire.rs` | the messages, the envelopes, the bill as sent |
//! | `request.rs` | the request bodies and their fields |
//! | `ledger.rs` | the bills as kept, their shapes, the demo BTC rate |
//! | `store.rs` | the account: tokens, control actions, bill creation, seeding |
//! | `http.rs` | the gateway's routes |
//! | `control.rs` | the control routes under `/_sandbox/xpay/` |

use axum::Router;

use crate::AppState;

mod control;
mod http;
mod ledger;
mod request;
mod store;
mod wire;

pub(crate) use store::Store;

/// The gateway's routes and its control routes.
pub(crate) fn router() -> Router<AppState> {
    http::router().merge(control::router())
}
