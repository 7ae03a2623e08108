//! The `tern` binary: argument parsing, logging, runtime and wiring.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use tern::cli;

#[derive(Parser)]
#[command(
    name = "tern",
    version,
    about = "A fast terminal email client for IMAP",
    long_about = "A fast terminal email client for IMAP: triage a mailbox with the keyboard \
alone, online or offline. With no command, tern opens every account of the config \
(press ? inside for the keys).",
    after_help = "Examples:\n  tern                      open every account\n  tern --account work       open one account\n  tern sync                 sync every account's folders into the cache\n  tern auth login work      log in with OAuth2\n  tern config example       print a commented config to start from"
)]
struct Args {
    /// Config file (default: $TERN_CONFIG, else ~/.config/tern/config.toml)
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Write the whole IMAP conversation to the log file (passwords and tokens redacted)
    #[arg(long, global = true)]
    trace_imap: bool,
    /// Open only this account of the config, e.g. `--account work` (default: every
    /// account, the one with `default = true` shown first)
    #[arg(long, value_name = "NAME")]
    account: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Sync folders into the cache (default: every folder of every account), e.g.
    /// `tern sync --account work --folder INBOX`
    Sync {
        /// Only this account (default: every account)
        #[arg(long, value_name = "NAME")]
        account: Option<String>,
        /// A folder to sync; repeat for several
        #[arg(long = "folder", value_name = "FOLDER")]
        folders: Vec<String>,
        /// Then fetch the bodies of the account's prefetch window (default 30 days) for
        /// offline reading; `--bodies all` every body, `--bodies 90d` another window
        #[arg(long, value_name = "WINDOW", num_args = 0..=1, default_missing_value = "window")]
        bodies: Option<String>,
    },
    /// Print the newest messages of a folder from the cache, e.g. `tern list --limit 10`
    /// or `tern list --folder Archive --json`
    List {
        /// The account (default: the config's default account)
        #[arg(long, value_name = "NAME")]
        account: Option<String>,
        /// The folder
        #[arg(long, default_value = "INBOX", value_name = "FOLDER")]
        folder: String,
        /// How many (0 = all)
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// One JSON object per line
        #[arg(long)]
        json: bool,
    },
    /// Search every cached message with the local index, offline too: headers, the
    /// text of cached bodies and attachment names, e.g. `tern search from:bob invoice`
    /// or `tern search --folder Archive --json 'subject:"team lunch"'`
    Search {
        /// Words (each must match the start of a word anywhere in the message) and
        /// from: to: subject: body: since:YYYY-MM-DD before:YYYY-MM-DD is:unread
        /// is:flagged
        #[arg(required = true, num_args = 1.., value_name = "QUERY")]
        query: Vec<String>,
        /// Only this account (default: every account)
        #[arg(long, value_name = "NAME")]
        account: Option<String>,
        /// Only this folder
        #[arg(long, value_name = "FOLDER")]
        folder: Option<String>,
        /// One JSON object per line (with its account and folder)
        #[arg(long)]
        json: bool,
    },
    /// Print the known addresses matching TEXT, best first, as `address<TAB>name` lines
    /// (for completing To:/Cc: in an editor), e.g. `tern addresses bob`
    Addresses {
        /// Part of an address or a name
        text: String,
        /// How many at most
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Write a search index for a running client (tern starts it itself)
    #[command(hide = true)]
    IndexWriter {
        /// The index's folder
        dir: PathBuf,
    },
    /// Start a throwaway local Dovecot with generated mail and show tern on it, e.g.
    /// `tern demo --messages 300`
    Demo {
        /// How many messages to generate in INBOX
        #[arg(long, default_value_t = 3000)]
        messages: usize,
    },
    /// Manage stored passwords, e.g. `tern password set work`
    Password {
        #[command(subcommand)]
        action: PasswordAction,
    },
    /// OAuth2 logins (`auth = "oauth2"`), e.g. `tern auth login work`
    Auth {
        #[command(subcommand)]
        action: AuthAction,
    },
    /// The config file, e.g. `tern config example > ~/.config/tern/config.toml`
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Add an account to the config: finds the servers (presets, Mozilla autoconfig),
    /// chooses how the secret is kept, tries the login, writes the account beside the
    /// others. Asks what it needs; with --yes it asks nothing, e.g. `tern setup --yes
    /// --account work --email me@example.org --password-command "pass show work"`
    Setup(Box<SetupFlags>),
    /// Print the manual page (roff), e.g. `tern man | man -l -`
    Man,
    /// Print shell completions, e.g. `tern completions bash > ~/.local/share/bash-completion/completions/tern`
    Completions {
        /// The shell
        shell: clap_complete::Shell,
    },
}

/// `tern setup`'s flags, named after the config keys.
#[derive(clap::Args)]
struct SetupFlags {
    /// The account's short name in the config, e.g. `work`
    #[arg(long, value_name = "NAME")]
    account: Option<String>,
    /// The email address, e.g. `me@example.org`
    #[arg(long, value_name = "ADDR")]
    email: Option<String>,
    /// Your name, as others see it in From:
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// The IMAP server (default: found from the address)
    #[arg(long, value_name = "HOST")]
    imap_host: Option<String>,
    /// The IMAP port (default: 993 for tls, 143 for starttls)
    #[arg(long, value_name = "PORT")]
    imap_port: Option<u16>,
    /// tls, starttls, or plain (loopback only)
    #[arg(long, value_name = "MODE", value_parser = security)]
    imap_security: Option<tern::config::Security>,
    /// The login name (default: the address, or what autoconfig says)
    #[arg(long, value_name = "USER")]
    username: Option<String>,
    /// A command that prints the password, e.g. `pass show mail/work`
    #[arg(long, value_name = "CMD")]
    password_command: Option<String>,
    /// Keep the password in the OS keyring (typed, or on standard input with --yes)
    #[arg(long)]
    keyring: bool,
    /// The SMTP server (default: found from the address)
    #[arg(long, value_name = "HOST")]
    smtp_host: Option<String>,
    /// The SMTP port (default: 465 for tls, 587 for starttls)
    #[arg(long, value_name = "PORT")]
    smtp_port: Option<u16>,
    /// tls, starttls, or plain (loopback only)
    #[arg(long, value_name = "MODE", value_parser = security)]
    smtp_security: Option<tern::config::Security>,
    /// OAuth2 instead of a password: google or microsoft
    #[arg(long, value_name = "PROVIDER", value_parser = provider)]
    oauth2_provider: Option<tern::config::OAuth2Provider>,
    /// Your OAuth2 client id (registered with the provider)
    #[arg(long, value_name = "ID")]
    client_id: Option<String>,
    /// The OAuth2 flow: device or browser
    #[arg(long, value_name = "FLOW", value_parser = flow)]
    flow: Option<tern::config::OAuth2Flow>,
    /// Read this autoconfig file (config-v1.1.xml) instead of the domain's usual places
    #[arg(long, value_name = "URL")]
    autoconfig_url: Option<String>,
    /// An extra trust root for the servers' certificates (a private CA, Proton Mail
    /// Bridge's certificate), written as ca-certificate
    #[arg(long, value_name = "FILE")]
    ca_certificate: Option<PathBuf>,
    /// Write the account without trying the login first
    #[arg(long)]
    no_check: bool,
    /// Ask nothing: take the flags and what is found, and replace an account of the same name
    #[arg(long)]
    yes: bool,
}

fn security(s: &str) -> Result<tern::config::Security, String> {
    match s {
        "tls" => Ok(tern::config::Security::Tls),
        "starttls" => Ok(tern::config::Security::Starttls),
        "plain" => Ok(tern::config::Security::Plain),
        _ => Err("tls, starttls or plain".into()),
    }
}

fn provider(s: &str) -> Result<tern::config::OAuth2Provider, String> {
    match s {
        "google" => Ok(tern::config::OAuth2Provider::Google),
        "microsoft" => Ok(tern::config::OAuth2Provider::Microsoft),
        "custom" => Ok(tern::config::OAuth2Provider::Custom),
        _ => Err("google, microsoft or custom".into()),
    }
}

fn flow(s: &str) -> Result<tern::config::OAuth2Flow, String> {
    match s {
        "device" => Ok(tern::config::OAuth2Flow::Device),
        "browser" => Ok(tern::config::OAuth2Flow::Browser),
        _ => Err("device or browser".into()),
    }
}

#[derive(Subcommand)]
enum PasswordAction {
    /// Store an account's password in the OS keyring (read without echo)
    Set {
        /// The account's name in the config
        account: String,
    },
}

#[derive(Subcommand)]
enum AuthAction {
    /// Log in with the account's OAuth2 flow and keep the grant (device flow: prints a
    /// URL and a code for any browser; browser flow: a URL that comes back to 127.0.0.1)
    Login {
        /// The account's name in the config
        account: String,
    },
    /// Show each OAuth2 account's grant: when it was given, its expiry, where it is kept
    Status {
        /// Only this account
        account: Option<String>,
    },
    /// Revoke the grant at the provider (where it can) and forget it here
    Logout {
        /// The account's name in the config
        account: String,
    },
}

#[derive(Subcommand)]
enum ConfigAction {
    /// Print the commented example config built into tern
    Example,
}

fn main() -> ExitCode {
    let args = Args::parse();
    tern::logging::init(args.trace_imap);
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        // `tern list | head -1`: the reader has all it wanted; nothing went wrong.
        Err(e) if reader_went_away(&e) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("tern: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Whether the error is that there is no config file at all.
fn missing_config(e: &anyhow::Error) -> bool {
    matches!(
        e.downcast_ref::<tern::config::ConfigError>(),
        Some(tern::config::ConfigError::Missing(_))
    )
}

/// Whether a command failed only because what read its output closed the pipe.
fn reader_went_away(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run(args: Args) -> anyhow::Result<()> {
    // What needs no config at all.
    match &args.command {
        Some(Command::IndexWriter { dir }) => {
            tern::index::serve_writer(dir)?;
            return Ok(());
        }
        Some(Command::Man) => {
            let mut out = std::io::stdout();
            cli::manual::render(<Args as clap::CommandFactory>::command(), &mut out)?;
            return Ok(());
        }
        Some(Command::Completions { shell }) => {
            let mut cmd = <Args as clap::CommandFactory>::command();
            clap_complete::generate(*shell, &mut cmd, "tern", &mut std::io::stdout());
            return Ok(());
        }
        Some(Command::Config {
            action: ConfigAction::Example,
        }) => {
            print!("{}", tern::config::EXAMPLE);
            return Ok(());
        }
        _ => {}
    }
    let config_path = || tern::config::locate(args.config.as_deref());
    let load =
        || -> anyhow::Result<tern::config::Config> { Ok(tern::config::load(&config_path()?)?) };
    let interactive = std::io::IsTerminal::is_terminal(&std::io::stdin());
    match args.command {
        Some(Command::Sync {
            account,
            folders,
            bodies,
        }) => {
            let config = load()?;
            let bodies = match bodies.as_deref() {
                None => None,
                Some("window") => Some(None),
                Some(w) => Some(Some(
                    tern::config::Prefetch::parse(w).map_err(anyhow::Error::msg)?,
                )),
            };
            let opts = cli::SyncOptions {
                folders,
                trace_imap: args.trace_imap,
                interactive,
                progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
                bodies,
            };
            match account {
                Some(name) => cli::sync_account(&config, &name, &opts),
                // Every account, one after another; one failing does not stop the rest.
                None => cli::sync_every_account(&config, &opts),
            }
        }
        Some(Command::List {
            account,
            folder,
            limit,
            json,
        }) => {
            let config = load()?;
            let ctx = match cli::open_account(&config, account.as_deref()) {
                Err(e) if cli::in_use(&e) => {
                    let request = tern::control::Request::List { folder, limit };
                    return cli::ask_running(&config, account.as_deref(), request, json);
                }
                other => other?,
            };
            cli::list(
                &ctx,
                &cli::ListOptions {
                    folder,
                    limit,
                    json,
                },
            )
        }
        Some(Command::Search {
            query,
            account,
            folder,
            json,
        }) => cli::search(
            &load()?,
            &cli::SearchOptions {
                query: query.join(" "),
                account,
                folder,
                json,
            },
        ),
        Some(Command::Addresses { text, limit }) => cli::addresses(&load()?, &text, limit),
        Some(Command::Demo { messages }) => cli::demo(messages),
        Some(Command::Password {
            action: PasswordAction::Set { account },
        }) => cli::password_set(&load()?, &account),
        Some(Command::Auth { action }) => match action {
            AuthAction::Login { account } => cli::auth::login(&load()?, &account, args.trace_imap),
            AuthAction::Status { account } => cli::auth::status(&load()?, account.as_deref()),
            AuthAction::Logout { account } => cli::auth::logout(&load()?, &account),
        },
        Some(Command::Setup(f)) => {
            let f = *f;
            cli::setup::setup(
                &config_path()?,
                cli::setup::SetupArgs {
                    account: f.account,
                    email: f.email,
                    name: f.name,
                    imap_host: f.imap_host,
                    imap_port: f.imap_port,
                    imap_security: f.imap_security,
                    username: f.username,
                    password_command: f.password_command,
                    keyring: f.keyring,
                    smtp_host: f.smtp_host,
                    smtp_port: f.smtp_port,
                    smtp_security: f.smtp_security,
                    oauth2_provider: f.oauth2_provider,
                    client_id: f.client_id,
                    flow: f.flow,
                    autoconfig_url: f.autoconfig_url,
                    ca_certificate: f.ca_certificate,
                    no_check: f.no_check,
                    yes: f.yes,
                },
                args.trace_imap,
            )
        }
        Some(
            Command::Man
            | Command::Completions { .. }
            | Command::Config { .. }
            | Command::IndexWriter { .. },
        ) => Ok(()),
        None => {
            let config = match load() {
                // A newcomer at a terminal: offered the setup, then the client.
                Err(e) if interactive && missing_config(&e) => {
                    eprintln!("tern: {e}");
                    if !cli::setup::offer()? {
                        return Ok(());
                    }
                    cli::setup::setup(&config_path()?, Default::default(), args.trace_imap)?;
                    load()?
                }
                other => other?,
            };
            // `--account NAME` opens that one; else every account, the default shown first.
            let names = match args.account.as_deref() {
                Some(name) => vec![config.account(Some(name))?.0.to_string()],
                None => cli::account_order(&config),
            };
            let setups = names
                .iter()
                .map(|n| cli::client_account(&config, n, args.trace_imap, interactive))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            let g = &config.general;
            let ui = tern::app::UiOptions {
                keys: config.keys.clone(),
                theme: config.theme.clone(),
                download_dir: g.download_dir.clone(),
                new_mail_command: g.new_mail_command.clone(),
                bell: g.bell,
                split: g.reader_layout == Some(tern::config::ReaderLayout::Split),
                sidebar: g.sidebar,
                config_path: config_path().ok(),
                editor: g.editor.clone(),
                osc52: g.osc52,
                index_writer: std::env::current_exe().ok(),
            };
            // Config mistakes found by the client name the file and line themselves.
            rt.block_on(tern::runner::run(setups, ui))
        }
    }
}
