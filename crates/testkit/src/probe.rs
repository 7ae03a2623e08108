//! Finding Dovecot's binaries and probing a listener until it greets and logs in.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::time::Duration;

pub(super) fn find_binary(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([
            "/usr/sbin".into(),
            "/usr/bin".into(),
            "/usr/local/sbin".into(),
        ])
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

pub(super) fn bind_any() -> io::Result<TcpListener> {
    TcpListener::bind("127.0.0.1:0")
}

pub(super) fn connect(port: u16) -> io::Result<TcpStream> {
    let s = TcpStream::connect_timeout(
        &SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_millis(500),
    )?;
    s.set_read_timeout(Some(Duration::from_secs(2)))?;
    s.set_write_timeout(Some(Duration::from_secs(2)))?;
    Ok(s)
}

/// The server's greeting on `port`: the reader (to go on) and the greeting line.
pub(super) fn greeting(port: u16) -> io::Result<(BufReader<TcpStream>, String)> {
    let mut r = BufReader::new(connect(port)?);
    let mut line = String::new();
    r.read_line(&mut line)?;
    if line.starts_with("* OK") {
        Ok((r, line))
    } else {
        Err(io::Error::other(format!("unexpected greeting {line:?}")))
    }
}

pub(super) fn try_login(port: u16, user: &str, pass: &str) -> io::Result<bool> {
    let (mut r, _) = greeting(port)?;
    write!(
        r.get_mut(),
        "a LOGIN {} {}\r\n",
        tern_core::imap::quote(user),
        tern_core::imap::quote(pass)
    )?;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line)? == 0 {
            return Ok(false);
        }
        if let Some(rest) = line.strip_prefix("a ") {
            let ok = rest.starts_with("OK");
            let _ = r.get_mut().write_all(b"b LOGOUT\r\n");
            return Ok(ok);
        }
    }
}
