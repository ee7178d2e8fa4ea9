//! The board's state: what the feed's updates make of it.

use super::*;
use crate::core::invoice::{Payload, PayloadKind};
use crate::core::method::{MethodId, PaymentMethod, ProviderId};
use crate::core::money::Currency;
use crate::core::record::{RecordState, SaleRecord};
use crate::core::status::Origin;
use crate::journal::fleet::{BoardRow, BoardUpdate, TerminalState};
use crate::tui::screens::dashboard::Filter;
use rust_decimal::Decimal;

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn now() -> Timestamp {
    t("2026-12-04T14:05:00Z")
}

fn record(reference: &str, terminal: &str, amount: &str, currency: &str, status: Status) -> SaleRecord {
    let created = t("2026-12-04T14:00:00Z");
    let fiat = Money::new(amount.parse::<Decimal>().unwrap(), Currency::from_code(currency).unwrap());
    SaleRecord {
        reference: Reference::parse(reference).unwrap(),
        method: PaymentMethod::new(ProviderId::Xpay, MethodId::Lightning),
        fiat,
        state: RecordState::Created,
        started_at: created,
        terminal: terminal.into(),
        gateway_id: Some(format!("gw-{reference}")),
        crypto: None,
        payload: Some(Payload { kind: PayloadKind::Lightning, qr: "lnbc1".into(), text: "lnbc1".into() }),
        created_at: Some(created),
        expires_at: Some(t("2026-12-04T14:15:00Z")),
        status,
        origin: Origin::Gateway,
        raw: String::new(),
        received: None,
        tx_id: None,
        note: None,
        breakdown: None,
    }
}

fn row(reference: &str, terminal: &str, status: Status) -> BoardRow {
    BoardRow { record: record(reference, terminal, "12.50", "USD", status), watched_by: None }
}

fn alive(terminal: &str) -> TerminalState {
    TerminalState { terminal: terminal.into(), alive: true, last_seen: now(), unreachable: Vec::new() }
}

fn snapshot(rows: Vec<BoardRow>, terminals: Vec<TerminalState>) -> BoardUpdate {
    BoardUpdate::Snapshot { rows, terminals, at: now() }
}

fn board() -> Board {
    Board::new(TimeZone::UTC, None)
}

#[test]
fn the_first_snapshot_fills_the_board_and_raises_no_notice() {
    let mut b = board();
    assert_eq!(b.link, Link::Connecting);
    let notices = b.apply(
        snapshot(vec![row("aaaa0001", "T1", Status::Paid), row("aaaa0002", "T2", Status::Pending)], vec![alive("T1")]),
        now(),
    );
    assert!(notices.is_empty());
    assert!(b.reachable());
    assert_eq!(b.watches.len(), 2);
    assert_eq!(b.terminal_names(), ["T1", "T2"]);
}

#[test]
fn a_row_newly_paid_raises_one_paid_notice_and_replaces_the_row() {
    let mut b = board();
    b.apply(snapshot(vec![row("aaaa0001", "T1", Status::Pending)], vec![]), now());
    let notices = b.apply(BoardUpdate::Rows(vec![row("aaaa0001", "T1", Status::Paid)]), now());
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].kind, NoticeKind::Paid);
    assert_eq!(notices[0].terminal, "T1");
    assert_eq!(b.watches.len(), 1);
    assert_eq!(*b.watches[0].status(), Status::Paid);
    assert_eq!(b.watches[0].finished_at, Some(now()));
    // The same status again is no news.
    assert!(b.apply(BoardUpdate::Rows(vec![row("aaaa0001", "T1", Status::Paid)]), now()).is_empty());
    assert_eq!(b.notices.len(), 1);
}

#[test]
fn expired_underpaid_and_paid_late_need_attention() {
    let mut b = board();
    b.apply(
        snapshot(vec![row("aaaa0001", "T1", Status::Pending), row("aaaa0002", "T1", Status::Expired)], vec![]),
        now(),
    );
    let mut late = row("aaaa0002", "T1", Status::Paid);
    late.record.note = Some("paid late (after expiry, seen 2026-12-04T14:20:00Z)".into());
    let notices = b.apply(BoardUpdate::Rows(vec![row("aaaa0001", "T1", Status::ExpiredUnderpaid), late]), now());
    let kinds: Vec<_> = notices.iter().map(|n| (n.reference.as_str().to_string(), n.kind)).collect();
    assert_eq!(
        kinds,
        [("aaaa0001".to_string(), NoticeKind::Attention), ("aaaa0002".to_string(), NoticeKind::Attention)]
    );
    assert!(notices[1].note.as_deref().unwrap().starts_with("paid late"));
}

#[test]
fn lost_until_the_next_snapshot_which_tells_what_changed_meanwhile() {
    let mut b = board();
    b.apply(snapshot(vec![row("aaaa0001", "T1", Status::Pending)], vec![]), now());
    b.apply(BoardUpdate::Lost("the database does not answer".into()), now());
    assert!(!b.reachable());
    assert_eq!(b.link, Link::Lost("the database does not answer".into()));
    // The rows stay on screen while the store is out of reach.
    assert_eq!(b.watches.len(), 1);
    let notices = b.apply(snapshot(vec![row("aaaa0001", "T1", Status::Paid)], vec![]), now());
    assert!(b.reachable());
    assert_eq!(notices.len(), 1, "paid while the store was out of reach");
}

