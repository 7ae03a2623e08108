//! One account's worker: a thread with its own tokio runtime that owns the command connection, runs the UI's
//! commands in order, keeps the cache equal to the server, watches the open folder on a
//! second connection, and reconnects with backoff when the link dies.

use super::commands::{run_command, sync_and_report};
use super::connect::{connect, ConnectSettings};
use super::error::ImapError;
use super::idle::{watch_folder, IdleTimings};
use super::offline::{keep_for_later, unqueue};
use super::protocol::{DoneResult, WorkerCommand, WorkerEvent};
use super::{folders, Conn};
use crate::cache::Cache;
use crate::config::FolderNames;
use crate::mail::FolderInfo;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// The UI's end of a worker.
pub struct WorkerHandle {
    tx: mpsc::UnboundedSender<WorkerCommand>,
    done: tokio::sync::oneshot::Receiver<()>,
}

impl WorkerHandle {
    /// Queues a command; never blocks.
    pub fn send(&self, cmd: WorkerCommand) {
        let _ = self.tx.send(cmd);
    }

    /// Asks the worker to log out and waits for it.
    pub async fn shutdown(self) {
        let _ = self.tx.send(WorkerCommand::Shutdown);
        let _ = self.done.await;
    }
}

/// Settings of a worker besides the connection.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    pub folders: FolderNames,
    pub idle: IdleTimings,
    /// Folder counts refresh interval.
    pub status_every: Duration,
    /// Longest wait between reconnection attempts.
    pub max_backoff: Duration,
    /// Folders whose new mail is announced besides the open one (and whose bodies are
    /// prefetched with INBOX's).
    pub watch: Vec<String>,
    /// Bodies fetched ahead of time after each sync of INBOX and the watched folders.
    pub prefetch: crate::config::Prefetch,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        WorkerOptions {
            folders: FolderNames::default(),
            idle: IdleTimings::default(),
            status_every: Duration::from_secs(60),
            max_backoff: Duration::from_secs(60),
            watch: vec!["INBOX".to_string()],
            prefetch: crate::config::Prefetch::None,
        }
    }
}

/// Starts a worker for one account on a thread of its own, with its own runtime: its
/// cache writes and TLS work can never hold up the UI's event loop.
pub fn spawn(
    settings: ConnectSettings,
    cache: Arc<Cache>,
    opts: WorkerOptions,
    events: mpsc::UnboundedSender<WorkerEvent>,
) -> WorkerHandle {
    let (tx, rx) = mpsc::unbounded_channel();
    let (done_tx, done) = tokio::sync::oneshot::channel();
    let name = format!("tern-worker-{}", settings.label);
    let failed = events.clone();
    let started = std::thread::Builder::new().name(name).spawn(move || {
        match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt.block_on(run(settings, cache, opts, rx, events)),
            Err(e) => {
                let _ = events.send(WorkerEvent::Notice(format!("cannot start the worker: {e}")));
            }
        }
        let _ = done_tx.send(());
    });
    if let Err(e) = started {
        let _ = failed.send(WorkerEvent::Notice(format!("cannot start the worker: {e}")));
    }
    WorkerHandle { tx, done }
}

/// What a worker keeps between commands.
pub(super) struct State {
    pub(super) settings: ConnectSettings,
    pub(super) cache: Arc<Cache>,
    pub(super) opts: WorkerOptions,
    pub(super) events: mpsc::UnboundedSender<WorkerEvent>,
    pub(super) open_folder: String,
    pub(super) folders: Vec<FolderInfo>,
    /// The folder selected on the command connection, in step with the cache.
    pub(super) selected: Option<String>,
    /// Tells the IDLE watcher which folder to watch (while a session runs).
    pub(super) watch: Option<watch::Sender<String>>,
    /// Changes made offline, sent when the server is back.
    pub(super) queue: super::queue::OfflineQueue,
    /// The UIDNEXT last seen of each watched folder: mail above it is new.
    pub(super) watch_marks: std::collections::HashMap<String, u32>,
    /// Folders whose bodies are being fetched ahead of time.
    pub(super) prefetch: super::prefetch::Queue,
    /// Searches of the server, on a connection of their own.
    pub(super) searcher: super::searcher::Searcher,
}

