//! The day's close (Z-report) on the PostgreSQL store: one per terminal and
//! day, as the SQLite journal's close but for the terminal's own sales. It
//! anchors the store-wide event chain's end at the close (the chain commits
//! to every line before it, every terminal's) and links to the terminal's
//! previous close, hashed as the journal's closes are. Read in one
//! repeatable-read transaction, so the sales, their statuses as of the
//! anchored line and the chain's end are one moment's.

use super::pool::db;
use super::rows::{COLUMNS, records};
use crate::core::close::{self, Previous, Refusal, ZReport};
use crate::core::record::{RecordState, SaleRecord};
use crate::journal::JournalError;
use crate::journal::chain::{GENESIS, hex};
use crate::journal::close::{CLOSE_COLUMNS, at_last_event, close_hash};
use crate::journal::rows::{from_ms, ms};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use tokio_postgres::{IsolationLevel, Transaction};

/// A sale as the event log stood at line `at_event` (see the journal's
/// close): the status and received amount of its last line up to it.
async fn as_of(tx: &Transaction<'_>, r: SaleRecord, at_event: i64) -> Result<SaleRecord, JournalError> {
    if r.state != RecordState::Created {
        return Ok(r);
    }
    let last = tx
        .query_opt(
            "SELECT new_status, raw, received_amount FROM events WHERE reference = $1 AND id <= $2
             ORDER BY id DESC LIMIT 1",
            &[&r.reference.as_str(), &at_event],
        )
        .await
        .map_err(db("read the status log"))?;
    let read = db("read the status log");
    let last = match last {
        None => None,
        Some(row) => {
            Some((row.try_get(0).map_err(&read)?, row.try_get(1).map_err(&read)?, row.try_get(2).map_err(&read)?))
        }
    };
    at_last_event(r, last)
}

async fn sales_as_of(
    tx: &Transaction<'_>,
    sql: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    at_event: i64,
) -> Result<Vec<SaleRecord>, JournalError> {
    let rows = tx.query(sql, params).await.map_err(db("read the day's sales"))?;
    let mut out = Vec::with_capacity(rows.len());
    for r in records(&rows)? {
        out.push(as_of(tx, r, at_event).await?);
    }
    Ok(out)
}

fn read_close(r: &tokio_postgres::Row) -> Result<ZReport, JournalError> {
    let read = db("read the last close");
    let day: String = r.try_get(0).map_err(&read)?;
    let day = day.parse::<Date>().map_err(|_| JournalError::Corrupt(format!("close day {day:?}")))?;
    let json: String = r.try_get(8).map_err(&read)?;
    let totals = serde_json::from_str(&json).map_err(|e| JournalError::Corrupt(format!("close totals: {e}")))?;
    Ok(ZReport {
        day,
        terminal: r.try_get(1).map_err(&read)?,
        closed_at: from_ms(r.try_get(2).map_err(&read)?)?,
        from: from_ms(r.try_get(3).map_err(&read)?)?,
        until: from_ms(r.try_get(4).map_err(&read)?)?,
        totals,
        last_event_id: r.try_get(5).map_err(&read)?,
        last_event_hash: r.try_get(6).map_err(&read)?,
        prev_hash: r.try_get(7).map_err(&read)?,
        hash: r.try_get(9).map_err(&read)?,
    })
}

/// Closes (or, `write` false, previews) `day` for `terminal` at `now`.
pub(super) async fn close_of(
    client: &mut tokio_postgres::Client,
    day: Date,
    tz: TimeZone,
    terminal: String,
    now: Timestamp,
    write: bool,
) -> Result<Result<ZReport, Refusal>, JournalError> {
    let tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(!write)
        .start()
        .await
        .map_err(db("begin the close"))?;
    let previous = tx
        .query_opt(
            &format!("SELECT {CLOSE_COLUMNS} FROM closes WHERE terminal = $1 ORDER BY id DESC LIMIT 1"),
            &[&terminal],
        )
        .await
        .map_err(db("read the last close"))?
        .map(|r| read_close(&r))
        .transpose()?;
    let prev = previous.as_ref().map(|z| Previous { day: z.day, closed_at: z.closed_at, until: z.until });
    let (from, until) = match close::window(day, &tz, now, prev.as_ref()) {
        Ok(w) => w,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let head = tx
        .query_opt("SELECT id, hash FROM events ORDER BY id DESC LIMIT 1", &[])
        .await
        .map_err(db("read the event chain's end"))?;
    let (head_id, head_hash) = match head {
        None => (0, hex(&GENESIS)),
        Some(r) => {
            let id: i64 = r.try_get(0).map_err(db("read the event chain's end"))?;
            let hash: Option<String> = r.try_get(1).map_err(db("read the event chain's end"))?;
            (id, hash.ok_or_else(|| JournalError::Corrupt(format!("event {id} has no chain hash")))?)
        }
    };
    let window = sales_as_of(
        &tx,
        &format!(
            "SELECT {COLUMNS} FROM invoices WHERE terminal = $1 AND started_at >= $2 AND started_at < $3
             ORDER BY started_at"
        ),
        &[&terminal, &ms(from), &ms(until)],
        head_id,
    )
    .await?;
    let after = match previous.as_ref().map(|p| p.last_event_id) {
        None => Vec::new(),
        Some(since) => {
            sales_as_of(
                &tx,
                &format!(
                    "SELECT {COLUMNS} FROM invoices WHERE terminal = $1 AND started_at < $2 AND reference IN
                       (SELECT reference FROM events WHERE new_status = 'paid' AND id > $3 AND id <= $4
                          AND (old_status IS NULL OR old_status <> 'paid'))
                     ORDER BY started_at"
                ),
                &[&terminal, &ms(from), &since, &head_id],
                head_id,
            )
            .await?
        }
    };
    let mut z = ZReport {
        day,
        terminal,
        closed_at: now,
        from,
        until,
        totals: close::totals(&window, &after),
        last_event_id: head_id,
        last_event_hash: head_hash,
        prev_hash: previous.map_or_else(|| hex(&GENESIS), |p| p.hash),
        hash: String::new(),
    };
    let json = serde_json::to_string(&z.totals).map_err(|e| JournalError::Sql(format!("close totals: {e}")))?;
    z.hash = close_hash(&z, &json);
    if !write {
        return Ok(Ok(z));
    }
    tx.execute(
        &format!("INSERT INTO closes ({CLOSE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"),
        &[
            &z.day.to_string(),
            &z.terminal,
            &ms(z.closed_at),
            &ms(z.from),
            &ms(z.until),
            &z.last_event_id,
            &z.last_event_hash,
            &z.prev_hash,
            &json,
            &z.hash,
        ],
    )
    .await
    .map_err(db("store the close"))?;
    tx.commit().await.map_err(db("commit the close"))?;
    Ok(Ok(z))
}
