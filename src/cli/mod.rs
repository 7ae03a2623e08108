//! The headless commands (`tern sync`, `tern list`, `tern password set`), for scripts,
//! cron and benchmarks.

mod account;
mod demo;
mod list;
mod sync;

pub use account::{open_account, AccountContext};
pub use demo::demo;
pub use list::{list, ListOptions};
pub use sync::{sync, SyncOptions};

/// `tern password set ACCOUNT`: reads a password without echo and stores it in the keyring.
pub fn password_set(config: &crate::config::Config, account: &str) -> anyhow::Result<()> {
    let (name, acct) = config.account(Some(account))?;
    let prompt = format!(
        "Password for {} ({}@{}): ",
        name, acct.imap.username, acct.imap.host
    );
    let pass = rpassword::prompt_password(prompt)?;
    let secret = crate::secrets::Secret::new(pass);
    match crate::secrets::store_in_keyring(name, &secret) {
        Ok(store) => {
            println!("Stored the password for {name} in the {store}.");
            if store == "kernel keyring" {
                println!("Note: the kernel keyring forgets it at reboot. Set `password-keyring = true` in [accounts.{name}.imap] to use it.");
            } else {
                println!("Set `password-keyring = true` in [accounts.{name}.imap] to use it.");
            }
            Ok(())
        }
        Err(e) => anyhow::bail!("{e}"),
    }
}
