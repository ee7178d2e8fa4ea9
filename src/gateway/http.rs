//! The HTTP client every gateway shares: one exchange (pace, send, read the
//! answer, log a refusal with a redacted excerpt of its body), timeouts, a
//! body size cap, and retries with backoff and jitter for calls that are safe
//! to repeat.

use super::error::GatewayError;
use crate::core::method::ProviderId;
use crate::secret::{Secret, redact, redact_credentials};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use std::time::Duration;

/// How much of a refused answer's body goes to the log.
const EXCERPT_CHARS: usize = 300;

/// Bodies larger than this are refused.
pub const MAX_BODY: usize = 1 << 20;

#[derive(Clone, Debug)]
pub struct HttpSettings {
    pub connect_timeout: Duration,
    pub total_timeout: Duration,
    /// Attempts for a call that may be repeated (status, cancel).
    pub attempts: u32,
    pub first_backoff: Duration,
    pub max_backoff: Duration,
    /// The least time between two requests to the gateway, whoever sends
    /// them (polls, creates, a login): the last guard of its rate limit.
    pub every: Option<Duration>,
    /// The till's terminal, named in the User-Agent (`till/0.1.0 (terminal
    /// T2)`): a gateway's logs, or the sandbox's, tell the tills apart.
    pub terminal: Option<String>,
}

/// `till/VERSION`, with the terminal when it is known.
pub fn user_agent(terminal: Option<&str>) -> String {
    let base = concat!("till/", env!("CARGO_PKG_VERSION"));
    match terminal {
        // Only printable ASCII goes in a header.
        Some(t) => {
            format!("{base} (terminal {})", t.chars().filter(|c| c.is_ascii_graphic() || *c == ' ').collect::<String>())
        }
        None => base.to_string(),
    }
}

impl Default for HttpSettings {
    fn default() -> HttpSettings {
        HttpSettings {
            connect_timeout: Duration::from_secs(5),
            total_timeout: Duration::from_secs(20),
            attempts: 3,
            first_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            every: None,
            terminal: None,
        }
    }
}

/// An HTTP answer: the status, the whole body, and the `Date` header.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    /// The gateway's clock, when it sent a `Date` header.
    pub date: Option<jiff::Timestamp>,
}

/// What a request carries.
pub enum Body<'a> {
    /// A GET.
    None,
    /// A POST with these JSON bytes (sent exactly as given: they may be signed).
    Json(&'a [u8]),
    /// A POST with a multipart form of text fields.
    Form(&'a [(&'static str, String)]),
}

#[derive(Clone, Debug)]
pub struct Http {
    client: reqwest::Client,
    provider: ProviderId,
    /// The gateway's base URL, without a trailing `/`.
    base_url: String,
    /// Never logged: replaced by `***` in a body excerpt.
    secrets: Vec<Secret>,
    pub settings: HttpSettings,
    pace: Option<std::sync::Arc<super::pace::Pace>>,
}

