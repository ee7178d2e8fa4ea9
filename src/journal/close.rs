//! The day's close in the journal: taking one (the totals of its window, the
//! chain's head, the previous close's hash, one row in `closes`, in one
//! immediate transaction, so two closes of the same day cannot both pass),
//! and verifying the whole chain (every event from the first, then every
//! close against the events it anchors and the close before it).
//!
//! A close's hash is SHA-256 of the previous close's hash and its own fields
//! (day, terminal, instants, the last event's id and chain hash, the totals
//! as JSON): the event chain commits to every event before it, so the close
//! chains the day's log to the previous close.

use super::chain::{self, EVENT_COLUMNS, GENESIS, hex, read_event};
use super::rows::{COLUMNS, from_ms, ms, read_row};
use super::{JournalError, SqliteJournal};
use crate::core::close::{self, Previous, Refusal, ZReport};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use sha2::{Digest, Sha256};

/// Why a close was not taken.
#[derive(Debug, thiserror::Error)]
pub enum CloseError {
    #[error("{0}")]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Journal(#[from] JournalError),
}

/// What `verify` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub events: i64,
    pub closes: usize,
    /// The first place the chain breaks, if it does.
    pub broken: Option<Break>,
}

/// The first break in the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Break {
    /// This event no longer matches its hash (its fields or its hash were
    /// edited, or an event before it was removed). `close`: the first close
    /// whose log includes it, if any.
    Event { id: i64, reference: String, at: Timestamp, missing_before: bool, close: Option<Date> },
    /// The events this close anchors no longer hash to what it recorded
    /// (events were rewritten with fresh hashes, or removed from the end).
    Anchor { day: Date, last_event_id: i64 },
    /// This close's own row was edited, or it no longer links to the one before.
    Close { day: Date },
}

fn put(h: &mut Sha256, s: &str) {
    h.update((s.len() as u64).to_be_bytes());
    h.update(s.as_bytes());
}

/// A close's hash from its stored fields.
fn close_hash(z: &ZReport, totals_json: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"till-close-v1");
    put(&mut h, &z.prev_hash);
    put(&mut h, &z.day.to_string());
    put(&mut h, &z.terminal);
    h.update(ms(z.closed_at).to_be_bytes());
    h.update(ms(z.from).to_be_bytes());
    h.update(ms(z.until).to_be_bytes());
    h.update(z.last_event_id.to_be_bytes());
    put(&mut h, &z.last_event_hash);
    put(&mut h, totals_json);
    hex(&h.finalize().into())
}

const CLOSE_COLUMNS: &str =
    "day, terminal, closed_at, from_at, until_at, last_event_id, last_event_hash, prev_hash, totals, hash";

/// A close row back to the report, with its totals' JSON as stored.
fn read_close(r: &rusqlite::Row<'_>) -> Result<(ZReport, String), JournalError> {
    let day: String = r.get(0)?;
    let day = day.parse::<Date>().map_err(|_| JournalError::Corrupt(format!("close day {day:?}")))?;
    let json: String = r.get(8)?;
    let totals = serde_json::from_str(&json).map_err(|e| JournalError::Corrupt(format!("close totals: {e}")))?;
    let z = ZReport {
        day,
        terminal: r.get(1)?,
        closed_at: from_ms(r.get(2)?)?,
        from: from_ms(r.get(3)?)?,
        until: from_ms(r.get(4)?)?,
        totals,
        last_event_id: r.get(5)?,
        last_event_hash: r.get(6)?,
        prev_hash: r.get(7)?,
        hash: r.get(9)?,
    };
    Ok((z, json))
}

fn all_closes(conn: &Connection) -> Result<Vec<(ZReport, String)>, JournalError> {
    let mut stmt = conn.prepare(&format!("SELECT {CLOSE_COLUMNS} FROM closes ORDER BY id"))?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(read_close(r)?);
    }
    Ok(out)
}

