//! The desk on a store shared by many tills: takeover, hand-back, watched
//! elsewhere, the lost lease, the store's refusal, and the shared limit.
//! Explicit time, no I/O.

use super::*;
use crate::core::invoice::{Payload, PayloadKind};
use crate::core::method::{MethodId, PaymentMethod};
use crate::core::money::{Currency, Money};
use crate::core::poller::Share;
use crate::core::record::RecordState;
use crate::core::schedule::{Limits, Rate};
use crate::core::status::{Origin, Status};
use crate::core::watch::Watcher;
use jiff::SignedDuration;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

fn t0() -> Timestamp {
    "2026-01-01T12:00:00Z".parse().unwrap()
}

fn secs(n: i64) -> Timestamp {
    t0() + SignedDuration::from_secs(n)
}

/// Two requests a second at xPay, one invoice at a time (no sweeps).
fn policy() -> PollPolicy {
    let limits = Limits { gateway: Rate::per_second(2), per_invoice: None, batch: false };
    PollPolicy::with_limits(BTreeMap::from([(ProviderId::Xpay, limits)]))
}

fn invoice(n: u64) -> Invoice {
    Invoice {
        id: format!("inv-{n}"),
        reference: Reference::from_random(n.into()),
        method: PaymentMethod::new(ProviderId::Xpay, MethodId::Lightning),
        fiat: Money::new(Decimal::new(1250, 2), Currency::from_code("USD").unwrap()),
        crypto: None,
        payload: Payload { kind: PayloadKind::Lightning, qr: "LIGHTNING:X".into(), text: "x".into() },
        created_at: t0(),
        expires_at: t0() + SignedDuration::from_mins(30),
        status: Status::Pending,
        received: None,
        choices: Vec::new(),
    }
}

/// The sale as the store holds it, made by `terminal`.
fn record(n: u64, status: Status, terminal: &str) -> SaleRecord {
    let i = invoice(n);
    SaleRecord {
        reference: i.reference.clone(),
        method: i.method,
        fiat: i.fiat.clone(),
        state: RecordState::Created,
        started_at: t0(),
        terminal: terminal.into(),
        gateway_id: Some(i.id.clone()),
        crypto: None,
        payload: Some(i.payload.clone()),
        created_at: Some(i.created_at),
        expires_at: Some(i.expires_at),
        raw: status.name().into(),
        status,
        origin: Origin::Gateway,
        received: None,
        tx_id: None,
        note: None,
        breakdown: None,
    }
}

fn fleet(assignments: Vec<(SaleRecord, Watcher)>) -> Event {
    Event::Fleet {
        assignments,
        settled: Vec::new(),
        sharing: vec![Share { provider: ProviderId::Xpay, tills: 1, rank: 0 }],
        hold: Vec::new(),
    }
}

/// The invoices polled by these commands.
fn polled(commands: &[Command]) -> Vec<Reference> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::Poll(i) => Some(i.reference.clone()),
            _ => None,
        })
        .collect()
}

fn writes(commands: &[Command]) -> usize {
    commands.iter().filter(|c| matches!(c, Command::Record(_))).count()
}

/// Ticks every 100 ms from `from` to `to` seconds, answering each poll
/// "pending" at once; the polls sent, in order.
fn run(d: &mut Desk, from: i64, to: i64) -> Vec<Reference> {
    let mut all = Vec::new();
    let mut ms = from * 1000;
    while ms < to * 1000 {
        let now = t0() + SignedDuration::from_millis(ms);
        let out = d.update(Event::Tick(now));
        for r in polled(&out.commands) {
            let report = StatusReport {
                raw: "pending".into(),
                status: Status::Pending,
                received: None,
                tx_id: None,
                paid_with: None,
            };
            d.update(Event::Polled { reference: r.clone(), result: Ok(report) });
            all.push(r);
        }
        ms += 100;
    }
    all
}

#[test]
fn an_invoice_watched_by_another_till_is_shown_as_stored_and_never_polled_here() {
    let mut d = Desk::new(policy(), t0());
    let out = d.update(fleet(vec![(record(1, Status::Confirming, "A"), Watcher::Elsewhere("B".into()))]));
    let w = d.watch(&Reference::from_random(1)).unwrap();
    assert_eq!(w.watcher, Watcher::Elsewhere("B".into()));
    assert_eq!(w.status(), &Status::Confirming, "the status the other till stored");
    assert!(polled(&out.commands).is_empty());
    assert!(run(&mut d, 0, 200).is_empty(), "never polled, even long after its expiry");
    assert_eq!(d.watch(&Reference::from_random(1)).unwrap().status(), &Status::Confirming, "no expiry derived here");
    // The other till pays it: shown, nothing written here.
    let out = d.update(fleet(vec![(record(1, Status::Paid, "A"), Watcher::Elsewhere("B".into()))]));
    assert_eq!(d.watch(&Reference::from_random(1)).unwrap().status(), &Status::Paid);
    assert_eq!(writes(&out.commands), 0);
}

