//! A fake ESC/POS printer for the tests: a loopback TCP listener that
//! records each connection's bytes (one job per connection) and answers
//! DLE EOT 4 (the paper status) like a printer with paper; and a small
//! parser that turns the bytes back into commands and text lines.

#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

/// The answer to DLE EOT 4 with paper loaded, and with none.
pub const PAPER_OK: u8 = 0x12;
pub const PAPER_OUT: u8 = 0x72;

pub struct FakePrinter {
    pub port: u16,
    jobs: UnboundedReceiver<Vec<u8>>,
    /// Close the next connection after this many bytes (0: never).
    pub close_after: Arc<AtomicUsize>,
    /// While set, a new connection waits for `release` before reading.
    pub hold: Arc<std::sync::atomic::AtomicBool>,
    release: Arc<tokio::sync::Notify>,
}

impl FakePrinter {
    /// A printer on a loopback port, accepting jobs until the test ends.
    pub async fn start() -> FakePrinter {
        FakePrinter::with_paper(PAPER_OK).await
    }

    pub async fn with_paper(status: u8) -> FakePrinter {
        FakePrinter::on(0, status).await
    }

    /// A printer on loopback port `port` (0: any free port).
    pub async fn on(port: u16, status: u8) -> FakePrinter {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, jobs) = unbounded_channel();
        let close_after = Arc::new(AtomicUsize::new(0));
        let close = close_after.clone();
        let hold = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let release = Arc::new(tokio::sync::Notify::new());
        let (held, released) = (hold.clone(), release.clone());
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                if held.load(Ordering::SeqCst) {
                    released.notified().await;
                }
                let limit = close.swap(0, Ordering::SeqCst);
                let mut job = Vec::new();
                let mut buf = [0u8; 4096];
                let mut answered = 0;
                loop {
                    let n = match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    job.extend_from_slice(&buf[..n]);
                    if limit > 0 && job.len() >= limit {
                        // Off mid-job: drop the connection, the rest unread.
                        job.truncate(limit);
                        break;
                    }
                    let asked = job.windows(3).filter(|w| *w == [0x10, 0x04, 4]).count();
                    while answered < asked {
                        if socket.write_all(&[status]).await.is_err() {
                            break;
                        }
                        answered += 1;
                    }
                }
                drop(socket);
                let _ = tx.send(job);
            }
        });
        FakePrinter { port, jobs, close_after, hold, release }
    }

    /// Lets a held connection go on.
    pub fn release(&self) {
        self.release.notify_one();
    }

    pub fn url(&self) -> String {
        format!("tcp://127.0.0.1:{}", self.port)
    }

    /// The next job received (a connection, from accept to close).
    pub async fn next_job(&mut self) -> Vec<u8> {
        self.jobs.recv().await.unwrap()
    }

    /// The jobs received so far and not yet taken.
    pub fn pending(&mut self) -> usize {
        let mut n = 0;
        while self.jobs.try_recv().is_ok() {
            n += 1;
        }
        n
    }
}

/// An ESC/POS command, read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cmd {
    Init,
    Align(u8),
    Bold(bool),
    /// Width and height multipliers.
    Size(u8, u8),
    Text(String),
    Feed(u8),
    /// DLE EOT n: a status request.
    Status(u8),
    QrModel(u8),
    QrModule(u8),
    QrLevel(u8),
    QrStore(String),
    QrPrint,
    /// GS v 0: a raster image, its width in bytes and height in dots.
    Raster(u16, u16),
    Cut,
    /// A byte the parser does not know.
    Unknown(u8),
}

/// The commands in `bytes`, in order.
pub fn parse(bytes: &[u8]) -> Vec<Cmd> {
    let mut out = Vec::new();
    let mut text = Vec::new();
    let mut i = 0;
    let at = |i: usize| bytes.get(i).copied().unwrap_or(0);
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            0x0a => {
                out.push(Cmd::Text(String::from_utf8_lossy(&text).into_owned()));
                text.clear();
                i += 1;
            }
            0x1b | 0x1d | 0x10 => {
                let (cmd, len) = match (b, at(i + 1)) {
                    (0x1b, b'@') => (Cmd::Init, 2),
                    (0x1b, b'a') => (Cmd::Align(at(i + 2)), 3),
                    (0x1b, b'E') => (Cmd::Bold(at(i + 2) != 0), 3),
                    (0x1b, b'd') => (Cmd::Feed(at(i + 2)), 3),
                    (0x1d, b'!') => (Cmd::Size((at(i + 2) >> 4) + 1, (at(i + 2) & 0x0f) + 1), 3),
                    (0x1d, b'V') if at(i + 2) >= 65 => (Cmd::Cut, 4),
                    (0x1d, b'V') => (Cmd::Cut, 3),
                    (0x10, 0x04) => (Cmd::Status(at(i + 2)), 3),
                    (0x1d, b'v') if at(i + 2) == b'0' => {
                        let w = u16::from(at(i + 4)) | (u16::from(at(i + 5)) << 8);
                        let h = u16::from(at(i + 6)) | (u16::from(at(i + 7)) << 8);
                        (Cmd::Raster(w, h), 8 + usize::from(w) * usize::from(h))
                    }
                    (0x1d, b'(') if at(i + 2) == b'k' => {
                        let len = usize::from(at(i + 3)) | (usize::from(at(i + 4)) << 8);
                        let body = bytes.get(i + 5..i + 5 + len).unwrap_or(&[]);
                        let cmd = match body {
                            [49, 65, m, ..] => Cmd::QrModel(m - 48),
                            [49, 67, n] => Cmd::QrModule(*n),
                            [49, 69, l] => Cmd::QrLevel(*l),
                            [49, 80, 48, data @ ..] => Cmd::QrStore(String::from_utf8_lossy(data).into_owned()),
                            [49, 81, 48] => Cmd::QrPrint,
                            _ => Cmd::Unknown(b),
                        };
                        (cmd, 5 + len)
                    }
                    _ => (Cmd::Unknown(b), 1),
                };
                out.push(cmd);
                i += len;
            }
            _ => {
                text.push(b);
                i += 1;
            }
        }
    }
    if !text.is_empty() {
        out.push(Cmd::Text(String::from_utf8_lossy(&text).into_owned()));
    }
    out
}

/// The text lines of a job.
pub fn lines(cmds: &[Cmd]) -> Vec<String> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::Text(t) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

/// The text lines with the size each was printed at (width multiplier).
pub fn sized_lines(cmds: &[Cmd]) -> Vec<(u8, String)> {
    let mut size = 1;
    let mut out = Vec::new();
    for c in cmds {
        match c {
            Cmd::Size(w, _) => size = *w,
            Cmd::Init => size = 1,
            Cmd::Text(t) => out.push((size, t.clone())),
            _ => {}
        }
    }
    out
}

/// How many complete receipts a job holds: an init, then a cut.
pub fn receipts(cmds: &[Cmd]) -> usize {
    let mut open = false;
    let mut n = 0;
    for c in cmds {
        match c {
            Cmd::Init => open = true,
            Cmd::Cut if open => {
                n += 1;
                open = false;
            }
            _ => {}
        }
    }
    n
}
