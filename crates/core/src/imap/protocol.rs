//! The typed messages between the UI and an account's worker. Plain data only.

use crate::imap::sync::{SyncProgress, SyncReport};
use crate::mail::{FolderInfo, Uid};

/// Identifies a request so its answer can be matched.
pub type RequestId = u64;

/// One condition of a server search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchTerm {
    From(String),
    To(String),
    Subject(String),
    Body(String),
    Text(String),
    /// In the subject or the sender (what a bare word of `/` matches in the cache).
    SubjectOrFrom(String),
    /// Internal date on or after this day (YYYY-MM-DD).
    Since(chrono::NaiveDate),
    /// Internal date before this day.
    Before(chrono::NaiveDate),
    Unseen,
    Flagged,
    /// The message with this Message-ID header (angle brackets included).
    MessageId(String),
    /// Only among these messages (what the local index has not read yet); ignored when
    /// their set would make too long a command line.
    Uids(Vec<Uid>),
    /// Not among these messages (those the local index has read); ignored when their
    /// set would make too long a command line.
    NotUids(Vec<Uid>),
}

impl SearchTerm {
    /// Whether flags pass every `is:` term among `terms` (other terms are not about
    /// flags, and pass): the local searches check flags on the rows and the cache.
    pub fn flags_match(terms: &[SearchTerm], flags: &crate::mail::Flags) -> bool {
        use crate::mail::Flag;
        terms.iter().all(|t| match t {
            SearchTerm::Unseen => !flags.has(Flag::Seen),
            SearchTerm::Flagged => flags.has(Flag::Flagged),
            _ => true,
        })
    }
}

/// Messages of one folder, by UID, as the UI knew them: the worker refuses the request if
/// the folder's UIDVALIDITY has changed since (the UIDs would name other messages).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Messages {
    pub folder: String,
    pub uidvalidity: u32,
    pub uids: Vec<Uid>,
}

/// What the UI asks a worker to do. Every message is addressed by folder and UID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkerCommand {
    /// The password typed again after a refused login (it came from the prompt): log
    /// in with it now.
    Password {
        secret: crate::secrets::Secret,
    },
    /// Select a folder, sync it and watch it with IDLE.
    OpenFolder {
        folder: String,
    },
    /// Drop the last kept change equal to `op` before it is sent (an undo made
    /// offline). Failed when it was sent meanwhile.
    Unqueue {
        id: RequestId,
        op: QueuedOp,
    },
    /// Sync these folders now (empty: the open one).
    Sync {
        id: RequestId,
        folders: Vec<String>,
    },
    /// Add or remove flags (IMAP names such as `\Seen`).
    SetFlags {
        id: RequestId,
        messages: Messages,
        flags: Vec<String>,
        add: bool,
    },
    Copy {
        id: RequestId,
        messages: Messages,
        dest: String,
    },
    Move {
        id: RequestId,
        messages: Messages,
        dest: String,
    },
    Append {
        id: RequestId,
        folder: String,
        flags: Vec<String>,
        raw: Vec<u8>,
    },
    /// Removes these messages for good (`\Deleted` plus UID EXPUNGE of exactly them):
    /// a draft replaced by a newer one or by the sent message.
    Expunge {
        id: RequestId,
        messages: Messages,
    },
    Search {
        id: RequestId,
        folder: String,
        terms: Vec<SearchTerm>,
    },
    CreateFolder {
        id: RequestId,
        name: String,
    },
    RenameFolder {
        id: RequestId,
        from: String,
        to: String,
    },
    DeleteFolder {
        id: RequestId,
        name: String,
    },
    /// Sets `\Answered` on the message with this Message-ID, looked for in these
    /// folders in turn: a reply resumed from Drafts knows only what it answers.
    MarkAnswered {
        id: RequestId,
        message_id: String,
        folders: Vec<String>,
    },
    /// The raw message, fetched with BODY.PEEK (opening never sets `\Seen`).
    FetchBody {
        id: RequestId,
        folder: String,
        uidvalidity: u32,
        uid: Uid,
    },
    Shutdown,
}

/// The destination UIDs of a copy or move (for undo).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CopyResult {
    pub dest_uidvalidity: u32,
    pub source: Vec<Uid>,
    pub dest: Vec<Uid>,
}

