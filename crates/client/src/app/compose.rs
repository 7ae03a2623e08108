//! Writing mail in the client: new message, reply, reply to all or to the list,
//! forward, recall a draft; the editor round trip; and what happens when the server
//! answers (the review screen's keys are in `review.rs`). The draft stays in the local
//! store until the server has it.

use super::prompt::{Confirm, PromptKind};
use super::state::{AppState, Effect};
use super::triage::Pending;
use std::path::PathBuf;
use tern_core::compose::store::{Store, Stored};
use tern_core::compose::{Draft, ReplyKind};
use tern_core::imap::protocol::{Messages, RequestId, WorkerCommand};
use tern_core::mail::{Flag, SpecialUse, Uid};

/// A message on the review screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compose {
    pub id: String,
    pub draft: Draft,
    /// Why the last step did not work (headers unreadable, send refused), in plain words.
    pub error: Option<String>,
    /// Sending or postponing is under way.
    pub busy: bool,
    /// The editor's file matches the draft (else it holds words the user must fix).
    pub text_ok: bool,
    /// The draft as first shown, to ask before throwing away changes.
    pub started: Draft,
    /// The request storing it in Drafts (a failure comes back to the review).
    pub request: Option<RequestId>,
}

/// What a fetched message is wanted for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartFrom {
    Reply(ReplyKind),
    Forward,
    ForwardAttached,
    Recall,
}

/// How a send or postpone ended (from the loop's background task).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailResult {
    Sent {
        id: String,
        copy: Vec<u8>,
    },
    Built {
        id: String,
        copy: Vec<u8>,
    },
    Failed {
        id: String,
        error: String,
    },
    /// The message waits in the Outbox (the server could not be reached), or a try of
    /// it failed again, or it was refused for good (its state says which).
    Queued(Box<tern_core::compose::outbox::Queued>),
    /// What the Outbox holds now.
    Outbox(Vec<tern_core::compose::outbox::Queued>),
    /// An Outbox message went out; its Sent copy is kept with its draft.
    SentLater {
        id: String,
        subject: String,
        copy: Vec<u8>,
        draft: Option<Box<Draft>>,
    },
    OutboxNote(String),
    /// A message taken out of the Outbox, back on the review screen.
    Reopened(Box<Stored>),
    /// An Outbox message whose try was cut short (tern died sending it): the server
    /// may have it. The Sent folder is asked before it is sent again.
    Unsure(Box<tern_core::compose::outbox::Queued>),
    /// It was found in Sent: it went out, and leaves the Outbox without a second send.
    AlreadySent {
        id: String,
        subject: String,
    },
}

impl AppState {
    /// Opens a new draft in the editor.
    pub(super) fn start_draft(&mut self, draft: Draft) -> Vec<Effect> {
        let id = Store::new_id();
        self.compose = Some(Compose {
            id: id.clone(),
            started: draft.clone(),
            draft: draft.clone(),
            error: None,
            busy: false,
            text_ok: true,
            request: None,
        });
        vec![Effect::Edit {
            stored: Stored {
                id,
                draft,
                sent: false,
            },
            regenerate: true,
        }]
    }

    /// `m`: asks for the recipients (Tab completes from the cache), then the editor.
    pub(super) fn compose_new(&mut self) -> Vec<Effect> {
        self.ask(PromptKind::Address(None));
        self.load_address_book()
    }

    /// Reads the address book anew when it is older than `BOOK_FRESH_SECONDS` (sync
    /// may have brought new addresses; reading every cached folder is not free), unless
    /// a read is under way.
    pub(super) fn load_address_book(&mut self) -> Vec<Effect> {
        const BOOK_FRESH_SECONDS: i64 = 300;
        let fresh = self
            .book_read_at
            .is_some_and(|at| self.now - at < BOOK_FRESH_SECONDS);
        if fresh || std::mem::replace(&mut self.book_loading, true) {
            return Vec::new();
        }
        vec![Effect::LoadAddressBook]
    }

