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
}

impl Queue {
    pub fn new(window: Prefetch) -> Queue {
        Queue {
            window: Some(window),
            walks: VecDeque::new(),
        }
    }

    /// After `folder` was synced: (re)starts its walk from the newest, so that new mail
    /// comes first; the cache keeps the window's bodies last.
    pub fn synced(&mut self, cache: &Cache, folder: &str, uidvalidity: UidValidity, now: i64) {
        let Some(since) = self.window.and_then(|w| w.since(now)) else {
            return;
        };
        cache.keep_bodies_since(since);
        self.walks.retain(|w| w.folder != folder);
        self.walks.push_front(Walk {
            folder: folder.to_string(),
            uidvalidity,
            since,
            below: None,
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
        st.prefetch.finished();
    }
    Ok(())
}
