//! The four newer adapters against the in-process sandbox, including every
//! misbehaviour its control API can stage: each gives a clear outcome, never
//! a panic, never a QR that failed its check, and a create repeated after a
//! lost answer never leaves two open invoices.

use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use till::core::invoice::{Invoice, PayloadKind, Reference};
use till::core::method::MethodId;
use till::core::money::{Currency, Money};
use till::core::problem::ProblemKind;
use till::core::status::Status;
use till::gateway::bitsby::{Bitsby, BitsbyConfig};
use till::gateway::http::HttpSettings;
use till::gateway::verify::Networks;
use till::gateway::xaigate::{Xaigate, XaigateConfig};
use till::gateway::xcash::{Xcash, XcashConfig};
use till::gateway::xpays::{self, Xpays, XpaysConfig};
use till::gateway::{CreateRequest, Gateway, GatewayError};
use till::secret::Secret;

fn usd() -> Currency {
    Currency::from_code("USD").unwrap()
}

/// Quick settings: short backoff, and a total timeout the `slow` fault exceeds.
fn settings() -> HttpSettings {
    HttpSettings {
        connect_timeout: Duration::from_secs(2),
        total_timeout: Duration::from_millis(1500),
        attempts: 3,
        first_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(100),
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

    async fn act(&self, gateway: &str, reference: &Reference, action: &str) {
        let url = format!("{}/_sandbox/{gateway}/invoices/{reference}/{action}", self.base);
        let r = self.http.post(url).send().await.unwrap();
        assert!(r.status().is_success(), "{action}: {}", r.text().await.unwrap());
    }

    async fn invoices(&self, gateway: &str) -> Vec<Value> {
        let url = format!("{}/_sandbox/{gateway}/invoices", self.base);
        let text = self.http.get(url).send().await.unwrap().text().await.unwrap();
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }
}

fn xpays(base: &str) -> Xpays {
    let cfg = XpaysConfig {
        base_url: base.into(),
        api_key: Secret::new(till_sandbox::DEMO_XPAYS_API_KEY),
        secret_key: Secret::new(till_sandbox::DEMO_XPAYS_SECRET_KEY),
        sign_template: xpays::DEFAULT_SIGN_TEMPLATE.into(),
        chain: "tron".into(),
        crypto: "USDT".into(),
        status_map: Vec::new(),
        currency: usd(),
    };
    Xpays::new(cfg, settings(), till::clock::system()).unwrap()
}

fn xcash_cfg(base: &str) -> XcashConfig {
    XcashConfig {
        base_url: base.into(),
        appid: till_sandbox::DEMO_XCASH_APPID.into(),
        hmac_key: Secret::new(till_sandbox::DEMO_XCASH_HMAC_KEY),
        duration_minutes: 15,
        chain_code: "tron".into(),
        title: "Test shop".into(),
        currency: usd(),
    }
}

fn xcash(base: &str) -> Xcash {
    Xcash::new(xcash_cfg(base), settings(), till::clock::system()).unwrap()
}

fn xaigate(base: &str) -> Xaigate {
    let cfg = XaigateConfig {
        base_url: base.into(),
        api_key: Secret::new(till_sandbox::DEMO_XAIGATE_API_KEY),
        email: "shop@example.com".into(),
        shop_name: "Test shop".into(),
        currency: usd(),
    };
    Xaigate::new(cfg, settings()).unwrap()
}

fn bitsby(base: &str) -> Bitsby {
    let cfg = BitsbyConfig {
        base_url: base.into(),
        token: Secret::new(till_sandbox::DEMO_BITSBY_TOKEN),
        project_id: till_sandbox::DEMO_BITSBY_PROJECT_ID.into(),
        time_to_pay_hours: "1".into(),
        methods: vec![MethodId::UsdtTron, MethodId::UsdtBsc, MethodId::UsdtEthereum, MethodId::Eth, MethodId::Btc],
        terminal: "t1".into(),
        currency: usd(),
        networks: Networks::AlsoTest,
        min_interval: Duration::from_secs(1),
    };
    Bitsby::new(cfg, settings(), till::clock::system()).unwrap()
}

fn request(n: u32, method: MethodId) -> CreateRequest {
    CreateRequest {
        reference: Reference::parse(&format!("sale-{n}")).unwrap(),
        amount: Money::new("12.50".parse().unwrap(), usd()),
        method,
        retry: false,
    }
}

fn open_count(invoices: &[Value], status_key: &str, open: &str) -> usize {
    invoices.iter().filter(|i| i[status_key] == open).count()
}

async fn status(g: &dyn Gateway, inv: &Invoice) -> Status {
    g.status(inv).await.unwrap().status
}

#[tokio::test]
async fn each_gateway_follows_its_invoice_through_the_sandbox() {
    let sb = Sandbox::start(till_sandbox::Options::default()).await;
    // xpays.life: seen (a txid) is confirming, then paid.
    let g = xpays(&sb.base);
    let inv = g.create(&request(1, MethodId::UsdtTron)).await.unwrap();
    assert_eq!(inv.payload.kind, PayloadKind::Address);
    assert_eq!(status(&g, &inv).await, Status::Pending);
    sb.act("xpays", &inv.reference, "seen").await;
    assert_eq!(status(&g, &inv).await, Status::Confirming);
    sb.act("xpays", &inv.reference, "pay").await;
    assert_eq!(status(&g, &inv).await, Status::Paid);
    // An undocumented value is unknown, never paid.
    let inv = g.create(&request(2, MethodId::UsdtTron)).await.unwrap();
    sb.act("xpays", &inv.reference, "weird").await;
    assert!(matches!(status(&g, &inv).await, Status::Unknown(raw) if raw.contains("ON_HOLD")));

    // XaiGate: part paid, then expired with money: expired_underpaid.
    let g = xaigate(&sb.base);
    let inv = g.create(&request(3, MethodId::Checkout)).await.unwrap();
    assert_eq!(inv.payload.kind, PayloadKind::Page);
    sb.act("xaigate", &inv.reference, "partial").await;
    let r = g.status(&inv).await.unwrap();
    assert_eq!(r.status, Status::Underpaid);
    assert_eq!(r.received.unwrap().amount.to_string(), "6.25");
    sb.act("xaigate", &inv.reference, "expire").await;
    assert_eq!(status(&g, &inv).await, Status::ExpiredUnderpaid);
    let inv = g.create(&request(4, MethodId::Checkout)).await.unwrap();
    sb.act("xaigate", &inv.reference, "cancel").await;
    assert_eq!(status(&g, &inv).await, Status::Canceled);

    // Xcash: a transfer seen is confirming; paid.
    let g = xcash(&sb.base);
    let inv = g.create(&request(5, MethodId::UsdtTron)).await.unwrap();
    sb.act("xcash", &inv.reference, "seen").await;
    assert_eq!(status(&g, &inv).await, Status::Confirming);
    sb.act("xcash", &inv.reference, "pay").await;
    assert_eq!(status(&g, &inv).await, Status::Paid);
}

#[tokio::test]
async fn xcash_older_deployments_select_the_method_after_create() {
    let mut opts = till_sandbox::Options::default();
    opts.xcash.select_at_create = false;
    let sb = Sandbox::start(opts).await;
    let inv = xcash(&sb.base).create(&request(1, MethodId::UsdtTron)).await.unwrap();
    assert_eq!(inv.payload.kind, PayloadKind::Address, "select-method gave the address");
    assert!(inv.crypto.is_some());
}

#[tokio::test]
async fn xcash_refusals_are_plain_words() {
    let sb = Sandbox::start(till_sandbox::Options::default()).await;
    let mut cfg = xcash_cfg(&sb.base);
    cfg.hmac_key = Secret::new("not-the-key");
    let g = Xcash::new(cfg, settings(), till::clock::system()).unwrap();
    let e = g.create(&request(1, MethodId::UsdtTron)).await.unwrap_err();
    assert!(e.problem().message.contains("check hmac_key"), "{}", e.problem().message);
    let mut cfg = xcash_cfg(&sb.base);
    cfg.chain_code = "tron-mainnet".into();
    let g = Xcash::new(cfg, settings(), till::clock::system()).unwrap();
    let e = g.create(&request(2, MethodId::UsdtTron)).await.unwrap_err();
    assert!(e.problem().message.contains("chain_code"), "{}", e.problem().message);
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_leaves_one_invoice() {
    let sb = Sandbox::start(till_sandbox::Options::default()).await;
    // Xcash: processed, then HTTP 500; then an answer held back past the timeout.
    for (n, fault) in [
        (1, json!({"gateway": "xcash", "path": "/v1/invoice", "kind": "status500_after"})),
        (2, json!({"gateway": "xcash", "path": "/v1/invoice", "kind": "slow", "delay_ms": 2500})),
    ] {
        sb.fault(fault).await;
        let inv = xcash(&sb.base).create(&request(n, MethodId::UsdtTron)).await.unwrap();
        let all = sb.invoices("xcash").await;
        let mine: Vec<_> = all.iter().filter(|i| i["sys_no"] == inv.id.as_str()).collect();
        assert_eq!(mine.len(), 1);
        assert_eq!(all.len(), n as usize, "one invoice per sale");
    }
    // Bitsby: the lost create is found by our reference; never two open invoices.
    sb.fault(json!({"gateway": "bitsby", "path": "/invoices/create", "kind": "status500_after"})).await;
    let inv = bitsby(&sb.base).create(&request(3, MethodId::UsdtTron)).await.unwrap();
    let all = sb.invoices("bitsby").await;
    assert_eq!(open_count(&all, "status", "unpaid"), 1, "{all:?}");
    assert!(all.iter().any(|i| i["id"] == inv.id.as_str() && i["status"] == "unpaid"));
    // xpays.life and XaiGate cannot be asked: the outcome is unknown, not repeated.
    sb.fault(json!({"gateway": "xpays", "kind": "status500_after"})).await;
    let e = xpays(&sb.base).create(&request(4, MethodId::UsdtTron)).await.unwrap_err();
    assert_eq!(e.problem().kind, ProblemKind::OutcomeUnknown, "{e:?}");
    assert_eq!(sb.invoices("xpays").await.len(), 1, "sent once");
    sb.fault(json!({"gateway": "xaigate", "kind": "slow", "delay_ms": 2500})).await;
    let e = xaigate(&sb.base).create(&request(5, MethodId::Checkout)).await.unwrap_err();
    assert_eq!(e.problem().kind, ProblemKind::OutcomeUnknown, "{e:?}");
    assert_eq!(sb.invoices("xaigate").await.len(), 1, "sent once");
}

#[tokio::test]
async fn misbehaviour_gives_a_clear_outcome_at_every_gateway() {
    let sb = Sandbox::start(till_sandbox::Options::default()).await;
    let gateways: Vec<(&str, Arc<dyn Gateway>, MethodId)> = vec![
        ("xpays", Arc::new(xpays(&sb.base)), MethodId::UsdtTron),
        ("xcash", Arc::new(xcash(&sb.base)), MethodId::UsdtTron),
        ("xaigate", Arc::new(xaigate(&sb.base)), MethodId::Checkout),
        ("bitsby", Arc::new(bitsby(&sb.base)), MethodId::UsdtTron),
    ];
    let mut n = 100;
    for (name, g, method) in &gateways {
        let inv = g.create(&request(n, *method)).await.unwrap();
        n += 1;
        // A 500 and a 429 on a status call: retried, then answered.
        sb.fault(json!({"gateway": name, "kind": "status500"})).await;
        assert_eq!(status(g.as_ref(), &inv).await, Status::Pending, "{name} after a 500");
        sb.fault(json!({"gateway": name, "kind": "rate_limit", "retry_after_secs": 1})).await;
        assert_eq!(status(g.as_ref(), &inv).await, Status::Pending, "{name} after a 429");
        // A body that is not JSON, and one over 1 MiB: errors naming the gateway.
        sb.fault(json!({"gateway": name, "kind": "malformed", "count": 5})).await;
        let e = g.status(&inv).await.unwrap_err();
        assert_eq!(e.problem().kind, ProblemKind::Protocol, "{name}: {e:?}");
        assert!(e.to_string().contains(g.provider().name()), "{e}");
        sb.http.delete(format!("{}/_sandbox/faults", sb.base)).send().await.unwrap();
        sb.fault(json!({"gateway": name, "kind": "huge", "count": 5})).await;
        let e = g.status(&inv).await.unwrap_err();
        assert!(matches!(e, GatewayError::TooLarge { .. }), "{name}: {e:?}");
        sb.http.delete(format!("{}/_sandbox/faults", sb.base)).send().await.unwrap();
        // Payment data that fails verification: a refusal, no invoice shown.
        sb.fault(json!({"gateway": name, "kind": "unverifiable"})).await;
        let e = g.create(&request(n, *method)).await.unwrap_err();
        n += 1;
        assert_eq!(e.problem().kind, ProblemKind::Unverified, "{name}: {e:?}");
        assert!(e.problem().message.contains("No QR is shown"), "{}", e.problem().message);
    }
    // Bitsby cancels the invoice whose wallet failed its check: no orphan stays open.
    let all = sb.invoices("bitsby").await;
    assert_eq!(open_count(&all, "status", "unpaid"), 1, "{all:?}");
}

#[tokio::test]
async fn bitsby_keeps_to_one_request_a_second_and_cancels_until_the_page_is_viewed() {
    let sb = Sandbox::start(till_sandbox::Options::default()).await;
    let g = Arc::new(bitsby(&sb.base));
    let inv = g.create(&request(1, MethodId::Btc)).await.unwrap();
    assert!(inv.payload.qr.starts_with("bitcoin:bcrt1"), "{}", inv.payload.qr);
    // Three polls at once: paced, none refused as too frequent.
    let polls: Vec<_> = (0..3)
        .map(|_| {
            let g = g.clone();
            let inv = inv.clone();
            tokio::spawn(async move { g.status(&inv).await })
        })
        .collect();
    for p in polls {
        assert_eq!(p.await.unwrap().unwrap().status, Status::Pending);
    }
    g.cancel(&inv).await.unwrap();
    assert_eq!(status(g.as_ref(), &inv).await, Status::Canceled);
    let inv = g.create(&request(2, MethodId::UsdtTron)).await.unwrap();
    sb.act("bitsby", &inv.reference, "view").await;
    let e = g.cancel(&inv).await.unwrap_err();
    assert!(e.problem().message.contains("the customer opened the payment page"), "{}", e.problem().message);
}

#[tokio::test]
async fn the_online_check_passes_with_good_credentials_and_names_bad_ones() {
    let sb = Sandbox::start(till_sandbox::Options::default()).await;
    for g in [
        Arc::new(xpays(&sb.base)) as Arc<dyn Gateway>,
        Arc::new(xcash(&sb.base)),
        Arc::new(xaigate(&sb.base)),
        Arc::new(bitsby(&sb.base)),
    ] {
        let said = g.check().await.unwrap();
        assert!(said.contains("accepted"), "{}: {said}", g.provider());
    }
    let mut cfg = xcash_cfg(&sb.base);
    cfg.appid = "XC-NOBODY1".into();
    let e = Xcash::new(cfg, settings(), till::clock::system()).unwrap().check().await.unwrap_err();
    assert!(e.problem().message.contains("appid is not known"), "{}", e.problem().message);
    // Nothing was created by the checks.
    assert!(sb.invoices("xcash").await.is_empty());
}
