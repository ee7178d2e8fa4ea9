//! `[tax]`: the tax rates the shop charges and whether typed prices include
//! them. One rate (`rate = "19"`, optional `name = "VAT"`) or several named
//! ones (`[[tax.rates]]`, the cashier picks one per sale); `included = true`
//! by default. Absent: no tax.

use super::sale::percent;
use crate::core::tax::{TaxRate, TaxSetting};
use crate::gateway::section::{ConfigError, Doc};
use rust_decimal::Decimal;
use serde::Deserialize;

/// The name of a single rate written without one.
pub const DEFAULT_NAME: &str = "Tax";

/// `[tax]` as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTax {
    rate: Option<toml::Spanned<toml::Value>>,
    name: Option<toml::Spanned<String>>,
    included: Option<bool>,
    rates: Option<Vec<toml::Spanned<RawRate>>>,
}

/// One `[[tax.rates]]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRate {
    name: toml::Spanned<String>,
    rate: toml::Spanned<toml::Value>,
}

const RATE_WHY: &str = "a percent from 0 to below 100, e.g. rate = \"19\" or rate = \"7.7\"";

fn rate(doc: &Doc<'_>, v: &toml::Spanned<toml::Value>, key: &str) -> Result<Decimal, ConfigError> {
    percent(v.get_ref())
        .filter(|r| *r >= Decimal::ZERO && *r < Decimal::ONE_HUNDRED)
        .map(|r| r.normalize())
        .ok_or_else(|| doc.invalid(v.span(), key, RATE_WHY))
}

fn name(doc: &Doc<'_>, v: &toml::Spanned<String>, key: &str) -> Result<String, ConfigError> {
    let n = v.get_ref().trim();
    if n.is_empty() || n.chars().count() > 24 {
        return Err(doc.invalid(v.span(), key, "1 to 24 characters, e.g. name = \"VAT\""));
    }
    Ok(n.to_string())
}

/// Reads `[tax]` (absent: no tax, prices as typed).
pub fn read(doc: &Doc<'_>, raw: Option<RawTax>) -> Result<TaxSetting, ConfigError> {
    let Some(raw) = raw else { return Ok(TaxSetting::default()) };
    let included = raw.included.unwrap_or(true);
    let mut rates = Vec::new();
    match (&raw.rate, raw.rates) {
        (Some(r), Some(_)) => {
            let why = "write either one rate (rate = …) or several [[tax.rates]], not both";
            return Err(doc.invalid(r.span(), "tax.rate", why));
        }
        (Some(r), None) => {
            let name = match &raw.name {
                Some(n) => name(doc, n, "tax.name")?,
                None => DEFAULT_NAME.to_string(),
            };
            rates.push(TaxRate { name, rate: rate(doc, r, "tax.rate")? });
        }
        (None, Some(list)) => {
            if let Some(n) = &raw.name {
                let why = "name goes in each [[tax.rates]] (or write one rate = … beside it)";
                return Err(doc.invalid(n.span(), "tax.name", why));
            }
            for entry in list {
                let entry = entry.into_inner();
                let n = name(doc, &entry.name, "tax.rates.name")?;
                if rates.len() == 9 {
                    return Err(doc.invalid(entry.name.span(), "tax.rates", "at most 9 rates (one key each, 1 to 9)"));
                }
                if rates.iter().any(|r: &TaxRate| r.name == n) {
                    let why = format!("\"{n}\" is named twice: each rate needs its own name");
                    return Err(doc.invalid(entry.name.span(), "tax.rates.name", why));
                }
                rates.push(TaxRate { name: n, rate: rate(doc, &entry.rate, "tax.rates.rate")? });
            }
        }
        (None, None) => {
            if let Some(n) = &raw.name {
                return Err(doc.invalid(n.span(), "tax.name", "a name needs a rate: add rate = \"19\""));
            }
        }
    }
    Ok(TaxSetting { rates, included })
}

#[cfg(test)]
mod tests {
    use crate::config::parse;
    use crate::core::tax::TaxRate;

    const BASE: &str = "[shop]\nname = \"Café\"\ncurrency = \"USD\"\nterminal = \"t1\"\n\n[providers.xpay]\nusername = \"shop@example.com\"\nsecret_key = \"s\"\n";

