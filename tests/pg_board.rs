//! `till board --json` (the built binary) on a real PostgreSQL server: a
//! status change stored by till A (its `PgStore`) reaches the board within 500 ms
//! (measured from just before the write to the JSON line's arrival); the
//! board says the store is lost when its backend is terminated, and comes
//! back with a fresh snapshot. Its config has `[shop]` and `[store]` only:
//! no gateway, no secret.

#[path = "support/pgseed.rs"]
mod pgseed;
mod support;

use jiff::Timestamp;
use pgseed::*;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use till::config::store::StoreConfig;
use till::core::invoice::{Invoice, Reference};
use till::core::status::{Origin, Status};
use till::core::watch::{Change, Watch};
use till::journal::Store;
use till::journal::postgres::PgStore;

/// `till board --json` running; killed on drop. Its lines arrive on
/// `lines` with the instant each was read.
struct BoardProcess {
    child: Child,
    lines: mpsc::Receiver<(Instant, serde_json::Value)>,
    _dir: tempfile::TempDir,
}

impl Drop for BoardProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl BoardProcess {
    fn start(url: &str, extra: &[&str]) -> BoardProcess {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("till.toml");
        std::fs::write(
            &config,
            format!(
                "[shop]\nname = \"Back office\"\ncurrency = \"USD\"\nterminal = \"office\"\ntimezone = \"UTC\"\n\n\
                 [store]\nurl = \"{url}\"\n"
            ),
        )
        .unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_till"))
            .arg("--config")
            .arg(&config)
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .args(["board", "--json"])
            .args(extra)
            .env_remove("TILL_DATABASE_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                let at = Instant::now();
                let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
                if tx.send((at, v)).is_err() {
                    return;
                }
            }
        });
        BoardProcess { child, lines, _dir: dir }
    }

    /// Lines until one `pick` accepts (and when it arrived), failing after 10 s.
    fn until<T>(&self, what: &str, mut pick: impl FnMut(&serde_json::Value) -> Option<T>) -> (Instant, T) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let (at, v) = self.lines.recv_timeout(left).unwrap_or_else(|_| panic!("no {what} within 10 s"));
            if let Some(t) = pick(&v) {
                return (at, t);
            }
        }
    }
}

fn event<'a>(v: &'a serde_json::Value, name: &str) -> Option<&'a serde_json::Value> {
    (v["event"] == name).then_some(v)
}

/// A fresh open invoice of till A, stored as till A stores it.
fn sale_of_a(store: &PgStore, reference: &str) -> Invoice {
    let mut inv = support::lightning_invoice();
    inv.reference = Reference::parse(reference).unwrap();
    inv.id = format!("bill-{reference}");
    inv.created_at = Timestamp::now();
    inv.expires_at = inv.created_at + jiff::SignedDuration::from_mins(15);
    store.record_intent(&inv.reference, inv.method, &inv.fiat, None, "A", inv.created_at).unwrap();
    store.record_created(&inv, "A", inv.created_at).unwrap();
    inv
}

