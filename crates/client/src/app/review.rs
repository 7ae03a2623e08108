//! The review screen after the editor: `y` send (asks first when the subject is
//! empty), `e` edit, `a` attach, `d` detach, `p` postpone, `q` abort (asks when the
//! text changed).

use super::compose::Compose;
use super::prompt::{Confirm, NumberFor, PromptKind};
use super::state::{AppState, Effect};
use std::path::PathBuf;
use tern_core::compose::store::Stored;

impl AppState {
    pub(super) fn stored(c: &Compose) -> Stored {
        Stored {
            id: c.id.clone(),
            draft: c.draft.clone(),
            sent: false,
        }
    }

    /// A key on the review screen.
    pub(super) fn review_key(&mut self, c: char) -> Vec<Effect> {
        let Some(comp) = self.compose.as_mut() else {
            return Vec::new();
        };
        if comp.busy {
            self.status = Some("busy with this message; wait for the server".into());
            return Vec::new();
        }
        match c {
            'y' if !comp.text_ok => {
                comp.error = Some("fix the headers first (e edits)".into());
                Vec::new()
            }
            'y' if comp.draft.subject.trim().is_empty() => {
                self.ask(PromptKind::Confirm(Confirm::NoSubject));
                Vec::new()
            }
            'y' => self.send_now(),
            'e' => vec![Effect::Edit {
                stored: Self::stored(comp),
                regenerate: comp.text_ok,
            }],
            'a' => {
                self.ask(PromptKind::AttachPath);
                Vec::new()
            }
            'd' => match comp.draft.attach.len() {
                0 => {
                    self.status = Some("no attachment to remove".into());
                    Vec::new()
                }
                1 => self.detach("1"),
                _ => {
                    self.ask(PromptKind::Number(NumberFor::Detach));
                    Vec::new()
                }
            },
            'p' if !comp.text_ok => {
                comp.error = Some("fix the headers first (e edits)".into());
                Vec::new()
            }
            'p' => {
                comp.busy = true;
                self.status = Some("postponing to Drafts…".into());
                vec![Effect::Postpone(Self::stored(comp))]
            }
            'q' => {
                if comp.draft != comp.started || !comp.text_ok {
                    self.ask(PromptKind::Confirm(Confirm::Discard));
                    Vec::new()
                } else {
                    self.discard()
                }
            }
            _ => {
                self.status =
                    Some("y send · e edit · a attach · d detach · p postpone · q abort".into());
                Vec::new()
            }
        }
    }

    /// `q` in the list or `:quit`: at once, unless something would be lost or left
    /// undone (a message being sent or written, changes the server has not confirmed,
    /// changes kept offline); then it asks.
    pub(super) fn quit(&mut self) -> Vec<Effect> {
        let mut undone = Vec::new();
        match &self.compose {
            Some(c) if c.busy => undone.push("a message is being sent".to_string()),
            Some(_) => undone.push("a message is being written".to_string()),
            None => {}
        }
        let changes = |n: usize| {
            if n == 1 {
                "1 change".to_string()
            } else {
                format!("{n} changes")
            }
        };
        if !self.in_flight.is_empty() {
            undone.push(format!(
                "{} not yet confirmed by the server",
                changes(self.in_flight.len())
            ));
        }
        if self.queued > 0 {
            undone.push(format!(
                "{} made offline, kept for the server",
                changes(self.queued)
            ));
        }
        if undone.is_empty() {
            return vec![Effect::Quit];
        }
        self.ask(PromptKind::Confirm(Confirm::Quit(undone.join("; "))));
        Vec::new()
    }

    /// Sends the message on the review screen.
    pub(super) fn send_now(&mut self) -> Vec<Effect> {
        let Some(comp) = self.compose.as_mut().filter(|c| !c.busy) else {
            return Vec::new();
        };
        comp.busy = true;
        comp.error = None;
        self.status = Some("sending…".into());
        vec![Effect::SendMail(Self::stored(comp))]
    }

    /// Throws the message away.
    pub(super) fn discard(&mut self) -> Vec<Effect> {
        match self.compose.take() {
            Some(c) => {
                self.status = Some("message discarded".into());
                vec![Effect::DiscardDraft(c.id)]
            }
            None => Vec::new(),
        }
    }

    /// `a`: a file to attach.
    pub(super) fn attach(&mut self, path: &str) -> Vec<Effect> {
        let Some(c) = self.compose.as_mut() else {
            return Vec::new();
        };
        if path.is_empty() {
            return Vec::new();
        }
        c.draft.attach.push(PathBuf::from(path));
        // Saved at once; the review shows it (a missing file is named when sending).
        vec![Effect::SaveDraft(Self::stored(c))]
    }

    /// `d` with a number: removes that attachment.
    pub(super) fn detach(&mut self, text: &str) -> Vec<Effect> {
        let Some(c) = self.compose.as_mut() else {
            return Vec::new();
        };
        let n = c.draft.attach.len();
        match text.trim().parse::<usize>() {
            Ok(i) if (1..=n).contains(&i) => {
                c.draft.attach.remove(i - 1);
                vec![Effect::SaveDraft(Self::stored(c))]
            }
            _ => {
                self.status = Some(format!("give a number from 1 to {n}"));
                Vec::new()
            }
        }
    }
}
