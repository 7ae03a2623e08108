//! `?`: a full-screen, scrollable help made from the live keymaps (config overrides
//! included) and the `:` commands. Every entry shows the keys, the action's name (as
//! `[keys.*]` and `:` use it) and what it does. `j`/`k`, Space/`b`, `C-d`/`C-u`, `g g`/`G`
//! scroll, `/` finds and `n`/`N` go on, `q`, Esc or `?` close; other keys do nothing.

use super::command_line::COMMANDS;
use super::prompt::PromptKind;
use super::state::{AppState, Effect, HelpPage};
use crate::action::Action;

/// One line of the help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpLine {
    /// A section title.
    pub header: bool,
    pub text: String,
}

fn line(header: bool, text: String) -> HelpLine {
    HelpLine { header, text }
}

/// The pager's lines, in one column: the key help, or the messages.
pub fn help_lines(state: &AppState) -> Vec<HelpLine> {
    match &state.help_page {
        HelpPage::Keys => key_lines(state),
        HelpPage::Messages => message_lines(state),
        HelpPage::Outbox => outbox_lines(state),
        HelpPage::Link { number, url, why } => link_lines(state, *number, url, why),
    }
}

/// A link shown whole: alone on its lines from the first column (cut only where the
/// screen ends), so the terminal can select it.
fn link_lines(state: &AppState, number: usize, url: &str, why: &str) -> Vec<HelpLine> {
    let mut out = vec![
        line(true, format!("Link {number}")),
        line(false, format!("Not opened: {why}.")),
        line(false, String::new()),
    ];
    let width = usize::from(state.screen.0).max(20);
    let chars: Vec<char> = url.chars().collect();
    for part in chars.chunks(width) {
        out.push(line(false, part.iter().collect()));
    }
    out.push(line(false, String::new()));
    out.push(line(
        false,
        "Select it with the mouse, or y and its number copies it (osc52 = true). q closes.".into(),
    ));
    out
}

/// `:outbox`: each waiting message, numbered, with why it waits and when it is tried.
fn outbox_lines(state: &AppState) -> Vec<HelpLine> {
    use tern_core::compose::outbox::OutState;
    let mut out = vec![line(
        true,
        format!("Outbox of {} (q closes)", state.account),
    )];
    let width = usize::from(state.screen.0).saturating_sub(5).max(20);
    for part in tern_core::mail::wrap(
        "Sent by itself when the server answers; :outbox-edit N takes one out to edit.",
        width,
    ) {
        out.push(line(false, part));
    }
    if state.outbox.is_empty() {
        out.push(line(false, "Nothing waits.".into()));
    }
    for (i, q) in state.outbox.iter().enumerate() {
        let clean = tern_core::mail::sanitize;
        out.push(line(
            false,
            format!(
                "{}. {} to {}",
                i + 1,
                clean(&q.subject),
                clean(&q.recipients.join(", "))
            ),
        ));
        let when = match q.state {
            OutState::Refused => {
                "refused: not tried again (edit it, or delete the draft)".to_string()
            }
            OutState::Sending => "being sent".to_string(),
            OutState::Waiting => format!(
                "try {} in {}s",
                q.tries + 1,
                (q.next_try - state.now).max(0)
            ),
        };
        // The server's words whole: wrapped, never cut.
        let text = format!("{when}; {}", clean(&q.reason));
        for part in tern_core::mail::wrap(&text, width) {
            out.push(line(false, format!("   {part}")));
        }
    }
    out
}

/// `:messages`: each message whole (wrapped to the screen), after its time.
fn message_lines(state: &AppState) -> Vec<HelpLine> {
    let mut out = vec![line(
        true,
        format!(
            "Messages (the last {}, newest last; q closes)",
            super::state::SAID_KEPT
        ),
    )];
    if state.said.is_empty() {
        out.push(line(false, "  (nothing said yet)".into()));
    }
    let width = usize::from(state.screen.0).saturating_sub(11).max(20);
    for (at, text) in &state.said {
        let time = chrono::DateTime::from_timestamp(at + i64::from(state.utc_offset), 0)
            .map(|t| t.format("%H:%M:%S").to_string())
            .unwrap_or_default();
        for (i, part) in tern_core::mail::wrap(text, width).into_iter().enumerate() {
            let head = if i == 0 { time.as_str() } else { "" };
            out.push(line(false, format!("  {head:<8} {part}")));
        }
    }
    out
}

