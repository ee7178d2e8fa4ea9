//! The journal on disk: migrations, the write path of a sale, the lock, and
//! the report and CSV built from it.

mod support;

use jiff::Timestamp;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use support::*;
use till::core::invoice::{CryptoAmount, Reference};
use till::core::method::{MethodId, PaymentMethod, ProviderId};
use till::core::money::{Currency, Money};
use till::core::record::{RecordState, SaleRecord};
use till::core::report;
use till::core::status::{Origin, Status};
use till::core::watch::{Change, Watch};
use till::journal::{self, JournalError, SqliteJournal, Store};

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

#[test]
fn a_new_journal_is_created_at_the_current_schema() {
    let dir = tempfile::tempdir().unwrap();
    SqliteJournal::open(dir.path()).unwrap();
    let conn = rusqlite::Connection::open(dir.path().join(journal::FILE)).unwrap();
    let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(v, journal::schema::CURRENT);
    let tables: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master WHERE type='table' AND name IN ('invoices','events')", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(tables, 2);
}

#[test]
fn an_empty_file_is_migrated_from_version_0() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(journal::FILE), b"").unwrap();
    let j = SqliteJournal::open(dir.path()).unwrap();
    assert!(j.to_watch(Timestamp::MIN).unwrap().is_empty());
    // Opening again is a no-op migration.
    drop(j);
    SqliteJournal::open(dir.path()).unwrap();
}

#[test]
fn each_migration_step_applies_in_order() {
    // Every earlier version (today only version 0) migrates to the current one.
    for from in 0..journal::schema::CURRENT {
        let dir = tempfile::tempdir().unwrap();
        let conn = rusqlite::Connection::open(dir.path().join(journal::FILE)).unwrap();
        for step in 0..from {
            conn.execute_batch(journal::schema::MIGRATIONS[step as usize]).unwrap();
        }
        conn.pragma_update(None, "user_version", from).unwrap();
        drop(conn);
        SqliteJournal::open(dir.path()).unwrap();
        let conn = rusqlite::Connection::open(dir.path().join(journal::FILE)).unwrap();
        let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, journal::schema::CURRENT, "from {from}");
    }
}

#[test]
fn a_journal_from_a_newer_till_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(journal::FILE);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("CREATE TABLE future (x); INSERT INTO future VALUES (1);").unwrap();
    conn.pragma_update(None, "user_version", journal::schema::CURRENT + 1).unwrap();
    drop(conn);
    let before = std::fs::read(&path).unwrap();
    let files_before: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    let err = SqliteJournal::open(dir.path()).err().expect("refused");
    assert!(matches!(err, JournalError::Newer { .. }), "{err}");
    assert!(err.to_string().contains("newer till"), "{err}");
    assert!(matches!(SqliteJournal::open_read_only(dir.path()), Err(JournalError::Newer { .. })));
    assert_eq!(std::fs::read(&path).unwrap(), before, "not a byte changed");
    let files_after: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(files_before, files_after, "no WAL or other file created");
}

#[test]
fn a_second_till_on_the_same_data_dir_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let first = journal::lock(dir.path()).unwrap();
    let err = journal::lock(dir.path()).unwrap_err();
    assert!(err.to_string().contains("another till is already running"), "{err}");
    drop(first);
    journal::lock(dir.path()).unwrap();
}

