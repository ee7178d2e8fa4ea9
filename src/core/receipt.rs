//! The receipt of a paid sale as one model (`Receipt`: a list of lines and
//! the reference for the QR), laid out for any width. The text file
//! (`text`, 40 columns) and the paper (`print::receipt`, 32 or 48 columns)
//! both read this model, so they never disagree.
//!
//! It lists the shop, the date and time in the shop's time zone, the
//! terminal and reference, the amount (with tip and tax when the sale has a
//! breakdown) and the fiat total, the crypto amount with unit and network
//! (after a switch, the one actually paid), the gateway and the rate it
//! implies, the transaction id, and the notes (paid late, underpaid).

use super::record::SaleRecord;
use rust_decimal::{Decimal, RoundingStrategy};

/// The width of the text file written beside the journal.
pub const TEXT_WIDTH: usize = 40;

/// One line of the receipt, before layout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Line {
    /// The shop's name: centred, large on paper.
    Title(String),
    /// Centred text.
    Center(String),
    /// A label on the left, a value on the right.
    Row(String, String),
    /// Like a row, bold on paper (the total).
    Total(String, String),
    /// A rule across the width.
    Rule,
    /// Left-aligned text, wrapped.
    Text(String),
}

/// A receipt, ready to lay out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub lines: Vec<Line>,
    /// What the QR at the foot carries: the sale's reference.
    pub qr: String,
}

/// The receipt of `record`. `shop` and `tz` come from the config.
pub fn build(record: &SaleRecord, shop: &str, tz: &jiff::tz::TimeZone) -> Receipt {
    let mut lines = vec![Line::Title(shop.to_string())];
    let when = record.created_at.unwrap_or(record.started_at).to_zoned(tz.clone());
    lines.push(Line::Center(when.strftime("%Y-%m-%d %H:%M:%S %Z").to_string()));
    lines.push(Line::Center(format!("Terminal {}", record.terminal)));
    lines.push(Line::Rule);
    let row = |k: &str, v: String| Line::Row(k.to_string(), v);
    lines.extend(money_lines(record));
    lines.push(Line::Rule);
    if let Some(c) = &record.crypto {
        lines.push(row("Paid in", c.to_string()));
    }
    if let Some(r) = &record.received {
        lines.push(row("Received", r.to_string()));
    }
    // The method and the gateway that served it: "USDT on TRON (xPay)".
    lines.push(row("Method", record.method.label()));
    if record.crypto.is_some() {
        // The network the payment went over (Bitsby: the wallet actually paid).
        lines.push(row("Network", record.method.method.network().to_string()));
    }
    if let Some(rate) = rate(record) {
        lines.push(row("Rate", rate));
    }
    lines.push(row("Status", record.status_label()));
    lines.push(Line::Rule);
    lines.push(Line::Text(format!("Reference {}", record.reference)));
    if let Some(id) = &record.gateway_id {
        lines.push(Line::Text(format!("Invoice {id}")));
    }
    if let Some(tx) = &record.tx_id {
        lines.push(Line::Text(format!("Transaction {tx}")));
    }
    if let Some(n) = &record.note {
        lines.push(Line::Text(format!("Note: {n}")));
    }
    lines.push(Line::Rule);
    lines.push(Line::Center("Thank you".into()));
    Receipt { lines, qr: record.reference.to_string() }
}

/// The amount lines and the fiat total.
fn money_lines(record: &SaleRecord) -> Vec<Line> {
    vec![Line::Total("Total".into(), record.fiat.to_string())]
}

/// The rate the gateway's crypto amount implies: fiat per crypto unit, with
/// enough decimals to be read (at least the currency's, six significant
/// digits for small rates such as fiat per sat).
pub fn rate(record: &SaleRecord) -> Option<String> {
    let crypto = record.crypto.as_ref()?;
    if crypto.amount <= Decimal::ZERO {
        return None;
    }
    let total = record.fiat.amount.checked_div(crypto.amount)?;
    let decimals = record.fiat.currency.decimals();
    let mut dp = decimals;
    // Small rates (fiat per sat): keep six significant digits.
    if total < Decimal::ONE && !total.is_zero() {
        let mut t = total;
        let mut lead = 0;
        while t < Decimal::ONE && lead < 20 {
            t *= Decimal::TEN;
            lead += 1;
        }
        dp = dp.max(lead + 5);
    }
    let mut shown = total.round_dp_with_strategy(dp, RoundingStrategy::MidpointNearestEven);
    if shown.scale() < decimals {
        shown.rescale(decimals);
    }
    Some(format!("{shown} {}/{}", record.fiat.currency.code(), crypto.unit))
}

