//! The one drive loop, with the terminal face on a test backend, an
//! in-memory gateway and a real journal, on tokio's paused time: keys in,
//! the journal written in the desk's order, and nothing shown before the
//! journal has it. (`till charge` and `till resume` run on the same loop in
//! the process tests: charge_e2e.rs, charge_every_method.rs, crash.rs.)

mod support;

use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::*;
use till::clock::{SharedClock, TokioClock};
use till::core::desk::{Desk, Event};
use till::core::invoice::{Invoice, Reference, StatusReport};
use till::core::method::{MethodId, PaymentMethod, ProviderId};
use till::core::money::Money;
use till::core::record::{RecordState, SaleRecord};
use till::core::sale::Sale;
use till::core::status::Status;
use till::core::watch::{Change, Watch};
use till::gateway::{BoxFuture, CreateRequest, Gateway, GatewayError, Registry};
use till::journal::{JournalError, LogEntry, SqliteJournal, Store};
use till::runtime::{Drive, Effect, Face, Input, Runtime};
use till::tui::run::Tui;

type Log = Arc<Mutex<Vec<String>>>;

/// xPay in memory: makes the sample TRON invoice, and says paid once asked.
struct FakeXpay;

impl Gateway for FakeXpay {
    fn provider(&self) -> ProviderId {
        ProviderId::Xpay
    }
    fn methods(&self) -> Vec<MethodId> {
        vec![MethodId::Lightning, MethodId::UsdtTron]
    }
    fn create<'a>(&'a self, request: &'a CreateRequest) -> BoxFuture<'a, Result<Invoice, GatewayError>> {
        Box::pin(async move {
            let mut invoice = tron_invoice();
            invoice.reference = request.reference.clone();
            Ok(invoice)
        })
    }
    fn find<'a>(&'a self, _: &'a CreateRequest) -> BoxFuture<'a, Result<Option<Invoice>, GatewayError>> {
        Box::pin(async move { Ok(None) })
    }
    fn status<'a>(&'a self, _: &'a Invoice) -> BoxFuture<'a, Result<StatusReport, GatewayError>> {
        Box::pin(async move {
            Ok(StatusReport { status: Status::Paid, raw: "paid".into(), received: None, tx_id: None, paid_with: None })
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

/// The SQLite journal, noting each write in the shared log; it can refuse
/// to store invoices (a full disk).
struct Spy {
    inner: SqliteJournal,
    log: Log,
    refuse_invoices: AtomicBool,
}

impl Spy {
    fn note(&self, what: String) {
        self.log.lock().unwrap().push(what);
    }
}

impl Store for Spy {
    fn record_intent(
        &self,
        reference: &Reference,
        method: PaymentMethod,
        fiat: &Money,
        breakdown: Option<&till::core::tax::Breakdown>,
        terminal: &str,
        at: Timestamp,
    ) -> Result<(), JournalError> {
        self.note("write intent".into());
        self.inner.record_intent(reference, method, fiat, breakdown, terminal, at)
    }
    fn record_created(&self, invoice: &Invoice, terminal: &str, at: Timestamp) -> Result<(), JournalError> {
        if self.refuse_invoices.load(Ordering::SeqCst) {
            self.note("refused invoice".into());
            return Err(JournalError::Sql("disk full".into()));
        }
        self.note("write invoice".into());
        self.inner.record_created(invoice, terminal, at)
    }
    fn record_not_created(&self, r: &Reference, s: RecordState, n: &str, at: Timestamp) -> Result<(), JournalError> {
        self.inner.record_not_created(r, s, n, at)
    }
    fn record_status(&self, watch: &Watch, change: &Change, at: Timestamp) -> Result<(), JournalError> {
        self.note(format!("write {}", change.to.name()));
        self.inner.record_status(watch, change, at)
    }
    fn record_switch(&self, watch: &Watch, at: Timestamp) -> Result<(), JournalError> {
        self.inner.record_switch(watch, at)
    }
    fn unresolved(&self) -> Result<Vec<SaleRecord>, JournalError> {
        self.inner.unresolved()
    }
    fn to_watch(&self, late_since: Timestamp) -> Result<Vec<SaleRecord>, JournalError> {
        self.inner.to_watch(late_since)
    }
    fn between(&self, from: Timestamp, until: Timestamp) -> Result<Vec<SaleRecord>, JournalError> {
        self.inner.between(from, until)
    }
    fn find(&self, key: &str) -> Result<Option<SaleRecord>, JournalError> {
        self.inner.find(key)
    }
    fn events(&self, reference: &Reference) -> Result<Vec<LogEntry>, JournalError> {
        self.inner.events(reference)
    }
}

/// The terminal face, noting what each frame shows in the shared log.
struct Noted {
    tui: Tui<TestBackend>,
    log: Log,
}

impl Face for Noted {
    type Key = crossterm::event::KeyEvent;
    fn update(&mut self, input: Input<Self::Key>) -> Vec<Effect> {
        self.tui.update(input)
    }
    fn desk(&self) -> &Desk {
        self.tui.desk()
    }
    fn render(&mut self) -> std::io::Result<()> {
        self.tui.render()?;
        let shown = match self.tui.app.desk.current() {
            Some(w) => format!("show {}", w.status().name()),
            None => "show no invoice".into(),
        };
        self.log.lock().unwrap().push(shown);
        Ok(())
    }
    fn finished(&self) -> Option<i32> {
        self.tui.finished()
    }
}

struct Counter {
    drive: Drive<crossterm::event::KeyEvent>,
    face: Noted,
    spy: Arc<Spy>,
    log: Log,
    _dir: tempfile::TempDir,
}

fn counter(refuse_invoices: bool) -> Counter {
    let clock: SharedClock = Arc::new(TokioClock::starting_at(sample_created_at()));
    let dir = tempfile::tempdir().unwrap();
    let log: Log = Arc::default();
    let spy = Arc::new(Spy {
        inner: SqliteJournal::open(dir.path()).unwrap(),
        log: log.clone(),
        refuse_invoices: AtomicBool::new(refuse_invoices),
    });
    let mut registry = Registry::default();
    registry.insert(Arc::new(FakeXpay));
    let (tx, events) = tokio::sync::mpsc::unbounded_channel::<Event>();
    let runtime = Runtime::new(Arc::new(registry), tx).with_journal(spy.clone(), "till-1", clock);
    let mut app = app_at(sample_created_at(), "66bb8c4dbb18e67", false);
    app.journaled = true;
    let tui = Tui { app, terminal: Terminal::new(TestBackend::new(100, 40)).unwrap() };
    Counter { drive: Drive::new(runtime, events), face: Noted { tui, log: log.clone() }, spy, log, _dir: dir }
}

fn key(c: char) -> Input<crossterm::event::KeyEvent> {
    let code = if c == '\n' { crossterm::event::KeyCode::Enter } else { crossterm::event::KeyCode::Char(c) };
    Input::Key(crossterm::event::KeyEvent::new(code, crossterm::event::KeyModifiers::NONE))
}

/// Types `keys` now, and `later` after a minute of the till's time.
fn cashier(drive: &Drive<crossterm::event::KeyEvent>, keys: &'static str, later: &'static str) {
    let inputs = drive.inputs();
    for c in keys.chars() {
        inputs.send(key(c)).unwrap();
    }
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(60)).await;
        for c in later.chars() {
            let _ = inputs.send(key(c));
        }
    });
}

fn position(log: &[String], what: &str) -> usize {
    log.iter().position(|l| l == what).unwrap_or_else(|| panic!("{what:?} never happened: {log:?}"))
}

#[tokio::test(start_paused = true)]
async fn a_sale_through_the_drive_loop_is_journaled_before_each_thing_is_shown() {
    let mut c = counter(false);
    // 12.50, Enter, the second method (USDT on TRON); a minute later: next sale, quit.
    cashier(&c.drive, "12.50\n2", "\nq");
    let code = c.drive.run(&mut c.face, Vec::new()).await.unwrap();
    assert_eq!(code, Some(0), "q with nothing open quits at once");
    let log = c.log.lock().unwrap().clone();
    assert!(position(&log, "write intent") < position(&log, "write invoice"), "{log:?}");
    assert!(position(&log, "write invoice") < position(&log, "show pending"), "{log:?}");
    assert!(position(&log, "write paid") < position(&log, "show paid"), "{log:?}");
    let record = c.spy.find("66bb8c4dbb18e67").unwrap().expect("the sale is in the journal");
    assert_eq!((record.state, record.status), (RecordState::Created, Status::Paid));
    let events = c.spy.events(&record.reference).unwrap();
    assert_eq!(events.iter().map(|e| e.new.as_str()).collect::<Vec<_>>(), ["pending", "paid"]);
}

#[tokio::test(start_paused = true)]
async fn an_invoice_the_journal_cannot_store_is_never_shown_and_stays_watched() {
    let mut c = counter(true);
    // A minute later: Esc leaves the failed sale, q asks (the invoice is open at the gateway), y quits.
    cashier(&c.drive, "12.50\n2", "\u{1b}");
    let inputs = c.drive.inputs();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(90)).await;
        let _ = inputs.send(key('q'));
        let _ = inputs.send(key('y'));
    });
    let code = c.drive.run(&mut c.face, Vec::new()).await.unwrap();
    assert_eq!(code, Some(0));
    let log = c.log.lock().unwrap().clone();
    assert!(log.contains(&"refused invoice".to_string()), "{log:?}");
    assert!(!log.iter().any(|l| l == "show pending"), "the invoice was never shown: {log:?}");
    let app = &c.face.tui.app;
    assert!(
        app.desk.watch(&Reference::parse("66bb8c4dbb18e67").unwrap()).is_some(),
        "the invoice is still watched for its money"
    );
    let record = c.spy.find("66bb8c4dbb18e67").unwrap().expect("the intent is in the journal");
    assert_eq!(record.state, RecordState::Creating, "the next start looks it up at the gateway");
}

#[tokio::test(start_paused = true)]
async fn the_failed_sale_says_the_journal_could_not_be_written() {
    let mut c = counter(true);
    let inputs = c.drive.inputs();
    for ch in "12.50\n2".chars() {
        inputs.send(key(ch)).unwrap();
    }
    // Stop the loop once the create's answer is in: a minute of the till's time.
    c.drive.until(tokio::time::Instant::now() + Duration::from_secs(60));
    assert_eq!(c.drive.run(&mut c.face, Vec::new()).await.unwrap(), None);
    let app = &c.face.tui.app;
    let Sale::Failed { problem, .. } = &app.desk.sale else { panic!("{:?}", app.desk.sale) };
    assert!(problem.message.contains("journal"), "{problem}");
    let screen = format!("{}", c.face.tui.terminal.backend());
    assert!(screen.contains("cannot write its journal"), "{screen}");
}
