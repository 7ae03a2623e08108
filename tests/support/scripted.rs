//! A scripted peer for faults no real server produces (a hostile one, or a man in the
//! middle of a plain link): one connection, every command answered OK unless the script
//! says otherwise.

use std::time::Duration;

/// A scripted peer for faults no real server produces (a hostile one or a man in the
/// middle of a plain link may): every command answered OK, except what `special` answers
/// (given the tag and the command's name).
pub fn scripted_server(
    special: fn(&str, &str) -> Option<String>,
) -> (u16, std::thread::JoinHandle<()>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut out = stream.try_clone().unwrap();
        out.write_all(b"* OK [CAPABILITY IMAP4rev1] scripted\r\n")
            .unwrap();
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { return };
            let (tag, rest) = line.split_once(' ').unwrap_or((&line, ""));
            let cmd = rest.split(' ').next().unwrap_or("").to_ascii_uppercase();
            let reply = special(tag, &cmd).unwrap_or_else(|| match cmd.as_str() {
                "CAPABILITY" => format!("* CAPABILITY IMAP4rev1\r\n{tag} OK done\r\n"),
                "LOGOUT" => format!("* BYE bye\r\n{tag} OK done\r\n"),
                _ => format!("{tag} OK done\r\n"),
            });
            // One byte a second, forever: an inactivity timer never fires on it.
            if reply == "TRICKLE" {
                out.write_all(b"* OK ").unwrap();
                while out.write_all(b"z").is_ok() {
                    std::thread::sleep(Duration::from_secs(1));
                }
                return;
            }
            // A reply ending in CLOSE is cut off there: the peer hangs up.
            if let Some(cut) = reply.strip_suffix("CLOSE") {
                let _ = out.write_all(cut.as_bytes());
                return;
            }
            if out.write_all(reply.as_bytes()).is_err() {
                return;
            }
        }
    });
    (port, handle)
}

/// Settings for a scripted peer on a plain loopback port.
pub fn plain_settings(port: u16) -> tern::imap::ConnectSettings {
    let mut s = super::settings_for(port, std::path::Path::new("/nonexistent"), "u", "p");
    s.login.security = tern::config::Security::Plain;
    s.login.ca_certificate = None;
    s.timeout = Duration::from_secs(5);
    s
}
