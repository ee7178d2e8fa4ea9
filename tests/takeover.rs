//! No invoice left unwatched: two tills (terminals A and B, the built
//! binary) share one PostgreSQL store and the sandbox (Xcash, whose status
//! call names the invoice, so the sandbox's request log tells which till
//! polled which invoice: each names its terminal in its User-Agent). A has
//! open invoices and is killed with SIGKILL; B takes them over within
//! `takeover_secs`; some are paid and one expires while B watches them;
//! each reaches its final state exactly once in the store; no invoice is
//! polled by both tills at once; Xcash's limit holds; and when A comes back
//! its invoices go back to it and B stops polling them.
//!
//! Needs `TILL_TEST_DATABASE_URL` (skipped, visibly, without it).

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::proc::TILL;

const TAKEOVER_SECS: u64 = 6;
/// Open invoices A leaves.
const OPEN: usize = 4;

fn config(dir: &Path, terminal: &str, base: &str, store: &str) -> PathBuf {
    let path = dir.join(format!("{terminal}.toml"));
    let text = format!(
        r#"[shop]
name = "Test shop"
currency = "USD"
terminal = "{terminal}"

[poll]
interval_secs = 1

[store]
url = "{store}"
takeover_secs = {TAKEOVER_SECS}

[providers.xcash]
base_url = "{base}"
appid = "{appid}"
hmac_key = "{key}"
"#,
        appid = till_sandbox::DEMO_XCASH_APPID,
        key = till_sandbox::DEMO_XCASH_HMAC_KEY,
    );
    std::fs::write(&path, text).unwrap();
    #[cfg(unix)]
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    path
}

