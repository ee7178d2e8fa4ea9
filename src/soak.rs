//! `till soak`: the poll schedule under load (README § Performance, figure
//! c). Seeds many open invoices at a sandbox through its control API, watches
//! them all with the real adapters for a while, then asks the sandbox how
//! many requests each gateway got, in its busiest second too, and reads this
//! process's peak memory and CPU time.

use crate::clock::SharedClock;
use crate::config::Config;
use crate::core::desk::{Desk, Event};
use crate::core::invoice::{Invoice, Payload, PayloadKind, Reference};
use crate::core::method::{PaymentMethod, ProviderId};
use crate::core::money::Money;
use crate::core::status::Status;
use crate::core::watch::Watch;
use crate::runtime::Runtime;
use crate::runtime::drive::{Drive, Effect, Face, Input, run_all};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// What one gateway saw during the run.
#[derive(Clone, Debug, PartialEq)]
pub struct GatewayFigures {
    pub provider: ProviderId,
    pub invoices: usize,
    /// Invoices the gateway answered about at least once.
    pub answered: usize,
    /// Status answers received (a page answers for up to 50 invoices).
    pub answers: u64,
    /// The till's limit for this gateway, requests per second.
    pub limit_per_second: u32,
    pub per_invoice_per_minute: Option<u32>,
    pub requests: u64,
    /// Requests in the busiest one-second window, as the sandbox counted.
    pub max_in_1s: u64,
    /// Requests for one path (one invoice's status) in the busiest minute.
    pub max_per_path_in_60s: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SoakReport {
    pub seconds: f64,
    pub gateways: Vec<GatewayFigures>,
    /// This process's peak resident memory (VmHWM), if the OS tells.
    pub peak_rss_bytes: Option<u64>,
    /// CPU time this process used, user + system.
    pub cpu_seconds: Option<f64>,
}

impl SoakReport {
    /// No gateway got more than its limit in any one second, nor one
    /// invoice more than its per-invoice limit in any minute.
    pub fn within_limits(&self) -> bool {
        self.gateways.iter().all(|g| {
            g.max_in_1s <= u64::from(g.limit_per_second)
                && g.per_invoice_per_minute.is_none_or(|m| g.max_per_path_in_60s <= u64::from(m))
        })
    }

    pub fn table(&self) -> String {
        let mut s = format!(
            "{:<8} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9} {:>7} {:>15}\n",
            "gateway",
            "invoices",
            "answered",
            "answers",
            "requests",
            "avg req/s",
            "max in 1s",
            "limit/s",
            "per invoice/min"
        );
        for g in &self.gateways {
            let per_invoice = match g.per_invoice_per_minute {
                Some(m) => format!("{} (max {m})", g.max_per_path_in_60s),
                None => "—".to_string(),
            };
            s.push_str(&format!(
                "{:<8} {:>8} {:>8} {:>8} {:>8} {:>9.2} {:>9} {:>7} {:>15}\n",
                g.provider.id(),
                g.invoices,
                g.answered,
                g.answers,
                g.requests,
                g.requests as f64 / self.seconds.max(0.001),
                g.max_in_1s,
                g.limit_per_second,
                per_invoice
            ));
        }
        if let Some(rss) = self.peak_rss_bytes {
            s.push_str(&format!("peak memory (VmHWM): {:.1} MB\n", rss as f64 / 1e6));
        }
        if let Some(cpu) = self.cpu_seconds {
            s.push_str(&format!(
                "CPU: {cpu:.2} s in {:.1} s = {:.1}% of one core\n",
                self.seconds,
                100.0 * cpu / self.seconds.max(0.001)
            ));
        }
        s.push_str(if self.within_limits() { "within every limit\n" } else { "OVER A LIMIT\n" });
        s
    }
}

/// Seeds `count` open invoices at one gateway and returns them as the till
/// would have made them.
async fn seed(
    client: &reqwest::Client,
    base: &str,
    config: &Config,
    provider: ProviderId,
    method: PaymentMethod,
    count: usize,
) -> Result<Vec<Invoice>, String> {
    let url = format!("{base}/_sandbox/{}/seed", provider.id());
    let body = json!({
        "count": count, "terminal": config.shop.terminal, "amount": "10.00",
        "currency": config.shop.currency.code(), "method": method.method.id(), "expire_minutes": 60,
    });
    let r = client
        .post(&url)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| format!("seeding {provider}: {e}"))?;
    if !r.status().is_success() {
        return Err(format!("seeding {provider}: HTTP {}", r.status().as_u16()));
    }
    let bytes = r.bytes().await.map_err(|e| format!("seeding {provider}: {e}"))?;
    let items: Vec<Value> = serde_json::from_slice(&bytes).map_err(|e| format!("seeding {provider}: {e}"))?;
    let fiat = Money::new(Decimal::new(1000, 2), config.shop.currency.clone());
    items
        .iter()
        .map(|v| {
            let text = |k: &str| v.get(k).and_then(Value::as_str).ok_or(format!("seeding {provider}: no {k}"));
            let instant = |k: &str| text(k)?.parse().map_err(|e| format!("seeding {provider}: {k}: {e}"));
            Ok(Invoice {
                id: text("id")?.to_string(),
                reference: Reference::parse(text("reference")?).ok_or("seeding: a bad reference")?,
                method,
                fiat: fiat.clone(),
                crypto: None,
                payload: Payload { kind: PayloadKind::Address, qr: String::new(), text: String::new() },
                created_at: instant("created_at")?,
                expires_at: instant("expires_at")?,
                status: Status::Pending,
                received: None,
                choices: Vec::new(),
            })
        })
        .collect()
}

