//! Bitsby's create outcomes and payments, end to end against the in-process
//! sandbox over loopback, on tokio's paused time: a create whose 2xx answer
//! cannot be read, or that was answered 429 after the work was done, is
//! found by our reference (one invoice at Bitsby) and watched to paid; a
//! restart finds a create whose answer was never recorded; a payment to
//! another wallet of the invoice is journaled and receipted as that wallet,
//! amount and transaction; an expired invoice credited late reads as paid.

use jiff::Timestamp;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use till::clock::{SharedClock, TokioClock};
use till::core::desk::{Command, Desk, Event, Outcome};
use till::core::invoice::{PayloadKind, Reference};
use till::core::method::{MethodId, PaymentMethod, ProviderId};
use till::core::money::{Currency, Money};
use till::core::record::{RecordState, SaleRecord};
use till::core::schedule::PollPolicy;
use till::core::status::Status;
use till::gateway::bitsby::{Bitsby, BitsbyConfig};
use till::gateway::http::HttpSettings;
use till::gateway::verify::Networks;
use till::gateway::{CreateRequest, Gateway, Registry};
use till::journal::{SqliteJournal, Store};
use till::runtime::Runtime;
use till::secret::Secret;
use tokio::sync::mpsc::UnboundedReceiver;

fn usd(amount: &str) -> Money {
    Money::new(amount.parse().unwrap(), Currency::from_code("USD").unwrap())
}

fn settings() -> HttpSettings {
    HttpSettings {
        connect_timeout: Duration::from_secs(5),
        total_timeout: Duration::from_secs(10),
        attempts: 3,
        first_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(500),
        every: None,
        terminal: None,
    }
}

fn bitsby(base: &str, clock: SharedClock) -> Bitsby {
    let cfg = BitsbyConfig {
        base_url: base.into(),
        token: Secret::new(till_sandbox::DEMO_BITSBY_TOKEN),
        project_id: till_sandbox::DEMO_BITSBY_PROJECT_ID.into(),
        time_to_pay_hours: "1".into(),
        methods: vec![MethodId::UsdtTron, MethodId::UsdtBsc, MethodId::UsdtEthereum, MethodId::Eth, MethodId::Btc],
        terminal: "till-1".into(),
        currency: Currency::from_code("USD").unwrap(),
        networks: Networks::AlsoTest,
        min_interval: Duration::from_secs(1),
    };
    Bitsby::new(cfg, settings(), clock).unwrap()
}

/// The sandbox, without Bitsby's own rate limit (it keeps wall time, the
/// till paused time: the till's pace is what keeps to 1 request a second).
struct Sandbox {
    base: String,
    http: reqwest::Client,
}

impl Sandbox {
    async fn start() -> Sandbox {
        till::gateway::http::install_tls();
        let mut opts = till_sandbox::Options::default();
        opts.bitsby.min_interval = Duration::ZERO;
        let running = till_sandbox::spawn(([127, 0, 0, 1], 0).into(), opts).await.unwrap();
        Sandbox { base: running.base_url(), http: reqwest::Client::new() }
    }

    async fn fault(&self, kind: &str) {
        let fault = json!({"gateway": "bitsby", "path": "/invoices/create", "kind": kind});
        let r = self.http.post(format!("{}/_sandbox/faults", self.base)).body(fault.to_string()).send().await.unwrap();
        assert!(r.status().is_success(), "{fault}");
    }

    async fn act(&self, reference: &Reference, action: &str, body: Option<Value>) -> Value {
        let url = format!("{}/_sandbox/bitsby/invoices/{reference}/{action}", self.base);
        let r = self.http.post(url).body(body.map(|b| b.to_string()).unwrap_or_default()).send().await.unwrap();
        assert!(r.status().is_success(), "{action}");
        serde_json::from_str(&r.text().await.unwrap()).unwrap()
    }

