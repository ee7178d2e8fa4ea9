//! Create outcomes at xPay, xpays.life and XaiGate (providers README § What
//! till does when a create times out), through the real adapters, the drive
//! loop (`till charge` and `till resume` in process) and a real journal,
//! against the in-process sandbox on loopback, on tokio's paused time:
//!
//! - a create the gateway made and then answered with a malformed or empty
//!   200 (or one too large to read): xPay finds the bill by reference and the sale reaches paid; at
//!   xpays.life and XaiGate the outcome is `unknown` in the journal. One
//!   invoice at the sandbox either way;
//! - a create the gateway made and then answered 429: xPay asks before any
//!   resend; at xpays.life and XaiGate the resend is told our reference
//!   "already exists", which is `unknown`, never `not_created`. One live
//!   invoice at each.

mod support;

use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use support::usd;
use till::clock::{SharedClock, TokioClock};
use till::core::invoice::Reference;
use till::core::problem::ProblemKind;
use till::core::record::{RecordState, SaleRecord};
use till::core::schedule::PollPolicy;
use till::core::status::Status;
use till::gateway::http::HttpSettings;
use till::gateway::verify::Networks;
use till::gateway::xaigate::{Xaigate, XaigateConfig};
use till::gateway::xpay::{Xpay, XpayConfig};
use till::gateway::xpays::{self, Xpays, XpaysConfig};
use till::gateway::{CreateRequest, GatewayError, Registry};
use till::headless::{self, ChargeArgs};
use till::journal::{SqliteJournal, Store};
use till::runtime::Runtime;
use till::secret::Secret;

/// The longest a charge or a resume may take, in the till's (paused) time.
const LIMIT: Duration = Duration::from_secs(3600);

struct Bench {
    _sandbox: till_sandbox::Running,
    base: String,
    http: reqwest::Client,
    registry: Arc<Registry>,
    journal: Arc<SqliteJournal>,
    clock: SharedClock,
    _dir: tempfile::TempDir,
}

/// Quick settings: short backoff, the real timeouts.
fn settings() -> HttpSettings {
    HttpSettings {
        first_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(100),
        ..Default::default()
    }
}

impl Bench {
    async fn start() -> Bench {
        till::gateway::http::install_tls();
        let sandbox = till_sandbox::spawn(([127, 0, 0, 1], 0).into(), till_sandbox::Options::default()).await.unwrap();
        let base = sandbox.base_url();
        let clock: SharedClock = Arc::new(TokioClock::starting_at(jiff::Timestamp::now()));
        let mut registry = Registry::default();
        let xpay = XpayConfig {
            base_url: base.clone(),
            username: till_sandbox::DEMO_XPAY_USERNAME.into(),
            secret_key: Secret::new(till_sandbox::DEMO_XPAY_SECRET_KEY),
            expire_minutes: 15,
            methods: vec![till::core::method::MethodId::UsdtTron],
            relogin_margin: jiff::SignedDuration::from_secs(300),
            terminal: "t1".into(),
            currency: usd(),
            networks: Networks::AlsoTest,
        };
        registry.insert(Arc::new(Xpay::new(xpay, settings(), clock.clone()).unwrap()));
        let xpays = XpaysConfig {
            base_url: base.clone(),
            api_key: Secret::new(till_sandbox::DEMO_XPAYS_API_KEY),
            secret_key: Secret::new(till_sandbox::DEMO_XPAYS_SECRET_KEY),
            sign_template: xpays::DEFAULT_SIGN_TEMPLATE.into(),
            chain: "tron".into(),
            crypto: "USDT".into(),
            status_map: Vec::new(),
            currency: usd(),
        };
        // xpays signs with the till's clock: the sandbox checks it against the wall.
        registry.insert(Arc::new(Xpays::new(xpays, settings(), till::clock::system()).unwrap()));
        let xaigate = XaigateConfig {
            base_url: base.clone(),
            api_key: Secret::new(till_sandbox::DEMO_XAIGATE_API_KEY),
            email: "shop@example.com".into(),
            shop_name: "Test shop".into(),
            currency: usd(),
        };
        registry.insert(Arc::new(Xaigate::new(xaigate, settings()).unwrap()));
        let dir = tempfile::tempdir().unwrap();
        let journal = Arc::new(SqliteJournal::open(dir.path()).unwrap());
        Bench {
            _sandbox: sandbox,
            base,
            http: reqwest::Client::new(),
            registry: Arc::new(registry),
            journal,
            clock,
            _dir: dir,
        }
    }

    fn runtime(&self, tx: tokio::sync::mpsc::UnboundedSender<till::core::desk::Event>) -> Runtime {
        Runtime::new(self.registry.clone(), tx).with_journal(self.journal.clone(), "t1", self.clock.clone())
    }

