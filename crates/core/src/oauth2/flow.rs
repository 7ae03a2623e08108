//! The two ways to log in (`tern auth login`): the device flow (RFC 8628: a code typed in
//! any browser, so it works over SSH) and the browser flow (authorization code with PKCE
//! S256 and a loopback redirect, RFC 8252, the `state` checked); then the exchange of the
//! refresh token for access tokens, and revocation at logout.

use super::http::{describe, Http};
use super::{OAuth2Settings, OAuthError};
use crate::secrets::Secret;
use oauth2::basic::{BasicClient, BasicErrorResponse, BasicTokenResponse};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, DeviceAuthorizationUrl,
    EndpointMaybeSet, EndpointNotSet, HttpClientError, PkceCodeChallenge, RedirectUrl,
    RefreshToken, RequestTokenError, RevocationUrl, Scope, StandardRevocableToken, TokenResponse,
    TokenUrl,
};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, SystemTime};

/// What the provider gave: the access token (kept in memory), when it expires, and the
/// refresh token (kept like a password) when it sent one.
pub struct Tokens {
    pub access: Secret,
    pub expires_at: Option<SystemTime>,
    pub refresh: Option<Secret>,
    pub scopes: Vec<String>,
}

/// What the user is shown to finish a device login.
#[derive(Debug, Clone)]
pub struct DeviceCode {
    pub verification_uri: String,
    /// The URI with the code in it, when the provider offers one.
    pub verification_uri_complete: Option<String>,
    pub user_code: String,
    pub expires_in: Duration,
}

/// What the user is shown to finish a browser login.
#[derive(Debug, Clone)]
pub struct BrowserWait {
    pub url: String,
    pub port: u16,
}

type Client = oauth2::Client<
    BasicErrorResponse,
    BasicTokenResponse,
    oauth2::basic::BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    oauth2::basic::BasicRevocationErrorResponse,
    EndpointMaybeSet,
    EndpointMaybeSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

fn bad_url(what: &str, e: impl std::fmt::Display) -> OAuthError {
    OAuthError::Config(format!("the OAuth2 {what} is not a URL: {e}"))
}

/// The oauth2 client of these settings, with the client secret read now when configured.
fn client(s: &OAuth2Settings) -> Result<Client, OAuthError> {
    let e = &s.endpoints;
    let mut c = BasicClient::new(ClientId::new(s.client_id.clone()))
        .set_auth_uri_option(
            e.authorization_url
                .clone()
                .map(AuthUrl::new)
                .transpose()
                .map_err(|x| bad_url("authorization-url", x))?,
        )
        .set_device_authorization_url_option(
            e.device_authorization_url
                .clone()
                .map(DeviceAuthorizationUrl::new)
                .transpose()
                .map_err(|x| bad_url("device-authorization-url", x))?,
        )
        .set_token_uri_option(Some(
            TokenUrl::new(e.token_url.clone()).map_err(|x| bad_url("token-url", x))?,
        ))
        .set_revocation_url_option(
            e.revocation_url
                .clone()
                .map(RevocationUrl::new)
                .transpose()
                .map_err(|x| bad_url("revocation-url", x))?,
        );
    if let Some(cmd) = &s.client_secret_command {
        let secret = crate::secrets::run_password_command(cmd)
            .map_err(|e| OAuthError::Config(format!("client-secret-command: {e}")))?;
        c = c.set_client_secret(ClientSecret::new(secret.expose().to_string()));
    }
    Ok(c)
}

fn scopes(s: &OAuth2Settings) -> impl Iterator<Item = Scope> + '_ {
    s.endpoints.scopes.iter().cloned().map(Scope::new)
}

/// A failed token request in words; `invalid_grant` and the like mean a new login.
fn token_error<E: oauth2::ErrorResponse + std::fmt::Display + 'static>(
    url: &str,
    e: RequestTokenError<HttpClientError<ureq::Error>, E>,
) -> OAuthError {
    match e {
        RequestTokenError::Request(h) => OAuthError::Unreachable {
            url: url.to_string(),
            why: describe(&h),
        },
        RequestTokenError::ServerResponse(r) => OAuthError::Refused(r.to_string()),
        RequestTokenError::Parse(_, body) => OAuthError::Refused(format!(
            "an answer that is not OAuth2 JSON ({})",
            crate::mail::sanitize(&String::from_utf8_lossy(&body[..body.len().min(200)]))
        )),
        RequestTokenError::Other(words) => OAuthError::Refused(crate::mail::sanitize(&words)),
    }
}

