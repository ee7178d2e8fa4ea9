//! The gateways: one folder each (`xpay/`, `xpays/`, `xcash/`, `xaigate/`,
//! `bitsby/`: adapter, wire types, config section, default limits, demo
//! values), behind one trait and one `Descriptor` each, listed in `catalog`.
//! None imports another. What they share is here once: the HTTP exchange
//! (`http`: pace, send, a redacted excerpt of a refusal), the checks of an
//! answer (`answer`), the section readers (`section`), the method check (the
//! registry's `Offered`), and the trait's defaults.

pub mod answer;
pub mod bitsby;
pub mod catalog;
pub mod descriptor;
pub mod error;
pub mod http;
pub mod json;
pub mod pace;
pub mod section;
pub mod sign;
pub mod verify;
pub mod xaigate;
pub mod xcash;
pub mod xpay;
pub mod xpays;

use crate::core::invoice::{Invoice, Reference, StatusPage, StatusReport};
use crate::core::method::{MethodId, PaymentMethod, ProviderId};
use crate::core::money::Money;
pub use error::GatewayError;
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What the till asks a gateway to bill.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateRequest {
    pub reference: Reference,
    pub amount: Money,
    pub method: MethodId,
    /// The same create again (the cashier's retry): look for the invoice first.
    pub retry: bool,
}

/// A payment gateway, as the till uses it.
pub trait Gateway: Send + Sync {
    fn provider(&self) -> ProviderId;

    /// The methods this gateway is configured to offer: by default every
    /// method the provider has.
    fn methods(&self) -> Vec<MethodId> {
        self.provider().supported().to_vec()
    }

    /// Creates an invoice and returns it only once its payload is verified.
    /// A create that may have reached the gateway is resolved the gateway's
    /// way (providers README § What till does when a create times out).
    fn create<'a>(&'a self, request: &'a CreateRequest) -> BoxFuture<'a, Result<Invoice, GatewayError>>;

    /// Looks for the invoice a create with this reference may have made
    /// (after a crash between sending the create and recording its answer).
    /// `Ok(None)`: the gateway has none. `Unsupported` (the default): it
    /// cannot be asked.
    fn find<'a>(&'a self, _request: &'a CreateRequest) -> BoxFuture<'a, Result<Option<Invoice>, GatewayError>> {
        let provider = self.provider();
        Box::pin(
            async move { Err(GatewayError::Unsupported { provider, what: "look an invoice up by our reference" }) },
        )
    }

    /// `find`, for a sale started at `since` (after a restart, however long
    /// the till was off): a gateway that lists by date looks from then.
    fn find_since<'a>(
        &'a self,
        request: &'a CreateRequest,
        _since: jiff::Timestamp,
    ) -> BoxFuture<'a, Result<Option<Invoice>, GatewayError>> {
        self.find(request)
    }

    /// The invoice's current status.
    fn status<'a>(&'a self, invoice: &'a Invoice) -> BoxFuture<'a, Result<StatusReport, GatewayError>>;

    /// One page (from 0) of the gateway's batch status listing, matched
    /// against `invoices` (all of this gateway): the reports of those on the
    /// page, and whether another page may hold more. `Unsupported` where the
    /// gateway has no batch call (the poll schedule knows which do).
    fn status_page<'a>(
        &'a self,
        _invoices: &'a [Invoice],
        _page: u32,
    ) -> BoxFuture<'a, Result<StatusPage, GatewayError>> {
        let provider = self.provider();
        Box::pin(async move { Err(GatewayError::Unsupported { provider, what: "list many invoices in one call" }) })
    }

    /// Whether the gateway can cancel an open invoice (by default it cannot).
    fn can_cancel(&self) -> bool {
        false
    }

    /// Cancels an open invoice. The result is confirmed by the next status
    /// poll. By default: `Unsupported`.
    fn cancel<'a>(&'a self, _invoice: &'a Invoice) -> BoxFuture<'a, Result<(), GatewayError>> {
        let provider = self.provider();
        Box::pin(async move { Err(GatewayError::Unsupported { provider, what: "cancel an invoice" }) })
    }

    /// One harmless authenticated call (`till config check --online`): what
    /// the gateway said, or why the credentials or the connection failed.
    fn check(&self) -> BoxFuture<'_, Result<String, GatewayError>>;

    /// Whether the first request logs in first (a request of its own at the
    /// gateway). By default: no.
    fn logs_in(&self) -> bool {
        false
    }

    /// Logs in now, when a session is needed and none is held (a till
    /// sharing an account logs in in a time slot of its own, not in the one
    /// of its first poll). By default: nothing to do.
    fn log_in(&self) -> BoxFuture<'_, Result<(), GatewayError>> {
        Box::pin(async { Ok(()) })
    }
}

/// Registry access for the config check.
impl Registry {
    pub fn all(&self) -> impl Iterator<Item = &Arc<dyn Gateway>> {
        self.gateways.values()
    }
}

/// Every configured gateway, by provider.
#[derive(Clone, Default)]
pub struct Registry {
    gateways: BTreeMap<ProviderId, Arc<dyn Gateway>>,
}

