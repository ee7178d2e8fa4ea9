//! The hash chain over the append-only event log: each row's `hash` is
//! SHA-256 of the previous row's hash and a canonical encoding of the row's
//! own fields (its id among them), computed when the row is written. A row
//! edited by hand (the append-only trigger dropped, then an UPDATE) no longer
//! matches its hash, and `till close --verify` names it; a row deleted breaks
//! the next one's link.
//!
//! The journal keeps the chain's head (the last id and hash) in memory, read
//! once at open by one rowid lookup, so a start stays flat however long the
//! log. Rows written before the chain existed are hashed once, in order, by
//! migration 5 ([`backfill`]): what was changed before that is not detected.

use super::JournalError;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

/// The schema version that brought the chain (its migration hashes old rows).
pub const MIGRATION: i64 = 5;

/// The hash the first event links to.
pub const GENESIS: [u8; 32] = [0; 32];

/// One row of the event log, as hashed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Event {
    pub id: i64,
    pub reference: String,
    pub at: i64,
    pub old_status: Option<String>,
    pub new_status: String,
    pub origin: String,
    pub received_amount: Option<String>,
    pub raw: String,
    pub note: Option<String>,
}

impl Event {
    /// The line of an invoice the gateway made (its first status).
    pub fn created(invoice: &crate::core::invoice::Invoice, at: jiff::Timestamp) -> Event {
        Event {
            reference: invoice.reference.as_str().to_string(),
            at: at.as_millisecond(),
            new_status: invoice.status.name().to_string(),
            origin: "gateway".into(),
            received_amount: invoice.received.as_ref().map(|m| m.amount.to_string()),
            raw: super::rows::raw_of(&invoice.status),
            ..Event::default()
        }
    }

    /// The line of a status change, with the watch as it now stands.
    pub fn status(
        watch: &crate::core::watch::Watch,
        change: &crate::core::watch::Change,
        at: jiff::Timestamp,
    ) -> Event {
        let inv = &watch.invoice;
        Event {
            reference: inv.reference.as_str().to_string(),
            at: at.as_millisecond(),
            old_status: Some(change.from.name().to_string()),
            new_status: change.to.name().to_string(),
            origin: change.origin.name().to_string(),
            received_amount: inv.received.as_ref().map(|m| m.amount.to_string()),
            raw: watch.raw.clone(),
            note: change.note.clone(),
            id: 0,
        }
    }

    /// The line of a switch to another way to pay (a Bitsby wallet).
    pub fn switch(watch: &crate::core::watch::Watch, at: jiff::Timestamp) -> Event {
        let inv = &watch.invoice;
        Event {
            reference: inv.reference.as_str().to_string(),
            at: at.as_millisecond(),
            old_status: Some(inv.status.name().to_string()),
            new_status: inv.status.name().to_string(),
            origin: "local".into(),
            raw: watch.raw.clone(),
            note: Some(format!("switched to {}", inv.method.method.id())),
            ..Event::default()
        }
    }
}

/// The chain's end: the last event written and its hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Head {
    pub id: i64,
    pub hash: [u8; 32],
}

impl Default for Head {
    fn default() -> Head {
        Head { id: 0, hash: GENESIS }
    }
}

fn put_int(buf: &mut Vec<u8>, v: i64) {
    buf.push(1);
    buf.extend_from_slice(&v.to_be_bytes());
}

fn put_text(buf: &mut Vec<u8>, v: Option<&str>) {
    match v {
        None => buf.push(0),
        Some(s) => {
            buf.push(2);
            buf.extend_from_slice(&(s.len() as u64).to_be_bytes());
            buf.extend_from_slice(s.as_bytes());
        }
    }
}

/// The row's fields, each tagged (null, integer, text) and text
/// length-prefixed, so no two different rows encode alike.
pub fn encode(e: &Event) -> Vec<u8> {
    let mut buf = Vec::with_capacity(128);
    buf.extend_from_slice(b"till-event-v1");
    put_int(&mut buf, e.id);
    put_text(&mut buf, Some(&e.reference));
    put_int(&mut buf, e.at);
    put_text(&mut buf, e.old_status.as_deref());
    put_text(&mut buf, Some(&e.new_status));
    put_text(&mut buf, Some(&e.origin));
    put_text(&mut buf, e.received_amount.as_deref());
    put_text(&mut buf, Some(&e.raw));
    put_text(&mut buf, e.note.as_deref());
    buf
}

