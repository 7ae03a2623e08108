//! Writing mail end to end: the real binary in tmux, `EDITOR` a script that writes the
//! message, a private Dovecot and a private SMTP server (aiosmtpd, STARTTLS and AUTH).
//! Each step is checked on screen, in what the SMTP server received, and on the IMAP
//! server (Sent, Drafts, \Answered).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failure is its panic

mod support;
use mail_parser::MimeHeaders;
use std::process::Command;
use support::world::*;
use support::*;
use tern_testkit::DovecotOptions;

#[test]
fn new_reply_reply_all_and_forward_reach_the_servers() {
    let w = World::new();
    w.deliver_original();
    let t = w.start();
    t.wait_for_all(&["| online", "1/1"]);

    // m: recipients first (Tab completes from the cache), then the editor.
    w.editor_does(
        "sed -i 's/^Subject:.*/Subject: Grüße aus Malmö/' \"$f\"\nprintf 'Hej Erin!\\n' >> \"$f\"\n",
    );
    t.keys(&["m"]);
    t.wait_for("To:");
    t.keys(&["caro", "Tab"]);
    t.wait_for("To: carol@example.org");
    t.keys(&["Enter"]);
    t.wait_for_all(&["Subject: Grüße aus Malmö", "y send"]);
    t.keys(&["y"]);
    t.wait_for("the copy is in Sent");
    let got = w.received(1, &t);
    let m = parse(&got[0].raw);
    assert_eq!(got[0].rcpt_tos, vec!["carol@example.org"]);
    assert_eq!(got[0].login.as_deref(), Some("sender"));
    assert!(got[0].tls);
    assert_eq!(m.subject(), Some("Grüße aus Malmö"));
    assert!(String::from_utf8_lossy(&got[0].raw).contains("=?utf-8?"));
    assert!(m.body_text(0).unwrap().contains("Hej Erin!"));
    let sent = w.folder("Sent");
    assert_eq!(sent.len(), 1);
    assert!(sent[0].1.has(tern::mail::Flag::Seen));
    // The copy in Sent, read back over IMAP, is the message that went out.
    let copy = w.messages("Sent").remove(0);
    let c = parse(&copy);
    assert_eq!(c.subject(), Some("Grüße aus Malmö"));
    assert_eq!(c.message_id(), m.message_id());
    assert!(c.body_text(0).unwrap().contains("Hej Erin!"));
    wait_until(|| w.drafts_kept() == 0);

    // r from the reader: quoted, threaded, and the original marked answered.
    w.editor_does("printf 'Friday works.\\n' >> \"$f\"\n");
    t.keys(&["Enter"]);
    t.wait_for("Subject: Site visit");
    t.keys(&["r"]);
    t.wait_for_all(&["Subject: Re: Site visit", "y send"]);
    t.keys(&["y"]);
    let got = w.received(2, &t);
    let m = parse(&got[1].raw);
    assert_eq!(got[1].rcpt_tos, vec!["bob@example.org"]);
    assert_eq!(m.in_reply_to().as_text(), Some("visit-1@example.org"));
    let body = m.body_text(0).unwrap().replace("\r\n", "\n");
    assert!(body.contains("> Can we meet on Friday?"), "{body}");
    assert!(body.contains("Friday works."), "{body}");
    wait_until(|| w.folder("INBOX")[0].1.has(tern::mail::Flag::Answered));

    // R: everyone but me.
    w.editor_does("printf 'All of us.\\n' >> \"$f\"\n");
    t.keys(&["R"]);
    t.wait_for_all(&["Cc:", "y send"]);
    t.keys(&["y"]);
    let got = w.received(3, &t);
    let mut rcpt = got[2].rcpt_tos.clone();
    rcpt.sort();
    assert_eq!(
        rcpt,
        vec!["bob@example.org", "carol@example.org", "dave@example.org"]
    );
    let m = parse(&got[2].raw);
    let listed: Vec<String> = m
        .to()
        .into_iter()
        .chain(m.cc())
        .flat_map(|a| a.iter())
        .filter_map(|a| a.address().map(String::from))
        .collect();
    assert!(!listed.iter().any(|a| a == &w.me), "{listed:?}");
    assert!(
        listed.contains(&"carol@example.org".to_string()),
        "{listed:?}"
    );

    // f: asks To: as m does; then a forward discarded takes its copied files along.
    w.editor_does("true\n");
    t.keys(&["f"]);
    t.wait_for("To:");
    t.keys(&["erin@example.org", "Enter"]);
    t.wait_for_all(&[
        "To: erin@example.org",
        "Subject: Fwd: Site visit",
        "plan.pdf",
        "y send",
    ]);
    assert_eq!(w.forward_files(), vec![(0o700, vec![0o600])]);
    t.keys(&["q"]);
    t.wait_for("message discarded");
    wait_until(|| w.forward_files().is_empty());

    // f: forward with the original's attachment, byte for byte; sent, its files go.
    t.keys(&["f", "erin@example.org", "Enter"]);
    t.wait_for_all(&["Subject: Fwd: Site visit", "plan.pdf", "y send"]);
    t.keys(&["y"]);
    let got = w.received(4, &t);
    let m = parse(&got[3].raw);
    assert_eq!(got[3].rcpt_tos, vec!["erin@example.org"]);
    assert!(m.body_text(0).unwrap().contains("Can we meet on Friday?"));
    let a = m.attachment(0).expect("the original's attachment");
    assert_eq!(a.attachment_name(), Some("plan.pdf"));
    assert_eq!(a.contents(), b"%PDF-1.4\n\x00\x01\x02\x03");
    wait_until(|| w.folder("Sent").len() == 4);
    wait_until(|| w.forward_files().is_empty());
    t.keys(&["q", "q"]);
}

