//! Rate counting: `/_sandbox/rates` (CONTROL.md § Rates), to prove that a
//! client never went over a gateway's rate limit.
//!
//! The request-counting middleware (`count_requests` in lib.rs) records, for
//! every gateway request (by the path prefixes of [`Gateway`]), its arrival
//! instant and its path. Instants are [`tokio::time::Instant`], so a test on
//! paused time controls them. `GET /_sandbox/rates` answers, per gateway that
//! received requests:
//!
//! - `requests`: how many;
//! - `max_in_1s`: the most requests in any half-open window `[t, t + 1 s)`,
//!   `t` an arrival instant (so requests exactly 1 s apart never share one);
//! - `max_per_path_in_60s`, `busiest_path`: the most requests for one exact
//!   path in any `[t, t + 60 s)`, and that path (the smallest one on a tie);
//! - `per_second`: requests in each consecutive second since the gateway's
//!   first request (`[t0, t0 + 1 s)`, `[t0 + 1 s, t0 + 2 s)`, …).
//!
//! Windows are found by a two-pointer sweep over the sorted instants: O(n)
//! per gateway and per path. `DELETE /_sandbox/rates` clears the log.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use serde_json::json;
use tokio::time::Instant;

use crate::gateway::Gateway;
use crate::{AppState, lock};

const ONE_SECOND: Duration = Duration::from_secs(1);
const ONE_MINUTE: Duration = Duration::from_secs(60);

/// The arrival log.
#[derive(Default)]
pub(crate) struct Rates {
    log: Mutex<Log>,
}

#[derive(Default)]
struct Log {
    /// Interned paths: id → path …
    paths: Vec<String>,
    /// … and path → id.
    ids: HashMap<String, u32>,
    /// Per gateway ([`Gateway::index`]): `(arrival, path id)` in arrival order.
    arrivals: [Vec<(Instant, u32)>; Gateway::ALL.len()],
}

impl Log {
    fn intern(&mut self, path: &str) -> u32 {
        if let Some(&id) = self.ids.get(path) {
            return id;
        }
        let id = u32::try_from(self.paths.len()).unwrap_or(u32::MAX);
        self.paths.push(path.to_owned());
        self.ids.insert(path.to_owned(), id);
        id
    }
}

/// One gateway's figures (CONTROL.md § Rates).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct GatewayRates {
    pub(crate) requests: usize,
    pub(crate) max_in_1s: usize,
    pub(crate) max_per_path_in_60s: usize,
    pub(crate) busiest_path: String,
    pub(crate) per_second: Vec<usize>,
}

impl Rates {
    /// Records a request for `path` arriving now, if it is a gateway's.
    pub(crate) fn record(&self, path: &str) {
        let Some(gateway) = Gateway::of_path(path) else { return };
        let mut log = lock(&self.log);
        let id = log.intern(path);
        // Read under the lock, so every gateway's log stays in arrival order.
        let now = Instant::now();
        if let Some(arrivals) = log.arrivals.get_mut(gateway.index()) {
            arrivals.push((now, id));
        }
    }

    /// Forgets every arrival; returns how many there were.
    pub(crate) fn clear(&self) -> usize {
        let mut log = lock(&self.log);
        let count = log.arrivals.iter().map(Vec::len).sum();
        *log = Log::default();
        count
    }

    /// The figures of every gateway that received requests, by name.
    pub(crate) fn report(&self) -> BTreeMap<&'static str, GatewayRates> {
        // Copy under the lock, compute without it.
        let (paths, arrivals) = {
            let log = lock(&self.log);
            (log.paths.clone(), log.arrivals.clone())
        };
        Gateway::ALL
            .into_iter()
            .zip(arrivals)
            .filter_map(|(gateway, mut arrivals)| {
                if !arrivals.is_sorted_by_key(|&(t, _)| t) {
                    arrivals.sort_by_key(|&(t, _)| t);
                }
                let figures = figures(&arrivals, |id| paths.get(id as usize).map_or("", String::as_str))?;
                Some((gateway.name(), figures))
            })
            .collect()
    }
}

/// The figures of sorted arrivals; `None` if there are none.
fn figures<'a>(arrivals: &[(Instant, u32)], path: impl Fn(u32) -> &'a str) -> Option<GatewayRates> {
    let first = arrivals.first()?.0;
    let times: Vec<Instant> = arrivals.iter().map(|&(t, _)| t).collect();

    let mut by_path: HashMap<u32, Vec<Instant>> = HashMap::new();
    for &(t, id) in arrivals {
        by_path.entry(id).or_default().push(t);
    }
    let (max_per_path, busiest) = by_path
        .iter()
        .map(|(&id, times)| (max_in_window(times, ONE_MINUTE), path(id)))
        // Most requests first; on a tie the smallest path.
        .max_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .unwrap_or((0, ""));

    Some(GatewayRates {
        requests: arrivals.len(),
        max_in_1s: max_in_window(&times, ONE_SECOND),
        max_per_path_in_60s: max_per_path,
        busiest_path: busiest.to_owned(),
        per_second: per_second(&times, first),
    })
}

