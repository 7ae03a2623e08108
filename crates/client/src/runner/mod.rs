//! The loop and the effect runner: the only code of the client that does IO. It turns
//! each input (keys, resizes, worker events, cache reads, laid-out messages, background
//! results, the fetch timer, the editor's return) into an `Event`, hands it to
//! `app::update::update`, carries out the returned effects, and redraws from the state
//! when something changed.

mod book;
mod control;
mod launch;
mod loader;
mod mailer;

use crate::app::state::{AppState, Effect};
use crate::app::update::{is_typing, update, update_all, wants_tick, Event};
use crate::app::{geometry, keymap::Keymaps, theme::Theme, UiOptions};
use crossterm::event::{Event as Input, EventStream};
use futures::StreamExt;
use launch::Launcher;
use loader::Loader;
use mailer::Mailer;
use std::sync::Arc;
use std::time::Duration;
use tern_core::cache::Cache;
use tern_core::imap::protocol::{WorkerCommand, WorkerEvent};
use tern_core::imap::worker::{self, WorkerHandle, WorkerOptions};
use tern_core::imap::ConnectSettings;
use tokio::sync::mpsc;

/// How long the keys must be quiet before the reader's message is fetched: holding `J`
/// or `j` in the split layout fetches only where the cursor stops.
const FETCH_SETTLE: Duration = Duration::from_millis(60);

/// The next key event. The key reader is dropped (None) before another program (the
/// editor, the shell after Ctrl-z) gets the terminal: its thread would otherwise read
/// that program's keys. It must be dropped before a new one is made: making one waits
/// for the old reader's lock.
async fn next_input(keys: &mut Option<EventStream>) -> Option<std::io::Result<Input>> {
    match keys.as_mut() {
        Some(k) => k.next().await,
        None => std::future::pending().await,
    }
}

fn clock() -> (i64, i32) {
    let now = chrono::Local::now();
    (now.timestamp(), now.offset().local_minus_utc())
}

