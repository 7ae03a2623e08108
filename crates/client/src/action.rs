//! Every user intent, as data: the keymap in the config and the `:` command line name
//! these (snake_case in the config, kebab-case or snake_case on the command line).

use serde::Deserialize;

/// What a key (or key sequence) asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Down,
    Up,
    First,
    Last,
    HalfPageDown,
    HalfPageUp,
    PageDown,
    PageUp,
    Open,
    NextMessage,
    PreviousMessage,
    ToggleFlagged,
    ToggleUnread,
    Delete,
    Archive,
    MoveTo,
    CopyTo,
    GoToFolder,
    Compose,
    Reply,
    ReplyAll,
    ReplyList,
    Forward,
    ForwardAttached,
    Recall,
    Undo,
    Select,
    SelectRange,
    SelectAll,
    NextFolder,
    PreviousFolder,
    Search,
    NextHit,
    PreviousHit,
    ClearSearch,
    ToggleThreads,
    ToggleSort,
    ToggleSplit,
    ToggleHeaders,
    OpenLink,
    SaveAttachment,
    OpenAttachment,
    FocusNext,
    FocusPrevious,
    CommandLine,
    Help,
    Suspend,
    SyncNow,
    Quit,
}

impl Action {
    /// Every action, in the order the help lists them.
    pub const ALL: &'static [Action] = &[
        Action::Down,
        Action::Up,
        Action::First,
        Action::Last,
        Action::HalfPageDown,
        Action::HalfPageUp,
        Action::PageDown,
        Action::PageUp,
        Action::Open,
        Action::NextMessage,
        Action::PreviousMessage,
        Action::ToggleFlagged,
        Action::ToggleUnread,
        Action::Delete,
        Action::Archive,
        Action::MoveTo,
        Action::CopyTo,
        Action::GoToFolder,
        Action::Compose,
        Action::Reply,
        Action::ReplyAll,
        Action::ReplyList,
        Action::Forward,
        Action::ForwardAttached,
        Action::Recall,
        Action::Undo,
        Action::Select,
        Action::SelectRange,
        Action::SelectAll,
        Action::NextFolder,
        Action::PreviousFolder,
        Action::Search,
        Action::NextHit,
        Action::PreviousHit,
        Action::ClearSearch,
        Action::ToggleThreads,
        Action::ToggleSort,
        Action::ToggleSplit,
        Action::ToggleHeaders,
        Action::OpenLink,
        Action::SaveAttachment,
        Action::OpenAttachment,
        Action::FocusNext,
        Action::FocusPrevious,
        Action::CommandLine,
        Action::Help,
        Action::Suspend,
        Action::SyncNow,
        Action::Quit,
    ];

    /// The name used in the config (`toggle_flagged`).
    pub fn name(self) -> &'static str {
        match self {
            Action::Down => "down",
            Action::Up => "up",
            Action::First => "first",
            Action::Last => "last",
            Action::HalfPageDown => "half_page_down",
            Action::HalfPageUp => "half_page_up",
            Action::PageDown => "page_down",
            Action::PageUp => "page_up",
            Action::Open => "open",
            Action::NextMessage => "next_message",
            Action::PreviousMessage => "previous_message",
            Action::ToggleFlagged => "toggle_flagged",
            Action::ToggleUnread => "toggle_unread",
            Action::Delete => "delete",
            Action::Archive => "archive",
            Action::MoveTo => "move_to",
            Action::CopyTo => "copy_to",
            Action::GoToFolder => "go_to_folder",
            Action::Compose => "compose",
            Action::Reply => "reply",
            Action::ReplyAll => "reply_all",
            Action::ReplyList => "reply_list",
            Action::Forward => "forward",
            Action::ForwardAttached => "forward_attached",
            Action::Recall => "recall",
            Action::Undo => "undo",
            Action::Select => "select",
            Action::SelectRange => "select_range",
            Action::SelectAll => "select_all",
            Action::NextFolder => "next_folder",
            Action::PreviousFolder => "previous_folder",
            Action::Search => "search",
            Action::NextHit => "next_hit",
            Action::PreviousHit => "previous_hit",
            Action::ClearSearch => "clear_search",
            Action::ToggleThreads => "toggle_threads",
            Action::ToggleSort => "toggle_sort",
            Action::ToggleSplit => "toggle_split",
            Action::ToggleHeaders => "toggle_headers",
            Action::OpenLink => "open_link",
            Action::SaveAttachment => "save_attachment",
            Action::OpenAttachment => "open_attachment",
            Action::FocusNext => "focus_next",
            Action::FocusPrevious => "focus_previous",
            Action::CommandLine => "command_line",
            Action::Help => "help",
            Action::Suspend => "suspend",
            Action::SyncNow => "sync_now",
            Action::Quit => "quit",
        }
    }

    /// The action named `name` (`toggle_flagged` or `toggle-flagged`).
    pub fn from_name(name: &str) -> Option<Action> {
        let name = name.replace('-', "_");
        Action::ALL.iter().copied().find(|a| a.name() == name)
    }

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
            Action::Delete => "delete (to Trash; in Trash for good, asks)",
            Action::Archive => "archive",
            Action::MoveTo => "move to a folder (picker)",
            Action::CopyTo => "copy to a folder (picker)",
            Action::GoToFolder => "go to a folder (picker)",
            Action::Compose => "write a new message",
            Action::Reply => "reply to the sender",
            Action::ReplyAll => "reply to all",
            Action::ReplyList => "reply to the mailing list",
            Action::Forward => "forward (inline)",
            Action::ForwardAttached => "forward as an attachment",
            Action::Recall => "edit a draft again (in Drafts)",
            Action::Undo => "undo the last move, delete, archive, flag",
            Action::Select => "select / unselect, then down",
            Action::SelectRange => "select a range (again to end it)",
            Action::SelectAll => "select all shown (again: none)",
            Action::NextFolder => "next folder",
            Action::PreviousFolder => "previous folder",
            Action::Search => "search (words, from:, is:unread …)",
            Action::NextHit => "next hit",
            Action::PreviousHit => "previous hit",
            Action::ClearSearch => "clear the selection, then the search",
            Action::ToggleThreads => "threads on / off",
            Action::ToggleSort => "newest / oldest first",
            Action::ToggleSplit => "reader split below the list / full screen",
            Action::ToggleHeaders => "all headers / the main ones",
            Action::OpenLink => "open link number N",
            Action::SaveAttachment => "save an attachment (or all)",
            Action::OpenAttachment => "open an attachment",
            Action::FocusNext => "focus the next pane",
            Action::FocusPrevious => "focus the previous pane",
            Action::CommandLine => "command line (Tab completes)",
            Action::Help => "this help",
            Action::Suspend => "suspend (fg resumes)",
            Action::SyncNow => "sync now",
            Action::Quit => "close / quit",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Action;

    #[test]
    fn names_round_trip_and_match_serde() {
        for a in Action::ALL {
            assert_eq!(Action::from_name(a.name()), Some(*a));
            let via_serde: Action =
                serde_json::from_value(serde_json::Value::String(a.name().into())).unwrap();
            assert_eq!(via_serde, *a);
        }
        assert_eq!(
            Action::from_name("toggle-flagged"),
            Some(Action::ToggleFlagged)
        );
        assert_eq!(Action::from_name("nope"), None);
    }
}
