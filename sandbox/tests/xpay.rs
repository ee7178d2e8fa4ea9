//! The sandbox's xPay against `providers/xpay.md`, over loopback HTTP.

mod common;

use std::str::FromStr;
use std::time::Duration;

use common::*;
use lightning_invoice::{Bolt11Invoice, Currency};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use till_sandbox::{DEMO_XPAY_SECRET_KEY, DEMO_XPAY_USERNAME, Options};

const REQ_UUID: &str = "973e8576-b518-419b-84c3-dd0a7467e64d";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// README § TRON base58check, step by step, without bs58's own check.
fn assert_tron_address(addr: &str) -> Vec<u8> {
    assert_eq!(addr.len(), 34, "{addr}");
    assert!(addr.starts_with('T'), "{addr}");
    let raw = bs58::decode(addr).into_vec().expect("base58");
    assert_eq!(raw.len(), 25);
    assert_eq!(raw[0], 0x41);
    let check = Sha256::digest(Sha256::digest(&raw[..21]));
    assert_eq!(&raw[21..], &check[..4], "checksum of {addr}");
    raw[..21].to_vec()
}

fn assert_error(envelope: &Value, message: &str) {
    assert_eq!(keys(envelope), ["error", "uuid"], "{envelope}");
    assert_eq!(keys(&envelope["error"]), ["data", "message", "tag"], "{envelope}");
    assert_eq!(envelope["error"]["message"], message, "{envelope}");
    assert!(is_uuid(&envelope["error"]["tag"]));
    assert!(is_uuid(&envelope["uuid"]));
}

fn assert_invalid(envelope: &Value, field: &str) {
    assert_eq!(keys(envelope), ["error", "uuid"], "{envelope}");
    let message = envelope["error"]["message"].as_str().expect("message");
    assert!(message.starts_with("invalid request"), "{envelope}");
    assert_eq!(envelope["error"]["data"]["field"], field, "{envelope}");
}

// -- login -------------------------------------------------------------------

#[tokio::test]
async fn login_succeeds_with_the_doc_shape() {
    let sb = start().await;
    let before = now_ms();
    let body = json!({
        "username": DEMO_XPAY_USERNAME,
        "secretKey": DEMO_XPAY_SECRET_KEY,
        "isAPI": true,
    });
    let reply = post(&sb, "/client/authenticate", None, Some(REQ_UUID), &body.to_string()).await;
    assert_eq!(reply.status, 200);
    let v = reply.json();
    // uuid sits inside `success` in the doc's login sample.
    assert_eq!(keys(&v), ["success"]);
    assert_eq!(keys(&v["success"]), ["data", "message", "uuid"]);
    assert_eq!(v["success"]["message"], "Authenticated");
    assert_eq!(v["success"]["uuid"], REQ_UUID);
    let data = &v["success"]["data"];
    assert_eq!(keys(data), ["access_token", "expiresAt", "success", "ticket", "user"]);
    assert_eq!(data["success"], true);
    let expires = data["expiresAt"].as_i64().expect("expiresAt integer");
    assert!(expires >= before + 3_600_000 && expires <= now_ms() + 3_600_000);
    assert_eq!(data["user"], json!({"username": DEMO_XPAY_USERNAME, "scopes": ["tme_user"], "isAPI": true}));
    assert!(data["ticket"].as_str().is_some_and(|t| t.len() == 32));
    assert!(data["access_token"].as_str().is_some_and(|t| !t.is_empty()));
}

#[tokio::test]
async fn login_refuses_wrong_credentials_with_the_doc_envelope() {
    let sb = start().await;
    for (user, secret) in [(DEMO_XPAY_USERNAME, "wrong"), ("someone@else", DEMO_XPAY_SECRET_KEY)] {
        let body = json!({"username": user, "secretKey": secret, "isAPI": true});
        let reply = post(&sb, "/client/authenticate", None, Some(REQ_UUID), &body.to_string()).await;
        assert_eq!(reply.status, 200);
        let v = reply.json();
        assert_error(&v, "invalid credentials");
        assert_eq!(v["error"]["data"], json!({"invalid": true}));
        assert_eq!(v["uuid"], REQ_UUID);
        assert_ne!(v["error"]["tag"], REQ_UUID);
    }
    // Without a uuid header the sandbox makes one up.
    let body = json!({"username": "x", "secretKey": "y", "isAPI": true});
    let v = post(&sb, "/client/authenticate", None, None, &body.to_string()).await.json();
    assert_error(&v, "invalid credentials");
}

