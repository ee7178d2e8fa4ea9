//! The lease turn in the one drive loop, on tokio's paused time, with a
//! store that scripts its turns and an in-memory gateway: the first turn
//! comes before any poll, turns follow every takeover/6, an invoice another
//! till watches is never polled, a lease that cannot be renewed stops every
//! poll before the store could count it out (and polling comes back with the
//! next turn), and the store's "not yours" never alarms the cashier.

mod support;

use jiff::Timestamp;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::*;
use till::clock::{SharedClock, TokioClock};
use till::core::desk::{Desk, Event};
use till::core::invoice::{Invoice, Reference, StatusReport};
use till::core::method::{MethodId, ProviderId};
use till::core::record::SaleRecord;
use till::core::status::Status;
use till::core::watch::{Change, Watch, Watcher};
use till::gateway::{BoxFuture, CreateRequest, Gateway, GatewayError, Registry};
use till::journal::fleet::{Assignment, LeaseAsk, LeaseTurn, Share};
use till::journal::{JournalError, LogEntry, Store};
use till::runtime::lease::{self, Leasing};
use till::runtime::{Drive, Runtime};
use tokio::time::Instant;

#[derive(Default)]
struct Seen {
    /// When each turn was asked, and what it asked.
    turns: Vec<(Instant, LeaseAsk)>,
    /// Polls by reference, with when they were sent.
    polls: Vec<(Instant, String)>,
    /// The store refuses every turn (the database is cut off).
    cut_off: bool,
    /// What the store lists each turn.
    assignments: Vec<Assignment>,
    /// Status writes refused with NotWatcher.
    not_mine: bool,
    /// Status writes stored.
    written: Vec<String>,
    /// Another till took this terminal: every turn says so.
    busy: bool,
}

type Shared = Arc<Mutex<Seen>>;

struct Gw(Shared, Status);

impl Gateway for Gw {
    fn provider(&self) -> ProviderId {
        ProviderId::Xpay
    }
    fn methods(&self) -> Vec<MethodId> {
        vec![MethodId::UsdtTron]
    }
    fn create<'a>(&'a self, _: &'a CreateRequest) -> BoxFuture<'a, Result<Invoice, GatewayError>> {
        Box::pin(async move { Ok(tron_invoice()) })
    }
    fn find<'a>(&'a self, _: &'a CreateRequest) -> BoxFuture<'a, Result<Option<Invoice>, GatewayError>> {
        Box::pin(async move { Ok(None) })
    }
    fn status<'a>(&'a self, invoice: &'a Invoice) -> BoxFuture<'a, Result<StatusReport, GatewayError>> {
        self.0.lock().unwrap().polls.push((Instant::now(), invoice.reference.to_string()));
        let status = self.1.clone();
        Box::pin(async move {
            Ok(StatusReport { raw: status.name().into(), status, received: None, tx_id: None, paid_with: None })
        })
    }
    fn can_cancel(&self) -> bool {
        false
    }
    fn cancel<'a>(&'a self, _: &'a Invoice) -> BoxFuture<'a, Result<(), GatewayError>> {
        Box::pin(async move { Ok(()) })
    }
    fn check(&self) -> BoxFuture<'_, Result<String, GatewayError>> {
        Box::pin(async move { Ok(String::new()) })
    }
}

struct Scripted(Shared);

