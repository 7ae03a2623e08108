//! A screen model: enough of a VT100/xterm to follow what ratatui and crossterm write.

use super::*;

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Parse {
    Ground,
    Esc,
    /// ESC followed by an intermediate byte (`(`, `)`, `#`, ...): one more byte.
    EscArg,
    Csi,
    Osc,
    OscEsc,
}

pub(super) struct Screen {
    pub(super) rows: usize,
    pub(super) cols: usize,
    /// `'\0'` marks the right half of a wide character.
    pub(super) cells: Vec<Vec<char>>,
    pub(super) row: usize,
    pub(super) col: usize,
    pub(super) wrap_pending: bool,
    pub(super) state: Parse,
    pub(super) csi: Vec<u8>,
    pub(super) utf8: Vec<u8>,
    /// Answers the terminal owes the program (cursor position reports).
    pub(super) replies: Vec<u8>,
    /// The scroll region's first and last rows (DECSTBM).
    pub(super) top: usize,
    pub(super) bottom: usize,
}

impl Screen {
    pub(super) fn new(rows: usize, cols: usize) -> Screen {
        Screen {
            rows,
            cols,
            cells: vec![vec![' '; cols]; rows],
            row: 0,
            col: 0,
            wrap_pending: false,
            state: Parse::Ground,
            csi: Vec::new(),
            utf8: Vec::new(),
            replies: Vec::new(),
            top: 0,
            bottom: rows - 1,
        }
    }