#[tokio::test]
async fn login_wants_is_api_as_a_boolean() {
    let sb = start().await;
    let body = json!({
        "username": DEMO_XPAY_USERNAME,
        "secretKey": DEMO_XPAY_SECRET_KEY,
        "isAPI": "true",
    });
    let v = post(&sb, "/client/authenticate", None, None, &body.to_string()).await.json();
    assert_invalid(&v, "isAPI");
}

// -- create ------------------------------------------------------------------

#[tokio::test]
async fn create_lightning_bill() {
    let sb = start().await;
    let token = login(&sb).await;
    let before = now_ms();
    let reply = post(
        &sb,
        "/client/bills/save",
        Some(&token),
        Some(REQ_UUID),
        &json!({
            "amount": 12_500_000,
            "tag": "till-t1-ref1",
            "expireInMinutes": "30",
            "reference": "ref1",
            "useLightning": true,
        })
        .to_string(),
    )
    .await;
    assert_eq!(reply.status, 200);
    let v = reply.json();
    assert_eq!(keys(&v), ["success", "uuid"]);
    assert_eq!(v["uuid"], REQ_UUID);
    assert_eq!(v["success"]["message"], "bill created");
    let b = &v["success"]["data"];
    assert_eq!(
        keys(b),
        [
            "address",
            "billAmount",
            "billRef",
            "canceled",
            "closed",
            "cooldown",
            "createdAt",
            "hex",
            "lnInvoice",
            "paidAmount",
            "starting",
            "tag",
            "testnet",
            "txs",
            "until",
            "username",
            "uuid",
            "wallet",
        ]
    );
    assert!(is_uuid(&b["uuid"]));
    assert!(is_uuid(&b["wallet"]));
    assert_eq!(b["username"], DEMO_XPAY_USERNAME);
    assert_eq!(b["hex"], "");
    assert_eq!(b["address"], "");
    let created = b["createdAt"].as_i64().expect("createdAt integer");
    assert!(created >= before && created <= now_ms());
    assert_eq!(b["billRef"], "ref1");
    assert!(b["billAmount"].is_u64());
    assert_eq!(b["billAmount"], 12_500_000);
    assert!(b["paidAmount"].is_u64());
    assert_eq!(b["paidAmount"], 0);
    assert_eq!(b["testnet"], false);
    assert_eq!(b["tag"], "till-t1-ref1");
    assert_eq!(b["starting"].as_i64(), Some(created - 60_000));
    assert_eq!(b["until"].as_i64(), Some(created + 30 * 60_000));
    assert_eq!(b["closed"], false);
    assert_eq!(b["canceled"], false);
    assert_eq!(b["cooldown"], 0);
    assert_eq!(b["txs"], json!([]));

    let ln = &b["lnInvoice"];
    assert_eq!(
        keys(ln),
        [
            "createdAt",
            "dollars",
            "externalId",
            "paymentHash",
            "paymentRequest",
            "paymentSecret",
            "paymentStatus",
            "satoshis",
        ]
    );
    let ln_created = ln["createdAt"].as_i64().expect("seconds");
    assert_eq!(ln_created, created / 1000);
    assert_eq!(ln["paymentStatus"], "PENDING");
    // 12.5 USD at 60 000 USD/BTC = 20 833.33 sat.
    assert!(ln["satoshis"].is_u64());
    assert_eq!(ln["satoshis"], 20_833);
    assert!(ln["dollars"].is_number());
    assert_eq!(ln["dollars"].as_f64(), Some(12.5));
    assert!(reply.body.contains("\"dollars\":12.5"), "{}", reply.body);
    assert_eq!(ln["externalId"], ln["paymentHash"]);

    let bolt11 = ln["paymentRequest"].as_str().expect("BOLT11");
    assert!(bolt11.starts_with("lnbcrt"), "{bolt11}");
    let inv = Bolt11Invoice::from_str(bolt11).expect("decodes");
    inv.check_signature().expect("valid signature");
    assert_eq!(inv.currency(), Currency::Regtest);
    assert_eq!(inv.amount_milli_satoshis(), Some(20_833_000));
    assert_eq!(inv.duration_since_epoch().as_secs() as i64, ln_created);
    // Expires 60 s before `until`, as in the doc's samples.
    assert_eq!(inv.expiry_time(), Duration::from_secs(29 * 60));
    assert_eq!(inv.min_final_cltv_expiry_delta(), 144);
    assert_eq!(hex(inv.payment_hash().as_ref()), ln["paymentHash"].as_str().expect("hash"));
    assert_eq!(hex(&inv.payment_secret().0), ln["paymentSecret"].as_str().expect("secret"));
    assert!(!inv.is_expired());
}

