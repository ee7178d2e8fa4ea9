//! [`PgStore`]: the till's store on PostgreSQL, one of many terminals on one
//! database. The same guarantees as the SQLite journal: every write is one
//! transaction, committed (durable) when it returns; the event log is
//! append-only (the database refuses UPDATE, DELETE and TRUNCATE of it) and
//! hash-chained; a store written by a newer till is refused untouched.
//!
//! One writer per terminal: at open, a connection of its own takes a
//! session advisory lock on the terminal's id and holds it for as long as
//! the store is open (`session`); the server drops it when the process
//! dies, however it dies. Reads are this terminal's; a status is written only by the till
//! that watches the invoice (`COALESCE(watched_by, terminal)`), so a till
//! whose lease ran out never overwrites its successor's work.

use super::chain;
use super::connect;
use super::migrate;
use super::pool::{Runner, db};
use super::rows::{self, COLUMNS, Param, refs};
use super::session::{self, Lock};
use crate::config::store::StoreConfig;
use crate::core::invoice::{Invoice, Reference};
use crate::core::method::PaymentMethod;
use crate::core::money::Money;
use crate::core::record::{RecordState, SaleRecord};
use crate::core::tax::Breakdown;
use crate::core::watch::{Change, Watch};
use crate::journal::chain::Event;
use crate::journal::fleet::{LeaseAsk, LeaseTurn, Scope};
use crate::journal::rows::{from_ms, ms};
use crate::journal::{CloseError, JournalError, LogEntry, Store};
use deadpool_postgres::Object;
use futures_util::future::BoxFuture;
use jiff::Timestamp;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How long opening (connecting, migrating, locking) may take.
const OPEN_WITHIN: Duration = Duration::from_secs(15);
/// How long opening asks again for a terminal's lock that another session
/// holds, before saying the terminal is busy (a killed till's server
/// process takes a moment to end).
const RELOCK_WITHIN: Duration = Duration::from_secs(2);

/// Terminal `$1`'s own invoices that no other till watches.
const OWN_UNASSIGNED: &str = "(terminal = $1 AND watched_by IS NULL)";

/// The till's store on PostgreSQL.
pub struct PgStore {
    /// Set when another till took this terminal while this one's lock
    /// connection was down (`None`: opened to read, no lock).
    lock: Option<Arc<AtomicBool>>,
    runner: Runner,
    terminal: String,
    instance: String,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PgStore({}, terminal {})", self.runner.shown(), self.terminal)
    }
}

