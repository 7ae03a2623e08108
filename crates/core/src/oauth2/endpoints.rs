//! The provider presets (endpoints and scopes) and the settings one account's OAuth2 runs
//! with, taken from `[accounts.NAME.oauth2]`.

use super::OAuthError;
use crate::config::{OAuth2Config, OAuth2Flow, OAuth2Provider, Sasl, TokenStore};

/// Where the provider answers, and what is asked of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub device_authorization_url: Option<String>,
    pub authorization_url: Option<String>,
    pub token_url: String,
    pub revocation_url: Option<String>,
    pub scopes: Vec<String>,
}

const GOOGLE_SCOPES: &[&str] = &["https://mail.google.com/"];
const MICROSOFT_SCOPES: &[&str] = &[
    "https://outlook.office.com/IMAP.AccessAsUser.All",
    "https://outlook.office.com/SMTP.Send",
    "offline_access",
];

impl Endpoints {
    /// The preset's endpoints, or the custom ones from the config.
    pub fn of(c: &OAuth2Config) -> Endpoints {
        let owned = |s: &[&str]| s.iter().map(|x| x.to_string()).collect();
        match c.provider {
            OAuth2Provider::Google => Endpoints {
                // Google's device flow exists but does not grant the mail scope.
                device_authorization_url: None,
                authorization_url: Some("https://accounts.google.com/o/oauth2/v2/auth".into()),
                token_url: "https://oauth2.googleapis.com/token".into(),
                revocation_url: Some("https://oauth2.googleapis.com/revoke".into()),
                scopes: owned(GOOGLE_SCOPES),
            },
            OAuth2Provider::Microsoft => {
                let base = "https://login.microsoftonline.com/common/oauth2/v2.0";
                Endpoints {
                    device_authorization_url: Some(format!("{base}/devicecode")),
                    authorization_url: Some(format!("{base}/authorize")),
                    token_url: format!("{base}/token"),
                    // Microsoft offers no RFC 7009 revocation: logout forgets the grant.
                    revocation_url: None,
                    scopes: owned(MICROSOFT_SCOPES),
                }
            }
            OAuth2Provider::Custom => Endpoints {
                device_authorization_url: c.device_authorization_url.clone(),
                authorization_url: c.authorization_url.clone(),
                token_url: c.token_url.clone().unwrap_or_default(),
                revocation_url: c.revocation_url.clone(),
                scopes: c.scopes.clone().unwrap_or_default(),
            },
        }
    }
}

/// One account's OAuth2, ready to run.
#[derive(Debug, Clone)]
pub struct OAuth2Settings {
    /// The account's name in the config (messages, where the grant is kept).
    pub account: String,
    pub provider: OAuth2Provider,
    pub endpoints: Endpoints,
    pub client_id: String,
    pub client_secret_command: Option<String>,
    pub flow: OAuth2Flow,
    pub sasl: Sasl,
    /// 0: any free port.
    pub redirect_port: u16,
    /// None: the keyring when reachable, else the file.
    pub token_store: Option<TokenStore>,
}

impl OAuth2Settings {
    /// The settings of `[accounts.ACCOUNT.oauth2]`; the flow defaults to the device flow
    /// where the provider's covers mail, else the browser.
    pub fn from_config(account: &str, c: &OAuth2Config) -> Result<OAuth2Settings, OAuthError> {
        let endpoints = Endpoints::of(c);
        let flow = c
            .flow
            .unwrap_or(if endpoints.device_authorization_url.is_some() {
                OAuth2Flow::Device
            } else {
                OAuth2Flow::Browser
            });
        let t = format!("[accounts.{account}.oauth2]");
        match flow {
            OAuth2Flow::Device if endpoints.device_authorization_url.is_none() => {
                return Err(OAuthError::Config(match c.provider {
                    OAuth2Provider::Google => format!(
                        "{t} flow = \"device\": Google's device flow does not grant access to mail; use flow = \"browser\""
                    ),
                    _ => format!("{t} flow = \"device\" needs device-authorization-url"),
                }))
            }
            OAuth2Flow::Browser if endpoints.authorization_url.is_none() => {
                return Err(OAuthError::Config(format!(
                    "{t} flow = \"browser\" needs authorization-url"
                )))
            }
            _ => {}
        }
        for url in [
            Some(&endpoints.token_url),
            endpoints.device_authorization_url.as_ref(),
            endpoints.authorization_url.as_ref(),
            endpoints.revocation_url.as_ref(),
        ]
        .into_iter()
        .flatten()
        {
            super::http::check_url(url).map_err(|why| OAuthError::Config(format!("{t} {why}")))?;
        }
        Ok(OAuth2Settings {
            account: account.to_string(),
            provider: c.provider,
            endpoints,
            client_id: c.client_id.clone(),
            client_secret_command: c.client_secret_command.clone(),
            flow,
            sasl: c.sasl,
            redirect_port: c.redirect_port.unwrap_or(0),
            token_store: c.token_store,
        })
    }
}
