//! Where and how to log in to a server, for IMAP and SMTP alike: plain data taken from
//! the config, and the secret read again when it comes from a command (tokens expire).

use crate::config::{AuthMethod, Security};
use crate::secrets::Secret;
use std::path::PathBuf;

/// A server and the credentials for it.
#[derive(Debug, Clone)]
pub struct LoginSettings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: String,
    pub auth: AuthMethod,
    /// An extra trust root for the server's certificate.
    pub ca_certificate: Option<PathBuf>,
    /// The secret as read at start.
    pub secret: Secret,
    /// The command that gives the secret, run again for each OAuth login and send
    /// (tokens expire) and after a refused login.
    pub password_command: Option<String>,
}

impl LoginSettings {
    /// `host:port`, as connections and messages name the server.
    pub fn addr(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// The secret to log in with now: read again from `password_command` when there is
    /// one (off the async threads: it runs a program), else the one read at start.
    pub async fn fresh_secret(&self) -> Result<Secret, String> {
        let Some(cmd) = self.password_command.clone() else {
            return Ok(self.secret.clone());
        };
        tokio::task::spawn_blocking(move || crate::secrets::run_password_command(&cmd))
            .await
            .map_err(|e| format!("password command: {e}"))?
            .map_err(|e| e.to_string())
    }
}
