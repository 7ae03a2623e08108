//! Encoders for generated mail: RFC 2047 words, RFC 2231 parameters, base64, quoted-printable.

/// `Name <addr>`, with the name as RFC 2047 encoded words (B or Q) when non-ASCII.
pub(super) fn mailbox(name: &str, addr: &str, use_b: bool) -> String {
    if name.is_ascii() {
        if name.contains(['\'', ',', '.']) {
            format!("\"{name}\" <{addr}>")
        } else {
            format!("{name} <{addr}>")
        }
    } else if use_b {
        format!("{} <{addr}>", encode_b(name))
    } else {
        format!("{} <{addr}>", encode_q(name))
    }
}

/// Header text, encoded as folded RFC 2047 words when non-ASCII.
pub(super) fn header_text(s: &str, use_b: bool) -> String {
    if s.is_ascii() {
        s.to_string()
    } else if use_b {
        encode_b(s)
    } else {
        encode_q(s)
    }
}

/// Splits `s` at char boundaries into chunks of at most `max` UTF-8 bytes.
pub(super) fn chunks(s: &str, max: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut end = 0;
    for (idx, c) in s.char_indices() {
        if idx + c.len_utf8() - start > max {
            out.push(&s[start..end]);
            start = end;
        }
        end = idx + c.len_utf8();
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

pub(super) fn encode_b(s: &str) -> String {
    let words: Vec<String> = chunks(s, 39)
        .into_iter()
        .map(|c| format!("=?UTF-8?B?{}?=", base64(c.as_bytes())))
        .collect();
    words.join("\r\n ")
}

pub(super) fn encode_q(s: &str) -> String {
    let words: Vec<String> = chunks(s, 18)
        .into_iter()
        .map(|c| {
            let mut w = String::from("=?UTF-8?Q?");
            for &b in c.as_bytes() {
                match b {
                    b' ' => w.push('_'),
                    b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'!' | b'*' | b'+' | b'-' | b'/' => {
                        w.push(b as char)
                    }
                    _ => w.push_str(&format!("={b:02X}")),
                }
            }
            w.push_str("?=");
            w
        })
        .collect();
    words.join("\r\n ")
}

pub(super) fn pct_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub(super) fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        out.push(T[(n >> 18) as usize & 63] as char);
        out.push(T[(n >> 12) as usize & 63] as char);
        out.push(if c.len() > 1 {
            T[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if c.len() > 2 {
            T[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

/// Base64 in 76-character CRLF-terminated lines.
pub(super) fn base64_lines(data: &[u8]) -> String {
    let mut out = String::new();
    for c in data.chunks(57) {
        out.push_str(&base64(c));
        out.push_str("\r\n");
    }
    out
}

/// Quoted-printable iso-8859-1 (characters outside Latin-1 become `?`), soft-wrapped at 76.
pub(super) fn qp_latin1(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for line in text.split("\r\n") {
        let mut len = 0;
        for ch in line.chars() {
            let b = if (ch as u32) < 256 {
                ch as u32 as u8
            } else {
                b'?'
            };
            let enc = if (b == b' ' || b == b'\t') || (33..=126).contains(&b) && b != b'=' {
                (b as char).to_string()
            } else {
                format!("={b:02X}")
            };
            if len + enc.len() > 75 {
                out.push_str("=\r\n");
                len = 0;
            }
            out.push_str(&enc);
            len += enc.len();
        }
        if line.ends_with([' ', '\t']) {
            let last = out.pop().map_or(0, |c| c as u8);
            out.push_str(&format!("={last:02X}"));
        }
        out.push_str("\r\n");
    }
    out.truncate(out.len() - 2);
    out
}
