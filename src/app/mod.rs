//! The interactive client: one loop over keys, worker events and cache reads; only this
//! loop changes the state, and it redraws only when something changed.

pub mod filter;
pub mod keymap;
pub mod reader;
pub mod state;
pub mod triage;

use crate::cache::Cache;
use crate::imap::protocol::{Messages, WorkerCommand, WorkerEvent};
use crate::imap::worker::{self, WorkerOptions};
use crate::imap::ConnectSettings;
use crate::mail::MessageSummary;
use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::StreamExt;
use keymap::{Keymap, Matched};
use state::{AppState, Effect};
use std::sync::Arc;
use tokio::sync::mpsc;

/// A cache read: the folder, its UIDVALIDITY, the messages newest first, and whether
/// this is the whole folder or only its first screens.
type Loaded = (String, u32, Vec<MessageSummary>, bool);

/// Messages read first, so the first screen is drawn before the whole folder is read.
const FIRST_READ: usize = 300;

/// Reads a folder from the cache off the loop; at most one read in flight.
struct Loader {
    cache: Arc<Cache>,
    tx: mpsc::UnboundedSender<Loaded>,
    busy: bool,
    again: bool,
    /// Whether the open folder was shown yet (the first read comes in two steps).
    shown_once: bool,
}

impl Loader {
    fn request(&mut self, folder: &str) {
        if self.busy {
            self.again = true;
            return;
        }
        self.busy = true;
        let (cache, tx, folder) = (self.cache.clone(), self.tx.clone(), folder.to_string());
        let first = !self.shown_once;
        self.shown_once = true;
        tokio::task::spawn_blocking(move || {
            let read = |limit| -> Result<(u32, Vec<MessageSummary>), crate::cache::CacheError> {
                let uidv = cache
                    .folder_state(&folder)?
                    .map(|s| s.uidvalidity)
                    .unwrap_or(0);
                Ok((uidv, cache.newest(&folder, limit)?))
            };
            let fallback = |e: crate::cache::CacheError| {
                tracing::warn!(error = %e, "reading the cache");
                (0, Vec::new())
            };
            if first {
                let (uidv, head) = read(FIRST_READ).unwrap_or_else(fallback);
                if head.len() < FIRST_READ {
                    let _ = tx.send((folder, uidv, head, true));
                    return;
                }
                let _ = tx.send((folder.clone(), uidv, head, false));
            }
            let (uidv, list) = read(0).unwrap_or_else(fallback);
            let _ = tx.send((folder, uidv, list, true));
        });
    }

    /// A read arrived; starts the next one if more was asked for meanwhile.
    fn done(&mut self, folder: &str) {
        self.busy = false;
        if std::mem::take(&mut self.again) {
            self.request(folder);
        }
    }
}

fn clock() -> (i64, i32) {
    let now = chrono::Local::now();
    (now.timestamp(), now.offset().local_minus_utc())
}

