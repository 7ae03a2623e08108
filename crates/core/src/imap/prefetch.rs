//! Bodies fetched ahead of time (`prefetch = "30d"`): after the headers, the bodies of
//! the window's messages, newest first, in chunks of a bounded size, without setting
//! `\Seen`. The worker takes one chunk at a time when nothing else waits (a key press
//! or an opened message always goes first); `tern sync --bodies` walks whole folders.

use super::{ops, Conn, ImapError};
use crate::cache::Cache;
use crate::config::Prefetch;
use crate::mail::{Uid, UidValidity};
use std::collections::VecDeque;

/// At most this many bytes of bodies per command: a chunk never holds up a user's
/// command for long, nor memory.
pub const CHUNK_BYTES: u64 = 1 << 20;
/// At most this many messages per command.
pub const CHUNK_MESSAGES: usize = 50;

/// One folder's walk over its window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Walk {
    pub folder: String,
    pub uidvalidity: UidValidity,
    /// The window's oldest date (Unix seconds).
    pub since: i64,
    /// Where the walk goes on (None: from the newest).
    pub below: Option<(i64, Uid)>,
    /// The newest message's date when the walk began: once it is done, the folder's
    /// next walk stops there (what is older was walked).
    pub top: i64,
}

/// What one chunk did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    pub fetched: usize,
    pub bytes: u64,
    /// The walk is over.
    pub done: bool,
}

/// Fetches the next chunk of `walk` (its folder selected on `conn`) into the cache.
/// Stops (done) when the cache would go over its budget: prefetching past it would
/// evict what it just fetched.
pub async fn chunk(conn: &mut Conn, cache: &Cache, walk: &mut Walk) -> Result<Chunk, ImapError> {
    let found = cache.bodies_missing(
        &walk.folder,
        walk.uidvalidity,
        walk.since,
        walk.below,
        CHUNK_MESSAGES,
        CHUNK_BYTES,
    )?;
    let wanted: u64 = found.uids.iter().map(|(_, s)| u64::from(*s)).sum();
    if found.uids.is_empty() || cache.body_bytes()? + wanted > cache.body_budget() {
        return Ok(Chunk {
            done: true,
            ..Chunk::default()
        });
    }
    let mut uids: Vec<Uid> = found.uids.iter().map(|(u, _)| *u).collect();
    uids.sort_unstable();
    let bodies = ops::fetch_bodies(conn, &uids).await?;
    let bytes = bodies.iter().map(|(_, b)| b.len() as u64).sum();
    let items: Vec<(Uid, &[u8])> = bodies.iter().map(|(u, b)| (*u, b.as_slice())).collect();
    cache.put_bodies(&walk.folder, walk.uidvalidity, &items)?;
    walk.below = found.next;
    Ok(Chunk {
        fetched: bodies.len(),
        bytes,
        done: found.next.is_none(),
    })
}

/// How many bodies of the window are still to fetch.
pub fn remaining(cache: &Cache, walk: &Walk) -> Result<usize, ImapError> {
    let found = cache.bodies_missing(
        &walk.folder,
        walk.uidvalidity,
        walk.since,
        walk.below,
        usize::MAX,
        u64::MAX,
    )?;
    Ok(found.uids.len())
}

/// The worker's walks, one per folder, the most recently synced first.
#[derive(Debug, Default)]
pub struct Queue {
    pub window: Option<Prefetch>,
    walks: VecDeque<Walk>,
    /// Per folder, the top of its last walk that was done (with the UIDVALIDITY): a sync
    /// walks only the mail newer than it, not the whole window again. Kept for the
    /// session: each start walks the whole window once.
    done_to: std::collections::HashMap<String, (UidValidity, i64)>,
}

impl Queue {
    pub fn new(window: Prefetch) -> Queue {
        Queue {
            window: Some(window),
            walks: VecDeque::new(),
            done_to: std::collections::HashMap::new(),
        }
    }