impl Receipt {
    /// The receipt as text lines, none wider than `width` columns.
    pub fn layout(&self, width: usize) -> Vec<String> {
        self.layout_with(width, true)
    }

    /// `wrap_text` false: the free text (ids, notes) stays on one line, for
    /// a file where a transaction id is copied whole.
    fn layout_with(&self, width: usize, wrap_text: bool) -> Vec<String> {
        let mut out = Vec::new();
        for line in &self.lines {
            match line {
                Line::Title(t) | Line::Center(t) => {
                    for part in wrap(t, width) {
                        out.push(center(&part, width));
                    }
                }
                Line::Row(k, v) | Line::Total(k, v) => out.extend(row(k, v, width)),
                Line::Rule => out.push("-".repeat(width)),
                Line::Text(t) if !wrap_text => out.push(t.clone()),
                Line::Text(t) => out.extend(wrap(t, width)),
            }
        }
        out
    }
}

/// The text file's receipt (40 columns; ids and notes unwrapped).
pub fn text(record: &SaleRecord, shop: &str, tz: &jiff::tz::TimeZone) -> String {
    let mut s = String::new();
    for line in build(record, shop, tz).layout_with(TEXT_WIDTH, false) {
        s.push_str(line.trim_end());
        s.push('\n');
    }
    s
}

/// Centres `t` in `width` columns.
pub fn center(t: &str, width: usize) -> String {
    let n = t.chars().count();
    let pad = width.saturating_sub(n) / 2;
    format!("{}{t}", " ".repeat(pad))
}

/// A label and a value on one line when they fit, else the value on its own
/// right-aligned line(s) under the label.
pub fn row(k: &str, v: &str, width: usize) -> Vec<String> {
    let (kn, vn) = (k.chars().count(), v.chars().count());
    if kn + 1 + vn <= width {
        return vec![format!("{k}{}{v}", " ".repeat(width - kn - vn))];
    }
    let mut out = wrap(k, width);
    for part in wrap(v, width) {
        let n = part.chars().count();
        out.push(format!("{}{part}", " ".repeat(width.saturating_sub(n))));
    }
    out
}

/// Splits `t` into lines of at most `width` characters, at spaces when it
/// can, else mid-word (long ids).
pub fn wrap(t: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    let mut line = String::new();
    for word in t.split(' ') {
        let (ln, wn) = (line.chars().count(), word.chars().count());
        if ln > 0 && ln + 1 + wn <= width {
            line.push(' ');
            line.push_str(word);
            continue;
        }
        if ln > 0 {
            out.push(std::mem::take(&mut line));
        }
        let mut chars: Vec<char> = word.chars().collect();
        while chars.len() > width {
            let rest = chars.split_off(width);
            out.push(chars.into_iter().collect());
            chars = rest;
        }
        line = chars.into_iter().collect();
    }
    if !line.is_empty() || out.is_empty() {
        out.push(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_every_line_within_the_width_and_every_character() {
        let t = "Transaction 0x7f3a9c1e5b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a6c8e";
        for width in [32, 48] {
            let lines = wrap(t, width);
            assert!(lines.iter().all(|l| l.chars().count() <= width), "{lines:?}");
            assert_eq!(lines.concat().replace(' ', ""), t.replace(' ', ""));
        }
    }

    #[test]
    fn a_row_too_long_for_one_line_puts_the_value_under_the_label() {
        let lines = row("Paid in", "0.000123456789012345678901 USDT", 32);
        assert_eq!(lines.len(), 2);
        assert!(lines.iter().all(|l| l.chars().count() <= 32));
        assert!(lines[1].ends_with("USDT"));
    }
}
