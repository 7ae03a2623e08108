//! Work the loop hands off so it never waits: saving and opening attachments, opening
//! links, the new-mail command and bell, remembering the layout, reading search hits
//! from the cache. Results come back as notes for the status bar.

use crate::app::update::Back;
use crate::app::UiOptions;
use std::path::PathBuf;
use std::sync::Arc;
use tern_core::cache::Cache;
use tern_core::mail::Uid;
use tokio::sync::mpsc;

/// Runs side work on blocking threads and reports back.
pub struct Launcher {
    cache: Arc<Cache>,
    account: String,
    new_mail_command: Option<String>,
    bell: bool,
    config_path: Option<PathBuf>,
    tx: mpsc::UnboundedSender<Back>,
    /// Attachments opened with a viewer live here until tern exits.
    open_dir: Option<tempfile::TempDir>,
}

impl Launcher {
    pub fn new(
        ui: &UiOptions,
        account: &str,
        cache: Arc<Cache>,
        tx: mpsc::UnboundedSender<Back>,
    ) -> Launcher {
        Launcher {
            cache,
            account: account.to_string(),
            new_mail_command: ui.new_mail_command.clone(),
            bell: ui.bell,
            config_path: ui.config_path.clone(),
            tx,
            open_dir: tempfile::Builder::new().prefix("tern-open-").tempdir().ok(),
        }
    }

    fn background(&self, job: impl FnOnce() -> String + Send + 'static) {
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            let note = job();
            if !note.is_empty() {
                let _ = tx.send(Back::Note(note));
            }
        });
    }

    /// Saves attachment `index` (None: all) into the download folder under safe names.
    pub fn save(&self, raw: Arc<Vec<u8>>, index: Option<usize>, to: String) {
        let to = tern_core::files::expand_home(&to);
        // A folder (existing, or written with a final /) takes the safe names; one
        // attachment may be given a file name of the user's own instead.
        let (dir, own_name) = match (index, to.file_name()) {
            (Some(_), Some(name))
                if !to.is_dir() && !to.as_os_str().to_string_lossy().ends_with('/') =>
            {
                (
                    to.parent()
                        .map(PathBuf::from)
                        .unwrap_or_else(|| PathBuf::from(".")),
                    Some(name.to_string_lossy().into_owned()),
                )
            }
            _ => (to, None),
        };
        self.background(move || {
            let mut saved = Vec::new();
            let indices: Vec<usize> = match index {
                Some(i) => vec![i],
                None => (0..)
                    .take_while(|&i| tern_core::mail::attachment_data(&raw, i).is_some())
                    .collect(),
            };
            for i in indices {
                let Some(a) = tern_core::mail::attachment_data(&raw, i) else {
                    return format!("attachment {} is not in the message", i + 1);
                };
                let name = own_name.as_deref().unwrap_or(&a.name);
                match tern_core::files::save_new(&dir, name, &a.bytes) {
                    Ok(path) => saved.push(path),
                    Err(e) => return format!("could not save into {}: {e}", dir.display()),
                }
            }
            match saved.as_slice() {
                [one] => format!(
                    "saved {}",
                    tern_core::mail::sanitize(&one.display().to_string())
                ),
                many => format!(
                    "saved {} attachments in {}",
                    many.len(),
                    tern_core::mail::sanitize(&dir.display().to_string())
                ),
            }
        });
    }

    /// Writes attachment `index` to a private folder and opens it with its viewer.
    pub fn open_attachment(&self, raw: Arc<Vec<u8>>, index: usize) {
        let Some(dir) = self.open_dir.as_ref().map(|d| d.path().to_path_buf()) else {
            let _ = self.tx.send(Back::Note(
                "no private folder to open attachments from".into(),
            ));
            return;
        };
        self.background(move || {
            let Some(a) = tern_core::mail::attachment_data(&raw, index) else {
                return format!("attachment {} is not in the message", index + 1);
            };
            let path = match tern_core::files::save_new(&dir, &a.name, &a.bytes) {
                Ok(p) => p,
                Err(e) => return format!("could not write the attachment: {e}"),
            };
            match tern_core::files::open_file(&path, &a.mime) {
                Ok(()) => format!("opened {}", tern_core::mail::sanitize(&a.name)),
                Err(e) => e,
            }
        });
    }

    /// Opens a link from a message in the browser.
    pub fn open_url(&self, number: usize, url: String) {
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            let back = match tern_core::files::open_url(&url) {
                Ok(()) => Back::Note(format!("opened {}", tern_core::mail::sanitize(&url))),
                // Shown whole instead, for the terminal to select.
                Err(why) => Back::ShowLink { number, url, why },
            };
            let _ = tx.send(back);
        });
    }

    /// New mail: the bell, and the user's command with the details in its environment
    /// (never in the command text, so mail cannot inject shell syntax).
    pub fn new_mail(&self, folder: &str, from: &str, subject: &str) {
        if self.bell {
            use std::io::Write;
            let mut out = std::io::stdout();
            let _ = out.write_all(b"\x07");
            let _ = out.flush();
        }
        let Some(cmd) = self.new_mail_command.clone() else {
            return;
        };
        let env = [
            ("TERN_ACCOUNT", tern_core::mail::sanitize(&self.account)),
            ("TERN_FOLDER", tern_core::mail::sanitize(folder)),
            ("TERN_FROM", tern_core::mail::sanitize(from)),
            ("TERN_SUBJECT", tern_core::mail::sanitize(subject)),
        ];
        self.background(move || {
            let status = std::process::Command::new("sh")
                .arg("-c")
                .arg(&cmd)
                .envs(env)
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status();
            match status {
                Ok(s) if s.success() => String::new(),
                Ok(s) => format!("new-mail-command failed ({s})"),
                Err(e) => format!("could not run new-mail-command: {e}"),
            }
        });
    }

    /// Writes the reader layout into the config file.
    pub fn save_layout(&self, split: bool) {
        let Some(path) = self.config_path.clone() else {
            return;
        };
        self.background(move || {
            let layout = if split {
                tern_core::config::ReaderLayout::Split
            } else {
                tern_core::config::ReaderLayout::Full
            };
            match tern_core::config::remember_reader_layout(&path, layout) {
                Ok(()) => String::new(),
                Err(e) => format!("could not remember the layout: {e}"),
            }
        });
    }

    /// Writes the sidebar's choice into the config file.
    pub fn save_sidebar(&self, shown: bool) {
        let Some(path) = self.config_path.clone() else {
            return;
        };
        self.background(
            move || match tern_core::config::remember_sidebar(&path, shown) {
                Ok(()) => String::new(),
                Err(e) => format!("could not remember the sidebar: {e}"),
            },
        );
    }

    /// Reads search-all hits of `folder` from the cache.
    pub fn load_hits(&self, folder: String, uids: Vec<Uid>) {
        let (cache, tx) = (self.cache.clone(), self.tx.clone());
        tokio::task::spawn_blocking(move || {
            let uidv = match cache.folder_state(&folder) {
                Ok(Some(s)) => s.uidvalidity,
                _ => {
                    let _ = tx.send(Back::Note(format!(
                        "{folder}: hits not in the cache yet (sync it)"
                    )));
                    return;
                }
            };
            let mut rows = tern_core::mail::RowBuilder::with_capacity(uids.len());
            for m in uids
                .into_iter()
                .filter_map(|u| cache.get(&folder, uidv, u).ok().flatten())
            {
                rows.push(&m);
            }
            let list = rows.finish();
            let _ = tx.send(Back::Hits(folder, list));
        });
    }
}