/// The most of `times` (sorted) in any half-open window `[t, t + window)`
/// whose start `t` is one of them: a two-pointer sweep, O(n).
pub(crate) fn max_in_window(times: &[Instant], window: Duration) -> usize {
    let mut best = 0;
    // `end`: the first index at or past `start + window`.
    let mut end = 0;
    for (start, &t) in times.iter().enumerate() {
        end = end.max(start);
        while times.get(end).is_some_and(|&u| u.saturating_duration_since(t) < window) {
            end += 1;
        }
        best = best.max(end - start);
    }
    best
}

/// Requests per consecutive second since `first`.
fn per_second(times: &[Instant], first: Instant) -> Vec<usize> {
    let bucket = |t: Instant| usize::try_from(t.saturating_duration_since(first).as_secs()).unwrap_or(usize::MAX);
    let len = times.last().map_or(0, |&t| bucket(t).saturating_add(1));
    let mut counts = vec![0; len];
    for &t in times {
        if let Some(c) = counts.get_mut(bucket(t)) {
            *c += 1;
        }
    }
    counts
}

// ---------------------------------------------------------------------------
// Control routes.

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/_sandbox/rates", get(report).delete(clear))
}

async fn report(State(shared): State<AppState>) -> Response {
    axum::Json(shared.rates.report()).into_response()
}

async fn clear(State(shared): State<AppState>) -> Response {
    shared.rates.clear();
    axum::Json(json!({})).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(base: Instant, ms: &[u64]) -> Vec<Instant> {
        ms.iter().map(|&m| base + Duration::from_millis(m)).collect()
    }

    /// The definition, O(n²), to check the sweep against.
    fn brute(times: &[Instant], window: Duration) -> usize {
        times.iter().map(|&t| times.iter().filter(|&&u| u >= t && u - t < window).count()).max().unwrap_or(0)
    }

    #[test]
    fn one_second_windows_are_half_open() {
        let base = Instant::now();
        assert_eq!(max_in_window(&at(base, &[0, 500, 990, 1000]), ONE_SECOND), 3);
        assert_eq!(max_in_window(&at(base, &[0, 1000]), ONE_SECOND), 1);
        assert_eq!(max_in_window(&at(base, &[0, 999]), ONE_SECOND), 2);
        assert_eq!(max_in_window(&at(base, &[0, 0, 0]), ONE_SECOND), 3);
        assert_eq!(max_in_window(&[], ONE_SECOND), 0);
        assert_eq!(max_in_window(&at(base, &[7]), ONE_SECOND), 1);
        // The busiest window need not start at the first request.
        assert_eq!(max_in_window(&at(base, &[0, 900, 1100, 1200, 1800, 2000]), ONE_SECOND), 4);
    }

    #[test]
    fn the_sweep_agrees_with_the_definition() {
        let base = Instant::now();
        // A deterministic pseudo-random walk of gaps from 0 to 700 ms.
        let mut ms = 0u64;
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut times = Vec::new();
        for _ in 0..2000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            ms += state % 701;
            times.push(base + Duration::from_millis(ms));
            if state.is_multiple_of(5) {
                times.push(base + Duration::from_millis(ms)); // simultaneous arrivals
            }
        }
        for window in [ONE_SECOND, Duration::from_millis(2500), ONE_MINUTE] {
            assert_eq!(max_in_window(&times, window), brute(&times, window), "{window:?}");
        }
    }

    #[test]
    fn figures_per_gateway() {
        let base = Instant::now();
        let ms = |m: u64| base + Duration::from_millis(m);
        let paths = ["/v1/invoice/A", "/v1/invoice/B"];
        let arrivals = [(ms(0), 1), (ms(10), 0), (ms(400), 1), (ms(2500), 1), (ms(59_990), 0), (ms(61_000), 1)];
        let f = figures(&arrivals, |id| paths[id as usize]).expect("arrivals");
        assert_eq!(f.requests, 6);
        assert_eq!(f.max_in_1s, 3);
        // B at 0, 0.4, 2.5 s in [0, 60 s); 61 s is outside; A twice.
        assert_eq!((f.max_per_path_in_60s, f.busiest_path.as_str()), (3, "/v1/invoice/B"));
        let mut expected = vec![0; 62];
        expected[0] = 3;
        expected[2] = 1;
        expected[59] = 1;
        expected[61] = 1;
        assert_eq!(f.per_second, expected);
        assert_eq!(figures(&[], |_| ""), None);
        // A tie goes to the smaller path.
        let f = figures(&[(ms(0), 1), (ms(1), 0)], |id| paths[id as usize]).expect("arrivals");
        assert_eq!((f.max_per_path_in_60s, f.busiest_path.as_str()), (1, "/v1/invoice/A"));
    }

    #[test]
    fn record_sorts_requests_by_gateway() {
        let rates = Rates::default();
        for path in ["/client/bills/view", "/client/bills/view", "/invoices/list", "/payments/list", "/nowhere"] {
            rates.record(path);
        }
        let report = rates.report();
        assert_eq!(report.keys().copied().collect::<Vec<_>>(), ["bitsby", "xpay"]);
        assert_eq!(report["xpay"].requests, 2);
        assert_eq!(report["xpay"].busiest_path, "/client/bills/view");
        assert_eq!(report["bitsby"].requests, 2);
        assert_eq!(rates.clear(), 4);
        assert!(rates.report().is_empty());
    }
}
