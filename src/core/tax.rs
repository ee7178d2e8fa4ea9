//! Tax and tips: the money of one sale split into net, tax, tip and total,
//! and the currency's rounding rule, written here and nowhere else.
//!
//! **Rounding.** Every computed amount (a tax, a tip from a percent) is
//! rounded once, to the currency's decimals (ISO 4217: 2 for USD, 0 for JPY,
//! 3 for KWD), half away from zero ("commercial rounding": 0.005 -> 0.01,
//! 0.5 JPY -> 1 JPY). See [`Currency::round`]. The other amounts follow by
//! subtraction or addition of rounded amounts, so `net + tax + tip = total`
//! holds exactly, never off by a cent.
//!
//! **Prices include tax** by default (`[tax] included = true`): the cashier
//! types the gross price G; tax = G × r / (100 + r), rounded; net = G − tax.
//! With `included = false` the cashier types the net N; tax = N × r / 100,
//! rounded; gross = N + tax.
//!
//! **The tip is not taxed.** It is added on top of the gross, outside the
//! tax base: total (the invoice's fiat amount) = gross + tip. A tip given as
//! a percent is a percent of the price as typed (the gross when prices
//! include tax, the net before tax otherwise, as tips are customarily
//! reckoned on the pre-tax bill there), so it does not depend on the rate.

use super::money::{Currency, Money};
use rust_decimal::{Decimal, RoundingStrategy};

impl Currency {
    /// The currency's rounding rule, the one place it is written: `amount`
    /// to the currency's decimals, half away from zero (commercial rounding).
    pub fn round(&self, amount: Decimal) -> Decimal {
        let mut r = amount.round_dp_with_strategy(self.decimals(), RoundingStrategy::MidpointAwayFromZero);
        r.rescale(self.decimals());
        r
    }
}

/// One tax rate: its name (printed on receipts and reports) and the rate in
/// percent (`19` for 19 %).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TaxRate {
    pub name: String,
    /// Percent: `19` is 19 %, `7.7` is 7.7 %.
    pub rate: Decimal,
}

impl TaxRate {
    /// `VAT 19%`.
    pub fn label(&self) -> String {
        format!("{} {}%", self.name, self.rate.normalize())
    }
}

/// `[tax]`: the rates the shop charges (none, one, or several named ones the
/// cashier picks from per sale) and whether typed prices include the tax.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaxSetting {
    pub rates: Vec<TaxRate>,
    /// Prices typed at the till include the tax (the default).
    pub included: bool,
}

impl Default for TaxSetting {
    fn default() -> TaxSetting {
        TaxSetting { rates: Vec::new(), included: true }
    }
}

impl TaxSetting {
    /// Whether the cashier must pick a rate per sale.
    pub fn needs_choice(&self) -> bool {
        self.rates.len() > 1
    }

    /// The sale's money for the amount the cashier typed, at the rate chosen
    /// (`rate`: an index into `rates`; with one rate or none, ignored and the
    /// first rate, or no tax, is used) and the tip.
    pub fn breakdown(&self, typed: &Money, rate: Option<usize>, tip: &Money) -> Breakdown {
        let chosen = match self.rates.len() {
            0 => None,
            1 => self.rates.first(),
            _ => rate.and_then(|i| self.rates.get(i)).or(self.rates.first()),
        };
        Breakdown::compute(typed, chosen, self.included, tip)
    }
}

/// A sale's money: what the accountant needs and the receipt prints.
/// `net + tax = gross`, `gross + tip = total`, all in the sale's currency and
/// each with the currency's decimals. `total` is the invoice's fiat amount.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Breakdown {
    pub net: Money,
    pub tax: Money,
    /// The rate applied; `None` when the shop has no tax configured.
    pub rate: Option<TaxRate>,
    /// Whether the typed price included the tax (the rate's setting then).
    pub included: bool,
    /// Added on top of the gross; not taxed.
    pub tip: Money,
    /// gross + tip: what the customer pays.
    pub total: Money,
}

