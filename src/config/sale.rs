//! `[sale]`: how a sale goes at the till. For now one key, `tips`: the tip
//! presets in percent (`tips = [10, 15, 20]`) offered after the amount. Empty
//! or absent: no tip screen (the default).

use crate::gateway::section::{ConfigError, Doc};
use rust_decimal::Decimal;
use serde::Deserialize;
use std::str::FromStr;

/// The most presets: one key each, 1 to 9.
pub const MAX_TIPS: usize = 9;

/// `[sale]`, resolved.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SaleSetting {
    /// Tip presets in percent, in the order written; empty: no tip screen.
    pub tips: Vec<Decimal>,
}

/// `[sale]` as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSale {
    tips: Option<toml::Spanned<Vec<toml::Spanned<toml::Value>>>>,
}

/// A percent written as a number (`15`, `12.5`) or a text (`"12.5"`).
pub(super) fn percent(v: &toml::Value) -> Option<Decimal> {
    match v {
        toml::Value::Integer(n) => Some(Decimal::from(*n)),
        toml::Value::Float(f) => Decimal::from_str(&f.to_string()).ok(),
        toml::Value::String(s) => Decimal::from_str(s.trim()).ok(),
        _ => None,
    }
}

/// Reads `[sale]` (absent: the defaults).
pub fn read(doc: &Doc<'_>, raw: Option<RawSale>) -> Result<SaleSetting, ConfigError> {
    let Some(tips) = raw.and_then(|r| r.tips) else { return Ok(SaleSetting::default()) };
    let span = tips.span();
    let tips = tips.into_inner();
    if tips.len() > MAX_TIPS {
        return Err(doc.invalid(span, "sale.tips", format!("at most {MAX_TIPS} presets (one key each, 1 to 9)")));
    }
    let mut out = Vec::new();
    for t in tips {
        let p = percent(t.get_ref()).filter(|p| *p > Decimal::ZERO && *p <= Decimal::ONE_HUNDRED).ok_or_else(|| {
            doc.invalid(t.span(), "sale.tips", "each preset is a percent from above 0 to 100, e.g. tips = [10, 15, 20]")
        })?;
        out.push(p.normalize());
    }
    Ok(SaleSetting { tips: out })
}
