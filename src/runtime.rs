//! Runs the core's commands: each gateway call is a tokio task whose result
//! comes back to the face as a core event on a channel. The face never waits
//! on the network.

use crate::core::desk::{Command, Event};
use crate::core::invoice::Reference;
use crate::core::problem::{Problem, ProblemKind};
use crate::gateway::{CreateRequest, GatewayError, Registry};
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;

#[derive(Clone)]
pub struct Runtime {
    registry: Arc<Registry>,
    events: UnboundedSender<Event>,
}

fn not_configured(provider: &str) -> Problem {
    Problem::new(
        ProblemKind::Refused,
        format!(
            "The gateway {provider} is not configured on this till. Ask the owner to add it to the config file."
        ),
    )
}

fn to_problem(what: &str, reference: &Reference, e: &GatewayError) -> Problem {
    tracing::warn!(%reference, error = %e, "{what} failed");
    e.problem()
}

impl Runtime {
    pub fn new(registry: Arc<Registry>, events: UnboundedSender<Event>) -> Runtime {
        Runtime { registry, events }
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Starts the command; its event arrives on the channel later.
    pub fn run(&self, command: Command) {
        let registry = self.registry.clone();
        let events = self.events.clone();
        tokio::spawn(async move {
            let event = match command {
                Command::Create {
                    reference,
                    amount,
                    method,
                } => {
                    let result = match registry.get(method.provider) {
                        None => Err(not_configured(method.provider.name())),
                        Some(g) => {
                            tracing::info!(%reference, %method, amount = %amount, "creating invoice");
                            let request = CreateRequest {
                                reference: reference.clone(),
                                amount,
                                method: method.method,
                            };
                            g.create(&request)
                                .await
                                .map_err(|e| to_problem("create", &reference, &e))
                        }
                    };
                    if let Ok(inv) = &result {
                        tracing::info!(%reference, id = %inv.id, expires_at = %inv.expires_at, "invoice created");
                    }
                    Event::Created { reference, result }
                }
                Command::Poll(invoice) => {
                    let reference = invoice.reference.clone();
                    let result = match registry.get(invoice.method.provider) {
                        None => Err(not_configured(invoice.method.provider.name())),
                        Some(g) => g
                            .status(&invoice)
                            .await
                            .map_err(|e| to_problem("status", &reference, &e)),
                    };
                    if let Ok(r) = &result {
                        tracing::debug!(%reference, status = %r.status, raw = %r.raw, "polled");
                        if let crate::core::status::Status::Unknown(raw) = &r.status {
                            tracing::warn!(%reference, raw = %raw, "unknown status from the gateway");
                        }
                    }
                    Event::Polled { reference, result }
                }
                Command::Cancel(invoice) => {
                    let reference = invoice.reference.clone();
                    let result = match registry.get(invoice.method.provider) {
                        None => Err(not_configured(invoice.method.provider.name())),
                        Some(g) => g
                            .cancel(&invoice)
                            .await
                            .map_err(|e| to_problem("cancel", &reference, &e)),
                    };
                    Event::Canceled { reference, result }
                }
            };
            // The face may have gone (quit): nothing left to tell.
            let _ = events.send(event);
        });
    }
}
