//! The one HTTP client of tern (OAuth2 exchanges, autoconfig): ureq with the system's
//! OpenSSL and trust roots (as IMAP uses), no redirects followed, a deadline on every
//! request, and plain HTTP only to this machine.

use std::time::Duration;

/// The longest any request may take.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// An agent with tern's rules. Error statuses are answers (their bodies carry words).
pub fn agent() -> ureq::Agent {
    let tls = ureq::tls::TlsConfig::builder()
        .provider(ureq::tls::TlsProvider::NativeTls)
        .root_certs(ureq::tls::RootCerts::PlatformVerifier)
        .build();
    let config = ureq::Agent::config_builder()
        .tls_config(tls)
        .timeout_global(Some(DEADLINE))
        .http_status_as_error(false)
        .max_redirects(0)
        .build();
    ureq::Agent::new_with_config(config)
}

/// HTTPS, or plain HTTP to a loopback address (a local server or a test's).
pub fn check_url(url: &str) -> Result<(), String> {
    let parsed = oauth2::url::Url::parse(url).map_err(|e| format!("{url:?} is not a URL: {e}"))?;
    match parsed.scheme() {
        "https" => Ok(()),
        "http"
            if parsed
                .host_str()
                .is_some_and(crate::config::is_loopback_host) =>
        {
            Ok(())
        }
        _ => Err(format!(
            "{url:?} is refused: only https (plain http only to a loopback address)"
        )),
    }
}

/// A ureq failure in plain words.
pub fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Io(io) => crate::imap::plain_io(io),
        ureq::Error::Timeout(_) => "no answer in time".into(),
        ureq::Error::HostNotFound => "the host name could not be found".into(),
        other => other.to_string(),
    }
}
