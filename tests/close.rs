//! The day's close (Z-report): its totals against the journal's sales, the
//! refusal of a second close, the chain from one close to the next, the
//! migration that hashes old events, and `till close --verify` naming an
//! event edited by hand, as a tamperer would (the trigger dropped, then an
//! UPDATE with `sqlite3`).

mod fake_printer;
mod support;

use jiff::Timestamp;
use jiff::civil::{Date, date};
use jiff::tz::TimeZone;
use rust_decimal::Decimal;
use std::path::Path;
use std::process::{Command, Output};
use support::*;
use till::core::close::Refusal;
use till::core::invoice::{Invoice, Reference};
use till::core::method::{MethodId, PaymentMethod, ProviderId};
use till::core::record::RecordState;
use till::core::status::{Origin, Status};
use till::core::tax::{Breakdown, TaxRate};
use till::core::watch::{Change, PAID_LATE, Watch};
use till::journal::{self, Break, CloseError, SqliteJournal, Store};

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// One sale, from intent to `status` (with `note`), started at `at`.
#[allow(clippy::too_many_arguments)]
fn sale(
    j: &SqliteJournal,
    reference: &str,
    method: PaymentMethod,
    amount: &str,
    terminal: &str,
    at: &str,
    status: Status,
    note: Option<&str>,
    priced: Option<(&TaxRate, &str)>,
) -> Reference {
    let at = t(at);
    let mut inv: Invoice = tron_invoice();
    inv.reference = Reference::parse(reference).unwrap();
    inv.id = format!("gw-{reference}");
    inv.method = method;
    inv.fiat = usd_amount(amount);
    // The price typed includes the tax; the tip goes on top.
    let breakdown = priced.map(|(rate, tip)| Breakdown::compute(&inv.fiat, Some(rate), true, &usd_amount(tip)));
    if let Some(b) = &breakdown {
        inv.fiat = b.total.clone();
    }
    inv.created_at = at;
    inv.expires_at = at + jiff::SignedDuration::from_mins(15);
    j.record_intent(&inv.reference, inv.method, &inv.fiat, breakdown.as_ref(), terminal, at).unwrap();
    j.record_created(&inv, terminal, at).unwrap();
    if status != Status::Pending {
        let mut w = Watch::new(inv.clone(), at);
        w.invoice.status = status.clone();
        w.note = note.map(str::to_string);
        let change = Change { from: Status::Pending, to: status, origin: Origin::Gateway, note: w.note.clone() };
        j.record_status(&w, &change, at + jiff::SignedDuration::from_mins(2)).unwrap();
    }
    inv.reference
}

fn m(p: ProviderId, method: MethodId) -> PaymentMethod {
    PaymentMethod::new(p, method)
}

const DAY: &str = "2026-12-04";

fn vat() -> TaxRate {
    TaxRate { name: "VAT".into(), rate: dec("19") }
}

fn reduced() -> TaxRate {
    TaxRate { name: "Reduced".into(), rate: dec("7") }
}

fn day() -> Date {
    date(2026, 12, 4)
}

/// A day of sales across gateways, methods, terminals and statuses, and one
/// the next day.
fn a_day_of_sales(j: &SqliteJournal) {
    let ln = m(ProviderId::Xpay, MethodId::Lightning);
    let tron = m(ProviderId::Xpay, MethodId::UsdtTron);
    let other = m(ProviderId::ALL[1], MethodId::Lightning);
    let (vat, reduced) = (vat(), reduced());
    // 10.00 with 19% in it: net 8.40, tax 1.60; tip 1.00: 11.00.
    sale(j, "aaaa00000000001", ln, "10.00", "till-1", "2026-12-04T09:00:00Z", Status::Paid, None, Some((&vat, "1.00")));
    // 12.50: net 10.50, tax 2.00 (1.9958 rounded); no tip.
    sale(j, "aaaa00000000002", tron, "12.50", "till-1", "2026-12-04T10:00:00Z", Status::Paid, None, Some((&vat, "0")));
    // 7.25 with 7% in it: net 6.78, tax 0.47; tip 0.75: 8.00.
    let priced = Some((&reduced, "0.75"));
    sale(j, "aaaa00000000003", other, "7.25", "till-2", "2026-12-04T11:00:00Z", Status::Paid, None, priced);
    let late = format!("{PAID_LATE} (after expiry)");
    sale(j, "aaaa00000000004", tron, "3.10", "till-2", "2026-12-04T12:00:00Z", Status::Paid, Some(&late), None);
    let priced = Some((&vat, "5.00"));
    sale(j, "aaaa00000000005", ln, "50.00", "till-1", "2026-12-04T13:00:00Z", Status::Expired, None, priced);
    sale(j, "aaaa00000000006", tron, "20.00", "till-1", "2026-12-04T14:00:00Z", Status::ExpiredUnderpaid, None, None);
    sale(j, "aaaa00000000007", ln, "5.00", "till-1", "2026-12-04T15:00:00Z", Status::Canceled, None, None);
    sale(j, "aaaa00000000008", ln, "8.00", "till-1", "2026-12-04T16:00:00Z", Status::Pending, None, None);
    let unknown = Reference::parse("aaaa00000000009").unwrap();
    j.record_intent(&unknown, ln, &usd_amount("9.99"), None, "till-1", t("2026-12-04T17:00:00Z")).unwrap();
    j.record_not_created(&unknown, RecordState::Unknown, "no answer", t("2026-12-04T17:01:00Z")).unwrap();
    sale(j, "bbbb00000000001", ln, "99.00", "till-1", "2026-12-05T09:00:00Z", Status::Paid, None, None);
}

