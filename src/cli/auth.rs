//! `tern auth login|status|logout ACCOUNT`: OAuth2 grants, obtained by the device or the
//! browser flow, kept like passwords, revoked at logout.

use anyhow::Context;
use chrono::{DateTime, Local};
use std::io::Write;
use std::sync::Arc;
use tern_core::config::{AuthMethod, Config, OAuth2Flow};
use tern_core::oauth2::{self, GrantStore, OAuth2Settings, TokenSource};

fn settings_of(config: &Config, account: &str) -> anyhow::Result<OAuth2Settings> {
    let (name, acct) = config.account(Some(account))?;
    let Some(c) = &acct.oauth2 else {
        anyhow::bail!(
            "account {name:?} has no [accounts.{name}.oauth2] table: set provider and client-id \
             there, and auth = \"oauth2\" under [accounts.{name}.imap] (see `tern config example`)"
        );
    };
    Ok(OAuth2Settings::from_config(name, c)?)
}

/// `tern auth login ACCOUNT`: runs the account's flow, keeps the grant, and checks that
/// the server takes the token.
pub fn login(config: &Config, account: &str, trace: bool) -> anyhow::Result<()> {
    let s = settings_of(config, account)?;
    let mut out = std::io::stdout();
    let tokens = match s.flow {
        OAuth2Flow::Device => oauth2::device_login(&s, |code| {
            let minutes = code.expires_in.as_secs().div_ceil(60);
            let _ = writeln!(
                out,
                "To let tern read the mail of account {:?}, open this address in any browser:\n\n  {}\n\nand enter the code\n\n  {}\n\n(it expires in {minutes} minutes). Waiting for the approval...",
                s.account,
                tern_core::mail::sanitize(&code.verification_uri),
                tern_core::mail::sanitize(&code.user_code),
            );
            let _ = out.flush();
        }),
        OAuth2Flow::Browser => oauth2::browser_login(&s, |wait| {
            let _ = writeln!(
                out,
                "To let tern read the mail of account {:?}, open this address in a browser:\n\n  {}\n\nWaiting for the browser to come back to http://127.0.0.1:{}/ (from another machine: \
                 set redirect-port = {} in [accounts.{}.oauth2] and carry it with `ssh -L {}:127.0.0.1:{} this-host`)...",
                s.account, wait.url, wait.port, wait.port, s.account, wait.port, wait.port
            );
            let _ = out.flush();
        }),
    }?;
    let grant = oauth2::grant_of(&s, &tokens)?;
    let at = GrantStore::new(&s).save(&grant)?;
    println!("Logged in. The refresh token is kept in {at}.");
    let (_, acct) = config.account(Some(account))?;
    let source = Arc::new(TokenSource::new(s.clone()));
    source.seed_blocking(tokens.access.clone(), tokens.expires_at);
    if acct.imap.auth == AuthMethod::Oauth2 {
        check_imap(config, account, source.clone(), trace)?;
    }
    if acct
        .smtp
        .as_ref()
        .is_some_and(|s| s.auth == AuthMethod::Oauth2)
    {
        check_smtp(config, account, source)?;
    }
    Ok(())
}

/// Logs in to the SMTP server once with the token (sending nothing).
fn check_smtp(config: &Config, account: &str, source: Arc<TokenSource>) -> anyhow::Result<()> {
    let ctx = super::account::open_account(config, Some(account))?;
    let Some(tern_core::compose::send::Transport::Smtp(mut smtp)) = ctx.transport(false)? else {
        return Ok(());
    };
    smtp.oauth = Some(source);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(tern_core::compose::send::check(&smtp))
        .map_err(anyhow::Error::msg)
        .with_context(|| format!("the SMTP server {} did not take the token", smtp.addr()))?;
    println!("The SMTP server {} takes the token.", smtp.addr());
    Ok(())
}

/// Logs in to the IMAP server once with the new token, so a mistake shows now.
fn check_imap(
    config: &Config,
    account: &str,
    source: Arc<TokenSource>,
    trace: bool,
) -> anyhow::Result<()> {
    let ctx = super::account::open_account(config, Some(account))?;
    let mut settings = ctx.connect_settings(trace, false)?;
    settings.login.oauth = Some(source.clone());
    settings.label = format!("{account}/auth");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let conn = tern_core::imap::connect(&settings).await?;
        conn.logout().await;
        Ok::<_, tern_core::imap::ImapError>(())
    })
    .with_context(|| {
        format!(
            "the IMAP server {} did not take the token",
            settings.login.addr()
        )
    })?;
    println!("The IMAP server {} takes the token.", settings.login.addr());
    Ok(())
}

fn when(unix: i64) -> String {
    DateTime::from_timestamp(unix, 0)
        .map(|t| t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "?".into())
}

/// `tern auth status [ACCOUNT]`: each OAuth2 account's grant, its expiry and where it is.
pub fn status(config: &Config, account: Option<&str>) -> anyhow::Result<()> {
    let names: Vec<String> = match account {
        Some(a) => vec![config.account(Some(a))?.0.to_string()],
        None => super::account_order(config),
    };
    let now = chrono::Utc::now().timestamp();
    for name in names {
        let acct = &config.accounts[&name];
        let Some(c) = &acct.oauth2 else {
            println!(
                "{name}: logs in with {} (not OAuth2)",
                acct.imap.auth.as_str()
            );
            continue;
        };
        let s = OAuth2Settings::from_config(&name, c)?;
        let flow = match s.flow {
            OAuth2Flow::Device => "device",
            OAuth2Flow::Browser => "browser",
        };
        println!(
            "{name}: OAuth2 with {} (client {}, {flow} flow)",
            s.provider.as_str(),
            s.client_id
        );
        match GrantStore::new(&s).load()? {
            None => println!("  not logged in: run `tern auth login {name}`"),
            Some((g, at)) => {
                println!("  granted {} ({})", when(g.obtained_at), g.scopes.join(" "));
                if let Some(r) = g.refreshed_at {
                    println!("  last refreshed {}", when(r));
                }
                match g.access_expires_at {
                    Some(e) if e > now => println!(
                        "  the last access token expires {} (in {} min)",
                        when(e),
                        (e - now).div_euclid(60)
                    ),
                    Some(e) => println!(
                        "  the last access token expired {} (a new one is asked for at the next login)",
                        when(e)
                    ),
                    None => {}
                }
                println!("  kept in {at}");
            }
        }
    }
    Ok(())
}

/// `tern auth logout ACCOUNT`: revokes the grant where the provider can, then forgets it.
pub fn logout(config: &Config, account: &str) -> anyhow::Result<()> {
    let s = settings_of(config, account)?;
    let store = GrantStore::new(&s);
    let Some((grant, _)) = store.load()? else {
        println!(
            "Account {:?} has no OAuth2 grant kept: nothing to do.",
            s.account
        );
        return Ok(());
    };
    match oauth2::revoke(&s, &grant.refresh_secret()) {
        Ok(true) => println!("Revoked at the provider."),
        Ok(false) => println!(
            "{} offers no revocation: remove tern's access in your account's security settings if you want it gone there too.",
            s.provider.as_str()
        ),
        Err(e) => eprintln!(
            "tern: the provider did not revoke the grant ({e}); it is forgotten here all the same: remove tern's access in your account's security settings"
        ),
    }
    for at in store.forget()? {
        println!("Forgot the grant kept in {at}.");
    }
    Ok(())
}
