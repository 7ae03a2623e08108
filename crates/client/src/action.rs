//! Every user intent, as data, declared once: the variant, the name the config and the
//! `:` command line use (snake_case; kebab-case works on the command line), the help
//! text, and the default keys in every view (global, message list, reader). The keymaps,
//! the help screen and the config's `[keys.*]` tables all read this one table.

use serde::Deserialize;

/// An action's entry in the table.
#[derive(Debug, Clone, Copy)]
pub struct ActionInfo {
    pub action: Action,
    /// The name in the config and on the command line (`toggle_flagged`).
    pub name: &'static str,
    /// A few words for the help screen.
    pub help: &'static str,
    /// Default keys in every view (a view's own binding of the key wins).
    pub global: &'static [&'static str],
    /// Default keys in the message list (a contract: users' muscle memory).
    pub list: &'static [&'static str],
    /// Default keys in the reader (pager keys, and triage without leaving).
    pub reader: &'static [&'static str],
}

macro_rules! actions {
    ($( $variant:ident = $name:literal, $help:literal,
        global [$($g:literal),*], list [$($l:literal),*], reader [$($r:literal),*]; )*) => {
        /// What a key (or key sequence) asks for.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Action {
            $($variant,)*
        }

        /// Every action, in the order the help lists them.
        pub const ACTIONS: &[ActionInfo] = &[
            $(ActionInfo {
                action: Action::$variant,
                name: $name,
                help: $help,
                global: &[$($g),*],
                list: &[$($l),*],
                reader: &[$($r),*],
            },)*
        ];

        impl Action {
            /// Every action, in the order the help lists them.
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];

            fn info(self) -> &'static ActionInfo {
                match self {
                    $(Action::$variant => &ACTIONS[Action::$variant as usize],)*
                }
            }
        }
    };
}

