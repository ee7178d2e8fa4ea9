//! End to end: `till charge --tip --tax` against a `till sandbox` process;
//! the history CSV and `till report --csv` keep the tip and the tax apart.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use support::proc::*;

fn till(dir: &std::path::Path, cfg: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(TILL)
        .args(args)
        .arg("--config")
        .arg(cfg)
        .arg("--data-dir")
        .arg(dir)
        .env("TILL_E2E_SECRET", till_sandbox::DEMO_XPAY_SECRET_KEY)
        .output()
        .unwrap()
}

#[test]
fn a_tipped_sale_at_a_chosen_rate_is_exported_with_net_tax_tip_and_gross() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = SandboxProcess::start(dir.path());
    let cfg = config(dir.path(), &sandbox.base, "");
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push_str(
        "\n[tax]\n[[tax.rates]]\nname = \"food\"\nrate = \"7\"\n[[tax.rates]]\nname = \"drinks\"\nrate = \"19\"\n",
    );
    std::fs::write(&cfg, text).unwrap();

    let out = till(dir.path(), &cfg, &["charge", "--amount", "5", "--method", "xpay:lightning", "--tax", "wine"]);
    assert_eq!(out.status.code(), Some(64));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--tax wine: not a configured rate (the rates are food, drinks)"), "{stderr}");
    // Several rates and no --tax: the rate is the cashier's to pick, never the first by default.
    let out = till(dir.path(), &cfg, &["charge", "--amount", "5", "--method", "xpay:lightning"]);
    assert_eq!(out.status.code(), Some(64));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("pick one with --tax NAME (the rates are food, drinks)"), "{stderr}");
    // The amount and the tip each at the maximum: the total is refused, nothing invoiced.
    let max = ["charge", "--amount", "10000", "--tip", "10000", "--tax", "food", "--method", "xpay:lightning"];
    let out = till(dir.path(), &cfg, &max);
    assert_eq!(out.status.code(), Some(64));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("The sale comes to 20000.00 USD with the tip, above 10000.00 USD"), "{stderr}");

    let mut child = Command::new(TILL)
        .args(["charge", "--amount", "11.90", "--tip", "1.10", "--tax", "drinks", "--method", "xpay:usdt-tron"])
        .args(["--json", "--config"])
        .arg(&cfg)
        .arg("--data-dir")
        .arg(dir.path())
        .env("TILL_E2E_SECRET", till_sandbox::DEMO_XPAY_SECRET_KEY)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let created: serde_json::Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    let id = created["invoice_id"].as_str().unwrap().to_string();
    sandbox.control(&format!("bills/{id}/pay"));
    lines.for_each(drop);
    assert_eq!(child.wait().unwrap().code(), Some(0));

    let out = till(dir.path(), &cfg, &["history", "--csv"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut csv = csv::Reader::from_reader(out.stdout.as_slice());
    let header: Vec<String> = csv.headers().unwrap().iter().map(str::to_string).collect();
    let rows: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    let col = |name: &str| rows[0][header.iter().position(|h| h == name).unwrap()].to_string();
    // 11.90 at 19 % included: tax 1.90, net 10.00; the 1.10 tip on top.
    assert_eq!(
        ["amount", "net", "tax", "tax_rate", "tip", "gross", "status"].map(col),
        ["13.00", "10.00", "1.90", "drinks 19%", "1.10", "11.90", "paid"]
    );

    let out = till(dir.path(), &cfg, &["report", "--csv"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains(",paid,all,USD,1,13.00,10.00,1.90,11.90,1.10,"), "{report}");
    assert!(report.contains(",paid_by_rate,drinks 19%,USD,1,13.00,10.00,1.90,11.90,1.10,"), "{report}");
}
