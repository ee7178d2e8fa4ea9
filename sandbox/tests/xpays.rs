//! The sandbox's xpays.life against `providers/xpays.md`, over loopback HTTP.

mod common;

use common::*;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use till_sandbox::{DEMO_XPAYS_API_KEY, DEMO_XPAYS_SECRET_KEY, Options, Running, XpaysOptions};

const CREATE: &str = "/v1/payment/createInvoicePayment";

/// § Create invoice › Response, verbatim.
const DOC_SAMPLE: &str = r#"{
  "data": {
    "id": "74ec698a-d773-4b55-81ab-58192f6b560c",
    "seq_num": 42,
    "order_id": "1731785840",
    "chain": "tron",
    "network": "mainnet",
    "from_fiat_currency": "USD",
    "to_crypto_currency": "USDT",
    "amount": "10",
    "payment_amount": 9.99721717462727,
    "payer_paid_currency": null,
    "payer_paid_amount": null,
    "merchant_amount": 0,
    "txid": null,
    "address": "TDtSWK3dsSRJyZH4qNVzsoPsdrZz6k8B3Q",
    "from_address": null,
    "auto_convert": false,
    "convert_to": "USDT",
    "payment_url": "https://xpays.life/pay/1731785840",
    "url_return": "",
    "url_success": "",
    "url_failed": "",
    "is_multiple_order": true,
    "lifetime": 300,
    "expired_at": "2024-11-16T20:00:04.971Z",
    "fee_subtract": 0,
    "fee_percent": 0.4,
    "discount_percent": 0,
    "discount_amount": 0,
    "accuracy_percent": 0,
    "additional_data": {},
    "support_currencies": null,
    "except_currencies": null,
    "exchange_rate": null,
    "exchange_rate_source": "COINGECKO",
    "payment_status": "PAYMENT_CHECKING",
    "payment_match_type": "EXACTLY",
    "is_completed": false,
    "status": "PENDING",
    "created_at": "2024-11-16T19:55:04.998Z",
    "owned_by_group": "8e393308-28a9-4a6e-a689-0d7760483c7e",
    "agent_id": "aacc3472-f3c3-49bb-9040-d5a6aff283bf"
  }
}"#;

