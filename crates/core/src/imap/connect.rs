//! Opening an authenticated session: TCP, implicit TLS or STARTTLS (never a silent
//! downgrade), strict certificate checks, then LOGIN / AUTHENTICATE.

use super::conn::Conn;
use super::error::ImapError;
use super::transport::{Traced, Transport};
use crate::config::Security;
use crate::login::Mechanism;
use async_imap::imap_proto::{Response, Status};
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::net::TcpStream;

/// Everything needed to open a session; plain data taken from the config.
#[derive(Debug, Clone)]
pub struct ConnectSettings {
    /// The server and the credentials (shared with SMTP).
    pub login: crate::login::LoginSettings,
    /// Log the whole conversation (credentials redacted).
    pub trace: bool,
    /// How long any single step may stay silent before the link counts as dead.
    pub timeout: Duration,
    /// Names the connection in traces, e.g. `personal/cmd`.
    pub label: String,
}

impl ConnectSettings {
    /// A copy with the secret read again from `password_command` (if there is one).
    pub async fn with_fresh_secret(&self) -> Result<ConnectSettings, ImapError> {
        let mut s = self.clone();
        s.login.secret = self.login.fresh_secret().await.map_err(|e| match e {
            crate::login::FreshError::Refused(words) => ImapError::NoSecret(words),
            crate::login::FreshError::Unreachable { why, .. } => ImapError::TokenUnreachable(why),
        })?;
        Ok(s)
    }
}

async fn with_timeout<T>(
    d: Duration,
    what: &str,
    f: impl std::future::Future<Output = Result<T, ImapError>>,
) -> Result<T, ImapError> {
    tokio::time::timeout(d, f)
        .await
        .map_err(|_| ImapError::Timeout(what.to_string()))?
}

/// Connects, secures and logs in. An OAuth2 token the server refuses is renewed once.
pub async fn connect(s: &ConnectSettings) -> Result<Conn, ImapError> {
    match connect_once(s).await {
        Err(ImapError::Auth(words)) if s.login.oauth.is_some() => {
            tracing::info!(%words, "the server refused the OAuth2 token; trying once with a new one");
            s.login.renew_token().await;
            connect_once(s).await
        }
        other => other,
    }
}

async fn connect_once(s: &ConnectSettings) -> Result<Conn, ImapError> {
    if s.login.security == Security::Plain && !crate::config::is_loopback_host(&s.login.host) {
        return Err(ImapError::Tls {
            host: s.login.host.clone(),
            reason: "plain (unencrypted) connections are only allowed to a loopback address".into(),
        });
    }
    let tcp = with_timeout(
        s.timeout,
        &format!("connecting to {}", s.login.addr()),
        async {
            TcpStream::connect((s.login.host.as_str(), s.login.port))
                .await
                .map_err(|e| ImapError::Connect {
                    addr: s.login.addr(),
                    why: super::error::plain_io(&e),
                })
        },
    )
    .await?;
    let _ = tcp.set_nodelay(true);
    let transport = match s.login.security {
        Security::Tls => with_timeout(s.timeout, "TLS handshake", tls_wrap(s, tcp)).await?,
        Security::Plain => Transport::Plain(tcp),
        Security::Starttls => {
            with_timeout(
                s.timeout,
                "STARTTLS (if this is a TLS port, check `port` and `security`)",
                starttls(s, tcp),
            )
            .await?
        }
    };
    let mut client = async_imap::Client::new(Traced::new(transport, s.trace, &s.label, s.timeout));
    if s.login.security != Security::Starttls {
        // A TLS port answers nothing to a plain client: say what to check.
        let greeting = if s.login.security == Security::Plain {
            "the server's greeting (if this is a TLS port, check `port` and `security`)"
        } else {
            "the server's greeting"
        };
        with_timeout(s.timeout, greeting, read_greeting(&mut client)).await?;
    }
    let fresh;
    let s = if s.login.fresh_each_login() {
        fresh = s.with_fresh_secret().await?;
        &fresh
    } else {
        s
    };
    let redact = client.get_ref().redactor();
    redact.store(true, Ordering::Relaxed);
    let login = with_timeout(s.timeout * 3, "login", authenticate(s, client)).await;
    redact.store(false, Ordering::Relaxed);
    let session = login?;
    let mut conn = Conn::new(session, s.timeout, s.label.clone());
    conn.refresh_capabilities().await?;
    Ok(conn)
}

async fn read_greeting(client: &mut async_imap::Client<Traced>) -> Result<(), ImapError> {
    let resp = client
        .read_response()
        .await?
        .ok_or_else(|| ImapError::Lost("closed before the greeting".into()))?;
    match resp.parsed() {
        Response::Data {
            status: Status::Ok | Status::PreAuth,
            ..
        } => Ok(()),
        Response::Data {
            status: Status::Bye,
            outcome,
        } => Err(ImapError::Bye(format!(
            ": {}",
            outcome.information.as_deref().unwrap_or("")
        ))),
        other => Err(ImapError::Protocol(format!("greeting: {other:?}"))),
    }
}

