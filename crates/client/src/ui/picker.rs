//! The folder picker of `M`, `C` and `c`: a box of folders matching what is typed.

use crate::app::prompt::PromptKind;
use crate::app::state::AppState;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;
use tern_core::mail::{fit, sanitize};

/// Folders shown at most.
const SHOWN: usize = 12;

/// Draws the picker when one is open.
pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    let Some(p) = state.prompt.as_ref() else {
        return;
    };
    if !matches!(p.kind, PromptKind::Pick(_)) {
        return;
    }
    let all = state.pick_candidates(&p.text);
    let first = p.choice.saturating_sub(SHOWN - 1);
    let width = area.width.clamp(20, 50);
    let height = (all.len().clamp(1, SHOWN) as u16 + 2).min(area.height);
    let rect = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + area.height.saturating_sub(height) / 2,
        width,
        height,
    };
    let inner_w = usize::from(width.saturating_sub(2));
    let mut lines: Vec<Line> = all
        .iter()
        .enumerate()
        .skip(first)
        .take(SHOWN)
        .map(|(i, name)| {
            let text = fit(&sanitize(name), inner_w);
            if i == p.choice {
                Line::styled(text, state.theme.cursor)
            } else {
                Line::raw(text)
            }
        })
        .collect();
    if lines.is_empty() {
        lines.push(Line::raw("no folder matches"));
    }
    let title = format!(" {}(↑↓ Enter, Esc) ", p.label());
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(state.theme.border)
                .title(title),
        ),
        rect,
    );
}
