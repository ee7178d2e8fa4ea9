//! Bitsby (bitsby.app), written from `providers/bitsby.md` only.
//!
//! | Route | bitsby.md section |
//! |---|---|
//! | `POST /invoices/create` | § Create invoice |
//! | `POST /invoices/list` | § Query status |
//! | `POST /invoices/cancel` | § Cancel |
//! | `POST /payments/list` | § Query status › Payments |
//! | `GET /_sandbox/bitsby/invoices` | control: every invoice, list-item shape |
//! | `POST /_sandbox/bitsby/invoices/{id}/{action}` | control: CONTROL.md § Invoice actions |
//!
//! **Auth** (§ Authentication / signing): `Authorization: Token <token>`.
//! Missing or wrong: HTTP 401 `{"result":"error","data":"Invalid token"}`
//! (the message and the 401 are the sandbox's choice).
//!
//! **Rate limit** (§ Errors and limits, "1 request per second per key"): a
//! request with the token less than `min_interval` after the token's previous
//! *admitted* request gets HTTP 200 `{"result":"error","data":"Requests too
//! frequent"}` (doc, verbatim) and is not processed; it does not count as a
//! request itself, so waiting `min_interval` after the last admitted one is
//! always enough. Every gateway route counts (an error answer too); control
//! routes do not.
//!
//! **Requests** are multipart/form-data (every curl; § Unknowns). A request
//! with no body at all reads as an empty form; any other non-multipart body is
//! refused.
//!
//! **Envelope** (§ Errors and limits): `{"result":"success","data":…}` or
//! `{"result":"error","data":"<message>"}`, HTTP 200 (except the 401 above).
//! Like the doc's sample (a PHP server), every `/` in a string is written
//! `\/`. Error messages (the sandbox's choice, no codes exist):
//!
//! | `data` | When |
//! |---|---|
//! | `Requests too frequent` | rate limit (doc) |
//! | `Request must be multipart/form-data` | another body type |
//! | `Malformed multipart body: <detail>` | a multipart body that does not parse |
//! | `<param> is required` | a required parameter missing or empty |
//! | `<param> is invalid: <what is wanted>` | a parameter out of its domain |
//! | `Project not found` | create with another `projectId` |
//! | `The project has no wallets` | create while no wallet is configured |
//! | `Invoice not found` | cancel of an unknown `invoiceId` |
//! | `The invoice cannot be canceled: the payment page has been viewed` | cancel, `unpaid` with `views` > 0 |
//! | `The invoice cannot be canceled: it is <status>` | cancel of a non-`unpaid` invoice |
//!
//! Where the doc is silent, the sandbox chooses (and the tests pin):
//! - Wallets are the project's, fixed for the store's life: one id and one
//!   address each; the EVM wallets share one EIP-55 address (as in the
//!   sample), TRON gets a base58check address, Bitcoin a regtest bech32 one.
//! - `amountCrypto` (8 decimals) comes from fixed rates (1 EUR = 1.08 USD,
//!   1 RUB = 0.011 USD, 1 ETH = 3500 USD, 1 BTC = 60000 USD, other coins
//!   1 USD) plus a per-invoice offset so that amounts never repeat: the
//!   invoice's sequence number n (1, 2, …) in millionths for USDT (USDT has 6
//!   decimals on TRON) and in 10⁻⁸ for the others.
//! - `amountFiatUSD` is `amountFiat` at those rates; `commissionFiatUSD` is
//!   1 % of it (the list sample's `1.00` for `100.00`), both rounded half up.
//! - `/invoices/list` and `/payments/list` answer newest first; `limit` is
//!   1–100; `startDate` and `endDate` are inclusive, compared with the UTC date
//!   of `createDatetime` (payments: `transactionDatetime`). A filter on another
//!   `projectId` gives an empty list.
//! - `/invoices/cancel` answers the canceled invoice (list-item shape).
//! - A late credit: the doc has `expired` for an invoice nobody paid in
//!   time and says payments are found only while invoices are active, yet
//!   lets a payment be bound to an invoice afterwards (§ Cancel, "Binding a
//!   payment"). So an `expired` invoice may still become `paid`: control
//!   `pay` on it stands for a transfer made in the window but seen after the
//!   expiry, dated the window's last second. `canceled` and `paid` stay.
//! - A payment to any wallet of the invoice (control `pay` with
//!   `{"wallet":…}`) is listed by `/payments/list` with that wallet (its
//!   `blockchain`, `cryptocurrency`, `address`), exactly its `amountCrypto`
//!   and a hash in that chain's spelling.
//!
//! | File | Holds |
//! |---|---|
//! | `options.rs` | [`BitsbyOptions`], [`BitsbyWallet`], the demo token and project |
//! | `wire.rs` | the messages, the answer shapes, the envelope |
//! | `request.rs` | the form and the parameters of each route; control actions |
//! | `ledger.rs` | invoices, payments, and how amounts are priced |
//! | `store.rs` | the account: wallets, rate limit, what each route does |
//! | `http.rs` | the routes |

mod http;
mod ledger;
mod options;
mod request;
mod store;
mod wire;

pub(crate) use http::router;
pub use options::{BitsbyOptions, BitsbyWallet, DEMO_BITSBY_PROJECT_ID, DEMO_BITSBY_TOKEN};
pub(crate) use store::Store;
