//! The simulated Xcash project: its invoices behind a lock, the nonces of
//! signed requests, the control actions and seeding.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use axum::http::{HeaderMap, StatusCode};
use serde_json::json;

use super::ledger::{Invoice, Ledger, Stage, single_method};
use super::options::{CHAIN, CRYPTO, XcashOptions};
use super::request::{CreateInvoice, DURATION_MAX, DURATION_MIN};
use super::sign::{WINDOW_SECS, verify};
use super::wire::{Code, ConfirmProgress, Payment, Refusal, WireStatus};
use crate::seed::{SeedError, Seeded, Spec, object};
use crate::time::iso8601_s;
use crate::{lock, tron};

/// `title` of seeded invoices (till sends the shop's name).
const SEED_TITLE: &str = "Sandbox seed";
/// Confirmations required, shown in `payment.confirm_progress` (an object
/// on the real server; its fields are undocumented).
const CONFIRMATIONS: u32 = 19;

/// The simulated Xcash project.
pub(crate) struct Store {
    pub(super) opts: XcashOptions,
    pub(super) state: Mutex<Ledger>,
}

impl Store {
    pub(crate) fn new(opts: &XcashOptions) -> Self {
        Self { opts: opts.clone(), state: Mutex::new(Ledger::default()) }
    }

    /// The gateway's clock (wall clock + `clock_skew_ms`), epoch ms.
    pub(super) fn now_ms(&self) -> i64 {
        crate::now_ms().saturating_add(self.opts.clock_skew_ms)
    }

    /// § What the server's code says › Check order: the checks of
    /// [`verify`], then a reused nonce `1009`.
    pub(super) fn authenticate(&self, headers: &HeaderMap, body: &[u8], now: i64) -> Result<(), Refusal> {
        let nonce = verify(&self.opts, headers, body, now)?;
        let mut st = lock(&self.state);
        st.nonces.retain(|_, seen| now - *seen < WINDOW_SECS * 1000);
        if st.nonces.contains_key(nonce) {
            return Err(Code::Replay.refuse(json!("")));
        }
        st.nonces.insert(nonce.to_owned(), now);
        Ok(())
    }

