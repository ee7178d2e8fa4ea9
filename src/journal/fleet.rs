//! Many tills on one store (PostgreSQL): what a till asks of the store each
//! lease turn and what it learns, and what the operator's board reads.
//! A store with one till (SQLite) has no leases: its `lease_turn` says so.
//!
//! The model: every open invoice belongs to the terminal that made it
//! (`SaleRecord::terminal`) and is watched by exactly one live till
//! (`watched_by`). A till renews its terminal's lease every turn. When a
//! terminal's lease runs out, a live till with the same gateway account
//! takes its open invoices over; when the terminal comes back, they go back
//! to it. The store decides who watches what, in one transaction per turn,
//! so two tills never poll one invoice.

use crate::core::method::ProviderId;
use crate::core::record::SaleRecord;
use jiff::Timestamp;
use std::time::Duration;

/// One gateway account this till has credentials for: the gateway, and a
/// fingerprint that is equal for two tills configured with the same account
/// (never the secret itself).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Account {
    pub provider: ProviderId,
    pub fingerprint: String,
}

/// What a till tells the store each lease turn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaseAsk {
    /// This till's terminal id.
    pub terminal: String,
    /// The gateway accounts it can poll for.
    pub accounts: Vec<Account>,
    /// The gateways it cannot reach now (for the board).
    pub unreachable: Vec<ProviderId>,
    /// How long a lease holds without renewal (`[store] takeover_secs` less
    /// the time to notice: the store's clock counts it).
    pub lease: Duration,
    /// Expired invoices stay watched for a late payment while their expiry
    /// is after this instant (the late window's start).
    pub late_since: Timestamp,
}

/// Who watches one invoice, as the store says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    /// The sale as stored (its status as the watching till last wrote it;
    /// `record.terminal` is the terminal that made it).
    pub record: SaleRecord,
    /// The terminal whose till watches it now.
    pub watched_by: String,
}

pub use crate::core::poller::Share;

/// What one lease turn gives back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaseTurn {
    /// Every invoice still to be watched that this terminal made or now
    /// watches, each with its watcher: this till polls exactly those whose
    /// `watched_by` is its own terminal.
    pub assignments: Vec<Assignment>,
    /// How many live tills (this one included) share each gateway account
    /// of this till, and this till's rank among them: each keeps to its
    /// share of the gateway's limit, in its own time slots.
    pub sharing: Vec<Share>,
}

/// Which terminals a report or a history reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// This till's own terminal (everything, on a store of one till).
    Mine,
    Terminal(String),
    All,
}

/// One terminal as the board sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TerminalState {
    pub terminal: String,
    /// Its lease holds (a till is running for it).
    pub alive: bool,
    /// When its till last renewed its lease (the store's clock).
    pub last_seen: Timestamp,
    /// The gateways its till cannot reach.
    pub unreachable: Vec<ProviderId>,
}

/// One invoice on the board.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoardRow {
    pub record: SaleRecord,
    /// The terminal whose till watches it, when not its own.
    pub watched_by: Option<String>,
}

/// What the board's feed sends, in order.
#[derive(Clone, Debug, PartialEq)]
pub enum BoardUpdate {
    /// Everything in view: at start and after each reconnect.
    Snapshot { rows: Vec<BoardRow>, terminals: Vec<TerminalState>, at: Timestamp },
    /// These invoices changed (a status, a takeover): replace them.
    Rows(Vec<BoardRow>),
    /// The terminals' leases or gateway health changed.
    Terminals(Vec<TerminalState>),
    /// The store cannot be reached: what to tell the operator, in one
    /// sentence. A `Snapshot` follows once it is back.
    Lost(String),
}
