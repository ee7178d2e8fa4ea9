//! A late payment at every gateway, end to end: the real adapters against the
//! sandbox (demo config), the desk on the one drive loop, a real journal. The
//! gateway reports the invoice expired, then the money arrives: the sale
//! becomes `paid` with the "paid late" note, with a notice, and the event log
//! keeps both steps. And a till that was off when the money arrived catches
//! up in `till resume`. Real time on loopback, with a fast poll policy.

use std::sync::Arc;
use std::time::Duration;
use till::core::desk::{Desk, Event, Notice};
use till::core::invoice::Reference;
use till::core::method::PaymentMethod;
use till::core::money::{Currency, Money};
use till::core::record::RecordState;
use till::core::schedule::PollPolicy;
use till::core::status::Status;
use till::journal::{SqliteJournal, Store};
use till::runtime::Runtime;
use till::runtime::drive::{Drive, Effect, Face, Input, run_all};

/// The desk, the notices it gave, and the status that ends this leg.
struct Watcher {
    desk: Desk,
    notices: Vec<Notice>,
    goal: Status,
}

impl Face for Watcher {
    type Key = ();
    fn update(&mut self, input: Input<()>) -> Vec<Effect> {
        let event = match input {
            Input::Core(event) => event,
            Input::Tick(now) => Event::Tick(now),
            _ => return Vec::new(),
        };
        let out = self.desk.update(event);
        self.notices.extend(out.notices);
        run_all(out.commands)
    }
    fn desk(&self) -> &Desk {
        &self.desk
    }
    fn render(&mut self) -> std::io::Result<()> {
        Ok(())
    }
    fn finished(&self) -> Option<i32> {
        self.desk.watches.first().filter(|w| *w.status() == self.goal && !w.in_flight).map(|_| 0)
    }
}

/// Polls every 200 ms, the late watch every 300 ms.
fn policy() -> PollPolicy {
    PollPolicy {
        interval: jiff::SignedDuration::from_millis(200),
        late_interval: jiff::SignedDuration::from_millis(300),
        ..PollPolicy::default()
    }
}

struct Shop {
    demo: till::demo::Demo,
    registry: Arc<till::gateway::Registry>,
    journal: Arc<SqliteJournal>,
    _dir: tempfile::TempDir,
}

