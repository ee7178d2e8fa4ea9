//! till: a terminal point of sale for shop counters that take crypto payments.
//!
//! Layers, with dependencies pointing one way: `tui`, `headless` -> `runtime`
//! -> `gateway` -> `core`. `core` knows nothing of terminals, HTTP or disk.

pub mod cli;
pub mod clock;
pub mod config;
pub mod core;
pub mod demo;
pub mod gateway;
pub mod headless;
pub mod journal;
pub mod ledger;
pub mod logging;
pub mod qr;
pub mod registry;
pub mod runtime;
pub mod secret;
pub mod soak;
pub mod tui;
