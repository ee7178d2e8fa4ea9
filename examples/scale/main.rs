//! The scale benchmark of the operator's board (README § Performance):
//! many simulated terminals on one PostgreSQL store, in this one process,
//! against a `till sandbox`, and the board reading them live.
//!
//! Each terminal is a till as `till` runs one, minus its screen: its own
//! `PgStore` (its own pool and writer lock), its own gateways (the
//! sandbox's demo accounts, shared by every terminal, so each keeps to its
//! share of each gateway's limit), its own desk on the runtime's drive
//! loop with its lease (a turn every `takeover_secs / 6`). Its open
//! invoices are seeded at the sandbox and stored as the till stores a sale.
//! A payer pays some of them at the sandbox; the owning till sees it on its
//! next poll and stores the status; the board (its feed, its state, a frame
//! drawn into a 120×40 TestBackend) shows it.
//!
//! Measured: the board's time from a stored change (just before the
//! till's `record_status`) to the frame drawn with it; the board thread's
//! CPU time and its heap peak (a counting allocator), the process's peak
//! memory; the store's writes per second; each gateway's busiest second and
//! busiest invoice-minute against its limit (`GET /_sandbox/rates`).
//!
//! Run: `scripts/scale.sh` (starts the sandbox, builds in release).
//! `cargo run --release --example scale -- --sandbox URL --database URL
//!  [--terminals 100] [--invoices 10] [--seconds 60] [--pays-per-second 1]`

mod board;
mod store;

use board::{cpu_of, ms, peak_rss_mb, percentile, run_board};
use jiff::Timestamp;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use store::{Stats, Timed};
use till::config::Config;
use till::config::store::StoreConfig;
use till::core::desk::Desk;
use till::core::invoice::{Invoice, Payload, PayloadKind, Reference};
use till::core::method::{MethodId, PaymentMethod, ProviderId};
use till::core::money::{Currency, Money};
use till::core::status::Status;
use till::journal::Store;
use till::journal::fleet::{Account, LeaseAsk};
use till::journal::postgres::PgStore;
use till::runtime::Runtime;
use till::runtime::drive::{Drive, run_all};
use till::runtime::lease::{self, Leasing};

// ---- arguments

struct Args {
    sandbox: String,
    database: String,
    terminals: usize,
    invoices: usize,
    seconds: u64,
    pays_per_second: f64,
}

fn args() -> Args {
    let mut a = Args {
        sandbox: String::new(),
        database: String::new(),
        terminals: 100,
        invoices: 10,
        seconds: 60,
        pays_per_second: 1.0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().unwrap_or_else(|| panic!("{k} needs a value"));
        match k.as_str() {
            "--sandbox" => a.sandbox = v,
            "--database" => a.database = v,
            "--terminals" => a.terminals = v.parse().expect("--terminals N"),
            "--invoices" => a.invoices = v.parse().expect("--invoices N"),
            "--seconds" => a.seconds = v.parse().expect("--seconds N"),
            "--pays-per-second" => a.pays_per_second = v.parse().expect("--pays-per-second X"),
            _ => panic!("unknown argument {k}"),
        }
    }
    assert!(!a.sandbox.is_empty() && !a.database.is_empty(), "--sandbox URL and --database URL are needed");
    a
}

// ---- seeding

/// The gateways and the method each terminal's invoices use, in turn.
const METHODS: [(ProviderId, MethodId); 5] = [
    (ProviderId::Xpay, MethodId::UsdtTron),
    (ProviderId::Xpays, MethodId::UsdtTron),
    (ProviderId::Xcash, MethodId::UsdtTron),
    (ProviderId::Xaigate, MethodId::UsdtTron),
    (ProviderId::Bitsby, MethodId::UsdtTron),
];

