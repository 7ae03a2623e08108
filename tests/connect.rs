//! Connecting: TLS with the test CA, a wrong-host certificate, STARTTLS, plain, wrong
//! password, and LIST with special-use.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failure is its panic

mod support;
use support::*;
use tern::config::Security;
use tern::imap::{connect, folders, ImapError};
use tern::mail::SpecialUse;
use tern::secrets::Secret;
use tern_testkit::DovecotOptions;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_with_test_ca_logs_in_and_lists_special_use() {
    let d = server(DovecotOptions::default());
    let mut conn = connect(&settings(&d)).await.expect("TLS login");
    conn.enable_extensions().await.unwrap();
    assert!(conn.has_cap("IDLE"));
    let list = folders::list_folders(&mut conn).await.unwrap();
    let find = |u| {
        list.iter()
            .find(|f| f.special == Some(u))
            .map(|f| f.name.as_str())
    };
    assert_eq!(find(SpecialUse::Trash), Some("Trash"));
    assert_eq!(find(SpecialUse::Archive), Some("Archive"));
    assert_eq!(find(SpecialUse::Sent), Some("Sent"));
    assert_eq!(find(SpecialUse::Drafts), Some("Drafts"));
    assert_eq!(find(SpecialUse::Inbox), Some("INBOX"));
    let inbox = list.iter().find(|f| f.name == "INBOX").unwrap();
    assert!(inbox.status.is_some(), "counts come with the list");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificate_for_another_host_is_refused() {
    let d = server(DovecotOptions {
        cert_hosts: vec!["wrong.example".into()],
        ..DovecotOptions::default()
    });
    let err = connect(&settings(&d)).await.err().expect("must be refused");
    assert!(matches!(err, ImapError::Tls { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("TLS with 127.0.0.1 failed"), "{msg}");
    assert!(msg.contains("mismatch"), "names the problem: {msg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_certificate_is_refused() {
    let d = server(DovecotOptions {
        cert_expired: true,
        ..DovecotOptions::default()
    });
    let err = connect(&settings(&d)).await.err().expect("must be refused");
    assert!(matches!(err, ImapError::Tls { .. }), "{err}");
    assert!(
        err.to_string().contains("expired"),
        "names the problem: {err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn untrusted_ca_is_refused() {
    let d = server(DovecotOptions::default());
    let mut s = settings(&d);
    s.login.ca_certificate = None;
    let err = connect(&s).await.err().expect("self-made CA not trusted");
    assert!(matches!(err, ImapError::Tls { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("certificate rejected: self-signed"),
        "names the problem: {err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_upgrades_and_logs_in() {
    let d = server(DovecotOptions::default());
    let mut s = settings(&d);
    s.login.security = Security::Starttls;
    s.login.port = d.plain_port();
    let mut conn = connect(&s).await.expect("STARTTLS login");
    let st = folders::status(&mut conn, "INBOX").await.unwrap();
    assert_eq!(st.messages, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_stripped_by_the_network_is_refused_and_no_password_goes_out() {
    // A man in the middle that removes STARTTLS from what the server offers: a fault a
    // real server does not produce, so a scripted peer plays it.
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = std::thread::spawn(move || {
        let (sock, _) = listener.accept().unwrap();
        let mut out = sock.try_clone().unwrap();
        out.write_all(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n")
            .unwrap();
        let mut got = String::new();
        for line in BufReader::new(sock).lines() {
            let Ok(line) = line else { break };
            got.push_str(&line);
            got.push('\n');
            let tag = line.split(' ').next().unwrap_or("*").to_string();
            let reply = format!("* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n{tag} OK done\r\n");
            if out.write_all(reply.as_bytes()).is_err() {
                break;
            }
        }
        got
    });
    let d = server(DovecotOptions::default());
    let mut s = settings(&d);
    s.login.security = Security::Starttls;
    s.login.port = port;
    let err = connect(&s).await.err().expect("no STARTTLS: refused");
    assert!(
        err.to_string().contains("STARTTLS"),
        "names the problem: {err}"
    );
    drop(s);
    let sent = seen.join().unwrap();
    let pass = &d.users()[0].1;
    assert!(
        !sent.contains(pass.as_str()),
        "the password went out in clear: {sent}"
    );
    assert!(!sent.to_uppercase().contains("LOGIN"), "{sent}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_to_a_remote_host_is_refused_before_connecting() {
    let d = server(DovecotOptions::default());
    let mut s = settings(&d);
    s.login.security = Security::Plain;
    s.login.host = "192.0.2.1".into(); // never contacted: refused first
    let err = connect(&s).await.err().expect("refused");
    assert!(err.to_string().contains("loopback"), "{err}");
    s.login.host = "127.0.0.1".into();
    s.login.port = d.plain_port();
    connect(&s).await.expect("plain to loopback is allowed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_quotes_the_server() {
    let d = server(DovecotOptions::default());
    let mut s = settings(&d);
    s.login.secret = Secret::new("not-the-password");
    let err = connect(&s).await.err().expect("refused");
    match &err {
        ImapError::Auth(words) => assert!(words.to_lowercase().contains("auth"), "{words}"),
        other => panic!("expected an auth error, got {other}"),
    }
    assert!(err.to_string().starts_with("login refused by the server"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_connection_is_named() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let d = server(DovecotOptions::default());
    let mut s = settings(&d);
    s.login.port = port;
    let err = connect(&s).await.err().expect("nothing listens");
    assert!(
        err.to_string()
            .contains(&format!("cannot connect to 127.0.0.1:{port}")),
        "{err}"
    );
    // In plain words, once.
    let text = format!("{:#}", anyhow::Error::from(err));
    assert_eq!(
        text,
        format!("cannot connect to 127.0.0.1:{port}: connection refused")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_port_that_does_not_match_security_says_what_to_check() {
    let d = server(DovecotOptions::default());
    // TLS to the plain port: OpenSSL's "wrong version number" becomes advice.
    let mut s = settings(&d);
    s.login.port = d.plain_port();
    let err = connect(&s).await.err().expect("no TLS there").to_string();
    assert!(err.contains("check `port` and `security`"), "{err}");
    assert!(!err.contains("ssl3_") && !err.contains(".c:"), "{err}");
    // Plain text to the TLS port: nothing comes back; the timeout says the same.
    let mut s = settings(&d);
    s.login.security = Security::Plain;
    s.timeout = std::time::Duration::from_secs(2);
    let err = connect(&s).await.err().expect("no greeting").to_string();
    assert!(err.contains("check `port` and `security`"), "{err}");
}
