//! The poll scheduler: which open invoice is asked about, and when, within
//! every gateway's limits. Pure: the desk hands it the time and its watches;
//! the runtime sends the requests it plans and hands back the answers.
//!
//! - Each gateway has a request budget (`schedule::Limits`). Requests are spaced evenly
//!   at the limit's rate plus a tenth, so that arrivals jittered by the
//!   network still fit any one-second window. Never a burst: after a quiet
//!   spell a gateway gets one request, then the spacing again.
//! - Invoices wait in a queue ordered by when they are due (`Watch::next_poll`,
//!   never sooner than the per-invoice limit allows). The invoice on screen
//!   goes first: its customer is at the counter.
//! - Where the gateway lists many invoices in one call (xPay, Bitsby), two or
//!   more due invoices are asked about in one sweep of pages, one page per
//!   turn. Invoices a sweep does not find are then asked about one by one.
//! - Expired invoices watched for a late payment wait in a queue of their
//!   own, polled only when no other invoice at that gateway is due (a sweep
//!   takes them in): they use what the budget leaves over.
//! - A gateway-wide failure (down, HTTP 5xx, "slow down") backs the whole
//!   gateway off, exponentially with jitter (or as long as its Retry-After
//!   says), and while it fails only one request is in flight there: when it
//!   comes back it sees one request, then the spacing. Only no answer at all
//!   counts as unreachable (`Health::unreachable_since`): any answer clears it.

use super::invoice::{Invoice, Reference, StatusPage};
use super::method::ProviderId;
use super::problem::Problem;
use super::schedule::{self, Limits, Pace, PollPolicy};
use super::slots::Slots;
pub use super::slots::{Share, slot_at_or_after};
use super::watch::Watch;
use jiff::{SignedDuration, Timestamp};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

/// The most requests in flight at one gateway (a slow gateway is not piled on).
pub const MAX_IN_FLIGHT: u32 = 4;
/// The most pages one sweep reads (20,000 invoices at 50 a page).
pub const MAX_PAGES: u32 = 400;

/// How a gateway has been answering.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Health {
    /// Consecutive gateway-wide failures.
    pub errors: u32,
    pub failing_since: Option<Timestamp>,
    pub problem: Option<Problem>,
    /// Since when no answer at all has come (not reached, timed out). Any
    /// answer clears it, even an error status or a refusal.
    pub unreachable_since: Option<Timestamp>,
}

/// A request the runtime should send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// One invoice's status: the watch at this index.
    Single(usize),
    /// A page of the gateway's batch listing, for these invoices.
    Page { provider: ProviderId, page: u32, invoices: Arc<Vec<Invoice>> },
}

/// How a sweep ended, for the invoices it asked about and did not find.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SweepEnd {
    /// The page failed: these invoices' polls failed with it.
    pub failed: Vec<usize>,
    /// Not on any page: asked about one by one next.
    pub missing: Vec<usize>,
}

#[derive(Clone, Debug)]
struct Sweep {
    invoices: Arc<Vec<Invoice>>,
    wanted: HashMap<Reference, usize>,
    page: u32,
    in_flight: bool,
}

#[derive(Clone, Debug)]
struct Gate {
    limits: Limits,
    /// The earliest the next request may go.
    next_send: Timestamp,
    in_flight: u32,
    health: Health,
    /// Waiting invoices by when they are due, and each one's key.
    queue: BTreeSet<(Timestamp, usize)>,
    keys: HashMap<usize, Timestamp>,
    /// Expired invoices watched for a late payment, by when they are due:
    /// polled only when nothing in `queue` is due (they take what the
    /// budget leaves over).
    late: BTreeSet<(Timestamp, usize)>,
    sweep: Option<Sweep>,
    /// Invoices the last sweep did not find: polled one by one.
    singles: HashSet<usize>,
    /// Requests sent (seeds the jitter).
    sent: u64,
    /// When the last request went.
    last_sent: Option<Timestamp>,
    /// This till's slots, when other live tills share the account.
    slots: Option<Slots>,
}

impl Gate {
    fn new(limits: Limits) -> Gate {
        Gate {
            limits,
            next_send: Timestamp::MIN,
            in_flight: 0,
            health: Health::default(),
            queue: BTreeSet::new(),
            keys: HashMap::new(),
            late: BTreeSet::new(),
            sweep: None,
            singles: HashSet::new(),
            sent: 0,
            last_sent: None,
            slots: None,
        }
    }

