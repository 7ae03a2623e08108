//! The one function every mail-derived string passes before it reaches a terminal.

/// Removes control characters, escape sequences and bidi/zero-width format characters;
/// tabs and newlines become spaces (callers lay out text themselves).
pub fn sanitize(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        match c {
            '\t' | '\n' | '\r' => out.push(' '),
            c if c.is_control() || is_invisible_format(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// Bidi embeddings/overrides/isolates, zero-width and other invisible formatters: they
/// can make text read differently from what it is (e.g. a name ending in "exe" shown as
/// "gpj"). Shared with file naming so the two lists can't drift.
pub(crate) fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{061C}'
            | '\u{00AD}'
    )
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn strips_escapes_controls_and_bidi() {
        let hostile = "a\x1b]0;pwned\x07b\x1b[31mc\u{9b}2Jd\u{202E}e\u{200B}f\0g";
        let clean = sanitize(hostile);
        assert_eq!(clean, "a]0;pwnedb[31mc2Jdefg");
        assert!(!clean.chars().any(|c| c.is_control()));
    }

    #[test]
    fn keeps_wide_and_combining_text() {
        assert_eq!(sanitize("李雷 Zoë 👋 e\u{301}"), "李雷 Zoë 👋 e\u{301}");
    }
}
