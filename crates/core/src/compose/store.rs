//! Drafts kept on this machine until the server has them: a crash, a killed editor or
//! a dead connection loses nothing, and the next start offers them back. Each draft is
//! `ID.json` (the draft) plus `ID.txt` (the editor's file, newest words first) and, once
//! sent, `ID.sent` (the copy for the Sent folder while it waits to be stored). Files
//! are 0600 in a 0700 folder.

use super::Draft;
use serde::{Deserialize, Serialize};

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The drafts folder of one account.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

/// A draft as stored, with where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stored {
    pub id: String,
    pub draft: Draft,
    /// Sent; only the copy for the Sent folder is still to be stored.
    #[serde(default)]
    pub sent: bool,
}

impl Store {
    /// The store for `account` under the XDG data dir (or `base` when given).
    pub fn open(base: Option<&Path>, account: &str) -> std::io::Result<Store> {
        let root = match base {
            Some(b) => b.to_path_buf(),
            None => crate::config::project_dirs()
                .map(|d| d.data_dir().to_path_buf())
                .unwrap_or_else(|| std::env::temp_dir().join("tern-data")),
        };
        let safe: String = account
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let dir = root.join("drafts").join(safe);
        std::fs::create_dir_all(&dir)?;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
        Ok(Store { dir })
    }

    /// A fresh id (time, then random, so a listing is in creation order).
    pub fn new_id() -> String {
        let now = chrono::Utc::now().format("%Y%m%dT%H%M%S");
        let r: u32 = rand::random();
        format!("{now}-{r:08x}")
    }

    /// A file of this draft (for the Outbox beside it).
    pub(super) fn file(&self, id: &str, ext: &str) -> PathBuf {
        self.path(id, ext)
    }

    fn path(&self, id: &str, ext: &str) -> PathBuf {
        // Ids come from new_id or the folder listing; anything else is refused by shape.
        let clean: String = id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        self.dir.join(format!("{clean}.{ext}"))
    }

    /// The editor's file for a draft.
    pub fn text_path(&self, id: &str) -> PathBuf {
        self.path(id, "txt")
    }

    /// Writes a file whole or not at all, mode 0600.
    fn write_atomic(&self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        crate::atomic_file::write_atomic(path, bytes, 0o600)
    }

    /// Saves a draft (and, unless `keep_text`, the editor text made from it).
    pub fn save(&self, s: &Stored, keep_text: bool) -> std::io::Result<()> {
        let json = serde_json::to_vec_pretty(s).map_err(std::io::Error::other)?;
        self.write_atomic(&self.path(&s.id, "json"), &json)?;
        if !keep_text {
            self.write_atomic(&self.text_path(&s.id), s.draft.to_text().as_bytes())?;
        }
        Ok(())
    }

    /// Keeps the copy for Sent until the server has it.
    pub fn save_sent_copy(&self, id: &str, copy: &[u8]) -> std::io::Result<()> {
        self.write_atomic(&self.path(id, "sent"), copy)?;
        // Sent: the copy holds the files now; the forward's own copies can go.
        self.remove_files(id);
        Ok(())
    }

    /// The copy for Sent of a sent draft.
    pub fn sent_copy(&self, id: &str) -> Option<Vec<u8>> {
        std::fs::read(self.path(id, "sent")).ok()
    }

    /// Forgets a draft (the server has it now, or the user threw it away), with the
    /// forwarded files kept for it.
    pub fn remove(&self, id: &str) {
        for ext in ["queue", "json", "txt", "sent", "tmp", "out", "outcopy"] {
            let _ = std::fs::remove_file(self.path(id, ext));
        }
        self.remove_files(id);
    }

    /// The folder (0700) holding a forward's files copied from the original.
    pub fn files_dir(&self, id: &str) -> std::io::Result<PathBuf> {
        let dir = self.path(id, "files");
        std::fs::create_dir_all(&dir)?;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
        Ok(dir)
    }

    /// Writes a file into a forward's folder, 0600.
    pub fn write_file(&self, id: &str, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
        let path = self.files_dir(id)?.join(name);
        self.write_atomic(&path, bytes)?;
        Ok(path)
    }

    /// Removes a forward's files (the message is sent, or thrown away).
    pub fn remove_files(&self, id: &str) {
        let _ = std::fs::remove_dir_all(self.path(id, "files"));
    }

    /// Every draft kept here, oldest first. The editor's file wins over the saved draft
    /// (it holds the latest words, e.g. when tern died while the editor ran). Damaged
    /// files are set aside as `.bad` and named in the second list.
    pub fn list(&self) -> (Vec<Stored>, Vec<String>) {
        let mut ids: Vec<String> = std::fs::read_dir(&self.dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .filter_map(|e| {
                        let name = e.file_name().to_string_lossy().into_owned();
                        name.strip_suffix(".json").map(String::from)
                    })
                    .collect()
            })
            .unwrap_or_default();
        ids.sort();
        let mut out = Vec::new();
        let mut bad = Vec::new();
        for id in ids {
            // A message in the Outbox is not a draft to offer back.
            if self.path(&id, "queue").exists() {
                continue;
            }
            let json = self.path(&id, "json");
            let parsed = std::fs::read(&json)
                .ok()
                .and_then(|b| serde_json::from_slice::<Stored>(&b).ok());
            let Some(mut s) = parsed else {
                let _ = std::fs::rename(&json, json.with_extension("json.bad"));
                bad.push(id);
                continue;
            };
            if !s.sent {
                if let Ok(text) = std::fs::read_to_string(self.text_path(&id)) {
                    let mut d = s.draft.clone();
                    match d.update_from_text(&text) {
                        Ok(()) => s.draft = d,
                        // Unparseable words are still the user's: keep them as the body.
                        Err(_) if text.trim() != s.draft.to_text().trim() => {
                            s.draft.body = text;
                        }
                        Err(_) => {}
                    }
                }
            }
            out.push(s);
        }
        (out, bad)
    }

    /// One draft as saved (the Outbox's included).
    pub fn load(&self, id: &str) -> Option<Stored> {
        std::fs::read(self.path(id, "json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafts_survive_and_the_editor_file_wins() {
        let base = tempfile::tempdir().unwrap();
        let store = Store::open(Some(base.path()), "per/sonal").unwrap();
        let mode = std::fs::metadata(store.dir()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        let s = Stored {
            id: Store::new_id(),
            draft: Draft {
                from: "me@example.org".into(),
                to: "bob@example.org".into(),
                subject: "plan".into(),
                body: "first words\n".into(),
                ..Draft::default()
            },
            sent: false,
        };
        store.save(&s, false).unwrap();
        let mode = std::fs::metadata(store.text_path(&s.id))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
        // The editor saved newer words, then everything died.
        let text = s.draft.to_text().replace("first words", "newer words");
        std::fs::write(store.text_path(&s.id), text).unwrap();
        let (list, bad) = store.list();
        assert!(bad.is_empty());
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].draft.body, "newer words\n");
        // A damaged file is set aside and named, the others still listed.
        std::fs::write(store.dir().join("garbage.json"), b"{not json").unwrap();
        let (list, bad) = store.list();
        assert_eq!((list.len(), bad), (1, vec!["garbage".to_string()]));
        store.remove(&s.id);
        assert!(store.list().0.is_empty());
    }
}
