//! Builds the gateways the config names.

use crate::clock::SharedClock;
use crate::config::Config;
use crate::gateway::http::HttpSettings;
use crate::gateway::{GatewayError, Registry};

pub fn build(config: &Config, clock: SharedClock) -> Result<Registry, GatewayError> {
    let mut registry = Registry::default();
    for gateway in &config.gateways {
        // Every request to a gateway keeps to its limit, whoever sends it.
        let every = config.poll.limits(gateway.provider).gateway.spacing().unsigned_abs();
        let settings = HttpSettings {
            every: Some(every),
            terminal: Some(config.shop.terminal.clone()),
            ..HttpSettings::default()
        };
        registry.insert(gateway.build(settings, clock.clone())?);
    }
    Ok(registry)
}
