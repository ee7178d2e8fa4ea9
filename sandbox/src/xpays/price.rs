//! How a payment is priced: demo fiat rates, the sample's ratio of
//! `payment_amount` to USD, the 0.4 % fee, and how amounts are shown.

use rust_decimal::Decimal;

use crate::decimal::{half_up, half_up_significant};

/// `payment_amount` / (`amount` converted to USD): the doc sample's
/// 9.99721717462727 / 10.
pub(super) const PAYMENT_FACTOR: Decimal = Decimal::from_parts(3_654_809_287, 232_765, 0, false, 15);
/// `fee_percent` of the sample (0.4): `merchant_amount` = paid × (1 − 0.4 %).
pub(super) const MERCHANT_FACTOR: Decimal = Decimal::from_parts(996, 0, 0, false, 3);
/// `payment_amount` is shown with at most this many significant digits (the
/// sample has 15; a JSON number stays exact through f64 with 15) …
pub(super) const PAYMENT_DIGITS: u32 = 15;
/// … and at most this many decimals (the sample has 14).
pub(super) const PAYMENT_DECIMALS: u32 = 14;
/// Demo rate: USD per unit of `from_fiat_currency` (sample: USD).
pub(super) fn usd_per_unit(fiat: &str) -> Option<Decimal> {
    let (mant, scale) = match fiat {
        "USD" => (1, 0),
        "EUR" => (108, 2),
        "GBP" => (127, 2),
        "VND" => (393, 7),
        _ => return None,
    };
    Some(Decimal::new(mant, scale))
}

/// `payment_amount` and its kin as shown: at most [`PAYMENT_DIGITS`]
/// significant digits, then at most [`PAYMENT_DECIMALS`] decimals, both
/// rounded half up.
pub(super) fn shown(value: Decimal) -> Decimal {
    half_up(half_up_significant(value, PAYMENT_DIGITS), PAYMENT_DECIMALS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decimal::number;

    #[test]
    fn payment_amount_of_the_sample() {
        assert_eq!(PAYMENT_FACTOR.to_string(), "0.999721717462727");
        assert_eq!(MERCHANT_FACTOR.to_string(), "0.996");
        let p = shown(Decimal::from(10) * PAYMENT_FACTOR);
        assert_eq!(p.normalize().to_string(), "9.99721717462727");
        assert_eq!(serde_json::to_string(&number(p)).expect("json"), "9.99721717462727");
    }
}