#[test]
fn refused_send_postpone_resume_and_a_crash_lose_nothing() {
    let w = World::new();
    fill(&w.d, "INBOX", 2, 3);
    let t = w.start();
    t.wait_for_all(&["| online", "1/2"]);

    // The server refuses the recipient: the message stays, with the reason.
    w.editor_does(
        "sed -i 's/^Subject:.*/Subject: Needs a home/' \"$f\"\nprintf 'Keep me.\\n' >> \"$f\"\n",
    );
    t.keys(&["m", "reject@example.org", "Enter"]);
    t.wait_for("y send");
    t.keys(&["y"]);
    t.wait_for_all(&["not sent", "5.1.1", "Subject: Needs a home"]);
    assert_eq!(w.drafts_kept(), 1, "kept on this machine");

    // p: to Drafts on the server; the local copy goes only then.
    t.keys(&["p"]);
    t.wait_for("postponed to Drafts");
    let drafts = w.folder("Drafts");
    assert_eq!(drafts.len(), 1);
    assert!(drafts[0].1.has(tern::mail::Flag::Draft));
    wait_until(|| w.drafts_kept() == 0);

    // Enter in Drafts resumes it; sending removes the old draft after the send.
    w.editor_does("sed -i 's/^To:.*/To: frank@example.org/' \"$f\"\n");
    t.keys(&["c", "Drafts", "Enter"]);
    t.wait_for_all(&["test Drafts | 1/1 |", "Needs a home"]);
    enter_on_draft(&t);
    t.wait_for_all(&["To: frank@example.org", "Subject: Needs a home", "y send"]);
    t.keys(&["y"]);
    let got = w.received(1, &t);
    assert_eq!(got[0].rcpt_tos, vec!["frank@example.org"]);
    assert!(parse(&got[0].raw)
        .body_text(0)
        .unwrap()
        .contains("Keep me."));
    wait_until(|| w.folder("Drafts").is_empty());

    // tern dies while the editor runs (here: killed by it): the words survive.
    w.editor_does(
        "sed -i 's/^Subject:.*/Subject: Survivor/' \"$f\"\nprintf 'words before the crash\\n' >> \"$f\"\nkill -9 $PPID\n",
    );
    t.keys(&["m", "gina@example.org", "Enter"]);
    wait_until(|| !t.alive());
    assert_eq!(w.drafts_kept(), 1);
    let t = w.start();
    t.wait_for("unsent draft was kept on this machine");
    t.keys(&["y"]);
    t.wait_for_all(&["Subject: Survivor", "words before the crash"]);
    t.keys(&["y"]);
    let got = w.received(2, &t);
    assert_eq!(got[1].rcpt_tos, vec!["gina@example.org"]);
    assert!(parse(&got[1].raw)
        .body_text(0)
        .unwrap()
        .contains("words before the crash"));
    wait_until(|| w.drafts_kept() == 0);
    t.keys(&["q"]);
}

