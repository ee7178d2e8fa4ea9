//! Bitsby's requests: the multipart form (§ Unknowns: every curl sends
//! one), the parameters of create, list and payments, and the control
//! actions in Bitsby's terms.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::Value;

use super::ledger::{Invoice, Status};
use super::wire::MSG_NOT_MULTIPART;
use crate::control::ControlError;
use crate::decimal::plain_positive;
use crate::time::{day, is_day};

/// `timeToPay` values, in half hours: 0.5, 1, 3, 6, 12 hours.
const TIME_TO_PAY_HALF_HOURS: [u64; 5] = [1, 2, 6, 12, 24];
/// Largest number of integer digits in `amountFiat`.
const MAX_INTEGER_DIGITS: usize = 12;
/// `limit` default (doc) and the sandbox's maximum.
const DEFAULT_LIMIT: usize = 10;
const MAX_LIMIT: usize = 100;

/// `timeToPay` in seconds: 0.5, 1, 3, 6 or 12 hours (also written `1.0`, `0.50`).
fn parse_time_to_pay(text: &str) -> Option<i64> {
    let hours = plain_positive(text, 3, 3)?;
    let half_hours = (hours * Decimal::TWO).normalize();
    let half_hours = half_hours.is_integer().then(|| half_hours.to_u64()).flatten()?;
    TIME_TO_PAY_HALF_HOURS.contains(&half_hours).then(|| i64::try_from(half_hours * 1800).unwrap_or(i64::MAX))
}

/// A `Y-m-d` date as sent (`2024-02-29`), checked to be a calendar day.
fn parse_date(text: &str) -> Option<String> {
    is_day(text).then(|| text.to_owned())
}

#[derive(Debug, PartialEq, Eq)]
pub(super) enum Action {
    /// `Some("<blockchain>/<cryptocurrency>")`, or the first wallet.
    Pay(Option<String>),
    Expire,
    Cancel,
    View,
    Weird,
}

impl Action {
    pub(super) fn parse(name: &str, body: &Bytes) -> Result<Self, ControlError> {
        match name {
            "pay" => pay_choice(body).map(Self::Pay).map_err(ControlError::BadRequest),
            "expire" => Ok(Self::Expire),
            "cancel" => Ok(Self::Cancel),
            "view" => Ok(Self::View),
            "weird" => Ok(Self::Weird),
            "partial" => {
                Err(ControlError::BadRequest("Bitsby cannot express `partial`: it matches only exact amounts".into()))
            }
            "seen" => Err(ControlError::BadRequest("Bitsby cannot express `seen`: it has no confirming state".into())),
            other => Err(ControlError::BadRequest(format!("unknown action `{other}`"))),
        }
    }
}

/// The optional pay body `{"wallet":"<blockchain>/<cryptocurrency>"}`.
pub(super) fn pay_choice(body: &Bytes) -> Result<Option<String>, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(obj)) => match obj.get("wallet") {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err("wallet must be a string \"<blockchain>/<cryptocurrency>\"".into()),
        },
        Ok(_) => Err("the body must be a JSON object".into()),
        Err(e) => Err(format!("malformed JSON: {e}")),
    }
}

/// A multipart form's text fields; an empty value counts as absent.
pub(super) struct Form(pub(super) HashMap<String, String>);

impl Form {
    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str).filter(|v| !v.trim().is_empty())
    }

    pub(super) fn required(&self, name: &str) -> Result<&str, String> {
        self.get(name).ok_or_else(|| format!("{name} is required"))
    }

    pub(super) fn date(&self, name: &str) -> Result<Option<String>, String> {
        self.get(name)
            .map(|v| parse_date(v).ok_or_else(|| format!("{name} is invalid: a date Y-m-d, e.g. 2024-02-29")))
            .transpose()
    }

    pub(super) fn count(
        &self,
        name: &str,
        default: usize,
        range: std::ops::RangeInclusive<usize>,
    ) -> Result<usize, String> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|n| range.contains(n))
                .ok_or_else(|| format!("{name} is invalid: an integer from {} to {}", range.start(), range.end())),
        }
    }
}

/// Reads the multipart form; a request without a body is an empty form.
pub(super) async fn read_form(req: Request) -> Result<Form, String> {
    let mut form = HashMap::new();
    if !req.headers().contains_key(header::CONTENT_TYPE) {
        let body = axum::body::to_bytes(req.into_body(), 1 << 20).await.map_err(|_| MSG_NOT_MULTIPART)?;
        return if body.is_empty() { Ok(Form(form)) } else { Err(MSG_NOT_MULTIPART.into()) };
    }
    let mut multipart = Multipart::from_request(req, &()).await.map_err(|_| MSG_NOT_MULTIPART)?;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return Err(format!("Malformed multipart body: {e}")),
        };
        let name = field.name().map(str::to_owned);
        let text = field.text().await.map_err(|e| format!("Malformed multipart body: {e}"))?;
        if let Some(name) = name {
            // Repeated names: the last one wins, as in PHP's $_POST.
            form.insert(name, text);
        }
    }
    Ok(Form(form))
}

