//! `/_sandbox/faults` (CONTROL.md § Faults) against real gateway requests.

mod common;

use std::str::FromStr;
use std::time::{Duration, Instant};

use common::*;
use hmac::{Hmac, Mac};
use lightning_invoice::Bolt11Invoice;
use serde_json::{Value, json};
use sha2::Sha256;
use till_sandbox::{DEMO_XCASH_APPID, DEMO_XCASH_HMAC_KEY, DEMO_XPAYS_API_KEY, DEMO_XPAYS_SECRET_KEY, Running};

const XPAYS_CREATE: &str = "/v1/payment/createInvoicePayment";

fn hmac_hex(key: &str, parts: &[&str]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("any key length");
    for p in parts {
        mac.update(p.as_bytes());
    }
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// A signed xpays.life create for `order_id` (10 USD).
async fn xpays_create(sb: &Running, order_id: &str) -> Reply {
    let body = json!({
        "order_id": order_id, "amount": "10", "from_fiat_currency": "USD",
        "to_crypto_currency": "USDT", "chain": "tron",
    })
    .to_string();
    let ts = now_ms().to_string();
    let sig = hmac_hex(DEMO_XPAYS_SECRET_KEY, &[&ts, &body]);
    let headers = [
        ("Content-Type", "application/json"),
        ("x-api-key", DEMO_XPAYS_API_KEY),
        ("x-timestamp", ts.as_str()),
        ("x-signature", sig.as_str()),
    ];
    request(sb.addr(), "POST", XPAYS_CREATE, &headers, Some(&body)).await
}

/// A signed Xcash create for `out_no` (4.50 USD, USDT on tron).
async fn xcash_create(sb: &Running, out_no: &str) -> Reply {
    let body = json!({
        "out_no": out_no, "title": "Corner Cafe", "currency": "USD", "amount": "4.50",
        "duration": 15, "methods": {"USDT": ["tron"]},
    })
    .to_string();
    let nonce = uuid::Uuid::new_v4().to_string();
    let ts = (now_ms() / 1000).to_string();
    let sig = hmac_hex(DEMO_XCASH_HMAC_KEY, &[&nonce, &ts, &body]);
    let headers = [
        ("Content-Type", "application/json"),
        ("XC-Appid", DEMO_XCASH_APPID),
        ("XC-Nonce", nonce.as_str()),
        ("XC-Timestamp", ts.as_str()),
        ("XC-Signature", sig.as_str()),
    ];
    request(sb.addr(), "POST", "/v1/invoice", &headers, Some(&body)).await
}

async fn arm(sb: &Running, fault: Value) -> Value {
    let r = control(sb, "POST", "/_sandbox/faults", Some(&fault.to_string())).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

async fn xpays_invoices(sb: &Running) -> Vec<Value> {
    control(sb, "GET", "/_sandbox/xpays/invoices", None).await.json().as_array().expect("list").clone()
}

fn header<'a>(r: &'a Reply, name: &str) -> Option<&'a str> {
    r.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

fn base58check_ok(addr: &str) -> bool {
    bs58::decode(addr).with_check(Some(0x41)).into_vec().is_ok_and(|raw| raw.len() == 21)
}

/// Same length, same text but for the last character.
fn only_last_differs(bad: &str, good: &str) {
    assert_eq!(bad.len(), good.len());
    assert_eq!(bad[..bad.len() - 1], good[..good.len() - 1]);
    assert_ne!(bad, good);
}

#[tokio::test]
async fn status500_is_not_processed() {
    let sb = start().await;
    let armed = arm(&sb, json!({"gateway": "xpays", "path": XPAYS_CREATE, "kind": "status500"})).await;
    assert_eq!(
        armed["armed"],
        json!({"gateway": "xpays", "path": XPAYS_CREATE, "kind": "status500", "count": 1,
               "retry_after_secs": 1, "delay_ms": 5000})
    );
    let r = xpays_create(&sb, "f500").await;
    assert_eq!(r.status, 500);
    assert_eq!(r.json(), json!({"error": "sandbox fault"}));
    assert!(xpays_invoices(&sb).await.is_empty(), "not processed");
    // The request still counts; the fault is spent.
    let counts = control(&sb, "GET", "/_sandbox/requests", None).await.json();
    assert_eq!(counts[XPAYS_CREATE], 1);
    assert_eq!(control(&sb, "GET", "/_sandbox/faults", None).await.json(), json!({"faults": []}));
    let r = xpays_create(&sb, "f500").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(xpays_invoices(&sb).await.len(), 1);
}

#[tokio::test]
async fn status500_after_is_processed() {
    let sb = start().await;
    arm(&sb, json!({"gateway": "xpays", "kind": "status500_after"})).await;
    let r = xpays_create(&sb, "lost-1").await;
    assert_eq!(r.status, 500);
    assert_eq!(r.json(), json!({"error": "sandbox fault"}));
    let list = xpays_invoices(&sb).await;
    assert_eq!(list.len(), 1, "the create happened");
    assert_eq!(list[0]["order_id"], "lost-1");
    // xpays.life: a blind repeat is refused (the till must not repeat).
    let r = xpays_create(&sb, "lost-1").await;
    assert_eq!(r.status, 400);
    assert_eq!(xpays_invoices(&sb).await.len(), 1);

    // Xcash: the repeat with the same out_no returns the invoice the lost answer carried.
    arm(&sb, json!({"gateway": "xcash", "kind": "status500_after"})).await;
    assert_eq!(xcash_create(&sb, "lost-2").await.status, 500);
    let r = xcash_create(&sb, "lost-2").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let list = control(&sb, "GET", "/_sandbox/xcash/invoices", None).await.json();
    assert_eq!(list.as_array().expect("list").len(), 1);
    assert_eq!(list[0]["sys_no"], r.json()["sys_no"]);
}

#[tokio::test]
async fn rate_limit_sends_retry_after() {
    let sb = start().await;
    arm(&sb, json!({"gateway": "xpays", "kind": "rate_limit", "retry_after_secs": 2})).await;
    let r = xpays_create(&sb, "rl-1").await;
    assert_eq!(r.status, 429);
    assert_eq!(header(&r, "retry-after"), Some("2"));
    assert!(xpays_invoices(&sb).await.is_empty(), "not processed");
    // Default: 1 second.
    arm(&sb, json!({"gateway": "xcash", "kind": "rate_limit"})).await;
    let r = xcash_create(&sb, "rl-2").await;
    assert_eq!(r.status, 429);
    assert_eq!(header(&r, "retry-after"), Some("1"));
}

#[tokio::test]
async fn slow_holds_the_answer_back() {
    let sb = start().await;
    arm(&sb, json!({"gateway": "xpays", "kind": "slow", "delay_ms": 80})).await;
    let t = Instant::now();
    let r = xpays_create(&sb, "slow-1").await;
    assert!(t.elapsed() >= Duration::from_millis(80), "{:?}", t.elapsed());
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["data"]["order_id"], "slow-1");
    assert_eq!(xpays_invoices(&sb).await.len(), 1);
}