#[test]
fn a_reply_postponed_then_sent_from_drafts_in_another_run_marks_the_original_answered() {
    let w = World::new();
    w.deliver_original();
    let t = w.start();
    t.wait_for_all(&["| online", "1/1"]);
    // r, then p: the reply waits in Drafts; the original is not answered yet.
    w.editor_does("printf 'Later, maybe Friday.\\n' >> \"$f\"\n");
    t.keys(&["r"]);
    t.wait_for_all(&["Subject: Re: Site visit", "y send"]);
    t.keys(&["p"]);
    t.wait_for("postponed to Drafts");
    assert_eq!(w.folder("Drafts").len(), 1);
    assert!(!w.folder("INBOX")[0].1.has(tern::mail::Flag::Answered));
    t.keys(&["q"]);
    wait_until(|| !t.alive());
    // Another run: Enter on it in Drafts, y.
    let t = w.start();
    t.wait_for_all(&["| online", "1/1"]);
    w.editor_does("printf 'Friday it is.\\n' >> \"$f\"\n");
    t.keys(&["c", "Drafts", "Enter"]);
    t.wait_for_all(&["test Drafts | 1/1 |", "Re: Site visit"]);
    enter_on_draft(&t);
    t.wait_for_all(&["Subject: Re: Site visit", "y send"]);
    t.keys(&["y"]);
    let got = w.received(1, &t);
    let m = parse(&got[0].raw);
    assert_eq!(m.in_reply_to().as_text(), Some("visit-1@example.org"));
    wait_until(|| w.folder("INBOX")[0].1.has(tern::mail::Flag::Answered));
    wait_until(|| w.folder("Drafts").is_empty());
    t.keys(&["q"]);
}

#[test]
fn the_review_changes_from_to_an_alias_with_tab_and_adds_a_cc() {
    let w = World::new();
    let text = std::fs::read_to_string(&w.cfg).unwrap().replace(
        "name = \"Test Me\"\n",
        "name = \"Test Me\"\naliases = [\"help@desk.example\"]\n",
    );
    std::fs::write(&w.cfg, text).unwrap();
    w.deliver_original();
    let t = w.start();
    t.wait_for_all(&["| online", "1/1"]);
    w.editor_does("printf 'Hello\\n' >> \"$f\"\n");
    t.keys(&["m"]);
    t.wait_for("To:");
    t.keys(&["carol@example.org", "Enter"]);
    t.wait_for("y send");
    // f: the From: prompt; Tab goes through the account's addresses, the alias second.
    t.keys(&["f"]);
    t.wait_for("From: Test Me <");
    t.keys(&["Tab", "Tab"]);
    t.wait_for("From: Test Me <help@desk.example>");
    t.keys(&["Enter"]);
    t.keys(&["c"]);
    t.wait_for("Cc:");
    t.keys(&["dave@example.org", "Enter"]);
    t.keys(&["s"]);
    t.wait_for("Subject:");
    t.keys(&["Desk hours", "Enter"]);
    t.wait_for_all(&[
        "From: Test Me <help@desk.example>",
        "Cc: dave@example.org",
        "Subject: Desk hours",
    ]);
    t.keys(&["y"]);
    let got = w.received(1, &t);
    let m = parse(&got[0].raw);
    let from = m.from().and_then(|a| a.first()).and_then(|a| a.address());
    assert_eq!(from, Some("help@desk.example"));
    assert_eq!(m.subject(), Some("Desk hours"));
    let mut to = got[0].rcpt_tos.clone();
    to.sort();
    assert_eq!(to, vec!["carol@example.org", "dave@example.org"]);
    t.keys(&["q"]);
}

#[test]
fn a_reply_to_an_alias_goes_from_it_with_the_signature_above_the_quote() {
    let w = World::new();
    // The account's other addresses, and a signature from a command.
    let text = std::fs::read_to_string(&w.cfg).unwrap().replace(
        "name = \"Test Me\"\n",
        "name = \"Test Me\"\naliases = [\"*@mine.example\"]\nsignature-command = \"printf 'Test Me\\\\nhttps://me.example'\"\n",
    );
    std::fs::write(&w.cfg, text).unwrap();
    let original = "From: Bob <bob@example.org>\r\nTo: sales@mine.example\r\n\
Subject: Price list\r\nMessage-ID: <price-1@example.org>\r\nDate: Thu, 26 Nov 2026 10:00:00 +0000\r\n\r\n\
What does it cost?\r\n";
    w.d.deliver(
        &w.d.users()[0].0,
        "INBOX",
        original.as_bytes(),
        &[],
        chrono::Utc::now(),
    )
    .unwrap();
    let t = w.start();
    t.wait_for_all(&["| online", "1/1"]);
    w.editor_does("sed -i '0,/^$/{/^$/a\\\nTen euros.\n}' \"$f\"\n");
    t.keys(&["r"]);
    t.wait_for_all(&["From: Test Me <sales@mine.example>", "y send"]);
    t.keys(&["y"]);
    let got = w.received(1, &t);
    let m = parse(&got[0].raw);
    let from = m.from().and_then(|a| a.first()).and_then(|a| a.address());
    assert_eq!(from, Some("sales@mine.example"));
    let body = m.body_text(0).unwrap().replace("\r\n", "\n");
    let sig = body.find("-- \nTest Me\nhttps://me.example").expect(&body);
    let quote = body.find("> What does it cost?").expect(&body);
    assert!(sig < quote, "the signature is above the quote:\n{body}");
    // The copy is in this account's Sent.
    wait_until(|| w.folder("Sent").len() == 1);
    t.keys(&["q"]);
}