#[test]
fn a_sale_is_journaled_from_intent_to_final_with_every_status_change() {
    let dir = tempfile::tempdir().unwrap();
    let j = SqliteJournal::open(dir.path()).unwrap();
    let inv = tron_invoice();
    let r = inv.reference.clone();
    j.record_intent(&r, inv.method, &inv.fiat, None, "till-1", inv.created_at).unwrap();
    assert_eq!(j.unresolved().unwrap().len(), 1, "an unanswered create is found at the next start");
    j.record_created(&inv, "till-1", inv.created_at).unwrap();
    assert!(j.unresolved().unwrap().is_empty());
    let watched = j.to_watch(Timestamp::MIN).unwrap();
    assert_eq!(watched.len(), 1);
    assert_eq!(watched[0].invoice().unwrap(), inv, "the invoice comes back exactly");

    let mut w = Watch::new(inv.clone(), inv.created_at);
    w.invoice.status = Status::Paid;
    w.invoice.received = Some(usd_amount("12.50"));
    w.tx_id = Some("tx-1".into());
    let change = Change { from: Status::Pending, to: Status::Paid, origin: Origin::Gateway, note: None };
    j.record_status(&w, &change, t("2024-08-20T10:25:00Z")).unwrap();
    assert!(j.to_watch(Timestamp::MIN).unwrap().is_empty(), "a paid invoice needs no more watching");
    let rec = j.find(r.as_str()).unwrap().unwrap();
    assert_eq!(rec.status, Status::Paid);
    assert_eq!(rec.tx_id.as_deref(), Some("tx-1"));
    assert_eq!(j.find(&inv.id).unwrap().unwrap().reference, r, "found by the gateway's id too");
    let events: Vec<_> = j.events(&r).unwrap().into_iter().map(|e| (e.old, e.new)).collect();
    assert_eq!(events, vec![(None, "pending".to_string()), (Some("pending".into()), "paid".into())]);
}

#[test]
fn the_event_log_is_append_only() {
    let dir = tempfile::tempdir().unwrap();
    let j = SqliteJournal::open(dir.path()).unwrap();
    let inv = tron_invoice();
    j.record_created(&inv, "till-1", inv.created_at).unwrap();
    drop(j);
    let conn = rusqlite::Connection::open(dir.path().join(journal::FILE)).unwrap();
    assert!(conn.execute("UPDATE events SET new_status = 'paid'", []).is_err());
    assert!(conn.execute("DELETE FROM events", []).is_err());
}

#[test]
fn a_locally_expired_invoice_stays_watched_for_a_late_payment() {
    let dir = tempfile::tempdir().unwrap();
    let j = SqliteJournal::open(dir.path()).unwrap();
    let inv = tron_invoice();
    j.record_created(&inv, "till-1", inv.created_at).unwrap();
    let mut w = Watch::new(inv.clone(), inv.created_at);
    w.invoice.status = Status::Expired;
    w.origin = Origin::Local;
    let change = Change { from: Status::Pending, to: Status::Expired, origin: Origin::Local, note: None };
    j.record_status(&w, &change, inv.expires_at).unwrap();
    let watched = j.to_watch(Timestamp::MIN).unwrap();
    assert_eq!(watched.len(), 1);
    let back = watched[0].watch(inv.expires_at).unwrap();
    assert_eq!(back.origin, Origin::Local);
    assert_eq!(back.status(), &Status::Expired);
}

fn record(
    method: MethodId,
    fiat: &str,
    crypto: (&str, &str),
    status: Status,
    state: RecordState,
    received: Option<&str>,
    n: u32,
) -> SaleRecord {
    let started = t("2026-11-21T09:00:00Z") + jiff::SignedDuration::from_mins(i64::from(n));
    SaleRecord {
        reference: Reference::parse(&format!("ref-{n}")).unwrap(),
        method: PaymentMethod::new(ProviderId::Xpay, method),
        fiat: usd_amount(fiat),
        state,
        started_at: started,
        terminal: "till-1".into(),
        gateway_id: Some(format!("bill-{n}")),
        crypto: Some(CryptoAmount { amount: crypto.0.parse().unwrap(), unit: crypto.1.into() }),
        payload: None,
        created_at: Some(started),
        expires_at: Some(started + jiff::SignedDuration::from_mins(30)),
        status,
        origin: Origin::Gateway,
        raw: String::new(),
        received: received.map(usd_amount),
        tx_id: None,
        note: if n == 1 { Some("said \"hi\", then paid".into()) } else { None },
        breakdown: None,
    }
}

