//! The headless commands (`tern sync`, `tern list`, `tern password set`), for scripts,
//! cron and benchmarks.

mod account;
mod demo;
mod list;
mod password;
mod sync;

pub use account::{open_account, AccountContext};
pub use demo::demo;
pub use list::{list, ListOptions};
pub use password::password_set;
pub use sync::{sync, SyncOptions};
