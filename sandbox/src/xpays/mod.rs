//! xpays.life, written from `providers/xpays.md`.
//!
//! | Route | Doc section |
//! |---|---|
//! | `POST /v1/payment/createInvoicePayment` | § Create invoice |
//! | `GET /v1/payment/info?id=<id>` | § Query status |
//!
//! Both are signed (§ Authentication / signing, with till's documented
//! assumption, the only one a sandbox can check): headers `x-api-key`,
//! `x-timestamp` (13-digit epoch ms) and `x-signature` = lowercase hex
//! HMAC-SHA256(secret_key, `{timestamp}{body}`) over the exact raw body
//! bytes (`""` for a GET; the query is not signed).
//!
//! Errors are `{"error":"<message>"}` (§ Errors and limits); HTTP codes are
//! undocumented, the sandbox's choices are: 403 `Forbidden` for a missing or
//! wrong API key, 401 `Invalid signature` for a bad signature or a timestamp
//! more than 5 minutes off, 400 for a bad request, 404 `Payment not found`,
//! and 400 `order_id already exists` for a create whose `order_id` is taken
//! (providers README § What till does when a create times out).
//!
//! Answers carry the 41 fields of the doc's create sample, same types:
//! create `{"data":{…}}`, info `{"data":{"payment":{…}}}` (the later docs'
//! wrapper, one of the three till accepts). Status values beyond the
//! sample's (`PENDING` / `PAYMENT_CHECKING`) are undocumented; the control
//! API uses those of till's mapping (§ Mapping to till): `COMPLETED`/`PAID`
//! with `is_completed: true`, `EXPIRED`, `CANCELED`, and `ON_HOLD`/
//! `MANUAL_REVIEW` for "weird". Money after the expiry (the control `pay`
//! on an `EXPIRED` payment) is credited late: `COMPLETED`, `is_completed`.
//!
//! Control routes (CONTROL.md): `GET /_sandbox/xpays/invoices` and
//! `POST /_sandbox/xpays/invoices/{id or order_id}/{action}`; both answer
//! the bare invoice object (the `payment` of the info answer).
//!
//! | File | Holds |
//! |---|---|
//! | `options.rs` | [`XpaysOptions`], the demo keys |
//! | `wire.rs` | the messages and the payment as sent |
//! | `request.rs` | the create request and its JSON body |
//! | `price.rs` | rates, `payment_amount`, the fee, how amounts are shown |
//! | `sign.rs` | the signature check |
//! | `store.rs` | the payments, their statuses, control actions, seeding |
//! | `http.rs` | the routes |

mod http;
mod options;
mod price;
mod request;
mod sign;
mod store;
mod wire;

pub(crate) use http::router;
pub use options::{DEMO_XPAYS_API_KEY, DEMO_XPAYS_SECRET_KEY, XpaysOptions};
pub(crate) use store::Store;
