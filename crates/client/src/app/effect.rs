//! What the state asks the runner to do: every piece of IO, as data.

use std::sync::Arc;
use tern_core::imap::protocol::{RequestId, SearchTerm, WorkerCommand};
use tern_core::mail::Uid;

/// What the runner must do after a change of state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Read the open folder from the cache again.
    ReloadFolder,
    /// Read account `0`'s open folder from its cache again (it is not the one shown).
    ReloadOf(usize),
    /// Read only the first screens of the open folder (during a cold sync).
    ReloadHead,
    /// Read only the open folder's messages above this UID (new mail) and add them.
    ReloadNewer(Uid),
    /// A request for the worker (already shown where it changes what the user sees).
    Send(WorkerCommand),
    /// A request for account `account`'s worker, whichever account is shown (the
    /// steps of a move between accounts).
    SendTo {
        account: usize,
        command: WorkerCommand,
    },
    /// Tell account `account` its request `id` was refused (a move between accounts
    /// failed on the other account: its rows come back).
    Refused {
        account: usize,
        id: RequestId,
        error: String,
    },
    /// Give the terminal back to the shell until resumed.
    Suspend,
    /// Lay out a fetched message off the loop (`html`: its HTML part).
    Render {
        uid: Uid,
        raw: Arc<Vec<u8>>,
        html: bool,
    },
    /// Save attachment `index` (None: all) of a message: into the folder `to` under
    /// its safe name, or (one attachment, `to` not a folder) as the file `to`.
    SaveAttachments {
        raw: Arc<Vec<u8>>,
        index: Option<usize>,
        to: String,
    },
    /// Put text on the terminal's clipboard (OSC 52).
    CopyText(String),
    /// Read every address of the account's cache (for To: completion).
    LoadAddressBook,
    /// Ask `address-book-command` about the typed text.
    QueryAddressBook(String),
    /// Open attachment `index` with its viewer.
    OpenAttachment {
        raw: Arc<Vec<u8>>,
        index: usize,
    },
    /// Open link `number` of a message in the browser (if none can, it is shown).
    OpenUrl {
        number: usize,
        url: String,
    },
    /// New mail arrived in the open folder (for `new-mail-command` and the bell).
    NewMail {
        folder: String,
        from: String,
        subject: String,
    },
    /// Ask the account's local index about the open folder (`/`).
    Find {
        id: RequestId,
        folder: String,
        words: Vec<String>,
        terms: Vec<SearchTerm>,
    },
    /// Ask every account's local index (`:search-all`); `folders` are each account's
    /// sidebar, to tell which the cache has never synced.
    FindEverywhere {
        id: RequestId,
        words: Vec<String>,
        terms: Vec<SearchTerm>,
        folders: Vec<(usize, Vec<String>)>,
    },
    /// Read these messages of another folder from the cache (search-all hits).
    LoadHits {
        folder: String,
        uids: Vec<Uid>,
    },
    /// Remember the reader layout in the config (true: split).
    SaveLayout(bool),
    /// Remember the sidebar shown (true) or hidden in the config.
    SaveSidebar(bool),
    /// Save the draft on this machine and run the editor on it (`regenerate`: write the
    /// editor's file from the draft first; else the file keeps the user's words).
    Edit {
        stored: tern_core::compose::store::Stored,
        regenerate: bool,
    },
    /// Save the draft on this machine (the editor's file made anew from it).
    SaveDraft(tern_core::compose::store::Stored),
    /// Save the draft on this machine as the editor left it (the file keeps the words).
    KeepEdited(tern_core::compose::store::Stored),
    /// Build and send it in the background.
    SendMail(tern_core::compose::store::Stored),
    /// Build it for the Drafts folder in the background.
    Postpone(tern_core::compose::store::Stored),
    /// The server has it (or the user threw it away): forget the local copy.
    DiscardDraft(String),
    /// Take this message out of the Outbox and offer it back as a draft (to edit).
    ReopenQueued(String),
    /// Try every message of the Outbox now.
    KickOutbox,
    /// Sent said whether an Outbox message whose try was cut short went out.
    OutboxResolved {
        id: String,
        sent: bool,
    },
    /// Keep the copy for Sent on this machine until the server has it.
    KeepSentCopy {
        id: String,
        copy: Vec<u8>,
    },
    /// Store again the Sent copy kept on this machine.
    RetrySentCopy(String),
    /// Write a forwarded message's attachments (or the whole message) for the draft.
    AttachOriginal {
        id: String,
        raw: Arc<Vec<u8>>,
        whole: bool,
    },
    /// Complete a file path typed at the attach prompt.
    CompletePath(String),
    Quit,
}
