//! Decimal amounts as the gateways write them: each gateway's grammar for
//! the text ([`Written`]), `rust_decimal` for the value and every
//! computation on it (amounts are never floats: README § Money).
//!
//! The text is kept apart from the value because some answers depend on how
//! an amount was written, not only on its value: Xcash counts digits and
//! decimal places as written (Django REST framework over Python's
//! `Decimal`), and values with more digits than `rust_decimal` holds (28)
//! must still be refused with the right message.

use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::Number;

/// How a gateway lets a decimal be written.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Grammar {
    /// A leading `+` or `-`.
    sign: bool,
    /// An `e`/`E` exponent suffix, itself signed.
    exponent: bool,
    /// Nothing on one side of the point (`.5`, `5.`).
    bare_point: bool,
}

/// `10`, `4.50`: digits, at most one point with digits on both sides.
pub(crate) const PLAIN: Grammar = Grammar { sign: false, exponent: false, bare_point: false };
/// [`PLAIN`], and a point with digits on one side only (`.5`, `5.`).
pub(crate) const LOOSE: Grammar = Grammar { sign: false, exponent: false, bare_point: true };
/// Python's `Decimal` syntax without NaN and Infinity: `-1.5e-8`, `+.5`, `1E+2`.
pub(crate) const PYTHON: Grammar = Grammar { sign: true, exponent: true, bare_point: true };

/// Why a decimal did not parse.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum DecError {
    /// Not a number in the grammar.
    Syntax,
    /// A number, but with more than 38 significant digits or an exponent
    /// beyond ±60: too long to be an amount.
    TooLong,
}

/// Largest number of significant digits and largest exponent accepted.
const MAX_DIGITS: usize = 38;
const MAX_EXPONENT: i64 = 60;

/// A decimal as written: its sign, the digits on each side of the point and
/// the exponent.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Written<'a> {
    negative: bool,
    int: &'a str,
    frac: &'a str,
    exp: i64,
}

