//! Bringing a folder's cache to equal the server: QRESYNC, else CONDSTORE, else a
//! UID/flags comparison. Newest messages first, so a screenful is ready before the rest.

use super::changes::{flag_update, MailboxChanges};
use super::committer::{fetch_in_batches, Committer};
use super::conn::{Conn, Part};
use super::error::ImapError;
use super::headers::{fetch_items, fetched_from, Fetched};
use super::mailbox_arg;
use super::uidset::{bounded_sets, normalized};
use crate::cache::{Batch, Cache, FolderState};
use crate::mail::{Flags, FolderStatus, MessageSummary, Uid};
use async_imap::imap_proto::{AttributeValue, MailboxDatum, Response, ResponseCode};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

/// Messages fetched before the first batch is committed (one screenful).
pub const FIRST_CHUNK: u32 = 200;
/// Messages per later batch.
pub const CHUNK: u32 = 5000;

/// What a sync did, for the user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub folder: String,
    pub messages: u64,
    pub new: u64,
    pub changed: u64,
    pub removed: u64,
    /// The folder's UIDVALIDITY changed and its old rows were dropped.
    pub reset: bool,
    /// Every new message has a UID above all the folder held before (a quick resync
    /// fetched only those): a client holding the folder may read just them.
    pub appended: bool,
    /// The new flags of the `changed` messages, when there are at most `FLAGS_SAID` of
    /// them (else empty): a client applies these to the rows it shows instead of
    /// reading the whole folder again for a flag or two.
    pub flags: Vec<(Uid, Flags)>,
    /// The UIDs of the `removed` messages, when there are at most `FLAGS_SAID` of them
    /// (else empty), for the same reason.
    pub removed_uids: Vec<Uid>,
}

/// Flag changes a report lists one by one.
pub const FLAGS_SAID: usize = 1000;

impl SyncReport {
    /// Counts messages removed from the cache, and lists them while they are few.
    fn removed_these(&mut self, uids: &[Uid]) {
        self.removed += uids.len() as u64;
        if self.removed <= FLAGS_SAID as u64 {
            self.removed_uids.extend_from_slice(uids);
        } else {
            self.removed_uids = Vec::new();
        }
    }

    /// Counts flag changes written to the cache, and lists them while they are few.
    fn flags_changed(&mut self, updates: &[(Uid, Flags, u64)]) {
        self.changed += updates.len() as u64;
        if self.changed <= FLAGS_SAID as u64 {
            self.flags
                .extend(updates.iter().map(|(uid, f, _)| (*uid, f.clone())));
        } else {
            self.flags = Vec::new();
        }
    }
}

/// Progress while a folder syncs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncProgress {
    pub folder: String,
    pub done: u64,
    pub total: u64,
}

/// What SELECT told us.
#[derive(Debug, Default)]
pub struct Selected {
    pub uidvalidity: u32,
    pub uidnext: u32,
    pub highest_modseq: u64,
    pub exists: u32,
    pub vanished: Vec<std::ops::RangeInclusive<Uid>>,
    pub flag_updates: Vec<(Uid, Flags, u64)>,
}

