//! Bounds on what a server may send, checked on the bytes as they are read and before
//! any parser sees them: a response line at most 1 MiB (outside literals), nesting at
//! most 100 parentheses deep (imap-proto's parser recurses), and a literal at most 64 MiB
//! (one message, or one part of it). A response begun must also end in time: the
//! connection's timeout, plus a second for every `MIN_RATE` bytes it holds, so a big
//! message on a slow link completes while a server trickling a byte now and then (which
//! keeps an inactivity timer alive forever) is dropped. Beyond a bound the connection is
//! given up with a sentence saying which; a hostile server cannot make tern run out of
//! stack or memory, or hold it forever. (How responses are then framed and parsed, in
//! linear time and bounded memory, is `reader`'s part.)

use std::time::{Duration, Instant};

/// The longest response line, literals not counted.
pub const MAX_LINE: usize = 1 << 20;
/// The deepest nesting of parentheses in a response.
pub const MAX_DEPTH: u32 = 100;
/// The largest literal (one message, or one part of it).
pub const MAX_LITERAL: u64 = 64 << 20;
/// Bytes kept of the end of a line: enough for any literal announcement (`{` and 20
/// digits, `+`, `}`) and for the sequences `trap` looks for.
const TAIL: usize = 32;
/// The slowest a response may come in, in bytes per second, beyond the base timeout.
pub const MIN_RATE: u64 = 4 << 10;

/// Where the reader is in the server's byte stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    Line,
    /// Inside a literal with this many bytes to go.
    Literal(u64),
}

/// The state of the check across reads.
#[derive(Debug, Clone)]
pub struct Guard {
    at: At,
    /// Bytes of the current line (since the last CRLF or literal).
    len: usize,
    depth: u32,
    quoted: bool,
    escaped: bool,
    /// The end of the current line, to find a `{N}` literal announcement: its last
    /// `TAIL` bytes are `tail[..tail_end]`'s last ones. Moved down only when the buffer
    /// is full, once every `TAIL` bytes, not at every byte: this check sees every byte
    /// a sync brings.
    tail: [u8; 2 * TAIL],
    tail_end: usize,
    /// When the response now coming in began (None between responses), and how many
    /// bytes it has brought: its deadline grows with them.
    began: Option<Instant>,
    expected: u64,
    /// The time any response may take before its bytes are counted.
    base: Duration,
}

impl Default for Guard {
    fn default() -> Guard {
        Guard::new(Duration::from_secs(30))
    }
}

impl Guard {
    /// A guard whose responses may take `base` plus the time their size needs.
    pub fn new(base: Duration) -> Guard {
        Guard {
            began: None,
            expected: 0,
            base,
            at: At::Line,
            len: 0,
            depth: 0,
            quoted: false,
            escaped: false,
            tail: [0; 2 * TAIL],
            tail_end: 0,
        }
    }

