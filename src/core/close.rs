//! The day's close (Z-report), the pure part: which instants a close covers
//! ([`window`]), the totals of its sales ([`totals`]), and the document as
//! lines of a given width ([`ZReport::lines`]), for the terminal or a
//! 58/80 mm printer. The journal stores it and chains it; this file knows
//! nothing of either.
//!
//! **What "the day" is.** A close of day D covers the sales *started* (the
//! amount confirmed at the till, `started_at`) from the end of the previous
//! close's window (whatever day that close was of, so no sale falls between
//! two closes), or from the start of D in the shop's time zone for the first
//! close ever, up to the close itself or the end of D, whichever comes
//! first. So a sale started after the close of D belongs to the next close,
//! as does one started after midnight. Each sale counts with its status as
//! the event log holds it at the close.
//!
//! **Paid after their day's close.** A sale still open or expired at its
//! close and paid afterwards is counted in the *next* close taken after the
//! payment (the paid event is newer than the previous close's last event):
//! it is listed under "Paid after their day's close" and its money is in
//! that close's takings (PAID and the per terminal/gateway/method/rate
//! sums), because the money arrived that day and belongs to that day's cash
//! count. Its own day's close keeps the status the sale had then.
//!
//! **Sales without a breakdown** (journaled before tips and tax) count
//! whole as net, with no tax and no tip, under "no tax", as in
//! `till report`.

use super::money::{Currency, Money};
use super::record::{RecordState, SaleRecord};
use super::status::Status;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Why a day cannot be closed now: one sentence for the cashier.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(
        "{day} is already closed (at {at}). A day is closed once; a payment that arrives later is counted in the next close."
    )]
    AlreadyClosed { day: Date, at: String },
    #[error("{day} cannot be closed: {later} is closed already, and days are closed in order.")]
    OutOfOrder { day: Date, later: Date },
    #[error("{day} has not started yet in the shop's time zone: there is nothing to close.")]
    Future { day: Date },
    #[error("{day} is out of the range of dates the till handles.")]
    OutOfRange { day: Date },
}

/// The last close, as the next one needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Previous {
    pub day: Date,
    pub closed_at: Timestamp,
    /// The end of its window.
    pub until: Timestamp,
}

/// The instants [from, until) the close of `day` covers at `now` (see the
/// module's doc), or why it cannot be taken.
pub fn window(
    day: Date,
    tz: &TimeZone,
    now: Timestamp,
    previous: Option<&Previous>,
) -> Result<(Timestamp, Timestamp), Refusal> {
    let (start, end) = super::report::day_bounds(day, tz).ok_or(Refusal::OutOfRange { day })?;
    let at = |t: Timestamp| t.to_zoned(tz.clone()).strftime("%Y-%m-%d %H:%M").to_string();
    let from = match previous {
        Some(p) if p.day == day => return Err(Refusal::AlreadyClosed { day, at: at(p.closed_at) }),
        Some(p) if p.day > day => return Err(Refusal::OutOfOrder { day, later: p.day }),
        Some(p) => p.until,
        None => start,
    };
    if start > now {
        return Err(Refusal::Future { day });
    }
    Ok((from, end.min(now)))
}

/// Count and sums of a group of sales, by currency code.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sum {
    pub count: usize,
    /// What the customer was invoiced (the tip included).
    pub gross: BTreeMap<String, Decimal>,
    /// Net of tax and tip, for the sales that carry a breakdown.
    pub net: BTreeMap<String, Decimal>,
    pub tips: BTreeMap<String, Decimal>,
    pub tax: BTreeMap<String, Decimal>,
}

