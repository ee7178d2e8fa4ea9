//! Reports across counters, read from the PostgreSQL store by the built
//! `till`: `history` and `report` of this till's terminal (the default),
//! of another terminal, and of every terminal with each one's totals, as
//! text and CSV.

#[path = "support/pgseed.rs"]
mod pgseed;
mod support;

use pgseed::*;
use support::proc::{UTC_CONFIG, said, till_in};

/// Two terminals' day: till-1 two paid and one pending, till-2 one paid and
/// one expired.
async fn two_counters(test: &str) -> Option<String> {
    let (url, c) = store(test).await?;
    let now = now_ms();
    for (reference, terminal, status, n) in [
        ("t1paid1", "till-1", "paid", 1),
        ("t1paid2", "till-1", "paid", 2),
        ("t1open", "till-1", "pending", 3),
        ("t2paid", "till-2", "paid", 4),
        ("t2expired", "till-2", "expired", 5),
    ] {
        invoice(&c, reference, terminal, status, now - 60_000 + n, now + 900_000).await;
    }
    Some(url)
}

fn config(url: &str) -> String {
    format!("{UTC_CONFIG}\n[store]\nurl = \"{url}\"\n")
}

fn run(url: &str, args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = till_in(dir.path(), &config(url), args);
    assert!(out.status.success(), "till {args:?}: {}", said(&out));
    String::from_utf8(out.stdout).unwrap()
}

fn csv_rows(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let head = r.headers().unwrap().iter().map(str::to_string).collect();
    (head, r.records().map(|x| x.unwrap().iter().map(str::to_string).collect()).collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_reads_this_terminal_another_or_every_one_from_the_store() {
    let Some(url) = two_counters("reports_history").await else { return };
    let url2 = url.clone();
    let (mine, other, all, table) = tokio::task::spawn_blocking(move || {
        (
            run(&url2, &["history"]),
            run(&url2, &["history", "--terminal", "till-2"]),
            run(&url2, &["history", "--all-terminals", "--csv"]),
            run(&url2, &["history", "--all-terminals"]),
        )
    })
    .await
    .unwrap();
    for r in ["t1paid1", "t1paid2", "t1open"] {
        assert!(mine.contains(r), "{mine}");
    }
    assert!(!mine.contains("t2paid"), "this till's terminal by default: {mine}");
    assert!(other.contains("t2paid") && other.contains("t2expired") && !other.contains("t1paid1"), "{other}");
    // Across counters, the table names each sale's terminal.
    assert!(table.lines().next().unwrap().contains("terminal"), "{table}");
    let t2 = table.lines().find(|l| l.contains("t2paid")).unwrap();
    assert!(t2.contains(" till-2 ") && t2.contains("12.50 USD"), "{table}");
    assert_eq!(table.lines().count(), 6, "{table}");
    let (head, rows) = csv_rows(&all);
    assert_eq!(head.last().map(String::as_str), Some("terminal"));
    let mut got: Vec<(String, String)> = rows.iter().map(|r| (r[1].clone(), r.last().unwrap().clone())).collect();
    got.sort();
    let want: Vec<(String, String)> = [
        ("t1open", "till-1"),
        ("t1paid1", "till-1"),
        ("t1paid2", "till-1"),
        ("t2expired", "till-2"),
        ("t2paid", "till-2"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(got, want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_across_counters_shows_the_shops_totals_and_each_terminals() {
    let Some(url) = two_counters("reports_report").await else { return };
    let url2 = url.clone();
    let (mine, all, csv) = tokio::task::spawn_blocking(move || {
        (
            run(&url2, &["report"]),
            run(&url2, &["report", "--all-terminals"]),
            run(&url2, &["report", "--all-terminals", "--csv"]),
        )
    })
    .await
    .unwrap();
    assert!(mine.contains("Still open: 1"), "{mine}");
    assert!(!mine.contains("Per terminal"), "{mine}");
    assert!(all.contains("all terminals"), "{all}");
    assert!(all.contains("Still open: 1"), "{all}");
    let line = |t: &str| {
        all.lines().find(|l| l.trim_start().starts_with(t)).unwrap_or_else(|| panic!("{t}: {all}")).to_string()
    };
    let words = |l: String| l.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    // terminal, sales, paid, paid amount (2 words), open, not created
    assert_eq!(words(line("till-1")), ["till-1", "3", "2", "25.00", "USD", "1", "0"]);
    assert_eq!(words(line("till-2")), ["till-2", "2", "1", "12.50", "USD", "0", "0"]);

    let (head, rows) = csv_rows(&csv);
    assert_eq!(head.last().map(String::as_str), Some("terminal"));
    let paid = |terminal: &str| -> (String, String) {
        let r = rows
            .iter()
            .find(|r| r[1] == "paid" && r[2] == "all" && r.last().unwrap() == terminal)
            .unwrap_or_else(|| panic!("{terminal}: {rows:?}"));
        (r[4].clone(), r[5].clone())
    };
    assert_eq!(paid("all"), ("3".into(), "37.50".into()));
    assert_eq!(paid("till-1"), ("2".into(), "25.00".into()));
    assert_eq!(paid("till-2"), ("1".into(), "12.50".into()));
}
