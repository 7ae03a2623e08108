//! What can go wrong talking to a server, in words a user can act on.

/// An IMAP failure. Messages quote the server's own words where it gave any.
#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    /// `why` is already in plain words (said once: the OS error is not chained again).
    #[error("cannot connect to {addr}: {why}")]
    Connect { addr: String, why: String },
    #[error("{0} timed out (no answer from the server)")]
    Timeout(String),
    #[error("TLS with {host} failed: {reason}")]
    Tls { host: String, reason: String },
    #[error("cannot read ca-certificate {path}: {reason}")]
    CaCertificate { path: String, reason: String },
    #[error("{host} does not offer STARTTLS; refusing to continue without encryption")]
    StartTlsNotOffered { host: String },
    #[error("login refused by the server: {0}")]
    Auth(String),
    /// No secret could be had (a dead OAuth2 grant, a failing password command): only the
    /// user can mend it, as a refused login.
    #[error("{0}")]
    NoSecret(String),
    /// No token could be had before logging in (its provider cannot be reached).
    #[error("{0}")]
    TokenUnreachable(String),
    #[error("the server refused `{command}`: {words}")]
    No { command: String, words: String },
    #[error("the server rejected `{command}` as invalid: {words}")]
    Bad { command: String, words: String },
    #[error("the server closed the connection{0}")]
    Bye(String),
    #[error("connection lost: {0}")]
    Lost(String),
    #[error("unexpected answer from the server: {0}")]
    Protocol(String),
    #[error("not sent: {0}")]
    Invalid(String),
    #[error("cache: {0}")]
    Cache(#[from] crate::cache::CacheError),
}

impl ImapError {
    /// Whether reconnecting might help (network trouble), as opposed to a refusal.
    pub fn is_connection_problem(&self) -> bool {
        matches!(
            self,
            ImapError::Connect { .. }
                | ImapError::Timeout(_)
                | ImapError::Bye(_)
                | ImapError::Lost(_)
                | ImapError::Tls { .. }
                | ImapError::TokenUnreachable(_)
        )
    }
}

/// An OS error in a user's words: "connection refused", without "(os error 111)".
pub fn plain_io(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::ConnectionRefused => "connection refused".into(),
        K::ConnectionReset => "the connection was reset".into(),
        K::TimedOut => "timed out".into(),
        K::HostUnreachable => "the host cannot be reached".into(),
        K::NetworkUnreachable => "the network cannot be reached".into(),
        K::AddrNotAvailable => "the address is not available".into(),
        _ => {
            let text = e.to_string();
            let text = match text.find(" (os error") {
                Some(i) => text[..i].to_string(),
                None => text,
            };
            if text.contains("failed to lookup address") {
                "the host name could not be found (check `host`)".into()
            } else {
                text.to_lowercase()
            }
        }
    }
}

/// The server's own words from what async-imap reports of a NO or BAD: it hands over the
/// debug form of the response (`code: None, info: Some("[AUTHENTICATIONFAILED] …")`);
/// the user reads the text the server sent, nothing else.
pub fn server_words(reported: &str) -> String {
    let reported = reported.trim();
    let Some(start) = reported.find("info: Some(\"") else {
        return reported.to_string();
    };
    let quoted = &reported[start + "info: Some(\"".len()..];
    let mut out = String::new();
    let mut chars = quoted.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => break,
            '\\' => {
                if let Some(next) = chars.next() {
                    out.push(next);
                }
            }
            c => out.push(c),
        }
    }
    out.trim().to_string()
}

impl From<async_imap::error::Error> for ImapError {
    fn from(e: async_imap::error::Error) -> Self {
        use async_imap::error::Error as E;
        match e {
            E::Io(io) => ImapError::from(io),
            E::ConnectionLost => ImapError::Lost("the server closed the connection".into()),
            E::No(w) => ImapError::No {
                command: "command".into(),
                words: server_words(&w),
            },
            E::Bad(w) => ImapError::Bad {
                command: "command".into(),
                words: server_words(&w),
            },
            other => ImapError::Protocol(excerpt(&other.to_string(), 200)),
        }
    }
}

impl From<std::io::Error> for ImapError {
    fn from(e: std::io::Error) -> Self {
        let text = e.to_string();
        // async-imap reports a response it cannot parse with a debug dump of its whole
        // buffer: the user reads what happened and the start of it; the bytes themselves
        // are in the trace log (--trace-imap).
        match text.split_once(" during parsing of ") {
            Some((_, buffer)) => ImapError::Lost(format!(
                "the server sent something that is not IMAP (it began \"{}\"); starting a new connection",
                excerpt(buffer.trim_start_matches('"'), 40)
            )),
            None => ImapError::Lost(excerpt(&text, 200)),
        }
    }
}

/// At most `max` characters of server-made text, made safe for a terminal.
pub(crate) fn excerpt(text: &str, max: usize) -> String {
    let clean = crate::mail::sanitize(text);
    let mut out: String = clean.chars().take(max).collect();
    if clean.chars().count() > max {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::server_words;

    #[test]
    fn the_servers_words_without_debug_formatting() {
        assert_eq!(
            server_words(
                r#"code: None, info: Some("[AUTHENTICATIONFAILED] Authentication failed.")"#
            ),
            "[AUTHENTICATIONFAILED] Authentication failed."
        );
        assert_eq!(
            server_words(r#"code: Some(Alert), info: Some("say \"hi\"")"#),
            r#"say "hi""#
        );
        assert_eq!(server_words("  plain words "), "plain words");
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert_eq!(super::plain_io(&refused), "connection refused");
        let os = std::io::Error::from_raw_os_error(111);
        assert_eq!(super::plain_io(&os), "connection refused");
        assert_eq!(server_words(r#"info: Some("unterminated"#), "unterminated");
    }
}
