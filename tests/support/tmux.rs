//! tern in a terminal: a tmux session running the real binary, its screen captured.

use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    session: String,
}

impl Tmux {
    pub fn start(cfg: &std::path::Path, log: &std::path::Path) -> Tmux {
        Tmux::start_with(cfg, log, "")
    }

    /// Starts tern with `env` (shell assignments such as `BROWSER='…'`) before it.
    pub fn start_with(cfg: &std::path::Path, log: &std::path::Path, env: &str) -> Tmux {
        Tmux::start_sized(cfg, log, env, &[], 100, 30)
    }

    /// Starts tern with these arguments after `--config`.
    #[allow(dead_code)] // not every test binary passes arguments
    pub fn start_args(cfg: &std::path::Path, log: &std::path::Path, args: &[&str]) -> Tmux {
        Tmux::start_sized(cfg, log, "", args, 100, 30)
    }

    /// Starts tern in a `width` x `height` terminal.
    pub fn start_wide(
        cfg: &std::path::Path,
        log: &std::path::Path,
        width: u16,
        height: u16,
    ) -> Tmux {
        Tmux::start_sized(cfg, log, "", &[], width, height)
    }

    fn start_sized(
        cfg: &std::path::Path,
        log: &std::path::Path,
        env: &str,
        args: &[&str],
        width: u16,
        height: u16,
    ) -> Tmux {
        let found = Command::new("tmux").arg("-V").output();
        assert!(
            found.is_ok_and(|o| o.status.success()),
            "tmux is needed by this test: apt-get install -y tmux"
        );
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let session = format!("tern-test-{}-{n}", std::process::id());
        let cmd = format!(
            "{env} TERN_LOG='{}' '{}' --config '{}' {}",
            log.display(),
            env!("CARGO_BIN_EXE_tern"),
            cfg.display(),
            args.join(" ")
        );
        let ok = Command::new("tmux")
            .args([
                "new-session",
                "-d",
                "-s",
                &session,
                "-x",
                &width.to_string(),
                "-y",
                &height.to_string(),
                &cmd,
            ])
            .status()
            .unwrap();
        assert!(ok.success());
        Tmux { session }
    }

    /// A session running a shell (for job control).
    pub fn start_shell() -> Tmux {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(100);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let session = format!("tern-test-{}-{n}", std::process::id());
        let ok = Command::new("tmux")
            .args([
                "new-session",
                "-d",
                "-s",
                &session,
                "-x",
                "100",
                "-y",
                "30",
                "bash --norc -i",
            ])
            .status()
            .unwrap();
        assert!(
            ok.success(),
            "tmux is needed by this test: apt-get install -y tmux"
        );
        let t = Tmux { session };
        // Keys typed before the shell shows its prompt can be lost: wait for it.
        let start = std::time::Instant::now();
        while t.screen().trim().is_empty() && start.elapsed() < std::time::Duration::from_secs(10) {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        t
    }

    /// Copies every byte the program writes to the terminal into `path`.
    pub fn pipe_to(&self, path: &std::path::Path) {
        let ok = Command::new("tmux")
            .args([
                "pipe-pane",
                "-o",
                "-t",
                &self.session,
                &format!("cat >> '{}'", path.display()),
            ])
            .status()
            .unwrap();
        assert!(ok.success());
    }

    /// Stops `pipe_to` and waits until the copy at `path` stops growing.
    pub fn stop_pipe(&self, path: &std::path::Path) {
        let ok = Command::new("tmux")
            .args(["pipe-pane", "-t", &self.session])
            .status()
            .unwrap();
        assert!(ok.success());
        let size = || std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let mut last = size();
        let start = Instant::now();
        loop {
            std::thread::sleep(Duration::from_millis(50));
            let now = size();
            if now == last || start.elapsed() > Duration::from_secs(5) {
                break;
            }
            last = now;
        }
    }

    pub fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.session])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.session];
        args.extend_from_slice(keys);
        assert!(Command::new("tmux").args(&args).status().unwrap().success());
    }

    /// Waits (up to 30 s) until the screen no longer shows `what` (a key's effect seen
    /// before the next keys go: Escape then `:` sent at once reads as Alt-:).
    #[allow(dead_code)] // not every test binary uses it
    pub fn wait_gone(&self, what: &str) {
        let start = Instant::now();
        while self.screen().contains(what) {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "{what:?} never went:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits (up to 30 s) until the screen shows `what`; returns the screen.
    pub fn wait_for(&self, what: &str) -> String {
        self.wait_for_all(&[what])
    }

    /// Waits until one capture shows all of `what` (a capture can catch a frame half
    /// drawn, so each expectation is waited for, not asserted on one capture).
    pub fn wait_for_all(&self, what: &[&str]) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if what.iter().all(|w| s.contains(w)) {
                return s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "{what:?} never shown:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn resize(&self, w: u16, h: u16) {
        let ok = Command::new("tmux")
            .args([
                "resize-window",
                "-t",
                &self.session,
                "-x",
                &w.to_string(),
                "-y",
                &h.to_string(),
            ])
            .status()
            .unwrap();
        assert!(ok.success());
    }

    /// Closes the terminal, as a dropped SSH link does: its processes get SIGHUP.
    /// SIGKILLs tern (no chance to save anything), then closes the session.
    #[allow(dead_code)] // not every test binary kills tern
    pub fn kill(&self) {
        let out = Command::new("tmux")
            .args(["display", "-p", "-t", &self.session, "#{pane_pid}"])
            .output()
            .unwrap();
        let pane: i32 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
        let comm =
            |pid: i32| std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        // The pane runs tern itself, or a shell whose child it is.
        let mut pids = vec![pane];
        for e in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
                continue;
            };
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let ppid = stat
                .rsplit(')')
                .next()
                .and_then(|r| r.split_whitespace().nth(1));
            if ppid == Some(pane.to_string().as_str()) {
                pids.push(pid);
            }
        }
        let tern = pids
            .into_iter()
            .find(|p| comm(*p).trim() == "tern")
            .expect("tern runs in the pane");
        let ok = Command::new("kill")
            .args(["-9", &tern.to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
        while std::path::Path::new(&format!("/proc/{tern}")).exists()
            && !comm(tern).is_empty()
            && !std::fs::read_to_string(format!("/proc/{tern}/stat"))
                .unwrap_or_default()
                .contains(") Z")
        {
            std::thread::sleep(Duration::from_millis(20));
        }
        self.hang_up();
    }

    /// The process the pane runs (tern, or the shell of `start_shell`).
    #[allow(dead_code)] // not every test binary needs it
    pub fn pane_pid(&self) -> i32 {
        let out = Command::new("tmux")
            .args(["display", "-p", "-t", &self.session, "#{pane_pid}"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
    }

    pub fn hang_up(&self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.session])
            .output();
    }

    /// Waits (up to 30 s) until tern has ended and its terminal closed.
    #[allow(dead_code)] // not every test binary ends tern this way
    pub fn wait_ended(&self) {
        let start = Instant::now();
        while self.alive() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "tern never ended"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn alive(&self) -> bool {
        Command::new("tmux")
            .args(["has-session", "-t", &self.session])
            .output()
            .is_ok_and(|o| o.status.success())
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.session])
            .output();
    }
}
