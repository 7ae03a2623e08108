//! Untagged news about the selected folder, collected whenever it arrives so none is lost.

use crate::mail::{Flags, Uid};
use async_imap::imap_proto::{AttributeValue, MailboxDatum, Response};
use std::ops::RangeInclusive;

/// A flag change the server reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagUpdate {
    pub uid: Option<Uid>,
    pub seq: u32,
    pub flags: Flags,
    pub modseq: u64,
}

/// What happened to the selected folder since the last look.
#[derive(Debug, Default, Clone)]
pub struct MailboxChanges {
    /// The latest EXISTS count.
    pub exists: Option<u32>,
    /// Sequence numbers expunged (only without QRESYNC); the UID map must be redone.
    pub expunged_seqs: Vec<u32>,
    /// UID ranges reported VANISHED (QRESYNC), low to high; kept as ranges because a
    /// server may name far more UIDs than exist.
    pub vanished: Vec<RangeInclusive<Uid>>,
    /// Flag changes, with the UID when the server included it.
    pub flag_updates: Vec<FlagUpdate>,
    /// HIGHESTMODSEQ announced in an untagged OK.
    pub highest_modseq: Option<u64>,
    /// Other folders the server reported a STATUS of unasked (NOTIFY): new mail there.
    pub others: Vec<String>,
}

impl MailboxChanges {
    /// Whether anything at all was reported.
    pub fn is_empty(&self) -> bool {
        self.exists.is_none()
            && self.expunged_seqs.is_empty()
            && self.vanished.is_empty()
            && self.flag_updates.is_empty()
    }

    /// Takes the collected changes, leaving none.
    pub fn take(&mut self) -> MailboxChanges {
        std::mem::take(self)
    }

    /// Records one untagged response if it concerns the selected folder.
    pub fn absorb(&mut self, r: &Response<'_>) {
        match r {
            Response::MailboxData(MailboxDatum::Exists(n)) => self.exists = Some(*n),
            Response::Expunge(seq) => self.expunged_seqs.push(*seq),
            Response::Vanished { uids, .. } => {
                self.vanished
                    .extend(uids.iter().map(super::uidset::normalized));
            }
            Response::Fetch(seq, attrs) => {
                if let Some(u) = flag_update(*seq, attrs) {
                    self.flag_updates.push(u);
                }
            }
            Response::MailboxData(MailboxDatum::Status { mailbox, .. }) => {
                let name =
                    crate::mail::mutf7::decode(mailbox).unwrap_or_else(|| mailbox.to_string());
                if !self.others.contains(&name) {
                    self.others.push(name);
                }
            }
            Response::Data { outcome, .. } => {
                if let Some(async_imap::imap_proto::ResponseCode::HighestModSeq(m)) = &outcome.code
                {
                    self.highest_modseq = Some(*m);
                }
            }
            _ => {}
        }
    }
}

/// Reads UID/FLAGS/MODSEQ out of a FETCH response, if it carries FLAGS.
pub fn flag_update(seq: u32, attrs: &[AttributeValue<'_>]) -> Option<FlagUpdate> {
    let mut uid = None;
    let mut flags = None;
    let mut modseq = 0;
    for a in attrs {
        match a {
            // UID 0 names no message (RFC 3501 2.3.1.1): the change is not trusted.
            AttributeValue::Uid(0) => return None,
            AttributeValue::Uid(u) => uid = Some(*u),
            AttributeValue::Flags(f) => flags = Some(Flags::from_imap(f.iter())),
            AttributeValue::ModSeq(m) => modseq = *m,
            _ => {}
        }
    }
    flags.map(|flags| FlagUpdate {
        uid,
        seq,
        flags,
        modseq,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::reversed_empty_ranges)] // what a server may send
    fn descending_vanished_ranges_are_kept_not_lost() {
        let mut c = MailboxChanges::default();
        c.absorb(&Response::Vanished {
            earlier: false,
            uids: vec![9..=5, 12..=12],
        });
        assert_eq!(c.vanished, vec![5..=9, 12..=12]);
    }
}
