//! Every user intent, as data: the keymap in the config names these (snake_case).

use serde::Deserialize;

/// What a key (or key sequence) asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Move the cursor down one message.
    Down,
    /// Move the cursor up one message.
    Up,
    /// Jump to the first (newest) message.
    First,
    /// Jump to the last (oldest) message.
    Last,
    /// Move down half a screen.
    HalfPageDown,
    /// Move up half a screen.
    HalfPageUp,
    /// Move down a screen.
    PageDown,
    /// Move up a screen.
    PageUp,
    /// Open the message under the cursor in the reader.
    Open,
    /// In the reader: show the next (older) message.
    NextMessage,
    /// In the reader: show the previous (newer) message.
    PreviousMessage,
    /// Flag or unflag the message.
    ToggleFlagged,
    /// Mark the message read or unread.
    ToggleUnread,
    /// Move the message to Trash.
    Delete,
    /// Move the message to the archive folder.
    Archive,
    /// Open the next folder of the sidebar.
    NextFolder,
    /// Open the previous folder of the sidebar.
    PreviousFolder,
    /// Filter the list: bare words match subject and sender.
    Search,
    /// Clear the filter.
    ClearSearch,
    /// Show or hide the list of keys.
    Help,
    /// Give the terminal back to the shell (resume with `fg`).
    Suspend,
    /// Sync the open folder now.
    SyncNow,
    /// Close the current view, or quit from the message list.
    Quit,
}

impl Action {
    /// A few words for the help screen.
    pub fn describe(self) -> &'static str {
        match self {
            Action::Down => "down",
            Action::Up => "up",
            Action::First => "first",
            Action::Last => "last",
            Action::HalfPageDown => "half a page down",
            Action::HalfPageUp => "half a page up",
            Action::PageDown => "page down",
            Action::PageUp => "page up",
            Action::Open => "open the message",
            Action::NextMessage => "next message",
            Action::PreviousMessage => "previous message",
            Action::ToggleFlagged => "flag / unflag",
            Action::ToggleUnread => "read / unread",
            Action::Delete => "delete (to Trash)",
            Action::Archive => "archive",
            Action::NextFolder => "next folder",
            Action::PreviousFolder => "previous folder",
            Action::Search => "filter by subject and sender",
            Action::ClearSearch => "clear the filter",
            Action::Help => "this help",
            Action::Suspend => "suspend (fg resumes)",
            Action::SyncNow => "sync now",
            Action::Quit => "close / quit",
        }
    }
}
