//! Fiat money: an exact decimal amount in the shop's currency, and the parsing
//! of what the cashier types.

use rust_decimal::Decimal;
use std::fmt;
use std::str::FromStr;

/// A fiat currency: its ISO 4217 code and how many decimals it has.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Currency {
    code: String,
    decimals: u32,
}

/// ISO 4217 minor units for the currencies whose exponent is not 2.
const NON_TWO_DECIMALS: &[(&str, u32)] = &[
    ("BHD", 3),
    ("BIF", 0),
    ("CLP", 0),
    ("DJF", 0),
    ("GNF", 0),
    ("IQD", 3),
    ("ISK", 0),
    ("JOD", 3),
    ("JPY", 0),
    ("KMF", 0),
    ("KRW", 0),
    ("KWD", 3),
    ("LYD", 3),
    ("OMR", 3),
    ("PYG", 0),
    ("RWF", 0),
    ("TND", 3),
    ("UGX", 0),
    ("UYI", 0),
    ("VND", 0),
    ("VUV", 0),
    ("XAF", 0),
    ("XOF", 0),
    ("XPF", 0),
];

impl Currency {
    /// A currency from its three-letter ISO 4217 code.
    pub fn from_code(code: &str) -> Option<Currency> {
        let code = code.trim();
        if code.len() != 3 || !code.chars().all(|c| c.is_ascii_alphabetic()) {
            return None;
        }
        let code = code.to_ascii_uppercase();
        let decimals = NON_TWO_DECIMALS.iter().find(|(c, _)| *c == code).map_or(2, |(_, d)| *d);
        Some(Currency { code, decimals })
    }

    pub fn code(&self) -> &str {
        &self.code
    }

    pub fn decimals(&self) -> u32 {
        self.decimals
    }
}

/// An exact amount of fiat money.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Money {
    pub amount: Decimal,
    pub currency: Currency,
}

impl Money {
    pub fn new(amount: Decimal, currency: Currency) -> Money {
        Money { amount, currency }
    }

    /// The amount with exactly the currency's decimals, e.g. `12.50`,
    /// `11.00`, and `1500` for JPY (a gateway's finer `2.500001` shows as `2.50`).
    pub fn amount_text(&self) -> String {
        let mut a = self.amount;
        a.rescale(self.currency.decimals);
        a.to_string()
    }

    /// The amount with at least the currency's decimals and never rounded,
    /// for exports: `12.50`, `11.00`, and a gateway's finer `2.500001` whole.
    pub fn exact_text(&self) -> String {
        let mut a = self.amount.normalize();
        if a.scale() < self.currency.decimals {
            a.rescale(self.currency.decimals);
        }
        a.to_string()
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount_text(), self.currency.code)
    }
}

/// Why a typed amount was refused. The text is what the cashier reads.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("Type an amount first.")]
    Empty,
    #[error("\"{0}\" is not an amount: use digits and one decimal point.")]
    NotANumber(String),
    #[error("The amount must be more than zero.")]
    Zero,
    #[error("The amount cannot be negative.")]
    Negative,
    #[error("{currency} has {decimals} decimal places: remove the extra digits.")]
    TooManyDecimals { currency: String, decimals: u32 },
    #[error("{max} is the largest amount allowed: ask the owner to raise max_amount.")]
    AboveMaximum { max: String },
}

