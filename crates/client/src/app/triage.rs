//! Flag, delete, archive, move and copy: shown at once, sent to the worker, rolled back
//! with the server's reason if it refuses, and undoable with `u` once it has agreed
//! (moves are undone with the destination UIDs the server reported).

use super::state::{AppState, Effect, Focus};
use std::collections::{HashMap, HashSet};
use tern_core::imap::protocol::{CopyResult, DoneResult, Messages, RequestId, WorkerCommand};
use tern_core::mail::{Flag, Flags, Row, SpecialUse, Uid};

/// What to undo if the server refuses a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rollback {
    /// Put these flags back: (uid, flags before, flags shown meanwhile).
    Flags(Vec<(Uid, Flags, Flags)>),
    /// Put these messages back: (index in `all`, message), in index order.
    Removed(Vec<(usize, Row)>),
}

/// A change the user can undo with `u`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undo {
    /// `flag` was added (`add`) or removed on these messages (only those it changed).
    Flags {
        messages: Messages,
        flag: String,
        add: bool,
    },
    /// Messages went from folder `from` to `to`, where they got these UIDs.
    Moved {
        from: String,
        to: String,
        copied: CopyResult,
    },
    /// Messages went to another account: the copies there go back (see `transfer.rs`).
    Across(super::transfer::Back),
    /// A change kept offline for the server: undone by taking it back before it is sent.
    Kept(tern_core::imap::protocol::QueuedOp),
}

/// What an answered request adds to the undo list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UndoOnDone {
    Flags(Undo),
    /// A move from `from` to `to`: undoable once the server reports the new UIDs.
    Move {
        from: String,
        to: String,
    },
    /// This request undid a move back into `folder`: re-read it when done.
    Undid {
        folder: String,
    },
}

/// A request the server has not answered yet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pending {
    pub rollback: Option<Rollback>,
    pub undo: Option<UndoOnDone>,
    /// Said in the status bar when the request succeeds.
    pub note: Option<String>,
    /// Done once the request succeeds.
    pub then: Vec<Effect>,
    /// Said (before the server's words) when the request fails.
    pub fail_note: Option<String>,
    /// What it adds to folders' counts until the server's numbers include it.
    pub counts: Vec<super::pending::CountDelta>,
    /// The folder its rows belong to (a list read from the cache is laid over only
    /// with the changes made in that folder).
    pub folder: Option<String>,
}

/// What setting (`on`) or clearing a flag does, in a user's words.
fn flag_words(flag: Flag, on: bool) -> String {
    match (flag, on) {
        (Flag::Seen, true) => "marked read".into(),
        (Flag::Seen, false) => "marked unread".into(),
        (Flag::Flagged, true) => "flagged".into(),
        (Flag::Flagged, false) => "unflagged".into(),
        (Flag::Answered, true) => "marked answered".into(),
        (Flag::Answered, false) => "marked not answered".into(),
        (other, on) => format!(
            "{} {}",
            if on { "set" } else { "cleared" },
            other.imap_name()
        ),
    }
}

/// "1 message", "3 messages".
pub(super) fn plural(n: usize) -> String {
    if n == 1 {
        "1 message".into()
    } else {
        format!("{n} messages")
    }
}

impl AppState {
    /// The messages an action applies to: the reader's message, else the selection
    /// (and the range being selected), else the message under the cursor.
    pub(super) fn targets(&mut self) -> Vec<Uid> {
        if let Some(r) = self.reader.as_ref().filter(|_| self.focus == Focus::Reader) {
            return vec![r.uid];
        }
        self.end_range();
        if !self.selected.is_empty() {
            // In list order, so a move keeps the order the user sees.
            return self
                .view
                .iter()
                .map(|&i| self.all[i as usize].uid)
                .filter(|u| self.selected.contains(u))
                .collect();
        }
        self.current().map(|m| vec![m.uid]).unwrap_or_default()
    }

    /// Adds the range being selected with `v` to the selection.
    pub(super) fn end_range(&mut self) {
        if let Some(anchor) = self.visual.take().and_then(|a| self.row_of(a)) {
            let (lo, hi) = (anchor.min(self.cursor), anchor.max(self.cursor));
            for i in lo..=hi {
                if let Some(m) = self.shown(i) {
                    let uid = m.uid;
                    self.selected.insert(uid);
                }
            }
        }
    }

