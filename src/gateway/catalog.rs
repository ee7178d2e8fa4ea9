//! Every gateway the till knows, one line each. Adding a gateway is its
//! folder beside the others and its line here.

use super::descriptor::Descriptor;
use super::{bitsby, xaigate, xcash, xpay, xpays};
use crate::core::schedule::PollPolicy;

/// The gateways, in the order they are configured and shown.
pub const GATEWAYS: &[Descriptor] = &[xpay::GATEWAY, xpays::GATEWAY, xcash::GATEWAY, xaigate::GATEWAY, bitsby::GATEWAY];

/// The default poll policy: the schedule's cadence and every gateway's own
/// limits (which the core does not know).
impl Default for PollPolicy {
    fn default() -> PollPolicy {
        PollPolicy::with_limits(GATEWAYS.iter().map(|g| (g.provider, g.limits.clone())).collect())
    }
}
