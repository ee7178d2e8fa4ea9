//! End to end for every method of every gateway: `till charge` against a
//! `till sandbox` process reaches paid (exit 0) and expired (exit 2).

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use support::proc::*;

const METHODS: &[&str] = &[
    "xpay:lightning",
    "xpay:usdt-tron",
    "xpays:usdt-tron",
    "xcash:usdt-tron",
    "xaigate:checkout",
    "bitsby:usdt-tron",
    "bitsby:usdt-bsc",
    "bitsby:usdt-ethereum",
    "bitsby:eth",
    "bitsby:btc",
];

/// A config with all five gateways pointing at the sandbox.
fn config_all(dir: &Path, base: &str) -> PathBuf {
    let path = dir.join("all.toml");
    let text = format!(
        r#"[shop]
name = "Test shop"
currency = "USD"
terminal = "e2e"

[poll]
interval_secs = 1

[providers.xpay]
base_url = "{base}"
username = "{xpay_user}"
secret_key = "env:E2E_XPAY"

[providers.xpays]
base_url = "{base}"
api_key = "env:E2E_XPAYS_KEY"
secret_key = "env:E2E_XPAYS_SECRET"

[providers.xcash]
base_url = "{base}"
appid = "{xcash_appid}"
hmac_key = "env:E2E_XCASH"

[providers.xaigate]
base_url = "{base}"
api_key = "env:E2E_XAIGATE"
email = "shop@example.com"

[providers.bitsby]
base_url = "{base}"
token = "env:E2E_BITSBY"
project_id = "{bitsby_project}"
methods = ["usdt-tron", "usdt-bsc", "usdt-ethereum", "eth", "btc"]
"#,
        xpay_user = till_sandbox::DEMO_XPAY_USERNAME,
        xcash_appid = till_sandbox::DEMO_XCASH_APPID,
        bitsby_project = till_sandbox::DEMO_BITSBY_PROJECT_ID,
    );
    std::fs::write(&path, text).unwrap();
    path
}

fn charge_all(dir: &Path, config: &Path, method: &str) -> std::process::Child {
    Command::new(TILL)
        .args(["charge", "--amount", "12.50", "--method", method, "--json", "--config"])
        .arg(config)
        .arg("--data-dir")
        .arg(dir)
        .env("E2E_XPAY", till_sandbox::DEMO_XPAY_SECRET_KEY)
        .env("E2E_XPAYS_KEY", till_sandbox::DEMO_XPAYS_API_KEY)
        .env("E2E_XPAYS_SECRET", till_sandbox::DEMO_XPAYS_SECRET_KEY)
        .env("E2E_XCASH", till_sandbox::DEMO_XCASH_HMAC_KEY)
        .env("E2E_XAIGATE", till_sandbox::DEMO_XAIGATE_API_KEY)
        .env("E2E_BITSBY", till_sandbox::DEMO_BITSBY_TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The control path that makes the sandbox's invoice `action`.
fn control_path(method: &str, reference: &str, action: &str) -> String {
    match method.split_once(':').unwrap().0 {
        "xpay" => format!("/_sandbox/xpay/bills/{reference}/{action}"),
        gw => format!("/_sandbox/{gw}/invoices/{reference}/{action}"),
    }
}

/// Runs a charge, applies `action` once the invoice is shown pending, and
/// returns the exit code, the events and stderr.
fn run(method: &str, action: &str) -> (i32, Vec<serde_json::Value>, String) {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = SandboxProcess::start(dir.path());
    let cfg = config_all(dir.path(), &sandbox.base);
    let mut child = charge_all(dir.path(), &cfg, method);
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut events = Vec::new();
    for line in lines.by_ref() {
        let v: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        let pending = v["status"] == "pending";
        events.push(v);
        if pending {
            break;
        }
    }
    let Some(reference) = events.first().and_then(|e| e["reference"].as_str()).map(str::to_string) else {
        let out = child.wait_with_output().unwrap();
        panic!("{method}: no invoice: {events:?} {}", String::from_utf8_lossy(&out.stderr));
    };
    let status = post(&format!("{}{}", sandbox.base, control_path(method, &reference, action)));
    assert!((200..300).contains(&status), "{method} {action}: HTTP {status}");
    for line in lines {
        events.push(serde_json::from_str(&line.unwrap()).unwrap());
    }
    let out = child.wait_with_output().unwrap();
    (out.status.code().unwrap(), events, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn check_created(method: &str, created: &serde_json::Value) {
    assert_eq!(created["event"], "created", "{method}");
    assert_eq!(created["method"], method);
    let payload = created["payload"].as_str().unwrap();
    let want = match method {
        "xpay:lightning" => "LIGHTNING:LNBCRT",
        "xaigate:checkout" => "http",
        "bitsby:btc" => "bitcoin:bcrt1",
        m if m.ends_with("usdt-tron") => "T",
        _ => "0x",
    };
    assert!(payload.starts_with(want), "{method}: {payload}");
}

#[test]
fn every_method_of_every_gateway_reaches_paid() {
    for method in METHODS {
        let (code, events, stderr) = run(method, "pay");
        assert_eq!(code, 0, "{method}: {events:?} {stderr}");
        check_created(method, &events[0]);
        assert_eq!(events.last().unwrap()["status"], "paid", "{method}");
    }
}

#[test]
fn every_method_of_every_gateway_reaches_expired() {
    for method in METHODS {
        let (code, events, stderr) = run(method, "expire");
        assert_eq!(code, 2, "{method}: {events:?} {stderr}");
        assert_eq!(events.last().unwrap()["status"], "expired", "{method}");
    }
}
