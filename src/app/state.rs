//! Everything the screen shows, and how actions and worker events change it. No IO:
//! the loop turns the returned effects into commands and cache reads.

use super::reader::Reader;
use super::triage::Rollback;
use crate::action::Action;
use crate::imap::protocol::{DoneResult, WorkerEvent};
use crate::mail::{
    sidebar_order, special_folder, Flag, FolderInfo, MessageSummary, Rendered, SpecialUse, Uid,
};
use std::collections::HashMap;

/// The account's link as the status bar shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    Connecting,
    Online,
    Offline { reason: String, retry_in_secs: u64 },
    LoginRefused(String),
}

/// What the loop must do after a change of state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Read the open folder from the cache again.
    ReloadFolder,
    /// Tell the worker which folder is open (it syncs and watches it).
    OpenFolder(String),
    /// Ask the worker to sync the open folder.
    Sync,
    /// Fetch a message's body (it is shown when it arrives).
    FetchBody(Uid),
    /// Tell the server a message was read (already shown as read).
    MarkSeen(Uid),
    /// Give the terminal back to the shell until resumed.
    Suspend,
    /// Lay out a fetched message off the loop.
    Render(Uid, Vec<u8>),
    /// Add or remove a flag on the server (already shown).
    SetFlags {
        uids: Vec<Uid>,
        flag: String,
        add: bool,
        rollback: Rollback,
    },
    /// Move messages away (`dest` None: to Trash), already gone from the list.
    Remove {
        uids: Vec<Uid>,
        dest: Option<String>,
        rollback: Rollback,
    },
    Quit,
}

/// The state of the whole screen.
#[derive(Debug, Clone)]
pub struct AppState {
    pub account: String,
    pub folder: String,
    /// The open folder's UIDVALIDITY (0 until read from the cache).
    pub uidvalidity: u32,
    /// The open folder as shown (the filter applied), newest first.
    pub messages: Vec<MessageSummary>,
    /// The open folder, all of it.
    pub all: Vec<MessageSummary>,
    /// The `/` filter in force.
    pub filter: Option<String>,
    /// The text being typed at the `/` prompt, while it is open.
    pub prompt: Option<String>,
    /// The key help is shown.
    pub help: bool,
    /// The message open in the reader, if any (the reader then has the screen).
    pub reader: Option<Reader>,
    /// Index of the message under the cursor.
    pub cursor: usize,
    /// Index of the first message shown.
    pub top: usize,
    /// Rows the message list has on screen (set by the loop from the terminal size).
    pub rows: usize,
    pub link: Link,
    /// Sync progress of the open folder: (done, total).
    pub progress: Option<(u64, u64)>,
    /// The last thing the user should read (an error in plain words, a notice).
    pub status: Option<String>,
    /// A key sequence is half typed.
    pub pending_keys: bool,
    /// The account's folders, as last listed by the worker.
    pub folders: Vec<FolderInfo>,
    /// Requests shown before the server answered, with how to undo each.
    pub in_flight: HashMap<u64, Rollback>,
    /// The current time and the local UTC offset (seconds), set by the loop, so that
    /// drawing reads no clock.
    pub now: i64,
    pub utc_offset: i32,
}

impl AppState {
    /// A fresh state for an account's folder.
    pub fn new(account: &str, folder: &str) -> AppState {
        AppState {
            account: account.to_string(),
            folder: folder.to_string(),
            uidvalidity: 0,
            messages: Vec::new(),
            all: Vec::new(),
            filter: None,
            prompt: None,
            help: false,
            reader: None,
            cursor: 0,
            top: 0,
            rows: 20,
            link: Link::Connecting,
            progress: None,
            status: None,
            pending_keys: false,
            folders: Vec::new(),
            in_flight: HashMap::new(),
            now: 0,
            utc_offset: 0,
        }
    }

    /// Replaces the list (after a cache read), keeping the cursor on the same message.
    pub fn set_messages(&mut self, mut messages: Vec<MessageSummary>) {
        self.overlay_in_flight(&mut messages);
        let uid = self.messages.get(self.cursor).map(|m| m.uid);
        self.messages = self.filtered(&messages);
        self.all = messages;
        self.cursor = uid
            .and_then(|u| self.messages.iter().position(|m| m.uid == u))
            .unwrap_or(self.cursor)
            .min(self.messages.len().saturating_sub(1));
        self.scroll_to_cursor();
    }

