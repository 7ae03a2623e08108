//! Moving and copying between accounts. No server can move a message to another server,
//! so each message is fetched from the first account's worker, appended by the other's,
//! and only when every copy is stored are the originals removed (a move). Nothing is lost
//! on the way: a failure before the removal puts the rows back and removes the copies
//! already stored. Undo carries the copies back the same way.
//!
//! The steps arrive as worker events of either account; what links them is kept here,
//! outside the per-account part of the state (`transfers`, `transfer_steps`).

use super::accounts::Place;
use super::state::{AppState, Effect};
use super::triage::{plural, Pending, Rollback, Undo};
use std::collections::HashMap;
use tern_core::imap::protocol::{DoneResult, Messages, RequestId, WorkerCommand};
use tern_core::mail::{sanitize, Flag, Uid};

/// A move or copy between accounts under way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    pub from: usize,
    pub source: Messages,
    pub to: Place,
    pub moving: bool,
    /// The flags each message keeps in its new place (IMAP names).
    pub flags: HashMap<Uid, Vec<String>>,
    /// Messages whose copy is stored: (source UID, the UID the copy got, if told).
    pub stored: Vec<(Uid, Option<Uid>)>,
    pub dest_uidvalidity: u32,
    /// Carrying messages back (an undo): said differently, and not undoable again.
    pub undoing: bool,
    /// What the status line says once done.
    pub label: String,
    /// A step was refused: the rows went back; steps still under way only clean up.
    pub failed: bool,
}

/// How to undo a move between accounts: the copies (in `at`) go back to `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Back {
    pub at_account: usize,
    pub at: Messages,
    pub to: Place,
    pub flags: HashMap<Uid, Vec<String>>,
    pub label: String,
}

impl AppState {
    /// `M` to a folder of another account: the rows go at once; the originals are
    /// removed from the server once every copy is stored.
    pub(super) fn move_across(&mut self, to: Place) -> Vec<Effect> {
        self.across(to, true)
    }

    /// `C` to a folder of another account.
    pub(super) fn copy_across(&mut self, to: Place) -> Vec<Effect> {
        self.across(to, false)
    }

    fn across(&mut self, to: Place, moving: bool) -> Vec<Effect> {
        let uids = self.targets();
        if uids.is_empty() {
            return Vec::new();
        }
        let label = sanitize(&self.place_name(&to));
        let flags: HashMap<Uid, Vec<String>> = self
            .all
            .iter()
            .filter(|m| uids.contains(&m.uid))
            .map(|m| {
                let mut f = m.flags();
                // A message moved is one the user has in hand: its unread state stays,
                // but \Recent and \Deleted do not travel.
                f.set(Flag::Deleted, false);
                (m.uid, f.imap_names())
            })
            .collect();
        let source = self.messages_of(uids.clone());
        let id = self.id();
        let n = uids.len();
        let mut effects = Vec::new();
        if moving {
            let removed = self.take_out(&uids);
            let counts = self.removal_deltas(&removed, None);
            self.in_flight.insert(
                id,
                Pending {
                    counts,
                    folder: Some(self.folder.clone()),
                    rollback: Some(Rollback::Removed(removed)),
                    fail_note: Some(format!("not moved to {label}")),
                    ..Pending::default()
                },
            );
            self.status = Some(format!("moving {} to {label}…", plural(n)));
        } else {
            self.selected.clear();
            self.status = Some(format!("copying {} to {label}…", plural(n)));
        }
        let transfer = Transfer {
            from: self.active,
            source,
            to,
            moving,
            flags,
            stored: Vec::new(),
            dest_uidvalidity: 0,
            undoing: false,
            label,
            failed: false,
        };
        effects.extend(self.start_transfer(id, transfer));
        if moving {
            effects.extend(self.after_removal());
        }
        effects
    }

