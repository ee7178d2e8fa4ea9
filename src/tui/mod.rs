//! The terminal face: an event loop on tokio, the app state, one file per screen.

pub mod app;
pub mod qr_widget;
pub mod run;
pub mod screens;
pub mod theme;
pub mod view;
pub mod widgets;

pub use app::{Action, App, Effect, Modal, ShopInfo};
pub use view::draw;
