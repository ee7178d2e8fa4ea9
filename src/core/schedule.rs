//! When to poll an open invoice: pure arithmetic on instants, no clocks; and
//! the request rates the till keeps at each gateway (`Limits`). The core
//! knows no gateway's own limits: each gateway's module declares them, and
//! the config hands them in with `PollPolicy::limits`.

use super::method::ProviderId;
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeMap;

/// An invoice this young is polled at the interval: the customer is most
/// likely paying now.
pub const FRESH: SignedDuration = SignedDuration::from_mins(5);
/// An invoice this close to its expiry is polled at the interval again.
pub const NEAR_EXPIRY: SignedDuration = SignedDuration::from_mins(2);

/// At most `requests` per `per`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    pub requests: u32,
    pub per: SignedDuration,
}

impl Rate {
    pub const fn per_second(requests: u32) -> Rate {
        Rate { requests, per: SignedDuration::from_secs(1) }
    }

    pub const fn per_minute(requests: u32) -> Rate {
        Rate { requests, per: SignedDuration::from_mins(1) }
    }

    /// The gap the till keeps between two requests: the limit's even
    /// spacing plus a tenth, for the network's jitter.
    pub fn spacing(&self) -> SignedDuration {
        let ms = self.per.as_millis().saturating_mul(11) / (10 * i128::from(self.requests.max(1)));
        SignedDuration::from_millis(i64::try_from(ms).unwrap_or(i64::MAX))
    }
}

/// What the till may ask of one gateway.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Every request from this terminal (one key) to the gateway.
    pub gateway: Rate,
    /// Status polls of one invoice.
    pub per_invoice: Option<Rate>,
    /// The gateway lists many invoices' statuses in one call.
    pub batch: bool,
}

impl Limits {
    /// A gateway whose limits the policy does not hold: where a gateway
    /// documents no limit the till keeps to 5 requests a second.
    pub const UNDOCUMENTED: Limits = Limits { gateway: Rate::per_second(5), per_invoice: None, batch: false };
}

/// The poll settings (`[poll]` in the config).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PollPolicy {
    /// Normal interval between two polls of one invoice.
    pub interval: SignedDuration,
    /// How long polling goes on after the expiry instant before the till
    /// derives an expiry itself.
    pub expiry_grace: SignedDuration,
    /// How long an expired invoice (the till's expiry or the gateway's) is
    /// still watched for a late payment, from its expiry instant.
    pub late_window: SignedDuration,
    /// The slow interval: an unknown status after the grace.
    pub slow_interval: SignedDuration,
    /// The late watch's interval: an expired invoice is asked about this
    /// seldom, and only with what the gateway's budget leaves over.
    pub late_interval: SignedDuration,
    /// The longest wait between polls while a gateway keeps failing.
    pub max_backoff: SignedDuration,
    /// The longest normal wait, in the quiet middle of a long-lived invoice.
    pub idle_interval: SignedDuration,
    /// Each gateway's request limits: its module's defaults, then
    /// `[poll.limits.NAME]`.
    pub limits: BTreeMap<ProviderId, Limits>,
}

impl PollPolicy {
    /// The cadence's defaults with these gateway limits. (`PollPolicy`'s
    /// `Default`, in `gateway::catalog`, adds every gateway's own limits.)
    pub fn with_limits(limits: BTreeMap<ProviderId, Limits>) -> PollPolicy {
        PollPolicy {
            interval: SignedDuration::from_secs(3),
            expiry_grace: SignedDuration::from_secs(120),
            late_window: SignedDuration::from_hours(24),
            slow_interval: SignedDuration::from_secs(60),
            late_interval: SignedDuration::from_mins(5),
            max_backoff: SignedDuration::from_secs(60),
            idle_interval: SignedDuration::from_secs(30),
            limits,
        }
    }

    /// The request limits the till keeps at this gateway.
    pub fn limits(&self, provider: ProviderId) -> Limits {
        self.limits.get(&provider).cloned().unwrap_or(Limits::UNDOCUMENTED)
    }
}

/// How an invoice stands, as far as the schedule cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pace {
    /// Open and within its time (plus grace): the cadence for its age.
    Normal(SignedDuration),
    /// Only watched for something rare (an unknown status long after
    /// expiry): the slow interval.
    Slow,
    /// Expired, watched for a late payment: the late interval.
    Late,
}

/// The normal wait between two polls of an open invoice at `now`: the
/// interval while it is fresh or near its expiry (when a payment is most
/// likely to land, or to be cut off), a tenth of the time left in between,
/// at most `idle_interval`. A 12-hour Bitsby invoice is asked about twice a
/// minute in its quiet hours instead of twenty times.
pub fn cadence(policy: &PollPolicy, created_at: Timestamp, expires_at: Timestamp, now: Timestamp) -> SignedDuration {
    let age = now.duration_since(created_at);
    let left = expires_at.duration_since(now);
    if age < FRESH || left < NEAR_EXPIRY {
        return policy.interval;
    }
    (left / 10).clamp(policy.interval, policy.idle_interval.max(policy.interval))
}

