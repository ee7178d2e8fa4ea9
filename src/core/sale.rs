//! One sale as a state machine: Amount -> Method -> Creating -> Open -> Final.
//! Both the terminal UI and `till charge` walk it.

use super::invoice::Reference;
use super::method::PaymentMethod;
use super::money::Money;
use super::problem::{Problem, ProblemKind};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sale {
    /// The cashier is typing the amount.
    Amount,
    /// The amount is set; the cashier picks how the customer pays.
    Method { amount: Money },
    /// The invoice is being created at the gateway.
    Creating { amount: Money, method: PaymentMethod, reference: Reference },
    /// The create failed; the cashier may try again (same reference) or start over.
    Failed { amount: Money, method: PaymentMethod, reference: Reference, problem: Problem },
    /// The invoice is open; its watch says how it stands.
    Open { reference: Reference },
    /// The invoice reached a final state. `recalled`: the cashier brought
    /// back an invoice that was already over (from the dashboard or the
    /// history), so it is the cashier's business, not the customer's.
    Final { reference: Reference, recalled: bool },
}

impl Sale {
    /// The invoice this sale shows, once it has one.
    pub fn reference(&self) -> Option<&Reference> {
        match self {
            Sale::Open { reference } | Sale::Final { reference, .. } => Some(reference),
            _ => None,
        }
    }

    /// Whether trying the same create again is safe and useful.
    pub fn can_retry(&self) -> bool {
        matches!(self, Sale::Failed { problem, .. }
            if !matches!(problem.kind, ProblemKind::OutcomeUnknown | ProblemKind::Credentials | ProblemKind::Unverified))
    }
}
