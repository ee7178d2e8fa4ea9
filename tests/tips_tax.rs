//! Tips and tax: the journal keeps each sale's net, tax and tip (migration
//! 4); the report and the CSV add them up to hand-computed totals.

mod support;

use jiff::Timestamp;
use support::*;
use till::core::invoice::Reference;
use till::core::method::{MethodId, PaymentMethod, ProviderId};
use till::core::money::{Currency, Money};
use till::core::status::{Origin, Status};
use till::core::tax::{Breakdown, TaxRate};
use till::core::watch::{Change, Watch};
use till::journal::{self, SqliteJournal, Store};

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn money(a: &str, code: &str) -> Money {
    Money::new(a.parse().unwrap(), Currency::from_code(code).unwrap())
}

fn rate(name: &str, r: &str) -> TaxRate {
    TaxRate { name: name.into(), rate: r.parse().unwrap() }
}

#[test]
fn migration_4_keeps_old_sales_without_a_breakdown_and_new_ones_with_theirs() {
    let at = t("2026-11-21T12:00:00Z");
    // A version-3 file with one sale, as a version-3 till left it.
    let dir = tempfile::tempdir().unwrap();
    let conn = rusqlite::Connection::open(dir.path().join(journal::FILE)).unwrap();
    for m in &journal::schema::MIGRATIONS[..3] {
        conn.execute_batch(m).unwrap();
    }
    conn.execute(
        "INSERT INTO invoices (reference, terminal, provider, method, fiat_amount, currency, state, started_at, status, updated_at)
         VALUES ('v3-1', 't', 'xpay', 'lightning', '12.50', 'USD', 'creating', ?1, 'pending', ?1)",
        [at.as_millisecond()],
    )
    .unwrap();
    conn.pragma_update(None, "user_version", 3).unwrap();
    drop(conn);

    let j = SqliteJournal::open(dir.path()).unwrap();
    let old = j.find("v3-1").unwrap().unwrap();
    assert_eq!(old.fiat, usd_amount("12.50"));
    assert_eq!(old.breakdown, None, "an old row has no tip and no tax");

    let typed = money("11.90", "EUR");
    let b = Breakdown::compute(&typed, Some(&rate("VAT", "19")), true, &money("1.10", "EUR"));
    let r = Reference::parse("new-1").unwrap();
    let method = PaymentMethod::new(ProviderId::Xpay, MethodId::Lightning);
    j.record_intent(&r, method, &b.total, Some(&b), "t", at).unwrap();
    let back = j.find("new-1").unwrap().unwrap();
    assert_eq!(back.fiat.amount_text(), "13.00", "the invoice is for the amount plus the tip");
    assert_eq!(back.breakdown.as_ref(), Some(&b), "net, tax, rate and tip come back exactly");
    // A retry of the same intent keeps it.
    j.record_intent(&r, method, &b.total, Some(&b), "t", at).unwrap();
    assert_eq!(j.find("new-1").unwrap().unwrap().breakdown, Some(b));

    // A JPY sale with no tax configured: tax 0, no rate.
    let yen = Breakdown::compute(&money("1500", "JPY"), None, true, &money("150", "JPY"));
    let r2 = Reference::parse("new-2").unwrap();
    j.record_intent(&r2, method, &yen.total, Some(&yen), "t", at).unwrap();
    let back = j.find("new-2").unwrap().unwrap().breakdown.unwrap();
    assert_eq!(
        (back.net.amount_text(), back.tax.amount_text(), back.tip.amount_text()),
        ("1500".into(), "0".into(), "150".into())
    );
    assert_eq!(back.rate, None);
    assert_eq!(back.total.amount_text(), "1650");
}

