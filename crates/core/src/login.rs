//! Where and how to log in to a server, for IMAP and SMTP alike: plain data taken from
//! the config, and the secret read again when it comes from a command or OAuth2 (tokens
//! expire).

use crate::config::{AuthMethod, Sasl, Security};
use crate::secrets::Secret;
use std::path::PathBuf;
use std::sync::Arc;

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
    /// `auth = "oauth2"`: the account's access tokens (shared by its IMAP and SMTP).
    pub oauth: Option<Arc<crate::oauth2::TokenSource>>,
}

/// How the secret is handed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mechanism {
    /// LOGIN / AUTHENTICATE PLAIN with a password.
    Password,
    Xoauth2,
    Oauthbearer,
}

/// Why no secret could be had now.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FreshError {
    /// Only the user can mend it (a failing command, a dead grant).
    #[error("{0}")]
    Refused(String),
    /// Where the token comes from cannot be reached now: try again later.
    #[error("{why}")]
    Unreachable { url: String, why: String },
}

impl LoginSettings {
    /// `host:port`, as connections and messages name the server.
    pub fn addr(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// The SASL mechanism of `auth` (with OAuth2, the one its table names).
    pub fn mechanism(&self) -> Mechanism {
        match self.auth {
            AuthMethod::Login => Mechanism::Password,
            AuthMethod::Xoauth2 => Mechanism::Xoauth2,
            AuthMethod::Oauthbearer => Mechanism::Oauthbearer,
            AuthMethod::Oauth2 => match self.oauth.as_ref().map(|o| o.settings().sasl) {
                Some(Sasl::Oauthbearer) => Mechanism::Oauthbearer,
                _ => Mechanism::Xoauth2,
            },
        }
    }

    /// Whether the secret must be had anew for each login (tokens expire).
    pub fn fresh_each_login(&self) -> bool {
        self.oauth.is_some() || (self.auth != AuthMethod::Login && self.password_command.is_some())
    }

    /// The secret to log in with now: an OAuth2 access token (refreshed when it is about
    /// to expire), or read again from `password_command` when there is one (off the async
    /// threads: it runs a program), else the one read at start.
    pub async fn fresh_secret(&self) -> Result<Secret, FreshError> {
        if let Some(source) = &self.oauth {
            return source.access_token().await.map_err(|e| match e {
                crate::oauth2::OAuthError::Unreachable { url, why } => FreshError::Unreachable {
                    why: format!("cannot reach the OAuth2 provider at {url}: {why}"),
                    url,
                },
                other => FreshError::Refused(other.to_string()),
            });
        }
        let Some(cmd) = self.password_command.clone() else {
            return Ok(self.secret.clone());
        };
        tokio::task::spawn_blocking(move || crate::secrets::run_password_command(&cmd))
            .await
            .map_err(|e| FreshError::Refused(format!("password command: {e}")))?
            .map_err(|e| FreshError::Refused(e.to_string()))
    }

    /// After the server refused a token: the next `fresh_secret` asks the provider for a
    /// new one. False when there is nothing to renew.
    pub async fn renew_token(&self) -> bool {
        match &self.oauth {
            Some(source) => {
                source.invalidate().await;
                true
            }
            None => false,
        }
    }
}
