//! The loop and the effect runner: the only code of the client that does IO. It turns
//! each input (keys, resizes, worker events, cache reads, laid-out messages, background
//! results, the fetch timer, the editor's return) into an `Event`, hands it to
//! `app::update::update`, carries out the returned effects, and redraws from the state
//! when something changed.

mod accounts;
mod book;
mod control;
mod finder;
mod launch;
mod loader;
mod mailer;
mod watchdog;

use crate::app::state::{AppState, Effect};
use crate::app::update::{is_typing, update, update_all, wants_tick, Event};
use crate::app::{geometry, keymap::Keymaps, theme::Theme, UiOptions};
use accounts::AccountIo;
pub use accounts::AccountSetup;
use crossterm::event::{Event as Input, EventStream};
use futures::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use tern_core::cache::Cache;
use tern_core::imap::protocol::{WorkerCommand, WorkerEvent};
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

/// What the runner owns besides the state: the terminal and every account's IO.
struct Io {
    terminal: crate::tui::Term,
    keys: Option<EventStream>,
    accounts: Vec<AccountIo>,
    render_tx: mpsc::UnboundedSender<(usize, tern_core::mail::Uid, tern_core::mail::Rendered)>,
}

/// Events for one account (None: the account shown, as it is after the update).
type Batch = (Option<usize>, Vec<Event>);

/// Runs the client on the accounts (the first is shown first) until the user quits.
pub async fn run(setups: Vec<AccountSetup>, ui: UiOptions) -> anyhow::Result<()> {
    anyhow::ensure!(!setups.is_empty(), "no account to open");
    // Config mistakes are reported before the screen is taken over.
    let located = |e: tern_core::config::EntryError| match &ui.config_path {
        Some(path) => anyhow::anyhow!(e.located(path)),
        None => anyhow::anyhow!(e),
    };
    let keymaps = Keymaps::build(&ui.keys).map_err(located)?;
    let theme = Theme::from_config(&ui.theme, Theme::no_color_env()).map_err(located)?;
    let (terminal, guard) = crate::tui::init()?;
    watchdog::start();
    let parts: Vec<_> = setups.iter().map(AccountSetup::parts).collect();
    let mut state = AppState::new(&parts[0].name, "INBOX");
    state.set_accounts(&parts);
    state.theme = theme;
    state.split = ui.split;
    state.osc52 = ui.osc52;
    state.download_dir = ui.download_dir().display().to_string();
    state.sidebar = ui.sidebar;
    state.keys_help = keymaps.help();
    state.keymaps = keymaps;
    let (mut accounts, mut inbound) = accounts::start(setups, &ui);
    state.status = accounts[0].mailer.problem().map(String::from);
    accounts[0].loader.request(&state.folder);
    let (render_tx, mut rendered) = mpsc::unbounded_channel();
    let mut io = Io {
        terminal,
        // None while another program has the terminal (see `next_input`).
        keys: Some(EventStream::new()),
        accounts,
        render_tx,
    };
    // Each account's Outbox is sent from the start, whichever account is shown.
    for a in &io.accounts {
        a.mailer.start_outbox();
    }
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
    let mut logged = 0;
    loop {
        log_said(&state, &mut logged);
        // Drafts kept on this machine are offered once their account is shown.
        if let Some(a) = io.accounts.get_mut(state.active).filter(|a| !a.recovered) {
            a.recovered = true;
            a.mailer.recover();
        }
        if dirty {
            (state.now, state.utc_offset) = clock();
            io.terminal.paint(&state)?;
            dirty = false;
        }
        let settle = async {
            match fetch_at {
                Some(t) => tokio::time::sleep_until(t).await,
                None => std::future::pending().await,
            }
        };
        let (target, event): (Option<usize>, Event) = tokio::select! {
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
                Some(Ok(Input::Key(k))) => (None, Event::Key(k)),
                Some(Ok(Input::Resize(width, height))) => (None, Event::Resize { width, height }),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e.into()),
                None => {
                    quit(&state, io, guard).await;
                    return Ok(());
                }
            },
            _ = settle => {
                fetch_at = None;
                (None, Event::FetchDue)
            }
            Some((i, b)) = inbound.back.recv() => (Some(i), Event::Back(b)),
            Some((i, uid, r)) = rendered.recv() => (Some(i), Event::Rendered(uid, r)),
            Some((i, l)) = inbound.loaded.recv() => {
                let Some(a) = io.accounts.get_mut(i) else { continue };
                // A read for a folder left meanwhile is dropped by update; read again.
                let folder = state.folder_of(i).to_string();
                if l.folder != folder {
                    a.loader.again = true;
                }
                if l.done {
                    a.loader.done(&folder);
                }
                (Some(i), Event::Loaded(l))
            }
            Some((i, ev)) = inbound.worker.recv() => {
                // Back online: what waits in the Outbox is tried now, not at its time.
                if let (WorkerEvent::Online, Some(a)) = (&ev, io.accounts.get(i)) {
                    a.mailer.kick_outbox();
                }
                match io.accounts.get_mut(i).and_then(|a| a.control.intercept(ev)) {
                    Some(ev) => (Some(i), Event::Worker(ev)),
                    None => continue,
                }
            }
            Some((i, (request, answer))) = inbound.control.recv() => {
                state.enter(i);
                let caches: Vec<Arc<Cache>> = io.accounts.iter().map(|a| a.cache.clone()).collect();
                let cmd = io
                    .accounts
                    .get_mut(i)
                    .and_then(|a| a.control.take(request, answer, &state, caches));
                state.leave(i);
                if let (Some(cmd), Some(a)) = (cmd, io.accounts.get(i)) {
                    a.worker.send(cmd);
                }
                continue;
            }
            _ = tick.tick(), if wants_tick(&state) => (None, Event::Tick { now: clock().0 }),
        };
        // A tick redraws only when what it shows changed (nothing is written otherwise).
        let shown = crate::ui::time_shown(&state);
        let ticked = matches!(event, Event::Tick { .. });
        (state.now, state.utc_offset) = clock();
        let typing = is_typing(&state, &event);
        // Everything the workers said so far is applied before the next frame, so no
        // frame shows half of a change (new counts with the old rows).
        let mut batches: std::collections::VecDeque<Batch> = vec![(target, vec![event])].into();
        while let Ok((i, ev)) = inbound.worker.try_recv() {
            let Some(ev) = io.accounts.get_mut(i).and_then(|a| a.control.intercept(ev)) else {
                continue;
            };
            match batches.back_mut() {
                Some((Some(j), list)) if *j == i => list.push(Event::Worker(ev)),
                _ => batches.push_back((Some(i), vec![Event::Worker(ev)])),
            }
        }
        while let Some((target, events)) = batches.pop_front() {
            match apply_batch(&mut state, &mut io, target, events).await? {
                Flow::Quit => {
                    quit(&state, io, guard).await;
                    return Ok(());
                }
                Flow::Go(more) => batches.extend(more),
            }
        }
        dirty |= !ticked || crate::ui::time_shown(&state) != shown;
        if state.wants_body() && (typing || fetch_at.is_none()) {
            // Every key while a body is wanted pushes the fetch back.
            fetch_at = Some(tokio::time::Instant::now() + FETCH_SETTLE);
        }
    }
}

