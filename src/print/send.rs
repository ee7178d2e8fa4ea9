//! Sending one job, whole, to the configured printer: raw TCP (connect and
//! write timeouts, the paper asked for before and after with DLE EOT 4), a
//! device or file, or an `lp` queue. Errors are one sentence for the
//! cashier; the detail goes to the log.

use crate::config::printer::{PrinterConfig, Target};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long a printer has to accept the connection.
const CONNECT: Duration = Duration::from_secs(5);
/// How long the whole job may take to write (a device or queue too).
const WRITE: Duration = Duration::from_secs(15);
/// How long a printer has to answer DLE EOT; one that never answers is
/// assumed fine (not every printer answers over the network).
const STATUS: Duration = Duration::from_secs(2);

/// DLE EOT 4: the paper roll sensor's status.
const PAPER_STATUS: [u8; 3] = [0x10, 0x04, 4];

/// Why a job did not print. `sentence` is what the cashier reads.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PrintError {
    #[error("The printer at {0} did not answer")]
    Unreachable(String),
    #[error("The printer at {0} stopped in the middle of the receipt")]
    Interrupted(String),
    #[error("The printer at {0} is out of paper")]
    OutOfPaper(String),
    #[error("The printer at {0} could not be opened")]
    Device(String),
    #[error("The print {0} did not take the receipt")]
    Spool(String),
}

impl PrintError {
    /// One sentence: what happened, what to check, and `retry` (how to print
    /// again: "press r to print again").
    pub fn sentence(&self, retry: &str) -> String {
        let check = match self {
            PrintError::Unreachable(_) => "check it is on and connected",
            PrintError::Interrupted(_) => "check its paper, cover and cable",
            PrintError::OutOfPaper(_) => "load a new roll",
            PrintError::Device(_) => "check it is plugged in and on",
            PrintError::Spool(_) => "check the queue with lpstat",
        };
        format!("{self}: {check} and {retry}.")
    }
}

/// Sends `bytes` to the printer as one job. The same bytes sent again after
/// an error print the document once, whole.
pub async fn send(printer: &PrinterConfig, bytes: &[u8]) -> Result<(), PrintError> {
    let place = printer.target.place();
    match &printer.target {
        Target::Tcp { host, port } => tcp(host, *port, bytes, &place).await,
        Target::File(path) => {
            let (path, bytes) = (path.clone(), bytes.to_vec());
            blocking(move || write_file(&path, &bytes), PrintError::Device(place)).await
        }
        Target::Lp(queue) => {
            let (queue, bytes) = (queue.clone(), bytes.to_vec());
            blocking(move || lp(&queue, &bytes), PrintError::Spool(place)).await
        }
    }
}

async fn tcp(host: &str, port: u16, bytes: &[u8], place: &str) -> Result<(), PrintError> {
    let unreachable = || PrintError::Unreachable(place.to_string());
    let interrupted = || PrintError::Interrupted(place.to_string());
    let mut stream = match tokio::time::timeout(CONNECT, TcpStream::connect((host, port))).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            tracing::warn!(printer = place, error = %e, "printer connect failed");
            return Err(unreachable());
        }
        Err(_) => {
            tracing::warn!(printer = place, "printer connect timed out");
            return Err(unreachable());
        }
    };
    // Before the job: nothing is sent to a printer out of paper.
    if paper_out(&mut stream, place).await.map_err(|()| unreachable())? {
        return Err(PrintError::OutOfPaper(place.to_string()));
    }
    let job = async {
        stream.write_all(bytes).await?;
        stream.flush().await
    };
    match tokio::time::timeout(WRITE, job).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::warn!(printer = place, error = %e, "printer write failed");
            return Err(interrupted());
        }
        Err(_) => {
            tracing::warn!(printer = place, "printer write timed out");
            return Err(interrupted());
        }
    }
    // After the job: a printer that closed mid-job shows here, whatever
    // the kernel's buffers accepted.
    if paper_out(&mut stream, place).await.map_err(|()| interrupted())? {
        return Err(PrintError::OutOfPaper(place.to_string()));
    }
    let _ = stream.shutdown().await;
    Ok(())
}

/// Asks DLE EOT 4. `Ok(true)`: the paper has run out. A printer that does
/// not answer in time is taken as fine; one that closed is an error.
async fn paper_out(stream: &mut TcpStream, place: &str) -> Result<bool, ()> {
    let ask = async {
        stream.write_all(&PAPER_STATUS).await?;
        let mut answer = [0u8; 1];
        let n = stream.read(&mut answer).await?;
        Ok::<_, std::io::Error>((n, answer[0]))
    };
    match tokio::time::timeout(STATUS, ask).await {
        Ok(Ok((0, _))) => {
            tracing::warn!(printer = place, "printer closed the connection");
            Err(())
        }
        // Bits 5 and 6: paper end.
        Ok(Ok((_, status))) => Ok(status & 0x60 == 0x60),
        Ok(Err(e)) => {
            tracing::warn!(printer = place, error = %e, "printer status failed");
            Err(())
        }
        Err(_) => Ok(false),
    }
}

/// Runs blocking I/O on tokio's blocking pool, within `WRITE`.
async fn blocking<F>(f: F, error: PrintError) -> Result<(), PrintError>
where
    F: FnOnce() -> std::io::Result<()> + Send + 'static,
{
    match tokio::time::timeout(WRITE, tokio::task::spawn_blocking(f)).await {
        Ok(Ok(Ok(()))) => Ok(()),
        Ok(Ok(Err(e))) => {
            tracing::warn!(error = %e, "{error}");
            Err(error)
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "{error}");
            Err(error)
        }
        Err(_) => {
            tracing::warn!("{error}: timed out");
            Err(error)
        }
    }
}

/// A device (`/dev/usb/lp0`, `/dev/ttyUSB0`) or a file: appended to, one
/// write.
fn write_file(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().append(true).create(!path.starts_with("/dev")).open(path)?;
    f.write_all(bytes)?;
    f.flush()
}

/// `lp -d QUEUE -o raw`, the job on its standard input.
fn lp(queue: &str, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("lp")
        .args(["-d", queue, "-o", "raw"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(bytes)?;
    }
    let out = child.wait_with_output()?;
    if out.status.success() {
        Ok(())
    } else {
        Err(std::io::Error::other(String::from_utf8_lossy(&out.stderr).trim().to_string()))
    }
}
