//! Answers `tern list` and `tern sync` run while this client holds the account's cache
//! (see `tern_core::control`): a list is read from the cache off the loop; a sync goes
//! to this client's worker and is answered when the worker is done.

use crate::app::state::AppState;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use tern_core::cache::Cache;
use tern_core::control::{self, Answer, Reply, Request};
use tern_core::imap::protocol::{WorkerCommand, WorkerEvent};
use tokio::sync::mpsc;

/// Request ids of syncs asked over the socket: far from the app's own (which count up
/// from 1), so the two never meet.
const FIRST_ID: u64 = 1 << 62;

pub struct Control {
    cache: Arc<Cache>,
    /// Syncs under way: the answer and the folders asked for.
    syncs: HashMap<u64, (Answer, Vec<String>)>,
    next_id: u64,
}

impl Control {
    /// Listens at `path` (None, or a failure to listen: the commands then say the cache
    /// is in use, as before).
    /// Requests go to `tx`.
    pub fn start(
        path: Option<&Path>,
        cache: Arc<Cache>,
        tx: mpsc::UnboundedSender<(Request, Answer)>,
    ) -> Control {
        match path.map(control::Listener::bind) {
            Some(Ok(listener)) => {
                tokio::spawn(async move {
                    while let Ok(r) = listener.next().await {
                        if tx.send(r).is_err() {
                            break;
                        }
                    }
                });
            }
            Some(Err(e)) => tracing::warn!(error = %e, "cannot listen for tern list/sync"),
            None => {}
        }
        Control {
            cache,
            syncs: HashMap::new(),
            next_id: FIRST_ID,
        }
    }

    /// Takes a request; a sync returns the command for the worker.
    pub fn take(
        &mut self,
        request: Request,
        mut answer: Answer,
        state: &AppState,
        caches: Vec<Arc<Cache>>,
    ) -> Option<WorkerCommand> {
        match request {
            // The book the client read for its own To: prompt (when writing, as the
            // editor runs) answers at once; else every cache is read for it.
            Request::Addresses { text, limit } if state.book_read_at.is_some() => {
                let lines = tern_core::addressbook::answer_lines(&state.address_book, &text, limit);
                tokio::spawn(async move {
                    for l in lines {
                        answer.send(&Reply::Line(l)).await;
                    }
                    answer.send(&Reply::Done).await;
                });
                None
            }
            Request::Addresses { text, limit } => {
                let me = state.identity.clone();
                let now = state.now;
                tokio::spawn(async move {
                    let lines = tokio::task::spawn_blocking(move || {
                        let books = caches
                            .iter()
                            .map(|c| tern_core::addressbook::from_cache(c, &me, now))
                            .collect();
                        let book = tern_core::addressbook::merge(books);
                        tern_core::addressbook::answer_lines(&book, &text, limit)
                    })
                    .await
                    .unwrap_or_default();
                    for l in lines {
                        answer.send(&Reply::Line(l)).await;
                    }
                    answer.send(&Reply::Done).await;
                });
                None
            }
            Request::Search { query, folder } => {
                let cache = self.cache.clone();
                tokio::spawn(async move {
                    let found = tokio::task::spawn_blocking(move || search(&cache, &query, folder))
                        .await
                        .unwrap_or_else(|e| Err(e.to_string()));
                    match found {
                        Ok((hits, complete)) => {
                            if !complete {
                                let note =
                                    "(the search index is still being built: hits may be missing)";
                                answer.send(&Reply::Line(note.into())).await;
                            }
                            answer.send(&Reply::Found(hits)).await;
                            answer.send(&Reply::Done).await;
                        }
                        Err(e) => answer.send(&Reply::Error(e)).await,
                    }
                });
                None
            }
            Request::List { folder, limit } => {
                let cache = self.cache.clone();
                let account = state.account.clone();
                tokio::spawn(async move {
                    let rows = tokio::task::spawn_blocking(move || {
                        control::list_rows(&cache, &account, &folder, limit)
                    })
                    .await
                    .unwrap_or_else(|e| Err(e.to_string()));
                    match rows {
                        Ok(rows) => {
                            answer.send(&Reply::Messages(rows)).await;
                            answer.send(&Reply::Done).await;
                        }
                        Err(e) => answer.send(&Reply::Error(e)).await,
                    }
                });
                None
            }
            Request::Sync { folders } => {
                let named: Result<Vec<String>, String> = if folders.is_empty() {
                    Ok(state
                        .folders
                        .iter()
                        .filter(|f| f.selectable)
                        .map(|f| f.name.clone())
                        .collect())
                } else {
                    folders
                        .iter()
                        .map(|f| control::resolve_folder(f, &state.folders))
                        .collect()
                };
                let folders = match named {
                    Ok(f) if !f.is_empty() => f,
                    Ok(_) => {
                        let error = "the running tern has no folder list yet".to_string();
                        tokio::spawn(async move { answer.send(&Reply::Error(error)).await });
                        return None;
                    }
                    Err(e) => {
                        tokio::spawn(async move { answer.send(&Reply::Error(e)).await });
                        return None;
                    }
                };
                let id = self.next_id;
                self.next_id += 1;
                self.syncs.insert(id, (answer, folders.clone()));
                Some(WorkerCommand::Sync { id, folders })
            }
        }
    }

    /// A worker event: the end of a sync asked over the socket is answered here (and
    /// not shown); every other event is given back.
    pub fn intercept(&mut self, event: WorkerEvent) -> Option<WorkerEvent> {
        let (id, error) = match &event {
            WorkerEvent::Done { id, .. } => (*id, None),
            WorkerEvent::Failed { id, error } => (*id, Some(error.clone())),
            _ => return Some(event),
        };
        let Some((mut answer, folders)) = self.syncs.remove(&id) else {
            return Some(event);
        };
        let cache = self.cache.clone();
        tokio::spawn(async move {
            if let Some(e) = error {
                answer.send(&Reply::Error(e)).await;
                return;
            }
            let lines = tokio::task::spawn_blocking(move || report(&cache, &folders))
                .await
                .unwrap_or_default();
            for l in lines {
                answer.send(&Reply::Line(l)).await;
            }
            answer.send(&Reply::Done).await;
        });
        None
    }
}

/// A line per folder synced: how many messages the cache now holds.
fn report(cache: &Cache, folders: &[String]) -> Vec<String> {
    let mut total = 0;
    let mut out: Vec<String> = folders
        .iter()
        .map(|f| {
            let n = cache
                .folder_state(f)
                .ok()
                .flatten()
                .map_or(0, |s| s.messages);
            total += n;
            let f = tern_core::mail::sanitize(f);
            format!("{f:<24} {n:>8} messages  (synced by the running tern)")
        })
        .collect();
    out.push(format!("{:<24} {total:>8} messages", "total"));
    out
}

/// `tern search` asked the running client: its index's hits, from its cache.
type Hits = (Vec<(String, tern_core::mail::MessageSummary)>, bool);

fn search(cache: &Cache, query: &str, folder: Option<String>) -> Result<Hits, String> {
    let q = crate::app::query::parse(query)?;
    let mut reader = tern_core::index::Reader::new(cache.path());
    tern_core::index::messages(cache, &mut reader, &q.words, &q.terms, folder.as_deref())
        .map_err(|e| e.to_string())
}
