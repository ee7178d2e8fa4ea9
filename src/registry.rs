//! Builds the gateways the config names.

use crate::clock::SharedClock;
use crate::config::Config;
use crate::core::method::ProviderId;
use crate::gateway::bitsby::Bitsby;
use crate::gateway::http::HttpSettings;
use crate::gateway::xaigate::Xaigate;
use crate::gateway::xcash::Xcash;
use crate::gateway::xpay::Xpay;
use crate::gateway::xpays::Xpays;
use crate::gateway::{GatewayError, Registry};
use std::sync::Arc;

pub fn build(config: &Config, clock: SharedClock) -> Result<Registry, GatewayError> {
    let mut registry = Registry::default();
    // Every request to a gateway keeps to its limit, whoever sends it.
    let settings = |p: ProviderId| HttpSettings {
        every: Some(config.poll.limits(p).gateway.spacing().unsigned_abs()),
        ..HttpSettings::default()
    };
    if let Some(x) = &config.xpay {
        registry.insert(Arc::new(Xpay::new(x.clone(), settings(ProviderId::Xpay), clock.clone())?));
    }
    if let Some(x) = &config.xpays {
        registry.insert(Arc::new(Xpays::new(x.clone(), settings(ProviderId::Xpays), clock.clone())?));
    }
    if let Some(x) = &config.xcash {
        registry.insert(Arc::new(Xcash::new(x.clone(), settings(ProviderId::Xcash), clock.clone())?));
    }
    if let Some(x) = &config.xaigate {
        registry.insert(Arc::new(Xaigate::new(x.clone(), settings(ProviderId::Xaigate))?));
    }
    if let Some(x) = &config.bitsby {
        registry.insert(Arc::new(Bitsby::new(x.clone(), settings(ProviderId::Bitsby), clock)?));
    }
    Ok(registry)
}
