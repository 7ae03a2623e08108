//! What the interactive client is given: every account's settings (secrets resolved
//! before the screen is taken over) and the `[general]` options.

use super::account::{open_account_with, AccountContext};
use tern_core::config::Config;

/// The accounts in the order the client and `tern sync` take them: the default first,
/// then by name.
pub fn account_order(config: &Config) -> Vec<String> {
    let mut names: Vec<&String> = config.accounts.keys().collect();
    names.sort_by_key(|n| (!config.accounts[*n].default, (*n).clone()));
    names.into_iter().cloned().collect()
}

/// One account made ready for the client.
pub fn client_account(
    config: &Config,
    name: &str,
    trace: bool,
    interactive: bool,
) -> anyhow::Result<tern_client::runner::AccountSetup> {
    let ctx: AccountContext =
        open_account_with(config, Some(name), tern_core::cache::CLIENT_MEMORY_BUDGET)?;
    // Asked before the screen is taken over, when there is no command or keyring.
    let settings = ctx.connect_settings(trace, interactive)?;
    let transport = ctx.transport(interactive)?;
    let a = &ctx.account;
    let opts = tern_core::imap::worker::WorkerOptions {
        folders: a.folders.clone(),
        watch: a.watch.clone().unwrap_or_else(|| vec!["INBOX".to_string()]),
        status_every: std::time::Duration::from_secs(a.poll_seconds.unwrap_or(60)),
        prefetch: a.prefetch(),
        ..Default::default()
    };
    let (identity, problem) = tern_core::compose::Identity::of_account(a);
    if let Some(p) = problem {
        // Said before the screen is taken; mail is read and written all the same.
        eprintln!("tern: {}: {p}; writing without a signature", ctx.name);
        tracing::warn!("{p}");
    }
    Ok(tern_client::runner::AccountSetup {
        name: ctx.name.clone(),
        settings,
        opts,
        folders: a.folders.clone(),
        identity: Some(identity),
        transport,
        save_sent: a.saves_sent(),
        password_prompted: a.imap.password_command.is_none()
            && !a.imap.password_keyring
            && a.imap.auth != tern_core::config::AuthMethod::Oauth2,
        control_socket: Some(tern_core::control::socket_path(
            &config.cache_dir(),
            &ctx.name,
        )),
        address_book_command: a.address_book_command.clone(),
        cache: ctx.cache,
    })
}
