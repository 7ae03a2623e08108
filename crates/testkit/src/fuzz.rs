//! The check the fuzzers and the fuzz tests share: a message through the whole
//! message-to-screen path must not panic, and nothing drawn may hold a control character.

/// `data`: the first byte picks the width (1 to 200), the rest is the raw message.
/// Panics (which a fuzzer reports) when anything drawn could reach the terminal raw.
pub fn render_and_check(data: &[u8]) {
    let Some((w, raw)) = data.split_first() else {
        return;
    };
    let width = usize::from(*w % 200) + 1;
    let r = tern_core::mail::render_message(raw, width);
    let texts = r
        .headers
        .iter()
        .chain(&r.all_headers)
        .flat_map(|(n, v)| [n.clone(), v.clone()])
        .chain(std::iter::once(r.body.clone()))
        .chain(r.links.iter().cloned())
        .chain(r.attachments.iter().map(|a| a.name.clone()))
        .chain(r.note.iter().cloned());
    for t in texts {
        for line in t.lines() {
            let clean = tern_core::mail::sanitize(line);
            assert!(!clean.chars().any(|c| c.is_control()), "{clean:?}");
            for l in tern_core::mail::wrap(&clean, width) {
                assert!(!l.chars().any(|c| c.is_control()), "{l:?}");
            }
        }
    }
    for i in 0..r.attachments.len().min(4) {
        if let Some(a) = tern_core::mail::attachment_data(raw, i) {
            let name = tern_core::files::safe_file_name(&a.name);
            assert!(!name.contains('/') && !name.starts_with('.') && !name.is_empty());
        }
    }
}

/// The response reader: `data`'s first byte is the size of each read (1 to 256), the rest
/// what a server sent. The bytes go through the guard read by read, as on a connection;
/// what it lets pass goes through tern's reader, response by response, and each response
/// through tern's own readers of FETCH, flag changes and untagged news. Nothing may panic,
/// and a refusal is one clean sentence.
pub fn imap_responses_check(data: &[u8]) {
    use std::future::Future;
    use std::task::{Context, Poll, Waker};
    use tern_core::imap::{changes, guard::Guard, headers, reader::Reader};
    let Some((step, bytes)) = data.split_first() else {
        return;
    };
    let step = usize::from(*step) + 1;
    let now = std::time::Instant::now();
    let mut guard = Guard::new(std::time::Duration::from_secs(30));
    let mut passed = 0;
    for read in bytes.chunks(step) {
        if let Err(why) = guard.feed_at(read, now) {
            assert!(
                !why.chars().any(char::is_control) && why.len() < 200,
                "{why:?}"
            );
            break;
        }
        passed += read.len();
    }
    let mut rest = &bytes[..passed];
    let mut news = changes::MailboxChanges::default();
    let mut reader = Reader::default();
    loop {
        let read = reader.next(&mut rest, |response, spooled| {
            news.absorb(response);
            if let async_imap::imap_proto::Response::Fetch(seq, attrs) = response {
                if let Some(m) = headers::fetched_from(attrs) {
                    let _ = spooled.bytes(&m.raw_headers);
                }
                let _ = changes::flag_update(*seq, attrs);
            }
        });
        // Bytes in memory: every read is ready at once.
        let polled = std::pin::pin!(read).poll(&mut Context::from_waker(Waker::noop()));
        match polled {
            // Each response takes at least its line's end out of the reader: no endless loop.
            Poll::Ready(Ok(())) => {}
            Poll::Ready(Err(e)) => {
                let said = e.to_string();
                assert!(
                    !said.chars().any(char::is_control) && said.len() < 300,
                    "{said:?}"
                );
                break;
            }
            Poll::Pending => panic!("a read from memory waited"),
        }
    }
    for name in &news.others {
        assert!(!tern_core::mail::sanitize(name)
            .chars()
            .any(char::is_control));
    }
}
