//! The normalized invoice statuses and the rule that a final state is never left.

use std::fmt;

/// Every gateway's answer maps onto exactly one of these.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    Pending,
    Confirming,
    Underpaid,
    Paid,
    Expired,
    ExpiredUnderpaid,
    Canceled,
    /// A value the till does not know, kept raw. Never treated as paid.
    Unknown(String),
}

impl Status {
    /// Paid, expired, expired-underpaid and canceled are final.
    pub fn is_final(&self) -> bool {
        matches!(self, Status::Paid | Status::Expired | Status::ExpiredUnderpaid | Status::Canceled)
    }

    /// The machine name (`till charge --json`, logs).
    pub fn name(&self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Confirming => "confirming",
            Status::Underpaid => "underpaid",
            Status::Paid => "paid",
            Status::Expired => "expired",
            Status::ExpiredUnderpaid => "expired_underpaid",
            Status::Canceled => "canceled",
            Status::Unknown(_) => "unknown",
        }
    }

    /// The status from its machine name; `raw` is kept for `unknown`.
    pub fn from_name(name: &str, raw: &str) -> Option<Status> {
        Some(match name {
            "pending" => Status::Pending,
            "confirming" => Status::Confirming,
            "underpaid" => Status::Underpaid,
            "paid" => Status::Paid,
            "expired" => Status::Expired,
            "expired_underpaid" => Status::ExpiredUnderpaid,
            "canceled" => Status::Canceled,
            "unknown" => Status::Unknown(raw.to_string()),
            _ => return None,
        })
    }

    /// The word shown to the cashier.
    pub fn label(&self) -> String {
        match self {
            Status::Pending => "PENDING".into(),
            Status::Confirming => "CONFIRMING".into(),
            Status::Underpaid => "UNDERPAID".into(),
            Status::Paid => "PAID".into(),
            Status::Expired => "EXPIRED".into(),
            Status::ExpiredUnderpaid => "EXPIRED – UNDERPAID".into(),
            Status::Canceled => "CANCELED".into(),
            Status::Unknown(raw) => format!("UNKNOWN ({raw})"),
        }
    }

    /// The state that follows this one when the invoice's time runs out and
    /// the gateway has not said anything final.
    pub fn expired_locally(&self) -> Status {
        match self {
            Status::Underpaid => Status::ExpiredUnderpaid,
            _ => Status::Expired,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Who decided the current status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The gateway said so.
    Gateway,
    /// The till derived it (expiry after the grace period).
    Local,
}

impl Origin {
    pub fn name(self) -> &'static str {
        match self {
            Origin::Gateway => "gateway",
            Origin::Local => "local",
        }
    }

    pub fn parse(s: &str) -> Option<Origin> {
        match s {
            "gateway" => Some(Origin::Gateway),
            "local" => Some(Origin::Local),
            _ => None,
        }
    }
}

/// What happens when a new status is observed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transition {
    /// The status changes to this.
    Change,
    /// Nothing changes (same status, or an open state after a final one).
    Ignore,
    /// The gateway contradicts a final state: keep the recorded one, warn the operator.
    Conflict,
    /// An expired invoice was paid late: recorded as paid.
    PaidLate,
}

impl Status {
    /// Expired or expired-underpaid: final for the sale on screen, yet still
    /// watched for a late payment.
    pub fn is_expired(&self) -> bool {
        matches!(self, Status::Expired | Status::ExpiredUnderpaid)
    }
}

