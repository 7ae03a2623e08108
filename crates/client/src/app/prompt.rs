//! The one-line prompts: `/` search, `/` in the reader, `:` commands, the folder
//! picker of `M` `C` `c`, yes/no confirmations, and link or attachment numbers.

use super::state::{AppState, Effect};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tern_core::imap::protocol::WorkerCommand;
use tern_core::mail::Uid;

/// What the picked folder is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    Move,
    Copy,
    Go,
}

/// What a `y` confirms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirm {
    DeleteForever(Vec<Uid>),
    DeleteFolder(String),
    /// Throw away the message on the review screen.
    Discard,
    /// Bring back a draft found on this machine (its summary).
    Recover(String),
    /// Send a message whose subject is empty.
    NoSubject,
    /// Quit although something is not done (what, in words).
    Quit(String),
}

/// What a number typed at the prompt picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberFor {
    Link,
    CopyLink,
    Save,
    OpenAttachment,
    Detach,
}

/// What the prompt is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptKind {
    Search,
    Find,
    Command,
    Pick(Pick),
    Confirm(Confirm),
    Number(NumberFor),
    /// To: for a new message, or (Some) for a forward (Tab completes addresses).
    Address(Option<super::compose::StartFrom>),
    /// A file to attach (Tab completes paths).
    AttachPath,
    /// Where to save attachments (Tab completes paths, `~` expands).
    SavePath,
    /// The password again, after the server refused the one typed at start (not shown).
    Password,
    /// A header of the message on the review screen (Tab completes addresses).
    Header(super::review::Field),
}

/// An open prompt: what it asks, the text typed, and (pickers, completion) the
/// highlighted choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub text: String,
    pub choice: usize,
    /// Tab completion in progress: the text before the first Tab, and the next index.
    pub tab: Option<(String, usize)>,
}

impl Prompt {
    pub fn new(kind: PromptKind) -> Prompt {
        Prompt {
            kind,
            text: String::new(),
            choice: 0,
            tab: None,
        }
    }

    /// The words before the typed text.
    pub fn label(&self) -> String {
        match &self.kind {
            PromptKind::Search => "/".into(),
            PromptKind::Find => "find: ".into(),
            PromptKind::Command => ":".into(),
            PromptKind::Pick(Pick::Move) => "move to: ".into(),
            PromptKind::Pick(Pick::Copy) => "copy to: ".into(),
            PromptKind::Pick(Pick::Go) => "go to folder: ".into(),
            PromptKind::Confirm(Confirm::DeleteForever(uids)) => format!(
                "delete {} for good? This cannot be undone. (y/n) ",
                if uids.len() == 1 {
                    "this message".to_string()
                } else {
                    format!("{} messages", uids.len())
                }
            ),
            PromptKind::Confirm(Confirm::DeleteFolder(name)) => format!(
                "delete folder {} and all its mail on the server? (y/n) ",
                tern_core::mail::sanitize(name)
            ),
            PromptKind::Confirm(Confirm::Discard) => "discard this message? (y/n) ".into(),
            PromptKind::Confirm(Confirm::NoSubject) => {
                "the subject is empty: send anyway? (y/n) ".into()
            }
            PromptKind::Confirm(Confirm::Quit(what)) => format!("{what}: quit anyway? (y/n) "),
            PromptKind::Confirm(Confirm::Recover(what)) => format!(
                "an unsent draft was kept on this machine ({}); open it? (y/n) ",
                tern_core::mail::sanitize(what)
            ),
            PromptKind::Number(NumberFor::Detach) => "remove attachment number: ".into(),
            PromptKind::Address(_) => "To: ".into(),
            PromptKind::Header(f) => format!("{}: ", f.name()),
            PromptKind::AttachPath => "attach file: ".into(),
            PromptKind::SavePath => "save in: ".into(),
            PromptKind::Password => "password (the server refused the last one): ".into(),
            PromptKind::Number(NumberFor::Link) => "open link number: ".into(),
            PromptKind::Number(NumberFor::CopyLink) => "copy link number: ".into(),
            PromptKind::Number(NumberFor::Save) => "save attachment number (a: all): ".into(),
            PromptKind::Number(NumberFor::OpenAttachment) => "open attachment number: ".into(),
        }
    }
}