enum Ended {
    Shutdown,
    Lost(ImapError),
}

/// Exponential backoff with jitter, capped.
pub fn backoff(attempt: u32, cap: Duration) -> Duration {
    let base = Duration::from_millis(500).saturating_mul(1u32 << attempt.min(10));
    let capped = base.min(cap);
    let jitter = rand::random_range(0.75..1.25);
    capped.mul_f64(jitter).min(cap)
}

async fn run(
    settings: ConnectSettings,
    cache: Arc<Cache>,
    opts: WorkerOptions,
    mut rx: mpsc::UnboundedReceiver<WorkerCommand>,
    events: mpsc::UnboundedSender<WorkerEvent>,
) {
    let (queue, note) = super::queue::OfflineQueue::open(cache.path());
    if let Some(n) = note {
        let _ = events.send(WorkerEvent::Notice(n));
    }
    // The screen starts from what the cache and the queue hold, before any network.
    let folders = cache.folder_list().unwrap_or_else(|e| {
        tracing::warn!(error = %e, "reading the cached folder list");
        Vec::new()
    });
    if !folders.is_empty() {
        let _ = events.send(WorkerEvent::Folders(folders.clone()));
    }
    let _ = events.send(WorkerEvent::Pending(queue.ops.clone()));
    if !queue.ops.is_empty() {
        let _ = events.send(WorkerEvent::Queued {
            id: 0,
            waiting: queue.ops.len(),
            op: None,
        });
    }
    let mut st = State {
        searcher: super::searcher::Searcher::new(cache.clone(), events.clone()),
        settings,
        cache,
        events,
        open_folder: "INBOX".into(),
        folders,
        selected: None,
        watch: None,
        queue,
        watch_marks: std::collections::HashMap::new(),
        prefetch: super::prefetch::Queue::new(opts.prefetch),
        opts,
    };
    let mut attempt = 0u32;
    loop {
        let _ = st.events.send(WorkerEvent::Connecting);
        let started = tokio::time::Instant::now();
        let ended = session(&mut st, &mut rx).await;
        // Only a session that lasted resets the backoff: one that logs in and dies at
        // once (a refused LIST, a connection limit) must not reconnect in a tight loop.
        if started.elapsed() >= STABLE_SESSION {
            attempt = 0;
        }
        match ended {
            Ended::Shutdown => return,
            Ended::Lost(ImapError::Auth(words) | ImapError::NoSecret(words)) => {
                // Retrying a refused login by itself could lock the account: wait for
                // the user to ask again.
                tracing::warn!(%words, "login refused");
                let _ = st.events.send(WorkerEvent::LoginRefused(words));
                if !wait_offline(&mut st, &mut rx, None).await {
                    return;
                }
                // The password may have been fixed where the command reads it.
                match st.settings.with_fresh_secret().await {
                    Ok(fresh) => st.settings = fresh,
                    Err(e) => tracing::warn!(error = %e, "password command failed"),
                }
            }
            Ended::Lost(e) => {
                let delay = backoff(attempt, st.opts.max_backoff);
                attempt = attempt.saturating_add(1);
                tracing::warn!(error = %e, ?delay, "connection lost");
                let _ = st.events.send(WorkerEvent::Offline {
                    reason: e.to_string(),
                    retry_in_secs: delay.as_secs().max(1),
                });
                if !wait_offline(&mut st, &mut rx, Some(delay)).await {
                    return;
                }
            }
        }
    }
}

/// How long a session must last before its end no longer counts as a failed attempt.
const STABLE_SESSION: Duration = Duration::from_secs(60);

