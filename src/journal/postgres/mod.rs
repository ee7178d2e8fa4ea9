//! The PostgreSQL store: many counters (terminals) on one database, behind
//! the same [`Store`](super::Store) trait as the SQLite journal, with the same
//! guarantees (the intent before the create, the invoice before its QR, an
//! append-only event log enforced by the database, numbered migrations and a
//! newer schema refused untouched).
//!
//! - `connect`: the server, TLS, the password;
//! - `schema`: the tables and the migrations;
//! - `store`: [`PgStore`], the till's store (one writer per terminal);
//! - `lease`: one lease turn (renew, hand back, take over);
//! - `feed`: the operator's board's live feed (LISTEN/NOTIFY);
//! - `import`: copying a SQLite journal in.

mod chain;
mod close;
pub mod connect;
pub mod feed;
pub mod import;
pub mod lease;
mod migrate;
mod pool;
mod rows;
pub mod schema;
mod session;
mod store;

pub use store::PgStore;
