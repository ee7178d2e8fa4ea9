//! Time slots at a gateway account that many tills share (one store, one
//! API key): each till sends only in its own slots, so the tills' requests
//! never bunch up at the gateway, however they started. Pure arithmetic on
//! the wall clock; the poller (`poller.rs`) keeps to them.

use super::method::ProviderId;
use super::schedule::PollPolicy;
use jiff::{SignedDuration, Timestamp};

/// This till's part of a gateway account that `tills` live tills use (one
/// store): its `rank` among them (0-based, by terminal id, the same order in
/// every till's lease turn) gives it its own time slots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Share {
    pub provider: ProviderId,
    pub tills: u32,
    pub rank: u32,
}

/// Time slots at a shared gateway account: with `tills` tills, each spaced
/// `spacing` apart, the period is `tills × spacing` and this till's slots
/// start where `(t − UNIX_EPOCH) mod period == rank × spacing` (the wall
/// clock, which the tills share within NTP's accuracy). Requests from two
/// tills then never fall within one spacing of each other, however the
/// tills started, and the phase never drifts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Slots {
    period: i128,
    offset: i128,
    /// How late in its slot a request may still go (a twentieth of the
    /// spacing: half the spacing's margin, the other half is the network's).
    window: i128,
}

impl Slots {
    pub(crate) fn new(spacing: SignedDuration, tills: u32, rank: u32) -> Slots {
        let spacing = spacing.as_nanos().max(1);
        let tills = i128::from(tills.max(1));
        Slots { period: spacing * tills, offset: spacing * (i128::from(rank) % tills), window: spacing / 20 }
    }

    fn position(&self, t: Timestamp) -> i128 {
        (t.as_nanosecond() - self.offset).rem_euclid(self.period)
    }

    /// The start of this till's first slot at or after `t`.
    pub(crate) fn at_or_after(&self, t: Timestamp) -> Timestamp {
        let pos = self.position(t);
        if pos == 0 {
            return t;
        }
        Timestamp::from_nanosecond(t.as_nanosecond() + (self.period - pos)).unwrap_or(Timestamp::MAX)
    }

    /// The first instant at or after `t` inside one of this till's slots.
    pub(crate) fn earliest(&self, t: Timestamp) -> Timestamp {
        if self.position(t) <= self.window { t } else { self.at_or_after(t) }
    }

    /// The start of this till's next slot after `t`.
    pub(crate) fn after(&self, t: Timestamp) -> Timestamp {
        self.at_or_after(t.saturating_add(SignedDuration::from_nanos(1)).unwrap_or(Timestamp::MAX))
    }
}

/// The start of this till's first slot at or after `t` under `share` (`t`
/// itself when the till is alone on the account).
pub fn slot_at_or_after(share: &Share, policy: &PollPolicy, t: Timestamp) -> Timestamp {
    if share.tills <= 1 {
        return t;
    }
    Slots::new(policy.limits(share.provider).gateway.spacing(), share.tills, share.rank).at_or_after(t)
}
