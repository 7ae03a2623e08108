//! A sync report for the open folder: laid on the rows held when it lists all it
//! changed, else the folder is read again; and what a whole read on its way would miss
//! laid on it when it comes.

use super::state::{AppState, Effect};
use tern_core::imap::sync::SyncReport;
use tern_core::mail::{Flags, Uid};

/// What syncs listed while a whole read was on its way (the read may predate them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SinceRead {
    pub flags: Vec<(Uid, Flags)>,
    pub removed: Vec<Uid>,
    /// New mail came too: read what is above the whole read's UIDs once it is here.
    pub newer: bool,
}

impl AppState {
    pub(super) fn folder_synced(&mut self, r: &SyncReport) -> Vec<Effect> {
        self.progress = None;
        // A sync that changed nothing in the cache (the usual one at start), or only the
        // flags and removals it lists (a message read or moved, here or elsewhere), is
        // laid on the rows as they are: a read of a big folder would hold it twice for a
        // moment, for the same rows. New mail besides, all above the UIDs the folder had,
        // is read alone and added.
        let listed = !r.reset
            && r.flags.len() as u64 == r.changed
            && r.removed_uids.len() as u64 == r.removed;
        let laid_on = listed && self.uidvalidity != 0 && (r.new == 0 || r.appended);
        let whole = self.all.len() as u64 >= self.total;
        if !whole {
            if !(self.whole_coming && laid_on) {
                // Only the first screens held, and nothing coming: read it all now.
                return vec![Effect::ReloadFolder];
            }
            // The whole folder is on its way; it may predate this sync: what it listed
            // is laid on now and again when the read comes.
            self.drop_removed(&r.removed_uids);
            self.apply_flags(&r.flags);
            if r.new > 0 || r.changed > 0 || r.removed > 0 {
                let since = self.since_read.get_or_insert_with(Default::default);
                since.flags.extend(r.flags.iter().cloned());
                since.removed.extend(r.removed_uids.iter().copied());
                since.newer |= r.new > 0;
            }
            return Vec::new();
        }
        if !laid_on {
            return vec![Effect::ReloadFolder];
        }
        self.drop_removed(&r.removed_uids);
        self.apply_flags(&r.flags);
        if r.new == 0 {
            return Vec::new();
        }
        // (The highest UID of the rows, not `max_uid`: that also counts copies stored
        // here by a move from another account before they are read.)
        vec![Effect::ReloadNewer(self.highest_uid())]
    }

    /// A whole read arrived: what syncs listed meanwhile is laid on it.
    pub(super) fn whole_read_arrived(&mut self) -> Vec<Effect> {
        let Some(since) = self.since_read.take() else {
            return Vec::new();
        };
        self.drop_removed(&since.removed);
        self.apply_flags(&since.flags);
        if since.newer {
            vec![Effect::ReloadNewer(self.highest_uid())]
        } else {
            Vec::new()
        }
    }

    fn highest_uid(&self) -> Uid {
        self.all.iter().map(|m| m.uid).max().unwrap_or(0)
    }
}
