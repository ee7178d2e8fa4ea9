//! The journal: every sale, stored. The [`Store`] trait is what the till
//! needs of it; [`SqliteJournal`] (one file in the data directory) is the
//! first implementation. The desk says what to write and when (an intent
//! before its create is sent, an invoice before its QR is shown, each status
//! change before it is shown); the runtime writes it through this trait, so a
//! crash, a power cut or a closed terminal loses nothing: the next start
//! resumes.
//!
//! Starting costs what is open and recent, not what is past: the open-invoice
//! queries (`to_watch`, `unresolved`) are served by partial indexes that hold
//! only open rows, expired sales still in their late window are read by a
//! range on their expiry instant, and nothing reads the whole history at
//! start.
//!
//! One writer per data directory: `lock` takes an exclusive lock file that a
//! second till (TUI or `till charge`) fails to take. Readers (`till history`,
//! `till report`, `till receipt`) open the file read-only beside it.

pub mod chain;
mod close;
pub mod fleet;
pub mod postgres;
mod rows;
pub mod schema;
mod sqlite;

pub use close::{Break, CloseError, Verdict};
pub use sqlite::SqliteJournal;

use crate::core::invoice::{Invoice, Reference};
use crate::core::method::PaymentMethod;
use crate::core::money::Money;
use crate::core::record::{RecordState, SaleRecord};
use crate::core::tax::Breakdown;
use crate::core::watch::{Change, Watch};
use jiff::Timestamp;
use std::fs::File;
use std::path::Path;

/// The journal's file name in the data directory.
pub const FILE: &str = "journal.sqlite";
/// The lock file that keeps a second till off the same data directory.
pub const LOCK: &str = "till.lock";

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error(
        "the journal {path} was written by a newer till (schema {found}; this till knows up to {known}). Upgrade till; the file was left untouched."
    )]
    Newer { path: String, found: i64, known: i64 },
    #[error("another till is already running on {dir}. Close it first, or give this one its own --data-dir.")]
    Locked { dir: String },
    #[error("cannot open the journal {path}: {detail}")]
    Open { path: String, detail: String },
    #[error("the journal could not be written or read: {0}")]
    Sql(String),
    #[error("the journal holds a row this till cannot read ({0})")]
    Corrupt(String),
    #[error(
        "another till is already running as terminal {terminal} on this store. Close it first, or give this one its own [shop] terminal."
    )]
    TerminalBusy { terminal: String },
    #[error("the store cannot be reached: {0}")]
    Unreachable(String),
    /// A status write for an invoice another till now watches (this till's
    /// lease ran out and it was taken over): nothing was written.
    #[error("the invoice {reference} is watched by another till now; nothing was written")]
    NotWatcher { reference: String },
}

impl From<rusqlite::Error> for JournalError {
    fn from(e: rusqlite::Error) -> JournalError {
        JournalError::Sql(e.to_string())
    }
}

/// Held while this process writes to the data directory.
#[derive(Debug)]
pub struct DirLock {
    _file: File,
}

/// Takes the data directory's lock, or says another till holds it. The
/// kernel drops the lock when the process ends, however it ends.
pub fn lock(dir: &Path) -> Result<DirLock, JournalError> {
    let open_err = |e: std::io::Error| JournalError::Open { path: dir.display().to_string(), detail: e.to_string() };
    std::fs::create_dir_all(dir).map_err(open_err)?;
    let file = File::options().create(true).truncate(false).write(true).open(dir.join(LOCK)).map_err(open_err)?;
    match file.try_lock() {
        Ok(()) => Ok(DirLock { _file: file }),
        Err(std::fs::TryLockError::WouldBlock) => Err(JournalError::Locked { dir: dir.display().to_string() }),
        Err(std::fs::TryLockError::Error(e)) => Err(open_err(e)),
    }
}

/// One line of the status log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    pub at: Timestamp,
    pub old: Option<String>,
    pub new: String,
    pub origin: String,
}