    /// Every invoice carrying our reference.
    async fn invoices_of(&self, reference: &Reference) -> Vec<Value> {
        let url = format!("{}/_sandbox/bitsby/invoices", self.base);
        let text = self.http.get(url).send().await.unwrap().text().await.unwrap();
        let all: Vec<Value> = serde_json::from_str(&text).unwrap();
        let tag = format!("\"till_sale\":\"{reference}\"");
        all.into_iter().filter(|i| i["serviceData"].as_str().is_some_and(|s| s.contains(&tag))).collect()
    }

    /// `/payments/list` of an invoice, as Bitsby gives it.
    async fn payments(&self, invoice_id: &str) -> Value {
        let form = reqwest::multipart::Form::new().text("invoiceId", invoice_id.to_string());
        let r = self
            .http
            .post(format!("{}/payments/list", self.base))
            .header("Authorization", format!("Token {}", till_sandbox::DEMO_BITSBY_TOKEN))
            .multipart(form)
            .send()
            .await
            .unwrap();
        let v: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
        assert_eq!(v["result"], "success", "{v}");
        v["data"].clone()
    }
}

/// A till: the desk, the runtime with Bitsby and a SQLite journal, and the
/// loop that carries the desk's commands out and brings their answers back.
struct Till {
    desk: Desk,
    runtime: Runtime,
    events: UnboundedReceiver<Event>,
    clock: SharedClock,
    journal: Arc<SqliteJournal>,
}

impl Till {
    fn start(sb: &Sandbox, dir: &std::path::Path) -> Till {
        let clock: SharedClock = Arc::new(TokioClock::starting_at(Timestamp::now()));
        let journal = Arc::new(SqliteJournal::open(dir).unwrap());
        let mut registry = Registry::default();
        registry.insert(Arc::new(bitsby(&sb.base, clock.clone())));
        let (tx, events) = tokio::sync::mpsc::unbounded_channel();
        let runtime = Runtime::new(Arc::new(registry), tx).with_journal(journal.clone(), "till-1", clock.clone());
        Till { desk: Desk::new(PollPolicy::default(), clock.now()), runtime, events, clock, journal }
    }

    fn carry_out(&mut self, out: Outcome) {
        for command in out.commands {
            match command {
                Command::Record(entry) => self.runtime.record(&entry).unwrap(),
                other => self.runtime.run(other),
            }
        }
    }

    fn sell(&mut self, amount: &str, method: MethodId, reference: &Reference) {
        self.desk.update(Event::NewSale);
        self.desk.update(Event::AmountEntered(usd(amount)));
        let out =
            self.desk.update(Event::MethodChosen(PaymentMethod::new(ProviderId::Bitsby, method), reference.clone()));
        self.carry_out(out);
    }

    /// Runs the loop (answers as they come, the clock each second) until
    /// the sale's watch is in `status`.
    async fn until(&mut self, reference: &Reference, status: Status) {
        for _ in 0..2_000 {
            if self.desk.watch(reference).is_some_and(|w| *w.status() == status) {
                return;
            }
            let out = match tokio::time::timeout(Duration::from_secs(1), self.events.recv()).await {
                Ok(Some(event)) => self.desk.update(event),
                _ => self.desk.update(Event::Tick(self.clock.now())),
            };
            self.carry_out(out);
        }
        panic!("{reference} never became {status:?}: {:?}", self.desk.watch(reference).map(|w| w.status().clone()));
    }

    fn record(&self, reference: &Reference) -> SaleRecord {
        self.journal.find(reference.as_str()).unwrap().unwrap()
    }
}

