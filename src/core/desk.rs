//! The counter: the sale in progress and every invoice being watched. Events
//! come in, commands for the runtime go out; the TUI and `till charge` both
//! drive this.

use super::invoice::{Invoice, Reference, StatusPage, StatusReport};
use super::method::{PaymentMethod, ProviderId};
use super::money::Money;
use super::poller::{Health, Poller, Request};
use super::problem::Problem;
use super::record::SaleRecord;
use super::sale::Sale;
use super::schedule::PollPolicy;
use super::status::Status;
use super::watch::{Change, Watch};
use jiff::Timestamp;
use std::collections::HashMap;
use std::sync::Arc;

// A created invoice travels by value once per sale: boxing it would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The clock moved on.
    Tick(Timestamp),
    AmountEntered(Money),
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
    /// A restart's lookup found no invoice for this reference.
    Unresolved(Reference),
    /// Show this invoice (from the history, or after a restart).
    Show(Reference),
    /// Show the invoice's next way to pay (another wallet of the same
    /// invoice), while it is open.
    SwitchChoice(Reference),
}

/// Work for the runtime. Each ends in an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
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

#[derive(Clone, Debug)]
pub struct Desk {
    pub sale: Sale,
    /// Every invoice of this run, in the order they came (read-only outside:
    /// the desk keeps an index and the poll schedule beside it).
    pub watches: Vec<Watch>,
    pub policy: PollPolicy,
    pub now: Timestamp,
    index: HashMap<Reference, usize>,
    poller: Poller,
}

impl Desk {
    pub fn new(policy: PollPolicy, now: Timestamp) -> Desk {
        Desk { sale: Sale::Amount, watches: Vec::new(), policy, now, index: HashMap::new(), poller: Poller::default() }
    }

    pub fn watch(&self, reference: &Reference) -> Option<&Watch> {
        self.index.get(reference).and_then(|i| self.watches.get(*i))
    }

    fn watch_mut(&mut self, reference: &Reference) -> Option<&mut Watch> {
        self.index.get(reference).and_then(|i| self.watches.get_mut(*i))
    }

    /// Starts watching (a new invoice, or one taken back).
    fn push_watch(&mut self, watch: Watch) {
        let idx = self.watches.len();
        self.index.insert(watch.invoice.reference.clone(), idx);
        self.poller.enqueue(idx, &watch, &self.policy, self.now);
        self.watches.push(watch);
    }

    /// Starts watching many invoices at once (a load test, a restart).
    pub fn watch_all(&mut self, watches: impl IntoIterator<Item = Watch>) -> Outcome {
        for w in watches {
            if self.watch(&w.invoice.reference).is_none() {
                self.push_watch(w);
            }
        }
        let mut out = Outcome::default();
        self.plan(&mut out);
        out
    }

    /// When the poll schedule next has work: the face should send a
    /// `Tick` then (besides its own clock for the countdown).
    pub fn next_wake(&self) -> Option<Timestamp> {
        self.poller.next_wake(self.focus())
    }

    /// How a gateway has been answering the polls.
    pub fn health(&self, provider: ProviderId) -> Option<&Health> {
        self.poller.health(provider)
    }

    fn focus(&self) -> Option<usize> {
        self.sale.reference().and_then(|r| self.index.get(r).copied())
    }

    /// The watch of the invoice the sale shows.
    pub fn current(&self) -> Option<&Watch> {
        self.sale.reference().and_then(|r| self.watch(r))
    }

