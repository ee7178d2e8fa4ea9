//! Xcash (xca.sh), written from `providers/xcash.md`. Where that file's
//! sections disagree, § What the server's code says wins (as the doc itself
//! says): signing, check order, error codes, field rules, HTTP 201/200, the
//! `sys_no` format and the chain codes below all come from that section.
//!
//! | Route | Auth | Doc section |
//! |---|---|---|
//! | `POST /v1/invoice` | signed (`XC-Appid`, `XC-Nonce`, `XC-Timestamp`, `XC-Signature`) | § Create invoice, § What the server's code says |
//! | `GET /v1/invoice/{sys_no}` | none | § Query status |
//! | `POST /v1/invoice/{sys_no}/select-method` | none | § Query status › Selecting a method |
//!
//! Errors are bare `{"code":"<string>","message":"…","detail":…}` with the
//! HTTP status of § Errors and limits, or Django REST framework's
//! `{"detail":"…"}` for unknown `sys_no`, wrong method or content type,
//! malformed JSON and throttling. Messages are English (the server's `en`
//! catalogue) or, with `english_messages: false`, Chinese whatever
//! `Accept-Language` says, as from a deployment that did not compile its
//! translations. A trailing slash or an unknown route under `/v1/invoice`
//! answers an HTML 403 page (measured on the real server).
//!
//! Expired is not final: a transfer made inside the window but seen after
//! expiry is attached to the expired invoice (`{"status":"expired",
//! "payment":{…,"status":"confirming"}}`), and the invoice turns
//! `completed` when it is confirmed (control actions `seen` and `pay` on an
//! expired invoice).
//!
//! The simulated project accepts USDT on `tron` only (`{"USDT":["tron"]}`).
//! Fiat is converted at fixed demo rates and made unique per waiting invoice
//! by adding micro-units (the doc's webhook sample: 29.99 USD → `29.870001`).
//!
//! Control routes (CONTROL.md): `GET /_sandbox/xcash/invoices` and
//! `POST /_sandbox/xcash/invoices/{sys_no or out_no}/{action}`; both answer
//! the status shape.
//!
//! | File | Holds |
//! |---|---|
//! | `options.rs` | [`XcashOptions`], the demo credentials, the project's one method |
//! | `wire.rs` | error codes and the create and status answers |
//! | `request.rs` | the request bodies, read as the server's serializers read them |
//! | `sign.rs` | the signature and the check order of a signed request |
//! | `ledger.rs` | the invoices, how they are shown, `pay_amount`, the throttles |
//! | `store.rs` | the project: signed-request nonces, control actions, seeding |
//! | `http.rs` | the routes |

mod http;
mod ledger;
mod options;
mod request;
mod sign;
mod store;
mod wire;

pub(crate) use http::router;
pub use options::{DEMO_XCASH_APPID, DEMO_XCASH_HMAC_KEY, XcashOptions};
pub(crate) use store::Store;
