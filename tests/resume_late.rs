//! `till resume` catches up on late payments: a till that was off when the
//! money arrived asks once about every expired sale still in its late window
//! (the gateway's expiry or its own) and records what it finds; sales past
//! the window are neither read nor asked about. In process, on the same
//! drive loop, with a real journal and an in-memory gateway.

mod support;

use jiff::{SignedDuration, Timestamp};
use std::sync::{Arc, Mutex};
use support::*;
use till::clock::{SharedClock, TokioClock};
use till::core::desk::Event;
use till::core::invoice::{Invoice, Reference, StatusReport};
use till::core::method::{MethodId, ProviderId};
use till::core::schedule::PollPolicy;
use till::core::status::{Origin, Status};
use till::core::watch::{Change, Watch};
use till::gateway::{BoxFuture, CreateRequest, Gateway, GatewayError, Registry};
use till::journal::{SqliteJournal, Store};
use till::runtime::Runtime;

/// xPay in memory: the invoices it was paid for say paid, the others expired.
struct Gw {
    paid: Vec<String>,
    asked: Mutex<Vec<String>>,
}

impl Gateway for Gw {
    fn provider(&self) -> ProviderId {
        ProviderId::Xpay
    }
    fn methods(&self) -> Vec<MethodId> {
        vec![MethodId::UsdtTron]
    }
    fn create<'a>(&'a self, _: &'a CreateRequest) -> BoxFuture<'a, Result<Invoice, GatewayError>> {
        Box::pin(async move { Err(GatewayError::Unsupported { provider: ProviderId::Xpay, what: "create here" }) })
    }
    fn status<'a>(&'a self, invoice: &'a Invoice) -> BoxFuture<'a, Result<StatusReport, GatewayError>> {
        Box::pin(async move {
            self.asked.lock().unwrap().push(invoice.id.clone());
            let status = if self.paid.contains(&invoice.id) { Status::Paid } else { Status::Expired };
            Ok(StatusReport { raw: status.name().into(), status, received: None, tx_id: None, paid_with: None })
        })
    }
    fn check(&self) -> BoxFuture<'_, Result<String, GatewayError>> {
        Box::pin(async move { Ok(String::new()) })
    }
}

/// A sale journaled as expired (by `origin`) at `expires_at`.
fn expired_sale(j: &SqliteJournal, name: &str, expires_at: Timestamp, origin: Origin) {
    let mut inv = tron_invoice();
    inv.reference = Reference::parse(name).unwrap();
    inv.id = format!("bill-{name}");
    inv.created_at = expires_at - SignedDuration::from_mins(30);
    inv.expires_at = expires_at;
    j.record_created(&inv, "till-1", inv.created_at).unwrap();
    let mut w = Watch::new(inv.clone(), inv.created_at);
    w.invoice.status = Status::Expired;
    w.origin = origin;
    j.record_status(&w, &Change { from: Status::Pending, to: Status::Expired, origin, note: None }, expires_at)
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn resume_asks_once_about_expired_sales_in_their_window_and_records_a_late_payment() {
    let now: Timestamp = "2026-11-21T12:00:00Z".parse().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let journal = Arc::new(SqliteJournal::open(dir.path()).unwrap());
    let hours_ago = |h: i64| now - SignedDuration::from_hours(h);
    expired_sale(&journal, "gw-paid", hours_ago(3), Origin::Gateway);
    expired_sale(&journal, "local-quiet", hours_ago(1), Origin::Local);
    expired_sale(&journal, "too-old", hours_ago(30), Origin::Gateway);
    let gateway = Arc::new(Gw { paid: vec!["bill-gw-paid".into(), "bill-too-old".into()], asked: Mutex::default() });

    let clock: SharedClock = Arc::new(TokioClock::starting_at(now));
    let mut registry = Registry::default();
    registry.insert(gateway.clone());
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Event>();
    let runtime = Runtime::new(Arc::new(registry), tx).with_journal(journal.clone(), "till-1", clock.clone());
    let policy = PollPolicy::default();
    let to_watch = journal.to_watch(now - policy.late_window).unwrap();
    let unresolved = journal.unresolved().unwrap();
    let code = till::headless::resume(runtime, rx, policy, to_watch, unresolved, true, clock).await;
    assert_eq!(code, 0, "resume ends as today once each was asked");

    let mut asked = gateway.asked.lock().unwrap().clone();
    asked.sort();
    assert_eq!(asked, ["bill-gw-paid", "bill-local-quiet"], "each asked once; the one past its window not at all");

    let paid = journal.find("gw-paid").unwrap().unwrap();
    assert_eq!(paid.status, Status::Paid);
    assert!(paid.paid_late(), "{:?}", paid.note);
    let steps: Vec<String> = journal.events(&paid.reference).unwrap().into_iter().map(|e| e.new).collect();
    assert_eq!(steps, ["pending", "expired", "paid"]);

    let quiet = journal.find("local-quiet").unwrap().unwrap();
    assert_eq!(quiet.status, Status::Expired);
    let old = journal.find("too-old").unwrap().unwrap();
    assert_eq!(old.status, Status::Expired, "past its window: left as it was");
    assert_eq!(journal.events(&old.reference).unwrap().len(), 2);
}
