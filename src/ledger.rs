//! The read-only commands over the journal: history, the end-of-day report
//! and receipts, as text and as CSV (RFC 4180) for the accountant.

use crate::core::money::Currency;
use crate::core::money::Money;
use crate::core::record::SaleRecord;
use crate::core::report::{self, Report, Totals, day_bounds};
use crate::journal::Store;
use crate::journal::fleet::Scope;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::io::Write;

/// Parses `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Result<Date, String> {
    s.parse::<Date>().map_err(|_| format!("{s:?} is not a date: write it as YYYY-MM-DD"))
}

/// The instants from the start of `since` to the end of `until` (local days).
pub fn range(since: Date, until: Date, tz: &TimeZone) -> Result<(Timestamp, Timestamp), String> {
    if until < since {
        return Err("--until is before --since".into());
    }
    let (from, _) = day_bounds(since, tz).ok_or("the dates are out of range")?;
    let (_, to) = day_bounds(until, tz).ok_or("the dates are out of range")?;
    Ok((from, to))
}

/// The CSV header of `till history --csv`. `net` .. `gross` split the
/// amount: `net + tax = gross`, `gross + tip = amount`; `tax_rate` is the
/// rate's name and percent (`VAT 19%`). Empty for a sale journaled before
/// tips and tax. `terminal` is the counter that made the sale.
pub const CSV_HEADER: [&str; 20] = [
    "started_at",
    "reference",
    "gateway_invoice_id",
    "provider",
    "method",
    "amount",
    "currency",
    "crypto_amount",
    "crypto_unit",
    "state",
    "status",
    "received",
    "transaction_id",
    "note",
    "net",
    "tax",
    "tax_rate",
    "tip",
    "gross",
    "terminal",
];

/// One sale as a CSV row.
pub fn csv_row(r: &SaleRecord, tz: &TimeZone) -> [String; 20] {
    let b = r.breakdown.as_ref();
    let part = |f: fn(&crate::core::tax::Breakdown) -> Money| b.map(|b| f(b).amount_text()).unwrap_or_default();
    [
        r.started_at.to_zoned(tz.clone()).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        r.reference.to_string(),
        r.gateway_id.clone().unwrap_or_default(),
        r.method.provider.id().to_string(),
        r.method.method.id().to_string(),
        r.fiat.amount_text(),
        r.fiat.currency.code().to_string(),
        r.crypto.as_ref().map(|c| c.amount.normalize().to_string()).unwrap_or_default(),
        r.crypto.as_ref().map(|c| c.unit.clone()).unwrap_or_default(),
        r.state.name().to_string(),
        r.status.name().to_string(),
        r.received.as_ref().map(Money::exact_text).unwrap_or_default(),
        r.tx_id.clone().unwrap_or_default(),
        r.note.clone().unwrap_or_default(),
        part(|b| b.net.clone()),
        part(|b| b.tax.clone()),
        b.and_then(|b| b.rate.as_ref()).map(crate::core::tax::TaxRate::label).unwrap_or_default(),
        part(|b| b.tip.clone()),
        part(crate::core::tax::Breakdown::gross),
        r.terminal.clone(),
    ]
}

/// Writes the records as RFC 4180 CSV.
pub fn write_csv(out: impl Write, records: &[SaleRecord], tz: &TimeZone) -> Result<(), String> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_HEADER).map_err(|e| e.to_string())?;
    for r in records {
        w.write_record(csv_row(r, tz)).map_err(|e| e.to_string())?;
    }
    w.flush().map_err(|e| e.to_string())
}

/// The records as an aligned table for the terminal.
pub fn table(records: &[SaleRecord], tz: &TimeZone) -> String {
    table_in(records, tz, false)
}