    /// `till charge --amount 12.50 --method <method>`: its exit code.
    async fn charge(&self, method: &str) -> i32 {
        let args = ChargeArgs {
            amount: "12.50",
            method,
            json: true,
            currency: usd(),
            max_amount: "10000".parse().unwrap(),
            policy: PollPolicy::default(),
            tip: None,
            tax: None,
            taxes: Default::default(),
        };
        let run = headless::charge(args, |tx| self.runtime(tx), self.clock.clone());
        tokio::time::timeout(LIMIT, run).await.unwrap_or_else(|_| panic!("{method}: the charge never ended"))
    }

    /// `till resume --json`: its exit code.
    async fn resume(&self) -> i32 {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let (to_watch, unresolved) =
            (self.journal.to_watch(jiff::Timestamp::MIN).unwrap(), self.journal.unresolved().unwrap());
        let run = headless::resume(
            self.runtime(tx),
            rx,
            PollPolicy::default(),
            to_watch,
            unresolved,
            true,
            self.clock.clone(),
        );
        tokio::time::timeout(LIMIT, run).await.expect("the resume never ended")
    }

    /// Every sale the journal holds for this gateway.
    fn sales(&self, provider: &str) -> Vec<SaleRecord> {
        let all = self.journal.between(jiff::Timestamp::MIN, jiff::Timestamp::MAX).unwrap();
        all.into_iter().filter(|r| r.method.provider.id() == provider).collect()
    }

    async fn fault(&self, gateway: &str, path: &str, kind: &str) {
        let fault = json!({"gateway": gateway, "path": path, "kind": kind, "retry_after_secs": 1});
        let r = self.http.post(format!("{}/_sandbox/faults", self.base)).body(fault.to_string()).send().await.unwrap();
        assert!(r.status().is_success(), "{fault}: {}", r.text().await.unwrap());
    }

