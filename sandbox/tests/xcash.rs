//! The sandbox's Xcash against `providers/xcash.md` (§ What the server's
//! code says wins), over loopback HTTP.

mod common;

use std::time::Duration;

use common::*;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use till_sandbox::{DEMO_XCASH_APPID, DEMO_XCASH_HMAC_KEY, Options, Running, XcashOptions};

const CREATE: &str = "/v1/invoice";

/// § What the server's code says › Create success, in its order.
const CREATE_FIELDS: [&str; 22] = [
    "appid",
    "sys_no",
    "out_no",
    "title",
    "currency",
    "amount",
    "methods",
    "chain",
    "crypto",
    "crypto_address",
    "pay_address",
    "pay_amount",
    "pay_url",
    "started_at",
    "created_at",
    "expires_at",
    "notify_url",
    "return_url",
    "payment",
    "status",
    "risk_level",
    "risk_score",
];

/// § Query status table, plus the code's `payment_uri`, `evm_payment`, `tron_payment`.
const STATUS_FIELDS: [&str; 22] = [
    "sys_no",
    "title",
    "currency",
    "amount",
    "methods",
    "chain",
    "crypto",
    "crypto_address",
    "pay_address",
    "pay_amount",
    "pay_url",
    "started_at",
    "created_at",
    "expires_at",
    "return_url",
    "payment",
    "status",
    "risk_level",
    "risk_score",
    "payment_uri",
    "evm_payment",
    "tron_payment",
];

fn sign(key: &str, nonce: &str, timestamp: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("any key length");
    mac.update(nonce.as_bytes());
    mac.update(timestamp.as_bytes());
    mac.update(body.as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

fn now_secs() -> String {
    (now_ms() / 1000).to_string()
}

/// A create with explicit `XC-` headers (`None` leaves one out).
async fn raw(
    sb: &Running,
    appid: Option<&str>,
    nonce: Option<&str>,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &str,
) -> Reply {
    let mut headers = vec![("Content-Type", "application/json"), ("Accept-Language", "en")];
    for (name, value) in
        [("XC-Appid", appid), ("XC-Nonce", nonce), ("XC-Timestamp", timestamp), ("XC-Signature", signature)]
    {
        if let Some(v) = value {
            headers.push((name, v));
        }
    }
    request(sb.addr(), "POST", CREATE, &headers, Some(body)).await
}

/// Signed as till signs: a fresh UUID v4 nonce and the current second.
async fn signed(sb: &Running, body: &str) -> Reply {
    let nonce = uuid::Uuid::new_v4().to_string();
    let ts = now_secs();
    let sig = sign(DEMO_XCASH_HMAC_KEY, &nonce, &ts, body);
    raw(sb, Some(DEMO_XCASH_APPID), Some(&nonce), Some(&ts), Some(&sig), body).await
}

/// What till sends (README, xcash.md § Create invoice).
fn till_body(out_no: &str, amount: &str) -> String {
    json!({
        "out_no": out_no,
        "title": "Corner Cafe",
        "currency": "USD",
        "amount": amount,
        "duration": 15,
        "methods": {"USDT": ["tron"]},
    })
    .to_string()
}

async fn create(sb: &Running, out_no: &str, amount: &str) -> Value {
    let r = signed(sb, &till_body(out_no, amount)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()
}

async fn status(sb: &Running, sys_no: &str) -> Reply {
    request(sb.addr(), "GET", &format!("/v1/invoice/{sys_no}"), &[], None).await
}

async fn select(sb: &Running, sys_no: &str, body: &str) -> Reply {
    let path = format!("/v1/invoice/{sys_no}/select-method");
    request(sb.addr(), "POST", &path, &[("Content-Type", "application/json")], Some(body)).await
}

async fn act(sb: &Running, id: &str, action: &str) -> Reply {
    control(sb, "POST", &format!("/_sandbox/xcash/invoices/{id}/{action}"), None).await
}

async fn listed(sb: &Running) -> Vec<Value> {
    control(sb, "GET", "/_sandbox/xcash/invoices", None).await.json().as_array().expect("list").clone()
}

/// An Xcash error: the HTTP status, the bare body with `code` a string.
fn assert_code(r: &Reply, http: u16, code: &str) -> Value {
    assert_eq!(r.status, http, "{}", r.body);
    let v = r.json();
    assert_eq!(keys(&v), ["code", "detail", "message"], "{v}");
    assert_eq!(v["code"], code, "{v}");
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty() && m.is_ascii()), "English: {v}");
    v
}

/// A DRF error: `{"detail":"…"}`.
fn assert_drf(r: &Reply, http: u16) -> String {
    assert_eq!(r.status, http, "{}", r.body);
    let v = r.json();
    assert_eq!(keys(&v), ["detail"], "{v}");
    v["detail"].as_str().expect("detail text").to_owned()
}

/// README § TRON base58check.
fn assert_tron_address(addr: &Value) {
    let addr = addr.as_str().expect("address string");
    assert_eq!(addr.len(), 34, "{addr}");
    assert!(addr.starts_with('T'), "{addr}");
    let raw = bs58::decode(addr).into_vec().expect("base58");
    assert_eq!(raw.len(), 25);
    assert_eq!(raw[0], 0x41);
    let check = Sha256::digest(Sha256::digest(&raw[..21]));
    assert_eq!(&raw[21..], &check[..4], "checksum of {addr}");
}

/// `YYYY-MM-DDTHH:MM:SSZ` → epoch seconds.
fn secs(iso: &Value) -> i64 {
    let s = iso.as_str().expect("time string");
    assert_eq!(s.len(), 20, "{s}");
    assert!(s.ends_with('Z'), "{s}");
    let n = |a: usize, b: usize| s[a..b].parse::<i64>().expect("digits");
    let (y, m, d) = (n(0, 4), n(5, 7), n(8, 10));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    ((days * 24 + n(11, 13)) * 60 + n(14, 16)) * 60 + n(17, 19)
}

/// Keys in the order sent (serde_json's map would sort them).
fn ordered_keys(body: &str) -> Vec<String> {
    let v = body.trim();
    let mut out = Vec::new();
    let mut depth = 0;
    let mut chars = v.char_indices().peekable();
    let mut expect_key = false;
    while let Some((i, c)) = chars.next() {
        match c {
            '{' | '[' => {
                depth += 1;
                expect_key = c == '{' && depth == 1;
            }
            '}' | ']' => depth -= 1,
            ',' if depth == 1 => expect_key = true,
            '"' => {
                let start = i + 1;
                let mut end = start;
                while let Some((j, d)) = chars.next() {
                    if d == '\\' {
                        chars.next();
                    } else if d == '"' {
                        end = j;
                        break;
                    }
                }
                if expect_key && depth == 1 {
                    out.push(v[start..end].to_owned());
                    expect_key = false;
                }
            }
            _ => {}
        }
    }
    out
}

fn pay_amount_ok(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        let (_, frac) = s.split_once('.').unwrap_or((s, ""));
        frac.len() <= 6 && !frac.ends_with('0') && s.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    })
}