#[test]
fn an_invoice_taken_over_for_a_dead_terminal_is_polled_at_once_and_handed_back_when_it_returns() {
    let mut d = Desk::new(policy(), t0());
    let r = Reference::from_random(2);
    let out = d.update(fleet(vec![(record(2, Status::Pending, "A"), Watcher::For("A".into()))]));
    assert_eq!(polled(&out.commands), vec![r.clone()], "the first poll goes with the turn");
    assert_eq!(d.watch(&r).unwrap().watcher, Watcher::For("A".into()));
    let report =
        StatusReport { raw: "pending".into(), status: Status::Pending, received: None, tx_id: None, paid_with: None };
    d.update(Event::Polled { reference: r.clone(), result: Ok(report) });
    assert!(!run(&mut d, 0, 10).is_empty(), "watched here for A");
    // A is back: the turn no longer lists it.
    d.update(fleet(Vec::new()));
    assert_eq!(d.watch(&r).unwrap().watcher, Watcher::Elsewhere("A".into()));
    assert!(run(&mut d, 10, 60).is_empty(), "A polls it now, this till never");
}

#[test]
fn an_own_invoice_comes_back_from_another_till_with_the_status_it_stored() {
    let mut d = Desk::new(policy(), t0());
    let r = Reference::from_random(3);
    d.update(fleet(vec![(record(3, Status::Pending, "A"), Watcher::Elsewhere("B".into()))]));
    assert!(run(&mut d, 0, 5).is_empty());
    let out = d.update(Event::Fleet {
        assignments: vec![(record(3, Status::Underpaid, "A"), Watcher::Here)],
        settled: Vec::new(),
        sharing: Vec::new(),
        hold: Vec::new(),
    });
    let w = d.watch(&r).unwrap();
    assert_eq!((w.watcher.clone(), w.status().clone()), (Watcher::Here, Status::Underpaid));
    assert_eq!(polled(&out.commands), vec![r], "asked at once");
    assert_eq!(writes(&out.commands), 0);
}

#[test]
fn a_lost_lease_pauses_every_poll_and_every_derived_expiry_until_a_turn_succeeds() {
    let mut d = Desk::new(policy(), t0());
    d.update(fleet(vec![
        (record(4, Status::Pending, "A"), Watcher::Here),
        (record(5, Status::Pending, "C"), Watcher::For("C".into())),
    ]));
    assert!(!run(&mut d, 0, 10).is_empty());
    d.update(Event::LeaseLost);
    assert!(d.paused);
    assert_eq!(d.next_wake(), None, "no wake for polls while paused");
    assert!(run(&mut d, 10, 3000).is_empty(), "nothing polled, long past the expiry");
    assert!(d.watches.iter().all(|w| w.status() == &Status::Pending), "no expiry derived without the lease");
    let out = d.update(fleet(vec![
        (record(4, Status::Pending, "A"), Watcher::Here),
        (record(5, Status::Pending, "C"), Watcher::For("C".into())),
    ]));
    assert!(!d.paused);
    assert!(!polled(&out.commands).is_empty(), "polling resumes with the turn");
}

#[test]
fn a_till_on_a_leased_store_polls_nothing_before_its_first_turn() {
    let mut d = Desk::new(policy(), t0());
    d.update(Event::LeaseLost);
    let out = d.resume(&[record(6, Status::Pending, "A")], &[]);
    assert!(polled(&out.commands).is_empty(), "another till may watch it: the turn says");
    let out = d.update(fleet(vec![(record(6, Status::Pending, "A"), Watcher::Elsewhere("B".into()))]));
    assert!(polled(&out.commands).is_empty());
    assert!(run(&mut d, 0, 30).is_empty());
}

#[test]
fn the_stores_refusal_makes_the_invoice_watched_elsewhere_without_a_notice() {
    let mut d = Desk::new(policy(), t0());
    let r = Reference::from_random(7);
    d.update(fleet(vec![(record(7, Status::Pending, "A"), Watcher::Here)]));
    let out = d.update(Event::NotWatcher(r.clone()));
    assert!(out.notices.is_empty(), "nothing to alarm the cashier");
    assert!(!d.watch(&r).unwrap().watcher.polled_here());
    assert!(run(&mut d, 0, 30).is_empty());
}