#[tokio::test(start_paused = true)]
async fn a_create_answered_with_an_unreadable_2xx_finds_the_invoice_made_and_reaches_paid() {
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut till = Till::start(&sb, dir.path());
    for (n, kind) in ["malformed", "empty"].into_iter().enumerate() {
        let reference = Reference::parse(&format!("garbled-{n}")).unwrap();
        sb.fault(kind).await;
        till.sell("12.50", MethodId::UsdtTron, &reference);
        till.until(&reference, Status::Pending).await;
        let made = sb.invoices_of(&reference).await;
        assert_eq!(made.len(), 1, "{kind}: one invoice at Bitsby: {made:?}");
        let w = till.desk.watch(&reference).unwrap();
        assert_eq!(w.invoice.id, made[0]["id"].as_str().unwrap(), "{kind}: the invoice made is the one used");
        // The list has no wallets: the found invoice shows its payment page.
        assert_eq!(w.invoice.payload.kind, PayloadKind::Page);
        let uid = made[0]["uid"].as_str().unwrap();
        assert_eq!(w.invoice.payload.qr, format!("https://dash.bitsby.app/invoices/pay/{uid}"));
        sb.act(&reference, "pay", None).await;
        till.until(&reference, Status::Paid).await;
        let r = till.record(&reference);
        assert_eq!((r.state, r.status), (RecordState::Created, Status::Paid), "{kind}");
        assert!(r.tx_id.is_some(), "{kind}: the payment is recorded");
        assert_eq!(sb.invoices_of(&reference).await.len(), 1, "{kind}: still one invoice");
    }
}

#[tokio::test(start_paused = true)]
async fn a_create_answered_429_after_the_work_was_done_leaves_one_live_invoice() {
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut till = Till::start(&sb, dir.path());
    let reference = Reference::parse("late-429").unwrap();
    sb.fault("rate_limit_after").await;
    till.sell("8.00", MethodId::UsdtBsc, &reference);
    till.until(&reference, Status::Pending).await;
    let made = sb.invoices_of(&reference).await;
    assert_eq!(made.len(), 1, "asked before a resend: {made:?}");
    assert_eq!(made[0]["status"], "unpaid");
    let w = till.desk.watch(&reference).unwrap();
    assert_eq!(w.invoice.id, made[0]["id"].as_str().unwrap());
    assert_eq!(w.invoice.payload.kind, PayloadKind::Page, "the invoice found, not a second one");
    assert_eq!(till.record(&reference).state, RecordState::Created);
}

