//! `till display` beside a till, end to end: the terminal face on the drive
//! loop (test backend, real journal) against the in-process sandbox through
//! the real adapters, publishing in a temp data directory; the display's
//! link and screen on a test backend of their own. The display shows the QR
//! of the till's current sale (read back from its cells), then PAID, each
//! within 200 ms of the till showing it, and follows a restarted till.
//! Real time on loopback; every wait is for an event, bounded only to fail.

mod support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{decode_qr, methods, shop};
use till::core::desk::Desk;
use till::core::schedule::PollPolicy;
use till::display::link::{self, Feed};
use till::display::screen::{self, Screen};
use till::journal::SqliteJournal;
use till::runtime::publish::{Publisher, SOCKET};
use till::runtime::{Drive, Effect, Face, Input, Runtime};
use till::tui::App;
use till::tui::run::Tui;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

const PROMPT: Duration = Duration::from_millis(200);
const BOUND: Duration = Duration::from_secs(20);

/// What the till's screen showed, and when: the sale's status, QR and reference.
#[derive(Clone, Debug)]
struct Frame {
    at: Instant,
    status: Option<String>,
    qr: Option<String>,
    reference: Option<String>,
}

type Frames = Arc<tokio::sync::watch::Sender<Vec<Frame>>>;

/// The terminal face, noting each frame.
struct Noted {
    tui: Tui<TestBackend>,
    frames: Frames,
}

impl Face for Noted {
    type Key = KeyEvent;
    fn update(&mut self, input: Input<KeyEvent>) -> Vec<Effect> {
        self.tui.update(input)
    }
    fn desk(&self) -> &Desk {
        self.tui.desk()
    }
    fn render(&mut self) -> std::io::Result<()> {
        self.tui.render()?;
        let current = self.tui.app.desk.current();
        let frame = Frame {
            at: Instant::now(),
            status: current.map(|w| w.status().name().to_string()),
            qr: current.map(|w| w.invoice.payload.qr.clone()),
            reference: current.map(|w| w.invoice.reference.to_string()),
        };
        self.frames.send_modify(|frames| frames.push(frame));
        Ok(())
    }
    fn finished(&self) -> Option<i32> {
        self.tui.finished()
    }
}

struct Till {
    keys: tokio::sync::mpsc::UnboundedSender<Input<KeyEvent>>,
    frames: Frames,
    task: tokio::task::JoinHandle<()>,
}

/// A till on `dir` against the sandbox at `registry`, polling every 200 ms.
fn start_till(dir: &Path, registry: &Arc<till::gateway::Registry>) -> Till {
    let (tx, events) = unbounded_channel();
    let journal = Arc::new(SqliteJournal::open(dir).unwrap());
    let runtime = Runtime::new(registry.clone(), tx).with_journal(journal, "till-1", till::clock::system());
    let policy = PollPolicy { interval: jiff::SignedDuration::from_millis(200), ..PollPolicy::default() };
    let mut app = App::new(Desk::new(policy, jiff::Timestamp::now()), shop(), methods(), false);
    app.journaled = true;
    let frames: Frames = Arc::new(tokio::sync::watch::Sender::new(Vec::new()));
    let tui = Tui { app, terminal: Terminal::new(TestBackend::new(100, 40)).unwrap() };
    let mut face = Noted { tui, frames: frames.clone() };
    let mut drive = Drive::new(runtime, events).publishing(Publisher::bind(dir, "Corner Café").unwrap());
    let keys = drive.inputs();
    let task = tokio::spawn(async move {
        let _ = drive.run(&mut face, Vec::new()).await;
    });
    Till { keys, frames, task }
}

impl Till {
    fn type_keys(&self, keys: &str) {
        for c in keys.chars() {
            let code = if c == '\n' { KeyCode::Enter } else { KeyCode::Char(c) };
            self.keys.send(Input::Key(KeyEvent::new(code, KeyModifiers::NONE))).unwrap();
        }
    }

