//! A tiny HTTP/1.1 client over a raw `TcpStream` (the sandbox has no HTTP
//! client dependency), plus xPay helpers.

#![allow(dead_code)]

use std::net::SocketAddr;

use serde_json::{Value, json};
use till_sandbox::{DEMO_XPAY_SECRET_KEY, DEMO_XPAY_USERNAME, Options, Running};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }
}

/// One request on a fresh connection (`Connection: close`).
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Reply {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        req.push_str(&format!("{name}: {value}\r\n"));
    }
    let body = body.unwrap_or("");
    req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(req.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    let text = String::from_utf8(raw).expect("utf-8 response");
    let (head, body) = text.split_once("\r\n\r\n").expect("header end");
    let mut lines = head.split("\r\n");
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).expect("status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    assert!(
        !headers.iter().any(|(n, v)| n == "transfer-encoding" && v.contains("chunked")),
        "this client does not decode chunked bodies"
    );
    Reply { status, headers, body: body.to_owned() }
}

pub async fn start() -> Running {
    start_with(Options::default()).await
}

pub async fn start_with(opts: Options) -> Running {
    till_sandbox::spawn("127.0.0.1:0".parse().expect("addr"), opts).await.expect("spawn sandbox")
}

/// `POST` JSON as the till does (`Content-Type`, optional Bearer and `uuid`).
pub async fn post(sb: &Running, path: &str, token: Option<&str>, uuid: Option<&str>, body: &str) -> Reply {
    let bearer = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(b) = &bearer {
        headers.push(("Authorization", b));
    }
    if let Some(u) = uuid {
        headers.push(("uuid", u));
    }
    request(sb.addr(), "POST", path, &headers, Some(body)).await
}

/// `POST` a JSON value, expecting HTTP 200; returns the envelope.
pub async fn xpay(sb: &Running, path: &str, token: &str, body: Value) -> Value {
    let reply = post(sb, path, Some(token), None, &body.to_string()).await;
    assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    reply.json()
}

pub async fn login(sb: &Running) -> String {
    let body = json!({
        "username": DEMO_XPAY_USERNAME,
        "secretKey": DEMO_XPAY_SECRET_KEY,
        "isAPI": true,
    });
    let reply = post(sb, "/client/authenticate", None, None, &body.to_string()).await;
    assert_eq!(reply.status, 200);
    reply.json()["success"]["data"]["access_token"].as_str().expect("access_token").to_owned()
}

/// Creates a bill the way the till does; returns the envelope.
pub async fn create(sb: &Running, token: &str, amount: u64, reference: &str, tag: &str, lightning: bool) -> Value {
    xpay(
        sb,
        "/client/bills/save",
        token,
        json!({
            "amount": amount,
            "tag": tag,
            "expireInMinutes": "30",
            "reference": reference,
            "useLightning": lightning,
        }),
    )
    .await
}

pub async fn view(sb: &Running, token: &str, reference: &str) -> Value {
    xpay(sb, "/client/bills/view", token, json!({ "reference": reference })).await
}

/// A control-API call.
pub async fn control(sb: &Running, method: &str, path: &str, body: Option<&str>) -> Reply {
    let headers: &[(&str, &str)] = if body.is_some() { &[("Content-Type", "application/json")] } else { &[] };
    request(sb.addr(), method, path, headers, body).await
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock after 1970").as_millis() as i64
}

/// Keys of a JSON object, sorted.
pub fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
    k.sort();
    k
}

pub fn is_uuid(v: &Value) -> bool {
    v.as_str().is_some_and(|s| s.len() == 36 && uuid::Uuid::parse_str(s).is_ok())
}
