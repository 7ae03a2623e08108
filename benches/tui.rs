//! The interactive client as a user feels it: the release binary in a pseudo-terminal of
//! 200x50 opened here (openpty; the pty is the child's stdin/stdout/stderr and its
//! controlling terminal; TERM=xterm-256color), against the private Dovecot with a generated
//! 100,000-message INBOX (override with TERN_BENCH_MESSAGES). The output is fed to a small
//! screen model (cursor moves, erases, text) so the status bar can be read however the
//! frame was drawn. Each figure has a floor measured in the same run:
//! 1. first full frame with the whole INBOX cached (spawn to the status bar showing
//!    `1/100,000`); floor: `tern --version` in the same harness, spawn to its first byte;
//! 2. key to frame: `j` to the status bar showing the next position, 100 presses one at a
//!    time; floor: one byte echoed by `cat` through the same (raw) pty;
//! 3. bytes written per `j` (from the key to 30 ms of quiet after the frame), target ≤ 300;
//! 4. cold open of that INBOX with an empty cache: spawn to a first screen of messages
//!    (status `1/N`, N > 0, and a screenful of list rows); floor: connect, TLS, LOGIN,
//!    SELECT and `UID FETCH` of the newest 50 messages' headers (tern's own items), raw;
//!    target < 0.2 s.
//!
//! Run: `cargo bench --bench tui`. Figures go to BENCHMARKS.md by hand.

mod common;

use common::{filled_dovecot, median, message_count, open_floor, run_tern, write_config};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use unicode_width::UnicodeWidthChar;

const COLS: u16 = 200;
const ROWS: u16 = 50;
/// Columns of the folder sidebar at this width (`src/ui/folder_list.rs`, `WIDTH`); list
/// rows are counted right of it.
const SIDEBAR: usize = 26;
/// Runs of the spawn measurements (1 and 4).
const RUNS: usize = 5;
const PRESSES: usize = 100;
/// The end of a frame: this long without output.
const QUIET: Duration = Duration::from_millis(30);
/// The longest any wait may take.
const WAIT: Duration = Duration::from_secs(30);
/// Messages in the cold-open floor's fetch.
const OPEN_FLOOR_MESSAGES: u32 = 50;

// ---------------------------------------------------------------------------------------
// A screen model: enough of a VT100/xterm to follow what ratatui and crossterm write.

#[derive(Clone, Copy, PartialEq)]
enum Parse {
    Ground,
    Esc,
    /// ESC followed by an intermediate byte (`(`, `)`, `#`, ...): one more byte.
    EscArg,
    Csi,
    Osc,
    OscEsc,
}

struct Screen {
    rows: usize,
    cols: usize,
    /// `'\0'` marks the right half of a wide character.
    cells: Vec<Vec<char>>,
    row: usize,
    col: usize,
    wrap_pending: bool,
    state: Parse,
    csi: Vec<u8>,
    utf8: Vec<u8>,
    /// Answers the terminal owes the program (cursor position reports).
    replies: Vec<u8>,
}

