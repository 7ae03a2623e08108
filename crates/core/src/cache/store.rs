//! Tables and the operations the worker and the UI need on them.

use super::CacheError;
use crate::mail::{Flags, MessageSummary, Row, RowBuilder, SummaryRef, Uid, UidValidity};
use redb::{ReadableDatabase, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub(crate) const SCHEMA_VERSION: u32 = 3;

pub(crate) const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const FOLDERS: TableDefinition<&str, &[u8]> = TableDefinition::new("folders");
pub(super) type MsgKey<'a> = (&'a str, u32, u32);
pub(super) const MESSAGES: TableDefinition<MsgKey, &[u8]> = TableDefinition::new("messages");
/// (folder, uidvalidity, sort date, uid): newest-first listing without loading a folder.
pub(super) const BY_DATE: TableDefinition<(&str, u32, i64, u32), ()> =
    TableDefinition::new("by_date");
pub(super) const BODIES: TableDefinition<MsgKey, &[u8]> = TableDefinition::new("bodies");
/// Messages cached per (folder, uidvalidity), kept with every change so counting is free.
const COUNTS: TableDefinition<(&str, u32), u64> = TableDefinition::new("counts");
/// (last use tick, size) of each cached body, for least-recently-used eviction.
pub(super) const BODY_USE: TableDefinition<MsgKey, (u64, u64)> = TableDefinition::new("body_use");

/// What the cache knows of a folder's server state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderState {
    pub uidvalidity: UidValidity,
    pub uidnext: u32,
    /// 0 when the server has no CONDSTORE.
    pub highest_modseq: u64,
    /// Whether the rows are a full copy of the folder as of `highest_modseq`/`uidnext`.
    pub complete: bool,
    /// Messages cached when the sync ended.
    pub messages: u64,
}

/// Changes to one folder, written in one transaction.
#[derive(Debug, Default)]
pub struct Batch {
    pub upserts: Vec<MessageSummary>,
    pub flag_updates: Vec<(Uid, Flags, u64)>,
    pub removals: Vec<Uid>,
    pub state: Option<FolderState>,
}

/// An open cache.
pub struct Cache {
    pub(super) db: redb::Database,
    path: PathBuf,
    pub(super) body_budget: u64,
    /// Bodies of messages dated at or after this (Unix seconds) are the prefetch
    /// window's: dropped only when the older ones are not enough (`i64::MAX`: none).
    pub(super) keep_since: std::sync::atomic::AtomicI64,
    /// Wakes the search index when a write leaves it notes.
    pub(super) index_signal: super::todo::IndexSignal,
}

pub(super) fn encode<T: Serialize>(v: &T) -> Result<Vec<u8>, CacheError> {
    postcard::to_allocvec(v).map_err(|e| CacheError::Decode(e.to_string()))
}

pub(super) fn decode<'a, T: Deserialize<'a>>(b: &'a [u8]) -> Result<T, CacheError> {
    postcard::from_bytes(b).map_err(|e| CacheError::Decode(e.to_string()))
}

impl Cache {
    pub(crate) fn new(db: redb::Database, path: PathBuf, body_budget: u64) -> Cache {
        Cache {
            db,
            path,
            body_budget,
            keep_since: std::sync::atomic::AtomicI64::new(i64::MAX),
            index_signal: super::todo::IndexSignal::default(),
        }
    }

    pub(crate) fn into_db(self) -> redb::Database {
        self.db
    }