async fn shop() -> Shop {
    let (demo, config) = till::demo::start().await.unwrap();
    let registry = till::registry::build(&config, till::clock::system()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let journal = Arc::new(SqliteJournal::open(dir.path()).unwrap());
    Shop { demo, registry: Arc::new(registry), journal, _dir: dir }
}

impl Shop {
    fn drive(&self) -> Drive<()> {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let runtime =
            Runtime::new(self.registry.clone(), tx).with_journal(self.journal.clone(), "till-1", till::clock::system());
        Drive::new(runtime, rx)
    }

    /// A sandbox control action on our sale (`expire`, `pay`).
    async fn act(&self, method: PaymentMethod, reference: &Reference, action: &str) {
        let path = match method.provider.id() {
            "xpay" => format!("/_sandbox/xpay/bills/{reference}/{action}"),
            gw => format!("/_sandbox/{gw}/invoices/{reference}/{action}"),
        };
        let r = reqwest::Client::new().post(format!("{}{path}", self.demo.base_url)).send().await.unwrap();
        assert!(r.status().is_success(), "{method}: {action}: HTTP {}", r.status());
    }
}

/// Runs the leg until the sale reaches `goal` (at most 60 s).
async fn leg(drive: &mut Drive<()>, face: &mut Watcher, goal: Status, start: Vec<Effect>, what: &str) {
    face.goal = goal;
    drive.until(tokio::time::Instant::now() + Duration::from_secs(60));
    let done = drive.run(face, start).await.unwrap();
    assert_eq!(done, Some(0), "{what}: never reached {:?}; notices {:?}", face.goal, face.notices);
}

/// A sale at `method`, created, then expired by the gateway, on a running
/// till: the shop, the till's face and drive, and the sale's reference.
async fn expired_sale(method: PaymentMethod) -> (Shop, Watcher, Drive<()>, Reference) {
    let shop = shop().await;
    let reference = Reference::random();
    let usd = Currency::from_code("USD").unwrap();
    let desk = Desk::new(policy(), jiff::Timestamp::now());
    let mut face = Watcher { desk, notices: Vec::new(), goal: Status::Pending };
    let amount = Money::new("12.50".parse().unwrap(), usd);
    let mut start = run_all(face.desk.update(Event::AmountEntered(amount)).commands);
    start.extend(run_all(face.desk.update(Event::MethodChosen(method, reference.clone())).commands));
    let mut drive = shop.drive();
    leg(&mut drive, &mut face, Status::Pending, start, "created").await;
    shop.act(method, &reference, "expire").await;
    leg(&mut drive, &mut face, Status::Expired, Vec::new(), "expired").await;
    (shop, face, drive, reference)
}

async fn late_payment_in_the_running_till(method: &str) {
    let method: PaymentMethod = method.parse().unwrap();
    let (shop, mut face, mut drive, reference) = expired_sale(method).await;
    shop.act(method, &reference, "pay").await;
    leg(&mut drive, &mut face, Status::Paid, Vec::new(), "paid late").await;

    let w = face.desk.watch(&reference).unwrap();
    assert!(w.paid_late(), "{method}: the note says paid late: {:?}", w.note);
    assert!(
        face.notices.iter().any(|n| matches!(n, Notice::Status { change, .. }
            if change.from == Status::Expired && change.to == Status::Paid)),
        "{method}: a notice for the late payment: {:?}",
        face.notices
    );
    let record = shop.journal.find(reference.as_str()).unwrap().unwrap();
    assert!(record.paid_late(), "{method}: journaled paid late: {record:?}");
    let steps: Vec<String> = shop.journal.events(&reference).unwrap().into_iter().map(|e| e.new).collect();
    let expired = steps.iter().position(|s| s == "expired");
    let paid = steps.iter().rposition(|s| s == "paid");
    assert!(expired.is_some() && paid > expired, "{method}: both steps in the event log: {steps:?}");
}

async fn late_payment_caught_by_resume(method: &str) {
    let method: PaymentMethod = method.parse().unwrap();
    let (shop, face, drive, reference) = expired_sale(method).await;
    // The till is off; the money arrives.
    drop((face, drive));
    shop.act(method, &reference, "pay").await;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let runtime =
        Runtime::new(shop.registry.clone(), tx).with_journal(shop.journal.clone(), "till-1", till::clock::system());
    let since = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24);
    let to_watch = shop.journal.to_watch(since).unwrap();
    assert_eq!(to_watch.len(), 1, "{method}: the expired sale is still in its late window");
    let run = till::headless::resume(runtime, rx, policy(), to_watch, Vec::new(), true, till::clock::system());
    let code = tokio::time::timeout(Duration::from_secs(60), run).await.expect("resume ends");
    assert_eq!(code, 0, "{method}: resume");
    let record = shop.journal.find(reference.as_str()).unwrap().unwrap();
    assert_eq!((record.state, &record.status), (RecordState::Created, &Status::Paid), "{method}");
    assert!(record.paid_late(), "{method}: journaled paid late: {record:?}");
}

macro_rules! every_gateway {
    ($($name:ident: $method:literal),*) => {
        mod running_till {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                super::late_payment_in_the_running_till($method).await;
            })*
        }
        mod resume {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                super::late_payment_caught_by_resume($method).await;
            })*
        }
    };
}

every_gateway!(xpay: "xpay:usdt-tron", xpays: "xpays:usdt-tron", xcash: "xcash:usdt-tron", xaigate: "xaigate:checkout", bitsby: "bitsby:usdt-tron");