    pub fn update(&mut self, event: Event) -> Outcome {
        let mut out = Outcome::default();
        match event {
            Event::Tick(now) => {
                self.now = now.max(self.now);
                self.tick(&mut out);
            }
            Event::AmountEntered(amount) => {
                if matches!(self.sale, Sale::Amount) {
                    self.sale = Sale::Method { amount };
                }
            }
            Event::Back => {
                if matches!(self.sale, Sale::Method { .. }) {
                    self.sale = Sale::Amount;
                }
            }
            Event::MethodChosen(method, reference) => {
                if let Sale::Method { amount } = &self.sale {
                    let amount = amount.clone();
                    out.commands.push(Command::Create {
                        reference: reference.clone(),
                        amount: amount.clone(),
                        method,
                        retry: false,
                    });
                    self.poller.spend(method.provider, &self.policy, self.now);
                    self.sale = Sale::Creating { amount, method, reference };
                }
            }
            Event::Retry => {
                if self.sale.can_retry()
                    && let Sale::Failed { amount, method, reference, .. } = &self.sale
                {
                    out.commands.push(Command::Create {
                        reference: reference.clone(),
                        amount: amount.clone(),
                        method: *method,
                        retry: true,
                    });
                    self.poller.spend(method.provider, &self.policy, self.now);
                    self.sale =
                        Sale::Creating { amount: amount.clone(), method: *method, reference: reference.clone() };
                }
            }
            Event::Created { reference, result } => self.created(reference, result, &mut out),
            Event::Polled { reference, result } => {
                if let Some(idx) = self.index.get(&reference).copied()
                    && let Some(provider) = self.watches.get(idx).map(|w| w.invoice.method.provider)
                {
                    let problem = result.as_ref().err().cloned();
                    self.observe(idx, result, &mut out);
                    self.poller.single_done(provider, problem.as_ref(), &self.policy, self.now);
                }
                self.settle_sale();
                self.plan(&mut out);
            }
            Event::PagePolled { provider, page, result } => self.page_polled(provider, page, result, &mut out),
            Event::CancelRequested(reference) => {
                if let Some(w) = self.watch(&reference)
                    && !w.status().is_final()
                {
                    out.commands.push(Command::Cancel(w.invoice.clone()));
                    self.poller.spend(w.invoice.method.provider, &self.policy, self.now);
                }
            }
            Event::Canceled { reference, result } => match result {
                // A cancel is confirmed by the next poll, never assumed: poll now.
                Ok(()) => {
                    if let Some(idx) = self.index.get(&reference).copied()
                        && let Some(w) = self.watches.get_mut(idx)
                    {
                        w.next_poll = Timestamp::MIN;
                        self.poller.enqueue(idx, w, &self.policy, self.now);
                    }
                    self.plan(&mut out);
                }
                Err(problem) => out.notices.push(Notice::CancelFailed { reference, problem }),
            },
            Event::Unresolved(_) => {}
            Event::Show(reference) => {
                if let Some(w) = self.watch(&reference) {
                    let done = w.status().is_final();
                    self.sale = if done { Sale::Final { reference } } else { Sale::Open { reference } };
                    self.plan(&mut out);
                }
            }
            Event::SwitchChoice(reference) => {
                if let Some(w) = self.watch_mut(&reference)
                    && !w.status().is_final()
                    && let Some(next) = w.invoice.next_choice()
                    && w.invoice.switch_to(next)
                {
                    out.notices.push(Notice::Switched(reference));
                }
            }
            Event::NewSale => {
                if matches!(self.sale, Sale::Final { .. } | Sale::Failed { .. } | Sale::Method { .. })
                    || self.current().is_some()
                {
                    self.sale = Sale::Amount;
                }
            }
        }
        out
    }

    /// Takes one poll's answer for the watch at `idx` and puts it back in the
    /// schedule.
    fn observe(&mut self, idx: usize, result: Result<StatusReport, Problem>, out: &mut Outcome) {
        let (now, policy) = (self.now, &self.policy);
        let Some(w) = self.watches.get_mut(idx) else { return };
        let conflict_before = w.conflict.clone();
        let change = w.observe(result, now, policy);
        let reference = &w.invoice.reference;
        if w.conflict != conflict_before
            && let Some(reported) = w.conflict.clone()
        {
            let recorded = w.status().clone();
            out.notices.push(Notice::Conflict { reference: reference.clone(), recorded, reported });
        }
        if let Some(change) = change {
            out.notices.push(Notice::Status { reference: reference.clone(), change });
        }
        self.poller.enqueue(idx, w, policy, now);
    }

    fn page_polled(&mut self, provider: ProviderId, page: u32, result: Result<StatusPage, Problem>, out: &mut Outcome) {
        if let Ok(found) = &result {
            for (reference, report) in &found.reports {
                let Some(idx) = self.index.get(reference).copied() else { continue };
                let Some(w) = self.watches.get(idx) else { continue };
                let asked = self.poller.sweep_wants(provider, page, reference) == Some(idx);
                // News of an invoice nobody asked about is taken while it is
                // waiting; one being polled gets its own answer.
                if w.invoice.method.provider != provider
                    || (!asked && (w.in_flight || w.is_settled(self.now, &self.policy)))
                {
                    continue;
                }
                self.observe(idx, Ok(report.clone()), out);
            }
        }
        if let Some(end) = self.poller.page_done(provider, page, &result, &self.policy, self.now) {
            if let Err(problem) = &result {
                for idx in end.failed {
                    self.observe(idx, Err(problem.clone()), out);
                }
            }
            for idx in end.missing {
                if let Some(w) = self.watches.get_mut(idx) {
                    w.in_flight = false;
                    w.next_poll = self.now;
                    self.poller.enqueue(idx, w, &self.policy, self.now);
                }
            }
        }
        self.settle_sale();
        self.plan(out);
    }

