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
    fn redaction_hides_every_occurrence() {
        assert_eq!(
            redact(r#"{"apiKey":"abcd-1234","x":"abcd-1234"}"#, &["abcd-1234"]),
            r#"{"apiKey":"***","x":"***"}"#
        );
    }
}
