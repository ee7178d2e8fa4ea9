//! Every gateway the till knows, one line each: what the config, the registry
//! and the poll schedule need of it, without knowing which gateway it is.

use super::{bitsby, xaigate, xcash, xpay, xpays};
use crate::core::method::ProviderId;
use crate::core::schedule::{Limits, PollPolicy};

/// One gateway, as the rest of the till sees it before it runs.
pub struct Descriptor {
    pub provider: ProviderId,
    /// The request limits kept at it unless `[poll.limits.NAME]` says otherwise.
    pub limits: Limits,
}

/// The gateways, in the order they are configured and offered.
pub const GATEWAYS: &[Descriptor] = &[
    Descriptor { provider: ProviderId::Xpay, limits: xpay::LIMITS },
    Descriptor { provider: ProviderId::Xpays, limits: xpays::LIMITS },
    Descriptor { provider: ProviderId::Xcash, limits: xcash::LIMITS },
    Descriptor { provider: ProviderId::Xaigate, limits: xaigate::LIMITS },
    Descriptor { provider: ProviderId::Bitsby, limits: bitsby::LIMITS },
];

/// The default poll policy: the schedule's cadence and every gateway's own
/// limits (which the core does not know).
impl Default for PollPolicy {
    fn default() -> PollPolicy {
        PollPolicy::with_limits(GATEWAYS.iter().map(|g| (g.provider, g.limits.clone())).collect())
    }
}
