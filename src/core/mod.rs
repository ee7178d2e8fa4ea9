//! The till's core: money, methods, statuses, the sale state machine and the
//! poll schedule. Nothing here knows of terminals, HTTP or disk, so all of it
//! is pure and fast to test.

pub mod close;
pub mod customer;
pub mod desk;
pub mod invoice;
pub mod method;
pub mod money;
pub mod poller;
pub mod problem;
pub mod receipt;
pub mod record;
pub mod record_state;
pub mod report;
pub mod sale;
pub mod schedule;
pub mod slots;
pub mod status;
pub mod tax;
pub mod watch;
pub mod words;

pub use jiff::Timestamp;