/// The delay before the next poll. `errors` counts consecutive failures
/// (exponential backoff, capped); `seed` spreads retries (jitter) so that
/// many invoices failing together do not come back in a burst.
pub fn next_delay(policy: &PollPolicy, pace: Pace, errors: u32, seed: u64) -> SignedDuration {
    let base = match pace {
        Pace::Normal(every) => every,
        Pace::Slow => policy.slow_interval,
        Pace::Late => policy.late_interval,
    };
    if errors == 0 {
        return base;
    }
    let base_ms = base.as_millis().max(1);
    let factor = 1i128 << errors.min(16);
    let capped = (base_ms.saturating_mul(factor)).min(policy.max_backoff.as_millis().max(base_ms));
    // Up to half the delay again, from a cheap hash of the seed and the attempt.
    let mixed = seed.wrapping_add(u64::from(errors)).wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(29);
    let spread = (capped / 2).max(1);
    let jitter = i128::from(mixed) % spread;
    SignedDuration::from_millis(i64::try_from(capped + jitter).unwrap_or(i64::MAX))
}

/// Whether the late window after the expiry instant has closed at `now`.
pub fn late_window_over(policy: &PollPolicy, expires_at: Timestamp, now: Timestamp) -> bool {
    now >= expires_at.saturating_add(policy.late_window).unwrap_or(Timestamp::MAX)
}

/// Whether the grace after the expiry instant has run out at `now`.
pub fn grace_over(policy: &PollPolicy, expires_at: Timestamp, now: Timestamp) -> bool {
    now >= expires_at.saturating_add(policy.expiry_grace).unwrap_or(Timestamp::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polls_at_the_interval_while_all_is_well() {
        let p = PollPolicy::default();
        assert_eq!(next_delay(&p, Pace::Normal(p.interval), 0, 7), SignedDuration::from_secs(3));
        assert_eq!(next_delay(&p, Pace::Slow, 0, 7), SignedDuration::from_secs(60));
        assert_eq!(next_delay(&p, Pace::Late, 0, 7), SignedDuration::from_mins(5));
    }

    #[test]
    fn backs_off_exponentially_with_jitter_and_a_cap() {
        let p = PollPolicy::default();
        let mut last = SignedDuration::ZERO;
        for errors in 1..=4 {
            let d = next_delay(&p, Pace::Normal(p.interval), errors, 42);
            let floor = SignedDuration::from_secs(3 * (1 << errors)).min(p.max_backoff);
            assert!(d >= floor && d <= floor + floor / 2, "errors {errors}: {d:?}");
            assert!(d > last);
            last = d;
        }
        for errors in [10, 30, 1000] {
            let d = next_delay(&p, Pace::Normal(p.interval), errors, 42);
            assert!(d >= p.max_backoff && d <= p.max_backoff + p.max_backoff / 2, "{d:?}");
        }
    }

    #[test]
    fn jitter_spreads_invoices_that_fail_together() {
        let p = PollPolicy::default();
        let delays: std::collections::BTreeSet<_> =
            (0..20u64).map(|seed| next_delay(&p, Pace::Normal(p.interval), 3, seed)).collect();
        assert!(delays.len() > 10, "only {} distinct delays", delays.len());
    }

    #[test]
    fn fresh_and_nearly_expired_invoices_are_polled_often_long_lived_ones_less() {
        let p = PollPolicy::default();
        let created: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let expires = created + SignedDuration::from_hours(12);
        let at = |mins: i64| created + SignedDuration::from_mins(mins);
        assert_eq!(cadence(&p, created, expires, at(0)), p.interval, "just created");
        assert_eq!(cadence(&p, created, expires, at(4)), p.interval, "still fresh");
        assert_eq!(cadence(&p, created, expires, at(60)), p.idle_interval, "the quiet hours");
        assert_eq!(cadence(&p, created, expires, at(12 * 60 - 3)), SignedDuration::from_secs(18), "closing in");
        assert_eq!(cadence(&p, created, expires, at(12 * 60 - 1)), p.interval, "near expiry");
        assert_eq!(cadence(&p, created, expires, at(12 * 60 + 1)), p.interval, "in the grace");
        // A 15-minute invoice is fresh, then within a tenth of its time of expiry.
        let short = created + SignedDuration::from_mins(15);
        assert!(cadence(&p, created, short, at(8)) <= SignedDuration::from_secs(42));
    }

    #[test]
    fn grace_runs_from_the_expiry_instant() {
        let p = PollPolicy::default();
        let exp: Timestamp = "2026-01-01T12:00:00Z".parse().unwrap();
        assert!(!grace_over(&p, exp, "2026-01-01T12:01:59Z".parse().unwrap()));
        assert!(grace_over(&p, exp, "2026-01-01T12:02:00Z".parse().unwrap()));
    }
}
