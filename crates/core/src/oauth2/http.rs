//! The HTTP client the OAuth2 exchanges go through: ureq with the system's OpenSSL and its
//! trust roots (as IMAP), no redirects followed, a deadline on every request, and plain
//! HTTP only to this machine.

use oauth2::{HttpClientError, HttpRequest, HttpResponse, SyncHttpClient};
use std::time::Duration;

/// One agent for a whole login or refresh.
pub(crate) struct Http {
    agent: ureq::Agent,
}

/// The longest any exchange with the provider may take.
const DEADLINE: Duration = Duration::from_secs(30);

impl Http {
    pub(crate) fn new() -> Http {
        let tls = ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::NativeTls)
            .root_certs(ureq::tls::RootCerts::PlatformVerifier)
            .build();
        let config = ureq::Agent::config_builder()
            .tls_config(tls)
            .timeout_global(Some(DEADLINE))
            // Error answers carry the provider's words (`invalid_grant`): hand them over.
            .http_status_as_error(false)
            // RFC 6749 §3.1/3.2 responses are never redirects worth following.
            .max_redirects(0)
            .build();
        Http {
            agent: ureq::Agent::new_with_config(config),
        }
    }
}

impl SyncHttpClient for Http {
    type Error = HttpClientError<ureq::Error>;

    fn call(&self, request: HttpRequest) -> Result<HttpResponse, Self::Error> {
        let uri = request.uri().to_string();
        check_url(&uri).map_err(HttpClientError::Other)?;
        let response = self.agent.run(request).map_err(Box::new)?;
        let (parts, mut body) = response.into_parts();
        let bytes = body
            .with_config()
            .limit(1 << 20)
            .read_to_vec()
            .map_err(Box::new)?;
        Ok(HttpResponse::from_parts(parts, bytes))
    }
}

/// HTTPS, or plain HTTP to a loopback address (a local provider or a test's).
pub(crate) fn check_url(url: &str) -> Result<(), String> {
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
            "{url:?} is refused: tokens go over https only (plain http only to a loopback address)"
        )),
    }
}

/// A request failure in plain words, with what to check.
pub(crate) fn describe(e: &HttpClientError<ureq::Error>) -> String {
    match e {
        HttpClientError::Reqwest(e) => match e.as_ref() {
            ureq::Error::Io(io) => crate::imap::plain_io(io),
            ureq::Error::Timeout(_) => "no answer in time".into(),
            ureq::Error::HostNotFound => "the host name could not be found".into(),
            other => other.to_string(),
        },
        HttpClientError::Http(e) => e.to_string(),
        HttpClientError::Io(e) => crate::imap::plain_io(e),
        HttpClientError::Other(s) => s.clone(),
        _ => e.to_string(),
    }
}
