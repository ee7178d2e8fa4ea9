//! The scale run's board, on a thread of its own: the feed, the board's
//! state and a 120×40 frame drawn into a TestBackend for each update; the
//! time from each stored change to the frame drawn with it; the thread's
//! CPU time and its heap, counted by a counting allocator for that thread.

use super::store::Stats;
use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Arc;
use std::time::{Duration, Instant};
use till::board::screen::{self, Shop};
use till::board::state::Board;
use till::config::store::StoreConfig;
use till::journal::fleet::BoardUpdate;
use till::journal::postgres::{connect, feed};

// ---- the board thread's heap, counted

/// Counts the bytes allocated minus freed on threads that ask for it (the
/// board's), and their peak.
struct Counting;

thread_local! {
    static COUNTED: Cell<bool> = const { Cell::new(false) };
    static LIVE: Cell<i64> = const { Cell::new(0) };
    static PEAK: Cell<i64> = const { Cell::new(0) };
}

fn count(delta: i64) {
    let _ = COUNTED.try_with(|on| {
        if on.get() {
            let _ = LIVE.try_with(|live| {
                let now = live.get() + delta;
                live.set(now);
                let _ = PEAK.try_with(|p| p.set(p.get().max(now)));
            });
        }
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as i64);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-(layout.size() as i64));
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size as i64 - layout.size() as i64);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

pub struct BoardFigures {
    pub updates: u64,
    pub rows: u64,
    /// Stored change -> frame drawn, for each changed row whose write was timed.
    pub latencies: Vec<Duration>,
    /// Applying one update and drawing the frame.
    pub frames: Vec<Duration>,
    pub cpu_seconds: Option<f64>,
    pub heap_peak: i64,
    pub lost: u64,
}

pub fn run_board(url: String, end: Instant, stats: Arc<Stats>) -> BoardFigures {
    COUNTED.with(|c| c.set(true));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async move {
        let target = connect::target(&StoreConfig::new(url)).unwrap();
        let tz = jiff::tz::TimeZone::UTC;
        let mut updates = feed::feed(target, Board::since(Timestamp::now(), &tz));
        let mut board = Board::new(tz, None);
        let shop = Shop { name: "Scale".into(), policy: Default::default() };
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
        let mut f = BoardFigures {
            updates: 0,
            rows: 0,
            latencies: Vec::new(),
            frames: Vec::new(),
            cpu_seconds: None,
            heap_peak: 0,
            lost: 0,
        };
        loop {
            let left = end.saturating_duration_since(Instant::now());
            let Ok(Some(update)) = tokio::time::timeout(left, updates.recv()).await else { break };
            let started = Instant::now();
            let changed: Vec<(String, &'static str)> = match &update {
                BoardUpdate::Rows(rows) => {
                    rows.iter().map(|r| (r.record.reference.as_str().to_string(), r.record.status.name())).collect()
                }
                BoardUpdate::Lost(_) => {
                    f.lost += 1;
                    Vec::new()
                }
                _ => Vec::new(),
            };
            f.updates += 1;
            f.rows += changed.len() as u64;
            let now = Timestamp::now();
            board.apply(update, now);
            terminal.draw(|fr| screen::draw(fr, &board, &shop, now)).unwrap();
            let drawn = Instant::now();
            f.frames.push(drawn - started);
            let stored = stats.stored.lock().unwrap();
            for key in &changed {
                if let Some(at) = stored.get(key) {
                    f.latencies.push(drawn.saturating_duration_since(*at));
                }
            }
        }
        f.cpu_seconds = thread_cpu();
        f.heap_peak = PEAK.with(Cell::get);
        f
    })
}

/// This thread's CPU time (Linux: /proc/thread-self/stat, 100 ticks a second).
fn thread_cpu() -> Option<f64> {
    cpu_of("/proc/thread-self/stat")
}

pub fn cpu_of(path: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(path).ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

pub fn percentile(v: &mut [Duration], p: f64) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i.min(v.len() - 1)]
}

pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}