/// SELECTs a folder, with QRESYNC data when the cache has a usable state.
pub async fn select(
    conn: &mut Conn,
    folder: &str,
    known: Option<&FolderState>,
) -> Result<Selected, ImapError> {
    let mut cmd = format!("SELECT {}", mailbox_arg(folder));
    match known {
        Some(st) if conn.qresync && st.complete && st.highest_modseq > 0 => {
            cmd.push_str(&format!(
                " (QRESYNC ({} {}))",
                st.uidvalidity, st.highest_modseq
            ));
        }
        _ if conn.condstore => cmd.push_str(" (CONDSTORE)"),
        _ => {}
    }
    // Leftover news from a previously selected folder no longer applies: what it did not
    // apply is asked for again at its next sync (its stored HIGHESTMODSEQ is older).
    conn.changes = MailboxChanges::default();
    let mut sel = Selected::default();
    // Before the new folder's UIDVALIDITY, VANISHED and FETCH replies may still concern
    // the previous folder (RFC 7162's `[CLOSED]`): only later ones are this folder's.
    let mut ours = false;
    conn.exec(&cmd, |r| match r {
        Response::MailboxData(MailboxDatum::Exists(n)) => {
            sel.exists = *n;
            true
        }
        Response::Data { outcome, .. } => {
            match &outcome.code {
                Some(ResponseCode::UidValidity(v)) => {
                    sel.uidvalidity = *v;
                    ours = true;
                }
                Some(ResponseCode::UidNext(v)) => sel.uidnext = *v,
                Some(ResponseCode::HighestModSeq(v)) => sel.highest_modseq = *v,
                _ => {}
            }
            true
        }
        Response::Vanished { .. } | Response::Fetch(..) if !ours => true,
        Response::Vanished { uids, .. } => {
            sel.vanished.extend(uids.iter().map(normalized));
            true
        }
        Response::Fetch(seq, attrs) => {
            if let Some(u) = flag_update(*seq, attrs) {
                if let Some(uid) = u.uid {
                    sel.flag_updates.push((uid, u.flags, u.modseq));
                }
            }
            true
        }
        _ => false,
    })
    .await?;
    if sel.uidvalidity == 0 {
        return Err(ImapError::Protocol(format!(
            "SELECT {} gave no UIDVALIDITY",
            crate::mail::sanitize(folder)
        )));
    }
    // Every message has its own UID below UIDNEXT (UIDs start at 1): more messages than
    // that cannot be, and fetching them one range at a time would never end.
    if sel.uidnext > 0 && u64::from(sel.exists) >= u64::from(sel.uidnext) {
        return Err(ImapError::Protocol(format!(
            "the server says {} holds {} messages, more than its next UID ({}) allows; not synced",
            crate::mail::sanitize(folder),
            sel.exists,
            sel.uidnext
        )));
    }
    Ok(sel)
}

/// Syncs one folder into the cache. `progress` hears about each committed batch.
pub async fn sync_folder(
    conn: &mut Conn,
    cache: &Arc<Cache>,
    folder: &str,
    progress: &mut (dyn FnMut(SyncProgress) + Send),
) -> Result<SyncReport, ImapError> {
    let mut report = SyncReport {
        folder: folder.to_string(),
        ..SyncReport::default()
    };
    let mut known = cache.folder_state(folder)?;
    let sel = select(conn, folder, known.as_ref()).await?;
    if let Some(st) = &known {
        if st.uidvalidity != sel.uidvalidity {
            tracing::info!(
                folder,
                old = st.uidvalidity,
                new = sel.uidvalidity,
                "UIDVALIDITY changed: dropping cached rows"
            );
            cache.reset_folder(folder)?;
            report.reset = true;
            known = None;
        }
    }
    let uidv = sel.uidvalidity;
    let quick = known
        .as_ref()
        .map(|st| st.complete && st.highest_modseq > 0 && conn.condstore)
        .unwrap_or(false);
    if quick {
        let st = known.clone().unwrap_or_default();
        quick_resync(conn, cache, folder, &st, &sel, &mut report).await?;
        report.appended = true;
    } else if known.is_some() || cache.count(folder, uidv)? > 0 {
        full_compare(conn, cache, folder, uidv, sel.exists, &mut report, progress).await?;
    } else {
        // A provisional state first, so the newest messages show while the rest streams
        // in; `complete: false` makes an interrupted sync compare UIDs next time.
        cache.apply(
            folder,
            uidv,
            &Batch {
                state: Some(FolderState {
                    uidvalidity: uidv,
                    complete: false,
                    ..FolderState::default()
                }),
                ..Batch::default()
            },
        )?;
        cold_fetch(conn, cache, folder, &sel, &mut report, progress).await?;
    }
    // Whatever the server reported meanwhile (another client's changes) is applied too,
    // then the result is checked: the count must equal EXISTS.
    apply_pending(conn, cache, folder, uidv, &mut report).await?;
    let exists = conn.changes.exists.take().unwrap_or(sel.exists);
    // Sequence-numbered EXPUNGEs (no QRESYNC) cannot be mapped to UIDs, and they make
    // any EXISTS seen before them stale: only a UID comparison settles them.
    let expunged = !std::mem::take(&mut conn.changes.expunged_seqs).is_empty();
    let mut count = cache.count(folder, uidv)?;
    if expunged || count != exists as u64 {
        tracing::warn!(
            folder,
            count,
            exists,
            "cache differs from the server after sync; comparing UIDs"
        );
        full_compare(conn, cache, folder, uidv, exists, &mut report, progress).await?;
        report.appended = false;
        count = cache.count(folder, uidv)?;
    }
    let state = FolderState {
        uidvalidity: uidv,
        uidnext: sel.uidnext,
        // The value from SELECT time: anything later is asked for again next time, which
        // is harmless, whereas a later value could skip changes never applied.
        highest_modseq: sel.highest_modseq,
        complete: true,
        messages: count,
    };
    // An unchanged state is not written again: a commit costs two fsyncs.
    if known.as_ref() != Some(&state) {
        cache.apply(
            folder,
            uidv,
            &Batch {
                state: Some(state),
                ..Batch::default()
            },
        )?;
    }
    report.messages = count;
    Ok(report)
}

