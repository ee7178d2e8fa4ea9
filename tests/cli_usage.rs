//! The `till` binary as a new user meets it: usage errors exit 64 (EX_USAGE),
//! apart from 2 (expired), help and version exit 0, and a config refusal is
//! one plain sentence naming the file, the line and the key.

mod support;

use std::path::Path;
use std::process::{Command, Output};

const TILL: &str = env!("CARGO_BIN_EXE_till");

/// A config with xPay at a loopback address nothing listens on: arguments are
/// checked before any request.
const CONFIG: &str = r#"[shop]
name = "Corner"
currency = "USD"
terminal = "till-1"

[providers.xpay]
base_url = "http://127.0.0.1:9"
username = "a@b.c"
secret_key = "k"
"#;

fn till(dir: &Path, config: &str, args: &[&str]) -> Output {
    support::proc::till_in(dir, config, args)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn usage_errors_exit_64_not_2() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["charge", "--amount", "-1", "--method", "xpay:lightning"], "the amount \"-1\" is refused"),
        (&["charge", "--amount", "abc", "--method", "xpay:lightning"], "the amount \"abc\" is refused"),
        (&["charge", "--amount", "5", "--method", "doge:coin"], "doge"),
        (&["charge", "--amount", "5", "--method", "xcash:usdt-tron"], "not configured on this till"),
        (&["charge", "--amount", "5"], "--method"),
        (&["receipt"], "<INVOICE>"),
        (&["history", "--date", "2026-01-01", "--since", "2026-01-01"], "cannot be used with"),
        (&["history", "--date", "yesterday"], "\"yesterday\" is not a date: write it as YYYY-MM-DD"),
        (&["history", "--since", "2026-02-01", "--until", "2026-01-01"], "--until is before --since"),
        (&["report", "--date", "2026-13-01"], "is not a date"),
        (&["bogus"], "unrecognized subcommand"),
        (&["config"], "Usage"),
    ];
    for (args, said) in cases {
        let o = till(dir.path(), CONFIG, args);
        assert_eq!(o.status.code(), Some(64), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(said), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn help_and_version_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    for args in [&["--help"][..], &["--version"], &["charge", "--help"], &["help"]] {
        let o = till(dir.path(), CONFIG, args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert!(!o.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn charge_help_documents_the_usage_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let o = till(dir.path(), CONFIG, &["charge", "--help"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("64 usage"), "{out}");
}

#[test]
fn a_missing_receipt_and_a_bad_config_are_errors_not_usage() {
    let dir = tempfile::tempdir().unwrap();
    let o = till(dir.path(), CONFIG, &["receipt", "t-nothing"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let o = till(dir.path(), "[shop]\n", &["config", "check"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}

/// Each config mistake of the trial, through `till config check`: exactly
/// one line on stderr, naming the file, the line and the key.
#[test]
fn config_check_says_what_is_wrong_in_one_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("till.toml").display().to_string();
    let with_poll = |line: &str| format!("{CONFIG}\n[poll]\n{line}\n");
    let cases = [
        (
            with_poll("interval_secs = \"3\""),
            "12: interval_secs: expected a whole number of 0 or more, without quotes, e.g. interval_secs = 3, not the text \"3\"",
        ),
        (with_poll("interval_secs = -1"), "12: interval_secs: expected a whole number of 0 or more, not -1"),
        (
            CONFIG.replace("secret_key = \"k\"", "secret_key = \"k\"\nmethods = \"lightning\""),
            "10: methods: expected a list in brackets, e.g. methods = [\"lightning\"], not the text \"lightning\"",
        ),
        (
            format!("# till config\n{}", &CONFIG[CONFIG.find("[providers").unwrap()..]),
            " [shop]: the section is missing: add [shop] with name, currency and terminal",
        ),
        (
            CONFIG.replace("secret_key = \"k\"", "secret_key = \"env:\""),
            "9: secret_key: \"env:\" names no variable: write the variable's name after it, e.g. \"env:XPAY_SECRET_KEY\"",
        ),
    ];
    for (text, want) in cases {
        let o = till(dir.path(), &text, &["config", "check"]);
        assert_eq!(o.status.code(), Some(1));
        let want = format!("till: {file}:{want}\n");
        assert_eq!(stderr(&o), want);
    }
}

#[test]
fn max_amount_as_a_whole_number_is_taken() {
    let dir = tempfile::tempdir().unwrap();
    let text = CONFIG.replace("terminal = \"till-1\"", "terminal = \"till-1\"\nmax_amount = 10000");
    let o = till(dir.path(), &text, &["config", "check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("max 10000.00"), "{}", String::from_utf8_lossy(&o.stdout));
}

/// Demo mode's `config check` names the embedded sandbox, not an empty URL.
#[test]
fn config_check_in_demo_mode_shows_no_empty_base_url() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(TILL)
        .args(["config", "check"])
        .env_remove("TILL_CONFIG")
        .env("HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path())
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(out.contains("demo mode"), "{out}");
    for gateway in ["xpay", "xpays", "xcash", "xaigate", "bitsby"] {
        let line = out.lines().find(|l| l.starts_with(&format!("{gateway}: "))).unwrap_or_else(|| panic!("{out}"));
        assert!(line.starts_with(&format!("{gateway}: (the embedded sandbox")), "{line}");
    }
}

/// A method the till does not offer: the configured `gateway:method` pairs,
/// never bare names from every gateway; `charge --help` lists them too.
#[test]
fn method_lists_name_this_tills_gateway_method_pairs() {
    let dir = tempfile::tempdir().unwrap();
    let o = till(dir.path(), CONFIG, &["charge", "--amount", "5", "--method", "lightning"]);
    assert_eq!(o.status.code(), Some(64));
    assert_eq!(
        stderr(&o),
        "till: \"lightning\" is not a method this till offers: use one of xpay:lightning, xpay:usdt-tron\n"
    );
    let o = till(dir.path(), CONFIG, &["charge", "--amount", "5", "--method", "bitsby:btc"]);
    assert_eq!(
        stderr(&o),
        "till: bitsby:btc is not configured on this till: it offers xpay:lightning, xpay:usdt-tron\n"
    );
    let o = till(dir.path(), CONFIG, &["charge", "--help"]);
    let help = String::from_utf8_lossy(&o.stdout);
    assert!(help.contains("this till offers xpay:lightning, xpay:usdt-tron"), "{help}");
}

#[test]
fn an_amount_too_large_is_too_large_not_not_an_amount() {
    let dir = tempfile::tempdir().unwrap();
    let o = till(
        dir.path(),
        CONFIG,
        &["charge", "--amount", "99999999999999999999999999999999", "--method", "xpay:lightning"],
    );
    assert_eq!(o.status.code(), Some(64));
    assert!(stderr(&o).contains("10000.00 USD is the largest amount allowed"), "{}", stderr(&o));
    let o = till(dir.path(), CONFIG, &["charge", "--amount", "20000", "--method", "xpay:lightning"]);
    assert!(stderr(&o).contains("10000.00 USD is the largest amount allowed"), "{}", stderr(&o));
}

/// `till sandbox --print-config`: a config that loads, with all five
/// gateways and the credentials `sandbox/CONTROL.md` lists.
#[test]
fn the_sandbox_prints_a_ready_config_and_its_credentials_are_documented() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(TILL).args(["sandbox", "--listen", "127.0.0.1:8787", "--print-config"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let config = String::from_utf8_lossy(&o.stdout).into_owned();
    let o = till(dir.path(), &config, &["config", "check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    for gateway in ["xpay", "xpays", "xcash", "xaigate", "bitsby"] {
        assert!(out.contains(&format!("{gateway}: http://127.0.0.1:8787")), "{out}");
    }
    let control = include_str!("../sandbox/CONTROL.md");
    for secret in [
        till_sandbox::DEMO_XPAY_USERNAME,
        till_sandbox::DEMO_XPAY_SECRET_KEY,
        till_sandbox::DEMO_XPAYS_API_KEY,
        till_sandbox::DEMO_XPAYS_SECRET_KEY,
        till_sandbox::DEMO_XCASH_APPID,
        till_sandbox::DEMO_XCASH_HMAC_KEY,
        till_sandbox::DEMO_XAIGATE_API_KEY,
        till_sandbox::DEMO_BITSBY_TOKEN,
        till_sandbox::DEMO_BITSBY_PROJECT_ID,
    ] {
        assert!(control.contains(&format!("`{secret}`")), "{secret} in CONTROL.md");
        assert!(config.contains(&format!("\"{secret}\"")), "{secret} in the printed config");
    }
}
