//! serde's and toml's refusals of a config value, said in plain words: what
//! the key expects and what the file holds instead, with an example line to
//! copy. Never a Rust type name (`u32`, `a sequence`). The caller adds the
//! file, the line and the key.

/// What went wrong at one place in the file, in plain words.
pub(super) enum Plain {
    /// A value or key at a line: the message for it.
    At(String),
    /// A whole `[section]` is missing from the file: the message (no line).
    MissingSection(String),
}

/// Rewords serde's message `raw` about `key` (as written on its line).
/// `at_header` says the error points at a `[section]` header line.
pub(super) fn plain(raw: &str, key: &str, at_header: bool) -> Plain {
    let raw = raw.trim();
    if let Some(field) = between(raw, "missing field `", "`") {
        // Only a top-level section can be missing as a whole; a key missing
        // from an inline table (`xpay = { … }`) is a missing key there.
        if !at_header && field == "shop" {
            return Plain::MissingSection(missing_section(field));
        }
        return Plain::At(format!("{field} is missing: add {field} = {}", example_of(field)));
    }
    if let Some(rest) = raw.strip_prefix("unknown field `") {
        let keys = rest.split_once(", expected ").map(|(_, list)| names(list));
        return Plain::At(match keys {
            Some(k) => format!("not a key of this section (its keys are {k})"),
            None => "not a key of this section".to_string(),
        });
    }
    if let Some(rest) = raw.strip_prefix("unknown variant `") {
        let values = rest.split_once(", expected ").map(|(_, list)| names(list));
        let found = rest.split('`').next().unwrap_or("");
        return Plain::At(match values {
            Some(v) => format!("\"{found}\" is not one of {v}"),
            None => format!("\"{found}\" is not allowed here"),
        });
    }
    let typed = raw.strip_prefix("invalid type: ").or_else(|| raw.strip_prefix("invalid value: "));
    if let Some((found, want)) = typed.and_then(|t| t.rsplit_once(", expected ")) {
        let found = Found::read(found);
        let (want, example) = wanted(want, &found);
        let example = example.map(|e| format!(", e.g. {key} = {e}")).unwrap_or_default();
        return Plain::At(format!("expected {want}{example}, not {}", found.shown));
    }
    // The file is not TOML at all (an unclosed bracket, a stray character).
    Plain::At(format!("this line is not valid TOML ({})", raw.replace('`', "")))
}

/// A value as serde describes it: `string "3"`, ``integer `-1` ``, `sequence`.
struct Found {
    /// For the message: `the text "3"`, `-1`, `a list`.
    shown: String,
    /// The value itself, when it is a single one: `3`, `-1`, `true`.
    bare: Option<String>,
    text: bool,
}

impl Found {
    fn read(s: &str) -> Found {
        if let Some(q) = s.strip_prefix("string ") {
            let bare = q.trim_matches('"').to_string();
            return Found { shown: format!("the text {q}"), bare: Some(bare), text: true };
        }
        for prefix in ["integer ", "floating point ", "boolean ", "unsigned integer "] {
            if let Some(v) = s.strip_prefix(prefix) {
                let v = v.trim_matches('`').to_string();
                return Found { shown: v.clone(), bare: Some(v), text: false };
            }
        }
        let shown = match s {
            "sequence" => "a list".to_string(),
            "map" => "a table".to_string(),
            other => other.replace('`', ""),
        };
        Found { shown, bare: None, text: false }
    }
}

/// What serde's "expected …" means, and an example value built from what the
/// file holds when one can be.
fn wanted(want: &str, found: &Found) -> (String, Option<String>) {
    let number = found.bare.as_deref().filter(|b| b.parse::<f64>().is_ok());
    let unquoted = if found.text { ", without quotes" } else { "" };
    match want.trim() {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => {
            let whole = number.filter(|b| b.parse::<u64>().is_ok() && found.text).map(str::to_string);
            (format!("a whole number of 0 or more{unquoted}"), whole)
        }
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => {
            let whole = number.filter(|b| b.parse::<i64>().is_ok() && found.text).map(str::to_string);
            (format!("a whole number{unquoted}"), whole)
        }
        "f32" | "f64" => (format!("a number{unquoted}"), number.filter(|_| found.text).map(str::to_string)),
        "a string" | "a borrowed string" | "string" => {
            ("text in quotes".into(), found.bare.as_ref().map(|b| format!("\"{b}\"")))
        }
        "a sequence" => {
            let list = found.bare.as_ref().map(|b| if found.text { format!("[\"{b}\"]") } else { format!("[{b}]") });
            ("a list in brackets".into(), list)
        }
        "a boolean" => (format!("true or false{unquoted}"), None),
        "a map" | "struct" => ("a table (a [section] of keys)".into(), None),
        other => (other.replace('`', ""), None),
    }
}

/// A top-level section the file lacks.
fn missing_section(field: &str) -> String {
    match field {
        "shop" => "[shop]: the section is missing: add [shop] with name, currency and terminal".to_string(),
        other => format!("[{other}]: the section is missing: add it"),
    }
}

/// An example value for a required key.
fn example_of(key: &str) -> &'static str {
    match key {
        "name" => "\"Corner Café\"",
        "currency" => "\"USD\"",
        "terminal" => "\"till-1\"",
        "username" | "email" => "\"shop@example.com\"",
        "secret_key" | "api_key" | "hmac_key" | "token" => "\"env:NAME\" (the variable that holds it)",
        "base_url" => "\"https://…\"",
        _ => "…",
    }
}

/// `` `a`, `b` `` → `a, b`.
fn names(list: &str) -> String {
    list.trim_start_matches("one of ").replace('`', "")
}

/// The text between `start` and the next `end`, when `s` begins with `start`.
fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    s.strip_prefix(start)?.split(end).next()
}
