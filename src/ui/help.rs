//! `?`: the keys, made from the live keymap tables.

use crate::action::Action;
use crate::app::keymap::{DEFAULT_LIST_KEYS, DEFAULT_READER_KEYS};
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

fn section(title: &str, table: &[(&str, Action)], out: &mut Vec<Line<'static>>) {
    out.push(Line::styled(
        title.to_string(),
        Style::default().add_modifier(Modifier::BOLD),
    ));
    let mut seen: Vec<Action> = Vec::new();
    for (_, action) in table {
        if seen.contains(action) {
            continue;
        }
        seen.push(*action);
        let keys: Vec<&str> = table
            .iter()
            .filter(|(_, a)| a == action)
            .map(|(k, _)| *k)
            .collect();
        out.push(Line::raw(format!(
            "  {:<16} {}",
            keys.join(", "),
            action.describe()
        )));
    }
    out.push(Line::raw(""));
}

/// The help's lines.
pub fn lines() -> Vec<Line<'static>> {
    let mut out = Vec::new();
    section("Message list", DEFAULT_LIST_KEYS, &mut out);
    section("Reader", DEFAULT_READER_KEYS, &mut out);
    out.push(Line::raw("Any key closes this help."));
    out
}

/// Draws the help over the whole area.
pub fn render(frame: &mut Frame, area: Rect) {
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines()), area);
}
