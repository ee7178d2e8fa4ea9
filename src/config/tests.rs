//! The config file's tests: loading, defaults, and refusals by file, line and key.

use super::*;
use crate::core::method::{MethodId, ProviderId};
use crate::gateway::bitsby::BitsbyConfig;
use crate::gateway::verify::Networks;
use crate::gateway::xaigate::XaigateConfig;
use crate::gateway::xcash::XcashConfig;
use crate::gateway::xpay::XpayConfig;
use crate::gateway::xpays::XpaysConfig;
const GOOD: &str = r#"
[shop]
name = "Corner Café"
currency = "USD"
terminal = "till-1"

[providers.xpay]
username = "shop@example.com"
secret_key = "env:XPAY_KEY"
methods = ["lightning"]
"#;

fn env(name: &str) -> Option<String> {
    (name == "XPAY_KEY").then(|| "s3cret-from-env".to_string())
}

#[test]
fn a_good_file_loads_with_defaults() {
    let c = parse(GOOD, "till.toml", &env).unwrap();
    let x = c.gateway::<XpayConfig>().unwrap();
    assert_eq!(x.base_url, "https://apis.xpay.stream");
    assert_eq!(x.secret_key.expose(), "s3cret-from-env");
    assert_eq!(x.methods, vec![MethodId::Lightning]);
    assert_eq!(x.expire_minutes, 30);
    assert_eq!(x.networks, Networks::Mainnet);
    assert_eq!(c.shop.max_amount, Decimal::from(10_000));
    assert_eq!(c.poll, PollPolicy::default());
}

#[test]
fn rate_limits_come_from_the_config_over_documented_defaults() {
    let text = format!(
        "{GOOD}\n[poll.limits.xcash]\nrequests_per_second = 2\npolls_per_minute_per_invoice = 30\n[poll.limits.xpay]\nrequests_per_second = 10\n"
    );
    let c = parse(&text, "till.toml", &env).unwrap();
    let xcash = c.poll.limits(ProviderId::Xcash);
    assert_eq!((xcash.gateway, xcash.per_invoice), (Rate::per_second(2), Some(Rate::per_minute(30))));
    assert_eq!(c.poll.limits(ProviderId::Xpay).gateway, Rate::per_second(10));
    assert_eq!(c.poll.limits(ProviderId::Bitsby).gateway, Rate::per_second(1), "the default");
    assert_eq!(c.poll.limits(ProviderId::Xcash).per_invoice, Some(Rate::per_minute(30)));
    for (bad, want) in [
        ("[poll.limits.bitsby]\nrequests_per_second = 2", "limits.bitsby.requests_per_second: Bitsby allows 1"),
        ("[poll.limits.doge]\nrequests_per_second = 2", "limits.doge: not a gateway"),
        ("[poll.limits.xpay]\nrequests_per_second = 0", "limits.xpay.requests_per_second: from 1 to 100"),
        ("[poll.limits.xpay]\nburst = 3", "burst: not a key of this section"),
    ] {
        let err = parse(&format!("{GOOD}\n{bad}\n"), "till.toml", &env).unwrap_err().to_string();
        assert!(err.contains(want), "{err}");
    }
}

#[test]
fn unknown_keys_are_refused_with_file_line_and_key() {
    let text = GOOD.replace("terminal = \"till-1\"", "terminal = \"till-1\"\ncolour = \"red\"");
    let err = parse(&text, "till.toml", &env).unwrap_err().to_string();
    assert_eq!(
        err,
        "till.toml:6: colour: not a key of this section (its keys are name, currency, terminal, max_amount, timezone)"
    );
}

#[test]
fn bad_values_are_refused_with_file_line_and_key() {
    let cases = [
        ("currency = \"USD\"", "currency = \"DOLLARS\"", "till.toml:4: currency:"),
        ("methods = [\"lightning\"]", "methods = [\"doge\"]", "till.toml:10: methods: xPay has no method \"doge\""),
        (
            "secret_key = \"env:XPAY_KEY\"",
            "secret_key = \"env:NOPE\"",
            "till.toml:9: secret_key: the environment variable NOPE is not set",
        ),
        (
            "methods = [\"lightning\"]",
            "methods = [\"lightning\"]\nexpire_minutes = \"30\"",
            "till.toml:11: expire_minutes:",
        ),
        (
            "methods = [\"lightning\"]",
            "methods = [\"lightning\"]\nbase_url = \"http://example.com\"",
            "till.toml:11: base_url: must use https",
        ),
        ("terminal = \"till-1\"", "terminal = \"till 1\"", "till.toml:5: terminal:"),
    ];
    for (from, to, want) in cases {
        let err = parse(&GOOD.replace(from, to), "till.toml", &env).unwrap_err().to_string();
        assert!(err.starts_with(want), "{to}: {err}");
    }
}

const OTHERS: &str = r#"
[shop]
name = "Corner Café"
currency = "EUR"
terminal = "till-1"

[providers.xpays]
base_url = "https://api.xpays.example"
api_key = "key_1"
secret_key = "s1"

