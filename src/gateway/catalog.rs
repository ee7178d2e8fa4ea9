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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::invoice::Reference;
    use crate::core::method::ProviderId;

    #[test]
    fn every_gateway_once_with_the_sandbox_path_that_pays_it() {
        let ids: Vec<&str> = GATEWAYS.iter().map(|g| g.provider.id()).collect();
        assert_eq!(ids, ProviderId::ALL.iter().map(|p| p.id()).collect::<Vec<_>>());
        let r = Reference::parse("r1").unwrap();
        let path = |p: ProviderId| GATEWAYS.iter().find(|g| g.provider == p).map(|g| (g.demo_payment_path)(&r));
        assert_eq!(path(ProviderId::Xpay).as_deref(), Some("/_sandbox/xpay/bills/r1/pay"));
        assert_eq!(path(ProviderId::Bitsby).as_deref(), Some("/_sandbox/bitsby/invoices/r1/pay"));
    }
}
