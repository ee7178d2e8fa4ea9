//! till: a terminal point of sale for shop counters that take crypto payments.
//!
//! Layers, with dependencies pointing one way: the faces (`tui`, `headless`,
//! `soak`) -> `runtime` (the one drive loop) -> `gateway`, `journal` (the
//! store) -> `core`. `core` knows nothing of terminals, HTTP or disk; `qr`
//! encodes for any face.

pub mod board;
pub mod cli;
pub mod clock;
pub mod close;
pub mod config;
pub mod core;
pub mod demo;
pub mod display;
pub mod gateway;
pub mod headless;
pub mod journal;
pub mod ledger;
pub mod logging;
pub mod print;
pub mod qr;
pub mod registry;
pub mod runtime;
pub mod secret;
pub mod soak;
pub mod store_import;
pub mod tui;
