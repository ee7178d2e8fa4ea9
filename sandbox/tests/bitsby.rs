//! The sandbox's Bitsby against `providers/bitsby.md`, over loopback HTTP.

mod common;

use std::str::FromStr;
use std::time::Duration;

use common::*;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sha3::Keccak256;
use till_sandbox::{BitsbyOptions, DEMO_BITSBY_PROJECT_ID, DEMO_BITSBY_TOKEN, Options, Running};

const BOUNDARY: &str = "----till-sandbox-test-7MA4YWxkTrZu0gW";

// -- helpers -------------------------------------------------------------------

/// A multipart/form-data body of text fields (as curl's `-F`).
fn form(fields: &[(&str, &str)]) -> String {
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"));
    }
    body.push_str(&format!("--{BOUNDARY}--\r\n"));
    body
}

/// `POST` a multipart form with `Authorization: <auth>` (if any).
async fn send(sb: &Running, path: &str, auth: Option<&str>, fields: &[(&str, &str)]) -> Reply {
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    let mut headers = vec![("Content-Type", content_type.as_str())];
    if let Some(auth) = auth {
        headers.push(("Authorization", auth));
    }
    request(sb.addr(), "POST", path, &headers, Some(&form(fields))).await
}

fn demo_auth() -> String {
    format!("Token {DEMO_BITSBY_TOKEN}")
}

/// A gateway call with the demo token; the envelope (HTTP 200 expected).
async fn call(sb: &Running, path: &str, fields: &[(&str, &str)]) -> Value {
    let reply = send(sb, path, Some(&demo_auth()), fields).await;
    assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    let v = reply.json();
    assert_eq!(keys(&v), ["data", "result"], "{v}");
    v
}

/// A call that must succeed; its `data`.
async fn ok(sb: &Running, path: &str, fields: &[(&str, &str)]) -> Value {
    let v = call(sb, path, fields).await;
    assert_eq!(v["result"], "success", "{path}: {v}");
    v["data"].clone()
}

/// A call that must fail with `message` (or a message starting with it).
async fn refused(sb: &Running, path: &str, fields: &[(&str, &str)], message: &str) {
    let v = call(sb, path, fields).await;
    assert_eq!(v["result"], "error", "{path} {fields:?}: {v}");
    let data = v["data"].as_str().expect("error data is a string");
    assert!(data.starts_with(message), "{data:?} should start with {message:?}");
}

/// A sandbox without the rate limit (every other option default).
async fn start_unlimited() -> Running {
    let mut opts = Options::default();
    opts.bitsby.min_interval = Duration::ZERO;
    start_with(opts).await
}

/// What till sends (bitsby.md § Create invoice, "What till sends"); `data`.
async fn create(sb: &Running, amount: &str, currency: &str, time_to_pay: &str, sale: &str) -> Value {
    let service_data = format!("{{\"till_sale\":\"{sale}\",\"terminal\":\"t1\"}}");
    ok(
        sb,
        "/invoices/create",
        &[
            ("projectId", DEMO_BITSBY_PROJECT_ID),
            ("amountFiat", amount),
            ("currencyFiat", currency),
            ("description", "Sale at the counter"),
            ("serviceData", &service_data),
            ("timeToPay", time_to_pay),
        ],
    )
    .await
}

async fn act(sb: &Running, id: &str, action: &str, body: Option<&str>) -> Reply {
    control(sb, "POST", &format!("/_sandbox/bitsby/invoices/{id}/{action}"), body).await
}

fn text<'a>(v: &'a Value, name: &str) -> &'a str {
    v[name].as_str().unwrap_or_else(|| panic!("{name} is not a string: {v}"))
}

/// README § TRON base58check, step by step.
fn assert_tron_address(addr: &str) {
    assert_eq!(addr.len(), 34, "{addr}");
    assert!(addr.starts_with('T'), "{addr}");
    let raw = bs58::decode(addr).into_vec().expect("base58");
    assert_eq!(raw.len(), 25);
    assert_eq!(raw[0], 0x41);
    let check = Sha256::digest(Sha256::digest(&raw[..21]));
    assert_eq!(&raw[21..], &check[..4], "checksum of {addr}");
}

/// EIP-55, recomputed: `0x` + 40 hex, mixed case, each letter upper case
/// exactly where keccak-256(lower-case hex) has a nibble ≥ 8.
fn assert_eip55_address(addr: &str) {
    let hex = addr.strip_prefix("0x").unwrap_or_else(|| panic!("no 0x: {addr}"));
    assert_eq!(hex.len(), 40, "{addr}");
    assert!(hex.bytes().all(|b| b.is_ascii_hexdigit()), "{addr}");
    assert!(hex.bytes().any(|b| b.is_ascii_uppercase()) && hex.bytes().any(|b| b.is_ascii_lowercase()), "{addr}");
    let hash = Keccak256::digest(hex.to_ascii_lowercase().as_bytes());
    for (i, c) in hex.chars().enumerate() {
        let nibble = if i % 2 == 0 { hash[i / 2] >> 4 } else { hash[i / 2] & 0x0f };
        if c.is_ascii_alphabetic() {
            assert_eq!(c.is_ascii_uppercase(), nibble >= 8, "EIP-55 case of {addr} at {i}");
        }
    }
}

