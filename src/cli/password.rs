//! `tern password set ACCOUNT`: store a password in the OS keyring.

use std::io::IsTerminal;
use tern_core::secrets::{store_in_keyring, Secret};

/// Reads the password without echo (or the first line of standard input when that is not
/// a terminal, for scripts) and stores it; says which store took it.
pub fn password_set(config: &tern_core::config::Config, account: &str) -> anyhow::Result<()> {
    let (name, acct) = config.account(Some(account))?;
    let pass = if std::io::stdin().is_terminal() {
        let prompt = format!(
            "Password for {} ({}@{}): ",
            name, acct.imap.username, acct.imap.host
        );
        rpassword::prompt_password(prompt)?
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_string()
    };
    anyhow::ensure!(!pass.is_empty(), "no password given; nothing stored");
    let store = store_in_keyring(name, &Secret::new(pass))?;
    println!("Stored the password for {name} in the {store}.");
    if store == "kernel keyring" {
        println!("Note: the kernel keyring forgets it at reboot.");
    }
    if !acct.imap.password_keyring {
        println!("Set `password-keyring = true` in [accounts.{name}.imap] to use it.");
    }
    Ok(())
}