fn tokens_of(r: &BasicTokenResponse, asked: &OAuth2Settings) -> Tokens {
    Tokens {
        access: Secret::new(r.access_token().secret().clone()),
        expires_at: r.expires_in().map(|d| SystemTime::now() + d),
        refresh: r.refresh_token().map(|t| Secret::new(t.secret().clone())),
        scopes: r
            .scopes()
            .map(|v| v.iter().map(|s| s.to_string()).collect())
            .unwrap_or_else(|| asked.endpoints.scopes.clone()),
    }
}

/// The device flow: asks for a code, hands it to `show` (the URL and the code for the
/// user), then polls the token endpoint as the provider says (interval, slow_down,
/// expiry) until the user has approved, refused, or the code expired.
pub fn device_login(
    s: &OAuth2Settings,
    show: impl FnOnce(&DeviceCode),
) -> Result<Tokens, OAuthError> {
    let http = Http::new();
    let c = client(s)?;
    let url = s
        .endpoints
        .device_authorization_url
        .clone()
        .unwrap_or_default();
    let details: oauth2::StandardDeviceAuthorizationResponse = c
        .exchange_device_code()
        .map_err(|e| OAuthError::Config(e.to_string()))?
        .add_scopes(scopes(s))
        .request(&http)
        .map_err(|e| token_error(&url, e))?;
    show(&DeviceCode {
        verification_uri: details.verification_uri().to_string(),
        verification_uri_complete: details
            .verification_uri_complete()
            .map(|u| u.secret().clone()),
        user_code: details.user_code().secret().clone(),
        expires_in: details.expires_in(),
    });
    let token = c
        .exchange_device_access_token(&details)
        .map_err(|e| OAuthError::Config(e.to_string()))?
        .request(&http, std::thread::sleep, None)
        .map_err(|e| match token_error(&s.endpoints.token_url, e) {
            OAuthError::Refused(w) if w.contains("expired_token") => OAuthError::Refused(
                "the code expired before it was entered; run `tern auth login` again".into(),
            ),
            OAuthError::Refused(w) if w.contains("access_denied") => {
                OAuthError::Refused("the login was declined at the provider".into())
            }
            other => other,
        })?;
    Ok(tokens_of(&token, s))
}

/// The browser flow: listens on 127.0.0.1 (`redirect-port`, else any free port), hands
/// the authorization URL to `show`, waits for the browser's redirect, checks its `state`
/// and exchanges the code with the PKCE verifier.
pub fn browser_login(
    s: &OAuth2Settings,
    show: impl FnOnce(&BrowserWait),
) -> Result<Tokens, OAuthError> {
    let listener = TcpListener::bind(("127.0.0.1", s.redirect_port)).map_err(|e| {
        OAuthError::Config(format!(
            "cannot listen on 127.0.0.1:{} for the browser's redirect: {}",
            s.redirect_port,
            crate::imap::plain_io(&e)
        ))
    })?;
    let port = listener
        .local_addr()
        .map_err(|e| OAuthError::Config(e.to_string()))?
        .port();
    let redirect = format!("http://127.0.0.1:{port}/");
    let c = client(s)?
        .set_redirect_uri(RedirectUrl::new(redirect).map_err(|e| bad_url("redirect", e))?);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state) = c
        .authorize_url(CsrfToken::new_random)
        .map_err(|e| OAuthError::Config(e.to_string()))?
        .add_scopes(scopes(s))
        .set_pkce_challenge(challenge)
        .url();
    show(&BrowserWait {
        url: url.to_string(),
        port,
    });
    let (code, mut stream) = loop {
        let (stream, _) = listener
            .accept()
            .map_err(|e| OAuthError::Config(format!("the redirect listener failed: {e}")))?;
        match redirect_of(stream, state.secret())? {
            Some(found) => break found,
            None => continue,
        }
    };
    let http = Http::new();
    let token = c
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|e| OAuthError::Config(e.to_string()))?
        .set_pkce_verifier(verifier)
        .request(&http)
        .map_err(|e| token_error(&s.endpoints.token_url, e));
    let page = match &token {
        Ok(_) => "tern is signed in. You can close this tab.".to_string(),
        Err(e) => format!("tern could not finish the login: {e}"),
    };
    answer(&mut stream, "200 OK", &page);
    Ok(tokens_of(&token?, s))
}