    pub(super) fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            match self.state {
                Parse::Ground => self.ground(b),
                Parse::Esc => {
                    self.state = Parse::Ground;
                    match b {
                        b'[' => {
                            self.csi.clear();
                            self.state = Parse::Csi;
                        }
                        b']' | b'P' | b'_' | b'^' => self.state = Parse::Osc,
                        b'(' | b')' | b'*' | b'+' | b'#' | b'%' => self.state = Parse::EscArg,
                        b'c' => self.clear(0, 0, self.rows - 1, self.cols - 1),
                        b'D' => self.linefeed(),
                        b'E' => {
                            self.col = 0;
                            self.linefeed()
                        }
                        b'M' if self.row == self.top => self.scroll_down(1),
                        b'M' => self.row = self.row.saturating_sub(1),
                        _ => {}
                    }
                }
                Parse::EscArg => self.state = Parse::Ground,
                Parse::Csi => {
                    if (0x40..=0x7e).contains(&b) {
                        self.state = Parse::Ground;
                        self.csi_final(b);
                    } else {
                        self.csi.push(b);
                    }
                }
                Parse::Osc => match b {
                    0x07 => self.state = Parse::Ground,
                    0x1b => self.state = Parse::OscEsc,
                    _ => {}
                },
                Parse::OscEsc => self.state = Parse::Ground,
            }
        }
    }

    pub(super) fn ground(&mut self, b: u8) {
        match b {
            0x1b => {
                self.utf8.clear();
                self.state = Parse::Esc;
            }
            b'\r' => {
                self.col = 0;
                self.wrap_pending = false;
            }
            b'\n' | 0x0b | 0x0c => {
                self.wrap_pending = false;
                self.linefeed();
            }
            0x08 => {
                self.col = self.col.saturating_sub(1);
                self.wrap_pending = false;
            }
            b'\t' => self.col = ((self.col / 8 + 1) * 8).min(self.cols - 1),
            0..=0x1f | 0x7f => {}
            _ => {
                self.utf8.push(b);
                match std::str::from_utf8(&self.utf8) {
                    Ok(s) => {
                        let c = s.chars().next().unwrap_or(' ');
                        self.utf8.clear();
                        self.print(c);
                    }
                    Err(e) if e.error_len().is_some() || self.utf8.len() >= 4 => {
                        self.utf8.clear();
                        self.print('\u{fffd}');
                    }
                    Err(_) => {}
                }
            }
        }
    }

    pub(super) fn print(&mut self, c: char) {
        let w = c.width().unwrap_or(0);
        if w == 0 {
            return;
        }
        if self.wrap_pending || self.col + w > self.cols {
            self.col = 0;
            self.wrap_pending = false;
            self.linefeed();
        }
        self.cells[self.row][self.col] = c;
        if w == 2 {
            self.cells[self.row][self.col + 1] = '\0';
        }
        self.col += w;
        if self.col >= self.cols {
            self.col = self.cols - 1;
            self.wrap_pending = true;
        }
    }

    pub(super) fn linefeed(&mut self) {
        if self.row == self.bottom {
            self.scroll_up(1);
        } else if self.row + 1 < self.rows {
            self.row += 1;
        }
    }

    /// Scrolls the region's rows up by `n`, blank rows coming in at its bottom.
    pub(super) fn scroll_up(&mut self, n: usize) {
        for _ in 0..n.min(self.bottom - self.top + 1) {
            self.cells.remove(self.top);
            self.cells.insert(self.bottom, vec![' '; self.cols]);
        }
    }

    /// Scrolls the region's rows down by `n`, blank rows coming in at its top.
    pub(super) fn scroll_down(&mut self, n: usize) {
        for _ in 0..n.min(self.bottom - self.top + 1) {
            self.cells.remove(self.bottom);
            self.cells.insert(self.top, vec![' '; self.cols]);
        }
    }

    /// Blanks from (r0, c0) to (r1, c1) inclusive, in reading order.
    pub(super) fn clear(&mut self, r0: usize, c0: usize, r1: usize, c1: usize) {
        for r in r0..=r1.min(self.rows - 1) {
            let from = if r == r0 { c0 } else { 0 };
            let to = if r == r1 { c1 } else { self.cols - 1 };
            for c in from..=to.min(self.cols - 1) {
                self.cells[r][c] = ' ';
            }
        }
    }

    pub(super) fn csi_final(&mut self, f: u8) {
        let text = String::from_utf8_lossy(&self.csi).into_owned();
        let private = text.starts_with(['?', '>', '<', '=']);
        let params: Vec<usize> = text
            .trim_start_matches(['?', '>', '<', '='])
            .split([';', ':'])
            .map(|p| p.parse().unwrap_or(0))
            .collect();
        let p = |i: usize| params.get(i).copied().unwrap_or(0);
        let n = p(0).max(1);
        let (last_row, last_col) = (self.rows - 1, self.cols - 1);
        if !matches!(f, b'm' | b'h' | b'l') {
            self.wrap_pending = false;
        }
        match f {
            b'H' | b'f' => {
                self.row = (p(0).max(1) - 1).min(last_row);
                self.col = (p(1).max(1) - 1).min(last_col);
            }
            b'A' => self.row = self.row.saturating_sub(n),
            b'B' | b'e' => self.row = (self.row + n).min(last_row),
            b'C' | b'a' => self.col = (self.col + n).min(last_col),
            b'D' => self.col = self.col.saturating_sub(n),
            b'E' => {
                self.row = (self.row + n).min(last_row);
                self.col = 0;
            }
            b'F' => {
                self.row = self.row.saturating_sub(n);
                self.col = 0;
            }
            b'G' | b'`' => self.col = (n - 1).min(last_col),
            b'd' => self.row = (n - 1).min(last_row),
            b'J' if !private => match p(0) {
                0 => self.clear(self.row, self.col, last_row, last_col),
                1 => self.clear(0, 0, self.row, self.col),
                _ => self.clear(0, 0, last_row, last_col),
            },
            b'K' if !private => match p(0) {
                0 => self.clear(self.row, self.col, self.row, last_col),
                1 => self.clear(self.row, 0, self.row, self.col),
                _ => self.clear(self.row, 0, self.row, last_col),
            },
            b'X' => {
                let to = (self.col + n - 1).min(last_col);
                self.clear(self.row, self.col, self.row, to);
            }
            b'S' => self.scroll_up(n),
            b'T' => self.scroll_down(n),
            b'r' if !private => {
                let top = p(0).max(1) - 1;
                let bottom = if p(1) == 0 { last_row } else { p(1) - 1 };
                if top < bottom && bottom <= last_row {
                    (self.top, self.bottom) = (top, bottom);
                } else {
                    (self.top, self.bottom) = (0, last_row);
                }
                (self.row, self.col) = (0, 0);
            }
            b'n' if !private && p(0) == 6 => {
                let reply = format!("\x1b[{};{}R", self.row + 1, self.col + 1);
                self.replies.extend_from_slice(reply.as_bytes());
            }
            b'h' | b'l' if private && params.iter().any(|&m| m == 1049 || m == 1047) => {
                self.clear(0, 0, last_row, last_col);
            }
            _ => {}
        }
    }

    pub(super) fn line(&self, r: usize) -> String {
        self.cells[r]
            .iter()
            .filter(|&&c| c != '\0')
            .collect::<String>()
            .trim_end()
            .to_string()
    }

    pub(super) fn text(&self) -> String {
        (0..self.rows)
            .map(|r| self.line(r))
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub(super) fn status(&self) -> String {
        self.line(self.rows - 1)
    }

    /// The status bar's `cursor/count`, as numbers.
    pub(super) fn position(&self) -> Option<(u64, u64)> {
        let status = self.status();
        let field = status.split(" | ").nth(1)?;
        let (at, of) = field.trim().split_once('/')?;
        Some((
            at.replace(',', "").parse().ok()?,
            of.replace(',', "").parse().ok()?,
        ))
    }

    /// Rows of the list area (right of the sidebar, above the status bar) with text.
    pub(super) fn list_rows(&self) -> usize {
        (0..self.rows - 1)
            .filter(|&r| {
                self.cells[r][SIDEBAR.min(self.cols)..]
                    .iter()
                    .any(|&c| c != ' ')
            })
            .count()
    }
}
