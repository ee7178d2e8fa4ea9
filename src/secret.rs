//! A secret string (API keys, tokens): never printed, never logged.

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `sk…9f` style: enough to tell two keys apart, never enough to use one.
    pub fn masked(&self) -> String {
        let n = self.0.chars().count();
        if n < 12 {
            return "****".into();
        }
        let head: String = self.0.chars().take(2).collect();
        let tail: String = self.0.chars().skip(n - 2).collect();
        format!("{head}****{tail}")
    }
}

/// Replaces every occurrence of these secrets in `text` (a body for the log)
/// by `***`. Secrets shorter than 4 characters are left: they would blot out
/// ordinary words.
pub fn redact(text: &str, secrets: &[&str]) -> String {
    secrets.iter().filter(|s| s.len() >= 4).fold(text.to_string(), |t, s| t.replace(s, "***"))
}

/// JSON keys whose string values are credentials whatever the gateway: a
/// session token in a login answer is as secret as the configured keys.
const CREDENTIAL_KEYS: [&str; 10] = [
    "access_token",
    "accessToken",
    "refresh_token",
    "refreshToken",
    "token",
    "secretKey",
    "secret_key",
    "apiKey",
    "api_key",
    "password",
];

/// Replaces the string value of every credential key (`"token": "…"`) with
/// `***`, so a body excerpt never carries a session token.
pub fn redact_credentials(text: &str) -> String {
    let mut out = text.to_string();
    for key in CREDENTIAL_KEYS {
        let quoted = format!("\"{key}\"");
        let mut from = 0;
        while let Some(found) = out.get(from..).and_then(|rest| rest.find(&quoted)) {
            let after_key = from + found + quoted.len();
            let rest = out.get(after_key..).unwrap_or_default();
            let skipped = rest.len() - rest.trim_start().len();
            let Some(after_colon) = rest.trim_start().strip_prefix(':') else {
                from = after_key;
                continue;
            };
            let value = after_colon.trim_start();
            let start = after_key + skipped + 1 + (after_colon.len() - value.len());
            if !value.starts_with('"') {
                from = start;
                continue;
            }
            // The closing quote, past escaped ones.
            let mut end = None;
            let mut escaped = false;
            for (i, c) in value.char_indices().skip(1) {
                match c {
                    '\\' if !escaped => escaped = true,
                    '"' if !escaped => {
                        end = Some(i);
                        break;
                    }
                    _ => escaped = false,
                }
            }
            let stop = end.map_or(out.len(), |e| start + e);
            out.replace_range(start + 1..stop, "***");
            from = start + 1 + 3;
        }
    }
    out
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(****)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_shows_itself() {
        let s = Secret::new("sk_live_0123456789abcdef");
        assert_eq!(format!("{s:?}"), "Secret(****)");
        assert_eq!(s.masked(), "sk****ef");
        assert_eq!(Secret::new("short").masked(), "****");
    }

    #[test]
    fn credential_values_are_hidden_whoever_configured_them() {
        let body = r#"{"success":{"data":{"access_token" : "eyJhbGciOi.x\"y.z","token":"t0k","expires":3600}}}"#;
        assert_eq!(
            redact_credentials(body),
            r#"{"success":{"data":{"access_token" : "***","token":"***","expires":3600}}}"#
        );
        assert_eq!(redact_credentials(r#"{"token": 5, "apiKey":"#), r#"{"token": 5, "apiKey":"#);
        assert_eq!(redact_credentials(r#"{"apiKey":"unterminated"#), r#"{"apiKey":"***"#);
    }

    #[test]
    fn redaction_hides_every_occurrence() {
        assert_eq!(
            redact(r#"{"apiKey":"abcd-1234","x":"abcd-1234"}"#, &["abcd-1234"]),
            r#"{"apiKey":"***","x":"***"}"#
        );
    }
}
