//! Command-line arguments (clap) and the exit codes every subcommand shares.

use clap::error::ErrorKind;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Exit codes. `0` paid (or done), `1` error, `2` expired, `3` canceled,
/// `64` usage (EX_USAGE): the command line itself is wrong.
pub mod exit {
    pub const OK: i32 = 0;
    pub const ERROR: i32 = 1;
    pub const EXPIRED: i32 = 2;
    pub const CANCELED: i32 = 3;
    pub const USAGE: i32 = 64;
}

/// Parses the command line. Help and version are printed and give `Err(0)`;
/// any other refusal by clap is printed and gives `Err(64)`, not clap's 2,
/// which is "expired" here. `methods`: the `gateway:method` pairs this till
/// offers, for `till charge --help`.
pub fn parse<I, T>(args: I, methods: Option<&str>) -> Result<Cli, i32>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let mut command = Cli::command();
    if let Some(methods) = methods {
        let help = format!("gateway:method; this till offers {methods}");
        command = command.mut_subcommand("charge", |c| c.mut_arg("method", |a| a.help(help)));
    }
    command.try_get_matches_from(args).and_then(|m| Cli::from_arg_matches(&m)).map_err(|e| {
        let code = match e.kind() {
            ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => exit::OK,
            _ => exit::USAGE,
        };
        // A closed stderr/stdout must not panic: the exit code still tells.
        let _ = e.print();
        code
    })
}

#[derive(Parser, Debug)]
#[command(name = "till", version, about = "A terminal point of sale for crypto payments")]
pub struct Cli {
    /// The config file (else $TILL_CONFIG, else the platform config dir; none there: demo mode).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Where the journal, receipts and log go (else $TILL_DATA_DIR, else the platform data dir).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Runs one sale without the terminal UI. Exit 0 paid, 2 expired, 3 canceled, 1 error, 64 usage.
    Charge {
        /// The amount in the shop currency, e.g. 12.50.
        #[arg(long, allow_hyphen_values = true)]
        amount: String,
        /// gateway:method, e.g. xpay:lightning (`till config check` lists this till's).
        #[arg(long)]
        method: String,
        /// A tip on top of the amount (not taxed), e.g. 2.00.
        #[arg(long)]
        tip: Option<String>,
        /// The [tax] rate by name (default: the first configured rate).
        #[arg(long)]
        tax: Option<String>,
        /// One JSON object per line instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Settles what a previous run left open: watches every open invoice until
    /// it is final, without the terminal UI.
    Resume {
        /// One JSON object per line instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Lists sales from the journal (today by default).
    History {
        /// A day, YYYY-MM-DD, in the shop's time zone.
        #[arg(long, conflicts_with_all = ["since", "until"])]
        date: Option<String>,
        /// From this day (YYYY-MM-DD), inclusive.
        #[arg(long)]
        since: Option<String>,
        /// Up to this day (YYYY-MM-DD), inclusive.
        #[arg(long)]
        until: Option<String>,
        /// CSV (RFC 4180) instead of a table.
        #[arg(long)]
        csv: bool,
        /// Only this terminal's sales (a shared PostgreSQL store holds every
        /// counter's; the default there is this till's own terminal).
        #[arg(long, value_name = "T", conflicts_with = "all_terminals")]
        terminal: Option<String>,
        /// Every terminal's sales on a shared PostgreSQL store.
        #[arg(long)]
        all_terminals: bool,
    },
    /// The end-of-day report: counts and sums per method and per final status.
    Report {
        /// A day, YYYY-MM-DD, in the shop's time zone (default today).
        #[arg(long)]
        date: Option<String>,
        /// CSV (RFC 4180) instead of text: one row per group and currency,
        /// with net, tax, gross and tips.
        #[arg(long)]
        csv: bool,
        /// Only this terminal's sales (default on a shared PostgreSQL store:
        /// this till's own terminal).
        #[arg(long, value_name = "T", conflicts_with = "all_terminals")]
        terminal: Option<String>,
        /// Every terminal on a shared PostgreSQL store, with totals per terminal.
        #[arg(long)]
        all_terminals: bool,
    },
    /// The day's close (Z-report): totals, lists and a hash chaining the
    /// day's event log to the previous close, printed and journaled. Once a day.
    Close {
        /// The day, YYYY-MM-DD, in the shop's time zone (default today).
        #[arg(long)]
        date: Option<String>,
        /// Recompute the journal's hash chain and name the first event that
        /// changed. Exit 0 intact, 1 not.
        #[arg(long, conflicts_with = "date")]
        verify: bool,
        /// Print the day's close again on the [printer] (the day must be
        /// closed already); nothing new is journaled.
        #[arg(long, conflicts_with = "verify")]
        print: bool,
    },
    /// Prints the receipt of a paid sale (by our reference or the gateway's invoice id).
    Receipt {
        invoice: String,
        /// Send it to the `[printer]` instead of standard output.
        #[arg(long)]
        print: bool,
    },
    /// The customer's screen, for a second terminal beside the till.
    ///
    /// Run it on the same machine, with the till's --data-dir. It follows the
    /// till's current sale (the shop's name while idle) and waits for the till
    /// when it is not running. q quits.
    Display {
        /// Print each state received as a JSON line instead of drawing.
        #[arg(long)]
        json: bool,
    },
    /// The operator's board: every terminal's invoices on the shared
    /// PostgreSQL store, live. Read-only; needs no gateway secret. q quits.
    Board {
        /// Show only this terminal's invoices.
        #[arg(long, value_name = "T")]
        terminal: Option<String>,
        /// Print each change as a JSON line instead of drawing.
        #[arg(long)]
        json: bool,
    },
    /// The shared store ([store] url).
    Store {
        #[command(subcommand)]
        command: StoreCommand,
    },
    /// Runs the sandbox gateway on its own (the demo's stand-in for the real gateways).
    Sandbox {
        #[arg(long, default_value = "127.0.0.1:8787")]
        listen: SocketAddr,
        /// Print a ready config for a sandbox at that address (all five
        /// gateways, their demo credentials), then exit.
        #[arg(long)]
        print_config: bool,
    },
    /// Benchmark: the poll schedule against a sandbox with many open
    /// invoices; prints requests per gateway against its limit, peak memory
    /// and CPU. Exit 0 when every gateway stayed within its limits.
    #[command(hide = true)]
    Soak {
        /// A running `till sandbox` (else one is started in this process).
        #[arg(long, value_name = "URL")]
        sandbox: Option<String>,
        #[arg(long, default_value_t = 10_000)]
        invoices: usize,
        #[arg(long, default_value_t = 60)]
        seconds: u64,
    },
    /// The config file.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum StoreCommand {
    /// Copies this till's SQLite journal (in --data-dir) into the PostgreSQL
    /// store of [store] url. A second run adds nothing.
    Import,
}

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Validates the config and lists the gateways and methods (secrets masked).
    Check {
        /// Also make one harmless authenticated call to each gateway.
        #[arg(long)]
        online: bool,
    },
    /// Prints where the config file is looked for.
    Path,
}
