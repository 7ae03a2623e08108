//! What the screen shows is the cache with the pending changes applied on top: the
//! changes kept for the server (the offline queue, at every start too) and the requests
//! in flight. Rows, flags and the sidebar's counts are all derived from that one state,
//! so an action changes them together and a restart shows the same.

use super::state::{AppState, Effect};
use std::collections::{HashMap, HashSet};
use tern_core::imap::protocol::{Messages, QueuedOp};
use tern_core::mail::{Flag, Flags, FolderInfo, Row, Uid};

/// How a change moves a folder's counts until the server's numbers include it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CountDelta {
    pub folder: String,
    pub unread: i64,
    pub total: i64,
}

/// A Message-ID without its angle brackets (the cache keeps it bare, headers have them).
pub fn bare_message_id(id: &str) -> &str {
    id.trim().trim_start_matches('<').trim_end_matches('>')
}

fn is_unread(m: &Row) -> bool {
    !m.has(Flag::Seen)
}

impl AppState {
    /// The worker's list of changes kept for the server changed (at start, when one was
    /// kept, after they were sent): a cache read made before must be laid over again.
    pub(super) fn pending_changed(&mut self, ops: Vec<QueuedOp>) -> Vec<Effect> {
        let extends = ops.len() >= self.pending.len() && ops[..self.pending.len()] == self.pending;
        let first = !std::mem::replace(&mut self.pending_known, true);
        let reload = if first { !ops.is_empty() } else { !extends };
        self.queued = ops.len();
        if ops.is_empty() {
            self.queued_counts.clear();
        }
        self.pending = ops;
        if reload {
            vec![Effect::ReloadFolder]
        } else {
            Vec::new()
        }
    }

    /// Whether a kept change is about the open folder as the screen knows it.
    fn here(&self, m: &Messages) -> bool {
        m.folder == self.folder && (self.uidvalidity == 0 || m.uidvalidity == self.uidvalidity)
    }

    /// Lays the kept changes over a list read from the cache (which holds what the server
    /// last said): moved and deleted messages stay away, flags stay changed.
    pub(super) fn overlay_pending(&self, messages: &mut Vec<Row>) {
        for op in &self.pending {
            match op {
                QueuedOp::SetFlags {
                    messages: m,
                    flags,
                    add,
                } if self.here(m) => {
                    let uids: HashSet<Uid> = m.uids.iter().copied().collect();
                    let flags: Vec<Flag> = flags
                        .iter()
                        .filter_map(|f| Flag::from_imap_name(f))
                        .collect();
                    for row in messages.iter_mut().filter(|r| uids.contains(&r.uid)) {
                        for f in &flags {
                            row.set_flag(*f, *add);
                        }
                    }
                }
                QueuedOp::Move { messages: m, .. }
                | QueuedOp::Delete { messages: m }
                | QueuedOp::Expunge { messages: m }
                    if self.here(m) =>
                {
                    let gone: HashSet<Uid> = m.uids.iter().copied().collect();
                    messages.retain(|r| !gone.contains(&r.uid));
                }
                QueuedOp::MarkAnswered { message_id, .. } => {
                    let id = bare_message_id(message_id);
                    for row in messages.iter_mut().filter(|r| r.has_id(id)) {
                        row.set_flag(Flag::Answered, true);
                    }
                }
                _ => {}
            }
        }
    }

