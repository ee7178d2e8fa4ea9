//! Rows of the PostgreSQL store to and from the core's types. `invoices` has
//! the SQLite journal's columns (and `watched_by`), so a row is read by the
//! journal's own mapping ([`crate::journal::rows::record_of`]) and reads the
//! same from either store. The writes' SQL sits here beside the parameters
//! it numbers, so the two cannot drift apart.

use crate::core::invoice::{Invoice, Reference};
use crate::core::method::PaymentMethod;
use crate::core::money::Money;
use crate::core::record::SaleRecord;
use crate::core::tax::Breakdown;
use crate::core::watch::Watch;
use crate::journal::JournalError;
use crate::journal::rows::{self as shared, Columns, breakdown_columns, ms, raw_of};
use jiff::Timestamp;
use tokio_postgres::Row;
use tokio_postgres::types::{FromSql, ToSql};

/// The invoice columns, in the one order [`record`] reads them (the SQLite
/// journal's order). Prefix with a table alias by hand if a query joins.
pub(super) const COLUMNS: &str = shared::COLUMNS;

/// One query parameter, owned (so a write's parameters can be made before
/// the async work that sends them).
pub(super) type Param = Box<dyn ToSql + Sync + Send>;

/// The parameters as the client takes them.
pub(super) fn refs(params: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| p.as_ref() as &(dyn ToSql + Sync)).collect()
}

fn get<'a, T: FromSql<'a>>(r: &'a Row, i: usize) -> Result<T, JournalError> {
    r.try_get(i).map_err(|e| {
        tracing::error!(column = i, error = %e, "store: a column cannot be read");
        JournalError::Corrupt(format!("column {i} of an invoice row"))
    })
}

impl Columns for Row {
    fn text(&self, i: usize) -> Result<String, JournalError> {
        get(self, i)
    }
    fn opt(&self, i: usize) -> Result<Option<String>, JournalError> {
        get(self, i)
    }
    fn int(&self, i: usize) -> Result<i64, JournalError> {
        get(self, i)
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>, JournalError> {
        get(self, i)
    }
    fn opt_bool(&self, i: usize) -> Result<Option<bool>, JournalError> {
        get(self, i)
    }
}

/// A row selected with [`COLUMNS`] (first, in order) as a sale. A value the
/// till cannot read is `JournalError::Corrupt`, never a panic.
pub(super) fn record(row: &Row) -> Result<SaleRecord, JournalError> {
    shared::record_of(row)
}

/// Every row of a query selected with [`COLUMNS`].
pub(super) fn records(rows: &[Row]) -> Result<Vec<SaleRecord>, JournalError> {
    rows.iter().map(record).collect()
}

/// The intent of a sale: inserted as `creating`, or (a retried create)
/// set back to `creating` unless already created; the breakdown kept once
/// written. Parameters: [`intent_params`].
pub(super) const INTENT: &str = "INSERT INTO invoices (reference, terminal, provider, method, fiat_amount, currency,
        state, started_at, status, updated_at, net_amount, tax_amount, tax_name, tax_rate, tax_included, tip_amount)
     VALUES ($1, $2, $3, $4, $5, $6, 'creating', $7, 'pending', $7, $8, $9, $10, $11, $12, $13)
     ON CONFLICT (reference) DO UPDATE SET
        state = CASE WHEN invoices.state = 'created' THEN invoices.state ELSE 'creating' END,
        updated_at = EXCLUDED.updated_at,
        net_amount = COALESCE(invoices.net_amount, EXCLUDED.net_amount),
        tax_amount = COALESCE(invoices.tax_amount, EXCLUDED.tax_amount),
        tax_name = COALESCE(invoices.tax_name, EXCLUDED.tax_name),
        tax_rate = COALESCE(invoices.tax_rate, EXCLUDED.tax_rate),
        tax_included = COALESCE(invoices.tax_included, EXCLUDED.tax_included),
        tip_amount = COALESCE(invoices.tip_amount, EXCLUDED.tip_amount)";

pub(super) fn intent_params(
    reference: &Reference,
    method: PaymentMethod,
    fiat: &Money,
    breakdown: Option<&Breakdown>,
    terminal: &str,
    at: Timestamp,
) -> Vec<Param> {
    let (net, tax, tax_name, tax_rate, included, tip) = breakdown_columns(breakdown);
    vec![
        Box::new(reference.as_str().to_string()),
        Box::new(terminal.to_string()),
        Box::new(method.provider.id().to_string()),
        Box::new(method.method.id().to_string()),
        Box::new(fiat.amount.to_string()),
        Box::new(fiat.currency.code().to_string()),
        Box::new(ms(at)),
        Box::new(net),
        Box::new(tax),
        Box::new(tax_name),
        Box::new(tax_rate),
        Box::new(included),
        Box::new(tip),
    ]
}