impl Sum {
    fn add(&mut self, r: &SaleRecord) {
        let code = r.fiat.currency.code().to_string();
        self.count += 1;
        *self.gross.entry(code.clone()).or_default() += r.fiat.amount;
        // Tips and tax from the sale's breakdown; a sale journaled before
        // tips and tax counts whole as net (as in `till report`).
        let (net, tip, tax) = match &r.breakdown {
            Some(b) => (b.net.amount, b.tip.amount, b.tax.amount),
            None => (r.fiat.amount, Decimal::ZERO, Decimal::ZERO),
        };
        *self.net.entry(code.clone()).or_default() += net;
        *self.tips.entry(code.clone()).or_default() += tip;
        *self.tax.entry(code).or_default() += tax;
    }
}

/// The tax group of a paid sale: the report's (its rate's label, or `no tax`).
fn rate_key(r: &SaleRecord) -> String {
    super::report::rate_label(r)
}

/// What the close saw of one sale (amounts, breakdown, status, where and
/// how), as 16 hex digits: `till close --verify` compares it with the sale's
/// row today and names the sale whose row changed.
pub fn fingerprint(r: &SaleRecord) -> String {
    let mut h = Sha256::new();
    let b = r.breakdown.as_ref();
    let fields = [
        r.reference.to_string(),
        r.terminal.clone(),
        r.method.to_string(),
        r.fiat.amount.normalize().to_string(),
        r.fiat.currency.code().to_string(),
        b.map(|b| b.net.amount.normalize().to_string()).unwrap_or_default(),
        b.map(|b| b.tax.amount.normalize().to_string()).unwrap_or_default(),
        b.map(|b| b.tip.amount.normalize().to_string()).unwrap_or_default(),
        b.and_then(|b| b.rate.as_ref()).map(|r| r.label()).unwrap_or_default(),
        status_key(r).to_string(),
        r.started_at.as_millisecond().to_string(),
    ];
    for f in fields {
        h.update((f.len() as u64).to_be_bytes());
        h.update(f.as_bytes());
    }
    let d = h.finalize();
    d.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// A sale named in one of the close's lists.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flagged {
    pub reference: String,
    pub terminal: String,
    pub method: String,
    /// When the sale started, in milliseconds since the epoch.
    pub started_ms: i64,
    pub amount: String,
    pub status: String,
    pub received: Option<String>,
}

impl Flagged {
    fn of(r: &SaleRecord) -> Flagged {
        Flagged {
            reference: r.reference.to_string(),
            terminal: r.terminal.clone(),
            method: r.method.to_string(),
            started_ms: r.started_at.as_millisecond(),
            amount: r.fiat.to_string(),
            status: status_key(r).to_string(),
            received: r.received.as_ref().map(ToString::to_string),
        }
    }
}

/// The close's totals: what it journals (as JSON) and prints.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Every sale in the window.
    pub sales: usize,
    /// The paid ones: the takings.
    pub paid: Sum,
    pub paid_by_terminal: BTreeMap<String, Sum>,
    pub paid_by_gateway: BTreeMap<String, Sum>,
    pub paid_by_method: BTreeMap<String, Sum>,
    /// Net, tax and gross per tax rate (`VAT 19%`, or `no tax`, which
    /// holds the sales journaled before tips and tax too).
    pub paid_by_rate: BTreeMap<String, Sum>,
    /// Every sale by where it stands at the close: its status (final or
    /// not), or why the gateway has no invoice (`not_created`, `unknown`).
    pub by_status: BTreeMap<String, Sum>,
    /// Paid after the invoice expired (counted in the takings too).
    pub paid_late: Vec<Flagged>,
    /// Part paid (expired or not), a status the till does not know, or a
    /// create whose outcome is unknown: someone must follow up.
    pub needs_attention: Vec<Flagged>,
    /// Sales of an earlier window paid since the previous close (counted in
    /// this close's takings: see the module's doc), and their sum.
    #[serde(default)]
    pub paid_after_close: Vec<Flagged>,
    #[serde(default)]
    pub paid_after_close_sum: Sum,
    /// Each sale's [`fingerprint`] at the close, by reference.
    #[serde(default)]
    pub fingerprints: BTreeMap<String, String>,
}

