//! The Outbox as the state sees it: what waits, what was refused, what went out later.

use super::state::{AppState, Effect, Focus, Link};
use crate::action::Action;
use std::sync::LazyLock;
use tern_core::compose::outbox::{OutState, Queued};
use tern_core::compose::Draft;
use tern_core::imap::protocol::{RequestId, SearchTerm, WorkerCommand};
use tern_core::mail::{FolderInfo, SpecialUse};

impl AppState {
    /// A message entered the Outbox, or a try of it ended without sending it.
    pub(super) fn outbox_news(&mut self, q: Queued) -> Vec<Effect> {
        // Written and queued: the review closes, as after a send.
        if self.compose.as_ref().is_some_and(|c| c.id == q.id) {
            self.compose = None;
        }
        let subject = tern_core::mail::sanitize(&q.subject);
        let reason = tern_core::mail::sanitize(&q.reason);
        // What happened first: an 80-column status line may show only the start.
        self.status = Some(match q.state {
            OutState::Refused => {
                format!("{subject:?} was refused, and stays in the Outbox (:outbox): {reason}")
            }
            _ => format!(
                "{subject:?} waits in the Outbox, sent by itself when the server answers ({reason})"
            ),
        });
        match self.outbox.iter_mut().find(|o| o.id == q.id) {
            Some(o) => *o = q,
            None => self.outbox.push(q),
        }
        Vec::new()
    }

    /// An Outbox message went out: answered flags, and its copy stored in Sent.
    pub(super) fn sent_later(
        &mut self,
        id: String,
        subject: &str,
        copy: Vec<u8>,
        draft: Option<Draft>,
    ) -> Vec<Effect> {
        self.outbox.retain(|q| q.id != id);
        let mut effects = Vec::new();
        if let Some(message_id) = draft.and_then(|d| d.in_reply_to) {
            effects.extend(self.mark_answered(message_id));
        }
        let shown = tern_core::mail::sanitize(subject);
        if self.save_sent {
            let sent = self.special(SpecialUse::Sent);
            effects.push(self.store_copy(id, sent, vec!["\\Seen".into()], copy, true));
            self.status = Some(format!(
                "sent from the Outbox: {shown}; storing the copy in Sent…"
            ));
        } else {
            effects.push(Effect::DiscardDraft(id));
            self.status = Some(format!("sent from the Outbox: {shown}"));
        }
        effects
    }
}

/// An Outbox message whose try was cut short, until Sent says whether it went out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsure {
    pub id: String,
    pub message_id: String,
    /// The search of Sent on its way.
    pub request: Option<RequestId>,
}

impl AppState {
    /// A try cut short by a crash: Sent is asked for its Message-ID (now if online,
    /// else when the account is).
    pub(super) fn outbox_unsure(&mut self, q: Queued) -> Vec<Effect> {
        if !self.unsure.iter().any(|u| u.id == q.id) {
            self.unsure.push(Unsure {
                id: q.id.clone(),
                message_id: q.message_id.clone(),
                request: None,
            });
        }
        match self.outbox.iter_mut().find(|o| o.id == q.id) {
            Some(o) => *o = q,
            None => self.outbox.push(q),
        }
        self.check_unsure()
    }

    /// Asks Sent about each message whose try was cut short (while online).
    pub(super) fn check_unsure(&mut self) -> Vec<Effect> {
        if !matches!(self.link, Link::Online) {
            return Vec::new();
        }
        let sent = self.special(SpecialUse::Sent);
        let mut effects = Vec::new();
        for i in 0..self.unsure.len() {
            if self.unsure[i].request.is_some() {
                continue;
            }
            let id = self.id();
            let u = &mut self.unsure[i];
            u.request = Some(id);
            effects.push(Effect::Send(WorkerCommand::Search {
                id,
                folder: sent.clone(),
                terms: vec![SearchTerm::MessageId(u.message_id.clone())],
            }));
        }
        if !effects.is_empty() {
            self.status = Some(
                "checking Sent for a message whose sending was cut short, before sending it again…"
                    .into(),
            );
        }
        effects
    }