#[test]
fn the_close_totals_equal_the_journals_paid_sales() {
    let dir = tempfile::tempdir().unwrap();
    let j = SqliteJournal::open(dir.path()).unwrap();
    a_day_of_sales(&j);
    let z = j.close_day(day(), &TimeZone::UTC, "till-1", t("2026-12-04T23:00:00Z")).unwrap();
    let tot = &z.totals;

    // Against the journal: every paid sale started that day, summed.
    let records = j.between(t("2026-12-04T00:00:00Z"), t("2026-12-05T00:00:00Z")).unwrap();
    let paid: Vec<_> = records.iter().filter(|r| r.status == Status::Paid && r.state == RecordState::Created).collect();
    let sum: Decimal = paid.iter().map(|r| r.fiat.amount).sum();
    assert_eq!(tot.paid.count, paid.len());
    assert_eq!(tot.paid.gross["USD"], sum);
    // And by hand: 11.00 + 12.50 + 8.00 + 3.10 (paid late counts).
    assert_eq!(tot.paid.gross["USD"], dec("34.60"));
    assert_eq!(tot.sales, 9, "the next day's sale is not in it");
    // Tips and tax apart, from the breakdowns: the expired sale's are not in.
    let tips: Decimal = paid.iter().filter_map(|r| r.breakdown.as_ref()).map(|b| b.tip.amount).sum();
    let tax: Decimal = paid.iter().filter_map(|r| r.breakdown.as_ref()).map(|b| b.tax.amount).sum();
    assert_eq!((tot.paid.tips["USD"], tot.paid.tax["USD"]), (tips, tax));
    assert_eq!(
        (tips, tax, tot.paid.net["USD"]),
        (dec("1.75"), dec("4.07"), dec("28.78")),
        "the sale without a breakdown counts whole as net"
    );
    let at_19 = &tot.paid_by_rate[&vat().label()];
    assert_eq!(
        (at_19.count, at_19.gross["USD"], at_19.net["USD"], at_19.tax["USD"]),
        (2, dec("23.50"), dec("18.90"), dec("3.60"))
    );
    assert_eq!(tot.paid_by_rate[&reduced().label()].tax["USD"], dec("0.47"));
    assert_eq!(tot.paid_by_rate["no tax"].gross["USD"], dec("3.10"));

    assert_eq!(tot.paid_by_terminal["till-1"].gross["USD"], dec("23.50"));
    assert_eq!(tot.paid_by_terminal["till-2"].gross["USD"], dec("11.10"));
    assert_eq!(tot.paid_by_terminal["till-2"].tips["USD"], dec("0.75"));
    assert_eq!(tot.paid_by_gateway["xpay"].gross["USD"], dec("26.60"));
    assert_eq!(tot.paid_by_gateway[ProviderId::ALL[1].id()].gross["USD"], dec("8.00"));
    assert_eq!(tot.paid_by_method[&m(ProviderId::Xpay, MethodId::UsdtTron).to_string()].gross["USD"], dec("15.60"));
    let per_method: Decimal = tot.paid_by_method.values().map(|s| s.gross["USD"]).sum();
    assert_eq!(per_method, sum, "the groups add up to the takings");

    let counts: Vec<(&str, usize)> = tot.by_status.iter().map(|(k, s)| (k.as_str(), s.count)).collect();
    assert_eq!(
        counts,
        [("canceled", 1), ("expired", 1), ("expired_underpaid", 1), ("paid", 4), ("pending", 1), ("unknown", 1)]
    );
    assert_eq!(tot.by_status["expired"].gross["USD"], dec("55.00"), "50.00 and its 5.00 tip");

    let late: Vec<&str> = tot.paid_late.iter().map(|f| f.reference.as_str()).collect();
    assert_eq!(late, ["aaaa00000000004"]);
    let attention: Vec<&str> = tot.needs_attention.iter().map(|f| f.reference.as_str()).collect();
    assert_eq!(attention, ["aaaa00000000006", "aaaa00000000009"], "expired-underpaid and unknown outcome");

    let text = z.lines("Corner", &TimeZone::UTC, 48).join("\n");
    assert!(text.contains("Z-REPORT 2026-12-04"), "{text}");
    assert!(text.lines().any(|l| l.starts_with("PAID (4)") && l.contains("34.60")), "{text}");
}

