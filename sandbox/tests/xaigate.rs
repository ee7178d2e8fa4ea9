//! The sandbox's XaiGate against `providers/xaigate.md`, over loopback HTTP.

mod common;

use common::*;
use serde_json::{Value, json};
use till_sandbox::{DEMO_XAIGATE_API_KEY, Options, Running, XaigateOptions};

const CREATE: &str = "/api/v1/invoice/create";
const INFO: &str = "/api/v1/invoice/info";

/// The 14 fields of the completed response sample, sorted.
const FIELDS: [&str; 14] = [
    "amount",
    "createdAt",
    "currency",
    "description",
    "expiry",
    "invoiceNo",
    "orderId",
    "paidAmount",
    "payUrl",
    "shopName",
    "status",
    "toEmail",
    "toName",
    "updatedAt",
];

/// xaigate.md § Create invoice, request "Example Value" (our demo key).
fn sample_request() -> Value {
    json!({
        "apiKey": DEMO_XAIGATE_API_KEY,
        "shopName": "My Store",
        "amount": 10,
        "currency": "USD",
        "orderId": "1",
        "email": "examplate@hotmail.com",
        "successUrl": "http://yourdomain.com/success-url",
        "failUrl": "http://yourdomain.com/fail-url",
        "notifyUrl": "http://yourdomain.com/notify-url",
        "description": "3 Coffee"
    })
}

/// What till sends (xaigate.md § Create invoice, "What till sends").
fn till_request(order_id: &str, amount: &str) -> Value {
    json!({
        "apiKey": DEMO_XAIGATE_API_KEY,
        "orderId": order_id,
        "amount": amount,
        "currency": "EUR",
        "email": "shop@example.com",
        "shopName": "Corner Shop",
        "description": "Sale 42",
    })
}

async fn send(sb: &Running, path: &str, body: &Value) -> Reply {
    post(sb, path, None, None, &body.to_string()).await
}

/// Create, expecting HTTP 200; the invoice.
async fn create(sb: &Running, body: &Value) -> Value {
    let reply = send(sb, CREATE, body).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}

async fn info(sb: &Running, invoice_no: &str) -> Reply {
    send(sb, INFO, &json!({"apiKey": DEMO_XAIGATE_API_KEY, "invoiceNo": invoice_no})).await
}

async fn act(sb: &Running, id: &str, action: &str) -> Reply {
    control(sb, "POST", &format!("/_sandbox/xaigate/invoices/{id}/{action}"), None).await
}

/// `2023-12-07T09:03:07.976520Z`: ISO 8601 UTC with microseconds.
fn is_iso_micros(v: &Value) -> bool {
    let Some(s) = v.as_str() else { return false };
    let shape = "dddd-dd-ddTdd:dd:dd.ddddddZ";
    s.len() == shape.len()
        && s.bytes().zip(shape.bytes()).all(|(c, p)| if p == b'd' { c.is_ascii_digit() } else { c == p })
}

fn assert_invoice_shape(v: &Value) {
    assert_eq!(keys(v), FIELDS, "{v}");
    let no = v["invoiceNo"].as_str().expect("invoiceNo string");
    assert!(no.len() == 13 && no.starts_with("INV") && no[3..].bytes().all(|b| b.is_ascii_digit()), "{no}");
    assert_eq!(v["payUrl"], format!("https://wallet.xaigate.com/pay/{no}?lang=en"));
    for name in ["amount", "paidAmount", "toEmail", "toName", "description", "status", "currency", "shopName"] {
        assert!(v[name].is_string(), "{name} must be a string: {v}");
    }
    assert!(v["expiry"].is_u64(), "expiry must be an integer: {v}");
    assert!(v["orderId"].is_u64() || v["orderId"].is_string(), "{v}");
    assert!(is_iso_micros(&v["createdAt"]), "{v}");
    assert!(is_iso_micros(&v["updatedAt"]), "{v}");
    assert!(v["updatedAt"].as_str() >= v["createdAt"].as_str(), "{v}");
}

fn assert_message(reply: &Reply, status: u16, message_start: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    let v = reply.json();
    assert_eq!(keys(&v), ["message"], "{v}");
    let message = v["message"].as_str().expect("message string");
    assert!(message.starts_with(message_start), "{message:?} should start with {message_start:?}");
}

// -- create ------------------------------------------------------------------

