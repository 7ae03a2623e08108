//! The world of the composing tests: a private Dovecot and SMTP server (aiosmtpd,
//! STARTTLS and AUTH), a config with `[smtp]`, and an `EDITOR` script driven by a file;
//! a second account on another Dovecot when a test asks for one.

use super::tmux::Tmux;
use super::*;
use mail_parser::MessageParser;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tern_testkit::{Dovecot, DovecotOptions, SmtpMode, SmtpServer};

/// A test world: servers, a config with [smtp], and an editor driven by a file.
pub struct World {
    pub d: Dovecot,
    pub smtp: SmtpServer,
    pub dir: tempfile::TempDir,
    pub cfg: PathBuf,
    pub me: String,
}

impl World {
    pub fn new() -> World {
        let d = server(DovecotOptions::default());
        let smtp = SmtpServer::start(d.root(), SmtpMode::Starttls)
            .unwrap_or_else(|e| panic!("cannot start the test SMTP server: {e}"));
        let dir = tempfile::tempdir().unwrap();
        let cfg = write_config(&d, dir.path());
        let smtp_section = smtp_section(&smtp, &d, "test");
        let text = std::fs::read_to_string(&cfg)
            .unwrap()
            .replace("email = ", "name = \"Test Me\"\nemail = ")
            + &smtp_section;
        std::fs::write(&cfg, text).unwrap();
        // The editor runs whatever the test last wrote to editor-action, with $f the file.
        let editor = dir.path().join("editor.sh");
        std::fs::write(
            &editor,
            format!(
                "#!/bin/sh\nf=\"$1\"\n. '{}'\n",
                dir.path().join("editor-action").display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&editor, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let me = format!("{}@example.org", d.users()[0].0);
        World {
            d,
            smtp,
            dir,
            cfg,
            me,
        }
    }

    /// Delivers ORIGINAL (addressed to this world's user) to INBOX.
    pub fn deliver_original(&self) {
        let original = ORIGINAL.replace("ME", &self.me);
        self.d
            .deliver(
                &self.d.users()[0].0,
                "INBOX",
                original.as_bytes(),
                &[],
                chrono::Utc::now(),
            )
            .unwrap();
    }

    pub fn editor_does(&self, script: &str) {
        std::fs::write(self.dir.path().join("editor-action"), script).unwrap();
    }

    pub fn start(&self) -> Tmux {
        let env = format!(
            "EDITOR='{}' XDG_DATA_HOME='{}'",
            self.dir.path().join("editor.sh").display(),
            self.dir.path().join("data").display()
        );
        Tmux::start_with(&self.cfg, &self.dir.path().join("tern.log"), &env)
    }

    /// The first `n` messages the SMTP server received; on a timeout, says what the
    /// client's screen shows and the end of its log.
    pub fn received(&self, n: usize, t: &Tmux) -> Vec<tern_testkit::Received> {
        let start = Instant::now();
        while self.smtp.received().len() < n {
            if start.elapsed() > Duration::from_secs(30) {
                let log =
                    std::fs::read_to_string(self.dir.path().join("tern.log")).unwrap_or_default();
                let lines: Vec<&str> = log.lines().collect();
                panic!(
                    "the SMTP server never received message {n}; the screen:\n{}\nthe end of the client's log:\n{}",
                    t.screen(),
                    lines[lines.len().saturating_sub(40)..].join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.smtp.received()
    }

    pub fn folder(&self, name: &'static str) -> Vec<(u32, tern::mail::Flags)> {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let mut other = other_client(&self.d).await;
            server_state(&mut other, name).await
        })
    }

    /// The raw messages of a folder, read back over IMAP.
    pub fn messages(&self, name: &'static str) -> Vec<Vec<u8>> {
        messages_of(&self.d, name)
    }

    /// Adds account `name` (the default stays `test`) on another Dovecot, sending
    /// through the same SMTP server.
    pub fn add_account(&self, name: &str, d2: &Dovecot) {
        let other_dir = self.dir.path().join(name);
        std::fs::create_dir_all(&other_dir).unwrap();
        let other = std::fs::read_to_string(write_config(d2, &other_dir)).unwrap();
        let (_, rest) = other.split_once("[accounts.test]").unwrap();
        let rest = rest.replace("[accounts.test.", &format!("[accounts.{name}."));
        let smtp = smtp_section(&self.smtp, &self.d, name);
        let text = std::fs::read_to_string(&self.cfg)
            .unwrap()
            .replace("[accounts.test]\n", "[accounts.test]\ndefault = true\n");
        std::fs::write(&self.cfg, format!("{text}\n[accounts.{name}]{rest}{smtp}")).unwrap();
    }
}

/// The `[accounts.NAME.smtp]` section for the test SMTP server.
fn smtp_section(smtp: &SmtpServer, d: &Dovecot, account: &str) -> String {
    let (user, pass) = smtp.credentials();
    format!(
        "\n[accounts.{account}.smtp]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"starttls\"\n\
         username = \"{user}\"\npassword-command = \"echo {pass}\"\nca-certificate = \"{}\"\n",
        smtp.port(),
        d.ca_pem_path().display()
    )
}

/// The raw messages of a folder of `d`'s first user, read over IMAP.
pub fn messages_of(d: &Dovecot, name: &'static str) -> Vec<Vec<u8>> {
    {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let mut other = other_client(d).await;
            let uids: Vec<u32> = server_state(&mut other, name)
                .await
                .iter()
                .map(|x| x.0)
                .collect();
            let mut out = Vec::new();
            for uid in uids {
                out.push(tern::imap::ops::fetch_body(&mut other, uid).await.unwrap());
            }
            out
        })
    }
}

impl World {
    pub fn drafts_kept(&self) -> usize {
        let dir = self.dir.path().join("data/tern/drafts/test");
        std::fs::read_dir(dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
                    .count()
            })
            .unwrap_or(0)
    }

