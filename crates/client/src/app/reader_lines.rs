//! The reader's text as lines at a width: headers (long ones cut short unless all are
//! asked for), the body wrapped by display width with quoted lines dimmed, attachments.
//! Built on the state side, so that paging and find in the message know the lines
//! without the renderer writing anything back.

use super::reader::Reader;
use super::theme::Theme;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use tern_core::mail::{sanitize, wrap, Rendered};

/// A size in plain words (B, KB, MB).
pub fn size_text(bytes: usize) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{:.0} KB", b as f64 / 1024.0),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}

/// Lines a main header may take before it is cut short.
const MAX_HEADER_LINES: usize = 3;

/// Every line the reader shows for a message at `width` columns.
pub fn lines(r: &Rendered, width: usize, all_headers: bool, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let headers = if all_headers && !r.all_headers.is_empty() {
        &r.all_headers
    } else {
        &r.headers
    };
    for (name, value) in headers {
        let name = sanitize(name);
        let text = format!("{name}: {}", sanitize(value));
        let mut wrapped = wrap(&text, width);
        // Thousands of recipients must not push the text off the screen: the main
        // headers take a few lines each; `h` shows them whole.
        if !all_headers && wrapped.len() > MAX_HEADER_LINES {
            let more = wrapped.len() - MAX_HEADER_LINES;
            wrapped.truncate(MAX_HEADER_LINES);
            wrapped.push(format!("  … {more} more lines (h shows all headers)"));
        }
        for (i, l) in wrapped.into_iter().enumerate() {
            out.push(
                if i == 0 && l.len() > name.len() && l.is_char_boundary(name.len() + 1) {
                    let (n, v) = l.split_at(name.len() + 1);
                    Line::from(vec![
                        Span::styled(n.to_string(), theme.header),
                        Span::raw(v.to_string()),
                    ])
                } else {
                    Line::raw(l)
                },
            );
        }
    }
    out.push(Line::raw(""));
    if let Some(note) = &r.note {
        for l in wrap(&format!("[{}]", sanitize(note)), width) {
            out.push(Line::styled(l, theme.quoted));
        }
    }
    for raw_line in r.body.lines() {
        let clean = sanitize(raw_line);
        let style = if clean.trim_start().starts_with('>') {
            theme.quoted
        } else {
            Style::default()
        };
        for l in wrap(clean.trim_end(), width) {
            out.push(Line::styled(l, style));
        }
    }
    if !r.links.is_empty() {
        out.push(Line::raw(""));
        out.push(Line::styled(
            "Links (l and the number opens one):",
            theme.header,
        ));
        for (i, url) in r.links.iter().enumerate() {
            let text = format!("  [{}] {}", i + 1, sanitize(url));
            out.extend(wrap(&text, width).into_iter().map(Line::raw));
        }
    }
    if !r.attachments.is_empty() {
        out.push(Line::raw(""));
        out.push(Line::styled(
            "Attachments (s saves, O opens):",
            theme.header,
        ));
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

fn line_text(l: &Line) -> String {
    l.spans.iter().map(|s| s.content.as_ref()).collect()
}

/// Tells the reader how many rows it has, how long its text is at this size, and
/// which lines hold the text searched for.
pub fn layout(reader: &mut Reader, width: u16, height: u16, theme: &Theme) {
    reader.rows = usize::from(height).max(1);
    let all = reader
        .rendered
        .as_ref()
        .map(|r| lines(r, usize::from(width), reader.all_headers, theme))
        .unwrap_or_default();
    reader.total_lines = all.len();
    if let Some(find) = reader.find.clone() {
        let fresh = reader.hits.is_empty();
        reader.hits = all
            .iter()
            .enumerate()
            .filter(|(_, l)| line_text(l).to_lowercase().contains(&find))
            .map(|(i, _)| i)
            .collect();
        if fresh && !reader.hits.is_empty() {
            reader.hit = 0;
            reader.scroll = reader.hits[0].saturating_sub(2);
        }
    }
    let max = reader.total_lines.saturating_sub(reader.rows);
    reader.scroll = reader.scroll.min(max);
}