#[test]
fn a_first_snapshot_after_a_failed_connect_raises_no_notice_either() {
    let mut b = board();
    b.apply(BoardUpdate::Lost("the database does not answer".into()), now());
    assert!(b.apply(snapshot(vec![row("aaaa0001", "T1", Status::Paid)], vec![]), now()).is_empty());
}

#[test]
fn a_row_stored_without_its_payload_still_shows() {
    let mut b = board();
    let mut r = row("aaaa0001", "T1", Status::Pending);
    r.record.payload = None;
    r.record.gateway_id = None;
    b.apply(snapshot(vec![r], vec![]), now());
    assert_eq!(b.listing(now()).rows.len(), 1);
}

#[test]
fn totals_per_terminal_count_todays_paid_sales_per_currency_and_the_open_ones() {
    let mut b = board();
    let mut yesterday = row("aaaa0004", "T1", Status::Paid);
    yesterday.record.started_at = t("2026-12-03T10:00:00Z");
    let eur = BoardRow { record: record("aaaa0005", "T1", "3", "EUR", Status::Paid), watched_by: None };
    b.apply(
        snapshot(
            vec![
                row("aaaa0001", "T1", Status::Paid),
                row("aaaa0002", "T1", Status::Paid),
                row("aaaa0003", "T1", Status::Pending),
                yesterday,
                eur,
                row("aaaa0006", "T2", Status::Expired),
            ],
            vec![alive("T1"), alive("T3")],
        ),
        now(),
    );
    let totals = b.totals(now());
    let names: Vec<&str> = totals.iter().map(|t| t.terminal.as_str()).collect();
    assert_eq!(names, ["T1", "T2", "T3"]);
    let t1 = &totals[0];
    assert_eq!((t1.paid, t1.open), (3, 1));
    let sums: Vec<String> = t1.sums.iter().map(ToString::to_string).collect();
    assert_eq!(sums, ["3.00 EUR", "25.00 USD"]);
    assert!(t1.state.as_ref().unwrap().alive);
    assert_eq!((totals[1].paid, totals[1].open), (0, 0));
    assert!(totals[1].state.is_none());
}

#[test]
fn the_terminal_filter_keeps_what_a_terminal_made_or_watches_and_cycles() {
    let mut b = board();
    let mut taken = row("aaaa0003", "T2", Status::Pending);
    taken.watched_by = Some("T1".into());
    b.apply(
        snapshot(vec![row("aaaa0001", "T1", Status::Pending), row("aaaa0002", "T2", Status::Pending), taken], vec![]),
        now(),
    );
    assert_eq!(b.listing(now()).rows.len(), 3);
    b.key(KeyCode::Char('t'), false, now());
    assert_eq!(b.terminal.as_deref(), Some("T1"));
    let refs: Vec<&str> = b.listing(now()).rows.iter().map(|&i| b.watches[i].invoice.reference.as_str()).collect();
    assert_eq!(refs.len(), 2);
    assert!(refs.contains(&"aaaa0003"));
    assert_eq!(b.totals(now()).len(), 1);
    b.key(KeyCode::Char('t'), false, now());
    assert_eq!(b.terminal.as_deref(), Some("T2"));
    b.key(KeyCode::Char('t'), false, now());
    assert_eq!(b.terminal, None);
    assert_eq!(b.owners[2].label(), "T2 · watched by T1");
}

#[test]
fn keys_filter_select_open_the_help_and_quit_without_touching_a_sale() {
    let mut b = board();
    b.apply(snapshot(vec![row("aaaa0001", "T1", Status::Pending), row("aaaa0002", "T1", Status::Paid)], vec![]), now());
    let before = b.watches.clone();
    b.key(KeyCode::Char('f'), false, now());
    assert_eq!(b.view.filter, Filter::Open);
    assert_eq!(b.listing(now()).rows.len(), 1);
    b.key(KeyCode::Char('?'), false, now());
    assert!(b.help);
    b.key(KeyCode::Char('x'), false, now());
    assert!(!b.help && !b.quit);
    b.key(KeyCode::Char('q'), false, now());
    assert!(b.quit);
    assert_eq!(b.watches, before);
}

#[test]
fn idle_unless_something_counts_down_or_is_about_to_leave() {
    let mut b = board();
    assert_eq!(b.idle_for(now()), None);
    b.apply(snapshot(vec![row("aaaa0001", "T1", Status::Pending)], vec![]), now());
    assert_eq!(b.idle_for(now()), Some(std::time::Duration::from_secs(1)));
    b.apply(BoardUpdate::Rows(vec![row("aaaa0001", "T1", Status::Paid)]), now());
    // Finished now: it leaves the list after the dashboard's linger.
    assert_eq!(b.idle_for(now()), Some(LINGER.unsigned_abs()));
    let later = now() + LINGER;
    assert_eq!(b.idle_for(later), None);
}
