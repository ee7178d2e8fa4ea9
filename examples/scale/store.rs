//! The scale run's tills' stores: each till's `PgStore`, its writes counted
//! and its status writes timed (the instant just before the write), so the
//! board can tell how long a stored change took to reach its screen.

use jiff::Timestamp;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use till::core::invoice::{Invoice, Reference};
use till::core::method::PaymentMethod;
use till::core::money::Money;
use till::core::record::{RecordState, SaleRecord};
use till::core::watch::{Change, Watch};
use till::journal::fleet::{LeaseAsk, LeaseTurn, Scope};
use till::journal::postgres::PgStore;
use till::journal::{JournalError, LogEntry, Store};

#[derive(Default)]
pub struct Stats {
    pub writes: AtomicU64,
    pub status_writes: AtomicU64,
    pub lease_turns: AtomicU64,
    /// (reference, status) -> just before the till's `record_status`.
    pub stored: Mutex<HashMap<(String, &'static str), Instant>>,
}

/// A till's `PgStore`, its writes counted and its status writes timed.
pub struct Timed {
    pub inner: PgStore,
    pub stats: Arc<Stats>,
}

impl Timed {
    fn wrote<T>(&self, r: Result<T, JournalError>) -> Result<T, JournalError> {
        if r.is_ok() {
            self.stats.writes.fetch_add(1, Ordering::Relaxed);
        }
        r
    }
}

impl Store for Timed {
    fn record_intent(
        &self,
        reference: &Reference,
        method: PaymentMethod,
        fiat: &Money,
        breakdown: Option<&till::core::tax::Breakdown>,
        terminal: &str,
        at: Timestamp,
    ) -> Result<(), JournalError> {
        self.wrote(self.inner.record_intent(reference, method, fiat, breakdown, terminal, at))
    }
    fn record_created(&self, invoice: &Invoice, terminal: &str, at: Timestamp) -> Result<(), JournalError> {
        self.wrote(self.inner.record_created(invoice, terminal, at))
    }
    fn record_not_created(&self, r: &Reference, s: RecordState, note: &str, at: Timestamp) -> Result<(), JournalError> {
        self.wrote(self.inner.record_not_created(r, s, note, at))
    }
    fn record_status(&self, watch: &Watch, change: &Change, at: Timestamp) -> Result<(), JournalError> {
        let key = (watch.invoice.reference.as_str().to_string(), watch.status().name());
        let before = Instant::now();
        let r = self.wrote(self.inner.record_status(watch, change, at));
        if r.is_ok() {
            self.stats.status_writes.fetch_add(1, Ordering::Relaxed);
            self.stats.stored.lock().unwrap().insert(key, before);
        }
        r
    }
    fn record_switch(&self, watch: &Watch, at: Timestamp) -> Result<(), JournalError> {
        self.wrote(self.inner.record_switch(watch, at))
    }
    fn unresolved(&self) -> Result<Vec<SaleRecord>, JournalError> {
        self.inner.unresolved()
    }
    fn to_watch(&self, late_since: Timestamp) -> Result<Vec<SaleRecord>, JournalError> {
        self.inner.to_watch(late_since)
    }
    fn between(&self, from: Timestamp, until: Timestamp) -> Result<Vec<SaleRecord>, JournalError> {
        self.inner.between(from, until)
    }
    fn find(&self, key: &str) -> Result<Option<SaleRecord>, JournalError> {
        self.inner.find(key)
    }
    fn events(&self, reference: &Reference) -> Result<Vec<LogEntry>, JournalError> {
        self.inner.events(reference)
    }
    fn between_in(&self, from: Timestamp, until: Timestamp, scope: &Scope) -> Result<Vec<SaleRecord>, JournalError> {
        self.inner.between_in(from, until, scope)
    }
    fn lease_turn(&self, ask: &LeaseAsk) -> Result<Option<LeaseTurn>, JournalError> {
        let r = self.wrote(self.inner.lease_turn(ask));
        if r.is_ok() {
            self.stats.lease_turns.fetch_add(1, Ordering::Relaxed);
        }
        r
    }
}