impl Http {
    /// A client for one gateway at `base_url`; `secrets` are redacted from
    /// every body excerpt it logs.
    pub fn new(
        provider: ProviderId,
        base_url: &str,
        secrets: &[&Secret],
        settings: HttpSettings,
    ) -> Result<Http, GatewayError> {
        install_tls();
        let client = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.total_timeout)
            .user_agent(user_agent(settings.terminal.as_deref()))
            .build()
            .map_err(|e| GatewayError::Unreachable { provider, detail: format!("HTTP client: {e}") })?;
        let pace = settings.every.map(|every| std::sync::Arc::new(super::pace::Pace::new(every)));
        let base_url = base_url.trim_end_matches('/').to_string();
        let secrets = secrets.iter().map(|s| (*s).clone()).collect();
        Ok(Http { client, provider, base_url, secrets, settings, pace })
    }

    /// A request body as the JSON bytes to send (and sign).
    pub fn json(&self, body: &impl serde::Serialize) -> Result<Vec<u8>, GatewayError> {
        serde_json::to_vec(body).map_err(|e| GatewayError::protocol(self.provider, "(request body)", e.to_string()))
    }

    /// The full URL of a path on the gateway.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// The one exchange with the gateway: sends a request (paced) to `path`
    /// and reads the answer with `read`. A failure to send is logged; so is
    /// a refusal or an answer `read` cannot use, with a redacted excerpt of
    /// its body.
    pub async fn exchange<T>(
        &self,
        path: &str,
        headers: HeaderMap,
        body: Body<'_>,
        read: impl FnOnce(&Reply) -> Result<T, GatewayError>,
    ) -> Result<T, GatewayError> {
        let url = self.url(path);
        let request = match body {
            Body::None => self.client.get(url),
            Body::Json(bytes) => {
                self.client.post(url).header(reqwest::header::CONTENT_TYPE, "application/json").body(bytes.to_vec())
            }
            Body::Form(fields) => {
                let form = fields
                    .iter()
                    .fold(reqwest::multipart::Form::new(), |form, (name, value)| form.text(*name, value.clone()));
                self.client.post(url).multipart(form)
            }
        };
        let provider = self.provider.id();
        let reply = self.send(request.headers(headers)).await.map_err(|e| self.scrub(e)).inspect_err(|e| {
            tracing::warn!(provider, path, error = %e, "request failed");
        })?;
        tracing::debug!(provider, path, status = reply.status, "answer");
        read(&reply).map_err(|e| self.scrub(e)).inspect_err(|e| self.log_refusal(path, &reply, e))
    }

    /// The error with this gateway's secrets and any credential taken out of
    /// its words (they reach the screen, the log and the journal).
    fn scrub(&self, error: GatewayError) -> GatewayError {
        let secrets: Vec<&str> = self.secrets.iter().map(Secret::expose).collect();
        error.redacted(&secrets)
    }

    /// Logs a refused or unusable answer: the error and a redacted excerpt.
    fn log_refusal(&self, path: &str, reply: &Reply, error: &GatewayError) {
        let provider = self.provider.id();
        if let GatewayError::RateLimited { .. } = error {
            tracing::info!(provider, path, "too frequent: waiting");
            return;
        }
        let body = self.excerpt(&reply.body);
        tracing::warn!(provider, path, status = reply.status, error = %error, body = %body, "refused or unexpected answer");
    }

    /// The start of a body for the log, with every secret replaced by `***`.
    pub fn excerpt(&self, body: &[u8]) -> String {
        let secrets: Vec<&str> = self.secrets.iter().map(Secret::expose).collect();
        let text = redact_credentials(&String::from_utf8_lossy(body));
        redact(&text, &secrets).chars().take(EXCERPT_CHARS).collect()
    }

    /// Pushes the gateway's next turn back (it said "too frequent").
    pub async fn back_off(&self, wait: Duration) {
        if let Some(pace) = &self.pace {
            pace.back_off(wait).await;
        }
    }

    /// Repeats a call that is safe to repeat while it fails transiently, with
    /// backoff and jitter (or the gateway's Retry-After).
    pub async fn retrying<T, F, Fut>(&self, mut call: F) -> Result<T, GatewayError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, GatewayError>>,
    {
        let mut attempt = 1;
        loop {
            match call().await {
                Err(e) if e.is_transient() && attempt < self.settings.attempts => {
                    tokio::time::sleep(self.backoff(attempt, &e)).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// Sends a create to a gateway that cannot be asked whether a create made
    /// an invoice (providers README § What till does when a create times
    /// out): sent again only when it surely was not processed; once it may
    /// have been, the outcome is unknown and it is never repeated.
    pub async fn create_once<T, F, Fut>(&self, attempts: u32, mut send: F) -> Result<T, GatewayError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, GatewayError>>,
    {
        let mut attempt = 1;
        loop {
            let error = match send().await {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            tracing::warn!(provider = self.provider.id(), attempt, error = %error, "create failed");
            if let GatewayError::OutcomeUnknown { .. } = error {
                return Err(error);
            }
            if error.maybe_processed() {
                return Err(GatewayError::OutcomeUnknown { provider: self.provider, detail: error.to_string() });
            }
            if !error.not_processed() || attempt >= attempts {
                return Err(error);
            }
            tokio::time::sleep(self.backoff(attempt, &error)).await;
            attempt += 1;
        }
    }

    /// Sends a request and reads the whole answer, within the size cap.
    async fn send(&self, request: reqwest::RequestBuilder) -> Result<Reply, GatewayError> {
        let provider = self.provider;
        if let Some(pace) = &self.pace {
            pace.turn().await;
        }
        let sent = request.send().await;
        let mut response = sent.map_err(|e| classify(provider, &e))?;
        let status = response.status().as_u16();

        if status == 429 {
            return Err(GatewayError::RateLimited { provider, retry_after: retry_after(response.headers()) });
        }
        if response.content_length().is_some_and(|n| n > MAX_BODY as u64) {
            return Err(GatewayError::TooLarge { provider });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| classify(provider, &e))? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(GatewayError::TooLarge { provider });
            }
            body.extend_from_slice(&chunk);
        }
        let date = response
            .headers()
            .get(reqwest::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| jiff::fmt::rfc2822::parse(v).ok())
            .map(|z| z.timestamp());
        Ok(Reply { status, body, date })
    }

    /// The wait before attempt `attempt` (1-based) after `error`: the gateway's
    /// Retry-After when it gave one, else exponential backoff with jitter.
    pub fn backoff(&self, attempt: u32, error: &GatewayError) -> Duration {
        if let GatewayError::RateLimited { retry_after: Some(d), .. } = error {
            return (*d).min(Duration::from_secs(60));
        }
        let base = self.settings.first_backoff.saturating_mul(1 << attempt.min(10));
        let base = base.min(self.settings.max_backoff);
        let spread = u64::try_from(base.as_millis() / 2).unwrap_or(u64::MAX).max(1);
        let jitter = u64::try_from(uuid::Uuid::new_v4().as_u128() % u128::from(spread)).unwrap_or(0);
        base + Duration::from_millis(jitter)
    }
}

/// Installs the process-wide TLS provider (ring) that every reqwest client
/// needs; a second call does nothing.
pub fn install_tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn classify(provider: ProviderId, e: &reqwest::Error) -> GatewayError {
    let detail = error_chain(e);
    if e.is_connect() {
        GatewayError::Unreachable { provider, detail }
    } else {
        // Sent, or perhaps sent: the gateway may have acted on it.
        GatewayError::Timeout { provider, detail }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?;
    v.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_excerpt_is_redacted_before_it_is_cut() {
        let key = Secret::new("tok-0123456789");
        let http = Http::new(ProviderId::Bitsby, "https://api.bitsby.app/", &[&key], HttpSettings::default()).unwrap();
        let body = format!(r#"{{"result":"error","data":"bad token {}"}}{}"#, key.expose(), "x".repeat(400));
        let cut = http.excerpt(body.as_bytes());
        assert!(cut.starts_with(r#"{"result":"error","data":"bad token ***"}"#), "{cut}");
        assert!(!cut.contains("0123456789"));
        assert_eq!(cut.chars().count(), EXCERPT_CHARS);
        assert_eq!(http.url("/invoices/list"), "https://api.bitsby.app/invoices/list");
    }
}
