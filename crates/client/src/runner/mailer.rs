//! The loop's side of writing mail: the local draft store, the editor run with the
//! terminal handed over, and building and sending in the background.

use crate::app::compose::MailResult;
use crate::app::update::Back;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tern_core::compose::outbox::{backoff_secs, OutState, Queued};
use tern_core::compose::send::Transport;
use tern_core::compose::store::{Store, Stored};
use tokio::sync::mpsc;

/// Drafts, the editor and the transport of one account.
pub struct Mailer {
    pub store: Option<Store>,
    /// Draft files are written on a thread of their own, in order, off the UI loop.
    writer: Option<std::sync::mpsc::Sender<(StoreOp, Option<tokio::sync::oneshot::Sender<()>>)>>,
    store_error: Option<String>,
    transport: Option<Transport>,
    editor: Option<String>,
    domain: String,
    tx: mpsc::UnboundedSender<Back>,
    /// Wakes the Outbox's sender (to count a new message in, or to try now).
    kick: Arc<tokio::sync::Notify>,
    /// Set with a kick: try every waiting message now.
    urgent: Arc<std::sync::atomic::AtomicBool>,
}

impl Mailer {
    pub fn new(
        store: std::io::Result<Store>,
        transport: Option<Transport>,
        editor: Option<String>,
        email: &str,
        tx: mpsc::UnboundedSender<Back>,
    ) -> Mailer {
        let (store, store_error) = match store {
            Ok(s) => (Some(s), None),
            Err(e) => (None, Some(format!("the drafts folder cannot be used: {e}"))),
        };
        let writer = store.clone().map(|st| spawn_writer(st, tx.clone()));
        Mailer {
            store,
            writer,
            store_error,
            transport,
            editor,
            domain: tern_core::compose::build::domain_of(email),
            tx,
            kick: Arc::new(tokio::sync::Notify::new()),
            urgent: Arc::new(std::sync::atomic::AtomicBool::new(false)),
        }
    }

    /// Why drafts cannot be kept, if they cannot.
    pub fn problem(&self) -> Option<&str> {
        self.store_error.as_deref()
    }

