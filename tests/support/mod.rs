//! Shared test support: a private Dovecot (or Cyrus) per test, connection settings for
//! it, and a second, independent client to change and inspect the server.
#![allow(dead_code)]

pub mod harness;
pub mod hostile;
pub mod mutate;
pub mod scenarios;
pub mod scripted;
pub mod tmux;
pub mod world;

use async_imap::imap_proto::{AttributeValue, Response};
use std::sync::Arc;
use std::time::Duration;
use tern::cache::Cache;
use tern::config::{AuthMethod, Security};
use tern::imap::{connect, Conn, ConnectSettings};
use tern::mail::Flags;
use tern::secrets::Secret;
use tern_testkit::{Cyrus, CyrusOptions, DevError, Dovecot, DovecotOptions};

/// Starts a Dovecot or fails the test with a message saying how to get one.
pub fn server(opts: DovecotOptions) -> Dovecot {
    match Dovecot::start(opts) {
        Ok(d) => d,
        Err(e) => panic!("cannot start the test Dovecot: {e}"),
    }
}

/// What the helpers below need of a private test server (Dovecot or Cyrus).
pub trait TestServer {
    fn tls_port(&self) -> u16;
    fn ca_pem_path(&self) -> &std::path::Path;
    fn users(&self) -> &[(String, String)];
    fn deliver(
        &self,
        user: &str,
        folder: &str,
        raw: &[u8],
        flags: &[&str],
        internal_date: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), DevError>;
    /// Stops the server (connections drop, new ones are refused).
    fn stop_server(&mut self);
    /// Starts it again on the same ports with the same mail.
    fn restart_server(&mut self) -> Result<(), DevError>;
}

macro_rules! test_server {
    ($t:ty) => {
        impl TestServer for $t {
            fn tls_port(&self) -> u16 {
                <$t>::tls_port(self)
            }
            fn ca_pem_path(&self) -> &std::path::Path {
                <$t>::ca_pem_path(self)
            }
            fn users(&self) -> &[(String, String)] {
                <$t>::users(self)
            }
            fn deliver(
                &self,
                user: &str,
                folder: &str,
                raw: &[u8],
                flags: &[&str],
                internal_date: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), DevError> {
                <$t>::deliver(self, user, folder, raw, flags, internal_date)
            }
            fn stop_server(&mut self) {
                <$t>::stop(self)
            }
            fn restart_server(&mut self) -> Result<(), DevError> {
                <$t>::restart(self)
            }
        }
    };
}
test_server!(Dovecot);
test_server!(Cyrus);

/// Starts a Cyrus or fails the test with a message saying how to get one.
pub fn cyrus(opts: CyrusOptions) -> Cyrus {
    match Cyrus::start_with(opts) {
        Ok(c) => c,
        Err(e) => panic!("cannot start the test Cyrus: {e}"),
    }
}

/// Settings for a user over implicit TLS to 127.0.0.1:`port`, trusting the CA at `ca`.
pub fn settings_for(port: u16, ca: &std::path::Path, user: &str, pass: &str) -> ConnectSettings {
    ConnectSettings {
        login: tern::login::LoginSettings {
            host: "127.0.0.1".into(),
            port,
            security: Security::Tls,
            username: user.to_string(),
            auth: AuthMethod::Login,
            ca_certificate: Some(ca.to_path_buf()),
            secret: Secret::new(pass.to_string()),
            password_command: None,
            oauth: None,
        },
        trace: false,
        timeout: Duration::from_secs(20),
        label: "test".into(),
    }
}

/// Settings for the first test user over implicit TLS with the test CA.
pub fn settings(d: &impl TestServer) -> ConnectSettings {
    let (user, pass) = &d.users()[0];
    settings_for(d.tls_port(), d.ca_pem_path(), user, pass)
}

/// An independent client (another mail program, as far as tern knows).
pub async fn other_client(d: &impl TestServer) -> Conn {
    let mut s = settings(d);
    s.label = "other".into();
    let mut c = connect(&s).await.expect("other client connects");
    c.enable_extensions().await.expect("enable");
    c
}

/// Fills a folder with generated messages (straight into Dovecot's Maildir; by APPEND
/// into Cyrus).
pub fn fill(
    d: &impl TestServer,
    folder: &str,
    n: usize,
    seed: u64,
) -> Vec<tern_testkit::GeneratedMessage> {
    let end = chrono::Utc::now();
    let msgs: Vec<_> = tern_testkit::generate(n, seed, end).collect();
    for m in &msgs {
        d.deliver(&d.users()[0].0, folder, &m.raw, &m.flags, m.date)
            .expect("deliver");
    }
    msgs
}