#[tokio::test]
async fn malformed_and_huge_answers() {
    let sb = start().await;
    arm(&sb, json!({"gateway": "xpays", "kind": "malformed"})).await;
    let r = xpays_create(&sb, "mal-1").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, "{\"data\": [tru");
    assert!(serde_json::from_str::<Value>(&r.body).is_err());
    assert_eq!(xpays_invoices(&sb).await.len(), 1, "processed");

    arm(&sb, json!({"gateway": "xpays", "kind": "huge"})).await;
    let r = xpays_create(&sb, "huge-1").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body.len(), 2 * 1024 * 1024);
    assert_eq!(header(&r, "content-length"), Some("2097152"));
    assert_eq!(xpays_invoices(&sb).await.len(), 2, "processed");
}

#[tokio::test]
async fn unverifiable_breaks_xpays_payment_data() {
    let sb = start().await;
    arm(&sb, json!({"gateway": "xpays", "kind": "unverifiable"})).await;
    let r = xpays_create(&sb, "unv-1").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let bad = r.json()["data"].clone();
    let good = xpays_invoices(&sb).await[0].clone();
    let (bad_addr, good_addr) = (bad["address"].as_str().expect("address"), good["address"].as_str().expect("address"));
    assert!(base58check_ok(good_addr));
    assert!(!base58check_ok(bad_addr), "{bad_addr}");
    only_last_differs(bad_addr, good_addr);
    assert_eq!(bad["payment_url"], "http://example.com/pay/unv-1");
    // Everything else is untouched, number digits included.
    assert!(r.body.contains(r#""payment_amount":9.99721717462727,"#), "{}", r.body);
    for same in ["id", "order_id", "status", "expired_at", "amount", "seq_num"] {
        assert_eq!(bad[same], good[same], "{same}");
    }
}

#[tokio::test]
async fn unverifiable_breaks_xcash_payment_data() {
    let sb = start().await;
    arm(&sb, json!({"gateway": "xcash", "kind": "unverifiable", "count": 2})).await;
    let r = xcash_create(&sb, "unv-2").await;
    assert_eq!(r.status, 201, "{}", r.body);
    let bad = r.json();
    let sys_no = bad["sys_no"].as_str().expect("sys_no");
    // The status call is corrupted too (count 2) …
    let st = request(sb.addr(), "GET", &format!("/v1/invoice/{sys_no}"), &[], None).await.json();
    // … the control API is not.
    let good = control(&sb, "GET", "/_sandbox/xcash/invoices", None).await.json()[0].clone();
    for v in [&bad, &st] {
        for field in ["pay_address", "crypto_address"] {
            let (b, g) = (v[field].as_str().expect("address"), good[field].as_str().expect("address"));
            assert!(base58check_ok(g));
            assert!(!base58check_ok(b), "{field}: {b}");
            only_last_differs(b, g);
        }
        assert_eq!(v["pay_url"], format!("http://example.com/pay/{sys_no}"));
        assert_eq!(v["pay_amount"], good["pay_amount"]);
    }
    // Spent: the next status is clean.
    let st = request(sb.addr(), "GET", &format!("/v1/invoice/{sys_no}"), &[], None).await.json();
    assert_eq!(st["pay_address"], good["pay_address"]);
}

#[tokio::test]
async fn unverifiable_breaks_xpay_tron_and_lightning() {
    let sb = start().await;
    let token = login(&sb).await;
    arm(&sb, json!({"gateway": "xpay", "path": "/client/bills/save", "kind": "unverifiable", "count": 2})).await;

    let v = create(&sb, &token, 2_500_000, "t1", "till-t1", false).await;
    let bad = v["success"]["data"]["address"].as_str().expect("address string").to_owned();
    let good =
        view(&sb, &token, "t1").await["success"]["data"]["address"]["base58"].as_str().expect("base58").to_owned();
    assert!(base58check_ok(&good));
    assert!(!base58check_ok(&bad), "{bad}");
    only_last_differs(&bad, &good);

    let v = create(&sb, &token, 2_500_000, "l1", "till-l1", true).await;
    let bad = v["success"]["data"]["lnInvoice"]["paymentRequest"].as_str().expect("bolt11").to_owned();
    let good = view(&sb, &token, "l1").await["success"]["data"]["lnInvoice"]["paymentRequest"]
        .as_str()
        .expect("bolt11")
        .to_owned();
    assert!(Bolt11Invoice::from_str(&good).is_ok());
    assert!(Bolt11Invoice::from_str(&bad).is_err(), "{bad}");
    // One character changed, inside the signature (the 104 characters before the 6 of the checksum).
    let diffs: Vec<usize> =
        bad.bytes().zip(good.bytes()).enumerate().filter(|(_, (a, b))| a != b).map(|(i, _)| i).collect();
    assert_eq!(diffs.len(), 1, "{bad}\n{good}");
    assert!(diffs[0] >= good.len() - 6 - 104 && diffs[0] < good.len() - 6, "{diffs:?}");
}

#[tokio::test]
async fn faults_match_by_gateway_path_and_count() {
    let sb = start().await;
    // Another gateway's fault does not touch xpays; a path that does not match neither.
    arm(&sb, json!({"gateway": "xcash", "kind": "status500", "count": 5})).await;
    arm(&sb, json!({"gateway": "xpays", "path": "/v1/payment/info", "kind": "status500"})).await;
    assert_eq!(xpays_create(&sb, "m1").await.status, 200);
    // Two for xpays creates.
    arm(&sb, json!({"gateway": "xpays", "path": XPAYS_CREATE, "kind": "status500", "count": 2})).await;
    assert_eq!(xpays_create(&sb, "m2").await.status, 500);
    assert_eq!(xpays_create(&sb, "m2").await.status, 500);
    assert_eq!(xpays_create(&sb, "m2").await.status, 200);
    // Control paths are never faulted.
    assert_eq!(control(&sb, "GET", "/_sandbox/xpays/invoices", None).await.status, 200);
    let armed = control(&sb, "GET", "/_sandbox/faults", None).await.json();
    let kinds: Vec<&Value> = armed["faults"].as_array().expect("list").iter().map(|f| &f["gateway"]).collect();
    assert_eq!(kinds, [&json!("xcash"), &json!("xpays")]);
    assert_eq!(armed["faults"][0]["count"], 5);
    // DELETE disarms all.
    let r = control(&sb, "DELETE", "/_sandbox/faults", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({"disarmed": 2}));
    assert_eq!(xcash_create(&sb, "m3").await.status, 201);
    // Bad bodies.
    for bad in [
        json!({"kind": "status500"}),
        json!({"gateway": "paypal", "kind": "status500"}),
        json!({"gateway": "xpays", "kind": "explode"}),
        json!({"gateway": "xpays", "kind": "slow", "count": 0}),
        json!({"gateway": "xpays", "kind": "slow", "delay_ms": "soon"}),
    ] {
        let r = control(&sb, "POST", "/_sandbox/faults", Some(&bad.to_string())).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
        assert!(r.json()["error"].is_string());
    }
    assert_eq!(control(&sb, "GET", "/_sandbox/faults", None).await.json(), json!({"faults": []}));
}

#[tokio::test]
async fn rate_limit_after_and_empty_are_processed_first() {
    let sb = start().await;
    arm(&sb, json!({"gateway": "xpays", "kind": "rate_limit_after", "retry_after_secs": 3})).await;
    let r = xpays_create(&sb, "rla-1").await;
    assert_eq!(r.status, 429);
    assert_eq!(header(&r, "retry-after"), Some("3"));
    assert_eq!(xpays_invoices(&sb).await.len(), 1, "the work was done before the 429");

    arm(&sb, json!({"gateway": "xpays", "kind": "empty"})).await;
    let r = xpays_create(&sb, "empty-1").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, "");
    assert_eq!(xpays_invoices(&sb).await.len(), 2, "processed");
}