    /// `u` on a move between accounts: the copies come back.
    pub(super) fn move_back(&mut self, back: Back) -> Vec<Effect> {
        let id = self.id();
        let n = back.at.uids.len();
        // Said in the other account's name when done: the place says its account too.
        let label = sanitize(&format!(
            "{}/{}",
            self.account_name(back.to.account),
            back.to.folder
        ));
        self.status = Some(format!("undoing: moving {} back to {label}…", plural(n)));
        let transfer = Transfer {
            from: back.at_account,
            source: back.at,
            to: back.to,
            moving: true,
            flags: back.flags,
            stored: Vec::new(),
            dest_uidvalidity: 0,
            undoing: true,
            label,
            failed: false,
        };
        self.start_transfer(id, transfer)
    }

    /// Asks the source account for every message.
    fn start_transfer(&mut self, id: RequestId, t: Transfer) -> Vec<Effect> {
        let mut effects = Vec::new();
        for &uid in &t.source.uids {
            let step = self.id();
            self.transfer_steps.insert(step, (id, uid));
            effects.push(Effect::SendTo {
                account: t.from,
                command: WorkerCommand::FetchBody {
                    id: step,
                    folder: t.source.folder.clone(),
                    uidvalidity: t.source.uidvalidity,
                    uid,
                },
            });
        }
        self.transfers.insert(id, t);
        effects
    }

    /// A worker answered: if it was a step of a transfer, the next step (None: not one).
    pub(super) fn transfer_done(
        &mut self,
        id: RequestId,
        result: &DoneResult,
    ) -> Option<Vec<Effect>> {
        if let Some((t, uid)) = self.transfer_steps.remove(&id) {
            if self.transfers.get(&t).is_some_and(|tr| tr.failed) {
                // Refused meanwhile: a copy stored after all goes again.
                let cleanup = match result {
                    DoneResult::Appended {
                        uidvalidity,
                        uid: Some(copy),
                    } => self.remove_copies(t, *uidvalidity, vec![*copy]),
                    _ => None,
                };
                self.forget_when_idle(t);
                return Some(cleanup.into_iter().collect());
            }
            let Some(tr) = self.transfers.get_mut(&t) else {
                return Some(Vec::new());
            };
            return Some(match result {
                DoneResult::Body { raw, .. } => {
                    let step = self.id();
                    let tr = &self.transfers[&t];
                    let command = WorkerCommand::Append {
                        id: step,
                        folder: tr.to.folder.clone(),
                        flags: tr.flags.get(&uid).cloned().unwrap_or_default(),
                        raw: raw.clone(),
                    };
                    let account = tr.to.account;
                    self.transfer_steps.insert(step, (t, uid));
                    vec![Effect::SendTo { account, command }]
                }
                DoneResult::Appended {
                    uidvalidity,
                    uid: copy,
                } => {
                    tr.stored.push((uid, *copy));
                    tr.dest_uidvalidity = *uidvalidity;
                    // The copy is the user's own doing, not new mail to ring for.
                    if tr.to.folder == self.folder {
                        self.max_uid = self.max_uid.max(copy.unwrap_or(0));
                    }
                    // Brought back by undo into the folder shown: the cursor goes to it.
                    if tr.undoing && tr.to.folder == self.folder {
                        self.jump_to = *copy;
                        self.open_on_jump = false;
                    }
                    if tr.stored.len() < tr.source.uids.len() {
                        return Some(Vec::new());
                    }
                    self.all_stored(t)
                }
                _ => Vec::new(),
            });
        }
        // The originals' removal (a move's last step) carries the transfer's own id.
        let tr = self.transfers.remove(&id)?;
        let mut effects = self.request_done(id, result);
        let n = tr.source.uids.len();
        let copies: Vec<Uid> = tr.stored.iter().filter_map(|(_, c)| *c).collect();
        if tr.undoing {
            self.status = Some(format!("undone: {} back in {}", plural(n), tr.label));
        } else if copies.len() == n {
            self.status = Some(format!("{} moved to {} (u undoes)", plural(n), tr.label));
            self.push_undo(Undo::Across(Back {
                at_account: tr.to.account,
                at: Messages {
                    folder: tr.to.folder.clone(),
                    uidvalidity: tr.dest_uidvalidity,
                    uids: copies,
                },
                to: Place {
                    account: tr.from,
                    folder: tr.source.folder.clone(),
                },
                flags: tr
                    .stored
                    .iter()
                    .filter_map(|(s, c)| Some((((*c)?), tr.flags.get(s).cloned()?)))
                    .collect(),
                label: sanitize(&self.place_name(&Place {
                    account: tr.from,
                    folder: tr.source.folder.clone(),
                })),
            }));
        } else {
            self.status = Some(format!(
                "{} moved to {}; the server did not say where, so this cannot be undone",
                plural(n),
                tr.label
            ));
        }
        effects.extend(self.refresh_destination(&tr));
        Some(effects)
    }