    /// Enter at the To: prompt: a new message, or a forward (`then`) to these addresses.
    pub(super) fn address_given(&mut self, to: &str, then: Option<StartFrom>) -> Vec<Effect> {
        if let Some(how) = then {
            self.forward_to = Some(to.trim().trim_end_matches(',').to_string());
            return self.compose_original(how);
        }
        let draft = Draft {
            from: self.identity.from_line(),
            to: to.trim().trim_end_matches(',').to_string(),
            body: self.identity.body_with(""),
            ..Draft::default()
        };
        self.start_draft(draft)
    }

    /// `r` `R` `L` `f` `:forward-attached` `:recall`: needs the message itself; the
    /// reader's copy when it is open on it, else it is fetched first.
    pub(super) fn compose_from(&mut self, how: StartFrom) -> Vec<Effect> {
        if matches!(how, StartFrom::Forward | StartFrom::ForwardAttached)
            && self.current_uid().is_some()
        {
            // A forward asks for its recipients first, as `m` does.
            self.ask(PromptKind::Address(Some(how)));
            return self.load_address_book();
        }
        self.compose_original(how)
    }

    /// The message the reader shows, else the one under the cursor.
    fn current_uid(&self) -> Option<Uid> {
        self.reader
            .as_ref()
            .map(|r| r.uid)
            .or_else(|| self.current().map(|m| m.uid))
    }

    /// The original is needed: the reader's copy, else fetched first.
    fn compose_original(&mut self, how: StartFrom) -> Vec<Effect> {
        let Some(uid) = self.current_uid() else {
            return Vec::new();
        };
        if let Some(raw) = self
            .reader
            .as_ref()
            .filter(|r| r.uid == uid)
            .and_then(|r| r.raw.clone())
        {
            return self.compose_with(how, uid, &raw);
        }
        let id = self.id();
        self.pending_compose = Some((id, how, uid));
        self.status = Some("fetching the message…".into());
        vec![Effect::Send(WorkerCommand::FetchBody {
            id,
            folder: self.folder.clone(),
            uidvalidity: self.uidvalidity,
            uid,
        })]
    }

    /// The original arrived: make the draft and open the editor.
    pub(super) fn compose_with(&mut self, how: StartFrom, uid: Uid, raw: &[u8]) -> Vec<Effect> {
        let here = (self.folder.clone(), self.uidvalidity, uid);
        let made = match how {
            StartFrom::Reply(kind) => tern_core::compose::reply::reply(raw, &self.identity, kind)
                .map(|d| Draft {
                    answers: Some(here.clone()),
                    ..d
                }),
            StartFrom::Forward => {
                tern_core::compose::reply::forward(raw, &self.identity).map(|d| Draft {
                    to: self.forward_to.take().unwrap_or_default(),
                    ..d
                })
            }
            StartFrom::ForwardAttached => Ok(Draft {
                from: tern_core::compose::reply::from_for(raw, &self.identity),
                to: self.forward_to.take().unwrap_or_default(),
                subject: tern_core::compose::reply::forward_subject(raw),
                body: self.identity.body_with(""),
                ..Draft::default()
            }),
            StartFrom::Recall => tern_core::compose::reply::recall(raw).map(|d| Draft {
                replaces: Some(here.clone()),
                ..d
            }),
        };
        match made {
            Ok(draft) => {
                let mut effects = self.start_draft(draft);
                if matches!(how, StartFrom::Forward | StartFrom::ForwardAttached) {
                    // The original's files (or the whole message) go along; the loop
                    // writes them into the draft's folder before the editor starts.
                    let id = match effects.first() {
                        Some(Effect::Edit { stored, .. }) => Some(stored.id.clone()),
                        _ => None,
                    };
                    if let Some(id) = id {
                        effects.insert(
                            0,
                            Effect::AttachOriginal {
                                id,
                                raw: std::sync::Arc::new(raw.to_vec()),
                                whole: how == StartFrom::ForwardAttached,
                            },
                        );
                    }
                }
                effects
            }
            Err(e) => {
                self.status = Some(e);
                Vec::new()
            }
        }
    }

