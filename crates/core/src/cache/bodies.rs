//! Message bodies in the cache, within a budget: the least recently read go first, but a
//! body inside the prefetch window only once the older ones are not enough. A running
//! total and an index by last use keep each store and each eviction O(log n), so a
//! prefetch of a hundred thousand bodies costs linear time, not quadratic.

use super::store::{decode, next_tick, Cache, MsgKey, BODIES, BODY_USE, BY_DATE, MESSAGES, META};
use super::CacheError;
use crate::mail::{MessageSummary, Uid, UidValidity};
use redb::{ReadableDatabase, ReadableTable, TableDefinition, WriteTransaction};
use std::sync::atomic::Ordering;

/// (last use, folder, uidvalidity, uid) → (size, the message's date): bodies in the
/// order eviction takes them.
const BODY_LRU: TableDefinition<(u64, &str, u32, u32), (u64, i64)> =
    TableDefinition::new("body_lru");
/// In META: the bytes of all cached bodies (u64, little-endian).
const TOTAL: &str = "body_total";
/// In META: set once BODY_LRU and TOTAL describe every body (caches written before
/// them are indexed on their first write).
const INDEXED: &str = "body_lru_v1";

/// A new cache's empty index.
pub(super) fn new_index(tx: &WriteTransaction) -> Result<(), CacheError> {
    tx.open_table(BODY_LRU)?;
    let mut meta = tx.open_table(META)?;
    meta.insert(TOTAL, &0u64.to_le_bytes()[..])?;
    meta.insert(INDEXED, &[1u8][..])?;
    Ok(())
}

fn total(tx: &WriteTransaction) -> Result<u64, CacheError> {
    let meta = tx.open_table(META)?;
    let v = meta.get(TOTAL)?;
    Ok(
        v.and_then(|v| v.value().try_into().ok().map(u64::from_le_bytes))
            .unwrap_or(0),
    )
}

fn set_total(tx: &WriteTransaction, n: u64) -> Result<(), CacheError> {
    tx.open_table(META)?.insert(TOTAL, &n.to_le_bytes()[..])?;
    Ok(())
}

/// The date a message sorts by, from its cached headers (0 when they are gone).
fn date_of(tx: &WriteTransaction, key: MsgKey) -> Result<i64, CacheError> {
    let msgs = tx.open_table(MESSAGES)?;
    let v = msgs.get(key)?;
    Ok(v.map(|v| decode::<MessageSummary>(v.value()))
        .transpose()?
        .map(|m| m.sort_date())
        .unwrap_or(0))
}

/// Builds the index of a cache written before it had one.
fn ensure_index(tx: &WriteTransaction) -> Result<(), CacheError> {
    if tx.open_table(META)?.get(INDEXED)?.is_some() {
        return Ok(());
    }
    let entries: Vec<(String, u32, u32, u64, u64)> = {
        let body_use = tx.open_table(BODY_USE)?;
        let mut out = Vec::new();
        for row in body_use.iter()? {
            let (k, v) = row?;
            let (f, uidv, uid) = k.value();
            let (tick, size) = v.value();
            out.push((f.to_string(), uidv, uid, tick, size));
        }
        out
    };
    let mut sum = 0u64;
    for (f, uidv, uid, tick, size) in &entries {
        let date = date_of(tx, (f.as_str(), *uidv, *uid))?;
        tx.open_table(BODY_LRU)?
            .insert((*tick, f.as_str(), *uidv, *uid), (*size, date))?;
        sum += size;
    }
    set_total(tx, sum)?;
    tx.open_table(META)?.insert(INDEXED, &[1u8][..])?;
    Ok(())
}

/// Drops these messages' bodies (they left the folder).
pub(super) fn forget(
    tx: &WriteTransaction,
    folder: &str,
    uidv: UidValidity,
    uids: &[Uid],
) -> Result<(), CacheError> {
    if uids.is_empty() {
        return Ok(());
    }
    ensure_index(tx)?;
    let mut freed = 0u64;
    {
        let mut bodies = tx.open_table(BODIES)?;
        let mut body_use = tx.open_table(BODY_USE)?;
        let mut lru = tx.open_table(BODY_LRU)?;
        for &uid in uids {
            let used = body_use.remove((folder, uidv, uid))?.map(|v| v.value());
            if let Some((tick, size)) = used {
                lru.remove((tick, folder, uidv, uid))?;
                freed += size;
            }
            bodies.remove((folder, uidv, uid))?;
        }
    }
    if freed > 0 {
        let now = total(tx)?;
        set_total(tx, now.saturating_sub(freed))?;
    }
    Ok(())
}