/// What the runner owns besides the state: the terminal, the worker and the helpers
/// that do the IO.
struct Io {
    terminal: crate::tui::Term,
    keys: Option<EventStream>,
    worker: WorkerHandle,
    loader: Loader,
    launcher: Launcher,
    mailer: Mailer,
    render_tx: mpsc::UnboundedSender<(tern_core::mail::Uid, tern_core::mail::Rendered)>,
    /// For the address book's reads and queries.
    cache: Arc<Cache>,
    back_tx: mpsc::UnboundedSender<crate::app::update::Back>,
    book_command: Option<String>,
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
    let located = |e: tern_core::config::EntryError| match &ui.config_path {
        Some(path) => anyhow::anyhow!(e.located(path)),
        None => anyhow::anyhow!(e),
    };
    let keymaps = Keymaps::build(&ui.keys).map_err(located)?;
    let theme = Theme::from_config(&ui.theme, Theme::no_color_env()).map_err(located)?;
    let (terminal, guard) = crate::tui::init()?;
    let (ev_tx, mut events) = mpsc::unbounded_channel::<WorkerEvent>();
    let worker = worker::spawn(settings, cache.clone(), opts, ev_tx);
    let mut state = AppState::new(account, "INBOX");
    state.theme = theme;
    state.split = ui.split;
    state.osc52 = ui.osc52;
    state.password_prompted = ui.password_prompted;
    state.download_dir = ui.download_dir().display().to_string();
    state.sidebar = ui.sidebar;
    state.names = ui.folders.clone();
    state.keys_help = keymaps.help();
    state.keymaps = keymaps;
    let (back_tx, mut back) = mpsc::unbounded_channel();
    let launcher = Launcher::new(&ui, account, cache.clone(), back_tx.clone());
    let email = ui
        .identity
        .as_ref()
        .map(|i| i.email.clone())
        .unwrap_or_default();
    let mailer = Mailer::new(
        tern_core::compose::store::Store::open(None, account),
        ui.transport.clone(),
        ui.editor.clone(),
        &email,
        back_tx.clone(),
    );
    if let Some(id) = ui.identity.clone() {
        state.identity = id;
    }
    state.save_sent = ui.save_sent;
    state.status = mailer.problem().map(String::from);
    mailer.recover();
    let cache_for_control = cache.clone();
    let cache_for_book = cache.clone();
    state.book_command = ui.address_book_command.is_some();
    let (load_tx, mut loaded) = mpsc::unbounded_channel();
    let mut loader = Loader {
        cache,
        tx: load_tx,
        busy: false,
        again: false,
        shown_once: false,
    };
    loader.request(&state.folder);
    let (render_tx, mut rendered) = mpsc::unbounded_channel();
    let mut io = Io {
        terminal,
        // None while another program has the terminal (see `next_input`).
        keys: Some(EventStream::new()),
        worker,
        loader,
        launcher,
        mailer,
        render_tx,
        cache: cache_for_book,
        back_tx,
        book_command: ui.address_book_command.clone(),
    };
    let size = io.terminal.size()?;
    update(
        &mut state,
        Event::Resize {
            width: size.width,
            height: size.height,
        },
    );
    let mut dirty = true;
    let mut fetch_at: Option<tokio::time::Instant> = None;
    // A dropped SSH link (SIGHUP) or a polite kill (SIGTERM) ends tern like `q`.
    let mut hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    // `tern list` and `tern sync` run meanwhile ask this client (it holds the cache).
    let mut control = control::Control::start(ui.control_socket.as_deref(), cache_for_control);
    let mut logged = 0;
    loop {
        log_said(&state, &mut logged);
        if dirty {
            (state.now, state.utc_offset) = clock();
            io.terminal.draw(|f| crate::ui::render(f, &state))?;
            dirty = false;
        }
        let settle = async {
            match fetch_at {
                Some(t) => tokio::time::sleep_until(t).await,
                None => std::future::pending().await,
            }
        };
        let event = tokio::select! {
            biased;
            _ = hangup.recv() => {
                quit(&state, io, guard).await;
                return Ok(());
            }
            _ = terminate.recv() => {
                quit(&state, io, guard).await;
                return Ok(());
            }
            input = next_input(&mut io.keys) => match input {
                Some(Ok(Input::Key(k))) => Event::Key(k),
                Some(Ok(Input::Resize(width, height))) => Event::Resize { width, height },
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e.into()),
                None => {
                    quit(&state, io, guard).await;
                    return Ok(());
                }
            },
            _ = settle => {
                fetch_at = None;
                Event::FetchDue
            }
            Some(b) = back.recv() => Event::Back(b),
            Some((uid, r)) = rendered.recv() => Event::Rendered(uid, r),
            Some(l) = loaded.recv() => {
                // A read for a folder left meanwhile is dropped by update; read again.
                if l.folder != state.folder {
                    io.loader.again = true;
                }
                if l.done {
                    io.loader.done(&state.folder);
                }
                Event::Loaded(l)
            }
            Some(ev) = events.recv() => match control.intercept(ev) {
                Some(ev) => Event::Worker(ev),
                None => continue,
            },
            Some((request, answer)) = control.requests.recv() => {
                if let Some(cmd) = control.take(request, answer, &state) {
                    io.worker.send(cmd);
                }
                continue;
            }
            _ = tick.tick(), if wants_tick(&state) => Event::Tick { now: clock().0 },
        };
        // A tick redraws only when what it shows changed (nothing is written otherwise).
        let shown = crate::ui::time_shown(&state);
        let ticked = matches!(event, Event::Tick { .. });
        (state.now, state.utc_offset) = clock();
        let typing = is_typing(&state, &event);
        // Everything the worker said so far is applied before the next frame, so no
        // frame shows half of a change (new counts with the old rows).
        let mut batch = vec![event];
        while let Ok(ev) = events.try_recv() {
            batch.extend(control.intercept(ev).map(Event::Worker));
        }
        let mut effects = update_all(&mut state, batch);
        dirty |= !ticked || crate::ui::time_shown(&state) != shown;
        if state.wants_body() && (typing || fetch_at.is_none()) {
            // Every key while a body is wanted pushes the fetch back.
            fetch_at = Some(tokio::time::Instant::now() + FETCH_SETTLE);
        }
        // Effects can lead to more events at once (the editor's return): run them all.
        while !effects.is_empty() {
            let mut more = Vec::new();
            for effect in effects {
                match effect {
                    Effect::Quit => {
                        quit(&state, io, guard).await;
                        return Ok(());
                    }
                    effect => {
                        for ev in carry_out(&mut io, &state, effect).await? {
                            more.extend(update(&mut state, ev));
                        }
                    }
                }
            }
            effects = more;
        }
    }
}

/// Puts in the log what the status line said since the last call (`logged` counts it).
fn log_said(state: &AppState, logged: &mut u64) {
    let new = usize::try_from(state.said_count.saturating_sub(*logged)).unwrap_or(usize::MAX);
    let skip = state.said.len().saturating_sub(new);
    for (_, text) in state.said.iter().skip(skip) {
        tracing::info!(target: "tern::status", "{text}");
    }
    *logged = state.said_count;
}