/// Parses what the cashier typed into an amount of `currency`, refusing
/// empty, non-numeric, zero, negative, over-precise and over-limit input.
pub fn parse_amount(input: &str, currency: &Currency, max: Decimal) -> Result<Money, AmountError> {
    let text = input.trim();
    if text.is_empty() {
        return Err(AmountError::Empty);
    }
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let well_formed = !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.matches('.').count() <= 1
        && digits.chars().any(|c| c.is_ascii_digit());
    if !well_formed {
        return Err(AmountError::NotANumber(text.to_string()));
    }
    let decimals = digits.split_once('.').map_or(0, |(_, frac)| frac.len());
    let normalized = match digits.strip_suffix('.') {
        Some(d) => d.to_string(),
        None if digits.starts_with('.') => format!("0{digits}"),
        None => digits.to_string(),
    };
    // Digits and one point that Decimal cannot hold: too many digits, which is
    // too large an amount (or too fine a one, refused as such below).
    let too_large = || AmountError::AboveMaximum { max: Money::new(max, currency.clone()).to_string() };
    let value = match Decimal::from_str(&normalized) {
        Ok(v) => v,
        Err(_) if decimals as u32 > currency.decimals => {
            return Err(AmountError::TooManyDecimals { currency: currency.code.clone(), decimals: currency.decimals });
        }
        Err(_) => return Err(too_large()),
    };
    if negative && !value.is_zero() {
        return Err(AmountError::Negative);
    }
    if value.is_zero() {
        return Err(AmountError::Zero);
    }
    if decimals as u32 > currency.decimals && value.normalize().scale() > currency.decimals {
        return Err(AmountError::TooManyDecimals { currency: currency.code.clone(), decimals: currency.decimals });
    }
    if value > max {
        return Err(too_large());
    }
    Ok(Money::new(value, currency.clone()))
}

/// The amount the cashier is typing: digits, one `.`, Backspace.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AmountInput {
    text: String,
}

/// Longest input accepted: 9 999 999 999.999 and a little room.
const MAX_INPUT_LEN: usize = 16;

impl AmountInput {
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Adds a typed character. Returns false when it cannot go in the amount
    /// (not a digit or point, a second point, too many decimals, too long).
    pub fn push(&mut self, c: char, currency: &Currency) -> bool {
        if self.text.len() >= MAX_INPUT_LEN {
            return false;
        }
        match c {
            '0'..='9' => {
                if let Some((_, frac)) = self.text.split_once('.')
                    && frac.len() as u32 >= currency.decimals
                {
                    return false;
                }
                if self.text == "0" {
                    self.text.clear();
                }
                self.text.push(c);
                true
            }
            '.' | ',' if currency.decimals > 0 && !self.text.contains('.') => {
                if self.text.is_empty() {
                    self.text.push('0');
                }
                self.text.push('.');
                true
            }
            _ => false,
        }
    }

    pub fn backspace(&mut self) {
        self.text.pop();
    }

