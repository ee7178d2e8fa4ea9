//! Which gateway a request belongs to: the five gateways by the path
//! prefixes of their requests (CONTROL.md § Faults), and the prefix of the
//! control API, whose requests belong to none.

use serde::Serialize;

/// Paths under this prefix belong to the control API (and are not counted
/// in `/_sandbox/requests`, nor faulted, nor logged for `/_sandbox/rates`).
pub(crate) const PREFIX: &str = "/_sandbox/";

/// The five gateways and the path prefixes of their requests (CONTROL.md).
/// Also the gateway of a request for `/_sandbox/rates` and `/_sandbox/{gateway}/seed`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Gateway {
    Xpay,
    Xpays,
    Xcash,
    Xaigate,
    Bitsby,
}

impl Gateway {
    pub(crate) const ALL: [Self; 5] = [Self::Xpay, Self::Xpays, Self::Xcash, Self::Xaigate, Self::Bitsby];

    pub(crate) fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.name() == name)
    }

    /// The name the control API uses: `xpay`, `xpays`, `xcash`, `xaigate`, `bitsby`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Xpay => "xpay",
            Self::Xpays => "xpays",
            Self::Xcash => "xcash",
            Self::Xaigate => "xaigate",
            Self::Bitsby => "bitsby",
        }
    }

    /// Position in [`Gateway::ALL`].
    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// The gateway a request path belongs to (by prefix), if any.
    pub(crate) fn of_path(path: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.owns(path))
    }

    /// Whether `path` starts with one of the gateway's prefixes.
    pub(crate) fn owns(self, path: &str) -> bool {
        self.prefixes().iter().any(|p| path.starts_with(p))
    }

    fn prefixes(self) -> &'static [&'static str] {
        match self {
            Self::Xpay => &["/client/"],
            Self::Xpays => &["/v1/payment/"],
            Self::Xcash => &["/v1/invoice"],
            Self::Xaigate => &["/api/v1/"],
            Self::Bitsby => &["/invoices/", "/payments/"],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_belong_to_one_gateway() {
        assert_eq!(Gateway::of_path("/v1/invoice/INV1"), Some(Gateway::Xcash));
        assert_eq!(Gateway::of_path("/v1/payment/info"), Some(Gateway::Xpays));
        assert_eq!(Gateway::of_path("/payments/list"), Some(Gateway::Bitsby));
        assert_eq!(Gateway::of_path("/_sandbox/requests"), None);
        assert_eq!(Gateway::parse("xaigate"), Some(Gateway::Xaigate));
        assert_eq!(Gateway::Bitsby.index(), 4);
    }
}