fn fixture() -> Vec<SaleRecord> {
    use MethodId::{Lightning as L, UsdtTron as T};
    use RecordState::{Created as C, NotCreated as N};
    vec![
        record(L, "10.00", ("16454", "sat"), Status::Paid, C, Some("10.00"), 1),
        record(L, "2.50", ("4151", "sat"), Status::Paid, C, Some("2.50"), 2),
        record(T, "12.50", ("12.5", "USDT"), Status::Paid, C, Some("12.50"), 3),
        record(T, "5.00", ("5", "USDT"), Status::Expired, C, None, 4),
        record(T, "20.00", ("20", "USDT"), Status::ExpiredUnderpaid, C, Some("10.00"), 5),
        record(L, "1.00", ("100", "sat"), Status::Canceled, C, None, 6),
        record(L, "3.00", ("300", "sat"), Status::Pending, C, None, 7),
        record(L, "7.00", ("700", "sat"), Status::Pending, N, None, 8),
        record(T, "8.00", ("8", "USDT"), Status::Underpaid, C, Some("4.00"), 9),
    ]
}

fn usd_map(v: &str) -> BTreeMap<String, Decimal> {
    BTreeMap::from([("USD".to_string(), v.parse().unwrap())])
}

#[test]
fn the_report_adds_up_to_the_hand_computed_totals() {
    let r = report::build(&fixture());
    let ln = PaymentMethod::new(ProviderId::Xpay, MethodId::Lightning);
    let tron = PaymentMethod::new(ProviderId::Xpay, MethodId::UsdtTron);
    // Takings: 10.00 + 2.50 by Lightning (16454 + 4151 sat), 12.50 by TRON.
    assert_eq!(r.paid_by_method[&ln].count, 2);
    assert_eq!(r.paid_by_method[&ln].fiat, usd_map("12.50"));
    assert_eq!(r.paid_by_method[&ln].crypto, BTreeMap::from([("sat".to_string(), Decimal::from(20605))]));
    assert_eq!(r.paid_by_method[&tron].count, 1);
    assert_eq!(r.paid_by_method[&tron].crypto, BTreeMap::from([("USDT".to_string(), "12.5".parse().unwrap())]));
    let finals = &r.by_final_status;
    assert_eq!((finals["paid"].count, &finals["paid"].fiat), (3, &usd_map("25.00")));
    assert_eq!((finals["expired"].count, &finals["expired"].fiat), (1, &usd_map("5.00")));
    assert_eq!((finals["expired_underpaid"].count, &finals["expired_underpaid"].fiat), (1, &usd_map("20.00")));
    assert_eq!((finals["canceled"].count, &finals["canceled"].fiat), (1, &usd_map("1.00")));
    assert_eq!((r.open.count, &r.open.fiat), (2, &usd_map("11.00")));
    assert_eq!(r.not_created, 1);
    assert_eq!(r.by_method[&ln].count, 4);
    assert_eq!(r.by_method[&ln].fiat, usd_map("16.50"));
    assert_eq!(r.by_method[&tron].fiat, usd_map("45.50"));
    let follow: Vec<&str> = r.follow_up.iter().map(|f| f.reference.as_str()).collect();
    assert_eq!(follow, ["ref-5", "ref-9"]);
    let text = r.to_text("Corner Café: report", &jiff::tz::TimeZone::UTC);
    assert!(text.contains("xpay:lightning"), "{text}");
    assert!(text.contains("received 10.00 USD"), "{text}");
}

/// Sums carry the currency's decimals: 10.00 + 2.50 is "12.50 USD", the two
/// open sales 3.00 + 8.00 "11.00 USD"; crypto keeps the gateway's digits.
#[test]
fn the_report_shows_sums_with_the_currencys_decimals() {
    let mut records = fixture();
    // Amounts as a gateway may store them, without trailing zeros.
    for r in &mut records {
        r.fiat.amount = r.fiat.amount.normalize();
        if let Some(m) = &mut r.received {
            m.amount = m.amount.normalize();
        }
    }
    let text = report::build(&records).to_text("Corner Café: report", &jiff::tz::TimeZone::UTC);
    for line in [
        "  xpay:lightning                  2         12.50 USD  20605 sat",
        "  xpay:usdt-tron                  1         12.50 USD  12.5 USDT",
        "  paid                            3         25.00 USD  12.5 USDT + 20605 sat",
        "  expired                         1          5.00 USD  5 USDT",
    ] {
        assert!(text.lines().any(|l| l == line), "no line {line:?} in\n{text}");
    }
    assert!(!text.replace("USDT", "").contains("12.5 USD"), "{text}");
    assert!(text.contains("received 10.00 USD"), "{text}");
    let jpy = Currency::from_code("JPY").unwrap();
    for r in &mut records {
        r.fiat = Money::new(Decimal::from(1500), jpy.clone());
    }
    let text = report::build(&records[..1]).to_text("Shop", &jiff::tz::TimeZone::UTC);
    assert!(text.contains(" 1500 JPY "), "a currency without decimals: {text}");
}