    /// Toggles a flag on the targets: set on all unless all have it, then cleared.
    pub(super) fn toggle(&mut self, flag: Flag) -> Vec<Effect> {
        let uids = self.targets();
        if uids.is_empty() {
            return Vec::new();
        }
        let wanted: HashSet<Uid> = uids.iter().copied().collect();
        let all_have = self
            .all
            .iter()
            .filter(|m| wanted.contains(&m.uid))
            .all(|m| m.has(flag));
        let add = !all_have;
        self.selected.clear();
        self.change_flag(self.messages_of(uids), flag, add, true)
    }

    /// Shows `flag` set (or cleared) on these messages and asks the server to do it.
    pub(super) fn change_flag(
        &mut self,
        messages: Messages,
        flag: Flag,
        add: bool,
        undoable: bool,
    ) -> Vec<Effect> {
        let mut changes = Vec::new();
        if messages.folder == self.folder {
            // One pass over the folder, however many messages are selected.
            let wanted: HashSet<Uid> = messages.uids.iter().copied().collect();
            for m in self.all.iter_mut().filter(|m| wanted.contains(&m.uid)) {
                if m.has(flag) != add {
                    let before = m.flags();
                    m.set_flag(flag, add);
                    changes.push((m.uid, before, m.flags()));
                }
            }
        }
        let changed: Vec<Uid> = changes.iter().map(|c| c.0).collect();
        self.count_unread();
        let id = self.id();
        let name = flag.imap_name().to_string();
        let undo = (undoable && !changed.is_empty()).then(|| {
            UndoOnDone::Flags(Undo::Flags {
                messages: Messages {
                    uids: changed,
                    ..messages.clone()
                },
                flag: name.clone(),
                add,
            })
        });
        // Reading or unreading changes the folder's unread count.
        let counts = if flag == Flag::Seen && !changes.is_empty() {
            let n = changes.len() as i64;
            vec![super::pending::CountDelta {
                folder: messages.folder.clone(),
                unread: if add { -n } else { n },
                total: 0,
            }]
        } else {
            Vec::new()
        };
        self.in_flight.insert(
            id,
            Pending {
                rollback: Some(Rollback::Flags(changes)),
                undo,
                counts,
                folder: Some(messages.folder.clone()),
                ..Pending::default()
            },
        );
        vec![Effect::Send(WorkerCommand::SetFlags {
            id,
            messages,
            flags: vec![name],
            add,
        })]
    }

    /// Takes the targets out of the list and moves them to `dest` on the server
    /// (`None`: delete, which the worker turns into a move to Trash, or inside Trash
    /// removes them for good).
    pub(super) fn remove_to(&mut self, uids: Vec<Uid>, dest: Option<String>) -> Vec<Effect> {
        if uids.is_empty() {
            return Vec::new();
        }
        let removed = self.take_out(&uids);
        let n = removed.len();
        let trash = self.special(SpecialUse::Trash);
        let to = dest.clone().unwrap_or_else(|| trash.clone());
        // Decided here, once: inside Trash a delete removes for good; elsewhere it is a
        // move to Trash. The worker is told exactly which.
        let forever = dest.is_none() && self.folder == trash;
        let counts = self.removal_deltas(&removed, (!forever).then_some(to.as_str()));
        let id = self.id();
        self.in_flight.insert(
            id,
            Pending {
                counts,
                folder: Some(self.folder.clone()),
                rollback: Some(Rollback::Removed(removed)),
                undo: (!forever).then(|| UndoOnDone::Move {
                    from: self.folder.clone(),
                    to: to.clone(),
                }),
                note: Some(if forever {
                    format!("{} deleted for good", plural(n))
                } else {
                    format!("{} moved to {to} (u undoes)", plural(n))
                }),
                then: Vec::new(),
                fail_note: None,
            },
        );
        let messages = self.messages_of(uids);
        let cmd = if forever {
            WorkerCommand::Expunge { id, messages }
        } else {
            WorkerCommand::Move {
                id,
                messages,
                dest: to,
            }
        };
        let mut effects = vec![Effect::Send(cmd)];
        effects.extend(self.after_removal());
        effects
    }