    fn move_cursor(&mut self, delta: isize) {
        let last = self.messages.len().saturating_sub(1);
        self.cursor = self.cursor.saturating_add_signed(delta).min(last);
        self.scroll_to_cursor();
    }

    fn scroll_to_cursor(&mut self) {
        let rows = self.rows.max(1);
        if self.cursor < self.top {
            self.top = self.cursor;
        } else if self.cursor >= self.top + rows {
            self.top = self.cursor + 1 - rows;
        }
    }

    /// Opens the message under the cursor: shown as read at once, fetched, and marked
    /// read on the server.
    fn open(&mut self) -> Vec<Effect> {
        let Some(m) = self.messages.get_mut(self.cursor) else {
            return Vec::new();
        };
        let mut effects = vec![Effect::FetchBody(m.uid)];
        if !m.flags.has(Flag::Seen) {
            m.flags.set(Flag::Seen, true);
            effects.push(Effect::MarkSeen(m.uid));
        }
        self.reader = Some(Reader::new(m.uid));
        effects
    }

    /// A rendered message arrived for the reader.
    pub fn set_rendered(&mut self, uid: Uid, rendered: Rendered) {
        if let Some(r) = self.reader.as_mut().filter(|r| r.uid == uid) {
            r.rendered = Some(rendered);
            r.scroll = 0;
        }
    }

    /// Opens the folder `delta` places away in the sidebar (wrapping around).
    fn switch_folder(&mut self, delta: isize) -> Vec<Effect> {
        let order = sidebar_order(&self.folders);
        if order.is_empty() {
            return Vec::new();
        }
        let here = order
            .iter()
            .position(|f| f.name == self.folder)
            .unwrap_or(0) as isize;
        let n = order.len() as isize;
        let next = order[(here + delta).rem_euclid(n) as usize].name.clone();
        if next == self.folder {
            return Vec::new();
        }
        self.folder = next.clone();
        self.messages.clear();
        self.all.clear();
        self.filter = None;
        self.uidvalidity = 0;
        self.cursor = 0;
        self.top = 0;
        self.progress = None;
        vec![Effect::OpenFolder(next), Effect::ReloadFolder]
    }

    /// Applies a user action; the reader takes it first when open.
    pub fn act(&mut self, action: Action) -> Vec<Effect> {
        // Any key closes the help; `?` opens it.
        if std::mem::take(&mut self.help) {
            return Vec::new();
        }
        if action == Action::Help {
            self.help = true;
            return Vec::new();
        }
        if action == Action::Suspend {
            return vec![Effect::Suspend];
        }
        if let Some(reader) = self.reader.as_mut() {
            match action {
                Action::Quit => {
                    self.reader = None;
                    return Vec::new();
                }
                Action::NextMessage | Action::PreviousMessage => {
                    let before = self.cursor;
                    self.move_cursor(if action == Action::NextMessage { 1 } else { -1 });
                    return if self.cursor == before {
                        Vec::new()
                    } else {
                        self.open()
                    };
                }
                a => {
                    reader.apply(a);
                    return Vec::new();
                }
            }
        }
        match action {
            Action::Open => return self.open(),
            Action::Search => {
                self.start_prompt();
                return Vec::new();
            }
            Action::ClearSearch => {
                self.set_filter(None);
                return Vec::new();
            }
            Action::NextFolder => return self.switch_folder(1),
            Action::PreviousFolder => return self.switch_folder(-1),
            Action::ToggleFlagged => return self.toggle(Flag::Flagged),
            Action::ToggleUnread => return self.toggle(Flag::Seen),
            Action::Archive => {
                let dest = special_folder(&self.folders, None, SpecialUse::Archive, "Archive");
                if dest == self.folder {
                    self.status = Some("already in the archive folder".into());
                    return Vec::new();
                }
                return self.remove_to(Some(dest));
            }
            Action::Delete => {
                let trash = special_folder(&self.folders, None, SpecialUse::Trash, "Trash");
                if trash == self.folder {
                    // Permanent deletion needs a confirmation prompt, which comes later.
                    self.status = Some("deleting from Trash for good is not available yet".into());
                    return Vec::new();
                }
                return self.remove_to(None);
            }
            _ => {}
        }
        self.apply(action).into_iter().collect()
    }

