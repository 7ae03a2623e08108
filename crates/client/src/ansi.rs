//! The terminal backend: crossterm's for everything but the cells, which are written
//! here so the 16 ANSI colours go out as themselves (`ESC[35m`; crossterm writes
//! `ESC[38;5;5m`, which `TERM=screen` and old terminals show wrong) and no
//! underline-colour sequences go out at all. A theme that asks for a 256-colour index or
//! an RGB value still gets it.

use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use ratatui::style::{Color, Modifier};
use std::io::{self, Stdout, Write};

/// Crossterm's backend on stdout, with the cells written by `encode`.
pub struct AnsiBackend {
    inner: CrosstermBackend<Stdout>,
}

impl AnsiBackend {
    pub fn stdout() -> AnsiBackend {
        AnsiBackend {
            inner: CrosstermBackend::new(io::stdout()),
        }
    }
}

/// The bytes that draw these cells: cursor moves, SGR attributes, the symbols, and a
/// reset at the end.
pub fn encode<'a>(content: impl Iterator<Item = (u16, u16, &'a Cell)>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut last: Option<(u16, u16)> = None;
    let mut style: Option<(Color, Color, Modifier)> = None;
    for (x, y, cell) in content {
        if !matches!(last, Some((lx, ly)) if ly == y && lx.checked_add(1) == Some(x)) {
            out.extend_from_slice(format!("\x1b[{};{}H", y + 1, x + 1).as_bytes());
        }
        last = Some((x, y));
        let now = (cell.fg, cell.bg, cell.modifier);
        if style != Some(now) {
            sgr(&mut out, now);
            style = Some(now);
        }
        out.extend_from_slice(cell.symbol().as_bytes());
    }
    out.extend_from_slice(b"\x1b[0m");
    out
}

/// One SGR sequence that sets the whole style from a clean slate.
fn sgr(out: &mut Vec<u8>, (fg, bg, modifier): (Color, Color, Modifier)) {
    let mut codes = vec!["0".to_string()];
    for (m, code) in [
        (Modifier::BOLD, "1"),
        (Modifier::DIM, "2"),
        (Modifier::ITALIC, "3"),
        (Modifier::UNDERLINED, "4"),
        (Modifier::SLOW_BLINK, "5"),
        (Modifier::RAPID_BLINK, "6"),
        (Modifier::REVERSED, "7"),
        (Modifier::HIDDEN, "8"),
        (Modifier::CROSSED_OUT, "9"),
    ] {
        if modifier.contains(m) {
            codes.push(code.to_string());
        }
    }
    codes.extend(colour(fg, 30));
    codes.extend(colour(bg, 40));
    out.extend_from_slice(format!("\x1b[{}m", codes.join(";")).as_bytes());
}

/// The SGR parameters of a colour; `base` is 30 for the foreground, 40 for the
/// background. `None` for the terminal's default (already set by the leading reset).
fn colour(c: Color, base: u8) -> Option<String> {
    let named = |n: u8| Some((base + n).to_string());
    let bright = |n: u8| Some((base + 60 + n).to_string());
    match c {
        Color::Reset => None,
        Color::Black => named(0),
        Color::Red => named(1),
        Color::Green => named(2),
        Color::Yellow => named(3),
        Color::Blue => named(4),
        Color::Magenta => named(5),
        Color::Cyan => named(6),
        Color::Gray => named(7),
        Color::DarkGray => bright(0),
        Color::LightRed => bright(1),
        Color::LightGreen => bright(2),
        Color::LightYellow => bright(3),
        Color::LightBlue => bright(4),
        Color::LightMagenta => bright(5),
        Color::LightCyan => bright(6),
        Color::White => bright(7),
        Color::Indexed(i) => Some(format!("{};5;{i}", base + 8)),
        Color::Rgb(r, g, b) => Some(format!("{};2;{r};{g};{b}", base + 8)),
    }
}

impl Backend for AnsiBackend {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        // Straight to stdout, the writer the inner backend's cursor commands use too, so
        // they stay in order.
        io::stdout().write_all(&encode(content))
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        self.inner.show_cursor()
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        self.inner.get_cursor_position()
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        self.inner.set_cursor_position(position)
    }

    fn clear(&mut self) -> io::Result<()> {
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> io::Result<Size> {
        self.inner.size()
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        self.inner.window_size()
    }

    fn flush(&mut self) -> io::Result<()> {
        Backend::flush(&mut self.inner)
    }
}

/// The bytes that draw a whole buffer (for tests of what goes out).
#[cfg(test)]
pub(crate) fn encode_buffer(buf: &ratatui::buffer::Buffer) -> Vec<u8> {
    let w = buf.area.width.max(1);
    encode(
        buf.content
            .iter()
            .enumerate()
            .map(|(i, c)| ((i as u16) % w, (i as u16) / w, c)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    #[test]
    fn named_colours_go_out_as_the_sixteen_and_others_as_asked() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 4, 1));
        buf.set_string(0, 0, "a", Style::default().fg(Color::Magenta));
        buf.set_string(
            1,
            0,
            "b",
            Style::default().fg(Color::Black).bg(Color::Yellow),
        );
        buf.set_string(2, 0, "c", Style::default().fg(Color::LightCyan).bold());
        buf.set_string(3, 0, "d", Style::default().fg(Color::Indexed(208)));
        let s = String::from_utf8(encode_buffer(&buf)).unwrap();
        assert_eq!(
            s,
            "\x1b[1;1H\x1b[0;35ma\x1b[0;30;43mb\x1b[0;1;96mc\x1b[0;38;5;208md\x1b[0m"
        );
    }
}