/// The records as an aligned table, with the terminal that made each sale
/// when `terminals` (a history across counters).
pub fn table_in(records: &[SaleRecord], tz: &TimeZone, terminals: bool) -> String {
    let mut s = String::new();
    if records.is_empty() {
        s.push_str("No sales in that period.\n");
        return s;
    }
    let width = records.iter().map(|r| r.terminal.chars().count()).max().unwrap_or(0).max("terminal".len());
    let terminal = |t: &str| if terminals { format!("{t:<width$}  ") } else { String::new() };
    s.push_str(&format!(
        "{:<19}  {}{:>14}  {:<24}  {:<22}  {}\n",
        "time",
        terminal("terminal"),
        "amount",
        "method",
        "status",
        "reference"
    ));
    for r in records {
        let t = r.started_at.to_zoned(tz.clone()).strftime("%Y-%m-%d %H:%M:%S").to_string();
        s.push_str(&format!(
            "{t:<19}  {}{:>14}  {:<24}  {:<22}  {}\n",
            terminal(&r.terminal),
            r.fiat.to_string(),
            r.method.to_string(),
            r.status_label(),
            r.reference
        ));
    }
    s
}

/// The sales of one local day, of the terminals in `scope`.
fn day_records(journal: &dyn Store, date: Date, tz: &TimeZone, scope: &Scope) -> Result<Vec<SaleRecord>, String> {
    let (from, until) = day_bounds(date, tz).ok_or("the date is out of range")?;
    journal.between_in(from, until, scope).map_err(|e| e.to_string())
}

/// The report of one local day (everything the journal holds: one till's).
pub fn day_report(journal: &dyn Store, date: Date, tz: &TimeZone, shop: &str) -> Result<String, String> {
    day_report_in(journal, date, tz, shop, &Scope::Mine)
}

/// The report of one local day of the terminals in `scope`; across every
/// terminal, each terminal's totals follow the shop's.
pub fn day_report_in(
    journal: &dyn Store,
    date: Date,
    tz: &TimeZone,
    shop: &str,
    scope: &Scope,
) -> Result<String, String> {
    let records = day_records(journal, date, tz, scope)?;
    let whose = match scope {
        Scope::Mine => String::new(),
        Scope::Terminal(t) => format!(", terminal {t}"),
        Scope::All => ", all terminals".to_string(),
    };
    let title = format!("{shop}: report for {date} ({}){whose}", tz.iana_name().unwrap_or("local time"));
    let mut text = report::build(&records).to_text(&title, tz);
    if *scope == Scope::All {
        text.push_str(&per_terminal_text(&records));
    }
    Ok(text)
}

/// The sales grouped by the terminal that made them, in terminal order.
fn per_terminal(records: &[SaleRecord]) -> BTreeMap<&str, Vec<SaleRecord>> {
    let mut by: BTreeMap<&str, Vec<SaleRecord>> = BTreeMap::new();
    for r in records {
        by.entry(r.terminal.as_str()).or_default().push(r.clone());
    }
    by
}

/// One line per terminal: its sales, what was paid, what is open.
fn per_terminal_text(records: &[SaleRecord]) -> String {
    let mut s = String::from("\nPer terminal\n");
    let by = per_terminal(records);
    if by.is_empty() {
        s.push_str("  (none)\n");
        return s;
    }
    s.push_str(&format!(
        "  {:<16} {:>5}  {:>5}  {:>20}  {:>5}  {:>11}\n",
        "terminal", "sales", "paid", "paid amount", "open", "not created"
    ));
    for (terminal, sales) in by {
        let r = report::build(&sales);
        s.push_str(&format!(
            "  {terminal:<16} {:>5}  {:>5}  {:>20}  {:>5}  {:>11}\n",
            sales.len(),
            r.paid.count,
            r.paid.fiat_text(),
            r.open.count,
            r.not_created
        ));
    }
    s
}

/// The report of one local day as CSV (`till report --csv`).
pub fn day_report_csv(journal: &dyn Store, date: Date, tz: &TimeZone, out: impl Write) -> Result<(), String> {
    let records = day_records(journal, date, tz, &Scope::Mine)?;
    let terminal = records.first().map_or("", |r| r.terminal.as_str());
    write_report_csv(out, &report::build(&records), date, terminal)
}

