//! The journal's schema, numbered in SQLite's `user_version`, and the
//! migrations from each earlier version.

/// The newest schema this till knows.
pub const CURRENT: i64 = 5;

/// `MIGRATIONS[n]` takes a journal from version n to n + 1.
pub const MIGRATIONS: &[&str] = &[
    // 0 -> 1: invoices, and the append-only log of their status changes.
    "CREATE TABLE invoices (
        reference TEXT PRIMARY KEY,
        terminal TEXT NOT NULL,
        provider TEXT NOT NULL,
        method TEXT NOT NULL,
        fiat_amount TEXT NOT NULL,
        currency TEXT NOT NULL,
        state TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        gateway_id TEXT,
        crypto_amount TEXT,
        crypto_unit TEXT,
        payload_kind TEXT,
        payload_qr TEXT,
        payload_text TEXT,
        created_at INTEGER,
        expires_at INTEGER,
        status TEXT NOT NULL,
        status_raw TEXT NOT NULL DEFAULT '',
        origin TEXT NOT NULL DEFAULT 'gateway',
        received_amount TEXT,
        received_currency TEXT,
        tx_id TEXT,
        note TEXT,
        updated_at INTEGER NOT NULL
    );
    CREATE INDEX invoices_started ON invoices(started_at);
    CREATE INDEX invoices_gateway_id ON invoices(gateway_id);
    CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        reference TEXT NOT NULL REFERENCES invoices(reference),
        at INTEGER NOT NULL,
        old_status TEXT,
        new_status TEXT NOT NULL,
        origin TEXT NOT NULL,
        received_amount TEXT,
        raw TEXT NOT NULL DEFAULT '',
        note TEXT
    );
    CREATE INDEX events_reference ON events(reference);
    CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
    CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;",
    // 1 -> 2: the open-invoice queries served from partial indexes that hold
    // only open rows, so a start costs what is open, not the whole history.
    // Each index's WHERE is the query's own, as SQLite needs to use it.
    "CREATE INDEX invoices_unresolved ON invoices(started_at) WHERE state = 'creating';
    CREATE INDEX invoices_to_watch ON invoices(started_at)
        WHERE state = 'created' AND (status NOT IN ('paid', 'expired', 'expired_underpaid', 'canceled') OR origin = 'local');",
    // 2 -> 3: every expired sale (the till's expiry or the gateway's) is
    // watched for a late payment during its late window, read by its expiry
    // instant. Open invoices keep a partial index of their own (small: only
    // what is open); expired ones are read by a range on `expires_at`, so a
    // start reads the window, never the whole history.
    "DROP INDEX invoices_to_watch;
    CREATE INDEX invoices_open ON invoices(started_at)
        WHERE state = 'created' AND status NOT IN ('paid', 'expired', 'expired_underpaid', 'canceled');
    CREATE INDEX invoices_late ON invoices(expires_at)
        WHERE state = 'created' AND status IN ('expired', 'expired_underpaid');",
    // 3 -> 4: tips and tax. Each sale's net, tax, tip (amounts in the row's
    // currency), the tax rate's name and percent, and whether the typed price
    // included the tax, written with the intent. Rows from before stay NULL
    // (no breakdown: no tip, no tax known); `fiat_amount` stays the total.
    "ALTER TABLE invoices ADD COLUMN net_amount TEXT;
    ALTER TABLE invoices ADD COLUMN tax_amount TEXT;
    ALTER TABLE invoices ADD COLUMN tax_name TEXT;
    ALTER TABLE invoices ADD COLUMN tax_rate TEXT;
    ALTER TABLE invoices ADD COLUMN tax_included INTEGER;
    ALTER TABLE invoices ADD COLUMN tip_amount TEXT;",
    // 4 -> 5: the hash chain over the event log, and the day's closes.
    // The update trigger is dropped while `chain::backfill` hashes the old
    // rows, then put back (`APPEND_ONLY_UPDATE`), in the same transaction.
    "ALTER TABLE events ADD COLUMN hash TEXT;
    DROP TRIGGER events_append_only_update;
    CREATE TABLE closes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        day TEXT NOT NULL UNIQUE,
        terminal TEXT NOT NULL,
        closed_at INTEGER NOT NULL,
        from_at INTEGER NOT NULL,
        until_at INTEGER NOT NULL,
        last_event_id INTEGER NOT NULL,
        last_event_hash TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        totals TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE TRIGGER closes_append_only_update BEFORE UPDATE ON closes
        BEGIN SELECT RAISE(ABORT, 'the closes are append-only'); END;
    CREATE TRIGGER closes_append_only_delete BEFORE DELETE ON closes
        BEGIN SELECT RAISE(ABORT, 'the closes are append-only'); END;",
];

/// Puts back the event log's update trigger after migration 5 hashed the
/// rows written before the chain.
pub const APPEND_ONLY_UPDATE: &str = "CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;";

/// Which rows are creates not yet settled: the `invoices_unresolved` index's
/// condition (migration 2). The query names the index (`INDEXED BY`), so
/// SQLite refuses it outright should the two ever differ.
pub const UNRESOLVED: &str = "state = 'creating'";

/// Which invoices are open: the `invoices_open` index's condition (migration 3).
pub const OPEN: &str = "state = 'created' AND status NOT IN ('paid', 'expired', 'expired_underpaid', 'canceled')";

/// Which invoices are expired, watched for a late payment while their window
/// is open: the `invoices_late` index's condition (migration 3). The query
/// adds `expires_at > ?`, the window's start.
pub const LATE: &str = "state = 'created' AND status IN ('expired', 'expired_underpaid')";

/// The invoices still watched: the open ones (`invoices_open`), then the
/// expired ones whose expiry instant is after `?1` (`invoices_late`), each
/// read through its own index, named so that SQLite refuses the query should
/// a condition and its index ever differ. `{columns}` is the column list.
pub fn to_watch(columns: &str) -> String {
    format!(
        "SELECT {columns} FROM invoices INDEXED BY invoices_open WHERE {OPEN}
         UNION ALL
         SELECT {columns} FROM invoices INDEXED BY invoices_late WHERE {LATE} AND expires_at > ?1
         ORDER BY started_at"
    )
}
