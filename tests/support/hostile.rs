//! A corpus of hostile and broken mail of the project's own making: terminal escape
//! sequences (CSI, OSC title and clipboard, DCS) and C0/C1 controls in every header, in
//! bodies, HTML and attachment names; bidi overrides and zero-width characters; bad
//! encoded words and charsets; huge headers, many recipients, deep and unterminated
//! multiparts, bad base64 and quoted-printable, NUL bytes, a big attachment, missing or
//! unparseable headers, no header/body separation.

/// Bytes that must never reach the terminal from mail. (tern's own output uses CSI for
/// colours and cursor moves, so CSI is checked by the payloads below that tern never
/// writes itself.)
pub const FORBIDDEN: &[&[u8]] = &[
    b"\x1b]",        // OSC: window title, clipboard (52), hyperlinks
    b"\x1bP",        // DCS
    b"\x1b_",        // APC
    b"\x1b^",        // PM
    b"\x1bX",        // SOS
    b"\x1b[6n",      // cursor position report request
    b"\x1b[21t",     // title report request
    b"\x1b[?1049l",  // leave the alternate screen (tern sends it only when quitting)
    b"\x1bc",        // full reset
    b"\x07",         // BEL (the bell is off in the test config)
    b"\xc2\x9b",     // C1 CSI as UTF-8
    b"\xc2\x9d",     // C1 OSC as UTF-8
    b"\xe2\x80\xae", // RIGHT-TO-LEFT OVERRIDE
    b"\xe2\x81\xa6", // LEFT-TO-RIGHT ISOLATE
    b"\xe2\x80\x8b", // ZERO WIDTH SPACE
];

/// The escape payloads mail tries to slip in.
pub const PAYLOAD: &str = "\u{1b}]0;pwned-title\u{7}\u{1b}]52;c;cHduZWQ=\u{7}\u{1b}P+q544e\u{1b}\\\u{1b}[6n\u{1b}[21t\u{1b}[?1049l\u{1b}c\u{9b}31m\u{9d}0;x\u{7}";

/// (subject marker shown in the list, raw message). The marker is plain text, so the
/// list can be searched for it on screen.
pub fn corpus() -> Vec<(String, Vec<u8>)> {
    let p = PAYLOAD;
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    let mut add = |marker: &str, raw: Vec<u8>| out.push((marker.to_string(), raw));
    add(
        "esc-headers",
        format!(
            "From: Evil{p} \u{202e}gnp.exe\u{200b} <evil@example.org>\r\nTo: you{p}@example.org\r\n\
             Subject: esc-headers {p}\r\nDate: Thu, 26 Nov 2026 10:00:00 +0000\r\n\r\nbody with {p} inside\r\n"
        )
        .into_bytes(),
    );
    add(
        "esc-html",
        format!(
            "From: a@example.org\r\nSubject: esc-html\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
             <html><title>{p}</title><body><p>visible html text {p}</p><a href=\"https://x.example/{p}\">link{p}</a>\
             <img src=\"https://tracker.example/p.gif\"></body></html>\r\n"
        )
        .into_bytes(),
    );
    add(
        "esc-attachment-name",
        format!(
            "From: a@example.org\r\nSubject: esc-attachment-name\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee file\r\n\
             --b\r\nContent-Type: application/octet-stream; name=\"x{p}.pdf\"\r\n\
             Content-Disposition: attachment; filename=\"../../x{p}.pdf\"\r\n\r\nzz\r\n--b--\r\n"
        )
        .into_bytes(),
    );
    add(
        "encoded-words",
        b"From: =?x-unknown?B?AAEC?= <a@example.org>\r\nSubject: encoded-words =?utf-8?B?G10wO3B3bmVkBw==?= =?utf-8?Q?=1B=5B6n?= =?iso-8859-1?Q?caf=E9?= =?utf-8?B?////?=\r\n\r\nbody\r\n".to_vec(),
    );
    add(
        "c1-and-nul",
        b"From: a@example.org\r\nSubject: c1-and-nul \x9b31m\x9d0;t\x07 \x00nul\r\n\r\nnul \x00 bytes \x1b[31m and c1 \x9b here\r\n".to_vec(),
    );
    let big_header = "x".repeat(200_000);
    add(
        "huge-header",
        format!("From: a@example.org\r\nSubject: huge-header\r\nX-Big: {big_header}\r\n\r\nafter the big header\r\n").into_bytes(),
    );
    let many: Vec<String> = (0..5000).map(|i| format!("r{i}@example.org")).collect();
    add(
        "many-recipients",
        format!(
            "From: a@example.org\r\nTo: {}\r\nSubject: many-recipients\r\n\r\nhello all\r\n",
            many.join(", ")
        )
        .into_bytes(),
    );
    let mut deep =
        String::from("From: a@example.org\r\nSubject: deep-multipart\r\nMIME-Version: 1.0\r\n");
    for i in 0..60 {
        deep.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n"
        ));
    }
    deep.push_str("Content-Type: text/plain\r\n\r\nthe deep text\r\n");
    for i in (0..60).rev() {
        deep.push_str(&format!("--b{i}--\r\n"));
    }
    add("deep-multipart", deep.into_bytes());
    add(
        "unterminated-multipart",
        b"From: a@example.org\r\nSubject: unterminated-multipart\r\nContent-Type: multipart/mixed; boundary=\"zz\"\r\n\r\n--zz\r\nContent-Type: text/plain\r\n\r\nnever closed".to_vec(),
    );
    add(
        "bad-encodings",
        b"From: a@example.org\r\nSubject: bad-encodings\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nbroken =ZZ qp =\r\n\
--b\r\nContent-Type: text/plain; charset=no-such-charset\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64***\r\n--b--\r\n"
            .to_vec(),
    );
    let mut big = b"From: a@example.org\r\nSubject: big-attachment\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nbig file below\r\n--b\r\nContent-Type: application/octet-stream; name=\"big.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n".to_vec();
    let line = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx\r\n";
    for _ in 0..(11 * 1024 * 1024 / 72) {
        big.extend_from_slice(line);
    }
    big.extend_from_slice(b"--b--\r\n");
    add("big-attachment", big);
    add(
        "no-from-no-date",
        b"Subject: no-from-no-date\r\n\r\nwho sent this\r\n".to_vec(),
    );
    add(
        "bad-date",
        b"From: a@example.org\r\nDate: the 32nd of Nevuary, year -5\r\nSubject: bad-date\r\n\r\nwhen\r\n".to_vec(),
    );
    add(
        "no-separator",
        b"From: a@example.org\r\nSubject: no-separator\r\nthis line is not a header and there is no blank line".to_vec(),
    );
    out
}