#[tokio::test]
async fn create_answers_the_fourteen_fields_of_the_sample() {
    let sb = start().await;
    let v = create(&sb, &sample_request()).await;
    assert_invoice_shape(&v);
    assert_eq!(v["amount"], "10");
    assert_eq!(v["paidAmount"], "0");
    assert_eq!(v["toEmail"], "examplate@hotmail.com");
    assert_eq!(v["toName"], "My Store");
    assert_eq!(v["shopName"], "My Store");
    assert_eq!(v["expiry"], 60);
    assert_eq!(v["description"], "3 Coffee");
    assert_eq!(v["status"], "Pending");
    assert_eq!(v["currency"], "USD");
    assert_eq!(v["orderId"], 1);
    // createdAt is now.
    let today = utc_date(now_ms());
    assert!(v["createdAt"].as_str().is_some_and(|s| s.starts_with(&today)), "{v}");
}

/// The UTC date of epoch ms, `YYYY-MM-DD` (civil from days).
fn utc_date(ms: i64) -> String {
    let z = ms.div_euclid(86_400_000) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[tokio::test]
async fn what_till_sends_comes_back() {
    let sb = start().await;
    let v = create(&sb, &till_request("till-7f3a_b", "4.50")).await;
    assert_invoice_shape(&v);
    assert_eq!(v["orderId"], "till-7f3a_b");
    assert_eq!(v["amount"], "4.50");
    assert_eq!(v["currency"], "EUR");
    assert_eq!(v["toEmail"], "shop@example.com");
    assert_eq!(v["toName"], "Corner Shop");
    assert_eq!(v["description"], "Sale 42");
    // Optional fields absent: empty strings.
    let body =
        json!({"apiKey": DEMO_XAIGATE_API_KEY, "orderId": "x", "amount": "1", "currency": "USD", "email": "a@b"});
    let v = create(&sb, &body).await;
    assert_invoice_shape(&v);
    assert_eq!((&v["shopName"], &v["toName"], &v["description"]), (&json!(""), &json!(""), &json!("")));
}

#[tokio::test]
async fn order_id_is_echoed_as_a_number_or_a_string() {
    let cases = [
        (json!("10"), json!(10)),
        (json!(10), json!(10)),
        (json!("0"), json!(0)),
        (json!("007"), json!("007")),
        (json!("till-1"), json!("till-1")),
        (json!("12a"), json!("12a")),
        (json!("18446744073709551615"), json!(18_446_744_073_709_551_615u64)),
        (json!("18446744073709551616"), json!("18446744073709551616")),
    ];
    for (sent, echoed) in cases {
        // A fresh sandbox each time: `"10"` and `10` are one orderId.
        let sb = start().await;
        let mut body = sample_request();
        body["orderId"] = sent.clone();
        let v = create(&sb, &body).await;
        assert_eq!(v["orderId"], echoed, "orderId {sent}");
    }
}

#[tokio::test]
async fn amount_as_string_or_number_comes_back_as_text() {
    let sb = start().await;
    for (i, (sent, echoed)) in
        [(json!("10"), "10"), (json!(10), "10"), (json!("0.01"), "0.01"), (json!(12.5), "12.5")].into_iter().enumerate()
    {
        let mut body = sample_request();
        body["orderId"] = json!(format!("amount-{i}"));
        body["amount"] = sent.clone();
        let v = create(&sb, &body).await;
        assert_eq!(v["amount"], echoed, "amount {sent}");
        assert_eq!(v["paidAmount"], "0");
    }
}

#[tokio::test]
async fn a_wrong_or_missing_api_key_is_401() {
    let sb = start().await;
    let no = create(&sb, &sample_request()).await["invoiceNo"].as_str().expect("invoiceNo").to_owned();
    for key in [json!("fdda9f03-6409-43eb-a6ef-e1f6cea71c2e"), json!(""), json!(42), Value::Null] {
        let mut body = sample_request();
        body["apiKey"] = key.clone();
        let reply = send(&sb, CREATE, &body).await;
        assert_eq!(reply.status, 401, "{key}");
        assert_eq!(reply.json(), json!({"message": "Invalid apiKey"}));
        let reply = send(&sb, INFO, &json!({"apiKey": key, "invoiceNo": no})).await;
        assert_eq!(reply.status, 401, "{key}");
        assert_eq!(reply.json(), json!({"message": "Invalid apiKey"}));
    }
    let mut body = sample_request();
    body.as_object_mut().expect("object").remove("apiKey");
    assert_message(&send(&sb, CREATE, &body).await, 401, "Invalid apiKey");
    // A refused create made nothing.
    let all = control(&sb, "GET", "/_sandbox/xaigate/invoices", None).await.json();
    assert_eq!(all.as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn invalid_fields_are_400_naming_the_field() {
    let sb = start().await;
    let cases: Vec<(&str, Value, &str)> = vec![
        ("orderId", Value::Null, "orderId is required"),
        ("orderId", json!(""), "orderId is required"),
        ("orderId", json!(-1), "orderId must be"),
        ("orderId", json!(1.5), "orderId must be"),
        ("orderId", json!(["1"]), "orderId must be"),
        ("amount", Value::Null, "amount is required"),
        ("amount", json!("0"), "amount must be"),
        ("amount", json!(0), "amount must be"),
        ("amount", json!("-1"), "amount must be"),
        ("amount", json!("ten"), "amount must be"),
        ("amount", json!("1.123456789"), "amount must be"),
        ("amount", json!(true), "amount must be"),
        ("currency", Value::Null, "currency is required"),
        ("currency", json!("GBP"), "currency must be USD or EUR"),
        ("currency", json!("usd"), "currency must be USD or EUR"),
        ("email", Value::Null, "email is required"),
        ("email", json!(""), "email is required"),
        ("email", json!("nobody"), "email must be"),
        ("shopName", json!(5), "shopName must be a string"),
        ("description", json!({}), "description must be a string"),
        ("notifyUrl", json!(1), "notifyUrl must be a string"),
    ];
    for (name, value, message) in cases {
        let mut body = sample_request();
        body[name] = value.clone();
        assert_message(&send(&sb, CREATE, &body).await, 400, message);
    }
    let all = control(&sb, "GET", "/_sandbox/xaigate/invoices", None).await.json();
    assert_eq!(all, json!([]));
}

#[tokio::test]
async fn the_body_must_be_a_json_object() {
    let sb = start().await;
    let body = sample_request().to_string();
    let reply = request(sb.addr(), "POST", CREATE, &[("Content-Type", "text/plain")], Some(&body)).await;
    assert_message(&reply, 400, "Content-Type must be application/json");
    assert_message(&post(&sb, CREATE, None, None, "{\"apiKey\": ").await, 400, "body is not valid JSON");
    assert_message(&post(&sb, CREATE, None, None, "[1]").await, 400, "body must be a JSON object");
    assert_message(&post(&sb, INFO, None, None, "").await, 400, "body is not valid JSON");
}

// -- info --------------------------------------------------------------------

#[tokio::test]
async fn info_answers_the_create_fields() {
    let sb = start().await;
    let created = create(&sb, &till_request("till-1", "25.00")).await;
    let reply = info(&sb, created["invoiceNo"].as_str().expect("invoiceNo")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let v = reply.json();
    assert_invoice_shape(&v);
    assert_eq!(v, created);
}

#[tokio::test]
async fn info_of_an_unknown_invoice_is_404() {
    let sb = start().await;
    let reply = info(&sb, "INV2167234232").await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.json(), json!({"message": "Invoice not found"}));
    let reply = send(&sb, INFO, &json!({"apiKey": DEMO_XAIGATE_API_KEY})).await;
    assert_message(&reply, 400, "invoiceNo is required");
    let reply = send(&sb, INFO, &json!({"apiKey": DEMO_XAIGATE_API_KEY, "invoiceNo": 2167234232u64})).await;
    assert_message(&reply, 400, "invoiceNo must be a string");
}

// -- control -----------------------------------------------------------------

/// Runs `action` on a fresh invoice, checks the answer equals the next info.
async fn acted(sb: &Running, amount: &str, actions: &[&str]) -> Value {
    // A fresh orderId each time: XaiGate refuses one already taken.
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let created = create(sb, &till_request(&format!("till-x{n}"), amount)).await;
    let no = created["invoiceNo"].as_str().expect("invoiceNo").to_owned();
    let mut last = created;
    for action in actions {
        let reply = act(sb, &no, action).await;
        assert_eq!(reply.status, 200, "{action}: {}", reply.body);
        last = reply.json();
        assert_invoice_shape(&last);
        assert_eq!(info(sb, &no).await.json(), last, "info after {action}");
    }
    last
}

#[tokio::test]
async fn control_pay_partial_expire_cancel_weird() {
    let sb = start().await;
    let paid = acted(&sb, "4.50", &["pay"]).await;
    assert_eq!((&paid["status"], &paid["paidAmount"]), (&json!("Paid"), &json!("4.50")));

    let partial = acted(&sb, "4.50", &["partial"]).await;
    assert_eq!((&partial["status"], &partial["paidAmount"]), (&json!("PaidPartial"), &json!("2.25")));

    let expired = acted(&sb, "10", &["partial", "expire"]).await;
    assert_eq!((&expired["status"], &expired["paidAmount"]), (&json!("Expired"), &json!("5")));

    let expired = acted(&sb, "10", &["expire"]).await;
    assert_eq!((&expired["status"], &expired["paidAmount"]), (&json!("Expired"), &json!("0")));

    let paid_late = acted(&sb, "10", &["partial", "pay"]).await;
    assert_eq!((&paid_late["status"], &paid_late["paidAmount"]), (&json!("Paid"), &json!("10")));

    let deleted = acted(&sb, "10", &["cancel"]).await;
    assert_eq!((&deleted["status"], &deleted["paidAmount"]), (&json!("Deleted"), &json!("0")));

    let weird = acted(&sb, "10", &["weird"]).await;
    assert_eq!(weird["status"], "Refunded");
    let weird_then_paid = acted(&sb, "10", &["weird", "pay"]).await;
    assert_eq!(weird_then_paid["status"], "Paid");
    let paid_then_weird = acted(&sb, "10", &["pay", "weird"]).await;
    assert_eq!(paid_then_weird["status"], "Refunded");

    // updatedAt moves with the status.
    assert!(paid["updatedAt"].as_str() > paid["createdAt"].as_str());
}

#[tokio::test]
async fn control_refusals() {
    let sb = start().await;
    let created = create(&sb, &till_request("till-ref-9", "10")).await;
    let no = created["invoiceNo"].as_str().expect("invoiceNo");
    for action in ["seen", "view", "bogus"] {
        let reply = act(&sb, no, action).await;
        assert_eq!(reply.status, 400, "{action}");
        assert!(reply.json()["error"].is_string());
    }
    let reply = act(&sb, "INV0000000001", "pay").await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.json(), json!({"error": "no such invoice"}));
    // By our reference (orderId).
    let reply = act(&sb, "till-ref-9", "pay").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["invoiceNo"], no);
    // A final invoice refuses pay, partial, expire, cancel.
    for action in ["pay", "partial", "expire", "cancel"] {
        let reply = act(&sb, no, action).await;
        assert_eq!(reply.status, 409, "{action}: {}", reply.body);
        assert!(reply.json()["error"].is_string());
    }
    let all = control(&sb, "GET", "/_sandbox/xaigate/invoices", None).await;
    assert_eq!(all.status, 200);
    let all = all.json();
    assert_eq!(all.as_array().map(Vec::len), Some(1));
    assert_eq!(all[0]["status"], "Paid");
    assert_invoice_shape(&all[0]);
}

#[tokio::test]
async fn numeric_order_ids_work_as_control_ids() {
    let sb = start().await;
    let mut body = sample_request();
    body["orderId"] = json!(4711);
    let no = create(&sb, &body).await["invoiceNo"].clone();
    let reply = act(&sb, "4711", "partial").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["invoiceNo"], no);
}

