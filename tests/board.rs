//! The operator's board (`till board`) as the operator sees it: every
//! terminal's invoices with a Terminal column, each terminal's state and
//! takings, the banner while the store is out of reach, the notice and the
//! bell for a paid invoice; and its `--json` lines. Fed by hand-made
//! updates, drawn into a TestBackend on a fixed clock.

mod support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rust_decimal::Decimal;
use std::sync::Arc;
use till::board::screen::{self, Shop};
use till::board::state::Board;
use till::board::{Input, json};
use till::core::invoice::{Payload, PayloadKind, Reference};
use till::core::method::{MethodId, PaymentMethod, ProviderId};
use till::core::money::{Currency, Money};
use till::core::record::{RecordState, SaleRecord};
use till::core::status::{Origin, Status};
use till::journal::fleet::{BoardRow, BoardUpdate, TerminalState};

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// The moment the board is looked at.
fn now() -> Timestamp {
    t("2026-12-04T14:05:00Z")
}

fn record(
    reference: &str,
    terminal: &str,
    amount: &str,
    method: PaymentMethod,
    status: Status,
    mins: i64,
) -> SaleRecord {
    let created = now() - jiff::SignedDuration::from_mins(mins);
    SaleRecord {
        reference: Reference::parse(reference).unwrap(),
        method,
        fiat: Money::new(amount.parse::<Decimal>().unwrap(), Currency::from_code("USD").unwrap()),
        state: RecordState::Created,
        started_at: created,
        terminal: terminal.into(),
        gateway_id: Some(format!("gw-{reference}")),
        crypto: None,
        payload: Some(Payload { kind: PayloadKind::Lightning, qr: "lnbc1".into(), text: "lnbc1".into() }),
        created_at: Some(created),
        expires_at: Some(created + jiff::SignedDuration::from_mins(15)),
        status,
        origin: Origin::Gateway,
        raw: String::new(),
        received: None,
        tx_id: None,
        note: None,
        breakdown: None,
    }
}

const LN: PaymentMethod = PaymentMethod { provider: ProviderId::Xpay, method: MethodId::Lightning };
const TRON: PaymentMethod = PaymentMethod { provider: ProviderId::Xpays, method: MethodId::UsdtTron };
const BTC: PaymentMethod = PaymentMethod { provider: ProviderId::Bitsby, method: MethodId::Btc };

fn row(reference: &str, terminal: &str, amount: &str, method: PaymentMethod, status: Status, mins: i64) -> BoardRow {
    BoardRow { record: record(reference, terminal, amount, method, status, mins), watched_by: None }
}

/// Three counters: T1 selling, T2 gone since 13:58 (its open invoice taken
/// over by T3), T3 with xpays.life unreachable.
fn snapshot() -> BoardUpdate {
    let mut taken = row("b2000001", "T2", "8.00", LN, Status::Pending, 9);
    taken.watched_by = Some("T3".into());
    BoardUpdate::Snapshot {
        rows: vec![
            row("a1000001", "T1", "12.50", LN, Status::Pending, 2),
            row("a1000002", "T1", "4.20", TRON, Status::Paid, 3),
            row("a1000003", "T1", "99.00", BTC, Status::Confirming, 6),
            taken,
            row("b2000002", "T2", "3.10", LN, Status::Paid, 4),
            row("c3000001", "T3", "21.00", TRON, Status::Pending, 12),
            row("c3000002", "T3", "7.00", LN, Status::ExpiredUnderpaid, 17),
        ],
        terminals: vec![
            TerminalState { terminal: "T1".into(), alive: true, last_seen: now(), unreachable: vec![] },
            TerminalState {
                terminal: "T2".into(),
                alive: false,
                last_seen: t("2026-12-04T13:58:10Z"),
                unreachable: vec![],
            },
            TerminalState {
                terminal: "T3".into(),
                alive: true,
                last_seen: now(),
                unreachable: vec![ProviderId::Xpays],
            },
        ],
        at: now(),
    }
}

fn shop() -> Shop {
    Shop { name: "Corner Café".into(), policy: Default::default() }
}

fn live_board() -> Board {
    let mut b = Board::new(jiff::tz::TimeZone::UTC, None);
    b.apply(snapshot(), now());
    b
}

fn render(board: &Board, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| screen::draw(f, board, &shop(), now())).unwrap();
    terminal
}

fn text(terminal: &Terminal<TestBackend>) -> String {
    terminal.backend().to_string()
}

#[test]
fn every_terminals_invoices_with_their_terminal_states_and_takings_80x24() {
    let mut b = live_board();
    b.apply(BoardUpdate::Rows(vec![row("a1000001", "T1", "12.50", LN, Status::Paid, 2)]), now());
    let screen = render(&b, 80, 24);
    let shown = text(&screen);
    assert!(shown.contains("T2 · watched by T3"), "{shown}");
    assert!(shown.contains("not seen since 13:58"), "{shown}");
    assert!(shown.contains("xpays.life unreachable") || shown.contains("unreachable"), "{shown}");
    assert!(shown.contains("paid 12.50 USD"), "the notice: {shown}");
    insta::assert_snapshot!("board_80x24", screen.backend());
}

