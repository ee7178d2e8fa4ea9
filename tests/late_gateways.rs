//! Late money at xPay, xpays.life and XaiGate: an invoice the gateway
//! reports expired, then credited late (the sandbox's `pay` on an expired
//! invoice, CONTROL.md § Invoice actions), is reported paid by the adapter,
//! so the till's late-payment watch can record it.

mod support;

use std::sync::Arc;
use std::time::Duration;
use support::{usd, usd_amount};
use till::core::invoice::Reference;
use till::core::method::MethodId;
use till::core::status::Status;
use till::gateway::http::HttpSettings;
use till::gateway::verify::Networks;
use till::gateway::xaigate::{Xaigate, XaigateConfig};
use till::gateway::xpay::{Xpay, XpayConfig};
use till::gateway::xpays::{self, Xpays, XpaysConfig};
use till::gateway::{CreateRequest, Gateway};
use till::secret::Secret;

fn settings() -> HttpSettings {
    HttpSettings {
        first_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(100),
        ..Default::default()
    }
}

fn gateways(base: &str) -> Vec<(&'static str, Arc<dyn Gateway>, MethodId)> {
    let xpay = XpayConfig {
        base_url: base.into(),
        username: till_sandbox::DEMO_XPAY_USERNAME.into(),
        secret_key: Secret::new(till_sandbox::DEMO_XPAY_SECRET_KEY),
        expire_minutes: 15,
        methods: vec![MethodId::Lightning, MethodId::UsdtTron],
        relogin_margin: jiff::SignedDuration::from_secs(300),
        terminal: "t1".into(),
        currency: usd(),
        networks: Networks::AlsoTest,
    };
    let xpays = XpaysConfig {
        base_url: base.into(),
        api_key: Secret::new(till_sandbox::DEMO_XPAYS_API_KEY),
        secret_key: Secret::new(till_sandbox::DEMO_XPAYS_SECRET_KEY),
        sign_template: xpays::DEFAULT_SIGN_TEMPLATE.into(),
        chain: "tron".into(),
        crypto: "USDT".into(),
        status_map: Vec::new(),
        currency: usd(),
    };
    let xaigate = XaigateConfig {
        base_url: base.into(),
        api_key: Secret::new(till_sandbox::DEMO_XAIGATE_API_KEY),
        email: "shop@example.com".into(),
        shop_name: "Test shop".into(),
        currency: usd(),
    };
    let clock = till::clock::system();
    vec![
        ("xpay", Arc::new(Xpay::new(xpay, settings(), clock.clone()).unwrap()), MethodId::UsdtTron),
        ("xpays", Arc::new(Xpays::new(xpays, settings(), clock).unwrap()), MethodId::UsdtTron),
        ("xaigate", Arc::new(Xaigate::new(xaigate, settings()).unwrap()), MethodId::Checkout),
    ]
}

/// A control action on an invoice by our reference (xPay keeps its `bills` path).
async fn act(http: &reqwest::Client, base: &str, gateway: &str, reference: &Reference, action: &str) -> u16 {
    let what = if gateway == "xpay" { "bills" } else { "invoices" };
    let url = format!("{base}/_sandbox/{gateway}/{what}/{reference}/{action}");
    http.post(url).send().await.unwrap().status().as_u16()
}

#[tokio::test(start_paused = true)]
async fn an_expired_invoice_credited_late_is_reported_paid() {
    till::gateway::http::install_tls();
    let sandbox = till_sandbox::spawn(([127, 0, 0, 1], 0).into(), till_sandbox::Options::default()).await.unwrap();
    let base = sandbox.base_url();
    let http = reqwest::Client::new();
    for (n, (name, g, method)) in gateways(&base).into_iter().enumerate() {
        let request = CreateRequest {
            reference: Reference::parse(&format!("late-{n}")).unwrap(),
            amount: usd_amount("12.50"),
            method,
            retry: false,
        };
        let invoice = g.create(&request).await.unwrap();
        assert_eq!(g.status(&invoice).await.unwrap().status, Status::Pending, "{name}");
        assert_eq!(act(&http, &base, name, &invoice.reference, "expire").await, 200, "{name}");
        assert_eq!(g.status(&invoice).await.unwrap().status, Status::Expired, "{name}: the gateway says expired");
        assert_eq!(act(&http, &base, name, &invoice.reference, "pay").await, 200, "{name}: credited late");
        let report = g.status(&invoice).await.unwrap();
        assert_eq!(report.status, Status::Paid, "{name}: then paid ({})", report.raw);
        // Paid is final at the gateway: no more money moves it.
        assert_eq!(act(&http, &base, name, &invoice.reference, "pay").await, 409, "{name}");
    }
}
