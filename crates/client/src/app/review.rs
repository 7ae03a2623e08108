//! The review screen after the editor: `y` send (asks first when the subject is
//! empty), `e` edit, `t` `c` `b` `f` `s` change To, Cc, Bcc, From, Subject in a prompt
//! (Tab completes addresses; at From, the account's own), `a` attach, `d` detach, `p`
//! postpone, `q` abort (asks when the text changed).

use super::compose::Compose;
use super::prompt::{Confirm, NumberFor, PromptKind};
use super::state::{AppState, Effect};
use std::path::PathBuf;
use tern_core::compose::store::Stored;

/// The review screen's keys, as its first line and the status say them.
pub const KEYS: &str =
    "y send · e edit · t c b f s To Cc Bcc From Subject · a attach · d detach · p postpone · q abort";

/// A header the review can change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    From,
    To,
    Cc,
    Bcc,
    Subject,
}

impl Field {
    pub fn name(self) -> &'static str {
        match self {
            Field::From => "From",
            Field::To => "To",
            Field::Cc => "Cc",
            Field::Bcc => "Bcc",
            Field::Subject => "Subject",
        }
    }

    fn of(self, d: &tern_core::compose::Draft) -> &String {
        match self {
            Field::From => &d.from,
            Field::To => &d.to,
            Field::Cc => &d.cc,
            Field::Bcc => &d.bcc,
            Field::Subject => &d.subject,
        }
    }

    fn of_mut(self, d: &mut tern_core::compose::Draft) -> &mut String {
        match self {
            Field::From => &mut d.from,
            Field::To => &mut d.to,
            Field::Cc => &mut d.cc,
            Field::Bcc => &mut d.bcc,
            Field::Subject => &mut d.subject,
        }
    }
}

impl AppState {
    pub(super) fn stored(c: &Compose) -> Stored {
        Stored {
            id: c.id.clone(),
            draft: c.draft.clone(),
            sent: false,
        }
    }

    /// A header typed at the review: the draft takes it (and the copy kept on this
    /// machine). A From: that is not one of the account's addresses is sent as typed, with
    /// a word of warning.
    pub(super) fn header_given(&mut self, field: Field, text: String) -> Vec<Effect> {
        let mine = {
            let email = text
                .rsplit_once('<')
                .map_or(text.as_str(), |(_, e)| e.trim_end_matches('>'));
            self.identity.is_me(email)
        };
        let Some(comp) = self.compose.as_mut() else {
            return Vec::new();
        };
        *field.of_mut(&mut comp.draft) = text.trim().to_string();
        comp.error = None;
        if field == Field::From && !mine {
            self.status = Some(format!(
                "From: {} is not one of this account's addresses (aliases); it is sent as typed",
                tern_core::mail::sanitize(text.trim())
            ));
        }
        vec![Effect::SaveDraft(Self::stored(comp))]
    }

    /// Tab at From: the account's addresses in turn (its own, then each alias that is
    /// not a whole domain).
    pub(super) fn complete_from(&mut self) {
        let id = &self.identity;
        let mut options = vec![id.from_line()];
        options.extend(
            id.aliases
                .iter()
                .filter(|a| !a.starts_with("*@"))
                .map(|a| id.from_line_as(a)),
        );
        let Some(p) = self.prompt.as_mut() else {
            return;
        };
        let (base, next) = p.tab.clone().unwrap_or((p.text.clone(), 0));
        let i = next % options.len();
        p.text = options[i].clone();
        p.tab = Some((base, i + 1));
        let n = options.len();
        self.status = Some(if id.aliases.iter().any(|a| a.starts_with("*@")) {
            format!(
                "{} of {n} (any address at your alias domains may be typed)",
                i + 1
            )
        } else {
            format!("{} of {n} addresses (Tab: next)", i + 1)
        });
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
            'f' | 't' | 'c' | 'b' | 's' if !comp.text_ok => {
                comp.error = Some("fix the headers first (e edits)".into());
                Vec::new()
            }
            'f' | 't' | 'c' | 'b' | 's' => {
                let field = match c {
                    'f' => Field::From,
                    't' => Field::To,
                    'c' => Field::Cc,
                    'b' => Field::Bcc,
                    _ => Field::Subject,
                };
                let now = field.of(&comp.draft).clone();
                self.ask_with(PromptKind::Header(field), now);
                // To: and Cc: complete from every account's addresses.
                self.load_address_book()
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
                self.status = Some(KEYS.into());
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
        // Every account's, not only the shown one's; copies between accounts and undos
        // of moves between them have no request of their own waiting.
        let carrying = self
            .transfers
            .values()
            .filter(|t| !t.moving || t.undoing)
            .count();
        let in_flight = self.in_flight_everywhere() + carrying;
        if in_flight > 0 {
            undone.push(format!(
                "{} not yet confirmed by the server",
                changes(in_flight)
            ));
        }
        let queued = self.queued_everywhere();
        if queued > 0 {
            undone.push(format!(
                "{} made offline, kept for the server",
                changes(queued)
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
