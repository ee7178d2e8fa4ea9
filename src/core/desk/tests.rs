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
            Command::Record(Entry::Intent { reference: r.clone(), method: method(), amount: money() }),
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
    assert!(d.watches[0].is_settled(d.now, &d.policy));
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
