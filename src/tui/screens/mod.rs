//! One file per screen. Each draws its body and returns its key hints.

pub mod creating;
pub mod dashboard;
pub mod help;
pub mod history;
pub mod invoice;
pub mod picker;
pub mod sale;

/// Key hints shown in the footer: (key, what it does).
pub type Keys = Vec<(&'static str, &'static str)>;
