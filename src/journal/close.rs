//! The day's close in the journal: taking one (the totals of its window, the
//! chain's head, the previous close's hash, one row in `closes`, in one
//! immediate transaction, so two closes of the same day cannot both pass),
//! and verifying the whole chain (every event from the first, then every
//! close against the events it anchors and the close before it).
//!
//! `verify` also recomputes each close's totals from the sales in its
//! window, with [`window_sales`], the code the close itself used (each
//! sale's status as the event log stood at the close; its amounts, tax and
//! tip from its row), and checks that every sale's row still shows the
//! status of its last event: the rows' money is not in the hashed log, so
//! this is what catches an edit of an amount, a tip or a status.
//!
//! A close's hash is SHA-256 of the previous close's hash and its own fields
//! (day, terminal, instants, the last event's id and chain hash, the totals
//! as JSON): the event chain commits to every event before it, so the close
//! chains the day's log to the previous close.

use super::chain::{self, EVENT_COLUMNS, GENESIS, RawEvent, hex};
use super::rows::{COLUMNS, from_ms, ms, read_row};
use super::{JournalError, SqliteJournal};
use crate::core::close::{self, Previous, Refusal, ZReport};
use crate::core::money::Money;
use crate::core::record::{RecordState, SaleRecord};
use crate::core::status::Status;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};
use std::str::FromStr;

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
    /// `at` is `None` when the row's time is no longer an instant.
    Event { id: i64, reference: String, at: Option<Timestamp>, missing_before: bool, close: Option<Date> },
    /// The events this close anchors no longer hash to what it recorded
    /// (events were rewritten with fresh hashes, or removed from the end).
    Anchor { day: Date, last_event_id: i64 },
    /// This close's own row was edited, or it no longer links to the one before.
    Close { day: Date },
    /// This sale's row (its amount, breakdown, status…) no longer matches
    /// what the close of `close` saw, or its status no longer matches its
    /// last event (`close`: `None` when no close covers it yet).
    Sale { reference: String, close: Option<Date> },
    /// The close's totals no longer match its window's sales (a sale's row
    /// was removed or added).
    Totals { day: Date },
}

/// A sale's row as the event log stood at event `at_event`: the status (and
/// received amount) of its last event up to it, or still creating when its
/// create came later. Its amounts and breakdown are the row's.
fn as_of(conn: &Connection, r: SaleRecord, at_event: i64) -> Result<SaleRecord, JournalError> {
    if r.state != RecordState::Created {
        return Ok(r);
    }
    let last: Option<(String, String, Option<String>)> = conn
        .query_row(
            "SELECT new_status, raw, received_amount FROM events WHERE reference = ?1 AND id <= ?2 ORDER BY id DESC LIMIT 1",
            params![r.reference.as_str(), at_event],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?;
    at_last_event(r, last)
}

/// A sale's row with the status and received amount of `last`, its last
/// event (new status, raw, received amount) up to some point; still
/// creating when it had none by then. Shared by both stores' closes.
pub(super) fn at_last_event(
    mut r: SaleRecord,
    last: Option<(String, String, Option<String>)>,
) -> Result<SaleRecord, JournalError> {
    match last {
        None => r.state = RecordState::Creating,
        Some((status, raw, received)) => {
            r.status = Status::from_name(&status, &raw)
                .ok_or_else(|| JournalError::Corrupt(format!("event status {status:?}")))?;
            let currency = r.received.as_ref().map_or_else(|| r.fiat.currency.clone(), |m| m.currency.clone());
            r.received = match received {
                None => None,
                Some(a) => Some(Money::new(
                    Decimal::from_str(&a).map_err(|_| JournalError::Corrupt(format!("amount {a:?}")))?,
                    currency,
                )),
            };
        }
    }
    Ok(r)
}

/// The sales a close covers, as the close sees them: those started in
/// [from, until), and those started before `from` whose paid event came
/// after `since_event` (the previous close's last event; `None` for the
/// first close) up to `at_event`, each as of `at_event`.
pub(super) fn window_sales(
    conn: &Connection,
    from: Timestamp,
    until: Timestamp,
    at_event: i64,
    since_event: Option<i64>,
) -> Result<(Vec<SaleRecord>, Vec<SaleRecord>), JournalError> {
    let read = |sql: &str, args: &[&dyn rusqlite::ToSql]| -> Result<Vec<SaleRecord>, JournalError> {
        let mut stmt = conn.prepare(sql)?;
        let mut rows = stmt.query(args)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(as_of(conn, read_row(r)?, at_event)?);
        }
        Ok(out)
    };
    let window = read(
        &format!("SELECT {COLUMNS} FROM invoices WHERE started_at >= ?1 AND started_at < ?2 ORDER BY started_at"),
        &[&ms(from), &ms(until)],
    )?;
    let after = match since_event {
        None => Vec::new(),
        Some(since) => read(
            &format!(
                "SELECT {COLUMNS} FROM invoices WHERE started_at < ?1 AND reference IN
                   (SELECT reference FROM events WHERE new_status = 'paid' AND id > ?2 AND id <= ?3
                      AND (old_status IS NULL OR old_status <> 'paid'))
                 ORDER BY started_at"
            ),
            &[&ms(from), &since, &at_event],
        )?,
    };
    Ok((window, after))
}