    /// Takes messages out of the list (the cursor stays on its message, or the next
    /// that remains): (index in `all`, message), in index order.
    pub(super) fn take_out(&mut self, uids: &[Uid]) -> Vec<(usize, Row)> {
        let mut removed = Vec::new();
        let gone: HashSet<Uid> = uids.iter().copied().collect();
        // The cursor stays on its message, or the next one that remains (else the one
        // before): rows vanishing above it must not carry it further down.
        let keep = (self.cursor..self.view.len())
            .chain((0..self.cursor).rev())
            .filter_map(|i| self.shown(i).map(|m| m.uid))
            .find(|u| !gone.contains(u));
        let mut kept = Vec::with_capacity(self.all.len());
        for (i, m) in std::mem::take(&mut self.all).into_iter().enumerate() {
            if gone.contains(&m.uid) {
                removed.push((i, m));
            } else {
                kept.push(m);
            }
        }
        self.all = kept;
        for u in uids {
            self.selected.remove(u);
        }
        self.visual = None;
        self.rebuild_view(keep);
        let n = removed.len();
        self.total = self.total.saturating_sub(n as u64);
        removed
    }

    /// Copies the targets to `dest` (nothing changes in the list).
    pub(super) fn copy_to(&mut self, dest: String) -> Vec<Effect> {
        let uids = self.targets();
        if uids.is_empty() {
            return Vec::new();
        }
        self.selected.clear();
        let id = self.id();
        let wanted: HashSet<Uid> = uids.iter().copied().collect();
        let unread = self
            .all
            .iter()
            .filter(|m| wanted.contains(&m.uid) && !m.has(Flag::Seen))
            .count() as i64;
        self.in_flight.insert(
            id,
            Pending {
                note: Some(format!("{} copied to {dest}", plural(uids.len()))),
                counts: vec![super::pending::CountDelta {
                    folder: dest.clone(),
                    unread,
                    total: uids.len() as i64,
                }],
                ..Pending::default()
            },
        );
        vec![Effect::Send(WorkerCommand::Copy {
            id,
            messages: self.messages_of(uids),
            dest,
        })]
    }

    /// After messages left the list with the reader open: show the next one, or close.
    pub(super) fn after_removal(&mut self) -> Vec<Effect> {
        if self.reader.is_none() {
            return Vec::new();
        }
        match self.current().map(|m| m.uid) {
            Some(uid) => {
                self.show_in_reader(uid);
                Vec::new()
            }
            None => {
                self.reader = None;
                self.focus = Focus::List;
                Vec::new()
            }
        }
    }

    /// `u`: undoes the last change the server agreed to.
    pub(super) fn undo_last(&mut self) -> Vec<Effect> {
        let Some(entry) = self.undo.pop() else {
            self.status = Some("nothing to undo".into());
            return Vec::new();
        };
        self.popped_undo();
        match entry {
            Undo::Flags {
                messages,
                flag,
                add,
            } => {
                let Some(f) = Flag::from_imap_name(&flag) else {
                    return Vec::new();
                };
                self.status = Some(format!(
                    "undone: {} again ({})",
                    flag_words(f, !add),
                    plural(messages.uids.len())
                ));
                self.change_flag(messages, f, !add, false)
            }
            Undo::Across(back) => self.move_back(back),
            Undo::Kept(op) => {
                let id = self.id();
                self.status = Some("undoing the change kept offline…".into());
                self.in_flight.insert(
                    id,
                    Pending {
                        note: Some("undone: the change kept offline will not be sent".into()),
                        ..Pending::default()
                    },
                );
                vec![Effect::Send(WorkerCommand::Unqueue { id, op })]
            }
            Undo::Moved { from, to, copied } => {
                let id = self.id();
                let n = copied.dest.len();
                self.status = Some(format!("undoing: moving {} back to {from}…", plural(n)));
                self.in_flight.insert(
                    id,
                    Pending {
                        undo: Some(UndoOnDone::Undid {
                            folder: from.clone(),
                        }),
                        note: Some(format!("undone: {} back in {from}", plural(n))),
                        ..Pending::default()
                    },
                );
                vec![Effect::Send(WorkerCommand::Move {
                    id,
                    messages: Messages {
                        folder: to,
                        uidvalidity: copied.dest_uidvalidity,
                        uids: copied.dest,
                    },
                    dest: from,
                })]
            }
        }
    }

