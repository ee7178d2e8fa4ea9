//! The faces without a terminal UI, on the same desk and drive loop as the
//! TUI: `till charge` (one sale) and `till resume` (what a previous run left).
//! Text or one JSON object per line; the exit code says how it ended. Lines
//! are printed when the face renders, so after the journal has them.

mod charge;
mod face;
mod resume;

pub use charge::charge;
pub use resume::resume;

use crate::core::invoice::Invoice;
use crate::core::money::Currency;
use crate::core::schedule::PollPolicy;
use crate::core::status::Status;
use crate::qr::QrMatrix;
use rust_decimal::Decimal;
use serde_json::json;
use std::io::Write;

/// Exit codes of `till charge` (the table is `crate::cli::exit`).
pub const EXIT_PAID: i32 = crate::cli::exit::OK;
pub const EXIT_ERROR: i32 = crate::cli::exit::ERROR;
pub const EXIT_EXPIRED: i32 = crate::cli::exit::EXPIRED;
pub const EXIT_CANCELED: i32 = crate::cli::exit::CANCELED;
/// The arguments are wrong (an amount, a method): nothing was charged.
pub const EXIT_USAGE: i32 = crate::cli::exit::USAGE;

pub struct ChargeArgs<'a> {
    pub amount: &'a str,
    pub method: &'a str,
    pub json: bool,
    pub currency: Currency,
    pub max_amount: Decimal,
    pub policy: PollPolicy,
    /// `--tip`: a tip on top of the amount, not taxed.
    pub tip: Option<&'a str>,
    /// `--tax`: the name of the `[tax]` rate; required when several are
    /// configured, else the only one.
    pub tax: Option<&'a str>,
    /// `[tax]`.
    pub taxes: crate::core::tax::TaxSetting,
}

/// The exit code for a final state.
pub fn exit_code(status: &Status) -> Option<i32> {
    match status {
        Status::Paid => Some(EXIT_PAID),
        Status::Expired | Status::ExpiredUnderpaid => Some(EXIT_EXPIRED),
        Status::Canceled => Some(EXIT_CANCELED),
        _ => None,
    }
}

pub(crate) fn fail(message: &str) -> i32 {
    eprintln!("till: {message}");
    EXIT_ERROR
}

/// An argument refused: the message, and the usage exit code.
pub(crate) fn usage(message: &str) -> i32 {
    eprintln!("till: {message}");
    EXIT_USAGE
}

pub(crate) fn print_line(out: &mut impl Write, line: &str) {
    // A closed stdout (a pipe gone) must not panic the sale: the exit code still tells.
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

pub(crate) fn print_created(out: &mut Vec<String>, invoice: &Invoice, json: bool, ansi: bool) {
    if json {
        let line = json!({
            "event": "created",
            "reference": invoice.reference.as_str(),
            "invoice_id": invoice.id,
            "provider": invoice.method.provider.id(),
            "method": invoice.method.to_string(),
            "payload": invoice.payload.qr,
            "amount": invoice.fiat.amount_text(),
            "currency": invoice.fiat.currency.code(),
            "expires_at": invoice.expires_at.to_string(),
            "crypto": invoice.crypto.as_ref().map(|c| c.to_string()),
        });
        out.push(line.to_string());
        return;
    }
    let crypto = invoice.crypto.as_ref().map(|c| format!(" = {c}")).unwrap_or_default();
    out.push(format!(
        "Invoice {} at {}: {}{crypto}, {}",
        invoice.id,
        invoice.method.provider.name(),
        invoice.fiat,
        invoice.method.method.network()
    ));
    match QrMatrix::encode(&invoice.payload.qr) {
        Ok(m) => {
            out.extend(m.text_lines(ansi));
        }
        Err(e) => out.push(format!("(the QR code could not be drawn: {e})")),
    }
    out.push(invoice.payload.qr.clone());
    out.push(format!("Expires at {}", invoice.expires_at));
}

pub(crate) fn print_status(out: &mut Vec<String>, status: &Status, note: Option<&str>, json: bool) {
    if json {
        let mut v = json!({"event": "status", "status": status.name()});
        if let Status::Unknown(raw) = status {
            v["raw"] = json!(raw);
        }
        if let Some(n) = note {
            v["note"] = json!(n);
        }
        out.push(v.to_string());
    } else {
        let note = note.map(|n| format!(" ({n})")).unwrap_or_default();
        out.push(format!("Status: {}{note}", status.label()));
    }
}

/// The gateway contradicts a final state: the first stands, the operator is told.
pub(crate) fn warn_conflict(reference: &crate::core::invoice::Reference, recorded: &Status, reported: &Status) {
    tracing::warn!(%reference, %recorded, %reported, "the gateway contradicts a final state; the first one stands");
    eprintln!("till: warning: {reference} is recorded as {recorded} but the gateway now says {reported}: check it");
}

/// Prints the lines a turn produced, in order.
pub(crate) fn flush(lines: &mut Vec<String>) {
    let mut out = std::io::stdout();
    for line in lines.drain(..) {
        print_line(&mut out, &line);
    }
}