    fn remove(&mut self, idx: usize) {
        if let Some(key) = self.keys.remove(&idx) {
            self.queue.remove(&(key, idx));
            self.late.remove(&(key, idx));
        }
    }

    /// Whether the budget allows one more request at `now`.
    fn may_send(&self, now: Timestamp) -> bool {
        now >= self.next_send
            && self.slots.is_none_or(|s| s.earliest(now) == now)
            && self.in_flight < MAX_IN_FLIGHT
            && !(self.health.errors > 0 && self.in_flight > 0)
    }

    fn spend(&mut self, now: Timestamp) {
        self.in_flight += 1;
        self.charge(now);
    }

    /// Moves the next turn one spacing on (to this till's next slot, when
    /// the account is shared).
    fn charge(&mut self, now: Timestamp) {
        self.sent += 1;
        self.last_sent = Some(now);
        let from = now.max(self.next_send);
        self.next_send = match &self.slots {
            Some(slots) => slots.after(from),
            None => from.saturating_add(self.limits.gateway.spacing()).unwrap_or(Timestamp::MAX),
        };
    }

    /// The earliest instant at or after `t` when the budget lets a request go.
    fn earliest(&self, t: Timestamp) -> Timestamp {
        let t = t.max(self.next_send);
        self.slots.map_or(t, |s| s.earliest(t))
    }

    fn sweeping(&self) -> bool {
        self.limits.batch && self.sweep.is_some()
    }

    /// The key of the invoice that may be polled alone: the one on screen,
    /// one a sweep missed, or (outside sweeps) the soonest due.
    /// Among those due at `now` the one on screen goes first; when none is
    /// due, the soonest (a focused invoice not yet due never holds the
    /// others up).
    fn next_single(&self, focus: Option<usize>, now: Timestamp) -> Option<(Timestamp, usize)> {
        let focused = focus.and_then(|i| self.keys.get(&i).map(|k| (*k, i)));
        let missed = self.singles.iter().filter_map(|i| self.keys.get(i).map(|k| (*k, *i))).min();
        let first = if self.sweeping() { None } else { self.queue.first().copied() };
        let candidates = [focused, missed, first].into_iter().flatten();
        let due = candidates.clone().filter(|(k, _)| *k <= now).min_by_key(|(k, i)| (Some(*i) != focus, *k));
        due.or_else(|| candidates.min())
    }

    /// The soonest late watch (outside sweeps, which take them in).
    fn next_late(&self) -> Option<(Timestamp, usize)> {
        if self.sweeping() { None } else { self.late.first().copied() }
    }

    /// Starts a sweep over the due invoices, when there are two or more
    /// (the one on screen is polled alone).
    fn start_sweep(&mut self, now: Timestamp, watches: &mut [Watch], focus: Option<usize>) {
        let due: Vec<usize> = self
            .queue
            .iter()
            .take_while(|(k, _)| *k <= now)
            .chain(self.late.iter().take_while(|(k, _)| *k <= now))
            .map(|(_, i)| *i)
            .filter(|i| !self.singles.contains(i) && Some(*i) != focus)
            .filter(|i| watches.get(*i).is_some_and(|w| w.watcher.polled_here()))
            .collect();
        if due.len() < 2 {
            return;
        }
        let mut invoices = Vec::with_capacity(due.len());
        let mut wanted = HashMap::with_capacity(due.len());
        for idx in due {
            let Some(w) = watches.get_mut(idx) else { continue };
            self.remove(idx);
            w.poll_started(now);
            wanted.insert(w.invoice.reference.clone(), idx);
            invoices.push(w.invoice.clone());
        }
        self.sweep = Some(Sweep { invoices: Arc::new(invoices), wanted, page: 0, in_flight: false });
    }

    /// Takes the gateway's answer into account: recovery, or a backoff.
    fn answered(&mut self, problem: Option<&Problem>, now: Timestamp, policy: &PollPolicy) {
        self.in_flight = self.in_flight.saturating_sub(1);
        match problem {
            None => self.health = Health::default(),
            Some(p) if p.is_gateway_wide() => {
                self.health.errors = self.health.errors.saturating_add(1);
                self.health.failing_since.get_or_insert(now);
                self.health.problem = Some(p.clone());
                if p.is_unreachable() {
                    self.health.unreachable_since.get_or_insert(now);
                } else {
                    self.health.unreachable_since = None;
                }
                let base = self.limits.gateway.spacing().max(SignedDuration::from_secs(1));
                let wait = p
                    .retry_after
                    .unwrap_or_else(|| schedule::next_delay(policy, Pace::Normal(base), self.health.errors, self.sent));
                self.next_send = self.next_send.max(now.saturating_add(wait).unwrap_or(Timestamp::MAX));
            }
            // One invoice's trouble: its own watch backs off. The gateway
            // answered, so it is reachable.
            Some(_) => self.health.unreachable_since = None,
        }
    }
}

