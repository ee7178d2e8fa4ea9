//! Demo mode: the embedded sandbox gateway on an ephemeral loopback port, with
//! the real adapters pointed at it, so the demo runs the production code. Each
//! gateway's demo values (its section, the sandbox path that pays) live in its
//! own folder.

use crate::config::Config;
use crate::core::invoice::Reference;
use crate::core::method::ProviderId;
use crate::gateway::catalog::GATEWAYS;
use std::time::Duration;

pub struct Demo {
    pub base_url: String,
    _sandbox: till_sandbox::Running,
}

/// Starts the sandbox and returns the demo config pointing at it.
pub async fn start() -> std::io::Result<(Demo, Config)> {
    let running = till_sandbox::spawn(([127, 0, 0, 1], 0).into(), till_sandbox::Options::default()).await?;
    let base_url = running.base_url();
    tracing::info!(%base_url, "demo mode: sandbox gateway started");
    let config = Config::demo(Some(base_url.clone()));
    Ok((Demo { base_url, _sandbox: running }, config))
}

/// Tells the sandbox that the customer paid the invoice in full.
pub async fn simulate_payment(base_url: &str, provider: ProviderId, reference: &Reference) -> Result<(), String> {
    crate::gateway::http::install_tls();
    let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().map_err(|e| e.to_string())?;
    let gateway = GATEWAYS.iter().find(|g| g.provider == provider).ok_or("no such gateway in the sandbox")?;
    let url = format!("{base_url}{}", (gateway.demo_payment_path)(reference));
    let r = client.post(url).send().await.map_err(|e| e.to_string())?;
    if r.status().is_success() { Ok(()) } else { Err(format!("sandbox answered HTTP {}", r.status().as_u16())) }
}
