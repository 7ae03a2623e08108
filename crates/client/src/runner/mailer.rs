//! The loop's side of writing mail: the local draft store, the editor run with the
//! terminal handed over, and building and sending in the background.

use crate::app::compose::MailResult;
use crate::app::update::Back;
use std::path::{Path, PathBuf};
use std::sync::Arc;
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
        tokio::spawn(async move {
            let id = stored.id.clone();
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
                    Err(error) => MailResult::Failed { id, error },
                },
            };
            let _ = tx.send(Back::Mail(result));
        });
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
