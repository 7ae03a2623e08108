//! The one place the state changes. Every input (a key, a resize, a worker event, a
//! cache read, a laid-out message, background work, the fetch timer, the editor's
//! return) becomes one `Event`; `update` applies it and returns what must be done. No IO,
//! no clock, no channel: the runner (`crate::runner`) does the effects, and drawing only
//! reads the state.

use super::keymap::Matched;
use super::state::{AppState, Effect, Focus, STATUS_SECONDS};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::path::PathBuf;
use tern_core::imap::protocol::WorkerEvent;
use tern_core::mail::{Rendered, Row, Uid};

/// What background work reports to the loop.
#[derive(Debug)]
pub enum Back {
    /// A line for the status bar.
    Note(String),
    /// Link `number` could not be opened (why): show it whole.
    ShowLink {
        number: usize,
        url: String,
        why: String,
    },
    /// The account's addresses, read from the cache.
    AddressBook(Vec<tern_core::addressbook::Known>),
    /// What `address-book-command` answered for the typed text.
    BookHits(String, Vec<tern_core::addressbook::Known>),
    /// Search-all hits read from the cache.
    Hits(String, Vec<Row>),
    /// What the local index found for `/` (false) or `:search-all` (true).
    Found(super::search::Found, bool),
    /// A send or postpone ended.
    Mail(super::compose::MailResult),
    /// A forward's files were written: (draft, files, the whole message if attached).
    Attached(String, Vec<PathBuf>, Option<PathBuf>),
    /// A path completion: (typed, completed).
    Completed(String, String),
    /// Drafts kept on this machine, found at start.
    Recovered(Vec<tern_core::compose::store::Stored>),
    /// The Sent copy of a sent draft, read back to store again.
    SentCopy(String, Vec<u8>),
}

/// A cache read of a folder.
#[derive(Debug)]
pub struct Loaded {
    pub folder: String,
    pub uidvalidity: u32,
    /// Newest first: the whole folder, or its first screens.
    pub list: Vec<Row>,
    /// The request is finished (no further read follows from it).
    pub done: bool,
    /// Messages the folder holds in the cache (more than `list` for a first read).
    pub total: u64,
    /// Only the messages above this UID (new mail): added to the rows shown.
    pub newer_than: Option<Uid>,
}

/// Messages read first, so the first screen is drawn before the whole folder is read.
pub const FIRST_READ: usize = 300;

/// Everything that can change the state.
#[derive(Debug)]
pub enum Event {
    Key(KeyEvent),
    /// The terminal is now this many columns and rows.
    Resize {
        width: u16,
        height: u16,
    },
    Worker(WorkerEvent),
    /// A read of a folder from the cache.
    Loaded(Loaded),
    /// A fetched message, laid out off the loop.
    Rendered(Uid, Rendered),
    /// Background work (saving, sending, searching the cache) reported.
    Back(Back),
    /// The keys were quiet long enough: fetch the reader's message.
    FetchDue,
    /// A second passed (sent while something on screen depends on the time): `now` in
    /// seconds since the epoch.
    Tick {
        now: i64,
    },
    /// The editor returned on draft `id`: its file's text (None: unreadable) and how it ended.
    Edited {
        id: String,
        text: Option<String>,
        ended: Result<(), String>,
    },
}

/// Whether an event is a key press that acts on the list or a prompt (it pushes the
/// reader's fetch back: holding `j` fetches only where the cursor stops).
pub fn is_typing(state: &AppState, event: &Event) -> bool {
    matches!(event, Event::Key(k) if k.kind != KeyEventKind::Release && state.compose.is_none())
}

/// Applies one event; returns the effects for the runner.
pub fn update(state: &mut AppState, event: Event) -> Vec<Effect> {
    let effects = apply(state, event);
    state.relayout();
    if !state.entered {
        state.rebuild_merged();
    }
    effects
}