/// Whether a folder's STATUS shows nothing changed since its last sync, so it need not
/// be selected at all. Only with CONDSTORE: without HIGHESTMODSEQ flag changes are
/// invisible to STATUS.
pub fn unchanged_since_sync(known: Option<&FolderState>, status: &FolderStatus) -> bool {
    match known {
        Some(k) => {
            k.complete
                && status.highest_modseq != 0
                && k.uidvalidity == status.uidvalidity
                && k.uidnext == status.uidnext
                && k.highest_modseq == status.highest_modseq
                && k.messages == u64::from(status.messages)
        }
        None => false,
    }
}

/// QRESYNC (changes came with SELECT) or CONDSTORE (ask for them).
async fn quick_resync(
    conn: &mut Conn,
    cache: &Cache,
    folder: &str,
    st: &FolderState,
    sel: &Selected,
    report: &mut SyncReport,
) -> Result<(), ImapError> {
    let uidv = sel.uidvalidity;
    let mut batch = Batch::default();
    let mut flag_updates = sel.flag_updates.clone();
    let mut removals = cache.uids_in(folder, uidv, &sel.vanished)?;
    if !conn.qresync && sel.exists > 0 {
        let cmd = format!(
            "UID FETCH 1:* (UID FLAGS) (CHANGEDSINCE {})",
            st.highest_modseq
        );
        conn.exec(&cmd, |r| {
            if let Response::Fetch(seq, attrs) = r {
                if let Some(u) = flag_update(*seq, attrs) {
                    if let Some(uid) = u.uid {
                        flag_updates.push((uid, u.flags, u.modseq));
                    }
                }
                return true;
            }
            false
        })
        .await?;
    }
    // New messages: everything at or above the old UIDNEXT.
    let mut fresh = Vec::new();
    if sel.uidnext > st.uidnext {
        fetch_headers(conn, &format!("{}:*", st.uidnext.max(1)), true, &mut fresh).await?;
        fresh.retain(|m| m.summary.uid >= st.uidnext);
    }
    let fresh: Vec<MessageSummary> = fresh.into_iter().map(Fetched::finish).collect();
    let fresh_uids: std::collections::HashSet<Uid> = fresh.iter().map(|m| m.uid).collect();
    flag_updates.retain(|(uid, _, _)| !fresh_uids.contains(uid));
    report.new += fresh.len() as u64;
    report.flags_changed(&flag_updates);
    batch.upserts = fresh;
    batch.flag_updates = flag_updates;
    if !conn.qresync {
        // CONDSTORE tells no expunges: compare counts, and UIDs only if they differ.
        let cached = cache.count(folder, uidv)? + batch.upserts.len() as u64;
        let exists = conn.changes.exists.unwrap_or(sel.exists) as u64;
        if cached != exists {
            let server = uid_search_all(conn).await?;
            let have = cache.uid_flags(folder, uidv)?;
            removals.extend(
                have.iter()
                    .map(|(u, _)| *u)
                    .filter(|u| server.binary_search(u).is_err()),
            );
        }
    }
    report.removed_these(&removals);
    batch.removals = removals;
    cache.apply(folder, uidv, &batch)?;
    Ok(())
}