#[test]
fn a_second_close_is_refused_and_the_next_day_chains_to_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let j = SqliteJournal::open(dir.path()).unwrap();
    let ln = m(ProviderId::Xpay, MethodId::Lightning);
    sale(&j, "cccc00000000001", ln, "10.00", "till-1", "2026-12-04T09:00:00Z", Status::Paid, None, None);
    let first = j.close_day(day(), &TimeZone::UTC, "till-1", t("2026-12-04T20:00:00Z")).unwrap();
    assert_eq!(first.prev_hash, "0".repeat(64), "the first close links to nothing");

    let again = j.close_day(day(), &TimeZone::UTC, "till-1", t("2026-12-04T21:00:00Z")).unwrap_err();
    assert!(matches!(again, CloseError::Refused(Refusal::AlreadyClosed { .. })), "{again}");
    assert_eq!(
        again.to_string(),
        "2026-12-04 is already closed (at 2026-12-04 20:00). A day is closed once; a payment that arrives later is counted in the next close."
    );

    // Started after the close of the 4th: it belongs to the 5th.
    sale(&j, "cccc00000000002", ln, "4.00", "till-1", "2026-12-04T20:30:00Z", Status::Paid, None, None);
    sale(&j, "cccc00000000003", ln, "6.00", "till-1", "2026-12-05T09:00:00Z", Status::Paid, None, None);
    let second = j.close_day(date(2026, 12, 5), &TimeZone::UTC, "till-1", t("2026-12-05T20:00:00Z")).unwrap();
    assert_eq!(second.prev_hash, first.hash, "the second day's close links to the first");
    assert_eq!(second.from, first.until);
    assert_eq!(second.totals.paid.count, 2);
    assert_eq!(second.totals.paid.gross["USD"], dec("10.00"));
    assert!(second.last_event_id > first.last_event_id);

    let before = j.close_day(date(2026, 12, 3), &TimeZone::UTC, "till-1", t("2026-12-05T21:00:00Z")).unwrap_err();
    assert!(matches!(before, CloseError::Refused(Refusal::OutOfOrder { .. })), "{before}");

    let v = j.verify().unwrap();
    assert_eq!((v.events, v.closes, v.broken), (6, 2, None));
    assert_eq!(j.closes().unwrap().len(), 2);
}

/// The config the binary runs with: UTC, so the day is the test's.
const CONFIG: &str = support::proc::UTC_CONFIG;

fn till(dir: &Path, args: &[&str]) -> Output {
    till_with(dir, CONFIG, args)
}

fn till_with(dir: &Path, config: &str, args: &[&str]) -> Output {
    support::proc::till_in(dir, config, args)
}

fn out(o: &Output) -> String {
    support::proc::said(o)
}

/// What a tamperer does: drop the append-only trigger, then UPDATE. With
/// the `sqlite3` binary when there is one, else the same SQL through rusqlite.
fn tamper(db: &Path, sql: &str) {
    let sql = format!("DROP TRIGGER IF EXISTS events_append_only_update; {sql}");
    if Path::new("/usr/bin/sqlite3").exists() {
        let o = Command::new("/usr/bin/sqlite3").arg(db).arg(&sql).output().unwrap();
        assert!(o.status.success(), "sqlite3: {}", out(&o));
    } else {
        rusqlite::Connection::open(db).unwrap().execute_batch(&sql).unwrap();
    }
}

