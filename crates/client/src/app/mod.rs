//! The interactive client: one loop over keys, worker events and cache reads; only this
//! loop changes the state, and it redraws only when something changed.

pub mod command_line;
pub mod compose;
pub mod dispatch;
pub mod keymap;
mod launch;
mod loader;
mod mailer;
pub mod pending;
pub mod prompt;
pub mod query;
pub mod reader;
pub mod results;
pub mod state;
pub mod triage;
pub mod view;

#[cfg(test)]
mod tests;

use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::StreamExt;
use keymap::{Keymap, Matched};
use loader::Loader;
use state::{AppState, Effect, Focus};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tern_core::cache::Cache;
use tern_core::imap::protocol::{WorkerCommand, WorkerEvent};
use tern_core::imap::worker::{self, WorkerOptions};
use tern_core::imap::ConnectSettings;
use tokio::sync::mpsc;

/// How long the keys must be quiet before the reader's message is fetched: holding `J`
/// or `j` in the split layout fetches only where the cursor stops.
const FETCH_SETTLE: Duration = Duration::from_millis(60);

/// What the interactive client takes from the config.
#[derive(Debug, Clone, Default)]
pub struct UiOptions {
    pub keys: tern_core::config::Keys,
    pub theme: std::collections::BTreeMap<String, String>,
    pub download_dir: Option<PathBuf>,
    pub new_mail_command: Option<String>,
    pub bell: bool,
    pub split: bool,
    /// The config file, where `z` remembers the reader layout.
    pub config_path: Option<PathBuf>,
    pub folders: tern_core::config::FolderNames,
    /// Who writes (the account's address and name).
    pub identity: Option<tern_core::compose::Identity>,
    /// How mail is sent (None: not set up; sending then says so).
    pub transport: Option<tern_core::compose::send::Transport>,
    pub save_sent: bool,
    pub editor: Option<String>,
}

/// The next key event. The key reader is dropped (None) before another program (the
/// editor, the shell after Ctrl-z) gets the terminal: its thread would otherwise read
/// that program's keys. It must be dropped before a new one is made: making one waits
/// for the old reader's lock.
async fn next_key(keys: &mut Option<EventStream>) -> Option<std::io::Result<Event>> {
    match keys.as_mut() {
        Some(k) => k.next().await,
        None => std::future::pending().await,
    }
}