/// Runs the client on one account until the user quits.
pub async fn run(
    account: &str,
    cache: Arc<Cache>,
    settings: ConnectSettings,
    opts: WorkerOptions,
) -> anyhow::Result<()> {
    let (mut terminal, guard) = crate::tui::init()?;
    let (ev_tx, mut events) = mpsc::unbounded_channel::<WorkerEvent>();
    let worker = worker::spawn(settings, cache.clone(), opts, ev_tx);
    let mut state = AppState::new(account, "INBOX");
    let (load_tx, mut loaded) = mpsc::unbounded_channel();
    let mut loader = Loader {
        cache,
        tx: load_tx,
        busy: false,
        again: false,
        shown_once: false,
    };
    loader.request(&state.folder);
    let mut keys = EventStream::new();
    let mut list_keys = Keymap::list_defaults();
    let mut reader_keys = Keymap::reader_defaults();
    let (render_tx, mut rendered) = mpsc::unbounded_channel();
    let mut dirty = true;
    let mut next_id = 1u64;
    loop {
        if dirty {
            (state.now, state.utc_offset) = clock();
            let size = terminal.size()?;
            state.rows = crate::ui::list_rows(size.height);
            if let Some(r) = state.reader.as_mut() {
                crate::ui::layout_reader(r, size.width, size.height);
            }
            terminal.draw(|f| crate::ui::render(f, &state))?;
            dirty = false;
        }
        let effects: Vec<Effect> = tokio::select! {
            biased;
            ev = keys.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release && state.prompt.is_some() => {
                    dirty = true;
                    state.prompt_key(k);
                    Vec::new()
                }
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => {
                    dirty = true;
                    let keymap = if state.reader.is_some() { &mut reader_keys } else { &mut list_keys };
                    match keymap.feed(k.into()) {
                        Matched::Action(a) => {
                            state.pending_keys = false;
                            state.act(a)
                        }
                        Matched::Pending => {
                            state.pending_keys = true;
                            Vec::new()
                        }
                        Matched::Nothing => {
                            state.pending_keys = false;
                            Vec::new()
                        }
                    }
                }
                Some(Ok(Event::Resize(..))) => {
                    dirty = true;
                    Vec::new()
                }
                Some(Ok(_)) => Vec::new(),
                Some(Err(e)) => return Err(e.into()),
                None => vec![Effect::Quit],
            },
            Some((uid, r)) = rendered.recv() => {
                state.set_rendered(uid, r);
                dirty = true;
                Vec::new()
            }
            Some((folder, uidv, list, whole)) = loaded.recv() => {
                // A read for a folder left meanwhile is dropped.
                if folder == state.folder {
                    state.uidvalidity = uidv;
                    state.set_messages(list);
                } else {
                    loader.again = true;
                }
                if whole {
                    loader.done(&state.folder);
                }
                dirty = true;
                Vec::new()
            }
            Some(ev) = events.recv() => {
                dirty = true;
                state.on_worker(ev).into_iter().collect()
            }
        };
        for effect in effects {
            let id = next_id;
            next_id += 1;
            match effect {
                Effect::Quit => {
                    drop(guard);
                    let _ =
                        tokio::time::timeout(std::time::Duration::from_secs(3), worker.shutdown())
                            .await;
                    return Ok(());
                }
                Effect::ReloadFolder => loader.request(&state.folder),
                Effect::Suspend => {
                    terminal = crate::tui::suspend()?;
                    dirty = true;
                }
                Effect::OpenFolder(folder) => {
                    loader.shown_once = false;
                    worker.send(WorkerCommand::OpenFolder { folder })
                }
                Effect::Sync => worker.send(WorkerCommand::Sync {
                    id,
                    folders: Vec::new(),
                }),
                Effect::FetchBody(uid) => {
                    if let Some(r) = state.reader.as_mut() {
                        r.request = Some(id);
                    }
                    worker.send(WorkerCommand::FetchBody {
                        id,
                        folder: state.folder.clone(),
                        uidvalidity: state.uidvalidity,
                        uid,
                    })
                }
                Effect::MarkSeen(uid) => worker.send(WorkerCommand::SetFlags {
                    id,
                    messages: Messages {
                        folder: state.folder.clone(),
                        uidvalidity: state.uidvalidity,
                        uids: vec![uid],
                    },
                    flags: vec!["\\Seen".into()],
                    add: true,
                }),
                Effect::SetFlags {
                    uids,
                    flag,
                    add,
                    rollback,
                } => {
                    state.in_flight.insert(id, rollback);
                    worker.send(WorkerCommand::SetFlags {
                        id,
                        messages: Messages {
                            folder: state.folder.clone(),
                            uidvalidity: state.uidvalidity,
                            uids,
                        },
                        flags: vec![flag],
                        add,
                    });
                }
                Effect::Remove {
                    uids,
                    dest,
                    rollback,
                } => {
                    state.in_flight.insert(id, rollback);
                    let messages = Messages {
                        folder: state.folder.clone(),
                        uidvalidity: state.uidvalidity,
                        uids,
                    };
                    worker.send(match dest {
                        Some(dest) => WorkerCommand::Move { id, messages, dest },
                        None => WorkerCommand::Delete { id, messages },
                    });
                }
                Effect::Render(uid, raw) => {
                    let width = usize::from(terminal.size()?.width).saturating_sub(2);
                    let tx = render_tx.clone();
                    tokio::task::spawn_blocking(move || {
                        let _ = tx.send((uid, crate::mail::render_message(&raw, width)));
                    });
                }
            }
        }
    }
}