/// A TLS handshake with a port that speaks plain IMAP fails deep in OpenSSL ("wrong
/// version number"): say what to check instead.
fn with_port_hint(reason: &str, port: u16) -> String {
    let plain_answer = [
        "wrong version number",
        "packet length too long",
        "unexpected eof",
    ]
    .iter()
    .any(|sign| reason.contains(sign));
    if plain_answer {
        format!(
            "port {port} does not answer in TLS (check `port` and `security`: \
             993 is usually TLS, 143 plain text or STARTTLS)"
        )
    } else {
        reason.to_string()
    }
}

async fn tls_wrap(s: &ConnectSettings, tcp: TcpStream) -> Result<Transport, ImapError> {
    use super::tls::{context, handshake, TlsError};
    let as_imap = |e: TlsError| match e {
        TlsError::CaCertificate { path, reason } => ImapError::CaCertificate { path, reason },
        other => ImapError::Tls {
            host: s.login.host.clone(),
            reason: with_port_hint(&other.to_string(), s.login.port),
        },
    };
    let ctx = context(s.login.ca_certificate.as_deref()).map_err(as_imap)?;
    let tls = handshake(&ctx, &s.login.host, tcp).await.map_err(as_imap)?;
    Ok(Transport::Tls(Box::new(tls)))
}

async fn starttls(s: &ConnectSettings, tcp: TcpStream) -> Result<Transport, ImapError> {
    let mut client = async_imap::Client::new(Traced::new(
        Transport::Plain(tcp),
        s.trace,
        &s.label,
        s.timeout,
    ));
    read_greeting(&mut client).await?;
    {
        use tokio::io::AsyncWriteExt;
        let w = client.get_mut();
        w.write_all(b"s1 CAPABILITY\r\n").await?;
        w.flush().await?;
    }
    let mut offered = false;
    loop {
        let resp = client
            .read_response()
            .await?
            .ok_or_else(|| ImapError::Lost("closed during CAPABILITY".into()))?;
        match resp.parsed() {
            Response::Capabilities(caps) => {
                offered = caps.iter().any(|c| {
                    matches!(c, async_imap::imap_proto::Capability::Atom(a) if a.eq_ignore_ascii_case("STARTTLS"))
                });
            }
            Response::Done { tag, .. } if tag.0 == "s1" => break,
            _ => {}
        }
    }
    if !offered {
        return Err(ImapError::StartTlsNotOffered {
            host: s.login.host.clone(),
        });
    }
    client
        .run_command_and_check_ok("STARTTLS", None)
        .await
        .map_err(|_| ImapError::StartTlsNotOffered {
            host: s.login.host.clone(),
        })?;
    // Anything the server sent before the handshake is discarded with the old client.
    let Transport::Plain(tcp) = client.into_inner().into_inner() else {
        return Err(ImapError::Protocol("STARTTLS on a TLS stream".into()));
    };
    tls_wrap(s, tcp).await
}

struct Plain<'a>(&'a str, &'a str);
impl async_imap::Authenticator for Plain<'_> {
    type Response = String;
    fn process(&mut self, _: &[u8]) -> String {
        format!("\0{}\0{}", self.0, self.1)
    }
}

/// XOAUTH2 / OAUTHBEARER: the token at the first challenge. A refused token comes back
/// as a second challenge carrying the server's error (JSON); it is answered empty, as
/// both mechanisms say, so that the server ends with its NO.
struct Bearer {
    first: String,
    sent: bool,
}

impl Bearer {
    fn xoauth2(user: &str, token: &str) -> Bearer {
        Bearer::with(format!("user={user}\x01auth=Bearer {token}\x01\x01"))
    }
    fn oauthbearer(user: &str, token: &str) -> Bearer {
        Bearer::with(format!("n,a={user},\x01auth=Bearer {token}\x01\x01"))
    }
    fn with(first: String) -> Bearer {
        Bearer { first, sent: false }
    }
}

impl async_imap::Authenticator for Bearer {
    type Response = String;
    fn process(&mut self, _: &[u8]) -> String {
        if std::mem::replace(&mut self.sent, true) {
            String::new()
        } else {
            std::mem::take(&mut self.first)
        }
    }
}

async fn authenticate(
    s: &ConnectSettings,
    client: async_imap::Client<Traced>,
) -> Result<async_imap::Session<Traced>, ImapError> {
    let (user, pass) = (s.login.username.as_str(), s.login.secret.expose());
    let result = match s.login.mechanism() {
        Mechanism::Password => {
            // LOGIN quotes as needed; characters it cannot quote go through AUTHENTICATE PLAIN.
            if pass.chars().all(|c| c.is_ascii() && !c.is_ascii_control())
                && user.chars().all(|c| c.is_ascii() && !c.is_ascii_control())
            {
                client.login(user, pass).await
            } else {
                client.authenticate("PLAIN", Plain(user, pass)).await
            }
        }
        Mechanism::Xoauth2 => {
            client
                .authenticate("XOAUTH2", Bearer::xoauth2(user, pass))
                .await
        }
        Mechanism::Oauthbearer => {
            client
                .authenticate("OAUTHBEARER", Bearer::oauthbearer(user, pass))
                .await
        }
    };
    result.map_err(|(e, _)| match e {
        async_imap::error::Error::No(w) | async_imap::error::Error::Bad(w) => {
            ImapError::Auth(super::error::server_words(&w))
        }
        other => ImapError::from(other),
    })
}