/// The first sale whose row no longer shows its last event's status.
fn status_mismatch(conn: &Connection) -> Result<Option<(String, i64)>, JournalError> {
    Ok(conn
        .query_row(
            "SELECT i.reference, i.started_at FROM invoices i
             WHERE i.state = 'created' AND i.status IS NOT
               (SELECT e.new_status FROM events e WHERE e.reference = i.reference ORDER BY e.id DESC LIMIT 1)
             ORDER BY i.started_at LIMIT 1",
            [],
            |r| Ok((r.get::<_, rusqlite::types::Value>(0)?, r.get::<_, rusqlite::types::Value>(1)?)),
        )
        .optional()?
        .map(|(reference, at)| {
            let reference = match reference {
                rusqlite::types::Value::Text(s) => s,
                other => format!("{other:?}"),
            };
            let at = match at {
                rusqlite::types::Value::Integer(i) => i,
                _ => i64::MAX,
            };
            (reference, at)
        }))
}

/// The first sale of the close's window (or of its list) whose row can no
/// longer be read (an amount that is not a number, a status the till does
/// not know).
fn unreadable_sale(conn: &Connection, z: &ZReport) -> Result<Option<String>, JournalError> {
    let mut stmt =
        conn.prepare(&format!("SELECT {COLUMNS} FROM invoices WHERE started_at < ?1 ORDER BY started_at"))?;
    let mut rows = stmt.query(params![ms(z.until)])?;
    while let Some(r) = rows.next()? {
        if read_row(r).is_err() {
            let reference = match r.get::<_, rusqlite::types::Value>(0)? {
                rusqlite::types::Value::Text(s) => s,
                other => format!("{other:?}"),
            };
            if ms(z.from) <= r.get::<_, i64>(7).unwrap_or(i64::MAX) || z.totals.fingerprints.contains_key(&reference) {
                return Ok(Some(reference));
            }
        }
    }
    Ok(None)
}

/// What one close's recomputed totals say against its stored ones.
fn totals_break(conn: &Connection, z: &ZReport, since_event: Option<i64>) -> Result<Option<Break>, JournalError> {
    let (window, after) = match window_sales(conn, z.from, z.until, z.last_event_id, since_event) {
        Ok(sales) => sales,
        Err(e) => {
            return match unreadable_sale(conn, z)? {
                Some(reference) => Ok(Some(Break::Sale { reference, close: Some(z.day) })),
                None => Err(e),
            };
        }
    };
    let now = close::totals(&window, &after);
    if now == z.totals {
        return Ok(None);
    }
    let close = Some(z.day);
    for (reference, print) in &z.totals.fingerprints {
        if now.fingerprints.get(reference) != Some(print) {
            return Ok(Some(Break::Sale { reference: reference.clone(), close }));
        }
    }
    if let Some(reference) = now.fingerprints.keys().find(|r| !z.totals.fingerprints.contains_key(*r)) {
        return Ok(Some(Break::Sale { reference: reference.clone(), close }));
    }
    Ok(Some(Break::Totals { day: z.day }))
}