/// How well `name` matches what was typed: every typed character in order (case
/// ignored); a prefix or a run of adjacent characters scores better. None: no match.
pub fn fuzzy_score(name: &str, typed: &str) -> Option<i64> {
    if typed.is_empty() {
        return Some(0);
    }
    let name: Vec<char> = name.to_lowercase().chars().collect();
    let mut score = 0i64;
    let mut last: Option<usize> = None;
    let mut from = 0;
    for t in typed.to_lowercase().chars() {
        let at = (from..name.len()).find(|&i| name[i] == t)?;
        score += match last {
            Some(l) if l + 1 == at => 5,
            _ => 1,
        };
        if at == 0 {
            score += 10;
        }
        last = Some(at);
        from = at + 1;
    }
    Some(score * 100 - name.len() as i64)
}

impl AppState {
    /// Tab at the To: prompt: completes the address being typed (after the last comma).
    pub(super) fn complete_address(&mut self) -> Vec<Effect> {
        let Some(p) = self.prompt.as_ref() else {
            return Vec::new();
        };
        let (base, next) = p.tab.clone().unwrap_or((p.text.clone(), 0));
        let (done, typed) = match base.rsplit_once(',') {
            Some((d, t)) => (format!("{d}, "), t.trim().to_string()),
            None => (String::new(), base.trim().to_string()),
        };
        // The command is asked once per text typed; its answer completes when it comes.
        let asked = self.book_hits.as_ref().is_some_and(|(t, _)| *t == typed);
        let ask = (self.book_command && !asked && !typed.is_empty())
            .then(|| Effect::QueryAddressBook(typed.clone()));
        let options = self.address_candidates(&typed);
        if options.is_empty() && ask.is_none() && self.book_loading {
            // Typed before the known addresses were read: completed when they come.
            self.tab_on_book = true;
            self.status = Some("reading the known addresses…".into());
            return Vec::new();
        }
        if options.is_empty() {
            self.status = Some(if ask.is_some() {
                "asking the address book…".into()
            } else {
                "no known address matches".into()
            });
            return ask.into_iter().collect();
        }
        let i = next % options.len();
        let n = options.len();
        self.status = (n > 1).then(|| format!("{} of {n} addresses (Tab: next)", i + 1));
        if let Some(p) = self.prompt.as_mut() {
            p.text = format!("{done}{}", options[i]);
            p.tab = Some((base, i + 1));
        }
        ask.into_iter().collect()
    }

    /// A path completion came back for the attach or save prompt. What was typed after the
    /// Tab, before the answer came, is kept after the completion (typing ahead); text that no
    /// longer starts with what was completed means the user changed it: left alone.
    pub fn path_completed(&mut self, before: &str, after: String) {
        if let Some(p) = self.prompt.as_mut().filter(|p| {
            matches!(p.kind, PromptKind::AttachPath | PromptKind::SavePath)
                && p.text.starts_with(before)
        }) {
            p.text = format!("{after}{}", &p.text[before.len()..]);
        }
    }

    /// Opens a prompt.
    pub(super) fn ask(&mut self, kind: PromptKind) {
        // No old message shows inside a prompt.
        self.status = None;
        self.prompt = Some(Prompt::new(kind));
    }

    /// Opens a prompt with text already typed (the download folder for `s`).
    pub(super) fn ask_with(&mut self, kind: PromptKind, text: String) {
        self.ask(kind);
        if let Some(p) = self.prompt.as_mut() {
            p.text = text;
        }
    }

