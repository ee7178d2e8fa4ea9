//! The terminal face: an event loop on tokio, the app that routes between
//! screens, one file per screen (state, key table, drawing), and the
//! per-frame view they draw from.

pub mod action;
pub mod app;
pub mod ctx;
pub mod intent;
pub mod keys;
pub mod qr;
pub mod run;
pub mod screens;
pub mod theme;
pub mod view;
pub mod widgets;

pub use action::{Action, Effect};
pub use app::App;
pub use ctx::ShopInfo;
pub use intent::Modal;
pub use view::draw;
