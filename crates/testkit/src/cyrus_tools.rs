//! The pieces the private Cyrus is built from: finding its binaries, writing the test
//! users' sasldb, handing the temp dir to the `cyrus` user, and a minimal IMAP session
//! for delivering mail by APPEND.

use super::cyrus::{CYRUS_BIN, IMAPD_PATHS, REALM};
use super::probe::greeting;
use super::DevError;
use std::fs;
use std::io::{self, BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// `master`, `imapd` and `ctl_cyrusdb`, or an error naming the package to install.
pub(super) fn binaries() -> Result<(PathBuf, PathBuf, PathBuf), DevError> {
    let bin = Path::new(CYRUS_BIN);
    let (master, ctl) = (bin.join("master"), bin.join("ctl_cyrusdb"));
    if !master.is_file() || !ctl.is_file() {
        return Err(DevError::NotInstalled(format!(
            "{} not found; install Cyrus with `apt-get install -y cyrus-common cyrus-admin sasl2-bin`",
            master.display()
        )));
    }
    let imapd = std::env::var_os("TERN_CYRUS_IMAPD")
        .map(PathBuf::from)
        .into_iter()
        .chain(IMAPD_PATHS.iter().map(PathBuf::from))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            DevError::NotInstalled(format!(
                "Cyrus imapd not found (looked in $TERN_CYRUS_IMAPD, {}); install the package \
                 with `apt-get install -y cyrus-imapd`, or where dovecot-imapd is installed (the \
                 two conflict) unpack it: `apt-get download cyrus-imapd && dpkg-deb -x \
                 cyrus-imapd_*.deb /opt/tern-cyrus-imapd` (scripts/test.sh does this)",
                IMAPD_PATHS.join(", ")
            ))
        })?;
    Ok((master, imapd, ctl))
}

/// Adds `user` with `pass` to the sasldb at `db` (password on stdin, never in argv).
pub(super) fn add_sasl_user(
    saslpasswd: &Path,
    db: &Path,
    user: &str,
    pass: &str,
) -> Result<(), DevError> {
    let mut child = Command::new(saslpasswd)
        .arg("-f")
        .arg(db)
        .args(["-p", "-c", "-u", REALM, user])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(pass.as_bytes())?;
    }
    let out = child.wait_with_output()?;
    if !out.status.success() {
        return Err(DevError::Startup(format!(
            "saslpasswd2 for {user:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(())
}

pub(super) fn chown_tree(path: &Path, uid: u32, gid: u32) -> io::Result<()> {
    std::os::unix::fs::chown(path, Some(uid), Some(gid))?;
    if path.is_dir() && !path.is_symlink() {
        for e in fs::read_dir(path)? {
            chown_tree(&e?.path(), uid, gid)?;
        }
    }
    Ok(())
}

pub(super) fn refused(command: &str, reply: &str) -> DevError {
    DevError::InvalidArgument(format!("cyrus refused {command}: {}", reply.trim()))
}

/// A minimal blocking IMAP session over the plain port, for delivering test mail.
pub(super) struct Session {
    reader: BufReader<TcpStream>,
    tag: u32,
}

impl Session {
    pub(super) fn login(port: u16, user: &str, pass: &str) -> Result<Session, DevError> {
        let (reader, _) = greeting(port)?;
        reader
            .get_ref()
            .set_read_timeout(Some(Duration::from_secs(30)))?;
        reader.get_ref().set_nodelay(true)?;
        let mut s = Session { reader, tag: 0 };
        let cmd = format!(
            "LOGIN {} {}",
            tern_core::imap::quote(user),
            tern_core::imap::quote(pass)
        );
        s.expect_ok(&cmd)?;
        Ok(s)
    }

    /// Sends a command and returns the tagged reply after the tag (e.g. `OK Completed`).
    pub(super) fn run_with(&mut self, head: &[u8], literal: &[u8]) -> Result<String, DevError> {
        self.tag += 1;
        let tag = format!("d{}", self.tag);
        // One write: small pieces would each wait for the server's delayed ACK (Nagle).
        let mut buf = Vec::with_capacity(tag.len() + head.len() + literal.len() + 3);
        buf.extend_from_slice(tag.as_bytes());
        buf.push(b' ');
        buf.extend_from_slice(head);
        buf.extend_from_slice(literal);
        buf.extend_from_slice(b"\r\n");
        self.reader.get_mut().write_all(&buf)?;
        loop {
            let mut line = String::new();
            if self.reader.read_line(&mut line)? == 0 {
                return Err(io::Error::other("cyrus closed the delivery connection").into());
            }
            if let Some(rest) = line.strip_prefix(&format!("{tag} ")) {
                return Ok(rest.trim_end().to_string());
            }
        }
    }

    pub(super) fn expect_ok(&mut self, command: &str) -> Result<(), DevError> {
        let reply = self.run_with(command.as_bytes(), b"")?;
        if reply.starts_with("OK") {
            Ok(())
        } else {
            Err(refused(
                command.split(' ').next().unwrap_or(command),
                &reply,
            ))
        }
    }
}