/// Applies several events that arrived together (what the worker said meanwhile), then
/// lays the screen out once: laying out re-wraps the reader's message, which a burst of
/// sync progress must not do hundreds of times.
pub fn update_all(state: &mut AppState, events: impl IntoIterator<Item = Event>) -> Vec<Effect> {
    let mut effects = Vec::new();
    for event in events {
        effects.extend(apply(state, event));
    }
    state.relayout();
    if !state.entered {
        state.rebuild_merged();
    }
    effects
}

/// One event without the layout.
fn apply(state: &mut AppState, event: Event) -> Vec<Effect> {
    let before = state.status.clone();
    // What is said while typing in a prompt (completion hints) is not kept.
    let hint = matches!(event, Event::Key(_)) && state.prompt.is_some();
    let mut acted = false;
    let effects = match event {
        Event::Key(k) if k.kind == KeyEventKind::Release => Vec::new(),
        Event::Key(k) => {
            let (effects, did) = key(state, k);
            acted = did;
            effects
        }
        Event::Tick { now } => {
            state.now = now;
            if state.status.is_some() && now - state.status_at >= STATUS_SECONDS {
                state.status = None;
            }
            Vec::new()
        }
        Event::Resize { width, height } => {
            state.resize(width, height);
            Vec::new()
        }
        Event::Worker(ev) => state.on_worker(ev),
        Event::Loaded(l) => loaded(state, l),
        Event::Rendered(uid, r) => {
            state.set_rendered(uid, r);
            Vec::new()
        }
        Event::Back(b) => back(state, b),
        Event::FetchDue => state.fetch_due(),
        Event::Edited { id, text, ended } => {
            state.edited(&id, text, ended);
            // The user's words are kept as they are (the file is not made anew).
            state
                .compose
                .as_ref()
                .filter(|c| c.id == id)
                .map(|c| {
                    vec![Effect::KeepEdited(tern_core::compose::store::Stored {
                        id: c.id.clone(),
                        draft: c.draft.clone(),
                        sent: false,
                    })]
                })
                .unwrap_or_default()
        }
    };
    // What another account's events say is said with its name.
    if state.entered && state.status != before {
        if let Some(text) = state.status.as_mut() {
            *text = format!("{}: {text}", tern_core::mail::sanitize(&state.account));
        }
    }
    // A message stays STATUS_SECONDS from when it was said (a key that acts says anew).
    if state.status.is_some() && (acted || state.status != before) {
        state.status_at = state.now;
        if let Some(said) = state.status.clone().filter(|_| !hint) {
            state.said.push_back((state.now, said));
            state.said_count += 1;
            if state.said.len() > super::state::SAID_KEPT {
                state.said.pop_front();
            }
        }
    }
    effects
}

/// A key; also whether it acted (which clears the last message first).
fn key(state: &mut AppState, k: KeyEvent) -> (Vec<Effect>, bool) {
    if state.prompt.is_some() {
        return (state.prompt_key(k), false);
    }
    if state.compose.is_some() {
        // The review screen takes single letters (y e a d p q).
        let effects = match k.code {
            KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => state.review_key(c),
            KeyCode::Esc => state.review_key('q'),
            _ => Vec::new(),
        };
        return (effects, false);
    }
    // The help pages like the reader (Space, b, g g, G, /, n, N, q).
    let in_reader = state.help || (state.reader.is_some() && state.focus == Focus::Reader);
    let keymap = if in_reader {
        &mut state.keymaps.reader
    } else {
        &mut state.keymaps.list
    };
    match keymap.feed(k.into()) {
        Matched::Action(a) => {
            state.pending_keys = false;
            // The last message has been read: the key that acts clears it.
            state.status = None;
            (state.act(a), true)
        }
        Matched::Pending => {
            state.pending_keys = true;
            (Vec::new(), false)
        }
        Matched::Nothing => {
            state.pending_keys = false;
            (Vec::new(), false)
        }
    }
}

