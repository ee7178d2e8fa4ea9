//! Invoice rows of the PostgreSQL store read back as the core's
//! [`SaleRecord`], for the lease turn and the board's feed: the columns as
//! the SQLite journal has them (`crate::journal::rows`), amounts as decimal
//! text, instants as milliseconds.

use crate::core::invoice::{CryptoAmount, Payload, PayloadKind, Reference};
use crate::core::method::{MethodId, PaymentMethod, ProviderId};
use crate::core::money::{Currency, Money};
use crate::core::record::{RecordState, SaleRecord};
use crate::core::status::{Origin, Status};
use crate::core::tax::{Breakdown, TaxRate};
use crate::journal::JournalError;
use jiff::Timestamp;
use rust_decimal::Decimal;
use std::str::FromStr;
use tokio_postgres::Row;
use tokio_postgres::types::FromSql;

/// The invoice columns [`record`] reads, in its order.
pub(crate) const COLUMNS: &str = "reference, terminal, provider, method, fiat_amount, currency, state, started_at, \
     gateway_id, crypto_amount, crypto_unit, payload_kind, payload_qr, payload_text, created_at, expires_at, status, \
     status_raw, origin, received_amount, received_currency, tx_id, note, \
     net_amount, tax_amount, tax_name, tax_rate, tax_included, tip_amount";

/// How many columns [`COLUMNS`] names: a query's next column is at this index.
pub(crate) const WIDTH: usize = 29;

fn get<'a, T: FromSql<'a>>(r: &'a Row, i: usize) -> Result<T, JournalError> {
    r.try_get(i).map_err(|e| JournalError::Corrupt(format!("column {i}: {e}")))
}

fn decimal(s: &str) -> Result<Decimal, JournalError> {
    Decimal::from_str(s).map_err(|_| JournalError::Corrupt(format!("amount {s:?}")))
}

fn currency(code: &str) -> Result<Currency, JournalError> {
    Currency::from_code(code).ok_or_else(|| JournalError::Corrupt(format!("currency {code:?}")))
}

fn at(v: i64) -> Result<Timestamp, JournalError> {
    Timestamp::from_millisecond(v).map_err(|e| JournalError::Corrupt(format!("time {v}: {e}")))
}

/// One invoice row (selected with [`COLUMNS`] first) as a sale.
pub(crate) fn record(r: &Row) -> Result<SaleRecord, JournalError> {
    let text = |i: usize| get::<String>(r, i);
    let opt = |i: usize| get::<Option<String>>(r, i);
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
    let breakdown = match (opt(23)?, opt(24)?) {
        (Some(net), Some(tax)) => {
            let rate = match (opt(25)?, opt(26)?) {
                (Some(name), Some(rate)) => Some(TaxRate { name, rate: decimal(&rate)? }),
                _ => None,
            };
            let money = |a: Decimal| Money::new(a, fiat.currency.clone());
            let (net, tax) = (decimal(&net)?, decimal(&tax)?);
            let tip = opt(28)?.map(|t| decimal(&t)).transpose()?.unwrap_or_default();
            Some(Breakdown {
                net: money(net),
                tax: money(tax),
                rate,
                included: get::<Option<bool>>(r, 27)?.unwrap_or(true),
                tip: money(tip),
                total: money(net + tax + tip),
            })
        }
        _ => None,
    };
    Ok(SaleRecord {
        reference,
        method: PaymentMethod::new(provider, method),
        fiat,
        state,
        started_at: at(get(r, 7)?)?,
        terminal: text(1)?,
        gateway_id: opt(8)?,
        crypto,
        payload,
        created_at: get::<Option<i64>>(r, 14)?.map(at).transpose()?,
        expires_at: get::<Option<i64>>(r, 15)?.map(at).transpose()?,
        status,
        origin,
        raw: status_raw,
        received,
        tx_id: opt(21)?,
        note: opt(22)?,
        breakdown,
    })
}