fn sign(secret: &str, timestamp: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(timestamp.as_bytes());
    mac.update(body.as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// A request with explicit xpays headers (`None` leaves a header out).
async fn raw(
    sb: &Running,
    method: &str,
    path: &str,
    key: Option<&str>,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &str,
) -> Reply {
    let mut headers = vec![];
    if method == "POST" {
        headers.push(("Content-Type", "application/json"));
    }
    if let Some(k) = key {
        headers.push(("x-api-key", k));
    }
    if let Some(t) = timestamp {
        headers.push(("x-timestamp", t));
    }
    if let Some(s) = signature {
        headers.push(("x-signature", s));
    }
    request(sb.addr(), method, path, &headers, if body.is_empty() { None } else { Some(body) }).await
}

/// Signed with the demo credentials and a fresh timestamp, as till does.
async fn signed(sb: &Running, method: &str, path: &str, body: &str) -> Reply {
    let ts = now_ms().to_string();
    let sig = sign(DEMO_XPAYS_SECRET_KEY, &ts, body);
    raw(sb, method, path, Some(DEMO_XPAYS_API_KEY), Some(&ts), Some(&sig), body).await
}

fn create_body(order_id: &str, amount: &str) -> String {
    json!({
        "order_id": order_id,
        "amount": amount,
        "from_fiat_currency": "USD",
        "to_crypto_currency": "USDT",
        "chain": "tron",
    })
    .to_string()
}

/// Creates an invoice; returns `data`.
async fn create(sb: &Running, order_id: &str, amount: &str) -> Value {
    let r = signed(sb, "POST", CREATE, &create_body(order_id, amount)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["data"].clone()
}

/// `GET /v1/payment/info`; returns `data.payment`.
async fn info(sb: &Running, id: &str) -> Value {
    let r = signed(sb, "GET", &format!("/v1/payment/info?id={id}"), "").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(keys(&v), ["data"]);
    assert_eq!(keys(&v["data"]), ["payment"]);
    v["data"]["payment"].clone()
}

async fn act(sb: &Running, id: &str, action: &str) -> Reply {
    control(sb, "POST", &format!("/_sandbox/xpays/invoices/{id}/{action}"), None).await
}

fn assert_error(r: &Reply, status: u16, message: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.json(), json!({ "error": message }));
}

/// README § TRON base58check.
fn assert_tron_address(addr: &str) {
    assert_eq!(addr.len(), 34, "{addr}");
    assert!(addr.starts_with('T'), "{addr}");
    let raw = bs58::decode(addr).into_vec().expect("base58");
    assert_eq!(raw.len(), 25);
    assert_eq!(raw[0], 0x41);
    let check = Sha256::digest(Sha256::digest(&raw[..21]));
    assert_eq!(&raw[21..], &check[..4], "checksum of {addr}");
}

/// JSON kind, telling integers from other numbers.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Same keys as the doc sample and, field by field, the same JSON kinds
/// (`null` fields of the sample may carry a value once paid). `seq_num` and
/// `lifetime` stay integers; `payment_amount` a non-integer number.
fn assert_doc_shape(data: &Value) {
    let sample: Value = serde_json::from_str(DOC_SAMPLE).expect("the doc sample is JSON");
    let sample = &sample["data"];
    assert_eq!(keys(data), keys(sample));
    assert_eq!(keys(data).len(), 41);
    for (name, want) in sample.as_object().expect("object") {
        let got = &data[name];
        if want.is_null() {
            continue;
        }
        // A 0 of the sample (e.g. `merchant_amount`) may carry decimals later.
        if want == &json!(0) && kind(got) == "number" {
            continue;
        }
        assert_eq!(kind(got), kind(want), "{name}: {got}");
    }
}

fn ms(iso: &Value) -> i64 {
    // YYYY-MM-DDTHH:MM:SS.mmmZ → epoch ms (days from civil, Howard Hinnant).
    let s = iso.as_str().expect("time string");
    assert_eq!(s.len(), 24, "{s}");
    assert!(s.ends_with('Z'), "{s}");
    let n = |a: usize, b: usize| s[a..b].parse::<i64>().expect("digits");
    let (y, m, d) = (n(0, 4), n(5, 7), n(8, 10));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    ((days * 24 + n(11, 13)) * 60 + n(14, 16)) * 60_000 + n(17, 19) * 1000 + n(20, 23)
}

// -- signing -------------------------------------------------------------------

#[tokio::test]
async fn doc_signing_examples_are_accepted() {
    // § Authentication / signing: secret `test-secret`, x-timestamp 1730998051892.
    let ts = "1730998051892";
    let sb = start_with(Options {
        xpays: XpaysOptions {
            secret_key: "test-secret".into(),
            clock_skew_ms: 1_730_998_051_892 - now_ms(),
            ..XpaysOptions::default()
        },
        ..Options::default()
    })
    .await;
    let body =
        r#"{"order_id":"A1","amount":"10","from_fiat_currency":"USD","to_crypto_currency":"USDT","chain":"tron"}"#;
    let post_sig = "8f4f3dcc88822a87bbfe5dea8cc7cdfc7ab23ebe5edc73e47421c86c2348f14b";
    let get_sig = "1644d0426d8978e03a8410ec63423990e8093804a0d53f869cd938017e785b29";

    // One byte of the body changed: the same signature no longer fits.
    let altered = body.replace("\"10\"", "\"11\"");
    let r = raw(&sb, "POST", CREATE, Some(DEMO_XPAYS_API_KEY), Some(ts), Some(post_sig), &altered).await;
    assert_error(&r, 401, "Invalid signature");

    let r = raw(&sb, "POST", CREATE, Some(DEMO_XPAYS_API_KEY), Some(ts), Some(post_sig), body).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let data = r.json()["data"].clone();
    assert_eq!(data["order_id"], "A1");
    assert_eq!(data["amount"], "10");
    // The doc's `payment_amount` for 10 USD, digit for digit.
    assert!(r.body.contains(r#""payment_amount":9.99721717462727,"#), "{}", r.body);
    // Created "at" the example's instant (the clock is skewed to it).
    assert!((ms(&data["created_at"]) - 1_730_998_051_892).abs() < 60_000, "{}", data["created_at"]);

    let path = format!("/v1/payment/info?id={}", data["id"].as_str().expect("id"));
    let r = raw(&sb, "GET", &path, Some(DEMO_XPAYS_API_KEY), Some(ts), Some(get_sig), "").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["data"]["payment"]["id"], data["id"]);
    // The POST's signature does not sign a GET.
    let r = raw(&sb, "GET", &path, Some(DEMO_XPAYS_API_KEY), Some(ts), Some(post_sig), "").await;
    assert_error(&r, 401, "Invalid signature");
}

#[tokio::test]
async fn auth_refusals() {
    let sb = start().await;
    let body = create_body("auth1", "10");
    let ts = now_ms().to_string();
    let sig = sign(DEMO_XPAYS_SECRET_KEY, &ts, &body);
    let key = Some(DEMO_XPAYS_API_KEY);

    // Key: missing or wrong → 403 Forbidden (the doc's sample), even with a good signature.
    let r = raw(&sb, "POST", CREATE, None, Some(&ts), Some(&sig), &body).await;
    assert_error(&r, 403, "Forbidden");
    let r = raw(&sb, "POST", CREATE, Some("key_wrong"), Some(&ts), Some(&sig), &body).await;
    assert_error(&r, 403, "Forbidden");
    // Wrong key also wins over a bad signature.
    let r = raw(&sb, "POST", CREATE, Some("key_wrong"), Some(&ts), Some("00"), &body).await;
    assert_error(&r, 403, "Forbidden");

    // Signature: missing, wrong secret, upper-case hex, not hex → 401.
    let r = raw(&sb, "POST", CREATE, key, Some(&ts), None, &body).await;
    assert_error(&r, 401, "Invalid signature");
    let r = raw(&sb, "POST", CREATE, key, Some(&ts), Some(&sign("other", &ts, &body)), &body).await;
    assert_error(&r, 401, "Invalid signature");
    let r = raw(&sb, "POST", CREATE, key, Some(&ts), Some(&sig.to_uppercase()), &body).await;
    assert_error(&r, 401, "Invalid signature");
    let r = raw(&sb, "POST", CREATE, key, Some(&ts), Some("SHA256"), &body).await;
    assert_error(&r, 401, "Invalid signature");

    // Timestamp: missing, seconds instead of ms, more than 5 minutes off → 401.
    let r = raw(&sb, "POST", CREATE, key, None, Some(&sign(DEMO_XPAYS_SECRET_KEY, "", &body)), &body).await;
    assert_error(&r, 401, "Invalid signature");
    let secs = (now_ms() / 1000).to_string();
    let r = raw(&sb, "POST", CREATE, key, Some(&secs), Some(&sign(DEMO_XPAYS_SECRET_KEY, &secs, &body)), &body).await;
    assert_error(&r, 401, "Invalid signature");
    for off in [-301_000, 301_000] {
        let t = (now_ms() + off).to_string();
        let r = raw(&sb, "POST", CREATE, key, Some(&t), Some(&sign(DEMO_XPAYS_SECRET_KEY, &t, &body)), &body).await;
        assert_error(&r, 401, "Invalid signature");
    }
    // Within the window either way is fine.
    for (i, off) in [-280_000, 280_000].into_iter().enumerate() {
        let body = create_body(&format!("auth-ok{i}"), "10");
        let t = (now_ms() + off).to_string();
        let r = raw(&sb, "POST", CREATE, key, Some(&t), Some(&sign(DEMO_XPAYS_SECRET_KEY, &t, &body)), &body).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }

    // The GET is signed too.
    let r = raw(&sb, "GET", "/v1/payment/info?id=x", key, None, None, "").await;
    assert_error(&r, 401, "Invalid signature");
    let r = raw(&sb, "GET", "/v1/payment/info?id=x", None, None, None, "").await;
    assert_error(&r, 403, "Forbidden");

    // Nothing refused was created.
    let list = control(&sb, "GET", "/_sandbox/xpays/invoices", None).await.json();
    assert_eq!(list.as_array().expect("array").len(), 2);
}

// -- create ----------------------------------------------------------------------

#[tokio::test]
async fn create_answers_the_doc_sample_fields_and_types() {
    let sb = start().await;
    let before = now_ms();
    let r = signed(&sb, "POST", CREATE, &create_body("sale-0001", "10")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(keys(&v), ["data"]);
    let d = &v["data"];
    assert_doc_shape(d);
    assert!(is_uuid(&d["id"]));
    assert_eq!(d["seq_num"], 1);
    assert_eq!(d["order_id"], "sale-0001");
    assert_eq!(d["chain"], "tron");
    assert_eq!(d["network"], "mainnet");
    assert_eq!(d["from_fiat_currency"], "USD");
    assert_eq!(d["to_crypto_currency"], "USDT");
    assert_eq!(d["amount"], "10");
    assert!(r.body.contains(r#""payment_amount":9.99721717462727,"#), "{}", r.body);
    for null in ["payer_paid_currency", "payer_paid_amount", "txid", "from_address", "exchange_rate"] {
        assert!(d[null].is_null(), "{null}");
    }
    assert_tron_address(d["address"].as_str().expect("address"));
    assert_eq!(d["payment_url"], "https://xpays.life/pay/sale-0001");
    assert_eq!(d["lifetime"], 900);
    let created = ms(&d["created_at"]);
    assert!(created >= before && created <= now_ms());
    assert_eq!(ms(&d["expired_at"]) - created, 900_000);
    assert_eq!(d["status"], "PENDING");
    assert_eq!(d["payment_status"], "PAYMENT_CHECKING");
    assert_eq!(d["is_completed"], false);
    assert_eq!(d["payment_match_type"], "EXACTLY");
    assert_eq!(d["additional_data"], json!({}));
    assert!(is_uuid(&d["owned_by_group"]) && is_uuid(&d["agent_id"]));

    // A second invoice: next seq_num, another address, a 14-decimal amount.
    let d2 = create(&sb, "sale-0002", "4.50").await;
    assert_eq!(d2["seq_num"], 2);
    assert_ne!(d2["address"], d["address"]);
    assert_eq!(d2["amount"], "4.50");
    let text = d2["payment_amount"].to_string();
    assert_eq!(text, "4.49874772858227", "4.50 × 0.999721717462727, 15 significant digits");
    assert_eq!(d2["owned_by_group"], d["owned_by_group"]);
}

#[tokio::test]
async fn create_refuses_bad_fields_with_400() {
    let sb = start().await;
    let good = json!({
        "order_id": "f1", "amount": "10", "from_fiat_currency": "USD",
        "to_crypto_currency": "USDT", "chain": "tron",
    });
    let cases: Vec<(&str, Value)> = vec![
        ("order_id", json!(null)),
        ("order_id", json!(1731785840)),
        ("order_id", json!("")),
        ("order_id", json!("has space")),
        ("amount", json!(10)),
        ("amount", json!("0")),
        ("amount", json!("-1")),
        ("amount", json!("1e3")),
        ("amount", json!("ten")),
        ("amount", json!("1.123456789")),
        ("from_fiat_currency", json!("XYZ")),
        ("to_crypto_currency", json!("BTC")),
        ("chain", json!("ethereum")),
        ("chain", json!(1)),
        ("additional_data", json!("x")),
    ];
    for (field, value) in cases {
        let mut body = good.clone();
        if value.is_null() {
            body.as_object_mut().expect("object").remove(field);
        } else {
            body[field] = value.clone();
        }
        let r = signed(&sb, "POST", CREATE, &body.to_string()).await;
        assert_eq!(r.status, 400, "{field}={value}: {}", r.body);
        let v = r.json();
        assert_eq!(keys(&v), ["error"]);
        let message = v["error"].as_str().expect("message");
        assert!(message.starts_with(field), "{field}={value}: {message}");
    }
    // Malformed JSON, a non-object, the wrong content type.
    for body in ["{", "[]"] {
        let r = signed(&sb, "POST", CREATE, body).await;
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        assert!(r.json()["error"].is_string());
    }
    let body = good.to_string();
    let ts = now_ms().to_string();
    let headers = [
        ("Content-Type", "text/plain"),
        ("x-api-key", DEMO_XPAYS_API_KEY),
        ("x-timestamp", ts.as_str()),
        ("x-signature", &sign(DEMO_XPAYS_SECRET_KEY, &ts, &body)),
    ];
    let r = request(sb.addr(), "POST", CREATE, &headers, Some(&body)).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(control(&sb, "GET", "/_sandbox/xpays/invoices", None).await.json().as_array().expect("list").is_empty());
    // The good body passes.
    let r = signed(&sb, "POST", CREATE, &good.to_string()).await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn a_reused_order_id_is_refused() {
    let sb = start().await;
    let first = create(&sb, "dup-1", "10").await;
    let r = signed(&sb, "POST", CREATE, &create_body("dup-1", "10")).await;
    assert_error(&r, 400, "order_id already exists");
    let r = signed(&sb, "POST", CREATE, &create_body("dup-1", "12")).await;
    assert_error(&r, 400, "order_id already exists");
    let list = control(&sb, "GET", "/_sandbox/xpays/invoices", None).await.json();
    assert_eq!(list.as_array().expect("list").len(), 1);
    assert_eq!(list[0]["id"], first["id"]);
}

// -- info ------------------------------------------------------------------------

#[tokio::test]
async fn info_wraps_the_payment_in_data() {
    let sb = start().await;
    let created = create(&sb, "info-1", "25.00").await;
    let payment = info(&sb, created["id"].as_str().expect("id")).await;
    assert_doc_shape(&payment);
    assert_eq!(payment, created, "the same invoice, field for field");

    let r = signed(&sb, "GET", "/v1/payment/info?id=74ec698a-d773-4b55-81ab-58192f6b560c", "").await;
    assert_error(&r, 404, "Payment not found");
    // Looked up by id only, not by order_id.
    let r = signed(&sb, "GET", "/v1/payment/info?id=info-1", "").await;
    assert_error(&r, 404, "Payment not found");
    for path in ["/v1/payment/info", "/v1/payment/info?id=", "/v1/payment/info?other=1"] {
        let r = signed(&sb, "GET", path, "").await;
        assert_eq!(r.status, 400, "{path}: {}", r.body);
        assert!(r.json()["error"].is_string());
    }
}

// -- control API -------------------------------------------------------------

#[tokio::test]
async fn control_pay_completes() {
    let sb = start().await;
    let d = create(&sb, "pay-1", "10").await;
    let r = act(&sb, "pay-1", "pay").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let shown = r.json();
    let p = info(&sb, d["id"].as_str().expect("id")).await;
    assert_eq!(shown, p, "the control answer is the invoice as info shows it");
    assert_doc_shape(&p);
    assert_eq!(p["is_completed"], true);
    assert_eq!(p["status"], "COMPLETED");
    assert_eq!(p["payment_status"], "PAID");
    assert_eq!(p["payer_paid_amount"], p["payment_amount"]);
    assert_eq!(p["payer_paid_currency"], "USDT");
    assert!(p["txid"].as_str().is_some_and(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit())));
    assert_tron_address(p["from_address"].as_str().expect("from_address"));
    assert!(p["merchant_amount"].as_f64().is_some_and(|m| m > 9.9 && m < 9.997), "{}", p["merchant_amount"]);
    // Final: nothing moves it any more.
    for action in ["pay", "partial", "seen", "expire", "cancel", "weird"] {
        let r = act(&sb, "pay-1", action).await;
        assert_eq!(r.status, 409, "{action}: {}", r.body);
        assert!(r.json()["error"].is_string());
    }
    assert_eq!(info(&sb, d["id"].as_str().expect("id")).await, p);
}

#[tokio::test]
async fn control_partial_seen_and_weird() {
    let sb = start().await;
    let d = create(&sb, "part-1", "10").await;
    let id = d["id"].as_str().expect("id");

    let p = act(&sb, id, "seen").await.json();
    assert_eq!(p["status"], "PENDING");
    assert_eq!(p["payment_status"], "PAYMENT_CHECKING");
    assert!(p["txid"].is_string());
    assert!(p["payer_paid_amount"].is_null());
    assert_eq!(p["is_completed"], false);

    let p = act(&sb, "part-1", "partial").await.json();
    assert_eq!(p["status"], "PENDING");
    assert_eq!(p["is_completed"], false);
    assert!(p["txid"].is_string());
    assert_eq!(p["payer_paid_amount"].to_string(), "4.99860858731364", "half of 9.99721717462727, rounded");
    assert_eq!(p["payer_paid_currency"], "USDT");

    let p = act(&sb, id, "weird").await.json();
    assert_eq!(p["status"], "ON_HOLD");
    assert_eq!(p["payment_status"], "MANUAL_REVIEW");
    assert_eq!(p["is_completed"], false);
    // An undocumented state is not final: it can still be paid.
    let p = act(&sb, id, "pay").await.json();
    assert_eq!(p["status"], "COMPLETED");
    assert_eq!(info(&sb, id).await["is_completed"], true);
}

#[tokio::test]
async fn control_expire_and_cancel_are_final() {
    let sb = start().await;
    create(&sb, "exp-1", "10").await;
    create(&sb, "can-1", "10").await;
    let p = act(&sb, "exp-1", "expire").await.json();
    assert_eq!(p["status"], "EXPIRED");
    assert_eq!(p["is_completed"], false);
    let p = act(&sb, "can-1", "cancel").await.json();
    assert_eq!(p["status"], "CANCELED");
    assert_eq!(act(&sb, "can-1", "pay").await.status, 409);
    // Expired takes late money only: pay completes it; nothing else moves it.
    for action in ["partial", "seen", "expire", "cancel"] {
        assert_eq!(act(&sb, "exp-1", action).await.status, 409, "{action}");
    }
    let p = act(&sb, "exp-1", "pay").await.json();
    assert_eq!((&p["status"], &p["is_completed"]), (&json!("COMPLETED"), &json!(true)), "credited late");
    assert_eq!(act(&sb, "exp-1", "pay").await.status, 409);
    // Expired with part paid stays expired (till: expired_underpaid).
    create(&sb, "exp-2", "10").await;
    act(&sb, "exp-2", "partial").await;
    let p = act(&sb, "exp-2", "expire").await.json();
    assert_eq!(p["status"], "EXPIRED");
    assert!(p["payer_paid_amount"].as_f64().is_some_and(|a| a > 0.0));
}

#[tokio::test]
async fn control_unknown_ids_and_actions() {
    let sb = start().await;
    create(&sb, "ctl-1", "10").await;
    let r = act(&sb, "nope", "pay").await;
    assert_error(&r, 404, "no such invoice");
    for action in ["view", "refund"] {
        let r = act(&sb, "ctl-1", action).await;
        assert_eq!(r.status, 400, "{action}: {}", r.body);
        assert!(r.json()["error"].is_string());
    }
    let list = control(&sb, "GET", "/_sandbox/xpays/invoices", None).await.json();
    assert_eq!(list[0]["status"], "PENDING");
    assert_doc_shape(&list[0]);
}

#[tokio::test]
async fn open_invoices_expire_by_themselves() {
    let sb = start_with(Options {
        xpays: XpaysOptions { lifetime_secs: 0, ..XpaysOptions::default() },
        ..Options::default()
    })
    .await;
    let d = create(&sb, "short-1", "10").await;
    assert_eq!(d["lifetime"], 0);
    assert_eq!(d["expired_at"], d["created_at"]);
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let p = info(&sb, d["id"].as_str().expect("id")).await;
    assert_eq!(p["status"], "EXPIRED");
    assert_eq!(p["is_completed"], false);
    assert_eq!(act(&sb, "short-1", "cancel").await.status, 409);
    assert_eq!(act(&sb, "short-1", "pay").await.json()["status"], "COMPLETED", "credited late");
}