impl SqliteJournal {
    /// Closes `day` at `now`: its totals, chained to the log and to the
    /// previous close, journaled. Refused when the day is closed already,
    /// a later day is, or the day has not begun.
    pub fn take_close(&self, day: Date, tz: &TimeZone, terminal: &str, now: Timestamp) -> Result<ZReport, CloseError> {
        Ok(self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let previous = tx
                .query_row(&format!("SELECT {CLOSE_COLUMNS} FROM closes ORDER BY id DESC LIMIT 1"), [], |r| {
                    Ok(read_close(r))
                })
                .optional()?
                .transpose()?
                .map(|(z, _)| z);
            let prev = previous.as_ref().map(|z| Previous { day: z.day, closed_at: z.closed_at, until: z.until });
            let (from, until) = match close::window(day, tz, now, prev.as_ref()) {
                Ok(w) => w,
                Err(refusal) => return Ok(Err(refusal)),
            };
            let mut stmt = tx.prepare(&format!(
                "SELECT {COLUMNS} FROM invoices WHERE started_at >= ?1 AND started_at < ?2 ORDER BY started_at"
            ))?;
            let mut rows = stmt.query(params![ms(from), ms(until)])?;
            let mut records = Vec::new();
            while let Some(r) = rows.next()? {
                records.push(read_row(r)?);
            }
            drop(rows);
            drop(stmt);
            let head = chain::head(&tx)?;
            let mut z = ZReport {
                day,
                terminal: terminal.to_string(),
                closed_at: now,
                from,
                until,
                totals: close::totals(&records),
                last_event_id: head.id,
                last_event_hash: hex(&head.hash),
                prev_hash: previous.map_or_else(|| hex(&GENESIS), |p| p.hash),
                hash: String::new(),
            };
            let json = serde_json::to_string(&z.totals).map_err(|e| JournalError::Sql(format!("close totals: {e}")))?;
            z.hash = close_hash(&z, &json);
            tx.execute(
                &format!("INSERT INTO closes ({CLOSE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"),
                params![
                    z.day.to_string(),
                    z.terminal,
                    ms(z.closed_at),
                    ms(z.from),
                    ms(z.until),
                    z.last_event_id,
                    z.last_event_hash,
                    z.prev_hash,
                    json,
                    z.hash
                ],
            )?;
            tx.commit()?;
            Ok(Ok(z))
        })??)
    }

    /// The closes taken, oldest first.
    pub fn closes(&self) -> Result<Vec<ZReport>, JournalError> {
        self.with(|c| Ok(all_closes(c)?.into_iter().map(|(z, _)| z).collect()))
    }

    /// Recomputes the chain from the first event and checks every close:
    /// the first break found, in log order.
    pub fn verify(&self) -> Result<Verdict, JournalError> {
        self.with(|c| {
            let closes = all_closes(c)?;
            let covering = |id: i64| closes.iter().find(|(z, _)| z.last_event_id >= id).map(|(z, _)| z.day);
            let mut anchors = closes.iter().map(|(z, _)| z).peekable();
            let mut stmt = c.prepare(&format!("SELECT {EVENT_COLUMNS} FROM events ORDER BY id"))?;
            let mut rows = stmt.query([])?;
            let (mut prev, mut prev_id, mut count) = (GENESIS, 0i64, 0i64);
            let mut broken = None;
            // A close anchors the event it names: each is checked when the
            // log reaches past it (or at its end), against the recomputed chain.
            let anchor_break = |z: &ZReport, id: i64, hash: &[u8; 32]| {
                (z.last_event_id != id || z.last_event_hash != hex(hash))
                    .then_some(Break::Anchor { day: z.day, last_event_id: z.last_event_id })
            };
            while let Some(row) = rows.next()? {
                let (event, stored) = read_event(row)?;
                while broken.is_none()
                    && let Some(z) = anchors.next_if(|z| z.last_event_id < event.id)
                {
                    broken = anchor_break(z, prev_id, &prev);
                }
                if broken.is_some() {
                    break;
                }
                let hash = chain::link(&prev, &event);
                count += 1;
                if stored.as_deref() != Some(hex(&hash).as_str()) {
                    broken = Some(Break::Event {
                        id: event.id,
                        reference: event.reference.clone(),
                        at: from_ms(event.at)?,
                        missing_before: event.id != prev_id + 1,
                        close: covering(event.id),
                    });
                    break;
                }
                (prev, prev_id) = (hash, event.id);
            }
            if broken.is_none() {
                broken = anchors.find_map(|z| anchor_break(z, prev_id, &prev));
            }
            if broken.is_none() {
                let mut prev_hash = hex(&GENESIS);
                for (z, json) in &closes {
                    if z.prev_hash != prev_hash || close_hash(z, json) != z.hash {
                        broken = Some(Break::Close { day: z.day });
                        break;
                    }
                    prev_hash = z.hash.clone();
                }
            }
            Ok(Verdict { events: count, closes: closes.len(), broken })
        })
    }
}
