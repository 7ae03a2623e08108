//! What to write to turn the last frame into the next: the cells that changed, and,
//! where a pane's rows moved up or down (the list or the reader scrolled), the
//! terminal's own scrolling inside a scroll region instead of every row rewritten. Over
//! SSH a half-page jump then costs the rows that came into view, not the whole pane.
//! Pure: buffers in, bytes out.

use crate::ansi::encode;
use ratatui::buffer::{Buffer, Cell, CellDiffOption};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};
use std::borrow::Cow;
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
    let blank;
    let mut shown: Cow<'_, Buffer> = match prev {
        Some(p) if p.area == new.area => Cow::Borrowed(p),
        _ => {
            blank = Buffer::empty(new.area);
            Cow::Borrowed(&blank)
        }
    };
    let mut out = Vec::new();
    for band in bands {
        if let Some(s) = detect(&shown, new, band.intersection(new.area)) {
            out.extend_from_slice(&escapes(s));
            shift(shown.to_mut(), s);
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
    let w = usize::from(new.area.width);
    let row_at = |r: usize| (usize::from(band.y) + r) * w + usize::from(band.x);
    let row = |b, r| cells(b, row_at(r), usize::from(band.width));
    // Most frames (the cursor moved within the page) change a row or two: no search.
    let unchanged = (0..h).filter(|&r| row(prev, r) == row(new, r)).count();
    if unchanged + 2 >= h {
        return None;
    }
    // Each row of the band as one number, so trying every distance is cheap.
    let hashes = |b: &Buffer| -> Vec<u64> {
        (0..h)
            .map(|r| {
                let mut hasher = Fx(0);
                cells(b, row_at(r), usize::from(band.width)).hash(&mut hasher);
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
    let (best, found) = (1..h as isize)
        .flat_map(|d| [d, -d])
        .map(|d| (d, same(d)))
        .max_by_key(|&(d, n)| (n, -d.abs()))?;
    if found < 2 || found <= unchanged {
        return None;
    }
    let s = Scroll {
        top: band.y,
        bottom: band.y + band.height - 1,
        by: i32::try_from(best).ok()?,
    };
    // The cells to write either way, over the band's whole rows (the rest is alike).
    let full = |b, y: usize| cells(b, y * w, w);
    let differ = |a: &[Cell], b: &[Cell]| a.iter().zip(b).filter(|(x, y)| x != y).count();
    let blank_row = vec![Cell::EMPTY; w];
    let (mut now, mut moved) = (0, 0);
    for r in 0..h {
        let y = usize::from(band.y) + r;
        now += differ(full(prev, y), full(new, y));
        let from = r as isize + best;
        let was = if from >= 0 && (from as usize) < h {
            full(prev, usize::from(band.y) + from as usize)
        } else {
            &blank_row
        };
        moved += differ(was, full(new, y));
    }
    // A scroll's own bytes are about 20; a cell about one.
    (moved + 20 < now).then_some(s)
}

/// `len` cells of `b` from index `from`.
fn cells(b: &Buffer, from: usize, len: usize) -> &[Cell] {
    &b.content[from..from + len]
}

/// A fast hash for rows (FxHash's step): the rows are compared again before use, so
/// only speed matters.
struct Fx(u64);

impl Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
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
