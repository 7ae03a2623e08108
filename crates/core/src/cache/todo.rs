//! What the search index has yet to learn, kept in the cache itself: each write of
//! headers, bodies or removals notes the message in the same transaction, so a crash
//! between the cache and the index loses nothing (the note stays until the index has
//! committed it). The index reads a message's state from the cache when it takes the
//! note, so a note only says "look again": order and repeats do not matter.

use super::store::{decode, next_tick, Cache, MsgKey, BODIES, MESSAGES, META};
use super::CacheError;
use crate::mail::{MessageSummary, Uid, UidValidity};
use redb::{
    ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition, WriteTransaction,
};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// (folder, uidvalidity, uid) → the note's stamp: the message changed.
const TODO: TableDefinition<MsgKey, u64> = TableDefinition::new("index_todo");
/// folder → stamp: every message of the folder went (reset, UIDVALIDITY change).
const DROPS: TableDefinition<&str, u64> = TableDefinition::new("index_drops");
/// In META: this cache file's identity, so an index built from another file is rebuilt.
const IDENTITY: &str = "index_identity";

/// A message as the index reads it.
pub type IndexKey = (String, UidValidity, Uid);

/// A message's headers and its cached body (if any).
pub type WithBody = (MessageSummary, Option<Vec<u8>>);

/// Notes taken for the index, each with its stamp.
#[derive(Debug, Default)]
pub struct IndexTodo {
    pub drops: Vec<(String, u64)>,
    pub keys: Vec<(IndexKey, u64)>,
}

impl IndexTodo {
    pub fn is_empty(&self) -> bool {
        self.drops.is_empty() && self.keys.is_empty()
    }
}

/// Wakes the indexer when notes are taken.
#[derive(Debug, Default)]
pub struct IndexSignal {
    generation: Mutex<u64>,
    changed: Condvar,
}

impl IndexSignal {
    pub(super) fn bump(&self) {
        if let Ok(mut g) = self.generation.lock() {
            *g = g.wrapping_add(1);
            self.changed.notify_all();
        }
    }

    /// The current generation.
    pub fn generation(&self) -> u64 {
        self.generation.lock().map(|g| *g).unwrap_or(0)
    }

    /// Waits until the generation differs from `seen` or `timeout` passes.
    pub fn wait(&self, seen: u64, timeout: Duration) -> u64 {
        let Ok(g) = self.generation.lock() else {
            return seen;
        };
        match self.changed.wait_timeout_while(g, timeout, |g| *g == seen) {
            Ok((g, _)) => *g,
            Err(_) => seen,
        }
    }

    /// Wakes every waiter (to stop, say).
    pub fn wake(&self) {
        self.bump();
    }
}

/// Notes that these messages of a folder changed.
pub(super) fn note(
    tx: &WriteTransaction,
    folder: &str,
    uidv: UidValidity,
    uids: impl IntoIterator<Item = Uid>,
) -> Result<(), CacheError> {
    let mut t = tx.open_table(TODO)?;
    let stamp = next_tick();
    for uid in uids {
        t.insert((folder, uidv, uid), stamp)?;
    }
    Ok(())
}

/// Notes that every message of a folder went.
pub(super) fn note_drop(tx: &WriteTransaction, folder: &str) -> Result<(), CacheError> {
    tx.open_table(DROPS)?.insert(folder, next_tick())?;
    Ok(())
}

fn missing_table(e: &redb::TableError) -> bool {
    matches!(e, redb::TableError::TableDoesNotExist(_))
}

impl Cache {
    /// Wakes the indexer when a write took notes.
    pub fn index_signal(&self) -> &IndexSignal {
        &self.index_signal
    }

    /// Up to `limit` notes, the folder drops first (all of them).
    pub fn index_todo(&self, limit: usize) -> Result<IndexTodo, CacheError> {
        let tx = self.db.begin_read()?;
        let mut out = IndexTodo::default();
        match tx.open_table(DROPS) {
            Ok(t) => {
                for row in t.iter()? {
                    let (k, v) = row?;
                    out.drops.push((k.value().to_string(), v.value()));
                }
            }
            Err(e) if missing_table(&e) => {}
            Err(e) => return Err(e.into()),
        }
        match tx.open_table(TODO) {
            Ok(t) => {
                for row in t.iter()?.take(limit) {
                    let (k, v) = row?;
                    let (f, uidv, uid) = k.value();
                    out.keys.push(((f.to_string(), uidv, uid), v.value()));
                }
            }
            Err(e) if missing_table(&e) => {}
            Err(e) => return Err(e.into()),
        }
        Ok(out)
    }

