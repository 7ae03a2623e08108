//! `:` commands: every action by name (`:archive`, `:toggle-threads`) plus the ones that
//! take an argument (`:move Archive/2026`, `:search from:bob`, folder management).
//! Tab completes command names, then folder names.

use super::prompt::{Confirm, Pick, PromptKind};
use super::query::split_words;
use super::state::{AppState, Effect};
use super::triage::Pending;
use crate::action::Action;
use tern_core::imap::protocol::WorkerCommand;
use tern_core::mail::sidebar_order;

/// Commands that take arguments, with what they take (for the help and completion).
pub const COMMANDS: &[(&str, &str)] = &[
    ("move", "FOLDER"),
    ("copy", "FOLDER"),
    ("go", "FOLDER"),
    ("account", "NAME"),
    ("search", "QUERY"),
    ("search-all", "QUERY"),
    ("create-folder", "NAME"),
    ("rename-folder", "[FROM] TO"),
    ("delete-folder", "[NAME]"),
    ("outbox-edit", "N"),
    ("quit", ""),
];

/// Commands whose argument is a folder (completion offers folder names).
const FOLDER_ARG: &[&str] = &["move", "copy", "go", "rename-folder", "delete-folder"];

/// Every command name, sorted.
pub fn command_names() -> Vec<String> {
    let mut names: Vec<String> = COMMANDS.iter().map(|(n, _)| n.to_string()).collect();
    for a in Action::ALL {
        let n = a.name().replace('_', "-");
        if !names.contains(&n) {
            names.push(n);
        }
    }
    names.sort();
    names
}

/// Quotes a folder name for the command line when it has spaces.
fn arg(name: &str) -> String {
    if name.contains(char::is_whitespace) {
        format!("\"{name}\"")
    } else {
        name.to_string()
    }
}

impl AppState {
    /// The full lines Tab would offer for `line`.
    pub fn completions(&self, line: &str) -> Vec<String> {
        match line.split_once(' ') {
            None => command_names()
                .into_iter()
                .filter(|n| n.starts_with(line))
                .collect(),
            Some((cmd, rest)) if FOLDER_ARG.contains(&cmd) || cmd == "account" => {
                let rest = rest.trim_start_matches('"');
                let lower = rest.to_lowercase();
                let names: Vec<String> = if cmd == "account" {
                    (0..self.account_count())
                        .map(|i| self.account_name(i).to_string())
                        .collect()
                } else if matches!(cmd, "move" | "copy" | "go") {
                    self.place_names().into_iter().map(|(n, _)| n).collect()
                } else {
                    sidebar_order(&self.folders)
                        .iter()
                        .map(|f| f.name.clone())
                        .collect()
                };
                let mut out: Vec<String> = names
                    .iter()
                    .filter(|n| n.to_lowercase().starts_with(&lower))
                    .map(|n| format!("{cmd} {}", arg(n)))
                    .collect();
                if out.is_empty() {
                    out = names
                        .iter()
                        .filter(|n| n.to_lowercase().contains(&lower))
                        .map(|n| format!("{cmd} {}", arg(n)))
                        .collect();
                }
                out
            }
            Some(_) => Vec::new(),
        }
    }

    /// Tab (or Shift-Tab) in the command line: the next (previous) completion.
    pub(super) fn complete_command(&mut self, back: bool) {
        let Some(p) = self.prompt.as_ref() else {
            return;
        };
        let (base, next) = p.tab.clone().unwrap_or((p.text.clone(), 0));
        let options = self.completions(&base);
        if options.is_empty() {
            self.status = Some("no completion".into());
            return;
        }
        let n = options.len();
        let i = if back { (next + n - 2) % n } else { next % n };
        let mut text = options[i].clone();
        if n == 1
            && !text.contains(' ')
            && COMMANDS.iter().any(|(c, a)| *c == text && !a.is_empty())
        {
            text.push(' ');
        }
        self.status = (n > 1).then(|| format!("{} of {n} completions (Tab: next)", i + 1));
        if let Some(p) = self.prompt.as_mut() {
            p.text = text;
            // A single completion ends completing: the next Tab completes from there.
            p.tab = (n > 1).then_some((base, i + 1));
        }
    }