    /// After `folder` was synced: (re)starts its walk from the newest, so that new mail
    /// comes first, down to where its last finished walk began; the cache keeps the
    /// window's bodies last.
    pub fn synced(&mut self, cache: &Cache, folder: &str, uidvalidity: UidValidity, now: i64) {
        let Some(since) = self.window.and_then(|w| w.since(now)) else {
            return;
        };
        cache.keep_bodies_since(since);
        let walked = match self.done_to.get(folder) {
            Some(&(v, top)) if v == uidvalidity => top,
            _ => i64::MIN,
        };
        let top = cache
            .newest_date(folder, uidvalidity)
            .ok()
            .flatten()
            .unwrap_or(i64::MAX);
        self.walks.retain(|w| w.folder != folder);
        self.walks.push_front(Walk {
            folder: folder.to_string(),
            uidvalidity,
            since: since.max(walked),
            below: None,
            top,
        });
    }

    /// The walk to go on with.
    pub fn front(&mut self) -> Option<&mut Walk> {
        self.walks.front_mut()
    }

    /// The front walk is over (or its folder is gone).
    pub fn finished(&mut self) {
        self.walks.pop_front();
    }

    /// The front walk reached its end: the folder's next walk stops where it began.
    pub fn completed(&mut self) {
        if let Some(w) = self.walks.pop_front() {
            self.done_to.insert(w.folder, (w.uidvalidity, w.top));
        }
    }

    pub fn busy(&self) -> bool {
        !self.walks.is_empty()
    }
}

/// The worker's turn: one chunk of the front walk, its folder selected first.
pub(super) async fn step(st: &mut super::worker::State, conn: &mut Conn) -> Result<(), ImapError> {
    let Some(walk) = st.prefetch.front() else {
        return Ok(());
    };
    let (folder, uidvalidity) = (walk.folder.clone(), walk.uidvalidity);
    // A walk that fails is dropped (the next sync of its folder starts it again): never
    // retried at once, which would loop on a refusal.
    if let Err(e) = super::commands::select(st, conn, &folder).await {
        st.prefetch.finished();
        return Err(e);
    }
    // A folder replaced on the server meanwhile: its walk is void (a new one came with
    // the sync that saw it).
    let current = st.cache.folder_state(&folder)?.map(|s| s.uidvalidity);
    let Some(walk) = st.prefetch.front().filter(|w| w.folder == folder) else {
        return Ok(());
    };
    if current != Some(uidvalidity) {
        st.prefetch.finished();
        return Ok(());
    }
    let done = match chunk(conn, &st.cache, walk).await {
        Ok(d) => d,
        Err(e) => {
            st.prefetch.finished();
            return Err(e);
        }
    };
    if done.done {
        tracing::info!(%folder, "prefetch done: the window's bodies are in the cache");
        st.prefetch.completed();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::{open, Batch, FolderState};
    use crate::mail::MessageSummary;

    fn msg(uid: Uid, date: i64) -> MessageSummary {
        MessageSummary {
            uid,
            date: Some(date),
            internal_date: date,
            ..MessageSummary::default()
        }
    }

    #[test]
    fn a_sync_after_a_finished_walk_walks_only_the_newer_mail() {
        let dir = tempfile::tempdir().unwrap();
        let (cache, _) = open(dir.path(), "a", 1 << 30).unwrap();
        let now = 10_000_000;
        let batch = |upserts| Batch {
            upserts,
            state: Some(FolderState {
                uidvalidity: 5,
                ..FolderState::default()
            }),
            ..Batch::default()
        };
        cache
            .apply(
                "INBOX",
                5,
                &batch(vec![msg(1, now - 500), msg(2, now - 100)]),
            )
            .unwrap();
        let mut q = Queue::new(Prefetch::All);
        q.synced(&cache, "INBOX", 5, now);
        let first = q.front().unwrap().clone();
        assert_eq!(
            (first.since, first.top),
            (i64::MIN, now - 100),
            "the whole window"
        );
        q.synced(&cache, "INBOX", 5, now);
        assert_eq!(
            q.front().unwrap().since,
            i64::MIN,
            "not done yet: all again"
        );
        q.completed();
        cache
            .apply("INBOX", 5, &batch(vec![msg(3, now - 10)]))
            .unwrap();
        q.synced(&cache, "INBOX", 5, now);
        let next = q.front().unwrap().clone();
        assert_eq!(
            (next.since, next.top),
            (now - 100, now - 10),
            "the new mail only"
        );
        // Another UIDVALIDITY: the whole window again.
        q.completed();
        q.synced(&cache, "INBOX", 6, now);
        assert_eq!(q.front().unwrap().since, i64::MIN);
    }
}