impl Registry {
    /// Adds a gateway. What the registry hands out checks, once for every
    /// gateway, that a create asks for a method the gateway offers.
    pub fn insert(&mut self, gateway: Arc<dyn Gateway>) {
        self.gateways.insert(gateway.provider(), Arc::new(Offered(gateway)));
    }

    pub fn get(&self, provider: ProviderId) -> Option<&Arc<dyn Gateway>> {
        self.gateways.get(&provider)
    }

    /// Every method offered, in config order per gateway.
    pub fn methods(&self) -> Vec<PaymentMethod> {
        self.gateways
            .values()
            .flat_map(|g| g.methods().into_iter().map(|m| PaymentMethod::new(g.provider(), m)))
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.gateways.is_empty()
    }
}

/// A gateway that refuses a create for a method it does not offer, before
/// the adapter sees it; everything else goes straight through.
struct Offered(Arc<dyn Gateway>);

impl Gateway for Offered {
    fn provider(&self) -> ProviderId {
        self.0.provider()
    }

    fn methods(&self) -> Vec<MethodId> {
        self.0.methods()
    }

    fn create<'a>(&'a self, request: &'a CreateRequest) -> BoxFuture<'a, Result<Invoice, GatewayError>> {
        if !self.0.methods().contains(&request.method) {
            let provider = self.0.provider();
            tracing::warn!(provider = provider.id(), method = request.method.id(), "a create for a method not offered");
            return Box::pin(async move { Err(GatewayError::Unsupported { provider, what: "serve this method" }) });
        }
        self.0.create(request)
    }

    fn find<'a>(&'a self, request: &'a CreateRequest) -> BoxFuture<'a, Result<Option<Invoice>, GatewayError>> {
        self.0.find(request)
    }

    fn find_since<'a>(
        &'a self,
        request: &'a CreateRequest,
        since: jiff::Timestamp,
    ) -> BoxFuture<'a, Result<Option<Invoice>, GatewayError>> {
        self.0.find_since(request, since)
    }

    fn status<'a>(&'a self, invoice: &'a Invoice) -> BoxFuture<'a, Result<StatusReport, GatewayError>> {
        self.0.status(invoice)
    }

    fn status_page<'a>(
        &'a self,
        invoices: &'a [Invoice],
        page: u32,
    ) -> BoxFuture<'a, Result<StatusPage, GatewayError>> {
        self.0.status_page(invoices, page)
    }

    fn can_cancel(&self) -> bool {
        self.0.can_cancel()
    }

    fn cancel<'a>(&'a self, invoice: &'a Invoice) -> BoxFuture<'a, Result<(), GatewayError>> {
        self.0.cancel(invoice)
    }

    fn check(&self) -> BoxFuture<'_, Result<String, GatewayError>> {
        self.0.check()
    }

    fn logs_in(&self) -> bool {
        self.0.logs_in()
    }

    fn log_in(&self) -> BoxFuture<'_, Result<(), GatewayError>> {
        self.0.log_in()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// A gateway that offers TRON only and notes whether a create reached it.
    #[derive(Default)]
    struct Tron {
        reached: AtomicBool,
    }

    impl Gateway for Tron {
        fn provider(&self) -> ProviderId {
            ProviderId::Xcash
        }

        fn create<'a>(&'a self, _: &'a CreateRequest) -> BoxFuture<'a, Result<Invoice, GatewayError>> {
            self.reached.store(true, Ordering::SeqCst);
            Box::pin(async { Err(GatewayError::Refused { provider: ProviderId::Xcash, message: "test".into() }) })
        }

        fn status<'a>(&'a self, _: &'a Invoice) -> BoxFuture<'a, Result<StatusReport, GatewayError>> {
            Box::pin(async { Ok(answer::unknown("test")) })
        }

        fn check(&self) -> BoxFuture<'_, Result<String, GatewayError>> {
            Box::pin(async { Ok(String::new()) })
        }
    }

    #[tokio::test]
    async fn a_method_not_offered_is_refused_before_the_adapter_and_the_defaults_refuse_plainly() {
        let tron = Arc::new(Tron::default());
        let mut registry = Registry::default();
        registry.insert(tron.clone());
        let Some(g) = registry.get(ProviderId::Xcash) else { panic!("registered") };
        let request = |method| CreateRequest {
            reference: Reference::parse("r1").unwrap(),
            amount: Money::new(rust_decimal::Decimal::ONE, crate::core::money::Currency::from_code("USD").unwrap()),
            method,
            retry: false,
        };
        let e = g.create(&request(MethodId::Btc)).await.unwrap_err();
        assert!(matches!(e, GatewayError::Unsupported { what: "serve this method", .. }), "{e}");
        assert!(!tron.reached.load(Ordering::SeqCst));
        assert!(matches!(g.create(&request(MethodId::UsdtTron)).await, Err(GatewayError::Refused { .. })));
        assert!(tron.reached.load(Ordering::SeqCst));
        assert!(matches!(g.find(&request(MethodId::UsdtTron)).await, Err(GatewayError::Unsupported { .. })));
        assert!(!g.can_cancel());
        assert_eq!(registry.methods(), vec![PaymentMethod::new(ProviderId::Xcash, MethodId::UsdtTron)]);
    }
}
