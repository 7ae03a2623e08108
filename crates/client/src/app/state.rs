//! Everything the screen shows, and how worker events change it. No IO: the runner turns
//! the returned effects into worker commands, cache reads and process launches.

use super::prompt::Prompt;
use super::reader::Reader;
use super::results::AllHits;
use super::theme::Theme;
use super::triage::{Pending, Undo};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use tern_core::config::FolderNames;
use tern_core::imap::protocol::{Messages, RequestId, WorkerCommand};
use tern_core::mail::{FolderInfo, Row, Uid};

/// The account's link as the status bar shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Link {
    #[default]
    Connecting,
    Online,
    /// `retry_at`: when the next try is due (seconds since the epoch, as `now`).
    Offline {
        reason: String,
        retry_at: i64,
    },
    LoginRefused(String),
}

/// Which pane the keys go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Sidebar,
    List,
    Reader,
}

pub use super::effect::Effect;

pub use super::search::{Filter, ServerHits};

/// How long a message stays in the status line unless a key that acts clears it first.
pub const STATUS_SECONDS: i64 = 10;

/// Messages `:messages` keeps.
pub const SAID_KEPT: usize = 100;

/// What the full-screen pager shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelpPage {
    /// `?`: the keys and commands.
    Keys,
    /// `:messages`: what the status line said.
    Messages,
    /// `:outbox`: the messages waiting to be sent.
    Outbox,
    /// A link no browser could open, whole, for the terminal to select.
    Link {
        number: usize,
        url: String,
        why: String,
    },
}

