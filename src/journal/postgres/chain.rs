//! The hash chain over the PostgreSQL store's event log: one chain for the
//! whole store (every terminal's lines), hashed as the SQLite journal's
//! ([`crate::journal::chain::link`]). Each line is appended under a
//! transaction-scoped advisory lock, so two tills writing at once never
//! fork the chain: the second waits for the first to commit, then links to
//! its line. The lock is taken last in a write (after the invoice's row),
//! so it never waits on anything but a commit.
//!
//! The hash covers the line's fields as the journal's chain does (id,
//! reference, instant, statuses, origin, amount, raw, note); `terminal` is
//! not part of it.

use super::pool::db;
use crate::journal::JournalError;
use crate::journal::chain::{Event, GENESIS, hex, link, unhex};
use tokio_postgres::GenericClient;

/// The advisory lock key of the event chain ("till" and 2).
pub(super) const CHAIN_LOCK: i64 = 0x7469_6c6c_0002;

/// Appends `e`, written by `terminal`, at the end of the chain inside the
/// caller's transaction `tx` (the lock is released at its commit). Its id
/// comes from the events' sequence, taken under the lock, so ids grow in
/// chain order. Returns the new line's id.
pub(crate) async fn append(tx: &impl GenericClient, terminal: &str, mut e: Event) -> Result<i64, JournalError> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&CHAIN_LOCK]).await.map_err(db("lock the event chain"))?;
    let last = tx
        .query_opt("SELECT id, hash FROM events ORDER BY id DESC LIMIT 1", &[])
        .await
        .map_err(db("read the event chain's end"))?;
    let prev = match last {
        None => GENESIS,
        Some(row) => {
            let id: i64 = row.try_get(0).map_err(db("read the event chain's end"))?;
            let hash: Option<String> = row.try_get(1).map_err(db("read the event chain's end"))?;
            hash.as_deref().and_then(unhex).ok_or_else(|| {
                tracing::error!(event = id, "store: the last event has no chain hash");
                JournalError::Corrupt(format!("event {id} has no chain hash"))
            })?
        }
    };
    let id: i64 = tx
        .query_one("SELECT nextval(pg_get_serial_sequence('events', 'id'))", &[])
        .await
        .map_err(db("number the event"))?
        .try_get(0)
        .map_err(db("number the event"))?;
    e.id = id;
    let hash = hex(&link(&prev, &e));
    tx.execute(
        "INSERT INTO events (id, reference, terminal, at, old_status, new_status, origin, received_amount, raw, note, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        &[
            &e.id,
            &e.reference,
            &terminal,
            &e.at,
            &e.old_status,
            &e.new_status,
            &e.origin,
            &e.received_amount,
            &e.raw,
            &e.note,
            &hash,
        ],
    )
    .await
    .map_err(db("write the event log"))?;
    Ok(id)
}
