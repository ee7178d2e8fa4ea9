//! Rows of the journal to and from the core's types. The mapping of an
//! invoice row to a [`SaleRecord`] is written once ([`record_of`]) over
//! [`Columns`], so the SQLite journal and the PostgreSQL store (whose
//! `invoices` has the same columns, in [`COLUMNS`] order) read a row alike.

use super::JournalError;
use crate::core::invoice::{CryptoAmount, Payload, PayloadKind, Reference};
use crate::core::method::{MethodId, PaymentMethod, ProviderId};
use crate::core::money::{Currency, Money};
use crate::core::record::{RecordState, SaleRecord};
use crate::core::status::{Origin, Status};
use crate::core::tax::{Breakdown, TaxRate};
use jiff::Timestamp;
use rusqlite::Row;
use rust_decimal::Decimal;
use std::str::FromStr;

pub(super) fn ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}

pub(super) fn from_ms(v: i64) -> Result<Timestamp, JournalError> {
    Timestamp::from_millisecond(v).map_err(|e| JournalError::Corrupt(format!("time {v}: {e}")))
}

pub(super) fn raw_of(status: &Status) -> String {
    match status {
        Status::Unknown(raw) => raw.clone(),
        other => other.name().to_string(),
    }
}

pub(super) const COLUMNS: &str =
    "reference, terminal, provider, method, fiat_amount, currency, state, started_at, gateway_id,
    crypto_amount, crypto_unit, payload_kind, payload_qr, payload_text, created_at, expires_at, status, status_raw,
    origin, received_amount, received_currency, tx_id, note,
    net_amount, tax_amount, tax_name, tax_rate, tax_included, tip_amount";

fn decimal(s: &str) -> Result<Decimal, JournalError> {
    Decimal::from_str(s).map_err(|_| JournalError::Corrupt(format!("amount {s:?}")))
}

fn currency(code: &str) -> Result<Currency, JournalError> {
    Currency::from_code(code).ok_or_else(|| JournalError::Corrupt(format!("currency {code:?}")))
}

/// One row's columns by position ([`COLUMNS`] order), whatever the store.
pub(crate) trait Columns {
    fn text(&self, i: usize) -> Result<String, JournalError>;
    fn opt(&self, i: usize) -> Result<Option<String>, JournalError>;
    fn int(&self, i: usize) -> Result<i64, JournalError>;
    fn opt_int(&self, i: usize) -> Result<Option<i64>, JournalError>;
    fn opt_bool(&self, i: usize) -> Result<Option<bool>, JournalError>;
}

impl Columns for Row<'_> {
    fn text(&self, i: usize) -> Result<String, JournalError> {
        Ok(self.get(i)?)
    }
    fn opt(&self, i: usize) -> Result<Option<String>, JournalError> {
        Ok(self.get(i)?)
    }
    fn int(&self, i: usize) -> Result<i64, JournalError> {
        Ok(self.get(i)?)
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>, JournalError> {
        Ok(self.get(i)?)
    }
    fn opt_bool(&self, i: usize) -> Result<Option<bool>, JournalError> {
        Ok(self.get(i)?)
    }
}

pub(super) fn read_row(r: &Row<'_>) -> Result<SaleRecord, JournalError> {
    record_of(r)
}