#[test]
fn an_invoice_finished_by_another_till_is_taken_as_stored_and_never_written_again() {
    let mut d = Desk::new(policy(), t0());
    let r = Reference::from_random(8);
    d.update(fleet(vec![(record(8, Status::Pending, "A"), Watcher::Here)]));
    d.update(Event::LeaseLost);
    let out = d.update(Event::Fleet {
        assignments: Vec::new(),
        settled: vec![record(8, Status::Paid, "A")],
        sharing: Vec::new(),
        hold: Vec::new(),
    });
    assert_eq!(d.watch(&r).unwrap().status(), &Status::Paid);
    assert_eq!(writes(&out.commands), 0);
    assert!(run(&mut d, 0, 30).is_empty());
}

#[test]
fn tills_sharing_an_account_each_keep_to_their_share_of_its_limit() {
    let mut d = Desk::new(policy(), t0());
    let many: Vec<_> = (10..30).map(|n| (record(n, Status::Pending, "A"), Watcher::Here)).collect();
    d.update(fleet(many.clone()));
    let alone = run(&mut d, 0, 20).len();
    d.update(Event::Fleet {
        assignments: many.clone(),
        settled: Vec::new(),
        sharing: vec![Share { provider: ProviderId::Xpay, tills: 2, rank: 0 }],
        hold: Vec::new(),
    });
    let shared = run(&mut d, 20, 40).len();
    d.update(fleet(many));
    let again = run(&mut d, 40, 60).len();
    // 2 a second, spaced with a tenth to spare (ticks of 100 ms): ~33 in
    // 20 s alone, half that shared by two.
    assert!((30..=37).contains(&alone), "alone: {alone}");
    assert!((15..=19).contains(&shared), "shared by two: {shared}");
    assert!((30..=37).contains(&again), "the whole limit back: {again}");
}

#[test]
fn invoices_taken_over_while_a_sale_of_this_till_is_open_are_polled_too() {
    let mut d = Desk::new(policy(), t0());
    d.update(Event::LeaseLost);
    d.update(fleet(Vec::new()));
    let own = invoice(40);
    d.update(Event::AmountEntered(own.fiat.clone()));
    d.update(Event::MethodChosen(own.method, own.reference.clone()));
    d.update(Event::Created { reference: own.reference.clone(), result: Ok(own.clone()) });
    let report =
        StatusReport { raw: "pending".into(), status: Status::Pending, received: None, tx_id: None, paid_with: None };
    d.update(Event::Polled { reference: own.reference.clone(), result: Ok(report) });
    let mut taken: Vec<_> = (41..45).map(|n| (record(n, Status::Pending, "A"), Watcher::Here)).collect();
    taken.push((record(40, Status::Pending, "B"), Watcher::Here));
    for (r, w) in &mut taken {
        if r.terminal == "A" {
            *w = Watcher::For("A".into());
        }
    }
    d.update(Event::Tick(secs(1)));
    let out = d.update(fleet(taken));
    for r in polled(&out.commands) {
        let report = StatusReport {
            raw: "pending".into(),
            status: Status::Pending,
            received: None,
            tx_id: None,
            paid_with: None,
        };
        d.update(Event::Polled { reference: r, result: Ok(report) });
    }
    // The sale on screen goes first when due, but never holds the others up.
    let all = run(&mut d, 1, 20);
    for n in 41..45u64 {
        let times = all.iter().filter(|r| **r == Reference::from_random(n.into())).count();
        assert!(times >= 2, "{n} polled {times} times: {all:?}");
    }
}

#[test]
fn a_till_joining_an_account_other_tills_use_keeps_quiet_there_until_they_make_room() {
    let mut d = Desk::new(policy(), t0());
    d.update(Event::LeaseLost);
    let out = d.update(Event::Fleet {
        assignments: vec![(record(50, Status::Pending, "A"), Watcher::Here)],
        settled: Vec::new(),
        sharing: vec![Share { provider: ProviderId::Xpay, tills: 2, rank: 0 }],
        hold: vec![(ProviderId::Xpay, secs(2))],
    });
    assert!(polled(&out.commands).is_empty());
    // The first of its own slots (rank 0 of 2: every 1.1 s) once the hold ends.
    assert_eq!(d.next_wake(), Some(secs(2) + SignedDuration::from_millis(200)));
    let polls = run(&mut d, 0, 3);
    assert!(!polls.is_empty(), "polled once the others made room");
    let mut early = Desk::new(policy(), t0());
    early.update(Event::LeaseLost);
    early.update(Event::Fleet {
        assignments: vec![(record(50, Status::Pending, "A"), Watcher::Here)],
        settled: Vec::new(),
        sharing: vec![Share { provider: ProviderId::Xpay, tills: 2, rank: 0 }],
        hold: vec![(ProviderId::Xpay, secs(2))],
    });
    assert!(run(&mut early, 0, 2).is_empty(), "nothing before the hold ends");
}

