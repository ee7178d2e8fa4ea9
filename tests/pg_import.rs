//! `till store import`: a till's SQLite journal copied into the PostgreSQL
//! store by the built `till`, every column and status line, and a second
//! run adding nothing.

#[path = "support/pgseed.rs"]
mod pgseed;
mod support;

use pgseed::client;
use support::*;
use till::core::invoice::Reference;
use till::core::money::Money;
use till::core::status::{Origin, Status};
use till::core::tax::{Breakdown, TaxRate};
use till::core::watch::{Change, Watch};
use till::journal::{SqliteJournal, Store};

/// Three sales on till-1: one paid with tax and a tip, one underpaid then
/// paid, one expired. The journal's events, counted.
fn journal(dir: &std::path::Path) -> i64 {
    sales(dir, vec![(1, vec![Status::Paid]), (2, vec![Status::Underpaid, Status::Paid]), (3, vec![Status::Expired])])
}

/// Sales `n` on till-1, each through its statuses; the journal's events, counted.
fn sales(dir: &std::path::Path, which: Vec<(i64, Vec<Status>)>) -> i64 {
    let j = SqliteJournal::open(dir).unwrap();
    let rate = TaxRate { name: "VAT".into(), rate: "19".parse().unwrap() };
    for (n, path) in which {
        let at = sample_created_at() + jiff::SignedDuration::from_mins(n);
        let r = Reference::parse(&format!("sale-{n}")).unwrap();
        let mut inv = tron_invoice();
        inv.id = format!("bill-{n}");
        inv.reference = r.clone();
        inv.created_at = at;
        let tip = Money::new("1.00".parse().unwrap(), inv.fiat.currency.clone());
        let b = Breakdown::compute(&inv.fiat, Some(&rate), true, &tip);
        inv.fiat = b.total.clone();
        j.record_intent(&r, inv.method, &inv.fiat, (n == 1).then_some(&b), "till-1", at).unwrap();
        j.record_created(&inv, "till-1", at).unwrap();
        let mut w = Watch::new(inv, at);
        let mut from = Status::Pending;
        for (k, to) in path.into_iter().enumerate() {
            w.invoice.status = to.clone();
            let change = Change { from: from.clone(), to: to.clone(), origin: Origin::Gateway, note: None };
            j.record_status(&w, &change, at + jiff::SignedDuration::from_mins(k as i64 + 1)).unwrap();
            from = to;
        }
    }
    drop(j);
    let conn = rusqlite::Connection::open(dir.join(till::journal::FILE)).unwrap();
    conn.query_row("SELECT count(*) FROM events", [], |r| r.get(0)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_journal_is_copied_once_and_reads_the_same_from_the_store() {
    let Some(url) = support::pg::fresh_database("store_import").await else { return };
    let dir = tempfile::tempdir().unwrap();
    let events = journal(&dir.path().join("data"));
    assert!(events >= 4, "{events}");
    let with_store = format!("{}\n[store]\nurl = \"{url}\"\n", proc::UTC_CONFIG);
    let day = sample_created_at().to_zoned(jiff::tz::TimeZone::UTC).date().to_string();

    let d = dir.path().to_path_buf();
    let (first, second, sqlite_csv, pg_csv) = tokio::task::spawn_blocking(move || {
        let first = proc::till_in(&d, &with_store, &["store", "import"]);
        let second = proc::till_in(&d, &with_store, &["store", "import"]);
        let sqlite_csv = proc::till_in(&d, proc::UTC_CONFIG, &["history", "--csv", "--date", &day]);
        let pg_csv = proc::till_in(&d, &with_store, &["history", "--all-terminals", "--csv", "--date", &day]);
        (first, second, sqlite_csv, pg_csv)
    })
    .await
    .unwrap();
    assert!(first.status.success(), "{}", proc::said(&first));
    let said = proc::said(&first);
    assert!(said.starts_with(&format!("Imported 3 sales and {events} events from ")), "{said}");
    assert!(said.trim_end().ends_with("; 0 were already there."), "{said}");
    let said = proc::said(&second);
    assert!(second.status.success(), "{said}");
    assert!(said.starts_with("Imported 0 sales and 0 events from "), "{said}");
    assert!(said.trim_end().ends_with("; 3 were already there."), "{said}");

    // Every column of every sale reads back the same from the store.
    let (sqlite_csv, pg_csv) =
        (String::from_utf8(sqlite_csv.stdout).unwrap(), String::from_utf8(pg_csv.stdout).unwrap());
    assert_eq!(sqlite_csv.lines().count(), 4, "{sqlite_csv}");
    assert_eq!(pg_csv, sqlite_csv);

    // The status lines, each with the sale's terminal, chained in the journal's order.
    let c = client(&url).await;
    let rows = c.query("SELECT reference, terminal, new_status, hash FROM events ORDER BY id", &[]).await.unwrap();
    assert_eq!(rows.len() as i64, events);
    assert!(rows.iter().all(|r| r.get::<_, String>(1) == "till-1" && r.get::<_, Option<String>>(3).is_some()));
    let sale2: Vec<String> =
        rows.iter().filter(|r| r.get::<_, String>(0) == "sale-2").map(|r| r.get::<_, String>(2)).collect();
    assert_eq!(sale2, ["pending", "underpaid", "paid"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_later_run_adds_only_the_sales_the_store_lacks() {
    let Some(url) = support::pg::fresh_database("store_import_later").await else { return };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let before = journal(&data);
    let with_store = format!("{}\n[store]\nurl = \"{url}\"\n", proc::UTC_CONFIG);
    let d = dir.path().to_path_buf();
    let config = with_store.clone();
    let first = tokio::task::spawn_blocking(move || proc::till_in(&d, &config, &["store", "import"])).await.unwrap();
    assert!(first.status.success(), "{}", proc::said(&first));
    let after = sales(&data, vec![(4, vec![Status::Paid])]);
    let d = dir.path().to_path_buf();
    let again =
        tokio::task::spawn_blocking(move || proc::till_in(&d, &with_store, &["store", "import"])).await.unwrap();
    let said = proc::said(&again);
    assert!(again.status.success(), "{said}");
    assert!(said.starts_with(&format!("Imported 1 sale and {} events from ", after - before)), "{said}");
    assert!(said.trim_end().ends_with("; 3 were already there."), "{said}");
    let c = client(&url).await;
    let n: i64 = c.query_one("SELECT count(*) FROM events", &[]).await.unwrap().get(0);
    assert_eq!(n, after, "every line once");
}
