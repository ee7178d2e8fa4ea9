//! A plain-text receipt for a paid sale: the amount, the way it was paid
//! (method, network, crypto amount: after a switch, the one actually paid)
//! and the transaction.

use super::record::SaleRecord;
use std::fmt::Write;

const WIDTH: usize = 40;

/// The receipt text. `shop` and `tz` come from the config.
pub fn text(record: &SaleRecord, shop: &str, tz: &jiff::tz::TimeZone) -> String {
    let mut s = String::new();
    let rule = "-".repeat(WIDTH);
    let _ = writeln!(s, "{shop:^WIDTH$}");
    let _ = writeln!(s, "{:^WIDTH$}", format!("Terminal {}", record.terminal));
    let when = record.created_at.unwrap_or(record.started_at).to_zoned(tz.clone());
    let _ = writeln!(s, "{:^WIDTH$}", when.strftime("%Y-%m-%d %H:%M:%S %Z").to_string());
    let _ = writeln!(s, "{rule}");
    let row = |s: &mut String, k: &str, v: &str| {
        let _ = writeln!(s, "{k:<12}{v:>w$}", w = WIDTH - 12);
    };
    row(&mut s, "Amount", &record.fiat.to_string());
    if let Some(c) = &record.crypto {
        row(&mut s, "Paid in", &c.to_string());
    }
    if let Some(r) = &record.received {
        row(&mut s, "Received", &r.to_string());
    }
    row(&mut s, "Method", &record.method.label());
    if record.crypto.is_some() {
        // The network the payment went over (Bitsby: the wallet actually paid).
        row(&mut s, "Network", record.method.method.network());
    }
    row(&mut s, "Status", &record.status_label());
    let _ = writeln!(s, "{rule}");
    if let Some(id) = &record.gateway_id {
        let _ = writeln!(s, "Invoice {id}");
    }
    let _ = writeln!(s, "Reference {}", record.reference);
    if let Some(tx) = &record.tx_id {
        let _ = writeln!(s, "Transaction {tx}");
    }
    if let Some(n) = &record.note {
        let _ = writeln!(s, "Note: {n}");
    }
    let _ = writeln!(s, "{rule}");
    let _ = writeln!(s, "{:^WIDTH$}", "Thank you");
    s
}