    /// Sent answered about a message whose try was cut short (None: not that request).
    pub(super) fn unsure_answered(
        &mut self,
        request: RequestId,
        found: bool,
    ) -> Option<Vec<Effect>> {
        let i = self
            .unsure
            .iter()
            .position(|u| u.request == Some(request))?;
        let u = self.unsure.remove(i);
        Some(vec![Effect::OutboxResolved {
            id: u.id,
            sent: found,
        }])
    }

    /// The search of Sent failed: asked again when the account is next online.
    pub(super) fn unsure_failed(&mut self, request: RequestId, error: &str) -> bool {
        let Some(u) = self.unsure.iter_mut().find(|u| u.request == Some(request)) else {
            return false;
        };
        u.request = None;
        self.status = Some(format!(
            "could not check Sent for a message whose sending was cut short ({error}); it waits in the Outbox"
        ));
        true
    }

    /// The message was found in Sent: it went out before tern died.
    pub(super) fn already_sent(&mut self, id: String, subject: &str) -> Vec<Effect> {
        self.outbox.retain(|q| q.id != id);
        self.status = Some(format!(
            "{:?} had gone out before tern stopped (it is in Sent): not sent again",
            tern_core::mail::sanitize(subject)
        ));
        vec![Effect::DiscardDraft(id)]
    }
}

/// The sidebar's Outbox of an account, by this name in a `Place` (no IMAP folder can be
/// named so: a name never holds a NUL).
pub const OUTBOX_KEY: &str = "\u{0}outbox";

/// The sidebar's entry for an account's Outbox (listed while something waits).
pub static OUTBOX_ENTRY: LazyLock<FolderInfo> = LazyLock::new(|| FolderInfo {
    name: OUTBOX_KEY.to_string(),
    delimiter: None,
    special: None,
    selectable: true,
    status: None,
});

/// An account's Outbox, shown instead of the message list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxView {
    pub account: usize,
    pub cursor: usize,
    pub top: usize,
}

impl AppState {
    /// The Outbox of account `i`.
    pub fn outbox_of(&self, i: usize) -> &[Queued] {
        match self.accounts.get(i) {
            Some(p) if i != self.active => &p.outbox,
            _ => &self.outbox,
        }
    }

    /// Shows the Outbox of account `i` in place of the list.
    pub(super) fn open_outbox(&mut self, i: usize) -> Vec<Effect> {
        self.results = None;
        self.reader = None;
        self.focus = Focus::List;
        self.outbox_view = Some(OutboxView {
            account: i,
            ..OutboxView::default()
        });
        Vec::new()
    }

    /// A key while the Outbox is shown: move, Enter reopens a message for editing, q or
    /// Esc close it (`$`, sync now, tries the Outbox wherever it is pressed).
    pub(super) fn act_on_outbox(&mut self, action: Action) -> Vec<Effect> {
        let Some(v) = self.outbox_view.clone() else {
            return Vec::new();
        };
        let n = self.outbox_of(v.account).len();
        let last = n.saturating_sub(1);
        let cursor = match action {
            Action::Down => (v.cursor + 1).min(last),
            Action::Up => v.cursor.saturating_sub(1),
            Action::First => 0,
            Action::Last => last,
            Action::Open => {
                let Some(id) = self
                    .outbox_of(v.account)
                    .get(v.cursor)
                    .map(|q| q.id.clone())
                else {
                    return Vec::new();
                };
                self.outbox_view = None;
                let mut effects = Vec::new();
                if v.account != self.active {
                    effects.extend(self.go_to(super::accounts::Place {
                        account: v.account,
                        folder: "INBOX".into(),
                    }));
                }
                effects.push(Effect::ReopenQueued(id));
                return effects;
            }
            Action::Quit | Action::ClearSearch => {
                self.outbox_view = None;
                return Vec::new();
            }
            _ => {
                self.status = Some("Outbox: Enter edits the message, $ tries now, q closes".into());
                return Vec::new();
            }
        };
        let rows = self.rows.max(1);
        if let Some(view) = self.outbox_view.as_mut() {
            view.cursor = cursor;
            if cursor < view.top {
                view.top = cursor;
            } else if cursor >= view.top + rows {
                view.top = cursor + 1 - rows;
            }
        }
        Vec::new()
    }
}