/// The scheduler: one gate per gateway.
#[derive(Clone, Debug, Default)]
pub struct Poller {
    gates: BTreeMap<ProviderId, Gate>,
}

impl Poller {
    fn gate(&mut self, provider: ProviderId, policy: &PollPolicy) -> &mut Gate {
        self.gates.entry(provider).or_insert_with(|| Gate::new(policy.limits(provider)))
    }

    /// Puts the watch at `idx` in its gateway's queue (again), unless it is
    /// being polled or needs no more polls.
    pub fn enqueue(&mut self, idx: usize, w: &Watch, policy: &PollPolicy, now: Timestamp) {
        let gate = self.gate(w.invoice.method.provider, policy);
        gate.remove(idx);
        // Another till polls it: never planned here.
        if w.in_flight || !w.watcher.polled_here() || w.is_settled(now, policy) {
            return;
        }
        let mut key = w.next_poll;
        if let (Some(rate), Some(sent)) = (gate.limits.per_invoice, w.last_sent) {
            key = key.max(sent.saturating_add(rate.spacing()).unwrap_or(Timestamp::MAX));
        }
        if w.is_late_watch() {
            gate.late.insert((key, idx));
        } else {
            gate.queue.insert((key, idx));
        }
        gate.keys.insert(idx, key);
    }

    /// Takes the watch at `idx` out of its gateway's queue (another till
    /// polls it now).
    pub fn dequeue(&mut self, idx: usize, provider: ProviderId) {
        if let Some(gate) = self.gates.get_mut(&provider) {
            gate.remove(idx);
            gate.singles.remove(&idx);
        }
    }

    /// Empties every queue (this till's lease is lost: nothing is polled
    /// until it is renewed and the watches are put back).
    pub fn clear(&mut self) {
        for gate in self.gates.values_mut() {
            gate.queue.clear();
            gate.late.clear();
            gate.keys.clear();
            gate.singles.clear();
        }
    }

    /// `tills` live tills share this gateway's account (one store): this one
    /// keeps to its share, 1/`tills` of the limit, in its own time slots
    /// (its `rank` among them; see `Slots`): the next request goes at its
    /// next slot under the new period. Alone, the whole limit again, one
    /// spacing after the last request.
    pub fn share(&mut self, provider: ProviderId, tills: u32, rank: u32, policy: &PollPolicy) {
        let base = policy.limits(provider).gateway;
        let tills = tills.max(1);
        let mut shared = base;
        shared.per = shared.per.saturating_mul(i32::try_from(tills).unwrap_or(i32::MAX));
        let gate = self.gate(provider, policy);
        gate.limits.gateway = shared;
        let slots = (tills > 1).then(|| Slots::new(base.spacing(), tills, rank));
        let was = std::mem::replace(&mut gate.slots, slots);
        if was.is_some()
            && slots.is_none()
            && gate.health.errors == 0
            && let Some(last) = gate.last_sent
        {
            // Alone again: the old cadence from the last request.
            let next = last.saturating_add(base.spacing()).unwrap_or(Timestamp::MAX);
            gate.next_send = gate.next_send.min(next);
        }
    }

    /// Sends nothing to this gateway before `until` (this till joins an
    /// account other tills use: they make room first).
    pub fn hold(&mut self, provider: ProviderId, until: Timestamp, policy: &PollPolicy) {
        let gate = self.gate(provider, policy);
        gate.next_send = gate.next_send.max(until);
    }

    /// The request rate kept at a gateway now (its share of the limit).
    pub fn rate(&self, provider: ProviderId) -> Option<schedule::Rate> {
        self.gates.get(&provider).map(|g| g.limits.gateway)
    }

    /// Counts a request the desk sends outside the schedule (a create, a
    /// cancel) against the gateway's budget.
    pub fn spend(&mut self, provider: ProviderId, policy: &PollPolicy, now: Timestamp) {
        self.gate(provider, policy).charge(now);
    }

