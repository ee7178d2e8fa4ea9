//! The SQLite journal: one file in the data directory, WAL with
//! `synchronous=FULL` (each commit is on disk when it returns), migrations
//! numbered in `user_version`, the event log append-only by trigger.

use super::chain::{self, Event};
use super::rows::{COLUMNS, breakdown_columns, from_ms, ms, raw_of, read_row};
use super::{FILE, JournalError, LogEntry, Store, schema};
use crate::core::invoice::{Invoice, Reference};
use crate::core::method::PaymentMethod;
use crate::core::money::Money;
use crate::core::record::{RecordState, SaleRecord};
use crate::core::tax::Breakdown;
use crate::core::watch::{Change, Watch};
use jiff::Timestamp;
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub struct SqliteJournal {
    conn: Mutex<Connection>,
    /// The event chain's head, read once at open; changed only after the
    /// commit that wrote the event, under the connection's lock.
    head: Mutex<chain::Head>,
    path: PathBuf,
}

/// The file's schema version, refused when a newer till wrote it.
fn known_version(conn: &Connection, shown: &str) -> Result<i64, JournalError> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > schema::CURRENT {
        return Err(JournalError::Newer { path: shown.to_string(), found: version, known: schema::CURRENT });
    }
    Ok(version)
}

impl SqliteJournal {
    /// Opens (creating if needed) the journal in `dir` for writing, migrating
    /// it to the current schema. A journal from a newer till is refused
    /// before anything is written to it.
    pub fn open(dir: &Path) -> Result<SqliteJournal, JournalError> {
        let mut journal = Self::open_to_verify(dir)?;
        let head = journal.with(|c| chain::head(c)).map_err(|e| {
            tracing::error!(error = %e, "journal: the chain's head cannot be read");
            JournalError::Open {
                path: journal.path.display().to_string(),
                detail: "its last event's chain hash is missing or damaged; run till close --verify to see which row changed"
                    .into(),
            }
        })?;
        *journal.head.get_mut().map_err(|_| JournalError::Sql("lock poisoned".into()))? = head;
        Ok(journal)
    }

    /// Opens (creating if needed) and migrates the journal in `dir` without
    /// reading the chain's head: for `till close --verify`, which recomputes
    /// the chain itself. Not for writing events.
    pub fn open_to_verify(dir: &Path) -> Result<SqliteJournal, JournalError> {
        let path = dir.join(FILE);
        let shown = path.display().to_string();
        std::fs::create_dir_all(dir).map_err(|e| JournalError::Open { path: shown.clone(), detail: e.to_string() })?;
        let conn =
            Connection::open(&path).map_err(|e| JournalError::Open { path: shown.clone(), detail: e.to_string() })?;
        let version = known_version(&conn, &shown)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // WAL with synchronous=FULL: each commit is on disk when it returns.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let mut journal = SqliteJournal { conn: Mutex::new(conn), head: Mutex::new(chain::Head::default()), path };
        journal.migrate(version)?;
        Ok(journal)
    }

    /// Opens an existing journal to read it; `None` when there is none yet.
    pub fn open_read_only(dir: &Path) -> Result<Option<SqliteJournal>, JournalError> {
        let path = dir.join(FILE);
        if !path.exists() {
            return Ok(None);
        }
        let shown = path.display().to_string();
        let conn =
            Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
                .map_err(|e| JournalError::Open { path: shown.clone(), detail: e.to_string() })?;
        let version = known_version(&conn, &shown)?;
        if version < schema::CURRENT {
            return Err(JournalError::Open {
                path: shown,
                detail: "older schema: start till once to upgrade it".into(),
            });
        }
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(Some(SqliteJournal { conn: Mutex::new(conn), head: Mutex::new(chain::Head::default()), path }))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn migrate(&mut self, from: i64) -> Result<(), JournalError> {
        let conn = self.conn.get_mut().map_err(|_| JournalError::Sql("lock poisoned".into()))?;
        for version in from..schema::CURRENT {
            let step = usize::try_from(version).ok().and_then(|v| schema::MIGRATIONS.get(v));
            let Some(sql) = step else {
                return Err(JournalError::Corrupt(format!("no migration from schema {version}")));
            };
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute_batch(sql)?;
            if version + 1 == chain::MIGRATION {
                let hashed = chain::backfill(&tx)?;
                tx.execute_batch(schema::APPEND_ONLY_UPDATE)?;
                tracing::info!(events = hashed, "journal: old events hashed into the chain");
            }
            tx.pragma_update(None, "user_version", version + 1)?;
            tx.commit()?;
            tracing::info!(from = version, to = version + 1, "journal migrated");
        }
        Ok(())
    }

    /// Writes one event on the chain inside `tx` and commits; the head moves
    /// only once the commit succeeded.
    fn append_commit(&self, tx: rusqlite::Transaction<'_>, event: Event) -> Result<(), JournalError> {
        let mut head = self.head.lock().map_err(|_| JournalError::Sql("lock poisoned".into()))?;
        let next = chain::append(&tx, *head, event)?;
        tx.commit()?;
        *head = next;
        Ok(())
    }

    pub(super) fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, JournalError>,
    ) -> Result<T, JournalError> {
        let mut conn = self.conn.lock().map_err(|_| JournalError::Sql("lock poisoned".into()))?;
        f(&mut conn)
    }