/// Waits out the backoff (or, with `None`, until the user asks to sync or open a folder)
/// while answering commands; false on shutdown.
async fn wait_offline(
    st: &mut State,
    rx: &mut mpsc::UnboundedReceiver<WorkerCommand>,
    delay: Option<Duration>,
) -> bool {
    let deadline = delay.map(|d| tokio::time::Instant::now() + d);
    loop {
        let sleep = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = sleep => return true,
            cmd = rx.recv() => match cmd {
                None | Some(WorkerCommand::Shutdown) => return false,
                Some(WorkerCommand::OpenFolder { folder }) => {
                    st.open_folder = folder;
                    if deadline.is_none() {
                        return true;
                    }
                }
                Some(WorkerCommand::Password { secret }) => {
                    st.settings.login.secret = secret;
                    return true;
                }
                Some(WorkerCommand::Sync { id, .. }) if deadline.is_none() => {
                    let _ = st.events.send(WorkerEvent::Failed {
                        id,
                        error: "not done yet: logging in again first".into(),
                    });
                    return true;
                }
                Some(WorkerCommand::Unqueue { id, op }) => unqueue(st, id, &op),
                Some(WorkerCommand::FetchBody { id, folder, uidvalidity, uid }) => {
                    // Offline reading: a body the cache holds is served from it.
                    let event = match st.cache.body(&folder, uidvalidity, uid) {
                        Ok(Some(raw)) => WorkerEvent::Done {
                            id,
                            result: DoneResult::Body { folder, uid, raw },
                        },
                        _ => WorkerEvent::Failed {
                            id,
                            error: "offline, and this message is not in the cache yet".into(),
                        },
                    };
                    let _ = st.events.send(event);
                }
                Some(c) => {
                    if let Some(id) = request_id(&c) {
                        keep_for_later(st, id, &c, "offline: not done (tern is reconnecting)".into());
                    }
                }
            }
        }
    }
}

fn request_id(c: &WorkerCommand) -> Option<u64> {
    use WorkerCommand::*;
    match c {
        Sync { id, .. }
        | SetFlags { id, .. }
        | Copy { id, .. }
        | Move { id, .. }
        | Append { id, .. }
        | Expunge { id, .. }
        | Search { id, .. }
        | CreateFolder { id, .. }
        | RenameFolder { id, .. }
        | DeleteFolder { id, .. }
        | MarkAnswered { id, .. }
        | Unqueue { id, .. }
        | FetchBody { id, .. } => Some(*id),
        OpenFolder { .. } | Password { .. } | Shutdown => None,
    }
}

async fn open(st: &State) -> Result<Conn, ImapError> {
    let mut conn = connect(&st.settings).await?;
    conn.enable_extensions().await?;
    Ok(conn)
}

