//! `till store import`'s copy: a till's SQLite journal into the PostgreSQL
//! store. Every invoice row is copied as stored (all its columns, its
//! terminal), with its status log behind it: each line carries the
//! invoice's terminal and is chained into the store's event chain in the
//! journal's order. Idempotent without any bookkeeping table: an invoice
//! already in the store is skipped with its lines, and a batch's invoices
//! and their lines are written in one transaction, so a run cut short
//! leaves whole sales and a second run adds the rest, never a line twice.
//!
//! The day's closes are not copied: each is chained to the journal's own
//! event ids and hashes, which the store numbers and hashes afresh; the
//! SQLite file stays the record of the days closed before the move.

use super::chain;
use crate::journal::JournalError;
use crate::journal::chain::Event;
use rusqlite::{Connection, OpenFlags};
use std::collections::HashMap;
use std::path::Path;
use tokio_postgres::types::ToSql;

/// How many sales one transaction copies.
pub const BATCH: usize = 25;

/// The invoice columns copied, each with its kind.
const INVOICE: &[(&str, Kind)] = &[
    ("reference", Kind::Text),
    ("terminal", Kind::Text),
    ("provider", Kind::Text),
    ("method", Kind::Text),
    ("fiat_amount", Kind::Text),
    ("currency", Kind::Text),
    ("state", Kind::Text),
    ("started_at", Kind::Int),
    ("gateway_id", Kind::Text),
    ("crypto_amount", Kind::Text),
    ("crypto_unit", Kind::Text),
    ("payload_kind", Kind::Text),
    ("payload_qr", Kind::Text),
    ("payload_text", Kind::Text),
    ("created_at", Kind::Int),
    ("expires_at", Kind::Int),
    ("status", Kind::Text),
    ("status_raw", Kind::Text),
    ("origin", Kind::Text),
    ("received_amount", Kind::Text),
    ("received_currency", Kind::Text),
    ("tx_id", Kind::Text),
    ("note", Kind::Text),
    ("updated_at", Kind::Int),
    ("net_amount", Kind::Text),
    ("tax_amount", Kind::Text),
    ("tax_name", Kind::Text),
    ("tax_rate", Kind::Text),
    ("tax_included", Kind::Bool),
    ("tip_amount", Kind::Text),
];

#[derive(Clone, Copy)]
enum Kind {
    Text,
    Int,
    Bool,
}

/// One column's value as read from SQLite.
#[derive(Debug)]
enum Value {
    Text(Option<String>),
    Int(Option<i64>),
    Bool(Option<bool>),
}

impl Value {
    fn param(&self) -> &(dyn ToSql + Sync) {
        match self {
            Value::Text(v) => v,
            Value::Int(v) => v,
            Value::Bool(v) => v,
        }
    }
}

/// One sale as the journal holds it: its columns and its status log.
struct Sale {
    reference: String,
    terminal: String,
    values: Vec<Value>,
    events: Vec<Event>,
}

/// What an import did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Imported {
    /// Sales copied now.
    pub sales: u64,
    /// Status lines copied with them.
    pub events: u64,
    /// Sales the store held already (left as they are).
    pub already: u64,
}

fn corrupt(e: rusqlite::Error) -> JournalError {
    tracing::error!(error = %e, "import: the journal cannot be read");
    JournalError::Corrupt("a row of the journal could not be read".into())
}

