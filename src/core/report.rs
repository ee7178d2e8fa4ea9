//! The end-of-day report: counts and sums per method and per final status,
//! in fiat and in crypto, and the invoices that need someone to follow up.
//! Every group also splits its fiat into net, tax and tips ([`Split`]), and
//! the paid sales are summed per tax rate, for the accountant.

use super::invoice::CryptoAmount;
use super::method::PaymentMethod;
use super::money::{Currency, Money};
use super::record::{RecordState, SaleRecord};
use super::status::Status;
use super::tax::TaxRate;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::fmt::Write;

/// The fiat of a group of sales in one currency, split for the accountant:
/// `net + tax = gross`, `gross + tip = total`. A sale journaled before tips
/// and tax (no breakdown) counts whole as net, with no tax and no tip.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Split {
    pub net: Decimal,
    pub tax: Decimal,
    pub tip: Decimal,
}

impl Split {
    fn add(&mut self, r: &SaleRecord) {
        match &r.breakdown {
            Some(b) => {
                self.net += b.net.amount;
                self.tax += b.tax.amount;
                self.tip += b.tip.amount;
            }
            None => self.net += r.fiat.amount,
        }
    }

    pub fn gross(&self) -> Decimal {
        self.net + self.tax
    }

    pub fn total(&self) -> Decimal {
        self.gross() + self.tip
    }
}

/// The report's name of a sale's tax rate: `VAT 19%`, or [`NO_TAX`].
pub fn rate_label(r: &SaleRecord) -> String {
    r.breakdown.as_ref().and_then(|b| b.rate.as_ref()).map_or_else(|| NO_TAX.to_string(), TaxRate::label)
}

/// The group of sales without a tax rate (none configured, or journaled
/// before tax was).
pub const NO_TAX: &str = "no tax";

/// Count and sums of a group of invoices.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub count: usize,
    /// Invoiced fiat, by currency code.
    pub fiat: BTreeMap<String, Decimal>,
    /// The gateways' crypto amounts, by unit.
    pub crypto: BTreeMap<String, Decimal>,
    /// The fiat split into net, tax and tips, by currency code.
    pub split: BTreeMap<String, Split>,
}

impl Totals {
    pub fn add(&mut self, r: &SaleRecord) {
        self.count += 1;
        let code = r.fiat.currency.code();
        *self.fiat.entry(code.to_string()).or_default() += r.fiat.amount;
        self.split.entry(code.to_string()).or_default().add(r);
        if let Some(CryptoAmount { amount, unit }) = &r.crypto {
            *self.crypto.entry(unit.clone()).or_default() += *amount;
        }
    }

    /// Each currency's sum with its decimals: `12.50 USD + 1500 JPY`.
    pub fn fiat_text(&self) -> String {
        join(&self.fiat, |code, v| match Currency::from_code(code) {
            Some(c) => Money::new(*v, c).to_string(),
            None => format!("{} {code}", v.normalize()),
        })
    }

    /// The crypto sums: `12.5 USDT + 20605 sat`, or `-`.
    pub fn crypto_text(&self) -> String {
        join(&self.crypto, |unit, v| format!("{} {unit}", v.normalize()))
    }
}

fn join(map: &BTreeMap<String, Decimal>, f: impl Fn(&str, &Decimal) -> String) -> String {
    if map.is_empty() {
        return "-".into();
    }
    map.iter().map(|(k, v)| f(k, v)).collect::<Vec<_>>().join(" + ")
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Paid invoices, per method: the day's takings.
    pub paid_by_method: BTreeMap<PaymentMethod, Totals>,
    /// Every invoice the gateways made, per method.
    pub by_method: BTreeMap<PaymentMethod, Totals>,
    /// Invoices in a final state, per status name.
    pub by_final_status: BTreeMap<&'static str, Totals>,
    /// Invoices not final yet.
    pub open: Totals,
    /// Sales whose create failed or whose outcome is unknown.
    pub not_created: usize,
    /// Underpaid (open) and expired-underpaid invoices: someone must follow up.
    pub follow_up: Vec<SaleRecord>,
    /// Paid after the invoice expired (counted in the takings too): the
    /// customer may have left, or been served otherwise.
    pub paid_late: Totals,
    pub paid_late_sales: Vec<SaleRecord>,
    /// Every paid sale: the day's takings, whatever the method.
    pub paid: Totals,
    /// Paid sales per tax rate ([`rate_label`]): net, tax, gross, tips.
    pub paid_by_rate: BTreeMap<String, Totals>,
}

