//! The PostgreSQL store's schema, numbered in `till_schema.version`, and the
//! migrations from each earlier version. Columns and their meaning follow
//! the SQLite journal's (`crate::journal::schema`): amounts as decimal text
//! in the row's currency, instants as milliseconds since the Unix epoch
//! (the till's clock), so that a row reads the same from either store and
//! `till store import` copies values as they are. Leases alone are counted
//! on the database's clock (`now_ms()`), the one clock every till shares.
//!
//! What differs from SQLite:
//! - every row carries its terminal (`invoices.terminal`, the one that made
//!   the sale; `events.terminal`, the one that wrote the line);
//! - `invoices.watched_by`: the terminal whose till watches an open invoice
//!   (`NULL`: its own);
//! - `terminals`: one row per terminal, its lease and what the board shows;
//! - the day's closes are per terminal (`UNIQUE (terminal, day)`);
//! - each change to an invoice or to a terminal's health is announced on the
//!   `till_invoices` / `till_terminals` channels (LISTEN/NOTIFY) for the board.

/// The newest schema this till knows.
pub const CURRENT: i32 = 1;

/// Made before anything else, in the first transaction that touches an
/// empty database.
pub const VERSION_TABLE: &str = "CREATE TABLE IF NOT EXISTS till_schema (
    one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
    version INTEGER NOT NULL
)";

/// `MIGRATIONS[n]` takes the store from version n to n + 1.
pub const MIGRATIONS: &[&str] = &[
    // 0 -> 1: everything.
    "CREATE FUNCTION till_now_ms() RETURNS BIGINT LANGUAGE sql VOLATILE AS
        $$ SELECT (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT $$;

    CREATE TABLE terminals (
        terminal TEXT PRIMARY KEY,
        -- The running till's own id (a fresh UUID per start).
        instance TEXT NOT NULL,
        started_at BIGINT NOT NULL,
        -- The store's clock (till_now_ms): the lease holds until then.
        lease_until BIGINT NOT NULL,
        -- Account fingerprints 'provider:fingerprint' this till can poll for.
        accounts TEXT[] NOT NULL DEFAULT '{}',
        -- Provider ids of the gateways this till cannot reach.
        unreachable TEXT[] NOT NULL DEFAULT '{}',
        seen_at BIGINT NOT NULL
    );

    CREATE TABLE invoices (
        reference TEXT PRIMARY KEY,
        terminal TEXT NOT NULL,
        watched_by TEXT,
        provider TEXT NOT NULL,
        method TEXT NOT NULL,
        fiat_amount TEXT NOT NULL,
        currency TEXT NOT NULL,
        state TEXT NOT NULL,
        started_at BIGINT NOT NULL,
        gateway_id TEXT,
        crypto_amount TEXT,
        crypto_unit TEXT,
        payload_kind TEXT,
        payload_qr TEXT,
        payload_text TEXT,
        created_at BIGINT,
        expires_at BIGINT,
        status TEXT NOT NULL,
        status_raw TEXT NOT NULL DEFAULT '',
        origin TEXT NOT NULL DEFAULT 'gateway',
        received_amount TEXT,
        received_currency TEXT,
        tx_id TEXT,
        note TEXT,
        updated_at BIGINT NOT NULL,
        net_amount TEXT,
        tax_amount TEXT,
        tax_name TEXT,
        tax_rate TEXT,
        tax_included BOOLEAN,
        tip_amount TEXT
    );
    CREATE INDEX invoices_started ON invoices (started_at);
    CREATE INDEX invoices_terminal_started ON invoices (terminal, started_at);
    CREATE INDEX invoices_gateway_id ON invoices (gateway_id);
    CREATE INDEX invoices_unresolved ON invoices (terminal, started_at) WHERE state = 'creating';
    CREATE INDEX invoices_open ON invoices (terminal, started_at)
        WHERE state = 'created' AND status NOT IN ('paid', 'expired', 'expired_underpaid', 'canceled');
    CREATE INDEX invoices_late ON invoices (expires_at)
        WHERE state = 'created' AND status IN ('expired', 'expired_underpaid');
    CREATE INDEX invoices_watched_by ON invoices (watched_by) WHERE watched_by IS NOT NULL;

    CREATE TABLE events (
        id BIGSERIAL PRIMARY KEY,
        reference TEXT NOT NULL REFERENCES invoices (reference),
        terminal TEXT NOT NULL,
        at BIGINT NOT NULL,
        old_status TEXT,
        new_status TEXT NOT NULL,
        origin TEXT NOT NULL,
        received_amount TEXT,
        raw TEXT NOT NULL DEFAULT '',
        note TEXT,
        hash TEXT
    );
    CREATE INDEX events_reference ON events (reference);

    CREATE TABLE closes (
        id BIGSERIAL PRIMARY KEY,
        terminal TEXT NOT NULL,
        day TEXT NOT NULL,
        closed_at BIGINT NOT NULL,
        from_at BIGINT NOT NULL,
        until_at BIGINT NOT NULL,
        last_event_id BIGINT NOT NULL,
        last_event_hash TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        totals TEXT NOT NULL,
        hash TEXT NOT NULL,
        UNIQUE (terminal, day)
    );

    CREATE FUNCTION till_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'the % log is append-only', TG_TABLE_NAME;
    END $$;
    CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
        FOR EACH ROW EXECUTE FUNCTION till_append_only();
    CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
        FOR EACH STATEMENT EXECUTE FUNCTION till_append_only();
    CREATE TRIGGER closes_append_only BEFORE UPDATE OR DELETE ON closes
        FOR EACH ROW EXECUTE FUNCTION till_append_only();
    CREATE TRIGGER closes_no_truncate BEFORE TRUNCATE ON closes
        FOR EACH STATEMENT EXECUTE FUNCTION till_append_only();

    CREATE FUNCTION till_notify_invoice() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('till_invoices', NEW.reference);
        RETURN NULL;
    END $$;
    CREATE TRIGGER invoices_notify AFTER INSERT OR UPDATE ON invoices
        FOR EACH ROW EXECUTE FUNCTION till_notify_invoice();

    CREATE FUNCTION till_notify_terminal() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' OR NEW.instance IS DISTINCT FROM OLD.instance
            OR NEW.unreachable IS DISTINCT FROM OLD.unreachable THEN
            PERFORM pg_notify('till_terminals', NEW.terminal);
        END IF;
        RETURN NULL;
    END $$;
    CREATE TRIGGER terminals_notify AFTER INSERT OR UPDATE ON terminals
        FOR EACH ROW EXECUTE FUNCTION till_notify_terminal();",
];

/// The channel announcing a changed invoice (its reference as payload).
pub const INVOICES_CHANNEL: &str = "till_invoices";
/// The channel announcing a terminal started, or its gateways' health changed.
pub const TERMINALS_CHANNEL: &str = "till_terminals";