async fn session(st: &mut State, rx: &mut mpsc::UnboundedReceiver<WorkerCommand>) -> Ended {
    let mut conn = match open(st).await {
        Ok(c) => c,
        Err(e) => return Ended::Lost(e),
    };
    st.selected = None;
    let _ = st.events.send(WorkerEvent::Online);
    // What was changed offline goes first, in order.
    if let Err(e) = replay(st, &mut conn).await {
        return Ended::Lost(e);
    }
    // Where Archive and Trash are must be known before the user can archive or delete:
    // when the cache has no folder list yet (a first start), one quick LIST first.
    if st.folders.is_empty() {
        match folders::list_names(&mut conn).await {
            Ok(list) => publish_folders(st, list),
            Err(e) if e.is_connection_problem() => return Ended::Lost(e),
            Err(e) => tracing::warn!(error = %e, "LIST"),
        }
    }
    // The open folder next: its first screen should not wait for the folders' counts
    // (LIST-STATUS of every folder can take the server a while).
    if let Err(e) = sync_and_report(st, &mut conn, &st.open_folder.clone()).await {
        if e.is_connection_problem() {
            return Ended::Lost(e);
        }
        let _ = st
            .events
            .send(WorkerEvent::Notice(format!("{}: {e}", st.open_folder)));
    }
    if let Err(e) = refresh_folders(st, &mut conn).await {
        return Ended::Lost(e);
    }
    let (folder_tx, folder_rx) = watch::channel(st.open_folder.clone());
    st.watch = Some(folder_tx.clone());
    let (news_tx, mut news_rx) = mpsc::unbounded_channel();
    let mut idle_settings = st.settings.clone();
    idle_settings.label = format!("{}-idle", st.settings.label);
    let timings = st.opts.idle;
    let watched = st.opts.watch.clone();
    let mut idle = tokio::spawn(async move {
        let conn = connect(&idle_settings).await?;
        watch_folder(conn, folder_rx, news_tx, timings, &watched).await
    });
    let mut status_tick = tokio::time::interval(st.opts.status_every);
    status_tick.tick().await;
    st.searcher.try_again();
    let ended = loop {
        let step = tokio::select! {
            biased;
            cmd = rx.recv() => match cmd {
                None | Some(WorkerCommand::Shutdown) => break Ended::Shutdown,
                Some(WorkerCommand::OpenFolder { folder }) => {
                    st.open_folder = folder.clone();
                    let _ = folder_tx.send(folder.clone());
                    sync_and_report(st, &mut conn, &folder).await
                }
                Some(WorkerCommand::Unqueue { id, op }) => {
                    unqueue(st, id, &op);
                    Ok(())
                }
                Some(c) => handle(st, &mut conn, c).await,
            },
            // A search the search connection could not run.
            Some(job) = st.searcher.back.recv() => {
                let cmd = WorkerCommand::Search { id: job.id, folder: job.folder, terms: job.terms };
                handle(st, &mut conn, cmd).await
            }
            Some(folder) = news_rx.recv() => {
                if folder == st.open_folder {
                    sync_and_report(st, &mut conn, &folder).await
                } else if st.opts.watch.contains(&folder) {
                    // NOTIFY: new mail in a watched folder, now rather than at the next poll.
                    super::watched::announce_folder(st, &mut conn, &folder).await
                } else {
                    Ok(())
                }
            }
            _ = status_tick.tick() => refresh_folders(st, &mut conn).await,
            // Last of all (biased): a chunk of bodies when nothing else waits.
            _ = std::future::ready(()), if st.prefetch.busy() => super::prefetch::step(st, &mut conn).await,
            r = &mut idle => break Ended::Lost(match r {
                Ok(Err(e)) => e,
                _ => ImapError::Lost("the IDLE connection ended".into()),
            }),
        };
        if let Err(e) = step {
            if e.is_connection_problem() {
                break Ended::Lost(e);
            }
            let _ = st.events.send(WorkerEvent::Notice(e.to_string()));
        }
    };
    idle.abort();
    if matches!(ended, Ended::Shutdown) {
        conn.logout().await;
    }
    ended
}

/// Sends the changes kept while offline, in order. A refused one is reported and
/// dropped; a lost connection keeps the rest for the next session.
async fn replay(st: &mut State, conn: &mut Conn) -> Result<(), ImapError> {
    if st.queue.ops.is_empty() {
        return Ok(());
    }
    let (mut done, mut failed) = (0, Vec::new());
    while let Some(op) = st.queue.ops.first().cloned() {
        let trash = crate::mail::special_folder(
            &st.folders,
            st.opts.folders.trash.as_deref(),
            crate::mail::SpecialUse::Trash,
            "Trash",
        );
        match run_command(st, conn, op.to_command(&trash)).await {
            Ok(_) => done += 1,
            Err(e) if e.is_connection_problem() => {
                // What is left waits for the next session; the screen hears what that is.
                let _ = st.events.send(WorkerEvent::Pending(st.queue.ops.clone()));
                return Err(e);
            }
            Err(e) => failed.push(format!("{}: {e}", op.describe())),
        }
        st.queue.ops.remove(0);
        // Saved after each one, so that none is sent twice after a crash.
        if let Err(e) = st.queue.save() {
            tracing::warn!(error = %e, "saving the offline queue");
        }
    }
    // The screen stops laying them over the cache now, whatever comes next; the counts
    // the server now has follow at once (the runner applies both before it draws).
    let _ = st.events.send(WorkerEvent::Pending(Vec::new()));
    refresh_folders(st, conn).await?;
    let _ = st.events.send(WorkerEvent::Replayed {
        done,
        failed,
        waiting: 0,
    });
    Ok(())
}

pub(super) async fn refresh_folders(st: &mut State, conn: &mut Conn) -> Result<(), ImapError> {
    let list = folders::list_folders(conn).await?;
    publish_folders(st, list);
    super::watched::announce_new_mail(st, conn).await
}