/// `?`: the keys of each view, then the commands.
fn key_lines(state: &AppState) -> Vec<HelpLine> {
    let mut out = Vec::new();
    for (title, keys) in &state.keys_help {
        out.push(line(true, title.to_string()));
        for (k, action) in keys {
            out.push(line(
                false,
                format!("  {k:<16} {:<18} {}", action.name(), action.describe()),
            ));
        }
        out.push(line(false, String::new()));
    }
    // Actions no key is bound to are still one `:` away.
    let unbound: Vec<&Action> = Action::ALL
        .iter()
        .filter(|a| {
            !state
                .keys_help
                .iter()
                .any(|(_, keys)| keys.iter().any(|(_, b)| b == *a))
        })
        .collect();
    if !unbound.is_empty() {
        out.push(line(
            true,
            "Without a key (: and the name, e.g. :forward-attached)".into(),
        ));
        for a in unbound {
            out.push(line(
                false,
                format!("  {:<16} {:<18} {}", "", a.name(), a.describe()),
            ));
        }
        out.push(line(false, String::new()));
    }
    out.push(line(true, "Commands (:, Tab completes)".into()));
    for (name, args) in COMMANDS {
        out.push(line(false, format!("  :{name} {args}")));
    }
    out.push(line(
        false,
        "  :ACTION          any action above by its name, e.g. :toggle-threads".into(),
    ));
    out
}

impl AppState {
    /// Rows the help shows at once (the screen less the status line).
    pub fn help_rows(&self) -> usize {
        usize::from(self.screen.1.saturating_sub(1)).max(1)
    }

    /// The first line the help may start at and still fill the screen.
    fn help_last_top(&self) -> usize {
        help_lines(self).len().saturating_sub(self.help_rows())
    }

    /// Shows the last screenful.
    pub(super) fn help_scroll_to_end(&mut self) {
        self.help_scroll = self.help_last_top();
    }

    /// Scrolls the help by `delta` lines.
    fn help_scroll_by(&mut self, delta: isize) {
        let last = self.help_last_top();
        self.help_scroll = self.help_scroll.saturating_add_signed(delta).min(last);
    }

    /// Shows the next (or previous) line holding the text looked for.
    pub(super) fn help_next_hit(&mut self, forward: bool) {
        let Some(find) = self.help_find.clone() else {
            return;
        };
        let lines = help_lines(self);
        let hits: Vec<usize> = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.text.to_lowercase().contains(&find))
            .map(|(i, _)| i)
            .collect();
        let at = self.help_scroll;
        let next = if forward {
            hits.iter().find(|&&i| i > at).or(hits.first())
        } else {
            hits.iter().rev().find(|&&i| i < at).or(hits.last())
        };
        match next {
            Some(&i) => self.help_scroll = i.min(self.help_last_top().max(i)),
            None => self.status = Some(format!("\"{find}\" is not in the help")),
        }
    }

    /// `/` in the help found this (empty: stop finding).
    pub(super) fn help_found(&mut self, text: &str) {
        self.help_find = (!text.is_empty()).then(|| text.to_lowercase());
        self.help_scroll = self.help_scroll.saturating_sub(1);
        self.help_next_hit(true);
    }

    /// An action while the help is open.
    pub(super) fn act_in_help(&mut self, action: Action) -> Vec<Effect> {
        let page = self.help_rows() as isize;
        match action {
            Action::Down => self.help_scroll_by(1),
            Action::Up => self.help_scroll_by(-1),
            Action::PageDown | Action::Select => self.help_scroll_by(page),
            Action::PageUp => self.help_scroll_by(-page),
            Action::HalfPageDown => self.help_scroll_by(page / 2),
            Action::HalfPageUp => self.help_scroll_by(-page / 2),
            Action::First => self.help_scroll = 0,
            Action::Last => self.help_scroll = self.help_last_top(),
            Action::Search => self.ask(PromptKind::Find),
            Action::NextHit => self.help_next_hit(true),
            Action::PreviousHit => self.help_next_hit(false),
            Action::Quit | Action::ClearSearch | Action::Help => {
                self.help = false;
                self.help_scroll = 0;
                self.help_find = None;
            }
            _ => {}
        }
        Vec::new()
    }
}
