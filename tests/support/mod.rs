//! Shared test support: a private Dovecot per test, connection settings for it, and a
//! second, independent client to change and inspect the server.
#![allow(dead_code)]

pub mod hostile;
pub mod proxy;
pub mod tmux;

use async_imap::imap_proto::{AttributeValue, Response};
use std::sync::Arc;
use std::time::Duration;
use tern::cache::Cache;
use tern::config::{AuthMethod, Security};
use tern::dev::{Dovecot, DovecotOptions};
use tern::imap::{connect, Conn, ConnectSettings};
use tern::mail::Flags;
use tern::secrets::Secret;

/// Starts a Dovecot or fails the test with a message saying how to get one.
pub fn server(opts: DovecotOptions) -> Dovecot {
    match Dovecot::start(opts) {
        Ok(d) => d,
        Err(e) => panic!("cannot start the test Dovecot: {e}"),
    }
}

/// Settings for the first test user over implicit TLS with the test CA.
pub fn settings(d: &Dovecot) -> ConnectSettings {
    ConnectSettings {
        host: "127.0.0.1".into(),
        port: d.tls_port(),
        security: Security::Tls,
        username: d.users()[0].0.clone(),
        auth: AuthMethod::Login,
        ca_certificate: Some(d.ca_pem_path().to_path_buf()),
        secret: Secret::new(d.users()[0].1.clone()),
        password_command: None,
        trace: false,
        timeout: Duration::from_secs(20),
        label: "test".into(),
    }
}

/// An independent client (another mail program, as far as tern knows).
pub async fn other_client(d: &Dovecot) -> Conn {
    let mut s = settings(d);
    s.label = "other".into();
    let mut c = connect(&s).await.expect("other client connects");
    c.enable_extensions().await.expect("enable");
    c
}

/// Fills a folder with generated messages straight into the Maildir.
pub fn fill(d: &Dovecot, folder: &str, n: usize, seed: u64) -> Vec<tern::dev::GeneratedMessage> {
    let end = chrono::Utc::now();
    let msgs: Vec<_> = tern::dev::generate(n, seed, end).collect();
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
pub fn write_config(d: &Dovecot, dir: &std::path::Path) -> std::path::PathBuf {
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