    fn created(&mut self, reference: Reference, result: Result<Invoice, Problem>, out: &mut Outcome) {
        let current = matches!(&self.sale, Sale::Creating { reference: expected, .. } if *expected == reference);
        if !current {
            // A create found after a restart, or one the cashier walked away
            // from: watched in the background all the same.
            if let Ok(invoice) = result
                && self.watch(&reference).is_none()
            {
                self.push_watch(Watch::new(invoice, self.now));
                out.notices.push(Notice::Created(reference));
                self.plan(out);
            }
            return;
        }
        let Sale::Creating { amount, method, .. } = &self.sale else {
            return;
        };
        match result {
            Ok(invoice) => {
                let done = invoice.status.is_final();
                self.push_watch(Watch::new(invoice, self.now));
                out.notices.push(Notice::Created(reference.clone()));
                self.sale = if done { Sale::Final { reference } } else { Sale::Open { reference } };
                self.plan(out);
            }
            Err(problem) => {
                out.notices.push(Notice::CreateFailed(problem.clone()));
                self.sale = Sale::Failed { amount: amount.clone(), method: *method, reference, problem };
            }
        }
    }

    fn settle_sale(&mut self) {
        if let Sale::Open { reference } = &self.sale
            && self.watch(reference).is_some_and(|w| w.status().is_final())
        {
            self.sale = Sale::Final { reference: reference.clone() };
        }
    }

    /// The passing of time: expiries the till derives, then the polls due.
    fn tick(&mut self, out: &mut Outcome) {
        let (now, policy) = (self.now, &self.policy);
        for w in self.watches.iter_mut().filter(|w| !w.status().is_final()) {
            if let Some(change) = w.tick(now, policy) {
                out.notices.push(Notice::Status { reference: w.invoice.reference.clone(), change });
            }
        }
        self.plan(out);
    }

    /// The polls the schedule sends now.
    fn plan(&mut self, out: &mut Outcome) {
        let focus = self.focus();
        for request in self.poller.plan(self.now, &mut self.watches, &self.policy, focus) {
            match request {
                Request::Single(idx) => {
                    if let Some(w) = self.watches.get(idx) {
                        out.commands.push(Command::Poll(w.invoice.clone()));
                    }
                }
                Request::Page { provider, page, invoices } => {
                    out.commands.push(Command::PollPage { provider, page, invoices })
                }
            }
        }
        self.settle_sale();
    }

    /// Takes back what a previous run left: watches the invoices it left
    /// open, and returns the commands that settle them: lookups for creates
    /// whose answer was never recorded, and the first polls.
    pub fn resume(&mut self, to_watch: &[SaleRecord], unresolved: &[SaleRecord]) -> Outcome {
        let now = self.now;
        for w in to_watch.iter().filter_map(|r| r.watch(now)) {
            if self.watch(&w.invoice.reference).is_none() {
                self.push_watch(w);
            }
        }
        let commands = unresolved
            .iter()
            .map(|r| {
                self.poller.spend(r.method.provider, &self.policy, self.now);
                Command::Resolve { reference: r.reference.clone(), amount: r.fiat.clone(), method: r.method }
            })
            .collect();
        let mut out = Outcome { commands, notices: Vec::new() };
        self.tick(&mut out);
        out
    }

    /// Puts an invoice that needs no more watching in view (history).
    pub fn add_settled(&mut self, watch: Watch) {
        if self.watch(&watch.invoice.reference).is_none() {
            self.push_watch(watch);
        }
    }

    /// Since when the gateway has not been reachable (every poll failing
    /// because it did not answer), if it is down now.
    pub fn unreachable_since(&self, provider: ProviderId) -> Option<Timestamp> {
        self.poller.health(provider).filter(|h| h.errors > 0).and_then(|h| h.failing_since)
    }