#[test]
fn a_status_stored_by_till_a_reaches_the_board_within_half_a_second() {
    let Some(url) = support::pg::fresh_database_blocking("board_latency") else { return };
    // Till A: its own store, its terminal's one writer.
    let a = PgStore::open(&StoreConfig::new(url.clone()), "A").unwrap();
    let inv = sale_of_a(&a, "a0000001");
    let board = BoardProcess::start(&url, &[]);
    let (_, rows) = board.until("snapshot", |v| event(v, "snapshot").map(|v| v["rows"].clone()));
    assert_eq!(rows, 1);

    let mut figures = Vec::new();
    let mut w = Watch::new(inv.clone(), inv.created_at);
    for status in [Status::Confirming, Status::Paid] {
        let change = Change { from: w.invoice.status.clone(), to: status.clone(), origin: Origin::Gateway, note: None };
        w.invoice.status = status.clone();
        // Till A stores the gateway's answer: durable when it returns.
        let before = Instant::now();
        a.record_status(&w, &change, Timestamp::now()).unwrap();
        let (arrived, row) = board.until("the row", |v| {
            event(v, "row").filter(|r| r["reference"] == "a0000001" && r["status"] == status.name()).cloned()
        });
        assert_eq!(row["terminal"], "A");
        assert_eq!(row["watched_by"], serde_json::Value::Null);
        let took = arrived.duration_since(before);
        eprintln!("board latency ({}): {:.1} ms", status.name(), took.as_secs_f64() * 1000.0);
        figures.push(took);
    }
    // Paid: a notice follows the row.
    let (_, notice) = board.until("the notice", |v| event(v, "notice").cloned());
    assert_eq!(notice["kind"], "paid");
    assert_eq!(notice["reference"], "a0000001");
    assert_eq!(notice["amount"], "10.00 USD");
    for took in figures {
        assert!(took < Duration::from_millis(500), "a stored change reached the board after {took:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_board_says_the_store_is_lost_and_comes_back_when_its_backend_is_terminated() {
    let Some((url, c)) = store("board_lost").await else { return };
    let now = now_ms();
    invoice(&c, "a0000001", "A", "pending", now, now + 900_000).await;
    let app = format!("board_{}", uuid::Uuid::new_v4().simple());
    let board = BoardProcess::start(&format!("{url}?application_name={app}"), &[]);
    board.until("snapshot", |v| event(v, "snapshot").map(|_| ()));

    let killed: i64 = c
        .query_one("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1", &[&app])
        .await
        .unwrap()
        .get(0);
    assert_eq!(killed, 1);
    // Meanwhile a till writes: the board learns it from its fresh snapshot.
    c.execute("UPDATE invoices SET status = 'paid' WHERE reference = 'a0000001'", &[]).await.unwrap();

    let (_, message) = board.until("lost", |v| {
        assert_ne!(v["event"], "snapshot", "a snapshot before saying the store was lost");
        event(v, "lost").map(|v| v["message"].as_str().unwrap().to_string())
    });
    assert!(message.contains("cannot be reached"), "{message}");
    board.until("a fresh snapshot", |v| event(v, "snapshot").map(|_| ()));
    let (_, notice) = board.until("the notice of what changed while away", |v| event(v, "notice").cloned());
    assert_eq!(notice["reference"], "a0000001");
    assert_eq!(notice["kind"], "paid");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_terminal_asked_for_and_a_role_granted_select_only() {
    let Some((url, c)) = store("board_readonly").await else { return };
    let now = now_ms();
    invoice(&c, "a0000001", "A", "pending", now, now + 900_000).await;
    invoice(&c, "b0000001", "B", "pending", now, now + 900_000).await;
    let role = format!("board_{}", uuid::Uuid::new_v4().simple());
    c.batch_execute(&format!(
        "CREATE ROLE {role} LOGIN; GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role};
         GRANT EXECUTE ON FUNCTION till_now_ms() TO {role};"
    ))
    .await
    .unwrap();
    let (scheme, rest) = url.split_once("://").unwrap();
    let host_db = rest.split_once('@').map_or(rest, |(_, h)| h);
    let board = BoardProcess::start(&format!("{scheme}://{role}@{host_db}"), &["--terminal", "B"]);
    let (_, rows) = board.until("snapshot", |v| event(v, "snapshot").map(|v| v["rows"].clone()));
    assert_eq!(rows, 1, "only B's sale");
    c.execute("UPDATE invoices SET status = 'paid' WHERE reference = 'a0000001'", &[]).await.unwrap();
    c.execute("UPDATE invoices SET status = 'expired_underpaid' WHERE reference = 'b0000001'", &[]).await.unwrap();
    let (_, first) = board.until("B's row", |v| event(v, "row").cloned());
    assert_eq!(first["reference"], "b0000001", "A's change is not written under --terminal B");
    let (_, notice) = board.until("the notice", |v| event(v, "notice").cloned());
    assert_eq!(notice["kind"], "attention");
    drop(board);
    c.batch_execute(&format!("DROP OWNED BY {role}; DROP ROLE {role}")).await.unwrap();
}

#[test]
fn without_a_store_the_board_says_what_to_add() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("till.toml");
    std::fs::write(&config, "[shop]\nname = \"Back office\"\ncurrency = \"USD\"\nterminal = \"office\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_till"))
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .args(["board", "--json"])
        .env_remove("TILL_DATABASE_URL")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("add [store] url"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}