    /// How long an invoice of `duration` minutes lives, in ms.
    pub(super) fn lifetime_ms(&self, duration_minutes: i64) -> i64 {
        match self.opts.expiry_override {
            Some(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
            None => duration_minutes.saturating_mul(60_000),
        }
    }

    // -- control API ---------------------------------------------------------

    pub(super) fn list(&self) -> Vec<WireStatus> {
        let now = self.now_ms();
        lock(&self.state).invoices.iter().map(|i| i.status_shape(now)).collect()
    }

    /// A control action (CONTROL.md): `pay` completes with a confirmed
    /// `payment`, `seen` attaches a transfer still confirming, `expire`
    /// expires, `weird` reads `refunding` (a status nobody documented).
    /// `completed` is final (409); an `expired` invoice still takes `pay`
    /// and `seen`: a transfer made inside the window but seen after the
    /// expiry task ran (xcash.md § Mapping to till: expired is not final at
    /// Xcash), dated inside the window. `partial` and `cancel` cannot be
    /// expressed (400).
    pub(super) fn act(&self, id: &str, action: &str) -> Result<WireStatus, (StatusCode, String)> {
        if !matches!(action, "pay" | "seen" | "expire" | "weird") {
            unsupported_action(action)?;
        }
        let now = self.now_ms();
        let mut st = lock(&self.state);
        let missing = || (StatusCode::NOT_FOUND, "no such invoice".to_owned());
        let idx = st.index(id).ok_or_else(missing)?;
        let status = st.invoices.get(idx).map_or("expired", |i| i.status(now));
        let late_credit = status == "expired" && matches!(action, "pay" | "seen");
        if status == "completed" || (status == "expired" && !late_credit) {
            return Err((StatusCode::CONFLICT, format!("cannot {action}: the invoice is {status}")));
        }
        // A payment through the hosted page: the buyer picked the method there.
        if matches!(action, "pay" | "seen") && st.invoices.get(idx).is_some_and(|i| i.selected.is_none()) {
            let (crypto, chain) = first_method(st.invoices.get(idx).map(|i| &i.methods));
            st.select(idx, &crypto, &chain, now);
        }
        let inv = st.invoices.get_mut(idx).ok_or_else(missing)?;
        // The transfer was made inside the window, whenever it is seen.
        let made_at = now.min(inv.expires_ms.saturating_sub(1000));
        if late_credit {
            inv.stage = Stage::Expired;
        }
        match action {
            "pay" => {
                let payment = match inv.payment.take() {
                    Some(seen) => seen.confirmed(),
                    None => transfer(inv, true, made_at),
                };
                inv.payment = Some(payment);
                inv.stage = Stage::Completed;
            }
            "seen" => {
                if inv.payment.is_none() {
                    inv.payment = Some(transfer(inv, false, made_at));
                }
            }
            "expire" => inv.stage = Stage::Expired,
            _ => inv.stage = Stage::Refunding,
        }
        Ok(inv.status_shape(now))
    }

    /// `POST /_sandbox/xcash/seed` (seed.rs): invoices as till's create
    /// would make them (`out_no` the reference, `methods` USDT on tron,
    /// selected at once when the server does), living `expire_minutes`
    /// (or `expiry_override`), whatever the 5–30 minutes of `duration`.
    /// The 100-waiting limit is not applied. `id` is the `sys_no`.
    pub(crate) fn seed(&self, spec: &Spec) -> Result<Vec<Seeded>, SeedError> {
        if spec.method != "usdt-tron" {
            return Err(SeedError::method(&spec.method, "usdt-tron"));
        }
        // What till sends: a `duration` the server accepts.
        let duration = i64::try_from(spec.expire_minutes).unwrap_or(i64::MAX).clamp(DURATION_MIN, DURATION_MAX);
        let requests = spec
            .references
            .iter()
            .map(|reference| {
                let body = object([
                    ("out_no", json!(reference)),
                    ("title", json!(SEED_TITLE)),
                    ("currency", json!(spec.currency)),
                    ("amount", json!(spec.amount)),
                    ("duration", json!(duration)),
                    ("methods", json!({ CRYPTO: [CHAIN] })),
                ]);
                CreateInvoice::parse(&body).map_err(|refusal| SeedError::refused(reference, refusal.describe()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let lifetime_ms = match self.opts.expiry_override {
            Some(_) => self.lifetime_ms(duration),
            None => spec.expire_ms(),
        };
        let now = self.now_ms();
        let mut st = lock(&self.state);
        if let Some(taken) = requests.iter().find(|r| st.by_out_no.contains_key(&r.out_no)) {
            return Err(SeedError::taken(&taken.out_no));
        }
        let mut taken = st.taken_amounts(None, now);
        let mut next_offset = HashMap::new();
        let mut seeded = Vec::with_capacity(requests.len());
        for req in requests {
            let single = single_method(&req.methods);
            let idx = st.insert(req, lifetime_ms, now);
            if self.opts.select_at_create
                && let Some((crypto, chain)) = single
            {
                st.select_among(idx, &crypto, &chain, now, &mut taken, &mut next_offset);
            }
            if let Some(inv) = st.invoices.get(idx) {
                seeded.push(Seeded {
                    id: inv.sys_no.clone(),
                    reference: inv.out_no.clone(),
                    created_at: iso8601_s(inv.created_ms),
                    expires_at: iso8601_s(inv.expires_ms),
                });
            }
        }
        Ok(seeded)
    }
}

/// Actions Xcash cannot express: HTTP 400 (CONTROL.md).
fn unsupported_action(action: &str) -> Result<(), (StatusCode, String)> {
    let why = match action {
        "partial" => "Xcash never reports a part payment",
        "cancel" => "Xcash has no cancel",
        _ => "unknown action for Xcash (pay, seen, expire, weird)",
    };
    Err((StatusCode::BAD_REQUEST, format!("{action}: {why}")))
}

/// The first `(crypto, chain)` of an invoice's methods (the project's only
/// one, USDT on tron).
fn first_method(methods: Option<&BTreeMap<String, Vec<String>>>) -> (String, String) {
    methods
        .and_then(|m| m.iter().find_map(|(crypto, chains)| chains.first().map(|c| (crypto.clone(), c.clone()))))
        .unwrap_or_else(|| (CRYPTO.to_owned(), CHAIN.to_owned()))
}

/// A transfer of exactly `pay_amount` to `pay_address`.
fn transfer(inv: &Invoice, confirmed: bool, now: i64) -> Payment {
    let (crypto, chain) = inv.selected.clone().unwrap_or_else(|| (CRYPTO.to_owned(), CHAIN.to_owned()));
    let block_bytes = crate::random_bytes::<2>();
    Payment {
        chain,
        block: 70_000_000 + u64::from(u16::from_be_bytes(block_bytes)),
        hash: crate::hex(&crate::random_bytes::<32>()),
        from_address: tron::Address::random().base58,
        to_address: inv.pay_address.clone().unwrap_or_default(),
        crypto,
        amount: inv.pay_amount.map(|a| a.normalize().to_string()).unwrap_or_default(),
        datetime: iso8601_s(now),
        status: if confirmed { "confirmed" } else { "confirming" },
        confirm_progress: ConfirmProgress::new(if confirmed { CONFIRMATIONS } else { 1 }, CONFIRMATIONS),
    }
}