[providers.xcash]
appid = "XC-A3BK7NMG"
hmac_key = "h1"

[providers.xaigate]
api_key = "k1"
email = "shop@example.com"

[providers.bitsby]
token = "t1"
project_id = "9deea1e2-0c08-41a3-bdc2-a34eada3892d"
time_to_pay_hours = 0.5
"#;

#[test]
fn the_four_newer_gateways_load_with_their_defaults() {
    let c = parse(OTHERS, "t.toml", &env).unwrap();
    assert!(c.gateway::<XpayConfig>().is_none());
    let x = c.gateway::<XpaysConfig>().unwrap();
    assert_eq!(x.sign_template, "{timestamp}{body}");
    assert_eq!((x.chain.as_str(), x.crypto.as_str()), ("tron", "USDT"));
    let x = c.gateway::<XcashConfig>().unwrap();
    assert_eq!((x.base_url.as_str(), x.duration_minutes, x.chain_code.as_str()), ("https://api.xca.sh", 15, "tron"));
    assert_eq!(c.gateway::<XaigateConfig>().unwrap().base_url, "https://wallet-api.xaigate.com");
    let b = c.gateway::<BitsbyConfig>().unwrap();
    assert_eq!((b.time_to_pay_hours.as_str(), b.methods.as_slice()), ("0.5", [MethodId::UsdtTron].as_slice()));
    assert_eq!(b.min_interval, std::time::Duration::from_secs(1));
}

#[test]
fn the_newer_gateways_refuse_bad_values_by_line_and_key() {
    let cases = [
        ("hmac_key = \"h1\"", "hmac_key = \"h1\"\nduration_minutes = 45", "t.toml:15: duration_minutes: from 5 to 30"),
        ("time_to_pay_hours = 0.5", "time_to_pay_hours = 2", "t.toml:23: time_to_pay_hours: one of 0.5, 1, 3, 6, 12"),
        (
            "secret_key = \"s1\"",
            "secret_key = \"s1\"\nsign_template = \"{nonce}\"",
            "t.toml:11: sign_template: unknown placeholder {nonce}",
        ),
        ("email = \"shop@example.com\"", "email = \"nobody\"", "t.toml:18: email: not an e-mail address"),
        (
            "time_to_pay_hours = 0.5",
            "time_to_pay_hours = 0.5\nmethods = [\"lightning\"]",
            "t.toml:24: methods: Bitsby has no method \"lightning\"",
        ),
        (
            "project_id = \"9deea1e2-0c08-41a3-bdc2-a34eada3892d\"",
            "project_id = \"p1\"",
            "t.toml:22: project_id: not a UUID",
        ),
    ];
    for (from, to, want) in cases {
        let err = parse(&OTHERS.replace(from, to), "t.toml", &env).unwrap_err().to_string();
        assert!(err.starts_with(want), "{to}: {err}");
    }
    let err = parse(&OTHERS.replace("\"EUR\"", "\"GBP\""), "t.toml", &env).unwrap_err().to_string();
    assert!(err.contains("Xcash prices in USD, CNY, EUR, JPY, HKD only"), "{err}");
}

#[test]
fn xpay_needs_usd() {
    let err = parse(&GOOD.replace("\"USD\"", "\"EUR\""), "t.toml", &env).unwrap_err().to_string();
    assert!(err.contains("xPay bills are in US dollars"), "{err}");
}

#[test]
fn loopback_http_is_allowed_and_means_the_sandbox() {
    assert_eq!(base_url("http://127.0.0.1:4000/").unwrap(), ("http://127.0.0.1:4000".into(), Networks::AlsoTest));
    assert_eq!(base_url("http://localhost:4000").unwrap().1, Networks::AlsoTest);
    assert_eq!(base_url("https://apis.xpay.stream").unwrap().1, Networks::Mainnet);
    assert!(base_url("ftp://x").is_err());
}

#[test]
fn the_example_config_is_valid() {
    let text = include_str!("../../config.example.toml");
    let env = |_: &str| Some("from-env".to_string());
    parse(text, "config.example.toml", &env).unwrap();
}

#[cfg(unix)]
#[test]
fn a_readable_file_with_a_literal_secret_gets_a_warning() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("till.toml");
    std::fs::write(&path, GOOD.replace("env:XPAY_KEY", "literal-secret-value")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let c = load_file(&path).unwrap();
    assert!(c.warnings.iter().any(|w| w.contains("chmod 600")), "{:?}", c.warnings);
    assert!(!c.warnings.iter().any(|w| w.contains("literal-secret-value")));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(load_file(&path).unwrap().warnings.is_empty());
}

#[test]
fn an_unknown_gateway_section_is_refused_by_line() {
    let err = parse(&format!("{GOOD}\n[providers.doge]\nkey = \"k\"\n"), "t.toml", &env).unwrap_err().to_string();
    assert_eq!(err, "t.toml:12: providers.doge: not a gateway (the gateways are xpay, xpays, xcash, xaigate, bitsby)");
    let err = parse(&GOOD.replace("[providers.xpay]", "[providers.xpay]\ncolour = 1"), "t.toml", &env)
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("t.toml:8: colour: not a key of this section (its keys are "), "{err}");
}