impl<'a> Written<'a> {
    pub(crate) fn parse(text: &'a str, grammar: Grammar) -> Result<Self, DecError> {
        let (negative, rest) = match text.as_bytes().first() {
            Some(b'-') if grammar.sign => (true, text.get(1..).unwrap_or("")),
            Some(b'+') if grammar.sign => (false, text.get(1..).unwrap_or("")),
            _ => (false, text),
        };
        let (number, exp) = match rest.find(['e', 'E']) {
            Some(i) if grammar.exponent => (rest.get(..i).unwrap_or(""), Some(rest.get(i + 1..).unwrap_or(""))),
            Some(_) => return Err(DecError::Syntax),
            None => (rest, None),
        };
        let (int, frac) = number.split_once('.').unwrap_or((number, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        let bare = number.contains('.') && (int.is_empty() || frac.is_empty());
        if (int.is_empty() && frac.is_empty()) || (bare && !grammar.bare_point) || !all_digits(int) || !all_digits(frac)
        {
            return Err(DecError::Syntax);
        }
        let exp = match exp {
            None => 0,
            Some(exp) => {
                let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
                if digits.is_empty() || !all_digits(digits) {
                    return Err(DecError::Syntax);
                }
                let value = digits.parse::<i64>().ok().filter(|v| *v <= MAX_EXPONENT).ok_or(DecError::TooLong)?;
                if exp.starts_with('-') { -value } else { value }
            }
        };
        let written = Self { negative, int, frac, exp };
        let scale = written.scale();
        if written.significant().len() + usize::try_from(-scale).unwrap_or(0) > MAX_DIGITS || scale > MAX_EXPONENT {
            return Err(DecError::TooLong);
        }
        Ok(written)
    }

    pub(crate) fn is_negative(&self) -> bool {
        self.negative
    }

    /// Digits before the point, as written (leading zeros count).
    pub(crate) fn int_digits(&self) -> usize {
        self.int.len()
    }

    /// The digits with the leading zeros dropped (`""` for zero).
    fn significant(&self) -> String {
        let mut digits = format!("{}{}", self.int, self.frac);
        let zeros = digits.len() - digits.trim_start_matches('0').len();
        digits.drain(..zeros);
        digits
    }

    /// Decimal places before the exponent is applied, minus it.
    fn scale(&self) -> i64 {
        i64::try_from(self.frac.len()).unwrap_or(i64::MAX).saturating_sub(self.exp)
    }

    /// Decimal places as written, the exponent applied (`4.50` → 2,
    /// `1e-8` → 8, `1E+2` → 0).
    pub(crate) fn places(&self) -> u64 {
        u64::try_from(self.scale()).unwrap_or(0)
    }

    /// Django REST framework's digit count (`validate_precision` over
    /// Python's `Decimal.as_tuple()`): the digits without leading zeros
    /// (at least one), plus the zeros a positive exponent adds, and never
    /// fewer than the decimal places (`0.001` has 3).
    pub(crate) fn total_digits(&self) -> u64 {
        let digits = u64::try_from(self.significant().len().max(1)).unwrap_or(u64::MAX);
        let scale = self.scale();
        match u64::try_from(-scale) {
            Ok(zeros) => digits.saturating_add(zeros),
            Err(_) => digits.max(self.places()),
        }
    }

    /// Whether the value is a whole number (`10.0`, `1.5e1`).
    pub(crate) fn is_integer(&self) -> bool {
        let places = i64::try_from(self.frac.trim_end_matches('0').len()).unwrap_or(i64::MAX);
        places <= self.exp
    }

    /// The value without its sign, exactly; `None` if `rust_decimal` cannot
    /// hold it (more than 28 digits once trailing zeros are dropped).
    pub(crate) fn magnitude(&self) -> Option<Decimal> {
        let mut digits = self.significant();
        if digits.is_empty() {
            return Some(Decimal::ZERO);
        }
        let mut scale = self.scale();
        if scale < 0 {
            digits.push_str(&"0".repeat(usize::try_from(-scale).ok()?));
            scale = 0;
        }
        while scale > 0 && digits.ends_with('0') {
            digits.pop();
            scale -= 1;
        }
        Decimal::try_from_i128_with_scale(digits.parse().ok()?, u32::try_from(scale).ok()?).ok()
    }
}

/// A positive [`PLAIN`] decimal with at most `max_int_digits` digits before
/// the point and `max_places` after it, as written (`10`, `4.50`).
pub(crate) fn plain_positive(text: &str, max_int_digits: usize, max_places: u64) -> Option<Decimal> {
    let written = Written::parse(text, PLAIN).ok()?;
    if written.int_digits() > max_int_digits || written.places() > max_places {
        return None;
    }
    written.magnitude().filter(|v| !v.is_zero())
}

/// Rounded half up (away from zero) to `places` decimals.
pub(crate) fn half_up(value: Decimal, places: u32) -> Decimal {
    value.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero)
}

/// Rounded half up to at most `digits` significant digits.
pub(crate) fn half_up_significant(value: Decimal, digits: u32) -> Decimal {
    value.round_sf_with_strategy(digits, RoundingStrategy::MidpointAwayFromZero).unwrap_or(value)
}

/// Exactly `places` decimals, e.g. `1.00` (rounded half up if it had more).
pub(crate) fn fixed(value: Decimal, places: u32) -> String {
    let mut value = half_up(value, places);
    value.rescale(places);
    value.to_string()
}

/// The value as a JSON number with exactly its digits, trailing zeros
/// dropped (`10`, `12.5`, `9.99721717462727`).
pub(crate) fn number(value: Decimal) -> Number {
    serde_json::from_str(&value.normalize().to_string()).unwrap_or_else(|_| Number::from(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str) -> String {
        let Ok(written) = Written::parse(text, PYTHON) else { return String::new() };
        let sign = if written.is_negative() { "-" } else { "" };
        written.magnitude().map(|v| format!("{sign}{}", v.normalize())).unwrap_or_default()
    }

    #[test]
    fn python_grammar() {
        assert_eq!(value("4.50"), "4.5");
        assert_eq!(value("10.00"), "10");
        assert_eq!(value("1e-8"), "0.00000001");
        assert_eq!(value("1E+2"), "100");
        assert_eq!(value(".5"), "0.5");
        assert_eq!(value("-3"), "-3");
        assert_eq!(value("1.5e1"), "15");
        for bad in ["", ".", "abc", "1..2", "1e", "1e+", "0x10", "1,5", "NaN", "1 2", "1_000", "--1"] {
            assert_eq!(Written::parse(bad, PYTHON).err(), Some(DecError::Syntax), "{bad}");
        }
        assert_eq!(Written::parse("1e5", LOOSE).err(), Some(DecError::Syntax));
        assert_eq!(Written::parse(&"9".repeat(60), PYTHON).err(), Some(DecError::TooLong));
        assert_eq!(Written::parse("1e999", PYTHON).err(), Some(DecError::TooLong));
        assert_eq!(Written::parse("1e-61", PYTHON).err(), Some(DecError::TooLong));
    }

    #[test]
    fn digits_and_places_as_written() {
        let w = |t| Written::parse(t, PYTHON).expect("decimal");
        assert_eq!((w("4.50").total_digits(), w("4.50").places()), (3, 2));
        assert_eq!((w("0.00").total_digits(), w("0.00").places()), (2, 2));
        assert_eq!((w("1E+2").total_digits(), w("1E+2").places()), (3, 0));
        assert_eq!((w("1e-10").total_digits(), w("1e-10").places()), (10, 10));
        assert_eq!((w("0001").total_digits(), w("0001").places()), (1, 0));
        let long = "1".repeat(33);
        assert_eq!(w(&long).total_digits(), 33);
        assert_eq!(w(&long).magnitude(), None, "beyond rust_decimal");
        assert!(w("10.0").is_integer() && w("1.5e1").is_integer() && !w("10.5").is_integer());
    }

    #[test]
    fn plain_amounts() {
        assert_eq!(plain_positive("10.55", 12, 2), Some(Decimal::new(1055, 2)));
        assert_eq!(plain_positive("7", 12, 2), Some(Decimal::from(7)));
        for bad in ["0", "0.00", "10.555", "-1", "1e3", "", ".5", "5.", "1,5", "abc", "1234567890123", " 1", "+1"] {
            assert_eq!(plain_positive(bad, 12, 2), None, "{bad:?}");
        }
    }

    #[test]
    fn rounding_and_printing() {
        let d = |t: &str| Written::parse(t, PYTHON).ok().and_then(|w| w.magnitude()).expect("decimal");
        assert_eq!(half_up(d("2.345"), 2).to_string(), "2.35");
        assert_eq!(half_up(d("2.344"), 2).to_string(), "2.34");
        assert_eq!(half_up_significant(d("9.997217174627270"), 15).normalize().to_string(), "9.99721717462727");
        assert_eq!(half_up_significant(d("123456789.123456789"), 15).to_string(), "123456789.123457");
        assert_eq!(fixed(d("1"), 2), "1.00");
        assert_eq!(fixed(d("0.00325544"), 8), "0.00325544");
        assert_eq!(serde_json::to_string(&number(d("12.50"))).expect("json"), "12.5");
        assert_eq!(serde_json::to_string(&number(d("10.000"))).expect("json"), "10");
    }
}
