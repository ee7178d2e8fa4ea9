//! till's entry point: the terminal UI by default, or a subcommand.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use till::cli::{Cli, Command, ConfigCommand, StoreCommand, exit};
use till::config::{self, Config};
use till::core::record::SaleRecord;
use till::journal::fleet::Scope;
use till::journal::{self, DirLock, SqliteJournal, Store};
use till::runtime::Runtime;
use till::{clock, headless, ledger, logging, registry};

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let methods = offered_for_help(&args);
    let cli = match till::cli::parse(args, methods.as_deref()) {
        Ok(cli) => cli,
        Err(code) => return ExitCode::from(u8::try_from(code).unwrap_or(1)),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("till: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    let code = runtime.block_on(run(cli));
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

/// For `till charge --help`: the `gateway:method` pairs the config offers
/// (read only when the command line asks for charge's help).
fn offered_for_help(args: &[std::ffi::OsString]) -> Option<String> {
    let has = |w: &str| args.iter().any(|a| a == w);
    if !has("charge") || !(has("--help") || has("-h") || has("help")) {
        return None;
    }
    let flag = args.iter().enumerate().find_map(|(i, a)| {
        let a = a.to_str()?;
        match a.strip_prefix("--config=") {
            Some(p) => Some(PathBuf::from(p)),
            None if a == "--config" => args.get(i + 1).map(PathBuf::from),
            None => None,
        }
    });
    let config = config::load(flag.as_deref()).ok()?;
    let registry = registry::build(&config, clock::system()).ok()?;
    let offered: Vec<String> = registry.methods().iter().map(ToString::to_string).collect();
    Some(offered.join(", "))
}

/// Which terminals `till history` / `till report` read.
fn scope(terminal: Option<String>, all: bool) -> Scope {
    match (terminal, all) {
        (Some(t), _) => Scope::Terminal(t),
        (None, true) => Scope::All,
        (None, false) => Scope::Mine,
    }
}

/// Prints the message on stderr and gives exit code 1.
fn fail(message: impl std::fmt::Display) -> i32 {
    eprintln!("till: {message}");
    exit::ERROR
}

/// An argument refused (a date, a range): the message, and exit code 64.
fn usage(message: impl std::fmt::Display) -> i32 {
    eprintln!("till: {message}");
    exit::USAGE
}

async fn run(cli: Cli) -> i32 {
    let Some(data_dir) = logging::data_dir(cli.data_dir.as_deref()) else {
        return fail("there is no data directory on this platform: give one with --data-dir");
    };
    match cli.command {
        Some(Command::Sandbox { listen, print_config: true }) => {
            print!("{}", till::demo::sandbox_config(&format!("http://{listen}")));
            exit::OK
        }
        Some(Command::Sandbox { listen, print_config: false }) => sandbox(listen, &data_dir).await,
        Some(Command::Soak { sandbox, invoices, seconds }) => soak(sandbox, invoices, seconds).await,
        Some(Command::Config { command: ConfigCommand::Path }) => {
            match config::locate(cli.config.as_deref()) {
                Some((p, _)) => println!("{}", p.display()),
                None => println!("(no config directory on this platform: use --config)"),
            }
            0
        }
        Some(Command::Config { command: ConfigCommand::Check { online } }) => {
            match config::load(cli.config.as_deref()) {
                Ok(c) => {
                    print_config(&c);
                    if online { check_online(&c).await } else { 0 }
                }
                Err(e) => fail(e),
            }
        }
        Some(Command::History { date, since, until, csv, terminal, all_terminals }) => {
            let scope = scope(terminal, all_terminals);
            history(cli.config.as_deref(), &data_dir, date, since, until, csv, &scope)
        }
        Some(Command::Report { date, csv, terminal, all_terminals }) => {
            report(cli.config.as_deref(), &data_dir, date, csv, &scope(terminal, all_terminals))
        }
        Some(Command::Board { terminal, json }) => {
            till::board::main(cli.config.as_deref(), &data_dir, terminal.as_deref(), json).await
        }
        Some(Command::Store { command: StoreCommand::Import }) => {
            till::store_import::main(cli.config.as_deref(), &data_dir).await
        }
        Some(Command::Display { json }) => till::display::main(cli.config.as_deref(), &data_dir, json).await,
        Some(Command::Close { date, verify, print }) => {
            till::close::main(cli.config.as_deref(), &data_dir, date.as_deref(), verify, print).await
        }
        Some(Command::Receipt { invoice, print }) => receipt(cli.config.as_deref(), &data_dir, &invoice, print).await,
        Some(Command::Charge { amount, method, json, tip, tax }) => {
            let session = match Session::start(cli.config.as_deref(), &data_dir).await {
                Ok(s) => s,
                Err(message) => return fail(message),
            };
            for w in &session.config.warnings {
                eprintln!("till: warning: {w}");
            }
            let args = headless::ChargeArgs {
                amount: &amount,
                method: &method,
                json,
                currency: session.config.shop.currency.clone(),
                max_amount: session.config.shop.max_amount,
                policy: session.config.poll.clone(),
                tip: tip.as_deref(),
                tax: tax.as_deref(),
                taxes: session.config.tax.clone(),
            };
            let clock = session.clock.clone();
            let journal = session.journal.clone();
            let terminal = session.config.shop.terminal.clone();
            let registry = session.registry.clone();
            let leasing = session.leasing();
            headless::charge(
                args,
                |tx| leased(Runtime::new(registry, tx).with_journal(journal, &terminal, clock.clone()), leasing),
                session.clock.clone(),
            )
            .await
        }
        Some(Command::Resume { json }) => {
            let session = match Session::start(cli.config.as_deref(), &data_dir).await {
                Ok(s) => s,
                Err(message) => return fail(message),
            };
            let (to_watch, unresolved) = match session.leftovers() {
                Ok(v) => v,
                Err(e) => return fail(e),
            };
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
            let runtime = Runtime::new(session.registry.clone(), tx).with_journal(
                session.journal.clone(),
                &session.config.shop.terminal,
                session.clock.clone(),
            );
            let runtime = leased(runtime, session.leasing());
            let policy = session.config.poll.clone();
            headless::resume(runtime, rx, policy, to_watch, unresolved, json, session.clock.clone()).await
        }
        None => {
            let session = match Session::start(cli.config.as_deref(), &data_dir).await {
                Ok(s) => s,
                Err(message) => return fail(message),
            };
            let (to_watch, unresolved) = match session.leftovers() {
                Ok(v) => v,
                Err(e) => return fail(e),
            };
            let journaling = till::tui::run::Journaling {
                journal: session.journal.clone(),
                data_dir: session.dir.clone(),
                to_watch,
                unresolved,
                leasing: session.leasing(),
            };
            let registry = (*session.registry).clone();
            let demo_url = session.demo.as_ref().map(|d| d.base_url.clone());
            match till::tui::run::run(&session.config, registry, demo_url, session.clock.clone(), Some(journaling))
                .await
            {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("till: the terminal failed: {e}");
                    if let Some(p) = &session.log {
                        eprintln!("till: the log is at {}", p.display());
                    }
                    1
                }
            }
        }
    }
}

/// A runtime that holds a lease on a shared store, when there is one.
fn leased(runtime: Runtime, leasing: Option<till::runtime::lease::Leasing>) -> Runtime {
    match leasing {
        Some(l) => runtime.with_leasing(l),
        None => runtime,
    }
}

/// Everything a selling run needs: the config (or the demo), the data
/// directory locked for this process (receipts, log, the display's socket),
/// the store (the SQLite journal there, or PostgreSQL with `[store]`), the
/// gateways.
struct Session {
    config: Config,
    dir: PathBuf,
    journal: Arc<dyn Store>,
    registry: Arc<till::gateway::Registry>,
    clock: clock::SharedClock,
    demo: Option<till::demo::Demo>,
    log: Option<PathBuf>,
    _lock: DirLock,
}

impl Session {
    /// This till's lease on a store shared by many tills (`[store]`): its
    /// terminal, its gateway accounts' fingerprints, the takeover time.
    fn leasing(&self) -> Option<till::runtime::lease::Leasing> {
        let store = self.config.store.as_ref()?;
        let accounts = self
            .config
            .gateways
            .iter()
            .map(|g| till::journal::fleet::Account { provider: g.provider, fingerprint: g.fingerprint() })
            .collect();
        Some(till::runtime::lease::Leasing {
            terminal: self.config.shop.terminal.clone(),
            accounts,
            takeover: store.takeover,
        })
    }

    /// What a previous run left: invoices to watch, creates to look up.
    fn leftovers(&self) -> Result<(Vec<SaleRecord>, Vec<SaleRecord>), journal::JournalError> {
        let late_since = self.clock.now().saturating_sub(self.config.poll.late_window).unwrap_or(jiff::Timestamp::MIN);
        Ok((self.journal.to_watch(late_since)?, self.journal.unresolved()?))
    }

    async fn start(config_flag: Option<&Path>, data_dir: &Path) -> Result<Session, String> {
        let config = config::load(config_flag).map_err(|e| e.to_string())?;
        // The demo keeps its own journal, fresh each time: its sandbox forgets
        // its invoices when it stops, so there is nothing to resume.
        let dir = if config.is_demo() { data_dir.join("demo") } else { data_dir.to_path_buf() };
        let lock = journal::lock(&dir).map_err(|e| e.to_string())?;
        if config.is_demo() {
            let _ = std::fs::remove_file(dir.join(journal::FILE));
            let _ = std::fs::remove_file(dir.join(format!("{}-wal", journal::FILE)));
            let _ = std::fs::remove_file(dir.join(format!("{}-shm", journal::FILE)));
        }
        let log = logging::init(Some(&dir));
        let (config, demo) = if config.is_demo() {
            let (demo, config) =
                till::demo::start().await.map_err(|e| format!("cannot start the demo sandbox: {e}"))?;
            (config, Some(demo))
        } else {
            (config, None)
        };
        let journal: Arc<dyn Store> = match &config.store {
            // Many counters on one PostgreSQL store: the terminal is this till's
            // (a second till with the same terminal is refused).
            Some(store) => Arc::new(
                till::journal::postgres::PgStore::open(store, &config.shop.terminal).map_err(|e| e.to_string())?,
            ),
            None => Arc::new(SqliteJournal::open(&dir).map_err(|e| e.to_string())?),
        };
        let clock = clock::system();
        let registry = registry::build(&config, clock.clone()).map_err(|e| e.problem().message)?;
        Ok(Session { config, dir, journal, registry: Arc::new(registry), clock, demo, log, _lock: lock })
    }
}

async fn soak(sandbox: Option<String>, invoices: usize, seconds: u64) -> i32 {
    let (base, _demo) = match sandbox {
        Some(url) => (url, None),
        None => match till::demo::start().await {
            Ok((demo, _)) => (demo.base_url.clone(), Some(demo)),
            Err(e) => return fail(format!("cannot start the sandbox: {e}")),
        },
    };
    let config = config::Config::demo(Some(base.clone()));
    println!("soak: {invoices} open invoices at {base} for {seconds} s");
    match till::soak::run(&base, &config, invoices, seconds, till::clock::system()).await {
        Ok(report) => {
            print!("{}", report.table());
            if report.within_limits() { 0 } else { 1 }
        }
        Err(e) => fail(e),
    }
}

async fn sandbox(listen: std::net::SocketAddr, data_dir: &Path) -> i32 {
    logging::init(Some(data_dir));
    let listener = match tokio::net::TcpListener::bind(listen).await {
        Ok(l) => l,
        Err(e) => return fail(format!("cannot listen on {listen}: {e}")),
    };
    let addr = listener.local_addr().map_or(listen.to_string(), |a| a.to_string());
    // Written at once and never fatal: whoever started us may have stopped reading.
    let banner = format!(
        "till sandbox listening on http://{addr}\nxPay username {:?}, secret key {:?}\n",
        till_sandbox::DEMO_XPAY_USERNAME,
        till_sandbox::DEMO_XPAY_SECRET_KEY
    );
    let mut out = std::io::stdout();
    let _ = out.write_all(banner.as_bytes()).and_then(|()| out.flush());
    match till_sandbox::serve(listener, till_sandbox::Options::default()).await {
        Ok(()) => 0,
        Err(e) => fail(format!("sandbox stopped: {e}")),
    }
}

/// The config (for the time zone and shop name) and the store, read-only:
/// the PostgreSQL store when `[store]` names one (this till's terminal
/// being `Scope::Mine`), else the data directory's journal. `None`: nothing
/// recorded yet.
fn reader(config_flag: Option<&Path>, data_dir: &Path) -> Result<(Config, Option<Box<dyn Store>>), String> {
    let config = config::load(config_flag).map_err(|e| e.to_string())?;
    if let Some(store) = &config.store {
        let pg = journal::postgres::PgStore::open_read_only(store, &config.shop.terminal).map_err(|e| e.to_string())?;
        return Ok((config, pg.map(|s| Box::new(s) as Box<dyn Store>)));
    }
    let dir = if config.is_demo() { data_dir.join("demo") } else { data_dir.to_path_buf() };
    let journal = SqliteJournal::open_read_only(&dir).map_err(|e| e.to_string())?;
    Ok((config, journal.map(|j| Box::new(j) as Box<dyn Store>)))
}

fn history(
    config_flag: Option<&Path>,
    data_dir: &Path,
    date: Option<String>,
    since: Option<String>,
    until: Option<String>,
    csv: bool,
    scope: &Scope,
) -> i32 {
    let (config, journal) = match reader(config_flag, data_dir) {
        Ok(v) => v,
        Err(e) => return fail(e),
    };
    let tz = config.timezone();
    let today = jiff::Timestamp::now().to_zoned(tz.clone()).date();
    let parsed = (|| -> Result<_, String> {
        let since = match (&date, &since) {
            (Some(d), _) | (None, Some(d)) => ledger::parse_date(d)?,
            (None, None) => today,
        };
        let until = match (&date, &until) {
            (Some(d), _) | (None, Some(d)) => ledger::parse_date(d)?,
            (None, None) => since.max(today),
        };
        ledger::range(since, until, &tz)
    })();
    let (from, to) = match parsed {
        Ok(v) => v,
        Err(e) => return usage(e),
    };
    let records = match journal.map(|j| j.between_in(from, to, scope)).transpose() {
        Ok(r) => r.unwrap_or_default(),
        Err(e) => return fail(e),
    };
    if csv {
        match ledger::write_csv(std::io::stdout().lock(), &records, &tz) {
            Ok(()) => 0,
            Err(e) => fail(e),
        }
    } else {
        print!("{}", ledger::table_in(&records, &tz, *scope == Scope::All));
        0
    }
}

fn report(config_flag: Option<&Path>, data_dir: &Path, date: Option<String>, csv: bool, scope: &Scope) -> i32 {
    let (config, journal) = match reader(config_flag, data_dir) {
        Ok(v) => v,
        Err(e) => return fail(e),
    };
    let tz = config.timezone();
    let date = match date.as_deref().map(ledger::parse_date).transpose() {
        Ok(d) => d.unwrap_or_else(|| jiff::Timestamp::now().to_zoned(tz.clone()).date()),
        Err(e) => return usage(e),
    };
    let Some(journal) = journal else {
        if csv {
            let terminal = match scope {
                Scope::Mine => config.shop.terminal.as_str(),
                Scope::Terminal(t) => t.as_str(),
                Scope::All => ledger::ALL_TERMINALS,
            };
            return match ledger::write_report_csv(std::io::stdout().lock(), &Default::default(), date, terminal) {
                Ok(()) => 0,
                Err(e) => fail(e),
            };
        }
        if config.store.is_some() {
            println!("The store holds no sales yet.");
        } else {
            println!("No journal yet: no sales recorded.");
        }
        return 0;
    };
    if csv {
        let out = std::io::stdout().lock();
        return match ledger::day_report_csv_in(journal.as_ref(), date, &tz, scope, &config.shop.terminal, out) {
            Ok(()) => 0,
            Err(e) => fail(e),
        };
    }
    match ledger::day_report_in(journal.as_ref(), date, &tz, &config.shop.name, scope) {
        Ok(text) => {
            print!("{text}");
            0
        }
        Err(e) => fail(e),
    }
}

async fn receipt(config_flag: Option<&Path>, data_dir: &Path, key: &str, print: bool) -> i32 {
    let (config, journal) = match reader(config_flag, data_dir) {
        Ok(v) => v,
        Err(e) => return fail(e),
    };
    let Some(journal) = journal else {
        return fail("no journal yet: no sales recorded");
    };
    match journal.find(key) {
        Ok(Some(record)) if record.status == till::core::status::Status::Paid && print => {
            let Some(printer) = &config.printer else {
                return fail("no printer is configured: add a [printer] section with url = \"tcp://HOST\"");
            };
            let job = till::print::receipt::for_printer(&record, &config.shop.name, &config.timezone(), printer);
            match till::print::deliver(printer, &job).await {
                Ok(till::print::Delivery::Confirmed) => {
                    println!("Receipt {} printed.", record.reference);
                    0
                }
                Ok(till::print::Delivery::Unconfirmed) => {
                    println!("Receipt {} sent; the printer did not confirm it: check it printed.", record.reference);
                    0
                }
                Err(e) => fail(e.sentence("run the command again")),
            }
        }
        Ok(Some(record)) if record.status == till::core::status::Status::Paid => {
            print!("{}", till::core::receipt::text(&record, &config.shop.name, &config.timezone()));
            0
        }
        Ok(Some(record)) => fail(format!("{key} is {}: receipts are for paid sales only", record.status_label())),
        Ok(None) => fail(format!("no sale {key:?} in the journal")),
        Err(e) => fail(e),
    }
}

/// `till config check --online`: one harmless authenticated call per gateway.
/// Exit 0 when every gateway answered, 1 otherwise.
async fn check_online(c: &Config) -> i32 {
    if c.is_demo() {
        println!("online: demo mode has no gateways to call");
        return 0;
    }
    let registry = match registry::build(c, till::clock::system()) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let mut failed = 0;
    for g in registry.all() {
        match g.check().await {
            Ok(said) => println!("online: {}: ok: {said}", g.provider().id()),
            Err(e) => {
                failed += 1;
                tracing::warn!(provider = g.provider().id(), error = %e, "config check failed");
                println!("online: {}: FAILED: {}", g.provider().id(), e.problem().message);
            }
        }
    }
    i32::from(failed > 0)
}

fn print_config(c: &Config) {
    // The demo's sandbox gets its address when till starts: say so, not "".
    let demo;
    let c = if c.is_demo() {
        demo = Config::demo(Some("(the embedded sandbox, on a loopback port chosen at start)".into()));
        &demo
    } else {
        c
    };
    match &c.source {
        config::Source::File(p) => println!("config: {}", p.display()),
        config::Source::Demo => println!("config: none found: demo mode (embedded sandbox gateway)"),
    }
    println!(
        "shop: {} · terminal {} · {} · max {}",
        c.shop.name,
        c.shop.terminal,
        c.shop.currency.code(),
        till::core::money::Money::new(c.shop.max_amount, c.shop.currency.clone()).amount_text()
    );
    if !c.sale.tips.is_empty() {
        let tips: Vec<String> = c.sale.tips.iter().map(|t| format!("{t}%")).collect();
        println!("tips: {}", tips.join(", "));
    }
    if !c.tax.rates.is_empty() {
        let rates: Vec<String> = c.tax.rates.iter().map(till::core::tax::TaxRate::label).collect();
        let how = if c.tax.included { "included in prices" } else { "added to prices" };
        println!("tax: {} ({how})", rates.join(", "));
    }
    match &c.store {
        Some(store) => println!(
            "store: PostgreSQL {} · takeover within {} s{}",
            store.shown(),
            store.takeover.as_secs(),
            match &store.password {
                Some(config::store::Password::Env(name)) => format!(" · password from ${name}"),
                Some(config::store::Password::Literal(_)) => " · password in the file".into(),
                None => String::new(),
            }
        ),
        None => println!("store: the journal in the data directory (SQLite)"),
    }
    for g in &c.gateways {
        println!("{}", g.summary());
    }
    if let Some(p) = &c.printer {
        let auto = if p.auto == config::printer::Auto::Paid { "prints each sale once paid" } else { "prints on r" };
        println!("printer: {} · {} columns · {auto}", p.target.place(), p.width.columns());
    }
    for w in &c.warnings {
        println!("warning: {w}");
    }
}
