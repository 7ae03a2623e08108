//! Domain types shared by the cache, the worker and the UI. No IO here.

mod decode;
mod flags;
mod folder;
mod sanitize;
mod summary;

pub use decode::{decode_header_text, decode_message_ids, parse_date};
pub use flags::{Flag, Flags};
pub use folder::{FolderInfo, FolderStatus, SpecialUse};
pub use sanitize::sanitize;
pub use summary::{Address, MessageSummary};

/// An IMAP UID: unique inside one folder for one UIDVALIDITY.
pub type Uid = u32;
/// The UIDVALIDITY of a folder: when it changes, every cached UID of that folder is void.
pub type UidValidity = u32;
