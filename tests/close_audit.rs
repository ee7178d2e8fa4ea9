//! The review of the day's close: an edit of a sale's money or status in the
//! `invoices` table is named by `till close --verify`; no sale falls between
//! two closes; a payment after its day's close reaches the next close; a
//! column changed to another type, or a damaged last hash, is named rather
//! than failing; the report and the close agree on sales without a
//! breakdown; `till close` without a journal refuses.

mod support;

use jiff::Timestamp;
use jiff::civil::{Date, date};
use jiff::tz::TimeZone;
use rust_decimal::Decimal;
use std::path::Path;
use std::process::Output;
use support::*;
use till::core::invoice::{Invoice, Reference};
use till::core::method::{MethodId, PaymentMethod, ProviderId};
use till::core::status::{Origin, Status};
use till::core::tax::{Breakdown, TaxRate};
use till::core::watch::{Change, Watch};
use till::journal::{self, Break, SqliteJournal, Store};

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn ln() -> PaymentMethod {
    PaymentMethod::new(ProviderId::Xpay, MethodId::Lightning)
}

fn vat() -> TaxRate {
    TaxRate { name: "VAT".into(), rate: dec("19") }
}

/// A sale created at `at` (with a breakdown when `tip` is given), then moved
/// to `status` two minutes later.
fn sale(j: &SqliteJournal, reference: &str, amount: &str, at: &str, status: Status, tip: Option<&str>) -> Invoice {
    let at = t(at);
    let mut inv: Invoice = tron_invoice();
    inv.reference = Reference::parse(reference).unwrap();
    inv.id = format!("gw-{reference}");
    inv.method = ln();
    inv.fiat = usd_amount(amount);
    let breakdown = tip.map(|tip| Breakdown::compute(&inv.fiat, Some(&vat()), true, &usd_amount(tip)));
    if let Some(b) = &breakdown {
        inv.fiat = b.total.clone();
    }
    inv.created_at = at;
    inv.expires_at = at + jiff::SignedDuration::from_mins(15);
    j.record_intent(&inv.reference, inv.method, &inv.fiat, breakdown.as_ref(), "till-1", at).unwrap();
    j.record_created(&inv, "till-1", at).unwrap();
    if status != Status::Pending {
        set_status(j, &inv, Status::Pending, status, at + jiff::SignedDuration::from_mins(2));
    }
    inv
}

fn set_status(j: &SqliteJournal, inv: &Invoice, from: Status, to: Status, at: Timestamp) {
    let mut w = Watch::new(inv.clone(), at);
    w.invoice.status = to.clone();
    let change = Change { from, to, origin: Origin::Gateway, note: None };
    j.record_status(&w, &change, at).unwrap();
}

fn close(j: &SqliteJournal, day: Date, at: &str) -> till::core::close::ZReport {
    j.close_day(day, &TimeZone::UTC, "till-1", t(at)).unwrap()
}

/// The config the binary runs with: UTC, so the day is the test's.
const CONFIG: &str = support::proc::UTC_CONFIG;

fn till(dir: &Path, args: &[&str]) -> Output {
    support::proc::till_in(dir, CONFIG, args)
}

fn out(o: &Output) -> String {
    support::proc::said(o)
}

/// SQL as a tamperer runs it (the event log's update trigger dropped).
fn tamper(db: &Path, sql: &str) {
    let sql = format!("DROP TRIGGER IF EXISTS events_append_only_update; {sql}");
    rusqlite::Connection::open(db).unwrap().execute_batch(&sql).unwrap();
}

/// A closed day of three sales (one without a breakdown), in `dir/data`.
fn closed_day(dir: &Path) -> std::path::PathBuf {
    let data = dir.join("data");
    let j = SqliteJournal::open(&data).unwrap();
    sale(&j, "dddd00000000001", "10.00", "2026-12-04T09:00:00Z", Status::Paid, Some("1.00"));
    sale(&j, "dddd00000000002", "5.00", "2026-12-04T10:00:00Z", Status::Paid, None);
    sale(&j, "dddd00000000003", "7.00", "2026-12-04T11:00:00Z", Status::Expired, Some("0"));
    close(&j, date(2026, 12, 4), "2026-12-04T20:00:00Z");
    assert_eq!(j.verify().unwrap().broken, None);
    data.join(journal::FILE)
}