/// Where a sale stands, as the close groups it.
fn status_key(r: &SaleRecord) -> &'static str {
    match r.state {
        RecordState::Created => r.status.name(),
        other => other.name(),
    }
}

fn needs_attention(r: &SaleRecord) -> bool {
    match r.state {
        RecordState::Unknown | RecordState::Creating => true,
        RecordState::NotCreated => false,
        RecordState::Created => {
            matches!(r.status, Status::Underpaid | Status::ExpiredUnderpaid | Status::Unknown(_))
        }
    }
}

fn is_paid(r: &SaleRecord) -> bool {
    r.state == RecordState::Created && r.status == Status::Paid
}

impl Totals {
    fn takings(&mut self, r: &SaleRecord) {
        self.paid.add(r);
        self.paid_by_terminal.entry(r.terminal.clone()).or_default().add(r);
        self.paid_by_gateway.entry(r.method.provider.id().to_string()).or_default().add(r);
        self.paid_by_method.entry(r.method.to_string()).or_default().add(r);
        self.paid_by_rate.entry(rate_key(r)).or_default().add(r);
    }
}

/// The totals of these sales (the close's window, each with its status at
/// the close), and of `paid_after`: sales of earlier windows paid since the
/// previous close (those not paid are ignored).
pub fn totals(records: &[SaleRecord], paid_after: &[SaleRecord]) -> Totals {
    let mut t = Totals { sales: records.len(), ..Totals::default() };
    let mut ordered: Vec<&SaleRecord> = records.iter().collect();
    ordered.sort_by_key(|r| (r.started_at, r.reference.to_string()));
    for r in ordered {
        t.fingerprints.insert(r.reference.to_string(), fingerprint(r));
        t.by_status.entry(status_key(r).to_string()).or_default().add(r);
        if is_paid(r) {
            t.takings(r);
        }
        if r.paid_late() {
            t.paid_late.push(Flagged::of(r));
        }
        if needs_attention(r) {
            t.needs_attention.push(Flagged::of(r));
        }
    }
    let mut after: Vec<&SaleRecord> = paid_after.iter().filter(|r| is_paid(r)).collect();
    after.sort_by_key(|r| (r.started_at, r.reference.to_string()));
    for r in after {
        t.fingerprints.insert(r.reference.to_string(), fingerprint(r));
        t.takings(r);
        t.paid_after_close_sum.add(r);
        t.paid_after_close.push(Flagged::of(r));
    }
    t
}

/// A close as taken: the window, the totals and the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZReport {
    pub day: Date,
    pub terminal: String,
    pub closed_at: Timestamp,
    pub from: Timestamp,
    pub until: Timestamp,
    pub totals: Totals,
    /// The last event of the log at the close, and its chain hash.
    pub last_event_id: i64,
    pub last_event_hash: String,
    /// The previous close's hash (zeros for the first close).
    pub prev_hash: String,
    /// This close's hash, chaining the log to the previous close.
    pub hash: String,
}

fn money(map: &BTreeMap<String, Decimal>) -> String {
    if map.is_empty() {
        return "0".into();
    }
    map.iter()
        .map(|(code, v)| match Currency::from_code(code) {
            Some(c) => Money::new(*v, c).to_string(),
            None => format!("{} {code}", v.normalize()),
        })
        .collect::<Vec<_>>()
        .join(" + ")
}

/// Lines no wider than `width` (at least 24): the label left, the value
/// right; on two lines when both do not fit on one.
struct Doc {
    width: usize,
    lines: Vec<String>,
}

impl Doc {
    fn text(&mut self, s: &str) {
        let chars: Vec<char> = s.chars().collect();
        for chunk in chars.chunks(self.width) {
            self.lines.push(chunk.iter().collect());
        }
        if chars.is_empty() {
            self.lines.push(String::new());
        }
    }

    fn row(&mut self, label: &str, value: &str) {
        let (l, v) = (label.chars().count(), value.chars().count());
        if l + 1 + v <= self.width {
            self.lines.push(format!("{label}{}{value}", " ".repeat(self.width - l - v)));
        } else {
            self.text(label);
            if v <= self.width {
                self.lines.push(format!("{value:>w$}", w = self.width));
            } else {
                self.text(value);
            }
        }
    }

