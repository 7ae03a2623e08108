//! Key sequences to actions: the default table, and a matcher that can answer "pending"
//! for the first key of a sequence such as `g g`.

use crate::action::Action;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::HashMap;

/// A key as the keymap knows it: code plus Ctrl/Alt (Shift is in the character).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl From<KeyEvent> for Key {
    fn from(e: KeyEvent) -> Key {
        Key {
            code: e.code,
            ctrl: e.modifiers.contains(KeyModifiers::CONTROL),
            alt: e.modifiers.contains(KeyModifiers::ALT),
        }
    }
}

/// Parses one key like `j`, `G`, `C-d`, `M-x`, `Enter`, `PageDown`, `Space`.
pub fn parse_key(s: &str) -> Option<Key> {
    let (mut ctrl, mut alt, mut rest) = (false, false, s);
    loop {
        if let Some(r) = rest.strip_prefix("C-") {
            ctrl = true;
            rest = r;
        } else if let Some(r) = rest.strip_prefix("M-") {
            alt = true;
            rest = r;
        } else {
            break;
        }
    }
    let code = match rest {
        "Enter" => KeyCode::Enter,
        "Esc" => KeyCode::Esc,
        "Tab" => KeyCode::Tab,
        "BackTab" | "S-Tab" => KeyCode::BackTab,
        "Space" => KeyCode::Char(' '),
        "Up" => KeyCode::Up,
        "Down" => KeyCode::Down,
        "Left" => KeyCode::Left,
        "Right" => KeyCode::Right,
        "PageUp" => KeyCode::PageUp,
        "PageDown" => KeyCode::PageDown,
        "Home" => KeyCode::Home,
        "End" => KeyCode::End,
        one => {
            let mut chars = one.chars();
            let c = chars.next()?;
            if chars.next().is_some() {
                return None;
            }
            KeyCode::Char(c)
        }
    };
    Some(Key { code, ctrl, alt })
}

/// Parses a space-separated sequence such as `g g`.
pub fn parse_sequence(s: &str) -> Option<Vec<Key>> {
    let keys: Option<Vec<Key>> = s.split_whitespace().map(parse_key).collect();
    keys.filter(|k| !k.is_empty())
}

/// The outcome of feeding a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Matched {
    Action(Action),
    /// The keys so far begin a longer binding: wait for more.
    Pending,
    /// No binding: the keys so far are dropped.
    Nothing,
}

/// Bindings plus the keys typed so far.
#[derive(Debug, Clone, Default)]
pub struct Keymap {
    bindings: HashMap<Vec<Key>, Action>,
    typed: Vec<Key>,
}

/// The default bindings of the message list (a contract: users' muscle memory).
pub const DEFAULT_LIST_KEYS: &[(&str, Action)] = &[
    ("j", Action::Down),
    ("Down", Action::Down),
    ("k", Action::Up),
    ("Up", Action::Up),
    ("g g", Action::First),
    ("Home", Action::First),
    ("G", Action::Last),
    ("End", Action::Last),
    ("C-d", Action::HalfPageDown),
    ("C-u", Action::HalfPageUp),
    ("PageDown", Action::PageDown),
    ("PageUp", Action::PageUp),
    ("$", Action::SyncNow),
    ("C-r", Action::SyncNow),
    ("Enter", Action::Open),
    ("?", Action::Help),
    ("C-z", Action::Suspend),
    ("/", Action::Search),
    ("Esc", Action::ClearSearch),
    ("J", Action::NextFolder),
    ("K", Action::PreviousFolder),
    ("F", Action::ToggleFlagged),
    ("U", Action::ToggleUnread),
    ("d", Action::Delete),
    ("a", Action::Archive),
    ("q", Action::Quit),
];

/// The default bindings of the reader (pager keys).
pub const DEFAULT_READER_KEYS: &[(&str, Action)] = &[
    ("j", Action::Down),
    ("Down", Action::Down),
    ("k", Action::Up),
    ("Up", Action::Up),
    ("Space", Action::PageDown),
    ("PageDown", Action::PageDown),
    ("b", Action::PageUp),
    ("PageUp", Action::PageUp),
    ("C-d", Action::HalfPageDown),
    ("C-u", Action::HalfPageUp),
    ("g g", Action::First),
    ("G", Action::Last),
    ("C-z", Action::Suspend),
    ("J", Action::NextMessage),
    ("K", Action::PreviousMessage),
    ("q", Action::Quit),
];

impl Keymap {
    /// The default message-list keymap.
    pub fn list_defaults() -> Keymap {
        Keymap::from_table(DEFAULT_LIST_KEYS)
    }

    /// The default reader keymap.
    pub fn reader_defaults() -> Keymap {
        Keymap::from_table(DEFAULT_READER_KEYS)
    }

    fn from_table(table: &[(&str, Action)]) -> Keymap {
        let mut k = Keymap::default();
        for (seq, action) in table {
            if let Some(keys) = parse_sequence(seq) {
                k.bindings.insert(keys, *action);
            }
        }
        k
    }

    /// Feeds one key press.
    pub fn feed(&mut self, key: Key) -> Matched {
        self.typed.push(key);
        if let Some(a) = self.bindings.get(&self.typed) {
            self.typed.clear();
            return Matched::Action(*a);
        }
        let prefix = self
            .bindings
            .keys()
            .any(|seq| seq.len() > self.typed.len() && seq.starts_with(&self.typed));
        if prefix {
            return Matched::Pending;
        }
        self.typed.clear();
        Matched::Nothing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> Key {
        parse_key(s).unwrap()
    }

    #[test]
    fn sequences_and_modifiers() {
        let mut k = Keymap::list_defaults();
        assert_eq!(k.feed(key("j")), Matched::Action(Action::Down));
        assert_eq!(k.feed(key("g")), Matched::Pending);
        assert_eq!(k.feed(key("g")), Matched::Action(Action::First));
        assert_eq!(k.feed(key("g")), Matched::Pending);
        assert_eq!(k.feed(key("x")), Matched::Nothing);
        assert_eq!(k.feed(key("C-d")), Matched::Action(Action::HalfPageDown));
        assert_eq!(k.feed(key("G")), Matched::Action(Action::Last));
        assert_eq!(
            parse_key("C-M-x"),
            Some(Key {
                code: KeyCode::Char('x'),
                ctrl: true,
                alt: true
            })
        );
        assert_eq!(parse_key("jj"), None);
    }
}
