//! The desk's unit tests: a sale from amount to paid, polls, retries,
//! cancels, conflicts and restarts.

use super::*;
use crate::core::method::PaymentMethod;
use crate::core::money::Money;
use crate::core::status::Status;

/// The gateway calls among the commands (journal writes left out).
fn calls(commands: &[Command]) -> Vec<Command> {
    commands.iter().filter(|c| !matches!(c, Command::Record(_))).cloned().collect()
}
use crate::core::invoice::{Payload, PayloadKind};
use crate::core::method::{MethodId, ProviderId};
use crate::core::money::Currency;
use crate::core::problem::ProblemKind;
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
        vec![
            Command::Record(Entry::Intent { reference: r.clone(), method: method(), amount: money(), breakdown: None }),
            Command::Create { reference: r.clone(), amount: money(), method: method(), retry: false }
        ],
        "the intent is stored before the create is sent"
    );
    assert!(matches!(d.sale, Sale::Creating { .. }));
    let out = d.update(Event::Created { reference: r.clone(), result: Ok(invoice(&r)) });
    assert!(matches!(d.sale, Sale::Open { .. }));
    assert_eq!(
        out.commands.first(),
        Some(&Command::Record(Entry::Created(Box::new(invoice(&r))))),
        "stored before shown"
    );
    assert!(calls(&out.commands).is_empty(), "the create took this turn at xPay");
    let turn = d.next_wake().expect("a poll is planned");
    assert!(turn <= t0() + SignedDuration::from_millis(250), "polls soon after creation: {turn}");
    let out = d.update(Event::Tick(turn));
    assert!(matches!(calls(&out.commands).as_slice(), [Command::Poll(_)]), "{:?}", out.commands);
    (d, r)
}

#[test]
fn a_sale_goes_from_amount_to_paid() {
    let (mut d, r) = open_sale();
    let report =
        StatusReport { status: Status::Paid, raw: "paid".into(), received: None, tx_id: None, paid_with: None };
    let out = d.update(Event::Polled { reference: r.clone(), result: Ok(report) });
    assert!(matches!(d.sale, Sale::Final { .. }));
    assert!(matches!(&out.notices[..], [Notice::Status { change, .. }] if change.to == Status::Paid));
    let out = d.update(Event::Tick(t0() + SignedDuration::from_mins(5)));
    assert!(calls(&out.commands).is_empty(), "a paid invoice is not polled again");
    d.update(Event::NewSale);
    assert_eq!(d.sale, Sale::Amount);
}

#[test]
fn polls_are_spaced_and_never_overlap() {
    let (mut d, r) = open_sale();
    let out = d.update(Event::Tick(t0() + SignedDuration::from_secs(10)));
    assert!(calls(&out.commands).is_empty(), "the first poll is still in flight");
    let pending =
        StatusReport { status: Status::Pending, raw: "p".into(), received: None, tx_id: None, paid_with: None };
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
    assert!(matches!(&calls(&out.commands)[..], [Command::Create { reference, retry: true, .. }] if *reference == r));
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
    let pending =
        StatusReport { status: Status::Pending, raw: "p".into(), received: None, tx_id: None, paid_with: None };
    d.update(Event::Polled { reference: r.clone(), result: Ok(pending) });
    let out = d.update(Event::CancelRequested(r.clone()));
    assert!(matches!(calls(&out.commands)[..], [Command::Cancel(_)]));
    let out = d.update(Event::Canceled { reference: r.clone(), result: Ok(()) });
    assert!(calls(&out.commands).is_empty(), "the cancel took this turn at xPay");
    let out = d.update(Event::Tick(d.next_wake().unwrap()));
    assert!(matches!(calls(&out.commands)[..], [Command::Poll(_)]), "polled at the next turn: {:?}", out.commands);
    assert_eq!(d.watch(&r).unwrap().status(), &Status::Pending);
}

#[test]
fn a_contradicting_final_answer_is_reported_once_and_changes_nothing() {
    let (mut d, r) = open_sale();
    let report = |status| StatusReport { status, raw: "x".into(), received: None, tx_id: None, paid_with: None };
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
        breakdown: None,
    }
}

