//! Broken networks and dying servers, on purpose: a fault-injecting proxy between tern
//! and the real Dovecot stalls or cuts connections, and Dovecot itself is killed in the
//! middle of a sync. tern must notice, reconnect, never half-apply a change, and end
//! with the cache equal to the server.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failure is its panic

mod support;
use std::time::Duration;
use support::harness::Harness;
use support::tmux::Tmux;
use support::*;
use tern::imap::idle::IdleTimings;
use tern::imap::protocol::{DoneResult, WorkerCommand as C, WorkerEvent as E};
use tern::imap::worker::{spawn, WorkerOptions};
use tern_testkit::proxy::{Dir, Proxy};
use tern_testkit::DovecotOptions;
use tokio::sync::mpsc;

impl Harness {
    /// A worker that reaches the server through `proxy`, with short timeouts so that a
    /// silent link is noticed within seconds.
    fn through(
        d: &impl TestServer,
        proxy: &Proxy,
        cache: std::sync::Arc<tern::cache::Cache>,
    ) -> Harness {
        let mut s = settings(d);
        s.login.port = proxy.port();
        s.timeout = Duration::from_secs(2);
        let opts = WorkerOptions {
            idle: IdleTimings {
                renew: Duration::from_secs(30),
                liveness: Duration::from_secs(1),
                poll: Duration::from_secs(1),
            },
            max_backoff: Duration::from_millis(300),
            ..WorkerOptions::default()
        };
        Harness::spawn(s, cache, opts)
    }

    async fn offline(&mut self) -> String {
        self.wait(|e| match e {
            E::Offline { reason, .. } => Some(reason.clone()),
            _ => None,
        })
        .await
    }

    async fn online(&mut self) {
        self.wait(|e| matches!(e, E::Online).then_some(())).await
    }
}