/// A regtest P2WPKH address, parsed by the bitcoin crate.
fn assert_regtest_address(addr: &str) {
    assert!(addr.starts_with("bcrt1q"), "{addr}");
    let parsed = bitcoin::Address::from_str(addr).expect("bitcoin address");
    let parsed = parsed.require_network(bitcoin::Network::Regtest).expect("regtest");
    assert_eq!(parsed.address_type(), Some(bitcoin::AddressType::P2wpkh));
}

/// A decimal string with exactly `decimals` decimals.
fn assert_decimals(v: &Value, decimals: usize) {
    let s = v.as_str().unwrap_or_else(|| panic!("not a string: {v}"));
    let (int, frac) = s.split_once('.').unwrap_or_else(|| panic!("no point: {s}"));
    assert!(!int.is_empty() && int.bytes().all(|b| b.is_ascii_digit()), "{s}");
    assert!(frac.len() == decimals && frac.bytes().all(|b| b.is_ascii_digit()), "{s}");
}

/// Civil date → days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> String {
    let z = days + 719_468;
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

fn date_days(date: &str) -> i64 {
    let p: Vec<i64> = date.split('-').map(|x| x.parse().expect("date part")).collect();
    days_from_civil(p[0], p[1], p[2])
}

/// `YYYY-MM-DD HH:MM:SS` (UTC, no zone) → epoch seconds; checks the shape.
fn datetime_secs(v: &Value) -> i64 {
    let s = v.as_str().unwrap_or_else(|| panic!("not a string: {v}"));
    let shape = "dddd-dd-dd dd:dd:dd";
    assert!(
        s.len() == shape.len()
            && s.bytes().zip(shape.bytes()).all(|(c, p)| if p == b'd' { c.is_ascii_digit() } else { c == p }),
        "not YYYY-MM-DD HH:MM:SS: {s}"
    );
    let (date, time) = s.split_once(' ').expect("space");
    let t: Vec<i64> = time.split(':').map(|x| x.parse().expect("time part")).collect();
    date_days(date) * 86_400 + t[0] * 3600 + t[1] * 60 + t[2]
}

fn assert_item_shape(item: &Value) {
    assert_eq!(
        keys(item),
        [
            "amountFiat",
            "amountFiatUSD",
            "commissionFiatUSD",
            "createDatetime",
            "currencyFiat",
            "description",
            "id",
            "projectId",
            "serviceData",
            "status",
            "timeToPayDatetime",
            "uid",
            "views",
        ],
        "{item}"
    );
    assert!(is_uuid(&item["id"]), "{item}");
    assert_eq!(item["projectId"], DEMO_BITSBY_PROJECT_ID);
    assert!(datetime_secs(&item["timeToPayDatetime"]) > datetime_secs(&item["createDatetime"]));
    for name in ["amountFiat", "amountFiatUSD", "commissionFiatUSD"] {
        assert_decimals(&item[name], 2);
    }
    assert!(item["views"].is_u64(), "{item}");
    assert!(item["description"].is_string() || item["description"].is_null());
    assert!(item["serviceData"].is_string() || item["serviceData"].is_null());
    assert!(["unpaid", "paid", "expired", "canceled"].contains(&text(item, "status")), "{item}");
}

/// The single item `/invoices/list` gives for `invoiceId`.
async fn list_one(sb: &Running, id: &str) -> Value {
    let data = ok(sb, "/invoices/list", &[("invoiceId", id)]).await;
    assert_eq!(data.as_array().map(Vec::len), Some(1), "{data}");
    data[0].clone()
}

// -- create ------------------------------------------------------------------

