//! This till's lease on a store shared by many tills (PostgreSQL): when the
//! drive loop runs a lease turn, what it asks the store, how the answer
//! becomes a desk event, and when the till stops polling on its own because
//! its lease could have run out (self-fencing).
//!
//! The timings, for `[store] takeover_secs` = T:
//! - the lease the store counts is `T/2` (its own clock, from the renewal);
//! - a turn runs every `T/6` (at start before any poll, then on the timer);
//! - a failed turn is tried again after `T/12`;
//! - the till pauses every poll at `sent + T/2 − T/12` (the renewal's
//!   instant measured just *before* it was sent, so never later than the
//!   store's count), unless a later renewal succeeded: three tries fail
//!   before that.
//!
//! A till that dies at instant d renewed at most `T/6` before, so its lease
//! runs out by d + T/2; another till's turn notices within `T/6` more and
//! sends its first poll of each invoice with that turn, as the gateway's
//! spacing allows: taken over by d + 2T/3, which leaves T/3 (2 s of the 6 s
//! the takeover test uses, 10 s of the default 30) for the turn's round trip
//! and the first polls of many invoices at one gateway. A till cut off from
//! the store pauses at 5T/12 after its last renewal, before any other till
//! can take its invoices over (T/2, and then only at that till's next turn).

use crate::core::desk::{Desk, Event};
use crate::core::method::ProviderId;
use crate::core::watch::Watcher;
use crate::journal::Store;
use crate::journal::fleet::{Account, LeaseAsk, LeaseTurn};
use std::collections::HashSet;
use std::time::Duration;
use tokio::time::Instant;

/// The most stored records a turn reads back for invoices it no longer
/// lists (finished by another till while this one was cut off).
const MOST_LOOKED_UP: usize = 50;

/// What a till on a shared store needs to hold its lease.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leasing {
    /// Its terminal id.
    pub terminal: String,
    /// The gateway accounts it can poll for (fingerprints).
    pub accounts: Vec<Account>,
    /// `[store] takeover_secs`: a dead till's invoices are polled by
    /// another till within this.
    pub takeover: Duration,
}

impl Leasing {
    /// How long the store counts a renewal: half the takeover.
    pub fn lease(&self) -> Duration {
        self.takeover / 2
    }

    /// Between two turns: a sixth of the takeover.
    pub fn interval(&self) -> Duration {
        self.takeover / 6
    }

    /// How long before its lease could run out the till stops polling.
    pub fn margin(&self) -> Duration {
        self.takeover / 12
    }
}

/// The lease's clock in the drive loop.
#[derive(Debug)]
pub(crate) struct LeaseTimer {
    pub(crate) leasing: Leasing,
    /// When the next turn is due.
    next_turn: Instant,
    /// Polling must stop by then (no renewal after it succeeded).
    valid_until: Option<Instant>,
    /// A turn has succeeded since the start.
    joined: bool,
}

impl LeaseTimer {
    /// A timer whose first turn is due now.
    pub(crate) fn new(leasing: Leasing) -> LeaseTimer {
        LeaseTimer { leasing, next_turn: Instant::now(), valid_until: None, joined: false }
    }

    /// The next instant the loop must wake for the lease.
    pub(crate) fn wake(&self, paused: bool) -> Instant {
        match self.valid_until {
            Some(until) if !paused => until.min(self.next_turn),
            _ => self.next_turn,
        }
    }

    /// The lease could have run out: polling must pause.
    pub(crate) fn fenced(&self, now: Instant) -> bool {
        self.valid_until.is_none_or(|until| now >= until)
    }

    pub(crate) fn due(&self, now: Instant) -> bool {
        now >= self.next_turn
    }

    /// A turn sent at `sent` succeeded.
    pub(crate) fn renewed(&mut self, sent: Instant) {
        let l = &self.leasing;
        self.valid_until = Some(sent + l.lease().saturating_sub(l.margin()));
        self.next_turn = sent + l.interval();
    }

    /// At the first turn that succeeds: how long this till keeps quiet at
    /// the gateways whose account other live tills use. They learn of it at
    /// their next turn (within one interval) and make room; till then each
    /// keeps to the share it knew, and this one adding its own would go over
    /// the gateway's limit.
    pub(crate) fn joining(&mut self, turn: &LeaseTurn) -> Option<Duration> {
        if std::mem::replace(&mut self.joined, true) || turn.sharing.iter().all(|s| s.tills <= 1) {
            return None;
        }
        Some(self.leasing.interval() + self.leasing.margin())
    }

    /// A turn sent at `sent` failed: tried again a margin after its answer
    /// (never at once: a store that takes seconds to fail would otherwise
    /// hold the loop, and the screen, turn after turn).
    pub(crate) fn failed(&mut self, sent: Instant) {
        self.next_turn = (sent + self.leasing.margin()).max(Instant::now() + self.leasing.margin() / 2);
    }