    /// Lists the drafts kept here (at start), off the loop.
    pub fn recover(&self) {
        let Some(store) = self.store.clone() else {
            return;
        };
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            let (list, bad) = store.list();
            if !bad.is_empty() {
                let _ = tx.send(Back::Note(format!(
                    "{} damaged draft file(s) set aside as .bad in {}",
                    bad.len(),
                    store.dir().display()
                )));
            }
            if !list.is_empty() {
                let _ = tx.send(Back::Recovered(list));
            }
        });
    }

    /// Saves a draft on the writer thread (in order with the other writes).
    pub fn save(&self, stored: &Stored, regenerate: bool) {
        self.write(StoreOp::Save(Box::new(stored.clone()), regenerate), None);
    }

    /// Saves a draft and waits until it is on disk: before the editor starts, so that
    /// nothing typed is ever only in memory if tern is killed meanwhile.
    pub async fn save_now(&self, stored: &Stored, regenerate: bool) {
        let (done, wait) = tokio::sync::oneshot::channel();
        self.write(
            StoreOp::Save(Box::new(stored.clone()), regenerate),
            Some(done),
        );
        let _ = wait.await;
    }

    pub fn discard(&self, id: &str) {
        self.write(StoreOp::Remove(id.to_string()), None);
    }

    /// Keeps the Sent copy (and marks the draft sent) until the server has it.
    pub fn keep_sent_copy(&self, id: &str, copy: &[u8]) {
        self.write(StoreOp::KeepSent(id.to_string(), copy.to_vec()), None);
    }

    fn write(&self, op: StoreOp, done: Option<tokio::sync::oneshot::Sender<()>>) {
        match &self.writer {
            Some(w) => {
                let _ = w.send((op, done));
            }
            None => {
                if let Some(done) = done {
                    let _ = done.send(());
                }
            }
        }
    }

    /// Reads a kept Sent copy back to store it again.
    pub fn retry_sent_copy(&self, id: String) {
        if let Some(copy) = self.store.as_ref().and_then(|s| s.sent_copy(&id)) {
            let _ = self.tx.send(Back::SentCopy(id, copy));
        }
    }

    /// The editor's file for a draft.
    pub fn text_path(&self, id: &str) -> Option<PathBuf> {
        self.store.as_ref().map(|s| s.text_path(id))
    }

    /// The editor command: the config's, else $VISUAL, else $EDITOR, else vi; split on
    /// spaces (no shell), the file added last.
    pub fn editor_command(&self) -> Vec<String> {
        let cmd = self
            .editor
            .clone()
            .or_else(|| {
                std::env::var("VISUAL")
                    .ok()
                    .filter(|s| !s.trim().is_empty())
            })
            .or_else(|| {
                std::env::var("EDITOR")
                    .ok()
                    .filter(|s| !s.trim().is_empty())
            })
            .unwrap_or_else(|| "vi".into());
        cmd.split_whitespace().map(String::from).collect()
    }

    /// Runs the editor on `path` with the terminal handed over; returns how it ended.
    pub async fn run_editor(&self, path: &Path) -> Result<(), String> {
        let cmd = self.editor_command();
        let Some((prog, args)) = cmd.split_first() else {
            return Err("no editor configured".into());
        };
        let status = tokio::process::Command::new(prog)
            .args(args)
            .arg(path)
            .status()
            .await
            .map_err(|e| format!("could not run the editor {prog}: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("the editor {prog} ended abnormally ({status})"))
        }
    }

    /// Builds and sends in the background.
    pub fn send(&self, stored: Stored) {
        let Some(transport) = self.transport.clone() else {
            let _ = self.tx.send(Back::Mail(MailResult::Failed {
                id: stored.id,
                error: "sending is not set up: add [accounts.NAME.smtp] or sendmail-command to the config".into(),
            }));
            return;
        };
        let (tx, domain) = (self.tx.clone(), self.domain.clone());
        let (store, kick) = (self.store.clone(), self.kick.clone());
        tokio::spawn(async move {
            let id = stored.id.clone();
            let subject = stored.draft.subject.clone();
            let built = tokio::task::spawn_blocking(move || {
                tern_core::compose::build(&stored.draft, &domain)
            })
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r);
            let result = match built {
                Err(error) => MailResult::Failed { id, error },
                Ok(built) => match tern_core::compose::send::send(&transport, &built).await {
                    Ok(()) => MailResult::Sent {
                        id,
                        copy: built.copy,
                    },
                    // The server could not be reached: the message waits in the Outbox.
                    Err(e) if e.transient && store.is_some() => {
                        let now = chrono::Utc::now().timestamp();
                        let queued = store
                            .as_ref()
                            .map(|st| st.enqueue(&id, &subject, &built, &e.words, now));
                        match queued {
                            Some(Ok(q)) => {
                                // The Outbox's task counts it in (not a try now).
                                kick.notify_one();
                                MailResult::Queued(Box::new(q))
                            }
                            _ => MailResult::Failed { id, error: e.words },
                        }
                    }
                    Err(e) => MailResult::Failed { id, error: e.words },
                },
            };
            let _ = tx.send(Back::Mail(result));
        });
    }

    /// Sends what waits in the Outbox, each message when its time comes (with backoff),
    /// and at once when kicked; tells the loop of each outcome. Runs for the session.
    pub fn start_outbox(&self) {
        let (Some(store), Some(transport)) = (self.store.clone(), self.transport.clone()) else {
            return;
        };
        let (tx, kick, urgent) = (self.tx.clone(), self.kick.clone(), self.urgent.clone());
        tokio::spawn(async move {
            let mut asked = std::collections::HashSet::new();
            loop {
                // Back online: every waiting message is tried now, whatever its time.
                let now_all = urgent.swap(false, std::sync::atomic::Ordering::Relaxed);
                let st = store.clone();
                let queue = tokio::task::spawn_blocking(move || st.outbox())
                    .await
                    .unwrap_or_default();
                let _ = tx.send(Back::Mail(MailResult::Outbox(queue.clone())));
                // A try cut short by a crash: the server may have the message. Sent is
                // asked first (the state side does); it waits for the answer.
                for q in queue.iter().filter(|q| q.state == OutState::Sending) {
                    if asked.insert(q.id.clone()) {
                        let _ = tx.send(Back::Mail(MailResult::Unsure(Box::new(q.clone()))));
                    }
                }
                let now = chrono::Utc::now().timestamp();
                for q in queue
                    .iter()
                    .filter(|q| q.state == OutState::Waiting && (now_all || q.next_try <= now))
                {
                    let result = send_queued(&store, &transport, q.clone()).await;
                    let _ = tx.send(Back::Mail(result));
                }
                let st = store.clone();
                let next = tokio::task::spawn_blocking(move || st.outbox())
                    .await
                    .unwrap_or_default()
                    .iter()
                    .filter(|q| q.state == OutState::Waiting)
                    .map(|q| q.next_try)
                    .min();
                let wait = match next {
                    Some(t) => (t - chrono::Utc::now().timestamp()).clamp(1, 600) as u64,
                    None => 3600,
                };
                tokio::select! {
                    _ = tokio::time::sleep(std::time::Duration::from_secs(wait)) => {}
                    _ = kick.notified() => {}
                }
            }
        });
    }

    /// Takes a message out of the Outbox and offers its draft back for editing.
    pub fn reopen_queued(&self, id: String) {
        let Some(store) = self.store.clone() else {
            return;
        };
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            store.dequeue(&id);
            if let Some(s) = store.load(&id) {
                let _ = tx.send(Back::Mail(MailResult::Reopened(Box::new(s))));
            }
        });
    }

    /// Sent said whether a message whose try was cut short went out: found, it leaves
    /// the Outbox unsent; not found, it is tried again now.
    pub fn resolve_unsure(&self, id: String, sent: bool) {
        let Some(store) = self.store.clone() else {
            return;
        };
        let (tx, kick) = (self.tx.clone(), self.kick.clone());
        tokio::task::spawn_blocking(move || {
            let Some(mut q) = store.outbox().into_iter().find(|q| q.id == id) else {
                return;
            };
            if sent {
                store.dequeue(&id);
                let _ = tx.send(Back::Mail(MailResult::AlreadySent {
                    id,
                    subject: q.subject,
                }));
            } else {
                q.state = OutState::Waiting;
                q.next_try = 0;
                match store.update_queued(&q) {
                    Ok(()) => kick.notify_one(),
                    Err(e) => {
                        let _ = tx.send(Back::Note(format!(
                            "the Outbox message {:?} could not be marked: {e}",
                            q.subject
                        )));
                    }
                }
            }
        });
    }

    /// Tries the Outbox now (the account is back online, or the user asked).
    pub fn kick_outbox(&self) {
        self.urgent
            .store(true, std::sync::atomic::Ordering::Relaxed);
        self.kick.notify_one();
    }

    /// Builds the message for the Drafts folder in the background.
    pub fn build_for_drafts(&self, stored: Stored) {
        let (tx, domain) = (self.tx.clone(), self.domain.clone());
        tokio::task::spawn_blocking(move || {
            let id = stored.id.clone();
            // A draft may lack recipients: build with a placeholder only for the check.
            let result = match tern_core::compose::build::build_draft(&stored.draft, &domain) {
                Ok(copy) => MailResult::Built { id, copy },
                Err(error) => MailResult::Failed { id, error },
            };
            let _ = tx.send(Back::Mail(result));
        });
    }

    /// Writes a forwarded message's attachments (or the whole message) beside the draft.
    pub fn attach_original(&self, id: String, raw: Arc<Vec<u8>>, whole: bool) {
        let Some(store) = self.store.clone() else {
            return;
        };
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            if whole {
                match store.write_file(&id, "forwarded.eml", &raw) {
                    Ok(path) => {
                        let _ = tx.send(Back::Attached(id, Vec::new(), Some(path)));
                    }
                    Err(e) => {
                        let _ = tx.send(Back::Note(format!(
                            "the message could not be attached: {e}"
                        )));
                    }
                }
                return;
            }
            let dir = match store.files_dir(&id) {
                Ok(d) => d,
                Err(e) => {
                    let _ = tx.send(Back::Note(format!(
                        "the attachments could not be kept: {e}"
                    )));
                    return;
                }
            };
            let mut files = Vec::new();
            for i in 0.. {
                let Some(a) = tern_core::mail::attachment_data(&raw, i) else {
                    break;
                };
                match tern_core::files::save_new(&dir, &a.name, &a.bytes) {
                    Ok(p) => files.push(p),
                    Err(e) => {
                        let _ =
                            tx.send(Back::Note(format!("an attachment could not be kept: {e}")));
                    }
                }
            }
            let _ = tx.send(Back::Attached(id, files, None));
        });
    }

    /// Completes a path typed at the attach prompt (longest common prefix of matches).
    pub fn complete_path(&self, typed: String) {
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            let expanded = tern_core::files::expand_home(&typed)
                .to_string_lossy()
                .into_owned();
            let (dir, stem) = match expanded.rsplit_once('/') {
                Some((d, s)) => (
                    if d.is_empty() {
                        "/".to_string()
                    } else {
                        d.to_string()
                    },
                    s.to_string(),
                ),
                None => (".".to_string(), expanded.clone()),
            };
            let Ok(rd) = std::fs::read_dir(&dir) else {
                return;
            };
            let mut names: Vec<(String, bool)> = rd
                .filter_map(|e| e.ok())
                .take(5000)
                .filter_map(|e| {
                    let n = e.file_name().to_string_lossy().into_owned();
                    let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
                    n.starts_with(&stem).then_some((n, is_dir))
                })
                .collect();
            names.sort();
            let Some(first) = names.first().cloned() else {
                return;
            };
            let mut common = first.0.clone();
            for (n, _) in &names {
                while !n.starts_with(&common) {
                    common.pop();
                }
            }
            let slash = if names.len() == 1 && first.1 { "/" } else { "" };
            let prefix = if expanded.contains('/') {
                format!("{dir}/")
            } else {
                String::new()
            };
            let prefix = prefix.replace("//", "/");
            let _ = tx.send(Back::Completed(typed, format!("{prefix}{common}{slash}")));
        });
    }
}

