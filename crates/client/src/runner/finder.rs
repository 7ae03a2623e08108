//! Asking the accounts' local search indexes, off the loop, and keeping them in step
//! with the caches (each account's indexer thread).

use crate::app::search::{asks_text, Found};
use crate::app::update::Back;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tern_core::cache::Cache;
use tern_core::imap::protocol::{RequestId, SearchTerm};
use tern_core::index::{Indexer, Reader};
use tern_core::mail::{Row, Uid, UidValidity};
use tokio::sync::mpsc;

/// One account's index: its reader, and the thread that keeps it.
pub struct Finder {
    cache: Arc<Cache>,
    reader: Arc<Mutex<Reader>>,
    /// Stopped (and waited for) when the account's IO is dropped.
    _indexer: Indexer,
}

impl Finder {
    /// Starts keeping the index of `cache`; what the user should know goes to `notes`.
    pub fn start(
        cache: Arc<Cache>,
        label: &str,
        writer: Option<std::path::PathBuf>,
        notes: mpsc::UnboundedSender<Back>,
    ) -> Finder {
        let indexer = Indexer::start(cache.clone(), label, writer, move |n| {
            let _ = notes.send(Back::Note(n));
        });
        let reader = Arc::new(Mutex::new(Reader::new(cache.path())));
        // Opened off the loop now, so that the first `/` does not pay for it.
        let warm = reader.clone();
        tokio::task::spawn_blocking(move || {
            if let Ok(mut r) = warm.lock() {
                r.warm();
            }
        });
        Finder {
            reader,
            cache,
            _indexer: indexer,
        }
    }

    fn parts(&self) -> (Arc<Cache>, Arc<Mutex<Reader>>) {
        (self.cache.clone(), self.reader.clone())
    }

    /// `/`: the open folder's hits, and which cached messages' text the index lacks.
    pub fn find_here(
        &self,
        id: RequestId,
        folder: String,
        words: Vec<String>,
        terms: Vec<SearchTerm>,
        tx: mpsc::UnboundedSender<Back>,
    ) {
        let (cache, reader) = self.parts();
        tokio::task::spawn_blocking(move || {
            let found = here(&cache, &reader, id, &folder, &words, &terms);
            let _ = tx.send(Back::Found(found, false));
        });
    }
}

fn here(
    cache: &Cache,
    reader: &Mutex<Reader>,
    id: RequestId,
    folder: &str,
    words: &[String],
    terms: &[SearchTerm],
) -> Found {
    let mut found = Found {
        id,
        ..Found::default()
    };
    let uidv = match cache.folder_state(folder) {
        Ok(Some(s)) => s.uidvalidity,
        _ => return found,
    };
    let Ok(mut reader) = reader.lock() else {
        found.error = Some("the index reader failed earlier".into());
        return found;
    };
    match reader.search(words, terms, Some(folder)) {
        Ok(s) => {
            found.complete = s.complete;
            found.uids = s
                .hits
                .into_iter()
                .filter(|h| h.uidvalidity == uidv)
                .map(|h| h.uid)
                .collect();
        }
        Err(e) => found.error = Some(e.to_string()),
    }
    if asks_text(words, terms) {
        // Which messages the index has not read cannot be told: said, not passed over
        // as if the index had read them all.
        match unindexed(cache, &mut reader, folder, uidv) {
            Ok((count, indexed)) => (found.unindexed, found.indexed) = (count, indexed),
            Err(e) => {
                found.error.get_or_insert(e);
            }
        }
    }
    found
}

/// How many cached messages of a folder the index does not hold the body's text of,
/// and those it does (none listed when it holds every one). Only the index's are
/// listed: at a million messages and few bodies, listing the others took most of a
/// search's half second.
fn unindexed(
    cache: &Cache,
    reader: &mut Reader,
    folder: &str,
    uidv: UidValidity,
) -> Result<(usize, Vec<Uid>), String> {
    // Counted first: on a folder whose every body is in, nothing is listed.
    let counted = reader
        .bodies_in_count(folder, uidv)
        .map_err(|e| e.to_string())?;
    let cached = cache.count(folder, uidv).map_err(|e| e.to_string())?;
    if counted >= cached {
        return Ok((0, Vec::new()));
    }
    let mut have: Vec<Uid> = reader
        .bodies_in(folder, uidv)
        .map_err(|e| e.to_string())?
        .into_iter()
        .collect();
    have.sort_unstable();
    let missing = usize::try_from(cached - counted).unwrap_or(usize::MAX);
    Ok((missing, have))
}

/// `:search-all`: every account's index, each hit made a row from its cache, newest
/// first; and the folders of each sidebar its cache has never synced.
pub fn find_everywhere(
    finders: Vec<(usize, &Finder)>,
    id: RequestId,
    words: Vec<String>,
    terms: Vec<SearchTerm>,
    folders: Vec<(usize, Vec<String>)>,
    tx: mpsc::UnboundedSender<Back>,
) {
    let parts: Vec<(usize, Arc<Cache>, Arc<Mutex<Reader>>)> = finders
        .into_iter()
        .map(|(i, f)| {
            let (c, r) = f.parts();
            (i, c, r)
        })
        .collect();
    tokio::task::spawn_blocking(move || {
        let mut found = Found {
            id,
            complete: true,
            ..Found::default()
        };
        for (i, cache, reader) in &parts {
            account_hits(*i, cache, reader, &words, &terms, &mut found);
            let synced: Vec<String> = cache
                .folders()
                .unwrap_or_default()
                .into_iter()
                .map(|(name, _)| name)
                .collect();
            for (j, names) in &folders {
                if j == i {
                    let never = names.iter().filter(|n| !synced.contains(n));
                    found.unsynced.extend(never.map(|n| (*i, n.clone())));
                }
            }
        }
        found
            .rows
            .sort_by_key(|r| std::cmp::Reverse((r.2.date, r.2.uid)));
        let _ = tx.send(Back::Found(found, true));
    });
}

fn account_hits(
    account: usize,
    cache: &Cache,
    reader: &Mutex<Reader>,
    words: &[String],
    terms: &[SearchTerm],
    found: &mut Found,
) {
    let Ok(mut reader) = reader.lock() else {
        return;
    };
    let searched = match reader.search(words, terms, None) {
        Ok(s) => s,
        Err(e) => {
            found.error = Some(e.to_string());
            return;
        }
    };
    found.complete &= searched.complete;
    // By folder, of the folder's UIDVALIDITY now (the index may be a step behind).
    let mut by_folder: HashMap<(Arc<str>, UidValidity), Vec<Uid>> = HashMap::new();
    for h in searched.hits {
        by_folder
            .entry((h.folder, h.uidvalidity))
            .or_default()
            .push(h.uid);
    }
    for ((folder, uidv), uids) in by_folder {
        let now = cache.folder_state(&folder).ok().flatten();
        if now.is_none_or(|s| s.uidvalidity != uidv) {
            continue;
        }
        let rows = cache.rows_for(&folder, uidv, &uids).unwrap_or_default();
        let flags_ok = |r: &Row| SearchTerm::flags_match(terms, &r.flags());
        found.rows.extend(
            rows.into_iter()
                .filter(flags_ok)
                .map(|r| (account, folder.to_string(), r)),
        );
    }
}
