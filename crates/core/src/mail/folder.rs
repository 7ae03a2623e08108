//! Folders as the user sees them.

use serde::{Deserialize, Serialize};

/// A special purpose announced by the server (RFC 6154) or set in the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SpecialUse {
    Inbox,
    Drafts,
    Sent,
    Archive,
    Junk,
    Trash,
    All,
    Flagged,
}

/// Counts from STATUS / LIST-STATUS.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderStatus {
    pub messages: u32,
    pub unseen: u32,
    pub uidnext: u32,
    pub uidvalidity: u32,
    pub highest_modseq: u64,
}

/// One folder of an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderInfo {
    /// The server's name (as used in commands).
    pub name: String,
    pub delimiter: Option<String>,
    pub special: Option<SpecialUse>,
    pub selectable: bool,
    pub status: Option<FolderStatus>,
}

/// The folder with a special use: the config's name first, then the server's attribute,
/// then the common name.
pub fn special_folder(
    folders: &[FolderInfo],
    configured: Option<&str>,
    use_: SpecialUse,
    common: &str,
) -> String {
    if let Some(c) = configured {
        return c.to_string();
    }
    folders
        .iter()
        .find(|f| f.special == Some(use_))
        .or_else(|| folders.iter().find(|f| f.name.eq_ignore_ascii_case(common)))
        .map(|f| f.name.clone())
        .unwrap_or_else(|| common.to_string())
}

/// The order of the sidebar: INBOX, then the special folders, then the rest by name;
/// folders that cannot be opened are left out.
pub fn sidebar_order(folders: &[FolderInfo]) -> Vec<&FolderInfo> {
    let rank = |f: &FolderInfo| match f.special {
        Some(SpecialUse::Inbox) => 0,
        Some(SpecialUse::Drafts) => 1,
        Some(SpecialUse::Sent) => 2,
        Some(SpecialUse::Archive) => 3,
        Some(SpecialUse::Junk) => 4,
        Some(SpecialUse::Trash) => 5,
        _ => 6,
    };
    let mut list: Vec<&FolderInfo> = folders.iter().filter(|f| f.selectable).collect();
    list.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.name.cmp(&b.name)));
    list
}
