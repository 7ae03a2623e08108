//! The offline queue: flag changes and moves made while the server is unreachable are
//! shown at once, kept on disk, and sent in order when it is back, also after tern was
//! quit and started again. What the server refuses is reported and dropped.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failure is its panic

mod support;
use std::time::Duration;
use support::tmux::Tmux;
use support::*;
use tern::imap::protocol::{Messages, WorkerCommand as C, WorkerEvent as E};
use tern::imap::worker::{spawn, WorkerOptions};
use tern::mail::Flag;
use tern_testkit::DovecotOptions;
use tokio::sync::mpsc;

async fn next<T>(events: &mut mpsc::UnboundedReceiver<E>, mut f: impl FnMut(&E) -> Option<T>) -> T {
    loop {
        let e = tokio::time::timeout(Duration::from_secs(60), events.recv())
            .await
            .expect("event within 60 s")
            .expect("worker alive");
        if let Some(t) = f(&e) {
            return t;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_made_offline_are_kept_across_a_restart_and_replayed_in_order() {
    replayed_in_order(server(DovecotOptions::default())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_made_offline_are_replayed_in_order_with_cyrus() {
    replayed_in_order(cyrus(tern_testkit::CyrusOptions::default())).await;
}

async fn replayed_in_order(mut d: impl TestServer) {
    fill(&d, "INBOX", 4, 9);
    let dir = tempfile::tempdir().unwrap();
    let cache = new_cache(dir.path());
    let opts = || WorkerOptions {
        max_backoff: Duration::from_millis(300),
        ..WorkerOptions::default()
    };
    let (tx, mut events) = mpsc::unbounded_channel();
    let worker = spawn(settings(&d), cache.clone(), opts(), tx);
    next(&mut events, |e| {
        matches!(e, E::FolderSynced(_)).then_some(())
    })
    .await;
    let uidv = cache.folder_state("INBOX").unwrap().unwrap().uidvalidity;
    let m = |uids: Vec<u32>, uidvalidity| Messages {
        folder: "INBOX".into(),
        uidvalidity,
        uids,
    };
    let before = {
        let mut other = other_client(&d).await;
        server_state(&mut other, "INBOX").await
    };
    d.stop_server();
    next(&mut events, |e| {
        matches!(e, E::Offline { .. }).then_some(())
    })
    .await;
    let sent = [
        C::SetFlags {
            id: 1,
            messages: m(vec![1], uidv),
            flags: vec!["\\Flagged".into()],
            add: true,
        },
        C::Move {
            id: 2,
            messages: m(vec![2], uidv),
            dest: "Archive".into(),
        },
        // Refused on replay: the folder does not exist.
        C::Move {
            id: 3,
            messages: m(vec![3], uidv),
            dest: "No/Such/Folder".into(),
        },
        // Refused on replay: made for another incarnation of the folder.
        C::SetFlags {
            id: 4,
            messages: m(vec![4], uidv.wrapping_add(1)),
            flags: vec!["\\Seen".into()],
            add: true,
        },
    ];
    for (i, c) in sent.into_iter().enumerate() {
        worker.send(c);
        let waiting = next(&mut events, |e| match e {
            E::Queued { id, waiting, .. } if *id == i as u64 + 1 => Some(*waiting),
            E::Failed { id, error } if *id == i as u64 + 1 => panic!("not kept: {error}"),
            _ => None,
        })
        .await;
        assert_eq!(waiting, i + 1);
    }
    // A fifth change, taken back (`u`) before it is sent: the server never sees it.
    let archive_4 = tern::imap::protocol::QueuedOp::Move {
        messages: m(vec![4], uidv),
        dest: "Archive".into(),
    };
    worker.send(C::Move {
        id: 5,
        messages: m(vec![4], uidv),
        dest: "Archive".into(),
    });
    next(&mut events, |e| {
        matches!(
            e,
            E::Queued {
                id: 5,
                waiting: 5,
                ..
            }
        )
        .then_some(())
    })
    .await;
    for id in [6, 7] {
        worker.send(C::Unqueue {
            id,
            op: archive_4.clone(),
        });
    }
    next(&mut events, |e| {
        matches!(e, E::Done { id: 6, .. }).then_some(())
    })
    .await;
    let error = next(&mut events, |e| match e {
        E::Failed { id: 7, error } => Some(error.clone()),
        _ => None,
    })
    .await;
    assert!(error.contains("sent to the server meanwhile"), "{error}");
    // tern quits with changes waiting; the next start still has them.
    worker.shutdown().await;
    let queue_file = cache.path().with_extension("queue");
    assert!(queue_file.exists());
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&queue_file).unwrap().permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
    let (tx, mut events) = mpsc::unbounded_channel();
    let worker = spawn(settings(&d), cache.clone(), opts(), tx);
    let waiting = next(&mut events, |e| match e {
        E::Queued { id: 0, waiting, .. } => Some(*waiting),
        _ => None,
    })
    .await;
    assert_eq!(waiting, 4);
    d.restart_server().expect("restart");
    let (done, failed) = next(&mut events, |e| match e {
        E::Replayed { done, failed, .. } => Some((*done, failed.clone())),
        _ => None,
    })
    .await;
    assert_eq!(done, 2);
    assert_eq!(failed.len(), 2, "{failed:?}");
    assert!(failed[0].contains("No/Such/Folder"), "{failed:?}");
    assert!(failed[1].contains("replaced"), "{failed:?}");
    assert!(!queue_file.exists(), "nothing is retried forever");
    next(&mut events, |e| {
        matches!(e, E::FolderSynced(r) if r.folder == "INBOX").then_some(())
    })
    .await;
    let mut other = other_client(&d).await;
    let inbox = server_state(&mut other, "INBOX").await;
    assert_eq!(inbox.iter().map(|x| x.0).collect::<Vec<_>>(), vec![1, 3, 4]);
    assert!(inbox[0].1.has(Flag::Flagged));
    assert_eq!(
        inbox[2].1, before[3].1,
        "never applied to the wrong message"
    );
    assert_eq!(server_state(&mut other, "Archive").await.len(), 1);
    assert_eq!(cache_state(&cache, "INBOX"), inbox);
    worker.shutdown().await;
}

#[test]
fn quitting_with_changes_waiting_says_so_and_the_next_start_sends_them() {
    let mut d = server(DovecotOptions::default());
    fill(&d, "INBOX", 3, 2);
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path());
    let run = format!(
        "TERN_LOG='{}' '{}' --config '{}'",
        dir.path().join("tern.log").display(),
        env!("CARGO_BIN_EXE_tern"),
        cfg.display()
    );
    let t = Tmux::start_shell();
    t.keys(&[&run, "Enter"]);
    t.wait_for_all(&["| online", "1/3 |"]);
    d.stop();
    t.wait_for("offline");
    t.keys(&["F"]);
    t.wait_for("1 queued");
    // q asks first: something is not on the server yet.
    t.keys(&["q"]);
    t.wait_for("1 change made offline, kept for the server: quit anyway? (y/n)");
    t.keys(&["y"]);
    t.wait_for("change(s) made offline are kept");
    d.restart().expect("restart");
    t.keys(&[&run, "Enter"]);
    t.wait_for("back online: 1 change(s) made offline sent");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let flagged = rt.block_on(async {
        let mut other = other_client(&d).await;
        server_state(&mut other, "INBOX")
            .await
            .iter()
            .filter(|(_, f)| f.has(Flag::Flagged))
            .count()
    });
    assert_eq!(flagged, 1);
    t.keys(&["q"]);
}