#[test]
fn the_csv_received_column_carries_the_currencys_decimals() {
    let mut r = fixture().remove(2);
    r.received = Some(Money::new("12.5".parse().unwrap(), usd()));
    r.fiat.amount = "12.5".parse().unwrap();
    let row = till::ledger::csv_row(&r, &jiff::tz::TimeZone::UTC);
    assert_eq!((row[5].as_str(), row[7].as_str(), row[11].as_str()), ("12.50", "12.5", "12.50"));
}

#[test]
fn history_csv_parses_back_to_the_same_rows() {
    let records = fixture();
    let tz = jiff::tz::TimeZone::get("Europe/Berlin").unwrap();
    let mut out = Vec::new();
    till::ledger::write_csv(&mut out, &records, &tz).unwrap();
    let mut reader = csv::Reader::from_reader(out.as_slice());
    assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), till::ledger::CSV_HEADER);
    let rows: Vec<Vec<String>> = reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect();
    let want: Vec<Vec<String>> = records.iter().map(|r| till::ledger::csv_row(r, &tz).to_vec()).collect();
    assert_eq!(rows, want);
    assert_eq!(rows[0][13], "said \"hi\", then paid", "quotes and commas survive");
    assert_eq!(rows[0][0], "2026-11-21T10:01:00+01:00", "local time of the shop");
}

#[test]
fn history_days_follow_the_shops_time_zone() {
    let dir = tempfile::tempdir().unwrap();
    let j = SqliteJournal::open(dir.path()).unwrap();
    let tz = jiff::tz::TimeZone::get("America/New_York").unwrap();
    // 03:30 UTC on the 21st is still the 20th in New York.
    let late_evening = t("2026-11-21T03:30:00Z");
    let morning = t("2026-11-21T14:00:00Z");
    for (i, at) in [late_evening, morning].into_iter().enumerate() {
        let r = Reference::parse(&format!("day-{i}")).unwrap();
        j.record_intent(&r, PaymentMethod::new(ProviderId::Xpay, MethodId::Lightning), &usd_amount("1"), None, "t", at)
            .unwrap();
    }
    let (from, until) = report::day_bounds(jiff::civil::date(2026, 11, 21), &tz).unwrap();
    let day: Vec<_> = j.between(from, until).unwrap().into_iter().map(|r| r.reference.to_string()).collect();
    assert_eq!(day, ["day-1"]);
    let (from, until) = report::day_bounds(jiff::civil::date(2026, 11, 20), &tz).unwrap();
    assert_eq!(j.between(from, until).unwrap().len(), 1);
}

#[test]
fn a_receipt_names_everything_the_customer_may_ask_for() {
    let mut r = fixture().remove(0);
    r.tx_id = Some("b0c7264802344f60".into());
    let text = till::core::receipt::text(&r, "Corner Café", &jiff::tz::TimeZone::UTC);
    for want in [
        "Corner Café",
        "Terminal till-1",
        "2026-11-21 09:01:00",
        "10.00 USD",
        "16454 sat",
        "Bitcoin Lightning (xPay)",
        "bill-1",
        "b0c7264802344f60",
        "PAID",
    ] {
        assert!(text.contains(want), "{want} missing in\n{text}");
    }
    let _ = Money::new(Decimal::ONE, usd());
}

