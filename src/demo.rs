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

/// A ready config for a `till sandbox` at `base_url`: all five gateways with
/// the sandbox's demo credentials written in (`till sandbox --print-config`).
/// The sandbox takes no real money, so literal secrets are harmless here.
pub fn sandbox_config(base_url: &str) -> String {
    use till_sandbox as s;
    format!(
        r#"# till config for the sandbox at {base_url} (`till sandbox --print-config`).
# The sandbox's demo credentials; no real money moves.

[shop]
name = "Sandbox shop"
currency = "USD"
terminal = "sandbox"

[providers.xpay]
base_url = "{base_url}"
username = "{xpay_user}"
secret_key = "{xpay_secret}"

[providers.xpays]
base_url = "{base_url}"
api_key = "{xpays_key}"
secret_key = "{xpays_secret}"

[providers.xcash]
base_url = "{base_url}"
appid = "{xcash_appid}"
hmac_key = "{xcash_key}"

[providers.xaigate]
base_url = "{base_url}"
api_key = "{xaigate_key}"
email = "shop@example.com"

[providers.bitsby]
base_url = "{base_url}"
token = "{bitsby_token}"
project_id = "{bitsby_project}"
methods = ["usdt-tron", "usdt-bsc", "usdt-ethereum", "eth", "btc"]
"#,
        xpay_user = s::DEMO_XPAY_USERNAME,
        xpay_secret = s::DEMO_XPAY_SECRET_KEY,
        xpays_key = s::DEMO_XPAYS_API_KEY,
        xpays_secret = s::DEMO_XPAYS_SECRET_KEY,
        xcash_appid = s::DEMO_XCASH_APPID,
        xcash_key = s::DEMO_XCASH_HMAC_KEY,
        xaigate_key = s::DEMO_XAIGATE_API_KEY,
        bitsby_token = s::DEMO_BITSBY_TOKEN,
        bitsby_project = s::DEMO_BITSBY_PROJECT_ID,
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_sandbox_config_loads_with_every_method() {
        let text = super::sandbox_config("http://127.0.0.1:8787");
        let config = crate::config::parse(&text, "sandbox.toml", &|_| None).unwrap();
        let registry = crate::registry::build(&config, crate::clock::system()).unwrap();
        assert_eq!((config.gateways.len(), registry.methods().len()), (5, 10));
    }
}