// -- signing -------------------------------------------------------------------

#[tokio::test]
async fn doc_signing_examples_are_accepted() {
    // § Authentication / signing: key `test-hmac-key`, XC-Timestamp 1730998051.
    let sb = start_with(Options {
        xcash: XcashOptions {
            hmac_key: "test-hmac-key".into(),
            clock_skew_ms: 1_730_998_051_000 - now_ms(),
            ..XcashOptions::default()
        },
        ..Options::default()
    })
    .await;
    let body = r#"{"out_no":"A1","title":"Coffee","currency":"USD","amount":"4.50"}"#;
    let ts = Some("1730998051");
    let appid = Some(DEMO_XCASH_APPID);

    // Example 2: the realistic nonce.
    let nonce2 = Some("3f1c2a9e-6b7d-4e2f-9a1b-0c4d5e6f7a8b");
    let sig2 = Some("7d98bb9945f325bbdf1a9c4afffc89a04f8167a460f5eadae1b466db25c4a57c");
    let r = raw(&sb, appid, nonce2, ts, sig2, body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let v = r.json();
    assert_eq!(v["out_no"], "A1");
    assert_eq!(v["title"], "Coffee");
    assert_eq!(v["amount"], "4.5", "trailing zeros stripped");
    assert_eq!(v["methods"], json!({"USDT": ["tron"]}), "no methods: the project's");
    assert!((secs(&v["created_at"]) - 1_730_998_051).abs() < 60);

    // Sent again as is: a replay.
    let r = raw(&sb, appid, nonce2, ts, sig2, body).await;
    assert_code(&r, 400, "1009");

    // Example 1 (a 9-character nonce: the server code has no length rule):
    // the same out_no and fields → HTTP 200 with the same invoice.
    let sig1 = Some("6959eb6fd8b79b12d372b3de94a6dc18d39cf8eeb3545e941965a7b8ad9fd262");
    let r = raw(&sb, appid, Some("n0nce-123"), ts, sig1, body).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["sys_no"], v["sys_no"]);

    // Example 2's signature with example 1's nonce: refused.
    let r = raw(&sb, appid, Some("n0nce-456"), ts, sig2, body).await;
    assert_code(&r, 403, "1003");
    assert_eq!(listed(&sb).await.len(), 1);
}

