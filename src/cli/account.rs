//! Turning a config account into connection settings and an open cache.

use std::sync::Arc;
use std::time::Duration;
use tern_core::cache::{self, Cache};
use tern_core::config::{Account, AuthMethod, Config};
use tern_core::imap::ConnectSettings;
use tern_core::oauth2::{OAuth2Settings, TokenSource};

/// An account ready to use: its name, settings and cache.
pub struct AccountContext {
    pub name: String,
    pub account: Account,
    pub cache: Arc<Cache>,
    /// `auth = "oauth2"`: the access tokens, one source for IMAP and SMTP.
    pub oauth: Option<Arc<TokenSource>>,
}

/// The account's OAuth2 token source, when IMAP or SMTP logs in with `auth = "oauth2"`.
pub fn token_source(name: &str, account: &Account) -> anyhow::Result<Option<Arc<TokenSource>>> {
    let used = account.imap.auth == AuthMethod::Oauth2
        || account
            .smtp
            .as_ref()
            .is_some_and(|s| s.auth == AuthMethod::Oauth2);
    match &account.oauth2 {
        Some(c) if used => Ok(Some(Arc::new(TokenSource::new(
            OAuth2Settings::from_config(name, c)?,
        )))),
        _ => Ok(None),
    }
}

/// Default bytes of bodies kept in the cache.
pub const DEFAULT_BODY_CACHE_MB: u64 = 2048;

/// Opens the account's cache, printing any notice (for example a rebuild) to stderr.
pub fn open_account(config: &Config, name: Option<&str>) -> anyhow::Result<AccountContext> {
    open_account_with(config, name, cache::MEMORY_BUDGET)
}

/// `open_account`, with redb keeping at most `memory` bytes of pages.
pub fn open_account_with(
    config: &Config,
    name: Option<&str>,
    memory: usize,
) -> anyhow::Result<AccountContext> {
    let (name, account) = config.account(name)?;
    let budget = config
        .general
        .body_cache_mb
        .unwrap_or(DEFAULT_BODY_CACHE_MB)
        << 20;
    let (cache, notice) = cache::open_with_memory(&config.cache_dir(), name, budget, memory)?;
    if let Some(n) = notice {
        eprintln!("tern: {}", n.0);
        tracing::warn!("{}", n.0);
    }
    Ok(AccountContext {
        name: name.to_string(),
        account: account.clone(),
        cache: Arc::new(cache),
        oauth: token_source(name, account)?,
    })
}

impl AccountContext {
    /// Connection settings with the secret resolved (may prompt when `interactive`).
    pub fn connect_settings(
        &self,
        trace: bool,
        interactive: bool,
    ) -> anyhow::Result<ConnectSettings> {
        let imap = &self.account.imap;
        let oauth = (imap.auth == AuthMethod::Oauth2)
            .then(|| self.oauth.clone())
            .flatten();
        let secret = match oauth {
            // Asked of the provider at each login.
            Some(_) => tern_core::secrets::Secret::new(""),
            None => tern_core::secrets::resolve(&self.name, imap, interactive)?,
        };
        Ok(ConnectSettings {
            login: tern_core::login::LoginSettings {
                host: imap.host.clone(),
                port: imap.port(),
                security: imap.security,
                username: imap.username.clone(),
                auth: imap.auth,
                ca_certificate: imap.ca_certificate.clone(),
                secret,
                password_command: imap.password_command.clone(),
                oauth,
            },
            trace,
            timeout: Duration::from_secs(30),
            label: format!("{}/sync", self.name),
        })
    }

    /// How this account sends mail, with the SMTP secret resolved now (a prompt, if
    /// any, comes before the screen is taken). None: sending is not set up.
    pub fn transport(
        &self,
        interactive: bool,
    ) -> anyhow::Result<Option<tern_core::compose::send::Transport>> {
        use tern_core::compose::send::{SmtpSettings, Transport};
        if let Some(cmd) = self.account.sendmail() {
            return Ok(Some(Transport::Sendmail(cmd.to_vec())));
        }
        let Some(smtp) = &self.account.smtp else {
            return Ok(None);
        };
        let (Some(host), Some(security), Some(username)) =
            (smtp.host.clone(), smtp.security, smtp.username.clone())
        else {
            return Ok(None);
        };
        let oauth = (smtp.auth == AuthMethod::Oauth2)
            .then(|| self.oauth.clone())
            .flatten();
        let secret = match &smtp.password_command {
            // Run at each send (tokens expire); nothing to keep now.
            Some(_) => tern_core::secrets::Secret::new(""),
            None if oauth.is_some() => tern_core::secrets::Secret::new(""),
            None => tern_core::secrets::resolve_route(
                &self.name,
                None,
                smtp.password_keyring,
                &format!("{username}@{host} (SMTP)"),
                interactive,
            )?,
        };
        Ok(Some(Transport::Smtp(SmtpSettings {
            port: smtp.port(),
            host,
            security,
            username,
            auth: smtp.auth,
            ca_certificate: smtp.ca_certificate.clone(),
            secret,
            password_command: smtp.password_command.clone(),
            oauth,
        })))
    }
}