/// The server's UIDs and flags of a folder, read by the other client.
pub async fn server_state(c: &mut Conn, folder: &str) -> Vec<(u32, Flags)> {
    c.exec(&format!("EXAMINE {}", tern::imap::quote(folder)), |_| false)
        .await
        .expect("examine");
    let mut out = Vec::new();
    c.exec("UID FETCH 1:* (UID FLAGS)", |r| {
        if let Response::Fetch(_, attrs) = r {
            let mut uid = 0;
            let mut flags = Flags::default();
            for a in attrs {
                match a {
                    AttributeValue::Uid(u) => uid = *u,
                    AttributeValue::Flags(f) => flags = Flags::from_imap(f.iter()),
                    _ => {}
                }
            }
            out.push((uid, flags));
            return true;
        }
        false
    })
    .await
    .expect("fetch");
    out.sort_by_key(|x| x.0);
    out
}

/// The cache's UIDs and flags of a folder.
pub fn cache_state(cache: &Cache, folder: &str) -> Vec<(u32, Flags)> {
    let st = cache.folder_state(folder).unwrap().expect("folder synced");
    cache.uid_flags(folder, st.uidvalidity).unwrap()
}

/// A fresh cache in a temp dir.
pub fn new_cache(dir: &std::path::Path) -> Arc<Cache> {
    let (c, _) = tern::cache::open(dir, "test", 64 << 20).expect("cache opens");
    Arc::new(c)
}

/// Writes a config file for the test server and returns its path.
pub fn write_config(d: &impl TestServer, dir: &std::path::Path) -> std::path::PathBuf {
    let (user, pass) = &d.users()[0];
    let path = dir.join("config.toml");
    let text = format!(
        r#"[general]
cache-dir = "{cache}"

[accounts.test]
email = "{user}@example.org"

[accounts.test.imap]
host = "127.0.0.1"
port = {port}
security = "tls"
username = "{user}"
password-command = "echo {pass}"
ca-certificate = "{ca}"
"#,
        cache = dir.join("cache").display(),
        port = d.tls_port(),
        ca = d.ca_pem_path().display(),
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// INBOX messages by UID, with the UIDVALIDITY the cache has for it.
pub fn inbox(cache: &Cache, uids: Vec<u32>) -> tern::imap::protocol::Messages {
    let uidvalidity = cache
        .folder_state("INBOX")
        .unwrap()
        .expect("synced")
        .uidvalidity;
    tern::imap::protocol::Messages {
        folder: "INBOX".into(),
        uidvalidity,
        uids,
    }
}

/// A config with two accounts on two servers: `test` (the default) and `work`.
pub fn two_accounts(
    d1: &impl TestServer,
    d2: &impl TestServer,
    dir: &std::path::Path,
) -> std::path::PathBuf {
    let cfg = write_config(d1, dir);
    let other_dir = dir.join("other");
    std::fs::create_dir_all(&other_dir).unwrap();
    let other = std::fs::read_to_string(write_config(d2, &other_dir)).unwrap();
    let work = other
        .split_once("[accounts.test]")
        .map(|(_, rest)| {
            format!(
                "[accounts.work]{}",
                rest.replace("[accounts.test.", "[accounts.work.")
            )
        })
        .unwrap();
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("[accounts.test]\n", "[accounts.test]\ndefault = true\n");
    std::fs::write(&cfg, format!("{text}\n{work}")).unwrap();
    cfg
}

/// The first words of a message's text that say something, as the reader shows them
/// (to wait for the message on the screen).
#[allow(dead_code)] // not every test binary opens messages
pub fn first_words(raw: &[u8], width: usize) -> String {
    tern::mail::render_message(raw, width)
        .body
        .lines()
        .map(str::trim)
        .find(|l| l.len() > 5)
        .unwrap_or_default()
        .chars()
        .take(20)
        .collect()
}

/// Sets `prefetch = WINDOW` for the `test` account of a config `write_config` wrote.
#[allow(dead_code)] // not every test binary sets it
pub fn set_prefetch(cfg: &std::path::Path, window: &str) {
    let text = std::fs::read_to_string(cfg).unwrap();
    assert!(
        text.contains("[accounts.test]\n"),
        "not write_config's: {text}"
    );
    let text = text.replacen(
        "[accounts.test]\n",
        &format!("[accounts.test]\nprefetch = \"{window}\"\n"),
        1,
    );
    std::fs::write(cfg, text).unwrap();
}