/// An invoice row ([`COLUMNS`]) as a sale; a value this till cannot read is
/// `Corrupt`, naming it.
pub(crate) fn record_of(r: &impl Columns) -> Result<SaleRecord, JournalError> {
    let text = |i: usize| r.text(i);
    let opt = |i: usize| r.opt(i);
    let reference = text(0)?;
    let reference =
        Reference::parse(&reference).ok_or_else(|| JournalError::Corrupt(format!("reference {reference:?}")))?;
    let provider = text(2)?;
    let provider =
        ProviderId::parse(&provider).ok_or_else(|| JournalError::Corrupt(format!("provider {provider:?}")))?;
    let method = text(3)?;
    let method = MethodId::parse(&method).ok_or_else(|| JournalError::Corrupt(format!("method {method:?}")))?;
    let fiat = Money::new(decimal(&text(4)?)?, currency(&text(5)?)?);
    let state = text(6)?;
    let state = RecordState::parse(&state).ok_or_else(|| JournalError::Corrupt(format!("state {state:?}")))?;
    let crypto = match (opt(9)?, opt(10)?) {
        (Some(a), Some(unit)) => Some(CryptoAmount { amount: decimal(&a)?, unit }),
        _ => None,
    };
    let payload = match (opt(11)?, opt(12)?, opt(13)?) {
        (Some(kind), Some(qr), Some(text)) => {
            let kind =
                PayloadKind::from_name(&kind).ok_or_else(|| JournalError::Corrupt(format!("payload kind {kind:?}")))?;
            Some(Payload { kind, qr, text })
        }
        _ => None,
    };
    let status_raw = text(17)?;
    let status = text(16)?;
    let status =
        Status::from_name(&status, &status_raw).ok_or_else(|| JournalError::Corrupt(format!("status {status:?}")))?;
    let origin = text(18)?;
    let origin = Origin::parse(&origin).ok_or_else(|| JournalError::Corrupt(format!("origin {origin:?}")))?;
    let received = match (opt(19)?, opt(20)?) {
        (Some(a), Some(code)) => Some(Money::new(decimal(&a)?, currency(&code)?)),
        _ => None,
    };
    let breakdown = breakdown(r, &fiat.currency)?;
    Ok(SaleRecord {
        reference,
        method: PaymentMethod::new(provider, method),
        fiat,
        state,
        started_at: from_ms(r.int(7)?)?,
        terminal: text(1)?,
        gateway_id: opt(8)?,
        crypto,
        payload,
        created_at: r.opt_int(14)?.map(from_ms).transpose()?,
        expires_at: r.opt_int(15)?.map(from_ms).transpose()?,
        status,
        origin,
        raw: status_raw,
        received,
        tx_id: opt(21)?,
        note: opt(22)?,
        breakdown,
    })
}

/// The breakdown's columns as written: net, tax, tax name, tax rate,
/// included (1/0), tip. All `None` without a breakdown.
pub(super) type BreakdownColumns =
    (Option<String>, Option<String>, Option<String>, Option<String>, Option<bool>, Option<String>);

pub(super) fn breakdown_columns(b: Option<&Breakdown>) -> BreakdownColumns {
    match b {
        None => (None, None, None, None, None, None),
        Some(b) => (
            Some(b.net.amount.to_string()),
            Some(b.tax.amount.to_string()),
            b.rate.as_ref().map(|r| r.name.clone()),
            b.rate.as_ref().map(|r| r.rate.to_string()),
            Some(b.included),
            Some(b.tip.amount.to_string()),
        ),
    }
}

/// Columns 23.. (migration 4): the sale's net, tax and tip, or `None` for a
/// row journaled before them.
fn breakdown(r: &impl Columns, currency: &Currency) -> Result<Option<Breakdown>, JournalError> {
    let opt = |i: usize| r.opt(i);
    let (Some(net), Some(tax)) = (opt(23)?, opt(24)?) else {
        return Ok(None);
    };
    let rate = match (opt(25)?, opt(26)?) {
        (Some(name), Some(rate)) => Some(TaxRate { name, rate: decimal(&rate)? }),
        _ => None,
    };
    let money = |a: Decimal| Money::new(a, currency.clone());
    let (net, tax) = (decimal(&net)?, decimal(&tax)?);
    let tip = opt(28)?.map(|t| decimal(&t)).transpose()?.unwrap_or_default();
    Ok(Some(Breakdown {
        net: money(net),
        tax: money(tax),
        rate,
        included: r.opt_bool(27)?.unwrap_or(true),
        tip: money(tip),
        total: money(net + tax + tip),
    }))
}