    /// Invoices that are still open (not final).
    pub fn open_count(&self) -> usize {
        self.watches.iter().filter(|w| !w.status().is_final()).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::invoice::{Payload, PayloadKind};
    use crate::core::method::{MethodId, ProviderId};
    use crate::core::money::Currency;
    use crate::core::problem::ProblemKind;
    use crate::core::status::Status;
    use jiff::SignedDuration;
    use rust_decimal::Decimal;

    fn t0() -> Timestamp {
        "2026-01-01T12:00:00Z".parse().unwrap()
    }

    fn money() -> Money {
        Money::new(Decimal::new(1250, 2), Currency::from_code("USD").unwrap())
    }

    fn method() -> PaymentMethod {
        PaymentMethod::new(ProviderId::Xpay, MethodId::Lightning)
    }

    fn invoice(reference: &Reference) -> Invoice {
        Invoice {
            id: "b1".into(),
            reference: reference.clone(),
            method: method(),
            fiat: money(),
            crypto: None,
            payload: Payload { kind: PayloadKind::Lightning, qr: "LIGHTNING:X".into(), text: "x".into() },
            created_at: t0(),
            expires_at: t0() + SignedDuration::from_mins(30),
            status: Status::Pending,
            received: None,
            choices: Vec::new(),
        }
    }

    fn open_sale() -> (Desk, Reference) {
        let mut d = Desk::new(PollPolicy::default(), t0());
        let r = Reference::from_random(9);
        d.update(Event::AmountEntered(money()));
        let out = d.update(Event::MethodChosen(method(), r.clone()));
        assert_eq!(
            out.commands,
            vec![Command::Create { reference: r.clone(), amount: money(), method: method(), retry: false }]
        );
        assert!(matches!(d.sale, Sale::Creating { .. }));
        let out = d.update(Event::Created { reference: r.clone(), result: Ok(invoice(&r)) });
        assert!(matches!(d.sale, Sale::Open { .. }));
        assert!(out.commands.is_empty(), "the create took this turn at xPay");
        let turn = d.next_wake().expect("a poll is planned");
        assert!(turn <= t0() + SignedDuration::from_millis(250), "polls soon after creation: {turn}");
        let out = d.update(Event::Tick(turn));
        assert!(matches!(out.commands.as_slice(), [Command::Poll(_)]), "{:?}", out.commands);
        (d, r)
    }

    #[test]
    fn a_sale_goes_from_amount_to_paid() {
        let (mut d, r) = open_sale();
        let report = StatusReport { status: Status::Paid, raw: "paid".into(), received: None, tx_id: None };
        let out = d.update(Event::Polled { reference: r.clone(), result: Ok(report) });
        assert!(matches!(d.sale, Sale::Final { .. }));
        assert!(matches!(&out.notices[..], [Notice::Status { change, .. }] if change.to == Status::Paid));
        let out = d.update(Event::Tick(t0() + SignedDuration::from_mins(5)));
        assert!(out.commands.is_empty(), "a paid invoice is not polled again");
        d.update(Event::NewSale);
        assert_eq!(d.sale, Sale::Amount);
    }

    #[test]
    fn polls_are_spaced_and_never_overlap() {
        let (mut d, r) = open_sale();
        let out = d.update(Event::Tick(t0() + SignedDuration::from_secs(10)));
        assert!(out.commands.is_empty(), "the first poll is still in flight");
        let pending = StatusReport { status: Status::Pending, raw: "p".into(), received: None, tx_id: None };
        d.update(Event::Polled { reference: r.clone(), result: Ok(pending) });
        assert!(d.update(Event::Tick(t0() + SignedDuration::from_secs(12))).commands.is_empty());
        assert_eq!(d.update(Event::Tick(t0() + SignedDuration::from_secs(13))).commands.len(), 1);
    }

    #[test]
    fn a_failed_create_can_be_retried_with_the_same_reference() {
        let mut d = Desk::new(PollPolicy::default(), t0());
        let r = Reference::from_random(3);
        d.update(Event::AmountEntered(money()));
        d.update(Event::MethodChosen(method(), r.clone()));
        let problem = Problem::new(ProblemKind::Unreachable, "xPay did not answer.");
        d.update(Event::Created { reference: r.clone(), result: Err(problem) });
        assert!(d.sale.can_retry());
        let out = d.update(Event::Retry);
        assert!(matches!(&out.commands[..], [Command::Create { reference, retry: true, .. }] if *reference == r));
    }

    #[test]
    fn refused_credentials_are_not_retried_blindly() {
        let mut d = Desk::new(PollPolicy::default(), t0());
        let r = Reference::from_random(4);
        d.update(Event::AmountEntered(money()));
        d.update(Event::MethodChosen(method(), r.clone()));
        let problem = Problem::new(ProblemKind::Credentials, "xPay refused the credentials.");
        d.update(Event::Created { reference: r, result: Err(problem) });
        assert!(d.update(Event::Retry).commands.is_empty());
    }

    #[test]
    fn a_cancel_is_confirmed_by_a_poll_not_assumed() {
        let (mut d, r) = open_sale();
        let pending = StatusReport { status: Status::Pending, raw: "p".into(), received: None, tx_id: None };
        d.update(Event::Polled { reference: r.clone(), result: Ok(pending) });
        let out = d.update(Event::CancelRequested(r.clone()));
        assert!(matches!(out.commands[..], [Command::Cancel(_)]));
        let out = d.update(Event::Canceled { reference: r.clone(), result: Ok(()) });
        assert!(out.commands.is_empty(), "the cancel took this turn at xPay");
        let out = d.update(Event::Tick(d.next_wake().unwrap()));
        assert!(matches!(out.commands[..], [Command::Poll(_)]), "polled at the next turn: {:?}", out.commands);
        assert_eq!(d.watch(&r).unwrap().status(), &Status::Pending);
    }

    #[test]
    fn a_contradicting_final_answer_is_reported_once_and_changes_nothing() {
        let (mut d, r) = open_sale();
        let report = |status| StatusReport { status, raw: "x".into(), received: None, tx_id: None };
        d.update(Event::Polled { reference: r.clone(), result: Ok(report(Status::Paid)) });
        let out = d.update(Event::Polled { reference: r.clone(), result: Ok(report(Status::Expired)) });
        assert!(
            matches!(&out.notices[..], [Notice::Conflict { recorded: Status::Paid, reported: Status::Expired, .. }]),
            "{:?}",
            out.notices
        );
        assert_eq!(d.watch(&r).unwrap().status(), &Status::Paid);
        let again = d.update(Event::Polled { reference: r.clone(), result: Ok(report(Status::Expired)) });
        assert!(again.notices.is_empty());
    }

    fn record(status: Status, expires_at: Timestamp) -> SaleRecord {
        let r = Reference::from_random(77);
        let mut inv = invoice(&r);
        inv.status = status.clone();
        inv.expires_at = expires_at;
        SaleRecord {
            reference: r,
            method: method(),
            fiat: money(),
            state: crate::core::record::RecordState::Created,
            started_at: t0(),
            terminal: "t".into(),
            gateway_id: Some(inv.id.clone()),
            crypto: None,
            payload: Some(inv.payload.clone()),
            created_at: Some(inv.created_at),
            expires_at: Some(expires_at),
            status,
            origin: crate::core::status::Origin::Gateway,
            raw: String::new(),
            received: None,
            tx_id: None,
            note: None,
        }
    }

    #[test]
    fn after_a_long_outage_the_gateway_is_asked_before_anything_is_called_expired() {
        let expired_long_ago = t0() + SignedDuration::from_mins(30);
        let mut d = Desk::new(PollPolicy::default(), t0() + SignedDuration::from_hours(48));
        let out = d.resume(&[record(Status::Pending, expired_long_ago)], &[]);
        assert!(out.notices.is_empty(), "no local expiry before the gateway answered: {:?}", out.notices);
        let [Command::Poll(inv)] = &out.commands[..] else { panic!("{:?}", out.commands) };
        let report = StatusReport { status: Status::Paid, raw: "paid".into(), received: None, tx_id: None };
        let out = d.update(Event::Polled { reference: inv.reference.clone(), result: Ok(report) });
        let [Notice::Status { change, .. }] = &out.notices[..] else { panic!("{:?}", out.notices) };
        assert_eq!(change.to, Status::Paid);
        assert!(change.note.as_deref().is_some_and(|n| n.starts_with("paid late")), "{change:?}");
    }

    #[test]
    fn the_gateway_confirming_a_local_expiry_is_a_change_the_journal_records() {
        let mut d = Desk::new(PollPolicy::default(), t0() + SignedDuration::from_hours(2));
        let mut rec = record(Status::Expired, t0() + SignedDuration::from_mins(30));
        rec.origin = crate::core::status::Origin::Local;
        let out = d.resume(&[rec], &[]);
        let [Command::Poll(inv)] = &out.commands[..] else { panic!("a late watch is polled: {:?}", out.commands) };
        let report = StatusReport { status: Status::Expired, raw: "closed".into(), received: None, tx_id: None };
        let out = d.update(Event::Polled { reference: inv.reference.clone(), result: Ok(report) });
        let [Notice::Status { change, .. }] = &out.notices[..] else { panic!("{:?}", out.notices) };
        assert_eq!(
            (change.from.clone(), change.to.clone(), change.origin),
            (Status::Expired, Status::Expired, crate::core::status::Origin::Gateway)
        );
        assert!(d.watches[0].is_settled(d.now, &d.policy));
    }
}