/// The soak as a face: the desk, and the answers counted per gateway.
struct Soak {
    desk: Desk,
    answers: BTreeMap<ProviderId, u64>,
}

impl Face for Soak {
    type Key = ();

    fn update(&mut self, input: Input<()>) -> Vec<Effect> {
        let event = match input {
            Input::Core(event) => event,
            Input::Tick(now) => Event::Tick(now),
            _ => return Vec::new(),
        };
        match &event {
            Event::Polled { reference, result: Ok(_) } => {
                if let Some(w) = self.desk.watch(reference) {
                    *self.answers.entry(w.invoice.method.provider).or_default() += 1;
                }
            }
            Event::PagePolled { provider, result: Ok(page), .. } => {
                *self.answers.entry(*provider).or_default() += page.reports.len() as u64;
            }
            _ => {}
        }
        run_all(self.desk.update(event).commands)
    }

    fn desk(&self) -> &Desk {
        &self.desk
    }

    fn render(&mut self) -> std::io::Result<()> {
        Ok(())
    }

    fn finished(&self) -> Option<i32> {
        None
    }
}

/// Runs the soak: `invoices` spread evenly over the configured gateways,
/// watched for `seconds`.
pub async fn run(
    base: &str,
    config: &Config,
    invoices: usize,
    seconds: u64,
    clock: SharedClock,
) -> Result<SoakReport, String> {
    crate::gateway::http::install_tls();
    let client = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().map_err(|e| e.to_string())?;
    let registry = crate::registry::build(config, clock.clone()).map_err(|e| e.problem().message)?;
    let providers: Vec<(ProviderId, PaymentMethod)> = registry
        .all()
        .filter_map(|g| g.methods().first().map(|m| (g.provider(), PaymentMethod::new(g.provider(), *m))))
        .collect();
    let per_gateway = invoices / providers.len().max(1);
    let mut all = Vec::new();
    for (provider, method) in &providers {
        all.extend(seed(&client, base, config, *provider, *method, per_gateway).await?);
    }
    let _ = client.delete(format!("{base}/_sandbox/rates")).send().await;

    let (tx, rx) = mpsc::unbounded_channel();
    let runtime = Runtime::new(Arc::new(registry), tx);
    let now = clock.now();
    let mut face = Soak { desk: Desk::new(config.poll.clone(), now), answers: BTreeMap::new() };
    let start = run_all(face.desk.watch_all(all.into_iter().map(|i| Watch::new(i, now))).commands);
    let started = Instant::now();
    let end = tokio::time::Instant::now() + Duration::from_secs(seconds);
    Drive::new(runtime, rx).until(end).run(&mut face, start).await.map_err(|e| e.to_string())?;
    let (desk, answers) = (face.desk, face.answers);
    let elapsed = started.elapsed().as_secs_f64();

    let rates = client.get(format!("{base}/_sandbox/rates")).send().await.map_err(|e| e.to_string())?;
    let rates: Value =
        serde_json::from_slice(&rates.bytes().await.map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    let mut counts: BTreeMap<ProviderId, (usize, usize)> = BTreeMap::new();
    for w in &desk.watches {
        let c = counts.entry(w.invoice.method.provider).or_default();
        c.0 += 1;
        // The raw status is set by the gateway's first answer.
        if !w.raw.is_empty() {
            c.1 += 1;
        }
    }
    let gateways = providers
        .iter()
        .map(|(p, _)| {
            let r = &rates[p.id()];
            let n = |k: &str| r.get(k).and_then(Value::as_u64).unwrap_or(0);
            let limits = config.poll.limits(*p);
            let (invoices, answered) = counts.get(p).copied().unwrap_or_default();
            GatewayFigures {
                provider: *p,
                invoices,
                answered,
                answers: answers.get(p).copied().unwrap_or(0),
                limit_per_second: limits.gateway.requests,
                per_invoice_per_minute: limits.per_invoice.map(|r| r.requests),
                requests: n("requests"),
                max_in_1s: n("max_in_1s"),
                max_per_path_in_60s: n("max_per_path_in_60s"),
            }
        })
        .collect();
    Ok(SoakReport { seconds: elapsed, gateways, peak_rss_bytes: peak_rss(), cpu_seconds: cpu_seconds() })
}

/// VmHWM from /proc/self/status (Linux).
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// utime + stime from /proc/self/stat, at the usual 100 ticks a second (Linux).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}