    /// The original's attachments were written for a forward: list them in the draft.
    pub fn originals_attached(&mut self, id: &str, files: Vec<PathBuf>, whole: Option<PathBuf>) {
        if let Some(c) = self.compose.as_mut().filter(|c| c.id == id) {
            c.draft.attach.extend(files);
            if whole.is_some() {
                c.draft.attached_message = whole;
            }
            c.started = c.draft.clone();
        }
    }

    /// The editor finished; `text` is what the file holds.
    pub fn edited(&mut self, id: &str, text: Option<String>, editor_ok: Result<(), String>) {
        let Some(c) = self.compose.as_mut().filter(|c| c.id == id) else {
            return;
        };
        c.error = None;
        if let Err(e) = editor_ok {
            c.error = Some(format!("{e}; the draft is kept"));
        }
        if let Some(text) = text {
            match c.draft.update_from_text(&text) {
                Ok(()) => c.text_ok = true,
                Err(e) => {
                    c.text_ok = false;
                    c.error = Some(format!(
                        "the headers could not be read: {e} (e edits again)"
                    ));
                }
            }
        }
    }

    /// Flags the message with this Message-ID as answered: at once when the open
    /// folder shows it, and on the server wherever it is kept (INBOX, the archive, the
    /// open folder).
    pub(super) fn mark_answered(&mut self, message_id: String) -> Vec<Effect> {
        let id = super::pending::bare_message_id(&message_id).to_string();
        for m in self.all.iter_mut().filter(|m| m.has_id(&id)) {
            m.set_flag(Flag::Answered, true);
        }
        let mut folders = vec![self.folder.clone(), "INBOX".to_string()];
        folders.push(self.special(SpecialUse::Archive));
        folders.dedup();
        let mut seen = std::collections::HashSet::new();
        folders.retain(|f| seen.insert(f.clone()));
        let id = self.id();
        vec![Effect::Send(WorkerCommand::MarkAnswered {
            id,
            message_id,
            folders,
        })]
    }

    /// Sending or building finished in the background.
    pub fn mail_result(&mut self, r: MailResult) -> Vec<Effect> {
        match r {
            MailResult::Failed { id, error } => {
                if let Some(c) = self.compose.as_mut().filter(|c| c.id == id) {
                    c.busy = false;
                    c.error = Some(format!(
                        "not sent: {error}. The message is kept: y retries, e edits, p postpones"
                    ));
                }
                self.status = Some("not sent".into());
                Vec::new()
            }
            MailResult::Sent { id, copy } => {
                let Some(c) = self.compose.take().filter(|c| c.id == id) else {
                    return Vec::new();
                };
                let mut effects = Vec::new();
                if let Some((folder, uidvalidity, uid)) = c.draft.answers.clone() {
                    effects.extend(self.change_flag(
                        Messages {
                            folder,
                            uidvalidity,
                            uids: vec![uid],
                        },
                        Flag::Answered,
                        true,
                        false,
                    ));
                } else if let Some(message_id) = c.draft.in_reply_to.clone() {
                    // A reply resumed from Drafts knows what it answers only by its
                    // In-Reply-To: the worker finds that message and flags it.
                    effects.extend(self.mark_answered(message_id));
                }
                effects.extend(self.remove_replaced(&c.draft));
                if self.save_sent {
                    let sent = self.special(SpecialUse::Sent);
                    effects.push(Effect::KeepSentCopy {
                        id: id.clone(),
                        copy: copy.clone(),
                    });
                    effects.push(self.store_copy(id, sent, vec!["\\Seen".into()], copy, true));
                    self.status = Some("sent; storing the copy in Sent…".into());
                } else {
                    effects.push(Effect::DiscardDraft(id));
                    self.status = Some("sent".into());
                }
                effects
            }
            MailResult::Queued(q) => self.outbox_news(*q),
            MailResult::Unsure(q) => self.outbox_unsure(*q),
            MailResult::AlreadySent { id, subject } => self.already_sent(id, &subject),
            MailResult::Outbox(list) => {
                self.outbox = list;
                Vec::new()
            }
            MailResult::Reopened(stored) => {
                self.outbox.retain(|q| q.id != stored.id);
                self.recover_queue.insert(0, *stored);
                self.recover_first(true)
            }
            MailResult::OutboxNote(note) => {
                self.status = Some(note);
                Vec::new()
            }
            MailResult::SentLater {
                id,
                subject,
                copy,
                draft,
            } => self.sent_later(id, &subject, copy, draft.map(|d| *d)),
            MailResult::Built { id, copy } => {
                let drafts = self.special(SpecialUse::Drafts);
                let append = self.store_copy(
                    id.clone(),
                    drafts,
                    vec!["\\Draft".into(), "\\Seen".into()],
                    copy,
                    false,
                );
                if let (Some(c), Effect::Send(WorkerCommand::Append { id: rid, .. })) =
                    (self.compose.as_mut().filter(|c| c.id == id), &append)
                {
                    c.request = Some(*rid);
                }
                vec![append]
            }
        }
    }

