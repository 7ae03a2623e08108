//! What can go wrong talking to a server, in words a user can act on.

/// An IMAP failure. Messages quote the server's own words where it gave any.
#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        addr: String,
        source: std::io::Error,
    },
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
        )
    }
}

impl From<async_imap::error::Error> for ImapError {
    fn from(e: async_imap::error::Error) -> Self {
        use async_imap::error::Error as E;
        match e {
            E::Io(io) => ImapError::Lost(io.to_string()),
            E::ConnectionLost => ImapError::Lost("the server closed the connection".into()),
            E::No(w) => ImapError::No {
                command: "command".into(),
                words: w,
            },
            E::Bad(w) => ImapError::Bad {
                command: "command".into(),
                words: w,
            },
            other => ImapError::Protocol(other.to_string()),
        }
    }
}

impl From<std::io::Error> for ImapError {
    fn from(e: std::io::Error) -> Self {
        ImapError::Lost(e.to_string())
    }
}