/// `count` open invoices of `terminal` at one gateway of the sandbox.
async fn seed(
    http: &reqwest::Client,
    base: &str,
    terminal: &str,
    (p, m): (ProviderId, MethodId),
    count: usize,
) -> Vec<Invoice> {
    let body = json!({ "count": count, "terminal": terminal, "amount": "10.00", "currency": "USD",
                       "method": m.id(), "expire_minutes": 60 });
    let r = http
        .post(format!("{base}/_sandbox/{}/seed", p.id()))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "seeding {p}: HTTP {}", r.status());
    let items: Vec<Value> = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
    let usd = Currency::from_code("USD").unwrap();
    items
        .iter()
        .map(|v| Invoice {
            id: v["id"].as_str().unwrap().to_string(),
            reference: Reference::parse(v["reference"].as_str().unwrap()).unwrap(),
            method: PaymentMethod::new(p, m),
            fiat: Money::new(Decimal::new(1000, 2), usd.clone()),
            crypto: None,
            payload: Payload { kind: PayloadKind::Address, qr: String::new(), text: String::new() },
            created_at: v["created_at"].as_str().unwrap().parse().unwrap(),
            expires_at: v["expires_at"].as_str().unwrap().parse().unwrap(),
            status: Status::Pending,
            received: None,
            choices: Vec::new(),
        })
        .collect()
}

/// The sandbox's pay action for an invoice, by our reference.
fn pay_url(base: &str, p: ProviderId, reference: &str) -> String {
    match p {
        ProviderId::Xpay => format!("{base}/_sandbox/xpay/bills/{reference}/pay"),
        _ => format!("{base}/_sandbox/{}/invoices/{reference}/pay", p.id()),
    }
}

