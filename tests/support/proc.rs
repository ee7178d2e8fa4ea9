//! Helpers for tests that run the `till` binary: a sandbox process, a config
//! pointing at it, a charge.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};

pub const TILL: &str = env!("CARGO_BIN_EXE_till");

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
        use std::io::{Read, Write};
        let rest = self.base.strip_prefix("http://").unwrap();
        let mut s = std::net::TcpStream::connect(rest).unwrap();
        write!(s, "GET /_sandbox/xpay/bills HTTP/1.1\r\nHost: {rest}\r\nConnection: close\r\n\r\n").unwrap();
        let mut reply = Vec::new();
        s.read_to_end(&mut reply).unwrap();
        let text = String::from_utf8_lossy(&reply);
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
            dechunk(body)
        } else {
            body.to_string()
        };
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{body}: {e}"))
    }
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