    /// The forwards' file folders kept beside the drafts, with their modes and the
    /// modes of the files in them.
    pub fn forward_files(&self) -> Vec<(u32, Vec<u32>)> {
        use std::os::unix::fs::PermissionsExt;
        let dir = self.dir.path().join("data/tern/drafts/test");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        std::fs::read_dir(dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .filter(|e| e.file_name().to_string_lossy().ends_with(".files"))
                    .map(|e| {
                        let files = std::fs::read_dir(e.path())
                            .unwrap()
                            .filter_map(|f| f.ok())
                            .map(|f| mode(&f.path()))
                            .collect();
                        (mode(&e.path()), files)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Drop for World {
    fn drop(&mut self) {
        // On failure, the end of tern's log says what it was doing.
        if std::thread::panicking() {
            if let Ok(log) = std::fs::read_to_string(self.dir.path().join("tern.log")) {
                let tail: Vec<&str> = log
                    .lines()
                    .filter(|l| !l.contains("Still here"))
                    .rev()
                    .take(40)
                    .collect();
                eprintln!("--- tern.log (last lines) ---");
                for l in tail.iter().rev() {
                    eprintln!("{l}");
                }
            }
        }
    }
}

pub fn wait_until(mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < Duration::from_secs(30), "never happened");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Enter on a message in Drafts, which resumes it. Drafts may never have been opened
/// before: its first sync may still be settling the list, so Enter is pressed again if
/// the first one found no message under the cursor yet.
pub fn enter_on_draft(t: &Tmux) {
    t.keys(&["Enter"]);
    let start = std::time::Instant::now();
    while !t.screen().contains("fetching the message") && !t.screen().contains("y send") {
        if start.elapsed() > Duration::from_secs(3) {
            t.keys(&["Enter"]);
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub fn parse(raw: &[u8]) -> mail_parser::Message<'_> {
    MessageParser::default().parse(raw).expect("parsable")
}

pub const ORIGINAL: &str = "From: Bob Builder <bob@example.org>\r\nTo: Test Me <ME>, carol@example.org\r\n\
Cc: dave@example.org\r\nSubject: Site visit\r\nMessage-ID: <visit-1@example.org>\r\n\
Date: Thu, 26 Nov 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
Can we meet on Friday?\r\n--b\r\nContent-Type: application/pdf; name=\"plan.pdf\"\r\n\
Content-Disposition: attachment; filename=\"plan.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n\
JVBERi0xLjQKAAECAw==\r\n--b--\r\n";