/// Journals one invoice (its own reference and expiry) and then `status`, said by `origin`.
fn journal_sale(j: &SqliteJournal, n: u32, expires_at: Timestamp, status: Status, origin: Origin) {
    let mut inv = tron_invoice();
    inv.reference = Reference::parse(&format!("late-{n}")).unwrap();
    inv.id = format!("bill-late-{n}");
    inv.created_at = expires_at - jiff::SignedDuration::from_mins(30);
    inv.expires_at = expires_at;
    j.record_created(&inv, "till-1", inv.created_at).unwrap();
    if status != Status::Pending {
        let mut w = Watch::new(inv.clone(), inv.created_at);
        w.invoice.status = status.clone();
        w.origin = origin;
        let change = Change { from: Status::Pending, to: status, origin, note: None };
        j.record_status(&w, &change, expires_at).unwrap();
    }
}

fn references(records: &[SaleRecord]) -> Vec<String> {
    let mut refs: Vec<String> = records.iter().map(|r| r.reference.to_string()).collect();
    refs.sort();
    refs
}

#[test]
fn to_watch_returns_open_sales_and_expired_ones_still_in_their_late_window() {
    let dir = tempfile::tempdir().unwrap();
    let j = SqliteJournal::open(dir.path()).unwrap();
    let now = t("2026-11-21T12:00:00Z");
    let hours = |h: i64| now - jiff::SignedDuration::from_hours(h);
    journal_sale(&j, 1, hours(2), Status::Expired, Origin::Gateway);
    journal_sale(&j, 2, hours(23), Status::ExpiredUnderpaid, Origin::Gateway);
    journal_sale(&j, 3, hours(3), Status::Expired, Origin::Local);
    journal_sale(&j, 4, hours(25), Status::Expired, Origin::Gateway);
    journal_sale(&j, 5, hours(30), Status::Expired, Origin::Local);
    journal_sale(&j, 6, hours(1), Status::Paid, Origin::Gateway);
    journal_sale(&j, 7, hours(1), Status::Canceled, Origin::Gateway);
    // Open ones are watched however old their expiry (an unknown status waits for an operator).
    journal_sale(&j, 8, hours(100), Status::Unknown("HOLD".into()), Origin::Gateway);
    journal_sale(&j, 9, now + jiff::SignedDuration::from_mins(10), Status::Pending, Origin::Gateway);
    let window_start = now - jiff::SignedDuration::from_hours(24);
    let watched = j.to_watch(window_start).unwrap();
    assert_eq!(references(&watched), ["late-1", "late-2", "late-3", "late-8", "late-9"]);
    assert!(watched.windows(2).all(|p| p[0].started_at <= p[1].started_at), "oldest first");
    // A narrower window, and none at all: only the open ones.
    assert_eq!(references(&j.to_watch(hours(3)).unwrap()), ["late-1", "late-8", "late-9"]);
    assert_eq!(references(&j.to_watch(Timestamp::MAX).unwrap()), ["late-8", "late-9"]);
}