/// Drops every body of a folder (its UIDVALIDITY changed, or it was deleted).
pub(super) fn forget_folder(tx: &WriteTransaction, folder: &str) -> Result<(), CacheError> {
    ensure_index(tx)?;
    let all = (folder, 0u32, 0u32)..=(folder, u32::MAX, u32::MAX);
    let gone: Vec<(u32, u32, u64, u64)> = {
        let body_use = tx.open_table(BODY_USE)?;
        let mut out = Vec::new();
        for row in body_use.range(all.clone())? {
            let (k, v) = row?;
            let (_, uidv, uid) = k.value();
            let (tick, size) = v.value();
            out.push((uidv, uid, tick, size));
        }
        out
    };
    let mut freed = 0u64;
    {
        let mut lru = tx.open_table(BODY_LRU)?;
        for (uidv, uid, tick, size) in &gone {
            lru.remove((*tick, folder, *uidv, *uid))?;
            freed += size;
        }
    }
    tx.open_table(BODIES)?
        .retain_in(all.clone(), |_, _| false)?;
    tx.open_table(BODY_USE)?.retain_in(all, |_, _| false)?;
    let now = total(tx)?;
    set_total(tx, now.saturating_sub(freed))?;
    Ok(())
}

impl Cache {
    /// A cached body, marking it recently used.
    pub fn body(
        &self,
        folder: &str,
        uidv: UidValidity,
        uid: Uid,
    ) -> Result<Option<Vec<u8>>, CacheError> {
        let body = {
            let tx = self.db.begin_read()?;
            let t = tx.open_table(BODIES)?;
            let v = t.get((folder, uidv, uid))?;
            v.map(|v| v.value().to_vec())
        };
        if body.is_some() {
            let tx = self.db.begin_write()?;
            ensure_index(&tx)?;
            {
                let mut body_use = tx.open_table(BODY_USE)?;
                let mut lru = tx.open_table(BODY_LRU)?;
                let used = body_use.get((folder, uidv, uid))?.map(|v| v.value());
                if let Some((tick, size)) = used {
                    let date = lru
                        .remove((tick, folder, uidv, uid))?
                        .map(|v| v.value().1)
                        .unwrap_or(0);
                    let now = next_tick();
                    body_use.insert((folder, uidv, uid), (now, size))?;
                    lru.insert((now, folder, uidv, uid), (size, date))?;
                }
            }
            tx.commit()?;
        }
        Ok(body)
    }

