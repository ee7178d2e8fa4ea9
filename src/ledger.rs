//! The read-only commands over the journal: history, the end-of-day report
//! and receipts, as text and as CSV (RFC 4180) for the accountant.

use crate::core::money::Currency;
use crate::core::money::Money;
use crate::core::record::SaleRecord;
use crate::core::report::{self, Report, Totals, day_bounds};
use crate::journal::Store;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use rust_decimal::Decimal;
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

/// The CSV header of `till history --csv`. The last five columns split the
/// amount: `net + tax = gross`, `gross + tip = amount`; `tax_rate` is the
/// rate's name and percent (`VAT 19%`). Empty for a sale journaled before
/// tips and tax.
pub const CSV_HEADER: [&str; 19] = [
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
];

/// One sale as a CSV row.
pub fn csv_row(r: &SaleRecord, tz: &TimeZone) -> [String; 19] {
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
    let mut s = String::new();
    if records.is_empty() {
        s.push_str("No sales in that period.\n");
        return s;
    }
    s.push_str(&format!("{:<19}  {:>14}  {:<24}  {:<22}  {}\n", "time", "amount", "method", "status", "reference"));
    for r in records {
        let t = r.started_at.to_zoned(tz.clone()).strftime("%Y-%m-%d %H:%M:%S").to_string();
        s.push_str(&format!(
            "{t:<19}  {:>14}  {:<24}  {:<22}  {}\n",
            r.fiat.to_string(),
            r.method.to_string(),
            r.status_label(),
            r.reference
        ));
    }
    s
}

/// The sales of one local day.
fn day_records(journal: &dyn Store, date: Date, tz: &TimeZone) -> Result<Vec<SaleRecord>, String> {
    let (from, until) = day_bounds(date, tz).ok_or("the date is out of range")?;
    journal.between(from, until).map_err(|e| e.to_string())
}

/// The report of one local day.
pub fn day_report(journal: &dyn Store, date: Date, tz: &TimeZone, shop: &str) -> Result<String, String> {
    let records = day_records(journal, date, tz)?;
    let title = format!("{shop}: report for {date} ({})", tz.iana_name().unwrap_or("local time"));
    Ok(report::build(&records).to_text(&title, tz))
}

/// The report of one local day as CSV (`till report --csv`).
pub fn day_report_csv(journal: &dyn Store, date: Date, tz: &TimeZone, out: impl Write) -> Result<(), String> {
    let records = day_records(journal, date, tz)?;
    write_report_csv(out, &report::build(&records), date)
}

/// The CSV header of `till report --csv`: one row per group of sales and
/// currency. `amount` is what was invoiced (`net + tax + tip`); `crypto` the
/// gateways' amounts (`12.5 USDT + 20605 sat`).
pub const REPORT_CSV_HEADER: [&str; 11] =
    ["date", "section", "group", "currency", "count", "amount", "net", "tax", "gross", "tip", "crypto"];

/// The report's rows: `paid_by_rate` (the rate: `VAT 19%`, `no tax`),
/// `paid` (`all`), `paid_by_method`, `final_status`, `by_method`, `open`,
/// `paid_late`, then `not_created` (a count only).
pub fn report_rows(r: &Report, date: Date) -> Vec<[String; 11]> {
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
    ]);
    rows
}

/// Writes the report as RFC 4180 CSV.
pub fn write_report_csv(out: impl Write, r: &Report, date: Date) -> Result<(), String> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(REPORT_CSV_HEADER).map_err(|e| e.to_string())?;
    for row in report_rows(r, date) {
        w.write_record(row).map_err(|e| e.to_string())?;
    }
    w.flush().map_err(|e| e.to_string())
}