/// A write to the local drafts folder.
enum StoreOp {
    Save(Box<Stored>, bool),
    Remove(String),
    KeepSent(String, Vec<u8>),
}

/// The thread that writes draft files, one operation after the other.
fn spawn_writer(
    store: Store,
    tx: mpsc::UnboundedSender<Back>,
) -> std::sync::mpsc::Sender<(StoreOp, Option<tokio::sync::oneshot::Sender<()>>)> {
    let (w, ops) =
        std::sync::mpsc::channel::<(StoreOp, Option<tokio::sync::oneshot::Sender<()>>)>();
    std::thread::spawn(move || {
        for (op, done) in ops {
            let failed = match op {
                StoreOp::Save(stored, regenerate) => store
                    .save(&stored, !regenerate)
                    .err()
                    .map(|e| format!("the draft could not be saved on this machine: {e}")),
                StoreOp::Remove(id) => {
                    store.remove(&id);
                    None
                }
                StoreOp::KeepSent(id, copy) => store
                    .save_sent_copy(&id, &copy)
                    .and_then(|_| {
                        let (list, _) = store.list();
                        match list.into_iter().find(|s| s.id == id) {
                            Some(mut s) => {
                                s.sent = true;
                                store.save(&s, true)
                            }
                            None => Ok(()),
                        }
                    })
                    .err()
                    .map(|e| format!("the Sent copy could not be kept on this machine: {e}")),
            };
            if let Some(note) = failed {
                let _ = tx.send(Back::Note(note));
            }
            if let Some(done) = done {
                let _ = done.send(());
            }
        }
    });
    w
}