#[tokio::test(start_paused = true)]
async fn a_restart_finds_a_create_whose_answer_was_never_recorded() {
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let made = Reference::parse("crash-made").unwrap();
    let never = Reference::parse("crash-never").unwrap();
    {
        // The first run: both intents stored, one create reached Bitsby,
        // then the till died before recording either answer.
        let till = Till::start(&sb, dir.path());
        let method = PaymentMethod::new(ProviderId::Bitsby, MethodId::UsdtTron);
        for r in [&made, &never] {
            till.journal.record_intent(r, method, &usd("4.20"), None, "till-1", till.clock.now()).unwrap();
        }
        let request =
            CreateRequest { reference: made.clone(), amount: usd("4.20"), method: MethodId::UsdtTron, retry: false };
        bitsby(&sb.base, till.clock.clone()).create(&request).await.unwrap();
    }
    let mut till = Till::start(&sb, dir.path());
    let (to_watch, unresolved) =
        (till.journal.to_watch(jiff::Timestamp::MIN).unwrap(), till.journal.unresolved().unwrap());
    assert_eq!(unresolved.len(), 2);
    let out = till.desk.resume(&to_watch, &unresolved);
    till.carry_out(out);
    till.until(&made, Status::Pending).await;
    assert_eq!(till.record(&made).state, RecordState::Created);
    assert_eq!(till.record(&made).gateway_id.as_deref(), sb.invoices_of(&made).await[0]["id"].as_str());
    // Watched to its final state, the payment recorded.
    sb.act(&made, "pay", Some(json!({"wallet": "ethereum/eth"}))).await;
    till.until(&made, Status::Paid).await;
    let r = till.record(&made);
    assert_eq!((&r.status, r.method.method), (&Status::Paid, MethodId::Eth));
    assert!(r.tx_id.as_deref().is_some_and(|h| h.starts_with("0x")), "{r:?}");
    // The sale Bitsby never made is not left unknown.
    for _ in 0..50 {
        if till.record(&never).state != RecordState::Creating {
            break;
        }
        let out = match tokio::time::timeout(Duration::from_secs(1), till.events.recv()).await {
            Ok(Some(event)) => till.desk.update(event),
            _ => till.desk.update(Event::Tick(till.clock.now())),
        };
        till.carry_out(out);
    }
    assert_eq!(till.record(&never).state, RecordState::NotCreated);
    assert!(sb.invoices_of(&never).await.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_payment_to_another_wallet_is_journaled_and_receipted_as_that_wallet() {
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut till = Till::start(&sb, dir.path());
    let reference = Reference::parse("other-wallet").unwrap();
    till.sell("9.99", MethodId::Btc, &reference);
    till.until(&reference, Status::Pending).await;
    assert_eq!(till.desk.watch(&reference).unwrap().invoice.method.method, MethodId::Btc, "BTC on screen");
    // The customer pays USDT on BNB Smart Chain instead (Bitsby's page lists every wallet).
    sb.act(&reference, "pay", Some(json!({"wallet": "bnbSmartChain/usdt"}))).await;
    till.until(&reference, Status::Paid).await;
    let id = till.desk.watch(&reference).unwrap().invoice.id.clone();
    let payments = sb.payments(&id).await;
    let (amount, hash) = (payments[0]["amount"].as_str().unwrap(), payments[0]["hash"].as_str().unwrap());
    assert_eq!(payments[0]["wallet"]["blockchain"], "bnbSmartChain");

    let r = till.record(&reference);
    assert_eq!(r.method, PaymentMethod::new(ProviderId::Bitsby, MethodId::UsdtBsc));
    let crypto = r.crypto.clone().unwrap();
    assert_eq!((crypto.amount, crypto.unit.as_str()), (amount.parse().unwrap(), "USDT"));
    assert_eq!(r.tx_id.as_deref(), Some(hash));
    assert_eq!(r.status, Status::Paid);
    let address = payments[0]["wallet"]["address"].as_str().unwrap();
    assert_eq!(r.payload.as_ref().map(|p| p.text.as_str()), Some(address));
    // The event log: made, switched to the wallet paid, paid.
    let steps: Vec<(Option<String>, String)> =
        till.journal.events(&reference).unwrap().into_iter().map(|e| (e.old, e.new)).collect();
    let s = |x: &str| x.to_string();
    assert_eq!(steps, [(None, s("pending")), (Some(s("pending")), s("pending")), (Some(s("pending")), s("paid"))]);

    let receipt = till::core::receipt::text(&r, "Corner Café", &jiff::tz::TimeZone::UTC);
    let paid = format!("{} USDT", crypto.amount.normalize());
    for want in [paid.as_str(), "USDT on BNB Smart Chain (Bitsby)", "BNB Smart Chain (BEP-20)", hash, "PAID"] {
        assert!(receipt.contains(want), "{want} missing in\n{receipt}");
    }
    assert!(!receipt.contains("BTC"), "the wallet on screen is not the one paid:\n{receipt}");
}

#[tokio::test(start_paused = true)]
async fn an_expired_invoice_credited_late_reads_as_paid() {
    let sb = Sandbox::start().await;
    let clock: SharedClock = Arc::new(TokioClock::starting_at(Timestamp::now()));
    let g = bitsby(&sb.base, clock);
    let reference = Reference::parse("late-credit").unwrap();
    let request =
        CreateRequest { reference: reference.clone(), amount: usd("3.00"), method: MethodId::UsdtTron, retry: false };
    let invoice = g.create(&request).await.unwrap();
    sb.act(&reference, "expire", None).await;
    assert_eq!(g.status(&invoice).await.unwrap().status, Status::Expired);
    sb.act(&reference, "pay", Some(json!({"wallet": "tron/usdt"}))).await;
    let report = g.status(&invoice).await.unwrap();
    assert_eq!(report.status, Status::Paid);
    let payments = sb.payments(&invoice.id).await;
    assert_eq!(report.tx_id.as_deref(), payments[0]["hash"].as_str());
    let with = report.paid_with.unwrap();
    assert_eq!(with.method, MethodId::UsdtTron);
    assert_eq!(with.crypto, invoice.crypto, "exactly the amount asked");
}
