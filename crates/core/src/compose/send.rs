//! Sending a built message: SMTP with lettre (TLS or STARTTLS, no silent downgrade,
//! strict certificates, an extra trust root when configured), or a sendmail-like
//! program given the message on standard input (no shell).

use super::Built;
use crate::config::Security;
use crate::login::Mechanism as MechanismOf;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::time::Duration;

/// Where and how to log in for sending: the same settings as for IMAP.
pub type SmtpSettings = crate::login::LoginSettings;

/// How mail leaves.
#[derive(Debug, Clone)]
pub enum Transport {
    Smtp(SmtpSettings),
    Sendmail(Vec<String>),
}

fn tls_parameters(s: &SmtpSettings) -> Result<TlsParameters, String> {
    let mut b = TlsParameters::builder(s.host.clone());
    if let Some(path) = &s.ca_certificate {
        let pem =
            std::fs::read(path).map_err(|e| format!("ca-certificate {}: {e}", path.display()))?;
        let cert = Certificate::from_pem(&pem)
            .map_err(|e| format!("ca-certificate {}: {e}", path.display()))?;
        b = b.add_root_certificate(cert);
    }
    b.build().map_err(|e| format!("TLS setup failed: {e}"))
}

/// Sends over SMTP; the error says what went wrong in the server's or the network's words.
/// An OAuth2 token the server refuses is renewed once.
async fn send_smtp(s: &SmtpSettings, built: &Built) -> Result<(), SendError> {
    // Where a send stands, in the log: one that hangs shows as begun and never ended.
    tracing::info!(host = %s.host, port = s.port, "sending a message over SMTP");
    let result = send_smtp_tries(s, built).await;
    match &result {
        Ok(()) => tracing::info!("the SMTP server took the message"),
        Err(e) => tracing::info!(error = %e.words, "the message was not sent"),
    }
    result
}

async fn send_smtp_tries(s: &SmtpSettings, built: &Built) -> Result<(), SendError> {
    match smtp_once(s, built).await {
        Err(Failure::Smtp(e)) if s.oauth.is_some() && refused_login(&e) => {
            tracing::info!("the SMTP server refused the OAuth2 token; trying once with a new one");
            s.renew_token().await;
            smtp_once(s, built).await.map_err(|f| f.error(s))
        }
        other => other.map_err(|f| f.error(s)),
    }
}

/// Why a message was not sent, and whether trying again later may work (the server
/// could not be reached, timed out, or said 4xx) or not (5xx, a refused login, a
/// mistake in the message or the config).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    pub words: String,
    pub transient: bool,
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.words)
    }
}

impl SendError {
    fn permanent(words: String) -> SendError {
        SendError {
            words,
            transient: false,
        }
    }
}

/// Why one attempt failed: lettre's error (to look at its code), words already, or
/// words of a failure that may pass (the token's provider unreachable).
enum Failure {
    Smtp(lettre::transport::smtp::Error),
    Said(String),
    Offline(String),
}

impl Failure {
    fn error(self, s: &SmtpSettings) -> SendError {
        match self {
            Failure::Smtp(e) => {
                let words = describe(&e, &s.host, s.port);
                // The network (no reply code, not TLS, not lettre's own refusal), a
                // timeout, or 4xx: later may work. A certificate refused while connecting
                // comes as a network error: it does not pass by itself.
                let network = e.status().is_none()
                    && !e.is_tls()
                    && !e.is_client()
                    && !e.is_response()
                    && !words.contains(UNTRUSTED);
                SendError {
                    transient: e.is_transient() || e.is_timeout() || network,
                    words,
                }
            }
            Failure::Said(w) => SendError::permanent(w),
            Failure::Offline(w) => SendError {
                words: w,
                transient: true,
            },
        }
    }
}

impl From<String> for Failure {
    fn from(w: String) -> Failure {
        Failure::Said(w)
    }
}

/// Whether the server refused the credentials (535, RFC 4954), not the message.
fn refused_login(e: &lettre::transport::smtp::Error) -> bool {
    e.status().is_some_and(|c| c.to_string() == "535")
}