#[test]
fn after_a_long_outage_the_gateway_is_asked_before_anything_is_called_expired() {
    let expired_long_ago = t0() + SignedDuration::from_mins(30);
    let mut d = Desk::new(PollPolicy::default(), t0() + SignedDuration::from_hours(48));
    let out = d.resume(&[record(Status::Pending, expired_long_ago)], &[]);
    assert!(out.notices.is_empty(), "no local expiry before the gateway answered: {:?}", out.notices);
    let [Command::Poll(inv)] = &calls(&out.commands)[..] else { panic!("{:?}", out.commands) };
    let report =
        StatusReport { status: Status::Paid, raw: "paid".into(), received: None, tx_id: None, paid_with: None };
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
    let [Command::Poll(inv)] = &calls(&out.commands)[..] else { panic!("a late watch is polled: {:?}", out.commands) };
    let report =
        StatusReport { status: Status::Expired, raw: "closed".into(), received: None, tx_id: None, paid_with: None };
    let out = d.update(Event::Polled { reference: inv.reference.clone(), result: Ok(report) });
    let [Notice::Status { change, .. }] = &out.notices[..] else { panic!("{:?}", out.notices) };
    assert_eq!(
        (change.from.clone(), change.to.clone(), change.origin),
        (Status::Expired, Status::Expired, crate::core::status::Origin::Gateway)
    );
    // The gateway's own expiry is watched for a late payment too, until the window closes.
    assert!(!d.watches[0].is_settled(d.now, &d.policy));
    let closes = t0() + SignedDuration::from_mins(30) + d.policy.late_window;
    assert!(d.watches[0].is_settled(closes, &d.policy));
}

#[test]
fn each_status_change_is_stored_before_it_is_told() {
    let (mut d, r) = open_sale();
    let report =
        StatusReport { status: Status::Paid, raw: "paid".into(), received: None, tx_id: None, paid_with: None };
    let out = d.update(Event::Polled { reference: r.clone(), result: Ok(report) });
    let [Command::Record(Entry::Status { watch, change })] = &out.commands[..] else {
        panic!("one status write: {:?}", out.commands)
    };
    assert_eq!((watch.status(), &change.to), (&Status::Paid, &Status::Paid));
    assert!(matches!(&out.notices[..], [Notice::Status { .. }]));
}

#[test]
fn an_invoice_the_journal_could_not_store_is_not_shown_and_never_made_twice() {
    let (mut d, r) = open_sale();
    let problem = Problem::new(ProblemKind::Refused, "The till cannot write its journal.");
    let out = d.update(Event::NotStored { reference: r.clone(), problem: problem.clone() });
    assert!(matches!(&out.notices[..], [Notice::CreateFailed(p)] if *p == problem));
    assert!(matches!(d.sale, Sale::Failed { .. }), "{:?}", d.sale);
    assert!(d.update(Event::Retry).commands.is_empty(), "the invoice exists: no second create");
    assert!(d.watch(&r).is_some(), "the invoice is still watched for its money");
}

#[test]
fn a_create_known_to_have_made_nothing_is_settled_in_the_journal() {
    let mut d = Desk::new(PollPolicy::default(), t0());
    let r = Reference::from_random(5);
    d.update(Event::AmountEntered(money()));
    d.update(Event::MethodChosen(method(), r.clone()));
    let problem = Problem::new(ProblemKind::Refused, "xPay refused the amount.")
        .settling(crate::core::record::RecordState::NotCreated, "amount too small");
    let out = d.update(Event::Created { reference: r.clone(), result: Err(problem) });
    assert!(
        matches!(&out.commands[..], [Command::Record(Entry::Settled { reference, state: crate::core::record::RecordState::NotCreated, .. })] if *reference == r),
        "{:?}",
        out.commands
    );
    let maybe = Problem::new(ProblemKind::Unreachable, "xPay did not answer.");
    let r2 = Reference::from_random(6);
    d.update(Event::NewSale);
    d.update(Event::AmountEntered(money()));
    d.update(Event::MethodChosen(method(), r2.clone()));
    let out = d.update(Event::Created { reference: r2, result: Err(maybe) });
    assert!(out.commands.is_empty(), "a create that may have been made stays open: {:?}", out.commands);
}

fn said(status: Status) -> Result<StatusReport, Problem> {
    Ok(StatusReport { raw: status.name().into(), status, received: None, tx_id: None, paid_with: None })
}

/// A status write: from, to, note.
type Write = (Status, Status, Option<String>);

/// The status writes among the commands.
fn writes(commands: &[Command]) -> Vec<Write> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::Record(Entry::Status { change, .. }) => {
                Some((change.from.clone(), change.to.clone(), change.note.clone()))
            }
            _ => None,
        })
        .collect()
}

/// Drives the desk to `until`, answering every poll with `answer`; returns
/// the instants of the polls and every status write.
fn run_until(d: &mut Desk, until: Timestamp, answer: impl Fn(Timestamp) -> Status) -> (Vec<Timestamp>, Vec<Write>) {
    let (mut polls, mut written) = (Vec::new(), Vec::new());
    while let Some(at) = d.next_wake().filter(|at| *at <= until) {
        let out = d.update(Event::Tick(at.max(d.now)));
        written.extend(writes(&out.commands));
        for c in calls(&out.commands) {
            if let Command::Poll(inv) = c {
                polls.push(d.now);
                let out = d.update(Event::Polled { reference: inv.reference, result: said(answer(d.now)) });
                written.extend(writes(&out.commands));
            }
        }
    }
    (polls, written)
}