impl Screen {
    fn new(rows: usize, cols: usize) -> Screen {
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
        }
    }

    fn feed(&mut self, bytes: &[u8]) {
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

    fn ground(&mut self, b: u8) {
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

    fn print(&mut self, c: char) {
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

    fn linefeed(&mut self) {
        if self.row + 1 < self.rows {
            self.row += 1;
        } else {
            self.scroll_up(1);
        }
    }

    fn scroll_up(&mut self, n: usize) {
        for _ in 0..n.min(self.rows) {
            self.cells.remove(0);
            self.cells.push(vec![' '; self.cols]);
        }
    }

    /// Blanks from (r0, c0) to (r1, c1) inclusive, in reading order.
    fn clear(&mut self, r0: usize, c0: usize, r1: usize, c1: usize) {
        for r in r0..=r1.min(self.rows - 1) {
            let from = if r == r0 { c0 } else { 0 };
            let to = if r == r1 { c1 } else { self.cols - 1 };
            for c in from..=to.min(self.cols - 1) {
                self.cells[r][c] = ' ';
            }
        }
    }

    fn csi_final(&mut self, f: u8) {
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

    fn line(&self, r: usize) -> String {
        self.cells[r]
            .iter()
            .filter(|&&c| c != '\0')
            .collect::<String>()
            .trim_end()
            .to_string()
    }

    fn text(&self) -> String {
        (0..self.rows)
            .map(|r| self.line(r))
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn status(&self) -> String {
        self.line(self.rows - 1)
    }

    /// The status bar's `cursor/count`, as numbers.
    fn position(&self) -> Option<(u64, u64)> {
        let status = self.status();
        let field = status.split(" | ").nth(1)?;
        let (at, of) = field.trim().split_once('/')?;
        Some((at.parse().ok()?, of.replace(',', "").parse().ok()?))
    }

    /// Rows of the list area (right of the sidebar, above the status bar) with text.
    fn list_rows(&self) -> usize {
        (0..self.rows - 1)
            .filter(|&r| {
                self.cells[r][SIDEBAR.min(self.cols)..]
                    .iter()
                    .any(|&c| c != ' ')
            })
            .count()
    }
}

// ---------------------------------------------------------------------------------------
// A program in a pty.

enum Got {
    Data,
    Timeout,
    Closed,
}

struct Term {
    what: String,
    child: Child,
    master: OwnedFd,
    screen: Screen,
    /// When spawn() was called.
    started: Instant,
    /// Bytes read since the start.
    total: u64,
    /// Bytes read since the last mark().
    since_mark: Vec<u8>,
    /// The last few KiB read, for failure messages.
    recent: Vec<u8>,
    /// When recording: each new status bar text and when it appeared (from spawn).
    timeline: Option<Vec<(Duration, String)>>,
}

fn check(rc: libc::c_int, what: &str) {
    assert!(rc >= 0, "{what}: {}", std::io::Error::last_os_error());
}

/// A pty of COLS x ROWS; `raw` sets the slave side to raw mode (for programs that do not
/// do it themselves).
fn open_pty(raw: bool) -> (OwnedFd, OwnedFd) {
    let (mut m, mut s) = (-1, -1);
    let ws = libc::winsize {
        ws_row: ROWS,
        ws_col: COLS,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: out-pointers to live locals; null name and termios are allowed.
    check(
        unsafe { libc::openpty(&mut m, &mut s, std::ptr::null_mut(), std::ptr::null(), &ws) },
        "openpty",
    );
    // SAFETY: openpty returned two fresh descriptors that nothing else owns.
    let (m, s) = unsafe { (OwnedFd::from_raw_fd(m), OwnedFd::from_raw_fd(s)) };
    for fd in [&m, &s] {
        check(
            unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC) },
            "fcntl",
        );
    }
    check(
        unsafe { libc::ioctl(m.as_raw_fd(), libc::TIOCSWINSZ, &ws) },
        "TIOCSWINSZ",
    );
    if raw {
        // SAFETY: termios is plain data, filled by tcgetattr before use.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        check(
            unsafe { libc::tcgetattr(s.as_raw_fd(), &mut t) },
            "tcgetattr",
        );
        unsafe { libc::cfmakeraw(&mut t) };
        check(
            unsafe { libc::tcsetattr(s.as_raw_fd(), libc::TCSANOW, &t) },
            "tcsetattr",
        );
    }
    (m, s)
}

/// Printable ASCII as is, `\e` for ESC, `\r`, `\n`, `\xNN` for other control bytes;
/// other UTF-8 kept.
fn escape(bytes: &[u8]) -> String {
    let mut out = String::new();
    for c in String::from_utf8_lossy(bytes).chars() {
        match c {
            '\x1b' => out.push_str("\\e"),
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

impl Term {
    fn spawn(what: &str, mut cmd: Command, raw: bool) -> Term {
        let (master, slave) = open_pty(raw);
        cmd.stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave))
            .env("TERM", "xterm-256color");
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let started = Instant::now();
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
        // Our copies of the slave side close here, so the master reads EIO once the child
        // and its descendants are gone.
        drop(cmd);
        Term {
            what: what.to_string(),
            child,
            master,
            screen: Screen::new(usize::from(ROWS), usize::from(COLS)),
            started,
            total: 0,
            since_mark: Vec::new(),
            recent: Vec::new(),
            timeline: None,
        }
    }

    /// One read of whatever is there, waiting until `until` at most.
    fn read_once(&mut self, until: Instant) -> Got {
        let mut buf = [0u8; 1 << 16];
        loop {
            let left = until.saturating_duration_since(Instant::now());
            let ms = left.as_micros().div_ceil(1000).min(i32::MAX as u128) as i32;
            let mut pfd = libc::pollfd {
                fd: self.master.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd.
            let rc = unsafe { libc::poll(&mut pfd, 1, ms) };
            if rc < 0 {
                let e = std::io::Error::last_os_error();
                if e.kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                self.fail(&format!("poll: {e}"));
            }
            if rc == 0 {
                return Got::Timeout;
            }
            // SAFETY: reading into a live buffer of its length.
            let n =
                unsafe { libc::read(self.master.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
            if n < 0 {
                let e = std::io::Error::last_os_error();
                match e.raw_os_error() {
                    Some(libc::EINTR) | Some(libc::EAGAIN) => continue,
                    Some(libc::EIO) => return Got::Closed,
                    _ => self.fail(&format!("read: {e}")),
                }
            }
            if n == 0 {
                return Got::Closed;
            }
            let data = &buf[..n as usize];
            self.screen.feed(data);
            self.total += data.len() as u64;
            self.since_mark.extend_from_slice(data);
            self.recent.extend_from_slice(data);
            if self.recent.len() > 4096 {
                let cut = self.recent.len() - 2048;
                self.recent.drain(..cut);
            }
            if let Some(tl) = self.timeline.as_mut() {
                let status = self.screen.status();
                if tl.last().is_none_or(|(_, s)| *s != status) {
                    tl.push((self.started.elapsed(), status));
                }
            }
            if !self.screen.replies.is_empty() {
                let r = std::mem::take(&mut self.screen.replies);
                self.send(&r);
            }
            return Got::Data;
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        let mut off = 0;
        while off < bytes.len() {
            // SAFETY: writing from a live buffer.
            let n = unsafe {
                libc::write(
                    self.master.as_raw_fd(),
                    bytes[off..].as_ptr().cast(),
                    bytes.len() - off,
                )
            };
            if n < 0 {
                let e = std::io::Error::last_os_error();
                if e.kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                self.fail(&format!("write: {e}"));
            }
            off += n as usize;
        }
    }

    fn mark(&mut self) {
        self.since_mark.clear();
    }

    /// Reads until the screen satisfies `pred`; returns the moment it did.
    fn wait_for(&mut self, desc: &str, pred: impl Fn(&Screen) -> bool) -> Instant {
        if pred(&self.screen) {
            return Instant::now();
        }
        let deadline = Instant::now() + WAIT;
        loop {
            match self.read_once(deadline) {
                Got::Data => {
                    if pred(&self.screen) {
                        return Instant::now();
                    }
                }
                Got::Timeout => self.fail(&format!("timed out after {WAIT:?} waiting for {desc}")),
                Got::Closed => self.fail(&format!("exited while waiting for {desc}")),
            }
        }
    }

    /// Reads until nothing came for `quiet` (or fails after WAIT); returns the bytes read.
    fn settle(&mut self, quiet: Duration) -> u64 {
        let before = self.total;
        let deadline = Instant::now() + WAIT;
        loop {
            let until = (Instant::now() + quiet).min(deadline);
            match self.read_once(until) {
                Got::Data => {}
                Got::Timeout if Instant::now() >= deadline => {
                    self.fail(&format!("never quiet for {quiet:?} in {WAIT:?}"))
                }
                Got::Timeout => return self.total - before,
                Got::Closed => self.fail("exited while drawing"),
            }
        }
    }

    /// The time from spawn to the first byte of output.
    fn first_byte(&mut self) -> Duration {
        let deadline = Instant::now() + WAIT;
        match self.read_once(deadline) {
            Got::Data => self.started.elapsed(),
            Got::Timeout => self.fail("no output"),
            Got::Closed => self.fail("exited without output"),
        }
    }

    /// Reads to the end of the output and reaps the child; fails if it takes over WAIT.
    fn wait_exit(&mut self) {
        let deadline = Instant::now() + WAIT;
        loop {
            match self.read_once(deadline) {
                Got::Data => {}
                Got::Timeout => self.fail("did not exit"),
                Got::Closed => break,
            }
        }
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) => return,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(5))
                }
                _ => self.fail("closed the terminal but did not exit"),
            }
        }
    }

    fn quit(&mut self) {
        self.send(b"q");
        self.wait_exit();
    }

    fn fail(&mut self, why: &str) -> ! {
        let _ = self.child.kill();
        let _ = self.child.wait();
        panic!(
            "{}: {why}\n--- screen ---\n{}\n--- last bytes ---\n{}",
            self.what,
            self.screen.text().trim_end(),
            escape(&self.recent)
        );
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn tern(cfg: &Path, log: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tern"));
    c.arg("--config").arg(cfg).env("TERN_LOG", log);
    c
}

// ---------------------------------------------------------------------------------------

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn stats(v: &[f64]) -> (f64, f64, f64) {
    let min = v.iter().copied().fold(f64::INFINITY, f64::min);
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (median(v.to_vec()), min, max)
}

fn ms(s: f64) -> String {
    format!("{:.1} ms", s * 1000.0)
}

fn main() {
    let n = message_count();
    let total = n as u64;
    let d = filled_dovecot(n);
    let dir = tempfile::tempdir().unwrap();
    // TERN_BENCH_LOG keeps tern's log (it is in the temp dir otherwise).
    let log = std::env::var_os("TERN_BENCH_LOG")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("tern.log"));
    let cfg = write_config(&d, dir.path(), "warm");
    let t = Instant::now();
    run_tern(&["--config", cfg.to_str().unwrap(), "sync"]);
    eprintln!(
        "tern sync (fills the cache): {:.1}s",
        t.elapsed().as_secs_f64()
    );
    let full = move |s: &Screen| s.position() == Some((1, total));
    let full_desc = format!("the status bar showing 1/{}", thousands(total));

    // 1. First full frame, and its floor.
    let mut version = Vec::new();
    let mut first_list = Vec::new();
    let mut first_full = Vec::new();
    for _ in 0..RUNS {
        let mut v = Command::new(env!("CARGO_BIN_EXE_tern"));
        v.arg("--version");
        let mut t = Term::spawn("tern --version", v, false);
        version.push(t.first_byte().as_secs_f64());
        t.wait_exit();

        let mut t = Term::spawn("tern (cached INBOX)", tern(&cfg, &log), false);
        let any = t.wait_for("a list of messages", |s| {
            s.position().is_some_and(|(_, of)| of > 0)
        });
        let whole = t.wait_for(&full_desc, full);
        first_list.push((any - t.started).as_secs_f64());
        first_full.push((whole - t.started).as_secs_f64());
        t.settle(Duration::from_millis(300));
        t.quit();
    }
    eprintln!("first frame: done");

    // 2 and 3. Key to frame, bytes per key, and the floor.
    let mut t = Term::spawn("tern (j presses)", tern(&cfg, &log), false);
    t.wait_for(&format!("{full_desc} and online"), move |s| {
        full(s) && s.status().contains("| online")
    });
    t.settle(Duration::from_secs(1));
    let mut latency = Vec::new();
    let mut sent_at = Vec::new();
    let mut bytes = Vec::new();
    let (mut in_page, mut scrolled) = (Vec::new(), Vec::new());
    let (mut page_dump, mut scroll_dump) = (None, None);
    for k in 1..=PRESSES as u64 {
        let top = t.screen.line(0);
        t.mark();
        let before = t.total;
        let sent = Instant::now();
        t.send(b"j");
        let shown = t.wait_for(&format!("{}/{}", k + 1, thousands(total)), move |s| {
            s.position() == Some((k + 1, total))
        });
        latency.push((shown - sent).as_secs_f64());
        sent_at.push((sent - t.started).as_secs_f64());
        t.settle(QUIET);
        let b = (t.total - before) as f64;
        bytes.push(b);
        if t.screen.line(0) == top {
            in_page.push(b);
            if k == 2 {
                page_dump = Some(t.since_mark.clone());
            }
        } else {
            scrolled.push(b);
            if scroll_dump.is_none() {
                scroll_dump = Some(t.since_mark.clone());
            }
        }
    }
    t.quit();
    let mut cat = Command::new("cat");
    cat.env_remove("TERN_LOG");
    let mut c = Term::spawn("cat", cat, true);
    let mut echo = Vec::new();
    for _ in 0..PRESSES {
        let sent = Instant::now();
        c.send(b"j");
        match c.read_once(sent + WAIT) {
            Got::Data => echo.push(sent.elapsed().as_secs_f64()),
            Got::Timeout => c.fail("no echo"),
            Got::Closed => c.fail("exited"),
        }
        c.settle(Duration::from_millis(2));
    }
    drop(c);
    eprintln!("key to frame: done");

    // 4. Cold open, and its floor.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let items = tern::imap::headers::fetch_items(true);
    let mut open_floors = Vec::new();
    let mut open_phases = Vec::new();
    let mut colds = Vec::new();
    let mut cold_counts = Vec::new();
    let mut cold_timeline = Vec::new();
    for i in 0..RUNS {
        let f = rt.block_on(open_floor(&d, &items, OPEN_FLOOR_MESSAGES));
        open_floors.push(f.total());
        open_phases.push(f);
        let cfg = write_config(&d, dir.path(), &format!("cold{i}"));
        let mut t = Term::spawn("tern (empty cache)", tern(&cfg, &log), false);
        t.timeline = Some(Vec::new());
        let at = t.wait_for("a first screen of messages", |s| match s.position() {
            Some((1, of)) if of > 0 => s.list_rows() >= (of as usize).min(40),
            _ => false,
        });
        colds.push((at - t.started).as_secs_f64());
        cold_counts.push(t.screen.position().map(|p| p.1).unwrap_or(0));
        if i == 0 {
            cold_timeline = t.timeline.take().unwrap_or_default();
        }
        t.quit();
        // Let Dovecot finish with the abandoned fetch before the next floor.
        std::thread::sleep(Duration::from_secs(1));
    }

    // Results.
    let row = |name: &str, v: &[f64], floor: Option<(&str, f64)>, target: &str| {
        let (m, lo, hi) = stats(v);
        let (fname, ratio) = match floor {
            Some((f, fv)) => (format!("{f} {}", ms(fv)), format!("{:.2}x", m / fv)),
            None => (String::new(), String::new()),
        };
        println!(
            "| {name} | {} | {} | {} | {fname} | {ratio} | {target} |",
            ms(m),
            ms(lo),
            ms(hi)
        );
    };
    let (vf, ef, of) = (
        median(version.clone()),
        median(echo.clone()),
        median(open_floors.clone()),
    );
    println!();
    println!(
        "messages: {n}; terminal {COLS}x{ROWS}; {RUNS} runs for spawn figures, {PRESSES} presses"
    );
    println!("| measurement | median | min | max | floor (median) | ratio | target |");
    println!("|---|---|---|---|---|---|---|");
    row(
        "floor: `tern --version`, spawn to first byte",
        &version,
        None,
        "",
    );
    row(
        "first list frame (any `1/N`), cached",
        &first_list,
        Some(("`--version`", vf)),
        "",
    );
    row(
        &format!("first full frame (`1/{}`), cached", thousands(total)),
        &first_full,
        Some(("`--version`", vf)),
        "",
    );
    row("floor: `cat` echo of one byte", &echo, None, "");
    row("key to frame, `j`", &latency, Some(("`cat` echo", ef)), "");
    row(
        &format!("floor: connect+TLS+LOGIN+SELECT+UID FETCH newest {OPEN_FLOOR_MESSAGES}, raw"),
        &open_floors,
        None,
        "",
    );
    row(
        "cold open, empty cache, to a first screen of messages",
        &colds,
        Some(("raw open", of)),
        "< 200 ms",
    );
    let (bm, _, bx) = stats(&bytes);
    println!();
    println!("| bytes written per `j` | median | max | presses | target |");
    println!("|---|---|---|---|---|");
    println!(
        "| all presses | {bm:.0} | {bx:.0} | {} | ≤ 300 |",
        bytes.len()
    );
    if !in_page.is_empty() {
        let (m, _, x) = stats(&in_page);
        println!(
            "| cursor moves within the page | {m:.0} | {x:.0} | {} | |",
            in_page.len()
        );
    }
    if !scrolled.is_empty() {
        let (m, _, x) = stats(&scrolled);
        println!(
            "| list scrolls by one row | {m:.0} | {x:.0} | {} | |",
            scrolled.len()
        );
    }
    println!();
    let phase = |f: fn(&common::OpenTimes) -> f64| ms(median(open_phases.iter().map(f).collect()));
    println!(
        "raw open floor phases (medians): connect+TLS {}, LOGIN {}, SELECT {}, UID FETCH {}",
        phase(|t| t.connect_tls),
        phase(|t| t.login),
        phase(|t| t.select),
        phase(|t| t.fetch)
    );
    let slow = (median(latency.clone()) * 5.0).max(0.010);
    for (k, (l, at)) in latency.iter().zip(&sent_at).enumerate() {
        if *l > slow {
            println!(
                "slow key: press {} took {} (sent {:.2} s after spawn)",
                k + 1,
                ms(*l),
                at
            );
        }
    }
    println!("cold open: message counts on the first screen: {cold_counts:?}");
    println!("cold open, first run: the status bar over time (from spawn):");
    for (at, status) in &cold_timeline {
        println!("  {:>8.1} ms  {status}", at.as_secs_f64() * 1000.0);
    }
    println!(
        "cold open target < 200 ms: {}",
        if median(colds.clone()) < 0.2 {
            "met"
        } else {
            "MISSED"
        }
    );
    println!(
        "bytes per `j` target ≤ 300 (median): {}",
        if bm <= 300.0 { "met" } else { "MISSED" }
    );
    if let Some(b) = page_dump {
        println!(
            "\none `j` within the page ({} bytes):\n{}",
            b.len(),
            escape(&b)
        );
    }
    if let Some(b) = scroll_dump {
        println!(
            "\none `j` that scrolls ({} bytes):\n{}",
            b.len(),
            escape(&b)
        );
    }
}
