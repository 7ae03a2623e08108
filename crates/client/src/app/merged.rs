//! All inboxes: with several accounts, one list of every account's INBOX, newest first.
//! Each account keeps its INBOX open and its rows live (as for any account not shown);
//! the merged list only orders them. Before an action, the account of the message under
//! the cursor becomes the one shown (`follow`), so every action (flag, move, reply, open)
//! is that account's own, with its own worker, undo and rollback.

use super::state::{AppState, Effect, Focus};
use crate::action::Action;
use std::sync::LazyLock;
use tern_core::mail::{FolderInfo, Row};

/// The account number that names all inboxes in a `Place`.
pub const ALL: usize = usize::MAX;

/// Its name in the sidebar and the pickers.
pub const NAME: &str = "All inboxes";

/// The sidebar's entry for it.
pub static ENTRY: LazyLock<FolderInfo> = LazyLock::new(|| FolderInfo {
    name: NAME.to_string(),
    delimiter: None,
    special: None,
    selectable: true,
    status: None,
});

/// The merged list: (account, index into that account's `all`), newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Merged {
    pub rows: Vec<(usize, usize)>,
    pub cursor: usize,
    pub top: usize,
    /// The message under the cursor: (account, UID), so a rebuild finds it again.
    pub at: Option<(usize, tern_core::mail::Uid)>,
    /// The user moved the cursor: until then it stays on the newest row while the
    /// accounts' rows come in.
    pub moved: bool,
    /// Each account's `rows_version` when the rows were ordered (None: never).
    pub versions: Option<Vec<u64>>,
    /// `/` in force: (as typed, its words lower-cased), each in the subject or sender.
    pub query: Option<(String, Vec<String>)>,
}

impl AppState {
    /// Account `i`'s messages (the shown account's are in the fields).
    pub fn all_of(&self, i: usize) -> &[Row] {
        match self.accounts.get(i) {
            Some(p) if i != self.active => &p.all,
            _ => &self.all,
        }
    }

    /// Account `i`'s `rows_version`.
    fn rows_version_of(&self, i: usize) -> u64 {
        match self.accounts.get(i) {
            Some(p) if i != self.active => p.rows_version,
            _ => self.rows_version,
        }
    }

    /// Row `i` of the merged list: its account and message.
    pub fn merged_row(&self, i: usize) -> Option<(usize, &Row)> {
        let m = self.merged.as_ref()?;
        let &(a, j) = m.rows.get(i)?;
        self.all_of(a).get(j).map(|msg| (a, msg))
    }

    /// Whether a message of account `a` is selected.
    pub fn selected_in(&self, a: usize, uid: tern_core::mail::Uid) -> bool {
        match self.accounts.get(a) {
            Some(p) if a != self.active => p.selected.contains(&uid),
            _ => self.selected.contains(&uid),
        }
    }

    /// Shows all inboxes: every account opens its INBOX (those that had another folder
    /// open are told so, and read theirs from the cache).
    pub(super) fn open_merged(&mut self) -> Vec<Effect> {
        let mut effects = Vec::new();
        for i in 0..self.account_count() {
            if self.folder_of(i) == "INBOX" {
                continue;
            }
            if i == self.active {
                effects.extend(self.open_folder("INBOX".into()));
                continue;
            }
            self.enter(i);
            let opened = self.open_folder("INBOX".into());
            self.leave(i);
            for e in opened {
                effects.push(match e {
                    Effect::Send(command) => Effect::SendTo {
                        account: i,
                        command,
                    },
                    _ => Effect::ReloadOf(i),
                });
            }
        }
        self.merged = Some(Merged::default());
        self.reader = None;
        self.focus = Focus::List;
        self.rebuild_merged();
        effects
    }

    /// Orders every account's INBOX rows newest first again, keeping the cursor on its
    /// message (or its place when the message went).
    pub fn rebuild_merged(&mut self) {
        // Called after every update: nothing to do (not even the versions) when not shown.
        if self.merged.is_none() {
            return;
        }
        let versions: Vec<u64> = (0..self.account_count())
            .map(|i| self.rows_version_of(i))
            .collect();
        let Some(old) = self.merged.take() else {
            return;
        };
        if old.versions.as_ref() == Some(&versions) {
            // No account's rows changed (a key that moves, a flag): the order stands.
            self.merged = Some(old);
            self.scroll_merged();
            return;
        }
        // Indices may be stale by now: the message is found again by its UID.
        let keep = old.at.filter(|_| old.moved);
        let n = self.account_count();
        let mut next = vec![0usize; n];
        let mut rows = Vec::with_capacity((0..n).map(|i| self.all_of(i).len()).sum());
        // Each account's rows are newest first: a k-way merge keeps that order.
        loop {
            let best = (0..n)
                .filter_map(|i| self.all_of(i).get(next[i]).map(|m| (i, m.date)))
                .max_by_key(|&(i, d)| (d, std::cmp::Reverse(i)));
            let Some((i, _)) = best else {
                break;
            };
            let shown = match &old.query {
                Some((_, words)) => self
                    .all_of(i)
                    .get(next[i])
                    .is_some_and(|m| super::view::matches(m, words)),
                None => true,
            };
            if shown {
                rows.push((i, next[i]));
            }
            next[i] += 1;
        }
        let cursor = keep
            .and_then(|(a, uid)| {
                rows.iter()
                    .position(|&(b, j)| b == a && self.all_of(b)[j].uid == uid)
            })
            .unwrap_or(old.cursor.min(rows.len().saturating_sub(1)));
        self.merged = Some(Merged {
            rows,
            cursor,
            top: old.top,
            at: None,
            moved: old.moved,
            versions: Some(versions),
            query: old.query,
        });
        self.scroll_merged();
    }

