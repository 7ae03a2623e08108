//! OAuth2 end to end with real software: an authorization server (oidc-provider), Dovecot
//! checking every token itself by introspection (IMAP, and SMTP through its submission
//! service relaying to aiosmtpd), and tern's own flows, refreshes and grant store.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failure is its panic

mod support;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;
use support::tmux::Tmux;
use support::world::wait_until;
use support::*;
use tern_testkit::{
    Dovecot, DovecotOptions, OAuth2Passdb, OAuthOptions, OAuthServer, SmtpServer, Submission,
};

/// The servers and a config whose account `test` logs in with `auth = "oauth2"`.
struct OAuthWorld {
    oauth: OAuthServer,
    relay: SmtpServer,
    d: Dovecot,
    dir: tempfile::TempDir,
    cfg: PathBuf,
}

impl OAuthWorld {
    /// `flow`: "device" or "browser"; `sasl`: "xoauth2" or "oauthbearer".
    fn new(ttl: Duration, flow: &str, sasl: &str) -> OAuthWorld {
        let oauth = OAuthServer::start(OAuthOptions {
            access_token_ttl: ttl,
            ..Default::default()
        })
        .unwrap_or_else(|e| panic!("cannot start the OAuth2 test server: {e}"));
        let relay = SmtpServer::start_relay().unwrap();
        let d = server(DovecotOptions {
            oauth2: Some(OAuth2Passdb {
                introspection_url: oauth.introspection_url_for_dovecot(),
            }),
            submission: Some(Submission {
                relay_host: "127.0.0.1".into(),
                relay_port: relay.port(),
            }),
            ..DovecotOptions::default()
        });
        fill(&d, "INBOX", 3, 11);
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("config.toml");
        let ca = d.ca_pem_path().display().to_string();
        let editor = dir.path().join("editor.sh");
        std::fs::write(
            &editor,
            "#!/bin/sh\nsed -i 's/^Subject:.*/Subject: Sent with a token/' \"$1\"\nprintf 'Hello.\\n' >> \"$1\"\n",
        )
        .unwrap();
        std::fs::set_permissions(&editor, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        std::fs::write(
            &cfg,
            format!(
                r#"[general]
cache-dir = "{cache}"
editor = "{editor}"

[accounts.test]
email = "alice@example.org"

[accounts.test.imap]
host = "127.0.0.1"
port = {imap}
security = "tls"
username = "alice"
auth = "oauth2"
ca-certificate = "{ca}"

[accounts.test.smtp]
host = "127.0.0.1"
port = {submission}
security = "starttls"
username = "alice"
auth = "oauth2"
ca-certificate = "{ca}"

[accounts.test.oauth2]
provider = "custom"
client-id = "{client}"
flow = "{flow}"
sasl = "{sasl}"
token-store = "file"
device-authorization-url = "{device}"
authorization-url = "{authorize}"
token-url = "{token}"
revocation-url = "{revoke}"
scopes = ["openid", "offline_access", "mail"]
"#,
                cache = dir.path().join("cache").display(),
                editor = editor.display(),
                imap = d.tls_port(),
                submission = d.submission_port(),
                client = oauth.client_id(),
                device = oauth.device_authorization_url(),
                authorize = oauth.authorization_url(),
                token = oauth.token_url(),
                revoke = oauth.revocation_url(),
            ),
        )
        .unwrap();
        OAuthWorld {
            oauth,
            relay,
            d,
            dir,
            cfg,
        }
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn log(&self) -> PathBuf {
        self.dir.path().join("tern.log")
    }

    fn tern(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_tern"));
        c.env("TERN_LOG", self.log())
            .env("XDG_DATA_HOME", self.data())
            .arg("--config")
            .arg(&self.cfg)
            .args(args)
            .stdin(Stdio::null());
        c
    }

    /// Runs tern to its end: (success, stdout + stderr).
    fn run(&self, args: &[&str]) -> (bool, String) {
        let out = self.tern(args).output().unwrap();
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    }

    /// `tern auth login test` with the device flow, the code approved at the provider by
    /// its scripted user as a person would. Returns what tern printed.
    fn device_login(&self) -> String {
        let mut child = self
            .tern(&["--trace-imap", "auth", "login", "test"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut said = String::new();
        let mut shown = Vec::new();
        while shown.len() < 2 {
            let mut line = String::new();
            assert!(out.read_line(&mut line).unwrap() > 0, "tern ended: {said}");
            said.push_str(&line);
            if let Some(v) = line.strip_prefix("  ") {
                shown.push(v.trim().to_string());
            }
        }
        let (uri, code) = (&shown[0], &shown[1]);
        assert!(uri.starts_with(&self.oauth.issuer()), "{said}");
        self.oauth
            .approve_device(uri, code, "alice", self.oauth.password())
            .unwrap();
        out.read_to_string(&mut said).unwrap();
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        assert!(child.wait().unwrap().success(), "{said}{err}");
        said
    }

    fn grant_file(&self) -> PathBuf {
        self.data().join("tern/oauth2/test.json")
    }

    /// The refresh token kept now.
    fn refresh_token(&self) -> String {
        let text = std::fs::read_to_string(self.grant_file()).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["refresh_token"].as_str().unwrap().to_string()
    }

    fn start_client(&self) -> Tmux {
        let env = format!("XDG_DATA_HOME='{}'", self.data().display());
        Tmux::start_with(&self.cfg, &self.log(), &env)
    }
}

fn mode(p: &Path) -> u32 {
    std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(p).unwrap().permissions()) & 0o777
}

/// No token, nor the SASL string around one, in the log.
fn assert_no_tokens(log: &Path, tokens: &[String]) {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    assert!(
        text.contains("credentials redacted"),
        "the login was traced: {text}"
    );
    assert!(!text.contains("auth=Bearer"), "a SASL token in the log");
    // XOAUTH2's and OAUTHBEARER's base64 begin the same way for this user.
    for sasl in ["user=alice\x01auth=B", "n,a=alice,\x01auth=B"] {
        // 15 bytes: whole base64 groups, so the encoding is the same inside a longer one.
        let b64 = openssl::base64::encode_block(&sasl.as_bytes()[..15]);
        assert!(!text.contains(&b64), "base64 SASL in the log: {b64}");
    }
    for t in tokens {
        assert!(!text.contains(t.as_str()), "a token reached the log");
    }
}

#[test]
fn device_login_then_sync_idle_and_send_on_tokens_refreshed_as_they_expire() {
    let mut w = OAuthWorld::new(Duration::from_secs(3), "device", "xoauth2");
    let said = w.device_login();
    assert!(said.contains("and enter the code"), "{said}");
    assert!(
        said.contains("Logged in. The refresh token is kept in"),
        "{said}"
    );
    assert!(said.contains("The IMAP server 127.0.0.1"), "{said}");
    assert!(
        said.contains("The SMTP server 127.0.0.1"),
        "both servers take the token: {said}"
    );
    // The grant is a 0600 file in a 0700 folder.
    assert_eq!(mode(&w.grant_file()), 0o600);
    assert_eq!(mode(w.grant_file().parent().unwrap()), 0o700);
    let first = w.refresh_token();

    let (ok, status) = w.run(&["auth", "status", "test"]);
    assert!(ok, "{status}");
    assert!(
        status.contains("OAuth2 with custom (client tern-test, device flow)"),
        "{status}"
    );
    assert!(
        status.contains("granted") && status.contains("test.json (mode 0600)"),
        "{status}"
    );

    // Each run refreshes (the provider rotates the refresh token every time; a reused one
    // would kill the grant), so the second run works only if the rotated token was kept.
    for _ in 0..2 {
        let (ok, out) = w.run(&[
            "--trace-imap",
            "sync",
            "--account",
            "test",
            "--folder",
            "INBOX",
        ]);
        assert!(ok, "{out}");
        assert!(out.contains("3 messages"), "{out}");
    }
    let rotated = w.refresh_token();
    assert_ne!(first, rotated, "the rotated refresh token is kept");

    // The client: online with its tokens, new mail by IDLE, and once the token it logged
    // in with has expired, a send asks for a new one.
    let t = w.start_client();
    t.wait_for_all(&["| online", "1/3"]);
    w.d.deliver("alice", "INBOX", b"From: bob@example.org\r\nTo: alice@example.org\r\nSubject: By IDLE\r\nMessage-ID: <idle@x>\r\n\r\nHi\r\n", &[], chrono::Utc::now())
        .unwrap();
    t.wait_for("By IDLE");
    // Nothing to await: the access token's lifetime has to pass.
    std::thread::sleep(Duration::from_secs(4));
    t.keys(&["m"]);
    t.wait_for("To:");
    t.keys(&["carol@example.org", "Enter"]);
    t.wait_for_all(&["Subject: Sent with a token", "y send"]);
    t.keys(&["y"]);
    t.wait_for("the copy is in Sent");
    wait_until(|| !w.relay.received().is_empty());
    let got = w.relay.received();
    assert_eq!(got[0].rcpt_tos, vec!["carol@example.org"]);
    assert!(String::from_utf8_lossy(&got[0].raw).contains("Subject: Sent with a token"));
    // A server restart drops the IMAP and IDLE connections; they come back on a new token.
    w.d.restart().unwrap();
    t.wait_for("| online");
    w.d.deliver("alice", "INBOX", b"From: bob@example.org\r\nTo: alice@example.org\r\nSubject: After the restart\r\nMessage-ID: <after@x>\r\n\r\nHi\r\n", &[], chrono::Utc::now())
        .unwrap();
    t.wait_for("After the restart");
    drop(t);
    assert_no_tokens(&w.log(), &[first, rotated, w.refresh_token()]);
}

#[test]
fn a_revoked_grant_says_run_tern_auth_login_once_and_the_other_account_goes_on() {
    let w = OAuthWorld::new(Duration::from_secs(60), "device", "xoauth2");
    // A second account on the same server, with a password.
    let text = std::fs::read_to_string(&w.cfg).unwrap().replace(
        "[accounts.test]\n",
        "[accounts.test]\ndefault = true\n",
    ) + &format!(
        "\n[accounts.other]\nemail = \"alice@example.org\"\n[accounts.other.imap]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"tls\"\nusername = \"alice\"\npassword-command = \"echo secret\"\nca-certificate = \"{}\"\n",
        w.d.tls_port(),
        w.d.ca_pem_path().display()
    );
    std::fs::write(&w.cfg, text).unwrap();
    let (ok, out) = w.run(&["sync", "--account", "test"]);
    assert!(!ok);
    assert!(
        out.contains("run `tern auth login test`: account \"test\" has no OAuth2 grant yet"),
        "{out}"
    );
    w.device_login();
    assert_eq!(w.oauth.revoke_all("alice").unwrap(), 1);

    let (ok, out) = w.run(&["sync"]);
    assert!(!ok, "{out}");
    let says = "is no longer valid";
    assert_eq!(out.matches(says).count(), 1, "said once: {out}");
    assert!(out.contains("run `tern auth login test`"), "{out}");
    assert!(
        out.contains("other") && out.contains("3 messages"),
        "the other account synced: {out}"
    );

    // The client: the same words once, no prompt, the other account online.
    let t = w.start_client();
    // The remedy comes first, so that an 80-column status line shows it.
    let screen = t.wait_for("login refused ($ to retry) | run `tern auth login test`");
    assert!(!screen.contains("Password"), "no prompt: {screen}");
    // The other account is there, not refused.
    assert!(screen.contains("test (login refused)"), "{screen}");
    assert!(screen.lines().any(|l| l.trim() == "other"), "{screen}");
    drop(t);

    // Logout forgets it (the provider revokes nothing left); status says so.
    let (ok, out) = w.run(&["auth", "logout", "test"]);
    assert!(ok, "{out}");
    assert!(out.contains("Forgot the grant kept in"), "{out}");
    assert!(!w.grant_file().exists());
    let (_, out) = w.run(&["auth", "status", "test"]);
    assert!(
        out.contains("not logged in: run `tern auth login test`"),
        "{out}"
    );
}

/// `tern auth login test` with the browser flow, started; returns the child, its
/// stdout, and the authorization URL and loopback port it printed.
fn start_browser_login(
    w: &OAuthWorld,
) -> (
    std::process::Child,
    BufReader<std::process::ChildStdout>,
    String,
    u16,
) {
    let mut child = w
        .tern(&["auth", "login", "test"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut said = String::new();
    let url = loop {
        let mut line = String::new();
        assert!(out.read_line(&mut line).unwrap() > 0, "tern ended: {said}");
        said.push_str(&line);
        if let Some(u) = line.strip_prefix("  ") {
            break u.trim().to_string();
        }
    };
    let mut rest = String::new();
    out.read_line(&mut rest).unwrap();
    out.read_line(&mut rest).unwrap();
    let port: u16 = rest
        .split("http://127.0.0.1:")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no loopback port in {said}{rest}"));
    assert!(url.contains("code_challenge_method=S256"), "{url}");
    assert!(url.contains("state="), "{url}");
    (child, out, url, port)
}

#[test]
fn browser_login_takes_its_own_redirect_only_and_oauthbearer_serves_imap_and_smtp() {
    let w = OAuthWorld::new(Duration::from_secs(60), "browser", "oauthbearer");

    // A redirect that does not carry this login's state is refused, in the browser and
    // by tern, and nothing is kept.
    let (mut child, mut out, _url, port) = start_browser_login(&w);
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    std::io::Write::write_all(
        &mut s,
        b"GET /?code=stolen&state=forged HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    )
    .unwrap();
    let mut page = String::new();
    s.read_to_string(&mut page).unwrap();
    assert!(page.starts_with("HTTP/1.1 400"), "{page}");
    let mut said = String::new();
    out.read_to_string(&mut said).unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut said)
        .unwrap();
    assert!(!child.wait().unwrap().success());
    assert!(said.contains("state that is not this login's"), "{said}");
    assert!(!w.grant_file().exists());

    // The user's browser follows the URL, signs in, allows, and comes back.
    let (mut child, mut out, url, _) = start_browser_login(&w);
    let page = w.oauth.browse(&url, "alice", w.oauth.password()).unwrap();
    assert!(page.contains("tern is signed in"), "{page}");
    let mut said = String::new();
    out.read_to_string(&mut said).unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut said)
        .unwrap();
    assert!(child.wait().unwrap().success(), "{said}");
    assert!(said.contains("takes the token"), "{said}");

    // OAUTHBEARER (RFC 7628) for IMAP and SMTP alike.
    let (ok, out) = w.run(&[
        "--trace-imap",
        "sync",
        "--account",
        "test",
        "--folder",
        "INBOX",
    ]);
    assert!(ok && out.contains("3 messages"), "{out}");
    // Dovecot names the mechanism of each login it took.
    let logins = std::fs::read_to_string(w.d.log_path()).unwrap();
    assert!(logins.contains("method=OAUTHBEARER"), "{logins}");
    let t = w.start_client();
    t.wait_for_all(&["| online", "1/3"]);
    t.keys(&["m"]);
    t.wait_for("To:");
    t.keys(&["carol@example.org", "Enter"]);
    t.wait_for_all(&["Subject: Sent with a token", "y send"]);
    t.keys(&["y"]);
    t.wait_for("the copy is in Sent");
    wait_until(|| !w.relay.received().is_empty());
    assert_eq!(w.relay.received()[0].rcpt_tos, vec!["carol@example.org"]);
    let logins = std::fs::read_to_string(w.d.log_path()).unwrap();
    assert!(
        logins
            .lines()
            .any(|l| l.contains("submission-login") && l.contains("method=OAUTHBEARER")),
        "{logins}"
    );
    drop(t);
    let kept = w.refresh_token();
    assert_no_tokens(&w.log(), std::slice::from_ref(&kept));

    // Logout revokes the grant at the provider, then forgets it here.
    let (ok, out) = w.run(&["auth", "logout", "test"]);
    assert!(ok && out.contains("Revoked at the provider."), "{out}");
    assert!(!w.grant_file().exists());
    let reply = tern_testkit::oauth2_server::http_post_form(
        &w.oauth.token_url(),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &kept),
            ("client_id", w.oauth.client_id()),
        ],
    )
    .unwrap();
    assert!(reply.body.contains("invalid_grant"), "{}", reply.body);
}