/// Waits (up to 10 s) for the cache's folder to hold what the server holds: after a
/// reconnect the replayed change and the resync may land in either order (seen once in
/// CI under load), and the end state is what must be equal.
async fn settles_to(cache: &tern::cache::Cache, folder: &str, server: &[(u32, tern::mail::Flags)]) {
    let start = std::time::Instant::now();
    while cache_state(cache, folder) != server {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the cache never reached the server's state: {:?} vs {server:?}",
            cache_state(cache, folder)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn cache_equals_server(d: &impl TestServer, cache: &tern::cache::Cache, folder: &str) {
    let mut other = other_client(d).await;
    assert_eq!(
        cache_state(cache, folder),
        server_state(&mut other, folder).await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_link_is_noticed_and_replaced() {
    a_silent_link_is_noticed_and_replaced_on(&server(DovecotOptions::default())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_link_is_noticed_and_replaced_with_cyrus() {
    a_silent_link_is_noticed_and_replaced_on(&cyrus(tern_testkit::CyrusOptions::default())).await;
}

async fn a_silent_link_is_noticed_and_replaced_on(d: &impl TestServer) {
    fill(d, "INBOX", 5, 1);
    let proxy = Proxy::start(d.tls_port()).expect("the fault proxy listens");
    let dir = tempfile::tempdir().unwrap();
    let cache = new_cache(dir.path());
    let mut h = Harness::through(d, &proxy, cache.clone());
    h.synced("INBOX").await;
    // No FIN, no RST: the network just goes quiet.
    proxy.stall();
    let why = h.offline().await;
    assert!(!why.is_empty());
    proxy.cut();
    h.online().await;
    // And it works again: another client's mail arrives.
    fill(d, "INBOX", 1, 2);
    h.wait(|e| match e {
        E::FolderSynced(r) if r.folder == "INBOX" && r.messages == 6 => Some(()),
        _ => None,
    })
    .await;
    cache_equals_server(d, &cache, "INBOX").await;
    h.worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stall_inside_a_fetch_literal_caches_nothing_and_the_retry_works() {
    a_stall_inside_a_fetch_literal_caches_nothing_and_the_retry_works_on(&server(
        DovecotOptions::default(),
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stall_inside_a_fetch_literal_caches_nothing_and_the_retry_works_with_cyrus() {
    a_stall_inside_a_fetch_literal_caches_nothing_and_the_retry_works_on(&cyrus(
        tern_testkit::CyrusOptions::default(),
    ))
    .await;
}

async fn a_stall_inside_a_fetch_literal_caches_nothing_and_the_retry_works_on(d: &impl TestServer) {
    let body: String = (0..40_000)
        .map(|i| format!("line {i} of a long message\r\n"))
        .collect();
    let raw = format!("From: a@example.org\r\nSubject: big\r\n\r\n{body}");
    d.deliver(
        &d.users()[0].0,
        "INBOX",
        raw.as_bytes(),
        &[],
        chrono::Utc::now(),
    )
    .unwrap();
    let proxy = Proxy::start(d.tls_port()).expect("the fault proxy listens");
    let dir = tempfile::tempdir().unwrap();
    let cache = new_cache(dir.path());
    let mut h = Harness::through(d, &proxy, cache.clone());
    h.synced("INBOX").await;
    let uidv = cache.folder_state("INBOX").unwrap().unwrap().uidvalidity;
    // The server's answer stops 100 KB into the 1 MB literal.
    proxy.stall_after(Dir::Down, 100_000);
    h.worker.send(C::FetchBody {
        id: 1,
        folder: "INBOX".into(),
        uidvalidity: uidv,
        uid: 1,
    });
    let e = h.answer(1).await.unwrap_err();
    assert!(e.contains("not done") || e.contains("offline"), "{e}");
    assert!(
        cache.body("INBOX", uidv, 1).unwrap().is_none(),
        "no half body cached"
    );
    proxy.cut();
    h.online().await;
    h.worker.send(C::FetchBody {
        id: 2,
        folder: "INBOX".into(),
        uidvalidity: uidv,
        uid: 1,
    });
    let Ok(DoneResult::Body { raw: got, .. }) = h.answer(2).await else {
        panic!("no body after reconnecting")
    };
    assert_eq!(got, raw.as_bytes());
    h.worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_move_cut_off_either_way_ends_with_the_cache_equal_to_the_server() {
    a_move_cut_off_either_way_ends_with_the_cache_equal_to_the_server_on(&server(
        DovecotOptions::default(),
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_move_cut_off_either_way_ends_with_the_cache_equal_to_the_server_with_cyrus() {
    a_move_cut_off_either_way_ends_with_the_cache_equal_to_the_server_on(&cyrus(
        tern_testkit::CyrusOptions::default(),
    ))
    .await;
}

async fn a_move_cut_off_either_way_ends_with_the_cache_equal_to_the_server_on(d: &impl TestServer) {
    fill(d, "INBOX", 6, 3);
    let proxy = Proxy::start(d.tls_port()).expect("the fault proxy listens");
    let dir = tempfile::tempdir().unwrap();
    let cache = new_cache(dir.path());
    let mut h = Harness::through(d, &proxy, cache.clone());
    h.synced("INBOX").await;
    // The command never reaches the server: the first change as the link dies is kept
    // for when the link is back, like one made offline, never dropped or half done.
    proxy.stall_after(Dir::Up, 0);
    h.worker.send(C::Move {
        id: 1,
        messages: inbox(&cache, vec![2]),
        dest: "Archive".into(),
    });
    let e = h.answer(1).await.unwrap_err();
    assert!(e.contains("not done yet: queued"), "{e}");
    proxy.cut();
    h.online().await;
    h.synced("INBOX").await;
    let mut other = other_client(d).await;
    let inbox_now = server_state(&mut other, "INBOX").await;
    settles_to(&cache, "INBOX", &inbox_now).await;
    let archived = server_state(&mut other, "Archive").await.len();
    assert_eq!(archived, 1, "sent once the link was back");
    assert_eq!(inbox_now.len() + archived, 6, "nothing lost or doubled");
    // The server's answers stop (the MOVE may reach it): reported as not done; after
    // reconnecting, the cache shows what the server did.
    proxy.stall_after(Dir::Down, 0);
    h.worker.send(C::Move {
        id: 2,
        messages: inbox(&cache, vec![4]),
        dest: "Archive".into(),
    });
    let e = h.answer(2).await.unwrap_err();
    assert!(e.contains("not done yet: queued"), "{e}");
    proxy.cut();
    h.online().await;
    h.synced("INBOX").await;
    let mut other = other_client(d).await;
    let on_server = server_state(&mut other, "INBOX").await;
    settles_to(&cache, "INBOX", &on_server).await;
    // Whether the server got to it depends on where the link went silent; either way the
    // message is in exactly one of the two folders.
    let archived = server_state(&mut other, "Archive").await.len();
    assert_eq!(on_server.len() + archived, 6, "nothing lost or doubled");
    h.worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_append_cut_mid_literal_stores_nothing_half() {
    an_append_cut_mid_literal_stores_nothing_half_on(&server(DovecotOptions::default())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_append_cut_mid_literal_stores_nothing_half_with_cyrus() {
    an_append_cut_mid_literal_stores_nothing_half_on(&cyrus(tern_testkit::CyrusOptions::default()))
        .await;
}

async fn an_append_cut_mid_literal_stores_nothing_half_on(d: &impl TestServer) {
    fill(d, "INBOX", 2, 3);
    let proxy = Proxy::start(d.tls_port()).expect("the fault proxy listens");
    let dir = tempfile::tempdir().unwrap();
    let cache = new_cache(dir.path());
    let mut h = Harness::through(d, &proxy, cache.clone());
    h.synced("INBOX").await;
    let raw = format!(
        "From: me@example.org\r\nSubject: big draft\r\n\r\n{}",
        "x".repeat(1_000_000)
    );
    proxy.stall_after(Dir::Up, 50_000);
    h.worker.send(C::Append {
        id: 1,
        folder: "Drafts".into(),
        flags: vec!["\\Draft".into()],
        raw: raw.clone().into_bytes(),
    });
    let e = h.answer(1).await.unwrap_err();
    assert!(e.contains("not done"), "{e}");
    proxy.cut();
    h.online().await;
    let mut other = other_client(d).await;
    assert!(
        server_state(&mut other, "Drafts").await.is_empty(),
        "no half message stored"
    );
    h.worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dovecot_killed_ten_times_during_a_big_sync_and_the_cache_ends_equal() {
    let mut d = server(DovecotOptions::default());
    fill(&d, "INBOX", 10_000, 11);
    let dir = tempfile::tempdir().unwrap();
    let cache = new_cache(dir.path());
    let opts = WorkerOptions {
        max_backoff: Duration::from_millis(300),
        ..WorkerOptions::default()
    };
    let (tx, mut events) = mpsc::unbounded_channel();
    let worker = spawn(settings(&d), cache.clone(), opts, tx);
    let next = |events: &mut mpsc::UnboundedReceiver<E>| events.try_recv().ok();
    for round in 0..10 {
        // Kill it as soon as this session has started working.
        loop {
            let e = tokio::time::timeout(Duration::from_secs(60), events.recv())
                .await
                .unwrap_or_else(|_| panic!("round {round}: nothing happened"))
                .expect("worker alive");
            if matches!(e, E::SyncProgress(_) | E::FolderSynced(_)) {
                break;
            }
        }
        d.stop();
        d.restart().expect("restart");
        while next(&mut events).is_some() {}
    }
    // After the last restart: it finishes, equal to the server.
    loop {
        let e = tokio::time::timeout(Duration::from_secs(120), events.recv())
            .await
            .expect("the sync finishes")
            .expect("worker alive");
        if let E::FolderSynced(r) = e {
            if r.folder == "INBOX" && r.messages == 10_000 {
                break;
            }
        }
    }
    cache_equals_server(&d, &cache, "INBOX").await;
    worker.shutdown().await;
}

#[test]
fn keys_are_answered_while_the_network_hangs() {
    let d = server(DovecotOptions::default());
    fill(&d, "INBOX", 20, 4);
    let proxy = Proxy::start(d.tls_port()).expect("the fault proxy listens");
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path());
    let text = std::fs::read_to_string(&cfg).unwrap().replace(
        &format!("port = {}", d.tls_port()),
        &format!("port = {}", proxy.port()),
    );
    std::fs::write(&cfg, text).unwrap();
    let t = Tmux::start(&cfg, &dir.path().join("tern.log"));
    t.wait_for_all(&["| online", "1/20 |"]);
    proxy.stall();
    // The network is silent (no FIN): every key still gets its frame at once.
    for i in 2..=6 {
        t.keys(&["j"]);
        t.wait_for(&format!("{i}/20 |"));
    }
    // Even one that needs the server: the flag shows at once.
    t.keys(&["F"]);
    t.wait_for("!");
    t.keys(&["q"]);
    proxy.cut();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_big_slow_message_reports_progress_while_it_comes() {
    let d = server(DovecotOptions::default());
    let body: String = (0..700_000).map(|i| format!("{i:029}\r\n")).collect();
    let raw = format!("From: a@example.org\r\nSubject: twenty megabytes\r\n\r\n{body}");
    assert!(raw.len() > 20_000_000);
    d.deliver(
        &d.users()[0].0,
        "INBOX",
        raw.as_bytes(),
        &[],
        chrono::Utc::now(),
    )
    .unwrap();
    let proxy = Proxy::start(d.tls_port()).expect("the fault proxy listens");
    let dir = tempfile::tempdir().unwrap();
    let cache = new_cache(dir.path());
    let mut h = Harness::through(&d, &proxy, cache.clone());
    h.synced("INBOX").await;
    let uidv = cache.folder_state("INBOX").unwrap().unwrap().uidvalidity;
    // A slow link: the first 5 MB come, then nothing until the progress was reported.
    proxy.stall_after(Dir::Down, 5_000_000);
    h.worker.send(C::FetchBody {
        id: 1,
        folder: "INBOX".into(),
        uidvalidity: uidv,
        uid: 1,
    });
    let (done, total) = h
        .wait(|e| match e {
            E::FetchProgress { done, total, .. } if *done > 1_000_000 => Some((*done, *total)),
            _ => None,
        })
        .await;
    assert!(done < total, "{done} of {total}");
    assert!(total > 20_000_000);
    proxy.pass();
    let Ok(DoneResult::Body { raw: got, .. }) = h.answer(1).await else {
        panic!("the body did not come")
    };
    assert_eq!(got.len(), raw.len());
    h.worker.shutdown().await;
}
