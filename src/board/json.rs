//! `till board --json`: one JSON line per update applied, then one per
//! notice it raised, for scripts and tests. The lines:
//!
//! - `{"event":"snapshot","rows":N,"terminals":[…],"at":"…"}` at start and
//!   after each reconnect;
//! - `{"event":"row","reference":…,"terminal":…,"status":…,"watched_by":…}`
//!   for each changed invoice;
//! - `{"event":"terminals","terminals":[…]}`, each terminal as
//!   `{"terminal":…,"alive":…,"last_seen":…,"unreachable":[…]}`;
//! - `{"event":"lost","message":…}` when the store cannot be reached;
//! - `{"event":"notice","kind":"paid"|"attention","reference":…,…}`.
//!
//! Under `--terminal T` only T's rows (made or watched by it) are written.

use super::state::Notice;
use crate::journal::fleet::{BoardRow, BoardUpdate, TerminalState};
use serde_json::{Value, json};

/// The lines for one update and the notices it raised, each without its
/// newline.
pub fn lines(update: &BoardUpdate, notices: &[Notice], terminal: Option<&str>) -> Vec<String> {
    let keeps = |r: &BoardRow| terminal.is_none_or(|t| r.record.terminal == t || r.watched_by.as_deref() == Some(t));
    let mut out: Vec<Value> = Vec::new();
    match update {
        BoardUpdate::Snapshot { rows, terminals, at } => out.push(json!({
            "event": "snapshot",
            "rows": rows.iter().filter(|r| keeps(r)).count(),
            "terminals": terminals.iter().map(terminal_json).collect::<Vec<_>>(),
            "at": at.to_string(),
        })),
        BoardUpdate::Rows(rows) => out.extend(rows.iter().filter(|r| keeps(r)).map(|r| {
            json!({
                "event": "row",
                "reference": r.record.reference.as_str(),
                "terminal": r.record.terminal,
                "status": r.record.status.name(),
                "watched_by": r.watched_by,
            })
        })),
        BoardUpdate::Terminals(terminals) => out.push(json!({
            "event": "terminals",
            "terminals": terminals.iter().map(terminal_json).collect::<Vec<_>>(),
        })),
        BoardUpdate::Lost(message) => out.push(json!({ "event": "lost", "message": message })),
    }
    out.extend(notices.iter().filter(|n| terminal.is_none_or(|t| n.terminal == t)).map(|n| {
        json!({
            "event": "notice",
            "kind": n.kind.name(),
            "reference": n.reference.as_str(),
            "terminal": n.terminal,
            "status": n.status.name(),
            "amount": n.amount.to_string(),
            "note": n.note,
        })
    }));
    out.into_iter().map(|v| v.to_string()).collect()
}

fn terminal_json(t: &TerminalState) -> Value {
    json!({
        "terminal": t.terminal,
        "alive": t.alive,
        "last_seen": t.last_seen.to_string(),
        "unreachable": t.unreachable.iter().map(|p| p.id()).collect::<Vec<_>>(),
    })
}
