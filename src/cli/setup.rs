//! `tern setup`: from an address to a working account. The servers come from the flags,
//! else a built-in preset, else Mozilla autoconfig, else questions; the secret's route is
//! chosen (keyring, a command, OAuth2); the IMAP login and the SMTP handshake are tried;
//! then the account is written into the config beside what is there.
//! With `--yes` (or no terminal) nothing is asked: what is missing is an error naming
//! the flag.

use anyhow::{bail, Context};
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use tern_core::config::{OAuth2Flow, OAuth2Provider, Security};
use tern_core::secrets::Secret;
use tern_core::setup::{self, Found, NewAccount, SecretRoute, Server};

/// The flags, named after the config keys.
#[derive(Debug, Default, Clone)]
pub struct SetupArgs {
    pub account: Option<String>,
    pub email: Option<String>,
    pub name: Option<String>,
    pub imap_host: Option<String>,
    pub imap_port: Option<u16>,
    pub imap_security: Option<Security>,
    pub username: Option<String>,
    pub password_command: Option<String>,
    pub keyring: bool,
    pub smtp_host: Option<String>,
    pub smtp_port: Option<u16>,
    pub smtp_security: Option<Security>,
    pub oauth2_provider: Option<OAuth2Provider>,
    pub client_id: Option<String>,
    pub flow: Option<OAuth2Flow>,
    pub autoconfig_url: Option<String>,
    pub ca_certificate: Option<std::path::PathBuf>,
    pub no_check: bool,
    pub yes: bool,
}

struct Asker {
    interactive: bool,
    input: std::io::StdinLock<'static>,
}

impl Asker {
    /// Asks on the terminal, `default` taken on an empty answer; without a terminal,
    /// the default or an error naming `flag`.
    fn ask(&mut self, question: &str, default: Option<&str>, flag: &str) -> anyhow::Result<String> {
        if !self.interactive {
            return default.map(str::to_string).with_context(|| {
                format!(
                    "{flag} is needed (tern setup asks nothing with --yes or without a terminal)"
                )
            });
        }
        loop {
            match default {
                Some(d) if !d.is_empty() => print!("{question} [{d}]: "),
                _ => print!("{question}: "),
            }
            std::io::stdout().flush()?;
            let mut line = String::new();
            if self.input.read_line(&mut line)? == 0 {
                bail!("no answer (end of input)");
            }
            let line = line.trim();
            if !line.is_empty() {
                return Ok(line.to_string());
            }
            if let Some(d) = default {
                return Ok(d.to_string());
            }
        }
    }

    fn yes_no(&mut self, question: &str, default: bool, assumed: bool) -> anyhow::Result<bool> {
        if !self.interactive {
            return Ok(assumed);
        }
        let hint = if default { "Y/n" } else { "y/N" };
        let a = self.ask(&format!("{question} ({hint})"), Some(""), "")?;
        Ok(match a.to_ascii_lowercase().as_str() {
            "" => default,
            a => a.starts_with('y'),
        })
    }
}

fn parse_security(s: &str) -> anyhow::Result<Security> {
    Ok(match s.trim().to_ascii_lowercase().as_str() {
        "tls" => Security::Tls,
        "starttls" => Security::Starttls,
        "plain" => Security::Plain,
        other => bail!("{other:?} is not tls, starttls or plain"),
    })
}

fn security_str(s: Security) -> &'static str {
    match s {
        Security::Tls => "tls",
        Security::Starttls => "starttls",
        Security::Plain => "plain",
    }
}

