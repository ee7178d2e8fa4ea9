//! The poll schedule, run for minutes of tokio's paused time against
//! in-memory gateways that note when each request reaches them: it never
//! exceeds a gateway's limit, batches where the gateway lists many invoices,
//! spreads polls, and backs off and recovers when a gateway goes down.

use jiff::{SignedDuration, Timestamp};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use till::clock::{SharedClock, TokioClock};
use till::core::desk::{Desk, Event, Outcome};
use till::core::invoice::{Invoice, Payload, PayloadKind, Reference, StatusPage, StatusReport};
use till::core::method::{MethodId, PaymentMethod, ProviderId};
use till::core::money::{Currency, Money};
use till::core::schedule::PollPolicy;
use till::core::status::Status;
use till::core::watch::Watch;
use till::gateway::{BoxFuture, CreateRequest, Gateway, GatewayError, Registry};
use till::runtime::drive::run_all;
use till::runtime::{Drive, Runtime};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// What reached a fake gateway.
#[derive(Clone, Debug)]
enum Call {
    Single(Reference),
    Page(u32),
}

/// An in-memory gateway: every invoice pending, 30 ms to answer, down
/// while `down` says so; pages of 50 in id order.
struct Fake {
    provider: ProviderId,
    calls: Mutex<Vec<(Instant, Call)>>,
    down: Mutex<Option<(Instant, Instant)>>,
    ids: Mutex<Vec<String>>,
    paid: Mutex<Vec<String>>,
}

impl Fake {
    fn new(provider: ProviderId) -> Arc<Fake> {
        Arc::new(Fake {
            provider,
            calls: Mutex::new(Vec::new()),
            down: Mutex::new(None),
            ids: Mutex::new(Vec::new()),
            paid: Mutex::new(Vec::new()),
        })
    }

    async fn arrive(&self, call: Call) -> Result<(), GatewayError> {
        let now = Instant::now();
        self.calls.lock().unwrap().push((now, call));
        tokio::time::sleep(Duration::from_millis(30)).await;
        match *self.down.lock().unwrap() {
            Some((from, until)) if now >= from && now < until => {
                Err(GatewayError::Unreachable { provider: self.provider, detail: "down".into() })
            }
            _ => Ok(()),
        }
    }

    fn report(&self, id: &str) -> StatusReport {
        let status = if self.paid.lock().unwrap().iter().any(|p| p == id) { Status::Paid } else { Status::Pending };
        StatusReport { raw: status.name().into(), status, received: None, tx_id: None, paid_with: None }
    }

    fn calls(&self) -> Vec<(Instant, Call)> {
        self.calls.lock().unwrap().clone()
    }
}

impl Gateway for Fake {
    fn provider(&self) -> ProviderId {
        self.provider
    }
    fn methods(&self) -> Vec<MethodId> {
        vec![MethodId::UsdtTron]
    }
    fn create<'a>(&'a self, _: &'a CreateRequest) -> BoxFuture<'a, Result<Invoice, GatewayError>> {
        Box::pin(async move { Err(GatewayError::Unsupported { provider: self.provider, what: "create" }) })
    }
    fn find<'a>(&'a self, _: &'a CreateRequest) -> BoxFuture<'a, Result<Option<Invoice>, GatewayError>> {
        Box::pin(async move { Ok(None) })
    }
    fn status<'a>(&'a self, invoice: &'a Invoice) -> BoxFuture<'a, Result<StatusReport, GatewayError>> {
        Box::pin(async move {
            self.arrive(Call::Single(invoice.reference.clone())).await?;
            Ok(self.report(&invoice.id))
        })
    }
    fn status_page<'a>(
        &'a self,
        invoices: &'a [Invoice],
        page: u32,
    ) -> BoxFuture<'a, Result<StatusPage, GatewayError>> {
        Box::pin(async move {
            self.arrive(Call::Page(page)).await?;
            let ids = self.ids.lock().unwrap().clone();
            let start = page as usize * 50;
            let on_page: Vec<&String> = ids.iter().skip(start).take(50).collect();
            let reports = invoices
                .iter()
                .filter(|i| on_page.contains(&&i.id))
                .map(|i| (i.reference.clone(), self.report(&i.id)))
                .collect();
            Ok(StatusPage { reports, more: start + 50 < ids.len() })
        })
    }
    fn can_cancel(&self) -> bool {
        false
    }
    fn cancel<'a>(&'a self, _: &'a Invoice) -> BoxFuture<'a, Result<(), GatewayError>> {
        Box::pin(async move { Ok(()) })
    }
    fn check(&self) -> BoxFuture<'_, Result<String, GatewayError>> {
        Box::pin(async move { Ok(String::new()) })
    }
}

