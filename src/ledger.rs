//! The read-only commands over the journal: history, the end-of-day report
//! and receipts.

use crate::core::money::Money;
use crate::core::record::SaleRecord;
use crate::core::report::{self, day_bounds};
use crate::journal::Store;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
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

/// The CSV header of `till history --csv`.
pub const CSV_HEADER: [&str; 14] = [
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
];

/// One sale as a CSV row.
pub fn csv_row(r: &SaleRecord, tz: &TimeZone) -> [String; 14] {
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

/// The report of one local day.
pub fn day_report(journal: &dyn Store, date: Date, tz: &TimeZone, shop: &str) -> Result<String, String> {
    let (from, until) = day_bounds(date, tz).ok_or("the date is out of range")?;
    let records = journal.between(from, until).map_err(|e| e.to_string())?;
    let title = format!("{shop}: report for {date} ({})", tz.iana_name().unwrap_or("local time"));
    Ok(report::build(&records).to_text(&title, tz))
}
