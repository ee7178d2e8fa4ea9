//! End to end: `till charge` against a `till sandbox` process, both the built
//! binary, talking over loopback.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{ChildStdout, Command};
use support::proc::*;

fn next_json(lines: &mut std::io::Lines<BufReader<ChildStdout>>) -> serde_json::Value {
    let line = lines.next().expect("a line").unwrap();
    serde_json::from_str(&line).unwrap_or_else(|e| panic!("{line}: {e}"))
}

/// Runs a charge, applies `control` to its invoice once created, and returns
/// the exit code, the JSON events and stderr.
fn run_sale(method: &str, control: &str) -> (i32, Vec<serde_json::Value>, String) {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = SandboxProcess::start(dir.path());
    let cfg = config(dir.path(), &sandbox.base, till_sandbox::DEMO_XPAY_SECRET_KEY);
    let mut child = charge(dir.path(), &cfg, till_sandbox::DEMO_XPAY_SECRET_KEY, method);
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let created = next_json(&mut lines);
    let first_status = next_json(&mut lines);
    let id = created["invoice_id"].as_str().unwrap().to_string();
    sandbox.control(&format!("bills/{id}/{control}"));
    let mut events = vec![created, first_status];
    for line in lines {
        events.push(serde_json::from_str(&line.unwrap()).unwrap());
    }
    let out = child.wait_with_output().unwrap();
    (out.status.code().unwrap(), events, String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_paid_lightning_sale_exits_0_with_the_json_events() {
    let (code, events, stderr) = run_sale("xpay:lightning", "pay");
    assert_eq!(code, 0, "{stderr}");
    let created = &events[0];
    assert_eq!(created["event"], "created");
    assert_eq!(created["provider"], "xpay");
    assert_eq!(created["method"], "xpay:lightning");
    assert_eq!(created["amount"], "12.50");
    assert_eq!(created["currency"], "USD");
    assert!(created["payload"].as_str().unwrap().starts_with("LIGHTNING:LNBCRT"));
    let expires: jiff::Timestamp = created["expires_at"].as_str().unwrap().parse().unwrap();
    assert!(expires > jiff::Timestamp::now());
    let statuses: Vec<&str> = events[1..].iter().map(|e| e["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["pending", "paid"]);
    assert!(events[1..].iter().all(|e| e["event"] == "status"));
}

#[test]
fn a_paid_tron_sale_exits_0() {
    let (code, events, stderr) = run_sale("xpay:usdt-tron", "pay");
    assert_eq!(code, 0, "{stderr}");
    assert!(events[0]["payload"].as_str().unwrap().starts_with('T'));
    assert_eq!(events.last().unwrap()["status"], "paid");
}

#[test]
fn an_expired_sale_exits_2() {
    let (code, events, stderr) = run_sale("xpay:lightning", "expire");
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(events.last().unwrap()["status"], "expired");
}

#[test]
fn an_expired_part_paid_sale_exits_2_as_expired_underpaid() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = SandboxProcess::start(dir.path());
    let cfg = config(dir.path(), &sandbox.base, "");
    let mut child = charge(dir.path(), &cfg, till_sandbox::DEMO_XPAY_SECRET_KEY, "xpay:usdt-tron");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let id = next_json(&mut lines)["invoice_id"].as_str().unwrap().to_string();
    assert_eq!(next_json(&mut lines)["status"], "pending");
    sandbox.control(&format!("bills/{id}/partial"));
    assert_eq!(next_json(&mut lines)["status"], "underpaid");
    sandbox.control(&format!("bills/{id}/expire"));
    assert_eq!(next_json(&mut lines)["status"], "expired_underpaid");
    assert_eq!(child.wait().unwrap().code(), Some(2));
}

#[test]
fn a_wrong_secret_exits_1_saying_the_credentials_were_refused() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = SandboxProcess::start(dir.path());
    let cfg = config(dir.path(), &sandbox.base, "");
    let child = charge(dir.path(), &cfg, "wrong-secret", "xpay:lightning");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("xPay refused the credentials"), "{stderr}");
    assert!(!stderr.contains("wrong-secret"), "the secret never shows: {stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn a_bad_amount_or_method_exits_64_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "http://127.0.0.1:9", "");
    for (amount, method, want) in [
        ("0", "xpay:lightning", "must be more than zero"),
        ("1.234", "xpay:lightning", "2 decimal places"),
        ("5", "xpay:doge", "\"xpay:doge\" is not a method this till offers: use one of xpay:lightning, xpay:usdt-tron"),
    ] {
        let out = Command::new(TILL)
            .args(["charge", "--amount", amount, "--method", method, "--config"])
            .arg(&cfg)
            .arg("--data-dir")
            .arg(dir.path())
            .env("TILL_E2E_SECRET", "x")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(64), "usage, not 2 (expired)");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(want), "{amount} {method}: {stderr}");
    }
}

fn till(dir: &std::path::Path, cfg: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(TILL)
        .args(args)
        .arg("--config")
        .arg(cfg)
        .arg("--data-dir")
        .arg(dir)
        .env("TILL_E2E_SECRET", "unused")
        .output()
        .unwrap()
}

#[test]
fn a_paid_sale_is_in_the_history_the_report_and_has_a_receipt() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = SandboxProcess::start(dir.path());
    let cfg = config(dir.path(), &sandbox.base, "");
    let mut child = charge(dir.path(), &cfg, till_sandbox::DEMO_XPAY_SECRET_KEY, "xpay:usdt-tron");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let id = next_json(&mut lines)["invoice_id"].as_str().unwrap().to_string();
    sandbox.control(&format!("bills/{id}/pay"));
    assert_eq!(child.wait().unwrap().code(), Some(0));

    let out = till(dir.path(), &cfg, &["history", "--csv"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut csv = csv::Reader::from_reader(out.stdout.as_slice());
    let rows: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][2], id.as_str());
    assert_eq!(&rows[0][5], "12.50");
    assert_eq!(&rows[0][10], "paid");

    let out = till(dir.path(), &cfg, &["report"]);
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(report.contains("Paid, per method") && report.contains("xpay:usdt-tron"), "{report}");
    assert!(report.contains("12.50 USD"), "{report}");

    let out = till(dir.path(), &cfg, &["receipt", &id]);
    let receipt = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for want in ["Test shop", "Terminal e2e", "12.50 USD", "12.5 USDT", "USDT on TRON (xPay)", id.as_str(), "PAID"] {
        assert!(receipt.contains(want), "{want} missing:\n{receipt}");
    }
}

#[test]
fn a_second_till_on_the_same_data_dir_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = SandboxProcess::start(dir.path());
    let cfg = config(dir.path(), &sandbox.base, "");
    let mut first = charge(dir.path(), &cfg, till_sandbox::DEMO_XPAY_SECRET_KEY, "xpay:lightning");
    let mut lines = BufReader::new(first.stdout.take().unwrap()).lines();
    let id = next_json(&mut lines)["invoice_id"].as_str().unwrap().to_string();
    let second =
        charge(dir.path(), &cfg, till_sandbox::DEMO_XPAY_SECRET_KEY, "xpay:lightning").wait_with_output().unwrap();
    assert_eq!(second.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(stderr.contains("another till is already running"), "{stderr}");
    // Reading the journal beside it is fine.
    assert!(till(dir.path(), &cfg, &["history"]).status.success());
    sandbox.control(&format!("bills/{id}/pay"));
    assert_eq!(first.wait().unwrap().code(), Some(0));
}
