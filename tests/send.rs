//! Sending against a real SMTP server (aiosmtpd, started by the test) with STARTTLS or
//! implicit TLS and AUTH: what the server received is checked byte for byte.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failure is its panic

mod support;
use mail_parser::{MessageParser, MimeHeaders};
use support::*;
use tern::compose::send::{send, SmtpSettings, Transport};
use tern::compose::{build, Draft};
use tern::config::{AuthMethod, Security};
use tern::secrets::Secret;
use tern_testkit::{DovecotOptions, SmtpMode, SmtpServer};

fn settings(
    d: &tern_testkit::Dovecot,
    s: &SmtpServer,
    security: Security,
    password: &str,
) -> Transport {
    Transport::Smtp(SmtpSettings {
        host: "127.0.0.1".into(),
        port: s.port(),
        security,
        username: s.credentials().0.into(),
        auth: AuthMethod::Login,
        ca_certificate: Some(d.ca_pem_path().to_path_buf()),
        secret: Secret::new(password),
        password_command: None,
        oauth: None,
    })
}

fn draft(dir: &std::path::Path) -> Draft {
    let pdf = dir.join("Bericht 2026.pdf");
    std::fs::write(&pdf, (0..=255u8).cycle().take(70_000).collect::<Vec<u8>>()).unwrap();
    Draft {
        from: "Zoë Ångström <zoe@example.se>".into(),
        to: "Bob <bob@example.org>".into(),
        cc: "carol@example.org".into(),
        bcc: "hidden@example.org".into(),
        subject: "Grüße aus Malmö — 会议".into(),
        body: "Hej Bob,\n\nhär är rapporten. ✓\n".into(),
        attach: vec![pdf],
        ..Draft::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_and_auth_deliver_exactly_what_was_written() {
    let d = server(DovecotOptions::default());
    let smtp = SmtpServer::start(d.root(), SmtpMode::Starttls).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let draft = draft(dir.path());
    let built = build(&draft, "example.se").unwrap();
    let pass = smtp.credentials().1.to_string();
    send(&settings(&d, &smtp, Security::Starttls, &pass), &built)
        .await
        .unwrap();
    let got = smtp.received();
    assert_eq!(got.len(), 1);
    let r = &got[0];
    assert!(r.tls, "the message went over TLS");
    assert_eq!(r.login.as_deref(), Some("sender"));
    assert_eq!(r.mail_from, "zoe@example.se");
    assert_eq!(
        r.rcpt_tos,
        vec!["bob@example.org", "carol@example.org", "hidden@example.org"]
    );
    let text = String::from_utf8_lossy(&r.raw);
    assert!(
        !text.contains("hidden@example.org"),
        "Bcc never on the wire"
    );
    assert!(text.contains("Subject: =?utf-8?"), "encoded words: {text}");
    let m = MessageParser::default().parse(&r.raw).unwrap();
    assert_eq!(m.subject(), Some("Grüße aus Malmö — 会议"));
    assert_eq!(
        m.from().unwrap().first().unwrap().name(),
        Some("Zoë Ångström")
    );
    assert_eq!(
        m.body_text(0).unwrap().replace("\r\n", "\n").trim_end(),
        "Hej Bob,\n\nhär är rapporten. ✓"
    );
    let a = m.attachment(0).unwrap();
    assert_eq!(a.attachment_name(), Some("Bericht 2026.pdf"));
    assert_eq!(a.content_type().unwrap().subtype(), Some("pdf"));
    assert_eq!(
        a.contents(),
        std::fs::read(&draft.attach[0]).unwrap().as_slice()
    );
    assert_eq!(
        m.message_id().map(|id| id.ends_with("@example.se")),
        Some(true)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn implicit_tls_works_and_refusals_say_why() {
    let d = server(DovecotOptions::default());
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(d.root(), SmtpMode::Tls).unwrap();
    let pass = smtp.credentials().1.to_string();
    let built = build(&draft(dir.path()), "example.se").unwrap();
    send(&settings(&d, &smtp, Security::Tls, &pass), &built)
        .await
        .unwrap();
    assert_eq!(smtp.received().len(), 1);
    // A wrong password: refused, nothing delivered.
    let e = send(&settings(&d, &smtp, Security::Tls, "wrong"), &built)
        .await
        .unwrap_err();
    assert!(e.words.to_lowercase().contains("auth"), "{e}");
    assert!(!e.transient, "a refused login is not tried again by itself");
    // A recipient the server refuses: the error quotes it.
    let mut bad = draft(dir.path());
    bad.to = "reject-me@example.org".into();
    bad.cc.clear();
    bad.bcc.clear();
    let e = send(
        &settings(&d, &smtp, Security::Tls, &pass),
        &build(&bad, "example.se").unwrap(),
    )
    .await
    .unwrap_err();
    assert!(e.words.contains("no such user"), "{e}");
    assert!(!e.transient, "a 5xx is for good");
    assert_eq!(smtp.received().len(), 1);
    // Without the CA the certificate is refused.
    let Transport::Smtp(mut s) = settings(&d, &smtp, Security::Tls, &pass) else {
        unreachable!()
    };
    s.ca_certificate = None;
    let e = send(&Transport::Smtp(s.clone()), &built).await.unwrap_err();
    assert!(e.words.to_lowercase().contains("certificate"), "{e}");
    assert!(
        !e.transient,
        "an untrusted certificate is not a passing trouble"
    );
    // A server that cannot be reached: worth trying again later (the Outbox).
    drop(smtp);
    let e = send(&Transport::Smtp(s), &built).await.unwrap_err();
    assert!(e.transient, "{e}");
    assert!(
        e.words.contains("refused") && !e.words.contains("os error"),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_is_never_skipped_when_the_server_lacks_it() {
    let d = server(DovecotOptions::default());
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(d.root(), SmtpMode::NoTls).unwrap();
    let pass = smtp.credentials().1.to_string();
    let built = build(&draft(dir.path()), "example.se").unwrap();
    let e = send(&settings(&d, &smtp, Security::Starttls, &pass), &built)
        .await
        .unwrap_err();
    assert!(e.words.to_lowercase().contains("tls"), "{e}");
    assert!(smtp.received().is_empty(), "nothing sent in the clear");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sendmail_command_gets_the_message_on_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sent.eml");
    let script = dir.path().join("fake-sendmail");
    std::fs::write(&script, format!("#!/bin/sh\ncat > '{}'\n", out.display())).unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let built = build(&draft(dir.path()), "example.se").unwrap();
    send(
        &Transport::Sendmail(vec![script.display().to_string(), "-t".into()]),
        &built,
    )
    .await
    .unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), built.wire);
    let e = send(&Transport::Sendmail(vec!["/bin/false".into()]), &built)
        .await
        .unwrap_err();
    assert!(e.words.contains("/bin/false failed"), "{e}");
}