impl Store for Scripted {
    fn record_intent(
        &self,
        _: &Reference,
        _: till::core::method::PaymentMethod,
        _: &till::core::money::Money,
        _: Option<&till::core::tax::Breakdown>,
        _: &str,
        _: Timestamp,
    ) -> Result<(), JournalError> {
        Ok(())
    }
    fn record_created(&self, _: &Invoice, _: &str, _: Timestamp) -> Result<(), JournalError> {
        Ok(())
    }
    fn record_not_created(
        &self,
        _: &Reference,
        _: till::core::record::RecordState,
        _: &str,
        _: Timestamp,
    ) -> Result<(), JournalError> {
        Ok(())
    }
    fn record_status(&self, w: &Watch, _: &Change, _: Timestamp) -> Result<(), JournalError> {
        let mut seen = self.0.lock().unwrap();
        if seen.not_mine {
            return Err(JournalError::NotWatcher { reference: w.invoice.reference.to_string() });
        }
        seen.written.push(w.invoice.reference.to_string());
        Ok(())
    }
    fn record_switch(&self, _: &Watch, _: Timestamp) -> Result<(), JournalError> {
        Ok(())
    }
    fn unresolved(&self) -> Result<Vec<SaleRecord>, JournalError> {
        Ok(Vec::new())
    }
    fn to_watch(&self, _: Timestamp) -> Result<Vec<SaleRecord>, JournalError> {
        Ok(Vec::new())
    }
    fn between(&self, _: Timestamp, _: Timestamp) -> Result<Vec<SaleRecord>, JournalError> {
        Ok(Vec::new())
    }
    fn find(&self, _: &str) -> Result<Option<SaleRecord>, JournalError> {
        Ok(None)
    }
    fn events(&self, _: &Reference) -> Result<Vec<LogEntry>, JournalError> {
        Ok(Vec::new())
    }
    fn lease_turn(&self, ask: &LeaseAsk) -> Result<Option<LeaseTurn>, JournalError> {
        let mut seen = self.0.lock().unwrap();
        seen.turns.push((Instant::now(), ask.clone()));
        if seen.busy {
            return Err(JournalError::TerminalBusy { terminal: "A".into() });
        }
        if seen.cut_off {
            return Err(JournalError::Unreachable("cut off".into()));
        }
        Ok(Some(LeaseTurn {
            assignments: seen.assignments.clone(),
            sharing: vec![Share { provider: ProviderId::Xpay, tills: 1, rank: 0 }],
        }))
    }
}

fn sale(reference: &str, made_by: &str) -> SaleRecord {
    let mut i = tron_invoice();
    i.reference = Reference::parse(reference).unwrap();
    i.expires_at = sample_created_at() + jiff::SignedDuration::from_hours(2);
    let mut r = record_of(&i, Status::Pending);
    r.terminal = made_by.into();
    r
}

fn assign(reference: &str, made_by: &str, watched_by: &str) -> Assignment {
    Assignment { record: sale(reference, made_by), watched_by: watched_by.into() }
}

/// A till "A" with a 6 s takeover on the scripted store.
fn till(seen: &Shared, answer: Status) -> (Drive<()>, Desk) {
    let clock: SharedClock = Arc::new(TokioClock::starting_at(sample_created_at()));
    let mut registry = Registry::default();
    registry.insert(Arc::new(Gw(seen.clone(), answer)));
    let (tx, events) = tokio::sync::mpsc::unbounded_channel::<Event>();
    let leasing = Leasing { terminal: "A".into(), accounts: Vec::new(), takeover: Duration::from_secs(6) };
    let runtime = Runtime::new(Arc::new(registry), tx)
        .with_journal(Arc::new(Scripted(seen.clone())), "A", clock.clone())
        .with_leasing(leasing);
    let desk = lease::desk(&runtime, till::core::schedule::PollPolicy::default(), clock.now());
    (Drive::new(runtime, events), desk)
}

fn polls_of(seen: &Shared, reference: &str, after: Instant, before: Instant) -> usize {
    seen.lock().unwrap().polls.iter().filter(|(at, r)| r == reference && *at >= after && *at < before).count()
}

