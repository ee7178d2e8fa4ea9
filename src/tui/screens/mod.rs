//! One file per screen, each with its state, its key table (keys, footer
//! words, help lines) and its drawing from the frame's view. A screen
//! changes only its own state; what reaches further it asks of the `App` as
//! an `Intent`.

pub mod creating;
pub mod dashboard;
pub mod global;
pub mod help;
pub mod history;
pub mod invoice;
pub mod modal;
pub mod picker;
pub mod sale;
pub mod tip;
