//! The Outbox as the state sees it: what waits, what was refused, what went out later.

use super::state::{AppState, Effect};
use tern_core::compose::outbox::{OutState, Queued};
use tern_core::compose::Draft;
use tern_core::mail::SpecialUse;

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
