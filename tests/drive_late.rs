//! A late payment through the one drive loop: the terminal face on a test
//! backend, an in-memory gateway that reports the invoice expired and, two
//! hours later, paid, and a real journal, on tokio's paused time. The sale
//! becomes paid with the note "paid late", the journal has both steps, the
//! cashier gets a notice and the bell, and the dashboard's needs-attention
//! filter lists it.

mod support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::{SignedDuration, Timestamp};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::*;
use till::clock::{SharedClock, TokioClock};
use till::core::desk::{Desk, Event};
use till::core::invoice::{Invoice, StatusReport};
use till::core::method::{MethodId, ProviderId};
use till::core::status::Status;
use till::gateway::{BoxFuture, CreateRequest, Gateway, GatewayError, Registry};
use till::journal::{SqliteJournal, Store};
use till::runtime::{Drive, Effect, Face, Input, Runtime};
use till::tui::run::Tui;

/// When the in-memory gateway takes the late payment, after the expiry.
const PAID_AFTER_EXPIRY: SignedDuration = SignedDuration::from_hours(2);

/// xPay in memory: the sample TRON invoice, pending until its expiry,
/// expired (the gateway's own word) for two hours, then paid.
struct LateXpay {
    clock: SharedClock,
    polls: Mutex<Vec<Timestamp>>,
}

impl Gateway for LateXpay {
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
    fn status<'a>(&'a self, invoice: &'a Invoice) -> BoxFuture<'a, Result<StatusReport, GatewayError>> {
        Box::pin(async move {
            let now = self.clock.now();
            self.polls.lock().unwrap().push(now);
            let status = if now < invoice.expires_at {
                Status::Pending
            } else if now < invoice.expires_at + PAID_AFTER_EXPIRY {
                Status::Expired
            } else {
                Status::Paid
            };
            Ok(StatusReport { raw: status.name().into(), status, received: None, tx_id: None, paid_with: None })
        })
    }
    fn check(&self) -> BoxFuture<'_, Result<String, GatewayError>> {
        Box::pin(async move { Ok(String::new()) })
    }
}

/// The terminal face, counting the bells and stopping once one rang (so
/// the paid sale is still in the dashboard's view).
struct Listening {
    tui: Tui<TestBackend>,
    bells: usize,
}

impl Face for Listening {
    type Key = KeyEvent;
    fn update(&mut self, input: Input<KeyEvent>) -> Vec<Effect> {
        let effects = self.tui.update(input);
        self.bells += effects.iter().filter(|e| **e == Effect::Bell).count();
        effects
    }
    fn desk(&self) -> &Desk {
        self.tui.desk()
    }
    fn render(&mut self) -> std::io::Result<()> {
        self.tui.render()
    }
    fn finished(&self) -> Option<i32> {
        (self.bells > 0).then_some(0)
    }
}

fn key(code: KeyCode) -> Input<KeyEvent> {
    Input::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn screen(face: &Listening) -> String {
    format!("{}", face.tui.terminal.backend())
}

#[tokio::test(start_paused = true)]
async fn a_sale_the_gateway_called_expired_then_paid_is_paid_late_with_a_notice_and_the_bell() {
    let start = sample_created_at();
    let clock: SharedClock = Arc::new(TokioClock::starting_at(start));
    let dir = tempfile::tempdir().unwrap();
    let journal = Arc::new(SqliteJournal::open(dir.path()).unwrap());
    let gateway = Arc::new(LateXpay { clock: clock.clone(), polls: Mutex::default() });
    let mut registry = Registry::default();
    registry.insert(gateway.clone());
    let (tx, events) = tokio::sync::mpsc::unbounded_channel::<Event>();
    let runtime = Runtime::new(Arc::new(registry), tx).with_journal(journal.clone(), "till-1", clock.clone());
    let mut app = app_at(start, "66bb8c4dbb18e67", false);
    app.journaled = true;
    let mut face =
        Listening { tui: Tui { app, terminal: Terminal::new(TestBackend::new(100, 40)).unwrap() }, bells: 0 };
    let mut drive = Drive::new(runtime, events);

    // 12.50, Enter, USDT on TRON; 40 minutes on (the gateway said expired at
    // 30), Enter: the next sale. The late payment comes while it is on screen.
    let inputs = drive.inputs();
    for c in "12.50\n2".chars() {
        inputs.send(key(KeyCode::Char(c).into_enter())).unwrap();
    }
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(40 * 60)).await;
        let _ = inputs.send(key(KeyCode::Enter));
    });
    drive.until(tokio::time::Instant::now() + Duration::from_secs(4 * 3600));
    assert_eq!(drive.run(&mut face, Vec::new()).await.unwrap(), Some(0), "the bell rang before the deadline");

    let invoice = tron_invoice();
    let paid_at = invoice.expires_at + PAID_AFTER_EXPIRY;
    let now = face.tui.app.desk.now;
    assert!(now >= paid_at && now <= paid_at + SignedDuration::from_mins(6), "seen within the late cadence: {now}");
    assert_eq!(face.bells, 1);

    // The journal: paid, with the note, and both steps in the event log.
    let record = journal.find(invoice.reference.as_str()).unwrap().expect("journaled");
    assert_eq!(record.status, Status::Paid);
    assert!(record.note.as_deref().is_some_and(|n| n.starts_with("paid late")), "{:?}", record.note);
    let steps: Vec<String> = journal.events(&record.reference).unwrap().into_iter().map(|e| e.new).collect();
    assert_eq!(steps, ["pending", "expired", "paid"]);

    // Slow polls while expired: every few minutes, not every few seconds.
    let polls = gateway.polls.lock().unwrap().clone();
    let late: Vec<&Timestamp> =
        polls.iter().filter(|t| **t > invoice.expires_at + SignedDuration::from_secs(10)).collect();
    assert!(late.len() >= 10 && late.len() <= 30, "{} polls in the two late hours", late.len());

    // The notice, said in passing on the new sale's screen.
    let shown = screen(&face);
    assert!(shown.contains("is now PAID (paid late"), "{shown}");
    assert!(face.tui.app.desk.watch(&record.reference).unwrap().paid_late());

    // The dashboard's needs-attention filter lists it.
    face.tui.update(key(KeyCode::Tab));
    for _ in 0..5 {
        face.tui.update(key(KeyCode::Char('f')));
    }
    face.tui.render().unwrap();
    let shown = screen(&face);
    assert!(shown.contains("showing needs attention (1 of 1)"), "{shown}");
    let row = shown.lines().find(|l| l.contains("▶")).unwrap_or_else(|| panic!("no row selected in\n{shown}"));
    assert!(row.contains("PAID") && row.contains("paid late") && row.contains("12.50 USD"), "{row}");
}

/// `'\n'` typed as Enter.
trait IntoEnter {
    fn into_enter(self) -> KeyCode;
}

impl IntoEnter for KeyCode {
    fn into_enter(self) -> KeyCode {
        if self == KeyCode::Char('\n') { KeyCode::Enter } else { self }
    }
}
