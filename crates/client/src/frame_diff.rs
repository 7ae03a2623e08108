//! What to write to turn the last frame into the next: the cells that changed, and,
//! where a pane's rows moved up or down (the list or the reader scrolled), the
//! terminal's own scrolling inside a scroll region instead of every row rewritten. Over
//! SSH a half-page jump then costs the rows that came into view, not the whole pane.
//! Pure: buffers in, bytes out.

use crate::ansi::encode;
use ratatui::buffer::{Buffer, Cell, CellDiffOption};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};
use std::hash::{Hash, Hasher};
use unicode_width::UnicodeWidthStr;

/// Rows `top..=bottom` (full width: scroll regions span the screen) move up by `by`
/// rows (down when negative); rows scrolled in are blank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scroll {
    pub top: u16,
    pub bottom: u16,
    pub by: i32,
}

/// Gaps of unchanged cells at most this wide between two changes on a row are written
/// over rather than jumped (a cursor move costs about as many bytes).
const GAP: u16 = 6;

/// The bytes that turn what `prev` shows into `new`, scrolling the rows of `bands`
/// where they moved. `prev` is `None` (or of another size) when the screen is blank.
pub fn bytes(prev: Option<&Buffer>, new: &Buffer, bands: &[Rect]) -> Vec<u8> {
    let mut shown = match prev {
        Some(p) if p.area == new.area => p.clone(),
        _ => Buffer::empty(new.area),
    };
    let mut out = Vec::new();
    for band in bands {
        if let Some(s) = detect(&shown, new, band.intersection(new.area)) {
            out.extend_from_slice(&escapes(s));
            shift(&mut shown, s);
        }
    }
    // A space looks the same in bold or in colour: rows of unread mail (bold) need not
    // write their padding over a blank.
    let changes: Vec<_> = shown
        .diff(new)
        .into_iter()
        .filter(|&(x, y, cell)| {
            !(looks_blank(cell) && looks_blank(&shown[(x, y)]) && !after_wide(&shown, x, y))
        })
        .collect();
    let changes = coalesce(new, changes);
    if !changes.is_empty() {
        out.extend(encode(changes.into_iter()));
    }
    out
}

/// The terminal's bytes for a scroll: set the region, line feeds at its bottom (or
/// reverse index at its top), then the whole screen as the region again. Line feed and
/// reverse index are VT100, understood by every terminal and by tmux and screen.
fn escapes(s: Scroll) -> Vec<u8> {
    // Plain attributes first: the rows scrolled in take the current background.
    let mut out = format!("\x1b[0m\x1b[{};{}r", s.top + 1, s.bottom + 1).into_bytes();
    if s.by > 0 {
        out.extend_from_slice(format!("\x1b[{};1H", s.bottom + 1).as_bytes());
        out.extend(std::iter::repeat_n(b'\n', s.by.unsigned_abs() as usize));
    } else {
        out.extend_from_slice(format!("\x1b[{};1H", s.top + 1).as_bytes());
        for _ in 0..s.by.unsigned_abs() {
            out.extend_from_slice(b"\x1bM");
        }
    }
    out.extend_from_slice(b"\x1b[r");
    out
}

/// What the terminal shows after the scroll `s` of what `buf` showed.
pub fn shift(buf: &mut Buffer, s: Scroll) {
    let w = usize::from(buf.area.width);
    let (top, bottom) = (usize::from(s.top), usize::from(s.bottom));
    let n = s.by.unsigned_abs() as usize;
    if w == 0 || bottom < top || n == 0 {
        return;
    }
    let rows = bottom - top + 1;
    let region = &mut buf.content[top * w..(bottom + 1) * w];
    if n >= rows {
        region.fill(Cell::EMPTY);
    } else if s.by > 0 {
        region.rotate_left(n * w);
        region[(rows - n) * w..].fill(Cell::EMPTY);
    } else {
        region.rotate_right(n * w);
        region[..n * w].fill(Cell::EMPTY);
    }
}

