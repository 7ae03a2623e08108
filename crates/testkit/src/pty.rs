//! Pseudo-terminals and child processes for the benchmarks, as safe functions: the
//! libc calls they need live here, in the one crate allowed `unsafe`.

use std::fs::File;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command};

fn check(rc: libc::c_int) -> io::Result<()> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// A pty of `cols` x `rows`: (master, slave). `raw` puts the slave side in raw mode (for
/// programs that do not do it themselves). Both ends close on exec.
pub fn open(cols: u16, rows: u16, raw: bool) -> io::Result<(File, OwnedFd)> {
    let (mut m, mut s) = (-1, -1);
    let ws = libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: out-pointers to live locals; a null name and termios are allowed.
    check(unsafe { libc::openpty(&mut m, &mut s, std::ptr::null_mut(), std::ptr::null(), &ws) })?;
    // SAFETY: openpty returned two fresh descriptors that nothing else owns.
    let (m, s) = unsafe { (OwnedFd::from_raw_fd(m), OwnedFd::from_raw_fd(s)) };
    for fd in [&m, &s] {
        // SAFETY: F_SETFD on a descriptor we own; no memory is passed.
        check(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC) })?;
    }
    // SAFETY: TIOCSWINSZ reads the live winsize above.
    check(unsafe { libc::ioctl(m.as_raw_fd(), libc::TIOCSWINSZ, &ws) })?;
    if raw {
        // SAFETY: termios is plain data; tcgetattr fills it before it is used.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: a descriptor we own and a live termios.
        check(unsafe { libc::tcgetattr(s.as_raw_fd(), &mut t) })?;
        // SAFETY: cfmakeraw only edits the termios it is given.
        unsafe { libc::cfmakeraw(&mut t) };
        // SAFETY: a descriptor we own and a live termios.
        check(unsafe { libc::tcsetattr(s.as_raw_fd(), libc::TCSANOW, &t) })?;
    }
    Ok((File::from(m), s))
}

/// Makes the spawned program a session leader with its standard input (the pty's slave
/// side, set by the caller) as its controlling terminal, as a terminal emulator does.
pub fn controlling_terminal(cmd: &mut Command) {
    // SAFETY: only async-signal-safe calls (setsid, ioctl) run between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Waits up to `ms` milliseconds for `fd` to be readable (or closed); false on timeout.
pub fn wait_readable(fd: BorrowedFd<'_>, ms: i32) -> io::Result<bool> {
    loop {
        let mut pfd = libc::pollfd {
            fd: fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one live pollfd, and its count.
        let rc = unsafe { libc::poll(&mut pfd, 1, ms) };
        if rc < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        return Ok(rc > 0);
    }
}

/// Waits for a child; returns its raw wait status and its peak resident set in KiB.
pub fn wait_with_peak_rss(child: &mut Child) -> io::Result<(i32, i64)> {
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain data that wait4 fills.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: live out-pointers for the status and the usage of our own child.
    check(unsafe { libc::wait4(pid, &mut status, 0, &mut ru) })?;
    // Reaped already: std's bookkeeping learns of it and does not wait again.
    let _ = child.try_wait();
    Ok((status, ru.ru_maxrss))
}

/// A borrowed descriptor for `wait_readable`.
pub fn fd(f: &File) -> BorrowedFd<'_> {
    f.as_fd()
}