#[tokio::main]
async fn main() {
    let a = args();
    till::gateway::http::install_tls();
    // A fresh database on the server.
    let name = format!("till_scale_{}", uuid::Uuid::new_v4().simple());
    let (admin, conn) = tokio_postgres::connect(&a.database, tokio_postgres::NoTls).await.expect("the database server");
    tokio::spawn(conn);
    admin.batch_execute(&format!("CREATE DATABASE {name}")).await.unwrap();
    let url = {
        let (base, _) = a.database.split_once('?').unwrap_or((&a.database, ""));
        let (scheme, rest) = base.split_once("://").unwrap();
        let host = rest.split_once('/').map_or(rest, |(h, _)| h);
        format!("{scheme}://{host}/{name}")
    };
    let config = Config::demo(Some(a.sandbox.clone()));
    let store_config = StoreConfig::new(url.clone());
    let stats = Arc::new(Stats::default());
    let http = reqwest::Client::new();
    let clock = till::clock::system();
    let accounts: Vec<Account> =
        config.gateways.iter().map(|g| Account { provider: g.provider, fingerprint: g.fingerprint() }).collect();

    eprintln!("scale: {} terminals × {} open invoices, store {name}", a.terminals, a.invoices);
    let mut tills = Vec::new();
    let mut all: Vec<(ProviderId, String)> = Vec::new();
    let seeded = Instant::now();
    for k in 0..a.terminals {
        let terminal = format!("T{k:03}");
        let (cfg, t) = (store_config.clone(), terminal.clone());
        let pg = tokio::task::spawn_blocking(move || PgStore::open(&cfg, &t)).await.unwrap().expect("the store");
        let store = Arc::new(Timed { inner: pg, stats: stats.clone() });
        let mut invoices = Vec::new();
        for (j, method) in METHODS.iter().enumerate() {
            let n = a.invoices / METHODS.len() + usize::from(j < a.invoices % METHODS.len());
            if n > 0 {
                invoices.extend(seed(&http, &a.sandbox, &terminal, *method, n).await);
            }
        }
        let (s, t) = (store.clone(), terminal.clone());
        let stored = invoices.clone();
        tokio::task::spawn_blocking(move || {
            for inv in &stored {
                s.record_intent(&inv.reference, inv.method, &inv.fiat, None, &t, inv.created_at).unwrap();
                s.record_created(inv, &t, inv.created_at).unwrap();
            }
        })
        .await
        .unwrap();
        all.extend(invoices.iter().map(|i| (i.method.provider, i.reference.as_str().to_string())));
        tills.push((terminal, store));
    }
    // Every till has held its lease once before any polls: the run measures
    // a shop whose tills are all up (each learns at its first turn how many
    // share each gateway account). Started all at once instead, the first
    // tills would count fewer live tills until their next turn.
    for (terminal, store) in &tills {
        let ask = LeaseAsk {
            terminal: terminal.clone(),
            accounts: accounts.clone(),
            unreachable: Vec::new(),
            lease: store_config.takeover * 2 / 3,
            late_since: Timestamp::now().saturating_sub(config.poll.late_window).unwrap_or(Timestamp::MIN),
        };
        let s = store.clone();
        tokio::task::spawn_blocking(move || s.lease_turn(&ask)).await.unwrap().expect("a first lease turn");
    }
    eprintln!("scale: seeded, stored and leased in {:.1} s", seeded.elapsed().as_secs_f64());

    let start = Instant::now();
    let end = start + Duration::from_secs(a.seconds);
    let _ = http.delete(format!("{}/_sandbox/rates", a.sandbox)).send().await;
    let writes_before = stats.writes.load(Ordering::Relaxed);
    let turns_before = stats.lease_turns.load(Ordering::Relaxed);
    let cpu_before = cpu_of("/proc/self/stat");
    let board = {
        let (url, stats) = (url.clone(), stats.clone());
        std::thread::spawn(move || run_board(url, end, stats))
    };

    let mut drives = Vec::new();
    for (terminal, store) in tills {
        let registry = till::registry::build(&config, clock.clone()).expect("the sandbox's gateways");
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let leasing =
            Leasing { terminal: terminal.clone(), accounts: accounts.clone(), takeover: store_config.takeover };
        let journal: Arc<dyn Store> = store.clone();
        let runtime =
            Runtime::new(Arc::new(registry), tx).with_journal(journal, &terminal, clock.clone()).with_leasing(leasing);
        let now = clock.now();
        let mut desk: Desk = lease::desk(&runtime, config.poll.clone(), now);
        let late_since = now.saturating_sub(config.poll.late_window).unwrap_or(Timestamp::MIN);
        let s = store.clone();
        let to_watch = tokio::task::spawn_blocking(move || s.to_watch(late_since)).await.unwrap().unwrap();
        let first = run_all(desk.resume(&to_watch, &[]).commands);
        let deadline = tokio::time::Instant::from_std(end);
        drives.push(tokio::spawn(async move {
            let mut drive = Drive::new(runtime, rx);
            drive.until(deadline).run(&mut desk, first).await.map(|_| ())
        }));
    }

    // The payer: some invoices paid at the sandbox, spread over the run.
    let payer = {
        let (http, base) = (http.clone(), a.sandbox.clone());
        let every = Duration::from_secs_f64(1.0 / a.pays_per_second.max(0.01));
        tokio::spawn(async move {
            let mut paid = 0u64;
            let mut tick = tokio::time::interval(every);
            // Every seventh invoice, so that every terminal and gateway gets some.
            let order: Vec<&(ProviderId, String)> = (0..all.len()).map(|i| &all[(i * 7) % all.len()]).collect();
            for (p, reference) in order {
                tick.tick().await;
                if Instant::now() + Duration::from_secs(5) > end {
                    break;
                }
                if http.post(pay_url(&base, *p, reference)).send().await.is_ok_and(|r| r.status().is_success()) {
                    paid += 1;
                }
            }
            paid
        })
    };

    for d in drives {
        if let Err(e) = d.await.unwrap() {
            eprintln!("scale: a till stopped: {e}");
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    let paid = payer.await.unwrap_or(0);
    let writes = stats.writes.load(Ordering::Relaxed) - writes_before;
    let cpu = cpu_before.zip(cpu_of("/proc/self/stat")).map(|(b, e)| e - b);
    let mut f = board.join().unwrap();
    let rates = http.get(format!("{}/_sandbox/rates", a.sandbox)).send().await.unwrap().bytes().await.unwrap();
    let rates: Value = serde_json::from_slice(&rates).unwrap();

    println!(
        "scale benchmark: {} terminals × {} open invoices, {elapsed:.0} s, one PostgreSQL, one sandbox",
        a.terminals, a.invoices
    );
    println!();
    println!("{:<44} {writes} = {:.1}/s", "store writes (all tills)", writes as f64 / elapsed);
    println!("{:<44} {}", "  of which lease turns", stats.lease_turns.load(Ordering::Relaxed) - turns_before);
    println!("{:<44} {}", "  of which status changes", stats.status_writes.load(Ordering::Relaxed));
    println!("{:<44} {paid}", "invoices paid at the sandbox");
    println!("{:<44} {} ({} rows, {} lost)", "board updates", f.updates, f.rows, f.lost);
    let n = f.latencies.len();
    let (p50, p95, max) =
        (percentile(&mut f.latencies, 0.5), percentile(&mut f.latencies, 0.95), percentile(&mut f.latencies, 1.0));
    println!(
        "{:<44} p50 {} · p95 {} · max {} ({n} changes)",
        "board: stored change -> frame drawn",
        ms(p50),
        ms(p95),
        ms(max)
    );
    let (fp50, fmax) = (percentile(&mut f.frames, 0.5), percentile(&mut f.frames, 1.0));
    println!("{:<44} p50 {} · max {}", "board: apply one update + draw 120×40", ms(fp50), ms(fmax));
    if let Some(c) = f.cpu_seconds {
        println!(
            "{:<44} {c:.2} s = {:.1}% of one core",
            "board thread CPU (feed, state, drawing)",
            100.0 * c / elapsed
        );
    }
    println!("{:<44} {:.1} MB", "board thread heap peak", f.heap_peak as f64 / 1e6);
    if let Some(c) = cpu {
        println!("{:<44} {c:.1} s = {:.0}% of one core", "process CPU (tills + board)", 100.0 * c / elapsed);
    }
    if let Some(m) = peak_rss_mb() {
        println!("{:<44} {m:.0} MB", "process peak memory (VmHWM, tills + board)");
    }
    println!();
    println!(
        "{:<10} {:>9} {:>10} {:>8} {:>22} {:>7}",
        "gateway", "requests", "max in 1s", "limit/s", "per invoice/min (max)", "within"
    );
    let mut within = true;
    for (p, _) in METHODS {
        let r = &rates[p.id()];
        let get = |k: &str| r.get(k).and_then(Value::as_u64).unwrap_or(0);
        let limits = config.poll.limits(p);
        let per_invoice = limits.per_invoice.map(|l| l.requests);
        let ok = get("max_in_1s") <= u64::from(limits.gateway.requests)
            && per_invoice.is_none_or(|m| get("max_per_path_in_60s") <= u64::from(m));
        within &= ok;
        let pi = per_invoice.map_or("—".to_string(), |m| format!("{} ({m})", get("max_per_path_in_60s")));
        println!(
            "{:<10} {:>9} {:>10} {:>8} {:>22} {:>7}",
            p.name(),
            get("requests"),
            get("max_in_1s"),
            limits.gateway.requests,
            pi,
            if ok { "yes" } else { "OVER" }
        );
    }
    println!();
    println!("requests per second at each gateway, second by second from its first request:");
    for (p, _) in METHODS {
        let seconds: Vec<u64> = rates[p.id()]["per_second"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_u64).collect())
            .unwrap_or_default();
        let shown: Vec<String> = seconds.iter().take(40).map(u64::to_string).collect();
        let more = if seconds.len() > 40 { " …" } else { "" };
        println!("  {:<10} {}{more}", p.name(), shown.join(" "));
    }
    println!();
    println!("{}", if within { "every gateway key within its limit" } else { "A GATEWAY KEY WENT OVER ITS LIMIT" });
    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
    std::process::exit(if within { 0 } else { 1 });
}