/// The link: SHA-256(previous hash ‖ encoding of the row).
pub fn link(prev: &[u8; 32], e: &Event) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(encode(e));
    h.finalize().into()
}

pub fn hex(h: &[u8; 32]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

/// A stored hash back to bytes; `None` when it is not 64 hex digits.
pub fn unhex(s: &str) -> Option<[u8; 32]> {
    let bytes = s.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks(2).enumerate() {
        let pair = std::str::from_utf8(pair).ok()?;
        *out.get_mut(i)? = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(out)
}

/// The chain's head as stored: one lookup of the highest rowid.
pub fn head(conn: &Connection) -> Result<Head, JournalError> {
    let last: Option<(i64, Option<String>)> = conn
        .query_row("SELECT id, hash FROM events ORDER BY id DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    match last {
        None => Ok(Head::default()),
        Some((id, hash)) => {
            let hash = hash
                .as_deref()
                .and_then(unhex)
                .ok_or_else(|| JournalError::Corrupt(format!("event {id} has no chain hash")))?;
            Ok(Head { id, hash })
        }
    }
}

/// Writes one event after `head` with its id and hash (the id given, so the
/// hash is known before the row is written; a second writer's row in between
/// fails the insert rather than forks the chain). Returns the new head, to
/// keep once the transaction commits.
pub fn append(conn: &Connection, head: Head, mut e: Event) -> Result<Head, JournalError> {
    e.id = head.id + 1;
    let hash = link(&head.hash, &e);
    conn.execute(
        "INSERT INTO events (id, reference, at, old_status, new_status, origin, received_amount, raw, note, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            e.id,
            e.reference,
            e.at,
            e.old_status,
            e.new_status,
            e.origin,
            e.received_amount,
            e.raw,
            e.note,
            hex(&hash)
        ],
    )?;
    Ok(Head { id: e.id, hash })
}

/// A stored column as SQLite holds it, with its type: an integer where
/// text belongs (or text where an integer belongs) encodes apart from any
/// row the till writes, so its row no longer matches its hash.
fn put_value(buf: &mut Vec<u8>, v: &Value, integer: bool) {
    match v {
        Value::Null => buf.push(0),
        Value::Integer(i) if integer => put_int(buf, *i),
        Value::Text(s) if !integer => put_text(buf, Some(s)),
        Value::Integer(i) => {
            buf.push(3);
            buf.extend_from_slice(&i.to_be_bytes());
        }
        Value::Text(s) => {
            buf.push(4);
            buf.extend_from_slice(&(s.len() as u64).to_be_bytes());
            buf.extend_from_slice(s.as_bytes());
        }
        Value::Real(f) => {
            buf.push(5);
            buf.extend_from_slice(&f.to_bits().to_be_bytes());
        }
        Value::Blob(b) => {
            buf.push(6);
            buf.extend_from_slice(&(b.len() as u64).to_be_bytes());
            buf.extend_from_slice(b);
        }
    }
}

/// An event row read whatever its columns' types (for `verify`): its
/// values in [`EVENT_COLUMNS`] order.
pub struct RawEvent {
    pub values: Vec<Value>,
}

impl RawEvent {
    pub(super) fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawEvent> {
        let mut values = Vec::with_capacity(10);
        for i in 0..10 {
            values.push(r.get::<_, Value>(i)?);
        }
        Ok(RawEvent { values })
    }

    fn value(&self, i: usize) -> &Value {
        self.values.get(i).unwrap_or(&Value::Null)
    }

    pub fn id(&self) -> i64 {
        match self.value(0) {
            Value::Integer(i) => *i,
            _ => 0,
        }
    }

    pub fn reference(&self) -> String {
        match self.value(1) {
            Value::Text(s) => s.clone(),
            Value::Integer(i) => i.to_string(),
            _ => "?".into(),
        }
    }

    /// When it was written, if its `at` is still an instant.
    pub fn at(&self) -> Option<i64> {
        match self.value(2) {
            Value::Integer(i) => Some(*i),
            _ => None,
        }
    }

    /// The stored hash, when it is text.
    pub fn stored_hash(&self) -> Option<&str> {
        match self.value(9) {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The encoding [`encode`] gives a row the till wrote (same bytes, so
    /// the same hash), other types tagged apart.
    pub fn encode(&self) -> Vec<u8> {
        let mut buf = Vec::with_capacity(128);
        buf.extend_from_slice(b"till-event-v1");
        for (i, integer) in
            [(0, true), (1, false), (2, true), (3, false), (4, false), (5, false), (6, false), (7, false), (8, false)]
        {
            put_value(&mut buf, self.value(i), integer);
        }
        buf
    }

    /// The link: SHA-256(previous hash ‖ encoding of the row).
    pub fn link(&self, prev: &[u8; 32]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(prev);
        h.update(self.encode());
        h.finalize().into()
    }
}

pub(super) const EVENT_COLUMNS: &str =
    "id, reference, at, old_status, new_status, origin, received_amount, raw, note, hash";

/// An event row (columns [`EVENT_COLUMNS`]) and its stored hash.
pub(super) fn read_event(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Event, Option<String>)> {
    Ok((
        Event {
            id: r.get(0)?,
            reference: r.get(1)?,
            at: r.get(2)?,
            old_status: r.get(3)?,
            new_status: r.get(4)?,
            origin: r.get(5)?,
            received_amount: r.get(6)?,
            raw: r.get(7)?,
            note: r.get(8)?,
        },
        r.get(9)?,
    ))
}

/// Migration 5: hashes the rows written before the chain, in id order, once.
/// The append-only update trigger is dropped for it by the migration's SQL
/// and put back after ([`super::schema::APPEND_ONLY_UPDATE`]).
pub fn backfill(conn: &Connection) -> Result<usize, JournalError> {
    let mut prev = GENESIS;
    let mut count = 0;
    let mut read = conn.prepare(&format!("SELECT {EVENT_COLUMNS} FROM events ORDER BY id"))?;
    let mut write = conn.prepare("UPDATE events SET hash = ?2 WHERE id = ?1")?;
    let mut rows = read.query([])?;
    while let Some(row) = rows.next()? {
        let (e, _) = read_event(row)?;
        prev = link(&prev, &e);
        write.execute(params![e.id, hex(&prev)])?;
        count += 1;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_null_and_an_empty_note_hash_apart() {
        let a = Event { note: None, ..Event::default() };
        let b = Event { note: Some(String::new()), ..Event::default() };
        assert_ne!(link(&GENESIS, &a), link(&GENESIS, &b));
    }

    #[test]
    fn fields_cannot_slide_into_each_other() {
        let a = Event { reference: "ab".into(), new_status: "c".into(), ..Event::default() };
        let b = Event { reference: "a".into(), new_status: "bc".into(), ..Event::default() };
        assert_ne!(encode(&a), encode(&b));
    }

    #[test]
    fn a_row_read_raw_hashes_as_written_and_a_changed_type_apart() {
        let e = Event { id: 3, reference: "r".into(), at: 42, note: Some("5".into()), ..Event::default() };
        let values = |at: Value, note: Value| RawEvent {
            values: vec![
                Value::Integer(3),
                Value::Text("r".into()),
                at,
                Value::Null,
                Value::Text(String::new()),
                Value::Text(String::new()),
                Value::Null,
                Value::Text(String::new()),
                note,
                Value::Null,
            ],
        };
        assert_eq!(values(Value::Integer(42), Value::Text("5".into())).link(&GENESIS), link(&GENESIS, &e));
        assert_ne!(values(Value::Integer(42), Value::Integer(5)).link(&GENESIS), link(&GENESIS, &e));
        assert_ne!(values(Value::Text("42".into()), Value::Text("5".into())).link(&GENESIS), link(&GENESIS, &e));
    }

    #[test]
    fn hex_round_trips() {
        let h = link(&GENESIS, &Event::default());
        assert_eq!(unhex(&hex(&h)), Some(h));
        assert_eq!(unhex("zz"), None);
    }
}
