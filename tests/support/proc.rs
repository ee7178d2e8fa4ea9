//! Helpers for tests that run the `till` binary: a sandbox process (its
//! control API, the invoices it holds), a config pointing at it (xPay alone,
//! or all five gateways), a charge.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};

// (Tests have the binary; the README's screenshot example, which shares
// these helpers, runs none.)
pub const TILL: &str = match option_env!("CARGO_BIN_EXE_till") {
    Some(path) => path,
    None => "till",
};

/// A `till sandbox` process on an ephemeral port; killed on drop.
pub struct SandboxProcess {
    child: Child,
    pub base: String,
    /// Kept open: the sandbox may still write to it.
    _stdout: BufReader<ChildStdout>,
}

impl SandboxProcess {
    pub fn start(data: &Path) -> SandboxProcess {
        let mut child = Command::new(TILL)
            .args(["sandbox", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        stdout.read_line(&mut line).unwrap();
        let base = line.trim().rsplit(' ').next().unwrap().to_string();
        assert!(base.starts_with("http://127.0.0.1:"), "{line}");
        SandboxProcess { child, base, _stdout: stdout }
    }

    pub fn control(&self, path: &str) {
        let status = post(&format!("{}/_sandbox/xpay/{path}", self.base));
        assert!((200..300).contains(&status), "{path}: HTTP {status}");
    }

    /// A control action on an invoice of `gateway`, by our reference (xPay
    /// keeps its `bills` path); the HTTP status.
    pub fn act(&self, gateway: &str, reference: &str, action: &str) -> u16 {
        let what = if gateway == "xpay" { "bills" } else { "invoices" };
        post(&format!("{}/_sandbox/{gateway}/{what}/{reference}/{action}", self.base))
    }

    /// A key of every invoice the sandbox holds for `gateway`, in the order
    /// made, that both its control API and the journal's `find` take: our
    /// reference (xPay `billRef`, xpays `order_id`, XaiGate `orderId`, a
    /// string or a number, Bitsby `serviceData`'s `till_sale`), or, for
    /// Xcash, whose listing has no `out_no`, the invoice's `sys_no`.
    pub fn references(&self, gateway: &str) -> Vec<String> {
        let what = if gateway == "xpay" { "bills" } else { "invoices" };
        let field = |v: &serde_json::Value| -> Option<String> {
            let r = match gateway {
                "xpay" => v["billRef"].clone(),
                "xpays" => v["order_id"].clone(),
                "xcash" => v["sys_no"].clone(),
                "xaigate" => v["orderId"].clone(),
                _ => {
                    let data = v["serviceData"].as_str().and_then(|s| serde_json::from_str(s).ok());
                    data.map(|d: serde_json::Value| d["till_sale"].clone()).unwrap_or_default()
                }
            };
            r.as_str().map(str::to_string).or_else(|| r.as_u64().map(|n| n.to_string()))
        };
        self.get(&format!("/_sandbox/{gateway}/{what}")).iter().filter_map(field).collect()
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A bare HTTP/1.1 POST over loopback; returns the status code.
pub fn post(url: &str) -> u16 {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut s = std::net::TcpStream::connect(host).unwrap();
    write!(s, "POST /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    reply.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}

pub fn config(dir: &Path, base: &str, secret: &str) -> PathBuf {
    let path = dir.join("till.toml");
    let text = format!(
        r#"[shop]
name = "Test shop"
currency = "USD"
terminal = "e2e"

[poll]
interval_secs = 1

[providers.xpay]
base_url = "{base}"
username = "{user}"
secret_key = "env:TILL_E2E_SECRET"
expire_minutes = 15
"#,
        user = till_sandbox::DEMO_XPAY_USERNAME,
    );
    std::fs::write(&path, text).unwrap();
    let _ = secret;
    path
}

/// A config with all five gateways pointing at the sandbox, their demo
/// credentials written in (`till_sandbox::DEMO_…`).
pub fn config_every_gateway(dir: &Path, base: &str) -> PathBuf {
    let path = dir.join("every.toml");
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
secret_key = "env:TILL_E2E_SECRET"
expire_minutes = 15

[providers.xpays]
base_url = "{base}"
api_key = "{xpays_key}"
secret_key = "{xpays_secret}"

[providers.xcash]
base_url = "{base}"
appid = "{xcash_appid}"
hmac_key = "{xcash_key}"

[providers.xaigate]
base_url = "{base}"
api_key = "{xaigate_key}"
email = "shop@example.com"

[providers.bitsby]
base_url = "{base}"
token = "{bitsby_token}"
project_id = "{bitsby_project}"
"#,
        xpay_user = till_sandbox::DEMO_XPAY_USERNAME,
        xpays_key = till_sandbox::DEMO_XPAYS_API_KEY,
        xpays_secret = till_sandbox::DEMO_XPAYS_SECRET_KEY,
        xcash_appid = till_sandbox::DEMO_XCASH_APPID,
        xcash_key = till_sandbox::DEMO_XCASH_HMAC_KEY,
        xaigate_key = till_sandbox::DEMO_XAIGATE_API_KEY,
        bitsby_token = till_sandbox::DEMO_BITSBY_TOKEN,
        bitsby_project = till_sandbox::DEMO_BITSBY_PROJECT_ID,
    );
    std::fs::write(&path, text).unwrap();
    path
}

pub fn charge(dir: &Path, config: &Path, secret: &str, method: &str) -> Child {
    Command::new(TILL)
        .args(["charge", "--amount", "12.50", "--method", method, "--json", "--config"])
        .arg(config)
        .arg("--data-dir")
        .arg(dir)
        .env("TILL_E2E_SECRET", secret)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

impl SandboxProcess {
    /// Every bill the sandbox holds (view shape).
    pub fn bills(&self) -> Vec<serde_json::Value> {
        self.get("/_sandbox/xpay/bills")
    }

    /// A control listing (a JSON array).
    fn get(&self, path: &str) -> Vec<serde_json::Value> {
        serde_json::from_value(get_json(&self.base, path)).unwrap()
    }
}

/// `GET path` at a sandbox (`http://HOST:PORT`), its JSON answer.
pub fn get_json(base: &str, path: &str) -> serde_json::Value {
    use std::io::{Read, Write};
    let rest = base.strip_prefix("http://").unwrap();
    let mut s = std::net::TcpStream::connect(rest).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {rest}\r\nConnection: close\r\n\r\n").unwrap();
    let mut reply = Vec::new();
    s.read_to_end(&mut reply).unwrap();
    let text = String::from_utf8_lossy(&reply);
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let body =
        if head.to_ascii_lowercase().contains("transfer-encoding: chunked") { dechunk(body) } else { body.to_string() };
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{body}: {e}"))
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&after[..n]);
        rest = &after[n + 2..];
    }
    out
}

/// Runs the built `till` with `config` written (private, 0600) into `dir`
/// and its data in `dir/data`: for tests of the commands' words and exit codes.
pub fn till_in(dir: &Path, config: &str, args: &[&str]) -> std::process::Output {
    let path = dir.join("till.toml");
    std::fs::write(&path, config).unwrap();
    // Private, as the README asks: no warning about literal secrets.
    #[cfg(unix)]
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    Command::new(TILL)
        .arg("--config")
        .arg(&path)
        .arg("--data-dir")
        .arg(dir.join("data"))
        .args(args)
        .env_remove("TILL_CONFIG")
        .output()
        .unwrap()
}

/// Standard output then standard error, as text.
pub fn said(o: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// A till in UTC with xPay at a loopback port nothing listens on: for the
/// commands that never reach a gateway (the close, its verification).
pub const UTC_CONFIG: &str = r#"[shop]
name = "Corner"
currency = "USD"
terminal = "till-1"
timezone = "UTC"

[providers.xpay]
base_url = "http://127.0.0.1:9"
username = "a@b.c"
secret_key = "k"
"#;
