//! `:search-all` hits: the folder of each, then date, sender and subject.

use super::message_list::short_date;
use crate::app::state::AppState;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use tern_core::mail::{fit, sanitize};

/// Draws the hits.
pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    let Some(r) = state.results.as_ref() else {
        return;
    };
    let width = usize::from(area.width);
    let rows = usize::from(area.height);
    let mut head = format!(
        "Search in every folder: {}  ({} hits",
        sanitize(&r.query),
        r.hits.len()
    );
    if r.local.is_some() || !r.waiting.is_empty() {
        head.push_str(", searching…");
    }
    if let Some(n) = &r.note {
        head.push_str("; ");
        head.push_str(n);
    }
    head.push(')');
    let mut lines = vec![Line::styled(fit(&head, width), state.theme.header)];
    let accounts = state.account_count() > 1;
    for (i, h) in r
        .hits
        .iter()
        .enumerate()
        .skip(r.top)
        .take(rows.saturating_sub(1))
    {
        let place = if accounts {
            format!("{}/{}", state.account_name(h.account), h.folder)
        } else {
            h.folder.clone()
        };
        let m = &h.row;
        let folder = fit(&sanitize(&place), 16);
        let date = fit(&short_date(m.date, state.now, state.utc_offset), 10);
        let from = fit(
            &sanitize(match m.sender() {
                "" => "(no sender)",
                who => who,
            }),
            20,
        );
        let rest = width.saturating_sub(16 + 10 + 20 + 3);
        let text = format!(" {date} {from} {}", fit(&sanitize(m.subject()), rest));
        let mut line = Line::from(vec![
            Span::styled(folder, state.theme.folder_column),
            Span::raw(text),
        ]);
        if i == r.cursor {
            line = line.style(state.theme.cursor);
        }
        lines.push(line);
    }
    frame.render_widget(Paragraph::new(lines), area);
}