    /// APPENDs a copy; once stored the local draft goes (and, for a postpone, the
    /// draft it replaces).
    pub(super) fn store_copy(
        &mut self,
        draft_id: String,
        folder: String,
        flags: Vec<String>,
        raw: Vec<u8>,
        sent: bool,
    ) -> Effect {
        let id = self.id();
        self.in_flight.insert(
            id,
            Pending {
                note: Some(if sent {
                    "sent; the copy is in Sent".into()
                } else {
                    format!("postponed to {folder}")
                }),
                then: vec![Effect::DiscardDraft(draft_id)],
                counts: vec![super::pending::CountDelta {
                    folder: folder.clone(),
                    unread: 0,
                    total: 1,
                }],
                fail_note: sent.then(|| {
                    "sent, but the copy for Sent could not be stored; it is kept on this machine and stored at the next start".to_string()
                }),
                ..Pending::default()
            },
        );
        Effect::Send(WorkerCommand::Append {
            id,
            folder,
            flags,
            raw,
        })
    }

    /// A server draft replaced by what was just stored or sent is removed for good.
    fn remove_replaced(&mut self, d: &Draft) -> Vec<Effect> {
        let Some((folder, uidvalidity, uid)) = d.replaces.clone() else {
            return Vec::new();
        };
        let id = self.id();
        vec![Effect::Send(WorkerCommand::Expunge {
            id,
            messages: Messages {
                folder,
                uidvalidity,
                uids: vec![uid],
            },
        })]
    }

    /// A postpone was stored in Drafts: close the review and drop the replaced draft.
    pub(super) fn postponed(&mut self, request: RequestId) -> Vec<Effect> {
        let Some(c) = self.compose.take_if(|c| c.request == Some(request)) else {
            return Vec::new();
        };
        self.remove_replaced(&c.draft)
    }

    /// Storing in Drafts failed: back to the review, with the reason.
    pub(super) fn postpone_failed(&mut self, request: RequestId, error: &str) {
        if let Some(c) = self.compose.as_mut().filter(|c| c.request == Some(request)) {
            c.busy = false;
            c.request = None;
            c.error = Some(format!(
                "not postponed: {error}. The draft is kept here and on this machine"
            ));
        }
    }

    /// Drafts found on this machine at start: offered back one by one.
    pub fn recovered(&mut self, list: Vec<Stored>) -> Vec<Effect> {
        let mut effects = Vec::new();
        for s in list {
            if s.sent {
                // Sent already; only the Sent copy was missing. Store it now.
                effects.push(Effect::RetrySentCopy(s.id));
            } else {
                self.recover_queue.push(s);
            }
        }
        self.offer_next_recovery();
        effects
    }

    /// Asks about the next kept draft, if any.
    pub(super) fn offer_next_recovery(&mut self) {
        if self.prompt.is_none() && self.compose.is_none() {
            if let Some(s) = self.recover_queue.first() {
                let what = s.draft.summary();
                self.ask(PromptKind::Confirm(Confirm::Recover(what)));
            }
        }
    }

