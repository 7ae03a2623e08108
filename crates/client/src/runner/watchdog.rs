//! Ends tern when its terminal is gone and the loop cannot see it. crossterm 0.29 reads
//! a hung-up terminal in an endless loop on the loop's own thread (an end of input is not
//! an end for it), so neither the hangup's branch of the loop nor anything else there
//! runs again: tern would spin at full CPU forever, holding its caches' locks. This task
//! runs on the runtime's other threads: on SIGHUP, or once the terminal answers no more,
//! it gives the loop a few seconds to end in order, then ends the process. Nothing is
//! lost ending this way: changes, drafts and sends are on disk before they are acted
//! on, as they must be for a SIGKILL.

use std::os::fd::AsFd;
use std::time::Duration;

/// How often the terminal is looked at.
const EVERY: Duration = Duration::from_secs(2);
/// How long the loop has to end by itself once the terminal is gone.
const GRACE: Duration = Duration::from_secs(10);

/// Watches the terminal on stdin.
pub fn start() {
    let hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup());
    tokio::spawn(async move {
        let mut hangup = hangup.ok();
        let mut every = tokio::time::interval(EVERY);
        loop {
            let signalled = async {
                match hangup.as_mut() {
                    Some(h) => h.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = signalled => break,
                _ = every.tick() => {
                    if gone(std::io::stdin()) {
                        break;
                    }
                }
            }
        }
        tokio::time::sleep(GRACE).await;
        tracing::warn!("the terminal is gone and the loop did not end; ending tern");
        std::process::exit(129);
    });
}

/// Whether the terminal behind `fd` has hung up (it answers every request with EIO).
/// Not a terminal at all is not "gone": that is for the caller to refuse.
fn gone(fd: impl AsFd) -> bool {
    matches!(rustix::termios::tcgetattr(fd), Err(e) if e == rustix::io::Errno::IO)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    #[test]
    fn a_terminal_whose_other_end_closed_is_gone() {
        use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
        let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).unwrap();
        grantpt(&master).unwrap();
        unlockpt(&master).unwrap();
        let name = ptsname(&master, Vec::new()).unwrap();
        let slave = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(name.to_str().unwrap())
            .unwrap();
        assert!(!super::gone(&slave), "open at both ends");
        drop(master);
        assert!(super::gone(&slave), "the other end closed");
        let file = tempfile::tempfile().unwrap();
        assert!(!super::gone(&file), "not a terminal is not a gone one");
    }
}
