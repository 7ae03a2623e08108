//! `tern setup`'s engine: finding an address's servers (built-in presets, then Mozilla
//! autoconfig), and writing the new account into the config file without losing a line
//! of what is there.

mod autoconfig;
mod presets;
mod write;

pub use autoconfig::{autoconfig, autoconfig_urls};
pub use presets::preset;
pub use write::{write_account, NewAccount, SecretRoute, Written};

use crate::config::{OAuth2Provider, Security};

/// One server as found or given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: String,
}

/// An address's servers, and where they were found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub imap: Server,
    pub smtp: Option<Server>,
    /// The provider wants (or offers) OAuth2 with this preset.
    pub oauth2: Option<OAuth2Provider>,
    /// "the Gmail preset", "autoconfig at https://...".
    pub source: String,
    /// Something the user must know (an app password, Proton's Bridge).
    pub note: Option<String>,
}

/// The domain of an address, lower-cased; None when it has none.
pub fn domain_of(email: &str) -> Option<String> {
    let (local, domain) = email.trim().rsplit_once('@')?;
    let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    (!local.is_empty() && !domain.is_empty() && !domain.contains(['/', ' ', '?', '#']))
        .then_some(domain)
}