/// What the till needs of its store: the writes the desk asks for, in the
/// order it asks, and the reads of the faces and the reports. Every write is
/// durable when it returns.
pub trait Store: Send + Sync {
    /// A sale is about to be sent to the gateway (committed first, so that a
    /// crash between the two is found and resolved at the next start), with
    /// its net, tax and tip when the till worked them out.
    fn record_intent(
        &self,
        reference: &Reference,
        method: PaymentMethod,
        fiat: &Money,
        breakdown: Option<&Breakdown>,
        terminal: &str,
        at: Timestamp,
    ) -> Result<(), JournalError>;

    /// The gateway made the invoice: everything about it, committed.
    fn record_created(&self, invoice: &Invoice, terminal: &str, at: Timestamp) -> Result<(), JournalError>;

    /// The create failed for sure, or a restart found no invoice, or the
    /// outcome cannot be known.
    fn record_not_created(
        &self,
        reference: &Reference,
        state: RecordState,
        note: &str,
        at: Timestamp,
    ) -> Result<(), JournalError>;

    /// A status change, with the watch as it now stands: the invoice and one
    /// more line in the append-only event log, in one commit.
    fn record_status(&self, watch: &Watch, change: &Change, at: Timestamp) -> Result<(), JournalError>;

    /// The invoice now shows another way to pay (a Bitsby wallet).
    fn record_switch(&self, watch: &Watch, at: Timestamp) -> Result<(), JournalError>;

    /// Sales whose create may have reached the gateway without the till knowing.
    fn unresolved(&self) -> Result<Vec<SaleRecord>, JournalError>;

    /// Invoices still to be watched: open ones, and expired ones (the till's
    /// expiry or the gateway's) whose expiry instant is after `late_since`,
    /// the start of the late window (now − `[poll] late_window_hours`): they
    /// are watched for a late payment. Older ones are not read, so a start
    /// costs what is open and recent, not the whole history.
    fn to_watch(&self, late_since: Timestamp) -> Result<Vec<SaleRecord>, JournalError>;

    /// Sales started in [from, until), newest first.
    fn between(&self, from: Timestamp, until: Timestamp) -> Result<Vec<SaleRecord>, JournalError>;

    /// A sale by our reference or the gateway's invoice id.
    fn find(&self, key: &str) -> Result<Option<SaleRecord>, JournalError>;

    /// The status log of one sale, oldest first.
    fn events(&self, reference: &Reference) -> Result<Vec<LogEntry>, JournalError>;

    /// Sales started in [from, until) of the terminals in `scope`, newest
    /// first. A store of one till holds one terminal: every scope but
    /// another terminal's reads it all.
    fn between_in(
        &self,
        from: Timestamp,
        until: Timestamp,
        scope: &fleet::Scope,
    ) -> Result<Vec<SaleRecord>, JournalError> {
        let all = self.between(from, until)?;
        Ok(match scope {
            fleet::Scope::Terminal(t) => all.into_iter().filter(|r| &r.terminal == t).collect(),
            fleet::Scope::Mine | fleet::Scope::All => all,
        })
    }

    /// Many tills on one store: renews this till's lease, gives back the
    /// invoices of terminals that returned, takes over those of terminals
    /// whose lease ran out (when this till has their gateway account), and
    /// says who watches what. `None`: this store has one till, no leases.
    fn lease_turn(&self, _ask: &fleet::LeaseAsk) -> Result<Option<fleet::LeaseTurn>, JournalError> {
        Ok(None)
    }

    /// Closes `day` (the Z-report), chained to the event log and the
    /// previous close; refused when it is closed already. A store that keeps
    /// no closes says so.
    fn close_day(
        &self,
        _day: jiff::civil::Date,
        _tz: &jiff::tz::TimeZone,
        _terminal: &str,
        _now: Timestamp,
    ) -> Result<crate::core::close::ZReport, CloseError> {
        Err(CloseError::Journal(JournalError::Sql("this store keeps no closes".into())))
    }

    /// What [`Store::close_day`] would give now, nothing written.
    fn preview_close(
        &self,
        _day: jiff::civil::Date,
        _tz: &jiff::tz::TimeZone,
        _terminal: &str,
        _now: Timestamp,
    ) -> Result<crate::core::close::ZReport, CloseError> {
        Err(CloseError::Journal(JournalError::Sql("this store keeps no closes".into())))
    }
}