fn start() -> Timestamp {
    "2026-11-21T10:00:00Z".parse().unwrap()
}

fn invoice(provider: ProviderId, n: usize, created_at: Timestamp, lifetime: SignedDuration) -> Invoice {
    let usd = Currency::from_code("USD").unwrap();
    Invoice {
        id: format!("{}-{n:05}", provider.id()),
        reference: Reference::parse(&format!("{}{n:05}", provider.id())).unwrap(),
        method: PaymentMethod::new(provider, MethodId::UsdtTron),
        fiat: Money::new(Decimal::new(1250, 2), usd),
        crypto: None,
        payload: Payload { kind: PayloadKind::Address, qr: "T".into(), text: "T".into() },
        created_at,
        expires_at: created_at + lifetime,
        status: Status::Pending,
        received: None,
        choices: Vec::new(),
    }
}

/// The till's desk and runtime over the fakes, on paused time.
struct Counter {
    desk: Desk,
    /// The till's one drive loop, with the bare desk as its face.
    drive: Drive<()>,
    clock: SharedClock,
    fakes: BTreeMap<ProviderId, Arc<Fake>>,
}

impl Counter {
    fn new(providers: &[ProviderId]) -> Counter {
        let clock: SharedClock = Arc::new(TokioClock::starting_at(start()));
        let mut registry = Registry::default();
        let mut fakes = BTreeMap::new();
        for p in providers {
            let fake = Fake::new(*p);
            registry.insert(fake.clone());
            fakes.insert(*p, fake);
        }
        let (tx, events) = mpsc::unbounded_channel();
        let runtime = Runtime::new(Arc::new(registry), tx).with_clock(clock.clone());
        let drive = Drive::new(runtime, events);
        Counter { desk: Desk::new(PollPolicy::default(), clock.now()), drive, clock, fakes }
    }

    /// Opens `n` invoices at each gateway, created now.
    fn open(&mut self, n: usize, lifetime: SignedDuration) -> Outcome {
        let now = self.clock.now();
        let mut watches = Vec::new();
        for (p, fake) in &self.fakes {
            for i in 0..n {
                let inv = invoice(*p, i, now, lifetime);
                fake.ids.lock().unwrap().push(inv.id.clone());
                watches.push(Watch::new(inv, now));
            }
        }
        self.desk.watch_all(watches)
    }

    /// Runs the desk on the till's drive loop, for `secs` of tokio's time.
    async fn run(&mut self, out: Outcome, secs: u64) {
        self.drive.until(Instant::now() + Duration::from_secs(secs));
        let done = self.drive.run(&mut self.desk, run_all(out.commands)).await.unwrap();
        assert_eq!(done, None, "the bare desk never finishes: the deadline ends the run");
    }

    fn calls(&self, p: ProviderId) -> Vec<(Instant, Call)> {
        self.fakes[&p].calls()
    }
}

/// The most calls in any window `[t, t + width)`.
fn max_in_window(times: &[Instant], width: Duration) -> usize {
    let mut times = times.to_vec();
    times.sort();
    let mut best = 0;
    let mut lo = 0;
    for hi in 0..times.len() {
        while times[hi] - times[lo] >= width {
            lo += 1;
        }
        best = best.max(hi - lo + 1);
    }
    best
}

const ALL: [ProviderId; 5] =
    [ProviderId::Xpay, ProviderId::Xpays, ProviderId::Xcash, ProviderId::Xaigate, ProviderId::Bitsby];

#[tokio::test(start_paused = true)]
async fn no_gateway_ever_gets_more_than_its_limit_and_each_gets_close_to_it() {
    let mut c = Counter::new(&ALL);
    let out = c.open(200, SignedDuration::from_mins(30));
    c.run(out, 300).await;
    for p in ALL {
        let limits = PollPolicy::default().limits(p);
        let calls = c.calls(p);
        let times: Vec<Instant> = calls.iter().map(|(t, _)| *t).collect();
        let peak = max_in_window(&times, Duration::from_secs(1));
        assert!(peak <= limits.gateway.requests as usize, "{p}: {peak} requests in one second");
        if !limits.batch {
            // 200 invoices every 3 s want 67/s: the budget is used, not wasted.
            let rate = calls.len() as f64 / 300.0;
            assert!(rate >= 0.85 * limits.gateway.requests as f64, "{p}: only {rate:.2} requests/s");
        }
        if let Some(per_invoice) = limits.per_invoice {
            let mut by_invoice: HashMap<String, Vec<Instant>> = HashMap::new();
            for (t, call) in &calls {
                if let Call::Single(r) = call {
                    by_invoice.entry(r.to_string()).or_default().push(*t);
                }
            }
            let worst = by_invoice.values().map(|ts| max_in_window(ts, Duration::from_secs(60))).max().unwrap();
            assert!(worst <= per_invoice.requests as usize, "{p}: one invoice polled {worst} times in a minute");
        }
    }
}