#[tokio::test]
async fn create_answers_the_sample_shape() {
    let sb = start_unlimited().await;
    let reply = send(
        &sb,
        "/invoices/create",
        Some(&demo_auth()),
        &[
            ("projectId", DEMO_BITSBY_PROJECT_ID),
            ("amountFiat", "10.55"),
            ("currencyFiat", "USD"),
            ("description", "12 months license for BITSBY"),
            ("serviceData", "{\"userId\":100,\"orderId\":500}"),
            ("timeToPay", "6"),
        ],
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let v = reply.json();
    assert_eq!(v["result"], "success");
    let data = &v["data"];
    assert_eq!(keys(data), ["createDatetime", "id", "timeToPayDatetime", "uid", "url", "wallets"]);
    assert!(is_uuid(&data["id"]));
    let uid = text(data, "uid");
    assert!(uid.len() == 12 && uid.bytes().all(|b| b.is_ascii_alphanumeric()), "{uid}");
    // Slashes escaped as in the sample.
    assert!(
        reply.body.contains(&format!(r#""url":"https:\/\/dash.bitsby.app\/invoices\/pay\/{uid}""#)),
        "{}",
        reply.body
    );
    assert_eq!(data["url"], format!("https://dash.bitsby.app/invoices/pay/{uid}"));
    let created = datetime_secs(&data["createDatetime"]);
    assert!((created - now_ms() / 1000).abs() <= 5, "createDatetime is UTC now: {data}");
    assert_eq!(datetime_secs(&data["timeToPayDatetime"]) - created, 6 * 3600);

    let wallets = data["wallets"].as_array().expect("wallets");
    let expected = [
        ("usdt-bnb", "bnbSmartChain", "usdt"),
        ("usdt-ethereum", "ethereum", "usdt"),
        ("usdt-tron", "tron", "usdt"),
        ("ethereum", "ethereum", "eth"),
        ("btc", "bitcoin", "btc"),
    ];
    assert_eq!(wallets.len(), expected.len());
    for (w, (name, chain, coin)) in wallets.iter().zip(expected) {
        assert_eq!(keys(w), ["address", "amountCrypto", "blockchain", "cryptocurrency", "id", "name"], "{w}");
        assert!(is_uuid(&w["id"]), "{w}");
        assert_eq!((text(w, "name"), text(w, "blockchain"), text(w, "cryptocurrency")), (name, chain, coin));
        assert_decimals(&w["amountCrypto"], 8);
        let address = text(w, "address");
        match chain {
            "tron" => assert_tron_address(address),
            "bitcoin" => assert_regtest_address(address),
            _ => assert_eip55_address(address),
        }
    }
    // One EVM address for the three EVM wallets; the USDT amounts are equal.
    assert_eq!(wallets[0]["address"], wallets[1]["address"]);
    assert_eq!(wallets[0]["address"], wallets[3]["address"]);
    assert_eq!(wallets[0]["amountCrypto"], wallets[1]["amountCrypto"]);
    assert_eq!(wallets[0]["amountCrypto"], wallets[2]["amountCrypto"]);
    // USDT: the fiat amount plus a tiny offset.
    let usdt = text(&wallets[2], "amountCrypto");
    assert!(usdt > "10.55000000" && usdt < "10.55100000", "{usdt}");
    // ETH and BTC at the fixed rates (3500 and 60000 USD).
    assert!(text(&wallets[3], "amountCrypto").starts_with("0.003014"), "{}", wallets[3]);
    assert!(text(&wallets[4], "amountCrypto").starts_with("0.000175"), "{}", wallets[4]);
}

#[tokio::test]
async fn amounts_differ_between_invoices_wallets_do_not() {
    let sb = start_unlimited().await;
    let a = create(&sb, "10.00", "USD", "1", "sale-a").await;
    let b = create(&sb, "10.00", "USD", "1", "sale-b").await;
    assert_ne!(a["id"], b["id"]);
    assert_ne!(a["uid"], b["uid"]);
    for (wa, wb) in a["wallets"].as_array().expect("wallets").iter().zip(b["wallets"].as_array().expect("wallets")) {
        assert_ne!(wa["amountCrypto"], wb["amountCrypto"], "{wa} {wb}");
        assert_eq!(wa["id"], wb["id"]);
        assert_eq!(wa["address"], wb["address"]);
    }
}

#[tokio::test]
async fn time_to_pay_sets_the_validity() {
    let sb = start_unlimited().await;
    for (sent, secs) in [("0.5", 1800), ("1", 3600), ("3", 3 * 3600), ("12", 12 * 3600)] {
        let data = create(&sb, "1", "USD", sent, "s").await;
        let span = datetime_secs(&data["timeToPayDatetime"]) - datetime_secs(&data["createDatetime"]);
        assert_eq!(span, secs, "timeToPay {sent}");
    }
}

#[tokio::test]
async fn create_refuses_bad_parameters() {
    let sb = start_unlimited().await;
    let good =
        [("projectId", DEMO_BITSBY_PROJECT_ID), ("amountFiat", "10.55"), ("currencyFiat", "EUR"), ("timeToPay", "1")];
    let with = |name: &str, value: &'static str| -> Vec<(String, String)> {
        good.iter()
            .filter(|(n, _)| *n != name)
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .chain((!value.is_empty()).then(|| (name.to_owned(), value.to_owned())))
            .collect()
    };
    let cases = [
        ("projectId", "", "projectId is required"),
        ("projectId", "1c48b092-9878-48f5-b441-07a8a48e7b54", "Project not found"),
        ("amountFiat", "", "amountFiat is required"),
        ("amountFiat", "0", "amountFiat is invalid"),
        ("amountFiat", "10.555", "amountFiat is invalid"),
        ("amountFiat", "-5", "amountFiat is invalid"),
        ("amountFiat", "1e3", "amountFiat is invalid"),
        ("amountFiat", "10,55", "amountFiat is invalid"),
        ("currencyFiat", "", "currencyFiat is required"),
        ("currencyFiat", "GBP", "currencyFiat is invalid"),
        ("currencyFiat", "usd", "currencyFiat is invalid"),
        ("timeToPay", "", "timeToPay is required"),
        ("timeToPay", "2", "timeToPay is invalid"),
        ("timeToPay", "24", "timeToPay is invalid"),
        ("timeToPay", "half", "timeToPay is invalid"),
    ];
    for (name, value, message) in cases {
        let fields = with(name, value);
        let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        refused(&sb, "/invoices/create", &fields, message).await;
    }
    // Not multipart.
    let json_body = json!({"projectId": DEMO_BITSBY_PROJECT_ID, "amountFiat": "1"}).to_string();
    let auth = demo_auth();
    let headers = [("Content-Type", "application/json"), ("Authorization", auth.as_str())];
    let reply = request(sb.addr(), "POST", "/invoices/create", &headers, Some(&json_body)).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json(), json!({"result": "error", "data": "Request must be multipart/form-data"}));
    // Nothing was created.
    assert_eq!(control(&sb, "GET", "/_sandbox/bitsby/invoices", None).await.json(), json!([]));
}

// -- auth and rate limit -----------------------------------------------------

#[tokio::test]
async fn a_missing_or_wrong_token_is_refused_in_the_envelope() {
    let sb = start_unlimited().await;
    let bearer = format!("Bearer {DEMO_BITSBY_TOKEN}");
    let wrong = format!("Token {DEMO_BITSBY_TOKEN}x");
    for path in ["/invoices/create", "/invoices/list", "/invoices/cancel", "/payments/list"] {
        for auth in [None, Some("Token"), Some(bearer.as_str()), Some(wrong.as_str()), Some(DEMO_BITSBY_TOKEN)] {
            let reply = send(&sb, path, auth, &[("projectId", DEMO_BITSBY_PROJECT_ID)]).await;
            assert_eq!(reply.status, 401, "{path} {auth:?}");
            assert_eq!(reply.json(), json!({"result": "error", "data": "Invalid token"}), "{path} {auth:?}");
        }
    }
    // The scheme is case-insensitive.
    let lower = format!("token {DEMO_BITSBY_TOKEN}");
    assert_eq!(send(&sb, "/invoices/list", Some(&lower), &[]).await.status, 200);
}

#[tokio::test]
async fn requests_too_frequent() {
    let mut opts = Options::default();
    opts.bitsby.min_interval = Duration::from_millis(100);
    let sb = start_with(opts).await;
    create(&sb, "5", "USD", "1", "first").await;
    // At once: refused, not processed; HTTP 200 and the doc's envelope.
    let too_fast = json!({"result": "error", "data": "Requests too frequent"});
    assert_eq!(call(&sb, "/invoices/list", &[]).await, too_fast);
    let fields =
        [("projectId", DEMO_BITSBY_PROJECT_ID), ("amountFiat", "5"), ("currencyFiat", "USD"), ("timeToPay", "1")];
    let reply = send(&sb, "/invoices/create", Some(&demo_auth()), &fields).await;
    assert_eq!((reply.status, reply.json()), (200, too_fast.clone()));
    // A wrong token is not rate limited: it is refused as such.
    assert_eq!(send(&sb, "/invoices/list", Some("Token nope"), &[]).await.status, 401);
    // Control routes are not limited.
    assert_eq!(control(&sb, "GET", "/_sandbox/bitsby/invoices", None).await.json().as_array().map(Vec::len), Some(1));
    // After the interval (counted from the last admitted request): admitted,
    // and the refused create made nothing.
    tokio::time::sleep(Duration::from_millis(110)).await;
    let data = ok(&sb, "/invoices/list", &[]).await;
    assert_eq!(data.as_array().map(Vec::len), Some(1), "{data}");
    assert_eq!(call(&sb, "/payments/list", &[]).await, too_fast);
}

// -- list --------------------------------------------------------------------

#[tokio::test]
async fn list_items_have_the_doc_fields() {
    let sb = start_unlimited().await;
    let created = create(&sb, "10.55", "EUR", "1", "till-abc").await;
    let item = list_one(&sb, text(&created, "id")).await;
    assert_item_shape(&item);
    assert_eq!(item["id"], created["id"]);
    assert_eq!(item["uid"], created["uid"]);
    assert_eq!(item["createDatetime"], created["createDatetime"]);
    assert_eq!(item["timeToPayDatetime"], created["timeToPayDatetime"]);
    assert_eq!(item["amountFiat"], "10.55");
    assert_eq!(item["currencyFiat"], "EUR");
    assert_eq!(item["amountFiatUSD"], "11.39"); // 1 EUR = 1.08 USD
    assert_eq!(item["commissionFiatUSD"], "0.11");
    assert_eq!(item["description"], "Sale at the counter");
    assert_eq!(item["serviceData"], r#"{"till_sale":"till-abc","terminal":"t1"}"#);
    assert_eq!(item["views"], 0);
    assert_eq!(item["status"], "unpaid");

    // Without description and serviceData: null. Amounts get two decimals.
    let fields =
        [("projectId", DEMO_BITSBY_PROJECT_ID), ("amountFiat", "100"), ("currencyFiat", "USD"), ("timeToPay", "1")];
    let bare = ok(&sb, "/invoices/create", &fields).await;
    let item = list_one(&sb, text(&bare, "id")).await;
    assert_item_shape(&item);
    assert_eq!((&item["description"], &item["serviceData"]), (&Value::Null, &Value::Null));
    assert_eq!((&item["amountFiat"], &item["amountFiatUSD"]), (&json!("100.00"), &json!("100.00")));
    assert_eq!(item["commissionFiatUSD"], "1.00");
    // By uid too.
    let data = ok(&sb, "/invoices/list", &[("invoiceUid", text(&bare, "uid"))]).await;
    assert_eq!(data.as_array().map(Vec::len), Some(1));
    assert_eq!(data[0]["id"], bare["id"]);
    // An unknown id: an empty list.
    let none = ok(&sb, "/invoices/list", &[("invoiceId", "1c48b092-9878-48f5-b441-07a8a48e7b54")]).await;
    assert_eq!(none, json!([]));
}

#[tokio::test]
async fn list_by_date_status_and_pages() {
    let sb = start_unlimited().await;
    let mut ids = Vec::new();
    for i in 0..12 {
        ids.push(text(&create(&sb, &format!("{}.00", i + 1), "USD", "1", &format!("s{i}")).await, "id").to_owned());
    }
    let first = list_one(&sb, &ids[0]).await;
    let today = text(&first, "createDatetime")[..10].to_owned();
    let days = date_days(&today);
    let (yesterday, tomorrow) = (civil_from_days(days - 1), civil_from_days(days + 1));

    // Defaults: newest first, 10 items.
    let page = ok(&sb, "/invoices/list", &[]).await;
    let page_ids: Vec<&str> = page.as_array().expect("list").iter().map(|i| text(i, "id")).collect();
    let newest: Vec<&str> = ids.iter().rev().take(10).map(String::as_str).collect();
    assert_eq!(page_ids, newest);
    // Paging.
    let rest = ok(&sb, "/invoices/list", &[("offset", "10")]).await;
    let rest_ids: Vec<&str> = rest.as_array().expect("list").iter().map(|i| text(i, "id")).collect();
    assert_eq!(rest_ids, [ids[1].as_str(), ids[0].as_str()]);
    let window = ok(&sb, "/invoices/list", &[("offset", "3"), ("limit", "4")]).await;
    let window_ids: Vec<&str> = window.as_array().expect("list").iter().map(|i| text(i, "id")).collect();
    assert_eq!(window_ids, [&ids[8], &ids[7], &ids[6], &ids[5]]);
    let all = ok(&sb, "/invoices/list", &[("limit", "50")]).await;
    assert_eq!(all.as_array().map(Vec::len), Some(12));
    assert_eq!(ok(&sb, "/invoices/list", &[("offset", "12")]).await, json!([]));

    // Dates: inclusive, on createDatetime's date; what till sends for batches.
    let count = |v: Value| v.as_array().map(Vec::len).unwrap_or(usize::MAX);
    let q = |start: &str, end: &str| {
        vec![
            ("projectId".to_owned(), DEMO_BITSBY_PROJECT_ID.to_owned()),
            ("startDate".to_owned(), start.to_owned()),
            ("endDate".to_owned(), end.to_owned()),
            ("limit".to_owned(), "50".to_owned()),
        ]
    };
    for (start, end, expected) in [
        (&today, &tomorrow, 12),
        (&today, &today, 12),
        (&yesterday, &today, 12),
        (&yesterday, &yesterday, 0),
        (&tomorrow, &tomorrow, 0),
    ] {
        let fields = q(start, end);
        let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        assert_eq!(count(ok(&sb, "/invoices/list", &fields).await), expected, "{start}..{end}");
    }
    assert_eq!(count(ok(&sb, "/invoices/list", &[("startDate", &tomorrow)]).await), 0);
    assert_eq!(count(ok(&sb, "/invoices/list", &[("endDate", &yesterday)]).await), 0);
    let other_project = [("projectId", "1c48b092-9878-48f5-b441-07a8a48e7b54")];
    assert_eq!(count(ok(&sb, "/invoices/list", &other_project).await), 0);

    // Status.
    assert_eq!(act(&sb, &ids[4], "pay", None).await.status, 200);
    assert_eq!(act(&sb, &ids[5], "cancel", None).await.status, 200);
    let paid = ok(&sb, "/invoices/list", &[("status", "paid")]).await;
    assert_eq!(paid.as_array().map(Vec::len), Some(1));
    assert_eq!(paid[0]["id"], ids[4].as_str());
    assert_eq!(count(ok(&sb, "/invoices/list", &[("status", "canceled")]).await), 1);
    assert_eq!(count(ok(&sb, "/invoices/list", &[("status", "unpaid"), ("limit", "50")]).await), 10);
    assert_eq!(count(ok(&sb, "/invoices/list", &[("status", "expired")]).await), 0);

    // Bad parameters.
    refused(&sb, "/invoices/list", &[("status", "refunded")], "status is invalid").await;
    refused(&sb, "/invoices/list", &[("startDate", "29.02.2024")], "startDate is invalid").await;
    refused(&sb, "/invoices/list", &[("endDate", "2024-2-29")], "endDate is invalid").await;
    refused(&sb, "/invoices/list", &[("limit", "0")], "limit is invalid").await;
    refused(&sb, "/invoices/list", &[("limit", "101")], "limit is invalid").await;
    refused(&sb, "/invoices/list", &[("offset", "-1")], "offset is invalid").await;
}

#[tokio::test]
async fn a_list_without_a_body_is_an_empty_form() {
    let sb = start_unlimited().await;
    create(&sb, "1", "USD", "1", "s").await;
    let auth = demo_auth();
    let reply = request(sb.addr(), "POST", "/invoices/list", &[("Authorization", auth.as_str())], None).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["data"].as_array().map(Vec::len), Some(1));
}

// -- cancel ------------------------------------------------------------------

#[tokio::test]
async fn cancel_is_allowed_until_the_page_is_viewed() {
    let sb = start_unlimited().await;
    // Fresh: canceled; the answer is the item.
    let a = create(&sb, "3.00", "USD", "1", "a").await;
    let item = ok(&sb, "/invoices/cancel", &[("invoiceId", text(&a, "id"))]).await;
    assert_item_shape(&item);
    assert_eq!((&item["id"], &item["status"]), (&a["id"], &json!("canceled")));
    assert_eq!(list_one(&sb, text(&a, "id")).await["status"], "canceled");
    let again = [("invoiceId", text(&a, "id"))];
    refused(&sb, "/invoices/cancel", &again, "The invoice cannot be canceled: it is canceled").await;

    // Viewed: refused, stays unpaid.
    let b = create(&sb, "3.00", "USD", "1", "b").await;
    let viewed = act(&sb, text(&b, "id"), "view", None).await;
    assert_eq!(viewed.status, 200);
    assert_eq!(viewed.json()["views"], 1);
    let fields = [("invoiceId", text(&b, "id"))];
    refused(&sb, "/invoices/cancel", &fields, "The invoice cannot be canceled: the payment page has been viewed").await;
    let item = list_one(&sb, text(&b, "id")).await;
    assert_eq!((&item["status"], &item["views"]), (&json!("unpaid"), &json!(1)));

    // Paid or expired: refused.
    let c = create(&sb, "3.00", "USD", "1", "c").await;
    assert_eq!(act(&sb, text(&c, "id"), "pay", None).await.status, 200);
    let fields = [("invoiceId", text(&c, "id"))];
    refused(&sb, "/invoices/cancel", &fields, "The invoice cannot be canceled: it is paid").await;
    let d = create(&sb, "3.00", "USD", "1", "d").await;
    assert_eq!(act(&sb, text(&d, "id"), "expire", None).await.status, 200);
    let fields = [("invoiceId", text(&d, "id"))];
    refused(&sb, "/invoices/cancel", &fields, "The invoice cannot be canceled: it is expired").await;

    refused(&sb, "/invoices/cancel", &[], "invoiceId is required").await;
    let unknown = [("invoiceId", "1c48b092-9878-48f5-b441-07a8a48e7b54")];
    refused(&sb, "/invoices/cancel", &unknown, "Invoice not found").await;
}

// -- payments ----------------------------------------------------------------

#[tokio::test]
async fn pay_records_a_payment_of_exactly_the_wallet_amount() {
    let sb = start_unlimited().await;
    let a = create(&sb, "12.00", "USD", "1", "pay-a").await;
    let b = create(&sb, "7.50", "USD", "1", "pay-b").await;
    assert_eq!(ok(&sb, "/payments/list", &[]).await, json!([]));

    // A chosen wallet.
    let reply = act(&sb, text(&a, "id"), "pay", Some(r#"{"wallet":"tron/usdt"}"#)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["status"], "paid");
    let tron = a["wallets"].as_array().expect("wallets").iter().find(|w| w["blockchain"] == "tron").expect("tron");
    let payments = ok(&sb, "/payments/list", &[("invoiceId", text(&a, "id"))]).await;
    assert_eq!(payments.as_array().map(Vec::len), Some(1), "{payments}");
    let p = &payments[0];
    assert_eq!(keys(p), ["amount", "hash", "id", "invoice", "transactionDatetime", "wallet"]);
    assert!(is_uuid(&p["id"]));
    assert_eq!(p["amount"], tron["amountCrypto"]);
    assert_decimals(&p["amount"], 8);
    let hash = text(p, "hash");
    assert!(hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()), "{hash}");
    assert!((datetime_secs(&p["transactionDatetime"]) - now_ms() / 1000).abs() <= 5);
    assert_item_shape(&p["invoice"]);
    assert_eq!((&p["invoice"]["id"], &p["invoice"]["status"]), (&a["id"], &json!("paid")));
    assert_eq!(keys(&p["wallet"]), ["address", "blockchain", "cryptocurrency", "id", "name"]);
    for name in ["id", "name", "blockchain", "cryptocurrency", "address"] {
        assert_eq!(p["wallet"][name], tron[name], "{name}");
    }

    // The default wallet: the first (usdt-bnb), an EVM hash.
    let reply = act(&sb, "pay-b", "pay", None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let first = &b["wallets"][0];
    let payments = ok(&sb, "/payments/list", &[("invoiceId", text(&b, "id"))]).await;
    assert_eq!(payments[0]["amount"], first["amountCrypto"]);
    assert_eq!(payments[0]["wallet"]["blockchain"], "bnbSmartChain");
    let hash = text(&payments[0], "hash");
    assert!(hash.len() == 66 && hash.starts_with("0x"), "{hash}");

    // Filters: wallet, dates; newest first.
    let all = ok(&sb, "/payments/list", &[]).await;
    assert_eq!(all.as_array().map(Vec::len), Some(2));
    assert_eq!(all[0]["invoice"]["id"], b["id"]);
    let by_wallet = ok(&sb, "/payments/list", &[("walletId", text(tron, "id"))]).await;
    assert_eq!(by_wallet.as_array().map(Vec::len), Some(1));
    let today = text(&all[0], "transactionDatetime")[..10].to_owned();
    let tomorrow = civil_from_days(date_days(&today) + 1);
    let dated = ok(&sb, "/payments/list", &[("startDate", &today), ("endDate", &today)]).await;
    assert_eq!(dated.as_array().map(Vec::len), Some(2));
    assert_eq!(ok(&sb, "/payments/list", &[("startDate", &tomorrow)]).await, json!([]));
    let paged = ok(&sb, "/payments/list", &[("offset", "1"), ("limit", "1")]).await;
    assert_eq!(paged[0]["invoice"]["id"], a["id"]);
    refused(&sb, "/payments/list", &[("startDate", "today")], "startDate is invalid").await;
}

#[tokio::test]
async fn a_payment_to_another_wallet_is_listed_as_that_wallet() {
    let sb = start_unlimited().await;
    let inv = create(&sb, "9.99", "USD", "1", "other-wallet").await;
    let wallets = inv["wallets"].as_array().expect("wallets");
    for (n, want) in ["bnbSmartChain/usdt", "ethereum/eth", "bitcoin/btc"].into_iter().enumerate() {
        let reference = format!("other-wallet-{n}");
        let inv = create(&sb, "9.99", "USD", "1", &reference).await;
        let body = format!(r#"{{"wallet":"{want}"}}"#);
        assert_eq!(act(&sb, &reference, "pay", Some(&body)).await.status, 200);
        let wallet = inv["wallets"]
            .as_array()
            .expect("wallets")
            .iter()
            .find(|w| format!("{}/{}", text(w, "blockchain"), text(w, "cryptocurrency")) == want)
            .expect("the wallet");
        let p = &ok(&sb, "/payments/list", &[("invoiceId", text(&inv, "id"))]).await[0];
        assert_eq!((&p["amount"], &p["invoice"]["id"]), (&wallet["amountCrypto"], &inv["id"]), "{want}");
        for name in ["id", "blockchain", "cryptocurrency", "address"] {
            assert_eq!(p["wallet"][name], wallet[name], "{want}: {name}");
        }
        let hash = text(p, "hash");
        let evm = want != "bitcoin/btc";
        assert_eq!(hash.starts_with("0x"), evm, "{want}: {hash}");
        assert_eq!(hash.len(), if evm { 66 } else { 64 });
    }
    assert_eq!(wallets.len(), 5, "every wallet is on every invoice");
}

#[tokio::test]
async fn an_expired_invoice_can_be_credited_late() {
    let sb = start_unlimited().await;
    let inv = create(&sb, "5.00", "USD", "1", "late-1").await;
    assert_eq!(act(&sb, "late-1", "expire", None).await.json()["status"], "expired");
    let reply = act(&sb, "late-1", "pay", Some(r#"{"wallet":"tron/usdt"}"#)).await;
    assert_eq!((reply.status, &reply.json()["status"]), (200, &json!("paid")), "{}", reply.body);
    assert_eq!(list_one(&sb, text(&inv, "id")).await["status"], "paid");
    let p = &ok(&sb, "/payments/list", &[("invoiceId", text(&inv, "id"))]).await[0];
    assert_eq!(p["wallet"]["blockchain"], "tron");
    assert!(datetime_secs(&p["transactionDatetime"]) < datetime_secs(&inv["timeToPayDatetime"]), "made in the window");
    // Paid once; a canceled invoice is never credited.
    assert_eq!(act(&sb, "late-1", "pay", None).await.status, 409);
    create(&sb, "5.00", "USD", "1", "late-2").await;
    assert_eq!(act(&sb, "late-2", "cancel", None).await.status, 200);
    assert_eq!(act(&sb, "late-2", "pay", None).await.status, 409);
}

// -- control -----------------------------------------------------------------

#[tokio::test]
async fn control_actions() {
    let sb = start_unlimited().await;
    let a = create(&sb, "9.99", "USD", "1", "till-ref-a").await;
    let id = text(&a, "id");

    // By our reference; each answer is the list item, as the list shows it.
    for (action, status, views) in [("view", "unpaid", 1), ("view", "unpaid", 2), ("weird", "refunded", 2)] {
        let reply = act(&sb, "till-ref-a", action, None).await;
        assert_eq!(reply.status, 200, "{action}: {}", reply.body);
        let item = reply.json();
        assert_eq!((text(&item, "status"), item["views"].as_u64()), (status, Some(views)), "{action}");
        assert_eq!(item, list_one(&sb, id).await);
    }
    // The undocumented status can still be paid (by the invoice id, and the uid).
    assert_eq!(act(&sb, text(&a, "uid"), "pay", Some(r#"{"wallet":"bitcoin/btc"}"#)).await.json()["status"], "paid");

    let b = create(&sb, "9.99", "USD", "1", "till-ref-b").await;
    let reply = act(&sb, text(&b, "id"), "expire", None).await;
    assert_eq!((reply.status, reply.json()["status"].clone()), (200, json!("expired")));
    let c = create(&sb, "9.99", "USD", "1", "till-ref-c").await;
    act(&sb, text(&c, "id"), "view", None).await;
    let reply = act(&sb, text(&c, "id"), "cancel", None).await;
    assert_eq!((reply.status, reply.json()["status"].clone()), (200, json!("canceled")), "even after a view");

    // Refusals.
    let d = create(&sb, "9.99", "USD", "1", "till-ref-d").await;
    let d_id = text(&d, "id");
    for action in ["partial", "seen", "bogus"] {
        let reply = act(&sb, d_id, action, None).await;
        assert_eq!(reply.status, 400, "{action}");
        assert!(reply.json()["error"].is_string());
    }
    for body in [r#"{"wallet":"tron/trx"}"#, r#"{"wallet":5}"#, "[", "[]"] {
        let reply = act(&sb, d_id, "pay", Some(body)).await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.body);
    }
    assert_eq!(list_one(&sb, d_id).await["status"], "unpaid", "refused pays changed nothing");
    let reply = act(&sb, "no-such", "pay", None).await;
    assert_eq!((reply.status, reply.json()), (404, json!({"error": "no such invoice"})));
    // (Paying the expired `b` is a late credit: another test.)
    for (id, action) in
        [(id, "pay"), (id, "expire"), (id, "cancel"), (text(&b, "id"), "expire"), (text(&c, "id"), "pay")]
    {
        let reply = act(&sb, id, action, None).await;
        assert_eq!(reply.status, 409, "{action} {id}: {}", reply.body);
        assert!(reply.json()["error"].is_string());
    }
    // A final invoice can still be viewed or turn weird.
    assert_eq!(act(&sb, id, "view", None).await.status, 200);

    // Every invoice, creation order, list-item shape.
    let all = control(&sb, "GET", "/_sandbox/bitsby/invoices", None).await.json();
    let all = all.as_array().expect("array");
    assert_eq!(all.len(), 4);
    for item in all {
        assert_item_shape(item);
    }
    let statuses: Vec<&str> = all.iter().map(|i| text(i, "status")).collect();
    assert_eq!(statuses, ["paid", "expired", "canceled", "unpaid"]);
}

// -- options -----------------------------------------------------------------

#[tokio::test]
async fn wallets_token_and_project_are_options() {
    let mut opts = Options {
        bitsby: BitsbyOptions {
            token: "other-token".into(),
            project_id: "1c48b092-9878-48f5-b441-07a8a48e7b54".into(),
            min_interval: Duration::ZERO,
            ..BitsbyOptions::default()
        },
        ..Options::default()
    };
    opts.bitsby.wallets.retain(|w| w.blockchain == "tron" || w.cryptocurrency == "btc");
    let sb = start_with(opts).await;
    let fields = [
        ("projectId", "1c48b092-9878-48f5-b441-07a8a48e7b54"),
        ("amountFiat", "500"),
        ("currencyFiat", "RUB"),
        ("timeToPay", "0.5"),
    ];
    assert_eq!(send(&sb, "/invoices/create", Some(&demo_auth()), &fields).await.status, 401);
    let reply = send(&sb, "/invoices/create", Some("Token other-token"), &fields).await;
    let v = reply.json();
    assert_eq!(v["result"], "success", "{v}");
    let names: Vec<&str> = v["data"]["wallets"].as_array().expect("wallets").iter().map(|w| text(w, "name")).collect();
    assert_eq!(names, ["usdt-tron", "btc"]);
    // 500 RUB = 5.50 USD.
    assert!(text(&v["data"]["wallets"][0], "amountCrypto").starts_with("5.5000"), "{v}");

    let mut opts = Options::default();
    opts.bitsby.min_interval = Duration::ZERO;
    opts.bitsby.wallets.clear();
    let sb = start_with(opts).await;
    let fields =
        [("projectId", DEMO_BITSBY_PROJECT_ID), ("amountFiat", "1"), ("currencyFiat", "USD"), ("timeToPay", "1")];
    refused(&sb, "/invoices/create", &fields, "The project has no wallets").await;
}
