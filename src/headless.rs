//! `till charge`: one sale without the terminal UI, on the same core and
//! runtime. Text or one JSON object per line; the exit code says how it ended.

use crate::core::desk::{Desk, Event, Notice};
use crate::core::invoice::{Invoice, Reference};
use crate::core::method::PaymentMethod;
use crate::core::money::{Currency, parse_amount};
use crate::core::schedule::PollPolicy;
use crate::core::status::Status;
use crate::qr::QrMatrix;
use crate::runtime::Runtime;
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
        print_line(out, &line.to_string());
        return;
    }
    let crypto = invoice.crypto.as_ref().map(|c| format!(" = {c}")).unwrap_or_default();
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

/// The gateway contradicts a final state: the first stands, the operator is told.
fn warn_conflict(reference: &crate::core::invoice::Reference, recorded: &Status, reported: &Status) {
    tracing::warn!(%reference, %recorded, %reported, "the gateway contradicts a final state; the first one stands");
    eprintln!("till: warning: {reference} is recorded as {recorded} but the gateway now says {reported}: check it");
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
        let offered: Vec<String> = runtime.registry().methods().iter().map(ToString::to_string).collect();
        return fail(&format!("{method} is not configured on this till (offered: {})", offered.join(", ")));
    }
    let mut desk = Desk::new(args.policy, clock.now());
    let mut out = std::io::stdout();
    let ansi = std::io::IsTerminal::is_terminal(&out);
    let mut pending = vec![Event::AmountEntered(amount), Event::MethodChosen(method, Reference::random())];
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        for event in pending.drain(..) {
            let outcome = desk.update(event);
            // Written before it is printed.
            if let Err(problem) = runtime.record(&desk, &outcome.notices) {
                return fail(&problem.message);
            }
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
                    Notice::Switched(_) => {}
                    Notice::Conflict { reference, recorded, reported } => {
                        warn_conflict(&reference, &recorded, &reported)
                    }
                }
            }
        }
        let wake = desk.next_wake();
        tokio::select! {
            Some(event) = rx.recv() => pending.push(event),
            _ = tick.tick() => pending.push(Event::Tick(clock.now())),
            _ = crate::runtime::until(wake, &clock) => pending.push(Event::Tick(clock.now())),
        }
    }
}

/// `till resume`: watches every invoice a previous run left open until each
/// is final, and settles creates whose answer was never recorded.
pub async fn resume(
    runtime: Runtime,
    mut rx: mpsc::UnboundedReceiver<Event>,
    policy: PollPolicy,
    to_watch: Vec<crate::core::record::SaleRecord>,
    unresolved: Vec<crate::core::record::SaleRecord>,
    json: bool,
    clock: crate::clock::SharedClock,
) -> i32 {
    let mut out = std::io::stdout();
    let now = clock.now();
    let mut desk = Desk::new(policy, now);
    let mut resolving: std::collections::HashSet<_> = unresolved.iter().map(|r| r.reference.clone()).collect();
    let say = |out: &mut std::io::Stdout, reference: &str, id: Option<&str>, what: &str, status: Option<&Status>| {
        if json {
            let mut v = json!({"event": what, "reference": reference});
            if let Some(id) = id {
                v["invoice_id"] = json!(id);
            }
            if let Some(s) = status {
                v["status"] = json!(s.name());
            }
            print_line(out, &v.to_string());
        } else {
            let s = status.map(|s| s.label()).unwrap_or_default();
            print_line(out, &format!("{reference}: {what} {s}"));
        }
    };
    let mut outcome = desk.resume(&to_watch, &unresolved);
    for w in &desk.watches {
        say(&mut out, w.invoice.reference.as_str(), Some(&w.invoice.id), "resumed", Some(w.status()));
    }
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        if let Err(problem) = runtime.record(&desk, &outcome.notices) {
            return fail(&problem.message);
        }
        for command in std::mem::take(&mut outcome.commands) {
            runtime.run(command);
        }
        for notice in std::mem::take(&mut outcome.notices) {
            match notice {
                Notice::Created(reference) => {
                    resolving.remove(&reference);
                    if let Some(w) = desk.watch(&reference) {
                        say(&mut out, reference.as_str(), Some(&w.invoice.id), "found", Some(w.status()));
                    }
                }
                Notice::Status { reference, change } if change.from != change.to => {
                    let id = desk.watch(&reference).map(|w| w.invoice.id.clone());
                    say(&mut out, reference.as_str(), id.as_deref(), "status", Some(&change.to));
                }
                Notice::Status { .. } | Notice::Switched(_) => {}
                Notice::CreateFailed(problem) | Notice::CancelFailed { problem, .. } => {
                    eprintln!("till: {problem}");
                }
                Notice::Conflict { reference, recorded, reported } => warn_conflict(&reference, &recorded, &reported),
            }
        }
        // Done when every invoice has been asked about since the start and is final.
        if resolving.is_empty() && desk.watches.iter().all(|w| w.answered && !w.in_flight && w.status().is_final()) {
            return EXIT_PAID;
        }
        let wake = desk.next_wake();
        let event = tokio::select! {
            Some(event) = rx.recv() => event,
            _ = tick.tick() => Event::Tick(clock.now()),
            _ = crate::runtime::until(wake, &clock) => Event::Tick(clock.now()),
        };
        match &event {
            Event::Unresolved(reference) => {
                resolving.remove(reference);
                say(&mut out, reference.as_str(), None, "not_created", None);
            }
            // A lookup whose answer could not be recorded: counted as settled here.
            Event::Created { reference, result: Err(problem) } => {
                resolving.remove(reference);
                eprintln!("till: {problem}");
            }
            _ => {}
        }
        outcome = desk.update(event);
    }
}
