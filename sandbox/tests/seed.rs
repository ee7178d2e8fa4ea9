//! `POST /_sandbox/{gateway}/seed` (CONTROL.md § Seeding): seeded invoices
//! are seen by each gateway's own status and list calls, over loopback HTTP.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::*;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use till_sandbox::{
    DEMO_BITSBY_PROJECT_ID, DEMO_BITSBY_TOKEN, DEMO_XAIGATE_API_KEY, DEMO_XPAYS_API_KEY, DEMO_XPAYS_SECRET_KEY,
    Options, Running,
};

// -- helpers -------------------------------------------------------------------

/// Seeds through the control API, expecting HTTP 200; the answer's array.
async fn seed(sb: &Running, gateway: &str, body: Value) -> Vec<Value> {
    let reply = control(sb, "POST", &format!("/_sandbox/{gateway}/seed"), Some(&body.to_string())).await;
    assert_eq!(reply.status, 200, "{gateway} seed: {}", reply.body);
    reply.json().as_array().expect("an array").clone()
}

/// A seed that must be refused with `status`; the error message.
async fn seed_refused(sb: &Running, gateway: &str, body: Value, status: u16) -> String {
    let reply = control(sb, "POST", &format!("/_sandbox/{gateway}/seed"), Some(&body.to_string())).await;
    assert_eq!(reply.status, status, "{gateway} seed {body}: {}", reply.body);
    reply.json()["error"].as_str().expect("error message").to_owned()
}

fn text<'a>(v: &'a Value, name: &str) -> &'a str {
    v[name].as_str().unwrap_or_else(|| panic!("{name} is not a string: {v}"))
}

/// Epoch ms of an RFC 3339 UTC time `YYYY-MM-DDTHH:MM:SS[.f…]Z`.
fn epoch_ms(rfc3339: &str) -> i64 {
    let num = |a: usize, b: usize| rfc3339[a..b].parse::<i64>().expect("digits");
    let (y, m, d) = (num(0, 4), num(5, 7), num(8, 10));
    let secs_of_day = num(11, 13) * 3600 + num(14, 16) * 60 + num(17, 19);
    let frac = rfc3339[19..].trim_start_matches('.').trim_end_matches('Z');
    let ms = format!("{frac:0<3}")[..3].parse::<i64>().expect("fraction");
    // Days from civil (Howard Hinnant).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    (days * 86_400 + secs_of_day) * 1000 + ms
}

/// Checks the answer's shape: one entry per reference, in order, the times
/// RFC 3339 UTC, open now, expiring `minutes` after creation.
fn check_answer(seeded: &[Value], references: &[String], minutes: i64) {
    assert_eq!(seeded.len(), references.len());
    let now = now_ms();
    for (item, reference) in seeded.iter().zip(references) {
        assert_eq!(keys(item), ["created_at", "expires_at", "id", "reference"], "{item}");
        assert_eq!(text(item, "reference"), reference);
        let (created, expires) = (text(item, "created_at"), text(item, "expires_at"));
        assert!(created.ends_with('Z') && created.as_bytes()[10] == b'T', "{created}");
        assert!((epoch_ms(created) - now).abs() < 60_000, "{created} is now");
        assert_eq!(epoch_ms(expires) - epoch_ms(created), minutes * 60_000, "{item}");
    }
    let ids: HashSet<&str> = seeded.iter().map(|s| text(s, "id")).collect();
    assert_eq!(ids.len(), seeded.len(), "ids are unique");
}

fn references(seeded: &[Value]) -> Vec<String> {
    seeded.iter().map(|s| text(s, "reference").to_owned()).collect()
}

// -- xPay ------------------------------------------------------------------------