/// Reads one request to the loopback listener. `Some((code, stream))` when it is the
/// redirect with a code and this login's state; `None` for anything else (a favicon);
/// an error for a refusal or a wrong state (answered in the browser too).
fn redirect_of(
    mut stream: TcpStream,
    state: &str,
) -> Result<Option<(String, TcpStream)>, OAuthError> {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut line = String::new();
    // The request line only; a redirect's is short, and more is not read.
    let read = BufReader::new((&stream).take(8192)).read_line(&mut line);
    if read.is_err() {
        return Ok(None);
    }
    let target = line.split_whitespace().nth(1).unwrap_or("");
    let Ok(url) = oauth2::url::Url::parse(&format!("http://127.0.0.1{target}")) else {
        answer(
            &mut stream,
            "400 Bad Request",
            "Not a request tern understands.",
        );
        return Ok(None);
    };
    let get = |k: &str| {
        url.query_pairs()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.into_owned())
    };
    let (code, error, got_state) = (get("code"), get("error"), get("state"));
    if code.is_none() && error.is_none() {
        answer(&mut stream, "404 Not Found", "Nothing here.");
        return Ok(None);
    }
    // Compared before anything else is believed: a redirect without this login's state
    // may come from anywhere (RFC 6749 §10.12).
    if got_state.as_deref() != Some(state) {
        answer(
            &mut stream,
            "400 Bad Request",
            "This redirect does not belong to the login tern started; it was refused.",
        );
        return Err(OAuthError::StateMismatch);
    }
    if let Some(error) = error {
        let more = get("error_description").unwrap_or_default();
        let words = crate::mail::sanitize(&format!("{error} {more}"));
        answer(
            &mut stream,
            "200 OK",
            &format!("The provider refused: {words}"),
        );
        return Err(OAuthError::Refused(words.trim().to_string()));
    }
    Ok(code.map(|c| (c, stream)))
}

/// A tiny HTML answer to the browser.
fn answer(stream: &mut TcpStream, status: &str, text: &str) {
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let body = format!("<!doctype html><meta charset=utf-8><title>tern</title><p>{escaped}</p>\n");
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.flush();
}

/// Exchanges the refresh token for a new access token (and maybe a rotated refresh token).
pub(crate) fn refresh(s: &OAuth2Settings, refresh_token: &Secret) -> Result<Tokens, OAuthError> {
    let http = Http::new();
    let c = client(s)?;
    let rt = RefreshToken::new(refresh_token.expose().to_string());
    let token = c
        .exchange_refresh_token(&rt)
        .map_err(|e| OAuthError::Config(e.to_string()))?
        .request(&http)
        .map_err(|e| match token_error(&s.endpoints.token_url, e) {
            OAuthError::Refused(why) => OAuthError::GrantRefused {
                account: s.account.clone(),
                why,
            },
            other => other,
        })?;
    Ok(tokens_of(&token, s))
}

/// Revokes the refresh token where the provider offers revocation (RFC 7009); `Ok(false)`
/// when it offers none.
pub fn revoke(s: &OAuth2Settings, refresh_token: &Secret) -> Result<bool, OAuthError> {
    if s.endpoints.revocation_url.is_none() {
        return Ok(false);
    }
    let http = Http::new();
    let c = client(s)?;
    let url = s.endpoints.revocation_url.clone().unwrap_or_default();
    let request = c.revoke_token(StandardRevocableToken::RefreshToken(RefreshToken::new(
        refresh_token.expose().to_string(),
    )));
    match request {
        Ok(r) => r.request(&http).map_err(|e| token_error(&url, e))?,
        // The crate takes https only; plain http is allowed (by `check_url`) to a
        // provider on this machine, so the RFC 7009 form is posted here.
        Err(oauth2::ConfigurationError::InsecureUrl(_)) => {
            revoke_on_loopback(s, &url, refresh_token)?
        }
        Err(e) => return Err(OAuthError::Config(e.to_string())),
    }
    Ok(true)
}

/// RFC 7009 §2.1: the token, its type, and the client's id, as a form.
fn revoke_on_loopback(s: &OAuth2Settings, url: &str, token: &Secret) -> Result<(), OAuthError> {
    super::http::check_url(url).map_err(OAuthError::Config)?;
    let form: String = oauth2::url::form_urlencoded::Serializer::new(String::new())
        .append_pair("token", token.expose())
        .append_pair("token_type_hint", "refresh_token")
        .append_pair("client_id", &s.client_id)
        .finish();
    let mut reply = crate::web::agent()
        .post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(form)
        .map_err(|e| OAuthError::Unreachable {
            url: url.to_string(),
            why: crate::web::describe(&e),
        })?;
    if reply.status().is_success() {
        return Ok(());
    }
    let body = reply
        .body_mut()
        .with_config()
        .limit(4096)
        .read_to_string()
        .unwrap_or_default();
    Err(OAuthError::Refused(format!(
        "HTTP {}: {}",
        reply.status(),
        crate::mail::sanitize(&body)
    )))
}
