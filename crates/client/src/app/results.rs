//! Searching: `/` on the open folder (bare words at once from the cache, `key:value`
//! terms by the server with UID SEARCH), and `:search-all` over every folder of the
//! account, whose hits are listed with their folder.

use super::query;
use super::state::{AppState, Effect, Filter, ServerHits};
use std::collections::HashMap;
use tern_core::imap::protocol::{RequestId, SearchTerm, WorkerCommand};
use tern_core::mail::{Row, Uid};

/// `:search-all` in progress or done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllHits {
    pub query: String,
    /// Searches not answered yet, by request, with their folder.
    pub waiting: HashMap<RequestId, String>,
    /// (folder, message), in the order they arrived; each folder newest first.
    pub hits: Vec<(String, Row)>,
    pub cursor: usize,
    pub top: usize,
}

/// Hits read from the cache per folder, at most (the newest).
const HITS_PER_FOLDER: usize = 500;

impl AppState {
    /// `/` or `:search`: filter the open folder.
    pub(super) fn search(&mut self, text: &str) -> Vec<Effect> {
        if self.merged.is_some() {
            return self.search_merged(text);
        }
        if text.trim().is_empty() {
            self.set_filter(None);
            return Vec::new();
        }
        let q = match query::parse(text) {
            Ok(q) => q,
            Err(e) => {
                self.status = Some(e);
                return Vec::new();
            }
        };
        let mut effects = Vec::new();
        let server = if q.terms.is_empty() {
            None
        } else {
            let id = self.id();
            self.status = Some("searching on the server…".into());
            effects.push(Effect::Send(WorkerCommand::Search {
                id,
                folder: self.folder.clone(),
                terms: q.terms,
            }));
            Some(ServerHits::Waiting(id))
        };
        self.set_filter(Some(Filter {
            query: text.to_string(),
            words: q.words,
            server,
        }));
        effects
    }

    /// Shows only the messages matching `filter` (None: all of them again).
    pub fn set_filter(&mut self, filter: Option<Filter>) {
        // What the search said ("3 found on the server") goes with it.
        if filter.is_none() && self.filter.is_some() {
            self.status = None;
        }
        self.filter = filter;
        self.rebuild_view(None);
        self.cursor = 0;
        self.top = 0;
        self.at_end = false;
    }

    /// `:search-all`: the server searches every folder; hits come in folder by folder.
    pub(super) fn search_all(&mut self, text: &str) -> Vec<Effect> {
        let q = match query::parse(text) {
            Ok(q) if !(q.words.is_empty() && q.terms.is_empty()) => q,
            Ok(_) => {
                self.status = Some(":search-all needs a query".into());
                return Vec::new();
            }
            Err(e) => {
                self.status = Some(e);
                return Vec::new();
            }
        };
        // Bare words match as they do in `/`: the subject or the sender.
        let mut terms = q.terms;
        terms.extend(q.words.into_iter().map(SearchTerm::SubjectOrFrom));
        let folders: Vec<String> = tern_core::mail::sidebar_order(&self.folders)
            .into_iter()
            .map(|f| f.name.clone())
            .collect();
        let mut waiting = HashMap::new();
        let mut effects = Vec::new();
        for folder in folders {
            let id = self.id();
            waiting.insert(id, folder.clone());
            effects.push(Effect::Send(WorkerCommand::Search {
                id,
                folder,
                terms: terms.clone(),
            }));
        }
        self.status = Some(format!("searching {} folders…", waiting.len()));
        self.results = Some(AllHits {
            query: text.to_string(),
            waiting,
            hits: Vec::new(),
            cursor: 0,
            top: 0,
        });
        effects
    }

    /// The server's hits for a search request arrived.
    pub(super) fn search_hits(&mut self, id: RequestId, mut uids: Vec<Uid>) -> Vec<Effect> {
        if self.merged_hits(id, Ok(&uids)) {
            return Vec::new();
        }
        if let Some(f) = self.filter.as_mut() {
            if f.server == Some(ServerHits::Waiting(id)) {
                let n = uids.len();
                f.server = Some(ServerHits::Hits(uids.into_iter().collect()));
                self.rebuild_view(None);
                self.cursor = 0;
                self.top = 0;
                self.status = Some(format!("{n} found on the server"));
                return Vec::new();
            }
        }
        let Some(r) = self.results.as_mut() else {
            return Vec::new();
        };
        let Some(folder) = r.waiting.remove(&id) else {
            return Vec::new();
        };
        self.status = Some(if r.waiting.is_empty() {
            "search done".to_string()
        } else {
            format!("searching… {} folders to go", r.waiting.len())
        });
        if uids.is_empty() {
            return Vec::new();
        }
        uids.sort_unstable_by(|a, b| b.cmp(a));
        uids.truncate(HITS_PER_FOLDER);
        vec![Effect::LoadHits { folder, uids }]
    }

    /// Hits of `folder` read from the cache.
    pub fn add_hits(&mut self, folder: &str, list: Vec<Row>) {
        if let Some(r) = self.results.as_mut() {
            r.hits
                .extend(list.into_iter().map(|m| (folder.to_string(), m)));
        }
    }

    /// Moves the cursor of the search-all list.
    pub(super) fn results_move(&mut self, delta: isize) {
        let rows = self.rows.max(1);
        if let Some(r) = self.results.as_mut() {
            let last = r.hits.len().saturating_sub(1);
            r.cursor = r.cursor.saturating_add_signed(delta).min(last);
            if r.cursor < r.top {
                r.top = r.cursor;
            } else if r.cursor >= r.top + rows {
                r.top = r.cursor + 1 - rows;
            }
        }
    }

    /// Enter on a search-all hit: opens its folder with the cursor on it, and the
    /// message in the reader.
    pub(super) fn results_open(&mut self) -> Vec<Effect> {
        let Some((folder, uid)) = self
            .results
            .as_ref()
            .and_then(|r| r.hits.get(r.cursor))
            .map(|(f, m)| (f.clone(), m.uid))
        else {
            return Vec::new();
        };
        self.results = None;
        let mut effects = self.open_folder(folder);
        if let Some(row) = self.row_of(uid) {
            self.cursor = row;
            self.scroll_to_cursor();
            effects.extend(self.open());
        } else {
            self.jump_to = Some(uid);
            self.open_on_jump = true;
        }
        effects
    }

    /// `n` / `N` in the list: the next or previous hit of the search.
    pub(super) fn next_hit(&mut self, delta: isize) {
        if self.filter.is_none() {
            self.status = Some("no search in force (/ starts one)".into());
            return;
        }
        // The list shows only hits, so the next hit is the next row.
        self.move_cursor(delta);
    }
}