#[tokio::test]
async fn xpay_seeded_bills_are_viewed_and_found_by_tag() {
    let sb = start().await;
    let token = login(&sb).await;
    let seeded = seed(&sb, "xpay", json!({"count": 250, "terminal": "t7", "amount": "12.50"})).await;
    let refs = references(&seeded);
    check_answer(&seeded, &refs, 30);
    for r in &refs {
        assert!(r.starts_with("seedxpay") && r.len() <= 32 && r.bytes().all(|b| b.is_ascii_alphanumeric()), "{r}");
    }

    // bills/view by the id (the reference) shows the open bill as till made it.
    for item in [&seeded[0], &seeded[137], &seeded[249]] {
        let v = view(&sb, &token, text(item, "id")).await;
        let bill = &v["success"]["data"];
        assert_eq!(bill["billRef"], item["reference"], "{v}");
        assert_eq!(bill["tag"], format!("till-t7-{}", text(item, "reference")));
        assert_eq!(bill["billAmount"], 12_500_000);
        assert_eq!(bill["paidAmount"], 0);
        assert_eq!((bill["closed"].as_bool(), bill["canceled"].as_bool()), (Some(false), Some(false)));
        assert!(text(&bill["address"], "base58").starts_with('T'));
        assert_eq!(bill["until"].as_i64(), Some(epoch_ms(text(item, "expires_at"))));
        assert_eq!(bill["createdAt"].as_i64(), Some(epoch_ms(text(item, "created_at"))));
    }

    // bills/find by tag prefix, paged as the till's batch poll.
    let mut found = Vec::new();
    for page in 1..=3 {
        let v = xpay(
            &sb,
            "/client/bills/find",
            &token,
            json!({"tag": "till-t7-seedxpay", "page": page, "pageSize": 100, "sort": {"createdAt": 1}}),
        )
        .await;
        assert_eq!(v["success"]["total"], 250);
        assert_eq!(v["success"]["count"], if page < 3 { 100 } else { 50 });
        assert_eq!(v["success"]["nextPage"], page < 3);
        found.extend(v["success"]["data"].as_array().expect("data").iter().map(|b| text(b, "billRef").to_owned()));
    }
    assert_eq!(found, refs, "ascending: creation order");

    // Seeding is a control route: not counted as a gateway request.
    let counts = control(&sb, "GET", "/_sandbox/requests", None).await.json();
    assert!(counts.as_object().expect("object").keys().all(|p| p.starts_with("/client/")), "{counts}");
    assert_eq!(counts["/client/bills/find"], 3);
}

#[tokio::test]
async fn xpay_seed_options_and_refusals() {
    let sb = start().await;
    let token = login(&sb).await;
    let refs: Vec<String> = vec!["r1".into(), "r2".into()];
    let seeded =
        seed(&sb, "xpay", json!({"references": refs, "method": "lightning", "expire_minutes": 90, "amount": "2.5"}))
            .await;
    check_answer(&seeded, &refs, 90);
    let bill = view(&sb, &token, "r2").await["success"]["data"].clone();
    assert_eq!(bill["tag"], "till-till-1-r2");
    assert_eq!(bill["billAmount"], 2_500_000);
    assert!(text(&bill["lnInvoice"], "paymentRequest").starts_with("lnbcrt"), "{bill}");
    // The control API finds and pays a seeded bill.
    let paid = control(&sb, "POST", "/_sandbox/xpay/bills/r1/pay", None).await;
    assert_eq!(paid.status, 200, "{}", paid.body);

    // A reference taken: 409, nothing created.
    let msg = seed_refused(&sb, "xpay", json!({"references": ["r3", "r1"]}), 409).await;
    assert!(msg.contains("\"r1\""), "{msg}");
    assert_eq!(view(&sb, &token, "r3").await["error"]["message"], "bill not found");
    // What xPay cannot take.
    seed_refused(&sb, "xpay", json!({"count": 1, "currency": "EUR"}), 400).await;
    seed_refused(&sb, "xpay", json!({"count": 1, "method": "btc"}), 400).await;
    seed_refused(&sb, "xpay", json!({"count": 1, "amount": "0.0000001"}), 400).await;
    seed_refused(&sb, "xpay", json!({"count": 20_001}), 400).await;
    seed_refused(&sb, "xpay", json!({"references": ["x", "x"]}), 400).await;
    assert_eq!(control(&sb, "GET", "/_sandbox/xpay/bills", None).await.json().as_array().map(Vec::len), Some(2));
}

// -- xpays.life ------------------------------------------------------------------