/// One sale through the journal as the till writes it: the intent with its
/// breakdown (`None`: a sale from before tips and tax), the invoice, then
/// its final status.
fn sell(j: &SqliteJournal, n: i64, b: Option<&Breakdown>, fiat: &Money, status: Status) {
    let at = sample_created_at() + jiff::SignedDuration::from_mins(n);
    let r = Reference::parse(&format!("sale-{n}")).unwrap();
    let mut inv = tron_invoice();
    inv.id = format!("bill-{n}");
    inv.reference = r.clone();
    inv.fiat = fiat.clone();
    inv.created_at = at;
    inv.expires_at = at + jiff::SignedDuration::from_mins(30);
    j.record_intent(&r, inv.method, fiat, b, "till-1", at).unwrap();
    j.record_created(&inv, "till-1", at).unwrap();
    let mut w = Watch::new(inv, at);
    w.invoice.status = status.clone();
    let change = Change { from: Status::Pending, to: status, origin: Origin::Gateway, note: None };
    j.record_status(&w, &change, at + jiff::SignedDuration::from_mins(1)).unwrap();
}

fn priced(price: &str, code: &str, r: Option<&TaxRate>, tip: &str) -> Breakdown {
    Breakdown::compute(&money(price, code), r, true, &money(tip, code))
}

/// A café in euros with two rates (food 7 %, drinks 19 %, prices include
/// tax), tips, a sale that expired and one from before tax was journaled.
fn euro_day(j: &SqliteJournal) {
    let (food, drinks) = (rate("food", "7"), rate("drinks", "19"));
    let sales = [
        (priced("10.70", "EUR", Some(&food), "1.00"), Status::Paid), // net 10.00 tax 0.70
        (priced("5.35", "EUR", Some(&food), "0"), Status::Paid),     // net 5.00 tax 0.35
        (priced("11.90", "EUR", Some(&drinks), "2.10"), Status::Paid), // net 10.00 tax 1.90
        (priced("10.00", "EUR", Some(&drinks), "0"), Status::Paid),  // 1.5966 -> tax 1.60 net 8.40
        (priced("20.00", "EUR", Some(&drinks), "3.00"), Status::Expired), // not takings
    ];
    for (n, (b, status)) in (1..).zip(sales) {
        sell(j, n, Some(&b), &b.total, status);
    }
    sell(j, 6, None, &money("4.00", "EUR"), Status::Paid);
}

#[test]
fn the_report_splits_paid_sales_per_rate_with_tips_apart() {
    let dir = tempfile::tempdir().unwrap();
    let j = SqliteJournal::open(dir.path()).unwrap();
    euro_day(&j);
    let date = jiff::civil::date(2024, 8, 20);
    let text = till::ledger::day_report(&j, date, &jiff::tz::TimeZone::UTC, "Café").unwrap();
    for line in [
        "  rate                 sales             net             tax           gross            tips           total",
        "  drinks 19%               2       18.40 EUR        3.50 EUR       21.90 EUR        2.10 EUR       24.00 EUR",
        "  food 7%                  2       15.00 EUR        1.05 EUR       16.05 EUR        1.00 EUR       17.05 EUR",
        "  no tax                   1        4.00 EUR        0.00 EUR        4.00 EUR        0.00 EUR        4.00 EUR",
        "  all                      5       37.40 EUR        4.55 EUR       41.95 EUR        3.10 EUR       45.05 EUR",
    ] {
        assert!(text.lines().any(|l| l == line), "no line {line:?} in\n{text}");
    }
    let report = till::core::report::build(&j.between(Timestamp::MIN, Timestamp::MAX).unwrap());
    let all = &report.paid.split["EUR"];
    assert_eq!(all.total(), report.paid.fiat["EUR"], "net + tax + tip is what was invoiced");
    let expired = &report.by_final_status["expired"].split["EUR"];
    assert_eq!(
        (expired.net.to_string(), expired.tax.to_string(), expired.tip.to_string()),
        ("16.81".into(), "3.19".into(), "3.00".into())
    );
}

