//! A program in a pseudo-terminal the benchmark opens itself, with its screen followed.

use super::screen::*;
use super::*;

pub(super) enum Got {
    Data,
    Timeout,
    Closed,
}

pub(super) struct Term {
    pub(super) what: String,
    pub(super) child: Child,
    pub(super) master: std::fs::File,
    pub(super) screen: Screen,
    /// When spawn() was called.
    pub(super) started: Instant,
    /// Bytes read since the start.
    pub(super) total: u64,
    /// Bytes read since the last mark().
    pub(super) since_mark: Vec<u8>,
    /// The last few KiB read, for failure messages.
    pub(super) recent: Vec<u8>,
    /// When recording: each new status bar text and when it appeared (from spawn).
    pub(super) timeline: Option<Vec<(Duration, String)>>,
}

/// A pty of COLS x ROWS: (master, slave); `raw` sets the slave side to raw mode.
pub(super) fn open_pty(raw: bool) -> (std::fs::File, OwnedFd) {
    tern_testkit::pty::open(COLS, ROWS, raw).unwrap_or_else(|e| panic!("openpty: {e}"))
}

/// Printable ASCII as is, `\e` for ESC, `\r`, `\n`, `\xNN` for other control bytes;
/// other UTF-8 kept.
pub(super) fn escape(bytes: &[u8]) -> String {
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

/// The key-to-frame floor: one byte echoed by `cat` through the same (raw) pty, `presses`
/// times; seconds each.
pub(super) fn echo_floor(presses: usize) -> Vec<f64> {
    let mut cat = Command::new("cat");
    cat.env_remove("TERN_LOG");
    let mut c = Term::spawn("cat", cat, true);
    let mut echo = Vec::new();
    for _ in 0..presses {
        let sent = Instant::now();
        c.send(b"j");
        match c.read_once(sent + WAIT) {
            Got::Data => echo.push(sent.elapsed().as_secs_f64()),
            Got::Timeout => c.fail("no echo"),
            Got::Closed => c.fail("exited"),
        }
        c.settle(Duration::from_millis(2));
    }
    echo
}

impl Term {
    pub(super) fn spawn(what: &str, mut cmd: Command, raw: bool) -> Term {
        let (master, slave) = open_pty(raw);
        cmd.stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave))
            .env("TERM", "xterm-256color");
        tern_testkit::pty::controlling_terminal(&mut cmd);
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
    pub(super) fn read_once(&mut self, until: Instant) -> Got {
        let mut buf = [0u8; 1 << 16];
        loop {
            let left = until.saturating_duration_since(Instant::now());
            let ms = left.as_micros().div_ceil(1000).min(i32::MAX as u128) as i32;
            let ready = tern_testkit::pty::wait_readable(tern_testkit::pty::fd(&self.master), ms)
                .unwrap_or_else(|e| self.fail(&format!("poll: {e}")));
            if !ready {
                return Got::Timeout;
            }
            let n = match self.master.read(&mut buf) {
                Ok(n) => n,
                Err(e) => match e.raw_os_error() {
                    Some(libc::EINTR) | Some(libc::EAGAIN) => continue,
                    Some(libc::EIO) => return Got::Closed,
                    _ => self.fail(&format!("read: {e}")),
                },
            };
            if n == 0 {
                return Got::Closed;
            }
            let data = &buf[..n];
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

    pub(super) fn send(&mut self, bytes: &[u8]) {
        if let Err(e) = self.master.write_all(bytes) {
            self.fail(&format!("write: {e}"));
        }
    }

    pub(super) fn mark(&mut self) {
        self.since_mark.clear();
    }

    /// Reads until the screen satisfies `pred`; returns the moment it did.
    pub(super) fn wait_for(&mut self, desc: &str, pred: impl Fn(&Screen) -> bool) -> Instant {
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
    pub(super) fn settle(&mut self, quiet: Duration) -> u64 {
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
    pub(super) fn first_byte(&mut self) -> Duration {
        let deadline = Instant::now() + WAIT;
        match self.read_once(deadline) {
            Got::Data => self.started.elapsed(),
            Got::Timeout => self.fail("no output"),
            Got::Closed => self.fail("exited without output"),
        }
    }

    /// Reads to the end of the output and reaps the child; fails if it takes over WAIT.
    pub(super) fn wait_exit(&mut self) {
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

    pub(super) fn quit(&mut self) {
        self.send(b"q");
        // A change the server has not confirmed yet makes tern ask first (at a million
        // messages, the \Seen of the message opened can still be on its way): yes.
        let deadline = Instant::now() + WAIT;
        loop {
            if self.screen.text().contains("quit anyway? (y/n)") {
                eprintln!(
                    "  {}: asked to quit with a change unconfirmed; answered y",
                    self.what
                );
                self.send(b"y");
                break;
            }
            match self.read_once(deadline) {
                Got::Data => {}
                Got::Timeout => self.fail("did not exit"),
                Got::Closed => break,
            }
        }
        self.wait_exit();
    }

    pub(super) fn fail(&mut self, why: &str) -> ! {
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