/// Whether something on screen changes with the time alone (the retry countdown, a
/// message that will go): the runner then sends a `Tick` every second.
pub fn wants_tick(state: &AppState) -> bool {
    state.status.is_some() || matches!(state.link, super::state::Link::Offline { .. })
}

/// A cache read arrived; one for a folder left meanwhile is dropped.
fn loaded(state: &mut AppState, l: Loaded) -> Vec<Effect> {
    if l.folder != state.folder {
        return Vec::new();
    }
    if l.newer_than.is_some() {
        return match l.uidvalidity {
            0 => Vec::new(), // the read failed (logged); the rows stay
            v if v != state.uidvalidity => vec![Effect::ReloadFolder],
            // (The count grows by the rows added: changes on their way are laid on.)
            _ => state.add_messages(l.list),
        };
    }
    if l.uidvalidity != state.uidvalidity && state.uidvalidity != 0 {
        state.max_uid = 0; // a replaced folder: its UIDs start over
    }
    state.uidvalidity = l.uidvalidity;
    state.total = l.total;
    state.whole_coming = !l.done;
    if !l.done {
        state.since_read = None; // the whole read that follows starts after this
    }
    let mut effects = state.set_messages(l.list);
    if l.done {
        effects.extend(state.whole_read_arrived());
    }
    effects
}

/// What background work reported.
fn back(state: &mut AppState, b: Back) -> Vec<Effect> {
    match b {
        Back::Note(n) => state.status = Some(n),
        Back::ShowLink { number, url, why } => state.show_link(number, url, why),
        Back::AddressBook(book) => {
            state.address_book = book;
            state.book_loading = false;
            state.book_read_at = Some(state.now);
            if std::mem::take(&mut state.tab_on_book) && state.prompt.is_some() {
                return state.complete_address();
            }
        }
        Back::BookHits(typed, hits) => return state.book_answered(typed, hits),
        Back::Hits(folder, list) => state.add_hits(&folder, list),
        Back::Found(found, false) => return state.found_here(found),
        Back::Found(found, true) => return state.found_everywhere(found),
        Back::Mail(r) => return state.mail_result(r),
        Back::Attached(id, files, whole) => state.originals_attached(&id, files, whole),
        Back::Completed(before, after) => state.path_completed(&before, after),
        Back::Recovered(list) => return state.recovered(list),
        Back::SentCopy(id, copy) => return state.retry_sent_copy(id, copy),
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(c: char) -> Event {
        Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
    }

    #[test]
    fn keys_resize_and_reads_go_through_update_alone() {
        let mut s = AppState::new("acct", "INBOX");
        update(
            &mut s,
            Event::Resize {
                width: 80,
                height: 24,
            },
        );
        assert!(!s.sidebar_visible, "80 columns fold the sidebar away");
        assert_eq!(s.rows, 23);
        update(
            &mut s,
            Event::Resize {
                width: 200,
                height: 50,
            },
        );
        assert!(s.sidebar_visible);
        let read = |folder: &str| Loaded {
            folder: folder.into(),
            uidvalidity: 7,
            list: (1..=30)
                .rev()
                .map(|uid| {
                    Row::of(&tern_core::mail::MessageSummary {
                        uid,
                        ..Default::default()
                    })
                })
                .collect(),
            done: true,
            total: 30,
            newer_than: None,
        };
        // A read for another folder is dropped.
        update(&mut s, Event::Loaded(read("Archive")));
        assert_eq!(s.shown_len(), 0);
        update(&mut s, Event::Loaded(read("INBOX")));
        assert_eq!((s.shown_len(), s.uidvalidity), (30, 7));
        // `g g` is a sequence: the first `g` waits, the second acts.
        update(&mut s, press('G'));
        assert_eq!(s.cursor, 29);
        assert!(update(&mut s, press('g')).is_empty());
        assert!(s.pending_keys);
        update(&mut s, press('g'));
        assert_eq!((s.cursor, s.pending_keys), (0, false));
        assert_eq!(update(&mut s, press('q')), vec![Effect::Quit]);
    }
}