    /// Runs a `:` command line.
    pub(super) fn run_command_line(&mut self, line: &str) -> Vec<Effect> {
        let (cmd, rest) = match line.split_once(char::is_whitespace) {
            Some((c, r)) => (c, r.trim()),
            None => (line, ""),
        };
        let args = split_words(rest);
        let one = args.join(" ");
        let need = |what: &str| format!(":{cmd} needs {what}");
        match cmd {
            "" => Vec::new(),
            "quit" | "q" => self.quit(),
            "move" | "copy" | "go" => {
                if one.is_empty() {
                    self.status = Some(need("a folder (Tab completes)"));
                    return Vec::new();
                }
                let Some(place) = self.resolve_place(&one) else {
                    self.status = Some(format!("no folder named {one:?}"));
                    return Vec::new();
                };
                let folder = self.place_name(&place);
                let what = match cmd {
                    "move" => Pick::Move,
                    "copy" => Pick::Copy,
                    _ => Pick::Go,
                };
                self.picked(what, folder)
            }
            "account" if one.is_empty() => {
                self.status = Some(need("an account's name (Tab completes)"));
                Vec::new()
            }
            "account" => self.open_account(&one),
            "search" => self.search(rest),
            "search-all" => self.search_all(rest),
            "outbox-edit" => {
                let n: Option<usize> = one.parse().ok();
                match n
                    .and_then(|n| n.checked_sub(1))
                    .and_then(|i| self.outbox.get(i))
                {
                    Some(q) => {
                        let id = q.id.clone();
                        self.outbox.retain(|o| o.id != id);
                        self.status = Some("taken out of the Outbox to edit".into());
                        vec![Effect::ReopenQueued(id)]
                    }
                    None => {
                        self.status =
                            Some(need("the number of an Outbox message (:outbox lists them)"));
                        Vec::new()
                    }
                }
            }
            "create-folder" => {
                if one.is_empty() {
                    self.status = Some(need("a name"));
                    return Vec::new();
                }
                let id = self.id();
                self.in_flight.insert(
                    id,
                    Pending {
                        note: Some(format!("folder {one} created")),
                        ..Pending::default()
                    },
                );
                vec![Effect::Send(WorkerCommand::CreateFolder { id, name: one })]
            }
            "rename-folder" => {
                let (from, to) = match args.as_slice() {
                    [to] => (self.folder.clone(), to.clone()),
                    [from, to] => (from.clone(), to.clone()),
                    _ => {
                        self.status =
                            Some(need("the new name (or FROM TO; quote names with spaces)"));
                        return Vec::new();
                    }
                };
                let id = self.id();
                self.in_flight.insert(
                    id,
                    Pending {
                        note: Some(format!("folder {from} renamed to {to}")),
                        ..Pending::default()
                    },
                );
                if from == self.folder {
                    // The worker moves its open folder along; the list follows.
                    self.folder = to.clone();
                }
                vec![Effect::Send(WorkerCommand::RenameFolder { id, from, to })]
            }
            "delete-folder" => {
                let name = if one.is_empty() {
                    self.folder.clone()
                } else {
                    one
                };
                if name.eq_ignore_ascii_case("INBOX") {
                    self.status = Some("INBOX cannot be deleted".into());
                    return Vec::new();
                }
                self.ask(PromptKind::Confirm(Confirm::DeleteFolder(name)));
                Vec::new()
            }
            other => match Action::from_name(other) {
                Some(a) if rest.is_empty() => self.act(a),
                Some(_) => {
                    self.status = Some(format!(":{other} takes no argument"));
                    Vec::new()
                }
                None => {
                    self.status = Some(format!("no command :{other} (Tab lists them)"));
                    Vec::new()
                }
            },
        }
    }

    /// The folder a typed name means: exact, then ignoring case.
    pub(super) fn resolve_folder(&self, typed: &str) -> Option<String> {
        let names = sidebar_order(&self.folders);
        names
            .iter()
            .find(|f| f.name == typed)
            .or_else(|| names.iter().find(|f| f.name.eq_ignore_ascii_case(typed)))
            .map(|f| f.name.clone())
    }
}
