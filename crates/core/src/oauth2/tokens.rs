//! The access token of a running account: held in memory only, refreshed from the kept
//! grant shortly before it expires and once after a refused login, with a rotated refresh
//! token saved at once. One refresh at a time, shared by IMAP, IDLE and SMTP.

use super::flow::refresh;
use super::{GrantStore, OAuth2Settings, OAuthError};
use crate::secrets::Secret;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A token is refreshed this long before it expires (or at half its life, if shorter),
/// so a login never carries one that runs out on the way.
const MARGIN: Duration = Duration::from_secs(60);

#[derive(Clone)]
struct Access {
    token: Secret,
    expires_at: Option<SystemTime>,
    /// When it was had: a short-lived token is refreshed at half its life, not a minute
    /// before its end.
    had_at: SystemTime,
}

impl Access {
    fn fresh(&self, now: SystemTime) -> bool {
        let Some(end) = self.expires_at else {
            return true;
        };
        let life = end.duration_since(self.had_at).unwrap_or_default();
        end.duration_since(now)
            .is_ok_and(|left| left > MARGIN.min(life / 2))
    }
}

/// One account's source of access tokens.
pub struct TokenSource {
    settings: OAuth2Settings,
    store: GrantStore,
    current: tokio::sync::Mutex<Option<Access>>,
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSource")
            .field("account", &self.settings.account)
            .finish_non_exhaustive()
    }
}

fn unix(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl TokenSource {
    pub fn new(settings: OAuth2Settings) -> TokenSource {
        TokenSource {
            store: GrantStore::new(&settings),
            settings,
            current: tokio::sync::Mutex::new(None),
        }
    }

    /// Starts with a token just obtained by a login (no refresh needed for it); called
    /// outside a runtime (the command line).
    pub fn seed_blocking(&self, token: Secret, expires_at: Option<SystemTime>) {
        *self.current.blocking_lock() = Some(Access {
            token,
            expires_at,
            had_at: SystemTime::now(),
        });
    }

    pub fn settings(&self) -> &OAuth2Settings {
        &self.settings
    }

    /// A token to log in with now: the one held, unless it expires within a minute.
    pub async fn access_token(&self) -> Result<Secret, OAuthError> {
        let mut current = self.current.lock().await;
        if let Some(a) = current.as_ref().filter(|a| a.fresh(SystemTime::now())) {
            return Ok(a.token.clone());
        }
        let a = self.refresh_now().await?;
        *current = Some(a.clone());
        Ok(a.token)
    }

    /// Drops the held token (the server refused it), so the next `access_token` refreshes.
    pub async fn invalidate(&self) {
        *self.current.lock().await = None;
    }

    async fn refresh_now(&self) -> Result<Access, OAuthError> {
        let settings = self.settings.clone();
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || refresh_blocking(&settings, &store))
            .await
            .map_err(|e| OAuthError::Store(format!("the refresh stopped: {e}")))?
    }
}

/// Reads the grant again (another tern may have rotated it), refreshes, and keeps what
/// changed.
fn refresh_blocking(s: &OAuth2Settings, store: &GrantStore) -> Result<Access, OAuthError> {
    let Some((mut grant, _)) = store.load()? else {
        return Err(OAuthError::NotLoggedIn {
            account: s.account.clone(),
        });
    };
    let tokens = refresh(s, &grant.refresh_secret())?;
    tracing::info!(account = %s.account, "OAuth2 access token refreshed");
    let now = SystemTime::now();
    grant.refreshed_at = Some(unix(now));
    grant.access_expires_at = tokens.expires_at.map(unix);
    if let Some(rotated) = &tokens.refresh {
        grant.refresh_token = rotated.expose().to_string();
    }
    if let Err(e) = store.save(&grant) {
        // The old refresh token may now be dead: say so loudly, the login still works.
        tracing::error!(account = %s.account, error = %e, "the rotated refresh token could not be kept");
        if tokens.refresh.is_some() {
            return Err(e);
        }
    }
    Ok(Access {
        token: tokens.access,
        expires_at: tokens.expires_at,
        had_at: now,
    })
}

/// A grant made of a login's tokens, to be kept.
pub(crate) fn grant_of(
    s: &OAuth2Settings,
    tokens: &super::Tokens,
) -> Result<super::Grant, OAuthError> {
    let Some(refresh) = &tokens.refresh else {
        return Err(OAuthError::Refused(
            "the provider gave no refresh token (for Microsoft, the scopes need offline_access)"
                .into(),
        ));
    };
    let now = SystemTime::now();
    Ok(super::Grant {
        refresh_token: refresh.expose().to_string(),
        client_id: s.client_id.clone(),
        token_url: s.endpoints.token_url.clone(),
        scopes: tokens.scopes.clone(),
        obtained_at: unix(now),
        refreshed_at: None,
        access_expires_at: tokens.expires_at.map(unix),
    })
}
