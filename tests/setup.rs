//! `tern setup` against real servers: the servers found by Mozilla autoconfig served over
//! HTTPS (the test CA), the IMAP login and SMTP handshake tried, the account written
//! into an existing commented config without losing a line, and then used by `tern sync`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failure is its panic

mod support;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use support::*;
use tern_testkit::{DovecotOptions, SmtpMode, SmtpServer};

/// An HTTPS server answering every GET with one file (Python's http.server and ssl).
struct Autoconfig {
    child: Child,
    port: u16,
}

impl Drop for Autoconfig {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const SERVE: &str = r#"
import http.server, ssl, sys
body = open(sys.argv[3], 'rb').read()
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header('Content-Type', 'text/xml')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
srv = http.server.HTTPServer(('127.0.0.1', 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print(srv.server_address[1], flush=True)
srv.serve_forever()
"#;

fn autoconfig(cert_dir: &std::path::Path, xml: &std::path::Path) -> Autoconfig {
    let mut child = Command::new("python3")
        .args(["-c", SERVE])
        .arg(cert_dir.join("server.pem"))
        .arg(cert_dir.join("server.key"))
        .arg(xml)
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs the autoconfig server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line.trim().parse().expect("the autoconfig server's port");
    Autoconfig { child, port }
}

const EXISTING: &str = r#"# My tern config: hand-written, with comments that must survive.
[general]
# where the cache goes
cache-dir = "@CACHE@"

[accounts.home]
email = "me@home.example"   # my own address
[accounts.home.imap]
host = "imap.home.example"
security = "tls"
username = "me"
password-command = "echo nope"

# keys I like
[keys.list]
"x" = "delete"
"#;

#[test]
fn setup_finds_the_servers_by_autoconfig_tries_them_and_adds_the_account_beside_the_rest() {
    // The IMAP user's password is the SMTP server's, so one password serves both.
    let d = server(DovecotOptions {
        users: vec![("sender".into(), "smtp-secret-42".into())],
        ..Default::default()
    });
    fill(&d, "INBOX", 3, 7);
    let smtp = SmtpServer::start(d.root(), SmtpMode::Starttls).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let xml = dir.path().join("config-v1.1.xml");
    std::fs::write(
        &xml,
        format!(
            r#"<?xml version="1.0"?>
<clientConfig version="1.1"><emailProvider id="example.org"><domain>example.org</domain>
<incomingServer type="imap"><hostname>127.0.0.1</hostname><port>{imap}</port>
<socketType>SSL</socketType><username>%EMAILLOCALPART%</username>
<authentication>password-cleartext</authentication></incomingServer>
<outgoingServer type="smtp"><hostname>127.0.0.1</hostname><port>{smtp}</port>
<socketType>STARTTLS</socketType><username>%EMAILLOCALPART%</username></outgoingServer>
</emailProvider></clientConfig>"#,
            imap = d.tls_port(),
            smtp = smtp.port()
        ),
    )
    .unwrap();
    let web = autoconfig(d.root(), &xml);
    let cfg = dir.path().join("config.toml");
    let before = EXISTING.replace("@CACHE@", &dir.path().join("cache").display().to_string());
    std::fs::write(&cfg, &before).unwrap();

    let run = |extra: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_tern"))
            .env("TERN_LOG", dir.path().join("tern.log"))
            // The autoconfig server's certificate is the test CA's, trusted as a system
            // root would be.
            .env("SSL_CERT_FILE", d.ca_pem_path())
            .args(["--config", cfg.to_str().unwrap(), "setup", "--yes"])
            .args(["--account", "work", "--email", "sender@example.org"])
            .args(["--name", "Sam Sender"])
            .args([
                "--autoconfig-url",
                &format!("https://127.0.0.1:{}/mail/config-v1.1.xml", web.port),
            ])
            .args(["--ca-certificate", d.ca_pem_path().to_str().unwrap()])
            .args(extra)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };

    // A wrong password: the login is tried, refused, and nothing is written.
    let (ok, said) = run(&["--password-command", "echo wrong"]);
    assert!(!ok, "{said}");
    assert!(
        said.contains("the IMAP login failed, so nothing was written"),
        "{said}"
    );
    assert_eq!(std::fs::read_to_string(&cfg).unwrap(), before);

    let (ok, said) = run(&["--password-command", "echo smtp-secret-42"]);
    assert!(ok, "{said}");
    assert!(
        said.contains(&format!("autoconfig at https://127.0.0.1:{}", web.port)),
        "{said}"
    );
    assert!(
        said.contains("Logging in to 127.0.0.1") && said.contains("(SMTP)... ok"),
        "{said}"
    );
    let after = std::fs::read_to_string(&cfg).unwrap();
    for line in before.lines() {
        assert!(after.contains(line), "lost {line:?}:\n{after}");
    }
    assert!(after.contains("[accounts.work.smtp]"), "{after}");
    assert!(after.contains("name = \"Sam Sender\""), "{after}");
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&cfg).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);