#[tokio::test]
async fn create_tron_bill() {
    let sb = start().await;
    let token = login(&sb).await;
    let v = create(&sb, &token, 10_000_000, "ref-tron", "till-t1-ref-tron", false).await;
    assert_eq!(v["success"]["message"], "bill created");
    let b = &v["success"]["data"];
    assert!(b.get("lnInvoice").is_none());
    assert!(b.get("lnReceipt").is_none());
    let address = b["address"].as_str().expect("address is a string here");
    let raw = assert_tron_address(address);
    assert_eq!(b["hex"].as_str(), Some(hex(&raw).as_str()));
    assert_eq!(b["billAmount"], 10_000_000);
    assert_eq!(b["closed"], false);

    // Every bill gets its own address.
    let other = create(&sb, &token, 10_000_000, "ref-tron-2", "t", false).await;
    assert_ne!(other["success"]["data"]["address"], b["address"]);
    assert_eq!(other["success"]["data"]["wallet"], b["wallet"]);
}

#[tokio::test]
async fn create_is_strict_about_types() {
    let sb = start().await;
    let token = login(&sb).await;
    let good = json!({
        "amount": 10_000_000,
        "tag": "t",
        "expireInMinutes": "30",
        "reference": "r",
        "useLightning": false,
    });
    let cases: &[(&str, Value, &str)] = &[
        ("amount", json!("10000000"), "amount"),
        ("amount", json!(10.5), "amount"),
        ("amount", json!(0), "amount"),
        ("amount", json!(-5), "amount"),
        ("expireInMinutes", json!(30), "expireInMinutes"),
        ("expireInMinutes", json!("30m"), "expireInMinutes"),
        ("expireInMinutes", json!(""), "expireInMinutes"),
        ("expireInMinutes", json!("0"), "expireInMinutes"),
        ("useLightning", json!("true"), "useLightning"),
        ("tag", json!(5), "tag"),
        ("reference", json!(123), "reference"),
    ];
    for (name, value, field) in cases {
        let mut body = good.clone();
        body[*name] = value.clone();
        let v = xpay(&sb, "/client/bills/save", &token, body).await;
        assert_invalid(&v, field);
    }
    for missing in ["amount", "tag", "expireInMinutes", "reference", "useLightning"] {
        let mut body = good.clone();
        body.as_object_mut().expect("object").remove(missing);
        let v = xpay(&sb, "/client/bills/save", &token, body).await;
        assert_invalid(&v, missing);
    }
    // Float spellings of an integer are not integers.
    for text in ["10000000.0", "1e7"] {
        let body = good.to_string().replace("10000000", text);
        let reply = post(&sb, "/client/bills/save", Some(&token), None, &body).await;
        assert_eq!(reply.status, 200);
        assert_invalid(&reply.json(), "amount");
    }
    // Malformed JSON and non-objects: an error envelope, never a panic.
    for body in ["{\"amount\":", "[1,2]", "null", "\"x\""] {
        let reply = post(&sb, "/client/bills/save", Some(&token), None, body).await;
        assert_eq!(reply.status, 200, "{body}");
        assert_eq!(keys(&reply.json()), ["error", "uuid"]);
    }
    // No bill was made by any of these.
    let bills = control(&sb, "GET", "/_sandbox/xpay/bills", None).await.json();
    assert_eq!(bills, json!([]));
    // The good body itself works.
    let v = xpay(&sb, "/client/bills/save", &token, good).await;
    assert_eq!(v["success"]["message"], "bill created");
}