/// Builds the report of these sales.
pub fn build(records: &[SaleRecord]) -> Report {
    let mut r = Report::default();
    for rec in records {
        if rec.state != RecordState::Created {
            r.not_created += 1;
            continue;
        }
        r.by_method.entry(rec.method).or_default().add(rec);
        if rec.status.is_final() {
            r.by_final_status.entry(rec.status.name()).or_default().add(rec);
        } else {
            r.open.add(rec);
        }
        if rec.status == Status::Paid {
            r.paid_by_method.entry(rec.method).or_default().add(rec);
            r.paid_by_rate.entry(rate_label(rec)).or_default().add(rec);
            r.paid.add(rec);
        }
        if rec.paid_late() {
            r.paid_late.add(rec);
            r.paid_late_sales.push(rec.clone());
        }
        if matches!(rec.status, Status::Underpaid | Status::ExpiredUnderpaid) {
            r.follow_up.push(rec.clone());
        }
    }
    r
}

impl Report {
    /// The report as text, for the terminal or a printer.
    pub fn to_text(&self, title: &str, tz: &jiff::tz::TimeZone) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "{title}");
        let _ = writeln!(s, "{}", "=".repeat(title.chars().count()));
        let section = |s: &mut String, name: &str, rows: Vec<(String, &Totals)>| {
            let _ = writeln!(s, "\n{name}");
            if rows.is_empty() {
                let _ = writeln!(s, "  (none)");
            }
            for (label, t) in rows {
                let _ = writeln!(s, "  {label:<28} {:>4}  {:>16}  {}", t.count, t.fiat_text(), t.crypto_text());
            }
        };
        section(&mut s, "Paid, per method", self.paid_by_method.iter().map(|(m, t)| (m.to_string(), t)).collect());
        self.tax_text(&mut s);
        section(&mut s, "Final states", self.by_final_status.iter().map(|(n, t)| ((*n).to_string(), t)).collect());
        section(&mut s, "All invoices, per method", self.by_method.iter().map(|(m, t)| (m.to_string(), t)).collect());
        let late = vec![("paid after the invoice expired".to_string(), &self.paid_late)];
        section(&mut s, "Paid late (counted in the takings above)", late);
        for f in &self.paid_late_sales {
            let at = f.started_at.to_zoned(tz.clone()).strftime("%H:%M");
            let _ = writeln!(s, "  {at}  {:<20} {:>14}  {}", f.method.to_string(), f.fiat.to_string(), f.reference);
        }
        let _ = writeln!(s, "\nStill open: {}   Not created / outcome unknown: {}", self.open.count, self.not_created);
        let _ = writeln!(s, "\nNeeds follow-up (part paid)");
        if self.follow_up.is_empty() {
            let _ = writeln!(s, "  (none)");
        }
        for f in &self.follow_up {
            let at = f.started_at.to_zoned(tz.clone()).strftime("%H:%M");
            let received = f.received.as_ref().map_or("-".to_string(), ToString::to_string);
            let _ = writeln!(
                s,
                "  {at}  {:<20} {:<18} {:>14}  received {received}  {}",
                f.method.to_string(),
                f.status.name(),
                f.fiat.to_string(),
                f.reference
            );
        }
        s
    }
}

impl Report {
    /// The paid sales per tax rate: net, tax, gross, and tips apart.
    fn tax_text(&self, s: &mut String) {
        let _ = writeln!(s, "\nPaid: net, tax and gross per rate; tips apart (not taxed)");
        if self.paid.count == 0 {
            let _ = writeln!(s, "  (none)");
            return;
        }
        let _ = writeln!(
            s,
            "  {:<20} {:>5}  {:>14}  {:>14}  {:>14}  {:>14}  {:>14}",
            "rate", "sales", "net", "tax", "gross", "tips", "total"
        );
        let rows = self.paid_by_rate.iter().map(|(l, t)| (l.as_str(), t)).chain([("all", &self.paid)]);
        for (label, t) in rows {
            for (code, split) in &t.split {
                let m = |v: Decimal| match Currency::from_code(code) {
                    Some(c) => Money::new(v, c).to_string(),
                    None => format!("{} {code}", v.normalize()),
                };
                let _ = writeln!(
                    s,
                    "  {label:<20} {:>5}  {:>14}  {:>14}  {:>14}  {:>14}  {:>14}",
                    t.count,
                    m(split.net),
                    m(split.tax),
                    m(split.gross()),
                    m(split.tip),
                    m(split.total())
                );
            }
        }
    }
}

/// The instants a local calendar day starts and ends in the shop's time zone
/// (a day may have 23 or 25 hours).
pub fn day_bounds(date: jiff::civil::Date, tz: &jiff::tz::TimeZone) -> Option<(jiff::Timestamp, jiff::Timestamp)> {
    let start = date.to_zoned(tz.clone()).ok()?;
    let end = date.tomorrow().ok()?.to_zoned(tz.clone()).ok()?;
    Some((start.timestamp(), end.timestamp()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_is_bounded_in_the_shops_time_zone() {
        let tz = jiff::tz::TimeZone::get("Europe/Berlin").unwrap();
        let (a, b) = day_bounds(jiff::civil::date(2026, 3, 29), &tz).unwrap();
        assert_eq!(a.to_string(), "2026-03-28T23:00:00Z");
        assert_eq!(b.to_string(), "2026-03-29T22:00:00Z", "the spring-forward day has 23 hours");
    }
}
