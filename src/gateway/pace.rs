//! A per-key request pace: at most one request per interval, every call
//! counting (Bitsby: 1 request/second per key). Callers wait their turn; the
//! turns never bunch up into a burst after a quiet spell.

use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

#[derive(Debug)]
pub struct Pace {
    every: Duration,
    next: Mutex<Option<Instant>>,
}

impl Pace {
    pub fn new(every: Duration) -> Pace {
        Pace { every, next: Mutex::new(None) }
    }

    /// Waits for this caller's turn. Turns are handed out in order, `every` apart.
    pub async fn turn(&self) {
        let at = {
            let mut next = self.next.lock().await;
            let now = Instant::now();
            let at = next.map_or(now, |n| n.max(now));
            *next = Some(at + self.every);
            at
        };
        tokio::time::sleep_until(at).await;
    }

    /// Pushes the next turn back (the gateway said "too frequent").
    pub async fn back_off(&self, wait: Duration) {
        let mut next = self.next.lock().await;
        let later = Instant::now() + wait;
        *next = Some(next.map_or(later, |n| n.max(later)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test(start_paused = true)]
    async fn turns_are_a_second_apart_and_never_burst() {
        let pace = Arc::new(Pace::new(Duration::from_secs(1)));
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..5 {
            let p = pace.clone();
            tasks.push(tokio::spawn(async move {
                p.turn().await;
                Instant::now()
            }));
        }
        let mut times = Vec::new();
        for t in tasks {
            times.push(t.await.unwrap() - start);
        }
        times.sort();
        assert_eq!(times, (0..5).map(Duration::from_secs).collect::<Vec<_>>());
        // After a quiet minute, one turn at once, then the pace again.
        tokio::time::sleep(Duration::from_secs(60)).await;
        let t0 = Instant::now();
        pace.turn().await;
        pace.turn().await;
        pace.turn().await;
        assert_eq!(Instant::now() - t0, Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn a_back_off_delays_the_next_turn() {
        let pace = Pace::new(Duration::from_secs(1));
        pace.turn().await;
        pace.back_off(Duration::from_secs(5)).await;
        let t0 = Instant::now();
        pace.turn().await;
        assert_eq!(Instant::now() - t0, Duration::from_secs(5));
    }
}
