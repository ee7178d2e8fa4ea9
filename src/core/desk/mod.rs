//! The counter: the sale in progress and every invoice being watched. Events
//! come in; commands for the runtime go out, journal writes among them in the
//! order they must happen (the intent before its create, the invoice before
//! its QR, each status change before it is shown). Every face drives it
//! through the runtime's one drive loop; none decides what is journaled.

mod fleet;
mod messages;

pub use messages::{Command, Entry, Event, Notice, Outcome};

use super::invoice::{Invoice, Reference, StatusPage, StatusReport};
use super::method::ProviderId;
use super::poller::{Health, Poller, Request};
use super::problem::Problem;
use super::record::SaleRecord;
use super::sale::Sale;
use super::schedule::PollPolicy;
use super::tax::Breakdown;
use super::watch::{Change, Watch};
use jiff::Timestamp;
use std::collections::HashMap;

#[derive(Clone, Debug)]
pub struct Desk {
    pub sale: Sale,
    /// Every invoice of this run, in the order they came (read-only outside:
    /// the desk keeps an index and the poll schedule beside it).
    pub watches: Vec<Watch>,
    pub policy: PollPolicy,
    pub now: Timestamp,
    /// The current sale's net, tax and tip, when the face worked them out
    /// (`Event::Priced`); journaled with its intent. `None` after a bare
    /// `AmountEntered`.
    pub priced: Option<Breakdown>,
    /// This till's lease is lost (many tills on one store): nothing is
    /// polled, and no expiry derived, until a lease turn succeeds.
    pub paused: bool,
    index: HashMap<Reference, usize>,
    poller: Poller,
}