    /// The folders the picker offers for what is typed, best first.
    /// A move or copy never offers the folder the messages are already in.
    pub fn pick_candidates(&self, typed: &str) -> Vec<String> {
        let moving = matches!(
            self.prompt.as_ref().map(|p| &p.kind),
            Some(PromptKind::Pick(Pick::Move | Pick::Copy))
        );
        let mut scored: Vec<(i64, String)> = self
            .place_names()
            .into_iter()
            .filter(|(_, p)| !(moving && p.account == self.active && p.folder == self.folder))
            .filter_map(|(name, _)| fuzzy_score(&name, typed).map(|s| (s, name)))
            .collect();
        if typed.is_empty() {
            return scored.into_iter().map(|(_, n)| n).collect();
        }
        scored.sort_by_key(|s| std::cmp::Reverse(s.0));
        scored.into_iter().map(|(_, n)| n).collect()
    }

    /// A key typed into the open prompt.
    pub fn prompt_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some(p) = self.prompt.as_mut() else {
            return Vec::new();
        };
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if let PromptKind::Confirm(what) = &p.kind {
            let what = what.clone();
            self.prompt = None;
            return match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => self.confirmed(what),
                _ if matches!(what, Confirm::Recover(_)) => self.recover_first(false),
                _ => {
                    self.status = Some("not done".into());
                    Vec::new()
                }
            };
        }
        match key.code {
            // A prompt's hints (completions) go with it.
            KeyCode::Esc => {
                self.prompt = None;
                self.status = None;
            }
            KeyCode::Char('c') if ctrl => {
                self.prompt = None;
                self.status = None;
            }
            KeyCode::Enter => {
                let p = self
                    .prompt
                    .take()
                    .unwrap_or_else(|| Prompt::new(PromptKind::Search));
                self.status = None;
                return self.prompt_done(p);
            }
            KeyCode::Backspace => {
                p.text.pop();
                p.choice = 0;
                p.tab = None;
            }
            KeyCode::Char('u') if ctrl => {
                p.text.clear();
                p.tab = None;
            }
            KeyCode::Down | KeyCode::Char('n') if ctrl || key.code == KeyCode::Down => {
                p.choice = p.choice.saturating_add(1);
            }
            KeyCode::Up | KeyCode::Char('p') if ctrl || key.code == KeyCode::Up => {
                p.choice = p.choice.saturating_sub(1);
            }
            KeyCode::Tab | KeyCode::BackTab => match p.kind {
                PromptKind::Command => self.complete_command(key.code == KeyCode::BackTab),
                PromptKind::Address(_) => return self.complete_address(),
                PromptKind::Header(super::review::Field::From) => self.complete_from(),
                PromptKind::Header(super::review::Field::Subject) => {}
                PromptKind::Header(_) => return self.complete_address(),
                PromptKind::AttachPath | PromptKind::SavePath => {
                    return vec![Effect::CompletePath(p.text.clone())]
                }
                PromptKind::Pick(_) => {
                    p.choice = if key.code == KeyCode::Tab {
                        p.choice.saturating_add(1)
                    } else {
                        p.choice.saturating_sub(1)
                    }
                }
                _ => {}
            },
            KeyCode::Char(c) if !ctrl => {
                p.text.push(c);
                p.choice = 0;
                p.tab = None;
            }
            _ => {}
        }
        if let Some(p) = self.prompt.as_mut() {
            if let PromptKind::Pick(_) = p.kind {
                let n = {
                    let typed = p.text.clone();
                    self.pick_candidates(&typed).len()
                };
                if let Some(p) = self.prompt.as_mut() {
                    p.choice = p.choice.min(n.saturating_sub(1));
                }
            }
        }
        Vec::new()
    }

    /// Enter at a prompt.
    fn prompt_done(&mut self, p: Prompt) -> Vec<Effect> {
        let text = p.text.trim().to_string();
        match p.kind {
            PromptKind::Search => self.search(&text),
            PromptKind::Find if self.help => {
                self.help_found(&text);
                Vec::new()
            }
            PromptKind::Find => {
                if let Some(r) = self.reader.as_mut() {
                    r.find((!text.is_empty()).then_some(text));
                }
                Vec::new()
            }
            PromptKind::Command => self.run_command_line(&text),
            PromptKind::Pick(what) => {
                let Some(folder) = self.pick_candidates(&text).into_iter().nth(p.choice) else {
                    self.status = Some(format!("no folder matches {:?}", text));
                    return Vec::new();
                };
                self.picked(what, folder)
            }
            PromptKind::Number(NumberFor::Detach) => self.detach(&text),
            PromptKind::Number(what) => self.number_picked(what, &text),
            PromptKind::Confirm(_) => Vec::new(),
            PromptKind::Address(_) if text.is_empty() => Vec::new(),
            PromptKind::Address(then) => self.address_given(&text, then),
            PromptKind::Header(field) => self.header_given(field, text),
            PromptKind::AttachPath => self.attach(&text),
            PromptKind::SavePath => self.save_to(&text),
            PromptKind::Password if p.text.is_empty() => Vec::new(),
            PromptKind::Password => {
                self.status = Some("logging in again…".into());
                // The password as typed (spaces are part of it).
                vec![Effect::Send(WorkerCommand::Password {
                    secret: tern_core::secrets::Secret::new(p.text),
                })]
            }
        }
    }

    /// A folder was picked for a move, a copy or to open it (`ACCOUNT/FOLDER` for
    /// another account's).
    pub(super) fn picked(&mut self, what: Pick, name: String) -> Vec<Effect> {
        let place = self.resolve_place(&name).unwrap_or(super::accounts::Place {
            account: self.active,
            folder: name,
        });
        if place.account == super::merged::ALL && what != Pick::Go {
            self.status = Some("all inboxes is not a folder: pick an account's".into());
            return Vec::new();
        }
        if what != Pick::Go && self.merged.is_some() && self.selection_accounts().len() > 1 {
            // All inboxes, a selection in several accounts: each moves or copies its
            // part to the one folder picked (within the account, or across).
            return self.each_selection(|s| s.picked_place(what, place.clone()));
        }
        self.picked_place(what, place)
    }

    /// A move, copy or open of the account shown, to `place`.
    fn picked_place(&mut self, what: Pick, place: super::accounts::Place) -> Vec<Effect> {
        if place.account != self.active {
            return match what {
                Pick::Go => self.go_to(place),
                Pick::Copy => self.copy_across(place),
                Pick::Move => self.move_across(place),
            };
        }
        let folder = place.folder;
        match what {
            Pick::Go => self.open_folder(folder),
            Pick::Copy => self.copy_to(folder),
            Pick::Move => {
                if folder == self.folder {
                    self.status =
                        Some(format!("already in {}", tern_core::mail::sanitize(&folder)));
                    return Vec::new();
                }
                let uids = self.targets();
                self.remove_to(uids, Some(folder))
            }
        }
    }

    /// `y` at a confirmation.
    fn confirmed(&mut self, what: Confirm) -> Vec<Effect> {
        match what {
            Confirm::Discard => self.discard(),
            Confirm::NoSubject => self.send_now(),
            Confirm::Quit(_) => vec![Effect::Quit],
            Confirm::Recover(_) => self.recover_first(true),
            Confirm::DeleteForever(uids) => self.remove_to(uids, None),
            Confirm::DeleteFolder(name) => {
                let id = self.id();
                self.in_flight.insert(
                    id,
                    super::triage::Pending {
                        note: Some(format!("folder {name} deleted")),
                        ..Default::default()
                    },
                );
                vec![Effect::Send(
                    tern_core::imap::protocol::WorkerCommand::DeleteFolder { id, name },
                )]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fuzzy_score;

    #[test]
    fn fuzzy_prefers_prefixes_and_runs() {
        assert!(fuzzy_score("Archive/2026", "arc") > fuzzy_score("Lists/rust-announce", "arc"));
        assert!(fuzzy_score("Archive/2026", "a26").is_some());
        assert_eq!(fuzzy_score("INBOX", "xyz"), None);
    }
}
