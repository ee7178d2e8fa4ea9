//! Builds the gateways the config names.

use crate::clock::SharedClock;
use crate::config::Config;
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
    if let Some(x) = &config.xpay {
        registry.insert(Arc::new(Xpay::new(x.clone(), HttpSettings::default(), clock.clone())?));
    }
    if let Some(x) = &config.xpays {
        registry.insert(Arc::new(Xpays::new(x.clone(), HttpSettings::default(), clock.clone())?));
    }
    if let Some(x) = &config.xcash {
        registry.insert(Arc::new(Xcash::new(x.clone(), HttpSettings::default(), clock.clone())?));
    }
    if let Some(x) = &config.xaigate {
        registry.insert(Arc::new(Xaigate::new(x.clone(), HttpSettings::default())?));
    }
    if let Some(x) = &config.bitsby {
        registry.insert(Arc::new(Bitsby::new(x.clone(), HttpSettings::default(), clock)?));
    }
    Ok(registry)
}