impl Desk {
    pub fn new(policy: PollPolicy, now: Timestamp) -> Desk {
        Desk {
            sale: Sale::Amount,
            watches: Vec::new(),
            policy,
            now,
            priced: None,
            paused: false,
            index: HashMap::new(),
            poller: Poller::default(),
        }
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
        if self.paused {
            return None;
        }
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

    /// The current sale's breakdown, if it is for `amount`.
    fn breakdown_of(&self, amount: &super::money::Money) -> Option<Box<Breakdown>> {
        self.priced.as_ref().filter(|b| b.total == *amount).map(|b| Box::new(b.clone()))
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
                    self.priced = None;
                    self.sale = Sale::Method { amount };
                }
            }
            Event::Priced(breakdown) => {
                if matches!(self.sale, Sale::Amount) {
                    self.sale = Sale::Method { amount: breakdown.total.clone() };
                    self.priced = Some(breakdown);
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
                    out.commands.push(Command::Record(Entry::Intent {
                        reference: reference.clone(),
                        method,
                        amount: amount.clone(),
                        breakdown: self.breakdown_of(&amount),
                    }));
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
                    // An invoice made but not stored is watched already: never made twice.
                    && self.watch(reference).is_none()
                {
                    out.commands.push(Command::Record(Entry::Intent {
                        reference: reference.clone(),
                        method: *method,
                        amount: amount.clone(),
                        breakdown: self.breakdown_of(amount),
                    }));
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
                    if self.watches.get(idx).is_some_and(|w| w.watcher.polled_here()) {
                        self.observe(idx, result, &mut out);
                    } else if let Some(w) = self.watches.get_mut(idx) {
                        // Another till watches it now: its answer is that till's to take.
                        w.in_flight = false;
                    }
                    self.poller.single_done(provider, problem.as_ref(), &self.policy, self.now);
                }
                self.settle_sale();
                self.plan(&mut out);
            }
            Event::PagePolled { provider, page, result } => self.page_polled(provider, page, result, &mut out),
            Event::CancelRequested(reference) => {
                if let Some(w) = self.watch(&reference)
                    && !w.status().is_final()
                    && w.watcher.polled_here()
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
            Event::Unresolved { reference, settles } => {
                if let Some((state, note)) = settles {
                    out.commands.push(Command::Record(Entry::Settled { reference, state, note }));
                }
            }
            Event::NotStored { reference, problem } => {
                let current = self.sale.reference() == Some(&reference);
                if let Some(w) = self.watch_mut(&reference) {
                    w.unstored = true;
                    let (amount, method) = (w.invoice.fiat.clone(), w.invoice.method);
                    out.notices.push(Notice::CreateFailed(problem.clone()));
                    if current {
                        self.sale = Sale::Failed { amount, method, reference, problem };
                    }
                }
            }
            Event::Show(reference) => {
                if let Some(w) = self.watch(&reference)
                    && !w.unstored
                {
                    let done = w.status().is_final();
                    self.sale = if done { Sale::Final { reference, recalled: true } } else { Sale::Open { reference } };
                    self.plan(&mut out);
                }
            }
            Event::SwitchChoice(reference) => {
                if let Some(w) = self.watch_mut(&reference)
                    && !w.status().is_final()
                    && let Some(next) = w.invoice.next_choice()
                    && w.invoice.switch_to(next)
                {
                    out.commands.push(Command::Record(Entry::Switch(Box::new(w.clone()))));
                    out.notices.push(Notice::Switched(reference));
                }
            }
            Event::Fleet { assignments, settled, sharing, hold } => {
                for (provider, until) in hold {
                    self.poller.hold(provider, until, &self.policy);
                }
                self.fleet(assignments, settled, &sharing, &mut out)
            }
            Event::LeaseLost => self.lease_lost(),
            Event::NotWatcher(reference) => self.not_watcher(&reference),
            Event::NewSale => {
                if matches!(self.sale, Sale::Final { .. } | Sale::Failed { .. } | Sale::Method { .. })
                    || self.current().is_some()
                {
                    self.priced = None;
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
        let shown = (w.invoice.method, w.invoice.crypto.as_ref().map(|c| c.amount));
        let change = w.observe(result, now, policy);
        if shown != (w.invoice.method, w.invoice.crypto.as_ref().map(|c| c.amount)) {
            // Paid through another way than the one shown: stored before the status.
            out.commands.push(Command::Record(Entry::Switch(Box::new(before(w, change.as_ref())))));
        }
        let reference = &w.invoice.reference;
        if w.conflict != conflict_before
            && let Some(reported) = w.conflict.clone()
        {
            let recorded = w.status().clone();
            out.notices.push(Notice::Conflict { reference: reference.clone(), recorded, reported });
        }
        if let Some(change) = change {
            changed(w, change, out);
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
                    || !w.watcher.polled_here()
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
                    if self.watches.get(idx).is_some_and(|w| w.watcher.polled_here()) {
                        self.observe(idx, Err(problem.clone()), out);
                    } else if let Some(w) = self.watches.get_mut(idx) {
                        w.in_flight = false;
                    }
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
            match result {
                Ok(invoice) if self.watch(&reference).is_none() => {
                    out.commands.push(Command::Record(Entry::Created(Box::new(invoice.clone()))));
                    self.push_watch(Watch::new(invoice, self.now));
                    out.notices.push(Notice::Created(reference));
                    self.plan(out);
                }
                Ok(_) => {}
                Err(problem) => settle(reference, &problem, out),
            }
            return;
        }
        let Sale::Creating { amount, method, .. } = &self.sale else {
            return;
        };
        match result {
            Ok(invoice) => {
                let done = invoice.status.is_final();
                out.commands.push(Command::Record(Entry::Created(Box::new(invoice.clone()))));
                self.push_watch(Watch::new(invoice, self.now));

                out.notices.push(Notice::Created(reference.clone()));
                self.sale = if done { Sale::Final { reference, recalled: false } } else { Sale::Open { reference } };
                self.plan(out);
            }
            Err(problem) => {
                settle(reference.clone(), &problem, out);
                out.notices.push(Notice::CreateFailed(problem.clone()));
                self.sale = Sale::Failed { amount: amount.clone(), method: *method, reference, problem };
            }
        }
    }

    fn settle_sale(&mut self) {
        if let Sale::Open { reference } = &self.sale
            && self.watch(reference).is_some_and(|w| w.status().is_final())
        {
            self.sale = Sale::Final { reference: reference.clone(), recalled: false };
        }
    }

    /// The passing of time: expiries the till derives, then the polls due.
    fn tick(&mut self, out: &mut Outcome) {
        let (now, policy) = (self.now, &self.policy);
        // Only the watching till derives an expiry (and only while its lease holds).
        let paused = self.paused;
        for w in self.watches.iter_mut().filter(|w| !paused && w.watcher.polled_here() && !w.status().is_final()) {
            if let Some(change) = w.tick(now, policy) {
                changed(w, change, out);
            }
        }
        self.plan(out);
    }

    /// The polls the schedule sends now.
    fn plan(&mut self, out: &mut Outcome) {
        if self.paused {
            self.settle_sale();
            return;
        }
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
                Command::Resolve {
                    reference: r.reference.clone(),
                    amount: r.fiat.clone(),
                    method: r.method,
                    started_at: r.started_at,
                }
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

    /// Since when the gateway has not been reachable (no answer at all to
    /// the polls), if it is down now. Any answer clears it.
    pub fn unreachable_since(&self, provider: ProviderId) -> Option<Timestamp> {
        self.poller.health(provider).and_then(|h| h.unreachable_since)
    }

    /// Invoices that are still open (not final).
    pub fn open_count(&self) -> usize {
        self.watches.iter().filter(|w| !w.status().is_final()).count()
    }
}

/// A status change: stored first, then told.
fn changed(w: &Watch, change: Change, out: &mut Outcome) {
    out.commands.push(Command::Record(Entry::Status { watch: Box::new(w.clone()), change: change.clone() }));
    out.notices.push(Notice::Status { reference: w.invoice.reference.clone(), change });
}

/// The watch as it stood before `change` (its new way to pay kept): what a
/// switch records ahead of the status change.
fn before(w: &Watch, change: Option<&Change>) -> Watch {
    let mut w = w.clone();
    if let Some(change) = change {
        w.invoice.status = change.from.clone();
    }
    w
}

/// A failed create the gateway is known not to have made (or cannot be asked
/// about) is settled in the journal; one it may have made stays open.
fn settle(reference: Reference, problem: &Problem, out: &mut Outcome) {
    if let Some((state, note)) = problem.settles.clone() {
        out.commands.push(Command::Record(Entry::Settled { reference, state, note }));
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod fleet_tests;