/// The servers: flags over the preset, else autoconfig, else questions.
fn find_servers(a: &SetupArgs, email: &str, ask: &mut Asker) -> anyhow::Result<Found> {
    let mut found = if a.imap_host.is_some() {
        None
    } else if let Some(p) = setup::preset(email) {
        Some(p)
    } else {
        let urls = match &a.autoconfig_url {
            Some(u) => vec![u.clone()],
            None => setup::autoconfig_urls(email),
        };
        println!("Looking up the servers of {email} (Mozilla autoconfig)...");
        match setup::autoconfig(email, &urls) {
            Ok(f) => Some(f),
            Err(why) => {
                println!("No autoconfig found ({why}).");
                None
            }
        }
    };
    if let Some(f) = &found {
        println!(
            "Found in {}: IMAP {}:{} ({}){}",
            f.source,
            f.imap.host,
            f.imap.port,
            security_str(f.imap.security),
            f.smtp
                .as_ref()
                .map(|s| format!(
                    ", SMTP {}:{} ({})",
                    s.host,
                    s.port,
                    security_str(s.security)
                ))
                .unwrap_or_default()
        );
        if let Some(n) = &f.note {
            println!("Note: {n}.");
        }
        if ask.interactive && !ask.yes_no("Use these servers?", true, true)? {
            found = None;
        }
    }
    let base = found.clone();
    let user_default = a
        .username
        .clone()
        .or_else(|| base.as_ref().map(|f| f.imap.username.clone()))
        .unwrap_or_else(|| email.to_string());
    let imap = match (&base, &a.imap_host) {
        (Some(f), None) => Server {
            username: user_default.clone(),
            port: a.imap_port.unwrap_or(f.imap.port),
            security: a.imap_security.unwrap_or(f.imap.security),
            host: f.imap.host.clone(),
        },
        _ => {
            let host = match &a.imap_host {
                Some(h) => h.clone(),
                None => ask.ask("IMAP server", None, "--imap-host")?,
            };
            let security = match a.imap_security {
                Some(s) => s,
                None => parse_security(&ask.ask(
                    "IMAP security (tls, starttls)",
                    Some("tls"),
                    "--imap-security",
                )?)?,
            };
            let port = match a.imap_port {
                Some(p) => p,
                None => {
                    let d = if security == Security::Tls {
                        "993"
                    } else {
                        "143"
                    };
                    ask.ask("IMAP port", Some(d), "--imap-port")?
                        .parse()
                        .context("the IMAP port")?
                }
            };
            let username = match &a.username {
                Some(u) => u.clone(),
                None => ask.ask("User name", Some(&user_default), "--username")?,
            };
            Server {
                host,
                port,
                security,
                username,
            }
        }
    };
    let smtp = match (&base, &a.smtp_host) {
        (Some(f), None) => f.smtp.clone().map(|s| Server {
            username: a.username.clone().unwrap_or(s.username),
            port: a.smtp_port.unwrap_or(s.port),
            security: a.smtp_security.unwrap_or(s.security),
            host: s.host,
        }),
        (_, Some(h)) => {
            let security = a.smtp_security.unwrap_or(Security::Starttls);
            Some(Server {
                host: h.clone(),
                port: a.smtp_port.unwrap_or(match security {
                    Security::Tls => 465,
                    Security::Starttls => 587,
                    Security::Plain => 25,
                }),
                security,
                username: imap.username.clone(),
            })
        }
        (None, None) => {
            let host = ask.ask("SMTP server (blank: no sending)", Some(""), "--smtp-host")?;
            if host.is_empty() {
                None
            } else {
                let security = parse_security(&ask.ask(
                    "SMTP security (tls, starttls)",
                    Some("starttls"),
                    "--smtp-security",
                )?)?;
                let d = if security == Security::Tls {
                    "465"
                } else {
                    "587"
                };
                let port = ask
                    .ask("SMTP port", Some(d), "--smtp-port")?
                    .parse()
                    .context("the SMTP port")?;
                Some(Server {
                    host,
                    port,
                    security,
                    username: imap.username.clone(),
                })
            }
        }
    };
    Ok(Found {
        imap,
        smtp,
        oauth2: base.as_ref().and_then(|f| f.oauth2),
        source: base
            .map(|f| f.source)
            .unwrap_or_else(|| "your answers".into()),
        note: None,
    })
}