    fn select(&self, clause: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<SaleRecord>, JournalError> {
        self.query(&format!("SELECT {COLUMNS} FROM invoices {clause}"), args)
    }

    /// The records a whole query selects (its columns: `COLUMNS`).
    fn query(&self, sql: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<SaleRecord>, JournalError> {
        self.with(|c| {
            let mut stmt = c.prepare(sql)?;
            let rows = stmt.query_map(args, |r| Ok(read_row(r)))?;
            let mut out = Vec::new();
            for row in rows {
                out.push(row??);
            }
            Ok(out)
        })
    }
}

impl Store for SqliteJournal {
    /// A sale is about to be sent to the gateway (committed first, so that a
    /// crash between the two is found and resolved at the next start).
    fn record_intent(
        &self,
        reference: &Reference,
        method: PaymentMethod,
        fiat: &Money,
        breakdown: Option<&Breakdown>,
        terminal: &str,
        at: Timestamp,
    ) -> Result<(), JournalError> {
        let (net, tax, tax_name, tax_rate, included, tip) = breakdown_columns(breakdown);
        self.with(|c| {
            c.execute(
                "INSERT INTO invoices (reference, terminal, provider, method, fiat_amount, currency, state, started_at, status, updated_at,
                    net_amount, tax_amount, tax_name, tax_rate, tax_included, tip_amount)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'creating', ?7, 'pending', ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                 ON CONFLICT(reference) DO UPDATE SET state = CASE WHEN state = 'created' THEN state ELSE 'creating' END, updated_at = ?7,
                    net_amount = COALESCE(net_amount, excluded.net_amount), tax_amount = COALESCE(tax_amount, excluded.tax_amount),
                    tax_name = COALESCE(tax_name, excluded.tax_name), tax_rate = COALESCE(tax_rate, excluded.tax_rate),
                    tax_included = COALESCE(tax_included, excluded.tax_included), tip_amount = COALESCE(tip_amount, excluded.tip_amount)",
                params![
                    reference.as_str(),
                    terminal,
                    method.provider.id(),
                    method.method.id(),
                    fiat.amount.to_string(),
                    fiat.currency.code(),
                    ms(at),
                    net,
                    tax,
                    tax_name,
                    tax_rate,
                    included,
                    tip
                ],
            )?;
            Ok(())
        })
    }

    /// The gateway made the invoice: everything about it, committed.
    fn record_created(&self, invoice: &Invoice, terminal: &str, at: Timestamp) -> Result<(), JournalError> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let kind = invoice.payload.kind.name();
            let existing: Option<String> = tx
                .query_row("SELECT state FROM invoices WHERE reference = ?1", [invoice.reference.as_str()], |r| r.get(0))
                .optional()?;
            if existing.as_deref() == Some("created") {
                return Ok(());
            }
            tx.execute(
                "INSERT INTO invoices (reference, terminal, provider, method, fiat_amount, currency, state, started_at, status, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'creating', ?7, 'pending', ?8)
                 ON CONFLICT(reference) DO NOTHING",
                params![
                    invoice.reference.as_str(),
                    terminal,
                    invoice.method.provider.id(),
                    invoice.method.method.id(),
                    invoice.fiat.amount.to_string(),
                    invoice.fiat.currency.code(),
                    ms(invoice.created_at),
                    ms(at)
                ],
            )?;
            tx.execute(
                "UPDATE invoices SET state = 'created', gateway_id = ?2, crypto_amount = ?3, crypto_unit = ?4,
                    payload_kind = ?5, payload_qr = ?6, payload_text = ?7, created_at = ?8, expires_at = ?9,
                    status = ?10, status_raw = ?11, origin = 'gateway', received_amount = ?12, received_currency = ?13,
                    updated_at = ?14
                 WHERE reference = ?1",
                params![
                    invoice.reference.as_str(),
                    invoice.id,
                    invoice.crypto.as_ref().map(|c| c.amount.to_string()),
                    invoice.crypto.as_ref().map(|c| c.unit.clone()),
                    kind,
                    invoice.payload.qr,
                    invoice.payload.text,
                    ms(invoice.created_at),
                    ms(invoice.expires_at),
                    invoice.status.name(),
                    raw_of(&invoice.status),
                    invoice.received.as_ref().map(|m| m.amount.to_string()),
                    invoice.received.as_ref().map(|m| m.currency.code().to_string()),
                    ms(at)
                ],
            )?;
            let event = Event::created(invoice, at);
            self.append_commit(tx, event)
        })
    }

    /// The create failed for sure, or a restart found no invoice, or the
    /// outcome cannot be known.
    fn record_not_created(
        &self,
        reference: &Reference,
        state: RecordState,
        note: &str,
        at: Timestamp,
    ) -> Result<(), JournalError> {
        self.with(|c| {
            c.execute(
                "UPDATE invoices SET state = ?2, note = ?3, updated_at = ?4 WHERE reference = ?1 AND state = 'creating'",
                params![reference.as_str(), state.name(), note, ms(at)],
            )?;
            Ok(())
        })
    }

    /// A status change, with the watch as it now stands: the invoice row and
    /// one more line in the event log, in one commit.
    fn record_status(&self, watch: &Watch, change: &Change, at: Timestamp) -> Result<(), JournalError> {
        let inv = &watch.invoice;
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "UPDATE invoices SET status = ?2, status_raw = ?3, origin = ?4, received_amount = ?5,
                    received_currency = ?6, tx_id = ?7, note = ?8, updated_at = ?9
                 WHERE reference = ?1",
                params![
                    inv.reference.as_str(),
                    inv.status.name(),
                    watch.raw,
                    watch.origin.name(),
                    inv.received.as_ref().map(|m| m.amount.to_string()),
                    inv.received.as_ref().map(|m| m.currency.code().to_string()),
                    watch.tx_id,
                    watch.note,
                    ms(at)
                ],
            )?;
            let event = Event::status(watch, change, at);
            self.append_commit(tx, event)
        })
    }

    /// The invoice now shows another way to pay (a Bitsby wallet): the
    /// method, amount and payload the receipt and a restart will show. The
    /// event log keeps the switch, with the status unchanged.
    fn record_switch(&self, watch: &Watch, at: Timestamp) -> Result<(), JournalError> {
        let inv = &watch.invoice;
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "UPDATE invoices SET method = ?2, crypto_amount = ?3, crypto_unit = ?4, payload_kind = ?5,
                    payload_qr = ?6, payload_text = ?7, updated_at = ?8
                 WHERE reference = ?1",
                params![
                    inv.reference.as_str(),
                    inv.method.method.id(),
                    inv.crypto.as_ref().map(|c| c.amount.to_string()),
                    inv.crypto.as_ref().map(|c| c.unit.clone()),
                    inv.payload.kind.name(),
                    inv.payload.qr,
                    inv.payload.text,
                    ms(at)
                ],
            )?;
            let event = Event::switch(watch, at);
            self.append_commit(tx, event)
        })
    }

    /// Sales whose create may have reached the gateway without the till knowing.
    fn unresolved(&self) -> Result<Vec<SaleRecord>, JournalError> {
        self.select(&format!("INDEXED BY invoices_unresolved WHERE {} ORDER BY started_at", schema::UNRESOLVED), &[])
    }

    /// Invoices still to be watched: open ones, and expired ones (the till's
    /// expiry or the gateway's) whose expiry instant is after `late_since`
    /// (watched for a late payment).
    fn to_watch(&self, late_since: Timestamp) -> Result<Vec<SaleRecord>, JournalError> {
        self.query(&schema::to_watch(COLUMNS), &[&ms(late_since)])
    }

    /// Sales started in [from, until), newest first.
    fn between(&self, from: Timestamp, until: Timestamp) -> Result<Vec<SaleRecord>, JournalError> {
        self.select(
            "WHERE started_at >= ?1 AND started_at < ?2 ORDER BY started_at DESC, reference",
            &[&ms(from), &ms(until)],
        )
    }

    /// A sale by our reference or the gateway's invoice id.
    fn find(&self, key: &str) -> Result<Option<SaleRecord>, JournalError> {
        Ok(self.select("WHERE reference = ?1 OR gateway_id = ?1 LIMIT 1", &[&key])?.into_iter().next())
    }

    fn close_day(
        &self,
        day: jiff::civil::Date,
        tz: &jiff::tz::TimeZone,
        terminal: &str,
        now: Timestamp,
    ) -> Result<crate::core::close::ZReport, super::CloseError> {
        self.take_close(day, tz, terminal, now)
    }

    fn preview_close(
        &self,
        day: jiff::civil::Date,
        tz: &jiff::tz::TimeZone,
        terminal: &str,
        now: Timestamp,
    ) -> Result<crate::core::close::ZReport, super::CloseError> {
        SqliteJournal::preview_close(self, day, tz, terminal, now)
    }

    /// The status log of one sale, oldest first.
    fn events(&self, reference: &Reference) -> Result<Vec<LogEntry>, JournalError> {
        self.with(|c| {
            let mut stmt =
                c.prepare("SELECT at, old_status, new_status, origin FROM events WHERE reference = ?1 ORDER BY id")?;
            let rows = stmt.query_map([reference.as_str()], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (at, old, new, origin) = row?;
                out.push(LogEntry { at: from_ms(at)?, old, new, origin });
            }
            Ok(out)
        })
    }
}