/// The state of the whole screen.
#[derive(Debug, Clone)]
pub struct AppState {
    /// Every account's part of the state; the shown one's slot is empty (its part is
    /// in the fields below). See `accounts.rs`.
    pub accounts: Vec<super::accounts::Parked>,
    /// The account shown.
    pub active: usize,
    /// Another account's part is in the fields for the time of an update (`enter`).
    pub entered: bool,
    /// The account whose part is in the fields: `active`, or the one entered.
    pub here: usize,
    /// Which account each undoable change was made in, the last one last.
    pub undo_accounts: Vec<usize>,
    /// All inboxes are shown (`merged.rs`).
    pub merged: Option<super::merged::Merged>,
    pub account: String,
    pub folder: String,
    /// The open folder's UIDVALIDITY (0 until read from the cache).
    pub uidvalidity: u32,
    /// The open folder, all of it, newest first as read from the cache.
    pub all: Vec<Row>,
    /// The rows shown: indices into `all` (filtered, sorted, threaded).
    pub view: Vec<u32>,
    /// Counts the changes of which messages `all` holds (all inboxes order them again
    /// only then).
    pub rows_version: u64,
    /// Thread depth of each shown row (empty when threads are off).
    pub depth: Vec<u16>,
    pub threads: bool,
    pub oldest_first: bool,
    pub filter: Option<Filter>,
    pub prompt: Option<Prompt>,
    /// The full-screen pager is shown: the key help or the messages (`help_page`).
    pub help: bool,
    pub help_page: HelpPage,
    /// What the status line said, oldest first: (when, text), the last `SAID_KEPT`.
    pub said: std::collections::VecDeque<(i64, String)>,
    /// How many messages were ever said (the runner logs the ones it has not).
    pub said_count: u64,
    /// The help's first line on screen.
    pub help_scroll: usize,
    /// What `/` looks for in the help (lower-cased).
    pub help_find: Option<String>,
    /// The keymaps (with a half-typed sequence).
    pub keymaps: super::keymap::Keymaps,
    /// The help's lines: (view, [(keys, action)]), from the live keymaps.
    pub keys_help: Vec<(&'static str, Vec<(String, crate::action::Action)>)>,
    pub reader: Option<Reader>,
    /// The reader shares the screen with the list (below it) instead of taking it.
    pub split: bool,
    /// The sidebar as the user chose it (`B`); `None`: shown on wide screens only.
    pub sidebar: Option<bool>,
    pub focus: Focus,
    /// The sidebar is on screen (from the width, by `relayout`).
    pub sidebar_visible: bool,
    /// The folder under the sidebar's cursor (when the sidebar has the focus).
    pub sidebar_cursor: usize,
    /// Index into `view` of the message under the cursor.
    pub cursor: usize,
    /// Index into `view` of the first row shown.
    pub top: usize,
    /// Rows the message list has on screen (from the screen size, by `relayout`).
    pub rows: usize,
    /// The terminal's size: (columns, rows).
    pub screen: (u16, u16),
    pub link: Link,
    /// Sync progress of the open folder: (done, total).
    pub progress: Option<(u64, u64)>,
    /// The last thing the user should read (an error in plain words, a notice).
    pub status: Option<String>,
    /// When `status` was last set (as `now`): it goes after `STATUS_SECONDS`.
    pub status_at: i64,
    /// A key sequence is half typed.
    pub pending_keys: bool,
    /// The account's folders, as last listed by the worker.
    pub folders: Vec<FolderInfo>,
    /// Folder names from the config (Trash, Archive, Sent, Drafts).
    pub names: FolderNames,
    /// Requests not answered yet: how to roll each back, what undo it makes.
    pub in_flight: HashMap<RequestId, Pending>,
    /// Undoable changes, the last one last.
    pub undo: Vec<Undo>,
    /// Selected messages (by UID, so a reload keeps them).
    pub selected: HashSet<Uid>,
    /// `v` was pressed on this message: the range to the cursor is being selected.
    pub visual: Option<Uid>,
    /// `:search-all` results, shown instead of the list while set.
    pub results: Option<AllHits>,
    /// An account's Outbox, shown instead of the list while set.
    pub outbox_view: Option<super::outbox::OutboxView>,
    /// After opening a folder: put the cursor on this message once it is read.
    pub jump_to: Option<Uid>,
    /// Open the reader on `jump_to` once it is there (a search-all hit).
    pub open_on_jump: bool,
    /// `G` was pressed while only the first screens were read: the cursor goes to the
    /// last row once the whole folder is.
    pub at_end: bool,
    /// The rows are the first screens of a read whose whole folder follows.
    pub whole_coming: bool,
    /// What syncs listed while that whole read was on its way.
    pub since_read: Option<super::synced::SinceRead>,
    /// Highest UID seen in the open folder (new mail is above it); 0 before a read.
    pub max_uid: Uid,
    /// Unread messages of the open folder as shown (kept live for the sidebar).
    pub unread: usize,
    /// Messages the open folder holds in the cache (while only its first screens are
    /// read, more than `all` has).
    pub total: u64,
    pub theme: Theme,
    /// The message on the review screen, if any.
    pub compose: Option<super::compose::Compose>,
    /// Who writes: the account's address and name.
    pub identity: tern_core::compose::Identity,
    /// A message being fetched to reply to, forward or recall: (request, how, uid).
    pub pending_compose: Option<(RequestId, super::compose::StartFrom, Uid)>,
    /// The To: typed for the forward being made.
    pub forward_to: Option<String>,
    /// The IMAP password was typed at the prompt (a refused one is asked again).
    pub password_prompted: bool,
    /// `y` may put links on the clipboard with OSC 52 (`[general] osc52`).
    pub osc52: bool,
    /// Where `s` offers to save (`download-dir`), as typed at the prompt.
    pub download_dir: String,
    /// Every address of the account's cache, best first (loaded when To: is asked).
    pub address_book: Vec<tern_core::addressbook::Known>,
    /// The address book is being read.
    pub book_loading: bool,
    /// Tab was pressed at an address prompt before the book was read: complete on arrival.
    pub tab_on_book: bool,
    /// When the address book was last read (`now`): it is read again after a while.
    pub book_read_at: Option<i64>,
    /// `address-book-command`'s answer: (what was typed, the addresses).
    pub book_hits: Option<(String, Vec<tern_core::addressbook::Known>)>,
    /// `[accounts.NAME] address-book-command` is set.
    pub book_command: bool,
    /// The attachment(s) `s` is asking a place for: (message, index; None: all).
    pub saving: Option<(Arc<Vec<u8>>, Option<usize>)>,
    /// Drafts found on this machine at start, offered back one by one.
    pub recover_queue: Vec<tern_core::compose::store::Stored>,
    /// Copy sent mail to the Sent folder.
    pub save_sent: bool,
    /// Changes made offline, waiting for the server.
    pub queued: usize,
    /// Messages waiting in the Outbox (the SMTP server could not be reached), or refused.
    pub outbox: Vec<tern_core::compose::outbox::Queued>,
    /// Outbox messages whose try was cut short, until Sent is asked about them.
    pub unsure: Vec<super::outbox::Unsure>,
    /// Those changes, in order, as the worker keeps them: laid over every cache read.
    pub pending: Vec<tern_core::imap::protocol::QueuedOp>,
    /// The worker has told its kept changes at least once.
    pub pending_known: bool,
    /// Unread-count changes of kept changes made in this run (the kept changes do not
    /// say which messages were unread); dropped once they are sent.
    pub queued_counts: Vec<super::pending::CountDelta>,
    /// Moves and copies between accounts under way, by their id (`transfer.rs`).
    pub transfers: HashMap<RequestId, super::transfer::Transfer>,
    /// Their steps' requests: (transfer, message).
    pub transfer_steps: HashMap<RequestId, (RequestId, Uid)>,
    next_id: RequestId,
    /// The current time and the local UTC offset (seconds), set by the runner before it draws, so that
    /// drawing reads no clock.
    pub now: i64,
    pub utc_offset: i32,
}

/// The status line's words for new mail.
pub fn new_mail_note(folder: &str, from: &str, subject: &str) -> String {
    use tern_core::mail::sanitize;
    format!(
        "new mail in {}: {} — {}",
        sanitize(folder),
        sanitize(from),
        sanitize(subject)
    )
}

impl AppState {
    /// A fresh state for an account's folder.
    pub fn new(account: &str, folder: &str) -> AppState {
        AppState {
            accounts: vec![super::accounts::Parked::default()],
            active: 0,
            entered: false,
            here: 0,
            undo_accounts: Vec::new(),
            merged: None,
            account: account.to_string(),
            folder: folder.to_string(),
            uidvalidity: 0,
            all: Vec::new(),
            view: Vec::new(),
            rows_version: 0,
            depth: Vec::new(),
            threads: false,
            oldest_first: false,
            filter: None,
            prompt: None,
            help: false,
            help_scroll: 0,
            help_page: HelpPage::Keys,
            said: std::collections::VecDeque::new(),
            said_count: 0,
            help_find: None,
            keymaps: super::keymap::Keymaps::default(),
            keys_help: Vec::new(),
            reader: None,
            split: false,
            sidebar: None,
            focus: Focus::List,
            sidebar_visible: false,
            sidebar_cursor: 0,
            cursor: 0,
            top: 0,
            rows: 20,
            screen: (80, 24),
            link: Link::Connecting,
            progress: None,
            status: None,
            status_at: 0,
            pending_keys: false,
            folders: Vec::new(),
            names: FolderNames::default(),
            in_flight: HashMap::new(),
            undo: Vec::new(),
            selected: HashSet::new(),
            visual: None,
            results: None,
            outbox_view: None,
            jump_to: None,
            at_end: false,
            whole_coming: false,
            since_read: None,
            open_on_jump: false,
            max_uid: 0,
            unread: 0,
            total: 0,
            theme: Theme::default(),
            compose: None,
            identity: tern_core::compose::Identity::default(),
            pending_compose: None,
            forward_to: None,
            osc52: false,
            password_prompted: false,
            download_dir: String::new(),
            saving: None,
            address_book: Vec::new(),
            book_loading: false,
            tab_on_book: false,
            book_read_at: None,
            book_hits: None,
            book_command: false,
            recover_queue: Vec::new(),
            save_sent: true,
            queued: 0,
            outbox: Vec::new(),
            unsure: Vec::new(),
            pending: Vec::new(),
            pending_known: false,
            queued_counts: Vec::new(),
            transfers: HashMap::new(),
            transfer_steps: HashMap::new(),
            next_id: 1,
            now: 0,
            utc_offset: 0,
        }
    }