/// The scroll of `band`'s rows that `prev` to `new` shows, if scrolling writes less
/// than rewriting: rows are compared within the band's columns to find how far they
/// moved, and the cells of the whole rows to weigh it (a scroll moves the sidebar's
/// part of the rows too, which must then be written back).
pub fn detect(prev: &Buffer, new: &Buffer, band: Rect) -> Option<Scroll> {
    let h = usize::from(band.height);
    let at_origin = new.area.x == 0 && new.area.y == 0;
    if h < 2 || band.width == 0 || prev.area != new.area || !at_origin {
        return None;
    }
    // Each row of the band as one number, so trying every distance is cheap.
    let hashes = |b: &Buffer| -> Vec<u64> {
        let w = usize::from(b.area.width);
        (0..h)
            .map(|r| {
                let y = usize::from(band.y) + r;
                let from = y * w + usize::from(band.x);
                let mut hasher = std::hash::DefaultHasher::new();
                b.content[from..from + usize::from(band.width)].hash(&mut hasher);
                hasher.finish()
            })
            .collect()
    };
    let (before, after) = (hashes(prev), hashes(new));
    let same = |d: isize| -> usize {
        (0..h)
            .filter(|&r| {
                let from = r as isize + d;
                from >= 0 && (from as usize) < h && after[r] == before[from as usize]
            })
            .count()
    };
    let still = same(0);
    let (best, found) = (1..h as isize)
        .flat_map(|d| [d, -d])
        .map(|d| (d, same(d)))
        .max_by_key(|&(d, n)| (n, -d.abs()))?;
    if found < 2 || found <= still {
        return None;
    }
    let s = Scroll {
        top: band.y,
        bottom: band.y + band.height - 1,
        by: i32::try_from(best).ok()?,
    };
    let mut moved = prev.clone();
    shift(&mut moved, s);
    let cost = |b: &Buffer| b.diff_iter(new).count();
    // A scroll's own bytes are about 20; a cell about one.
    (cost(&moved) + 20 < cost(prev)).then_some(s)
}

/// Whether a cell shows as the terminal's blank: a space on the default background,
/// with nothing that draws on a space (reverse, underline, strike-through).
fn looks_blank(c: &Cell) -> bool {
    let drawn = Modifier::REVERSED | Modifier::UNDERLINED | Modifier::CROSSED_OUT;
    c.symbol() == " "
        && c.bg == Color::Reset
        && !c.modifier.intersects(drawn)
        && c.diff_option == CellDiffOption::None
}

/// Whether the cell left of (x, y) holds a wide character, whose right half is at (x, y)
/// on the terminal whatever the buffer says: that cell must be written.
fn after_wide(b: &Buffer, x: u16, y: u16) -> bool {
    x.checked_sub(1)
        .and_then(|lx| b.cell((lx, y)))
        .is_some_and(|c| c.symbol().width() > 1)
}

/// The changed cells, with short runs of unchanged ones between two changes on a row
/// filled in when that is cheaper than a cursor move: plain one-column cells of the
/// same style as the change before them.
fn coalesce<'a>(new: &'a Buffer, changes: Vec<(u16, u16, &'a Cell)>) -> Vec<(u16, u16, &'a Cell)> {
    let w = new.area.width;
    let mut out: Vec<(u16, u16, &Cell)> = Vec::with_capacity(changes.len());
    for (x, y, cell) in changes {
        if let Some(&(lx, ly, last)) = out.last() {
            let gap = x.saturating_sub(lx + 1);
            let plain = |c: &Cell| {
                matches!(c.symbol().as_bytes(), [b] if b.is_ascii_graphic() || *b == b' ')
                    && c.diff_option == CellDiffOption::None
                    && c.fg == last.fg
                    && c.bg == last.bg
                    && c.modifier == last.modifier
            };
            let fill: Option<Vec<&Cell>> =
                (ly == y && gap > 0 && gap <= GAP && last.symbol().len() == 1).then(|| {
                    (lx + 1..x)
                        .map(|gx| &new.content[usize::from(y) * usize::from(w) + usize::from(gx)])
                        .collect()
                });
            if let Some(cells) = fill.filter(|cells| cells.iter().all(|c| plain(c))) {
                out.extend(
                    cells
                        .into_iter()
                        .enumerate()
                        .map(|(i, c)| (lx + 1 + i as u16, y, c)),
                );
            }
        }
        out.push((x, y, cell));
    }
    out
}

#[cfg(test)]
#[path = "frame_diff_tests.rs"]
mod tests;
