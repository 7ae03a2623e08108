//! Where an account's OAuth2 grant (the refresh token and what is known of it) is kept:
//! the OS keyring, as passwords are, else a 0600 file in a 0700 folder under the XDG data
//! directory. The user is told which.

use super::{OAuth2Settings, OAuthError};
use crate::config::TokenStore;
use crate::secrets::Secret;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// A grant as kept. The refresh token is the only secret in it.
#[derive(Clone, Serialize, Deserialize)]
pub struct Grant {
    pub refresh_token: String,
    pub client_id: String,
    pub token_url: String,
    pub scopes: Vec<String>,
    /// Unix seconds of the login.
    pub obtained_at: i64,
    /// Unix seconds of the last refresh.
    #[serde(default)]
    pub refreshed_at: Option<i64>,
    /// Unix seconds when the last access token expires(d).
    #[serde(default)]
    pub access_expires_at: Option<i64>,
}

impl std::fmt::Debug for Grant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Grant")
            .field("client_id", &self.client_id)
            .field("token_url", &self.token_url)
            .field("obtained_at", &self.obtained_at)
            .finish_non_exhaustive()
    }
}

impl Grant {
    pub fn refresh_secret(&self) -> Secret {
        Secret::new(self.refresh_token.clone())
    }
}

/// Where a grant was found or put.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredAt {
    /// The keyring's name ("kernel keyring", "Secret Service").
    Keyring(&'static str),
    File(PathBuf),
}

impl std::fmt::Display for StoredAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoredAt::Keyring(name) => write!(f, "the {name}"),
            StoredAt::File(p) => write!(f, "{} (mode 0600)", p.display()),
        }
    }
}

/// One account's place for its grant.
#[derive(Debug, Clone)]
pub struct GrantStore {
    /// The keyring entry: the account, the client and the provider, so that a grant is
    /// never offered to another client or provider.
    entry: String,
    file: PathBuf,
    client_id: String,
    token_url: String,
    /// None: the keyring when reachable, else the file.
    only: Option<TokenStore>,
}

impl GrantStore {
    pub fn new(s: &OAuth2Settings) -> GrantStore {
        let dir = crate::config::project_dirs()
            .map(|d| d.data_dir().to_path_buf())
            .unwrap_or_else(|| std::env::temp_dir().join("tern-data"))
            .join("oauth2");
        let safe: String = s
            .account
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        GrantStore {
            entry: format!(
                "oauth2:{}:{}:{}",
                s.account, s.client_id, s.endpoints.token_url
            ),
            file: dir.join(format!("{}.json", safe.trim_start_matches('.'))),
            client_id: s.client_id.clone(),
            token_url: s.endpoints.token_url.clone(),
            only: s.token_store,
        }
    }

    /// The grant, from the keyring or else the file; `None` when there is none for this
    /// account, client and provider.
    pub fn load(&self) -> Result<Option<(Grant, StoredAt)>, OAuthError> {
        if self.only != Some(TokenStore::File) {
            let keyring = crate::secrets::keyring_name()
                .and_then(|name| crate::secrets::keyring_get(&self.entry).map(|text| (name, text)));
            match keyring {
                Ok((name, Some(text))) => {
                    let grant = self.parse(&text, &format!("the {name} entry"))?;
                    return Ok(grant.map(|g| (g, StoredAt::Keyring(name))));
                }
                Err(e) if self.only == Some(TokenStore::Keyring) => {
                    return Err(OAuthError::Store(e.to_string()))
                }
                _ if self.only == Some(TokenStore::Keyring) => return Ok(None),
                _ => {}
            }
        }
        match std::fs::read_to_string(&self.file) {
            Ok(text) => {
                let grant = self.parse(&text, &self.file.display().to_string())?;
                Ok(grant.map(|g| (g, StoredAt::File(self.file.clone()))))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(OAuthError::Store(format!("{}: {e}", self.file.display()))),
        }
    }

    fn parse(&self, text: &str, what: &str) -> Result<Option<Grant>, OAuthError> {
        let grant: Grant = serde_json::from_str(text).map_err(|e| {
            OAuthError::Store(format!(
                "{what} is not a grant tern wrote ({e}); run `tern auth login` to replace it"
            ))
        })?;
        // A grant of another client or provider (the config changed) is not this one's.
        Ok(
            (grant.client_id == self.client_id && grant.token_url == self.token_url)
                .then_some(grant),
        )
    }

    /// Keeps the grant: in the keyring when one is reachable, else in the file.
    pub fn save(&self, grant: &Grant) -> Result<StoredAt, OAuthError> {
        let text = serde_json::to_string(grant).map_err(|e| OAuthError::Store(e.to_string()))?;
        if self.only != Some(TokenStore::File) {
            match crate::secrets::keyring_set(&self.entry, &text) {
                Ok(name) => {
                    // One place only: an older file copy would hold a stale (rotated) token.
                    let _ = std::fs::remove_file(&self.file);
                    return Ok(StoredAt::Keyring(name));
                }
                Err(e) if self.only == Some(TokenStore::Keyring) => {
                    return Err(OAuthError::Store(format!(
                        "{e} (token-store = \"keyring\"; \"file\" keeps it in a 0600 file instead)"
                    )))
                }
                Err(_) => {}
            }
        }
        self.save_file(&text)?;
        Ok(StoredAt::File(self.file.clone()))
    }

    fn save_file(&self, text: &str) -> Result<(), OAuthError> {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        let err = |e: std::io::Error| OAuthError::Store(format!("{}: {e}", self.file.display()));
        let dir = self.file.parent().unwrap_or(std::path::Path::new("."));
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(err)?;
        // A folder made earlier with looser rights is tightened.
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(err)?;
        crate::atomic_file::write_atomic(&self.file, text.as_bytes(), 0o600).map_err(err)
    }

    /// Removes the grant wherever it is; says where it was.
    pub fn forget(&self) -> Result<Vec<StoredAt>, OAuthError> {
        let mut gone = Vec::new();
        if self.only == Some(TokenStore::File) {
            // The keyring is not asked (there may be none); the file is all there is.
        } else if let Ok(name) = crate::secrets::keyring_name() {
            if let Ok(true) = crate::secrets::keyring_delete(&self.entry) {
                gone.push(StoredAt::Keyring(name));
            }
        }
        match std::fs::remove_file(&self.file) {
            Ok(()) => gone.push(StoredAt::File(self.file.clone())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(OAuthError::Store(format!("{}: {e}", self.file.display()))),
        }
        Ok(gone)
    }
}