#[test]
fn to_completes_from_every_cached_folder_and_from_the_address_book_command() {
    let w = World::new();
    let book = w.dir.path().join("book.sh");
    std::fs::write(
        &book,
        "#!/bin/sh\necho 'searching'\ncase \"$*\" in *zed*) printf 'zed@remote.example\\tZed Remote\\n';; esac\n",
    )
    .unwrap();
    std::fs::set_permissions(&book, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let text = std::fs::read_to_string(&w.cfg).unwrap().replace(
        "name = \"Test Me\"\n",
        &format!(
            "name = \"Test Me\"\naddress-book-command = \"{} --query\"\n",
            book.display()
        ),
    );
    std::fs::write(&w.cfg, text).unwrap();
    // Yolanda wrote only to the archive: not in the open folder.
    let archived = "From: Yolanda Archive <yolanda@archive.example>\r\nTo: ME\r\n\
Subject: Old times\r\nDate: Thu, 26 Nov 2026 10:00:00 +0000\r\n\r\nHello\r\n"
        .replace("ME", &w.me);
    w.d.deliver(
        &w.d.users()[0].0,
        "Archive",
        archived.as_bytes(),
        &[],
        chrono::Utc::now(),
    )
    .unwrap();
    w.deliver_original();
    let synced = Command::new(env!("CARGO_BIN_EXE_tern"))
        .env("TERN_LOG", w.dir.path().join("sync.log"))
        .args(["--config", &w.cfg.display().to_string(), "sync"])
        .output()
        .unwrap();
    assert!(
        synced.status.success(),
        "{}",
        String::from_utf8_lossy(&synced.stderr)
    );
    let t = w.start();
    t.wait_for_all(&["| online", "1/1"]);
    t.keys(&["m"]);
    t.wait_for("To:");
    t.keys(&["yol", "Tab"]);
    t.wait_for("To: Yolanda Archive <yolanda@archive.example>");
    t.keys(&["C-u", "zed", "Tab"]);
    t.wait_for("To: Zed Remote <zed@remote.example>");
    t.keys(&["Escape", "q"]);
}

#[test]
fn each_account_keeps_the_copy_of_what_it_sends_in_its_own_sent() {
    let w = World::new();
    let d2 = server(DovecotOptions::default());
    w.add_account("work", &d2);
    let t = w.start();
    t.wait_for_all(&["test INBOX", "| online"]);
    let send = |subject: &str| {
        w.editor_does(&format!(
            "sed -i 's/^Subject:.*/Subject: {subject}/' \"$f\"\nprintf 'Text.\\n' >> \"$f\"\n"
        ));
        t.keys(&["m"]);
        t.wait_for("To:");
        t.keys(&["carol@example.org", "Enter"]);
        t.wait_for_all(&[&format!("Subject: {subject}"), "y send"]);
        t.keys(&["y"]);
    };
    send("From the test account");
    w.received(1, &t);
    t.keys(&[":account work", "Enter"]);
    t.wait_for("work INBOX");
    send("From the work account");
    let got = w.received(2, &t);
    let from = |raw: &[u8]| -> String {
        parse(raw)
            .from()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(from(&got[0].raw), w.me);
    assert_eq!(
        from(&got[1].raw),
        format!("{}@example.org", d2.users()[0].0)
    );
    // Each copy is in the Sent folder of the account that sent it, and only there.
    let subjects = |d: &tern_testkit::Dovecot| -> Vec<String> {
        messages_of(d, "Sent")
            .iter()
            .map(|raw| parse(raw).subject().unwrap_or_default().to_string())
            .collect()
    };
    wait_until(|| subjects(&d2).len() == 1);
    assert_eq!(subjects(&w.d), vec!["From the test account"]);
    assert_eq!(subjects(&d2), vec!["From the work account"]);
    t.keys(&["q"]);
}
