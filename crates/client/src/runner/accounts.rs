//! One account's IO (its worker, cache reads, sending, side work, socket), and the
//! channels that bring every account's results to the one loop, each tagged with the
//! account it belongs to.

use super::control::Control;
use super::launch::Launcher;
use super::loader::Loader;
use super::mailer::Mailer;
use crate::app::accounts::AccountParts;
use crate::app::update::{Back, Loaded};
use crate::app::UiOptions;
use std::path::PathBuf;
use std::sync::Arc;
use tern_core::cache::Cache;
use tern_core::control::{Answer, Request};
use tern_core::imap::protocol::WorkerEvent;
use tern_core::imap::worker::{self, WorkerHandle, WorkerOptions};
use tern_core::imap::ConnectSettings;
use tokio::sync::mpsc;

/// What one account of the config brings to the client.
pub struct AccountSetup {
    pub name: String,
    pub cache: Arc<Cache>,
    pub settings: ConnectSettings,
    pub opts: WorkerOptions,
    pub folders: tern_core::config::FolderNames,
    /// Who writes (the account's address and name).
    pub identity: Option<tern_core::compose::Identity>,
    /// How mail is sent (None: not set up; sending then says so).
    pub transport: Option<tern_core::compose::send::Transport>,
    pub save_sent: bool,
    /// The IMAP password came from the prompt (asked again in the client if refused).
    pub password_prompted: bool,
    /// Where `tern list` and `tern sync` find this account while the client runs.
    pub control_socket: Option<PathBuf>,
    pub address_book_command: Option<String>,
}

impl AccountSetup {
    /// What the state keeps of it.
    pub fn parts(&self) -> AccountParts {
        AccountParts {
            name: self.name.clone(),
            names: self.folders.clone(),
            identity: self.identity.clone(),
            save_sent: self.save_sent,
            password_prompted: self.password_prompted,
            book_command: self.address_book_command.is_some(),
        }
    }
}

/// Where every account's results meet: each carries its account's number.
pub struct Inbound {
    pub worker: mpsc::UnboundedReceiver<(usize, WorkerEvent)>,
    pub loaded: mpsc::UnboundedReceiver<(usize, Loaded)>,
    pub back: mpsc::UnboundedReceiver<(usize, Back)>,
    pub control: mpsc::UnboundedReceiver<(usize, (Request, Answer))>,
}

/// The senders matching `Inbound`.
struct Outbound {
    worker: mpsc::UnboundedSender<(usize, WorkerEvent)>,
    loaded: mpsc::UnboundedSender<(usize, Loaded)>,
    back: mpsc::UnboundedSender<(usize, Back)>,
    control: mpsc::UnboundedSender<(usize, (Request, Answer))>,
}

/// One account's IO.
pub struct AccountIo {
    pub worker: WorkerHandle,
    pub loader: Loader,
    pub launcher: Launcher,
    pub mailer: Mailer,
    pub cache: Arc<Cache>,
    pub back_tx: mpsc::UnboundedSender<Back>,
    pub book_command: Option<String>,
    pub control: Control,
    /// Its local search index.
    pub finder: super::finder::Finder,
    /// Its drafts kept on this machine were offered back (when it was first shown).
    pub recovered: bool,
}

/// A sender whose values arrive at `out` tagged with account `i` (in order).
fn tagged<T: Send + 'static>(
    i: usize,
    out: mpsc::UnboundedSender<(usize, T)>,
) -> mpsc::UnboundedSender<T> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(v) = rx.recv().await {
            if out.send((i, v)).is_err() {
                break;
            }
        }
    });
    tx
}

/// Starts every account's worker and helpers.
pub fn start(setups: Vec<AccountSetup>, ui: &UiOptions) -> (Vec<AccountIo>, Inbound) {
    let (worker_tx, worker) = mpsc::unbounded_channel();
    let (loaded_tx, loaded) = mpsc::unbounded_channel();
    let (back_tx, back) = mpsc::unbounded_channel();
    let (control_tx, control) = mpsc::unbounded_channel();
    let out = Outbound {
        worker: worker_tx,
        loaded: loaded_tx,
        back: back_tx,
        control: control_tx,
    };
    let ios = setups
        .into_iter()
        .enumerate()
        .map(|(i, a)| one(i, a, ui, &out))
        .collect();
    (
        ios,
        Inbound {
            worker,
            loaded,
            back,
            control,
        },
    )
}

fn one(i: usize, a: AccountSetup, ui: &UiOptions, out: &Outbound) -> AccountIo {
    let worker = worker::spawn(
        a.settings,
        a.cache.clone(),
        a.opts,
        tagged(i, out.worker.clone()),
    );
    let back_tx = tagged(i, out.back.clone());
    let email = a
        .identity
        .as_ref()
        .map(|id| id.email.clone())
        .unwrap_or_default();
    let mailer = Mailer::new(
        tern_core::compose::store::Store::open(None, &a.name),
        a.transport,
        ui.editor.clone(),
        &email,
        back_tx.clone(),
    );
    AccountIo {
        worker,
        loader: Loader {
            cache: a.cache.clone(),
            tx: tagged(i, out.loaded.clone()),
            busy: false,
            again: false,
            shown_once: false,
        },
        launcher: Launcher::new(ui, &a.name, a.cache.clone(), back_tx.clone()),
        mailer,
        control: Control::start(
            a.control_socket.as_deref(),
            a.cache.clone(),
            tagged(i, out.control.clone()),
        ),
        finder: super::finder::Finder::start(
            a.cache.clone(),
            &a.name,
            ui.index_writer.clone(),
            back_tx.clone(),
        ),
        cache: a.cache,
        back_tx,
        book_command: a.address_book_command,
        recovered: false,
    }
}
