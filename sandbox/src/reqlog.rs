//! The request log: every gateway request with its path, the client's
//! User-Agent and its arrival (ms since the sandbox started), so a test can
//! tell several clients apart (e.g. two tills, each naming its terminal in
//! its User-Agent) and check that no two of them asked about one invoice at
//! the same time. Control routes are not logged.
//!
//! | Route | Answer |
//! |---|---|
//! | `GET /_sandbox/requests/log` | `[{"path", "user_agent", "at_ms"}, …]`, oldest first |
//! | `DELETE /_sandbox/requests/log` | `{}`; the log is empty again |

use crate::{AppState, lock};
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use std::sync::Mutex;
use tokio::time::Instant;

/// The most requests kept (the oldest are dropped beyond it).
const MOST: usize = 200_000;

#[derive(Clone, Debug)]
struct Logged {
    path: String,
    user_agent: String,
    at_ms: u64,
}

pub(crate) struct RequestLog {
    start: Instant,
    entries: Mutex<Vec<Logged>>,
}

impl Default for RequestLog {
    fn default() -> Self {
        RequestLog { start: Instant::now(), entries: Mutex::new(Vec::new()) }
    }
}

impl RequestLog {
    pub(crate) fn record(&self, path: &str, user_agent: &str) {
        let at_ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        let mut entries = lock(&self.entries);
        if entries.len() >= MOST {
            entries.remove(0);
        }
        entries.push(Logged { path: path.to_owned(), user_agent: user_agent.to_owned(), at_ms });
    }
}

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/_sandbox/requests/log", get(report).delete(clear))
}

async fn report(State(shared): State<AppState>) -> Response {
    let entries = lock(&shared.log.entries).clone();
    let list: Vec<_> =
        entries.iter().map(|e| json!({"path": e.path, "user_agent": e.user_agent, "at_ms": e.at_ms})).collect();
    axum::Json(list).into_response()
}

async fn clear(State(shared): State<AppState>) -> Response {
    lock(&shared.log.entries).clear();
    axum::Json(json!({})).into_response()
}
