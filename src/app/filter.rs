//! `/` and its prompt: bare words filter the open folder from the cache at once, by
//! subject and sender (every word must match, case-insensitive). Esc clears.

use super::state::AppState;
use crate::mail::MessageSummary;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Whether a message matches every word of `query`.
pub fn matches(m: &MessageSummary, words: &[String]) -> bool {
    words.iter().all(|w| {
        m.subject.to_lowercase().contains(w)
            || m.from.iter().any(|a| {
                a.email.to_lowercase().contains(w)
                    || a.name
                        .as_deref()
                        .is_some_and(|n| n.to_lowercase().contains(w))
            })
    })
}

fn words(query: &str) -> Vec<String> {
    query.split_whitespace().map(str::to_lowercase).collect()
}

impl AppState {
    /// Opens the search prompt.
    pub(super) fn start_prompt(&mut self) {
        self.prompt = Some(String::new());
    }

    /// A key typed into the prompt. Returns true while the prompt stays open.
    pub fn prompt_key(&mut self, key: KeyEvent) -> bool {
        let Some(text) = self.prompt.as_mut() else {
            return false;
        };
        match key.code {
            KeyCode::Esc => self.prompt = None,
            KeyCode::Enter => {
                let query = std::mem::take(text);
                self.prompt = None;
                self.set_filter((!query.trim().is_empty()).then_some(query));
            }
            KeyCode::Backspace => {
                text.pop();
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => text.push(c),
            _ => {}
        }
        self.prompt.is_some()
    }

    /// Shows only the messages matching `query` (None: all of them again).
    pub fn set_filter(&mut self, query: Option<String>) {
        self.filter = query;
        let all = self.all.clone();
        self.set_messages(all);
        self.cursor = 0;
        self.top = 0;
    }

    /// Applies the filter to a full list.
    pub(super) fn filtered(&self, all: &[MessageSummary]) -> Vec<MessageSummary> {
        match &self.filter {
            None => all.to_vec(),
            Some(q) => {
                let w = words(q);
                all.iter().filter(|m| matches(m, &w)).cloned().collect()
            }
        }
    }
}
