//! What goes in and out of the desk: events in; commands for the runtime
//! (journal writes among them, in the order they must happen) and notices for
//! the faces out.

use crate::core::invoice::{Invoice, Reference, StatusPage, StatusReport};
use crate::core::method::{PaymentMethod, ProviderId};
use crate::core::money::Money;
use crate::core::problem::Problem;
use crate::core::record::{RecordState, SaleRecord};
use crate::core::status::Status;
use crate::core::tax::Breakdown;
use crate::core::watch::{Change, Watch, Watcher};
use jiff::Timestamp;
use std::sync::Arc;

// A created invoice travels by value once per sale: boxing it would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The clock moved on.
    Tick(Timestamp),
    AmountEntered(Money),
    /// The amount with its tax and tip worked out: the sale is for
    /// `breakdown.total`, and the journal keeps the split with the intent.
    Priced(Breakdown),
    /// The method picked, with a fresh reference for the invoice.
    MethodChosen(PaymentMethod, Reference),
    /// Back from the method picker to the amount.
    Back,
    /// Try the failed create again, with the same reference.
    Retry,
    Created {
        reference: Reference,
        result: Result<Invoice, Problem>,
    },
    Polled {
        reference: Reference,
        result: Result<StatusReport, Problem>,
    },
    /// A page of a gateway's batch status listing came back.
    PagePolled {
        provider: ProviderId,
        page: u32,
        result: Result<StatusPage, Problem>,
    },
    CancelRequested(Reference),
    Canceled {
        reference: Reference,
        result: Result<(), Problem>,
    },
    /// Leave the current sale (final or failed) and start a new one.
    NewSale,
    /// A restart's lookup found no invoice for this reference; `settles`
    /// says what the journal should now call the sale, if anything.
    Unresolved {
        reference: Reference,
        settles: Option<(RecordState, String)>,
    },
    /// The journal could not store this invoice, so it must not be shown:
    /// the sale fails with `problem` (the invoice stays watched, unshown).
    NotStored {
        reference: Reference,
        problem: Problem,
    },
    /// Show this invoice (from the history, or after a restart).
    Show(Reference),
    /// Show the invoice's next way to pay (another wallet of the same
    /// invoice), while it is open.
    SwitchChoice(Reference),
    /// A lease turn (many tills on one store): who watches each invoice
    /// this till made or now watches, as stored (new ones start being
    /// watched or shown); `settled`: invoices the store no longer lists as
    /// watched (final, or past their late window), as stored; `sharing`:
    /// how many live tills share each of this till's gateway accounts;
    /// `hold`: gateways this till keeps quiet at until then (it joins an
    /// account other live tills use: they make room at their next turn).
    /// Polling resumes if the lease was lost.
    Fleet {
        assignments: Vec<(SaleRecord, Watcher)>,
        settled: Vec<SaleRecord>,
        sharing: Vec<crate::core::poller::Share>,
        hold: Vec<(ProviderId, Timestamp)>,
    },
    /// This till's lease could not be renewed in time (or is not held yet,
    /// at start): nothing is polled until a lease turn succeeds.
    LeaseLost,
    /// The store refused a status write: another till watches this invoice
    /// now. It is shown as watched elsewhere; the cashier is not alarmed.
    NotWatcher(Reference),
}

/// What the journal must store, in the order the desk says it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    /// A create is about to be sent (stored before it is).
    Intent { reference: Reference, method: PaymentMethod, amount: Money, breakdown: Option<Box<Breakdown>> },
    /// The gateway made the invoice (stored before its QR is shown).
    Created(Box<Invoice>),
    /// A create that made nothing, or whose outcome cannot be known.
    Settled { reference: Reference, state: RecordState, note: String },
    /// A status change, with the watch as it now stands (stored before it is shown).
    Status { watch: Box<Watch>, change: Change },
    /// The invoice now shows another way to pay.
    Switch(Box<Watch>),
}

impl Entry {
    /// The sale this entry is about.
    pub fn reference(&self) -> &Reference {
        match self {
            Entry::Intent { reference, .. } | Entry::Settled { reference, .. } => reference,
            Entry::Created(invoice) => &invoice.reference,
            Entry::Status { watch, .. } | Entry::Switch(watch) => &watch.invoice.reference,
        }
    }
}

/// Work for the runtime, in order. A `Record` is carried out before anything
/// after it, and before the face shows anything; the others each end in an
/// event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Store this in the journal now.
    Record(Entry),
    /// `retry`: the same create again, after a failure.
    Create {
        reference: Reference,
        amount: Money,
        method: PaymentMethod,
        retry: bool,
    },
    Poll(Invoice),
    /// A page (from 0) of the gateway's batch status listing, for these
    /// invoices (all at that gateway).
    PollPage {
        provider: ProviderId,
        page: u32,
        invoices: Arc<Vec<Invoice>>,
    },
    Cancel(Invoice),
    /// After a restart: find what a create with this reference made.
    Resolve {
        reference: Reference,
        amount: Money,
        method: PaymentMethod,
        /// When the sale started (a gateway that lists by date looks from then).
        started_at: Timestamp,
    },
}

/// Something the face should tell the cashier about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    Created(Reference),
    Status {
        reference: Reference,
        change: Change,
    },
    CreateFailed(Problem),
    CancelFailed {
        reference: Reference,
        problem: Problem,
    },
    /// The invoice now shows another of its ways to pay.
    Switched(Reference),
    /// The gateway contradicts a final state it reported before: the first
    /// one stands; the operator should look.
    Conflict {
        reference: Reference,
        recorded: Status,
        reported: Status,
    },
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub commands: Vec<Command>,
    pub notices: Vec<Notice>,
}
