//! The reader: headers, the body wrapped to the width (quoted lines dimmed), attachments.

use crate::app::reader::Reader;
use crate::mail::{sanitize, wrap, Rendered};
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

fn size_text(bytes: usize) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{:.0} KB", b as f64 / 1024.0),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}

/// Every line the reader shows for a message at `width` columns.
pub fn lines(r: &Rendered, width: usize) -> Vec<Line<'static>> {
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let dim = Style::default().add_modifier(Modifier::DIM);
    let mut out = Vec::new();
    for (name, value) in &r.headers {
        let text = format!("{name}: {}", sanitize(value));
        for (i, l) in wrap(&text, width).into_iter().enumerate() {
            out.push(if i == 0 && l.len() > name.len() {
                let (n, v) = l.split_at(name.len() + 1);
                Line::from(vec![
                    Span::styled(n.to_string(), bold),
                    Span::raw(v.to_string()),
                ])
            } else {
                Line::raw(l)
            });
        }
    }
    out.push(Line::raw(""));
    if let Some(note) = &r.note {
        out.push(Line::styled(format!("[{}]", sanitize(note)), dim));
    }
    for raw_line in r.body.lines() {
        let clean = sanitize(raw_line);
        let style = if clean.trim_start().starts_with('>') {
            dim
        } else {
            Style::default()
        };
        for l in wrap(clean.trim_end(), width) {
            out.push(Line::styled(l, style));
        }
    }
    if !r.attachments.is_empty() {
        out.push(Line::raw(""));
        out.push(Line::styled("Attachments:", bold));
        for (i, a) in r.attachments.iter().enumerate() {
            let text = format!(
                "  {}. {} ({}, {})",
                i + 1,
                sanitize(&a.name),
                sanitize(&a.mime),
                size_text(a.size)
            );
            out.extend(wrap(&text, width).into_iter().map(Line::raw));
        }
    }
    out
}

/// Tells the reader how many rows it has and how long its text is at this size.
pub fn layout(reader: &mut Reader, width: u16, height: u16) {
    reader.rows = usize::from(height.saturating_sub(1));
    reader.total_lines = reader
        .rendered
        .as_ref()
        .map(|r| lines(r, usize::from(width)).len())
        .unwrap_or(0);
    let max = reader.total_lines.saturating_sub(reader.rows.max(1));
    reader.scroll = reader.scroll.min(max);
}

/// Draws the open message full screen.
pub fn render(frame: &mut Frame, area: Rect, reader: &Reader) {
    let body = match &reader.rendered {
        None => vec![Line::raw("  loading the message…")],
        Some(r) => lines(r, usize::from(area.width))
            .into_iter()
            .skip(reader.scroll)
            .take(usize::from(area.height))
            .collect(),
    };
    frame.render_widget(Paragraph::new(body), area);
}
