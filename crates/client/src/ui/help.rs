//! `?`: the keys, made from the live keymaps (config overrides included), and the `:`
//! commands.

use crate::app::command_line::COMMANDS;
use crate::app::state::AppState;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

/// The help's lines.
pub fn lines(state: &AppState) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for (title, keys) in &state.keys_help {
        out.push(Line::styled(title.to_string(), state.theme.header));
        for (k, action) in keys {
            out.push(Line::raw(format!("  {k:<14} {}", action.describe())));
        }
        out.push(Line::raw(""));
    }
    out.push(Line::styled(
        "Commands (:, Tab completes)",
        state.theme.header,
    ));
    for (name, args) in COMMANDS {
        out.push(Line::raw(format!("  :{name} {args}")));
    }
    out.push(Line::raw(
        "  :ACTION          any action above by name, e.g. :toggle-threads",
    ));
    out.push(Line::raw(""));
    out.push(Line::raw("Any key closes this help."));
    out
}

/// Columns of help, each this wide, as many as the screen holds.
const COLUMN: u16 = 60;

/// Draws the help over the whole area, in columns when it is longer than the screen.
pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    frame.render_widget(Clear, area);
    let all = lines(state);
    let rows = usize::from(area.height.max(1));
    let mut x = area.x;
    for chunk in all.chunks(rows) {
        if x >= area.x + area.width {
            break;
        }
        let width = COLUMN.min(area.x + area.width - x);
        let col = Rect {
            x,
            y: area.y,
            width,
            height: area.height,
        };
        frame.render_widget(Paragraph::new(chunk.to_vec()), col);
        x += COLUMN;
    }
}