    /// Applies a user action in the message list.
    pub fn apply(&mut self, action: Action) -> Option<Effect> {
        let half = (self.rows / 2).max(1) as isize;
        let page = self.rows.max(1) as isize;
        match action {
            Action::Down => self.move_cursor(1),
            Action::Up => self.move_cursor(-1),
            Action::First => self.move_cursor(isize::MIN / 2),
            Action::Last => self.move_cursor(isize::MAX / 2),
            Action::HalfPageDown => self.move_cursor(half),
            Action::HalfPageUp => self.move_cursor(-half),
            Action::PageDown => self.move_cursor(page),
            Action::PageUp => self.move_cursor(-page),
            Action::SyncNow => return Some(Effect::Sync),
            Action::Quit => return Some(Effect::Quit),
            Action::Open
            | Action::NextMessage
            | Action::PreviousMessage
            | Action::ToggleFlagged
            | Action::ToggleUnread
            | Action::Delete
            | Action::Archive
            | Action::NextFolder
            | Action::PreviousFolder
            | Action::Search
            | Action::ClearSearch
            | Action::Help
            | Action::Suspend => {}
        }
        None
    }

    /// Applies a worker event.
    pub fn on_worker(&mut self, event: WorkerEvent) -> Option<Effect> {
        match event {
            WorkerEvent::Connecting => self.link = Link::Connecting,
            WorkerEvent::Online => self.link = Link::Online,
            WorkerEvent::Offline {
                reason,
                retry_in_secs,
            } => {
                self.link = Link::Offline {
                    reason,
                    retry_in_secs,
                }
            }
            WorkerEvent::LoginRefused(words) => self.link = Link::LoginRefused(words),
            WorkerEvent::SyncProgress(p) if p.folder == self.folder => {
                self.progress = Some((p.done, p.total));
                return Some(Effect::ReloadFolder);
            }
            WorkerEvent::FolderSynced(r) if r.folder == self.folder => {
                self.progress = None;
                return Some(Effect::ReloadFolder);
            }
            WorkerEvent::Done {
                result: DoneResult::Body { folder, uid, raw },
                ..
            } if folder == self.folder && self.reader.as_ref().is_some_and(|r| r.uid == uid) => {
                return Some(Effect::Render(uid, raw));
            }
            WorkerEvent::Folders(list) => self.folders = list,
            WorkerEvent::Done { id, .. } if self.in_flight.contains_key(&id) => {
                self.in_flight.remove(&id);
            }
            WorkerEvent::Failed { id, error } => {
                if let Some(rollback) = self.in_flight.remove(&id) {
                    self.roll_back(rollback);
                }
                if let Some(r) = self.reader.as_mut().filter(|r| r.request == Some(id)) {
                    r.rendered = Some(Rendered {
                        note: Some(format!("the message could not be fetched: {error}")),
                        ..Rendered::default()
                    });
                }
                self.status = Some(error);
            }
            WorkerEvent::Notice(text) => self.status = Some(text),
            _ => {}
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(n: u32) -> AppState {
        let mut s = AppState::new("acct", "INBOX");
        s.rows = 10;
        s.set_messages(
            (0..n)
                .map(|i| MessageSummary {
                    uid: n - i,
                    ..MessageSummary::default()
                })
                .collect(),
        );
        s
    }

    #[test]
    fn cursor_moves_and_scrolls_within_bounds() {
        let mut s = state(100);
        s.apply(Action::Up);
        assert_eq!((s.cursor, s.top), (0, 0));
        for _ in 0..12 {
            s.apply(Action::Down);
        }
        assert_eq!((s.cursor, s.top), (12, 3));
        s.apply(Action::Last);
        assert_eq!((s.cursor, s.top), (99, 90));
        s.apply(Action::HalfPageUp);
        assert_eq!(s.cursor, 94);
        s.apply(Action::First);
        assert_eq!((s.cursor, s.top), (0, 0));
        assert_eq!(s.apply(Action::Quit), Some(Effect::Quit));
    }

    #[test]
    fn reload_keeps_the_cursor_on_its_message() {
        let mut s = state(50);
        s.apply(Action::PageDown); // cursor on uid 40
        let uid = s.messages[s.cursor].uid;
        let mut more: Vec<MessageSummary> = (51..=53)
            .rev()
            .map(|u| MessageSummary {
                uid: u,
                ..MessageSummary::default()
            })
            .collect();
        more.extend(s.messages.clone());
        s.set_messages(more);
        assert_eq!(s.messages[s.cursor].uid, uid);
    }

    #[test]
    fn open_shows_read_at_once_fetches_and_marks_seen_once() {
        let mut s = state(5);
        let uid = s.messages[0].uid;
        assert_eq!(
            s.act(Action::Open),
            vec![Effect::FetchBody(uid), Effect::MarkSeen(uid)]
        );
        assert!(s.messages[0].flags.has(Flag::Seen));
        assert_eq!(s.reader.as_ref().map(|r| r.uid), Some(uid));
        // Next message from inside the reader; the list cursor follows.
        let next = s.messages[1].uid;
        assert_eq!(
            s.act(Action::NextMessage),
            vec![Effect::FetchBody(next), Effect::MarkSeen(next)]
        );
        assert_eq!(s.cursor, 1);
        assert_eq!(s.act(Action::PreviousMessage), vec![Effect::FetchBody(uid)]);
        // q closes the reader, and only then quits.
        assert!(s.act(Action::Quit).is_empty());
        assert!(s.reader.is_none());
        assert_eq!(s.act(Action::Quit), vec![Effect::Quit]);
    }

    #[test]
    fn triage_shows_at_once_and_rolls_back_when_refused() {
        let mut s = state(5);
        let uid = s.messages[0].uid;
        let effects = s.act(Action::ToggleFlagged);
        assert!(s.messages[0].flags.has(Flag::Flagged));
        let Some(Effect::SetFlags {
            rollback,
            add: true,
            ..
        }) = effects.into_iter().next()
        else {
            panic!("no flag request")
        };
        s.in_flight.insert(7, rollback);
        s.on_worker(WorkerEvent::Failed {
            id: 7,
            error: "NO [READ-ONLY]".into(),
        });
        assert!(!s.messages[0].flags.has(Flag::Flagged), "rolled back");
        assert_eq!(s.status.as_deref(), Some("NO [READ-ONLY]"));

        s.apply(Action::Down);
        let gone = s.messages[1].uid;
        let effects = s.act(Action::Archive);
        assert_eq!(s.messages.len(), 4);
        assert!(!s.messages.iter().any(|m| m.uid == gone));
        let Some(Effect::Remove {
            rollback,
            dest: Some(dest),
            ..
        }) = effects.into_iter().next()
        else {
            panic!("no move request")
        };
        assert_eq!(dest, "Archive");
        s.in_flight.insert(8, rollback);
        s.on_worker(WorkerEvent::Failed {
            id: 8,
            error: "no such folder".into(),
        });
        assert_eq!(s.messages[1].uid, gone, "back where it was");
        assert_eq!(s.messages[0].uid, uid);
    }

    #[test]
    fn folders_cycle_in_sidebar_order() {
        use crate::mail::{FolderInfo, SpecialUse};
        let mut s = state(3);
        let f = |name: &str, special| FolderInfo {
            name: name.into(),
            delimiter: None,
            special,
            selectable: true,
            status: None,
        };
        s.folders = vec![
            f("Zeta", None),
            f("Trash", Some(SpecialUse::Trash)),
            f("INBOX", Some(SpecialUse::Inbox)),
        ];
        assert_eq!(
            s.act(Action::NextFolder),
            vec![Effect::OpenFolder("Trash".into()), Effect::ReloadFolder]
        );
        assert!(s.messages.is_empty() && s.folder == "Trash");
        s.act(Action::NextFolder);
        assert_eq!(s.folder, "Zeta");
        s.act(Action::NextFolder);
        assert_eq!(s.folder, "INBOX");
        s.act(Action::PreviousFolder);
        assert_eq!(s.folder, "Zeta");
    }

    #[test]
    fn slash_filters_by_subject_and_sender_and_esc_clears() {
        use crate::mail::Address;
        use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
        let mut s = state(3);
        let mut all = s.messages.clone();
        all[0].subject = "Quarterly report".into();
        all[1].from = vec![Address {
            name: Some("José Müller".into()),
            email: "j@x.de".into(),
        }];
        all[2].subject = "Lunch".into();
        s.set_messages(all);
        s.act(Action::Search);
        for c in "müller".chars() {
            assert!(s.prompt_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)));
        }
        assert!(!s.prompt_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
        assert_eq!(s.messages.len(), 1);
        assert_eq!(s.messages[0].from[0].email, "j@x.de");
        // A reload from the cache keeps the filter.
        let again = s.all.clone();
        s.set_messages(again);
        assert_eq!(s.messages.len(), 1);
        s.act(Action::ClearSearch);
        assert_eq!(s.messages.len(), 3);
    }

    #[test]
    fn empty_folder_is_fine() {
        let mut s = state(0);
        for a in [Action::Down, Action::Last, Action::PageUp, Action::First] {
            s.apply(a);
        }
        assert_eq!(s.cursor, 0);
    }
}
