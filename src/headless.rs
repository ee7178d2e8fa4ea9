//! `till charge`: one sale without the terminal UI, on the same core and
//! runtime. Text or one JSON object per line; the exit code says how it ended.

use crate::core::desk::{Desk, Event, Notice};
use crate::core::invoice::Invoice;
use crate::core::method::PaymentMethod;
use crate::core::money::{Currency, parse_amount};
use crate::core::schedule::PollPolicy;
use crate::core::status::Status;
use crate::runtime::Runtime;
use crate::tui::app::random_reference;
use crate::tui::qr::QrMatrix;
use rust_decimal::Decimal;
use serde_json::json;
use std::io::Write;
use std::time::Duration;
use tokio::sync::mpsc;

/// Exit codes of `till charge`.
pub const EXIT_PAID: i32 = 0;
pub const EXIT_ERROR: i32 = 1;
pub const EXIT_EXPIRED: i32 = 2;
pub const EXIT_CANCELED: i32 = 3;

pub struct ChargeArgs<'a> {
    pub amount: &'a str,
    pub method: &'a str,
    pub json: bool,
    pub currency: Currency,
    pub max_amount: Decimal,
    pub policy: PollPolicy,
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

fn fail(message: &str) -> i32 {
    eprintln!("till: {message}");
    EXIT_ERROR
}

fn print_line(out: &mut impl Write, line: &str) {
    // A closed stdout (a pipe gone) must not panic the sale: the exit code still tells.
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn print_created(out: &mut impl Write, invoice: &Invoice, json: bool, ansi: bool) {
    if json {
        let line = json!({
            "event": "created",
            "invoice_id": invoice.id,
            "provider": invoice.method.provider.id(),
            "method": invoice.method.to_string(),
            "payload": invoice.payload.qr,
            "amount": invoice.fiat.amount_text(),
            "currency": invoice.fiat.currency.code(),
            "expires_at": invoice.expires_at.to_string(),
        });
        print_line(out, &line.to_string());
        return;
    }
    let crypto = invoice
        .crypto
        .as_ref()
        .map(|c| format!(" = {c}"))
        .unwrap_or_default();
    print_line(
        out,
        &format!(
            "Invoice {} at {}: {}{crypto}, {}",
            invoice.id,
            invoice.method.provider.name(),
            invoice.fiat,
            invoice.method.method.network()
        ),
    );
    match QrMatrix::encode(&invoice.payload.qr) {
        Ok(m) => {
            for line in m.text_lines(ansi) {
                print_line(out, &line);
            }
        }
        Err(e) => print_line(out, &format!("(the QR code could not be drawn: {e})")),
    }
    print_line(out, &invoice.payload.qr);
    print_line(out, &format!("Expires at {}", invoice.expires_at));
}

fn print_status(out: &mut impl Write, status: &Status, note: Option<&str>, json: bool) {
    if json {
        let mut v = json!({"event": "status", "status": status.name()});
        if let Status::Unknown(raw) = status {
            v["raw"] = json!(raw);
        }
        if let Some(n) = note {
            v["note"] = json!(n);
        }
        print_line(out, &v.to_string());
    } else {
        let note = note.map(|n| format!(" ({n})")).unwrap_or_default();
        print_line(out, &format!("Status: {}{note}", status.label()));
    }
}

/// Runs the sale to its first final state and returns the exit code.
pub async fn charge(
    args: ChargeArgs<'_>,
    runtime_for: impl FnOnce(mpsc::UnboundedSender<Event>) -> Runtime,
    clock: crate::clock::SharedClock,
) -> i32 {
    let amount = match parse_amount(args.amount, &args.currency, args.max_amount) {
        Ok(a) => a,
        Err(e) => return fail(&format!("the amount {:?} is refused: {e}", args.amount)),
    };
    let method: PaymentMethod = match args.method.parse() {
        Ok(m) => m,
        Err(e) => return fail(&e.to_string()),
    };
    let (tx, mut rx) = mpsc::unbounded_channel();
    let runtime = runtime_for(tx);
    if !runtime.registry().methods().contains(&method) {
        let offered: Vec<String> = runtime
            .registry()
            .methods()
            .iter()
            .map(ToString::to_string)
            .collect();
        return fail(&format!(
            "{method} is not configured on this till (offered: {})",
            offered.join(", ")
        ));
    }
    let mut desk = Desk::new(args.policy, clock.now());
    let mut out = std::io::stdout();
    let ansi = std::io::IsTerminal::is_terminal(&out);
    let mut pending = vec![
        Event::AmountEntered(amount),
        Event::MethodChosen(method, random_reference()),
    ];
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        for event in pending.drain(..) {
            let outcome = desk.update(event);
            for command in outcome.commands {
                runtime.run(command);
            }
            for notice in outcome.notices {
                match notice {
                    Notice::Created(reference) => {
                        if let Some(w) = desk.watch(&reference) {
                            print_created(&mut out, &w.invoice, args.json, ansi);
                            print_status(&mut out, w.status(), None, args.json);
                            if let Some(code) = exit_code(w.status()) {
                                return code;
                            }
                        }
                    }
                    Notice::Status { change, .. } => {
                        print_status(&mut out, &change.to, change.note.as_deref(), args.json);
                        if let Some(code) = exit_code(&change.to) {
                            return code;
                        }
                    }
                    Notice::CreateFailed(problem) => return fail(&problem.message),
                    Notice::CancelFailed { problem, .. } => return fail(&problem.message),
                }
            }
        }
        tokio::select! {
            Some(event) = rx.recv() => pending.push(event),
            _ = tick.tick() => pending.push(Event::Tick(clock.now())),
        }
    }
}