#[test]
fn an_edit_of_a_closed_sales_money_or_status_is_named() {
    for (reference, sql) in [
        ("dddd00000000002", "UPDATE invoices SET fiat_amount = '1.00' WHERE reference = 'dddd00000000002'"),
        ("dddd00000000001", "UPDATE invoices SET tip_amount = '0' WHERE reference = 'dddd00000000001'"),
        ("dddd00000000003", "UPDATE invoices SET status = 'paid' WHERE reference = 'dddd00000000003'"),
        ("dddd00000000002", "UPDATE invoices SET fiat_amount = 'abc' WHERE reference = 'dddd00000000002'"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let db = closed_day(dir.path());
        tamper(&db, sql);
        let v = SqliteJournal::open(db.parent().unwrap()).unwrap().verify().unwrap();
        assert_eq!(
            v.broken,
            Some(Break::Sale { reference: reference.into(), close: Some(date(2026, 12, 4)) }),
            "{sql}"
        );
        let o = till(dir.path(), &["close", "--verify"]);
        assert_eq!(o.status.code(), Some(1), "{}", out(&o));
        assert!(
            out(&o).contains(&format!("Sale {reference} was changed in the journal after the close of 2026-12-04"))
        );
    }
}

#[test]
fn a_skipped_day_loses_no_sales() {
    let dir = tempfile::tempdir().unwrap();
    let j = SqliteJournal::open(dir.path()).unwrap();
    sale(&j, "eeee00000000001", "1.00", "2026-12-01T10:00:00Z", Status::Paid, None);
    let first = close(&j, date(2026, 12, 1), "2026-12-01T20:00:00Z");
    sale(&j, "eeee00000000002", "2.00", "2026-12-01T21:00:00Z", Status::Paid, None);
    sale(&j, "eeee00000000003", "3.00", "2026-12-02T10:00:00Z", Status::Paid, None);
    sale(&j, "eeee00000000004", "4.00", "2026-12-03T10:00:00Z", Status::Paid, None);
    sale(&j, "eeee00000000005", "5.00", "2026-12-03T23:30:00Z", Status::Paid, None);
    sale(&j, "eeee00000000006", "6.00", "2026-12-04T00:30:00Z", Status::Paid, None);
    // Day 2 is never closed; day 3 is, at 01:00 on day 4.
    let third = close(&j, date(2026, 12, 3), "2026-12-04T01:00:00Z");
    assert_eq!(third.from, first.until);
    assert_eq!(third.totals.sales, 4, "the evening after day 1's close, day 2, day 3 and its night");
    assert_eq!(third.totals.paid.gross["USD"], dec("14.00"));
    let fourth = close(&j, date(2026, 12, 4), "2026-12-04T20:00:00Z");
    assert_eq!(fourth.totals.paid.gross["USD"], dec("6.00"), "after midnight: the next day");
    assert_eq!(j.verify().unwrap().broken, None);
}

#[test]
fn a_payment_after_its_days_close_reaches_the_next_close() {
    let dir = tempfile::tempdir().unwrap();
    let j = SqliteJournal::open(dir.path()).unwrap();
    sale(&j, "ffff00000000001", "10.00", "2026-12-04T09:00:00Z", Status::Paid, None);
    let late = sale(&j, "ffff00000000002", "7.00", "2026-12-04T18:00:00Z", Status::Expired, Some("0.50"));
    let first = close(&j, date(2026, 12, 4), "2026-12-04T20:00:00Z");
    assert_eq!(first.totals.paid.gross["USD"], dec("10.00"));
    // Paid at 21:00, after the close: the money arrived after the count.
    set_status(&j, &late, Status::Expired, Status::Paid, t("2026-12-04T21:00:00Z"));
    sale(&j, "ffff00000000003", "3.00", "2026-12-05T09:00:00Z", Status::Paid, None);
    let second = close(&j, date(2026, 12, 5), "2026-12-05T20:00:00Z");
    let listed: Vec<&str> = second.totals.paid_after_close.iter().map(|f| f.reference.as_str()).collect();
    assert_eq!(listed, ["ffff00000000002"]);
    assert_eq!(second.totals.paid_after_close_sum.gross["USD"], dec("7.50"));
    assert_eq!(second.totals.paid_after_close_sum.tips["USD"], dec("0.50"));
    assert_eq!(second.totals.paid.gross["USD"], dec("10.50"), "3.00 of the day and 7.50 paid after");
    assert_eq!(second.totals.sales, 1, "the late sale is not one of the day's sales");
    let text = second.lines("Corner", &TimeZone::UTC, 48).join("\n");
    assert!(text.contains("Paid after their day's close (1)"), "{text}");
    // Neither close changed: verify recomputes both as they were.
    assert_eq!(j.verify().unwrap().broken, None);
    // A third close does not count it again.
    let third = close(&j, date(2026, 12, 6), "2026-12-06T20:00:00Z");
    assert!(third.totals.paid_after_close.is_empty());
}

#[test]
fn a_column_changed_to_another_type_is_named_not_fatal() {
    for sql in ["UPDATE events SET at = 'x' WHERE id = 3", "UPDATE events SET note = 5 WHERE id = 3"] {
        let dir = tempfile::tempdir().unwrap();
        let db = closed_day(dir.path());
        tamper(&db, sql);
        let v = SqliteJournal::open(db.parent().unwrap()).unwrap().verify().unwrap();
        assert!(matches!(&v.broken, Some(Break::Event { id: 3, .. })), "{sql}: {v:?}");
        let o = till(dir.path(), &["close", "--verify"]);
        assert_eq!(o.status.code(), Some(1), "{}", out(&o));
        assert!(out(&o).contains("Event 3 (sale dddd00000000002"), "{}", out(&o));
    }
}

#[test]
fn a_damaged_last_hash_is_reported_by_verify_and_refused_by_the_till() {
    for hash in ["NULL", "'not hex'"] {
        let dir = tempfile::tempdir().unwrap();
        let db = closed_day(dir.path());
        tamper(&db, &format!("UPDATE events SET hash = {hash} WHERE id = (SELECT MAX(id) FROM events)"));
        let last: i64 =
            rusqlite::Connection::open(&db).unwrap().query_row("SELECT MAX(id) FROM events", [], |r| r.get(0)).unwrap();
        let o = till(dir.path(), &["close", "--verify"]);
        assert_eq!(o.status.code(), Some(1), "{}", out(&o));
        assert!(out(&o).contains(&format!("Event {last} (sale ")), "{}", out(&o));
        let refused = SqliteJournal::open(db.parent().unwrap()).err().unwrap().to_string();
        assert!(refused.contains("run till close --verify"), "{refused}");
        assert_eq!(refused.matches(". ").count(), 0, "one sentence: {refused}");
    }
}

#[test]
fn the_report_and_the_close_agree_on_sales_without_a_breakdown() {
    let dir = tempfile::tempdir().unwrap();
    let j = SqliteJournal::open(dir.path()).unwrap();
    sale(&j, "abab00000000001", "10.00", "2026-12-04T09:00:00Z", Status::Paid, Some("1.00"));
    sale(&j, "abab00000000002", "5.00", "2026-12-04T10:00:00Z", Status::Paid, None);
    let z = close(&j, date(2026, 12, 4), "2026-12-04T20:00:00Z");
    let records = j.between(t("2026-12-04T00:00:00Z"), t("2026-12-05T00:00:00Z")).unwrap();
    let report = till::core::report::build(&records);
    let split = &report.paid.split["USD"];
    assert_eq!(
        (z.totals.paid.net["USD"], z.totals.paid.tax["USD"], z.totals.paid.tips["USD"]),
        (split.net, split.tax, split.tip)
    );
    assert_eq!(split.net, dec("13.40"), "8.40 net of the new sale and 5.00 whole of the old");
    let no_tax = &report.paid_by_rate[till::core::report::NO_TAX].split["USD"];
    let in_close = &z.totals.paid_by_rate[till::core::report::NO_TAX];
    assert_eq!((in_close.count, in_close.net["USD"]), (1, no_tax.net));
}

#[test]
fn close_without_a_journal_refuses_and_creates_none() {
    let dir = tempfile::tempdir().unwrap();
    let o = till(dir.path(), &["close", "--date", "2026-12-04"]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(out(&o).contains("there is no journal in"), "{}", out(&o));
    assert!(!dir.path().join("data").join(journal::FILE).exists());
}