/// A till of `tills` sharing xPay's account, at `rank`, started at
/// `start` (ms after t0) with 20 open invoices: the instants of its polls
/// until `to` (s after t0), the desk woken exactly when it asks to be
/// (`next_wake`) and every poll answered "pending" at once.
fn slotted(tills: u32, rank: u32, start: i64, to: i64) -> Vec<Timestamp> {
    let begin = t0() + SignedDuration::from_millis(start);
    let mut d = Desk::new(policy(), begin);
    let many: Vec<_> = (10..30).map(|n| (record(n, Status::Pending, "A"), Watcher::Here)).collect();
    d.update(Event::Tick(begin));
    let sharing = vec![Share { provider: ProviderId::Xpay, tills, rank }];
    d.update(Event::Fleet { assignments: many, settled: Vec::new(), sharing, hold: Vec::new() });
    woken(&mut d, begin, secs(to))
}

/// Runs the desk from `begin` to `end`, woken exactly when it asks
/// (`next_wake`), every poll answered "pending" at once: the polls' instants.
fn woken(d: &mut Desk, begin: Timestamp, end: Timestamp) -> Vec<Timestamp> {
    let mut now = begin;
    let mut sent = Vec::new();
    while now < end {
        let out = d.update(Event::Tick(now));
        for r in polled(&out.commands) {
            let report = StatusReport {
                raw: "pending".into(),
                status: Status::Pending,
                received: None,
                tx_id: None,
                paid_with: None,
            };
            d.update(Event::Polled { reference: r, result: Ok(report) });
            sent.push(now);
        }
        let next = d.next_wake().unwrap_or(end);
        now = if next > now { next } else { now + SignedDuration::from_millis(1) };
    }
    sent
}

/// The smallest gap between two polls of different tills.
fn closest(tills: &[Vec<Timestamp>]) -> SignedDuration {
    let mut all: Vec<(Timestamp, usize)> =
        tills.iter().enumerate().flat_map(|(i, ts)| ts.iter().map(move |t| (*t, i))).collect();
    all.sort();
    all.windows(2).filter(|w| w[0].1 != w[1].1).map(|w| w[1].0.duration_since(w[0].0)).min().unwrap()
}

#[test]
fn tills_sharing_an_account_poll_in_their_own_slots_never_within_one_spacing_of_each_other() {
    // 2 a second: a spacing of 550 ms. Tills started at odd instants.
    let spacing = SignedDuration::from_millis(550);
    for tills in [2u32, 3] {
        let runs: Vec<_> = (0..tills).map(|rank| slotted(tills, rank, 137 * i64::from(rank) + 11, 600)).collect();
        for (rank, run) in runs.iter().enumerate() {
            // Each keeps its share: one poll a period, nearly every period.
            let period = 550 * i64::from(tills);
            let most = 600_000 / period + 1;
            let n = run.len() as i64;
            assert!(n >= most / 2 && n <= most, "{tills} tills, rank {rank}: {n} polls");
            // In its own slot, every time: the phase never drifts.
            for t in run {
                let ms = t.as_millisecond().rem_euclid(period);
                assert_eq!(ms, 550 * rank as i64, "{tills} tills, rank {rank}: a poll at {t}");
            }
        }
        assert!(closest(&runs) >= spacing, "{tills} tills: {:?}", closest(&runs));
    }
}

#[test]
fn a_till_alone_on_its_account_again_polls_at_the_whole_limit_from_its_last_poll() {
    let mut d = Desk::new(policy(), t0());
    let many: Vec<_> = (10..30).map(|n| (record(n, Status::Pending, "A"), Watcher::Here)).collect();
    d.update(Event::Fleet {
        assignments: many.clone(),
        settled: Vec::new(),
        sharing: vec![Share { provider: ProviderId::Xpay, tills: 3, rank: 2 }],
        hold: Vec::new(),
    });
    let shared = woken(&mut d, t0(), secs(20));
    d.update(fleet(many));
    let again = woken(&mut d, secs(20), secs(40));
    // A third of 2 a second (one poll every 1.65 s) shared, in this till's
    // slots; then the whole limit, one spacing (550 ms) from the last poll.
    assert!((11..=13).contains(&shared.len()), "shared by three: {}", shared.len());
    assert!(shared.iter().all(|t| t.as_millisecond().rem_euclid(1650) == 1100), "{shared:?}");
    assert!((34..=37).contains(&again.len()), "the whole limit back: {}", again.len());
    let last = *shared.last().unwrap();
    let due = (last + SignedDuration::from_millis(550)).max(secs(20));
    assert_eq!(again[0], due, "one spacing after the last poll, not at the next slot");
    assert!(again.windows(2).all(|w| w[1].duration_since(w[0]) == SignedDuration::from_millis(550)));
}
