//! A fault-injecting TCP proxy between tern and Dovecot: it passes bytes, or stalls a
//! direction (holds what comes, sends nothing, keeps the sockets open: a silent network),
//! optionally only after a number of bytes, or cuts every connection. On a plain
//! (unencrypted) port it can also hold one connection where the client sends a given
//! command, and let the others through.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex};

/// Which way bytes flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// tern to the server.
    Up,
    /// The server to tern.
    Down,
}

#[derive(Default)]
struct Gate {
    /// Per direction: None passes; Some(n) passes n more bytes, then holds.
    up: Option<u64>,
    down: Option<u64>,
    /// A connection whose client sends these bytes is held there (that direction).
    hold_at: Option<Vec<u8>>,
    /// How many connections are held so.
    held: usize,
}

struct Shared {
    gate: Mutex<Gate>,
    changed: Condvar,
    conns: Mutex<Vec<TcpStream>>,
}

/// A lock that a panicked pump thread cannot poison for the test.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A running proxy; it lives as long as the value.
pub struct Proxy {
    port: u16,
    shared: Arc<Shared>,
}

impl Proxy {
    /// Listens on a free 127.0.0.1 port and forwards to `target_port` there.
    pub fn start(target_port: u16) -> std::io::Result<Proxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let shared = Arc::new(Shared {
            gate: Mutex::new(Gate::default()),
            changed: Condvar::new(),
            conns: Mutex::new(Vec::new()),
        });
        let s = shared.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { break };
                let Ok(server) = TcpStream::connect(("127.0.0.1", target_port)) else {
                    continue;
                };
                if let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) {
                    lock(&s.conns).extend([c2, s2]);
                }
                for (from, to, dir) in [
                    (client.try_clone(), server.try_clone(), Dir::Up),
                    (server.try_clone(), client.try_clone(), Dir::Down),
                ] {
                    let (Ok(from), Ok(to)) = (from, to) else {
                        continue;
                    };
                    let s = s.clone();
                    std::thread::spawn(move || pump(from, to, dir, &s));
                }
            }
        });
        Ok(Proxy { port, shared })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    fn set(&self, dir: Dir, v: Option<u64>) {
        let mut g = lock(&self.shared.gate);
        match dir {
            Dir::Up => g.up = v,
            Dir::Down => g.down = v,
        }
        self.shared.changed.notify_all();
    }

    /// Holds everything going `dir` from now on (after `after` more bytes).
    pub fn stall_after(&self, dir: Dir, after: u64) {
        self.set(dir, Some(after));
    }

    /// Holds both directions: the link goes silent without closing.
    pub fn stall(&self) {
        self.set(Dir::Up, Some(0));
        self.set(Dir::Down, Some(0));
    }

    /// Lets everything through again (held bytes included).
    pub fn pass(&self) {
        lock(&self.shared.gate).hold_at = None;
        self.set(Dir::Up, None);
        self.set(Dir::Down, None);
    }

    /// Holds, from now on, any connection whose client sends `bytes` (a command, on a
    /// plain port): what it sends from there waits until `pass`; the others flow.
    pub fn hold_at(&self, bytes: &[u8]) {
        lock(&self.shared.gate).hold_at = Some(bytes.to_vec());
    }

    /// Waits (up to `limit`) until `n` connections are held by `hold_at`.
    pub fn wait_held(&self, n: usize, limit: std::time::Duration) -> bool {
        let deadline = std::time::Instant::now() + limit;
        let mut g = lock(&self.shared.gate);
        while g.held < n {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return false;
            }
            g = match self.shared.changed.wait_timeout(g, left) {
                Ok((g, _)) => g,
                Err(e) => e.into_inner().0,
            };
        }
        true
    }

    /// Closes every connection made so far (new ones still pass).
    pub fn cut(&self) {
        for c in lock(&self.shared.conns).drain(..) {
            let _ = c.shutdown(Shutdown::Both);
        }
        self.pass();
    }
}

/// Waits while `hold_at` holds a connection that sent `chunk`.
fn hold_if_asked(chunk: &[u8], s: &Shared) {
    let mut g = lock(&s.gate);
    let asked = |g: &Gate| {
        g.hold_at
            .as_ref()
            .is_some_and(|p| !p.is_empty() && chunk.windows(p.len()).any(|w| w == p.as_slice()))
    };
    if !asked(&g) {
        return;
    }
    g.held += 1;
    s.changed.notify_all();
    while asked(&g) {
        g = s.changed.wait(g).unwrap_or_else(|e| e.into_inner());
    }
    g.held -= 1;
}

fn pump(mut from: TcpStream, mut to: TcpStream, dir: Dir, s: &Shared) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if dir == Dir::Up {
            hold_if_asked(&buf[..n], s);
        }
        let mut sent = 0;
        while sent < n {
            // Wait while this direction is held; pass as many bytes as allowed.
            let allowed = {
                let mut g = lock(&s.gate);
                loop {
                    let budget = match dir {
                        Dir::Up => &mut g.up,
                        Dir::Down => &mut g.down,
                    };
                    match budget {
                        None => break (n - sent) as u64,
                        Some(0) => {
                            g = s.changed.wait(g).unwrap_or_else(|e| e.into_inner());
                        }
                        Some(b) => {
                            let take = (*b).min((n - sent) as u64);
                            *b -= take;
                            break take;
                        }
                    }
                }
            };
            let end = sent + allowed as usize;
            if to.write_all(&buf[sent..end]).is_err() {
                return;
            }
            sent = end;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}
