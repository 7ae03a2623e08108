//! The Outbox: `y` while the SMTP server cannot be reached keeps the message, 0600 beside
//! its draft, and sends it by itself once the server is back; exactly once, with one copy
//! in Sent, across a SIGKILL of tern; a 5xx refusal stops the tries and the message can
//! be reopened for editing.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failure is its panic

mod support;
use support::world::*;
use support::*;

fn outbox_files(w: &World) -> Vec<(std::path::PathBuf, u32)> {
    let mut out = Vec::new();
    let root = w.dir.path().join("data/tern/drafts");
    for dir in std::fs::read_dir(&root).into_iter().flatten().flatten() {
        for f in std::fs::read_dir(dir.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let p = f.path();
            if p.extension().is_some_and(|e| e == "queue" || e == "out") {
                let mode =
                    std::os::unix::fs::PermissionsExt::mode(&f.metadata().unwrap().permissions());
                out.push((p, mode & 0o777));
            }
        }
    }
    out
}

#[test]
fn a_message_sent_offline_waits_in_the_outbox_and_goes_once_after_a_kill_and_a_restart() {
    let mut w = World::new();
    fill(&w.d, "INBOX", 2, 5);
    w.smtp.stop();
    let t = w.start();
    t.wait_for_all(&["| online", "1/2"]);
    w.editor_does(
        "sed -i 's/^Subject:.*/Subject: Written on the train/' \"$f\"\nprintf 'Hello.\\n' >> \"$f\"\n",
    );
    t.keys(&["m", "carol@example.org", "Enter"]);
    t.wait_for("y send");
    t.keys(&["y"]);
    t.wait_for_all(&["waits in the Outbox", "outbox 1"]);
    let files = outbox_files(&w);
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(files.iter().all(|(_, m)| *m == 0o600), "{files:?}");
    t.keys(&[":", "outbox", "Enter"]);
    let s = t.wait_for("1. Written on the train to carol@example.org");
    assert!(s.contains("try 2 in"), "{s}");
    t.keys(&["q"]);

    // tern is killed while the message waits: nothing is lost.
    t.kill();
    let t = w.start();
    t.wait_for_all(&["| online", "outbox 1"]);
    w.smtp.restart().unwrap();
    // $ tries the Outbox now (else its next try comes by itself).
    t.keys(&["$"]);
    // Sent, with its copy in Sent.
    wait_until(|| w.folder("Sent").len() == 1);
    let log = std::fs::read_to_string(w.dir.path().join("tern.log")).unwrap();
    assert!(
        log.contains("sent from the Outbox: Written on the train"),
        "{log}"
    );
    let got = w.received(1, &t);
    assert_eq!(got.len(), 1, "sent once");
    assert_eq!(got[0].rcpt_tos, vec!["carol@example.org"]);
    let sent = w.messages("Sent").remove(0);
    assert_eq!(
        parse(&sent).message_id(),
        parse(&got[0].raw).message_id(),
        "the copy in Sent is the message that went out"
    );
    let s = t.wait_for("| online");
    assert!(!s.contains("outbox 1"), "{s}");
    assert!(outbox_files(&w).is_empty());
    wait_until(|| w.drafts_kept() == 0);
    t.keys(&["q"]);
}

#[test]
fn a_refusal_for_good_stops_the_tries_and_the_message_reopens_for_editing() {
    let mut w = World::new();
    fill(&w.d, "INBOX", 1, 6);
    w.smtp.stop();
    let t = w.start();
    t.wait_for_all(&["| online", "1/1"]);
    w.editor_does("sed -i 's/^Subject:.*/Subject: To nobody/' \"$f\"\n");
    t.keys(&["m", "reject@example.org", "Enter"]);
    t.wait_for("y send");
    t.keys(&["y"]);
    t.wait_for("waits in the Outbox");
    w.smtp.restart().unwrap();
    // The next try meets a 550: said, kept, not tried again.
    t.wait_for("was refused, and stays in the Outbox");
    t.keys(&[":", "outbox", "Enter"]);
    let s = t.wait_for("refused: not tried again");
    assert!(s.contains("5.1.1"), "the server's words: {s}");
    t.keys(&["q", ":", "outbox-edit 1", "Enter"]);
    t.wait_for_all(&["Subject: To nobody", "y send"]);
    assert!(outbox_files(&w).is_empty());
    assert!(w.smtp.received().is_empty());
    t.keys(&["p"]);
    t.keys(&["q"]);
}

/// Queues a message while the SMTP server is down, then kills tern and makes its try
/// look cut short (tern died in the middle of the SMTP exchange). Returns the copy for
/// Sent that tern had built.
fn queued_then_cut_short(w: &mut World, subject: &str) -> Vec<u8> {
    w.smtp.stop();
    let t = w.start();
    t.wait_for_all(&["| online", "1/1"]);
    w.editor_does(&format!(
        "sed -i 's/^Subject:.*/Subject: {subject}/' \"$f\"\n"
    ));
    t.keys(&["m", "carol@example.org", "Enter"]);
    t.wait_for("y send");
    t.keys(&["y"]);
    t.wait_for("waits in the Outbox");
    t.kill();
    let queue = outbox_files(w)
        .into_iter()
        .map(|(p, _)| p)
        .find(|p| p.extension().is_some_and(|e| e == "queue"))
        .unwrap();
    let state = std::fs::read_to_string(&queue).unwrap();
    assert!(state.contains("\"Waiting\""), "{state}");
    std::fs::write(&queue, state.replace("\"Waiting\"", "\"Sending\"")).unwrap();
    w.smtp.restart().unwrap();
    std::fs::read(queue.with_extension("outcopy")).unwrap()
}

#[test]
fn a_try_cut_short_that_reached_sent_is_not_sent_again() {
    let mut w = World::new();
    fill(&w.d, "INBOX", 1, 7);
    let copy = queued_then_cut_short(&mut w, "Cut short");
    // The server had taken it and kept a copy in Sent (as Gmail does).
    let user = w.d.users()[0].0.clone();
    w.d.deliver(&user, "Sent", &copy, &["\\Seen"], chrono::Utc::now())
        .unwrap();
    let t = w.start();
    t.wait_for("had gone out before tern stopped (it is in Sent)");
    wait_until(|| outbox_files(&w).is_empty());
    assert!(w.smtp.received().is_empty(), "not sent a second time");
    assert_eq!(w.folder("Sent").len(), 1, "one copy in Sent");
    let s = t.wait_for("| online");
    assert!(!s.contains("outbox 1"), "{s}");
    t.keys(&["q"]);
}

#[test]
fn a_try_cut_short_that_is_not_in_sent_is_sent_once() {
    let mut w = World::new();
    fill(&w.d, "INBOX", 1, 8);
    queued_then_cut_short(&mut w, "Cut short too");
    let t = w.start();
    let got = w.received(1, &t);
    assert_eq!(got.len(), 1, "sent once");
    wait_until(|| w.folder("Sent").len() == 1);
    wait_until(|| outbox_files(&w).is_empty());
    t.keys(&["q"]);
}
