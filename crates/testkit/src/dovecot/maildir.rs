//! Delivering mail the fast way: files written straight into a user's Maildir (no
//! IMAP), with flags, INTERNALDATE and subscriptions, owned by the server's user.

use super::{DevError, Dovecot};
use chrono::{DateTime, Utc};
use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Makes every delivered file's name unique within this process.
static DELIVERY_COUNTER: AtomicU64 = AtomicU64::new(0);

impl Dovecot {
    /// The Maildir root (INBOX) of `user`.
    pub fn maildir(&self, user: &str) -> PathBuf {
        self.root().join("mail").join(user)
    }

    /// Fast bulk delivery straight into the Maildir (no IMAP), for thousands of messages.
    ///
    /// `folder` is "INBOX" or e.g. "Archive" / "Lists/rust" (Maildir++ `.Archive`, `.Lists.rust`),
    /// created and subscribed if missing; `flags` are IMAP system flags like `\\Seen`;
    /// `internal_date` becomes the file mtime, which is Dovecot's INTERNALDATE for maildir.
    pub fn deliver(
        &self,
        user: &str,
        folder: &str,
        raw: &[u8],
        flags: &[&str],
        internal_date: DateTime<Utc>,
    ) -> Result<(), DevError> {
        if !self.users.iter().any(|(u, _)| u == user) {
            return Err(DevError::InvalidArgument(format!("unknown user {user:?}")));
        }
        let mut letters: Vec<char> = Vec::new();
        for f in flags {
            let c = match f.to_ascii_lowercase().as_str() {
                "\\seen" => 'S',
                "\\answered" => 'R',
                "\\flagged" => 'F',
                "\\deleted" => 'T',
                "\\draft" => 'D',
                _ => return Err(DevError::InvalidArgument(format!("unsupported flag {f:?}"))),
            };
            if !letters.contains(&c) {
                letters.push(c);
            }
        }
        letters.sort_unstable();
        let base = self.maildir(user);
        self.ensure_dir(&base)?;
        let dir = if folder.eq_ignore_ascii_case("INBOX") {
            base.clone()
        } else {
            let ok = folder.split('/').all(|p| {
                !p.is_empty()
                    && p.chars().all(|c| c.is_ascii_graphic() || c == ' ')
                    && !p.contains(['.', '&', '~'])
            });
            if !ok {
                return Err(DevError::InvalidArgument(format!(
                    "unsupported folder name {folder:?}"
                )));
            }
            let dir = base.join(format!(".{}", folder.replace('/', ".")));
            if !dir.join("cur").exists() {
                self.ensure_dir(&dir)?;
                self.ensure_file(&dir.join("maildirfolder"), b"")?;
                self.subscribe(&base, folder)?;
            }
            dir
        };
        for sub in ["cur", "new", "tmp"] {
            self.ensure_dir(&dir.join(sub))?;
        }
        let n = DELIVERY_COUNTER.fetch_add(1, Ordering::Relaxed);
        // Dovecot assigns UIDs to new files ordered by this leading timestamp.
        let name = format!(
            "{}.M{}P{}Q{}.tern,S={}",
            internal_date.timestamp(),
            internal_date.timestamp_subsec_micros(),
            std::process::id(),
            n,
            raw.len()
        );
        let tmp = dir.join("tmp").join(&name);
        fs::write(&tmp, raw)?;
        if let Some((uid, gid)) = self.chown_to {
            std::os::unix::fs::chown(&tmp, Some(uid), Some(gid))?;
        }
        let mtime = filetime::FileTime::from_unix_time(
            internal_date.timestamp(),
            internal_date.timestamp_subsec_nanos(),
        );
        filetime::set_file_times(&tmp, mtime, mtime)?;
        let letters: String = letters.into_iter().collect();
        fs::rename(&tmp, dir.join("cur").join(format!("{name}:2,{letters}")))?;
        Ok(())
    }

    fn ensure_dir(&self, path: &Path) -> Result<(), DevError> {
        if path.is_dir() {
            return Ok(());
        }
        if let Some(parent) = path.parent() {
            self.ensure_dir(parent)?;
        }
        match fs::create_dir(path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Ok(()),
            Err(e) => return Err(e.into()),
        }
        fs::set_permissions(path, fs::Permissions::from_mode(0o700))?;
        if let Some((uid, gid)) = self.chown_to {
            std::os::unix::fs::chown(path, Some(uid), Some(gid))?;
        }
        Ok(())
    }

    fn ensure_file(&self, path: &Path, contents: &[u8]) -> Result<(), DevError> {
        fs::write(path, contents)?;
        if let Some((uid, gid)) = self.chown_to {
            std::os::unix::fs::chown(path, Some(uid), Some(gid))?;
        }
        Ok(())
    }

    fn subscribe(&self, base: &Path, folder: &str) -> Result<(), DevError> {
        let path = base.join("subscriptions");
        let mut text = fs::read_to_string(&path).unwrap_or_default();
        if text.is_empty() {
            text.push_str("V\t2\n\n");
        }
        let entry = folder.replace('/', "\t");
        if !text.lines().any(|l| l == entry) {
            text.push_str(&entry);
            text.push('\n');
            self.ensure_file(&path, text.as_bytes())?;
        }
        Ok(())
    }
}
