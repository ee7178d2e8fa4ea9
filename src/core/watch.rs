//! Watching one invoice: its status under the final-state rule, when it is
//! next polled, and how its gateway has been answering.

use super::invoice::{Invoice, StatusReport};
use super::problem::Problem;
use super::schedule::{self, Pace, PollPolicy};
use super::status::{self, Origin, Status, Transition};
use jiff::Timestamp;

/// How the note of a sale paid after its expiry begins.
pub const PAID_LATE: &str = "paid late";

/// Whether a sale with this status and note was paid after its expiry.
pub fn is_paid_late(status: &Status, note: Option<&str>) -> bool {
    *status == Status::Paid && note.is_some_and(|n| n.starts_with(PAID_LATE))
}

/// A status change worth telling the cashier about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub from: Status,
    pub to: Status,
    pub origin: Origin,
    /// `paid late` and the like.
    pub note: Option<String>,
}

/// Who watches an invoice (many tills on one store). A store of one till
/// has only `Here`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Watcher {
    /// This till, for its own terminal.
    #[default]
    Here,
    /// This till, for terminal T, whose till stopped (taken over).
    For(String),
    /// Another till (its terminal; empty when not yet known): never polled
    /// here, shown with the status the store holds.
    Elsewhere(String),
}

impl Watcher {
    /// This till polls the invoice (unless its lease is lost: `Desk::paused`).
    pub fn polled_here(&self) -> bool {
        !matches!(self, Watcher::Elsewhere(_))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Watch {
    pub invoice: Invoice,
    /// Who polls it: this till, for itself or another terminal, or another till.
    pub watcher: Watcher,
    /// Who set the current status.
    pub origin: Origin,
    /// The gateway's last raw words for the status.
    pub raw: String,
    pub note: Option<String>,
    pub tx_id: Option<String>,
    pub next_poll: Timestamp,
    pub in_flight: bool,
    /// Consecutive failed polls.
    pub errors: u32,
    /// Since when the gateway has not been answering this invoice's polls
    /// (any answer, even a refusal, clears it).
    pub failing_since: Option<Timestamp>,
    pub last_problem: Option<Problem>,
    /// A gateway said something final that contradicts the recorded state.
    pub conflict: Option<Status>,
    /// The gateway has answered since this watch began. A watch taken back
    /// after a restart starts without an answer, and the till never derives
    /// an expiry for it before asking the gateway once.
    pub answered: bool,
    /// When the till learnt the invoice's final state (the dashboard keeps
    /// finished invoices in view for a while after it).
    pub finished_at: Option<Timestamp>,
    /// When the last poll of this invoice was sent (per-invoice limits).
    pub last_sent: Option<Timestamp>,
    /// The journal could not store this invoice: it is watched for its
    /// money, but never shown (the next start looks it up again).
    pub unstored: bool,
    seed: u64,
}

impl Watch {
    pub fn new(invoice: Invoice, now: Timestamp) -> Watch {
        let seed = invoice
            .reference
            .as_str()
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
        Watch {
            watcher: Watcher::Here,
            origin: Origin::Gateway,
            raw: String::new(),
            note: None,
            tx_id: None,
            next_poll: now,
            in_flight: false,
            errors: 0,
            failing_since: None,
            last_problem: None,
            conflict: None,
            answered: true,
            finished_at: invoice.status.is_final().then_some(now),
            last_sent: None,
            unstored: false,
            seed,
            invoice,
        }
    }

    pub fn status(&self) -> &Status {
        &self.invoice.status
    }

    /// Nothing more to learn: paid or canceled, or an expiry (the till's or
    /// the gateway's) whose late window has closed. A watch taken back after
    /// a restart is asked once within the window, and the gateway canceling
    /// an expired invoice ends its late watch too.
    pub fn is_settled(&self, now: Timestamp, policy: &PollPolicy) -> bool {
        let status = &self.invoice.status;
        if !status.is_expired() {
            return status.is_final();
        }
        if schedule::late_window_over(policy, self.invoice.expires_at, now) {
            return true;
        }
        self.answered && self.conflict == Some(Status::Canceled)
    }

    /// Watched only for a late payment: expired, window still open.
    pub fn is_late_watch(&self) -> bool {
        self.invoice.status.is_expired()
    }

    /// Paid after the invoice expired.
    pub fn paid_late(&self) -> bool {
        is_paid_late(&self.invoice.status, self.note.as_deref())
    }

    /// Time is up (the countdown reached zero) but nothing final is known yet.
    pub fn is_expiring(&self, now: Timestamp) -> bool {
        !self.invoice.status.is_final() && now >= self.invoice.expires_at
    }

    pub fn poll_due(&self, now: Timestamp, policy: &PollPolicy) -> bool {
        !self.in_flight && now >= self.next_poll && !self.is_settled(now, policy)
    }

    pub fn poll_started(&mut self, now: Timestamp) {
        self.in_flight = true;
        self.last_sent = Some(now);
    }

    /// The seed of this invoice's jitter.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    fn pace(&self, now: Timestamp, policy: &PollPolicy) -> Pace {
        let stale_unknown = matches!(self.invoice.status, Status::Unknown(_))
            && schedule::grace_over(policy, self.invoice.expires_at, now);
        if self.is_late_watch() && !self.answered {
            // Taken back after a restart and not yet asked about: asked at
            // the usual pace (a failed first ask is not put off for minutes).
            Pace::Normal(policy.interval)
        } else if self.is_late_watch() {
            Pace::Late
        } else if stale_unknown {
            Pace::Slow
        } else {
            Pace::Normal(schedule::cadence(policy, self.invoice.created_at, self.invoice.expires_at, now))
        }
    }

    /// Takes a poll's result. Returns the change to show, if any.
    pub fn observe(
        &mut self,
        result: Result<StatusReport, Problem>,
        now: Timestamp,
        policy: &PollPolicy,
    ) -> Option<Change> {
        self.in_flight = false;
        let change = match result {
            Ok(report) => {
                self.answered = true;
                self.errors = 0;
                self.failing_since = None;
                self.last_problem = None;
                self.raw = report.raw.clone();
                if report.tx_id.is_some() {
                    self.tx_id = report.tx_id.clone();
                }
                let paid_with = report.paid_with.clone();
                let change = self.apply(report, now, policy);
                // Paid through another of the invoice's ways (a Bitsby wallet
                // other than the one on screen): the invoice shows that one.
                if self.invoice.status == Status::Paid
                    && let Some(paid) = &paid_with
                {
                    self.invoice.paid_with(paid);
                }
                change
            }
            Err(problem) => {
                self.errors = self.errors.saturating_add(1);
                if problem.is_unreachable() {
                    self.failing_since.get_or_insert(now);
                } else {
                    // It answered, if only to refuse: reachable.
                    self.failing_since = None;
                }
                self.last_problem = Some(problem);
                None
            }
        };
        if change.as_ref().is_some_and(|c| c.to.is_final()) {
            self.finished_at = Some(now);
        }
        let delay = schedule::next_delay(policy, self.pace(now, policy), self.errors, self.seed);
        self.next_poll = now.saturating_add(delay).unwrap_or(Timestamp::MAX);
        change
    }

    fn apply(&mut self, report: StatusReport, now: Timestamp, policy: &PollPolicy) -> Option<Change> {
        let from = self.invoice.status.clone();
        match status::transition(&from, self.origin, &report.status, Origin::Gateway) {
            Transition::Ignore => {
                if !from.is_final() && report.received.is_some() {
                    self.invoice.received = report.received;
                }
                None
            }
            Transition::Conflict => {
                self.conflict = Some(report.status);
                None
            }
            Transition::Change | Transition::PaidLate => {
                // Paid after an expiry (the till's or the gateway's), or first
                // seen paid long after the expiry (the till was down): paid,
                // with a note.
                let late = report.status == Status::Paid
                    && (self.invoice.status.is_final() || schedule::grace_over(policy, self.invoice.expires_at, now));
                self.invoice.status = report.status.clone();
                self.origin = Origin::Gateway;
                if report.received.is_some() {
                    self.invoice.received = report.received;
                }
                if late {
                    self.note = Some(format!("{PAID_LATE} (after expiry, seen {now})"));
                }
                // (When the gateway confirms the till's own expiry only the
                // origin changes: still a change, so the journal records it.)
                Some(Change { from, to: report.status, origin: Origin::Gateway, note: self.note.clone() })
            }
        }
    }

    /// The passing of time: derives the expiry once the grace is over and the
    /// gateway still says nothing final.
    pub fn tick(&mut self, now: Timestamp, policy: &PollPolicy) -> Option<Change> {
        let status = &self.invoice.status;
        if !self.answered || status.is_final() || !schedule::grace_over(policy, self.invoice.expires_at, now) {
            return None;
        }
        if matches!(status, Status::Unknown(_) | Status::Confirming) {
            // An unknown value is never settled locally: an operator resolves
            // it. A payment being confirmed may still complete.
            return None;
        }
        let to = status.expired_locally();
        let from = std::mem::replace(&mut self.invoice.status, to.clone());
        self.origin = Origin::Local;
        self.finished_at = Some(now);
        Some(Change { from, to, origin: Origin::Local, note: None })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::invoice::{Payload, PayloadKind, Reference};
    use crate::core::method::{MethodId, PaymentMethod, ProviderId};
    use crate::core::money::{Currency, Money};
    use jiff::SignedDuration;
    use rust_decimal::Decimal;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn invoice() -> Invoice {
        let usd = Currency::from_code("USD").unwrap();
        Invoice {
            id: "bill-1".into(),
            reference: Reference::from_random(1),
            method: PaymentMethod::new(ProviderId::Xpay, MethodId::UsdtTron),
            fiat: Money::new(Decimal::new(1250, 2), usd),
            crypto: None,
            payload: Payload { kind: PayloadKind::Address, qr: "T".into(), text: "T".into() },
            created_at: t("2026-01-01T12:00:00Z"),
            expires_at: t("2026-01-01T12:30:00Z"),
            status: Status::Pending,
            received: None,
            choices: Vec::new(),
        }
    }

    fn report(status: Status) -> Result<StatusReport, Problem> {
        Ok(StatusReport { raw: status.name().into(), status, received: None, tx_id: None, paid_with: None })
    }

    #[test]
    fn paid_from_the_gateway_is_final_and_stops_polling() {
        let p = PollPolicy::default();
        let now = t("2026-01-01T12:01:00Z");
        let mut w = Watch::new(invoice(), now);
        assert!(w.poll_due(now, &p));
        w.poll_started(now);
        assert!(!w.poll_due(now, &p), "never two polls of one invoice in flight");
        let change = w.observe(report(Status::Paid), now, &p).unwrap();
        assert_eq!((change.from, change.to), (Status::Pending, Status::Paid));
        assert!(w.is_settled(now, &p));
        assert!(!w.poll_due(now + SignedDuration::from_secs(10), &p));
        assert_eq!(w.observe(report(Status::Pending), now, &p), None);
        assert_eq!(w.observe(report(Status::Expired), now, &p), None);
        assert_eq!(w.status(), &Status::Paid);
        assert_eq!(w.conflict, Some(Status::Expired), "the contradiction is kept for the operator");
    }

    #[test]
    fn after_the_grace_the_till_derives_expiry_and_then_honours_a_late_payment() {
        let p = PollPolicy::default();
        let mut w = Watch::new(invoice(), t("2026-01-01T12:00:00Z"));
        assert_eq!(w.tick(t("2026-01-01T12:31:59Z"), &p), None, "still within the grace");
        let c = w.tick(t("2026-01-01T12:32:00Z"), &p).unwrap();
        assert_eq!(c.to, Status::Expired);
        assert_eq!(c.origin, Origin::Local);
        assert!(!w.is_settled(t("2026-01-01T13:00:00Z"), &p), "watched for a late payment");
        let c = w.observe(report(Status::Paid), t("2026-01-01T13:00:00Z"), &p).unwrap();
        assert_eq!(c.to, Status::Paid);
        assert!(c.note.unwrap().starts_with("paid late"));
        assert!(w.is_settled(t("2026-01-01T13:00:00Z"), &p));
    }

    #[test]
    fn underpaid_expires_as_expired_underpaid_and_late_watch_ends_after_the_window() {
        let p = PollPolicy::default();
        let mut w = Watch::new(invoice(), t("2026-01-01T12:00:00Z"));
        w.observe(report(Status::Underpaid), t("2026-01-01T12:10:00Z"), &p);
        assert_eq!(w.tick(t("2026-01-01T12:40:00Z"), &p).unwrap().to, Status::ExpiredUnderpaid);
        assert!(!w.is_settled(t("2026-01-02T12:29:00Z"), &p));
        assert!(w.is_settled(t("2026-01-02T12:30:00Z"), &p));
    }

    #[test]
    fn unknown_is_never_settled_locally_and_slows_down() {
        let p = PollPolicy::default();
        let mut w = Watch::new(invoice(), t("2026-01-01T12:00:00Z"));
        w.observe(report(Status::Unknown("HOLD".into())), t("2026-01-01T12:00:05Z"), &p);
        assert_eq!(w.tick(t("2026-01-01T13:00:00Z"), &p), None);
        w.observe(report(Status::Unknown("HOLD".into())), t("2026-01-01T13:00:00Z"), &p);
        assert_eq!(w.next_poll, t("2026-01-01T13:01:00Z"));
    }

    #[test]
    fn failures_back_off_and_are_remembered_until_the_gateway_answers() {
        let p = PollPolicy::default();
        let start = t("2026-01-01T12:00:00Z");
        let mut w = Watch::new(invoice(), start);
        let down = Problem::new(crate::core::problem::ProblemKind::Unreachable, "down");
        w.observe(Err(down.clone()), start, &p);
        let first = w.next_poll.duration_since(start);
        w.observe(Err(down), start, &p);
        assert!(w.next_poll.duration_since(start) > first);
        assert_eq!(w.failing_since, Some(start));
        w.observe(report(Status::Pending), start, &p);
        assert_eq!(w.failing_since, None);
        assert_eq!(w.next_poll, start + SignedDuration::from_secs(3));
    }
}