fn till(dir: &Path, terminal: &str, args: &[&str]) -> Child {
    Command::new(TILL)
        .arg("--config")
        .arg(dir.join(format!("{terminal}.toml")))
        .arg("--data-dir")
        .arg(dir.join(format!("data-{terminal}")))
        .args(args)
        .env_remove("TILL_CONFIG")
        .env_remove("TILL_DATABASE_URL")
        .env("TILL_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// A long-running `till` for `terminal`, started again while the store
/// still counts the previous process of that terminal (its lock goes with
/// its connection, a moment after a SIGKILL); its output drained to files.
fn start(dir: &Path, terminal: &str, args: &[&str], name: &str) -> Child {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut child = till(dir, terminal, args);
        drain(&mut child, dir.join(name));
        std::thread::sleep(Duration::from_millis(500));
        if child.try_wait().unwrap().is_none() {
            return child;
        }
        let err = std::fs::read_to_string(dir.join(name).with_extension("err")).unwrap_or_default();
        assert!(Instant::now() < deadline, "till {args:?} for {terminal} did not start: {err}");
    }
}

/// `till charge` for terminal `terminal`, until it says the invoice was
/// created: its invoice id (Xcash's `sys_no`) and our reference.
fn charge(dir: &Path, terminal: &str, amount: &str) -> (Child, String, String) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut child = till(dir, terminal, &["charge", "--amount", amount, "--method", "xcash:usdt-tron", "--json"]);
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        while out.read_line(&mut line).unwrap_or(0) > 0 {
            let v: serde_json::Value = serde_json::from_str(line.trim()).unwrap_or_default();
            if v["event"] == "created" {
                let id = v["invoice_id"].as_str().unwrap().to_string();
                let reference = v["reference"].as_str().unwrap().to_string();
                // Kept reading, so the process never blocks on a full pipe.
                std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
                return (child, id, reference);
            }
            line.clear();
        }
        // The previous process of this terminal may still hold its lock for a moment.
        let mut err = String::new();
        let _ = child.stderr.take().unwrap().read_to_string(&mut err);
        let _ = child.wait();
        assert!(Instant::now() < deadline, "till charge for {terminal} never made its invoice: {err}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Drains a process's output (never blocks it) into a file for the failure message.
fn drain(child: &mut Child, to: PathBuf) {
    for (i, stream) in [
        child.stdout.take().map(|s| Box::new(s) as Box<dyn Read + Send>),
        child.stderr.take().map(|s| Box::new(s) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .enumerate()
    {
        if let Some(mut s) = stream {
            let path = to.with_extension(if i == 0 { "out" } else { "err" });
            std::thread::spawn(move || {
                let mut f = std::fs::File::create(path).unwrap();
                let _ = std::io::copy(&mut s, &mut f);
            });
        }
    }
}

fn get(base: &str, path: &str) -> serde_json::Value {
    support::proc::get_json(base, path)
}

fn delete(base: &str, path: &str) {
    let rest = base.strip_prefix("http://").unwrap();
    let mut s = std::net::TcpStream::connect(rest).unwrap();
    write!(s, "DELETE {path} HTTP/1.1\r\nHost: {rest}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
}

/// The polls of each invoice (by Xcash id) in the sandbox's log: (at_ms, terminal).
fn polls(base: &str) -> BTreeMap<String, Vec<(u64, String)>> {
    let mut out: BTreeMap<String, Vec<(u64, String)>> = BTreeMap::new();
    for r in get(base, "/_sandbox/requests/log").as_array().unwrap() {
        let path = r["path"].as_str().unwrap();
        let Some(id) = path.strip_prefix("/v1/invoice/") else { continue };
        let agent = r["user_agent"].as_str().unwrap();
        let terminal = agent.rsplit_once("(terminal ").map(|(_, t)| t.trim_end_matches(')').to_string());
        out.entry(id.to_string()).or_default().push((r["at_ms"].as_u64().unwrap(), terminal.unwrap_or_default()));
    }
    out
}

fn polled_by(base: &str, id: &str, terminal: &str) -> usize {
    polls(base).get(id).map_or(0, |p| p.iter().filter(|(_, t)| t == terminal).count())
}

/// Waits for `what` (every 20 ms, up to `limit`): a watchdog, not a timing assertion.
fn wait_for(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Every till process of the test, killed however the test ends; on a
/// failure the folder (configs, data directories and logs, each process's
/// output) is kept and named.
struct Procs {
    children: Vec<Child>,
    dir: Option<tempfile::TempDir>,
}

impl Drop for Procs {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::thread::panicking()
            && let Some(dir) = self.dir.take()
        {
            eprintln!("takeover: the test's folder is kept at {}", dir.keep().display());
        }
    }
}

struct Db {
    rt: tokio::runtime::Runtime,
    url: String,
}

impl Db {
    fn query(&self, sql: &str) -> Vec<tokio_postgres::Row> {
        self.rt.block_on(async {
            let (client, connection) = tokio_postgres::connect(&self.url, tokio_postgres::NoTls).await.unwrap();
            let driver = tokio::spawn(connection);
            let rows = client.query(sql, &[]).await.unwrap();
            drop(client);
            let _ = driver.await;
            rows
        })
    }

    /// Who watches each of these invoices (its terminal when `watched_by` is unset).
    fn watcher(&self, reference: &str) -> String {
        let rows = self.query(&format!(
            "SELECT COALESCE(watched_by, terminal) FROM invoices WHERE reference = '{}'",
            reference.replace('\'', "")
        ));
        rows.first().map(|r| r.get::<_, String>(0)).unwrap_or_default()
    }

    fn status(&self, reference: &str) -> String {
        let rows =
            self.query(&format!("SELECT status FROM invoices WHERE reference = '{}'", reference.replace('\'', "")));
        rows.first().map(|r| r.get::<_, String>(0)).unwrap_or_default()
    }
}

/// The number of times the watching till changes in an invoice's polls: A's
/// polls, then B's, then A's again is two changes; tills polling one invoice
/// at the same time would interleave (many changes).
fn changes(p: &[(u64, String)]) -> usize {
    p.windows(2).filter(|w| w[0].1 != w[1].1).count()
}

#[test]
fn a_dead_tills_invoices_are_taken_over_within_takeover_secs_and_go_back_when_it_returns() {
    let Some(url) = support::pg::fresh_database_blocking("takeover") else { return };
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let sandbox =
        rt.block_on(till_sandbox::spawn("127.0.0.1:0".parse().unwrap(), till_sandbox::Options::default())).unwrap();
    // The sandbox's request log counts from about now (a hair before).
    let sandbox_start = Instant::now();
    let base = sandbox.base_url();
    let db = Db { rt, url: url.clone() };
    let mut procs = Procs { children: Vec::new(), dir: Some(tempfile::tempdir().unwrap()) };
    let dir = procs.dir.as_ref().unwrap().path().to_path_buf();
    config(&dir, "A", &base, &url);
    config(&dir, "B", &base, &url);

    // A makes its invoices, one `till charge` at a time, each killed once
    // its invoice is made: they stay open in the store, A's.
    let mut made = Vec::new();
    for i in 0..OPEN {
        let (mut child, id, reference) = charge(&dir, "A", &format!("1{i}.00"));
        child.kill().unwrap();
        let _ = child.wait();
        made.push((id, reference));
    }
    // (Four processes in a row, each killed right after its create, burst
    // their creates: the setup's, not a till's pace. The limit is checked
    // from here on.)
    delete(&base, "/_sandbox/rates");
    let cleared_ms = u64::try_from(sandbox_start.elapsed().as_millis()).unwrap();
    // A watches what it left; then B runs (its own sale stays open).
    let a = start(&dir, "A", &["resume", "--json"], "a1");
    procs.children.push(a);
    for (id, _) in &made {
        wait_for(Duration::from_secs(20), "A polls its invoices", || polled_by(&base, id, "A") >= 2);
    }
    let (mut b, b_id, b_ref) = charge(&dir, "B", "2.00");
    drain(&mut b, dir.join("b1"));
    procs.children.push(b);
    wait_for(Duration::from_secs(20), "B polls its sale", || polled_by(&base, &b_id, "B") >= 3);
    assert!(made.iter().all(|(id, _)| polled_by(&base, id, "B") == 0), "B never polls what A watches");
    assert_eq!(polled_by(&base, &b_id, "A"), 0, "A never polls B's sale");

    // A dies.
    let mut a = procs.children.remove(0);
    a.kill().unwrap();
    let killed = Instant::now();
    let _ = a.wait();
    let killed_ms = u64::try_from(killed.duration_since(sandbox_start).as_millis()).unwrap();
    let mut taken = Vec::new();
    for (id, reference) in &made {
        wait_for(Duration::from_secs(3 * TAKEOVER_SECS), "B takes A's invoice over", || polled_by(&base, id, "B") > 0);
        let first = polls(&base)[id].iter().find(|(_, t)| t == "B").unwrap().0;
        // From the kill to B's first poll of it, as the sandbox saw it (the
        // log's clock started a moment before `sandbox_start`: an over-estimate).
        taken.push(Duration::from_millis(first.saturating_sub(killed_ms)));
        assert_eq!(db.watcher(reference), "B");
    }
    let slowest = taken.iter().max().unwrap();
    eprintln!(
        "takeover: B polled each of A's {OPEN} open invoices {:?} after A's SIGKILL (takeover_secs = {TAKEOVER_SECS})",
        taken
    );
    assert!(*slowest <= Duration::from_secs(TAKEOVER_SECS), "taken over in {slowest:?}, more than {TAKEOVER_SECS} s");

    // While B watches them: two are paid, one expires, one stays open.
    let act = |reference: &str, action: &str| {
        let status = support::proc::post(&format!("{base}/_sandbox/xcash/invoices/{reference}/{action}"));
        assert_eq!(status, 200, "{action} {reference}");
    };
    act(&made[0].1, "pay");
    act(&made[1].1, "pay");
    act(&made[2].1, "expire");
    for (i, want) in [(0, "paid"), (1, "paid"), (2, "expired")] {
        wait_for(Duration::from_secs(20), "B stores the final state", || db.status(&made[i].1) == want);
    }

    // A comes back: its open invoice goes back to it, and B stops polling it.
    let a2 = start(&dir, "A", &["resume", "--json"], "a2");
    procs.children.push(a2);
    let open = &made[3];
    let before = polled_by(&base, &open.0, "A");
    wait_for(Duration::from_secs(3 * TAKEOVER_SECS), "A polls its invoice again", || {
        polled_by(&base, &open.0, "A") > before
    });
    assert_eq!(db.watcher(&open.1), "A");
    let b_then = polled_by(&base, &open.0, "B");
    // Long enough for B to have polled it several times, were it still B's.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(polled_by(&base, &open.0, "B"), b_then, "B stopped polling it once A had it back");

    // Each invoice's final state is stored once.
    let finals = db.query(
        "SELECT reference, count(*) FROM events WHERE new_status IN ('paid', 'expired', 'expired_underpaid', 'canceled') GROUP BY reference",
    );
    let finals: BTreeMap<String, i64> = finals.iter().map(|r| (r.get(0), r.get(1))).collect();
    for (i, (_, reference)) in made.iter().enumerate().take(3) {
        assert_eq!(finals.get(reference), Some(&1), "invoice {i} ({reference}): one final status row: {finals:?}");
    }
    assert_eq!(finals.get(&open.1), None);
    assert_eq!(finals.get(&b_ref), None, "B's own sale is still open");

    // No invoice polled by both tills at once: A's polls, then B's, then A's.
    let log = polls(&base);
    for (id, _) in &made {
        let p = &log[id];
        assert!(changes(p) <= 2, "{id} polled by turns: {p:?}");
    }
    assert!(log[&b_id].iter().all(|(_, t)| t == "B"));
    // Xcash's limit: 4 requests a second from one account, whichever till sends them.
    let rates = get(&base, "/_sandbox/rates");
    let max = rates["xcash"]["max_in_1s"].as_u64().unwrap();
    let per_invoice = rates["xcash"]["max_per_path_in_60s"].as_u64().unwrap();
    eprintln!("takeover: xcash at most {max} requests in 1 s, {per_invoice} for one invoice in 60 s");
    if max > 4 {
        // Which requests: the busiest second of the log, with their senders.
        let log = get(&base, "/_sandbox/requests/log");
        let all: Vec<(u64, String, String)> = log
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["at_ms"].as_u64().unwrap(),
                    r["path"].as_str().unwrap().into(),
                    r["user_agent"].as_str().unwrap().into(),
                )
            })
            .filter(|r: &(u64, String, String)| r.0 >= cleared_ms)
            .collect();
        let worst =
            (0..all.len()).max_by_key(|&i| all[i..].iter().take_while(|r| r.0 < all[i].0 + 1000).count()).unwrap();
        let window: Vec<_> = all[worst..].iter().take_while(|r| r.0 < all[worst].0 + 1000).collect();
        panic!("xcash got {max} requests in one second (killed at {killed_ms} ms): {window:#?}");
    }
    assert!(per_invoice <= 60);
}
