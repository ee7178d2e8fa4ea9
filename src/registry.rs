//! Builds the gateways the config names.

use crate::clock::SharedClock;
use crate::config::Config;
use crate::gateway::http::HttpSettings;
use crate::gateway::xpay::Xpay;
use crate::gateway::{GatewayError, Registry};
use std::sync::Arc;

pub fn build(config: &Config, clock: SharedClock) -> Result<Registry, GatewayError> {
    let mut registry = Registry::default();
    if let Some(x) = &config.xpay {
        registry.insert(Arc::new(Xpay::new(x.clone(), HttpSettings::default(), clock)?));
    }
    Ok(registry)
}