/// Gives the terminal back, says what is kept for the server, and stops the worker.
async fn quit(state: &AppState, io: Io, guard: crate::tui::Guard) {
    drop(io.keys);
    drop(io.terminal);
    drop(guard);
    if state.queued > 0 {
        // Said on the terminal once it is the shell's again (if there still is one: after
        // a hangup writing fails, which must not panic).
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "tern: {} change(s) made offline are kept and will be sent when tern next reaches the server",
            state.queued
        );
    }
    let _ = tokio::time::timeout(Duration::from_secs(3), io.worker.shutdown()).await;
}

/// The terminal's size now, as an event: after another program had the terminal, a
/// resize made meanwhile was never seen as one.
fn size_now(io: &Io) -> anyhow::Result<Event> {
    let size = io.terminal.size()?;
    Ok(Event::Resize {
        width: size.width,
        height: size.height,
    })
}

/// Carries out one effect; what the state must hear of it comes back as events.
async fn carry_out(io: &mut Io, state: &AppState, effect: Effect) -> anyhow::Result<Vec<Event>> {
    match effect {
        Effect::Quit => {}
        Effect::ReloadFolder => io.loader.request(&state.folder),
        Effect::ReloadHead => io.loader.request_head(&state.folder),
        Effect::Suspend => {
            drop(io.keys.take());
            io.terminal = crate::tui::suspend()?;
            io.keys = Some(EventStream::new());
            return Ok(vec![size_now(io)?]);
        }
        Effect::Send(cmd) => {
            if let WorkerCommand::OpenFolder { .. } = cmd {
                io.loader.shown_once = false;
            }
            io.worker.send(cmd)
        }
        Effect::SaveLayout(split) => io.launcher.save_layout(split),
        Effect::SaveSidebar(shown) => io.launcher.save_sidebar(shown),
        Effect::SaveAttachments { raw, index, to } => io.launcher.save(raw, index, to),
        Effect::CopyText(text) => crate::tui::copy_to_clipboard(&text),
        Effect::LoadAddressBook => book::load(
            io.cache.clone(),
            state.identity.clone(),
            state.now,
            io.back_tx.clone(),
        ),
        Effect::QueryAddressBook(typed) => {
            book::query(io.book_command.clone(), typed, io.back_tx.clone())
        }
        Effect::OpenAttachment { raw, index } => io.launcher.open_attachment(raw, index),
        Effect::OpenUrl { number, url } => io.launcher.open_url(number, url),
        Effect::NewMail {
            folder,
            from,
            subject,
        } => io.launcher.new_mail(&folder, &from, &subject),
        Effect::LoadHits { folder, uids } => io.launcher.load_hits(folder, uids),
        Effect::Edit { stored, regenerate } => {
            io.mailer.save_now(&stored, regenerate).await;
            let Some(path) = io.mailer.text_path(&stored.id) else {
                return Ok(vec![Event::Back(crate::app::update::Back::Note(
                    io.mailer
                        .problem()
                        .unwrap_or("the draft could not be saved")
                        .to_string(),
                ))]);
            };
            // The terminal goes to the editor and comes back after it.
            drop(io.keys.take());
            ratatui::restore();
            let ended = io.mailer.run_editor(&path).await;
            io.terminal = crate::tui::retake()?;
            io.keys = Some(EventStream::new());
            let text = tokio::fs::read_to_string(&path).await.ok();
            return Ok(vec![
                size_now(io)?,
                Event::Edited {
                    id: stored.id,
                    text,
                    ended,
                },
            ]);
        }
        Effect::SaveDraft(stored) => io.mailer.save(&stored, true),
        Effect::KeepEdited(stored) => io.mailer.save(&stored, false),
        Effect::SendMail(stored) => io.mailer.send(stored),
        Effect::Postpone(stored) => io.mailer.build_for_drafts(stored),
        Effect::DiscardDraft(id) => io.mailer.discard(&id),
        Effect::KeepSentCopy { id, copy } => io.mailer.keep_sent_copy(&id, &copy),
        Effect::RetrySentCopy(id) => io.mailer.retry_sent_copy(id),
        Effect::AttachOriginal { id, raw, whole } => io.mailer.attach_original(id, raw, whole),
        Effect::CompletePath(typed) => io.mailer.complete_path(typed),
        Effect::Render { uid, raw, html } => {
            let width = geometry::reader_width(state.screen.0);
            let tx = io.render_tx.clone();
            tokio::task::spawn_blocking(move || {
                let _ = tx.send((uid, tern_core::mail::render_message_as(&raw, width, html)));
            });
        }
    }
    Ok(Vec::new())
}
