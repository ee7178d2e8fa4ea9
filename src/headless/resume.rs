//! `till resume`: watches every invoice a previous run left open until each
//! is final, and settles creates whose answer was never recorded, as a face
//! on the drive loop.

use super::{EXIT_ERROR, EXIT_PAID, fail, flush, warn_conflict};
use crate::core::desk::{Desk, Event, Notice};
use crate::core::invoice::Reference;
use crate::core::record::SaleRecord;
use crate::core::schedule::PollPolicy;
use crate::core::status::Status;
use crate::runtime::Runtime;
use crate::runtime::drive::{Drive, Effect, Face, Input, run_all};
use serde_json::json;
use std::collections::HashSet;
use tokio::sync::mpsc;

struct Resume {
    desk: Desk,
    json: bool,
    /// Creates still being looked up.
    resolving: HashSet<Reference>,
    lines: Vec<String>,
    done: Option<i32>,
}

impl Resume {
    fn say(&mut self, reference: &str, id: Option<&str>, what: &str, status: Option<&Status>) {
        if self.json {
            let mut v = json!({"event": what, "reference": reference});
            if let Some(id) = id {
                v["invoice_id"] = json!(id);
            }
            if let Some(s) = status {
                v["status"] = json!(s.name());
            }
            self.lines.push(v.to_string());
        } else {
            let s = status.map(|s| s.label()).unwrap_or_default();
            self.lines.push(format!("{reference}: {what} {s}"));
        }
    }

    fn feed(&mut self, event: Event) -> Vec<Effect> {
        match &event {
            Event::Unresolved { reference, .. } => {
                self.resolving.remove(reference);
                self.say(reference.as_str(), None, "not_created", None);
            }
            // A lookup whose answer could not be recorded: counted as settled here.
            Event::Created { reference, result: Err(problem) } => {
                self.resolving.remove(reference);
                eprintln!("till: {problem}");
            }
            _ => {}
        }
        let outcome = self.desk.update(event);
        self.told(outcome.notices);
        run_all(outcome.commands)
    }

    fn told(&mut self, notices: Vec<Notice>) {
        for notice in notices {
            match notice {
                Notice::Created(reference) => {
                    self.resolving.remove(&reference);
                    let (id, status) = match self.desk.watch(&reference) {
                        Some(w) => (Some(w.invoice.id.clone()), Some(w.status().clone())),
                        None => (None, None),
                    };
                    self.say(reference.as_str(), id.as_deref(), "found", status.as_ref());
                }
                Notice::Status { reference, change } if change.from != change.to => {
                    let id = self.desk.watch(&reference).map(|w| w.invoice.id.clone());
                    self.say(reference.as_str(), id.as_deref(), "status", Some(&change.to));
                }
                Notice::Status { .. } | Notice::Switched(_) => {}
                Notice::CreateFailed(problem) | Notice::CancelFailed { problem, .. } => {
                    eprintln!("till: {problem}");
                }
                Notice::Conflict { reference, recorded, reported } => warn_conflict(&reference, &recorded, &reported),
            }
        }
    }
}

impl Face for Resume {
    type Key = ();

    fn update(&mut self, input: Input<()>) -> Vec<Effect> {
        match input {
            Input::Core(event) => self.feed(event),
            Input::Tick(now) => self.feed(Event::Tick(now)),
            Input::JournalFailed(message) => {
                self.lines.clear();
                self.done = Some(fail(&message));
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn desk(&self) -> &Desk {
        &self.desk
    }

    fn render(&mut self) -> std::io::Result<()> {
        flush(&mut self.lines);
        Ok(())
    }

    /// Done when every invoice has been asked about since the start and is final.
    fn finished(&self) -> Option<i32> {
        self.done.or_else(|| {
            let settled = self.resolving.is_empty()
                && self.desk.watches.iter().all(|w| w.answered && !w.in_flight && w.status().is_final());
            settled.then_some(EXIT_PAID)
        })
    }
}

/// `till resume`: watches every invoice a previous run left open until each
/// is final, and settles creates whose answer was never recorded.
pub async fn resume(
    runtime: Runtime,
    rx: mpsc::UnboundedReceiver<Event>,
    policy: PollPolicy,
    to_watch: Vec<SaleRecord>,
    unresolved: Vec<SaleRecord>,
    json: bool,
    clock: crate::clock::SharedClock,
) -> i32 {
    let mut face = Resume {
        desk: Desk::new(policy, clock.now()),
        json,
        resolving: unresolved.iter().map(|r| r.reference.clone()).collect(),
        lines: Vec::new(),
        done: None,
    };
    let outcome = face.desk.resume(&to_watch, &unresolved);
    let resumed: Vec<(Reference, String, Status)> = face
        .desk
        .watches
        .iter()
        .map(|w| (w.invoice.reference.clone(), w.invoice.id.clone(), w.status().clone()))
        .collect();
    for (reference, id, status) in &resumed {
        face.say(reference.as_str(), Some(id), "resumed", Some(status));
    }
    face.told(outcome.notices);
    match Drive::new(runtime, rx).run(&mut face, run_all(outcome.commands)).await {
        Ok(code) => code.unwrap_or(EXIT_ERROR),
        Err(e) => fail(&format!("the output failed: {e}")),
    }
}