/// Every UID in the selected folder, sorted.
pub async fn uid_search_all(conn: &mut Conn) -> Result<Vec<Uid>, ImapError> {
    let mut uids = Vec::new();
    conn.exec("UID SEARCH ALL", |r| {
        if let Response::MailboxData(MailboxDatum::Search(found)) = r {
            uids.extend(found.iter().copied());
            return true;
        }
        false
    })
    .await?;
    uids.sort_unstable();
    Ok(uids)
}

/// Fetches headers for a UID (or sequence) set, unparsed (see `Fetched::finish`).
pub async fn fetch_headers(
    conn: &mut Conn,
    set: &str,
    by_uid: bool,
    out: &mut Vec<Fetched>,
) -> Result<(), ImapError> {
    let cmd = format!(
        "{}FETCH {set} {}",
        if by_uid { "UID " } else { "" },
        fetch_items(conn.condstore)
    );
    let mut failed = None;
    let mut seen_seq = std::collections::HashSet::new();
    let mut no_uid = 0u32;
    conn.exec_spooled(&[Part::Text(&cmd)], |r, spooled| {
        if let Response::Fetch(seq, attrs) = r {
            let Some(mut m) = fetched_from(attrs) else {
                // Headers with no usable UID (none, or 0): a message tern cannot keep.
                if attrs
                    .iter()
                    .any(|a| matches!(a, AttributeValue::BodySection { .. }))
                {
                    no_uid += 1;
                    return true;
                }
                return false;
            };
            // Headers of a megabyte or more came through a file.
            match spooled.bytes(&m.raw_headers) {
                Ok(Cow::Owned(whole)) => m.raw_headers = whole,
                Ok(Cow::Borrowed(_)) => {}
                Err(e) => failed = Some(e),
            }
            // A row the server sends for a message not asked for is not trusted: it
            // could stand over a real message's row. By sequence number, the number
            // must be one asked for, and once. (`n:*` may rightly bring the last
            // message below n too; the cache has that one already.)
            let asked = if by_uid {
                super::uidset::contains(set, m.summary.uid)
            } else {
                super::uidset::contains(set, *seq) && seen_seq.insert(*seq)
            };
            if asked {
                out.push(m);
            } else {
                tracing::warn!(
                    uid = m.summary.uid,
                    seq = *seq,
                    "a FETCH for a message not asked for; ignored"
                );
            }
            return true;
        }
        false
    })
    .await?;
    if no_uid > 0 {
        // Synced without them, the cache would not be what the server holds.
        return Err(ImapError::Protocol(format!(
            "the server sent {no_uid} message{} without a valid UID (UID 0 or none); not synced",
            if no_uid == 1 { "" } else { "s" }
        )));
    }
    failed.map_or(Ok(()), Err)
}

