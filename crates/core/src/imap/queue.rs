//! Changes made while offline (flags, moves, deletes, copies): kept in a file beside the
//! cache, in order, and sent when the server is back. A change the server refuses (the
//! message is gone, the folder renamed, the folder replaced: UIDVALIDITY is checked) is
//! reported and dropped, never retried forever and never applied to another message.

#[cfg(test)]
use super::protocol::Messages;
pub use super::protocol::QueuedOp;
use std::path::{Path, PathBuf};

/// The kept changes of one account, mirrored in a file.
#[derive(Debug)]
pub struct OfflineQueue {
    path: PathBuf,
    pub ops: Vec<QueuedOp>,
}

impl OfflineQueue {
    /// Reads the file beside the cache. A damaged file is set aside (`.bad`) and said.
    pub fn open(cache_path: &Path) -> (OfflineQueue, Option<String>) {
        let path = cache_path.with_extension("queue");
        let (ops, note) = match std::fs::read(&path) {
            Err(_) => (Vec::new(), None),
            Ok(bytes) => match serde_json::from_slice::<Vec<QueuedOp>>(&bytes) {
                Ok(ops) => (ops, None),
                Err(e) => {
                    let _ = std::fs::rename(&path, path.with_extension("queue.bad"));
                    (
                        Vec::new(),
                        Some(format!(
                            "the file of changes made offline was damaged ({e}); set aside as {}",
                            path.with_extension("queue.bad").display()
                        )),
                    )
                }
            },
        };
        (OfflineQueue { path, ops }, note)
    }

    /// Writes the queue whole (temp file, fsync, rename; 0600), or removes the file.
    pub fn save(&self) -> std::io::Result<()> {
        if self.ops.is_empty() {
            return match std::fs::remove_file(&self.path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            };
        }
        let bytes = serde_json::to_vec(&self.ops).map_err(std::io::Error::other)?;
        crate::atomic_file::write_atomic(&self.path, &bytes, 0o600)
    }

    /// Keeps a change for later.
    pub fn push(&mut self, op: QueuedOp) -> std::io::Result<()> {
        self.ops.push(op);
        self.save()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_in_order_across_restarts_and_a_damaged_file_is_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("acct.redb");
        let m = Messages {
            folder: "INBOX".into(),
            uidvalidity: 7,
            uids: vec![3, 4],
        };
        let (mut q, note) = OfflineQueue::open(&cache);
        assert!(note.is_none() && q.ops.is_empty());
        q.push(QueuedOp::Delete {
            messages: m.clone(),
        })
        .unwrap();
        q.push(QueuedOp::Move {
            messages: m.clone(),
            dest: "Archive".into(),
        })
        .unwrap();
        let (again, _) = OfflineQueue::open(&cache);
        assert_eq!(again.ops, q.ops);
        assert_eq!(
            again.ops[1].describe(),
            "moving 2 messages from INBOX to Archive"
        );
        std::fs::write(cache.with_extension("queue"), b"{broken").unwrap();
        let (q, note) = OfflineQueue::open(&cache);
        assert!(q.ops.is_empty());
        assert!(note.unwrap().contains("damaged"));
    }
}
