//! How long the till takes from opening its journal to its first frame, with
//! an empty journal and with 100,000 finished sales in it. Opening costs
//! what is open, not the history: the two should be close.
//! Run: cargo bench --bench startup

use divan::Bencher;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rust_decimal::Decimal;
use std::path::Path;
use till::core::desk::Desk;
use till::core::method::{MethodId, PaymentMethod, ProviderId};
use till::core::money::Currency;
use till::core::schedule::PollPolicy;
use till::journal::{FILE, SqliteJournal, Store};
use till::tui::{App, ShopInfo};

fn main() {
    divan::main();
}

/// Finished sales in the history; three more are still open.
const HISTORY: usize = 100_000;
const OPEN: usize = 3;
const START_MS: i64 = 1_780_000_000_000;

/// A journal of `finished` finished sales and `open` open ones, written in
/// one transaction (the till's own writes commit one by one, too slow here).
fn journal(dir: &Path, finished: usize, open: usize) {
    drop(SqliteJournal::open(dir).unwrap());
    let mut conn = rusqlite::Connection::open(dir.join(FILE)).unwrap();
    let tx = conn.transaction().unwrap();
    {
        let mut invoice = tx
            .prepare(
                "INSERT INTO invoices (reference, terminal, provider, method, fiat_amount, currency, state, started_at,
                    gateway_id, crypto_amount, crypto_unit, payload_kind, payload_qr, payload_text, created_at,
                    expires_at, status, status_raw, origin, updated_at)
                 VALUES (?1, 'till-1', 'xpay', 'usdt-tron', '12.50', 'USD', 'created', ?2, ?1, '12.5', 'USDT',
                    'address', 'TDtSWK3dsSRJyZH4qNVzsoPsdrZz6k8B3Q', 'TDtSWK3dsSRJyZH4qNVzsoPsdrZz6k8B3Q', ?2, ?3,
                    ?4, ?4, 'gateway', ?2)",
            )
            .unwrap();
        let mut event = tx
            .prepare(
                "INSERT INTO events (reference, at, old_status, new_status, origin, raw)
                 VALUES (?1, ?2, 'pending', ?3, 'gateway', ?3)",
            )
            .unwrap();
        let statuses = ["paid", "paid", "paid", "expired", "canceled"];
        for n in 0..finished + open {
            let reference = format!("h{n:015}");
            let at = START_MS + i64::try_from(n).unwrap() * 60_000;
            let status = if n >= finished { "pending" } else { statuses[n % statuses.len()] };
            let expires = if n >= finished { at + 100 * 86_400_000 } else { at + 1_800_000 };
            invoice.execute(rusqlite::params![reference, at, expires, status]).unwrap();
            event.execute(rusqlite::params![reference, at, status]).unwrap();
        }
    }
    tx.commit().unwrap();
}

fn shop() -> ShopInfo {
    ShopInfo {
        name: "Corner Café".into(),
        terminal: "till-1".into(),
        currency: Currency::from_code("USD").unwrap(),
        max_amount: Decimal::from(10_000),
        timezone: jiff::tz::TimeZone::UTC,
    }
}

/// Open the journal, take back what is open, draw the first frame.
fn first_frame(dir: &Path) -> usize {
    let journal = SqliteJournal::open(dir).unwrap();
    // A day after the last sale: the history is past its late window.
    let last = START_MS + i64::try_from(HISTORY + OPEN).unwrap() * 60_000;
    let now = jiff::Timestamp::from_millisecond(last).unwrap() + jiff::SignedDuration::from_hours(25);
    let policy = PollPolicy::default();
    let to_watch = journal.to_watch(now - policy.late_window).unwrap();
    let unresolved = journal.unresolved().unwrap();
    let methods = vec![PaymentMethod::new(ProviderId::Xpay, MethodId::UsdtTron)];
    let mut app = App::new(Desk::new(policy, now), shop(), methods, false);
    app.journaled = true;
    app.resume(&to_watch, &unresolved);
    let mut terminal = Terminal::new(TestBackend::new(100, 40)).unwrap();
    terminal.draw(|f| till::tui::draw(&app, f)).unwrap();
    to_watch.len()
}

#[divan::bench(args = [0, HISTORY])]
fn first_frame_after_opening(bencher: Bencher, history: usize) {
    let dir = tempfile::tempdir().unwrap();
    journal(dir.path(), history, OPEN);
    bencher.bench(|| assert_eq!(first_frame(dir.path()), OPEN));
}
