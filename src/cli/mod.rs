//! The headless commands (`tern sync`, `tern list`, `tern addresses`, `tern password
//! set`), for scripts,
//! cron and benchmarks.

mod account;
mod addresses;
pub mod auth;
mod bodies;
mod client;
#[cfg(feature = "demo")]
mod demo;
mod list;
pub mod manual;
mod password;
mod running;
mod search;
pub mod setup;
mod sync;

pub use account::{open_account, AccountContext};
pub use addresses::addresses;
pub use client::{account_order, client_account};
#[cfg(feature = "demo")]
pub use demo::demo;

/// Without the `demo` feature the binary carries no test servers.
#[cfg(not(feature = "demo"))]
pub fn demo(_messages: usize) -> anyhow::Result<()> {
    anyhow::bail!(
        "this tern was built without the demo (it needs the test servers): run scripts/demo.sh, \
         or cargo run --features demo -- demo"
    )
}
pub use list::{list, print_rows, ListOptions};
pub use password::password_set;
pub use running::{ask_running, in_use};
pub use search::{search, SearchOptions};
pub use sync::{sync, sync_account, sync_every_account, SyncOptions};
