//! Colours and styles by element, from the config's `[theme]`. The default uses only
//! the 16 ANSI colours and attributes, so it follows the terminal's own palette and
//! reads on dark and light backgrounds. `NO_COLOR` keeps the attributes, drops colours.

use ratatui::style::{Color, Modifier, Style};
use std::collections::BTreeMap;
use tern_core::config::EntryError;

/// The styles the screen uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    pub cursor: Style,
    pub selected: Style,
    pub unread: Style,
    pub flagged: Style,
    pub quoted: Style,
    pub header: Style,
    pub status: Style,
    pub sidebar_current: Style,
    pub sidebar_unread: Style,
    pub folder_column: Style,
    pub hit: Style,
    pub border: Style,
}

impl Default for Theme {
    fn default() -> Theme {
        let m = |m: Modifier| Style::default().add_modifier(m);
        Theme {
            cursor: m(Modifier::REVERSED),
            selected: Style::default()
                .fg(Color::Magenta)
                .add_modifier(Modifier::BOLD),
            unread: m(Modifier::BOLD),
            flagged: Style::default().fg(Color::Red),
            quoted: m(Modifier::DIM),
            header: m(Modifier::BOLD),
            status: m(Modifier::REVERSED),
            sidebar_current: m(Modifier::REVERSED),
            sidebar_unread: m(Modifier::BOLD),
            folder_column: Style::default().fg(Color::Cyan),
            hit: Style::default().fg(Color::Black).bg(Color::Yellow),
            border: Style::default().fg(Color::Blue),
        }
    }
}

fn color(name: &str) -> Option<Color> {
    Some(match name {
        "default" | "reset" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "white" | "gray" | "grey" => Color::Gray,
        "bright-black" | "dark-gray" | "dark-grey" => Color::DarkGray,
        "bright-red" => Color::LightRed,
        "bright-green" => Color::LightGreen,
        "bright-yellow" => Color::LightYellow,
        "bright-blue" => Color::LightBlue,
        "bright-magenta" => Color::LightMagenta,
        "bright-cyan" => Color::LightCyan,
        "bright-white" => Color::White,
        hex if hex.starts_with('#') && hex.len() == 7 => {
            let v = u32::from_str_radix(&hex[1..], 16).ok()?;
            Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8)
        }
        n => Color::Indexed(n.parse().ok()?),
    })
}

/// Parses a spec like `bold yellow`, `black on cyan`, `reverse`, `#ff8800 on default`.
pub fn parse_style(spec: &str) -> Result<Style, String> {
    let mut style = Style::default();
    let mut on = false;
    for word in spec.split_whitespace() {
        let w = word.to_lowercase();
        let modifier = match w.as_str() {
            "bold" => Some(Modifier::BOLD),
            "dim" => Some(Modifier::DIM),
            "italic" => Some(Modifier::ITALIC),
            "underline" | "underlined" => Some(Modifier::UNDERLINED),
            "reverse" | "reversed" => Some(Modifier::REVERSED),
            "plain" | "none" => {
                style = Style::default();
                continue;
            }
            "on" => {
                on = true;
                continue;
            }
            _ => None,
        };
        if let Some(m) = modifier {
            style = style.add_modifier(m);
            continue;
        }
        let c = color(&w).ok_or_else(|| {
            format!("{word:?} is not a colour (black, red, …, bright-cyan, 0-255, #rrggbb) or a style (bold, dim, italic, underline, reverse)")
        })?;
        style = if on { style.bg(c) } else { style.fg(c) };
    }
    Ok(style)
}

impl Theme {
    /// The default theme with the config's `[theme]` entries over it; `no_color` drops
    /// every colour. An error names the entry.
    pub fn from_config(
        entries: &BTreeMap<String, String>,
        no_color: bool,
    ) -> Result<Theme, EntryError> {
        let mut t = Theme::default();
        for (name, spec) in entries {
            let style = parse_style(spec).map_err(|e| EntryError::new(&["theme"], name, e))?;
            let slot = match name.as_str() {
                "cursor" => &mut t.cursor,
                "selected" => &mut t.selected,
                "unread" => &mut t.unread,
                "flagged" => &mut t.flagged,
                "quoted" => &mut t.quoted,
                "header" => &mut t.header,
                "status" => &mut t.status,
                "sidebar-current" => &mut t.sidebar_current,
                "sidebar-unread" => &mut t.sidebar_unread,
                "folder-column" => &mut t.folder_column,
                "hit" => &mut t.hit,
                "border" => &mut t.border,
                other => {
                    return Err(EntryError::new(
                        &["theme"],
                        other,
                        "no such element (cursor, selected, unread, flagged, quoted, header, status, sidebar-current, sidebar-unread, folder-column, hit, border)",
                    ))
                }
            };
            *slot = style;
        }
        if no_color {
            for s in [
                &mut t.cursor,
                &mut t.selected,
                &mut t.unread,
                &mut t.flagged,
                &mut t.quoted,
                &mut t.header,
                &mut t.status,
                &mut t.sidebar_current,
                &mut t.sidebar_unread,
                &mut t.folder_column,
                &mut t.hit,
                &mut t.border,
            ] {
                s.fg = None;
                s.bg = None;
            }
            // Without colour, these would vanish: give them an attribute instead.
            t.selected = t
                .selected
                .add_modifier(Modifier::BOLD | Modifier::UNDERLINED);
            t.hit = t.hit.add_modifier(Modifier::REVERSED);
        }
        Ok(t)
    }

    /// Whether `NO_COLOR` is set to something (https://no-color.org).
    pub fn no_color_env() -> bool {
        std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_errors_name_the_entry() {
        assert_eq!(
            parse_style("bold black on cyan").unwrap(),
            Style::default()
                .fg(Color::Black)
                .bg(Color::Cyan)
                .add_modifier(Modifier::BOLD)
        );
        let mut e = BTreeMap::new();
        e.insert("unread".to_string(), "sparkly".to_string());
        assert!(Theme::from_config(&e, false)
            .unwrap_err()
            .to_string()
            .contains("[theme] \"unread\""));
        let t = Theme::from_config(&BTreeMap::new(), true).unwrap();
        assert_eq!(t.flagged.fg, None);
        assert_eq!(t.hit.bg, None);
    }
}