    pub fn clear(&mut self) {
        self.text.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd() -> Currency {
        Currency::from_code("USD").unwrap()
    }

    fn max() -> Decimal {
        Decimal::from(10_000)
    }

    #[test]
    fn parses_a_plain_amount_exactly() {
        let m = parse_amount("12.50", &usd(), max()).unwrap();
        assert_eq!(m.amount, Decimal::new(1250, 2));
        assert_eq!(m.to_string(), "12.50 USD");
        assert_eq!(parse_amount("7", &usd(), max()).unwrap().to_string(), "7.00 USD");
        assert_eq!(parse_amount(".5", &usd(), max()).unwrap().to_string(), "0.50 USD");
        assert_eq!(parse_amount("3.", &usd(), max()).unwrap().to_string(), "3.00 USD");
    }

    #[test]
    fn refuses_each_bad_input_with_its_own_message() {
        let c = usd();
        assert_eq!(parse_amount("", &c, max()), Err(AmountError::Empty));
        assert_eq!(parse_amount("   ", &c, max()), Err(AmountError::Empty));
        assert_eq!(parse_amount("0", &c, max()), Err(AmountError::Zero));
        assert_eq!(parse_amount("0.00", &c, max()), Err(AmountError::Zero));
        assert_eq!(parse_amount("-3", &c, max()), Err(AmountError::Negative));
        assert!(matches!(parse_amount("1.234", &c, max()), Err(AmountError::TooManyDecimals { decimals: 2, .. })));
        assert!(matches!(parse_amount("10000.01", &c, max()), Err(AmountError::AboveMaximum { .. })));
        assert!(matches!(parse_amount("1e3", &c, max()), Err(AmountError::NotANumber(_))));
        assert!(matches!(parse_amount("1.2.3", &c, max()), Err(AmountError::NotANumber(_))));
        assert!(matches!(parse_amount(".", &c, max()), Err(AmountError::NotANumber(_))));
        assert!(parse_amount("10000", &c, max()).is_ok());
    }

    #[test]
    fn messages_tell_the_cashier_what_to_do() {
        let err = parse_amount("1.234", &usd(), max()).unwrap_err();
        assert_eq!(err.to_string(), "USD has 2 decimal places: remove the extra digits.");
        let err = parse_amount("20000", &usd(), max()).unwrap_err();
        assert_eq!(err.to_string(), "10000.00 USD is the largest amount allowed: ask the owner to raise max_amount.");
    }

    #[test]
    fn trailing_zero_decimals_are_not_extra_precision() {
        assert_eq!(parse_amount("1.500", &usd(), max()).unwrap().to_string(), "1.50 USD");
    }

    #[test]
    fn currencies_know_their_decimals() {
        assert_eq!(Currency::from_code("jpy").unwrap().decimals(), 0);
        assert_eq!(Currency::from_code("KWD").unwrap().decimals(), 3);
        assert_eq!(Currency::from_code("EUR").unwrap().decimals(), 2);
        assert!(Currency::from_code("DOLLARS").is_none());
        let jpy = Currency::from_code("JPY").unwrap();
        assert!(matches!(parse_amount("100.5", &jpy, max()), Err(AmountError::TooManyDecimals { decimals: 0, .. })));
    }

    #[test]
    fn input_takes_digits_one_point_and_the_currency_decimals() {
        let c = usd();
        let mut input = AmountInput::default();
        for ch in "12.345".chars() {
            input.push(ch, &c);
        }
        assert_eq!(input.text(), "12.34");
        assert!(!input.push('.', &c));
        assert!(!input.push('x', &c));
        input.backspace();
        assert_eq!(input.text(), "12.3");
        let mut input = AmountInput::default();
        input.push('.', &c);
        input.push('5', &c);
        assert_eq!(input.text(), "0.5");
        let jpy = Currency::from_code("JPY").unwrap();
        let mut input = AmountInput::default();
        input.push('5', &jpy);
        assert!(!input.push('.', &jpy));
    }

    #[test]
    fn amounts_carry_their_currencys_decimals() {
        let jpy = Currency::from_code("JPY").unwrap();
        let kwd = Currency::from_code("KWD").unwrap();
        let shown = |a: &str, c: &Currency| Money::new(a.parse().unwrap(), c.clone()).to_string();
        assert_eq!(shown("12.5", &usd()), "12.50 USD");
        assert_eq!(shown("11", &usd()), "11.00 USD");
        assert_eq!(shown("11.000", &usd()), "11.00 USD");
        assert_eq!(shown("1500", &jpy), "1500 JPY");
        assert_eq!(shown("1.5", &kwd), "1.500 KWD");
        assert_eq!(shown("2.500001", &usd()), "2.50 USD", "shown with the currency's decimals");
        let finer = Money::new("2.500001".parse().unwrap(), usd());
        assert_eq!(finer.exact_text(), "2.500001", "exported whole");
        assert_eq!(Money::new("12.5".parse().unwrap(), usd()).exact_text(), "12.50");
        assert_eq!(Money::new(Decimal::from(1500), Currency::from_code("JPY").unwrap()).exact_text(), "1500");
    }

    #[test]
    fn an_amount_too_large_to_hold_is_too_large_not_a_non_number() {
        let err = parse_amount("99999999999999999999999999999999999", &usd(), max()).unwrap_err();
        assert_eq!(err, AmountError::AboveMaximum { max: "10000.00 USD".into() });
    }
}