    /// The server answered request `id`: the change stays, and becomes undoable.
    pub(super) fn request_done(&mut self, id: RequestId, result: &DoneResult) -> Vec<Effect> {
        let Some(p) = self.in_flight.remove(&id) else {
            return Vec::new();
        };
        if let Some(note) = p.note {
            self.status = Some(note);
        }
        let mut then = p.then;
        then.extend(self.postponed(id));
        if !then.is_empty() {
            self.offer_next_recovery();
            return then;
        }
        match (p.undo, result) {
            (Some(UndoOnDone::Flags(u)), _) => self.push_undo(u),
            (Some(UndoOnDone::Move { from, to }), DoneResult::Copied(c)) => {
                if c.dest.is_empty() {
                    self.status = Some(format!(
                        "moved to {to}; the server did not say where, so this cannot be undone"
                    ));
                } else {
                    self.push_undo(Undo::Moved {
                        from,
                        to,
                        copied: c.clone(),
                    });
                }
            }
            (Some(UndoOnDone::Undid { folder }), _) if folder == self.folder => {
                // The cursor goes to the message put back, by the UID it got.
                if let DoneResult::Copied(c) = result {
                    self.jump_to = c.dest.iter().max().copied();
                    self.open_on_jump = false;
                }
                return vec![Effect::Send(WorkerCommand::Sync {
                    id: self.id(),
                    folders: Vec::new(),
                })];
            }
            _ => {}
        }
        Vec::new()
    }

    /// Lays requests the server has not answered yet over a list read from the cache,
    /// which may predate them: removed messages stay away, changed flags stay changed.
    pub(super) fn overlay_in_flight(&self, messages: &mut Vec<Row>) {
        let here = |p: &&Pending| p.folder.as_deref().is_none_or(|f| f == self.folder);
        for p in self.in_flight.values().filter(here) {
            match &p.rollback {
                Some(Rollback::Removed(list)) => {
                    let gone: HashSet<Uid> = list.iter().map(|(_, m)| m.uid).collect();
                    messages.retain(|m| !gone.contains(&m.uid));
                }
                Some(Rollback::Flags(list)) => {
                    let shown: HashMap<Uid, &Flags> =
                        list.iter().map(|(u, _, f)| (*u, f)).collect();
                    for m in messages.iter_mut() {
                        if let Some(f) = shown.get(&m.uid) {
                            m.set_flags((*f).clone());
                        }
                    }
                }
                None => {}
            }
        }
    }

    /// The server refused a request: undo what it showed.
    pub(super) fn roll_back(&mut self, rollback: Rollback, folder: Option<&str>) {
        if folder.is_some_and(|f| f != self.folder) {
            return; // its rows are not on screen; its counts went with the request
        }
        let keep = self.current().map(|m| m.uid);
        match rollback {
            Rollback::Flags(list) => {
                let mut before: HashMap<Uid, Flags> =
                    list.into_iter().map(|(u, f, _)| (u, f)).collect();
                for m in self.all.iter_mut() {
                    if let Some(f) = before.remove(&m.uid) {
                        m.set_flags(f);
                    }
                }
            }
            Rollback::Removed(list) => {
                self.total += list.len() as u64;
                let present: HashSet<Uid> = self.all.iter().map(|m| m.uid).collect();
                let back = list.into_iter().filter(|(_, m)| !present.contains(&m.uid));
                if back.size_hint().1.is_some_and(|n| n <= 64) {
                    for (at, m) in back {
                        let at = at.min(self.all.len());
                        self.all.insert(at, m);
                    }
                } else {
                    // Many: put them back and restore the cache's newest-first order.
                    self.all.extend(back.map(|(_, m)| m));
                    self.all.sort_by_key(|m| std::cmp::Reverse((m.date, m.uid)));
                }
            }
        }
        self.rebuild_view(keep);
    }
}