/// The secret's route, and the password when setup has one to try and keep.
fn choose_secret(
    a: &SetupArgs,
    found: &Found,
    ask: &mut Asker,
) -> anyhow::Result<(SecretRoute, Option<Secret>)> {
    if let Some(provider) = a
        .oauth2_provider
        .or(if a.password_command.is_none() && !a.keyring {
            found.oauth2
        } else {
            None
        })
    {
        let wants = a.oauth2_provider.is_some()
            || a.client_id.is_some()
            || ask.yes_no(
                &format!("Log in with OAuth2 ({})?", provider.as_str()),
                true,
                false,
            )?;
        if wants {
            if provider == OAuth2Provider::Custom {
                bail!("--oauth2-provider custom: write the provider's URLs into [accounts.NAME.oauth2] by hand (see `tern config example`)");
            }
            let client_id = match &a.client_id {
                Some(c) => c.clone(),
                None => ask.ask(
                    "Your OAuth2 client id (registered with the provider; the README says how)",
                    None,
                    "--client-id",
                )?,
            };
            return Ok((
                SecretRoute::OAuth2 {
                    provider,
                    client_id,
                    flow: a.flow,
                },
                None,
            ));
        }
    }
    if let Some(cmd) = &a.password_command {
        // Run only to try the login: with --no-check, the command may not work yet.
        let secret = if a.no_check {
            None
        } else {
            Some(tern_core::secrets::run_password_command(cmd)?)
        };
        return Ok((SecretRoute::Command(cmd.clone()), secret));
    }
    let choice = if a.keyring {
        "1".to_string()
    } else if ask.interactive {
        println!("Where is the password kept?");
        println!("  1) in the OS keyring (typed now, once)");
        println!("  2) a command prints it (pass, gopass, secret-tool...)");
        println!("  3) nowhere: tern asks at each start");
        ask.ask("1, 2 or 3", Some("1"), "")?
    } else {
        String::new()
    };
    match choice.trim() {
        "1" => {
            let pass = if std::io::stdin().is_terminal() {
                rpassword::prompt_password(format!(
                    "Password for {}@{}: ",
                    found.imap.username, found.imap.host
                ))?
            } else {
                let mut line = String::new();
                ask.input.read_line(&mut line)?;
                line.trim_end_matches(['\r', '\n']).to_string()
            };
            anyhow::ensure!(!pass.is_empty(), "no password given");
            return Ok((SecretRoute::Keyring, Some(Secret::new(pass))));
        }
        "2" => {
            let cmd = ask.ask(
                "The command (run by sh -c), e.g. pass show mail/me",
                None,
                "",
            )?;
            let secret = tern_core::secrets::run_password_command(&cmd)?;
            return Ok((SecretRoute::Command(cmd), Some(secret)));
        }
        "3" => {
            let pass = rpassword::prompt_password("Password, to try the login now (not kept): ")?;
            return Ok((SecretRoute::Prompt, Some(Secret::new(pass))));
        }
        "" => {}
        other => bail!("{other:?} is not 1, 2 or 3"),
    }
    bail!("how to get the password is needed: --password-command CMD, --keyring (the password on standard input), or --oauth2-provider with --client-id")
}

/// Asks whether to run the setup now (tern started with no config); true for yes.
pub fn offer() -> anyhow::Result<bool> {
    print!("Set up an account now? (Y/n): ");
    std::io::stdout().flush()?;
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(!line.trim().to_ascii_lowercase().starts_with('n'))
}