fn put(h: &mut Sha256, s: &str) {
    h.update((s.len() as u64).to_be_bytes());
    h.update(s.as_bytes());
}

/// A close's hash from its stored fields.
pub(super) fn close_hash(z: &ZReport, totals_json: &str) -> String {
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

pub(super) const CLOSE_COLUMNS: &str =
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
        self.close_of(day, tz, terminal, now, true)
    }

    /// What closing `day` at `now` would give (the same code, nothing
    /// written): for the dashboard's confirmation.
    pub fn preview_close(
        &self,
        day: Date,
        tz: &TimeZone,
        terminal: &str,
        now: Timestamp,
    ) -> Result<ZReport, CloseError> {
        self.close_of(day, tz, terminal, now, false)
    }

    fn close_of(
        &self,
        day: Date,
        tz: &TimeZone,
        terminal: &str,
        now: Timestamp,
        write: bool,
    ) -> Result<ZReport, CloseError> {
        Ok(self.with(|c| {
            let tx = if write {
                c.transaction_with_behavior(TransactionBehavior::Immediate)?
            } else {
                c.transaction_with_behavior(TransactionBehavior::Deferred)?
            };
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
            let head = chain::head(&tx)?;
            let since = previous.as_ref().map(|p| p.last_event_id);
            let (records, after) = window_sales(&tx, from, until, head.id, since)?;
            let mut z = ZReport {
                day,
                terminal: terminal.to_string(),
                closed_at: now,
                from,
                until,
                totals: close::totals(&records, &after),
                last_event_id: head.id,
                last_event_hash: hex(&head.hash),
                prev_hash: previous.map_or_else(|| hex(&GENESIS), |p| p.hash),
                hash: String::new(),
            };
            let json = serde_json::to_string(&z.totals).map_err(|e| JournalError::Sql(format!("close totals: {e}")))?;
            z.hash = close_hash(&z, &json);
            if !write {
                return Ok(Ok(z));
            }
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

    /// Recomputes the chain from the first event and checks every close
    /// (its anchor, its link, its totals against its window's sales), then
    /// every sale's status against its last event: the first break found.
    /// A row whose columns changed type breaks at that row; nothing here
    /// depends on the head read at open.
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
                let event = RawEvent::read(row)?;
                let id = event.id();
                while broken.is_none()
                    && let Some(z) = anchors.next_if(|z| z.last_event_id < id)
                {
                    broken = anchor_break(z, prev_id, &prev);
                }
                if broken.is_some() {
                    break;
                }
                let hash = event.link(&prev);
                count += 1;
                if event.stored_hash() != Some(hex(&hash).as_str()) {
                    broken = Some(Break::Event {
                        id,
                        reference: event.reference(),
                        at: event.at().and_then(|at| Timestamp::from_millisecond(at).ok()),
                        missing_before: id != prev_id + 1,
                        close: covering(id),
                    });
                    break;
                }
                (prev, prev_id) = (hash, id);
            }
            drop(rows);
            drop(stmt);
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
            if broken.is_none() {
                let mut since = None;
                for (z, _) in &closes {
                    if let Some(b) = totals_break(c, z, since)? {
                        broken = Some(b);
                        break;
                    }
                    since = Some(z.last_event_id);
                }
            }
            if broken.is_none()
                && let Some((reference, started)) = status_mismatch(c)?
            {
                let close = closes.iter().find(|(z, _)| ms(z.until) > started).map(|(z, _)| z.day);
                broken = Some(Break::Sale { reference, close });
            }
            Ok(Verdict { events: count, closes: closes.len(), broken })
        })
    }
}
