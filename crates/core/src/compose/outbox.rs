//! The Outbox: a message `y` could not send because the server could not be reached
//! (offline, a timeout, a 4xx) waits here, beside its draft, and is sent again with
//! backoff. Its bytes are built once (one Message-ID, whatever the tries), so the server
//! never gets two different messages; its state is written before each try, so that a
//! crash mid-send is known at the next start. Files, 0600: `ID.queue` (the state),
//! `ID.out` (what goes to the SMTP server), `ID.outcopy` (the copy for Sent); the draft's
//! own `ID.json` stays, so Enter can reopen it for editing. `ID.queue` is written last:
//! a message is in the Outbox whole or not at all.

use super::store::Store;
use super::Built;
use serde::{Deserialize, Serialize};

/// Where an Outbox message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OutState {
    /// Waits for its next try.
    Waiting,
    /// A try was under way (if tern died then, the server may have it).
    Sending,
    /// The server refused it for good (5xx): no more tries; the user edits or drops it.
    Refused,
}

/// One message of the Outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Queued {
    pub id: String,
    pub message_id: String,
    pub from: String,
    pub recipients: Vec<String>,
    pub subject: String,
    pub state: OutState,
    pub tries: u32,
    /// Unix seconds.
    pub next_try: i64,
    /// Why the last try failed, in plain words.
    pub reason: String,
}

/// The wait before try `tries + 1`: 5 s, doubling, at most 10 minutes.
pub fn backoff_secs(tries: u32) -> i64 {
    (5i64 << tries.min(7)).min(600)
}

impl Store {
    /// Puts a built message in the Outbox; `reason` says why it waits.
    pub fn enqueue(
        &self,
        id: &str,
        subject: &str,
        built: &Built,
        reason: &str,
        now: i64,
    ) -> std::io::Result<Queued> {
        let q = Queued {
            id: id.to_string(),
            message_id: built.message_id.clone(),
            from: built.from.clone(),
            recipients: built.recipients.clone(),
            subject: subject.to_string(),
            state: OutState::Waiting,
            tries: 1,
            next_try: now + backoff_secs(0),
            reason: reason.to_string(),
        };
        crate::atomic_file::write_atomic(&self.file(id, "out"), &built.wire, 0o600)?;
        crate::atomic_file::write_atomic(&self.file(id, "outcopy"), &built.copy, 0o600)?;
        self.update_queued(&q)?;
        Ok(q)
    }

    /// Writes a message's Outbox state.
    pub fn update_queued(&self, q: &Queued) -> std::io::Result<()> {
        let json = serde_json::to_vec_pretty(q).map_err(std::io::Error::other)?;
        crate::atomic_file::write_atomic(&self.file(&q.id, "queue"), &json, 0o600)
    }

    /// The Outbox, oldest first. A damaged state file is set aside as `.bad` (the draft
    /// itself stays among the drafts).
    pub fn outbox(&self) -> Vec<Queued> {
        let mut ids: Vec<String> = std::fs::read_dir(self.dir())
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .filter_map(|e| {
                        let name = e.file_name().to_string_lossy().into_owned();
                        name.strip_suffix(".queue").map(String::from)
                    })
                    .collect()
            })
            .unwrap_or_default();
        ids.sort();
        let mut out = Vec::new();
        for id in ids {
            let path = self.file(&id, "queue");
            match std::fs::read(&path)
                .ok()
                .and_then(|b| serde_json::from_slice::<Queued>(&b).ok())
                .filter(|q| self.file(&q.id, "out").exists())
            {
                Some(q) => out.push(q),
                None => {
                    let _ = std::fs::rename(&path, path.with_extension("queue.bad"));
                }
            }
        }
        out
    }

    /// Whether this draft waits in the Outbox.
    pub fn is_queued(&self, id: &str) -> bool {
        self.file(id, "queue").exists()
    }

    /// What goes to the SMTP server, and the copy for Sent, as built when queued.
    pub fn queued_bytes(&self, id: &str) -> std::io::Result<(Vec<u8>, Vec<u8>)> {
        Ok((
            std::fs::read(self.file(id, "out"))?,
            std::fs::read(self.file(id, "outcopy"))?,
        ))
    }

    /// Takes a message out of the Outbox (sent, or reopened for editing); its draft stays.
    pub fn dequeue(&self, id: &str) {
        // The state first: without it the rest is never read as queued.
        let _ = std::fs::remove_file(self.file(id, "queue"));
        let _ = std::fs::remove_file(self.file(id, "out"));
        let _ = std::fs::remove_file(self.file(id, "outcopy"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn built() -> Built {
        Built {
            wire: b"Message-ID: <a@b>\r\n\r\nhi\r\n".to_vec(),
            copy: b"Message-ID: <a@b>\r\n\r\nhi (copy)\r\n".to_vec(),
            from: "me@example.org".into(),
            recipients: vec!["bob@example.org".into()],
            message_id: "<a@b>".into(),
        }
    }

    #[test]
    fn a_queued_message_keeps_its_bytes_and_state_until_dequeued() {
        let base = tempfile::tempdir().unwrap();
        let store = Store::open(Some(base.path()), "acct").unwrap();
        let id = Store::new_id();
        let q = store
            .enqueue(&id, "plans", &built(), "connection refused", 1000)
            .unwrap();
        assert_eq!(q.next_try, 1005);
        assert_eq!(store.outbox(), vec![q.clone()]);
        assert!(store.is_queued(&id));
        let (wire, copy) = store.queued_bytes(&id).unwrap();
        assert_eq!((wire, copy), (built().wire, built().copy));
        let mut q2 = q.clone();
        q2.state = OutState::Sending;
        store.update_queued(&q2).unwrap();
        assert_eq!(store.outbox()[0].state, OutState::Sending);
        // Damaged state: set aside, not a crash.
        std::fs::write(store.dir().join("zz.queue"), b"{").unwrap();
        assert_eq!(store.outbox().len(), 1);
        store.dequeue(&id);
        assert!(store.outbox().is_empty() && !store.is_queued(&id));
        assert_eq!(backoff_secs(0), 5);
        assert_eq!(backoff_secs(20), 600);
    }
}