/// Every sale of the journal at `path`, oldest first, each with its status
/// log in the journal's order. Opened read-only: a till running on it is
/// not disturbed.
fn read_journal(path: &Path) -> Result<Vec<Sale>, JournalError> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| JournalError::Open { path: path.display().to_string(), detail: e.to_string() })?;
    // One read transaction: invoices and events as of one instant.
    conn.execute_batch("BEGIN").map_err(corrupt)?;
    let mut events: HashMap<String, Vec<Event>> = HashMap::new();
    let mut stmt = conn
        .prepare(
            "SELECT id, reference, at, old_status, new_status, origin, received_amount, raw, note FROM events ORDER BY id",
        )
        .map_err(corrupt)?;
    let mut rows = stmt.query([]).map_err(corrupt)?;
    while let Some(r) = rows.next().map_err(corrupt)? {
        let e = Event {
            id: r.get(0).map_err(corrupt)?,
            reference: r.get(1).map_err(corrupt)?,
            at: r.get(2).map_err(corrupt)?,
            old_status: r.get(3).map_err(corrupt)?,
            new_status: r.get(4).map_err(corrupt)?,
            origin: r.get(5).map_err(corrupt)?,
            received_amount: r.get(6).map_err(corrupt)?,
            raw: r.get(7).map_err(corrupt)?,
            note: r.get(8).map_err(corrupt)?,
        };
        events.entry(e.reference.clone()).or_default().push(e);
    }
    drop(rows);
    drop(stmt);
    let columns: Vec<&str> = INVOICE.iter().map(|(name, _)| *name).collect();
    let mut stmt = conn
        .prepare(&format!("SELECT {} FROM invoices ORDER BY started_at, reference", columns.join(", ")))
        .map_err(corrupt)?;
    let mut rows = stmt.query([]).map_err(corrupt)?;
    let mut sales = Vec::new();
    while let Some(r) = rows.next().map_err(corrupt)? {
        let mut values = Vec::with_capacity(INVOICE.len());
        for (i, (_, kind)) in INVOICE.iter().enumerate() {
            values.push(match kind {
                Kind::Text => Value::Text(r.get(i).map_err(corrupt)?),
                Kind::Int => Value::Int(r.get(i).map_err(corrupt)?),
                Kind::Bool => Value::Bool(r.get(i).map_err(corrupt)?),
            });
        }
        let reference: String = r.get(0).map_err(corrupt)?;
        let terminal: String = r.get(1).map_err(corrupt)?;
        let events = events.remove(&reference).unwrap_or_default();
        sales.push(Sale { reference, terminal, values, events });
    }
    drop(rows);
    drop(stmt);
    let _ = conn.execute_batch("COMMIT");
    Ok(sales)
}

fn db(what: &'static str) -> impl Fn(tokio_postgres::Error) -> JournalError {
    move |e| {
        tracing::warn!(error = %e, "import: {what} failed");
        if e.is_closed() {
            JournalError::Unreachable("the connection to the database was lost".into())
        } else {
            JournalError::Sql(format!("the import could not {what}"))
        }
    }
}

/// Copies the journal at `path` into the store `client` is connected to
/// (migrated already). Sales the store holds are left as they are.
pub async fn import(client: &mut tokio_postgres::Client, path: &Path) -> Result<Imported, JournalError> {
    let owned = path.to_path_buf();
    let sales = tokio::task::spawn_blocking(move || read_journal(&owned))
        .await
        .map_err(|_| JournalError::Sql("the journal could not be read".into()))??;
    let names: Vec<&str> = INVOICE.iter().map(|(name, _)| *name).collect();
    let marks: Vec<String> = (1..=INVOICE.len()).map(|i| format!("${i}")).collect();
    let insert = format!(
        "INSERT INTO invoices ({}) VALUES ({}) ON CONFLICT (reference) DO NOTHING",
        names.join(", "),
        marks.join(", ")
    );
    let mut done = Imported::default();
    for batch in sales.chunks(BATCH) {
        let tx = client.transaction().await.map_err(db("begin"))?;
        let statement = tx.prepare(&insert).await.map_err(db("prepare the copy"))?;
        let mut copied: Vec<&Sale> = Vec::with_capacity(batch.len());
        for sale in batch {
            let params: Vec<&(dyn ToSql + Sync)> = sale.values.iter().map(Value::param).collect();
            let n = tx.execute(&statement, &params).await.map_err(db("copy a sale"))?;
            if n == 1 {
                copied.push(sale);
            } else {
                tracing::debug!(reference = %sale.reference, "import: already in the store");
            }
        }
        // The lines in the journal's order, across the batch's sales.
        let mut lines: Vec<(&Sale, &Event)> =
            copied.iter().flat_map(|s| s.events.iter().map(move |e| (*s, e))).collect();
        lines.sort_by_key(|(_, e)| e.id);
        for (sale, e) in &lines {
            chain::append(&tx, &sale.terminal, (*e).clone()).await?;
        }
        tx.commit().await.map_err(db("commit"))?;
        done.sales += copied.len() as u64;
        done.events += lines.len() as u64;
        done.already += (batch.len() - copied.len()) as u64;
    }
    Ok(done)
}

/// Connects to the store of `[store]`, migrates it (refusing a newer
/// schema untouched) and copies the journal at `path` into it.
pub async fn into_store(store: &crate::config::store::StoreConfig, path: &Path) -> Result<Imported, JournalError> {
    let target = super::connect::target(store)?;
    let (mut client, connection) = super::connect::connect(&target).await?;
    let driver = tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!(error = %e, "import: the connection ended");
        }
    });
    super::migrate::migrate(&mut client, &target.shown).await?;
    let done = import(&mut client, path).await;
    drop(client);
    let _ = driver.await;
    done
}