    /// What the changes not yet in the server's numbers add to each folder's counts.
    fn deltas(&self) -> Vec<CountDelta> {
        let mut out: Vec<CountDelta> = Vec::new();
        for p in self.in_flight.values() {
            out.extend(p.counts.iter().cloned());
        }
        out.extend(self.queued_counts.iter().cloned());
        let trash = self.special(tern_core::mail::SpecialUse::Trash);
        for op in &self.pending {
            let (from, to, n) = match op {
                QueuedOp::Move { messages, dest } => {
                    (Some(messages), Some(dest.clone()), messages.uids.len())
                }
                QueuedOp::Delete { messages } => (
                    Some(messages),
                    (messages.folder != trash).then(|| trash.clone()),
                    messages.uids.len(),
                ),
                QueuedOp::Expunge { messages } => (Some(messages), None, messages.uids.len()),
                QueuedOp::Copy { messages, dest } => {
                    (None, Some(dest.clone()), messages.uids.len())
                }
                _ => (None, None, 0),
            };
            if let Some(m) = from {
                out.push(CountDelta {
                    folder: m.folder.clone(),
                    unread: 0,
                    total: -(n as i64),
                });
            }
            if let Some(dest) = to {
                out.push(CountDelta {
                    folder: dest,
                    unread: 0,
                    total: n as i64,
                });
            }
        }
        out
    }

    /// The counts the sidebar shows for a folder: (unread, total). The open folder's
    /// come from its list (which has every change applied); the others' from the
    /// server's last numbers plus the changes it has not confirmed yet.
    pub fn counts(&self, f: &FolderInfo) -> Option<(usize, usize)> {
        if f.name == self.folder && !self.all.is_empty() {
            let total = self.all.len().max(self.total as usize);
            return Some((self.unread, total));
        }
        let base = f.status.as_ref()?;
        let (mut unread, mut total) = (i64::from(base.unseen), i64::from(base.messages));
        for d in self.deltas().into_iter().filter(|d| d.folder == f.name) {
            unread += d.unread;
            total += d.total;
        }
        let total = total.max(0);
        Some((unread.clamp(0, total) as usize, total as usize))
    }

    /// Count changes of removing `removed` from the open folder into `to` (None: gone
    /// for good).
    pub(super) fn removal_deltas(
        &self,
        removed: &[(usize, Row)],
        to: Option<&str>,
    ) -> Vec<CountDelta> {
        let n = removed.len() as i64;
        let unread = removed.iter().filter(|(_, m)| is_unread(m)).count() as i64;
        let mut out = vec![CountDelta {
            folder: self.folder.clone(),
            unread: -unread,
            total: -n,
        }];
        if let Some(to) = to {
            out.push(CountDelta {
                folder: to.to_string(),
                unread,
                total: n,
            });
        }
        out
    }

    /// A sync wrote new flags of a few messages to the cache: they are set on the rows,
    /// with the changes still on their way laid over them again, as a read of the cache
    /// would show them, without reading the whole folder again.
    pub(super) fn apply_flags(&mut self, flags: &[(Uid, Flags)]) {
        if flags.is_empty() {
            return;
        }
        let new: HashMap<Uid, &Flags> = flags.iter().map(|(u, f)| (*u, f)).collect();
        let at: Vec<usize> = (0..self.all.len())
            .filter(|&i| new.contains_key(&self.all[i].uid))
            .collect();
        let mut rows: Vec<Row> = at.iter().map(|&i| self.all[i].clone()).collect();
        for r in &mut rows {
            if let Some(f) = new.get(&r.uid) {
                r.set_flags((*f).clone());
            }
        }
        self.overlay_in_flight(&mut rows);
        self.overlay_pending(&mut rows);
        let laid: HashMap<Uid, Flags> = rows.into_iter().map(|r| (r.uid, r.flags())).collect();
        for i in at {
            if let Some(f) = laid.get(&self.all[i].uid) {
                self.all[i].set_flags(f.clone());
            }
        }
        let keep = self.current().map(|m| m.uid);
        self.rebuild_view(keep);
    }

    /// A sync removed a few messages from the cache (expunged here or by another
    /// client): their rows go, without reading the whole folder again.
    pub(super) fn drop_removed(&mut self, uids: &[Uid]) {
        if uids.is_empty() {
            return;
        }
        let gone: HashSet<Uid> = uids.iter().copied().collect();
        let keep = self.current().map(|m| m.uid);
        let before = self.all.len();
        self.all.retain(|m| !gone.contains(&m.uid));
        self.total = self.total.saturating_sub((before - self.all.len()) as u64);
        self.selected.retain(|u| !gone.contains(u));
        self.rebuild_view(keep);
    }
}
