//! The real xPay adapter against the sandbox, which speaks xPay's protocol as
//! documented (written from the doc, not from the adapter).

mod support;

use std::sync::Arc;
use support::*;
use till::core::invoice::{PayloadKind, Reference};
use till::core::method::MethodId;
use till::core::status::Status;
use till::gateway::http::HttpSettings;
use till::gateway::verify::Networks;
use till::gateway::xpay::{Xpay, XpayConfig};
use till::gateway::{CreateRequest, Gateway, GatewayError};
use till::secret::Secret;

struct Sandbox {
    _running: till_sandbox::Running,
    base: String,
    http: reqwest::Client,
}

impl Sandbox {
    async fn start() -> Sandbox {
        till::gateway::http::install_tls();
        let running = till_sandbox::spawn(([127, 0, 0, 1], 0).into(), till_sandbox::Options::default()).await.unwrap();
        Sandbox { base: running.base_url(), _running: running, http: reqwest::Client::new() }
    }

    fn xpay(&self, secret: &str) -> Xpay {
        let cfg = XpayConfig {
            base_url: self.base.clone(),
            username: till_sandbox::DEMO_XPAY_USERNAME.into(),
            secret_key: Secret::new(secret),
            expire_minutes: 15,
            methods: vec![MethodId::Lightning, MethodId::UsdtTron],
            relogin_margin: jiff::SignedDuration::from_secs(300),
            terminal: "t1".into(),
            currency: usd(),
            networks: Networks::AlsoTest,
        };
        Xpay::new(cfg, HttpSettings::default(), till::clock::system()).unwrap()
    }

    async fn control(&self, path: &str) {
        let r = self.http.post(format!("{}/_sandbox/xpay/{path}", self.base)).send().await.unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
    }

    async fn bills(&self) -> Vec<serde_json::Value> {
        let r = self.http.get(format!("{}/_sandbox/xpay/bills", self.base)).send().await.unwrap();
        serde_json::from_slice(&r.bytes().await.unwrap()).unwrap()
    }
}

fn req(reference: &str, amount: &str, method: MethodId) -> CreateRequest {
    CreateRequest { reference: Reference::parse(reference).unwrap(), amount: usd_amount(amount), method, retry: false }
}

#[tokio::test]
async fn lightning_invoice_is_created_verified_and_paid() {
    let sb = Sandbox::start().await;
    let xpay = sb.xpay(till_sandbox::DEMO_XPAY_SECRET_KEY);
    let inv = xpay.create(&req("ln-1", "12.50", MethodId::Lightning)).await.unwrap();
    assert_eq!(inv.payload.kind, PayloadKind::Lightning);
    assert!(inv.payload.qr.starts_with("LIGHTNING:LNBCRT"), "{}", inv.payload.qr);
    assert_eq!(inv.status, Status::Pending);
    let left = inv.expires_at.duration_since(jiff::Timestamp::now());
    assert!(left > jiff::SignedDuration::from_mins(13) && left <= jiff::SignedDuration::from_mins(15), "{left:?}");
    assert_eq!(xpay.status(&inv).await.unwrap().status, Status::Pending);
    sb.control("bills/ln-1/pay").await;
    let r = xpay.status(&inv).await.unwrap();
    assert_eq!(r.status, Status::Paid);
    assert_eq!(r.received.unwrap().to_string(), "12.50 USD");
}

#[tokio::test]
async fn tron_invoice_goes_through_confirming_underpaid_and_expired_underpaid() {
    let sb = Sandbox::start().await;
    let xpay = sb.xpay(till_sandbox::DEMO_XPAY_SECRET_KEY);
    let inv = xpay.create(&req("tr-1", "20", MethodId::UsdtTron)).await.unwrap();
    assert_eq!(inv.payload.kind, PayloadKind::Address);
    till::gateway::verify::tron_address(&inv.payload.qr).unwrap();
    assert_eq!(inv.crypto.as_ref().unwrap().to_string(), "20 USDT");
    sb.control("bills/tr-1/seen").await;
    assert_eq!(xpay.status(&inv).await.unwrap().status, Status::Confirming);
    sb.control("bills/tr-1/partial").await;
    let r = xpay.status(&inv).await.unwrap();
    assert_eq!(r.status, Status::Underpaid);
    assert_eq!(r.received.unwrap().to_string(), "10.00 USD");
    sb.control("bills/tr-1/expire").await;
    assert_eq!(xpay.status(&inv).await.unwrap().status, Status::ExpiredUnderpaid);
}