/// First sync of a folder: sequence ranges from the newest down, a screenful first.
async fn cold_fetch(
    conn: &mut Conn,
    cache: &Arc<Cache>,
    folder: &str,
    sel: &Selected,
    report: &mut SyncReport,
    progress: &mut (dyn FnMut(SyncProgress) + Send),
) -> Result<(), ImapError> {
    let total = sel.exists;
    let mut sets = Vec::new();
    let mut hi = total;
    let mut chunk = FIRST_CHUNK;
    while hi > 0 {
        let lo = hi.saturating_sub(chunk - 1).max(1);
        sets.push(format!("{lo}:{hi}"));
        hi = lo - 1;
        chunk = CHUNK;
    }
    let mut committer = Committer::new(cache, folder, sel.uidvalidity, total as u64);
    fetch_in_batches(conn, &mut committer, sets, false, report, progress).await
}

/// Compares every UID and flag with the server; fetches what is missing, newest first.
async fn full_compare(
    conn: &mut Conn,
    cache: &Arc<Cache>,
    folder: &str,
    uidv: u32,
    exists: u32,
    report: &mut SyncReport,
    progress: &mut (dyn FnMut(SyncProgress) + Send),
) -> Result<(), ImapError> {
    let mut server: HashMap<Uid, (Flags, u64)> = HashMap::new();
    // `1:*` on an empty folder is an error on some servers: there is nothing to ask.
    let cmd = if exists == 0 {
        None
    } else {
        Some("UID FETCH 1:* (UID FLAGS)")
    };
    if let Some(cmd) = cmd {
        conn.exec(cmd, |r| {
            if let Response::Fetch(seq, attrs) = r {
                if let Some(u) = flag_update(*seq, attrs) {
                    if let Some(uid) = u.uid {
                        server.insert(uid, (u.flags, u.modseq));
                    }
                }
                return true;
            }
            false
        })
        .await?;
    }
    let have = cache.uid_flags(folder, uidv)?;
    let mut batch = Batch::default();
    let mut known = std::collections::HashSet::with_capacity(have.len());
    for (uid, flags) in have {
        known.insert(uid);
        match server.get(&uid) {
            None => batch.removals.push(uid),
            Some((f, m)) if *f != flags => batch.flag_updates.push((uid, f.clone(), *m)),
            Some(_) => {}
        }
    }
    let mut missing: Vec<Uid> = server
        .keys()
        .copied()
        .filter(|u| !known.contains(u))
        .collect();
    missing.sort_unstable_by(|a, b| b.cmp(a));
    report.removed_these(&batch.removals);
    report.flags_changed(&batch.flag_updates);
    cache.apply(folder, uidv, &batch)?;
    let first = missing.len().min(FIRST_CHUNK as usize);
    let mut sets = Vec::new();
    for chunk in std::iter::once(&missing[..first]).chain(missing[first..].chunks(CHUNK as usize)) {
        bounded_sets(chunk, &mut sets);
    }
    let mut committer = Committer::new(cache, folder, uidv, missing.len() as u64);
    fetch_in_batches(conn, &mut committer, sets, true, report, progress).await
}

/// Applies untagged news gathered while working (VANISHED, flag FETCHes).
pub async fn apply_pending(
    conn: &mut Conn,
    cache: &Cache,
    folder: &str,
    uidv: u32,
    report: &mut SyncReport,
) -> Result<(), ImapError> {
    let vanished = std::mem::take(&mut conn.changes.vanished);
    let updates = std::mem::take(&mut conn.changes.flag_updates);
    let mut batch = Batch {
        removals: cache.uids_in(folder, uidv, &vanished)?,
        ..Batch::default()
    };
    for u in updates {
        if let Some(uid) = u.uid {
            batch.flag_updates.push((uid, u.flags, u.modseq));
        }
    }
    if batch.removals.is_empty() && batch.flag_updates.is_empty() {
        return Ok(());
    }
    report.removed_these(&batch.removals);
    report.flags_changed(&batch.flag_updates);
    cache.apply(folder, uidv, &batch)?;
    Ok(())
}