    fn with(section: &str) -> String {
        format!("{BASE}\n{section}\n")
    }

    fn rate(name: &str, r: &str) -> TaxRate {
        TaxRate { name: name.into(), rate: r.parse().unwrap() }
    }

    fn err(text: &str) -> String {
        let none = |_: &str| None;
        parse(text, "till.toml", &none).unwrap_err().to_string()
    }

    fn line_of(text: &str, start: &str) -> usize {
        text.lines().position(|l| l.trim_start().starts_with(start)).unwrap() + 1
    }

    #[test]
    fn no_tax_section_means_no_tax_and_prices_as_typed() {
        let none = |_: &str| None;
        let c = parse(BASE, "till.toml", &none).unwrap();
        assert!(c.tax.rates.is_empty());
        assert!(c.tax.included);
        assert!(c.sale.tips.is_empty(), "tips are off by default");
    }

    #[test]
    fn one_rate_or_several_named_ones_are_read() {
        let none = |_: &str| None;
        let c = parse(&with("[tax]\nrate = \"19\"\nname = \"VAT\""), "till.toml", &none).unwrap();
        assert_eq!(c.tax.rates, [rate("VAT", "19")]);
        assert!(c.tax.included, "prices include tax by default");
        let c = parse(&with("[tax]\nrate = 8.875\nincluded = false"), "till.toml", &none).unwrap();
        assert_eq!(c.tax.rates, [rate("Tax", "8.875")]);
        assert!(!c.tax.included);
        let text =
            with("[tax]\n[[tax.rates]]\nname = \"food\"\nrate = \"7\"\n[[tax.rates]]\nname = \"drinks\"\nrate = 19");
        let c = parse(&text, "till.toml", &none).unwrap();
        assert_eq!(c.tax.rates, [rate("food", "7"), rate("drinks", "19")]);
        assert!(c.tax.needs_choice());
    }

    #[test]
    fn bad_tax_values_name_the_file_line_and_key() {
        let text = with("[tax]\nrate = \"nineteen\"");
        let e = err(&text);
        assert_eq!(
            e,
            format!(
                "till.toml:{}: tax.rate: a percent from 0 to below 100, e.g. rate = \"19\" or rate = \"7.7\"",
                line_of(&text, "rate =")
            )
        );
        let text =
            with("[tax]\n[[tax.rates]]\nname = \"food\"\nrate = \"7\"\n[[tax.rates]]\nname = \"food\"\nrate = \"19\"");
        let e = err(&text);
        assert!(e.contains("tax.rates.name: \"food\" is named twice"), "{e}");
        let text = with("[tax]\nrate = \"19\"\n[[tax.rates]]\nname = \"food\"\nrate = \"7\"");
        let e = err(&text);
        assert_eq!(
            e,
            format!(
                "till.toml:{}: tax.rate: write either one rate (rate = …) or several [[tax.rates]], not both",
                line_of(&text, "rate = \"19\"")
            )
        );
        let e = err(&with("[tax]\nrate = \"100\""));
        assert!(e.contains("tax.rate: a percent from 0 to below 100"), "{e}");
    }

    #[test]
    fn tip_presets_are_read_and_bad_ones_refused_by_line() {
        let none = |_: &str| None;
        let c = parse(&with("[sale]\ntips = [10, 12.5, \"20\"]"), "till.toml", &none).unwrap();
        let want: Vec<rust_decimal::Decimal> = ["10", "12.5", "20"].iter().map(|s| s.parse().unwrap()).collect();
        assert_eq!(c.sale.tips, want);
        let c = parse(&with("[sale]\ntips = []"), "till.toml", &none).unwrap();
        assert!(c.sale.tips.is_empty(), "empty: no tip screen");
        let text = with("[sale]\ntips = [10, -5]");
        let e = err(&text);
        assert_eq!(
            e,
            format!(
                "till.toml:{}: sale.tips: each preset is a percent from above 0 to 100, e.g. tips = [10, 15, 20]",
                line_of(&text, "tips =")
            )
        );
    }
}