    /// The first frame that showed the sale in `status` (waiting for it:
    /// the display may draw a change before the till's own screen does).
    async fn shown(&self, status: &str) -> Frame {
        let first = |frames: &Vec<Frame>| frames.iter().find(|f| f.status.as_deref() == Some(status)).cloned();
        let mut rx = self.frames.subscribe();
        let found = tokio::time::timeout(BOUND, rx.wait_for(|frames| first(frames).is_some())).await;
        let frames = found.expect("the till never showed it").unwrap();
        first(&frames).unwrap()
    }

    async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}

/// The display: its screen on a 100×40 test backend, fed by the link.
struct Display {
    feeds: UnboundedReceiver<Feed>,
    screen: Screen,
    terminal: Terminal<TestBackend>,
}

impl Display {
    fn start(dir: &Path) -> Display {
        let (tx, feeds) = unbounded_channel();
        tokio::spawn(link::follow(dir.join(SOCKET), tx, link::RETRY));
        let terminal = Terminal::new(TestBackend::new(100, 40)).unwrap();
        Display { feeds, screen: Screen::new("Corner Café"), terminal }
    }

    /// Takes feeds and draws until the screen is in `state`; when it got there.
    async fn until(&mut self, state: &str) -> Instant {
        loop {
            let feed = tokio::time::timeout(BOUND, self.feeds.recv()).await.expect("the display heard nothing");
            self.screen.feed(feed.expect("the link stopped"));
            let now = jiff::Timestamp::now();
            self.terminal
                .draw(|f| {
                    let _ = screen::draw(f, &self.screen, now);
                })
                .unwrap();
            if self.screen.live && self.screen.sale.state() == state {
                return Instant::now();
            }
        }
    }

    fn qr(&self) -> Option<String> {
        decode_qr(self.terminal.backend().buffer())
    }
}

async fn pay(base: &str, reference: &str) {
    let url = format!("{base}/_sandbox/xpay/bills/{reference}/pay");
    let r = reqwest::Client::new().post(url).send().await.unwrap();
    assert!(r.status().is_success(), "pay: HTTP {}", r.status());
}

fn within_prompt(till: &Frame, display: Instant, what: &str) {
    let lag = display.saturating_duration_since(till.at).max(till.at.saturating_duration_since(display));
    eprintln!("{what}: {lag:?} between the till's screen and the display's");
    assert!(lag < PROMPT, "{what}: the display followed {lag:?} after the till");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_display_follows_the_tills_sale_and_a_restart() {
    let (demo, config) = till::demo::start().await.unwrap();
    let registry = Arc::new(till::registry::build(&config, till::clock::system()).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let mut display = Display::start(dir.path());
    let till = start_till(dir.path(), &registry);
    display.until("idle").await;

    // 12.50, Enter, the second method: USDT on TRON at xPay.
    till.type_keys("12.50\n2");
    let seen = display.until("pending").await;
    let shown = till.shown("pending").await;
    within_prompt(&shown, seen, "the invoice");
    assert_eq!(display.qr(), shown.qr, "the display's code is the till's");
    let screen = format!("{}", display.terminal.backend());
    assert!(screen.contains("USDT on TRON") && screen.contains("Expires in"), "{screen}");

    pay(&demo.base_url, shown.reference.as_deref().unwrap()).await;
    let seen = display.until("paid").await;
    within_prompt(&till.shown("paid").await, seen, "paid");
    assert!(format!("{}", display.terminal.backend()).contains("Thank you!"));
    assert_eq!(display.qr(), None);

    // The till stops, and starts again on the same data directory.
    till.stop().await;
    let lost = tokio::time::timeout(BOUND, display.feeds.recv()).await.unwrap().unwrap();
    display.screen.feed(lost);
    display
        .terminal
        .draw(|f| {
            let _ = screen::draw(f, &display.screen, jiff::Timestamp::now());
        })
        .unwrap();
    assert!(format!("{}", display.terminal.backend()).contains("waiting for the till"));
    let till = start_till(dir.path(), &registry);
    display.until("idle").await;
    till.type_keys("7.00\n2");
    let seen = display.until("pending").await;
    let shown = till.shown("pending").await;
    within_prompt(&shown, seen, "the invoice after the restart");
    assert_eq!(display.qr(), shown.qr);
    till.stop().await;
}