    /// A turn sent at `sent` answered at `now`, after the lease it renewed
    /// could already have run out (less the margin): too late to act on.
    pub(crate) fn answered_late(&self, sent: Instant, now: Instant) -> bool {
        let l = &self.leasing;
        now >= sent + l.lease().saturating_sub(l.margin())
    }
}

/// A face's desk: on a store shared by many tills it starts paused, and
/// polls nothing until the drive loop's first lease turn says what is its.
pub fn desk(runtime: &super::Runtime, policy: crate::core::schedule::PollPolicy, now: jiff::Timestamp) -> Desk {
    let mut desk = Desk::new(policy, now);
    if runtime.leasing().is_some() {
        desk.update(Event::LeaseLost);
    }
    desk
}

/// What this till tells the store this turn.
pub(crate) fn ask(leasing: &Leasing, desk: &Desk, providers: &[ProviderId], now: jiff::Timestamp) -> LeaseAsk {
    LeaseAsk {
        terminal: leasing.terminal.clone(),
        accounts: leasing.accounts.clone(),
        unreachable: providers.iter().copied().filter(|p| desk.unreachable_since(*p).is_some()).collect(),
        lease: leasing.lease(),
        late_since: now.saturating_sub(desk.policy.late_window).unwrap_or(jiff::Timestamp::MIN),
    }
}

/// Who watches an invoice, from this till's side.
pub fn watcher(made_by: &str, watched_by: &str, me: &str) -> Watcher {
    if watched_by != me {
        Watcher::Elsewhere(watched_by.to_string())
    } else if made_by != me {
        Watcher::For(made_by.to_string())
    } else {
        Watcher::Here
    }
}

/// The desk event of a turn. Invoices of this till's own that the turn no
/// longer lists while the desk still polls them are read back as stored
/// (another till may have finished them while this one was cut off).
pub(crate) fn event(
    turn: LeaseTurn,
    me: &str,
    desk: &Desk,
    store: &dyn Store,
    hold: Vec<(ProviderId, jiff::Timestamp)>,
) -> Event {
    let listed: HashSet<_> = turn.assignments.iter().map(|a| a.record.reference.clone()).collect();
    let settled = desk
        .watches
        .iter()
        .filter(|w| {
            w.watcher == Watcher::Here
                && !w.unstored
                && !w.is_settled(desk.now, &desk.policy)
                && !listed.contains(&w.invoice.reference)
        })
        .take(MOST_LOOKED_UP)
        .filter_map(|w| match store.find(w.invoice.reference.as_str()) {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(reference = %w.invoice.reference, error = %e, "lease turn: cannot read a sale back");
                None
            }
        })
        .collect();
    let assignments = turn
        .assignments
        .into_iter()
        .map(|a| {
            let w = watcher(&a.record.terminal, &a.watched_by, me);
            tracing::debug!(reference = %a.record.reference, watcher = ?w, watchable = a.record.invoice().is_some(), "lease turn: assignment");
            (a.record, w)
        })
        .collect();
    Event::Fleet { assignments, settled, sharing: turn.sharing, hold }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dead_tills_invoices_are_polled_elsewhere_within_the_takeover_and_a_cut_off_till_stops_first() {
        for secs in [6, 30, 3600] {
            let l = Leasing { terminal: "A".into(), accounts: Vec::new(), takeover: Duration::from_secs(secs) };
            // Death right after a renewal: the lease runs out, another
            // till's turn notices one interval later at worst.
            let noticed = l.lease() + l.interval();
            assert!(noticed + l.takeover / 3 <= l.takeover, "{secs}: a third left for the first polls");
            // Self-fencing: paused before the store could count the lease out.
            assert!(l.lease() - l.margin() < l.lease());
            // Several renewals are tried before the till fences itself.
            assert!((l.lease() - l.margin()).as_millis() >= l.interval().as_millis() + 2 * l.margin().as_millis());
        }
    }

    #[test]
    fn an_answer_after_the_lease_could_have_run_out_is_too_late_to_act_on() {
        let l = Leasing { terminal: "A".into(), accounts: Vec::new(), takeover: Duration::from_secs(6) };
        let timer = LeaseTimer::new(l);
        let sent = Instant::now();
        assert!(!timer.answered_late(sent, sent + Duration::from_millis(2400)));
        assert!(timer.answered_late(sent, sent + Duration::from_millis(2500)), "lease 3 s less the 0.5 s margin");
    }

    #[test]
    fn who_watches_from_this_tills_side() {
        assert_eq!(watcher("A", "A", "A"), Watcher::Here);
        assert_eq!(watcher("B", "A", "A"), Watcher::For("B".into()));
        assert_eq!(watcher("A", "C", "A"), Watcher::Elsewhere("C".into()));
    }
}
