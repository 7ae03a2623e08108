//! The `tern` binary: argument parsing, logging, runtime and wiring.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use tern::cli;

#[derive(Parser)]
#[command(
    name = "tern",
    version,
    about = "A fast terminal email client for IMAP"
)]
struct Args {
    /// Config file (default: $TERN_CONFIG, else ~/.config/tern/config.toml)
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Write the whole IMAP conversation to the log file (passwords redacted)
    #[arg(long, global = true)]
    trace_imap: bool,
    /// The account the client opens (default: the config's default account)
    #[arg(long)]
    account: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Sync folders into the cache (default: all folders)
    Sync {
        #[arg(long)]
        account: Option<String>,
        /// A folder to sync; repeat for several
        #[arg(long = "folder")]
        folders: Vec<String>,
    },
    /// Print the newest messages of a folder from the cache
    List {
        #[arg(long)]
        account: Option<String>,
        #[arg(long, default_value = "INBOX")]
        folder: String,
        /// How many (0 = all)
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// One JSON object per line
        #[arg(long)]
        json: bool,
    },
    /// Print the known addresses matching TEXT, best first, as `address<TAB>name` lines
    /// (for completing To:/Cc: in an editor)
    Addresses {
        /// Part of an address or a name
        text: String,
        /// How many at most
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Start a throwaway local Dovecot with generated mail and show tern on it
    Demo {
        /// How many messages to generate in INBOX
        #[arg(long, default_value_t = 3000)]
        messages: usize,
    },
    /// Manage stored passwords
    Password {
        #[command(subcommand)]
        action: PasswordAction,
    },
}

#[derive(Subcommand)]
enum PasswordAction {
    /// Store an account's password in the OS keyring (read without echo)
    Set { account: String },
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

/// Whether a command failed only because what read its output closed the pipe.
fn reader_went_away(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run(args: Args) -> anyhow::Result<()> {
    let config_path = || tern::config::locate(args.config.as_deref());
    let load =
        || -> anyhow::Result<tern::config::Config> { Ok(tern::config::load(&config_path()?)?) };
    let interactive = std::io::IsTerminal::is_terminal(&std::io::stdin());
    match args.command {
        Some(Command::Sync { account, folders }) => {
            let config = load()?;
            let opts = cli::SyncOptions {
                folders,
                trace_imap: args.trace_imap,
                interactive,
                progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
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
        Some(Command::Addresses { text, limit }) => cli::addresses(&load()?, &text, limit),
        Some(Command::Demo { messages }) => cli::demo(messages),
        Some(Command::Password {
            action: PasswordAction::Set { account },
        }) => cli::password_set(&load()?, &account),
        None => {
            let config = load()?;
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
            };
            // Config mistakes found by the client name the file and line themselves.
            rt.block_on(tern::runner::run(setups, ui))
        }
    }
}
