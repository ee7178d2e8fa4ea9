//! What went wrong with a gateway call, in the core's terms: a sentence for
//! the cashier and what the till may do about it.

use super::record_state::RecordState;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    /// The gateway refused the credentials: nothing works until the config is fixed.
    Credentials,
    /// The gateway could not be reached or did not answer in time.
    Unreachable,
    /// The gateway answered, but as a whole it is failing or asking the till
    /// to slow down (an HTTP error status, a rate limit): reachable, yet every
    /// poll there waits.
    Busy,
    /// The gateway answered something the till does not understand.
    Protocol,
    /// The gateway refused the request, in its own words.
    Refused,
    /// The payment data failed verification: no QR may be shown.
    Unverified,
    /// A create may or may not have made an invoice.
    OutcomeUnknown,
}

/// A failure as the cashier sees it. The technical detail is logged where it
/// happened; `message` is plain words saying what happened and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub kind: ProblemKind,
    pub message: String,
    /// How long the gateway asked the till to wait (a rate limit's Retry-After).
    pub retry_after: Option<jiff::SignedDuration>,
    /// For a failed create: what the journal should say the sale became
    /// (`NotCreated` or `Unknown`) and why. `None` when the gateway may have
    /// made the invoice: the intent then stays open, and the next start asks.
    pub settles: Option<(RecordState, String)>,
}

impl Problem {
    pub fn new(kind: ProblemKind, message: impl Into<String>) -> Problem {
        Problem { kind, message: message.into(), retry_after: None, settles: None }
    }

    /// A failed create that settles the sale as `state`, for the reason `note`.
    pub fn settling(mut self, state: RecordState, note: impl Into<String>) -> Problem {
        self.settles = Some((state, note.into()));
        self
    }

    pub fn with_retry_after(mut self, wait: Option<jiff::SignedDuration>) -> Problem {
        self.retry_after = wait;
        self
    }

    /// The gateway as a whole is failing (down, overloaded, asking the till
    /// to slow down), not just this one request: every poll there waits.
    pub fn is_gateway_wide(&self) -> bool {
        matches!(self.kind, ProblemKind::Unreachable | ProblemKind::Busy)
    }

    /// No answer came at all (not reached, or no answer in time). Any answer,
    /// whatever it says, shows the gateway reachable.
    pub fn is_unreachable(&self) -> bool {
        self.kind == ProblemKind::Unreachable
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Problem {}