async fn smtp_once(s: &SmtpSettings, built: &Built) -> Result<(), Failure> {
    // Tokens expire: a password command or OAuth2 is asked again for each send.
    let secret = s.fresh_secret().await.map_err(|e| match e {
        crate::login::FreshError::Unreachable { why, .. } => Failure::Offline(why),
        other => Failure::Said(other.to_string()),
    })?;
    let Some(mechanisms) = lettre_mechanisms(s) else {
        // lettre has no OAUTHBEARER: the exchange is done on its connection by hand.
        return send_oauthbearer(s, Some(built), &secret).await;
    };
    let transport = transport(s, &secret, mechanisms)?;
    let envelope = envelope_of(built)?;
    transport
        .send_raw(&envelope, &built.wire)
        .await
        .map(|_| ())
        .map_err(Failure::Smtp)
}

const TIMEOUT: Duration = Duration::from_secs(60);

/// How a refused certificate is said.
const UNTRUSTED: &str = "the server's TLS certificate is not trusted";

/// The mechanisms lettre logs in with; None for OAUTHBEARER, which it lacks.
fn lettre_mechanisms(s: &SmtpSettings) -> Option<Vec<Mechanism>> {
    match s.mechanism() {
        MechanismOf::Password => Some(vec![Mechanism::Plain, Mechanism::Login]),
        MechanismOf::Xoauth2 => Some(vec![Mechanism::Xoauth2]),
        MechanismOf::Oauthbearer => None,
    }
}

/// lettre's transport for these settings and this secret.
fn transport(
    s: &SmtpSettings,
    secret: &crate::secrets::Secret,
    mechanisms: Vec<Mechanism>,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    Ok(
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(s.host.clone())
            .port(s.port)
            .tls(tls_mode(s)?)
            .credentials(Credentials::new(
                s.username.clone(),
                secret.expose().to_string(),
            ))
            .authentication(mechanisms)
            .timeout(Some(TIMEOUT))
            .build(),
    )
}

fn tls_mode(s: &SmtpSettings) -> Result<Tls, String> {
    Ok(match s.security {
        Security::Tls => Tls::Wrapper(tls_parameters(s)?),
        // Required, never opportunistic: a server without STARTTLS is refused.
        Security::Starttls => Tls::Required(tls_parameters(s)?),
        Security::Plain => {
            if !crate::config::is_loopback_host(&s.host) {
                return Err(format!(
                    "plain SMTP to {} is refused (not a loopback address)",
                    s.host
                ));
            }
            Tls::None
        }
    })
}

fn envelope_of(built: &Built) -> Result<lettre::address::Envelope, String> {
    lettre::address::Envelope::new(
        built.from.parse().ok(),
        built
            .recipients
            .iter()
            .map(|r| r.parse().map_err(|e| format!("recipient {r}: {e}")))
            .collect::<Result<Vec<_>, _>>()?,
    )
    .map_err(|e| format!("no valid envelope: {e}"))
}

/// SMTP with AUTH OAUTHBEARER (RFC 7628) on lettre's connection: TLS as configured, the
/// token as the initial response, and on refusal the `AQ==` that ends the exchange.
/// Without a message (`None`), it logs in and says goodbye: the check of `tern setup`
/// and `tern auth login`.
async fn send_oauthbearer(
    s: &SmtpSettings,
    built: Option<&Built>,
    token: &crate::secrets::Secret,
) -> Result<(), Failure> {
    use lettre::transport::smtp::client::AsyncSmtpConnection;
    use lettre::transport::smtp::extension::ClientId;
    let hello = ClientId::default();
    let params = tls_parameters(s)?;
    let wrapper = matches!(s.security, Security::Tls).then(|| params.clone());
    // Plain SMTP off this machine is refused here as for lettre's transport.
    tls_mode(s)?;
    let mut conn = AsyncSmtpConnection::connect_tokio1(
        (s.host.as_str(), s.port),
        Some(TIMEOUT),
        &hello,
        wrapper,
        None,
    )
    .await
    .map_err(Failure::Smtp)?;
    if s.security == Security::Starttls {
        // Refused when not offered, as lettre's Tls::Required does.
        conn.starttls(params, &hello).await.map_err(Failure::Smtp)?;
    }
    let ir = openssl::base64::encode_block(
        format!(
            "n,a={},\x01auth=Bearer {}\x01\x01",
            s.username,
            token.expose()
        )
        .as_bytes(),
    );
    let answer = conn
        .command(format!("AUTH OAUTHBEARER {ir}\r\n"))
        .await
        .map_err(Failure::Smtp)?;
    if answer.has_code(334) {
        // The server's error JSON; the client's dummy reply gets the final 535.
        let end = conn.command("AQ==\r\n").await.map_err(Failure::Smtp)?;
        return Err(Failure::Said(format!(
            "the server refused the OAuth2 token: {}",
            end.first_line().unwrap_or("")
        )));
    }
    if let Some(built) = built {
        let envelope = envelope_of(built)?;
        conn.send(&envelope, &built.wire)
            .await
            .map_err(Failure::Smtp)?;
    }
    let _ = conn.quit().await;
    Ok(())
}

