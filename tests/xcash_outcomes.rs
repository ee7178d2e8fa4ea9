//! Xcash as its real server behaves (xcash.md, corrected after testing the
//! real server), the adapter against the in-process sandbox over loopback:
//! an expired invoice with an exact in-window transfer still confirming is
//! `confirming`, then `paid` on `completed`; every create outcome is
//! resolved (an unreadable 2xx after the invoice was made, a 429 after the
//! work was done) with one invoice at the gateway; refusals (an HTML 403, a
//! code in Chinese) are in the till's plain words. Bodies come from
//! tests/fixtures/xcash/ (verbatim where the doc prints them).

use serde_json::{Value, json};
use std::time::Duration;
use till::core::invoice::{Invoice, PayloadKind, Reference};
use till::core::method::MethodId;
use till::core::money::{Currency, Money};
use till::core::problem::ProblemKind;
use till::core::status::Status;
use till::gateway::http::{HttpSettings, Reply};
use till::gateway::xcash::{self, Xcash, XcashConfig};
use till::gateway::{CreateRequest, Gateway};
use till::secret::Secret;

fn usd() -> Currency {
    Currency::from_code("USD").unwrap()
}

fn fixture(path: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/xcash/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// Quick settings: short backoff, so repeats take milliseconds.
fn settings() -> HttpSettings {
    HttpSettings {
        connect_timeout: Duration::from_secs(2),
        total_timeout: Duration::from_secs(5),
        attempts: 3,
        first_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
        every: None,
        terminal: None,
    }
}

struct Sandbox {
    base: String,
    http: reqwest::Client,
}

impl Sandbox {
    async fn start(opts: till_sandbox::Options) -> Sandbox {
        till::gateway::http::install_tls();
        let running = till_sandbox::spawn(([127, 0, 0, 1], 0).into(), opts).await.unwrap();
        Sandbox { base: running.base_url(), http: reqwest::Client::new() }
    }

    async fn fault(&self, fault: Value) {
        let r = self.http.post(format!("{}/_sandbox/faults", self.base)).body(fault.to_string()).send().await.unwrap();
        assert!(r.status().is_success(), "{fault}: {}", r.text().await.unwrap());
    }

    async fn act(&self, reference: &Reference, action: &str) -> Value {
        let url = format!("{}/_sandbox/xcash/invoices/{reference}/{action}", self.base);
        let r = self.http.post(url).send().await.unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        assert!(status.is_success(), "{action}: {text}");
        serde_json::from_str(&text).unwrap()
    }

    async fn invoices(&self) -> Vec<Value> {
        let url = format!("{}/_sandbox/xcash/invoices", self.base);
        let text = self.http.get(url).send().await.unwrap().text().await.unwrap();
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    /// Gateway requests per path (`/_sandbox/requests`).
    async fn requests(&self, path: &str) -> u64 {
        let url = format!("{}/_sandbox/requests", self.base);
        let text = self.http.get(url).send().await.unwrap().text().await.unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        v[path].as_u64().unwrap_or(0)
    }
}

fn config(base: &str) -> XcashConfig {
    XcashConfig {
        base_url: base.into(),
        appid: till_sandbox::DEMO_XCASH_APPID.into(),
        hmac_key: Secret::new(till_sandbox::DEMO_XCASH_HMAC_KEY),
        duration_minutes: 15,
        chain_code: "tron".into(),
        title: "Corner Cafe".into(),
        currency: usd(),
    }
}

fn gateway(cfg: XcashConfig) -> Xcash {
    Xcash::new(cfg, settings(), till::clock::system()).unwrap()
}

fn request(reference: &str) -> CreateRequest {
    CreateRequest {
        reference: Reference::parse(reference).unwrap(),
        amount: Money::new("12.50".parse().unwrap(), usd()),
        method: MethodId::UsdtTron,
        retry: false,
    }
}

async fn status(g: &Xcash, inv: &Invoice) -> Status {
    g.status(inv).await.unwrap().status
}

// ---- the doc's bodies

/// xcash.md § Authentication / signing: the worked examples' body, verbatim.
#[test]
fn the_worked_examples_sign_the_documented_body() {
    let body = fixture("signing_body.json");
    assert_eq!(body, r#"{"out_no":"A1","title":"Coffee","currency":"USD","amount":"4.50"}"#);
    assert_eq!(
        xcash::signature("test-hmac-key", "n0nce-123", "1730998051", body.as_bytes()),
        "6959eb6fd8b79b12d372b3de94a6dc18d39cf8eeb3545e941965a7b8ad9fd262"
    );
    assert_eq!(
        xcash::signature("test-hmac-key", "3f1c2a9e-6b7d-4e2f-9a1b-0c4d5e6f7a8b", "1730998051", body.as_bytes()),
        "7d98bb9945f325bbdf1a9c4afffc89a04f8167a460f5eadae1b466db25c4a57c"
    );
}

/// xcash.md § Mapping to till, the measured answer (built from § Query
/// status's field table around the doc's `pay_amount` 12.55): `expired`
/// with an exact transfer still confirming is `confirming`, never
/// expired-underpaid; once `completed`, `paid`.
#[test]
fn expired_with_a_confirming_payment_is_confirming() {
    let mut v: Value = serde_json::from_str(&fixture("status_expired_confirming.json")).unwrap();
    let now = "2026-08-04T10:16:00Z".parse().unwrap();
    let read = xcash::invoice_of(&Reply { status: 200, body: serde_json::to_vec(&v).unwrap(), date: None }, now);
    assert_eq!(read.unwrap()["status"], "expired");
    let r = xcash::report(&v);
    assert_eq!(r.status, Status::Confirming, "{}", r.raw);
    assert_eq!(r.tx_id.as_deref(), v["payment"]["hash"].as_str());
    v["status"] = json!("completed");
    v["payment"]["status"] = json!("confirmed");
    assert_eq!(xcash::report(&v).status, Status::Paid);
    // Expired with nothing attached: expired (still watched by the till).
    v["status"] = json!("expired");
    v["payment"] = Value::Null;
    assert_eq!(xcash::report(&v).status, Status::Expired);
    // The several-methods create sample, verbatim, is waiting: pending.
    let sample: Value = serde_json::from_str(&fixture("create_several_methods.json")).unwrap();
    assert_eq!(xcash::report(&sample).status, Status::Pending);
}

// ---- against the sandbox

#[tokio::test]
async fn expired_with_a_payment_is_confirming_then_paid() {
    let sb = Sandbox::start(till_sandbox::Options::default()).await;
    let g = gateway(config(&sb.base));
    let inv = g.create(&request("conf-1")).await.unwrap();
    assert_eq!(inv.payload.kind, PayloadKind::Address);
    assert_eq!(status(&g, &inv).await, Status::Pending);
    // The expiry task ran; then the exact transfer, made in the window, is seen.
    sb.act(&inv.reference, "expire").await;
    let seen = sb.act(&inv.reference, "seen").await;
    assert_eq!((&seen["status"], &seen["payment"]["status"]), (&json!("expired"), &json!("confirming")));
    assert_eq!(status(&g, &inv).await, Status::Confirming, "never expired-underpaid");
    sb.act(&inv.reference, "pay").await;
    let r = g.status(&inv).await.unwrap();
    assert_eq!(r.status, Status::Paid);
    assert_eq!(r.tx_id.as_deref(), seen["payment"]["hash"].as_str());
    assert_eq!(sb.invoices().await.len(), 1);
}

/// A 2xx whose body cannot be read counts as a timeout: the create is
/// repeated identically and the server returns the invoice it made.
#[tokio::test]
async fn an_unreadable_2xx_create_answer_finds_the_invoice_made() {
    let sb = Sandbox::start(till_sandbox::Options::default()).await;
    let g = gateway(config(&sb.base));
    for (n, kind) in [(1, "malformed"), (2, "empty")] {
        sb.fault(json!({"gateway": "xcash", "path": "/v1/invoice", "kind": kind})).await;
        let inv = g.create(&request(&format!("garbled-{n}"))).await.unwrap_or_else(|e| panic!("{kind}: {e:?}"));
        let all = sb.invoices().await;
        assert_eq!(all.len(), n, "{kind}: one invoice per sale: {all:?}");
        assert!(all.iter().any(|i| i["sys_no"] == inv.id.as_str()), "{kind}: the invoice made is the one shown");
        assert_eq!(inv.payload.kind, PayloadKind::Address, "{kind}");
        // It is followed to paid.
        assert_eq!(status(&g, &inv).await, Status::Pending, "{kind}");
        sb.act(&inv.reference, "pay").await;
        assert_eq!(status(&g, &inv).await, Status::Paid, "{kind}");
    }
    // Each create was sent twice: the garbled answer, then the repeat.
    assert_eq!(sb.requests("/v1/invoice").await, 4);
}

/// A 429 after the work was done: resent after the wait, Xcash's create is
/// idempotent by `out_no`, so one live invoice.
#[tokio::test]
async fn a_429_after_the_work_was_done_leaves_one_live_invoice() {
    let sb = Sandbox::start(till_sandbox::Options::default()).await;
    let g = gateway(config(&sb.base));
    sb.fault(json!({"gateway": "xcash", "path": "/v1/invoice", "kind": "rate_limit_after", "retry_after_secs": 0}))
        .await;
    let inv = g.create(&request("busy-1")).await.unwrap();
    let all = sb.invoices().await;
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0]["sys_no"], inv.id.as_str());
    assert_eq!(all[0]["status"], "waiting");
    assert_eq!(sb.requests("/v1/invoice").await, 2);
}

/// An unknown route (here a `base_url` with a path) answers an HTML 403:
/// plain words about `base_url`, never a parse error.
#[tokio::test]
async fn an_html_403_says_check_base_url() {
    let sb = Sandbox::start(till_sandbox::Options::default()).await;
    let g = gateway(config(&format!("{}/v1/invoice", sb.base)));
    let e = g.create(&request("page-1")).await.unwrap_err();
    let p = e.problem();
    assert_eq!(p.kind, ProblemKind::Refused, "{e:?}");
    assert!(p.message.contains("check base_url"), "{}", p.message);
    assert!(!p.message.contains('<') && !p.message.contains("does not understand"), "{}", p.message);
    let e = g.check().await.unwrap_err();
    assert!(e.problem().message.contains("check base_url"), "{}", e.problem().message);
    assert!(sb.invoices().await.is_empty());
}

/// 5008 from a deployment whose messages are Chinese: the till's own words.
#[tokio::test]
async fn code_5008_in_chinese_is_said_in_plain_words() {
    let mut opts = till_sandbox::Options::default();
    opts.xcash.english_messages = false;
    let sb = Sandbox::start(opts).await;
    let mut cfg = config(&sb.base);
    cfg.chain_code = "ethereum".into();
    let e = gateway(cfg).create(&request("norecv-1")).await.unwrap_err();
    let m = e.problem().message;
    assert!(m.contains("no receiving address for USDT on TRON"), "{m}");
    assert!(m.contains("chain_code"), "{m}");
    assert!(m.is_ascii(), "the gateway's Chinese message stays in the log: {m}");
    // A known code in Chinese: the same words as in English.
    let mut cfg = config(&sb.base);
    cfg.hmac_key = Secret::new("not-the-key");
    let m = gateway(cfg).create(&request("norecv-2")).await.unwrap_err().problem().message;
    assert!(m.contains("check hmac_key") && m.is_ascii(), "{m}");
    assert!(sb.invoices().await.is_empty());
}