    /// Forgets the notes the index has committed, unless one was taken again since.
    pub fn index_done(&self, done: &IndexTodo) -> Result<(), CacheError> {
        if done.is_empty() {
            return Ok(());
        }
        let tx = self.db.begin_write()?;
        {
            let mut drops = tx.open_table(DROPS)?;
            for (folder, stamp) in &done.drops {
                if drops.get(folder.as_str())?.map(|v| v.value()) == Some(*stamp) {
                    drops.remove(folder.as_str())?;
                }
            }
            let mut todo = tx.open_table(TODO)?;
            for ((folder, uidv, uid), stamp) in &done.keys {
                let key = (folder.as_str(), *uidv, *uid);
                if todo.get(key)?.map(|v| v.value()) == Some(*stamp) {
                    todo.remove(key)?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Forgets every note (a build from the whole cache starts after this).
    pub fn index_reset_todo(&self) -> Result<(), CacheError> {
        let tx = self.db.begin_write()?;
        tx.open_table(TODO)?.retain(|_, _| false)?;
        tx.open_table(DROPS)?.retain(|_, _| false)?;
        tx.commit()?;
        Ok(())
    }

    /// How many notes wait (for progress).
    pub fn index_todo_len(&self) -> Result<u64, CacheError> {
        let tx = self.db.begin_read()?;
        match tx.open_table(TODO) {
            Ok(t) => Ok(t.len()?),
            Err(e) if missing_table(&e) => Ok(0),
            Err(e) => Err(e.into()),
        }
    }

    /// This cache file's identity (made on first use).
    pub fn index_identity(&self) -> Result<u64, CacheError> {
        {
            let tx = self.db.begin_read()?;
            let meta = tx.open_table(META)?;
            if let Some(v) = meta.get(IDENTITY)? {
                if let Ok(b) = <[u8; 8]>::try_from(v.value()) {
                    return Ok(u64::from_le_bytes(b));
                }
            }
        }
        let id: u64 = rand::random();
        let tx = self.db.begin_write()?;
        tx.open_table(META)?
            .insert(IDENTITY, &id.to_le_bytes()[..])?;
        tx.commit()?;
        Ok(id)
    }

    /// A message's headers and cached body, as the index reads them (the body is not
    /// marked as read).
    pub fn for_index(
        &self,
        folder: &str,
        uidv: UidValidity,
        uid: Uid,
    ) -> Result<Option<WithBody>, CacheError> {
        let tx = self.db.begin_read()?;
        let msgs = tx.open_table(MESSAGES)?;
        let Some(v) = msgs.get((folder, uidv, uid))? else {
            return Ok(None);
        };
        let m: MessageSummary = decode(v.value())?;
        let body = tx
            .open_table(BODIES)?
            .get((folder, uidv, uid))?
            .map(|b| b.value().to_vec());
        Ok(Some((m, body)))
    }

    /// Every cached message after `after` (None: from the first) in key order, at most
    /// `limit`, with its body: a walk over the whole cache, a window at a time.
    pub fn messages_after(
        &self,
        after: Option<&IndexKey>,
        limit: usize,
    ) -> Result<Vec<(IndexKey, WithBody)>, CacheError> {
        let tx = self.db.begin_read()?;
        let msgs = tx.open_table(MESSAGES)?;
        let bodies = tx.open_table(BODIES)?;
        let rows = match after {
            Some((f, v, u)) => msgs.range((
                std::ops::Bound::Excluded((f.as_str(), *v, *u)),
                std::ops::Bound::Unbounded,
            ))?,
            None => msgs.iter()?,
        };
        let mut out = Vec::new();
        for row in rows.take(limit) {
            let (k, v) = row?;
            let (f, uidv, uid) = k.value();
            let body = bodies.get((f, uidv, uid))?.map(|b| b.value().to_vec());
            out.push(((f.to_string(), uidv, uid), (decode(v.value())?, body)));
        }
        Ok(out)
    }
}
