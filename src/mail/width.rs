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

#[cfg(test)]
mod tests {
    use super::fit;
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