impl PgStore {
    /// Opens the store for terminal `terminal`'s till: connects, migrates
    /// (refusing a newer schema untouched), and takes the terminal's lock;
    /// `TerminalBusy` when another running till holds it.
    pub fn open(store: &StoreConfig, terminal: &str) -> Result<PgStore, JournalError> {
        let target = connect::target(store)?;
        let runner = Runner::new(&target)?;
        let shown = target.shown.clone();
        let me = terminal.to_string();
        let lost = Arc::new(AtomicBool::new(false));
        let held = lost.clone();
        runner.block(OPEN_WITHIN, async move {
            let (mut client, driver) = session::connect(&target).await?;
            migrate::migrate(&mut client, &shown).await?;
            // A till killed a moment ago: its server process may still be
            // ending, so the lock is asked again for a short while.
            let deadline = tokio::time::Instant::now() + RELOCK_WITHIN;
            loop {
                match session::try_lock(&client, &me).await? {
                    Lock::Held { pid } => {
                        tokio::spawn(session::hold(target, me, client, driver, pid, held));
                        return Ok(());
                    }
                    Lock::Busy { .. } if tokio::time::Instant::now() >= deadline => {
                        return Err(JournalError::TerminalBusy { terminal: me });
                    }
                    Lock::Busy { .. } => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
        })?;
        let instance = uuid::Uuid::new_v4().to_string();
        tracing::info!(url = %runner.shown(), terminal, instance, "store opened");
        Ok(PgStore { lock: Some(lost), runner, terminal: terminal.to_string(), instance })
    }

    /// Opens the store to read it (`till history`, `report`, `receipt`):
    /// no lock, nothing written. `None` when the database holds no till
    /// store yet; a newer schema is refused, an older one asks for a till
    /// to be started once. `terminal` is whose sales `Scope::Mine` reads.
    pub fn open_read_only(store: &StoreConfig, terminal: &str) -> Result<Option<PgStore>, JournalError> {
        let target = connect::target(store)?;
        let runner = Runner::new(&target)?;
        let shown = target.shown.clone();
        let version = runner.block(OPEN_WITHIN, async move {
            let (client, _driver) = session::connect(&target).await?;
            migrate::version(&client).await
        })?;
        match version {
            None => return Ok(None),
            Some(v) if v < super::schema::CURRENT => {
                return Err(JournalError::Open {
                    path: shown,
                    detail: "older schema: start till once to upgrade it".into(),
                });
            }
            Some(v) => migrate::refuse_newer(v, &shown)?,
        }
        let instance = uuid::Uuid::new_v4().to_string();
        Ok(Some(PgStore { lock: None, runner, terminal: terminal.to_string(), instance }))
    }

    /// This open's own id (a fresh UUID each time): the lease's `instance`.
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// The terminal this store reads and writes for.
    pub fn terminal(&self) -> &str {
        &self.terminal
    }

    /// The store's URL as it may be shown (password masked).
    pub fn shown(&self) -> &str {
        self.runner.shown()
    }

    /// Runs `f` with a pooled connection on the store's runtime, waiting
    /// for its answer (at most [`super::pool::ANSWER_WITHIN`], then
    /// `Unreachable`).
    pub(super) fn run<T, F>(&self, f: F) -> Result<T, JournalError>
    where
        T: Send + 'static,
        F: FnOnce(Object) -> BoxFuture<'static, Result<T, JournalError>> + Send + 'static,
    {
        self.runner.run(f)
    }

    /// The close of `day` for `terminal` (its own sales), written or not.
    fn close_of(
        &self,
        day: jiff::civil::Date,
        tz: &jiff::tz::TimeZone,
        terminal: &str,
        now: Timestamp,
        write: bool,
    ) -> Result<crate::core::close::ZReport, CloseError> {
        let (tz, terminal) = (tz.clone(), terminal.to_string());
        let z = self.run(move |mut object| {
            Box::pin(async move {
                let client: &mut tokio_postgres::Client = &mut object;
                super::close::close_of(client, day, tz, terminal, now, write).await
            })
        })?;
        Ok(z?)
    }

    fn writable(&self) -> Result<(), JournalError> {
        match &self.lock {
            None => Err(JournalError::Sql("this store was opened to read; nothing was written".into())),
            Some(lost) if lost.load(Ordering::SeqCst) => {
                Err(JournalError::TerminalBusy { terminal: self.terminal.clone() })
            }
            Some(_) => Ok(()),
        }
    }

    /// One statement, committed on its own.
    fn execute(&self, what: &'static str, sql: &'static str, params: Vec<Param>) -> Result<u64, JournalError> {
        self.writable()?;
        self.run(move |client| Box::pin(async move { client.execute(sql, &refs(&params)).await.map_err(db(what)) }))
    }

    /// The sales a query selects (its columns: [`COLUMNS`] first).
    fn select(&self, sql: String, params: Vec<Param>) -> Result<Vec<SaleRecord>, JournalError> {
        self.run(move |client| {
            Box::pin(async move {
                let rows = client.query(&sql, &refs(&params)).await.map_err(db("read the sales"))?;
                rows::records(&rows)
            })
        })
    }

    /// A write to an invoice this till watches, and its event line, in one
    /// transaction: refused with `NotWatcher` (nothing written) when
    /// another terminal's till watches it now.
    fn watched_write(
        &self,
        reference: &Reference,
        sql: &'static str,
        params: Vec<Param>,
        event: Event,
    ) -> Result<(), JournalError> {
        self.writable()?;
        let me = self.terminal.clone();
        let reference = reference.as_str().to_string();
        self.run(move |mut object| {
            Box::pin(async move {
                let client: &mut tokio_postgres::Client = &mut object;
                let tx = client.transaction().await.map_err(db("begin a status write"))?;
                let watcher = tx
                    .query_opt(
                        "SELECT COALESCE(watched_by, terminal) FROM invoices WHERE reference = $1 FOR UPDATE",
                        &[&reference],
                    )
                    .await
                    .map_err(db("read the invoice's watcher"))?;
                let Some(watcher) = watcher else {
                    return Err(JournalError::Sql(format!("the invoice {reference} is not in the store")));
                };
                let watcher: String = watcher.try_get(0).map_err(db("read the invoice's watcher"))?;
                if watcher != me {
                    tracing::warn!(reference, watcher, "store: not written, another till watches the invoice");
                    return Err(JournalError::NotWatcher { reference });
                }
                tx.execute(sql, &refs(&params)).await.map_err(db("write the invoice"))?;
                chain::append(&tx, &me, event).await?;
                tx.commit().await.map_err(db("commit the invoice"))
            })
        })
    }
}

impl Store for PgStore {
    fn record_intent(
        &self,
        reference: &Reference,
        method: PaymentMethod,
        fiat: &Money,
        breakdown: Option<&Breakdown>,
        terminal: &str,
        at: Timestamp,
    ) -> Result<(), JournalError> {
        let params = rows::intent_params(reference, method, fiat, breakdown, terminal, at);
        self.execute("store the sale's intent", rows::INTENT, params).map(drop)
    }

    fn record_created(&self, invoice: &Invoice, terminal: &str, at: Timestamp) -> Result<(), JournalError> {
        self.writable()?;
        let reference = invoice.reference.as_str().to_string();
        let row = rows::created_row_params(invoice, terminal, at);
        let created = rows::created_params(invoice, at);
        let event = Event::created(invoice, at);
        let me = self.terminal.clone();
        self.run(move |mut object| {
            Box::pin(async move {
                let client: &mut tokio_postgres::Client = &mut object;
                let tx = client.transaction().await.map_err(db("begin storing the invoice"))?;
                tx.execute(rows::CREATED_ROW, &refs(&row)).await.map_err(db("store the invoice"))?;
                let state: String = tx
                    .query_one("SELECT state FROM invoices WHERE reference = $1 FOR UPDATE", &[&reference])
                    .await
                    .map_err(db("read the invoice"))?
                    .try_get(0)
                    .map_err(db("read the invoice"))?;
                if state == "created" {
                    return Ok(());
                }
                tx.execute(rows::CREATED, &refs(&created)).await.map_err(db("store the invoice"))?;
                chain::append(&tx, &me, event).await?;
                tx.commit().await.map_err(db("commit the invoice"))
            })
        })
    }

    fn record_not_created(
        &self,
        reference: &Reference,
        state: RecordState,
        note: &str,
        at: Timestamp,
    ) -> Result<(), JournalError> {
        let params: Vec<Param> = vec![
            Box::new(reference.as_str().to_string()),
            Box::new(state.name().to_string()),
            Box::new(note.to_string()),
            Box::new(ms(at)),
        ];
        self.execute(
            "store the failed create",
            "UPDATE invoices SET state = $2, note = $3, updated_at = $4 WHERE reference = $1 AND state = 'creating'",
            params,
        )
        .map(drop)
    }

    fn record_status(&self, watch: &Watch, change: &Change, at: Timestamp) -> Result<(), JournalError> {
        let inv = &watch.invoice;
        let event = Event::status(watch, change, at);
        self.watched_write(&inv.reference, rows::STATUS, rows::status_params(watch, at), event)
    }

    fn record_switch(&self, watch: &Watch, at: Timestamp) -> Result<(), JournalError> {
        let inv = &watch.invoice;
        let event = Event::switch(watch, at);
        self.watched_write(&inv.reference, rows::SWITCH, rows::switch_params(watch, at), event)
    }

    fn unresolved(&self) -> Result<Vec<SaleRecord>, JournalError> {
        self.select(
            format!("SELECT {COLUMNS} FROM invoices WHERE state = 'creating' AND terminal = $1 ORDER BY started_at"),
            vec![Box::new(self.terminal.clone())],
        )
    }

    /// This terminal's own invoices that no other till watches. Those it
    /// watched for another terminal before a restart are not read: the
    /// first lease turn (before any poll) says whether they are still its,
    /// so a till never takes back at start what was handed back meanwhile.
    fn to_watch(&self, late_since: Timestamp) -> Result<Vec<SaleRecord>, JournalError> {
        use crate::journal::schema::{LATE, OPEN};
        self.select(
            format!(
                "SELECT {COLUMNS} FROM invoices WHERE {OPEN} AND {OWN_UNASSIGNED}
                 UNION ALL
                 SELECT {COLUMNS} FROM invoices WHERE {LATE} AND expires_at > $2 AND {OWN_UNASSIGNED}
                 ORDER BY started_at"
            ),
            vec![Box::new(self.terminal.clone()), Box::new(ms(late_since))],
        )
    }

    fn between(&self, from: Timestamp, until: Timestamp) -> Result<Vec<SaleRecord>, JournalError> {
        self.between_in(from, until, &Scope::Mine)
    }

    fn between_in(&self, from: Timestamp, until: Timestamp, scope: &Scope) -> Result<Vec<SaleRecord>, JournalError> {
        let order = "ORDER BY started_at DESC, reference";
        let range = "started_at >= $1 AND started_at < $2";
        let mut params: Vec<Param> = vec![Box::new(ms(from)), Box::new(ms(until))];
        let sql = match scope {
            Scope::All => format!("SELECT {COLUMNS} FROM invoices WHERE {range} {order}"),
            Scope::Mine | Scope::Terminal(_) => {
                let terminal = match scope {
                    Scope::Terminal(t) => t.clone(),
                    _ => self.terminal.clone(),
                };
                params.push(Box::new(terminal));
                format!("SELECT {COLUMNS} FROM invoices WHERE terminal = $3 AND {range} {order}")
            }
        };
        self.select(sql, params)
    }

    fn find(&self, key: &str) -> Result<Option<SaleRecord>, JournalError> {
        let found = self.select(
            format!(
                "SELECT {COLUMNS} FROM invoices WHERE (reference = $1 OR gateway_id = $1) AND terminal = $2
                 ORDER BY (reference = $1) DESC LIMIT 1"
            ),
            vec![Box::new(key.to_string()), Box::new(self.terminal.clone())],
        )?;
        Ok(found.into_iter().next())
    }

    fn events(&self, reference: &Reference) -> Result<Vec<LogEntry>, JournalError> {
        let reference = reference.as_str().to_string();
        let me = self.terminal.clone();
        self.run(move |client| {
            Box::pin(async move {
                let rows = client
                    .query(
                        "SELECT e.at, e.old_status, e.new_status, e.origin FROM events e
                         JOIN invoices i ON i.reference = e.reference
                         WHERE e.reference = $1 AND i.terminal = $2 ORDER BY e.id",
                        &[&reference, &me],
                    )
                    .await
                    .map_err(db("read the status log"))?;
                let read = db("read the status log");
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    out.push(LogEntry {
                        at: from_ms(r.try_get(0).map_err(&read)?)?,
                        old: r.try_get(1).map_err(&read)?,
                        new: r.try_get(2).map_err(&read)?,
                        origin: r.try_get(3).map_err(&read)?,
                    });
                }
                Ok(out)
            })
        })
    }

    fn close_day(
        &self,
        day: jiff::civil::Date,
        tz: &jiff::tz::TimeZone,
        terminal: &str,
        now: Timestamp,
    ) -> Result<crate::core::close::ZReport, CloseError> {
        self.writable()?;
        self.close_of(day, tz, terminal, now, true)
    }

    fn preview_close(
        &self,
        day: jiff::civil::Date,
        tz: &jiff::tz::TimeZone,
        terminal: &str,
        now: Timestamp,
    ) -> Result<crate::core::close::ZReport, CloseError> {
        self.close_of(day, tz, terminal, now, false)
    }

    fn lease_turn(&self, ask: &LeaseAsk) -> Result<Option<LeaseTurn>, JournalError> {
        self.writable()?;
        let ask = ask.clone();
        let instance = self.instance.clone();
        self.run(move |mut object| {
            Box::pin(async move {
                let client: &mut tokio_postgres::Client = &mut object;
                super::lease::turn(client, &ask, &instance).await.map(Some)
            })
        })
    }
}