#[test]
fn editing_one_event_by_hand_makes_verify_name_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let third = {
        let j = SqliteJournal::open(&data).unwrap();
        a_day_of_sales(&j);
        // The third event of the log: sale 2's creation.
        let third: String = rusqlite::Connection::open(data.join(journal::FILE))
            .unwrap()
            .query_row("SELECT reference FROM events WHERE id = 3", [], |r| r.get(0))
            .unwrap();
        third
    };
    let o = till(dir.path(), &["close", "--verify"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(out(&o).contains("The journal's chain is intact: 17 events, 0 closes."), "{}", out(&o));

    let o = till(dir.path(), &["close", "--date", DAY]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let text = out(&o);
    assert!(text.contains("Z-REPORT 2026-12-04"), "{text}");
    assert!(text.contains("Closed 2026-12-04: the close is journaled."), "{text}");
    assert!(text.lines().all(|l| l.chars().count() <= 48 || l.starts_with("Closed ")), "{text}");

    let o = till(dir.path(), &["close", "--date", DAY]);
    assert_eq!(o.status.code(), Some(1), "a second close is refused: {}", out(&o));
    assert!(out(&o).contains("2026-12-04 is already closed"), "{}", out(&o));

    tamper(&data.join(journal::FILE), "UPDATE events SET received_amount = '1.00' WHERE id = 3;");
    let o = till(dir.path(), &["close", "--verify"]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let said = out(&o);
    assert!(said.contains(&format!("Event 3 (sale {third}, 2026-12-04 ")), "{said}");
    assert!(said.contains("was changed after it was written"), "{said}");
    assert!(said.contains("It breaks the close of 2026-12-04"), "{said}");
}

#[test]
fn a_deleted_event_and_an_edited_close_are_found_too() {
    let dir = tempfile::tempdir().unwrap();
    let j = SqliteJournal::open(dir.path()).unwrap();
    a_day_of_sales(&j);
    j.close_day(day(), &TimeZone::UTC, "till-1", t("2026-12-04T23:00:00Z")).unwrap();
    drop(j);
    let db = dir.path().join(journal::FILE);
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "DROP TRIGGER closes_append_only_update; UPDATE closes SET totals = replace(totals, '34.60', '30.00');",
    )
    .unwrap();
    drop(conn);
    let v = SqliteJournal::open(dir.path()).unwrap().verify().unwrap();
    assert_eq!(v.broken, Some(Break::Close { day: day() }));

    tamper(&db, "DROP TRIGGER events_append_only_delete; DELETE FROM events WHERE id = 5;");
    let v = SqliteJournal::open(dir.path()).unwrap().verify().unwrap();
    assert!(
        matches!(&v.broken, Some(Break::Event { id: 6, missing_before: true, close: Some(d), .. }) if *d == day()),
        "{v:?}"
    );
}

#[test]
fn a_journal_from_before_the_chain_is_hashed_once_and_verifies() {
    for from in 3..journal::chain::MIGRATION {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join(journal::FILE);
        let conn = rusqlite::Connection::open(&db).unwrap();
        for step in 0..from {
            conn.execute_batch(journal::schema::MIGRATIONS[step as usize]).unwrap();
        }
        conn.pragma_update(None, "user_version", from).unwrap();
        conn.execute_batch(
            "INSERT INTO invoices (reference, terminal, provider, method, fiat_amount, currency, state, started_at, status, updated_at)
                VALUES ('dddd00000000001', 'till-1', 'xpay', 'lightning', '5.00', 'USD', 'created', 1796374800000, 'paid', 1796374800000);
             INSERT INTO events (reference, at, old_status, new_status, origin) VALUES ('dddd00000000001', 1796374800000, NULL, 'pending', 'gateway');
             INSERT INTO events (reference, at, old_status, new_status, origin) VALUES ('dddd00000000001', 1796374860000, 'pending', 'paid', 'gateway');",
        )
        .unwrap();
        drop(conn);

        let j = SqliteJournal::open(dir.path()).unwrap();
        let v = j.verify().unwrap();
        assert_eq!((v.events, v.broken.clone()), (2, None), "from version {from}");
        // New events carry on the chain from the old ones.
        sale(
            &j,
            "dddd00000000002",
            m(ProviderId::Xpay, MethodId::Lightning),
            "1.00",
            "till-1",
            "2026-12-04T10:00:00Z",
            Status::Paid,
            None,
            None,
        );
        assert_eq!(j.verify().unwrap(), till::journal::Verdict { events: 4, closes: 0, broken: None });
        drop(j);
        let unhashed: i64 = rusqlite::Connection::open(&db)
            .unwrap()
            .query_row("SELECT count(*) FROM events WHERE hash IS NULL", [], |r| r.get(0))
            .unwrap();
        assert_eq!(unhashed, 0);

        tamper(&db, "UPDATE events SET new_status = 'expired' WHERE id = 2;");
        let v = SqliteJournal::open(dir.path()).unwrap().verify().unwrap();
        assert!(matches!(v.broken, Some(Break::Event { id: 2, close: None, .. })), "from {from}: {v:?}");
    }
}

#[test]
fn close_usage_errors_exit_64() {
    let dir = tempfile::tempdir().unwrap();
    for args in [&["close", "--date", "yesterday"][..], &["close", "--verify", "--date", DAY]] {
        let o = till(dir.path(), args);
        assert_eq!(o.status.code(), Some(64), "{args:?}: {}", out(&o));
    }
    let o = till(dir.path(), &["close", "--verify"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(out(&o).contains("No journal yet"), "{}", out(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_printer_the_close_is_printed_and_can_be_printed_again() {
    let mut fake = fake_printer::FakePrinter::start().await;
    let dir = tempfile::tempdir().unwrap();
    SqliteJournal::open(&dir.path().join("data")).map(|j| a_day_of_sales(&j)).unwrap();
    let config = format!("{CONFIG}\n[printer]\nurl = \"{}\"\n", fake.url());
    let path = dir.path().to_path_buf();
    let run = move |args: &'static [&'static str]| {
        let (path, config) = (path.clone(), config.clone());
        tokio::task::spawn_blocking(move || till_with(&path, &config, args))
    };
    let o = run(&["close", "--date", DAY]).await.unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let cmds = fake_printer::parse(&fake.next_job().await);
    let lines = fake_printer::lines(&cmds);
    assert!(lines.iter().any(|l| l == "Z-REPORT 2026-12-04"), "{lines:#?}");
    assert!(lines.iter().any(|l| l.starts_with("PAID (4)") && l.contains("34.60")), "{lines:#?}");
    assert!(lines.iter().all(|l| l.chars().count() <= 48), "{lines:#?}");
    assert!(cmds.iter().any(|c| matches!(c, fake_printer::Cmd::Cut)), "cut at the end");

    let o = run(&["close", "--date", DAY, "--print"]).await.unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert_eq!(fake_printer::lines(&fake_printer::parse(&fake.next_job().await)), lines, "the same close again");
    let o = run(&["close", "--date", "2026-12-05", "--print"]).await.unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("2026-12-05 is not closed yet"), "{}", out(&o));
}

/// Figures for the README: the migration hashing a large log, a start
/// (the chain's head: one rowid lookup) and a full verify.
/// `cargo test --test close -- --ignored --nocapture`
#[test]
#[ignore]
fn measure_the_chain_on_a_large_log() {
    const N: i64 = 200_000;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join(journal::FILE);
    let mut conn = rusqlite::Connection::open(&db).unwrap();
    for step in 0..4 {
        conn.execute_batch(journal::schema::MIGRATIONS[step]).unwrap();
    }
    conn.pragma_update(None, "user_version", 4).unwrap();
    let tx = conn.transaction().unwrap();
    tx.execute(
        "INSERT INTO invoices (reference, terminal, provider, method, fiat_amount, currency, state, started_at, status, updated_at)
         VALUES ('eeee00000000001', 'till-1', 'xpay', 'lightning', '5.00', 'USD', 'created', 0, 'paid', 0)",
        [],
    )
    .unwrap();
    {
        let mut ins = tx
            .prepare("INSERT INTO events (reference, at, old_status, new_status, origin, raw) VALUES ('eeee00000000001', ?1, 'pending', 'paid', 'gateway', 'paid')")
            .unwrap();
        for i in 0..N {
            ins.execute([i]).unwrap();
        }
    }
    tx.commit().unwrap();
    drop(conn);
    let clock = std::time::Instant::now();
    drop(SqliteJournal::open(dir.path()).unwrap());
    let migrate = clock.elapsed();
    let clock = std::time::Instant::now();
    let j = SqliteJournal::open(dir.path()).unwrap();
    let open = clock.elapsed();
    let clock = std::time::Instant::now();
    let v = j.verify().unwrap();
    let verify = clock.elapsed();
    assert_eq!((v.events, v.broken), (N, None));
    println!("{N} events: migration 5 (hash all) {migrate:?}, open {open:?}, verify {verify:?}");
}