/// A created invoice with no intent before it (a till that journaled none):
/// its row, so that [`CREATED`] has one to fill. Parameters:
/// [`created_row_params`].
pub(super) const CREATED_ROW: &str = "INSERT INTO invoices (reference, terminal, provider, method, fiat_amount,
        currency, state, started_at, status, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'creating', $7, 'pending', $8)
     ON CONFLICT (reference) DO NOTHING";

pub(super) fn created_row_params(invoice: &Invoice, terminal: &str, at: Timestamp) -> Vec<Param> {
    vec![
        Box::new(invoice.reference.as_str().to_string()),
        Box::new(terminal.to_string()),
        Box::new(invoice.method.provider.id().to_string()),
        Box::new(invoice.method.method.id().to_string()),
        Box::new(invoice.fiat.amount.to_string()),
        Box::new(invoice.fiat.currency.code().to_string()),
        Box::new(ms(invoice.created_at)),
        Box::new(ms(at)),
    ]
}

/// Everything the gateway said of a new invoice. Parameters: [`created_params`].
pub(super) const CREATED: &str = "UPDATE invoices SET state = 'created', gateway_id = $2, crypto_amount = $3,
        crypto_unit = $4, payload_kind = $5, payload_qr = $6, payload_text = $7, created_at = $8, expires_at = $9,
        status = $10, status_raw = $11, origin = 'gateway', received_amount = $12, received_currency = $13,
        updated_at = $14
     WHERE reference = $1";

pub(super) fn created_params(invoice: &Invoice, at: Timestamp) -> Vec<Param> {
    vec![
        Box::new(invoice.reference.as_str().to_string()),
        Box::new(invoice.id.clone()),
        Box::new(invoice.crypto.as_ref().map(|c| c.amount.to_string())),
        Box::new(invoice.crypto.as_ref().map(|c| c.unit.clone())),
        Box::new(invoice.payload.kind.name().to_string()),
        Box::new(invoice.payload.qr.clone()),
        Box::new(invoice.payload.text.clone()),
        Box::new(ms(invoice.created_at)),
        Box::new(ms(invoice.expires_at)),
        Box::new(invoice.status.name().to_string()),
        Box::new(raw_of(&invoice.status)),
        Box::new(invoice.received.as_ref().map(|m| m.amount.to_string())),
        Box::new(invoice.received.as_ref().map(|m| m.currency.code().to_string())),
        Box::new(ms(at)),
    ]
}

/// A status change as the watch now stands. Parameters: [`status_params`].
pub(super) const STATUS: &str = "UPDATE invoices SET status = $2, status_raw = $3, origin = $4,
        received_amount = $5, received_currency = $6, tx_id = $7, note = $8, updated_at = $9
     WHERE reference = $1";

pub(super) fn status_params(watch: &Watch, at: Timestamp) -> Vec<Param> {
    let inv = &watch.invoice;
    vec![
        Box::new(inv.reference.as_str().to_string()),
        Box::new(inv.status.name().to_string()),
        Box::new(watch.raw.clone()),
        Box::new(watch.origin.name().to_string()),
        Box::new(inv.received.as_ref().map(|m| m.amount.to_string())),
        Box::new(inv.received.as_ref().map(|m| m.currency.code().to_string())),
        Box::new(watch.tx_id.clone()),
        Box::new(watch.note.clone()),
        Box::new(ms(at)),
    ]
}

/// Another way to pay the same invoice (a Bitsby wallet). Parameters:
/// [`switch_params`].
pub(super) const SWITCH: &str = "UPDATE invoices SET method = $2, crypto_amount = $3, crypto_unit = $4,
        payload_kind = $5, payload_qr = $6, payload_text = $7, updated_at = $8
     WHERE reference = $1";

pub(super) fn switch_params(watch: &Watch, at: Timestamp) -> Vec<Param> {
    let inv = &watch.invoice;
    vec![
        Box::new(inv.reference.as_str().to_string()),
        Box::new(inv.method.method.id().to_string()),
        Box::new(inv.crypto.as_ref().map(|c| c.amount.to_string())),
        Box::new(inv.crypto.as_ref().map(|c| c.unit.clone())),
        Box::new(inv.payload.kind.name().to_string()),
        Box::new(inv.payload.qr.clone()),
        Box::new(inv.payload.text.clone()),
        Box::new(ms(at)),
    ]
}
