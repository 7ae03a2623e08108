//! A private SMTP server (aiosmtpd, started from Python) for tests and the demo:
//! STARTTLS or implicit TLS with the same test CA as the private Dovecot, AUTH
//! required, and every accepted message kept in a folder to be read back.

use super::DevError;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// One message the server accepted.
#[derive(Debug, Clone)]
pub struct Received {
    pub mail_from: String,
    pub rcpt_tos: Vec<String>,
    pub login: Option<String>,
    pub tls: bool,
    pub raw: Vec<u8>,
}

/// How the server protects the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpMode {
    /// TLS from the first byte (port 465 style).
    Tls,
    /// STARTTLS required before anything else.
    Starttls,
    /// No TLS offered at all.
    NoTls,
    /// The MTA a submission server relays to on loopback: plain SMTP, no AUTH asked,
    /// and no certificate needed (see [`SmtpServer::start_relay`]).
    Relay,
}

/// A running SMTP server; stopped when dropped.
pub struct SmtpServer {
    child: Child,
    port: u16,
    out: tempfile::TempDir,
    user: String,
    password: String,
    /// The command line that started it, for a restart on the same port.
    argv: Vec<std::ffi::OsString>,
}

/// Runs the server script; returns once it says "ready".
fn launch(argv: &[std::ffi::OsString], user: &str, password: &str) -> Result<Child, DevError> {
    let (prog, args) = argv
        .split_first()
        .ok_or_else(|| DevError::InvalidArgument("no command".into()))?;
    let mut child = Command::new(prog)
        .args(args)
        // The login goes in the environment, not on a command line anyone can read.
        .env("TERN_SMTP_USER", user)
        .env("TERN_SMTP_PASSWORD", password)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| DevError::Startup("no stdout".into()))?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    if line.trim() != "ready" {
        let _ = child.kill();
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut e, &mut err);
        }
        return Err(DevError::Startup(format!(
            "the SMTP server did not start: {err}"
        )));
    }
    Ok(child)
}

/// The Python that has aiosmtpd (Debian's, else the first on the PATH).
fn python() -> Result<PathBuf, DevError> {
    for p in ["/usr/bin/python3", "python3"] {
        let ok = Command::new(p)
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Ok(PathBuf::from(p));
        }
    }
    Err(DevError::NotInstalled(
        "the SMTP test server needs aiosmtpd: apt-get install -y python3-aiosmtpd".into(),
    ))
}

fn free_port() -> Result<u16, DevError> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

impl SmtpServer {
    /// Starts a server with the certificate and key in `cert_dir` (`server.pem`,
    /// `server.key`, as the private Dovecot writes them; not read in [`SmtpMode::Relay`]).
    pub fn start(cert_dir: &Path, mode: SmtpMode) -> Result<SmtpServer, DevError> {
        let python = python()?;
        let out = tempfile::Builder::new().prefix("tern-smtp-").tempdir()?;
        let script = out.path().join("smtp_server.py");
        std::fs::write(&script, include_str!("smtp_server.py"))?;
        let received = out.path().join("received");
        std::fs::create_dir(&received)?;
        let port = free_port()?;
        let (user, password) = ("sender".to_string(), "smtp-secret-42".to_string());
        let argv: Vec<std::ffi::OsString> = vec![
            python.into(),
            script.into(),
            port.to_string().into(),
            cert_dir.join("server.pem").into(),
            cert_dir.join("server.key").into(),
            received.into(),
            match mode {
                SmtpMode::Tls => "tls",
                SmtpMode::Starttls => "starttls",
                SmtpMode::NoTls => "plain",
                SmtpMode::Relay => "relay",
            }
            .into(),
        ];
        let child = launch(&argv, &user, &password)?;
        Ok(SmtpServer {
            child,
            port,
            out,
            user,
            password,
            argv,
        })
    }

    /// Stops the server (its port refuses connections until `restart`).
    pub fn stop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts it again on the same port; what it received stays, numbered on.
    pub fn restart(&mut self) -> Result<(), DevError> {
        self.stop();
        self.child = launch(&self.argv, &self.user, &self.password)?;
        Ok(())
    }

    pub fn start_relay() -> Result<SmtpServer, DevError> {
        SmtpServer::start(Path::new("/nonexistent"), SmtpMode::Relay)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The login the server accepts.
    pub fn credentials(&self) -> (&str, &str) {
        (&self.user, &self.password)
    }

    /// Messages accepted so far, in order.
    pub fn received(&self) -> Vec<Received> {
        let dir = self.out.path().join("received");
        let mut out = Vec::new();
        for n in 1.. {
            let eml = dir.join(format!("{n}.eml"));
            let Ok(raw) = std::fs::read(&eml) else {
                break;
            };
            let meta: serde_json::Value = std::fs::read(dir.join(format!("{n}.json")))
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
                .unwrap_or_default();
            out.push(Received {
                mail_from: meta["mail_from"].as_str().unwrap_or("").to_string(),
                rcpt_tos: meta["rcpt_tos"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default(),
                login: meta["login"].as_str().map(String::from),
                tls: meta["tls"].as_bool().unwrap_or(false),
                raw,
            });
        }
        out
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        // Closing stdin stops it; kill in case it does not.
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