/// What a worker reports back.
#[derive(Debug, Clone)]
pub enum WorkerEvent {
    Connecting,
    Online,
    /// The server refused the login (its words); tern tries again only when asked
    /// (a Sync or OpenFolder command).
    LoginRefused(String),
    /// The link is down; the next try is in `retry_in_secs`.
    Offline {
        reason: String,
        retry_in_secs: u64,
    },
    Folders(Vec<FolderInfo>),
    SyncProgress(SyncProgress),
    /// A folder's cache changed (sync, IDLE news): re-read it.
    FolderSynced(SyncReport),
    /// A request finished well.
    Done {
        id: RequestId,
        result: DoneResult,
    },
    /// A request failed; `error` quotes the server where it can.
    Failed {
        id: RequestId,
        error: String,
    },
    /// Something the user should read that belongs to no request.
    Notice(String),
    /// New mail in a watched folder that is not open (the open one's comes with its
    /// re-read list).
    NewMail {
        folder: String,
        from: String,
        subject: String,
    },
    /// A message body is being fetched: bytes so far of about `total`.
    FetchProgress {
        folder: String,
        uid: Uid,
        done: u64,
        total: u64,
    },
    /// Offline: request `id` (0: none, at start) was kept on disk, to be sent on
    /// reconnect; `waiting` changes are kept in all.
    Queued {
        id: RequestId,
        waiting: usize,
        /// The change kept (None at start), so that it can be taken back.
        op: Option<QueuedOp>,
    },
    /// The changes kept for the server, in order, whenever that list changes (at start
    /// too): the screen shows the cache with these applied on top.
    Pending(Vec<QueuedOp>),
    /// Back online, the kept changes were sent: how many went through, and what the
    /// server refused (in plain words; those are dropped, not retried).
    Replayed {
        done: usize,
        failed: Vec<String>,
        waiting: usize,
    },
}

/// The payload of a finished request.
#[derive(Debug, Clone)]
pub enum DoneResult {
    Ok,
    Copied(CopyResult),
    Appended {
        uidvalidity: u32,
        uid: Option<Uid>,
    },
    SearchHits(Vec<Uid>),
    Body {
        folder: String,
        uid: Uid,
        raw: Vec<u8>,
    },
}

/// One kept change.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum QueuedOp {
    SetFlags {
        messages: Messages,
        flags: Vec<String>,
        add: bool,
    },
    Move {
        messages: Messages,
        dest: String,
    },
    Copy {
        messages: Messages,
        dest: String,
    },
    /// Kept by older versions: a delete the worker turned into a move to Trash (or,
    /// inside Trash, a removal for good). Read from old queue files only.
    Delete {
        messages: Messages,
    },
    /// Removal for good (inside Trash).
    Expunge {
        messages: Messages,
    },
    MarkAnswered {
        message_id: String,
        folders: Vec<String>,
    },
}

impl QueuedOp {
    /// The change a command makes, when it is one that can wait.
    pub fn from_command(c: &WorkerCommand) -> Option<QueuedOp> {
        Some(match c {
            WorkerCommand::SetFlags {
                messages,
                flags,
                add,
                ..
            } => QueuedOp::SetFlags {
                messages: messages.clone(),
                flags: flags.clone(),
                add: *add,
            },
            WorkerCommand::Move { messages, dest, .. } => QueuedOp::Move {
                messages: messages.clone(),
                dest: dest.clone(),
            },
            WorkerCommand::Copy { messages, dest, .. } => QueuedOp::Copy {
                messages: messages.clone(),
                dest: dest.clone(),
            },
            WorkerCommand::Expunge { messages, .. } => QueuedOp::Expunge {
                messages: messages.clone(),
            },
            WorkerCommand::MarkAnswered {
                message_id,
                folders,
                ..
            } => QueuedOp::MarkAnswered {
                message_id: message_id.clone(),
                folders: folders.clone(),
            },
            _ => return None,
        })
    }

    /// The command that makes the change (`trash`: where an old-style delete goes).
    pub fn to_command(&self, trash: &str) -> WorkerCommand {
        match self.clone() {
            QueuedOp::SetFlags {
                messages,
                flags,
                add,
            } => WorkerCommand::SetFlags {
                id: 0,
                messages,
                flags,
                add,
            },
            QueuedOp::Move { messages, dest } => WorkerCommand::Move {
                id: 0,
                messages,
                dest,
            },
            QueuedOp::Copy { messages, dest } => WorkerCommand::Copy {
                id: 0,
                messages,
                dest,
            },
            QueuedOp::Delete { messages } if messages.folder == trash => {
                WorkerCommand::Expunge { id: 0, messages }
            }
            QueuedOp::Delete { messages } => WorkerCommand::Move {
                id: 0,
                messages,
                dest: trash.to_string(),
            },
            QueuedOp::Expunge { messages } => WorkerCommand::Expunge { id: 0, messages },
            QueuedOp::MarkAnswered {
                message_id,
                folders,
            } => WorkerCommand::MarkAnswered {
                id: 0,
                message_id,
                folders,
            },
        }
    }

    /// A few words for a report.
    pub fn describe(&self) -> String {
        let n = |m: &Messages| match m.uids.len() {
            1 => "1 message".to_string(),
            k => format!("{k} messages"),
        };
        match self {
            QueuedOp::SetFlags {
                messages,
                flags,
                add,
            } => format!(
                "{} {} on {} in {}",
                if *add { "setting" } else { "clearing" },
                flags.join(" "),
                n(messages),
                messages.folder
            ),
            QueuedOp::Move { messages, dest } => {
                format!("moving {} from {} to {dest}", n(messages), messages.folder)
            }
            QueuedOp::Copy { messages, dest } => {
                format!("copying {} from {} to {dest}", n(messages), messages.folder)
            }
            QueuedOp::Delete { messages } | QueuedOp::Expunge { messages } => {
                format!("deleting {} in {}", n(messages), messages.folder)
            }
            QueuedOp::MarkAnswered { message_id, .. } => {
                format!("marking {message_id} answered")
            }
        }
    }
}