#[tokio::test]
async fn auth_is_checked_in_the_server_order() {
    let sb = start().await;
    let body = till_body("auth-1", "4.50");
    let ts = now_secs();
    let key = DEMO_XCASH_HMAC_KEY;
    let appid = Some(DEMO_XCASH_APPID);
    let fresh = || uuid::Uuid::new_v4().to_string();

    // 1001 unknown appid (before a bad timestamp and a bad signature).
    let n = fresh();
    let r = raw(&sb, Some("XC-NOPE0000"), Some(&n), Some("1"), Some("00"), &body).await;
    assert_code(&r, 400, "1001");
    let r = raw(&sb, None, Some(&n), Some(&ts), Some(&sign(key, &n, &ts, &body)), &body).await;
    assert_code(&r, 400, "1001");

    // 1008 timestamp missing, not digits, or more than 300 s off (before the signature).
    let r = raw(&sb, appid, Some(&n), None, Some("00"), &body).await;
    assert_code(&r, 400, "1008");
    let r = raw(&sb, appid, Some(&n), Some("soon"), Some("00"), &body).await;
    assert_code(&r, 400, "1008");
    for off in [-310, 310] {
        let t = (now_ms() / 1000 + off).to_string();
        let r = raw(&sb, appid, Some(&n), Some(&t), Some(&sign(key, &n, &t, &body)), &body).await;
        assert_code(&r, 400, "1008");
    }
    // Milliseconds are far off too.
    let t = now_ms().to_string();
    let r = raw(&sb, appid, Some(&n), Some(&t), Some(&sign(key, &n, &t, &body)), &body).await;
    assert_code(&r, 400, "1008");

    // 1003 signature: missing, other key, upper case, over another body.
    let r = raw(&sb, appid, Some(&n), Some(&ts), None, &body).await;
    assert_code(&r, 403, "1003");
    let r = raw(&sb, appid, Some(&n), Some(&ts), Some(&sign("other", &n, &ts, &body)), &body).await;
    assert_code(&r, 403, "1003");
    let r = raw(&sb, appid, Some(&n), Some(&ts), Some(&sign(key, &n, &ts, &body).to_uppercase()), &body).await;
    assert_code(&r, 403, "1003");
    let r = raw(&sb, appid, Some(&n), Some(&ts), Some(&sign(key, &n, &ts, "{}")), &body).await;
    assert_code(&r, 403, "1003");
    // A missing nonce with a signature that does not fit: still 1003.
    let r = raw(&sb, appid, None, Some(&ts), Some(&sign(key, &n, &ts, &body)), &body).await;
    assert_code(&r, 403, "1003");

    // 1000 empty nonce (the signature over "" + timestamp + body fits).
    let r = raw(&sb, appid, None, Some(&ts), Some(&sign(key, "", &ts, &body)), &body).await;
    assert_code(&r, 400, "1000");

    assert!(listed(&sb).await.is_empty(), "nothing refused was created");

    // Inside the window either way; leading zeros of the timestamp are not signed.
    for off in [-290, 290] {
        let b = till_body(&format!("auth-ok{off}"), "4.50");
        let n = fresh();
        let t = (now_ms() / 1000 + off).to_string();
        let r = raw(&sb, appid, Some(&n), Some(&t), Some(&sign(key, &n, &t, &b)), &b).await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let b = till_body("auth-zeros", "4.50");
    let n = fresh();
    let r = raw(&sb, appid, Some(&n), Some(&format!("00{ts}")), Some(&sign(key, &n, &ts, &b)), &b).await;
    assert_eq!(r.status, 201, "{}", r.body);

    // 1009: a nonce already used (even by a refused-for-other-reasons request that passed the checks).
    let r = raw(&sb, appid, Some(&n), Some(&ts), Some(&sign(key, &n, &ts, &body)), &body).await;
    assert_code(&r, 400, "1009");
}

// -- create ----------------------------------------------------------------------

#[tokio::test]
async fn create_selects_the_single_method() {
    let sb = start().await;
    let before = now_ms() / 1000;
    let r = signed(&sb, &till_body("sale-1", "29.99")).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(ordered_keys(&r.body), CREATE_FIELDS, "the server's field order");
    let v = r.json();
    assert_eq!(v["appid"], DEMO_XCASH_APPID);
    let sys_no = v["sys_no"].as_str().expect("sys_no");
    assert_eq!(sys_no.len(), 17, "{sys_no}");
    assert!(sys_no.starts_with("INV"));
    assert!(sys_no[3..9].bytes().all(|b| b.is_ascii_digit()));
    assert!(sys_no[9..].bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()), "{sys_no}");
    assert_eq!(v["out_no"], "sale-1");
    assert_eq!(v["title"], "Corner Cafe");
    assert_eq!(v["currency"], "USD");
    assert_eq!(v["amount"], "29.99");
    assert_eq!(v["methods"], json!({"USDT": ["tron"]}));
    assert_eq!(v["chain"], "tron");
    assert_eq!(v["crypto"], "USDT");
    assert_tron_address(&v["crypto_address"]);
    assert_tron_address(&v["pay_address"]);
    assert_ne!(v["crypto_address"], v["pay_address"], "the token contract is not where to pay");
    // The doc's webhook sample: 29.99 USD → 29.870001.
    assert_eq!(v["pay_amount"], "29.870001");
    assert_eq!(v["pay_url"], format!("https://gateway.xca.sh/pay/{sys_no}"));
    let created = secs(&v["created_at"]);
    assert!(created >= before && created <= now_ms() / 1000);
    assert_eq!(v["started_at"], v["created_at"]);
    assert_eq!(secs(&v["expires_at"]) - created, 15 * 60);
    assert!(v["notify_url"].is_null() && v["return_url"].is_null() && v["payment"].is_null());
    assert_eq!(v["status"], "waiting");
    assert!(v["risk_level"].is_null() && v["risk_score"].is_null());
    // Sys_no and the crypto amount are per invoice.
    let w = create(&sb, "sale-2", "29.99").await;
    assert_ne!(w["sys_no"], v["sys_no"]);
    assert_ne!(w["pay_address"], v["pay_address"]);
    assert_eq!(w["pay_amount"], "29.870002");
}