    /// The file behind this cache.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn write_schema(&self) -> Result<(), CacheError> {
        let tx = self.db.begin_write()?;
        {
            let mut meta = tx.open_table(META)?;
            meta.insert("schema", &SCHEMA_VERSION.to_le_bytes()[..])?;
            tx.open_table(FOLDERS)?;
            tx.open_table(MESSAGES)?;
            tx.open_table(BY_DATE)?;
            tx.open_table(BODIES)?;
            tx.open_table(BODY_USE)?;
            tx.open_table(COUNTS)?;
        }
        super::bodies::new_index(&tx)?;
        tx.commit()?;
        Ok(())
    }

    #[cfg(test)]
    pub(crate) fn set_schema_for_test(&self, version: u32) {
        let tx = self.db.begin_write().unwrap();
        tx.open_table(META)
            .unwrap()
            .insert("schema", &version.to_le_bytes()[..])
            .unwrap();
        tx.commit().unwrap();
    }

    /// The sync state of a folder, if it was ever synced.
    pub fn folder_state(&self, folder: &str) -> Result<Option<FolderState>, CacheError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(FOLDERS)?;
        let v = t.get(folder)?;
        v.map(|v| decode(v.value())).transpose()
    }

    /// Keeps the account's folder list (names, special use, last counts) so that a
    /// start without the server shows the same sidebar.
    pub fn save_folder_list(&self, list: &[crate::mail::FolderInfo]) -> Result<(), CacheError> {
        let bytes = encode(&list)?;
        let tx = self.db.begin_write()?;
        tx.open_table(META)?.insert("folder_list", &bytes[..])?;
        tx.commit()?;
        Ok(())
    }

    /// The folder list as last seen on the server (empty before the first LIST).
    pub fn folder_list(&self) -> Result<Vec<crate::mail::FolderInfo>, CacheError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(META)?;
        let v = t.get("folder_list")?;
        Ok(v.map(|v| decode(v.value()))
            .transpose()?
            .unwrap_or_default())
    }

    /// Every folder the cache knows, with its state.
    pub fn folders(&self) -> Result<Vec<(String, FolderState)>, CacheError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(FOLDERS)?;
        let mut out = Vec::new();
        for row in t.iter()? {
            let (k, v) = row?;
            out.push((k.value().to_string(), decode(v.value())?));
        }
        Ok(out)
    }

    /// Drops every row of a folder (its UIDVALIDITY changed, or it was deleted).
    pub fn reset_folder(&self, folder: &str) -> Result<(), CacheError> {
        let tx = self.db.begin_write()?;
        // Before the messages' tables are opened: it may read them (a table opens once).
        super::bodies::forget_folder(&tx, folder)?;
        super::todo::note_drop(&tx, folder)?;
        {
            let mut msgs = tx.open_table(MESSAGES)?;
            let mut by_date = tx.open_table(BY_DATE)?;
            let all = (folder, 0u32, 0u32)..=(folder, u32::MAX, u32::MAX);
            msgs.retain_in(all.clone(), |_, _| false)?;
            tx.open_table(COUNTS)?
                .retain_in((folder, 0u32)..=(folder, u32::MAX), |_, _| false)?;
            by_date.retain_in(
                (folder, 0u32, i64::MIN, 0u32)..=(folder, u32::MAX, i64::MAX, u32::MAX),
                |_, _| false,
            )?;
            tx.open_table(FOLDERS)?.remove(folder)?;
        }
        tx.commit()?;
        self.index_signal.bump();
        Ok(())
    }

    /// Applies a batch of changes to a folder atomically.
    pub fn apply(&self, folder: &str, uidv: UidValidity, batch: &Batch) -> Result<(), CacheError> {
        let tx = self.db.begin_write()?;
        // Before the messages' tables are opened: it may read them (a table opens once).
        super::bodies::forget(&tx, folder, uidv, &batch.removals)?;
        let noted = !(batch.upserts.is_empty() && batch.removals.is_empty());
        if noted {
            let uids = batch.upserts.iter().map(|m| m.uid);
            super::todo::note(
                &tx,
                folder,
                uidv,
                uids.chain(batch.removals.iter().copied()),
            )?;
        }
        {
            let mut msgs = tx.open_table(MESSAGES)?;
            let mut by_date = tx.open_table(BY_DATE)?;
            let mut delta: i64 = 0;
            for m in &batch.upserts {
                let old = msgs
                    .insert((folder, uidv, m.uid), encode(m)?.as_slice())?
                    .map(|v| decode::<MessageSummary>(v.value()))
                    .transpose()?;
                match old {
                    Some(old) => {
                        by_date.remove((folder, uidv, old.sort_date(), m.uid))?;
                    }
                    None => delta += 1,
                }
                by_date.insert((folder, uidv, m.sort_date(), m.uid), ())?;
            }
            for (uid, flags, modseq) in &batch.flag_updates {
                let current = msgs
                    .get((folder, uidv, *uid))?
                    .map(|v| decode::<MessageSummary>(v.value()))
                    .transpose()?;
                if let Some(mut m) = current {
                    m.flags = flags.clone();
                    m.modseq = m.modseq.max(*modseq);
                    msgs.insert((folder, uidv, *uid), encode(&m)?.as_slice())?;
                }
            }
            for uid in &batch.removals {
                let old = msgs
                    .remove((folder, uidv, *uid))?
                    .map(|v| decode::<MessageSummary>(v.value()))
                    .transpose()?;
                if let Some(old) = old {
                    by_date.remove((folder, uidv, old.sort_date(), *uid))?;
                    delta -= 1;
                }
            }
            if delta != 0 {
                let mut counts = tx.open_table(COUNTS)?;
                let now = counts.get((folder, uidv))?.map(|v| v.value()).unwrap_or(0);
                counts.insert((folder, uidv), now.saturating_add_signed(delta))?;
            }
            if let Some(state) = &batch.state {
                tx.open_table(FOLDERS)?
                    .insert(folder, encode(state)?.as_slice())?;
            }
        }
        tx.commit()?;
        if noted {
            self.index_signal.bump();
        }
        Ok(())
    }

    /// UIDs and flags of every cached message of a folder, in UID order.
    pub fn uid_flags(
        &self,
        folder: &str,
        uidv: UidValidity,
    ) -> Result<Vec<(Uid, Flags)>, CacheError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(MESSAGES)?;
        let mut out = Vec::new();
        for row in t.range((folder, uidv, 0u32)..=(folder, uidv, u32::MAX))? {
            let (k, v) = row?;
            let m: MessageSummary = decode(v.value())?;
            out.push((k.value().2, m.flags));
        }
        Ok(out)
    }

    /// The cached UIDs that fall in these ranges (work bounded by what is cached, however
    /// wide the ranges).
    pub fn uids_in(
        &self,
        folder: &str,
        uidv: UidValidity,
        ranges: &[std::ops::RangeInclusive<Uid>],
    ) -> Result<Vec<Uid>, CacheError> {
        if ranges.is_empty() {
            return Ok(Vec::new());
        }
        let tx = self.db.begin_read()?;
        let t = tx.open_table(MESSAGES)?;
        let mut out = Vec::new();
        for r in ranges {
            for row in t.range((folder, uidv, *r.start())..=(folder, uidv, *r.end()))? {
                out.push(row?.0.value().2);
            }
        }
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    /// Number of cached messages in a folder.
    pub fn count(&self, folder: &str, uidv: UidValidity) -> Result<u64, CacheError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(COUNTS)?;
        let n = t.get((folder, uidv))?.map(|v| v.value()).unwrap_or(0);
        Ok(n)
    }

    /// Calls `f` on every message of a folder, in UID order, one at a time (nothing is
    /// gathered: a big folder costs no memory).
    pub fn each_message(
        &self,
        folder: &str,
        mut f: impl FnMut(&MessageSummary),
    ) -> Result<(), CacheError> {
        let Some(state) = self.folder_state(folder)? else {
            return Ok(());
        };
        let uidv = state.uidvalidity;
        let tx = self.db.begin_read()?;
        let msgs = tx.open_table(MESSAGES)?;
        for row in msgs.range((folder, uidv, 0u32)..=(folder, uidv, u32::MAX))? {
            let (_, v) = row?;
            f(&decode(v.value())?);
        }
        Ok(())
    }

    /// The newest `limit` messages (0 = all) of a folder by date, newest first.
    pub fn newest(&self, folder: &str, limit: usize) -> Result<Vec<MessageSummary>, CacheError> {
        let mut out = Vec::with_capacity(self.newest_hint(folder, limit)?);
        self.scan_newest(folder, limit, |b| {
            out.push(decode::<MessageSummary>(b)?);
            Ok(())
        })?;
        if limit == 0 {
            out.sort_unstable_by_key(|m| std::cmp::Reverse((m.sort_date(), m.uid)));
        }
        out.shrink_to_fit();
        Ok(out)
    }

    /// The newest `limit` list rows (0 = all) of a folder, newest first: each message
    /// decoded and made a row in turn, so a big folder is never held whole.
    pub fn newest_rows(&self, folder: &str, limit: usize) -> Result<Vec<Row>, CacheError> {
        let mut rows = RowBuilder::with_capacity(self.newest_hint(folder, limit)?);
        self.scan_newest(folder, limit, |b| {
            rows.push_ref(decode::<SummaryRef>(b)?);
            Ok(())
        })?;
        let mut rows = rows.finish();
        if limit == 0 {
            rows.sort_unstable_by_key(|r| std::cmp::Reverse((r.date, r.uid)));
        }
        Ok(rows)
    }

    /// The list rows of the messages above UID `after` (new mail since a read), newest
    /// first, and the folder's UIDVALIDITY.
    pub fn rows_after(
        &self,
        folder: &str,
        after: Uid,
    ) -> Result<(UidValidity, Vec<Row>), CacheError> {
        let Some(state) = self.folder_state(folder)? else {
            return Ok((0, Vec::new()));
        };
        let uidv = state.uidvalidity;
        let tx = self.db.begin_read()?;
        let msgs = tx.open_table(MESSAGES)?;
        let mut rows = RowBuilder::with_capacity(16);
        let Some(first) = after.checked_add(1) else {
            return Ok((uidv, Vec::new()));
        };
        for row in msgs.range((folder, uidv, first)..=(folder, uidv, u32::MAX))? {
            let (_, v) = row?;
            rows.push_ref(decode::<SummaryRef>(v.value())?);
        }
        let mut out = rows.finish();
        out.sort_unstable_by_key(|r| std::cmp::Reverse((r.date, r.uid)));
        Ok((uidv, out))
    }

    /// How many of a folder's newest `limit` (0: all) a read will find, about: the
    /// folder's count (at most 4 Mi: the count is a hint, and the file may be damaged).
    fn newest_hint(&self, folder: &str, limit: usize) -> Result<usize, CacheError> {
        let Some(state) = self.folder_state(folder)? else {
            return Ok(0);
        };
        let count =
            usize::try_from(self.count(folder, state.uidvalidity)?).map_or(0, |n| n.min(1 << 22));
        Ok(if limit == 0 { count } else { limit.min(count) })
    }

    /// Visits the cached bytes of a folder's newest `limit` messages (0: all), newest
    /// first when limited; a whole folder in UID order, for the caller to sort.
    fn scan_newest(
        &self,
        folder: &str,
        limit: usize,
        mut visit: impl FnMut(&[u8]) -> Result<(), CacheError>,
    ) -> Result<(), CacheError> {
        let Some(state) = self.folder_state(folder)? else {
            return Ok(());
        };
        let uidv = state.uidvalidity;
        let tx = self.db.begin_read()?;
        let msgs = tx.open_table(MESSAGES)?;
        if limit == 0 {
            // The whole folder: read in UID order (the table's own order, so its pages
            // are read once each, front to back) and sorted by the caller. Following the
            // date index instead looks every message up on its own: at a million
            // messages that is minutes of page reads, against a second for the scan and
            // the sort.
            for row in msgs.range((folder, uidv, 0u32)..=(folder, uidv, u32::MAX))? {
                let (_, v) = row?;
                visit(v.value())?;
            }
        } else {
            let idx = tx.open_table(BY_DATE)?;
            let range =
                idx.range((folder, uidv, i64::MIN, 0u32)..=(folder, uidv, i64::MAX, u32::MAX))?;
            let mut found = 0;
            for row in range.rev() {
                let (k, _) = row?;
                let uid = k.value().3;
                if let Some(v) = msgs.get((folder, uidv, uid))? {
                    visit(v.value())?;
                    found += 1;
                }
                if found >= limit {
                    break;
                }
            }
        }
        Ok(())
    }

    /// The date the newest message of a folder sorts by.
    pub fn newest_date(&self, folder: &str, uidv: UidValidity) -> Result<Option<i64>, CacheError> {
        let tx = self.db.begin_read()?;
        let idx = tx.open_table(BY_DATE)?;
        let mut range =
            idx.range((folder, uidv, i64::MIN, 0u32)..=(folder, uidv, i64::MAX, u32::MAX))?;
        Ok(range.next_back().transpose()?.map(|(k, _)| k.value().2))
    }

    /// The list rows of these messages of a folder (those cached), in one read.
    pub fn rows_for(
        &self,
        folder: &str,
        uidv: UidValidity,
        uids: &[Uid],
    ) -> Result<Vec<Row>, CacheError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(MESSAGES)?;
        let mut out = RowBuilder::with_capacity(uids.len());
        for &uid in uids {
            if let Some(v) = t.get((folder, uidv, uid))? {
                out.push_ref(decode::<SummaryRef>(v.value())?);
            }
        }
        Ok(out.finish())
    }

    /// One message's cached headers.
    pub fn get(
        &self,
        folder: &str,
        uidv: UidValidity,
        uid: Uid,
    ) -> Result<Option<MessageSummary>, CacheError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(MESSAGES)?;
        let v = t.get((folder, uidv, uid))?;
        v.map(|v| decode(v.value())).transpose()
    }
}

pub(super) fn next_tick() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}