#[tokio::test]
async fn an_expired_invoice_is_expired_and_a_canceled_one_canceled() {
    let sb = Sandbox::start().await;
    let xpay = sb.xpay(till_sandbox::DEMO_XPAY_SECRET_KEY);
    let a = xpay.create(&req("ex-1", "1", MethodId::Lightning)).await.unwrap();
    sb.control("bills/ex-1/expire").await;
    assert_eq!(xpay.status(&a).await.unwrap().status, Status::Expired);
    let b = xpay.create(&req("ca-1", "1", MethodId::UsdtTron)).await.unwrap();
    assert!(xpay.can_cancel());
    xpay.cancel(&b).await.unwrap();
    assert_eq!(xpay.status(&b).await.unwrap().status, Status::Canceled);
}

#[tokio::test]
async fn a_wrong_secret_is_reported_as_refused_credentials() {
    let sb = Sandbox::start().await;
    let xpay = sb.xpay("not-the-secret");
    let err = xpay.create(&req("bad-1", "1", MethodId::Lightning)).await.unwrap_err();
    assert!(matches!(err, GatewayError::Credentials { .. }), "{err:?}");
    assert!(sb.bills().await.is_empty());
}

#[tokio::test]
async fn an_expired_token_means_one_new_login_not_an_error() {
    let sb = Sandbox::start().await;
    let xpay = sb.xpay(till_sandbox::DEMO_XPAY_SECRET_KEY);
    let inv = xpay.create(&req("tok-1", "3", MethodId::Lightning)).await.unwrap();
    sb.control("tokens/expire").await;
    assert_eq!(xpay.status(&inv).await.unwrap().status, Status::Pending);
    sb.control("tokens/expire").await;
    // A create after the token died: logs in again, looks for the bill first, then creates it once.
    xpay.create(&req("tok-2", "3", MethodId::Lightning)).await.unwrap();
    assert_eq!(sb.bills().await.len(), 2);
}

#[tokio::test]
async fn a_create_repeated_with_the_same_reference_leaves_one_bill() {
    let sb = Sandbox::start().await;
    let xpay = Arc::new(sb.xpay(till_sandbox::DEMO_XPAY_SECRET_KEY));
    let request = req("same-1", "7", MethodId::UsdtTron);
    let first = xpay.create(&request).await.unwrap();
    // As after a timeout: the same reference again finds the bill rather than billing twice.
    let second = xpay.create(&request).await.unwrap();
    assert_eq!(first.id, second.id);
    assert_eq!(sb.bills().await.len(), 1);
}

#[tokio::test]
async fn an_unreachable_gateway_is_reported_as_such() {
    // A port nothing listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let cfg = XpayConfig {
        base_url: format!("http://127.0.0.1:{port}"),
        username: "u".into(),
        secret_key: Secret::new("k"),
        expire_minutes: 15,
        methods: vec![MethodId::Lightning],
        relogin_margin: jiff::SignedDuration::from_secs(300),
        terminal: "t1".into(),
        currency: usd(),
        networks: Networks::AlsoTest,
    };
    let settings = HttpSettings { first_backoff: std::time::Duration::from_millis(1), ..HttpSettings::default() };
    let xpay = Xpay::new(cfg, settings, till::clock::system()).unwrap();
    let err = xpay.create(&req("un-1", "1", MethodId::Lightning)).await.unwrap_err();
    assert!(err.problem().message.contains("cannot be reached"), "{err:?}");
}

#[tokio::test]
async fn a_retry_looks_for_the_bill_before_sending_the_create_again() {
    let sb = Sandbox::start().await;
    let xpay = sb.xpay(till_sandbox::DEMO_XPAY_SECRET_KEY);
    let first = xpay.create(&req("rt-1", "4", MethodId::Lightning)).await.unwrap();
    let mut again = req("rt-1", "4", MethodId::Lightning);
    again.retry = true;
    assert_eq!(xpay.create(&again).await.unwrap().id, first.id);
    let counts: serde_json::Value = serde_json::from_slice(
        &sb.http.get(format!("{}/_sandbox/requests", sb.base)).send().await.unwrap().bytes().await.unwrap(),
    )
    .unwrap();
    assert_eq!(counts["/client/bills/save"], 1, "{counts}");
    assert_eq!(counts["/client/bills/view"], 1, "{counts}");
}