#[test]
fn migration_3_takes_a_version_2_journal_and_watches_its_expired_sales() {
    let now = t("2026-11-21T12:00:00Z");
    // A version-2 file holding sales, as a version-2 till left it.
    let dir = tempfile::tempdir().unwrap();
    let conn = rusqlite::Connection::open(dir.path().join(journal::FILE)).unwrap();
    conn.execute_batch(journal::schema::MIGRATIONS[0]).unwrap();
    conn.execute_batch(journal::schema::MIGRATIONS[1]).unwrap();
    for (n, status, origin, hours_ago) in [
        (1, "expired", "gateway", 2),
        (2, "expired", "local", 2),
        (3, "expired", "gateway", 30),
        (4, "pending", "gateway", -1),
    ] {
        let expires = (now - jiff::SignedDuration::from_hours(hours_ago)).as_millisecond();
        conn.execute(
            "INSERT INTO invoices (reference, terminal, provider, method, fiat_amount, currency, state, started_at,
                gateway_id, payload_kind, payload_qr, payload_text, created_at, expires_at, status, origin, updated_at)
             VALUES (?1, 't', 'xpay', 'usdt-tron', '1', 'USD', 'created', ?2, ?1, 'address', 'T', 'T', ?2, ?3, ?4, ?5, ?2)",
            rusqlite::params![format!("v2-{n}"), expires - 1_800_000, expires, status, origin],
        )
        .unwrap();
    }
    conn.pragma_update(None, "user_version", 2).unwrap();
    drop(conn);

    let j = SqliteJournal::open(dir.path()).unwrap();
    let watched = j.to_watch(now - jiff::SignedDuration::from_hours(24)).unwrap();
    assert_eq!(references(&watched), ["v2-1", "v2-2", "v2-4"], "the gateway's expiry in its window is watched now");
    drop(j);
    let conn = rusqlite::Connection::open(dir.path().join(journal::FILE)).unwrap();
    let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(v, journal::schema::CURRENT);
    let indexes: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'invoices_%' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        indexes,
        ["invoices_gateway_id", "invoices_late", "invoices_open", "invoices_started", "invoices_unresolved"]
    );
    // The query reads the window through its index, never the whole table.
    let plan: Vec<String> = conn
        .prepare(&format!("EXPLAIN QUERY PLAN {}", journal::schema::to_watch("reference, started_at")))
        .unwrap()
        .query_map([0i64], |r| r.get::<_, String>(3))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(plan.iter().any(|p| p.contains("invoices_late") && p.contains("expires_at>?")), "{plan:?}");
    assert!(plan.iter().any(|p| p.contains("invoices_open")), "{plan:?}");
    assert!(!plan.iter().any(|p| p.starts_with("SCAN invoices") && !p.contains("INDEX")), "{plan:?}");
}

#[test]
fn the_report_counts_paid_late_apart_from_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let j = SqliteJournal::open(dir.path()).unwrap();
    let expires = t("2026-11-21T10:30:00Z");
    journal_sale(&j, 1, expires, Status::Paid, Origin::Gateway);
    journal_sale(&j, 2, expires, Status::Expired, Origin::Gateway);
    // Expired, then paid: both steps in the event log, paid with the note.
    journal_sale(&j, 3, expires, Status::Expired, Origin::Gateway);
    let r3 = Reference::parse("late-3").unwrap();
    let mut w = j.find("late-3").unwrap().unwrap().watch(expires).unwrap();
    w.invoice.status = Status::Paid;
    w.note = Some("paid late (after expiry, seen 2026-11-21T13:00:00Z)".into());
    let change = Change { from: Status::Expired, to: Status::Paid, origin: Origin::Gateway, note: w.note.clone() };
    j.record_status(&w, &change, t("2026-11-21T13:00:00Z")).unwrap();
    let steps: Vec<_> = j.events(&r3).unwrap().into_iter().map(|e| (e.old, e.new)).collect();
    assert_eq!(
        steps,
        [
            (None, "pending".to_string()),
            (Some("pending".into()), "expired".into()),
            (Some("expired".into()), "paid".into())
        ]
    );

    let r = report::build(&j.between(t("2026-11-21T00:00:00Z"), t("2026-11-22T00:00:00Z")).unwrap());
    assert_eq!(r.by_final_status["paid"].count, 2, "a late payment is still takings");
    assert_eq!(r.by_final_status["expired"].count, 1);
    assert_eq!(r.paid_late.count, 1);
    assert_eq!(r.paid_late.fiat, usd_map("12.50"));
    assert_eq!(r.paid_late_sales[0].reference, r3);
    let text = till::ledger::day_report(&j, jiff::civil::date(2026, 11, 21), &jiff::tz::TimeZone::UTC, "Shop").unwrap();
    let late = text.split("Paid late").nth(1).unwrap_or_else(|| panic!("no paid-late section in\n{text}"));
    assert!(late.contains("paid after the invoice expired") && late.contains("late-3"), "{text}");
    assert!(!late.split("Still open").next().unwrap().contains("late-1"), "{text}");
}
