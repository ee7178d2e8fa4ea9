//! Crash safety: `till charge` is killed with SIGKILL at random moments
//! (before the create, after it, while polling). After each kill the next
//! start (`till resume`) finds the invoice, resumes it and settles it to the
//! state the sandbox holds; no invoice the sandbox made is missing from the
//! journal.

mod support;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command};
use std::time::{Duration, Instant};
use support::proc::*;
use till::core::record::RecordState;
use till::core::status::Status;
use till::journal::{SqliteJournal, Store};

const KILLS: u32 = 50;

/// A small deterministic generator (the seed is printed on failure).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

fn read_line(child: &mut Child, reader: &mut Option<BufReader<std::process::ChildStdout>>) {
    if reader.is_none() {
        *reader = child.stdout.take().map(BufReader::new);
    }
    if let Some(r) = reader.as_mut() {
        let mut line = String::new();
        let _ = r.read_line(&mut line);
    }
}

/// Waits for the process, failing the test after `limit` (a watchdog, not a timing assertion).
fn wait_with_limit(child: &mut Child, limit: Duration, dir: &std::path::Path) -> i32 {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code().unwrap_or(-1);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let out = std::fs::read_to_string(dir.join("resume.out")).unwrap_or_default();
            let err = std::fs::read_to_string(dir.join("resume.err")).unwrap_or_default();
            panic!("till resume did not finish within {limit:?}\nstdout:\n{out}\nstderr:\n{err}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn no_sale_is_lost_when_till_is_killed_at_random_moments() {
    let seed = std::env::var("TILL_CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed_u64);
    let mut rng = Lcg(seed);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    // TILL_CRASH_KEEP=1 keeps the data directory (journal, logs) for a post-mortem.
    let _guard = if std::env::var_os("TILL_CRASH_KEEP").is_some() {
        eprintln!("data directory kept at {}", tmp.keep().display());
        None
    } else {
        Some(tmp)
    };
    let sandbox = SandboxProcess::start(dir.as_path());
    let cfg = config(dir.as_path(), &sandbox.base, "");
    let secret = till_sandbox::DEMO_XPAY_SECRET_KEY;
    let mut expected: HashMap<String, Status> = HashMap::new();
    let mut moments = [0u32; 4];

    for i in 0..KILLS {
        let method = if i % 2 == 0 { "xpay:lightning" } else { "xpay:usdt-tron" };
        let mut child = charge(dir.as_path(), &cfg, secret, method);
        let mut reader = None;
        let moment = (rng.next() % 4) as usize;
        moments[moment] += 1;
        match moment {
            // At once: most likely before the create is sent.
            0 => {}
            // After the create: the `created` line is out.
            1 => read_line(&mut child, &mut reader),
            // While polling: the first status is out.
            2 => {
                read_line(&mut child, &mut reader);
                read_line(&mut child, &mut reader);
            }
            // Anywhere in the first 40 ms (chaos, not a timing assertion).
            _ => std::thread::sleep(Duration::from_millis(rng.next() % 40)),
        }
        child.kill().unwrap();
        child.wait().unwrap();

        // The customer pays, or walks away, while the till is down.
        for bill in sandbox.bills() {
            let reference = bill["billRef"].as_str().unwrap().to_string();
            if expected.contains_key(&reference) {
                continue;
            }
            let (action, status) =
                if rng.next().is_multiple_of(2) { ("pay", Status::Paid) } else { ("expire", Status::Expired) };
            sandbox.control(&format!("bills/{reference}/{action}"));
            expected.insert(reference, status);
        }

        // The next start settles everything.
        let mut resume = Command::new(TILL)
            .args(["resume", "--json", "--config"])
            .arg(&cfg)
            .arg("--data-dir")
            .arg(dir.as_path())
            .env("TILL_E2E_SECRET", secret)
            .stdout(std::fs::File::create(dir.as_path().join("resume.out")).unwrap())
            .stderr(std::fs::File::create(dir.as_path().join("resume.err")).unwrap())
            .spawn()
            .unwrap();
        let code = wait_with_limit(&mut resume, Duration::from_secs(30), dir.as_path());
        assert_eq!(code, 0, "seed {seed}, kill {i}: resume failed");

        let journal = SqliteJournal::open_read_only(dir.as_path()).unwrap().expect("a journal");
        for (reference, status) in &expected {
            let rec = journal.find(reference).unwrap();
            let rec =
                rec.unwrap_or_else(|| panic!("seed {seed}, kill {i}: {reference} made by the sandbox is missing"));
            assert_eq!(rec.state, RecordState::Created, "seed {seed}, kill {i}: {reference}");
            assert_eq!(&rec.status, status, "seed {seed}, kill {i}: {reference}");
        }
        assert!(journal.unresolved().unwrap().is_empty(), "seed {seed}, kill {i}: a create was left unresolved");
        // (Expired sales stay watched for a late payment: the open ones are
        // those with no window at all.)
        let open = journal.to_watch(jiff::Timestamp::MAX).unwrap();
        assert!(open.is_empty(), "seed {seed}, kill {i}: an invoice was left open");
    }
    eprintln!("seed {seed}: {KILLS} kills at moments {moments:?}; the sandbox made {} invoices", expected.len());
    assert!(moments.iter().all(|&n| n > 0), "every kind of moment was tried: {moments:?}");
    assert!(expected.len() as u32 >= KILLS / 2, "most kills came after a create: {}", expected.len());
}
