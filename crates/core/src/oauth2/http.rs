//! The OAuth2 crate's HTTP client: tern's one agent (`crate::web`), the provider's error
//! answers handed over as answers.

use oauth2::{HttpClientError, HttpRequest, HttpResponse, SyncHttpClient};

/// One agent for a whole login or refresh.
pub(crate) struct Http {
    agent: ureq::Agent,
}

impl Http {
    pub(crate) fn new() -> Http {
        Http {
            agent: crate::web::agent(),
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

pub(crate) use crate::web::check_url;

/// A request failure in plain words, with what to check.
pub(crate) fn describe(e: &HttpClientError<ureq::Error>) -> String {
    match e {
        HttpClientError::Reqwest(e) => crate::web::describe(e),
        HttpClientError::Http(e) => e.to_string(),
        HttpClientError::Io(e) => crate::imap::plain_io(e),
        HttpClientError::Other(s) => s.clone(),
        _ => e.to_string(),
    }
}