/// What the loop does after a batch.
enum Flow {
    Quit,
    /// Go on, with these events for other accounts.
    Go(Vec<Batch>),
}

/// Applies events to their account's part of the state (entered for the time of it)
/// and carries out the effects with that account's IO.
async fn apply_batch(
    state: &mut AppState,
    io: &mut Io,
    target: Option<usize>,
    events: Vec<Event>,
) -> anyhow::Result<Flow> {
    let entered = target.filter(|&i| i != state.active && i < io.accounts.len());
    if let Some(i) = entered {
        state.enter(i);
    }
    let mut effects = update_all(state, events);
    // A key may have shown another account: its effects are that account's.
    let account = entered.unwrap_or(state.active);
    let mut relayed = Vec::new();
    // Effects can lead to more events at once (the editor's return): run them all.
    while !effects.is_empty() {
        let mut more = Vec::new();
        for effect in effects {
            match effect {
                Effect::Quit => {
                    if let Some(i) = entered {
                        state.leave(i);
                    }
                    return Ok(Flow::Quit);
                }
                Effect::Refused { account, id, error } => relayed.push((
                    Some(account),
                    vec![Event::Worker(WorkerEvent::Failed { id, error })],
                )),
                effect => {
                    for ev in carry_out(io, account, state, effect).await? {
                        more.extend(update(state, ev));
                    }
                }
            }
        }
        effects = more;
    }
    if let Some(i) = entered {
        state.leave(i);
    }
    Ok(Flow::Go(relayed))
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
    let queued = state.queued_everywhere();
    if queued > 0 {
        // Said on the terminal once it is the shell's again (if there still is one: after
        // a hangup writing fails, which must not panic).
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "tern: {queued} change(s) made offline are kept and will be sent when tern next reaches the server"
        );
    }
    let stops = io.accounts.into_iter().map(|a| a.worker.shutdown());
    let _ = tokio::time::timeout(Duration::from_secs(3), futures::future::join_all(stops)).await;
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