    /// The invoices the sandbox holds for this gateway.
    async fn invoices(&self, gateway: &str) -> Vec<Value> {
        let what = if gateway == "xpay" { "bills" } else { "invoices" };
        let url = format!("{}/_sandbox/{gateway}/{what}", self.base);
        let text = self.http.get(url).send().await.unwrap().text().await.unwrap();
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    /// Pays xPay's next bill as soon as the sandbox holds it.
    fn pay_xpay_when_made(&self, known: usize) -> tokio::task::JoinHandle<()> {
        let (base, http) = (self.base.clone(), self.http.clone());
        tokio::spawn(async move {
            loop {
                let text = http.get(format!("{base}/_sandbox/xpay/bills")).send().await.unwrap().text().await.unwrap();
                let bills: Vec<Value> = serde_json::from_str(&text).unwrap();
                if let Some(bill) = bills.get(known) {
                    let reference = bill["billRef"].as_str().unwrap();
                    let url = format!("{base}/_sandbox/xpay/bills/{reference}/pay");
                    assert!(http.post(url).send().await.unwrap().status().is_success());
                    return;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    }
}

/// At xPay: the bill made behind an unreadable 200 (or a 429) is found by
/// `bills/view` and followed to paid; one bill at the sandbox.
async fn xpay_finds_the_bill(kind: &str) {
    let b = Bench::start().await;
    b.fault("xpay", "/client/bills/save", kind).await;
    let payer = b.pay_xpay_when_made(0);
    assert_eq!(b.charge("xpay:usdt-tron").await, headless::EXIT_PAID, "{kind}: the sale reaches paid");
    payer.await.unwrap();
    let bills = b.invoices("xpay").await;
    assert_eq!(bills.len(), 1, "{kind}: one bill: {bills:?}");
    let sales = b.sales("xpay");
    assert_eq!(sales.len(), 1);
    assert_eq!((sales[0].state, &sales[0].status), (RecordState::Created, &Status::Paid), "{kind}");
    assert_eq!(bills[0]["billRef"], sales[0].reference.as_str());
}

/// At xpays.life and XaiGate: the invoice made behind the fault cannot be
/// looked up; the charge fails, and the journal says `unknown` at once (a
/// later start has nothing to settle). One invoice at the sandbox.
async fn outcome_is_unknown(gateway: &str, method: &str, path: &str, kind: &str) -> SaleRecord {
    let b = Bench::start().await;
    b.fault(gateway, path, kind).await;
    assert_eq!(b.charge(method).await, headless::EXIT_ERROR, "{gateway} {kind}: the charge fails");
    let at_once = b.sales(gateway);
    assert_eq!(at_once[0].state, RecordState::Unknown, "{gateway} {kind}: unknown at once: {:?}", at_once[0].note);
    assert_eq!(b.resume().await, headless::EXIT_PAID, "{gateway} {kind}: the resume settles it");
    let invoices = b.invoices(gateway).await;
    assert_eq!(invoices.len(), 1, "{gateway} {kind}: one invoice: {invoices:?}");
    let sales = b.sales(gateway);
    assert_eq!(sales.len(), 1);
    assert_eq!(sales[0].state, RecordState::Unknown, "{gateway} {kind}: {:?}", sales[0].note);
    assert!(b.journal.unresolved().unwrap().is_empty());
    // What the cashier is told: the outcome is unknown, never "try again".
    b.fault(gateway, path, kind).await;
    let provider = sales[0].method.provider;
    let request = CreateRequest {
        reference: Reference::parse("direct-1").unwrap(),
        amount: sales[0].fiat.clone(),
        method: sales[0].method.method,
        retry: false,
    };
    let e = b.registry.get(provider).unwrap().create(&request).await.unwrap_err();
    assert!(matches!(e, GatewayError::OutcomeUnknown { .. }), "{gateway} {kind}: {e:?}");
    assert_eq!(e.problem().kind, ProblemKind::OutcomeUnknown, "{gateway} {kind}");
    sales.into_iter().next().unwrap()
}

#[tokio::test(start_paused = true)]
async fn xpay_finds_a_bill_answered_malformed_and_it_reaches_paid() {
    xpay_finds_the_bill("malformed").await;
}

#[tokio::test(start_paused = true)]
async fn xpay_finds_a_bill_answered_empty_and_it_reaches_paid() {
    xpay_finds_the_bill("empty").await;
}

#[tokio::test(start_paused = true)]
async fn xpay_finds_a_bill_answered_too_large_to_read() {
    xpay_finds_the_bill("huge").await;
}

#[tokio::test(start_paused = true)]
async fn xpay_asks_before_resending_after_a_429_and_bills_once() {
    xpay_finds_the_bill("rate_limit_after").await;
}

#[tokio::test(start_paused = true)]
async fn xpays_create_answered_malformed_or_empty_is_unknown() {
    for kind in ["malformed", "empty", "huge"] {
        outcome_is_unknown("xpays", "xpays:usdt-tron", "/v1/payment/createInvoicePayment", kind).await;
    }
}

#[tokio::test(start_paused = true)]
async fn xaigate_create_answered_malformed_or_empty_is_unknown() {
    for kind in ["malformed", "empty", "huge"] {
        outcome_is_unknown("xaigate", "xaigate:checkout", "/api/v1/invoice/create", kind).await;
    }
}

#[tokio::test(start_paused = true)]
async fn xpays_resend_told_already_exists_is_unknown_with_one_live_invoice() {
    resend_told_already_exists("xpays", "xpays:usdt-tron", "/v1/payment/createInvoicePayment").await;
}

#[tokio::test(start_paused = true)]
async fn xaigate_resend_told_already_exists_is_unknown_with_one_live_invoice() {
    resend_told_already_exists("xaigate", "xaigate:checkout", "/api/v1/invoice/create").await;
}

/// The create is made, then answered 429 (not processed, as far as the till
/// can tell): sent again, it is told our reference already exists, which
/// means the invoice exists: `unknown`, and the one invoice stays live.
async fn resend_told_already_exists(gateway: &str, method: &str, path: &str) {
    let sale = outcome_is_unknown(gateway, method, path, "rate_limit_after").await;
    assert_eq!(sale.status, Status::Pending, "nothing was recorded of the invoice itself");
    let b = Bench::start().await;
    b.fault(gateway, path, "rate_limit_after").await;
    assert_eq!(b.charge(method).await, headless::EXIT_ERROR);
    let text = b.http.get(format!("{}/_sandbox/requests", b.base)).send().await.unwrap().text().await.unwrap();
    let requests: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(requests[path], 2, "sent again once, after the 429: {requests}");
    let invoices = b.invoices(gateway).await;
    assert_eq!(invoices.len(), 1, "the resend made nothing: {invoices:?}");
    let open = if gateway == "xpays" { "PENDING" } else { "Pending" };
    assert_eq!(invoices[0]["status"], open, "the one invoice is live");
    let sales = b.sales(gateway);
    assert_ne!(sales[0].state, RecordState::NotCreated, "never \"not created\"");
}

/// Every save answered 429: the last one may have done the work (a gateway
/// can do it and then answer 429), so the sale is not written off: it stays
/// to be looked up, and the next start finds no bill and only then says
/// `not_created`.
#[tokio::test(start_paused = true)]
async fn xpay_answering_429_to_every_save_leaves_the_sale_to_be_looked_up() {
    let b = Bench::start().await;
    let fault = json!({"gateway": "xpay", "path": "/client/bills/save", "kind": "rate_limit", "count": 10});
    let r = b.http.post(format!("{}/_sandbox/faults", b.base)).body(fault.to_string()).send().await.unwrap();
    assert!(r.status().is_success());
    assert_eq!(b.charge("xpay:usdt-tron").await, headless::EXIT_ERROR, "the charge fails");
    let sales = b.sales("xpay");
    assert_eq!(sales[0].state, RecordState::Creating, "not written off after a 429: {:?}", sales[0].note);
    assert_eq!(b.resume().await, headless::EXIT_PAID);
    assert_eq!(b.sales("xpay")[0].state, RecordState::NotCreated, "looked up: no bill");
    assert!(b.invoices("xpay").await.is_empty());
}