#[test]
fn a_gateway_expiry_then_payment_becomes_paid_late_with_both_steps_journaled() {
    let (mut d, r) = open_sale();
    let expired_at = t0() + SignedDuration::from_mins(31);
    let paid_at = t0() + SignedDuration::from_hours(3);
    let out = d.update(Event::Polled { reference: r.clone(), result: said(Status::Pending) });
    assert!(writes(&out.commands).is_empty());
    let (polls, written) = run_until(&mut d, t0() + SignedDuration::from_hours(4), |now| {
        if now >= paid_at {
            Status::Paid
        } else if now >= expired_at {
            Status::Expired
        } else {
            Status::Pending
        }
    });
    assert_eq!(written.len(), 2, "{written:?}");
    assert_eq!((&written[0].0, &written[0].1, &written[0].2), (&Status::Pending, &Status::Expired, &None));
    assert_eq!((&written[1].0, &written[1].1), (&Status::Expired, &Status::Paid));
    assert!(written[1].2.as_deref().is_some_and(|n| n.starts_with("paid late")), "{written:?}");
    let w = d.watch(&r).unwrap();
    assert!(w.paid_late());
    assert_eq!(w.origin, crate::core::status::Origin::Gateway);
    // Between the expiry and the payment: slow polls, every late interval.
    let late: Vec<_> = polls.iter().filter(|t| **t > expired_at + SignedDuration::from_secs(5)).collect();
    assert!(late.len() >= 2, "{polls:?}");
    for pair in late.windows(2) {
        assert!(pair[1].duration_since(*pair[0]) >= d.policy.late_interval, "{pair:?}");
    }
    assert!(late.len() <= 30, "{} late polls in 2.5 hours", late.len());
    // Paid is never left, and no longer polled.
    let out = d.update(Event::Polled { reference: r.clone(), result: said(Status::Expired) });
    assert!(writes(&out.commands).is_empty());
    assert_eq!(d.watch(&r).unwrap().status(), &Status::Paid);
    assert!(d.next_wake().is_none(), "a paid invoice is not polled again");
}

#[test]
fn the_late_watch_ends_when_the_window_closes() {
    let (mut d, r) = open_sale();
    d.update(Event::Polled { reference: r.clone(), result: said(Status::Expired) });
    let closes = t0() + SignedDuration::from_mins(30) + d.policy.late_window;
    let (polls, written) = run_until(&mut d, closes + SignedDuration::from_hours(6), |_| Status::Expired);
    assert!(written.is_empty(), "{written:?}");
    assert!(!polls.is_empty(), "watched within the window");
    assert!(polls.iter().all(|t| *t < closes), "a poll after the window closed: {:?}", polls.last());
    assert!(d.next_wake().is_none());
    assert!(d.watch(&r).unwrap().is_settled(d.now, &d.policy));
    assert_eq!(d.watch(&r).unwrap().status(), &Status::Expired);
}

#[test]
fn canceled_is_never_left_and_ends_the_watch() {
    let (mut d, r) = open_sale();
    d.update(Event::Polled { reference: r.clone(), result: said(Status::Canceled) });
    for next in [Status::Paid, Status::Expired, Status::Pending] {
        let out = d.update(Event::Polled { reference: r.clone(), result: said(next) });
        assert!(writes(&out.commands).is_empty());
    }
    assert_eq!(d.watch(&r).unwrap().status(), &Status::Canceled);
    assert!(d.next_wake().is_none());
    // An expired invoice the gateway then calls canceled stays expired (no
    // money came) and is no longer watched.
    let (mut d, r) = open_sale();
    d.update(Event::Polled { reference: r.clone(), result: said(Status::Expired) });
    let out = d.update(Event::Polled { reference: r.clone(), result: said(Status::Canceled) });
    assert!(writes(&out.commands).is_empty());
    assert!(matches!(&out.notices[..], [Notice::Conflict { .. }]), "{:?}", out.notices);
    assert_eq!(d.watch(&r).unwrap().status(), &Status::Expired);
    assert!(d.next_wake().is_none());
}

#[test]
fn after_a_restart_an_expired_sale_in_its_window_is_asked_once() {
    let mut d = Desk::new(PollPolicy::default(), t0() + SignedDuration::from_hours(5));
    let out = d.resume(&[record(Status::Expired, t0() + SignedDuration::from_mins(30))], &[]);
    let [Command::Poll(inv)] = &calls(&out.commands)[..] else { panic!("asked once: {:?}", out.commands) };
    let out = d.update(Event::Polled { reference: inv.reference.clone(), result: said(Status::Paid) });
    let written = writes(&out.commands);
    assert_eq!(written.len(), 1);
    assert!(written[0].2.as_deref().is_some_and(|n| n.starts_with("paid late")), "{written:?}");
}

