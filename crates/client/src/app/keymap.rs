//! Key sequences to actions: the default table, and a matcher that can answer "pending"
//! for the first key of a sequence such as `g g`.

use crate::action::{default_keys, Action, View};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::HashMap;
use tern_core::config::EntryError;

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
    /// `None`: unbound by the config (the default is switched off).
    bindings: HashMap<Vec<Key>, Option<Action>>,
    typed: Vec<Key>,
}

/// The message list's and the reader's keymaps, with the keys typed so far.
#[derive(Debug, Clone)]
pub struct Keymaps {
    pub list: Keymap,
    pub reader: Keymap,
}

impl Keymaps {
    /// The defaults with the config's `[keys.*]` tables over them; an error names the
    /// table and the key.
    pub fn build(keys: &tern_core::config::Keys) -> Result<Keymaps, EntryError> {
        Ok(Keymaps {
            list: Keymap::build(View::List, &keys.global, &keys.list, "list")?,
            reader: Keymap::build(View::Reader, &keys.global, &keys.reader, "reader")?,
        })
    }
}

impl Keymaps {
    /// The help's key sections: each view's bindings, in the action table's order.
    pub fn help(&self) -> Vec<(&'static str, Vec<(String, Action)>)> {
        vec![
            ("Message list", self.list.describe()),
            ("Reader", self.reader.describe()),
        ]
    }
}

impl Default for Keymaps {
    fn default() -> Keymaps {
        Keymaps {
            list: Keymap::defaults(View::List),
            reader: Keymap::defaults(View::Reader),
        }
    }
}

/// Key overrides from the config: sequence to action name (`none` unbinds).
pub type Overrides = std::collections::BTreeMap<String, String>;

impl Keymap {
    /// The default message-list keymap.
    pub fn list_defaults() -> Keymap {
        Keymap::defaults(View::List)
    }

    /// The default reader keymap.
    pub fn reader_defaults() -> Keymap {
        Keymap::defaults(View::Reader)
    }

    /// A view's default bindings, from the action table.
    fn defaults(view: View) -> Keymap {
        let mut k = Keymap::default();
        for (seq, action) in default_keys(view) {
            if let Some(keys) = parse_sequence(seq) {
                k.bindings.insert(keys, Some(action));
            }
        }
        k
    }

    /// A view's keymap: the defaults, then `[keys.global]`, then the view's own table.
    /// An error names the table and key in plain words.
    pub fn build(
        which: View,
        global: &Overrides,
        view: &Overrides,
        view_name: &str,
    ) -> Result<Keymap, EntryError> {
        let mut k = Keymap::defaults(which);
        for (section, overrides) in [("global", global), (view_name, view)] {
            for (seq, name) in overrides {
                let table = ["keys", section];
                let keys = parse_sequence(seq).ok_or_else(|| {
                    EntryError::new(
                        &table,
                        seq,
                        "not a key sequence (e.g. \"g g\", \"C-d\", \"Enter\")",
                    )
                })?;
                let action = if name == "none" {
                    None
                } else {
                    Some(Action::from_name(name).ok_or_else(|| {
                        EntryError::new(
                            &table,
                            seq,
                            format!("no action named {name:?} (see `?` in tern for the names)"),
                        )
                    })?)
                };
                k.bindings.insert(keys, action);
            }
        }
        Ok(k)
    }

    /// The bindings for the help: key sequences by action, in `Action::ALL` order.
    pub fn describe(&self) -> Vec<(String, Action)> {
        let mut out = Vec::new();
        for action in Action::ALL {
            let mut keys: Vec<String> = self
                .bindings
                .iter()
                .filter(|(_, a)| **a == Some(*action))
                .map(|(seq, _)| seq.iter().map(key_name).collect::<Vec<_>>().join(" "))
                .collect();
            if keys.is_empty() {
                continue;
            }
            keys.sort_by_key(|k| (k.chars().count() > 1, k.clone()));
            out.push((keys.join(", "), *action));
        }
        out
    }

    /// Feeds one key press.
    pub fn feed(&mut self, key: Key) -> Matched {
        self.typed.push(key);
        if let Some(a) = self.bindings.get(&self.typed) {
            self.typed.clear();
            return match a {
                Some(a) => Matched::Action(*a),
                None => Matched::Nothing,
            };
        }
        let prefix = self.bindings.iter().any(|(seq, a)| {
            a.is_some() && seq.len() > self.typed.len() && seq.starts_with(&self.typed)
        });
        if prefix {
            return Matched::Pending;
        }
        self.typed.clear();
        Matched::Nothing
    }
}

/// How a key is written in the config and the help.
pub fn key_name(k: &Key) -> String {
    let base = match k.code {
        KeyCode::Enter => "Enter".to_string(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::BackTab => "BackTab".into(),
        KeyCode::Char(' ') => "Space".into(),
        KeyCode::Up => "Up".into(),
        KeyCode::Down => "Down".into(),
        KeyCode::Left => "Left".into(),
        KeyCode::Right => "Right".into(),
        KeyCode::PageUp => "PageUp".into(),
        KeyCode::PageDown => "PageDown".into(),
        KeyCode::Home => "Home".into(),
        KeyCode::End => "End".into(),
        KeyCode::Char(c) => c.to_string(),
        other => format!("{other:?}"),
    };
    let mut s = String::new();
    if k.ctrl {
        s.push_str("C-");
    }
    if k.alt {
        s.push_str("M-");
    }
    s + &base
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

    #[test]
    fn config_overrides_rebind_unbind_and_explain_errors() {
        let global: Overrides = [("C-s".to_string(), "sync_now".to_string())].into();
        let list: Overrides = [
            ("x".to_string(), "delete".to_string()),
            ("d".to_string(), "none".to_string()),
            ("g i".to_string(), "go-to-folder".to_string()),
        ]
        .into();
        let mut k = Keymap::build(View::List, &global, &list, "list").unwrap();
        assert_eq!(k.feed(key("x")), Matched::Action(Action::Delete));
        assert_eq!(k.feed(key("d")), Matched::Nothing);
        assert_eq!(k.feed(key("C-s")), Matched::Action(Action::SyncNow));
        assert_eq!(k.feed(key("g")), Matched::Pending);
        assert_eq!(k.feed(key("i")), Matched::Action(Action::GoToFolder));
        assert!(k.describe().contains(&("x".to_string(), Action::Delete)));
        let bad: Overrides = [("x".to_string(), "explode".to_string())].into();
        let e = Keymap::build(View::List, &Overrides::new(), &bad, "list")
            .unwrap_err()
            .to_string();
        assert!(e.contains("[keys.list]") && e.contains("explode"), "{e}");
        let bad: Overrides = [("Ctrl+x".to_string(), "quit".to_string())].into();
        assert!(Keymap::build(View::List, &Overrides::new(), &bad, "list").is_err());
    }
}