/// Keeps a new folder list (in the cache too, for an offline start) and tells the UI.
pub(super) fn publish_folders(st: &mut State, list: Vec<crate::mail::FolderInfo>) {
    if let Err(e) = st.cache.save_folder_list(&list) {
        tracing::warn!(error = %e, "saving the folder list");
    }
    st.folders = list.clone();
    let _ = st.events.send(WorkerEvent::Folders(list));
}

/// Asks the server for the counts of the folders a change touched, so the sidebar
/// settles to the server's numbers as the change is confirmed (not a minute later).
async fn refresh_counts(
    st: &mut State,
    conn: &mut Conn,
    touched: &[String],
) -> Result<(), ImapError> {
    let mut list = st.folders.clone();
    let mut changed = false;
    for name in touched {
        let Some(f) = list.iter_mut().find(|f| &f.name == name) else {
            continue;
        };
        // A refused STATUS only leaves the old numbers (said in the log, not to the user).
        let status = match folders::status(conn, name).await {
            Ok(status) => status,
            Err(e) if e.is_connection_problem() => return Err(e),
            Err(e) => {
                tracing::warn!(folder = %name, error = %e, "STATUS after a change");
                continue;
            }
        };
        changed |= f.status.as_ref() != Some(&status);
        f.status = Some(status);
    }
    if changed {
        publish_folders(st, list);
    }
    Ok(())
}

/// Whether a command can be sent again without doing it twice: flags, removals for
/// good and the answered mark are idempotent, and so is a MOVE (the moved messages are
/// gone from the source); a COPY, or a move made of COPY and EXPUNGE, is not.
fn resend_is_safe(cmd: &WorkerCommand, conn: &Conn) -> bool {
    match cmd {
        WorkerCommand::SetFlags { .. }
        | WorkerCommand::Expunge { .. }
        | WorkerCommand::MarkAnswered { .. } => true,
        WorkerCommand::Move { .. } => conn.has_cap("MOVE"),
        _ => false,
    }
}

/// The folders whose counts a command changes.
fn touched(cmd: &WorkerCommand) -> Vec<String> {
    use WorkerCommand::*;
    match cmd {
        SetFlags { messages, .. } | Expunge { messages, .. } => vec![messages.folder.clone()],
        Copy { messages, dest, .. } | Move { messages, dest, .. } => {
            vec![messages.folder.clone(), dest.clone()]
        }
        Append { folder, .. } => vec![folder.clone()],
        _ => Vec::new(),
    }
}

async fn handle(st: &mut State, conn: &mut Conn, cmd: WorkerCommand) -> Result<(), ImapError> {
    let cmd = match cmd {
        WorkerCommand::Search { id, folder, terms } if st.searcher.takes(&folder) => {
            st.searcher.ask(&st.settings, id, folder, terms);
            return Ok(());
        }
        cmd => cmd,
    };
    let id = request_id(&cmd).unwrap_or(0);
    let touched = touched(&cmd);
    let kept = cmd.clone();
    match run_command(st, conn, cmd).await {
        Ok(result) => {
            // Counts first, so the screen never shows the old numbers in between.
            let counted = refresh_counts(st, conn, &touched).await;
            let _ = st.events.send(WorkerEvent::Done { id, result });
            counted
        }
        Err(e) if e.is_connection_problem() => {
            // The link died under it. A change that is harmless to send twice waits for
            // the server like one made offline (if it had arrived after all, sending it
            // again is refused or does nothing). A copy is not: it may have been made,
            // and a second one would double the messages, so the user is told instead.
            let change = super::queue::QueuedOp::from_command(&kept).is_some();
            if change && !resend_is_safe(&kept, conn) {
                let _ = st.events.send(WorkerEvent::Failed {
                    id,
                    error: format!(
                        "not done for sure: the link died during it ({e}); check the folders once online"
                    ),
                });
            } else {
                keep_for_later(st, id, &kept, format!("not done: {e}"));
            }
            Err(e)
        }
        Err(e) => {
            let _ = st.events.send(WorkerEvent::Failed {
                id,
                error: e.to_string(),
            });
            Ok(())
        }
    }
}
