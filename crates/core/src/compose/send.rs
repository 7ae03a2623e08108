//! Sending a built message: SMTP with lettre (TLS or STARTTLS, no silent downgrade,
//! strict certificates, an extra trust root when configured), or a sendmail-like
//! program given the message on standard input (no shell).

use super::Built;
use crate::config::{AuthMethod, Security};
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
async fn send_smtp(s: &SmtpSettings, built: &Built) -> Result<(), String> {
    // Tokens expire: a password command is asked again for each send.
    let secret = s.fresh_secret().await?;
    let mechanisms = match s.auth {
        AuthMethod::Login => vec![Mechanism::Plain, Mechanism::Login],
        AuthMethod::Xoauth2 => vec![Mechanism::Xoauth2],
        AuthMethod::Oauthbearer => {
            return Err("SMTP with auth = \"oauthbearer\" is not supported; use \"xoauth2\"".into())
        }
    };
    let tls = match s.security {
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
    };
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(s.host.clone())
        .port(s.port)
        .tls(tls)
        .credentials(Credentials::new(
            s.username.clone(),
            secret.expose().to_string(),
        ))
        .authentication(mechanisms)
        .timeout(Some(Duration::from_secs(60)))
        .build();
    let envelope = lettre::address::Envelope::new(
        built.from.parse().ok(),
        built
            .recipients
            .iter()
            .map(|r| r.parse().map_err(|e| format!("recipient {r}: {e}")))
            .collect::<Result<Vec<_>, _>>()?,
    )
    .map_err(|e| format!("no valid envelope: {e}"))?;
    transport
        .send_raw(&envelope, &built.wire)
        .await
        .map(|_| ())
        .map_err(|e| describe(&e, &s.host, s.port))
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
    if text.contains("certificate verify failed") {
        text = format!(
            "the server's TLS certificate is not trusted (ca-certificate names a CA of your own): {text}"
        );
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

/// Sends the message.
pub async fn send(t: &Transport, built: &Built) -> Result<(), String> {
    match t {
        Transport::Smtp(s) => send_smtp(s, built).await,
        Transport::Sendmail(cmd) => send_sendmail(cmd, built).await,
    }
}
