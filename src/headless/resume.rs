//! `till resume`: watches every invoice a previous run left open until each
//! is final, asks once about every expired sale still in its late window
//! (money that came while the till was off is recorded, "paid late"), and
//! settles creates whose answer was never recorded, as a face on the drive
//! loop.

use super::face::{Headless, Story, Turn};
use super::{EXIT_ERROR, EXIT_PAID, fail, warn_conflict};
use crate::core::desk::{Desk, Event, Notice};
use crate::core::invoice::Reference;
use crate::core::record::SaleRecord;
use crate::core::schedule::PollPolicy;
use crate::core::status::Status;
use crate::core::watch::Watch;
use crate::runtime::Runtime;
use crate::runtime::drive::{Drive, run_all};
use serde_json::json;
use std::collections::HashSet;
use tokio::sync::mpsc;

struct Resume {
    json: bool,
    /// Creates still being looked up.
    resolving: HashSet<Reference>,
}

impl Resume {
    fn say(&self, turn: &mut Turn, reference: &str, id: Option<&str>, what: &str, status: Option<&Status>) {
        self.say_noted(turn, reference, id, what, status, None);
    }

    /// As `say`, with a note ("paid late …").
    fn say_noted(
        &self,
        turn: &mut Turn,
        reference: &str,
        id: Option<&str>,
        what: &str,
        status: Option<&Status>,
        note: Option<&str>,
    ) {
        if self.json {
            let mut v = json!({"event": what, "reference": reference});
            if let Some(id) = id {
                v["invoice_id"] = json!(id);
            }
            if let Some(s) = status {
                v["status"] = json!(s.name());
            }
            if let Some(n) = note {
                v["note"] = json!(n);
            }
            turn.lines.push(v.to_string());
        } else {
            let s = status.map(|s| s.label()).unwrap_or_default();
            let n = note.map(|n| format!(" ({n})")).unwrap_or_default();
            turn.lines.push(format!("{reference}: {what} {s}{n}"));
        }
    }
}

impl Story for Resume {
    fn event(&mut self, event: &Event, turn: &mut Turn) {
        // What the journal records for the sale (`not_created`, or `unknown`
        // where the invoice may exist), or `unresolved` when nothing could be
        // recorded (asked again at the next start). A lookup that found the
        // invoice comes as its `Created` notice.
        if let Event::Unresolved { reference, settles } = event {
            self.resolving.remove(reference);
            let what = settles.as_ref().map_or("unresolved", |(state, _)| state.name());
            self.say(turn, reference.as_str(), None, what, None);
        }
    }

    fn notices(&mut self, desk: &Desk, notices: Vec<Notice>, turn: &mut Turn) {
        for notice in notices {
            match notice {
                Notice::Created(reference) => {
                    self.resolving.remove(&reference);
                    let w = desk.watch(&reference);
                    let id = w.map(|w| w.invoice.id.as_str());
                    self.say(turn, reference.as_str(), id, "found", w.map(|w| w.status()));
                }
                Notice::Status { reference, change } if change.from != change.to => {
                    let id = desk.watch(&reference).map(|w| w.invoice.id.as_str());
                    let note = change.note.as_deref();
                    self.say_noted(turn, reference.as_str(), id, "status", Some(&change.to), note);
                }
                Notice::Status { .. } | Notice::Switched(_) => {}
                // An invoice found but not stored: its "found" line goes unprinted.
                Notice::CreateFailed(problem) => {
                    turn.lines.clear();
                    eprintln!("till: {problem}");
                }
                Notice::CancelFailed { problem, .. } => eprintln!("till: {problem}"),
                Notice::Conflict { reference, recorded, reported } => warn_conflict(&reference, &recorded, &reported),
            }
        }
    }

    /// Done when every invoice has been asked about since the start and is
    /// final (an expired one in its late window: asked once).
    fn settled(&self, desk: &Desk) -> Option<i32> {
        // A late watch whose window closed while the gateway would not answer
        // counts as asked: it cannot hold the resume up for ever.
        let asked = |w: &Watch| w.answered || w.is_settled(desk.now, &desk.policy);
        let settled =
            self.resolving.is_empty() && desk.watches.iter().all(|w| asked(w) && !w.in_flight && w.status().is_final());
        settled.then_some(EXIT_PAID)
    }
}

/// `till resume`: watches every invoice a previous run left open until each
/// is final, asks once about each expired one still in its late window
/// (`to_watch` holds them: `Store::to_watch`), and settles creates whose
/// answer was never recorded.
pub async fn resume(
    runtime: Runtime,
    rx: mpsc::UnboundedReceiver<Event>,
    policy: PollPolicy,
    to_watch: Vec<SaleRecord>,
    unresolved: Vec<SaleRecord>,
    json: bool,
    clock: crate::clock::SharedClock,
) -> i32 {
    let story = Resume { json, resolving: unresolved.iter().map(|r| r.reference.clone()).collect() };
    let mut face = Headless::new(crate::runtime::lease::desk(&runtime, policy, clock.now()), story);
    let outcome = face.desk.resume(&to_watch, &unresolved);
    for w in &face.desk.watches {
        face.story.say(&mut face.turn, w.invoice.reference.as_str(), Some(&w.invoice.id), "resumed", Some(w.status()));
    }
    face.story.notices(&face.desk, outcome.notices, &mut face.turn);
    match Drive::new(runtime, rx).run(&mut face, run_all(outcome.commands)).await {
        Ok(code) => code.unwrap_or(EXIT_ERROR),
        Err(e) => fail(&format!("the output failed: {e}")),
    }
}