    // The account works as written.
    let out = Command::new(env!("CARGO_BIN_EXE_tern"))
        .env("TERN_LOG", dir.path().join("tern.log"))
        .args([
            "--config",
            cfg.to_str().unwrap(),
            "sync",
            "--account",
            "work",
            "--folder",
            "INBOX",
        ])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("3 messages"), "{said}");
}

#[test]
fn setup_takes_a_providers_preset_without_the_network_and_oauth2_for_microsoft() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("sub/config.toml");
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_tern"))
            .env("TERN_LOG", dir.path().join("tern.log"))
            .args([
                "--config",
                cfg.to_str().unwrap(),
                "setup",
                "--yes",
                "--no-check",
            ])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{said}");
        said
    };
    let said = run(&[
        "--account",
        "fm",
        "--email",
        "me@fastmail.com",
        "--password-command",
        "pass show fm",
    ]);
    assert!(said.contains("Found in the Fastmail preset"), "{said}");
    assert!(said.contains("app password"), "the preset's note: {said}");
    let said = run(&[
        "--account",
        "corp",
        "--email",
        "me@outlook.com",
        "--client-id",
        "0000-client",
    ]);
    assert!(said.contains("tern auth login corp"), "{said}");
    let c = tern::config::load(&cfg).unwrap();
    assert_eq!(
        c.account(None).unwrap().0,
        "fm",
        "the first account stays the default"
    );
    let fm = &c.accounts["fm"];
    assert_eq!(fm.imap.host, "imap.fastmail.com");
    assert_eq!(fm.imap.password_command.as_deref(), Some("pass show fm"));
    assert_eq!(fm.smtp.as_ref().unwrap().port(), 465);
    let corp = &c.accounts["corp"];
    assert_eq!(corp.imap.host, "outlook.office365.com");
    assert_eq!(corp.imap.auth, tern::config::AuthMethod::Oauth2);
    assert_eq!(
        corp.smtp.as_ref().unwrap().auth,
        tern::config::AuthMethod::Oauth2
    );
    let o = corp.oauth2.as_ref().unwrap();
    assert_eq!(o.provider, tern::config::OAuth2Provider::Microsoft);
    assert_eq!(o.client_id, "0000-client");
    // What is missing without questions is named by its flag.
    let out = Command::new(env!("CARGO_BIN_EXE_tern"))
        .args([
            "--config",
            cfg.to_str().unwrap(),
            "setup",
            "--yes",
            "--email",
            "x@example.invalid",
        ])
        .args(["--imap-host", "127.0.0.1", "--account", "x"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("--password-command"), "{err}");
}