/// What background work reported.
fn on_back(state: &mut AppState, b: launch::Back) -> Vec<Effect> {
    use launch::Back;
    match b {
        Back::Note(n) => state.status = Some(n),
        Back::Hits(folder, list) => state.add_hits(&folder, list),
        Back::Mail(r) => return state.mail_result(r),
        Back::Attached(id, files, whole) => state.originals_attached(&id, files, whole),
        Back::Completed(before, after) => state.path_completed(&before, after),
        Back::Recovered(list) => return state.recovered(list),
        Back::SentCopy(id, copy) => return state.retry_sent_copy(id, copy),
    }
    Vec::new()
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
    ui: UiOptions,
) -> anyhow::Result<()> {
    // Config mistakes are reported before the screen is taken over.
    let mut list_keys = Keymap::build(
        keymap::DEFAULT_LIST_KEYS,
        &ui.keys.global,
        &ui.keys.list,
        "list",
    )
    .map_err(anyhow::Error::msg)?;
    let mut reader_keys = Keymap::build(
        keymap::DEFAULT_READER_KEYS,
        &ui.keys.global,
        &ui.keys.reader,
        "reader",
    )
    .map_err(anyhow::Error::msg)?;
    let theme =
        crate::ui::theme::Theme::from_config(&ui.theme, crate::ui::theme::Theme::no_color_env())
            .map_err(anyhow::Error::msg)?;
    let (mut terminal, guard) = crate::tui::init()?;
    let (ev_tx, mut events) = mpsc::unbounded_channel::<WorkerEvent>();
    let worker = worker::spawn(settings, cache.clone(), opts, ev_tx);
    let mut state = AppState::new(account, "INBOX");
    state.theme = theme;
    state.split = ui.split;
    state.names = ui.folders.clone();
    state.keys_help = vec![
        ("Message list", list_keys.describe()),
        ("Reader", reader_keys.describe()),
    ];
    let (back_tx, mut back) = mpsc::unbounded_channel();
    let launcher = launch::Launcher::new(&ui, cache.clone(), back_tx.clone());
    let email = ui
        .identity
        .as_ref()
        .map(|i| i.email.clone())
        .unwrap_or_default();
    let mailer = mailer::Mailer::new(
        tern_core::compose::store::Store::open(None, account),
        ui.transport.clone(),
        ui.editor.clone(),
        &email,
        back_tx,
    );
    if let Some(id) = ui.identity.clone() {
        state.identity = id;
    }
    state.save_sent = ui.save_sent;
    state.status = mailer.problem().map(String::from);
    mailer.recover();
    let (load_tx, mut loaded) = mpsc::unbounded_channel();
    let mut loader = Loader {
        cache,
        tx: load_tx,
        busy: false,
        again: false,
        shown_once: false,
    };
    loader.request(&state.folder);
    // None while another program has the terminal (see `hand_over`).
    let mut keys = Some(EventStream::new());
    let (render_tx, mut rendered) = mpsc::unbounded_channel();
    let mut dirty = true;
    let mut fetch_at: Option<tokio::time::Instant> = None;
    loop {
        if dirty {
            (state.now, state.utc_offset) = clock();
            let size = terminal.size()?;
            crate::ui::layout(&mut state, size.width, size.height);
            terminal.draw(|f| crate::ui::render(f, &state))?;
            dirty = false;
        }
        let settle = async {
            match fetch_at {
                Some(t) => tokio::time::sleep_until(t).await,
                None => std::future::pending().await,
            }
        };
        let mut key_event = false;
        let effects: Vec<Effect> = tokio::select! {
            biased;
            ev = next_key(&mut keys) => match ev {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release && state.prompt.is_some() => {
                    dirty = true;
                    key_event = true;
                    state.prompt_key(k)
                }
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release && state.compose.is_some() => {
                    // The review screen takes single letters (y e a d p q).
                    dirty = true;
                    match k.code {
                        crossterm::event::KeyCode::Char(c) if !k.modifiers.contains(crossterm::event::KeyModifiers::CONTROL) => state.review_key(c),
                        crossterm::event::KeyCode::Esc => state.review_key('q'),
                        _ => Vec::new(),
                    }
                }
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => {
                    dirty = true;
                    key_event = true;
                    let in_reader = state.reader.is_some() && state.focus == Focus::Reader;
                    let keymap = if in_reader { &mut reader_keys } else { &mut list_keys };
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
            _ = settle => {
                fetch_at = None;
                dirty = true;
                state.fetch_due()
            }
            Some(b) = back.recv() => {
                dirty = true;
                on_back(&mut state, b)
            }
            Some((uid, r)) = rendered.recv() => {
                state.set_rendered(uid, r);
                dirty = true;
                Vec::new()
            }
            Some(l) = loaded.recv() => {
                // A read for a folder left meanwhile is dropped.
                let mut effects = Vec::new();
                if l.folder == state.folder {
                    if l.uidvalidity != state.uidvalidity && state.uidvalidity != 0 {
                        state.max_uid = 0; // a replaced folder: its UIDs start over
                    }
                    state.uidvalidity = l.uidvalidity;
                    state.total = l.total;
                    effects = state.set_messages(l.list);
                } else {
                    loader.again = true;
                }
                if l.done {
                    loader.done(&state.folder);
                }
                dirty = true;
                effects
            }
            Some(ev) = events.recv() => {
                dirty = true;
                // Everything the worker said so far is applied before the next frame, so
                // no frame shows half of a change (new counts with the old rows).
                let mut effects = state.on_worker(ev);
                while let Ok(ev) = events.try_recv() {
                    effects.extend(state.on_worker(ev));
                }
                effects
            }
        };
        if state.wants_body() && (key_event || fetch_at.is_none()) {
            // Every key while a body is wanted pushes the fetch back.
            fetch_at = Some(tokio::time::Instant::now() + FETCH_SETTLE);
        }
        for effect in effects {
            match effect {
                Effect::Quit => {
                    drop(guard);
                    if state.queued > 0 {
                        // Said on the terminal once it is the shell's again.
                        eprintln!(
                            "tern: {} change(s) made offline are kept and will be sent when tern next reaches the server",
                            state.queued
                        );
                    }
                    let _ =
                        tokio::time::timeout(std::time::Duration::from_secs(3), worker.shutdown())
                            .await;
                    return Ok(());
                }
                Effect::ReloadFolder => loader.request(&state.folder),
                Effect::ReloadHead => loader.request_head(&state.folder),
                Effect::Suspend => {
                    drop(keys.take());
                    terminal = crate::tui::suspend()?;
                    keys = Some(EventStream::new());
                    dirty = true;
                }
                Effect::Send(cmd) => {
                    if let WorkerCommand::OpenFolder { .. } = cmd {
                        loader.shown_once = false;
                    }
                    worker.send(cmd)
                }
                Effect::SaveLayout(split) => launcher.save_layout(split),
                Effect::SaveAttachments { raw, index } => launcher.save(raw, index),
                Effect::OpenAttachment { raw, index } => launcher.open_attachment(raw, index),
                Effect::OpenUrl(url) => launcher.open_url(url),
                Effect::NewMail {
                    folder,
                    from,
                    subject,
                } => launcher.new_mail(&folder, &from, &subject),
                Effect::LoadHits { folder, uids } => launcher.load_hits(folder, uids),
                Effect::Edit { stored, regenerate } => {
                    mailer.save_now(&stored, regenerate).await;
                    let Some(path) = mailer.text_path(&stored.id) else {
                        state.status = mailer.problem().map(String::from);
                        continue;
                    };
                    // The terminal goes to the editor and comes back after it.
                    drop(keys.take());
                    ratatui::restore();
                    let ended = mailer.run_editor(&path).await;
                    terminal = crate::tui::retake()?;
                    keys = Some(EventStream::new());
                    let text = std::fs::read_to_string(&path).ok();
                    state.edited(&stored.id, text, ended);
                    if let Some(c) = state.compose.as_ref() {
                        mailer.save(
                            &tern_core::compose::store::Stored {
                                id: c.id.clone(),
                                draft: c.draft.clone(),
                                sent: false,
                            },
                            false,
                        );
                    }
                    dirty = true;
                }
                Effect::SaveDraft(stored) => mailer.save(&stored, true),
                Effect::SendMail(stored) => mailer.send(stored),
                Effect::Postpone(stored) => mailer.build_for_drafts(stored),
                Effect::DiscardDraft(id) => mailer.discard(&id),
                Effect::KeepSentCopy { id, copy } => mailer.keep_sent_copy(&id, &copy),
                Effect::RetrySentCopy(id) => mailer.retry_sent_copy(id),
                Effect::AttachOriginal { id, raw, whole } => mailer.attach_original(id, raw, whole),
                Effect::CompletePath(typed) => mailer.complete_path(typed),
                Effect::Render(uid, raw) => {
                    let width = crate::ui::reader_width(terminal.size()?.width);
                    let tx = render_tx.clone();
                    tokio::task::spawn_blocking(move || {
                        let _ = tx.send((uid, tern_core::mail::render_message(&raw, width)));
                    });
                }
            }
        }
    }
}
