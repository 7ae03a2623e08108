//! `:search-all`: every folder of every account, from the local indexes (offline too,
//! no cap on hits), and the server asked about the folders the cache has never synced;
//! the hits are listed with their folder (and account), and Enter opens one.

use super::query;
use super::search::{count, Found};
use super::state::{AppState, Effect, Link};
use std::collections::HashMap;
use tern_core::imap::protocol::{RequestId, SearchTerm, WorkerCommand};
use tern_core::mail::{Row, Uid};

/// One hit of `:search-all`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllHit {
    pub account: usize,
    pub folder: String,
    pub row: Row,
}

/// `:search-all` in progress or done.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllHits {
    pub query: String,
    /// The local indexes' answer, until it comes.
    pub local: Option<RequestId>,
    /// Server searches not answered yet, by request: (account, folder).
    pub waiting: HashMap<RequestId, (usize, String)>,
    /// Index hits newest first, then the server's as they come (each folder newest first).
    pub hits: Vec<AllHit>,
    pub cursor: usize,
    pub top: usize,
    /// The query as the servers get it.
    pub terms: Vec<SearchTerm>,
    /// What the index said of itself and the folders it could not cover.
    pub note: Option<String>,
}

impl AppState {
    /// `:search-all`: the local indexes first; the servers for folders never synced.
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
        let id = self.id();
        // The servers take bare words as anywhere in the message, as the index does.
        let mut terms: Vec<SearchTerm> = q.words.iter().cloned().map(SearchTerm::Text).collect();
        terms.extend(q.terms.iter().cloned());
        let folders = (0..self.account_count())
            .map(|i| {
                let names = self
                    .folders_of(i)
                    .iter()
                    .filter(|f| f.selectable)
                    .map(|f| f.name.clone())
                    .collect();
                (i, names)
            })
            .collect();
        self.status = Some("searching every folder…".into());
        self.results = Some(AllHits {
            query: text.to_string(),
            local: Some(id),
            waiting: HashMap::new(),
            hits: Vec::new(),
            cursor: 0,
            top: 0,
            terms,
            note: None,
        });
        vec![Effect::FindEverywhere {
            id,
            words: q.words,
            terms: q.terms,
            folders,
        }]
    }

    /// The local indexes answered `:search-all`: their hits, and the server asked about
    /// the folders they do not hold.
    pub(super) fn found_everywhere(&mut self, found: Found) -> Vec<Effect> {
        let Some(r) = self.results.as_mut() else {
            return Vec::new();
        };
        if r.local != Some(found.id) {
            return Vec::new();
        }
        r.local = None;
        r.hits = found
            .rows
            .into_iter()
            .map(|(account, folder, row)| AllHit {
                account,
                folder,
                row,
            })
            .collect();
        let terms = r.terms.clone();
        let mut effects = Vec::new();
        let mut offline = 0;
        for (account, folder) in found.unsynced {
            if !matches!(self.link_of(account), Link::Online) {
                offline += 1;
                continue;
            }
            let id = self.id();
            effects.push(Effect::SendTo {
                account,
                command: WorkerCommand::Search {
                    id,
                    folder: folder.clone(),
                    terms: terms.clone(),
                },
            });
            if let Some(r) = self.results.as_mut() {
                r.waiting.insert(id, (account, folder));
            }
        }
        let Some(r) = self.results.as_mut() else {
            return effects;
        };
        let mut note = Vec::new();
        if let Some(e) = found.error {
            note.push(format!("an index could not be read: {e}"));
        } else if !found.complete {
            note.push("the index is still being built".to_string());
        }
        if offline > 0 {
            note.push(format!("{offline} folders never synced, offline"));
        }
        r.note = (!note.is_empty()).then(|| note.join("; "));
        self.status = Some(if r.waiting.is_empty() {
            format!("{} found", count(r.hits.len()))
        } else {
            format!(
                "{} found; asking the server about {} folders never synced…",
                count(r.hits.len()),
                r.waiting.len()
            )
        });
        effects
    }

    /// The server's hits for a search request arrived.
    pub(super) fn search_hits(&mut self, id: RequestId, mut uids: Vec<Uid>) -> Vec<Effect> {
        if let Some(effects) = self.unsure_answered(id, !uids.is_empty()) {
            return effects;
        }
        if self.merged_hits(id, Ok(&uids)) || self.server_hits_here(id, &uids) {
            return Vec::new();
        }
        let Some(r) = self.results.as_mut() else {
            return Vec::new();
        };
        let Some((_, folder)) = r.waiting.remove(&id) else {
            return Vec::new();
        };
        self.status = Some(if r.waiting.is_empty() {
            format!("search done: {} found", count(r.hits.len() + uids.len()))
        } else {
            format!("searching… {} folders to go", r.waiting.len())
        });
        if uids.is_empty() {
            return Vec::new();
        }
        uids.sort_unstable_by(|a, b| b.cmp(a));
        vec![Effect::LoadHits { folder, uids }]
    }

    /// Hits of `folder` of the account in the fields, read from the cache.
    pub fn add_hits(&mut self, folder: &str, list: Vec<Row>) {
        let account = self.here;
        if let Some(r) = self.results.as_mut() {
            r.hits.extend(list.into_iter().map(|row| AllHit {
                account,
                folder: folder.to_string(),
                row,
            }));
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

    /// Enter on a search-all hit: shows its account, opens its folder with the cursor on
    /// it, and the message in the reader.
    pub(super) fn results_open(&mut self) -> Vec<Effect> {
        let Some((account, folder, uid)) = self
            .results
            .as_ref()
            .and_then(|r| r.hits.get(r.cursor))
            .map(|h| (h.account, h.folder.clone(), h.row.uid))
        else {
            return Vec::new();
        };
        self.results = None;
        let mut effects = self.go_to(super::accounts::Place { account, folder });
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
}