    /// Every copy is stored: a copy is done; a move removes the originals.
    fn all_stored(&mut self, t: RequestId) -> Vec<Effect> {
        let Some(tr) = self.transfers.get(&t) else {
            return Vec::new();
        };
        if tr.moving {
            return vec![Effect::SendTo {
                account: tr.from,
                command: WorkerCommand::Expunge {
                    id: t,
                    messages: tr.source.clone(),
                },
            }];
        }
        let Some(tr) = self.transfers.remove(&t) else {
            return Vec::new();
        };
        self.status = Some(format!(
            "{} copied to {}",
            plural(tr.source.uids.len()),
            tr.label
        ));
        self.refresh_destination(&tr)
    }

    /// The destination folder is synced, so its list and counts show the copies.
    fn refresh_destination(&mut self, tr: &Transfer) -> Vec<Effect> {
        let id = self.id();
        vec![Effect::SendTo {
            account: tr.to.account,
            command: WorkerCommand::Sync {
                id,
                folders: vec![tr.to.folder.clone()],
            },
        }]
    }

    /// A worker refused: if it was a step of a transfer, the transfer ends, the rows
    /// come back in the source account and the copies already stored go (None: not one).
    pub(super) fn transfer_failed(&mut self, id: RequestId, error: &str) -> Option<Vec<Effect>> {
        if self.transfers.get(&id).is_some_and(|tr| !tr.failed) {
            // The originals' removal was refused: they come back (as any refused change),
            // and the copies stay where they were stored.
            let tr = self.transfers.remove(&id)?;
            if let Some(p) = self.in_flight.get_mut(&id) {
                p.fail_note = Some(format!("copied to {} but not removed here", tr.label));
            }
            return None;
        }
        let (t, _) = self.transfer_steps.remove(&id)?;
        let tr = self.transfers.get_mut(&t)?;
        if std::mem::replace(&mut tr.failed, true) {
            self.forget_when_idle(t);
            return Some(Vec::new());
        }
        let (from, uidvalidity) = (tr.from, tr.dest_uidvalidity);
        let copies: Vec<Uid> = tr.stored.iter().filter_map(|(_, c)| *c).collect();
        let mut effects: Vec<Effect> = self
            .remove_copies(t, uidvalidity, copies)
            .into_iter()
            .collect();
        // The source account puts its rows back as for any refused change.
        effects.push(Effect::Refused {
            account: from,
            id: t,
            error: error.to_string(),
        });
        self.forget_when_idle(t);
        Some(effects)
    }

    /// Removes copies a refused transfer stored (None: there are none).
    fn remove_copies(&mut self, t: RequestId, uidvalidity: u32, uids: Vec<Uid>) -> Option<Effect> {
        let tr = self.transfers.get(&t).filter(|_| !uids.is_empty())?;
        let (account, folder) = (tr.to.account, tr.to.folder.clone());
        Some(Effect::SendTo {
            account,
            command: WorkerCommand::Expunge {
                id: self.id(),
                messages: Messages {
                    folder,
                    uidvalidity,
                    uids,
                },
            },
        })
    }

    /// Forgets a refused transfer once none of its steps is under way.
    fn forget_when_idle(&mut self, t: RequestId) {
        if !self.transfer_steps.values().any(|(other, _)| *other == t) {
            self.transfers.remove(&t);
        }
    }
}