#[tokio::test(start_paused = true)]
async fn batch_gateways_are_asked_in_pages_and_every_invoice_is_answered() {
    let mut c = Counter::new(&[ProviderId::Xpay, ProviderId::Bitsby]);
    let out = c.open(120, SignedDuration::from_mins(30));
    c.run(out, 20).await;
    for p in [ProviderId::Xpay, ProviderId::Bitsby] {
        let calls = c.calls(p);
        assert!(calls.iter().all(|(_, call)| matches!(call, Call::Page(_))), "{p}: only pages, {calls:?}");
        // One sweep reads pages 0, 1, 2 (120 invoices, 50 a page).
        let pages: Vec<u32> =
            calls.iter().filter_map(|(_, c)| if let Call::Page(n) = c { Some(*n) } else { None }).collect();
        assert_eq!(&pages[..3], &[0, 1, 2], "{p}");
        let answered =
            c.desk.watches.iter().filter(|w| w.invoice.method.provider == p && w.last_sent.is_some()).count();
        assert_eq!(answered, 120, "{p}: every invoice asked about");
        assert!(c.desk.watches.iter().all(|w| w.answered && w.errors == 0));
    }
    // Bitsby: 1 request/s; three pages answer 120 invoices in about 3 s
    // instead of two minutes of single polls.
    let bitsby = c.calls(ProviderId::Bitsby);
    let first_sweep = bitsby[2].0 - bitsby[0].0;
    assert!(first_sweep <= Duration::from_millis(2300), "{first_sweep:?}");
}

#[tokio::test(start_paused = true)]
async fn a_payment_found_in_a_page_is_paid_at_once() {
    let mut c = Counter::new(&[ProviderId::Bitsby]);
    let out = c.open(80, SignedDuration::from_mins(30));
    c.fakes[&ProviderId::Bitsby].paid.lock().unwrap().push("bitsby-00070".into());
    c.run(out, 5).await;
    let paid: Vec<&str> =
        c.desk.watches.iter().filter(|w| w.status() == &Status::Paid).map(|w| w.invoice.id.as_str()).collect();
    assert_eq!(paid, ["bitsby-00070"]);
}

#[tokio::test(start_paused = true)]
async fn polls_are_spread_evenly_and_every_invoice_gets_its_turn() {
    let mut c = Counter::new(&[ProviderId::Xpays]);
    let out = c.open(40, SignedDuration::from_mins(30));
    c.run(out, 12).await;
    let calls = c.calls(ProviderId::Xpays);
    let spacing = PollPolicy::default().limits(ProviderId::Xpays).gateway.spacing().unsigned_abs();
    for pair in calls.windows(2) {
        assert!(pair[1].0 - pair[0].0 >= spacing, "two polls {:?} apart", pair[1].0 - pair[0].0);
    }
    // 40 invoices created together: each polled once before any twice.
    let first: Vec<String> = calls.iter().take(40).map(|(_, c)| format!("{c:?}")).collect();
    let distinct: std::collections::HashSet<&String> = first.iter().collect();
    assert_eq!(distinct.len(), 40);
}

