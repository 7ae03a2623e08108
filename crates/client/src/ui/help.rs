//! Drawing the help (`app::help` holds its lines and keys): one column over the whole
//! screen, from the line it is scrolled to; lines holding what `/` found stand out.

use crate::app::help::help_lines;
use crate::app::state::AppState;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;
use tern_core::mail::{fit, sanitize};

/// Draws the help over the whole area.
pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    frame.render_widget(Clear, area);
    let width = usize::from(area.width);
    let t = &state.theme;
    let shown: Vec<Line> = help_lines(state)
        .into_iter()
        .skip(state.help_scroll)
        .take(usize::from(area.height))
        .map(|l| {
            let text = fit(&sanitize(&l.text), width);
            let found = state
                .help_find
                .as_ref()
                .is_some_and(|f| l.text.to_lowercase().contains(f));
            if l.header {
                Line::styled(text, t.header)
            } else if found {
                Line::styled(text, t.selected)
            } else {
                Line::raw(text)
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(shown), area);
}