/// The final-state rule of the providers' README: `paid` and `canceled` are
/// never left; the first final state wins; the one exception is money
/// arriving: an expiry (the till's or the gateway's) that the gateway later
/// reports as paid.
pub fn transition(current: &Status, origin: Origin, next: &Status, next_origin: Origin) -> Transition {
    if current == next && origin == next_origin {
        return Transition::Ignore;
    }
    if !current.is_final() {
        return if current == next && next_origin == Origin::Gateway && origin == Origin::Gateway {
            Transition::Ignore
        } else {
            Transition::Change
        };
    }
    match (origin, next_origin) {
        (_, Origin::Gateway) if current.is_expired() && *next == Status::Paid => Transition::PaidLate,
        // The gateway's own final word replaces the till's guess (and ends the late watch).
        (Origin::Local, Origin::Gateway) if next.is_final() => Transition::Change,
        (Origin::Local, _) => Transition::Ignore,
        (Origin::Gateway, _) if next.is_final() && next != current => Transition::Conflict,
        (Origin::Gateway, _) => Transition::Ignore,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Origin::{Gateway, Local};

    fn all() -> Vec<Status> {
        vec![
            Status::Pending,
            Status::Confirming,
            Status::Underpaid,
            Status::Paid,
            Status::Expired,
            Status::ExpiredUnderpaid,
            Status::Canceled,
            Status::Unknown("weird".into()),
        ]
    }

    #[test]
    fn only_the_four_final_states_are_final() {
        let finals: Vec<_> = all().into_iter().filter(Status::is_final).map(|s| s.name()).collect();
        assert_eq!(finals, ["paid", "expired", "expired_underpaid", "canceled"]);
    }

    #[test]
    fn a_final_state_from_the_gateway_is_never_left() {
        for current in all().into_iter().filter(Status::is_final) {
            // Money arriving after the gateway's own expiry: the one way out.
            for next in all().into_iter().filter(|n| !(current.is_expired() && *n == Status::Paid)) {
                let t = transition(&current, Gateway, &next, Gateway);
                assert!(matches!(t, Transition::Ignore | Transition::Conflict), "{current} -> {next} gave {t:?}");
                if next.is_final() && next != current {
                    assert_eq!(t, Transition::Conflict, "{current} -> {next}");
                }
            }
        }
    }

    #[test]
    fn open_states_follow_the_gateway() {
        for current in all().into_iter().filter(|s| !s.is_final()) {
            for next in all() {
                let t = transition(&current, Gateway, &next, Gateway);
                let want = if current == next { Transition::Ignore } else { Transition::Change };
                assert_eq!(t, want, "{current} -> {next}");
            }
        }
    }

    #[test]
    fn a_local_expiry_becomes_paid_late_only_when_the_gateway_says_paid() {
        assert_eq!(transition(&Status::Expired, Local, &Status::Paid, Gateway), Transition::PaidLate);
        assert_eq!(transition(&Status::ExpiredUnderpaid, Local, &Status::Paid, Gateway), Transition::PaidLate);
        assert_eq!(transition(&Status::Expired, Local, &Status::Pending, Gateway), Transition::Ignore);
        assert_eq!(transition(&Status::Expired, Local, &Status::Unknown("x".into()), Gateway), Transition::Ignore);
        // The gateway confirming the expiry settles it as the gateway's own word.
        assert_eq!(transition(&Status::Expired, Local, &Status::Canceled, Gateway), Transition::Change);
    }

    #[test]
    fn a_gateway_expiry_becomes_paid_late_and_paid_or_canceled_are_never_left() {
        assert_eq!(transition(&Status::Expired, Gateway, &Status::Paid, Gateway), Transition::PaidLate);
        assert_eq!(transition(&Status::ExpiredUnderpaid, Gateway, &Status::Paid, Gateway), Transition::PaidLate);
        assert_eq!(transition(&Status::Expired, Gateway, &Status::Pending, Gateway), Transition::Ignore);
        assert_eq!(transition(&Status::Expired, Gateway, &Status::Canceled, Gateway), Transition::Conflict);
        // Only the gateway says paid or canceled.
        for next in all() {
            let paid = transition(&Status::Paid, Gateway, &next, Gateway);
            assert!(matches!(paid, Transition::Ignore | Transition::Conflict), "paid -> {next}: {paid:?}");
            let canceled = transition(&Status::Canceled, Gateway, &next, Gateway);
            assert!(matches!(canceled, Transition::Ignore | Transition::Conflict), "canceled -> {next}");
        }
    }

    #[test]
    fn labels_are_words_for_the_cashier() {
        assert_eq!(Status::ExpiredUnderpaid.label(), "EXPIRED – UNDERPAID");
        assert_eq!(Status::Unknown("HOLD".into()).label(), "UNKNOWN (HOLD)");
        assert_eq!(Status::Underpaid.expired_locally(), Status::ExpiredUnderpaid);
        assert_eq!(Status::Confirming.expired_locally(), Status::Expired);
    }
}