    /// The requests to send now. Polled watches are marked in flight.
    pub fn plan(
        &mut self,
        now: Timestamp,
        watches: &mut [Watch],
        policy: &PollPolicy,
        focus: Option<usize>,
    ) -> Vec<Request> {
        let mut out = Vec::new();
        for (provider, gate) in &mut self.gates {
            while gate.may_send(now) {
                if gate.limits.batch && gate.sweep.is_none() {
                    gate.start_sweep(now, watches, focus);
                }
                let focus_due = focus.and_then(|i| gate.keys.get(&i)).is_some_and(|k| *k <= now);
                if !focus_due
                    && let Some(sweep) = gate.sweep.as_mut()
                    && !sweep.in_flight
                {
                    sweep.in_flight = true;
                    out.push(Request::Page { provider: *provider, page: sweep.page, invoices: sweep.invoices.clone() });
                    gate.spend(now);
                    continue;
                }
                let due = |next: Option<(Timestamp, usize)>| next.filter(|(k, _)| *k <= now);
                let Some((_, idx)) = due(gate.next_single(focus, now)).or_else(|| due(gate.next_late())) else { break };
                gate.remove(idx);
                gate.singles.remove(&idx);
                let Some(w) = watches.get_mut(idx) else { continue };
                if w.is_settled(now, policy) || !w.watcher.polled_here() {
                    continue;
                }
                w.poll_started(now);
                out.push(Request::Single(idx));
                gate.spend(now);
            }
        }
        out
    }

    /// When `plan` may next have something to send (the runtime sleeps till
    /// then); `None` while every gateway waits for an answer or has no work.
    pub fn next_wake(&self, focus: Option<usize>) -> Option<Timestamp> {
        self.gates
            .values()
            .filter_map(|g| {
                if g.in_flight >= MAX_IN_FLIGHT || (g.health.errors > 0 && g.in_flight > 0) {
                    return None;
                }
                let work = match &g.sweep {
                    Some(s) if !s.in_flight => Some(Timestamp::MIN),
                    _ => [g.next_single(focus, Timestamp::MIN), g.next_late()]
                        .into_iter()
                        .flatten()
                        .map(|(k, _)| k)
                        .min(),
                };
                work.map(|k| g.earliest(k))
            })
            .min()
    }

    /// A single poll's answer came back (the desk has observed it).
    pub fn single_done(
        &mut self,
        provider: ProviderId,
        problem: Option<&Problem>,
        policy: &PollPolicy,
        now: Timestamp,
    ) {
        self.gate(provider, policy).answered(problem, now, policy);
    }

    /// The watches a page was asked about, by reference (to match its reports).
    pub fn sweep_wants(&self, provider: ProviderId, page: u32, reference: &Reference) -> Option<usize> {
        let sweep = self.gates.get(&provider)?.sweep.as_ref()?;
        (sweep.page == page && sweep.in_flight).then(|| sweep.wanted.get(reference).copied()).flatten()
    }

    /// A page came back (the desk has observed its reports). Returns how the
    /// sweep ended for the invoices it did not find, if it ended.
    pub fn page_done(
        &mut self,
        provider: ProviderId,
        page: u32,
        result: &Result<StatusPage, Problem>,
        policy: &PollPolicy,
        now: Timestamp,
    ) -> Option<SweepEnd> {
        let gate = self.gate(provider, policy);
        match &gate.sweep {
            Some(s) if s.page == page && s.in_flight => {}
            // An answer to a sweep that is over: nothing to count.
            _ => return None,
        }
        gate.answered(result.as_ref().err(), now, policy);
        let sweep = gate.sweep.as_mut()?;
        sweep.in_flight = false;
        match result {
            Err(_) => {
                let failed = sweep.wanted.values().copied().collect();
                gate.sweep = None;
                Some(SweepEnd { failed, missing: Vec::new() })
            }
            Ok(found) => {
                for (reference, _) in &found.reports {
                    sweep.wanted.remove(reference);
                }
                if found.more && !sweep.wanted.is_empty() && sweep.page + 1 < MAX_PAGES {
                    sweep.page += 1;
                    return None;
                }
                let missing: Vec<usize> = sweep.wanted.values().copied().collect();
                gate.singles.extend(missing.iter().copied());
                gate.sweep = None;
                Some(SweepEnd { failed: Vec::new(), missing })
            }
        }
    }

    /// How the gateway has been answering, once the till has asked it.
    pub fn health(&self, provider: ProviderId) -> Option<&Health> {
        self.gates.get(&provider).map(|g| &g.health)
    }

    /// Invoices waiting for a poll (not in flight), all gateways.
    pub fn queued(&self) -> usize {
        self.gates.values().map(|g| g.queue.len() + g.late.len()).sum()
    }
}

#[cfg(test)]
#[path = "poller_slots_tests.rs"]
mod slots_tests;
