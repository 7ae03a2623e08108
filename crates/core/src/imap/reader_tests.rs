#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use async_imap::imap_proto::{AttributeValue, Response};
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::ReadBuf;

/// A server's bytes handed over in the given pieces, one piece a read, then the end.
struct Pieces(std::collections::VecDeque<Vec<u8>>);

impl Pieces {
    fn of(bytes: &[u8], size: usize) -> Pieces {
        Pieces(bytes.chunks(size.max(1)).map(<[u8]>::to_vec).collect())
    }
}

impl AsyncRead for Pieces {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if let Some(mut piece) = self.0.pop_front() {
            let n = piece.len().min(buf.remaining());
            buf.put_slice(&piece[..n]);
            if n < piece.len() {
                self.0.push_front(piece.split_off(n));
            }
        }
        Poll::Ready(Ok(()))
    }
}

/// What each response was, in a few words (a FETCH's body bytes whole).
fn describe(r: &Response<'_>, spooled: &Spooled) -> String {
    match r {
        Response::Fetch(n, attrs) => {
            let mut out = format!("fetch {n}");
            for a in attrs {
                match a {
                    AttributeValue::Uid(u) => out.push_str(&format!(" uid {u}")),
                    AttributeValue::BodySection { data: Some(d), .. } => {
                        let body = spooled.bytes(d).unwrap();
                        out.push_str(&format!(
                            " body {} {:?}",
                            body.len(),
                            &body[..body.len().min(12)]
                        ));
                    }
                    _ => {}
                }
            }
            out
        }
        Response::Done { tag, .. } => format!("done {}", tag.0),
        other => format!("{other:?}").chars().take(20).collect(),
    }
}

async fn read_all(bytes: &[u8], piece: usize) -> (Vec<String>, Reader) {
    let mut stream = Pieces::of(bytes, piece);
    let mut reader = Reader::default();
    let mut out = Vec::new();
    loop {
        match reader.next(&mut stream, describe).await {
            Ok(d) => out.push(d),
            Err(ImapError::Lost(w)) if w.contains("closed the connection") => break,
            Err(e) => {
                out.push(format!("error: {e}"));
                break;
            }
        }
    }
    (out, reader)
}

fn conversation(big: usize) -> Vec<u8> {
    let body: Vec<u8> = (0..big).map(|i| b"abcdefghij\r\n"[i % 12]).collect();
    let mut s = b"* 3 EXISTS\r\n* 1 FETCH (UID 7 BODY[] {5}\r\nhello)\r\n".to_vec();
    s.extend_from_slice(format!("* 2 FETCH (UID 9 BODY[] {{{big}}}\r\n").as_bytes());
    s.extend_from_slice(&body);
    s.extend_from_slice(b" FLAGS (\\Seen))\r\nt1 OK done\r\n");
    s
}

#[tokio::test]
async fn responses_read_the_same_in_any_pieces_and_a_big_literal_goes_to_a_file() {
    let big = (SPOOL_AT as usize) * 2 + 3;
    let bytes = conversation(big);
    let want = vec![
        "MailboxData(Exists(3".to_string(),
        "fetch 1 uid 7 body 5 [104, 101, 108, 108, 111]".to_string(),
        format!("fetch 2 uid 9 body {big} {:?}", b"abcdefghij\r\n"),
        "done t1".to_string(),
    ];
    for piece in [997, 4096, 65536, usize::MAX] {
        let (got, reader) = read_all(&bytes, piece).await;
        assert_eq!(got, want, "pieces of {piece}");
        // The 2 MiB body never sat in the buffer.
        assert!(
            reader.buf.capacity() < SPOOL_AT as usize,
            "{}",
            reader.buf.capacity()
        );
    }
}

#[tokio::test]
async fn small_responses_read_the_same_byte_by_byte() {
    let bytes = conversation(20);
    let (whole, _) = read_all(&bytes, usize::MAX).await;
    assert_eq!(whole.len(), 4, "{whole:?}");
    for piece in [1, 2, 7] {
        assert_eq!(read_all(&bytes, piece).await.0, whole, "pieces of {piece}");
    }
}

#[tokio::test]
async fn an_announced_literal_costs_only_the_bytes_that_came() {
    let mut bytes = b"* 1 FETCH (UID 1 BODY[] {900000}\r\n".to_vec();
    bytes.extend_from_slice(&[b'x'; 1000]);
    let (got, reader) = read_all(&bytes, 100).await;
    assert!(got.is_empty(), "{got:?}");
    assert!(reader.buf.capacity() < 200_000, "{}", reader.buf.capacity());
    // Spooled announcements cost no memory either.
    let bytes = b"* 1 FETCH (UID 1 BODY[] {60000000}\r\nxyz".to_vec();
    let (_, reader) = read_all(&bytes, 100).await;
    assert!(reader.buf.capacity() < 200_000, "{}", reader.buf.capacity());
}

#[tokio::test]
async fn a_long_line_is_framed_in_one_pass_and_parsed_once() {
    // 4 MiB of one response line in 4 KiB reads: each byte is looked at once for its end.
    let mut bytes = b"* OK ".to_vec();
    bytes.extend(std::iter::repeat_n(b'a', 4 << 20));
    bytes.extend_from_slice(b"\r\nt1 OK done\r\n");
    let (got, reader) = read_all(&bytes, 4096).await;
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[1], "done t1");
    // async-imap's stream parsed its buffer after each of the 1,024 reads.
    assert_eq!(reader.parses, 2);
}

#[tokio::test]
async fn what_is_not_imap_or_too_big_is_said_in_words() {
    let (got, _) = read_all(b"\x1b[2Jgarbage\r\n", 5).await;
    assert_eq!(
        got,
        vec![
            "error: connection lost: the server sent something that is not IMAP (it began \"[2Jgarbage\"); starting a new connection"
                .to_string()
        ]
    );
    let mut line = b"* OK ".to_vec();
    line.extend(std::iter::repeat_n(b'a', MAX_IN_MEMORY + 10));
    let (got, reader) = read_all(&line, 1 << 20).await;
    assert_eq!(
        got,
        vec!["error: connection lost: the server sent a response of more than 16 MiB outside its big literals; starting a new connection".to_string()]
    );
    assert!(reader.buf.capacity() < 2 * MAX_IN_MEMORY + 4 * READ_CHUNK);
    let mut many = b"* 1 FETCH (UID 1 BODY[1] {300000000}\r\n".to_vec();
    many.extend_from_slice(b"x");
    let (got, _) = read_all(&many, 1 << 20).await;
    assert_eq!(
        got,
        vec!["error: connection lost: the server sent a response of more than 256 MiB; starting a new connection".to_string()]
    );
}

#[test]
fn a_literal_is_announced_only_at_a_lines_end() {
    assert_eq!(announced(b"* 1 FETCH (BODY[] {12}\r\n"), Some((18, 12)));
    assert_eq!(announced(b"a {3+}\r\n"), Some((2, 3)));
    assert_eq!(announced(b"* OK {12} later\r\n"), None);
    assert_eq!(announced(b"* OK {}\r\n"), None);
    assert_eq!(announced(b"* OK {1x}\r\n"), None);
    assert_eq!(announced(b"* OK {99999999999999999999999}\r\n"), None);
}