#[tokio::test(start_paused = true)]
async fn turns_come_first_and_every_sixth_of_the_takeover_and_a_cut_off_till_stops_polling_in_time() {
    let seen: Shared = Arc::default();
    seen.lock().unwrap().assignments =
        vec![assign("mine", "A", "A"), assign("taken", "C", "A"), assign("away", "A", "B")];
    let (mut drive, mut desk) = till(&seen, Status::Pending);
    let start = Instant::now();
    drive.until(start + Duration::from_secs(10));
    drive.run(&mut desk, Vec::new()).await.unwrap();
    {
        let s = seen.lock().unwrap();
        let first_poll = s.polls.iter().map(|(at, _)| *at).min().unwrap();
        assert!(s.turns[0].0 <= first_poll, "the first turn before the first poll");
        assert!((10..=11).contains(&s.turns.len()), "a turn every second: {}", s.turns.len());
        assert_eq!(s.turns[0].1.lease, Duration::from_secs(3), "the lease is half the takeover");
        assert!(s.polls.iter().all(|(_, r)| r != "away"), "watched by B: never polled here");
    }
    assert!(polls_of(&seen, "mine", start, start + Duration::from_secs(10)) > 0);
    assert!(polls_of(&seen, "taken", start, start + Duration::from_secs(10)) > 0, "polled here for C");
    assert_eq!(desk.watch(&Reference::parse("taken").unwrap()).unwrap().watcher, Watcher::For("C".into()));

    // The database is cut off: the last renewal was sent at most 1 s ago;
    // polling stops by 2.5 s after it, before the store counts 3 s.
    let last_renewal = seen.lock().unwrap().turns.last().unwrap().0;
    seen.lock().unwrap().cut_off = true;
    drive.until(start + Duration::from_secs(30));
    drive.run(&mut desk, Vec::new()).await.unwrap();
    assert!(desk.paused);
    let fenced = last_renewal + Duration::from_millis(2500);
    let expiry = last_renewal + Duration::from_secs(3);
    let late = polls_of(&seen, "mine", fenced, start + Duration::from_secs(30))
        + polls_of(&seen, "taken", fenced, start + Duration::from_secs(30));
    assert_eq!(late, 0, "nothing polled once the lease could have run out");
    assert!(fenced < expiry);
    let retries = seen.lock().unwrap().turns.iter().filter(|(at, _)| *at > last_renewal).count();
    assert!(retries >= 20, "turns tried again every half second: {retries}");

    // Back: the next turn resumes polling.
    seen.lock().unwrap().cut_off = false;
    let back = Instant::now();
    drive.until(back + Duration::from_secs(40));
    drive.run(&mut desk, Vec::new()).await.unwrap();
    assert!(!desk.paused);
    // (A two-hour invoice in its quiet middle is asked every 30 s.)
    assert!(polls_of(&seen, "mine", back, back + Duration::from_secs(40)) > 0);
}

#[tokio::test(start_paused = true)]
async fn the_stores_refusal_of_a_status_shows_the_invoice_watched_elsewhere_and_polls_stop() {
    let seen: Shared = Arc::default();
    seen.lock().unwrap().assignments = vec![assign("mine", "A", "A")];
    seen.lock().unwrap().not_mine = true;
    let (mut drive, mut desk) = till(&seen, Status::Paid);
    let start = Instant::now();
    drive.until(start + Duration::from_millis(500));
    drive.run(&mut desk, Vec::new()).await.unwrap();
    let w = desk.watch(&Reference::parse("mine").unwrap()).unwrap();
    assert!(!w.watcher.polled_here(), "{:?}", w.watcher);
    assert!(seen.lock().unwrap().written.is_empty());
    let polled = polls_of(&seen, "mine", start, Instant::now());
    assert_eq!(polled, 1);
    // The next turns say B watches it: shown as B stored it, not polled here.
    let mut b = assign("mine", "A", "B");
    b.record.status = Status::Pending;
    seen.lock().unwrap().assignments = vec![b];
    drive.until(start + Duration::from_secs(10));
    drive.run(&mut desk, Vec::new()).await.unwrap();
    let w = desk.watch(&Reference::parse("mine").unwrap()).unwrap();
    assert_eq!(w.watcher, Watcher::Elsewhere("B".into()));
    assert_eq!(polls_of(&seen, "mine", start, Instant::now()), 1, "never polled again here");
}

#[tokio::test(start_paused = true)]
async fn a_till_whose_terminal_another_till_took_stops_polling_for_good() {
    let seen: Shared = Arc::default();
    seen.lock().unwrap().assignments = vec![assign("mine", "A", "A")];
    let (mut drive, mut desk) = till(&seen, Status::Pending);
    let start = Instant::now();
    drive.until(start + Duration::from_secs(5));
    drive.run(&mut desk, Vec::new()).await.unwrap();
    assert!(polls_of(&seen, "mine", start, start + Duration::from_secs(5)) > 0);

    // Another process now holds terminal A: at the next turn this till stops
    // at once (not when its lease could run out) and never turns again.
    seen.lock().unwrap().busy = true;
    let taken = Instant::now();
    drive.until(taken + Duration::from_secs(30));
    drive.run(&mut desk, Vec::new()).await.unwrap();
    assert!(desk.paused);
    let turns_after = seen.lock().unwrap().turns.iter().filter(|(at, _)| *at > taken).count();
    assert_eq!(turns_after, 1, "one turn said the terminal is taken; no more turns");
    let refused_at = seen.lock().unwrap().turns.last().unwrap().0;
    assert_eq!(polls_of(&seen, "mine", refused_at, taken + Duration::from_secs(30)), 0, "no poll after it");
}