/// The report of one local day of the terminals in `scope` as CSV; across
/// every terminal, the shop's rows (terminal `all`) then each terminal's.
pub fn day_report_csv_in(
    journal: &dyn Store,
    date: Date,
    tz: &TimeZone,
    scope: &Scope,
    mine: &str,
    out: impl Write,
) -> Result<(), String> {
    let records = day_records(journal, date, tz, scope)?;
    let mut w = csv::Writer::from_writer(out);
    w.write_record(REPORT_CSV_HEADER).map_err(|e| e.to_string())?;
    let whole = match scope {
        Scope::Mine => mine,
        Scope::Terminal(t) => t.as_str(),
        Scope::All => ALL_TERMINALS,
    };
    let mut rows = report_rows(&report::build(&records), date, whole);
    if *scope == Scope::All {
        for (terminal, sales) in per_terminal(&records) {
            rows.extend(report_rows(&report::build(&sales), date, terminal));
        }
    }
    for row in rows {
        w.write_record(row).map_err(|e| e.to_string())?;
    }
    w.flush().map_err(|e| e.to_string())
}

/// The `terminal` of the report's rows summed over every terminal.
pub const ALL_TERMINALS: &str = "all";

/// The CSV header of `till report --csv`: one row per group of sales and
/// currency. `amount` is what was invoiced (`net + tax + tip`); `crypto` the
/// gateways' amounts (`12.5 USDT + 20605 sat`); `terminal` whose sales the
/// row sums ([`ALL_TERMINALS`] across every terminal).
pub const REPORT_CSV_HEADER: [&str; 12] =
    ["date", "section", "group", "currency", "count", "amount", "net", "tax", "gross", "tip", "crypto", "terminal"];

/// The report's rows: `paid_by_rate` (the rate: `VAT 19%`, `no tax`),
/// `paid` (`all`), `paid_by_method`, `final_status`, `by_method`, `open`,
/// `paid_late`, then `not_created` (a count only).
pub fn report_rows(r: &Report, date: Date, terminal: &str) -> Vec<[String; 12]> {
    let mut rows = Vec::new();
    let mut group = |section: &str, name: String, t: &Totals| {
        for (code, split) in &t.split {
            let m = |v: Decimal| match Currency::from_code(code) {
                Some(c) => Money::new(v, c).amount_text(),
                None => v.normalize().to_string(),
            };
            let amount = t.fiat.get(code).copied().unwrap_or_default();
            rows.push([
                date.to_string(),
                section.to_string(),
                name.clone(),
                code.clone(),
                t.count.to_string(),
                m(amount),
                m(split.net),
                m(split.tax),
                m(split.gross()),
                m(split.tip),
                t.crypto_text(),
                terminal.to_string(),
            ]);
        }
    };
    for (label, t) in &r.paid_by_rate {
        group("paid_by_rate", label.clone(), t);
    }
    group("paid", "all".into(), &r.paid);
    for (m, t) in &r.paid_by_method {
        group("paid_by_method", m.to_string(), t);
    }
    for (status, t) in &r.by_final_status {
        group("final_status", (*status).to_string(), t);
    }
    for (m, t) in &r.by_method {
        group("by_method", m.to_string(), t);
    }
    group("open", "open".into(), &r.open);
    group("paid_late", "paid late".into(), &r.paid_late);
    let empty = String::new;
    rows.push([
        date.to_string(),
        "not_created".into(),
        "not created or outcome unknown".into(),
        empty(),
        r.not_created.to_string(),
        empty(),
        empty(),
        empty(),
        empty(),
        empty(),
        empty(),
        terminal.to_string(),
    ]);
    rows
}

/// Writes the report as RFC 4180 CSV.
pub fn write_report_csv(out: impl Write, r: &Report, date: Date, terminal: &str) -> Result<(), String> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(REPORT_CSV_HEADER).map_err(|e| e.to_string())?;
    for row in report_rows(r, date, terminal) {
        w.write_record(row).map_err(|e| e.to_string())?;
    }
    w.flush().map_err(|e| e.to_string())
}