impl Breakdown {
    /// The split of `typed` (gross when `included`, else net) at `rate`, with
    /// `tip` on top. Amounts are rounded to the currency's decimals.
    pub fn compute(typed: &Money, rate: Option<&TaxRate>, included: bool, tip: &Money) -> Breakdown {
        let cur = &typed.currency;
        let typed_amount = cur.round(typed.amount);
        let hundred = Decimal::ONE_HUNDRED;
        let (net, tax) = match rate {
            None => (typed_amount, Decimal::ZERO),
            Some(r) if included => {
                let tax = cur.round(typed_amount * r.rate / (hundred + r.rate));
                (typed_amount - tax, tax)
            }
            Some(r) => (typed_amount, cur.round(typed_amount * r.rate / hundred)),
        };
        let tip = cur.round(tip.amount);
        let money = |a: Decimal| Money::new(cur.round(a), cur.clone());
        Breakdown {
            net: money(net),
            tax: money(tax),
            rate: rate.cloned(),
            included,
            tip: money(tip),
            total: money(net + tax + tip),
        }
    }

    /// No tax and no tip: the whole amount is net (a `till charge` with no
    /// `[tax]`, or an amount from elsewhere).
    pub fn plain(amount: &Money) -> Breakdown {
        Breakdown::compute(amount, None, true, &Money::new(Decimal::ZERO, amount.currency.clone()))
    }

    /// net + tax: the price, before the tip.
    pub fn gross(&self) -> Money {
        Money::new(self.net.amount + self.tax.amount, self.net.currency.clone())
    }

    pub fn has_tip(&self) -> bool {
        !self.tip.amount.is_zero()
    }

    /// The one check of a sale's size: its total (tax on top included,
    /// tip included) must stay within `max` (`[shop] max_amount`). Else the
    /// sentence for the cashier, naming the maximum.
    pub fn within(&self, max: Decimal) -> Result<(), String> {
        if self.total.amount <= max {
            return Ok(());
        }
        let max = Money::new(max, self.total.currency.clone());
        let with = match (self.has_tip(), self.tax.amount.is_zero() || self.included) {
            (true, true) => " with the tip",
            (true, false) => " with the tax and the tip",
            (false, false) => " with the tax",
            (false, true) => "",
        };
        Err(format!("The sale comes to {}{with}, above {max}, the largest allowed.", self.total))
    }
}

/// A tip of `percent` % of `price` (the price as typed), rounded to the
/// currency's decimals.
pub fn tip_percent(price: &Money, percent: Decimal) -> Money {
    Money::new(price.currency.round(price.amount * percent / Decimal::ONE_HUNDRED), price.currency.clone())
}

/// What the till asks after the amount: the tip presets (`[sale] tips`, in
/// percent; empty: no tip screen) and the tax (`[tax]`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pricing {
    pub tips: Vec<Decimal>,
    pub tax: TaxSetting,
}