    /// Checks the next bytes read; an error says in a sentence which bound was broken.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.feed_at(bytes, Instant::now())
    }

    /// `feed`, with the time the bytes arrived.
    pub fn feed_at(&mut self, bytes: &[u8], now: Instant) -> Result<(), String> {
        if bytes.is_empty() {
            return Ok(());
        }
        let began = *self.began.get_or_insert(now);
        self.expected += bytes.len() as u64;
        let allowed = self.base + Duration::from_secs(self.expected / MIN_RATE);
        if now.duration_since(began) > allowed {
            return Err(format!(
                "the server is sending too slowly ({} bytes of one response in {} s); given up",
                self.expected,
                now.duration_since(began).as_secs()
            ));
        }
        let mut i = 0;
        while i < bytes.len() {
            if let At::Literal(left) = self.at {
                let take = left.min((bytes.len() - i) as u64);
                i += take as usize;
                self.at = match left - take {
                    0 => At::Line,
                    n => At::Literal(n),
                };
                continue;
            }
            let b = bytes[i];
            i += 1;
            self.len += 1;
            if self.len > MAX_LINE {
                return Err(format!(
                    "the server sent a response line longer than {} MiB",
                    MAX_LINE >> 20
                ));
            }
            if self.tail_end == self.tail.len() {
                self.tail.copy_within(TAIL.., 0);
                self.tail_end = TAIL;
            }
            self.tail[self.tail_end] = b;
            self.tail_end += 1;
            if self.quoted {
                match b {
                    _ if self.escaped => self.escaped = false,
                    b'\\' => self.escaped = true,
                    b'"' => self.quoted = false,
                    b'\n' => self.quoted = false,
                    _ => {}
                }
                if b != b'\n' {
                    continue;
                }
            }
            match b {
                b'"' => self.quoted = true,
                b'(' => {
                    self.depth += 1;
                    if self.depth > MAX_DEPTH {
                        return Err(format!(
                            "the server sent a response nested more than {MAX_DEPTH} parentheses deep"
                        ));
                    }
                }
                b')' => self.depth = self.depth.saturating_sub(1),
                b'\n' => self.line_ended()?,
                // After a response code the parser takes the next byte for the space
                // the grammar wants, and slices the text there: a multi-byte character
                // makes it panic (imap-proto 0.17). No server of good faith sends it.
                0x80.. if self.tail_end >= 2 && self.tail[self.tail_end - 2] == b']' => {
                    return Err(
                        "the server sent a non-ASCII byte right after `]`, which the IMAP parser cannot read safely"
                            .into(),
                    );
                }
                b'l' | b'L' => self.trap()?,
                _ => {}
            }
        }
        Ok(())
    }

    /// The last (at most `TAIL`) bytes of the current line.
    fn tail(&self) -> &[u8] {
        &self.tail[self.tail_end.saturating_sub(TAIL)..self.tail_end]
    }

    /// Sequences the parser panics on (imap-proto 0.17 unwraps `INTERNALDATE NIL`),
    /// found by the response reader's fuzz: refused before it sees them.
    fn trap(&self) -> Result<(), String> {
        const TRAPS: &[&[u8]] = &[b"internaldate nil"];
        let tail = self.tail();
        for t in TRAPS {
            let n = t.len();
            if tail.len() >= n && tail[tail.len() - n..].eq_ignore_ascii_case(t) {
                return Err(format!(
                    "the server sent {}, which the IMAP parser cannot read safely",
                    String::from_utf8_lossy(t).to_uppercase()
                ));
            }
        }
        Ok(())
    }

    /// A CRLF: a literal follows if the line ended with `{N}`; else the response ended.
    fn line_ended(&mut self) -> Result<(), String> {
        let tail = self.tail();
        let line = tail.strip_suffix(b"\n").unwrap_or(tail);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let announced = line
            .strip_suffix(b"}")
            .and_then(|l| {
                let open = l.iter().rposition(|&c| c == b'{')?;
                let digits = l[open + 1..].strip_suffix(b"+").unwrap_or(&l[open + 1..]);
                (!digits.is_empty() && digits.iter().all(u8::is_ascii_digit)).then_some(digits)
            })
            .map(|d| {
                std::str::from_utf8(d)
                    .ok()
                    .and_then(|s| s.parse::<u64>().ok())
            });
        self.len = 0;
        self.tail_end = 0;
        self.quoted = false;
        self.escaped = false;
        match announced {
            None => {
                // The response is whole: the next one starts its own clock.
                self.depth = 0;
                self.began = None;
                self.expected = 0;
            }
            Some(Some(n)) if n <= MAX_LITERAL => {
                if n > 0 {
                    // Its bytes earn time as they come, not as announced: announcing a
                    // big literal and then trickling gains nothing.
                    self.at = At::Literal(n);
                }
            }
            // Too big to read, or too big even to be a number.
            Some(n) => {
                let shown = n.map_or("more than 18,446,744,073,709,551,615".to_string(), |n| {
                    n.to_string()
                });
                return Err(format!(
                    "a literal of {shown} bytes is larger than the {} MiB limit for one message part",
                    MAX_LITERAL >> 20
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_responses_and_literals_pass_in_any_chunks() {
        let text = b"* OK [CAPABILITY IMAP4rev1] hi\r\n* 1 FETCH (UID 5 BODY[HEADER] {12}\r\n(((((((((((\n)\r\n\
* LIST (\\HasNoChildren) \"/\" \"a ( b \\\" (\"\r\nt1 OK done\r\n";
        for size in [1, 2, 7, text.len()] {
            let mut g = Guard::default();
            for chunk in text.chunks(size) {
                g.feed(chunk).unwrap();
            }
            assert_eq!((g.at, g.depth, g.len), (At::Line, 0, 0), "chunks of {size}");
        }
    }

    #[test]
    fn each_bound_is_said_in_words() {
        let mut g = Guard::default();
        let deep = format!("* 1 FETCH {}", "(".repeat(5000));
        assert_eq!(
            g.feed(deep.as_bytes()).unwrap_err(),
            "the server sent a response nested more than 100 parentheses deep"
        );
        let mut g = Guard::default();
        let long = vec![b'a'; MAX_LINE + 1];
        assert_eq!(
            g.feed(&long).unwrap_err(),
            "the server sent a response line longer than 1 MiB"
        );
        let mut g = Guard::default();
        assert_eq!(
            g.feed(b"* 1 FETCH (BODY[] {500000000}\r\n").unwrap_err(),
            "a literal of 500000000 bytes is larger than the 64 MiB limit for one message part"
        );
        let mut g = Guard::default();
        assert!(g
            .feed(b"* 1 FETCH (BODY[] {99999999999999999999999}\r\n")
            .unwrap_err()
            .contains("more than 18,446,744,073,709,551,615"));
        // A literal's bytes are not a line: a 2 MiB message passes.
        let mut g = Guard::default();
        g.feed(format!("* 1 FETCH (BODY[] {{{}}}\r\n", 2 << 20).as_bytes())
            .unwrap();
        g.feed(&vec![b'x'; 2 << 20]).unwrap();
        g.feed(b")\r\nt1 OK\r\n").unwrap();
    }

    #[test]
    fn a_trickle_is_dropped_while_a_big_slow_message_is_given_its_time() {
        let t0 = Instant::now();
        let at = |secs: u64| t0 + Duration::from_secs(secs);
        // One byte every 2 s: each keeps an inactivity timer alive, the deadline does not.
        let mut g = Guard::new(Duration::from_secs(30));
        let mut err = None;
        for (i, b) in b"* OK still going on and on and on".iter().enumerate() {
            if let Err(e) = g.feed_at(&[*b], at(2 * i as u64)) {
                err = Some((i, e));
                break;
            }
        }
        let (i, e) = err.expect("dropped");
        assert_eq!(i, 16, "after 30 s, not before");
        assert!(e.starts_with("the server is sending too slowly"), "{e}");
        // 20 MB at 16 KiB/s (about 20 minutes) completes: its literal earns the time.
        let mut g = Guard::new(Duration::from_secs(30));
        let size = 20_000_000u64;
        g.feed_at(
            format!("* 1 FETCH (BODY[] {{{size}}}\r\n").as_bytes(),
            at(0),
        )
        .unwrap();
        let chunk = vec![b'x'; 16 << 10];
        let mut sent = 0u64;
        let mut secs = 0;
        while sent < size {
            let n = (size - sent).min(chunk.len() as u64) as usize;
            secs += 1;
            g.feed_at(&chunk[..n], at(secs)).unwrap();
            sent += n as u64;
        }
        g.feed_at(b")\r\n", at(secs)).unwrap();
        // Between responses the clock stops: an idle hour, then a quick answer, passes.
        g.feed_at(b"t9 OK done\r\n", at(secs + 3600)).unwrap();
        // A big literal announced, then a trickle: dropped all the same.
        let mut g = Guard::new(Duration::from_secs(30));
        g.feed_at(b"* 1 FETCH (BODY[] {60000000}\r\n", at(0))
            .unwrap();
        let dropped = (1..100).find(|s| g.feed_at(b"x", at(2 * s)).is_err());
        assert_eq!(dropped, Some(16));
    }

    #[test]
    fn a_non_ascii_byte_after_a_response_code_is_refused_before_the_parser() {
        let mut g = Guard::default();
        let err = g
            .feed(b"* OK [UIDVALIDITY 1]\xef\xbf\xbdUIDs valid\r\n")
            .unwrap_err();
        assert!(err.contains("right after `]`"), "{err}");
        // In a quoted string or a literal it is only data.
        let mut g = Guard::default();
        g.feed("* LIST () \".\" \"a]\u{e9}\"\r\n".as_bytes())
            .unwrap();
        g.feed(b"* 1 FETCH (BODY[] {2}\r\n]\xe9)\r\n").unwrap();
        let err = Guard::default()
            .feed(b"* 1 FETCH (UID 4 InternalDate nil)\r\n")
            .unwrap_err();
        assert!(err.contains("INTERNALDATE NIL"), "{err}");
    }

    #[test]
    fn the_end_of_a_long_line_is_read_right_wherever_the_kept_tail_was_moved() {
        // A literal of 150 `(` (too deep were it read as the response) announced at the
        // end of lines of every length, in chunks of every size: the announcement is
        // found each time; and a trap at the end of such lines is still caught.
        let literal = "(".repeat(150);
        for pad in 0..140 {
            let text = format!(
                "* 1 FETCH (UID 5 X-{} BODY[] {{150}}\r\n{literal})\r\nt1 OK done\r\n",
                "x".repeat(pad)
            );
            let trap = format!(
                "* 1 FETCH (UID 5 X-{} INTERNALDATE NIL)\r\n",
                "x".repeat(pad)
            );
            for size in [1, 3, 31, 32, 33, 64, 1000] {
                let mut g = Guard::default();
                for chunk in text.as_bytes().chunks(size) {
                    g.feed(chunk)
                        .unwrap_or_else(|e| panic!("pad {pad}, chunks of {size}: {e}"));
                }
                let mut g = Guard::default();
                let caught = trap.as_bytes().chunks(size).any(|c| g.feed(c).is_err());
                assert!(caught, "pad {pad}, chunks of {size}");
            }
        }
    }
}
