//! Flag, delete and archive: shown at once, sent to the worker, and rolled back with the
//! server's reason if it refuses.

use super::state::{AppState, Effect};
use crate::mail::{Flag, Flags, MessageSummary, Uid};

/// What to undo if the server refuses a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rollback {
    /// Put these flags back: (uid, flags before, flags shown meanwhile).
    Flags(Vec<(Uid, Flags, Flags)>),
    /// Put these messages back at these list positions.
    Removed(Vec<(usize, MessageSummary)>),
}

impl AppState {
    /// Toggles a flag on the message under the cursor.
    pub(super) fn toggle(&mut self, flag: Flag) -> Vec<Effect> {
        let Some(m) = self.messages.get_mut(self.cursor) else {
            return Vec::new();
        };
        let before = m.flags.clone();
        let on = !before.has(flag);
        m.flags.set(flag, on);
        let (uid, shown) = (m.uid, m.flags.clone());
        if let Some(a) = self.all.iter_mut().find(|a| a.uid == uid) {
            a.flags = shown;
        }
        let m = &self.messages[self.cursor];
        vec![Effect::SetFlags {
            uids: vec![m.uid],
            flag: flag.imap_name().to_string(),
            add: on,
            rollback: Rollback::Flags(vec![(m.uid, before, m.flags.clone())]),
        }]
    }

    /// Takes the message under the cursor out of the list and moves it to `dest` on the
    /// server (`None`: delete, which the worker turns into a move to Trash).
    pub(super) fn remove_to(&mut self, dest: Option<String>) -> Vec<Effect> {
        if self.cursor >= self.messages.len() {
            return Vec::new();
        }
        let at = self.cursor;
        let m = self.messages.remove(at);
        self.all.retain(|x| x.uid != m.uid);
        self.cursor = self.cursor.min(self.messages.len().saturating_sub(1));
        vec![Effect::Remove {
            uids: vec![m.uid],
            dest,
            rollback: Rollback::Removed(vec![(at, m)]),
        }]
    }

    /// Lays requests the server has not answered yet over a list read from the cache,
    /// which may predate them: removed messages stay away, changed flags stay changed.
    pub(super) fn overlay_in_flight(&self, messages: &mut Vec<MessageSummary>) {
        for rollback in self.in_flight.values() {
            match rollback {
                Rollback::Removed(list) => {
                    messages.retain(|m| !list.iter().any(|(_, r)| r.uid == m.uid));
                }
                Rollback::Flags(list) => {
                    for (uid, _, shown) in list {
                        if let Some(m) = messages.iter_mut().find(|m| m.uid == *uid) {
                            m.flags = shown.clone();
                        }
                    }
                }
            }
        }
    }

    /// The server refused request `id`: undo what it showed, and say why.
    pub(super) fn roll_back(&mut self, rollback: Rollback) {
        match rollback {
            Rollback::Flags(list) => {
                for (uid, flags, _) in list {
                    if let Some(m) = self.messages.iter_mut().find(|m| m.uid == uid) {
                        m.flags = flags;
                    }
                }
            }
            Rollback::Removed(list) => {
                for (at, m) in list {
                    if !self.messages.iter().any(|x| x.uid == m.uid) {
                        let at = at.min(self.messages.len());
                        self.messages.insert(at, m);
                    }
                }
            }
        }
    }
}
