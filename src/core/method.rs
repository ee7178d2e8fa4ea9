//! Payment methods, qualified by the gateway that serves them: `xpay:lightning`.

use std::fmt;
use std::str::FromStr;

/// A payment gateway the till can talk to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProviderId {
    Xpay,
}

impl ProviderId {
    pub const ALL: &[ProviderId] = &[ProviderId::Xpay];

    /// The id used in config sections and method names.
    pub fn id(self) -> &'static str {
        match self {
            ProviderId::Xpay => "xpay",
        }
    }

    /// The name shown to people.
    pub fn name(self) -> &'static str {
        match self {
            ProviderId::Xpay => "xPay",
        }
    }

    pub fn parse(s: &str) -> Option<ProviderId> {
        ProviderId::ALL.iter().copied().find(|p| p.id() == s)
    }
}

impl fmt::Display for ProviderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How the customer pays, independent of the gateway.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MethodId {
    Lightning,
    UsdtTron,
}

impl MethodId {
    pub const ALL: &[MethodId] = &[MethodId::Lightning, MethodId::UsdtTron];

    pub fn id(self) -> &'static str {
        match self {
            MethodId::Lightning => "lightning",
            MethodId::UsdtTron => "usdt-tron",
        }
    }

    /// What the cashier reads in the picker.
    pub fn label(self) -> &'static str {
        match self {
            MethodId::Lightning => "Bitcoin Lightning",
            MethodId::UsdtTron => "USDT on TRON",
        }
    }

    /// The network line shown beside the QR.
    pub fn network(self) -> &'static str {
        match self {
            MethodId::Lightning => "Bitcoin · Lightning Network",
            MethodId::UsdtTron => "USDT · TRON (TRC-20)",
        }
    }

    pub fn parse(s: &str) -> Option<MethodId> {
        MethodId::ALL.iter().copied().find(|m| m.id() == s)
    }
}

/// A method at a gateway.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PaymentMethod {
    pub provider: ProviderId,
    pub method: MethodId,
}

impl PaymentMethod {
    pub fn new(provider: ProviderId, method: MethodId) -> PaymentMethod {
        PaymentMethod { provider, method }
    }

    /// `Bitcoin Lightning (xPay)`.
    pub fn label(&self) -> String {
        format!("{} ({})", self.method.label(), self.provider.name())
    }
}

impl fmt::Display for PaymentMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.provider.id(), self.method.id())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MethodError {
    #[error("\"{0}\" is not a method: write it as gateway:method, e.g. xpay:lightning")]
    Shape(String),
    #[error("\"{0}\" is not a gateway till knows (known: xpay)")]
    Provider(String),
    #[error("\"{0}\" is not a payment method till knows (known: lightning, usdt-tron)")]
    Method(String),
}

impl FromStr for PaymentMethod {
    type Err = MethodError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (p, m) = s.split_once(':').ok_or_else(|| MethodError::Shape(s.to_string()))?;
        let provider = ProviderId::parse(p).ok_or_else(|| MethodError::Provider(p.to_string()))?;
        let method = MethodId::parse(m).ok_or_else(|| MethodError::Method(m.to_string()))?;
        Ok(PaymentMethod { provider, method })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_round_trip_through_their_qualified_names() {
        for name in ["xpay:lightning", "xpay:usdt-tron"] {
            let m: PaymentMethod = name.parse().unwrap();
            assert_eq!(m.to_string(), name);
        }
    }

    #[test]
    fn bad_method_names_say_what_is_wrong() {
        assert_eq!("lightning".parse::<PaymentMethod>(), Err(MethodError::Shape("lightning".into())));
        assert_eq!("foo:lightning".parse::<PaymentMethod>(), Err(MethodError::Provider("foo".into())));
        assert_eq!("xpay:doge".parse::<PaymentMethod>(), Err(MethodError::Method("doge".into())));
    }
}
