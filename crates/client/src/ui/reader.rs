//! The reader: headers, the body wrapped to the width (quoted lines dimmed), attachments.

use super::theme::Theme;
use crate::app::reader::Reader;
use crate::app::reader_lines::{lines, size_text};
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Draws the open message.
pub fn render(frame: &mut Frame, area: Rect, reader: &Reader, theme: &Theme) {
    let body = match &reader.rendered {
        None => vec![Line::raw(match reader.progress {
            Some((done, total)) if total > 0 => format!(
                "  loading the message… {} of {}",
                size_text(done as usize),
                size_text(total as usize)
            ),
            Some((done, _)) => format!("  loading the message… {}", size_text(done as usize)),
            None => "  loading the message…".to_string(),
        })],
        Some(r) => lines(r, usize::from(area.width), reader.all_headers, theme)
            .into_iter()
            .enumerate()
            .skip(reader.scroll)
            .take(usize::from(area.height))
            .map(|(i, l)| {
                if reader.find.is_some() && reader.hits.contains(&i) {
                    l.style(theme.hit)
                } else {
                    l
                }
            })
            .collect(),
    };
    frame.render_widget(Paragraph::new(body), area);
}