actions! {
    Down = "down", "down", global [], list ["j", "Down"], reader ["j", "Down"];
    Up = "up", "up", global [], list ["k", "Up"], reader ["k", "Up"];
    First = "first", "first", global [], list ["g g", "Home"], reader ["g g"];
    Last = "last", "last", global [], list ["G", "End"], reader ["G"];
    HalfPageDown = "half_page_down", "half a page down", global [], list ["C-d"], reader ["C-d"];
    HalfPageUp = "half_page_up", "half a page up", global [], list ["C-u"], reader ["C-u"];
    PageDown = "page_down", "page down", global [], list ["PageDown"], reader ["Space", "PageDown"];
    PageUp = "page_up", "page up", global [], list ["PageUp"], reader ["b", "PageUp"];
    Open = "open", "open the message", global [], list ["Enter"], reader [];
    NextMessage = "next_message", "next message", global [], list [], reader ["J"];
    PreviousMessage = "previous_message", "previous message", global [], list [], reader ["K"];
    ToggleFlagged = "toggle_flagged", "flag / unflag", global [], list ["F"], reader ["F"];
    ToggleUnread = "toggle_unread", "read / unread", global [], list ["U"], reader ["U"];
    Delete = "delete", "delete (to Trash; in Trash for good, asks)", global [], list ["d"], reader ["d"];
    Archive = "archive", "archive", global [], list ["a"], reader ["a"];
    MoveTo = "move_to", "move to a folder (picker)", global [], list ["M"], reader ["M"];
    CopyTo = "copy_to", "copy to a folder (picker)", global [], list ["C"], reader ["C"];
    GoToFolder = "go_to_folder", "go to a folder (picker)", global [], list ["c"], reader [];
    Compose = "compose", "write a new message", global [], list ["m"], reader ["m"];
    Reply = "reply", "reply to the sender", global [], list ["r"], reader ["r"];
    ReplyAll = "reply_all", "reply to all", global [], list ["R"], reader ["R"];
    ReplyList = "reply_list", "reply to the mailing list", global [], list ["L"], reader ["L"];
    Forward = "forward", "forward (inline)", global [], list ["f"], reader ["f"];
    ForwardAttached = "forward_attached", "forward as an attachment", global [], list [], reader [];
    Recall = "recall", "edit a draft again (in Drafts)", global [], list [], reader [];
    Undo = "undo", "undo the last move, delete, archive, flag", global [], list ["u"], reader ["u"];
    Select = "select", "select / unselect, then down", global [], list ["Space"], reader [];
    SelectRange = "select_range", "select a range (again to end it)", global [], list ["v"], reader [];
    SelectAll = "select_all", "select all shown (again: none)", global [], list ["*"], reader [];
    NextFolder = "next_folder", "next folder", global [], list ["J"], reader [];
    PreviousFolder = "previous_folder", "previous folder", global [], list ["K"], reader [];
    Search = "search", "search (words, from:, is:unread …)", global [], list ["/"], reader ["/"];
    NextHit = "next_hit", "next hit", global [], list ["n"], reader ["n"];
    PreviousHit = "previous_hit", "previous hit", global [], list ["N"], reader ["N"];
    ClearSearch = "clear_search", "clear the selection, then the search", global [], list ["Esc"], reader ["Esc"];
    ToggleThreads = "toggle_threads", "threads on / off", global [], list ["T"], reader [];
    ToggleSort = "toggle_sort", "newest / oldest first", global [], list ["o"], reader [];
    ToggleSplit = "toggle_split", "reader split below the list / full screen", global ["z"], list [], reader [];
    ToggleSidebar = "toggle_sidebar", "folder sidebar shown / hidden (remembered)", global ["B"], list [], reader [];
    ToggleHeaders = "toggle_headers", "all headers / the main ones", global [], list [], reader ["h"];
    OpenLink = "open_link", "open link number N (no browser: shows it whole)", global [], list [], reader ["l"];
    CopyLink = "copy_link", "copy link number N to the clipboard (OSC 52; osc52 = true)", global [], list [], reader ["y"];
    ToggleHtml = "toggle_html", "the text or the HTML part of the message", global [], list [], reader ["H"];
    SaveAttachment = "save_attachment", "save an attachment (or all)", global [], list [], reader ["s"];
    OpenAttachment = "open_attachment", "open an attachment", global [], list [], reader ["O"];
    FocusNext = "focus_next", "focus the next pane", global ["Tab"], list [], reader [];
    FocusPrevious = "focus_previous", "focus the previous pane", global ["BackTab"], list [], reader [];
    CommandLine = "command_line", "command line (Tab completes)", global [":"], list [], reader [];
    Help = "help", "this help", global ["?"], list [], reader [];
    Messages = "messages", "the status line's last 100 messages, in full, with their time", global [], list [], reader [];
    Outbox = "outbox", "the Outbox: messages not sent yet, why, and their next try (:outbox-edit N reopens one)", global [], list [], reader [];
    Suspend = "suspend", "suspend (fg resumes)", global ["C-z"], list [], reader [];
    SyncNow = "sync_now", "sync now (and try the Outbox)", global ["$", "C-r"], list [], reader [];
    Quit = "quit", "close / quit", global [], list ["q"], reader ["q"];
}

/// The views that have keymaps of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    List,
    Reader,
}

/// The default bindings of a view, the global ones first (so the view's win).
pub fn default_keys(view: View) -> Vec<(&'static str, Action)> {
    let global = ACTIONS
        .iter()
        .flat_map(|a| a.global.iter().map(|k| (*k, a.action)));
    let own = ACTIONS.iter().flat_map(move |a| {
        let keys = match view {
            View::List => a.list,
            View::Reader => a.reader,
        };
        keys.iter().map(|k| (*k, a.action))
    });
    global.chain(own).collect()
}

impl Action {
    /// The name used in the config (`toggle_flagged`).
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// The action named `name` (`toggle_flagged` or `toggle-flagged`).
    pub fn from_name(name: &str) -> Option<Action> {
        let name = name.replace('-', "_");
        ACTIONS.iter().find(|a| a.name == name).map(|a| a.action)
    }

    /// A few words for the help screen.
    pub fn describe(self) -> &'static str {
        self.info().help
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

    #[test]
    fn the_table_is_in_enum_order_and_every_action_is_reachable() {
        for (i, a) in super::ACTIONS.iter().enumerate() {
            assert_eq!(a.action as usize, i, "{}", a.name);
            assert!(!a.help.is_empty(), "{}", a.name);
        }
        let list = super::default_keys(super::View::List);
        assert!(list.contains(&("d", Action::Delete)) && list.contains(&("?", Action::Help)));
        let reader = super::default_keys(super::View::Reader);
        assert!(reader.contains(&("Space", Action::PageDown)));
        assert!(list.contains(&("Space", Action::Select)));
    }
}
