//! All inboxes: with several accounts, one list of every account's INBOX, newest first.
//! Each account keeps its INBOX open and its rows live (as for any account not shown);
//! the merged list only orders them. Before an action, the account of the message under
//! the cursor becomes the one shown (`follow`), so every action (flag, move, reply, open)
//! is that account's own, with its own worker, undo and rollback.

use super::state::{AppState, Effect, Focus};
use crate::action::Action;
use std::sync::LazyLock;
use tern_core::imap::protocol::WorkerCommand;
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
    /// Its terms (`from:`, `body:`, ...), asked of every account's server: one part an
    /// account. Empty when the query has none.
    pub server: Vec<ServerPart>,
}

/// One account's server search for all inboxes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerPart {
    pub account: usize,
    pub id: tern_core::imap::protocol::RequestId,
    /// None while asked; the hits, or why there are none (offline, refused).
    pub hits: Option<Result<std::collections::HashSet<tern_core::mail::Uid>, String>>,
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
            let row = self.all_of(i).get(next[i]);
            let shown = match &old.query {
                Some((_, words)) => row.is_some_and(|m| super::view::matches(m, words)),
                None => true,
            } && (old.server.is_empty()
                || old.server.iter().any(|p| {
                    p.account == i
                        && matches!((&p.hits, row), (Some(Ok(h)), Some(m)) if h.contains(&m.uid))
                }));
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
            server: old.server,
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

    /// The accounts with messages selected.
    pub(super) fn selection_accounts(&self) -> Vec<usize> {
        (0..self.account_count())
            .filter(|&i| match self.accounts.get(i) {
                Some(p) if i != self.active => !p.selected.is_empty(),
                _ => !self.selected.is_empty(),
            })
            .collect()
    }

    fn any_selection(&self) -> bool {
        !self.selection_accounts().is_empty()
    }

    /// `action` done by every account with a selection, on its part of it; the
    /// cursor's account acts last and is the one shown after. Each part is its
    /// account's own change (its requests, rollback and undo).
    fn act_on_each_selection(&mut self, action: Action) -> Vec<Effect> {
        self.each_selection(|s| s.act(action))
    }

    /// `act` run by every account with a selection, as the account shown (with
    /// `merged` taken, so that its keys are the account's own); its requests are
    /// addressed to it.
    pub(super) fn each_selection(
        &mut self,
        mut act: impl FnMut(&mut AppState) -> Vec<Effect>,
    ) -> Vec<Effect> {
        let cursor_account = self.merged_row(self.merged_cursor()).map(|(a, _)| a);
        let mut accounts = self.selection_accounts();
        accounts.sort_by_key(|&i| Some(i) == cursor_account);
        let mut merged = self.merged.take();
        if let Some(m) = merged.as_mut() {
            m.moved = true;
        }
        let mut effects = Vec::new();
        let mut said = Vec::new();
        for i in accounts {
            self.switch_account(i);
            let done = act(self);
            effects.extend(done.into_iter().map(|e| match e {
                Effect::Send(command) => Effect::SendTo {
                    account: i,
                    command,
                },
                Effect::ReloadFolder | Effect::ReloadHead | Effect::ReloadNewer(_) => {
                    Effect::ReloadOf(i)
                }
                e => e,
            }));
            if let Some(status) = self.status.take() {
                said.push(format!("{}: {status}", self.account));
            }
        }
        self.merged = merged;
        if !said.is_empty() {
            self.status = Some(said.join("; "));
        }
        effects
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
            Action::ClearSearch
                if self
                    .merged
                    .as_ref()
                    .is_some_and(|m| m.query.is_some() || !m.server.is_empty()) =>
            {
                if let Some(m) = self.merged.as_mut() {
                    m.query = None;
                    m.server.clear();
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
            // A selection made across accounts: each account acts on its own part.
            Action::ToggleFlagged | Action::ToggleUnread | Action::Archive | Action::Delete
                if self.any_selection() =>
            {
                return Some(self.act_on_each_selection(action));
            }
            // The picked folder takes every account's part (`picked`).
            Action::MoveTo | Action::CopyTo if self.selection_accounts().len() > 1 => {
                let pick = if action == Action::MoveTo {
                    super::prompt::Pick::Move
                } else {
                    super::prompt::Pick::Copy
                };
                self.ask(super::prompt::PromptKind::Pick(pick));
                return Some(Vec::new());
            }
            Action::MoveTo | Action::CopyTo if self.any_selection() => {
                // The one account with a selection acts, wherever the cursor is.
                let a = self.selection_accounts()[0];
                let merged = self.merged.take();
                self.switch_account(a);
                self.merged = merged;
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
    /// and sender here; its terms (`from:`, `body:`, `is:unread`, ...) are asked of every
    /// account's server, and a row shows when its account's server found it too.
    pub(super) fn search_merged(&mut self, text: &str) -> Vec<Effect> {
        let query = match super::query::parse(text) {
            Ok(q) => q,
            Err(e) => {
                self.status = Some(e);
                return Vec::new();
            }
        };
        let mut effects = Vec::new();
        let mut server = Vec::new();
        if !query.terms.is_empty() {
            for account in 0..self.account_count() {
                let id = self.id();
                server.push(ServerPart {
                    account,
                    id,
                    hits: None,
                });
                effects.push(Effect::SendTo {
                    account,
                    command: WorkerCommand::Search {
                        id,
                        folder: "INBOX".into(),
                        terms: query.terms.clone(),
                    },
                });
            }
            self.status = Some("searching on the servers…".into());
        }
        let any = !query.words.is_empty() || !server.is_empty();
        if let Some(m) = self.merged.as_mut() {
            m.query = any.then(|| (text.trim().to_string(), query.words));
            m.server = server;
            m.versions = None;
            m.moved = false;
            m.cursor = 0;
            m.top = 0;
        }
        effects
    }

    /// An answer to all inboxes' server search, from the account in the fields (`Err`:
    /// why it has none). False when the request was not one of it.
    pub(super) fn merged_hits(
        &mut self,
        id: tern_core::imap::protocol::RequestId,
        hits: Result<&[tern_core::mail::Uid], &str>,
    ) -> bool {
        let here = self.here;
        let name = self.account.clone();
        let Some(m) = self.merged.as_mut() else {
            return false;
        };
        let Some(part) = m
            .server
            .iter_mut()
            .find(|p| p.id == id && p.account == here)
        else {
            return false;
        };
        part.hits = Some(
            hits.map(|h| h.iter().copied().collect())
                .map_err(|e| format!("{name}: {e}")),
        );
        m.versions = None;
        let waiting = m.server.iter().filter(|p| p.hits.is_none()).count();
        let found: usize = m
            .server
            .iter()
            .filter_map(|p| p.hits.as_ref().and_then(|h| h.as_ref().ok()))
            .map(|h| h.len())
            .sum();
        let failed: Vec<&str> = m
            .server
            .iter()
            .filter_map(|p| p.hits.as_ref().and_then(|h| h.as_ref().err()))
            .map(String::as_str)
            .collect();
        let mut said = if waiting > 0 {
            format!("searching on the servers… {waiting} to go")
        } else {
            format!("{found} found on the servers")
        };
        if !failed.is_empty() {
            said.push_str(&format!("; not searched: {}", failed.join("; ")));
        }
        self.status = Some(said);
        true
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
