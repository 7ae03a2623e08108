//! `/` on the open folder: the local index answers for the words and terms over the
//! headers and the cached bodies, offline too (the list stays as it is the few
//! milliseconds it takes); the server is asked only about the messages the index has
//! not read yet, and its hits are added (one set of rows, no duplicates). While the
//! index is being built, bare words also match inside subjects and senders. `is:`
//! terms are checked on the rows, whose flags are what the screen shows.

use super::query;
use super::state::{AppState, Effect, Link};
use std::collections::HashSet;
use tern_core::imap::protocol::{RequestId, SearchTerm, WorkerCommand};
use tern_core::mail::Uid;

/// The `/` search in force on the open folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub query: String,
    /// Bare words, lower-cased.
    pub words: Vec<String>,
    /// `key:value` terms but the flags', for the index and the server.
    pub terms: Vec<SearchTerm>,
    /// `is:` terms: checked on the rows themselves (their flags are the truth on screen).
    pub flags: Vec<SearchTerm>,
    /// The local index's hits (None: only flags asked).
    pub local: Option<ServerHits>,
    /// The server's hits for the messages the index has not read (None: not asked).
    pub server: Option<ServerHits>,
    /// Bare words also match inside subjects and senders (when the index could not
    /// answer for every message: it is being built, or cannot be read).
    pub substring: bool,
    /// Which rows the bare words matched that way, by place, with the fingerprint of
    /// the rows they were read from.
    pub at_once: Option<(u64, Vec<bool>)>,
}

impl Filter {
    /// Whether the search asks for words or terms (not only flags).
    pub fn has_text(&self) -> bool {
        !(self.words.is_empty() && self.terms.is_empty())
    }
}

/// UIDs a search found: asked of every row when the list is rebuilt, a million times
/// at a million messages, so hashed with a fast hash (seeded per process).
pub type UidSet = HashSet<Uid, foldhash::fast::RandomState>;

/// The server part of a search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerHits {
    Waiting(RequestId),
    Hits(UidSet),
}

/// What the local index found for a search (read off the loop).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    pub id: RequestId,
    /// For `/`: the folder's UIDs (of its UIDVALIDITY now) that match.
    pub uids: Vec<Uid>,
    /// For `/`, when the search asks about text: how many cached messages of the
    /// folder the index has not read the text of (the server is asked about them)...
    pub unindexed: usize,
    /// ...and the messages whose text it has read (the server is asked about all the
    /// others: a folder of a million is not listed to ask about it).
    pub indexed: Vec<Uid>,
    /// For `:search-all`: the hits, newest first: (account, folder, row).
    pub rows: Vec<(usize, String, tern_core::mail::Row)>,
    /// For `:search-all`: folders of the sidebar the cache has never synced, per account.
    pub unsynced: Vec<(usize, String)>,
    /// The index held every cached message when asked.
    pub complete: bool,
    /// Why the index could not answer (it is then asked again next time).
    pub error: Option<String>,
}

/// Splits the `is:` terms (checked on rows) from the rest.
pub(super) fn split_flags(terms: Vec<SearchTerm>) -> (Vec<SearchTerm>, Vec<SearchTerm>) {
    terms
        .into_iter()
        .partition(|t| matches!(t, SearchTerm::Unseen | SearchTerm::Flagged))
}

/// Whether the words or terms ask about a message's text (which the index holds only
/// for cached bodies).
pub fn asks_text(words: &[String], terms: &[SearchTerm]) -> bool {
    !words.is_empty()
        || terms
            .iter()
            .any(|t| matches!(t, SearchTerm::Body(_) | SearchTerm::Text(_)))
}

/// A count as the status line says it (`12,000`).
pub(super) fn count(n: usize) -> String {
    tern_core::mail::thousands(n as u64)
}

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
        let (flags, terms) = split_flags(q.terms);
        let mut filter = Filter {
            query: text.to_string(),
            words: q.words,
            terms,
            flags,
            local: None,
            server: None,
            substring: false,
            at_once: None,
        };
        if !filter.has_text() {
            self.set_filter(Some(filter));
            return Vec::new();
        }
        let id = self.id();
        filter.local = Some(ServerHits::Waiting(id));
        let find = Effect::Find {
            id,
            folder: self.folder.clone(),
            words: filter.words.clone(),
            terms: filter.terms.clone(),
        };
        // The rows change when the index answers: one pass over them, not two.
        self.filter = Some(filter);
        self.status = Some("searching…".into());
        vec![find]
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

    /// The local index answered a search of the open folder.
    pub(super) fn found_here(&mut self, found: Found) -> Vec<Effect> {
        let ours = Some(ServerHits::Waiting(found.id));
        if self.filter.as_ref().is_none_or(|f| f.local != ours) {
            return Vec::new();
        }
        let unread = found.unindexed;
        let online = matches!(self.link, Link::Online);
        let server_id = (unread > 0 && online).then(|| self.id());
        let folder = self.folder.clone();
        let Some(f) = self.filter.as_mut() else {
            return Vec::new();
        };
        f.local = Some(ServerHits::Hits(found.uids.into_iter().collect()));
        f.substring = !found.complete || found.error.is_some();
        let mut effects = Vec::new();
        if let Some(id) = server_id {
            let mut terms: Vec<SearchTerm> =
                f.words.iter().cloned().map(SearchTerm::Text).collect();
            terms.extend(f.terms.iter().cloned());
            terms.extend(f.flags.iter().cloned());
            terms.push(SearchTerm::NotUids(found.indexed));
            f.server = Some(ServerHits::Waiting(id));
            effects.push(Effect::Send(WorkerCommand::Search { id, folder, terms }));
        }
        self.rebuild_view(None);
        self.cursor = 0;
        self.top = 0;
        self.at_end = false;
        let n = count(self.view.len());
        let mut said = if unread == 0 {
            format!("{n} found")
        } else if online {
            format!(
                "{n} found; asking the server about {} messages not indexed yet…",
                count(unread)
            )
        } else {
            format!(
                "{n} found; the text of {} messages is not indexed yet, and the server cannot be asked (offline)",
                count(unread)
            )
        };
        if let Some(e) = found.error {
            said = format!("{n} found on this screen; the local index cannot be read: {e}");
        } else if !found.complete {
            said.push_str(" (the index is still being built)");
        }
        self.status = Some(said);
        effects
    }

    /// The server's hits for the search of the open folder came (false: not its request).
    pub(super) fn server_hits_here(&mut self, id: RequestId, uids: &[Uid]) -> bool {
        let Some(f) = self.filter.as_mut() else {
            return false;
        };
        if f.server != Some(ServerHits::Waiting(id)) {
            return false;
        }
        let before = self.view.len();
        f.server = Some(ServerHits::Hits(uids.iter().copied().collect()));
        self.rebuild_view(None);
        self.cursor = 0;
        self.top = 0;
        let more = self.view.len().saturating_sub(before);
        self.status = Some(format!(
            "{} found ({} more from the server)",
            count(self.view.len()),
            count(more)
        ));
        true
    }

    /// The server could not search (false: not the open folder's request): the local
    /// hits stay, and the status says so.
    pub(super) fn server_failed_here(&mut self, id: RequestId, error: &str) -> bool {
        let Some(f) = self.filter.as_mut() else {
            return false;
        };
        if f.server != Some(ServerHits::Waiting(id)) {
            return false;
        }
        f.server = None;
        self.status = Some(format!(
            "{} found here; the server could not be asked: {error}",
            count(self.view.len())
        ));
        true
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
