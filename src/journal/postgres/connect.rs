//! Reaching the PostgreSQL server: `[store]` turned into the client's
//! settings, TLS through rustls with the platform's roots (as the gateways'
//! HTTPS), the password from its secret. `sslmode` in the URL decides TLS
//! (`disable`, `prefer` by default, `require`); a remote server should be
//! given `sslmode=require`. Nothing here logs or shows the password: errors
//! name the server by its masked URL.

use crate::config::store::StoreConfig;
use crate::journal::JournalError;
use std::time::Duration;
use tokio_postgres::Socket;
use tokio_postgres::tls::MakeTlsConnect;
use tokio_postgres_rustls::MakeRustlsConnect;

/// How long a connection attempt may take before the store counts as
/// unreachable.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// The TLS stream type of a connection.
pub type Tls = <MakeRustlsConnect as MakeTlsConnect<Socket>>::Stream;
/// One open connection's driver (to be spawned, or polled for notifications).
pub type Connection = tokio_postgres::Connection<Socket, Tls>;

/// A server to connect to: the client's settings, TLS, and the URL as it
/// may be shown.
#[derive(Clone)]
pub struct Target {
    pub config: tokio_postgres::Config,
    pub tls: MakeRustlsConnect,
    /// The URL, password masked.
    pub shown: String,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Target({})", self.shown)
    }
}

/// The server `[store]` names, with its password read now.
pub fn target(store: &StoreConfig) -> Result<Target, JournalError> {
    let shown = store.shown();
    let mut config: tokio_postgres::Config = store.url().parse().map_err(|e: tokio_postgres::Error| {
        tracing::error!(url = %shown, error = %e, "store: the url cannot be read");
        JournalError::Open {
            path: shown.clone(),
            detail: "the [store] url is not a PostgreSQL url (postgres://USER@HOST/DATABASE)".into(),
        }
    })?;
    if let Some(password) = store.password().map_err(|m| JournalError::Open { path: shown.clone(), detail: m })? {
        config.password(password.expose());
    }
    config.connect_timeout(CONNECT_TIMEOUT);
    // A half-open connection (a cable pulled, a server gone without a word)
    // is found within ~25 s, not the system's default of minutes.
    config.keepalives(true);
    config.keepalives_idle(Duration::from_secs(10));
    config.keepalives_interval(Duration::from_secs(5));
    config.keepalives_retries(3);
    config.tcp_user_timeout(Duration::from_secs(25));
    if config.get_application_name().is_none() {
        config.application_name("till");
    }
    // The process-wide provider (ring), as the gateways' HTTPS; a second call does nothing.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let tls = <rustls::ClientConfig as rustls_platform_verifier::ConfigVerifierExt>::with_platform_verifier().map_err(
        |e: rustls::Error| {
            tracing::error!(error = %e, "store: TLS roots unavailable");
            JournalError::Open { path: shown.clone(), detail: "this machine's TLS certificates cannot be read".into() }
        },
    )?;
    Ok(Target { config, tls: MakeRustlsConnect::new(tls), shown })
}

/// One connection, its driver to be run by the caller. A failure is logged
/// in full and given back as `Unreachable`, in plain words.
pub async fn connect(target: &Target) -> Result<(tokio_postgres::Client, Connection), JournalError> {
    target.config.connect(target.tls.clone()).await.map_err(|e| {
        tracing::warn!(url = %target.shown, error = %e, "store: cannot connect");
        JournalError::Unreachable(format!("the database at {} does not answer", target.shown))
    })
}