/// A validated create request (§ Create invoice › Request parameters).
pub(super) struct CreateRequest {
    pub(super) project_id: String,
    pub(super) amount: Decimal,
    pub(super) currency: &'static str,
    pub(super) description: Option<String>,
    pub(super) service_data: Option<String>,
    pub(super) time_to_pay_secs: i64,
}

impl CreateRequest {
    pub(super) fn parse(form: &Form) -> Result<Self, String> {
        let project_id = form.required("projectId")?.to_owned();
        let amount = plain_positive(form.required("amountFiat")?, MAX_INTEGER_DIGITS, 2)
            .ok_or("amountFiat is invalid: a number greater than 0 with at most 2 decimals, e.g. 10.55")?;
        let currency = match form.required("currencyFiat")? {
            "USD" => "USD",
            "EUR" => "EUR",
            "RUB" => "RUB",
            _ => return Err("currencyFiat is invalid: one of USD, EUR, RUB".into()),
        };
        let time_to_pay_secs = parse_time_to_pay(form.required("timeToPay")?)
            .ok_or("timeToPay is invalid: one of 0.5, 1, 3, 6, 12 (hours)")?;
        Ok(Self {
            project_id,
            amount,
            currency,
            description: form.get("description").map(str::to_owned),
            service_data: form.get("serviceData").map(str::to_owned),
            time_to_pay_secs,
        })
    }
}

/// `/invoices/list` parameters (§ Query status).
pub(super) struct ListQuery {
    pub(super) invoice_id: Option<String>,
    pub(super) invoice_uid: Option<String>,
    pub(super) project_id: Option<String>,
    pub(super) start: Option<String>,
    pub(super) end: Option<String>,
    pub(super) status: Option<&'static str>,
    pub(super) offset: usize,
    pub(super) limit: usize,
}

impl ListQuery {
    pub(super) fn parse(form: &Form) -> Result<Self, String> {
        let status = match form.get("status") {
            None => None,
            Some(s) => Some(
                [Status::Unpaid, Status::Canceled, Status::Paid, Status::Expired]
                    .into_iter()
                    .map(Status::wire)
                    .find(|w| *w == s)
                    .ok_or("status is invalid: one of unpaid, canceled, paid, expired")?,
            ),
        };
        Ok(Self {
            invoice_id: form.get("invoiceId").map(str::to_owned),
            invoice_uid: form.get("invoiceUid").map(str::to_owned),
            project_id: form.get("projectId").map(str::to_owned),
            start: form.date("startDate")?,
            end: form.date("endDate")?,
            status,
            offset: form.count("offset", 0, 0..=usize::MAX)?,
            limit: form.count("limit", DEFAULT_LIMIT, 1..=MAX_LIMIT)?,
        })
    }

    pub(super) fn matches(&self, inv: &Invoice, now_ms: i64) -> bool {
        let dated = || {
            let day = day(inv.created_secs);
            self.start.as_deref().is_none_or(|s| day.as_str() >= s)
                && self.end.as_deref().is_none_or(|e| day.as_str() <= e)
        };
        self.invoice_id.as_deref().is_none_or(|id| id == inv.id)
            && self.invoice_uid.as_deref().is_none_or(|uid| uid == inv.uid)
            && self.project_id.as_deref().is_none_or(|p| p == inv.project_id)
            && self.status.is_none_or(|s| s == inv.status_at(now_ms).wire())
            && ((self.start.is_none() && self.end.is_none()) || dated())
    }
}

/// `/payments/list` parameters (§ Query status › Payments).
pub(super) struct PaymentsQuery {
    pub(super) wallet_id: Option<String>,
    pub(super) invoice_id: Option<String>,
    pub(super) start: Option<String>,
    pub(super) end: Option<String>,
    pub(super) offset: usize,
    pub(super) limit: usize,
}

impl PaymentsQuery {
    pub(super) fn parse(form: &Form) -> Result<Self, String> {
        Ok(Self {
            wallet_id: form.get("walletId").map(str::to_owned),
            invoice_id: form.get("invoiceId").map(str::to_owned),
            start: form.date("startDate")?,
            end: form.date("endDate")?,
            offset: form.count("offset", 0, 0..=usize::MAX)?,
            limit: form.count("limit", DEFAULT_LIMIT, 1..=MAX_LIMIT)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsers() {
        assert_eq!(parse_time_to_pay("0.5"), Some(1800));
        assert_eq!(parse_time_to_pay("1"), Some(3600));
        assert_eq!(parse_time_to_pay("1.0"), Some(3600));
        assert_eq!(parse_time_to_pay("0.50"), Some(1800));
        assert_eq!(parse_time_to_pay("12"), Some(43_200));
        for bad in ["2", "0", "1.5", "24", "", "x", ".5", "0.25", "-1", "99999999999999999999", "1.0000"] {
            assert_eq!(parse_time_to_pay(bad), None, "{bad:?}");
        }
        assert_eq!(parse_date("2024-02-29").as_deref(), Some("2024-02-29"));
        for bad in ["2024-2-29", "2024-13-01", "2024-00-10", "24-02-29", "2024-02-29-1", "2024/02/29", ""] {
            assert_eq!(parse_date(bad), None, "{bad:?}");
        }
    }
}
