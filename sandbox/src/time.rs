//! Clock and calendar, through `jiff`: the wall clock in epoch milli- and
//! microseconds (how the stores keep instants), and the spellings the
//! gateways' docs show for them.
//!
//! Instants outside jiff's range (years -9999 to 9999, reached only by
//! absurd test overrides) are written as the nearest end of it.

use jiff::Timestamp;
use jiff::civil::Date;

/// Wall clock, epoch milliseconds.
pub(crate) fn now_ms() -> i64 {
    Timestamp::now().as_millisecond()
}

/// Wall clock, epoch microseconds.
pub(crate) fn now_us() -> i64 {
    Timestamp::now().as_microsecond()
}

fn clamped(result: Result<Timestamp, jiff::Error>, negative: bool) -> Timestamp {
    result.unwrap_or(if negative { Timestamp::MIN } else { Timestamp::MAX })
}

fn from_ms(epoch_ms: i64) -> Timestamp {
    clamped(Timestamp::from_millisecond(epoch_ms), epoch_ms < 0)
}

fn from_secs(epoch_secs: i64) -> Timestamp {
    clamped(Timestamp::from_second(epoch_secs), epoch_secs < 0)
}

/// RFC 3339 UTC with milliseconds, e.g. `2024-08-13T16:40:02.118Z` (the
/// format of xPay's `lnReceipt`).
pub(crate) fn iso8601_ms(epoch_ms: i64) -> String {
    format!("{:.3}", from_ms(epoch_ms))
}

/// RFC 3339 UTC in whole seconds (the fraction cut), e.g.
/// `2026-06-02T12:00:00Z` (Xcash's samples).
pub(crate) fn iso8601_s(epoch_ms: i64) -> String {
    format!("{:.0}", from_ms(epoch_ms))
}

/// RFC 3339 UTC with microseconds, e.g. `2023-12-07T09:03:07.976520Z`
/// (XaiGate's samples).
pub(crate) fn iso8601_us(epoch_us: i64) -> String {
    format!("{:.6}", clamped(Timestamp::from_microsecond(epoch_us), epoch_us < 0))
}

/// `YYYY-MM-DD HH:MM:SS`, UTC without a zone marker (Bitsby's datetimes).
pub(crate) fn date_time(epoch_secs: i64) -> String {
    from_secs(epoch_secs).strftime("%Y-%m-%d %H:%M:%S").to_string()
}

/// The UTC day, `YYYY-MM-DD`.
pub(crate) fn day(epoch_secs: i64) -> String {
    from_secs(epoch_secs).strftime("%Y-%m-%d").to_string()
}

/// The UTC day as `YYMMDD` (Xcash's `sys_no`).
pub(crate) fn yymmdd(epoch_ms: i64) -> String {
    from_ms(epoch_ms).strftime("%y%m%d").to_string()
}

/// Whether `text` is a calendar day written `YYYY-MM-DD` (four, two and two
/// digits, e.g. `2024-02-29`; `2023-02-29` is no day).
pub(crate) fn is_day(text: &str) -> bool {
    let mut parts = text.split('-');
    let (Some(y), Some(m), Some(d), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let number = |s: &str, len: usize| {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse::<i16>().ok()).flatten()
    };
    match (number(y, 4), number(m, 2), number(d, 2)) {
        (Some(y), Some(m), Some(d)) => {
            let (Ok(m), Ok(d)) = (i8::try_from(m), i8::try_from(d)) else { return false };
            Date::new(y, m, d).is_ok()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_samples() {
        // xpay.md: tx timestamp 1723567202118 ↔ lnReceipt createdAt.
        assert_eq!(iso8601_ms(1_723_567_202_118), "2024-08-13T16:40:02.118Z");
        assert_eq!(iso8601_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601_ms(951_782_400_000), "2000-02-29T00:00:00.000Z");
        // xcash.md: 2026-06-02T12:00:00Z, the fraction cut.
        assert_eq!(iso8601_s(1_780_401_600_999), "2026-06-02T12:00:00Z");
        assert_eq!(yymmdd(1_780_401_600_000), "260602");
        // xaigate.md.
        assert_eq!(iso8601_us(1_701_939_787_976_520), "2023-12-07T09:03:07.976520Z");
        assert_eq!(iso8601_us(0), "1970-01-01T00:00:00.000000Z");
        // bitsby.md.
        assert_eq!(date_time(1_709_220_024), "2024-02-29 15:20:24");
        assert_eq!(day(1_709_220_024), "2024-02-29");
    }

    #[test]
    fn out_of_range_instants_are_clamped() {
        assert!(iso8601_ms(i64::MAX).starts_with("9999-"));
        assert!(iso8601_s(i64::MIN).starts_with("-009999-"));
    }

    #[test]
    fn days() {
        assert!(is_day("2024-02-29"));
        for bad in ["2023-02-29", "2024-2-29", "2024-13-01", "2024-00-10", "24-02-29", "2024-02-29-1", "2024/02/29", ""]
        {
            assert!(!is_day(bad), "{bad:?}");
        }
    }

    #[test]
    fn the_clock_ticks_in_both_units() {
        let (ms, us) = (now_ms(), now_us());
        assert!((us / 1000 - ms).abs() < 1000);
    }
}