    /// A fresh request id.
    pub(super) fn id(&mut self) -> RequestId {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Messages of the open folder by UID, as the worker wants them.
    pub(super) fn messages_of(&self, uids: Vec<Uid>) -> Messages {
        Messages {
            folder: self.folder.clone(),
            uidvalidity: self.uidvalidity,
            uids,
        }
    }

    /// The message shown on row `i`.
    pub fn shown(&self, i: usize) -> Option<&Row> {
        self.view.get(i).and_then(|&j| self.all.get(j as usize))
    }

    /// Rows shown.
    pub fn shown_len(&self) -> usize {
        self.view.len()
    }

    /// The message under the cursor.
    pub fn current(&self) -> Option<&Row> {
        self.shown(self.cursor)
    }

    /// Whether row `i` is selected (or inside the range being selected with `v`).
    pub fn is_selected(&self, i: usize) -> bool {
        let Some(m) = self.shown(i) else {
            return false;
        };
        if self.selected.contains(&m.uid) {
            return true;
        }
        match self.visual.and_then(|a| self.row_of(a)) {
            Some(anchor) => {
                let (lo, hi) = (anchor.min(self.cursor), anchor.max(self.cursor));
                (lo..=hi).contains(&i)
            }
            None => false,
        }
    }

    /// The row showing message `uid`.
    pub fn row_of(&self, uid: Uid) -> Option<usize> {
        self.view
            .iter()
            .position(|&j| self.all[j as usize].uid == uid)
    }

    /// Replaces the folder's messages (after a cache read), keeping the cursor on the
    /// same message. Returns the new-mail notices for messages above the last seen UID.
    pub fn set_messages(&mut self, mut messages: Vec<Row>) -> Vec<Effect> {
        let read = messages.len();
        let effects = self.lay_over(&mut messages);
        // The cache's count does not know of the changes laid over it either.
        self.total = self.total.saturating_sub((read - messages.len()) as u64);
        let keep = self.current().map(|m| m.uid);
        self.all = messages;
        if !self.selected.is_empty() {
            let present: HashSet<Uid> = self.all.iter().map(|m| m.uid).collect();
            self.selected.retain(|u| present.contains(u));
        }
        self.shown_anew(keep, effects)
    }

    /// Adds new mail read from the cache (the messages above the UIDs shown) to the
    /// rows, in date order, without reading the whole folder again.
    pub fn add_messages(&mut self, mut rows: Vec<Row>) -> Vec<Effect> {
        let fresh: HashSet<Uid> = rows.iter().map(|m| m.uid).collect();
        let known: HashSet<Uid> = self
            .all
            .iter()
            .filter(|m| fresh.contains(&m.uid))
            .map(|m| m.uid)
            .collect();
        rows.retain(|m| !known.contains(&m.uid));
        let effects = self.lay_over(&mut rows);
        self.total += rows.len() as u64;
        let keep = self.current().map(|m| m.uid);
        if rows.len() <= 64 {
            for m in rows {
                let key = (m.date, m.uid);
                let at = self.all.partition_point(|x| (x.date, x.uid) > key);
                self.all.insert(at, m);
            }
        } else {
            self.all.extend(rows);
            self.all.sort_by_key(|m| std::cmp::Reverse((m.date, m.uid)));
        }
        self.shown_anew(keep, effects)
    }

    /// Lays the changes on their way and kept over rows read from the cache; returns
    /// the new-mail notices for those above the last seen UID.
    fn lay_over(&mut self, messages: &mut Vec<Row>) -> Vec<Effect> {
        self.overlay_in_flight(messages);
        self.overlay_pending(messages);
        let newest = messages.iter().map(|m| m.uid).max().unwrap_or(0);
        let mut effects = Vec::new();
        if self.max_uid > 0 {
            for m in messages.iter().filter(|m| m.uid > self.max_uid).take(5) {
                if !m.has(tern_core::mail::Flag::Seen) {
                    effects.push(Effect::NewMail {
                        folder: self.folder.clone(),
                        from: m.sender().to_string(),
                        subject: m.subject().to_string(),
                    });
                }
            }
        }
        if !messages.is_empty() {
            self.max_uid = self.max_uid.max(newest);
        }
        // An account not shown says so in words (the shown one shows the rows).
        if let (
            true,
            Some(Effect::NewMail {
                folder,
                from,
                subject,
            }),
        ) = (self.entered, effects.first())
        {
            self.status = Some(new_mail_note(folder, from, subject));
        }
        effects
    }

    /// The rows changed: the view is made anew around message `keep`, and a jump
    /// waiting for a message that is now here is made.
    fn shown_anew(&mut self, keep: Option<Uid>, mut effects: Vec<Effect>) -> Vec<Effect> {
        self.rebuild_view(keep);
        if self.at_end {
            self.cursor = self.view.len().saturating_sub(1);
            self.scroll_to_cursor();
            self.at_end = (self.all.len() as u64) < self.total;
        }
        if let Some(uid) = self.jump_to {
            if let Some(row) = self.row_of(uid) {
                self.cursor = row;
                self.jump_to = None;
                self.scroll_to_cursor();
                if std::mem::take(&mut self.open_on_jump) {
                    effects.extend(self.open());
                }
            }
        }
        effects
    }

    pub(super) fn move_cursor(&mut self, delta: isize) {
        self.at_end = false;
        let last = self.view.len().saturating_sub(1);
        self.cursor = self.cursor.saturating_add_signed(delta).min(last);
        self.scroll_to_cursor();
    }

    /// Keeps the cursor on screen. When it leaves, the list jumps half a page rather
    /// than one row: a one-row scroll rewrites every row, which people on slow links
    /// feel at each `j`; a jump costs that once per half page.
    pub(super) fn scroll_to_cursor(&mut self) {
        let rows = self.rows.max(1);
        let half = rows / 2;
        if self.cursor < self.top {
            self.top = self.cursor.saturating_sub(half);
        } else if self.cursor >= self.top + rows {
            self.top = (self.cursor + 1 + half).saturating_sub(rows);
        }
        let max_top = self.view.len().saturating_sub(rows);
        self.top = self
            .top
            .min(max_top.max(self.cursor.saturating_sub(rows - 1)));
    }

    /// Leaves the open folder for `folder` (the worker syncs and watches it).
    pub(super) fn open_folder(&mut self, folder: String) -> Vec<Effect> {
        self.merged = None;
        if folder == self.folder {
            self.focus = Focus::List;
            return Vec::new();
        }
        self.folder = folder.clone();
        self.all.clear();
        self.view.clear();
        self.rows_version = self.rows_version.wrapping_add(1);
        self.depth.clear();
        self.filter = None;
        self.selected.clear();
        self.visual = None;
        self.reader = None;
        self.uidvalidity = 0;
        self.max_uid = 0;
        self.cursor = 0;
        self.top = 0;
        self.at_end = false;
        self.whole_coming = false;
        self.since_read = None;
        self.progress = None;
        self.focus = Focus::List;
        vec![
            Effect::Send(WorkerCommand::OpenFolder { folder }),
            Effect::ReloadFolder,
        ]
    }

    #[cfg(test)]
    pub(super) fn open_folder_for_test(&mut self, folder: &str) {
        self.open_folder(folder.to_string());
    }

    /// The special folder for `role`, by the config's name, the server's special-use
    /// attribute, or the usual name.
    pub(super) fn special(&self, role: tern_core::mail::SpecialUse) -> String {
        use tern_core::mail::SpecialUse as S;
        let (configured, fallback) = match role {
            S::Trash => (self.names.trash.as_deref(), "Trash"),
            S::Archive => (self.names.archive.as_deref(), "Archive"),
            S::Sent => (self.names.sent.as_deref(), "Sent"),
            S::Drafts => (self.names.drafts.as_deref(), "Drafts"),
            _ => (None, "INBOX"),
        };
        tern_core::mail::special_folder(&self.folders, configured, role, fallback)
    }

    /// Counts the open folder's unread messages again.
    pub(super) fn count_unread(&mut self) {
        self.unread = self
            .all
            .iter()
            .filter(|m| !m.has(tern_core::mail::Flag::Seen))
            .count();
    }

    /// Whether the open folder is the Sent folder (the list then shows recipients).
    pub fn in_sent(&self) -> bool {
        self.folder == self.special(tern_core::mail::SpecialUse::Sent)
    }
}