#[test]
fn report_csv_has_the_hand_computed_totals() {
    let dir = tempfile::tempdir().unwrap();
    let j = SqliteJournal::open(dir.path()).unwrap();
    euro_day(&j);
    let date = jiff::civil::date(2024, 8, 20);
    let mut out = Vec::new();
    till::ledger::day_report_csv(&j, date, &jiff::tz::TimeZone::UTC, &mut out).unwrap();
    let mut reader = csv::Reader::from_reader(out.as_slice());
    assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), till::ledger::REPORT_CSV_HEADER);
    let rows: Vec<Vec<String>> = reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect();
    let find = |section: &str, group: &str| -> Vec<&str> {
        let row = rows
            .iter()
            .find(|r| r[1] == section && r[2] == group)
            .unwrap_or_else(|| panic!("{section} {group}: {rows:?}"));
        row[3..10].iter().map(String::as_str).collect()
    };
    // currency, count, amount, net, tax, gross, tip
    assert_eq!(find("paid_by_rate", "food 7%"), ["EUR", "2", "17.05", "15.00", "1.05", "16.05", "1.00"]);
    assert_eq!(find("paid_by_rate", "drinks 19%"), ["EUR", "2", "24.00", "18.40", "3.50", "21.90", "2.10"]);
    assert_eq!(find("paid_by_rate", "no tax"), ["EUR", "1", "4.00", "4.00", "0.00", "4.00", "0.00"]);
    assert_eq!(find("paid", "all"), ["EUR", "5", "45.05", "37.40", "4.55", "41.95", "3.10"]);
    assert_eq!(find("paid_by_method", "xpay:usdt-tron"), ["EUR", "5", "45.05", "37.40", "4.55", "41.95", "3.10"]);
    assert_eq!(find("final_status", "expired"), ["EUR", "1", "23.00", "16.81", "3.19", "20.00", "3.00"]);
    assert_eq!(rows.last().unwrap()[1], "not_created");
}

#[test]
fn history_csv_has_net_tax_rate_tip_and_gross_columns() {
    let dir = tempfile::tempdir().unwrap();
    let j = SqliteJournal::open(dir.path()).unwrap();
    euro_day(&j);
    let mut records = j.between(Timestamp::MIN, Timestamp::MAX).unwrap();
    records.reverse();
    let mut out = Vec::new();
    till::ledger::write_csv(&mut out, &records, &jiff::tz::TimeZone::UTC).unwrap();
    let mut reader = csv::Reader::from_reader(out.as_slice());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(
        &header[..6],
        ["started_at", "reference", "gateway_invoice_id", "provider", "method", "amount"],
        "existing columns kept"
    );
    assert_eq!(&header[14..19], ["net", "tax", "tax_rate", "tip", "gross"]);
    let rows: Vec<Vec<String>> = reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect();
    let cols = |i: usize| -> Vec<&str> {
        let r = &rows[i];
        [&r[5], &r[14], &r[15], &r[16], &r[17], &r[18]].map(String::as_str).to_vec()
    };
    assert_eq!(cols(0), ["11.70", "10.00", "0.70", "food 7%", "1.00", "10.70"]);
    assert_eq!(cols(3), ["10.00", "8.40", "1.60", "drinks 19%", "0.00", "10.00"]);
    assert_eq!(cols(5), ["4.00", "", "", "", "", ""], "a sale from before tips and tax: empty");
}

#[test]
fn a_yen_shop_reports_whole_yen() {
    let dir = tempfile::tempdir().unwrap();
    let j = SqliteJournal::open(dir.path()).unwrap();
    let c = rate("consumption", "10");
    for (n, (price, tip)) in (1..).zip([("1000", "100"), ("1500", "0"), ("550", "55")]) {
        let b = priced(price, "JPY", Some(&c), tip);
        sell(&j, n, Some(&b), &b.total, Status::Paid);
    }
    // 1000: tax 90.9 -> 91; 1500: 136.4 -> 136; 550: 50. Net 909 + 1364 + 500.
    let date = jiff::civil::date(2024, 8, 20);
    let mut out = Vec::new();
    till::ledger::day_report_csv(&j, date, &jiff::tz::TimeZone::UTC, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("2024-08-20,paid,all,JPY,3,3205,2773,277,3050,155,"), "{text}");
    assert!(text.contains("2024-08-20,paid_by_rate,consumption 10%,JPY,3,3205,2773,277,3050,155,"), "{text}");
    let report = till::ledger::day_report(&j, date, &jiff::tz::TimeZone::UTC, "Kissa").unwrap();
    assert!(
        report
            .lines()
            .any(|l| l.contains("all") && l.contains("2773 JPY") && l.contains("155 JPY") && l.contains("3205 JPY")),
        "{report}"
    );
}
