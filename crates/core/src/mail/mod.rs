//! Domain types shared by the cache, the worker and the UI. No IO here.

mod attachment;
mod flags;
mod folder;
pub mod mutf7;
mod render;
mod row;
mod sanitize;
mod summary;
mod width;

pub use attachment::{attachment_data, Attachment};
pub use flags::{Flag, Flags};
pub use folder::{sidebar_order, special_folder, FolderInfo, FolderStatus, SpecialUse};
pub use render::{render_message, render_message_as, AttachmentInfo, Rendered};
pub use row::{chunk_bytes, message_key, Row, RowBuilder};
pub(crate) use sanitize::is_invisible_format;
pub use sanitize::sanitize;
pub use summary::{Address, AddressRef, FirstAddress, MessageSummary, SummaryRef};
pub use width::{fit, thousands, wrap};

/// An IMAP UID: unique inside one folder for one UIDVALIDITY.
pub type Uid = u32;
/// The UIDVALIDITY of a folder: when it changes, every cached UID of that folder is void.
pub type UidValidity = u32;
