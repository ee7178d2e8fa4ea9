//! XaiGate (wallet.xaigate.com), written from `providers/xaigate.md` only.
//!
//! | Route | xaigate.md section |
//! |---|---|
//! | `POST /api/v1/invoice/create` | § Create invoice |
//! | `POST /api/v1/invoice/info` | § Query status |
//! | `GET /_sandbox/xaigate/invoices` | control: every invoice, info shape |
//! | `POST /_sandbox/xaigate/invoices/{id}/{action}` | control: CONTROL.md § Invoice actions |
//!
//! **Auth** (§ Authentication / signing): `apiKey` is a field of the JSON
//! body; no headers, no signature. Bodies must be `application/json`
//! ("Parameter content type: application/json").
//!
//! **Answers.** Success is HTTP 200 with the invoice: exactly the 14 fields of
//! the completed sample in § Create invoice › Response, same order and types
//! (`amount`, `paidAmount` strings; `expiry` an integer in minutes; `orderId` a
//! JSON number when the reference is a plain integer, else a string; times ISO
//! 8601 UTC with microseconds and `Z`). Info answers the same fields.
//!
//! **Errors** are undocumented (§ Errors and limits); the sandbox's choice is
//! a JSON body `{"message": "…"}` with:
//!
//! | HTTP | `message` | When |
//! |---|---|---|
//! | 400 | `Content-Type must be application/json`, `body must be a JSON object`, `body is not valid JSON: …` | unreadable body |
//! | 401 | `Invalid apiKey` | `apiKey` missing or not the configured one |
//! | 400 | `<field> is required`, `<field> must be …` (always starts with the field name) | a missing or invalid field |
//! | 400 | `orderId already exists` | a create whose `orderId` (as text) is taken (providers README § What till does when a create times out) |
//! | 404 | `Invoice not found` | info for an unknown `invoiceNo` |
//!
//! **Statuses** (§ Query status): `Pending`, `PaidPartial`, `Paid`, `Expired`,
//! `Deleted`, as written. Past `createdAt` + `expiry` minutes (the doc's
//! assumption in § Mapping to till) a `Pending` or `PaidPartial` invoice reads
//! `Expired`, its `paidAmount` kept.
//!
//! Where the doc is silent, the sandbox chooses (and the tests pin):
//! - `amount` is echoed as the decimal text sent (a string, or a JSON number's
//!   text: `10` → `"10"`, `"4.50"` → `"4.50"`); at most 8 decimals.
//! - `orderId` is unique (compared as text: `10` and `"10"` are one); a
//!   control `{id}` that is an `orderId` picks the invoice carrying it.
//! - Money after the expiry (the control `pay` on an `Expired` invoice) is
//!   credited late: the invoice then reads `Paid`.
//! - `orderId` is echoed as a number when it is all digits, without a leading
//!   zero, and fits in a u64 (`"10"` → `10`, `"007"` → `"007"`).
//! - `toEmail` is the request's `email`; `toName` and `shopName` are the
//!   request's `shopName` (`""` when absent); `description` `""` when absent.
//! - `notifyUrl`, `successUrl`, `failUrl` are accepted (strings) and ignored.
//!
//! | File | Holds |
//! |---|---|
//! | `options.rs` | [`XaigateOptions`], the demo API key |
//! | `wire.rs` | the error messages, the invoice as sent, `orderId` |
//! | `request.rs` | the JSON body and its `apiKey`, create, amounts, control actions |
//! | `store.rs` | the invoices, their statuses, control actions, seeding |
//! | `http.rs` | the routes |

mod http;
mod options;
mod request;
mod store;
mod wire;

pub(crate) use http::router;
pub use options::{DEMO_XAIGATE_API_KEY, XaigateOptions};
pub(crate) use store::Store;