#[tokio::test(start_paused = true)]
async fn a_gateway_that_goes_down_is_backed_off_then_resumed_without_a_burst() {
    let mut c = Counter::new(&[ProviderId::Xaigate]);
    let fake = c.fakes[&ProviderId::Xaigate].clone();
    let t0 = Instant::now();
    *fake.down.lock().unwrap() = Some((t0 + Duration::from_secs(10), t0 + Duration::from_secs(130)));
    let out = c.open(50, SignedDuration::from_mins(30));
    c.run(out, 60).await;
    let down_since = c.desk.unreachable_since(ProviderId::Xaigate).expect("shown unreachable");
    assert!(
        down_since >= start() + SignedDuration::from_secs(10) && down_since < start() + SignedDuration::from_secs(11)
    );
    c.run(Outcome::default(), 140).await;
    assert_eq!(c.desk.unreachable_since(ProviderId::Xaigate), None, "reachable again");

    let calls = fake.calls();
    let outage: Vec<Instant> = calls
        .iter()
        .map(|(t, _)| *t)
        .filter(|t| *t >= t0 + Duration::from_secs(11) && *t < t0 + Duration::from_secs(130))
        .collect();
    // Backing off exponentially (1 s doubling, 60 s at most, with jitter):
    // a handful of probes in two minutes, one at a time, not 5 a second.
    assert!(outage.len() <= 10, "{} requests while down", outage.len());
    for pair in outage.windows(2) {
        assert!(pair[1] - pair[0] >= Duration::from_secs(1));
    }
    // Back: the first probe after the outage, then the normal spacing: no burst.
    let after: Vec<Instant> = calls.iter().map(|(t, _)| *t).filter(|t| *t >= t0 + Duration::from_secs(130)).collect();
    assert!(after[0] - (t0 + Duration::from_secs(130)) <= Duration::from_secs(90), "resumed within the backoff cap");
    assert!(max_in_window(&after, Duration::from_secs(1)) <= 5);
    assert!(after.len() > 100, "polling at full pace again: {}", after.len());
    assert!(c.desk.watches.iter().all(|w| w.errors == 0 || w.in_flight), "every invoice answered again");
}

#[tokio::test(start_paused = true)]
async fn the_invoice_on_screen_is_polled_first_even_behind_a_long_queue() {
    let mut c = Counter::new(&[ProviderId::Bitsby]);
    let out = c.open(400, SignedDuration::from_hours(12));
    c.run(out, 3).await;
    // The cashier's new sale, at a gateway with 400 invoices and 1 request/s.
    let now = c.clock.now();
    let mine = invoice(ProviderId::Bitsby, 999, now, SignedDuration::from_mins(60));
    c.fakes[&ProviderId::Bitsby].ids.lock().unwrap().push(mine.id.clone());
    c.fakes[&ProviderId::Bitsby].paid.lock().unwrap().push(mine.id.clone());
    let reference = mine.reference.clone();
    let mut out = c.desk.watch_all([Watch::new(mine, now)]);
    out.commands.extend(c.desk.update(Event::Show(reference.clone())).commands);
    c.run(out, 6).await;
    assert_eq!(c.desk.watch(&reference).unwrap().status(), &Status::Paid, "seen paid within seconds");
}

#[tokio::test(start_paused = true)]
async fn expired_invoices_are_watched_slowly_with_what_the_budget_leaves_over() {
    let mut c = Counter::new(&[ProviderId::Xpays]);
    let now = c.clock.now();
    let fake = c.fakes[&ProviderId::Xpays].clone();
    // 200 sales the gateway called expired ten minutes ago, in their late window.
    let expired: Vec<Watch> = (0..200)
        .map(|n| {
            let mut inv = invoice(
                ProviderId::Xpays,
                1000 + n,
                now - SignedDuration::from_mins(40),
                SignedDuration::from_mins(30),
            );
            inv.status = Status::Expired;
            fake.ids.lock().unwrap().push(inv.id.clone());
            Watch::new(inv, now)
        })
        .collect();
    let mut out = c.desk.watch_all(expired);
    // Ten fresh invoices, due at the same instant.
    out.commands.extend(c.open(10, SignedDuration::from_mins(30)).commands);
    c.run(out, 120).await;

    let calls = fake.calls();
    let count = |r: &Reference| calls.iter().filter(|(_, call)| matches!(call, Call::Single(x) if x == r)).count();
    for w in c.desk.watches.iter().filter(|w| !w.status().is_final()) {
        // Fresh: every 3 s for two minutes, never crowded out by the late watch.
        assert!(count(&w.invoice.reference) >= 35, "{}: {}", w.invoice.reference, count(&w.invoice.reference));
    }
    for w in c.desk.watches.iter().filter(|w| w.status().is_final()) {
        assert!(count(&w.invoice.reference) <= 1, "late watch: at most once in two minutes");
        assert_eq!(w.status(), &Status::Expired, "a pending answer never reopens an expired sale");
    }
    let late_polls: usize =
        c.desk.watches.iter().filter(|w| w.status().is_final()).map(|w| count(&w.invoice.reference)).sum();
    assert!(late_polls > 50, "the leftover budget is used: {late_polls}");
    let times: Vec<Instant> = calls.iter().map(|(t, _)| *t).collect();
    assert!(max_in_window(&times, Duration::from_secs(1)) <= 5, "within the gateway's limit");
}