/// lettre's error in plain words, with its cause chain.
fn describe(e: &lettre::transport::smtp::Error, host: &str, port: u16) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        // Causes often repeat what their error already said (TLS errors, three deep).
        let said = s.to_string();
        if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        source = s.source();
    }
    // "Connection refused (os error 111)": the number says nothing to a reader.
    while let Some(at) = text.find(" (os error ") {
        let end = text[at..].find(')').map_or(text.len(), |e| at + e + 1);
        text.replace_range(at..end, "");
    }
    if text.contains("certificate verify failed") {
        text = format!("{UNTRUSTED} (ca-certificate names a CA of your own): {text}");
    }
    if e.is_permanent() {
        format!("the server refused the message: {text}")
    } else if e.is_transient() {
        format!("the server could not take the message now: {text}")
    } else {
        format!("sending through {host}:{port} failed: {text}")
    }
}

/// Runs the sendmail command with the message on standard input.
async fn send_sendmail(cmd: &[String], built: &Built) -> Result<(), String> {
    use tokio::io::AsyncWriteExt;
    let (prog, args) = cmd.split_first().ok_or("sendmail-command is empty")?;
    let mut child = tokio::process::Command::new(prog)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not run {prog}: {e}"))?;
    let mut written = Ok(());
    if let Some(mut stdin) = child.stdin.take() {
        // A program that fails early closes its input: its exit status says more.
        written = stdin.write_all(&built.wire).await;
    }
    let out = child
        .wait_with_output()
        .await
        .map_err(|e| format!("{prog}: {e}"))?;
    if out.status.success() {
        written.map_err(|e| format!("{prog} did not take the whole message: {e}"))
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        Err(format!(
            "{prog} failed ({}): {}",
            out.status,
            err.lines().next().unwrap_or("").trim()
        ))
    }
}

/// Connects, secures and logs in to the SMTP server, sending nothing (`tern setup`,
/// `tern auth login`).
pub async fn check(s: &SmtpSettings) -> Result<(), String> {
    let secret = s.fresh_secret().await.map_err(|e| e.to_string())?;
    let Some(mechanisms) = lettre_mechanisms(s) else {
        return send_oauthbearer(s, None, &secret)
            .await
            .map_err(|f| f.error(s).words);
    };
    let transport = transport(s, &secret, mechanisms)?;
    match transport.test_connection().await {
        Ok(true) => Ok(()),
        Ok(false) => Err(format!("{} did not answer NOOP", s.addr())),
        Err(e) => Err(describe(&e, &s.host, s.port)),
    }
}

/// Sends the message.
pub async fn send(t: &Transport, built: &Built) -> Result<(), SendError> {
    match t {
        Transport::Smtp(s) => send_smtp(s, built).await,
        Transport::Sendmail(cmd) => send_sendmail(cmd, built).await.map_err(|words| SendError {
            // sendmail's EX_TEMPFAIL (75): its queue or network, not the message.
            transient: words.contains("exit status: 75"),
            words,
        }),
    }
}