/// Carries out one effect of account `i` (whose part of the state is in the fields);
/// what the state must hear of it comes back as events.
async fn carry_out(
    io: &mut Io,
    i: usize,
    state: &AppState,
    effect: Effect,
) -> anyhow::Result<Vec<Event>> {
    let caches: Vec<Arc<Cache>> = match effect {
        Effect::LoadAddressBook => io.accounts.iter().map(|a| a.cache.clone()).collect(),
        _ => Vec::new(),
    };
    if let Effect::SendTo { account, command } = effect {
        if let Some(a) = io.accounts.get_mut(account) {
            if let WorkerCommand::OpenFolder { .. } = command {
                a.loader.shown_once = false;
            }
            a.worker.send(command);
        }
        return Ok(Vec::new());
    }
    if let Effect::ReloadOf(j) = effect {
        if let Some(a) = io.accounts.get_mut(j) {
            a.loader.request(state.folder_of(j));
        }
        return Ok(Vec::new());
    }
    if let Effect::FindEverywhere {
        id,
        words,
        terms,
        folders,
    } = effect
    {
        let finders = io.accounts.iter().map(|a| &a.finder).enumerate().collect();
        if let Some(a) = io.accounts.get(i) {
            finder::find_everywhere(finders, id, words, terms, folders, a.back_tx.clone());
        }
        return Ok(Vec::new());
    }
    let Some(a) = io.accounts.get_mut(i) else {
        return Ok(Vec::new());
    };
    match effect {
        Effect::Quit
        | Effect::SendTo { .. }
        | Effect::Refused { .. }
        | Effect::ReloadOf(_)
        | Effect::FindEverywhere { .. } => {}
        Effect::ReloadFolder => a.loader.request(&state.folder),
        Effect::ReloadHead => a.loader.request_head(&state.folder),
        Effect::ReloadNewer(after) => a.loader.request_newer(&state.folder, after),
        Effect::Suspend => {
            drop(io.keys.take());
            io.terminal = crate::tui::suspend()?;
            io.keys = Some(EventStream::new());
            return Ok(vec![size_now(io)?]);
        }
        Effect::Send(cmd) => {
            if let WorkerCommand::OpenFolder { .. } = cmd {
                a.loader.shown_once = false;
            }
            a.worker.send(cmd)
        }
        Effect::SaveLayout(split) => a.launcher.save_layout(split),
        Effect::SaveSidebar(shown) => a.launcher.save_sidebar(shown),
        Effect::SaveAttachments { raw, index, to } => a.launcher.save(raw, index, to),
        Effect::CopyText(text) => crate::tui::copy_to_clipboard(&text),
        Effect::LoadAddressBook => {
            book::load(caches, state.identity.clone(), state.now, a.back_tx.clone())
        }
        Effect::QueryAddressBook(typed) => {
            book::query(a.book_command.clone(), typed, a.back_tx.clone())
        }
        Effect::OpenAttachment { raw, index } => a.launcher.open_attachment(raw, index),
        Effect::OpenUrl { number, url } => a.launcher.open_url(number, url),
        Effect::NewMail {
            folder,
            from,
            subject,
        } => a.launcher.new_mail(&folder, &from, &subject),
        Effect::LoadHits { folder, uids } => a.launcher.load_hits(folder, uids),
        Effect::Find {
            id,
            folder,
            words,
            terms,
        } => a
            .finder
            .find_here(id, folder, words, terms, a.back_tx.clone()),
        Effect::Edit { stored, regenerate } => {
            a.mailer.save_now(&stored, regenerate).await;
            let Some(path) = a.mailer.text_path(&stored.id) else {
                return Ok(vec![Event::Back(crate::app::update::Back::Note(
                    a.mailer
                        .problem()
                        .unwrap_or("the draft could not be saved")
                        .to_string(),
                ))]);
            };
            // The terminal goes to the editor and comes back after it.
            drop(io.keys.take());
            ratatui::restore();
            let ended = a.mailer.run_editor(&path).await;
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
        Effect::SaveDraft(stored) => a.mailer.save(&stored, true),
        Effect::KeepEdited(stored) => a.mailer.save(&stored, false),
        Effect::SendMail(stored) => a.mailer.send(stored),
        Effect::Postpone(stored) => a.mailer.build_for_drafts(stored),
        Effect::DiscardDraft(id) => a.mailer.discard(&id),
        Effect::ReopenQueued(id) => a.mailer.reopen_queued(id),
        Effect::KickOutbox => a.mailer.kick_outbox(),
        Effect::OutboxResolved { id, sent } => a.mailer.resolve_unsure(id, sent),
        Effect::KeepSentCopy { id, copy } => a.mailer.keep_sent_copy(&id, &copy),
        Effect::RetrySentCopy(id) => a.mailer.retry_sent_copy(id),
        Effect::AttachOriginal { id, raw, whole } => a.mailer.attach_original(id, raw, whole),
        Effect::CompletePath(typed) => a.mailer.complete_path(typed),
        Effect::Render { uid, raw, html } => {
            let width = geometry::reader_width(state.screen.0);
            let tx = io.render_tx.clone();
            tokio::task::spawn_blocking(move || {
                let _ = tx.send((
                    i,
                    uid,
                    tern_core::mail::render_message_as(&raw, width, html),
                ));
            });
        }
    }
    Ok(Vec::new())
}
