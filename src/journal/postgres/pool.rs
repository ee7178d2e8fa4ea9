//! Where the PostgreSQL store's async work runs. The [`Store`](crate::journal::Store)
//! trait is synchronous and is called from inside the till's tokio tasks
//! (current-thread and paused-time runtimes among them), where blocking on
//! a future would panic. So the store owns a small runtime of its own (one
//! worker thread) holding a connection pool: each call is spawned there, and
//! the caller waits for its answer on a channel, at most [`ANSWER_WITHIN`];
//! a database that does not answer in time is `Unreachable`.

use super::connect::Target;
use crate::journal::JournalError;
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod};
use futures_util::future::BoxFuture;
use std::future::Future;
use std::sync::mpsc;
use std::time::Duration;

/// How long a call waits for the database before saying it is unreachable.
pub const ANSWER_WITHIN: Duration = Duration::from_secs(5);
/// How many connections a till holds at most (besides its session's).
const POOL_SIZE: usize = 4;

/// The store's runtime and its pool of connections.
pub(super) struct Runner {
    /// Taken at drop, to be shut down without blocking (a drop may happen
    /// inside the caller's runtime, where a blocking shutdown panics).
    rt: Option<tokio::runtime::Runtime>,
    pool: Pool,
    shown: String,
}

impl Runner {
    pub(super) fn new(target: &Target) -> Result<Runner, JournalError> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("till-store")
            .enable_all()
            .build()
            .map_err(|e| {
                tracing::error!(error = %e, "store: cannot start its runtime");
                JournalError::Open { path: target.shown.clone(), detail: "this machine cannot start a thread".into() }
            })?;
        let manager = Manager::from_config(
            target.config.clone(),
            target.tls.clone(),
            ManagerConfig { recycling_method: RecyclingMethod::Fast },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(ANSWER_WITHIN))
            .create_timeout(Some(super::connect::CONNECT_TIMEOUT))
            .build()
            .map_err(|e| {
                tracing::error!(error = %e, "store: cannot build its pool");
                JournalError::Open { path: target.shown.clone(), detail: "its connection pool cannot be made".into() }
            })?;
        Ok(Runner { rt: Some(rt), pool, shown: target.shown.clone() })
    }

    /// The URL as it may be shown (password masked).
    pub(super) fn shown(&self) -> &str {
        &self.shown
    }

    /// Runs `work` on the store's runtime and waits for its answer, at most
    /// `within`.
    pub(super) fn block<T: Send + 'static>(
        &self,
        within: Duration,
        work: impl Future<Output = Result<T, JournalError>> + Send + 'static,
    ) -> Result<T, JournalError> {
        let Some(rt) = &self.rt else {
            return Err(JournalError::Unreachable("the store is closed".into()));
        };
        let (tx, rx) = mpsc::sync_channel(1);
        rt.spawn(async move {
            let _ = tx.send(work.await);
        });
        match rx.recv_timeout(within) {
            Ok(answer) => answer,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                tracing::warn!(url = %self.shown, secs = within.as_secs(), "store: no answer in time");
                Err(JournalError::Unreachable(format!(
                    "the database at {} did not answer within {} seconds",
                    self.shown,
                    within.as_secs()
                )))
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                tracing::error!("store: a call's task ended without an answer");
                Err(JournalError::Sql("the store's worker stopped".into()))
            }
        }
    }

    /// Runs `f` with a pooled connection on the store's runtime and waits
    /// for its answer ([`ANSWER_WITHIN`]).
    pub(super) fn run<T, F>(&self, f: F) -> Result<T, JournalError>
    where
        T: Send + 'static,
        F: FnOnce(Object) -> BoxFuture<'static, Result<T, JournalError>> + Send + 'static,
    {
        let pool = self.pool.clone();
        let shown = self.shown.clone();
        self.block(ANSWER_WITHIN, async move {
            let client = pool.get().await.map_err(|e| {
                tracing::warn!(url = %shown, error = %e, "store: no connection from the pool");
                JournalError::Unreachable(format!("the database at {shown} does not answer"))
            })?;
            f(client).await
        })
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        self.pool.close();
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

/// A failed statement in plain words: a lost connection is `Unreachable`,
/// anything the server refused is `Sql` naming what could not be done. The
/// server's message goes to the log.
pub(super) fn db(what: &'static str) -> impl Fn(tokio_postgres::Error) -> JournalError {
    move |e| {
        let io = std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>());
        if e.is_closed() || io {
            tracing::warn!(error = %e, "store: {what}: the connection failed");
            JournalError::Unreachable("the connection to the database was lost".into())
        } else {
            tracing::error!(error = %e, "store: {what}: refused by the database");
            JournalError::Sql(format!("the store could not {what}"))
        }
    }
}
