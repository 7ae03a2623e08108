//! The interactive client: one loop over keys, worker events and cache reads; only this
//! loop changes the state, and it redraws only when something changed.

pub mod keymap;
pub mod state;

use crate::cache::Cache;
use crate::imap::protocol::{WorkerCommand, WorkerEvent};
use crate::imap::worker::{self, WorkerOptions};
use crate::imap::ConnectSettings;
use crate::mail::MessageSummary;
use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::StreamExt;
use keymap::{Keymap, Matched};
use state::{AppState, Effect};
use std::sync::Arc;
use tokio::sync::mpsc;

/// Reads a folder from the cache off the loop; at most one read in flight.
struct Loader {
    cache: Arc<Cache>,
    tx: mpsc::UnboundedSender<Vec<MessageSummary>>,
    busy: bool,
    again: bool,
}

impl Loader {
    fn request(&mut self, folder: &str) {
        if self.busy {
            self.again = true;
            return;
        }
        self.busy = true;
        let (cache, tx, folder) = (self.cache.clone(), self.tx.clone(), folder.to_string());
        tokio::task::spawn_blocking(move || {
            let list = cache.newest(&folder, 0).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "reading the cache");
                Vec::new()
            });
            let _ = tx.send(list);
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
    let (mut terminal, _guard) = crate::tui::init()?;
    let (ev_tx, mut events) = mpsc::unbounded_channel::<WorkerEvent>();
    let worker = worker::spawn(settings, cache.clone(), opts, ev_tx);
    let mut state = AppState::new(account, "INBOX");
    let (load_tx, mut loaded) = mpsc::unbounded_channel();
    let mut loader = Loader {
        cache,
        tx: load_tx,
        busy: false,
        again: false,
    };
    loader.request(&state.folder);
    let mut keys = EventStream::new();
    let mut keymap = Keymap::list_defaults();
    let mut dirty = true;
    let mut next_id = 1u64;
    loop {
        if dirty {
            (state.now, state.utc_offset) = clock();
            state.rows = crate::ui::list_rows(terminal.size()?.height);
            terminal.draw(|f| crate::ui::render(f, &state))?;
            dirty = false;
        }
        let effect = tokio::select! {
            biased;
            ev = keys.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => {
                    dirty = true;
                    match keymap.feed(k.into()) {
                        Matched::Action(a) => {
                            state.pending_keys = false;
                            state.apply(a)
                        }
                        Matched::Pending => {
                            state.pending_keys = true;
                            None
                        }
                        Matched::Nothing => {
                            state.pending_keys = false;
                            None
                        }
                    }
                }
                Some(Ok(Event::Resize(..))) => {
                    dirty = true;
                    None
                }
                Some(Ok(_)) => None,
                Some(Err(e)) => return Err(e.into()),
                None => Some(Effect::Quit),
            },
            Some(list) = loaded.recv() => {
                state.set_messages(list);
                loader.done(&state.folder);
                dirty = true;
                None
            }
            Some(ev) = events.recv() => {
                dirty = true;
                state.on_worker(ev)
            }
        };
        match effect {
            Some(Effect::Quit) => break,
            Some(Effect::ReloadFolder) => loader.request(&state.folder),
            Some(Effect::Sync) => {
                worker.send(WorkerCommand::Sync {
                    id: next_id,
                    folders: Vec::new(),
                });
                next_id += 1;
            }
            None => {}
        }
    }
    drop(_guard);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(3), worker.shutdown()).await;
    Ok(())
}
