//! Payment methods, qualified by the gateway that serves them: `xpay:lightning`.

use std::fmt;
use std::str::FromStr;

/// A payment gateway the till can talk to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProviderId {
    Xpay,
    Xpays,
    Xcash,
    Xaigate,
    Bitsby,
}

impl ProviderId {
    pub const ALL: &[ProviderId] =
        &[ProviderId::Xpay, ProviderId::Xpays, ProviderId::Xcash, ProviderId::Xaigate, ProviderId::Bitsby];

    /// The id used in config sections and method names.
    pub fn id(self) -> &'static str {
        match self {
            ProviderId::Xpay => "xpay",
            ProviderId::Xpays => "xpays",
            ProviderId::Xcash => "xcash",
            ProviderId::Xaigate => "xaigate",
            ProviderId::Bitsby => "bitsby",
        }
    }

    /// The name shown to people.
    pub fn name(self) -> &'static str {
        match self {
            ProviderId::Xpay => "xPay",
            ProviderId::Xpays => "xpays.life",
            ProviderId::Xcash => "Xcash",
            ProviderId::Xaigate => "XaiGate",
            ProviderId::Bitsby => "Bitsby",
        }
    }

    /// The methods this gateway can serve at all (providers README).
    pub fn supported(self) -> &'static [MethodId] {
        use MethodId::*;
        match self {
            ProviderId::Xpay => &[Lightning, UsdtTron],
            ProviderId::Xpays | ProviderId::Xcash => &[UsdtTron],
            ProviderId::Xaigate => &[Checkout],
            ProviderId::Bitsby => &[UsdtTron, UsdtBsc, UsdtEthereum, Eth, Btc],
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
    UsdtBsc,
    UsdtEthereum,
    Eth,
    Btc,
    /// The gateway's hosted payment page: coin and network chosen there.
    Checkout,
}

impl MethodId {
    pub const ALL: &[MethodId] = &[
        MethodId::Lightning,
        MethodId::UsdtTron,
        MethodId::UsdtBsc,
        MethodId::UsdtEthereum,
        MethodId::Eth,
        MethodId::Btc,
        MethodId::Checkout,
    ];

    pub fn id(self) -> &'static str {
        match self {
            MethodId::Lightning => "lightning",
            MethodId::UsdtTron => "usdt-tron",
            MethodId::UsdtBsc => "usdt-bsc",
            MethodId::UsdtEthereum => "usdt-ethereum",
            MethodId::Eth => "eth",
            MethodId::Btc => "btc",
            MethodId::Checkout => "checkout",
        }
    }

    /// What the cashier reads in the picker.
    pub fn label(self) -> &'static str {
        match self {
            MethodId::Lightning => "Bitcoin Lightning",
            MethodId::UsdtTron => "USDT on TRON",
            MethodId::UsdtBsc => "USDT on BNB Smart Chain",
            MethodId::UsdtEthereum => "USDT on Ethereum",
            MethodId::Eth => "Ether",
            MethodId::Btc => "Bitcoin (on-chain)",
            MethodId::Checkout => "Payment page",
        }
    }

    /// The network line shown beside the QR: the customer must use this network.
    pub fn network(self) -> &'static str {
        match self {
            MethodId::Lightning => "Bitcoin · Lightning Network",
            MethodId::UsdtTron => "USDT · TRON (TRC-20)",
            MethodId::UsdtBsc => "USDT · BNB Smart Chain (BEP-20)",
            MethodId::UsdtEthereum => "USDT · Ethereum (ERC-20)",
            MethodId::Eth => "ETH · Ethereum",
            MethodId::Btc => "BTC · Bitcoin",
            MethodId::Checkout => "Coin and network chosen on the page",
        }
    }

    /// The unit of the crypto amount, where the method has one.
    pub fn unit(self) -> &'static str {
        match self {
            MethodId::Lightning => "sat",
            MethodId::UsdtTron | MethodId::UsdtBsc | MethodId::UsdtEthereum => "USDT",
            MethodId::Eth => "ETH",
            MethodId::Btc => "BTC",
            MethodId::Checkout => "",
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
    #[error("\"{0}\" is not a gateway till knows (known: xpay, xpays, xcash, xaigate, bitsby)")]
    Provider(String),
    #[error("\"{0}\" is not a payment method till knows (known: {known})", known = known_methods())]
    Method(String),
    #[error("{provider} has no method \"{}\" (it has {known})", method.id(), known = list(provider.supported()))]
    NotAtGateway { provider: ProviderId, method: MethodId },
}

impl FromStr for PaymentMethod {
    type Err = MethodError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (p, m) = s.split_once(':').ok_or_else(|| MethodError::Shape(s.to_string()))?;
        let provider = ProviderId::parse(p).ok_or_else(|| MethodError::Provider(p.to_string()))?;
        let method = MethodId::parse(m).ok_or_else(|| MethodError::Method(m.to_string()))?;
        if !provider.supported().contains(&method) {
            return Err(MethodError::NotAtGateway { provider, method });
        }
        Ok(PaymentMethod { provider, method })
    }
}

/// `a, b, c` of method ids.
pub fn list(methods: &[MethodId]) -> String {
    methods.iter().map(|m| m.id()).collect::<Vec<_>>().join(", ")
}

fn known_methods() -> String {
    list(MethodId::ALL)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_round_trip_through_their_qualified_names() {
        for name in ["xpay:lightning", "xpay:usdt-tron", "xpays:usdt-tron", "xcash:usdt-tron", "xaigate:checkout"]
            .into_iter()
            .chain(["bitsby:usdt-tron", "bitsby:usdt-bsc", "bitsby:usdt-ethereum", "bitsby:eth", "bitsby:btc"])
        {
            let m: PaymentMethod = name.parse().unwrap();
            assert_eq!(m.to_string(), name);
        }
    }

    #[test]
    fn bad_method_names_say_what_is_wrong() {
        assert_eq!("lightning".parse::<PaymentMethod>(), Err(MethodError::Shape("lightning".into())));
        assert_eq!("foo:lightning".parse::<PaymentMethod>(), Err(MethodError::Provider("foo".into())));
        assert_eq!("xpay:doge".parse::<PaymentMethod>(), Err(MethodError::Method("doge".into())));
        let err = "xcash:btc".parse::<PaymentMethod>().unwrap_err();
        assert_eq!(err.to_string(), "Xcash has no method \"btc\" (it has usdt-tron)");
    }
}