    /// The Sent copy of a sent draft, read back from this machine, to store again.
    pub fn retry_sent_copy(&mut self, id: String, copy: Vec<u8>) -> Vec<Effect> {
        let sent = self.special(SpecialUse::Sent);
        vec![self.store_copy(id, sent, vec!["\\Seen".into()], copy, true)]
    }

    /// `y` to a recovery question: the draft comes back on the review screen.
    pub(super) fn recover_first(&mut self, yes: bool) -> Vec<Effect> {
        if self.recover_queue.is_empty() {
            return Vec::new();
        }
        let s = self.recover_queue.remove(0);
        if !yes {
            self.status = Some("kept on this machine; offered again next start".into());
            self.offer_next_recovery();
            return Vec::new();
        }
        self.compose = Some(Compose {
            id: s.id,
            started: s.draft.clone(),
            draft: s.draft,
            error: None,
            busy: false,
            text_ok: true,
            request: None,
        });
        Vec::new()
    }

    /// Addresses from the open folder that start with (or contain) `typed`, most used
    /// first, as `Name <email>`.
    pub fn address_candidates(&self, typed: &str) -> Vec<String> {
        let t = typed.trim().to_lowercase();
        if t.is_empty() {
            return Vec::new();
        }
        // The address book command's answer first, then every cached folder's addresses
        // by rank, then the open folder's (read before the book arrives).
        let mut out: Vec<String> = Vec::new();
        let mut emails = std::collections::HashSet::new();
        let command = self
            .book_hits
            .iter()
            .filter(|(asked, _)| asked.trim().to_lowercase() == t)
            .flat_map(|(_, hits)| hits.iter());
        for k in command.chain(tern_core::addressbook::matching(&self.address_book, &t)) {
            if emails.insert(k.email.to_lowercase()) {
                out.push(k.line());
            }
        }
        for line in self.folder_addresses(&t) {
            let email = line
                .rsplit_once('<')
                .map_or(line.as_str(), |(_, e)| e.trim_end_matches('>'))
                .to_lowercase();
            if emails.insert(email) {
                out.push(line);
            }
        }
        out.truncate(20);
        out
    }

    /// `address-book-command` answered: complete with it if To: still waits on that text.
    pub fn book_answered(
        &mut self,
        typed: String,
        hits: Vec<tern_core::addressbook::Known>,
    ) -> Vec<Effect> {
        let waiting = self.prompt.as_ref().is_some_and(|p| {
            matches!(
                p.kind,
                PromptKind::Address(_)
                    | PromptKind::Header(
                        super::review::Field::To
                            | super::review::Field::Cc
                            | super::review::Field::Bcc
                    )
            ) && p.tab.is_none()
                && p.text.rsplit(',').next().unwrap_or("").trim() == typed.trim()
        });
        self.book_hits = Some((typed, hits));
        if waiting {
            return self.complete_address();
        }
        Vec::new()
    }

    /// The open folder's senders matching `t` (lower-cased), most seen first (the
    /// address book, from every cached folder, has the recipients too).
    fn folder_addresses(&self, t: &str) -> Vec<String> {
        let mut seen: std::collections::HashMap<String, (String, usize)> = Default::default();
        for m in &self.all {
            let (name, address) = (m.sender_name().trim(), m.sender_email());
            let email = address.to_lowercase();
            if !email.is_empty() && (email.contains(t) || name.to_lowercase().contains(t)) {
                let e = seen.entry(email).or_insert((String::new(), 0));
                if e.0.is_empty() {
                    e.0 = if name.is_empty() {
                        address.to_string()
                    } else {
                        format!("{name} <{address}>")
                    };
                }
                e.1 += 1;
            }
        }
        let mut list: Vec<(String, usize)> = seen.into_values().collect();
        list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        list.into_iter()
            .map(|(s, _)| tern_core::mail::sanitize(&s))
            .take(20)
            .collect()
    }
}