#[test]
fn any_answer_clears_unreachable() {
    let (mut d, r) = open_sale();
    let down = Problem::new(ProblemKind::Unreachable, "xPay did not answer.");
    d.update(Event::Polled { reference: r.clone(), result: Err(down) });
    assert!(d.unreachable_since(ProviderId::Xpay).is_some());
    assert!(d.watch(&r).unwrap().failing_since.is_some());
    for answer in [ProblemKind::Busy, ProblemKind::Refused, ProblemKind::Protocol] {
        let out = d.update(Event::Tick(d.next_wake().unwrap()));
        assert!(!calls(&out.commands).is_empty());
        d.update(Event::Polled { reference: r.clone(), result: Err(Problem::new(answer, "HTTP 404")) });
        assert_eq!(d.unreachable_since(ProviderId::Xpay), None, "{answer:?} is an answer");
        assert_eq!(d.watch(&r).unwrap().failing_since, None, "{answer:?}");
        let out = d.update(Event::Tick(d.next_wake().unwrap()));
        assert!(!calls(&out.commands).is_empty());
        let down = Problem::new(ProblemKind::Unreachable, "xPay did not answer.");
        d.update(Event::Polled { reference: r.clone(), result: Err(down) });
        assert!(d.unreachable_since(ProviderId::Xpay).is_some());
    }
}

#[test]
fn an_unstored_invoice_found_after_a_restart_is_watched_but_never_shown() {
    let mut d = Desk::new(PollPolicy::default(), t0());
    let r = Reference::from_random(8);
    // A restart's lookup found it: not the sale on screen.
    d.update(Event::Created { reference: r.clone(), result: Ok(invoice(&r)) });
    let problem = Problem::new(ProblemKind::Refused, "The till cannot write its journal.");
    let out = d.update(Event::NotStored { reference: r.clone(), problem });
    assert!(matches!(&out.notices[..], [Notice::CreateFailed(_)]), "{:?}", out.notices);
    assert!(d.watch(&r).is_some_and(|w| w.unstored), "still watched for its money");
    d.update(Event::Show(r));
    assert_eq!(d.sale, Sale::Amount, "never shown");
}

#[test]
fn a_late_watch_taken_back_after_a_restart_is_asked_again_soon_when_the_first_ask_fails() {
    let now = t0() + SignedDuration::from_hours(2);
    let mut d = Desk::new(PollPolicy::default(), now);
    let out = d.resume(&[record(Status::Expired, t0() + SignedDuration::from_mins(30))], &[]);
    let [Command::Poll(inv)] = &calls(&out.commands)[..] else { panic!("asked at once: {:?}", out.commands) };
    let problem = Problem::new(ProblemKind::Unreachable, "Bitsby did not answer.");
    d.update(Event::Polled { reference: inv.reference.clone(), result: Err(problem) });
    let next = d.next_wake().expect("asked again");
    assert!(next < now + SignedDuration::from_mins(1), "not put off at the late cadence: {next}");
}

#[test]
fn a_restart_looks_up_an_unrecorded_create_from_the_day_its_sale_started() {
    let mut d = Desk::new(PollPolicy::default(), t0() + SignedDuration::from_hours(24 * 5));
    let mut rec = record(Status::Pending, t0() + SignedDuration::from_mins(30));
    rec.state = crate::core::record::RecordState::Creating;
    let out = d.resume(&[], &[rec.clone()]);
    assert!(
        out.commands.iter().any(|c| matches!(c, Command::Resolve { started_at, .. } if *started_at == rec.started_at)),
        "{:?}",
        out.commands
    );
}

#[test]
fn a_priced_sale_is_for_its_total_and_its_intent_carries_the_breakdown() {
    use crate::core::tax::{Breakdown, TaxRate};
    let mut d = Desk::new(PollPolicy::default(), t0());
    let typed = money();
    let tip = Money::new("1.00".parse().unwrap(), typed.currency.clone());
    let vat = TaxRate { name: "VAT".into(), rate: "19".parse().unwrap() };
    let b = Breakdown::compute(&typed, Some(&vat), true, &tip);
    d.update(Event::Priced(b.clone()));
    assert_eq!(d.sale, Sale::Method { amount: b.total.clone() }, "the invoice is for the amount plus the tip");
    let r = Reference::from_random(5);
    let out = d.update(Event::MethodChosen(method(), r.clone()));
    assert_eq!(
        out.commands.first(),
        Some(&Command::Record(Entry::Intent {
            reference: r,
            method: method(),
            amount: b.total.clone(),
            breakdown: Some(Box::new(b)),
        }))
    );
}