impl Pricing {
    /// Whether anything is asked between the amount and the method.
    pub fn asks(&self) -> bool {
        !self.tips.is_empty() || self.tax.needs_choice()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(a: &str, c: &str) -> Money {
        Money::new(a.parse().unwrap(), Currency::from_code(c).unwrap())
    }

    fn rate(name: &str, r: &str) -> TaxRate {
        TaxRate { name: name.into(), rate: r.parse().unwrap() }
    }

    fn holds(b: &Breakdown) {
        assert_eq!(b.net.amount + b.tax.amount + b.tip.amount, b.total.amount, "{b:?}");
        assert_eq!(b.gross().amount + b.tip.amount, b.total.amount);
        let d = b.total.currency.decimals();
        for x in [&b.net, &b.tax, &b.tip, &b.total] {
            assert_eq!(x.amount.scale(), d, "{x:?} has the currency's decimals");
        }
    }

    #[test]
    fn rounding_is_half_away_from_zero_to_the_currency_decimals() {
        let usd = Currency::from_code("USD").unwrap();
        let jpy = Currency::from_code("JPY").unwrap();
        let kwd = Currency::from_code("KWD").unwrap();
        assert_eq!(usd.round("0.005".parse().unwrap()).to_string(), "0.01");
        assert_eq!(usd.round("0.0049".parse().unwrap()).to_string(), "0.00");
        assert_eq!(usd.round("-0.005".parse().unwrap()).to_string(), "-0.01");
        assert_eq!(usd.round("2.125".parse().unwrap()).to_string(), "2.13", "not banker's rounding");
        assert_eq!(jpy.round("2.5".parse().unwrap()).to_string(), "3");
        assert_eq!(jpy.round("1.49".parse().unwrap()).to_string(), "1");
        assert_eq!(kwd.round("1.0005".parse().unwrap()).to_string(), "1.001");
        assert_eq!(usd.round(Decimal::from(7)).to_string(), "7.00");
    }

    #[test]
    fn included_tax_is_taken_out_of_the_typed_price() {
        // 11.90 EUR at 19 % included: tax = 11.90 × 19 / 119 = 1.90 exactly.
        let b = Breakdown::compute(&m("11.90", "EUR"), Some(&rate("VAT", "19")), true, &m("0", "EUR"));
        assert_eq!(
            (b.net.amount_text(), b.tax.amount_text(), b.total.amount_text()),
            ("10.00".into(), "1.90".into(), "11.90".into())
        );
        holds(&b);
        // 10.00 at 19 % included: 10 × 19 / 119 = 1.5966… -> 1.60, net 8.40.
        let b = Breakdown::compute(&m("10", "EUR"), Some(&rate("VAT", "19")), true, &m("0", "EUR"));
        assert_eq!((b.net.amount_text(), b.tax.amount_text()), ("8.40".into(), "1.60".into()));
        assert_eq!(b.gross().amount_text(), "10.00", "the typed price is the gross");
        holds(&b);
    }

    #[test]
    fn excluded_tax_is_added_to_the_typed_net() {
        // 10.00 USD at 8.875 %: 0.8875 -> 0.89; gross 10.89; tip 2.00 on top.
        let b = Breakdown::compute(&m("10", "USD"), Some(&rate("sales", "8.875")), false, &m("2", "USD"));
        assert_eq!(b.net.amount_text(), "10.00");
        assert_eq!(b.tax.amount_text(), "0.89");
        assert_eq!(b.gross().amount_text(), "10.89");
        assert_eq!(b.tip.amount_text(), "2.00");
        assert_eq!(b.total.amount_text(), "12.89");
        holds(&b);
    }

    #[test]
    fn yen_has_no_decimals_and_rounds_to_whole_yen() {
        // 1000 JPY at 10 % included: 1000 × 10 / 110 = 90.909… -> 91, net 909.
        let b = Breakdown::compute(&m("1000", "JPY"), Some(&rate("consumption", "10")), true, &m("0", "JPY"));
        assert_eq!(
            (b.net.amount_text(), b.tax.amount_text(), b.total.amount_text()),
            ("909".into(), "91".into(), "1000".into())
        );
        holds(&b);
        // 1050 JPY at 8 % excluded: 84 tax; a 15 % tip of 1134 is 170.1 -> 170.
        let b = Breakdown::compute(&m("1050", "JPY"), Some(&rate("food", "8")), false, &m("0", "JPY"));
        let tip = tip_percent(&b.gross(), Decimal::from(15));
        assert_eq!(tip.amount_text(), "170");
        let b = Breakdown::compute(&m("1050", "JPY"), Some(&rate("food", "8")), false, &tip);
        assert_eq!(
            (b.tax.amount_text(), b.gross().amount_text(), b.total.amount_text()),
            ("84".into(), "1134".into(), "1304".into())
        );
        holds(&b);
    }

    #[test]
    fn the_tip_is_not_taxed() {
        let b = Breakdown::compute(&m("11.90", "EUR"), Some(&rate("VAT", "19")), true, &m("3.10", "EUR"));
        assert_eq!(b.tax.amount_text(), "1.90", "same tax as without the tip");
        assert_eq!(b.total.amount_text(), "15.00");
        holds(&b);
    }

    #[test]
    fn no_tax_configured_means_no_tax_and_no_rate() {
        let setting = TaxSetting::default();
        let b = setting.breakdown(&m("4.20", "USD"), Some(3), &m("0.63", "USD"));
        assert_eq!(b.rate, None);
        assert_eq!(b.tax.amount_text(), "0.00");
        assert_eq!(b.net.amount_text(), "4.20");
        assert_eq!(b.total.amount_text(), "4.83");
        holds(&b);
        assert_eq!(Breakdown::plain(&m("4.2", "USD")).total.amount_text(), "4.20");
    }

    #[test]
    fn several_rates_pick_the_chosen_one_and_keep_the_invariant() {
        let setting = TaxSetting { rates: vec![rate("food", "7"), rate("drinks", "19")], included: true };
        assert!(setting.needs_choice());
        let food = setting.breakdown(&m("5.35", "EUR"), Some(0), &m("0", "EUR"));
        assert_eq!((food.tax.amount_text(), food.rate.as_ref().unwrap().name.as_str()), ("0.35".into(), "food"));
        let drinks = setting.breakdown(&m("5.35", "EUR"), Some(1), &m("0", "EUR"));
        assert_eq!(drinks.tax.amount_text(), "0.85", "5.35 × 19 / 119 = 0.8542");
        assert_eq!(
            setting.breakdown(&m("5.35", "EUR"), Some(9), &m("0", "EUR")).rate,
            food.rate,
            "out of range: the first"
        );
        // Many amounts and rates that round: the invariant never slips.
        for cents in [1, 3, 99, 101, 333, 1999, 123_457] {
            for r in ["7", "19", "7.7", "8.875", "2.5"] {
                for (cur, incl) in [("USD", true), ("USD", false), ("JPY", true), ("JPY", false), ("KWD", true)] {
                    let typed = m(&cents.to_string(), cur);
                    let tip = tip_percent(&typed, Decimal::from(15));
                    holds(&Breakdown::compute(&typed, Some(&rate("x", r)), incl, &tip));
                }
            }
        }
    }

    #[test]
    fn a_percent_tip_rounds_like_the_currency() {
        assert_eq!(tip_percent(&m("12.50", "USD"), Decimal::from(15)).amount_text(), "1.88", "1.875 -> 1.88");
        assert_eq!(tip_percent(&m("12.50", "USD"), Decimal::from(10)).amount_text(), "1.25");
        assert_eq!(tip_percent(&m("1250", "JPY"), Decimal::from(10)).amount_text(), "125");
        assert_eq!(tip_percent(&m("1255", "JPY"), Decimal::from(10)).amount_text(), "126", "125.5 -> 126");
    }

    #[test]
    fn the_total_with_tax_on_top_and_tip_is_what_is_held_to_the_maximum() {
        let max: Decimal = "100".parse().unwrap();
        // 100.00 typed, 10 % on top: 110.00, over, though the typed price is not.
        let b = Breakdown::compute(&m("100", "USD"), Some(&rate("sales", "10")), false, &m("0", "USD"));
        assert_eq!(
            b.within(max),
            Err("The sale comes to 110.00 USD with the tax, above 100.00 USD, the largest allowed.".into())
        );
        let b = Breakdown::compute(&m("90", "USD"), None, true, &m("10.01", "USD"));
        assert_eq!(
            b.within(max),
            Err("The sale comes to 100.01 USD with the tip, above 100.00 USD, the largest allowed.".into())
        );
        assert_eq!(Breakdown::compute(&m("90", "USD"), None, true, &m("10", "USD")).within(max), Ok(()));
        // Included tax is inside the price: 100.00 stays 100.00.
        let b = Breakdown::compute(&m("100", "USD"), Some(&rate("VAT", "19")), true, &m("0", "USD"));
        assert_eq!(b.within(max), Ok(()));
    }

    #[test]
    fn a_rate_reads_as_its_name_and_percent() {
        assert_eq!(rate("VAT", "19.0").label(), "VAT 19%");
        assert_eq!(rate("reduced", "7.70").label(), "reduced 7.7%");
    }
}