// -- options -----------------------------------------------------------------

#[tokio::test]
async fn invoices_expire_by_themselves() {
    let opts =
        Options { xaigate: XaigateOptions { expiry_minutes: 0, ..XaigateOptions::default() }, ..Options::default() };
    let sb = start_with(opts).await;
    let created = create(&sb, &sample_request()).await;
    assert_eq!((&created["status"], &created["expiry"]), (&json!("Pending"), &json!(0)));
    let no = created["invoiceNo"].as_str().expect("invoiceNo");
    let v = info(&sb, no).await.json();
    assert_eq!(v["status"], "Expired");
    assert_eq!(v["paidAmount"], "0");
    // Expired stays final for every action but late money: pay credits it.
    assert_eq!(act(&sb, no, "cancel").await.status, 409);
    let paid = act(&sb, no, "pay").await;
    assert_eq!(paid.status, 200, "credited late: {}", paid.body);
    assert_eq!((&paid.json()["status"], &paid.json()["paidAmount"]), (&json!("Paid"), &v["amount"]));
    assert_eq!(act(&sb, no, "pay").await.status, 409);
}

#[tokio::test]
async fn a_taken_order_id_is_refused_as_already_existing() {
    let sb = start().await;
    create(&sb, &till_request("till-dup", "10")).await;
    let reply = send(&sb, CREATE, &till_request("till-dup", "10")).await;
    assert_message(&reply, 400, "orderId already exists");
    let mut body = sample_request();
    body["orderId"] = json!("10");
    create(&sb, &body).await;
    body["orderId"] = json!(10);
    assert_eq!(send(&sb, CREATE, &body).await.status, 400, "10 and \"10\" are one orderId");
    let all = control(&sb, "GET", "/_sandbox/xaigate/invoices", None).await.json();
    assert_eq!(all.as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn custom_key_and_expiry() {
    let opts =
        Options { xaigate: XaigateOptions { api_key: "my-key".into(), expiry_minutes: 15 }, ..Options::default() };
    let sb = start_with(opts).await;
    assert_eq!(send(&sb, CREATE, &sample_request()).await.status, 401);
    let mut body = sample_request();
    body["apiKey"] = json!("my-key");
    let v = create(&sb, &body).await;
    assert_eq!(v["expiry"], 15);
    assert_eq!(v["status"], "Pending");
}