/// `tern setup`.
pub fn setup(config_path: &Path, a: SetupArgs, trace: bool) -> anyhow::Result<()> {
    let interactive = !a.yes && std::io::stdin().is_terminal();
    let mut ask = Asker {
        interactive,
        input: std::io::stdin().lock(),
    };
    let email = match &a.email {
        Some(e) => e.clone(),
        None => ask.ask("Your email address", None, "--email")?,
    };
    let domain =
        setup::domain_of(&email).with_context(|| format!("{email:?} is not an email address"))?;
    let display_name = match &a.name {
        Some(n) => Some(n.clone()),
        None if interactive => Some(ask.ask("Your name, as others see it", Some(""), "--name")?)
            .filter(|n| !n.is_empty()),
        None => None,
    };
    let account_default = domain.split('.').next().unwrap_or("mail").to_string();
    let account = match &a.account {
        Some(n) => n.clone(),
        None => ask.ask(
            "A short name for this account",
            Some(&account_default),
            "--account",
        )?,
    };
    let found = find_servers(&a, &email, &mut ask)?;
    let (route, secret) = choose_secret(&a, &found, &mut ask)?;
    if let (Some(secret), false) = (&secret, a.no_check) {
        check(&account, &found, secret, a.ca_certificate.as_deref(), trace)?;
    }
    let new = NewAccount {
        name: account.clone(),
        email: email.clone(),
        display_name,
        imap: found.imap.clone(),
        smtp: found.smtp.clone(),
        secret: route.clone(),
        ca_certificate: a.ca_certificate.clone(),
    };
    let exists =
        tern_core::config::load(config_path).is_ok_and(|c| c.accounts.contains_key(&account));
    let replace = exists
        && ask.yes_no(
            &format!(
                "{} already has an account {account:?}. Replace it?",
                config_path.display()
            ),
            false,
            a.yes,
        )?;
    if exists && !replace {
        bail!(
            "{} already has an account {account:?}: nothing was written (pass --yes to replace it)",
            config_path.display()
        );
    }
    let written = setup::write_account(config_path, &new, replace).map_err(anyhow::Error::msg)?;
    let verb = match written {
        setup::Written::Created => "Wrote",
        setup::Written::Added => "Added to",
        setup::Written::Replaced => "Replaced in",
    };
    println!(
        "{verb} {}: account {account:?} ({email}).",
        config_path.display()
    );
    if let (SecretRoute::Keyring, Some(secret)) = (&route, &secret) {
        let store = tern_core::secrets::store_in_keyring(&account, secret)?;
        println!("The password is kept in the {store}.");
    }
    match route {
        SecretRoute::OAuth2 { .. } => {
            println!("Now log in with OAuth2: `tern auth login {account}`.");
            if interactive && ask.yes_no("Log in now?", true, false)? {
                drop(ask);
                let config = tern_core::config::load(config_path)?;
                super::auth::login(&config, &account, trace)?;
            }
        }
        _ => println!("Start tern with `tern`, or `tern --account {account}`."),
    }
    Ok(())
}

/// Tries the IMAP login and the SMTP handshake with the password.
fn check(
    account: &str,
    found: &Found,
    secret: &Secret,
    ca: Option<&Path>,
    trace: bool,
) -> anyhow::Result<()> {
    use tern_core::login::LoginSettings;
    let login = |s: &Server| LoginSettings {
        host: s.host.clone(),
        port: s.port,
        security: s.security,
        username: s.username.clone(),
        auth: tern_core::config::AuthMethod::Login,
        ca_certificate: ca.map(Path::to_path_buf),
        secret: secret.clone(),
        password_command: None,
        oauth: None,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let imap = tern_core::imap::ConnectSettings {
        login: login(&found.imap),
        trace,
        timeout: std::time::Duration::from_secs(30),
        label: format!("{account}/setup"),
    };
    print!("Logging in to {}...", imap.login.addr());
    std::io::stdout().flush()?;
    rt.block_on(async {
        let conn = tern_core::imap::connect(&imap).await?;
        conn.logout().await;
        Ok::<_, tern_core::imap::ImapError>(())
    })
    .map_err(|e| anyhow::anyhow!("\nthe IMAP login failed, so nothing was written: {e} (check the server, the user name and the password; --no-check skips this)"))?;
    println!(" ok.");
    if let Some(smtp) = &found.smtp {
        let s = login(smtp);
        print!("Greeting {} (SMTP)...", s.addr());
        std::io::stdout().flush()?;
        rt.block_on(tern_core::compose::send::check(&s))
            .map_err(|e| {
                anyhow::anyhow!(
                    "\nthe SMTP check failed, so nothing was written: {e} (--no-check skips this)"
                )
            })?;
        println!(" ok.");
    }
    Ok(())
}