    fn rule(&mut self, c: char) {
        self.lines.push(c.to_string().repeat(self.width));
    }

    fn sum(&mut self, label: &str, s: &Sum) {
        self.row(&format!("{label} ({})", s.count), &money(&s.gross));
        if !s.net.is_empty() {
            self.row("    net", &money(&s.net));
        }
        if !s.tax.is_empty() {
            self.row("    tax", &money(&s.tax));
        }
        if !s.tips.is_empty() {
            self.row("    tips", &money(&s.tips));
        }
    }

    fn section(&mut self, title: &str, groups: &BTreeMap<String, Sum>) {
        self.text("");
        self.text(title);
        if groups.is_empty() {
            self.text("  (none)");
        }
        for (k, s) in groups {
            self.sum(&format!("  {k}"), s);
        }
    }

    fn list(&mut self, title: &str, sales: &[Flagged], tz: &TimeZone) {
        self.text("");
        self.text(&format!("{title} ({})", sales.len()));
        if sales.is_empty() {
            self.text("  (none)");
        }
        for f in sales {
            let at = Timestamp::from_millisecond(f.started_ms)
                .map_or_else(|_| "--:--".to_string(), |t| t.to_zoned(tz.clone()).strftime("%H:%M").to_string());
            self.row(&format!("  {at} {}", f.reference), &f.amount);
            let received = f.received.as_ref().map(|r| format!(", received {r}")).unwrap_or_default();
            self.text(&format!("    {} {}{received}", f.method, f.status));
        }
    }
}

/// The width the close is written at on the terminal and to its file
/// (80 mm paper's 48 columns; 58 mm paper has 32).
pub const WIDTH: usize = 48;

impl ZReport {
    /// The document as text, one line per [`ZReport::lines`].
    pub fn text(&self, shop: &str, tz: &TimeZone, width: usize) -> String {
        let mut s = self.lines(shop, tz, width).join("\n");
        s.push('\n');
        s
    }

    /// The document, each line at most `width` characters (32 for 58 mm
    /// paper, 48 for 80 mm).
    pub fn lines(&self, shop: &str, tz: &TimeZone, width: usize) -> Vec<String> {
        let mut d = Doc { width: width.max(24), lines: Vec::new() };
        let local = |t: Timestamp| t.to_zoned(tz.clone()).strftime("%Y-%m-%d %H:%M").to_string();
        d.text(shop);
        d.text(&format!("Z-REPORT {}", self.day));
        d.rule('=');
        d.row("Terminal", &self.terminal);
        d.row("Closed at", &local(self.closed_at));
        d.row("Sales from", &local(self.from));
        d.row("Sales until", &local(self.until));
        let t = &self.totals;
        d.text("");
        d.row("Sales", &t.sales.to_string());
        d.sum("PAID", &t.paid);
        d.section("Paid, per terminal", &t.paid_by_terminal);
        d.section("Paid, per gateway", &t.paid_by_gateway);
        d.section("Paid, per method", &t.paid_by_method);
        d.section("Paid, per tax rate", &t.paid_by_rate);
        d.section("Every sale, per status", &t.by_status);
        d.list("Paid late (in the takings)", &t.paid_late, tz);
        d.list("Needs attention", &t.needs_attention, tz);
        d.text("");
        d.sum("Paid after their day's close", &t.paid_after_close_sum);
        d.list("  (in the takings above)", &t.paid_after_close, tz);
        d.text("");
        d.rule('-');
        d.row("Last event", &self.last_event_id.to_string());
        d.text("Previous close:");
        d.text(&self.prev_hash);
        d.text("This close (SHA-256):");
        d.text(&self.hash);
        d.lines
    }
}

#[cfg(test)]
#[path = "close_tests.rs"]
mod tests;