#[tokio::test]
async fn duplicate_reference_is_refused() {
    let sb = start().await;
    let token = login(&sb).await;
    let first = create(&sb, &token, 1_000_000, "dup", "t", true).await;
    assert_eq!(first["success"]["message"], "bill created");
    let again = create(&sb, &token, 2_000_000, "dup", "t", false).await;
    assert_error(&again, "bill reference already exists");
    let bills = control(&sb, "GET", "/_sandbox/xpay/bills", None).await.json();
    assert_eq!(bills.as_array().map(Vec::len), Some(1));
    assert_eq!(bills[0]["billAmount"], 1_000_000);
}

// -- view, control, cancel ---------------------------------------------------

#[tokio::test]
async fn view_has_the_address_object() {
    let sb = start().await;
    let token = login(&sb).await;
    let created = create(&sb, &token, 10_000_000, "v1", "t", false).await;
    let c = &created["success"]["data"];

    let reply = post(&sb, "/client/bills/view", Some(&token), Some(REQ_UUID), r#"{"reference":"v1"}"#).await;
    let v = reply.json();
    assert_eq!(v["uuid"], REQ_UUID);
    assert_eq!(v["success"]["message"], "bill found");
    let b = &v["success"]["data"];
    assert_eq!(b["address"], json!({"base58": c["address"], "hex": c["hex"]}));
    for k in ["uuid", "billRef", "billAmount", "paidAmount", "createdAt", "until", "starting"] {
        assert_eq!(b[k], c[k], "{k}");
    }

    // Lightning: the address object is there, empty.
    create(&sb, &token, 10_000_000, "v2", "t", true).await;
    let v = view(&sb, &token, "v2").await;
    assert_eq!(v["success"]["data"]["address"], json!({"base58": "", "hex": ""}));

    let v = view(&sb, &token, "nope").await;
    assert_error(&v, "bill not found");
}

#[tokio::test]
async fn control_api_drives_a_tron_bill() {
    let sb = start().await;
    let token = login(&sb).await;
    let created = create(&sb, &token, 10_000_001, "c1", "t", false).await;
    let id = created["success"]["data"]["uuid"].as_str().expect("uuid").to_owned();

    // seen: a tx, nothing credited.
    let r = control(&sb, "POST", "/_sandbox/xpay/bills/c1/seen", None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let b = &view(&sb, &token, "c1").await["success"]["data"];
    assert_eq!(b["paidAmount"], 0);
    assert_eq!(b["closed"], false);
    assert_eq!(b["txs"].as_array().map(Vec::len), Some(1));
    let tx = &b["txs"][0];
    assert_eq!(keys(tx), ["amount", "timestamp", "txID", "txRef"]);
    assert_eq!(tx["amount"], 10_000_001);
    assert!(tx["timestamp"].is_i64());
    assert_eq!(tx["txRef"].as_str().map(str::len), Some(24));
    assert_eq!(tx["txID"].as_str().map(str::len), Some(64));

    // partial (by uuid): half, integer division, stays open.
    let r = control(&sb, "POST", &format!("/_sandbox/xpay/bills/{id}/partial"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let b = &view(&sb, &token, "c1").await["success"]["data"];
    assert_eq!(b["paidAmount"], 5_000_000);
    assert_eq!(b["closed"], false);
    assert_eq!(b["txs"][1]["amount"], 5_000_000);

    // partial with a chosen amount.
    let r = control(&sb, "POST", "/_sandbox/xpay/bills/c1/partial", Some(r#"{"amount": 1}"#)).await;
    assert_eq!(r.json()["paidAmount"], 5_000_001);

    // pay: the rest, closed.
    let r = control(&sb, "POST", "/_sandbox/xpay/bills/c1/pay", None).await;
    assert_eq!(r.status, 200);
    let b = &view(&sb, &token, "c1").await["success"]["data"];
    assert_eq!(b["paidAmount"], 10_000_001);
    assert_eq!(b["closed"], true);
    assert_eq!(b["canceled"], false);
    assert_eq!(b["txs"].as_array().map(Vec::len), Some(4));
    assert_eq!(b["txs"][3]["amount"], 5_000_000);
    assert!(b.get("lnReceipt").is_none());

    // Paying twice is refused.
    let r = control(&sb, "POST", "/_sandbox/xpay/bills/c1/pay", None).await;
    assert_eq!(r.status, 409);
    // A bad partial body is a 400.
    create(&sb, &token, 10_000_000, "c2", "t", false).await;
    for body in [r#"{"amount": "5"}"#, r#"{"amount": 0}"#, "{", "[1]"] {
        let r = control(&sb, "POST", "/_sandbox/xpay/bills/c2/partial", Some(body)).await;
        assert_eq!(r.status, 400, "{body}");
    }
    // Unknown bill.
    for action in ["pay", "partial", "seen", "expire"] {
        let r = control(&sb, "POST", &format!("/_sandbox/xpay/bills/nope/{action}"), None).await;
        assert_eq!(r.status, 404);
        assert_eq!(r.json(), json!({"error": "no such bill"}));
    }
}

#[tokio::test]
async fn control_api_pays_a_lightning_bill() {
    let sb = start().await;
    let token = login(&sb).await;
    let created = create(&sb, &token, 10_000_000, "ln1", "t", true).await;
    let ln = &created["success"]["data"]["lnInvoice"];
    let hash = ln["paymentHash"].as_str().expect("hash").to_owned();
    assert_eq!(ln["satoshis"], 16_667);
    assert_eq!(ln["dollars"], 10);

    let r = control(&sb, "POST", "/_sandbox/xpay/bills/ln1/partial", None).await;
    assert_eq!(r.status, 200);
    let b = &view(&sb, &token, "ln1").await["success"]["data"];
    assert_eq!(b["paidAmount"], 5_000_000);
    assert_eq!(b["closed"], false);
    assert_eq!(b["txs"][0]["amount"], 8_333); // satoshis
    assert!(b.get("lnReceipt").is_none());

    control(&sb, "POST", "/_sandbox/xpay/bills/ln1/pay", None).await;
    let b = &view(&sb, &token, "ln1").await["success"]["data"];
    assert_eq!(b["paidAmount"], 10_000_000);
    assert_eq!(b["closed"], true);
    assert_eq!(b["txs"][1]["amount"], 8_333);
    assert_eq!(b["txs"][1]["txID"], hash.as_str());
    // As in the doc: paid, yet paymentStatus stays PENDING.
    assert_eq!(b["lnInvoice"]["paymentStatus"], "PENDING");
    let receipt = &b["lnReceipt"];
    assert_eq!(receipt["eventType"], "receive.lightning");
    assert!(is_uuid(&receipt["accountId"]));
    let tx = &receipt["transaction"];
    assert_eq!(tx["externalId"], hash.as_str());
    assert_eq!(tx["id"], b["txs"][1]["txRef"]);
    assert_eq!(tx["initiationVia"]["paymentHash"], hash.as_str());
    // The pubkey is the invoice's payee.
    let inv = Bolt11Invoice::from_str(b["lnInvoice"]["paymentRequest"].as_str().expect("bolt11")).expect("decodes");
    assert_eq!(tx["initiationVia"]["pubkey"], inv.recover_payee_pub_key().to_string());
    // The released preimage hashes to the payment hash.
    let preimage = tx["settlementVia"]["preImage"].as_str().expect("preimage");
    let raw: Vec<u8> =
        (0..preimage.len()).step_by(2).map(|i| u8::from_str_radix(&preimage[i..i + 2], 16).expect("hex")).collect();
    assert_eq!(hex(&Sha256::digest(&raw)), hash);
    assert!(tx["createdAt"].as_str().is_some_and(|s| s.ends_with('Z')));
}

#[tokio::test]
async fn expire_closes_the_bill() {
    let sb = start().await;
    let token = login(&sb).await;
    create(&sb, &token, 10_000_000, "e1", "t", false).await;
    let before = now_ms();
    let r = control(&sb, "POST", "/_sandbox/xpay/bills/e1/expire", None).await;
    assert_eq!(r.status, 200);
    let b = &view(&sb, &token, "e1").await["success"]["data"];
    assert_eq!(b["closed"], true);
    assert_eq!(b["canceled"], false);
    assert_eq!(b["paidAmount"], 0);
    let until = b["until"].as_i64().expect("until");
    assert!(until >= before && until <= now_ms());
    // A late payment is still possible and wins.
    control(&sb, "POST", "/_sandbox/xpay/bills/e1/pay", None).await;
    let b = &view(&sb, &token, "e1").await["success"]["data"];
    assert_eq!(b["paidAmount"], 10_000_000);
}

#[tokio::test]
async fn cancel() {
    let sb = start().await;
    let token = login(&sb).await;
    create(&sb, &token, 10_000_000, "k1", "t", false).await;
    let v = xpay(&sb, "/client/bills/cancel", &token, json!({"reference": "k1"})).await;
    assert_eq!(v["success"]["message"], "Bill Canceled");
    let b = &view(&sb, &token, "k1").await["success"]["data"];
    assert_eq!(b["canceled"], true);
    assert_eq!(b["closed"], true);

    let v = xpay(&sb, "/client/bills/cancel", &token, json!({"reference": "none"})).await;
    assert_error(&v, "bill not found");

    create(&sb, &token, 10_000_000, "k2", "t", true).await;
    control(&sb, "POST", "/_sandbox/xpay/bills/k2/pay", None).await;
    let v = xpay(&sb, "/client/bills/cancel", &token, json!({"reference": "k2"})).await;
    assert_error(&v, "bill already paid");
    let b = &view(&sb, &token, "k2").await["success"]["data"];
    assert_eq!(b["canceled"], false);

    let v = xpay(&sb, "/client/bills/cancel", &token, json!({"reference": 7})).await;
    assert_invalid(&v, "reference");
}

// -- tokens ------------------------------------------------------------------

fn assert_401(reply: &Reply, uuid: Option<&str>) {
    assert_eq!(reply.status, 401, "{}", reply.body);
    let v = reply.json();
    assert_error(&v, "invalid or expired token");
    assert_eq!(v["error"]["data"], Value::Null);
    if let Some(u) = uuid {
        assert_eq!(v["uuid"], u);
    }
}

#[tokio::test]
async fn bad_tokens_get_401() {
    let sb = start().await;
    let body = r#"{"reference":"x"}"#;
    for path in ["/client/bills/save", "/client/bills/view", "/client/bills/find", "/client/bills/cancel"] {
        let r = post(&sb, path, None, Some(REQ_UUID), body).await;
        assert_401(&r, Some(REQ_UUID));
        let r = post(&sb, path, Some("made-up"), None, body).await;
        assert_401(&r, None);
    }
    // Not a Bearer scheme.
    let token = login(&sb).await;
    let basic = format!("Basic {token}");
    let r = request(
        sb.addr(),
        "POST",
        "/client/bills/view",
        &[("Content-Type", "application/json"), ("Authorization", &basic)],
        Some(body),
    )
    .await;
    assert_401(&r, None);
}

#[tokio::test]
async fn expired_tokens_need_a_new_login() {
    let sb = start().await;
    let token = login(&sb).await;
    create(&sb, &token, 1_000_000, "tk", "t", false).await;
    let r = control(&sb, "POST", "/_sandbox/xpay/tokens/expire", None).await;
    assert_eq!(r.json(), json!({"expired": 1}));
    let r = post(&sb, "/client/bills/view", Some(&token), None, r#"{"reference":"tk"}"#).await;
    assert_401(&r, None);
    let fresh = login(&sb).await;
    assert_ne!(fresh, token);
    let v = view(&sb, &fresh, "tk").await;
    assert_eq!(v["success"]["message"], "bill found");
}

#[tokio::test]
async fn token_ttl_is_honoured() {
    let sb = start_with(Options { token_ttl: Duration::ZERO, ..Options::default() }).await;
    let token = login(&sb).await;
    let r = post(&sb, "/client/bills/view", Some(&token), None, r#"{"reference":"x"}"#).await;
    assert_401(&r, None);
}

#[tokio::test]
async fn custom_credentials() {
    let sb = start_with(Options {
        xpay_username: "shop@example.com".into(),
        xpay_secret_key: "s3cret".into(),
        ..Options::default()
    })
    .await;
    let body = json!({"username": "shop@example.com", "secretKey": "s3cret", "isAPI": true});
    let v = post(&sb, "/client/authenticate", None, None, &body.to_string()).await.json();
    assert_eq!(v["success"]["data"]["user"]["username"], "shop@example.com");
    let body = json!({"username": DEMO_XPAY_USERNAME, "secretKey": DEMO_XPAY_SECRET_KEY, "isAPI": true});
    let v = post(&sb, "/client/authenticate", None, None, &body.to_string()).await.json();
    assert_error(&v, "invalid credentials");
}

// -- find --------------------------------------------------------------------

fn refs(v: &Value) -> Vec<String> {
    v["success"]["data"]
        .as_array()
        .expect("data array")
        .iter()
        .map(|b| b["billRef"].as_str().expect("billRef").to_owned())
        .collect()
}

#[tokio::test]
async fn find_by_tag_prefix_with_paging() {
    let sb = start().await;
    let token = login(&sb).await;
    for n in 0..12 {
        create(&sb, &token, 1_000_000, &format!("a{n:02}"), &format!("till-a-a{n:02}"), n % 2 == 0).await;
    }
    for n in 0..3 {
        create(&sb, &token, 1_000_000, &format!("b{n}"), &format!("till-b-b{n}"), false).await;
    }

    // Default: page 1, 10 per page, newest first.
    let v = xpay(&sb, "/client/bills/find", &token, json!({})).await;
    assert_eq!(v["success"]["message"], "bills found");
    assert_eq!(v["success"]["page"], 1);
    assert_eq!(v["success"]["pageSize"], 10);
    assert_eq!(v["success"]["total"], 15);
    assert_eq!(v["success"]["count"], 10);
    assert_eq!(v["success"]["nextPage"], true);
    assert_eq!(refs(&v)[0], "b2");
    // View shape.
    assert!(v["success"]["data"][0]["address"].is_object());

    // The till's batch poll.
    let mut seen = Vec::new();
    for page in 1..=3 {
        let v = xpay(
            &sb,
            "/client/bills/find",
            &token,
            json!({"tag": "till-a-", "page": page, "pageSize": 5, "sort": {"createdAt": -1}}),
        )
        .await;
        let expect = if page < 3 { 5 } else { 2 };
        assert_eq!(v["success"]["count"], expect);
        assert_eq!(v["success"]["total"], 12);
        assert_eq!(v["success"]["page"], page);
        assert_eq!(v["success"]["nextPage"], page < 3);
        seen.extend(refs(&v));
    }
    let expected: Vec<String> = (0..12).rev().map(|n| format!("a{n:02}")).collect();
    assert_eq!(seen, expected);

    // Ascending, a page past the end, no match.
    let v = xpay(&sb, "/client/bills/find", &token, json!({"tag": "till-b", "sort": {"createdAt": 1}})).await;
    assert_eq!(refs(&v), ["b0", "b1", "b2"]);
    let v = xpay(&sb, "/client/bills/find", &token, json!({"tag": "till-b", "page": 9})).await;
    assert_eq!(v["success"]["count"], 0);
    assert_eq!(v["success"]["nextPage"], false);
    assert_eq!(v["success"]["total"], 3);
    let v = xpay(&sb, "/client/bills/find", &token, json!({"tag": "a-"})).await;
    assert_eq!(v["success"]["total"], 0);

    // wallet: the account's wallet, or a bill uuid.
    let all = control(&sb, "GET", "/_sandbox/xpay/bills", None).await.json();
    let wallet = all[0]["wallet"].as_str().expect("wallet");
    let v = xpay(&sb, "/client/bills/find", &token, json!({"wallet": wallet})).await;
    assert_eq!(v["success"]["total"], 15);
    let bill_uuid = all[3]["uuid"].as_str().expect("uuid");
    let v = xpay(&sb, "/client/bills/find", &token, json!({"wallet": bill_uuid})).await;
    assert_eq!(refs(&v), ["a03"]);

    // Bad paging values.
    for (body, field) in [
        (json!({"page": 0}), "page"),
        (json!({"page": "1"}), "page"),
        (json!({"pageSize": 1000}), "pageSize"),
        (json!({"sort": {"createdAt": 2}}), "sort"),
        (json!({"tag": 1}), "tag"),
    ] {
        let v = xpay(&sb, "/client/bills/find", &token, body).await;
        assert_invalid(&v, field);
    }
}

// -- bookkeeping -------------------------------------------------------------

#[tokio::test]
async fn request_counts_and_bill_list() {
    let sb = start().await;
    let token = login(&sb).await;
    create(&sb, &token, 1_000_000, "q1", "t", false).await;
    create(&sb, &token, 1_000_000, "q2", "t", true).await;
    view(&sb, &token, "q1").await;
    control(&sb, "POST", "/_sandbox/xpay/bills/q1/pay", None).await;
    let r = request(sb.addr(), "POST", "/client/wallets/save", &[], None).await;
    assert_eq!(r.status, 404);

    let counts = control(&sb, "GET", "/_sandbox/requests", None).await.json();
    assert_eq!(
        counts,
        json!({
            "/client/authenticate": 1,
            "/client/bills/save": 2,
            "/client/bills/view": 1,
            "/client/wallets/save": 1,
        })
    );
    let bills = control(&sb, "GET", "/_sandbox/xpay/bills", None).await.json();
    let bills = bills.as_array().expect("array");
    assert_eq!(bills.len(), 2);
    assert_eq!(bills[0]["billRef"], "q1");
    assert_eq!(bills[0]["closed"], true);
    assert!(bills[0]["address"].is_object());
    assert_eq!(bills[1]["billRef"], "q2");
}

#[tokio::test]
async fn base_url_and_serve() {
    let sb = start().await;
    assert_eq!(sb.base_url(), format!("http://127.0.0.1:{}", sb.addr().port()));

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(till_sandbox::serve(listener, Options::default()));
    let r = request(addr, "GET", "/_sandbox/requests", &[], None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({}));
}

#[tokio::test]
async fn content_type_is_required() {
    let sb = start().await;
    let body = json!({"username": DEMO_XPAY_USERNAME, "secretKey": DEMO_XPAY_SECRET_KEY, "isAPI": true});
    let r =
        request(sb.addr(), "POST", "/client/authenticate", &[("Content-Type", "text/plain")], Some(&body.to_string()))
            .await;
    assert_eq!(r.status, 200);
    assert_invalid(&r.json(), "");
}

#[tokio::test]
async fn optional_create_fields_and_short_bills() {
    let sb = start().await;
    let token = login(&sb).await;
    let v = xpay(
        &sb,
        "/client/bills/save",
        &token,
        json!({
            "amount": 10_000_000,
            "tag": "XPAY-83cd",
            "expireInMinutes": "1",
            "reference": "1bdce316",
            "email": "customer@gmail.com",
            "callbackURL": "https://mycallback.com/bill-alert",
            "useLightning": true,
        }),
    )
    .await;
    let b = &v["success"]["data"];
    assert_eq!(b["email"], "customer@gmail.com");
    assert_eq!(b["callbackURL"], "https://mycallback.com/bill-alert");
    let created = b["createdAt"].as_i64().expect("createdAt");
    assert_eq!(b["until"].as_i64(), Some(created + 60_000));
    // A 1-minute bill: the BOLT11 gets 60 s rather than 0.
    let bolt11 = b["lnInvoice"]["paymentRequest"].as_str().expect("bolt11");
    let inv = Bolt11Invoice::from_str(bolt11).expect("decodes");
    assert_eq!(inv.expiry_time(), Duration::from_secs(60));
    // Below one satoshi at the demo rate, no Lightning invoice can be made.
    let v = xpay(
        &sb,
        "/client/bills/save",
        &token,
        json!({
            "amount": 299,
            "tag": "t",
            "expireInMinutes": "30",
            "reference": "tiny",
            "useLightning": true,
        }),
    )
    .await;
    assert_invalid(&v, "amount");
}

#[tokio::test]
async fn an_expired_bill_takes_late_money_and_a_canceled_one_does_not() {
    let sb = start().await;
    let token = login(&sb).await;
    create(&sb, &token, 10_000_000, "late-1", "t", false).await;
    let r = control(&sb, "POST", "/_sandbox/xpay/bills/late-1/expire", None).await;
    assert_eq!(r.json()["closed"], true);
    // Money after the expiry: the bill reads paid (paidAmount = billAmount).
    let r = control(&sb, "POST", "/_sandbox/xpay/bills/late-1/pay", None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let b = &view(&sb, &token, "late-1").await["success"]["data"];
    assert_eq!((&b["paidAmount"], &b["closed"], &b["canceled"]), (&json!(10_000_000), &json!(true), &json!(false)));
    assert_eq!(control(&sb, "POST", "/_sandbox/xpay/bills/late-1/pay", None).await.status, 409);
    // A canceled bill takes no money.
    create(&sb, &token, 10_000_000, "gone-1", "t", false).await;
    let v = xpay(&sb, "/client/bills/cancel", &token, json!({"reference": "gone-1"})).await;
    assert_eq!(v["success"]["message"], "Bill Canceled");
    assert_eq!(control(&sb, "POST", "/_sandbox/xpay/bills/gone-1/pay", None).await.status, 409);
}
