//! Fitting text into terminal columns by display width (CJK and emoji take two columns,
//! combining marks none), so columns line up.

use unicode_width::UnicodeWidthChar;

/// Cuts `s` to at most `width` columns (ending in `…` when cut) and pads it with spaces
/// to exactly `width` columns.
pub fn fit(s: &str, width: usize) -> String {
    let total: usize = s.chars().map(|c| c.width().unwrap_or(0)).sum();
    let mut out = String::with_capacity(s.len() + width);
    let mut used = 0;
    if total <= width {
        out.push_str(s);
        used = total;
    } else if width > 0 {
        for c in s.chars() {
            let w = c.width().unwrap_or(0);
            if used + w > width - 1 {
                break;
            }
            out.push(c);
            used += w;
        }
        out.push('…');
        used += 1;
    }
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    out
}

/// Wraps one line of text to `width` columns, breaking at spaces where it can.
pub fn wrap(line: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut cur_w = 0;
    let mut last_space: Option<(usize, usize)> = None; // (byte index in cur, width up to it)
    for c in line.chars() {
        let w = c.width().unwrap_or(0);
        if cur_w + w > width && !cur.is_empty() {
            match last_space {
                Some((i, wi)) if i > 0 => {
                    let rest = cur.split_off(i + 1);
                    out.push(cur.trim_end().to_string());
                    cur = rest;
                    cur_w -= wi + 1;
                }
                _ => {
                    out.push(std::mem::take(&mut cur));
                    cur_w = 0;
                }
            }
            last_space = None;
        }
        if c == ' ' {
            last_space = Some((cur.len(), cur_w));
        }
        cur.push(c);
        cur_w += w;
    }
    out.push(cur);
    out
}

/// A count with thousands separators, as in `12,000`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{fit, wrap};

    #[test]
    fn wraps_at_spaces_and_by_columns() {
        assert_eq!(
            wrap("the quick brown fox", 10),
            vec!["the quick", "brown fox"]
        );
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("李雷王芳", 5), vec!["李雷", "王芳"]);
        assert_eq!(wrap("", 5), vec![""]);
        for l in wrap("a b c d e f g h i j k l m n o p", 3) {
            assert!(
                unicode_width::UnicodeWidthStr::width(l.as_str()) <= 3,
                "{l:?}"
            );
        }
    }

    use unicode_width::UnicodeWidthStr;

    #[test]
    fn pads_and_cuts_by_columns() {
        assert_eq!(fit("abc", 5), "abc  ");
        assert_eq!(fit("李雷", 5), "李雷 ");
        assert_eq!(fit("李雷王芳", 5), "李雷…");
        assert_eq!(fit("李雷王芳", 6).width(), 6);
        assert_eq!(fit("e\u{301}xyz", 3), "e\u{301}x…");
        assert_eq!(fit("anything", 0), "");
    }
}