/// One try of an Outbox message: marked as under way first (a crash then is known),
/// then sent as built when queued. Sent: the Sent copy is kept with the draft (as after
/// any send) before the message leaves the Outbox.
async fn send_queued(store: &Store, transport: &Transport, mut q: Queued) -> MailResult {
    q.state = OutState::Sending;
    let st = store.clone();
    let (mark, bytes) = {
        let q = q.clone();
        tokio::task::spawn_blocking(move || (st.update_queued(&q), st.queued_bytes(&q.id)))
            .await
            .unwrap_or_else(|e| {
                (
                    Err(std::io::Error::other(e)),
                    Err(std::io::Error::other("stopped")),
                )
            })
    };
    let (wire, copy) = match (mark, bytes) {
        (Ok(()), Ok(b)) => b,
        (Err(e), _) | (_, Err(e)) => {
            return MailResult::OutboxNote(format!(
                "the Outbox message {:?} could not be read or marked: {e}",
                q.subject
            ))
        }
    };
    let built = tern_core::compose::Built {
        wire,
        copy: copy.clone(),
        from: q.from.clone(),
        recipients: q.recipients.clone(),
        message_id: q.message_id.clone(),
    };
    let outcome = tern_core::compose::send::send(transport, &built).await;
    let st = store.clone();
    tokio::task::spawn_blocking(move || match outcome {
        Ok(()) => {
            let draft = st.load(&q.id);
            if let Err(e) = st.save_sent_copy(&q.id, &copy) {
                tracing::warn!(error = %e, "keeping the Sent copy of an Outbox message");
            }
            if let Some(mut d) = draft.clone() {
                d.sent = true;
                let _ = st.save(&d, true);
            }
            st.dequeue(&q.id);
            MailResult::SentLater {
                id: q.id,
                subject: q.subject,
                copy,
                draft: draft.map(|d| Box::new(d.draft)),
            }
        }
        Err(e) => {
            let now = chrono::Utc::now().timestamp();
            q.reason = e.words;
            if e.transient {
                q.state = OutState::Waiting;
                q.next_try = now + backoff_secs(q.tries);
                q.tries += 1;
            } else {
                q.state = OutState::Refused;
            }
            let _ = st.update_queued(&q);
            MailResult::Queued(Box::new(q))
        }
    })
    .await
    .unwrap_or_else(|e| MailResult::OutboxNote(format!("the Outbox stopped: {e}")))
}