fn xpays_signature(timestamp: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(DEMO_XPAYS_SECRET_KEY.as_bytes()).expect("any key length");
    mac.update(timestamp.as_bytes());
    mac.update(body.as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// `GET /v1/payment/info?id=<id>`, signed as till signs it.
async fn xpays_info(sb: &Running, id: &str) -> Value {
    let timestamp = now_ms().to_string();
    let signature = xpays_signature(&timestamp, "");
    let headers =
        [("x-api-key", DEMO_XPAYS_API_KEY), ("x-timestamp", timestamp.as_str()), ("x-signature", signature.as_str())];
    let reply = request(sb.addr(), "GET", &format!("/v1/payment/info?id={id}"), &headers, None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()["data"]["payment"].clone()
}

#[tokio::test]
async fn xpays_seeded_payments_answer_info() {
    let sb = start().await;
    let seeded = seed(&sb, "xpays", json!({"count": 120, "amount": "4.50", "expire_minutes": 45})).await;
    let refs = references(&seeded);
    check_answer(&seeded, &refs, 45);
    for item in [&seeded[0], &seeded[119]] {
        let p = xpays_info(&sb, text(item, "id")).await;
        assert_eq!(p["id"], item["id"]);
        assert_eq!(p["order_id"], item["reference"]);
        assert_eq!((p["status"].as_str(), p["is_completed"].as_bool()), (Some("PENDING"), Some(false)));
        assert_eq!((p["amount"].as_str(), p["chain"].as_str()), (Some("4.50"), Some("tron")));
        assert_eq!(p["lifetime"], 45 * 60);
        assert_eq!(epoch_ms(text(&p, "expired_at")), epoch_ms(text(item, "expires_at")));
        assert!(text(&p, "address").starts_with('T'));
    }
    // By reference through the control API too.
    let r = control(&sb, "POST", &format!("/_sandbox/xpays/invoices/{}/pay", refs[5]), None).await;
    assert_eq!(r.json()["status"], "COMPLETED");
    seed_refused(&sb, "xpays", json!({"references": [refs[7]]}), 409).await;
    seed_refused(&sb, "xpays", json!({"references": ["has space"]}), 400).await;
    seed_refused(&sb, "xpays", json!({"count": 1, "method": "lightning"}), 400).await;
    seed_refused(&sb, "xpays", json!({"count": 1, "currency": "XYZ"}), 400).await;
}

// -- Xcash -----------------------------------------------------------------------

#[tokio::test]
async fn xcash_seeded_invoices_answer_status() {
    // Default options: the 100-waiting limit applies to creates, not to seeding.
    let sb = start().await;
    let seeded = seed(&sb, "xcash", json!({"count": 300, "amount": "10.00"})).await;
    let refs = references(&seeded);
    check_answer(&seeded, &refs, 30);
    for item in [&seeded[0], &seeded[299]] {
        let reply = request(sb.addr(), "GET", &format!("/v1/invoice/{}", text(item, "id")), &[], None).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let v = reply.json();
        assert_eq!(v["sys_no"], item["id"]);
        assert_eq!((v["status"].as_str(), v["amount"].as_str()), (Some("waiting"), Some("10")));
        assert_eq!((v["chain"].as_str(), v["crypto"].as_str()), (Some("tron"), Some("USDT")));
        assert!(text(&v, "pay_address").starts_with('T'));
        assert_eq!(v["expires_at"], item["expires_at"]);
    }
    // Every waiting invoice has its own pay_amount (10 USD → 9.96 + n µUSDT).
    let listed = control(&sb, "GET", "/_sandbox/xcash/invoices", None).await.json();
    let amounts: HashSet<&str> = listed.as_array().expect("array").iter().map(|i| text(i, "pay_amount")).collect();
    assert_eq!(amounts.len(), 300);
    assert!(amounts.contains("9.960001") && amounts.contains("9.9603"), "{amounts:?}");
    // The control API knows a seeded invoice by out_no.
    let r = control(&sb, "POST", &format!("/_sandbox/xcash/invoices/{}/pay", refs[3]), None).await;
    assert_eq!(r.json()["status"], "completed");
    seed_refused(&sb, "xcash", json!({"references": [refs[8]]}), 409).await;
    let long = "x".repeat(33);
    seed_refused(&sb, "xcash", json!({"references": [long]}), 400).await;
    seed_refused(&sb, "xcash", json!({"count": 1, "currency": "GBP"}), 400).await;
}

// -- XaiGate ---------------------------------------------------------------------

#[tokio::test]
async fn xaigate_seeded_invoices_answer_info() {
    let sb = start().await;
    let seeded =
        seed(&sb, "xaigate", json!({"count": 80, "currency": "EUR", "amount": "7", "method": "checkout"})).await;
    let refs = references(&seeded);
    check_answer(&seeded, &refs, 30);
    for item in [&seeded[0], &seeded[79]] {
        let body = json!({"apiKey": DEMO_XAIGATE_API_KEY, "invoiceNo": text(item, "id")});
        let reply = post(&sb, "/api/v1/invoice/info", None, None, &body.to_string()).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let v = reply.json();
        assert_eq!(v["invoiceNo"], item["id"]);
        assert_eq!(v["orderId"], item["reference"]);
        assert_eq!((v["status"].as_str(), v["currency"].as_str()), (Some("Pending"), Some("EUR")));
        assert_eq!((v["amount"].as_str(), v["expiry"].as_u64()), (Some("7"), Some(30)));
        assert_eq!(v["description"], format!("Sale {}", text(item, "reference")));
        assert_eq!(v["createdAt"], item["created_at"]);
    }
    seed_refused(&sb, "xaigate", json!({"count": 1, "currency": "USDT"}), 400).await;
    seed_refused(&sb, "xaigate", json!({"count": 1, "method": "lightning"}), 400).await;
}

// -- Bitsby ----------------------------------------------------------------------

const BOUNDARY: &str = "----till-sandbox-seed-test-boundary";

/// A Bitsby call with the demo token and a multipart form; its `data`.
async fn bitsby(sb: &Running, path: &str, fields: &[(&str, &str)]) -> Value {
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"));
    }
    body.push_str(&format!("--{BOUNDARY}--\r\n"));
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    let auth = format!("Token {DEMO_BITSBY_TOKEN}");
    let headers = [("Content-Type", content_type.as_str()), ("Authorization", auth.as_str())];
    let reply = request(sb.addr(), "POST", path, &headers, Some(&body)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let v = reply.json();
    assert_eq!(v["result"], "success", "{path} {fields:?}: {v}");
    v["data"].clone()
}

#[tokio::test]
async fn bitsby_seeded_invoices_are_listed_by_id_and_by_project_and_dates() {
    let mut opts = Options::default();
    opts.bitsby.min_interval = Duration::ZERO;
    let sb = start_with(opts).await;
    let seeded = seed(&sb, "bitsby", json!({"count": 230, "terminal": "t2", "expire_minutes": 60})).await;
    let refs = references(&seeded);
    check_answer(&seeded, &refs, 60);

    // By invoiceId: the one invoice, open, carrying our reference.
    for item in [&seeded[0], &seeded[229]] {
        let data = bitsby(&sb, "/invoices/list", &[("invoiceId", text(item, "id"))]).await;
        let list = data.as_array().expect("list");
        assert_eq!(list.len(), 1, "{data}");
        let inv = &list[0];
        assert_eq!(inv["id"], item["id"]);
        assert_eq!(inv["projectId"], DEMO_BITSBY_PROJECT_ID);
        assert_eq!((inv["status"].as_str(), inv["amountFiat"].as_str()), (Some("unpaid"), Some("10.00")));
        let service: Value = serde_json::from_str(text(inv, "serviceData")).expect("serviceData is JSON");
        assert_eq!(service, json!({"till_sale": item["reference"], "terminal": "t2"}));
        assert_eq!(inv["description"], format!("Sale {}", text(item, "reference")));
        // `YYYY-MM-DD HH:MM:SS`, UTC: the answer's times to the second.
        let expires = text(item, "expires_at");
        assert_eq!(text(inv, "timeToPayDatetime"), format!("{} {}", &expires[..10], &expires[11..19]));
    }

    // By projectId and the creation date, paged with offset/limit (newest first).
    let day = &text(&seeded[0], "created_at")[..10];
    let mut listed = Vec::new();
    for offset in [0, 100, 200, 300] {
        let offset = offset.to_string();
        let data = bitsby(
            &sb,
            "/invoices/list",
            &[
                ("projectId", DEMO_BITSBY_PROJECT_ID),
                ("startDate", day),
                ("endDate", day),
                ("offset", &offset),
                ("limit", "100"),
            ],
        )
        .await;
        listed.extend(data.as_array().expect("list").iter().map(|i| text(i, "id").to_owned()));
    }
    let expected: Vec<String> = seeded.iter().rev().map(|s| text(s, "id").to_owned()).collect();
    assert_eq!(listed, expected);
    let before =
        bitsby(&sb, "/invoices/list", &[("projectId", DEMO_BITSBY_PROJECT_ID), ("endDate", "2000-01-01")]).await;
    assert_eq!(before, json!([]));

    // The control API finds a seeded invoice by its till_sale.
    let r = control(&sb, "POST", &format!("/_sandbox/bitsby/invoices/{}/pay", refs[1]), None).await;
    assert_eq!(r.json()["status"], "paid");
    for method in ["btc", "eth", "usdt-bsc", "usdt-ethereum"] {
        seed(&sb, "bitsby", json!({"count": 1, "method": method})).await;
    }
    seed_refused(&sb, "bitsby", json!({"count": 1, "method": "lightning"}), 400).await;
    seed_refused(&sb, "bitsby", json!({"count": 1, "amount": "1.005"}), 400).await;
}

// -- scale -----------------------------------------------------------------------

#[tokio::test]
async fn ten_thousand_at_every_gateway() {
    let sb = start().await;
    for gateway in ["xpay", "xpays", "xcash", "xaigate", "bitsby"] {
        let started = Instant::now();
        let seeded = seed(&sb, gateway, json!({"count": 10_000})).await;
        let took = started.elapsed();
        assert_eq!(seeded.len(), 10_000);
        let refs: HashSet<&str> = seeded.iter().map(|s| text(s, "reference")).collect();
        assert_eq!(refs.len(), 10_000);
        eprintln!("{gateway}: 10000 seeded in {took:?}");
        // Generous (a debug build on a busy machine); release is far faster.
        assert!(took < Duration::from_secs(30), "{gateway}: {took:?}");
    }
    // And a status call still answers at once.
    let listed = control(&sb, "GET", "/_sandbox/xcash/invoices", None).await.json();
    let amounts: HashSet<&str> = listed.as_array().expect("array").iter().map(|i| text(i, "pay_amount")).collect();
    assert_eq!(amounts.len(), 10_000, "pay amounts stay unique");
}