#[test]
fn a_newcomer_without_a_config_is_offered_the_setup_answers_its_questions_and_reads_mail() {
    let d = server(DovecotOptions {
        users: vec![("sender".into(), "smtp-secret-42".into())],
        ..Default::default()
    });
    fill(&d, "INBOX", 3, 9);
    let smtp = SmtpServer::start(d.root(), SmtpMode::Starttls).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("tern/config.toml");
    let ca = d.ca_pem_path().display().to_string();
    let t = support::tmux::Tmux::start_shell();
    // The test CA is trusted as a company's CA would be, for every program.
    t.keys(&[
        &format!(
            "TERN_LOG={log} SSL_CERT_FILE={ca} XDG_CACHE_HOME={cache} {bin} --config {cfg} ",
            log = dir.path().join("tern.log").display(),
            cache = dir.path().join("cache").display(),
            bin = env!("CARGO_BIN_EXE_tern"),
            cfg = cfg.display(),
        ),
        "Enter",
    ]);
    t.wait_for_all(&[
        "no config file at",
        "tern setup",
        "Set up an account now? (Y/n)",
    ]);
    t.keys(&["Enter"]);
    t.wait_for("Your email address:");
    t.keys(&["sender@example.org", "Enter"]);
    t.wait_for("Your name, as others see it:");
    t.keys(&["Sam Sender", "Enter"]);
    t.wait_for("A short name for this account [example]:");
    t.keys(&["Enter"]);
    // No preset, and autoconfig.example.org does not resolve here: tern says so and asks.
    t.wait_for("IMAP server:");
    t.keys(&["127.0.0.1", "Enter"]);
    t.wait_for("IMAP security (tls, starttls) [tls]:");
    t.keys(&["Enter"]);
    t.wait_for("IMAP port [993]:");
    t.keys(&[&d.tls_port().to_string(), "Enter"]);
    t.wait_for("User name [sender@example.org]:");
    t.keys(&["sender", "Enter"]);
    t.wait_for("SMTP server (blank: no sending):");
    t.keys(&["127.0.0.1", "Enter"]);
    t.wait_for("SMTP security (tls, starttls) [starttls]:");
    t.keys(&["Enter"]);
    t.wait_for("SMTP port [587]:");
    t.keys(&[&smtp.port().to_string(), "Enter"]);
    t.wait_for_all(&["Where is the password kept?", "1, 2 or 3 [1]:"]);
    t.keys(&["2", "Enter"]);
    t.wait_for("The command");
    t.keys(&["echo smtp-secret-42", "Enter"]);
    // Both servers are tried, the account written, and the client opens on it.
    t.wait_for_all(&["| online", "1/3"]);
    let c = tern::config::load(&cfg).unwrap();
    let a = &c.accounts["example"];
    assert!(a.default);
    assert_eq!(a.name.as_deref(), Some("Sam Sender"));
    assert_eq!(a.imap.port(), d.tls_port());
    assert_eq!(
        a.imap.password_command.as_deref(),
        Some("echo smtp-secret-42")
    );
    assert_eq!(a.smtp.as_ref().unwrap().port(), smtp.port());
    t.keys(&["q"]);
}

#[test]
fn asked_at_a_terminal_setup_offers_oauth2_where_the_provider_wants_it() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    let t = support::tmux::Tmux::start_shell();
    t.keys(&[
        &format!(
            "TERN_LOG={log} {bin} --config {cfg} setup",
            log = dir.path().join("tern.log").display(),
            bin = env!("CARGO_BIN_EXE_tern"),
            cfg = cfg.display(),
        ),
        "Enter",
    ]);
    t.wait_for("Your email address:");
    t.keys(&["me@outlook.com", "Enter"]);
    t.wait_for("Your name, as others see it:");
    t.keys(&["Enter"]);
    t.wait_for("A short name for this account [outlook]:");
    t.keys(&["work", "Enter"]);
    t.wait_for_all(&[
        "Found in the Microsoft 365 / Outlook.com preset",
        "OAuth2 is the way in",
        "Use these servers? (Y/n)",
    ]);
    t.keys(&["Enter"]);
    t.wait_for("Log in with OAuth2 (microsoft)? (Y/n)");
    t.keys(&["Enter"]);
    t.wait_for("Your OAuth2 client id");
    t.keys(&["my-client-id", "Enter"]);
    t.wait_for_all(&[
        "Now log in with OAuth2: `tern auth login work`",
        "Log in now? (Y/n)",
    ]);
    // Not now: the provider is on the internet.
    t.keys(&["n", "Enter"]);
    let c = tern::config::load(&cfg).unwrap();
    let a = &c.accounts["work"];
    assert_eq!(a.imap.auth, tern::config::AuthMethod::Oauth2);
    assert_eq!(a.oauth2.as_ref().unwrap().client_id, "my-client-id");
    assert_eq!(
        a.smtp.as_ref().unwrap().host.as_deref(),
        Some("smtp.office365.com")
    );
}
