//! What the screens read: the shop, the till's state as a read-only
//! context for their keys, and the frame's view for their drawing (the time
//! in it: drawing never reads a clock, nor the `App`).

use super::keys::Setup;
use crate::core::desk::Desk;
use crate::core::method::{PaymentMethod, ProviderId};
use crate::core::money::Currency;
use jiff::Timestamp;
use rust_decimal::Decimal;

/// What the shop is, as the screens show it.
#[derive(Clone, Debug)]
pub struct ShopInfo {
    pub name: String,
    pub terminal: String,
    pub currency: Currency,
    pub max_amount: Decimal,
    pub timezone: jiff::tz::TimeZone,
}

/// What the screens read of the till (never change).
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub desk: &'a Desk,
    pub shop: &'a ShopInfo,
    pub methods: &'a [PaymentMethod],
    /// The gateways that can cancel an invoice (at the others, `c` sets
    /// an invoice aside).
    pub cancelable: &'a [ProviderId],
    pub setup: Setup,
}

impl Ctx<'_> {
    pub fn now(&self) -> Timestamp {
        self.desk.now
    }
}

/// What every screen draws from in one frame, built once per frame.
#[derive(Clone, Copy)]
pub struct View<'a> {
    /// The time of the frame.
    pub now: Timestamp,
    pub ctx: Ctx<'a>,
    /// The news line.
    pub flash: Option<&'a str>,
}