#[tokio::test]
async fn pay_amounts_are_unique_and_stripped() {
    let sb = start().await;
    let mut seen = Vec::new();
    for i in 0..12 {
        let v = create(&sb, &format!("u{i}"), "4.50").await;
        assert!(pay_amount_ok(&v["pay_amount"]), "{}", v["pay_amount"]);
        assert!(!seen.contains(&v["pay_amount"]), "{}", v["pay_amount"]);
        seen.push(v["pay_amount"].clone());
    }
    // 4.5 × 0.996 = 4.482 → 4.48, then + 0.000001 per waiting invoice; 4.48001 has its zero stripped.
    assert_eq!(seen[0], "4.480001");
    assert_eq!(seen[9], "4.48001");
    // Amounts as JSON numbers are accepted too; other currencies convert.
    let body = json!({"out_no": "num", "title": "T", "currency": "EUR", "amount": 10, "duration": 5});
    let r = signed(&sb, &body.to_string()).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let v = r.json();
    assert_eq!(v["amount"], "10");
    assert_eq!(v["currency"], "EUR");
    assert!(pay_amount_ok(&v["pay_amount"]));
    assert_eq!(secs(&v["expires_at"]) - secs(&v["created_at"]), 5 * 60);
}

#[tokio::test]
async fn field_errors_are_1000_with_details() {
    let sb = start().await;
    let base = json!({"out_no": "f1", "title": "T", "currency": "USD", "amount": "1"});
    let cases: Vec<(&str, Value)> = vec![
        ("out_no", Value::Null),
        ("out_no", json!("")),
        ("out_no", json!("x".repeat(33))),
        ("out_no", json!({"a": 1})),
        ("title", json!("t".repeat(33))),
        ("amount", json!("1.123456789")),
        ("amount", json!("0")),
        ("amount", json!("-1")),
        ("amount", json!("0.000000001")),
        ("amount", json!("1000000.01")),
        ("amount", json!("abc")),
        ("amount", json!(true)),
        ("duration", json!(4)),
        ("duration", json!(31)),
        ("duration", json!(10.5)),
        ("duration", json!("ten")),
        ("return_url", json!("not a url")),
    ];
    for (field, value) in cases {
        let mut body = base.clone();
        if value.is_null() {
            body.as_object_mut().expect("object").remove(field);
        } else {
            body[field] = value.clone();
        }
        let v = assert_code(&signed(&sb, &body.to_string()).await, 400, "1000");
        assert_eq!(keys(&v["detail"]), [field], "{field}={value}: {v}");
        let messages = v["detail"][field].as_array().expect("list of messages");
        assert!(messages.iter().all(Value::is_string) && !messages.is_empty(), "{v}");
    }
    // Several at once, each under its field.
    let v = assert_code(&signed(&sb, r#"{"currency":"USD","amount":"x","duration":99}"#).await, 400, "1000");
    assert_eq!(keys(&v["detail"]), ["amount", "duration", "out_no", "title"]);
    assert_eq!(v["detail"]["out_no"], json!(["This field is required."]));
    // Edges that pass.
    for (i, amount) in ["0.00000001", "1000000", "1000000.00"].into_iter().enumerate() {
        let mut body = base.clone();
        body["out_no"] = json!(format!("edge{i}"));
        body["amount"] = json!(amount);
        let r = signed(&sb, &body.to_string()).await;
        assert_eq!(r.status, 201, "{amount}: {}", r.body);
    }
}

#[tokio::test]
async fn business_errors_have_their_codes() {
    let sb = start().await;
    let with = |field: &str, value: Value| {
        let mut body = json!({"out_no": "b1", "title": "T", "currency": "USD", "amount": "1"});
        body[field] = value;
        body.to_string()
    };
    for currency in ["GBP", "usd", "USDT"] {
        assert_code(&signed(&sb, &with("currency", json!(currency))).await, 400, "5000");
    }
    assert_code(&signed(&sb, &with("methods", json!({"USDT": ["tron-mainnet"]}))).await, 400, "2000");
    assert_code(&signed(&sb, &with("methods", json!({"USDT": ["tron", "moon"]}))).await, 400, "2000");
    assert_code(&signed(&sb, &with("methods", json!({"USDC": ["tron"]}))).await, 400, "2001");
    assert_code(&signed(&sb, &with("methods", json!({"BTC": ["tron"]}))).await, 400, "2001");
    assert_code(&signed(&sb, &with("methods", json!({"USDT": ["ethereum"]}))).await, 400, "5008");
    assert_code(&signed(&sb, &with("methods", json!({"USDT": []}))).await, 400, "5008");
    for shape in [json!("tron"), json!(["USDT"]), json!({"USDT": "tron"}), json!({"USDT": [1]})] {
        let v = assert_code(&signed(&sb, &with("methods", shape.clone())).await, 400, "1000");
        assert_eq!(keys(&v["detail"]), ["methods"], "{shape}");
    }
    assert!(listed(&sb).await.is_empty());
    // Unsupported media type, malformed JSON, non-object: DRF and 1000.
    let nonce = uuid::Uuid::new_v4().to_string();
    let ts = now_secs();
    let body = with("title", json!("T"));
    let sig = sign(DEMO_XCASH_HMAC_KEY, &nonce, &ts, &body);
    let headers = [
        ("Content-Type", "text/plain"),
        ("XC-Appid", DEMO_XCASH_APPID),
        ("XC-Nonce", nonce.as_str()),
        ("XC-Timestamp", ts.as_str()),
        ("XC-Signature", sig.as_str()),
    ];
    let r = request(sb.addr(), "POST", CREATE, &headers, Some(&body)).await;
    assert_eq!(assert_drf(&r, 415), "Unsupported media type \"text/plain\" in request.");
    assert!(assert_drf(&signed(&sb, "{").await, 400).starts_with("JSON parse error"));
    let v = assert_code(&signed(&sb, "[]").await, 400, "1000");
    assert_eq!(keys(&v["detail"]), ["non_field_errors"]);
    // Wrong method, unknown invoice.
    let r = request(sb.addr(), "GET", CREATE, &[], None).await;
    assert_eq!(assert_drf(&r, 405), "Method \"GET\" not allowed.");
    assert_eq!(assert_drf(&status(&sb, "INV2606028X7K2P9Q").await, 404), "Not found.");
    assert_eq!(assert_drf(&select(&sb, "INV2606028X7K2P9Q", "{}").await, 404), "Not found.");
}

#[tokio::test]
async fn a_repeated_out_no_returns_the_same_invoice_or_1007() {
    let sb = start().await;
    let first = create(&sb, "rep-1", "4.50").await;
    // The same fields, amount spelled differently, a fresh nonce: HTTP 200, same invoice.
    let again = json!({
        "out_no": "rep-1", "title": "Corner Cafe", "currency": "USD", "amount": 4.5,
        "duration": 15, "methods": {"USDT": ["tron"]},
    });
    let r = signed(&sb, &again.to_string()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json(), first);
    // Duration and methods are not compared (server code).
    let r = signed(
        &sb,
        &json!({"out_no": "rep-1", "title": "Corner Cafe", "currency": "USD", "amount": "4.5000"}).to_string(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // Another amount, title or currency: 1007.
    assert_code(&signed(&sb, &till_body("rep-1", "4.51")).await, 400, "1007");
    let other_title = json!({"out_no": "rep-1", "title": "Other", "currency": "USD", "amount": "4.5"});
    assert_code(&signed(&sb, &other_title.to_string()).await, 400, "1007");
    let other_currency = json!({"out_no": "rep-1", "title": "Corner Cafe", "currency": "EUR", "amount": "4.5"});
    assert_code(&signed(&sb, &other_currency.to_string()).await, 400, "1007");
    assert_eq!(listed(&sb).await.len(), 1);
    // Still the same invoice once paid.
    act(&sb, "rep-1", "pay").await;
    let r = signed(&sb, &till_body("rep-1", "4.50")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status"], "completed");
}

#[tokio::test]
async fn too_many_waiting_invoices_is_5009() {
    let sb = start_with(Options {
        xcash: XcashOptions { max_waiting: Some(2), ..XcashOptions::default() },
        ..Options::default()
    })
    .await;
    create(&sb, "w1", "1").await;
    create(&sb, "w2", "1").await;
    assert_code(&signed(&sb, &till_body("w3", "1")).await, 400, "5009");
    // A repeat is not a new invoice.
    assert_eq!(signed(&sb, &till_body("w2", "1")).await.status, 200);
    act(&sb, "w1", "pay").await;
    create(&sb, "w3", "1").await;
}

// -- status and select-method --------------------------------------------------

#[tokio::test]
async fn status_is_public_and_bare() {
    let sb = start().await;
    let created = create(&sb, "st-1", "10").await;
    let sys_no = created["sys_no"].as_str().expect("sys_no");
    let r = status(&sb, sys_no).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(ordered_keys(&r.body), STATUS_FIELDS);
    let v = r.json();
    for name in STATUS_FIELDS {
        if !["payment_uri", "evm_payment", "tron_payment"].contains(&name) {
            assert_eq!(v[name], created[name], "{name}");
        }
    }
    assert!(v.get("appid").is_none() && v.get("out_no").is_none() && v.get("notify_url").is_none());
    // Looked up by sys_no only.
    assert_drf(&status(&sb, "st-1").await, 404);
}

#[tokio::test]
async fn select_method_for_older_deployments() {
    let sb = start_with(Options {
        xcash: XcashOptions { select_at_create: false, ..XcashOptions::default() },
        ..Options::default()
    })
    .await;
    let v = create(&sb, "sel-1", "10").await;
    for null in ["chain", "crypto", "crypto_address", "pay_address", "pay_amount", "started_at"] {
        assert!(v[null].is_null(), "{null}: {v}");
    }
    let sys_no = v["sys_no"].as_str().expect("sys_no");
    assert!(status(&sb, sys_no).await.json()["pay_address"].is_null());

    assert_code(&select(&sb, sys_no, r#"{"crypto":"USDT","chain":"tron-mainnet"}"#).await, 400, "2000");
    assert_code(&select(&sb, sys_no, r#"{"crypto":"USDC","chain":"tron"}"#).await, 400, "2001");
    let d = assert_code(&select(&sb, sys_no, r#"{"crypto":"USDT"}"#).await, 400, "1000");
    assert_eq!(d["detail"], json!({"chain": ["This field is required."]}));
    let r = select(&sb, sys_no, r#"{"crypto":"USDT","chain":"tron"}"#).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(ordered_keys(&r.body), STATUS_FIELDS);
    let s = r.json();
    assert_eq!(s["chain"], "tron");
    assert_eq!(s["crypto"], "USDT");
    assert_tron_address(&s["pay_address"]);
    assert_eq!(s["pay_amount"], "9.960001");
    assert!(s["started_at"].is_string());
    // Selecting again keeps the address; status shows it.
    let again = select(&sb, sys_no, r#"{"crypto":"USDT","chain":"tron"}"#).await.json();
    assert_eq!(again["pay_address"], s["pay_address"]);
    assert_eq!(status(&sb, sys_no).await.json()["pay_address"], s["pay_address"]);
    // Not waiting any more: 5006.
    act(&sb, sys_no, "expire").await;
    assert_code(&select(&sb, sys_no, r#"{"crypto":"USDT","chain":"tron"}"#).await, 400, "5006");

    // Paying an invoice nobody selected a method for: the page selected it.
    let p = create(&sb, "sel-2", "10").await;
    let paid = act(&sb, "sel-2", "pay").await.json();
    assert_eq!(paid["status"], "completed");
    assert_tron_address(&paid["pay_address"]);
    assert_eq!(paid["payment"]["to_address"], paid["pay_address"]);
    assert_eq!(paid["sys_no"], p["sys_no"]);
}

#[tokio::test]
async fn past_expires_at_an_invoice_reads_expired() {
    let sb = start_with(Options {
        xcash: XcashOptions {
            select_at_create: false,
            expiry_override: Some(Duration::ZERO),
            ..XcashOptions::default()
        },
        ..Options::default()
    })
    .await;
    let v = create(&sb, "old-1", "10").await;
    assert_eq!(v["expires_at"], v["created_at"]);
    let sys_no = v["sys_no"].as_str().expect("sys_no");
    assert_eq!(status(&sb, sys_no).await.json()["status"], "expired");
    // Select-method on a waiting invoice past its expiry: 5012.
    assert_code(&select(&sb, sys_no, r#"{"crypto":"USDT","chain":"tron"}"#).await, 400, "5012");
    // It no longer counts as waiting.
    assert_eq!(listed(&sb).await[0]["status"], "expired");
    // Expired is not final at Xcash: a late credit completes it.
    let r = act(&sb, "old-1", "pay").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status"], "completed");
}

#[tokio::test]
async fn status_is_throttled_per_invoice() {
    let sb = start().await;
    let a = create(&sb, "thr-a", "1").await;
    let b = create(&sb, "thr-b", "1").await;
    let a = a["sys_no"].as_str().expect("sys_no");
    for i in 0..120 {
        let r = status(&sb, a).await;
        assert_eq!(r.status, 200, "call {i}: {}", r.body);
    }
    let r = status(&sb, a).await;
    let detail = assert_drf(&r, 429);
    assert!(detail.starts_with("Request was throttled. Expected available in "), "{detail}");
    let retry: u64 = r
        .headers
        .iter()
        .find(|(n, _)| n == "retry-after")
        .and_then(|(_, v)| v.parse().ok())
        .expect("Retry-After seconds");
    assert!((1..=60).contains(&retry), "{retry}");
    assert!(detail.contains(&format!(" {retry} second")), "{detail}");
    // Another invoice is counted apart.
    assert_eq!(status(&sb, b["sys_no"].as_str().expect("sys_no")).await.status, 200);
    // select-method: 10 per minute.
    let b = b["sys_no"].as_str().expect("sys_no");
    for _ in 0..10 {
        assert_eq!(select(&sb, b, r#"{"crypto":"USDT","chain":"tron"}"#).await.status, 200);
    }
    assert_drf(&select(&sb, b, r#"{"crypto":"USDT","chain":"tron"}"#).await, 429);
}

// -- control API -------------------------------------------------------------

#[tokio::test]
async fn control_pay_completes_with_a_payment() {
    let sb = start().await;
    let v = create(&sb, "cp-1", "29.99").await;
    let sys_no = v["sys_no"].as_str().expect("sys_no");
    let r = act(&sb, "cp-1", "pay").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(ordered_keys(&r.body), STATUS_FIELDS, "the status shape");
    let s = r.json();
    assert_eq!(s, status(&sb, sys_no).await.json());
    assert_eq!(s["status"], "completed");
    let p = &s["payment"];
    assert_eq!(
        keys(p),
        [
            "amount",
            "block",
            "chain",
            "confirm_progress",
            "crypto",
            "datetime",
            "from_address",
            "hash",
            "status",
            "to_address"
        ]
    );
    assert_eq!(p["chain"], "tron");
    assert!(p["block"].is_u64());
    assert!(p["hash"].as_str().is_some_and(|h| h.len() == 64));
    assert_tron_address(&p["from_address"]);
    assert_eq!(p["to_address"], v["pay_address"]);
    assert_eq!(p["crypto"], "USDT");
    assert_eq!(p["amount"], v["pay_amount"]);
    assert!(secs(&p["datetime"]) > 0);
    // Measured: `confirm_progress` is an object.
    assert!(p["status"].is_string() && p["confirm_progress"].is_object());
    assert_eq!(p["status"], "confirmed");
    for action in ["pay", "seen", "expire", "weird"] {
        assert_eq!(act(&sb, sys_no, action).await.status, 409, "{action}");
    }
}

#[tokio::test]
async fn control_seen_expire_weird_and_refusals() {
    let sb = start().await;
    create(&sb, "cs-1", "1").await;
    create(&sb, "cs-2", "1").await;
    create(&sb, "cs-3", "1").await;

    let s = act(&sb, "cs-1", "seen").await.json();
    assert_eq!(s["status"], "waiting");
    assert!(s["payment"].is_object());
    assert_eq!(s["payment"]["amount"], s["pay_amount"]);
    // Seen, then expired: an exact in-window transfer still confirming.
    let s = act(&sb, "cs-1", "expire").await.json();
    assert_eq!(s["status"], "expired");
    assert!(s["payment"].is_object());
    assert_eq!(s["payment"]["status"], "confirming");

    let s = act(&sb, "cs-2", "weird").await.json();
    assert_eq!(s["status"], "refunding");

    for action in ["partial", "cancel", "view"] {
        let r = act(&sb, "cs-3", action).await;
        assert_eq!(r.status, 400, "{action}: {}", r.body);
        assert!(r.json()["error"].is_string());
    }
    let r = act(&sb, "nope", "pay").await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json(), json!({"error": "no such invoice"}));

    let list = listed(&sb).await;
    assert_eq!(list.len(), 3);
    assert_eq!(list[2]["status"], "waiting");
    assert!(list[2].get("out_no").is_none(), "status shape");
}

// -- corrected xcash.md: late credits, HTML 403, Chinese messages ------------

#[tokio::test]
async fn expired_with_a_payment_then_completed() {
    let sb = start().await;
    let v = create(&sb, "late-1", "12.5").await;
    let sys_no = v["sys_no"].as_str().expect("sys_no");
    // The expiry task runs before the transfer is seen.
    assert_eq!(act(&sb, "late-1", "expire").await.json()["status"], "expired");
    let s = status(&sb, sys_no).await.json();
    assert_eq!((&s["status"], &s["payment"]), (&json!("expired"), &Value::Null));
    // The transfer, made inside the window, is seen: still expired, payment confirming.
    let s = act(&sb, "late-1", "seen").await.json();
    assert_eq!(s, status(&sb, sys_no).await.json());
    assert_eq!(s["status"], "expired");
    assert_eq!(s["payment"]["status"], "confirming");
    assert_eq!(s["payment"]["amount"], s["pay_amount"], "only an exact transfer is attached");
    assert!(secs(&s["payment"]["datetime"]) < secs(&s["expires_at"]), "made inside the window");
    let hash = s["payment"]["hash"].clone();
    // Confirmed: completed, the same transfer.
    let s = act(&sb, "late-1", "pay").await.json();
    assert_eq!(s["status"], "completed");
    assert_eq!(s["payment"]["status"], "confirmed");
    assert_eq!(s["payment"]["hash"], hash);
    assert_eq!(status(&sb, sys_no).await.json()["status"], "completed");
    for action in ["pay", "seen", "expire"] {
        assert_eq!(act(&sb, "late-1", action).await.status, 409, "{action}");
    }
}

#[tokio::test]
async fn a_late_credit_on_an_expired_invoice_completes_it() {
    let sb = start_with(Options {
        xcash: XcashOptions { expiry_override: Some(Duration::ZERO), ..XcashOptions::default() },
        ..Options::default()
    })
    .await;
    let v = create(&sb, "late-2", "3").await;
    let sys_no = v["sys_no"].as_str().expect("sys_no");
    assert_eq!(status(&sb, sys_no).await.json()["status"], "expired");
    let s = act(&sb, sys_no, "pay").await.json();
    assert_eq!(s["status"], "completed");
    assert_eq!(s["payment"]["amount"], v["pay_amount"]);
    assert_eq!(status(&sb, sys_no).await.json(), s);
    // Still one invoice.
    assert_eq!(listed(&sb).await.len(), 1);
}

#[tokio::test]
async fn unknown_routes_answer_an_html_403() {
    let sb = start().await;
    let v = create(&sb, "h-1", "1").await;
    let sys_no = v["sys_no"].as_str().expect("sys_no");
    for (method, path) in [
        ("POST", "/v1/invoice/".to_owned()),
        ("GET", format!("/v1/invoice/{sys_no}/")),
        ("GET", format!("/v1/invoice/{sys_no}/nothing")),
        ("POST", format!("/v1/invoice/{sys_no}/select-method/")),
    ] {
        let r = request(sb.addr(), method, &path, &[("Content-Type", "application/json")], Some("{}")).await;
        assert_eq!(r.status, 403, "{method} {path}");
        assert!(r.body.contains("<h1>403 Forbidden</h1>"), "{}", r.body);
        assert!(serde_json::from_str::<Value>(&r.body).is_err(), "not JSON");
        assert!(r.headers.iter().any(|(n, v)| n == "content-type" && v.starts_with("text/html")), "{:?}", r.headers);
    }
    // The known routes are untouched.
    assert_eq!(status(&sb, sys_no).await.status, 200);
}

#[tokio::test]
async fn messages_are_chinese_without_compiled_translations() {
    let sb = start_with(Options {
        xcash: XcashOptions { english_messages: false, ..XcashOptions::default() },
        ..Options::default()
    })
    .await;
    // Accept-Language: en is sent, and ignored.
    let body = json!({"out_no": "zh-1", "title": "T", "currency": "USD", "amount": "1",
        "methods": {"USDT": ["ethereum"]}})
    .to_string();
    let r = signed(&sb, &body).await;
    assert_eq!(r.status, 400, "{}", r.body);
    let v = r.json();
    assert_eq!(v["code"], "5008");
    assert_eq!(v["message"], "没有有效的收款地址。");
    assert_eq!(status(&sb, "INV2606028X7K2P9Q").await.json(), json!({"detail": "未找到。"}));
    // Successes are the same either way.
    assert_eq!(create(&sb, "zh-2", "1").await["status"], "waiting");
}