#[test]
fn the_late_window_is_read_and_bounded() {
    let c = parse(&format!("{GOOD}\n[poll]\nlate_window_hours = 48\n"), "till.toml", &env).unwrap();
    assert_eq!(c.poll.late_window, jiff::SignedDuration::from_hours(48));
    assert_eq!(PollPolicy::default().late_window, jiff::SignedDuration::from_hours(24), "the default");
    for bad in ["0", "721", "-1"] {
        let err = parse(&format!("{GOOD}\n[poll]\nlate_window_hours = {bad}\n"), "till.toml", &env).unwrap_err();
        assert!(err.to_string().contains("late_window_hours"), "{bad}: {err}");
    }
}

/// The refusals a new user met, each as one plain sentence: the file, the
/// line, the key, what is expected; never a Rust type name.
#[test]
fn wrong_value_types_are_refused_in_plain_words() {
    let poll = |v: &str| format!("{GOOD}\n[poll]\ninterval_secs = {v}\n");
    let cases = [
        (
            poll("\"3\""),
            "till.toml:13: interval_secs: expected a whole number of 0 or more, without quotes, e.g. interval_secs = 3, not the text \"3\"",
        ),
        (poll("-1"), "till.toml:13: interval_secs: expected a whole number of 0 or more, not -1"),
        (poll("3.5"), "till.toml:13: interval_secs: expected a whole number of 0 or more, not 3.5"),
        (
            GOOD.replace("methods = [\"lightning\"]", "methods = \"lightning\""),
            "till.toml:10: methods: expected a list in brackets, e.g. methods = [\"lightning\"], not the text \"lightning\"",
        ),
        (
            GOOD.replace("secret_key = \"env:XPAY_KEY\"", "secret_key = \"env:\""),
            "till.toml:9: secret_key: \"env:\" names no variable: write the variable's name after it, e.g. \"env:XPAY_SECRET_KEY\"",
        ),
        (
            GOOD.replace("name = \"Corner Café\"", "name = 5"),
            "till.toml:3: name: expected text in quotes, e.g. name = \"5\", not 5",
        ),
        (
            GOOD.replace("name = \"Corner Café\"\n", ""),
            "till.toml:2: [shop]: name is missing: add name = \"Corner Café\"",
        ),
        (
            GOOD.replace("[shop]\nname = \"Corner Café\"\ncurrency = \"USD\"\nterminal = \"till-1\"\n", "# my till\n"),
            "till.toml: [shop]: the section is missing: add [shop] with name, currency and terminal",
        ),
        (
            "[shop]\nname = \"X\"\ncurrency = \"USD\"\nterminal = \"t1\"\n[providers]\nxpay = { username = \"a@b.c\" }\n"
                .to_string(),
            "till.toml:6: xpay: secret_key is missing: add secret_key = \"env:NAME\" (the variable that holds it)",
        ),
        (
            GOOD.replace("terminal = \"till-1\"", "terminal = \"till-1\"\nmax_amount = 10.5"),
            "till.toml:6: max_amount: expected a positive amount, e.g. max_amount = 10000, or in quotes when it has decimals, e.g. max_amount = \"99.50\"",
        ),
    ];
    for (text, want) in cases {
        let err = parse(&text, "till.toml", &env).unwrap_err().to_string();
        assert_eq!(err, want);
        for word in ["u32", "sequence", "invalid type", "`", "# my till"] {
            assert!(!err.contains(word), "{err}");
        }
    }
}

#[test]
fn max_amount_may_be_a_whole_number_or_a_decimal_string() {
    let with = |v: &str| GOOD.replace("terminal = \"till-1\"", &format!("terminal = \"till-1\"\nmax_amount = {v}"));
    assert_eq!(parse(&with("10000"), "t.toml", &env).unwrap().shop.max_amount, Decimal::from(10_000));
    assert_eq!(parse(&with("\"99.50\""), "t.toml", &env).unwrap().shop.max_amount, Decimal::new(9950, 2));
    for bad in ["0", "-5", "\"lots\"", "true"] {
        assert!(parse(&with(bad), "t.toml", &env).is_err(), "{bad}");
    }
}

#[test]
fn the_customer_display_starts_without_the_tills_secrets() {
    // `till display` runs in a terminal whose environment need not hold the
    // till's secrets: it talks to no gateway.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("till.toml");
    std::fs::write(&path, GOOD.replace("env:XPAY_KEY", "env:TILL_TEST_SURELY_UNSET_SECRET")).unwrap();
    let err = load(Some(&path)).unwrap_err().to_string();
    assert!(err.contains("TILL_TEST_SURELY_UNSET_SECRET is not set"), "{err}");
    let config = load_without_secrets(Some(&path)).unwrap();
    assert_eq!(config.shop.name, load_file_with(&path, &|_| Some("x".into()), true).unwrap().shop.name);
    assert!(!config.is_demo());
}
