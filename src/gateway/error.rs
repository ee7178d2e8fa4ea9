//! The gateway layer's error: what went wrong talking to a gateway. Each turns
//! into a plain sentence for the cashier; the detail goes to the log.

use super::verify::VerifyError;
use crate::core::method::ProviderId;
use crate::core::problem::{Problem, ProblemKind};
use std::time::Duration;

#[derive(Clone, Debug, thiserror::Error)]
pub enum GatewayError {
    #[error("{provider} refused the credentials")]
    Credentials { provider: ProviderId },
    #[error("{provider}: the session token was refused")]
    Auth { provider: ProviderId },
    /// The request never reached the gateway (safe to send again).
    #[error("{provider} could not be reached: {detail}")]
    Unreachable { provider: ProviderId, detail: String },
    /// The request may have reached the gateway, but no answer came in time.
    #[error("{provider} did not answer in time: {detail}")]
    Timeout { provider: ProviderId, detail: String },
    #[error("{provider} answered HTTP {status}")]
    Http { provider: ProviderId, status: u16 },
    #[error("{provider} is rate limiting the till")]
    RateLimited { provider: ProviderId, retry_after: Option<Duration> },
    #[error("{provider} answered with more than 1 MiB")]
    TooLarge { provider: ProviderId },
    /// A business error in the gateway's own words.
    #[error("{provider} refused: {message}")]
    Refused { provider: ProviderId, message: String },
    #[error("{provider} sent an unexpected answer: field `{field}`: {detail}")]
    Protocol { provider: ProviderId, field: String, detail: String },
    #[error("{provider} sent payment data that failed verification: {error}")]
    Unverified { provider: ProviderId, error: VerifyError },
    #[error("{provider} cannot {what}")]
    Unsupported { provider: ProviderId, what: &'static str },
    /// A create may have made an invoice and the gateway offers no way to
    /// find out (providers README § What till does when a create times out).
    #[error("{provider}: the create's outcome is unknown: {detail}")]
    OutcomeUnknown { provider: ProviderId, detail: String },
}

impl GatewayError {
    /// The same error with every secret and credential value in its text
    /// replaced by `***`: its words reach the screen, the log and the journal.
    pub fn redacted(self, secrets: &[&str]) -> GatewayError {
        let clean = |t: String| crate::secret::redact(&crate::secret::redact_credentials(&t), secrets);
        match self {
            GatewayError::Refused { provider, message } => GatewayError::Refused { provider, message: clean(message) },
            GatewayError::Protocol { provider, field, detail } => {
                GatewayError::Protocol { provider, field, detail: clean(detail) }
            }
            GatewayError::Unreachable { provider, detail } => {
                GatewayError::Unreachable { provider, detail: clean(detail) }
            }
            GatewayError::Timeout { provider, detail } => GatewayError::Timeout { provider, detail: clean(detail) },
            GatewayError::OutcomeUnknown { provider, detail } => {
                GatewayError::OutcomeUnknown { provider, detail: clean(detail) }
            }
            other => other,
        }
    }

    pub fn protocol(provider: ProviderId, field: &str, detail: impl Into<String>) -> GatewayError {
        GatewayError::Protocol { provider, field: field.to_string(), detail: detail.into() }
    }

    /// Whether the request surely was not processed, so sending it again is safe.
    pub fn not_processed(&self) -> bool {
        matches!(self, GatewayError::Unreachable { .. } | GatewayError::RateLimited { .. })
    }

    /// Whether the request may have been processed without the till knowing
    /// (an answer too large to read came after the gateway did the work).
    pub fn maybe_processed(&self) -> bool {
        match self {
            GatewayError::Timeout { .. } | GatewayError::TooLarge { .. } => true,
            GatewayError::Http { status, .. } => *status >= 500,
            GatewayError::OutcomeUnknown { .. } => true,
            _ => false,
        }
    }

    /// Whether trying again later may help.
    pub fn is_transient(&self) -> bool {
        self.not_processed() || (self.maybe_processed() && !matches!(self, GatewayError::OutcomeUnknown { .. }))
    }

    /// What the cashier reads.
    pub fn problem(&self) -> Problem {
        use GatewayError as E;
        let (kind, message) = match self {
            E::Credentials { provider } => (
                ProblemKind::Credentials,
                format!(
                    "{provider} refused the credentials. Ask the owner to check the {} section of the config file.",
                    provider.id()
                ),
            ),
            E::Auth { provider } => (
                ProblemKind::Credentials,
                format!("{provider} refused the till's session. Try again; if it persists, check the credentials."),
            ),
            E::Unreachable { provider, .. } | E::Timeout { provider, .. } => (
                ProblemKind::Unreachable,
                format!("{provider} cannot be reached. Check the internet connection and try again."),
            ),
            // An answer, if an unhappy one: the gateway is busy, not unreachable.
            E::Http { provider, status } => {
                (ProblemKind::Busy, format!("{provider} is having trouble (HTTP {status}). Try again in a moment."))
            }
            E::RateLimited { provider, .. } => {
                (ProblemKind::Busy, format!("{provider} asks the till to slow down. Try again in a moment."))
            }
            E::TooLarge { provider } | E::Protocol { provider, .. } => (
                ProblemKind::Protocol,
                format!("{provider} sent an answer the till does not understand. Try again; the detail is in the log."),
            ),
            E::Refused { provider, message } => {
                (ProblemKind::Refused, format!("{provider} refused the request: \"{message}\"."))
            }
            E::Unverified { provider, error } => (
                ProblemKind::Unverified,
                format!(
                    "{provider} sent payment details that failed the till's check ({error}). No QR is shown: do not take payment for this invoice."
                ),
            ),
            E::Unsupported { provider, what } => (ProblemKind::Refused, format!("{provider} cannot {what}.")),
            E::OutcomeUnknown { provider, .. } => (
                ProblemKind::OutcomeUnknown,
                format!(
                    "{provider} did not answer, so it is not known whether the invoice was made. Do not take payment for it: start a new sale. The till keeps its reference."
                ),
            ),
        };
        let retry_after = match self {
            E::RateLimited { retry_after, .. } => retry_after.and_then(|d| jiff::SignedDuration::try_from(d).ok()),
            _ => None,
        };
        Problem::new(kind, message).with_retry_after(retry_after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_status_or_a_rate_limit_is_an_answer_and_only_silence_is_unreachable() {
        let p = ProviderId::Xcash;
        let answered = [
            GatewayError::Http { provider: p, status: 404 },
            GatewayError::Http { provider: p, status: 503 },
            GatewayError::RateLimited { provider: p, retry_after: None },
            GatewayError::Refused { provider: p, message: "no".into() },
            GatewayError::protocol(p, "status", "garbled"),
        ];
        for e in answered {
            let problem = e.problem();
            assert!(!problem.is_unreachable(), "{e}");
        }
        assert!(GatewayError::Http { provider: p, status: 503 }.problem().is_gateway_wide(), "still backed off");
        for e in [
            GatewayError::Unreachable { provider: p, detail: "refused".into() },
            GatewayError::Timeout { provider: p, detail: "30 s".into() },
        ] {
            assert!(e.problem().is_unreachable(), "{e}");
        }
    }

    #[test]
    fn a_refusal_that_echoes_a_key_never_shows_it() {
        let e = GatewayError::Refused { provider: ProviderId::Xpays, message: "bad key sk_live_abcdef123".into() };
        let shown = e.redacted(&["sk_live_abcdef123"]);
        assert_eq!(shown.to_string(), "xpays.life refused: bad key ***");
        assert!(!shown.problem().message.contains("sk_live"), "{}", shown.problem().message);
    }
}