#[test]
fn the_board_at_120x40() {
    insta::assert_snapshot!("board_120x40", render(&live_board(), 120, 40).backend());
}

#[test]
fn the_banner_says_the_store_is_out_of_reach_until_it_is_back() {
    let mut b = live_board();
    b.apply(BoardUpdate::Lost(till::journal::postgres::feed::LOST.into()), now());
    let shown = text(&render(&b, 80, 24));
    assert!(shown.contains("The store cannot be reached; the board reconnects by itself."), "{shown}");
    // What it knew stays on screen.
    assert!(shown.contains("12.50 USD"), "{shown}");
    insta::assert_snapshot!("board_lost_80x24", render(&b, 80, 24).backend());
    b.apply(snapshot(), now());
    assert!(!text(&render(&b, 80, 24)).contains("cannot be reached"));
}

#[test]
fn one_terminal_at_a_time_and_the_keys_help() {
    let mut b = Board::new(jiff::tz::TimeZone::UTC, Some("T3".into()));
    b.apply(snapshot(), now());
    let shown = text(&render(&b, 120, 40));
    assert!(shown.contains("T3 only"), "{shown}");
    assert!(!shown.contains("12.50 USD"), "T1's sale is not T3's: {shown}");
    assert!(shown.contains("T2 · watched by T3"), "{shown}");
    b.key(KeyCode::Char('?'), false, now());
    let help = render(&b, 80, 24);
    assert!(text(&help).contains("no key changes a sale"), "{}", text(&help));
    insta::assert_snapshot!("board_help_80x24", help.backend());
}

#[test]
fn a_hundred_terminals_leave_room_for_the_invoices() {
    let mut rows = Vec::new();
    let mut terminals = Vec::new();
    for k in 0..100 {
        let name = format!("T{k:03}");
        for j in 0..10 {
            let reference = format!("{k:04}{j:04}");
            rows.push(row(&reference, &name, "1.00", LN, Status::Pending, (j % 10) + 1));
        }
        terminals.push(TerminalState { terminal: name, alive: true, last_seen: now(), unreachable: vec![] });
    }
    let mut b = Board::new(jiff::tz::TimeZone::UTC, None);
    b.apply(BoardUpdate::Snapshot { rows, terminals, at: now() }, now());
    let shown = text(&render(&b, 120, 40));
    assert!(shown.contains("more terminals"), "{shown}");
    assert!(shown.contains("(1000 of 1000)"), "{shown}");
}

/// The bell is rung once per notice, outside the drawing; `q` quits.
#[tokio::test]
async fn a_paid_invoice_rings_the_bell_once_and_q_quits() {
    let (tx, mut inputs) = tokio::sync::mpsc::unbounded_channel();
    tx.send(Input::Update(snapshot())).unwrap();
    tx.send(Input::Update(BoardUpdate::Rows(vec![row("a1000001", "T1", "12.50", LN, Status::Paid, 2)]))).unwrap();
    // The same row again: no news, no bell.
    tx.send(Input::Update(BoardUpdate::Rows(vec![row("a1000001", "T1", "12.50", LN, Status::Paid, 2)]))).unwrap();
    tx.send(Input::Key(KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE))).unwrap();
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let clock: till::clock::SharedClock = Arc::new(till::clock::FixedClock(now()));
    let mut bell = Vec::new();
    let board = Board::new(jiff::tz::TimeZone::UTC, None);
    till::board::run(&mut terminal, board, &shop(), &mut inputs, &clock, &mut bell).await.unwrap();
    assert_eq!(bell, b"\x07");
    assert!(text(&terminal).contains("paid 12.50 USD"), "{}", text(&terminal));
}

#[test]
fn json_lines_for_each_update_and_each_notice() {
    let mut b = Board::new(jiff::tz::TimeZone::UTC, None);
    let first = snapshot();
    let notices = b.apply(first.clone(), now());
    let lines = json::lines(&first, &notices, None);
    assert_eq!(lines.len(), 1);
    let v: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(v["event"], "snapshot");
    assert_eq!(v["rows"], 7);
    assert_eq!(v["terminals"][2]["unreachable"][0], "xpays");

    let paid = BoardUpdate::Rows(vec![row("a1000001", "T1", "12.50", LN, Status::Paid, 2)]);
    let notices = b.apply(paid.clone(), now());
    let lines: Vec<serde_json::Value> =
        json::lines(&paid, &notices, None).iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines[0]["event"], "row");
    assert_eq!(lines[0]["reference"], "a1000001");
    assert_eq!(lines[0]["terminal"], "T1");
    assert_eq!(lines[0]["status"], "paid");
    assert_eq!(lines[0]["watched_by"], serde_json::Value::Null);
    assert_eq!(lines[1]["event"], "notice");
    assert_eq!(lines[1]["kind"], "paid");
    assert_eq!(lines[1]["amount"], "12.50 USD");
    // Under --terminal T2, T1's change is not written.
    assert!(json::lines(&paid, &notices, Some("T2")).is_empty());

    let lost = BoardUpdate::Lost("the database does not answer".into());
    let lines = json::lines(&lost, &b.apply(lost.clone(), now()), None);
    assert_eq!(lines, [r#"{"event":"lost","message":"the database does not answer"}"#]);
}