    /// Whether the cache holds this message's body.
    pub fn has_body(&self, folder: &str, uidv: UidValidity, uid: Uid) -> Result<bool, CacheError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(BODIES)?;
        Ok(t.get((folder, uidv, uid))?.is_some())
    }

    /// Stores a body, dropping the least recently used ones beyond the budget.
    pub fn put_body(
        &self,
        folder: &str,
        uidv: UidValidity,
        uid: Uid,
        raw: &[u8],
    ) -> Result<(), CacheError> {
        self.put_bodies(folder, uidv, &[(uid, raw)])
    }

    /// Stores bodies in one transaction, then keeps the total within the budget: the
    /// least recently read first, the prefetch window's last.
    pub fn put_bodies(
        &self,
        folder: &str,
        uidv: UidValidity,
        items: &[(Uid, &[u8])],
    ) -> Result<(), CacheError> {
        let tx = self.db.begin_write()?;
        ensure_index(&tx)?;
        let mut sum = total(&tx)?;
        for &(uid, raw) in items {
            let size = raw.len() as u64;
            if size > self.body_budget {
                continue;
            }
            let date = date_of(&tx, (folder, uidv, uid))?;
            let mut body_use = tx.open_table(BODY_USE)?;
            let mut lru = tx.open_table(BODY_LRU)?;
            if let Some((tick, old)) = body_use.get((folder, uidv, uid))?.map(|v| v.value()) {
                lru.remove((tick, folder, uidv, uid))?;
                sum = sum.saturating_sub(old);
            }
            let now = next_tick();
            tx.open_table(BODIES)?.insert((folder, uidv, uid), raw)?;
            body_use.insert((folder, uidv, uid), (now, size))?;
            lru.insert((now, folder, uidv, uid), (size, date))?;
            sum += size;
        }
        if sum > self.body_budget {
            sum = self.evict(&tx, sum)?;
        }
        set_total(&tx, sum)?;
        super::todo::note(&tx, folder, uidv, items.iter().map(|&(uid, _)| uid))?;
        tx.commit()?;
        self.index_signal.bump();
        Ok(())
    }

    /// Drops bodies, least recently used first, skipping the prefetch window's until
    /// nothing else is left; returns the new total.
    fn evict(&self, tx: &WriteTransaction, mut sum: u64) -> Result<u64, CacheError> {
        let keep_since = self.keep_since.load(Ordering::Relaxed);
        let mut victims: Vec<(u64, String, u32, u32, u64)> = Vec::new();
        for protect in [true, false] {
            if sum <= self.body_budget {
                break;
            }
            let lru = tx.open_table(BODY_LRU)?;
            for row in lru.iter()? {
                let (k, v) = row?;
                let (tick, f, uidv, uid) = k.value();
                let (size, date) = v.value();
                let kept = date >= keep_since;
                // First pass: only outside the window; second: the window's, which
                // the first pass left.
                if kept == protect {
                    continue;
                }
                victims.push((tick, f.to_string(), uidv, uid, size));
                sum = sum.saturating_sub(size);
                if sum <= self.body_budget {
                    break;
                }
            }
        }
        let mut bodies = tx.open_table(BODIES)?;
        let mut body_use = tx.open_table(BODY_USE)?;
        let mut lru = tx.open_table(BODY_LRU)?;
        for (tick, f, uidv, uid, _) in &victims {
            bodies.remove((f.as_str(), *uidv, *uid))?;
            body_use.remove((f.as_str(), *uidv, *uid))?;
            lru.remove((*tick, f.as_str(), *uidv, *uid))?;
        }
        Ok(sum)
    }

    /// Bodies of messages dated at or after `since` (Unix seconds) are kept while older
    /// ones can go (the prefetch window); `i64::MAX`: none are.
    pub fn keep_bodies_since(&self, since: i64) {
        self.keep_since.store(since, Ordering::Relaxed);
    }

    /// Makes the cache look as one written before the body index (a test of the upgrade).
    #[cfg(test)]
    pub(crate) fn forget_body_index_for_test(&self) {
        let tx = self.db.begin_write().unwrap();
        tx.delete_table(BODY_LRU).unwrap();
        {
            let mut meta = tx.open_table(META).unwrap();
            meta.remove(TOTAL).unwrap();
            meta.remove(INDEXED).unwrap();
        }
        tx.commit().unwrap();
    }

    /// The most bytes of bodies the cache keeps.
    pub fn body_budget(&self) -> u64 {
        self.body_budget
    }

    /// The bytes of all cached bodies.
    pub fn body_bytes(&self) -> Result<u64, CacheError> {
        let tx = self.db.begin_write()?;
        ensure_index(&tx)?;
        let n = total(&tx)?;
        tx.commit()?;
        Ok(n)
    }

    /// Messages of a folder dated at or after `since` whose body is not cached, newest
    /// first, with their sizes: at most `limit` of them and `max_bytes` in all (one at
    /// least), taken below the place `below` (where a previous call stopped; None: from
    /// the newest). Also says where to go on from, None when the window is done: a walk
    /// over the window is linear.
    pub fn bodies_missing(
        &self,
        folder: &str,
        uidv: UidValidity,
        since: i64,
        below: Option<(i64, Uid)>,
        limit: usize,
        max_bytes: u64,
    ) -> Result<MissingBodies, CacheError> {
        let tx = self.db.begin_read()?;
        let by_date = tx.open_table(BY_DATE)?;
        let bodies = tx.open_table(BODIES)?;
        let msgs = tx.open_table(MESSAGES)?;
        let mut uids = Vec::new();
        let mut bytes = 0u64;
        let start = (folder, uidv, since, 0u32);
        let rows = match below {
            Some((date, uid)) => by_date.range(start..(folder, uidv, date, uid))?,
            None => by_date.range(start..=(folder, uidv, i64::MAX, u32::MAX))?,
        };
        for row in rows.rev() {
            let (k, _) = row?;
            let (_, _, date, uid) = k.value();
            if bodies.get((folder, uidv, uid))?.is_some() {
                continue;
            }
            let size = msgs
                .get((folder, uidv, uid))?
                .map(|v| decode::<MessageSummary>(v.value()))
                .transpose()?
                .map(|m| m.size)
                .unwrap_or(0);
            if !uids.is_empty() && bytes + u64::from(size) > max_bytes {
                // This one starts the next call's walk: `next` is just above it.
                let last = uids.last().map(|&(_, _, d, u)| (d, u));
                return Ok(MissingBodies::of(uids, last));
            }
            bytes += u64::from(size);
            uids.push((uid, size, date, uid));
            if uids.len() >= limit {
                return Ok(MissingBodies::of(uids, Some((date, uid))));
            }
        }
        Ok(MissingBodies::of(uids, None))
    }
}

/// What `bodies_missing` found, and where to go on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MissingBodies {
    /// (UID, size) newest first.
    pub uids: Vec<(Uid, u32)>,
    pub next: Option<(i64, Uid)>,
}

impl MissingBodies {
    fn of(found: Vec<(Uid, u32, i64, Uid)>, next: Option<(i64, Uid)>) -> MissingBodies {
        MissingBodies {
            uids: found.into_iter().map(|(u, s, _, _)| (u, s)).collect(),
            next,
        }
    }
}