    /// Keeps the cursor on screen and remembers its message.
    fn scroll_merged(&mut self) {
        let rows = self.rows.max(1);
        let at = self
            .merged_row(self.merged_cursor())
            .map(|(a, m)| (a, m.uid));
        let Some(m) = self.merged.as_mut() else {
            return;
        };
        m.at = at;
        if m.cursor < m.top {
            m.top = m.cursor.saturating_sub(rows / 2);
        } else if m.cursor >= m.top + rows {
            m.top = (m.cursor + 1 + rows / 2).saturating_sub(rows);
        }
        m.top = m.top.min(m.rows.len().saturating_sub(rows));
    }

    /// The account of the message under the merged cursor becomes the one shown, with
    /// its cursor on that message.
    /// False when there is no row, or its account no longer shows it (the action is
    /// then not done: the account's own cursor may be on another message).
    pub(super) fn follow_merged(&mut self) -> bool {
        let Some((a, uid)) = self
            .merged_row(self.merged_cursor())
            .map(|(a, m)| (a, m.uid))
        else {
            return false;
        };
        let mut merged = self.merged.take();
        if let Some(m) = merged.as_mut() {
            m.moved = true;
        }
        self.switch_account(a);
        self.merged = merged;
        if self.row_of(uid).is_none() && self.filter.is_some() {
            // A search of the account's own hides it: all inboxes show every row.
            self.set_filter(None);
        }
        match self.row_of(uid) {
            Some(row) => {
                self.cursor = row;
                true
            }
            None => false,
        }
    }

    fn merged_cursor(&self) -> usize {
        self.merged.as_ref().map_or(0, |m| m.cursor)
    }

    /// An action on the merged list: moving is the list's own; anything else is done
    /// by the message's account.
    pub(super) fn act_on_merged(&mut self, action: Action) -> Option<Vec<Effect>> {
        let half = (self.rows / 2).max(1) as isize;
        let page = self.rows.max(1) as isize;
        let delta = match action {
            Action::Down => 1,
            Action::Up => -1,
            Action::First => isize::MIN / 2,
            Action::Last => isize::MAX / 2,
            Action::HalfPageDown => half,
            Action::HalfPageUp => -half,
            Action::PageDown => page,
            Action::PageUp => -page,
            Action::NextFolder | Action::PreviousFolder => return None,
            Action::Search => {
                self.ask(super::prompt::PromptKind::Search);
                return Some(Vec::new());
            }
            // Every row shown matches: there is no hit to go to.
            Action::NextHit | Action::PreviousHit => return Some(Vec::new()),
            Action::ClearSearch if self.merged.as_ref().is_some_and(|m| m.query.is_some()) => {
                if let Some(m) = self.merged.as_mut() {
                    m.query = None;
                    m.versions = None;
                }
                return Some(Vec::new());
            }
            Action::Quit => return Some(self.quit()),
            // The last change made, in whichever account.
            Action::Undo => {
                if let Some(a) = self.undo_account() {
                    let merged = self.merged.take();
                    self.switch_account(a);
                    self.merged = merged;
                }
                return None;
            }
            _ => {
                return (!self.follow_merged()).then(Vec::new);
            }
        };
        if let Some(m) = self.merged.as_mut() {
            let last = m.rows.len().saturating_sub(1);
            m.cursor = m.cursor.saturating_add_signed(delta).min(last);
            m.moved = true;
        }
        self.scroll_merged();
        Some(Vec::new())
    }

    /// `/` on all inboxes: the words of the query are looked for in every row's subject
    /// and sender; `from:`, `body:` and the like need the server of one account.
    pub(super) fn search_merged(&mut self, text: &str) -> Vec<Effect> {
        let query = match super::query::parse(text) {
            Ok(q) => q,
            Err(e) => {
                self.status = Some(e);
                return Vec::new();
            }
        };
        if !query.terms.is_empty() {
            self.status = Some(
                "all inboxes search words in the subject and sender; for from:, body: and the like open an account's INBOX"
                    .into(),
            );
        }
        if let Some(m) = self.merged.as_mut() {
            m.query = (!query.words.is_empty()).then(|| (text.trim().to_string(), query.words));
            m.versions = None;
            m.moved = false;
            m.cursor = 0;
            m.top = 0;
        }
        Vec::new()
    }

    /// The sidebar's counts for all inboxes: every account's INBOX added up.
    pub fn merged_counts(&self) -> Option<(usize, usize)> {
        let mut sum: Option<(usize, usize)> = None;
        for i in 0..self.account_count() {
            let inbox = self.folders_of(i).iter().find(|f| f.name == "INBOX");
            if let Some((u, t)) = inbox.and_then(|f| self.counts_of(i, f)) {
                let (su, st) = sum.unwrap_or((0, 0));
                sum = Some((su + u, st + t));
            }
        }
        sum
    }
}
