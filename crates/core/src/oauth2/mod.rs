//! OAuth2 done by tern itself (`auth = "oauth2"`): the provider's endpoints, the device
//! and browser flows (`tern auth login`), the refresh token kept like a password, and
//! the access token held in memory and refreshed before it expires.
//! Tokens are `Secret`s: they never print themselves, so they cannot reach a log.

mod endpoints;
mod flow;
mod http;
mod store;
mod tokens;

pub use endpoints::{Endpoints, OAuth2Settings};
pub use flow::{browser_login, device_login, revoke, BrowserWait, DeviceCode, Tokens};
pub use store::{Grant, GrantStore, StoredAt};
pub use tokens::TokenSource;

/// The grant to keep after a login.
pub fn grant_of(s: &OAuth2Settings, tokens: &Tokens) -> Result<Grant, OAuthError> {
    tokens::grant_of(s, tokens)
}

/// Why OAuth2 did not give a token.
#[derive(Debug, Clone, thiserror::Error)]
pub enum OAuthError {
    #[error("{0}")]
    Config(String),
    /// The provider could not be reached: worth trying again later.
    #[error("cannot reach the OAuth2 provider at {url}: {why}")]
    Unreachable { url: String, why: String },
    /// The refresh token no longer works: only a new login helps.
    // The remedy first: a status line may show only the start.
    #[error("run `tern auth login {account}`: the OAuth2 grant of account {account:?} is no longer valid ({why})")]
    GrantRefused { account: String, why: String },
    #[error("run `tern auth login {account}`: account {account:?} has no OAuth2 grant yet")]
    NotLoggedIn { account: String },
    /// The provider answered the login with an error.
    #[error("the OAuth2 provider refused: {0}")]
    Refused(String),
    #[error("the browser came back with a state that is not this login's (a forged or stale redirect); nothing was accepted. Run `tern auth login` again")]
    StateMismatch,
    #[error("cannot keep the OAuth2 grant: {0}")]
    Store(String),
}

impl OAuthError {
    /// Whether only the user can mend it (a new login), as opposed to a network failure.
    pub fn needs_login(&self) -> bool {
        !matches!(self, OAuthError::Unreachable { .. })
    }
}
