//! till's entry point: the terminal UI by default, or a subcommand.

use clap::Parser;
use std::io::Write;
use std::process::ExitCode;
use till::cli::{Cli, Command, ConfigCommand};
use till::config::{self, Config};
use till::{clock, headless, logging, registry};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("till: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    let code = runtime.block_on(run(cli));
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

async fn run(cli: Cli) -> i32 {
    let data_dir = logging::data_dir(cli.data_dir.as_deref());
    match cli.command {
        Some(Command::Sandbox { listen }) => {
            logging::init(data_dir.as_deref());
            let listener = match tokio::net::TcpListener::bind(listen).await {
                Ok(l) => l,
                Err(e) => {
                    eprintln!("till: cannot listen on {listen}: {e}");
                    return 1;
                }
            };
            let addr = listener
                .local_addr()
                .map_or(listen.to_string(), |a| a.to_string());
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
                Err(e) => {
                    eprintln!("till: sandbox stopped: {e}");
                    1
                }
            }
        }
        Some(Command::Config {
            command: ConfigCommand::Path,
        }) => {
            match config::locate(cli.config.as_deref()) {
                Some((p, _)) => println!("{}", p.display()),
                None => println!("(no config directory on this platform: use --config)"),
            }
            0
        }
        Some(Command::Config {
            command: ConfigCommand::Check,
        }) => match config::load(cli.config.as_deref()) {
            Ok(c) => {
                print_config(&c);
                0
            }
            Err(e) => {
                eprintln!("till: {e}");
                1
            }
        },
        Some(Command::Charge {
            amount,
            method,
            json,
        }) => {
            logging::init(data_dir.as_deref());
            let (config, demo) = match load_or_demo(cli.config.as_deref()).await {
                Ok(v) => v,
                Err(message) => {
                    eprintln!("till: {message}");
                    return 1;
                }
            };
            for w in &config.warnings {
                eprintln!("till: warning: {w}");
            }
            let clock = clock::system();
            let registry = match registry::build(&config, clock.clone()) {
                Ok(r) => std::sync::Arc::new(r),
                Err(e) => {
                    eprintln!("till: {}", e.problem());
                    return 1;
                }
            };
            let args = headless::ChargeArgs {
                amount: &amount,
                method: &method,
                json,
                currency: config.shop.currency.clone(),
                max_amount: config.shop.max_amount,
                policy: config.poll.clone(),
            };
            let code =
                headless::charge(args, |tx| till::runtime::Runtime::new(registry, tx), clock).await;
            drop(demo);
            code
        }
        None => {
            let log = logging::init(data_dir.as_deref());
            let (config, demo) = match load_or_demo(cli.config.as_deref()).await {
                Ok(v) => v,
                Err(message) => {
                    eprintln!("till: {message}");
                    return 1;
                }
            };
            let clock = clock::system();
            let registry = match registry::build(&config, clock.clone()) {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("till: {}", e.problem());
                    return 1;
                }
            };
            let demo_url = demo.as_ref().map(|d| d.base_url.clone());
            match till::tui::run::run(&config, registry, demo_url, clock).await {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("till: the terminal failed: {e}");
                    if let Some(p) = log {
                        eprintln!("till: the log is at {}", p.display());
                    }
                    1
                }
            }
        }
    }
}

/// The config, or demo mode (with its sandbox running) when there is none.
async fn load_or_demo(
    flag: Option<&std::path::Path>,
) -> Result<(Config, Option<till::demo::Demo>), String> {
    let config = config::load(flag).map_err(|e| e.to_string())?;
    if !config.is_demo() {
        return Ok((config, None));
    }
    let (demo, config) = till::demo::start()
        .await
        .map_err(|e| format!("cannot start the demo sandbox: {e}"))?;
    Ok((config, Some(demo)))
}

fn print_config(c: &Config) {
    match &c.source {
        config::Source::File(p) => println!("config: {}", p.display()),
        config::Source::Demo => {
            println!("config: none found: demo mode (embedded sandbox gateway)")
        }
    }
    println!(
        "shop: {} · terminal {} · {} · max {}",
        c.shop.name,
        c.shop.terminal,
        c.shop.currency.code(),
        c.shop.max_amount
    );
    if let Some(x) = &c.xpay {
        let methods: Vec<&str> = x.methods.iter().map(|m| m.id()).collect();
        println!(
            "xpay: {} · user {} · secret key {} · bills {} min · methods {}",
            x.base_url,
            x.username,
            x.secret_key.masked(),
            x.expire_minutes,
            methods.join(", ")
        );
    }
    for w in &c.warnings {
        println!("warning: {w}");
    }
}
