//! Where "now" comes from. The core takes instants as values; the runtime and
//! the gateways ask a clock, so tests can fix or pause time.

use jiff::Timestamp;
use std::sync::Arc;

pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> Timestamp;
}

/// The machine's wall clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock stopped at one instant (tests of samples with a past expiry).
#[derive(Debug)]
pub struct FixedClock(pub Timestamp);

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0
    }
}

/// Wall time that follows tokio's clock from a starting instant, so that
/// tests with paused time see time move only when tokio moves it.
#[derive(Debug)]
pub struct TokioClock {
    start_wall: Timestamp,
    start: tokio::time::Instant,
}

impl TokioClock {
    pub fn starting_at(start_wall: Timestamp) -> TokioClock {
        TokioClock { start_wall, start: tokio::time::Instant::now() }
    }
}

impl Clock for TokioClock {
    fn now(&self) -> Timestamp {
        let elapsed = tokio::time::Instant::now().duration_since(self.start);
        let elapsed = jiff::SignedDuration::try_from(elapsed).unwrap_or(jiff::SignedDuration::MAX);
        self.start_wall.saturating_add(elapsed).unwrap_or(Timestamp::MAX)
    }
}

pub type SharedClock = Arc<dyn Clock>;

pub fn system() -> SharedClock {
    Arc::new(SystemClock)
}
