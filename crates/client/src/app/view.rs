//! Which rows the list shows and in what order: the search filter, newest or oldest
//! first, and threads (by References / In-Reply-To). Rebuilt from `all` in one pass
//! (plus a sort for threads); moving the cursor never rebuilds it.

use super::state::{AppState, ServerHits};
use std::collections::HashMap;
use tern_core::imap::protocol::SearchTerm;
use tern_core::mail::{Row, Uid};

/// Whether a message matches every word (lower-cased) in its subject or sender.
pub fn matches(m: &Row, words: &[String]) -> bool {
    let has = contains_folded;
    words
        .iter()
        .all(|w| has(m.subject(), w) || has(m.sender_email(), w) || has(m.sender_name(), w))
}

/// The rows' UIDs in order, hashed: whether the rows are still those a memo was made of.
fn fingerprint(all: &[Row]) -> u64 {
    all.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, m| {
        (h ^ u64::from(m.uid)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Whether `text` holds `w` (lower-cased) in any case. Most text is ASCII, which is
/// compared as it is, with no lower-cased copy made.
fn contains_folded(text: &str, w: &str) -> bool {
    if w.is_empty() {
        true
    } else if text.is_ascii() {
        text.as_bytes()
            .windows(w.len())
            .any(|win| win.eq_ignore_ascii_case(w.as_bytes()))
    } else {
        text.to_lowercase().contains(w)
    }
}

/// Thread order of `rows` (indices into `all`, in list order): each thread where its
/// newest message would be, its messages oldest first under their parents.
/// Returns the rows and their depths.
pub fn threaded(all: &[Row], rows: &[usize]) -> (Vec<usize>, Vec<u16>) {
    let by_id: HashMap<u64, usize> = rows
        .iter()
        .filter(|&&i| all[i].id() != 0)
        .map(|&i| (all[i].id(), i))
        .collect();
    let parent_of = |i: usize| -> Option<usize> {
        all[i]
            .parents()
            .filter_map(|r| by_id.get(&r).copied())
            .find(|&p| p != i)
    };
    let mut children: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut roots = Vec::new();
    for &i in rows {
        match parent_of(i) {
            Some(p) => children.entry(p).or_default().push(i),
            None => roots.push(i),
        }
    }
    // Children oldest first; `rows` order decides among roots (a thread sits where its
    // first-listed member would; for newest-first that is its newest message).
    for list in children.values_mut() {
        list.sort_by_key(|&c| (all[c].date, all[c].uid));
    }
    let mut out = Vec::with_capacity(rows.len());
    let mut depth = Vec::with_capacity(rows.len());
    let mut placed = vec![false; all.len()];
    let top = |mut i: usize| {
        // Bounded: a loop of references must not hang the walk up.
        for _ in 0..1000 {
            match parent_of(i) {
                Some(p) => i = p,
                None => break,
            }
        }
        i
    };
    for &i in rows {
        let r = top(i);
        let mut stack = vec![(r, 0u16)];
        while let Some((i, d)) = stack.pop() {
            if std::mem::replace(&mut placed[i], true) {
                continue;
            }
            out.push(i);
            depth.push(d);
            if let Some(c) = children.get(&i) {
                for &k in c.iter().rev() {
                    stack.push((k, d.saturating_add(1)));
                }
            }
        }
    }
    // Anything left (parents in a loop) goes last, flat.
    for &i in rows {
        if !placed[i] {
            placed[i] = true;
            out.push(i);
            depth.push(0);
        }
    }
    (out, depth)
}

impl AppState {
    /// Rebuilds the rows from `all`, keeping the cursor on message `keep`.
    pub(super) fn rebuild_view(&mut self, keep: Option<Uid>) {
        // Every change of which rows there are comes through here (all inboxes look).
        self.rows_version = self.rows_version.wrapping_add(1);
        self.count_unread();
        let shown = |hits: &Option<ServerHits>, uid: Uid| match hits {
            Some(ServerHits::Hits(h)) => h.contains(&uid),
            _ => false,
        };
        let all = &self.all;
        let rows: Vec<usize> = match self.filter.as_mut() {
            None => (0..all.len()).collect(),
            Some(f) => {
                // The words inside subjects and senders, with no other terms (while
                // the index cannot answer for all); remembered for these rows, so that
                // the server's hits coming later do not read every row's text again.
                let at_once = f.substring && f.terms.is_empty() && !f.words.is_empty();
                let memo = if at_once {
                    let print = fingerprint(all);
                    if f.at_once.as_ref().is_none_or(|(p, _)| *p != print) {
                        let words = &f.words;
                        f.at_once = Some((print, all.iter().map(|m| matches(m, words)).collect()));
                    }
                    f.at_once.as_ref().map(|(_, m)| m.as_slice())
                } else {
                    None
                };
                (0..all.len())
                    .filter(|&i| {
                        let m = &all[i];
                        SearchTerm::flags_match(&f.flags, &m.flags)
                            && (!f.has_text()
                                || memo.is_some_and(|v| v.get(i) == Some(&true))
                                || shown(&f.local, m.uid)
                                || shown(&f.server, m.uid))
                    })
                    .collect()
            }
        };
        let mut rows = rows;
        if self.oldest_first {
            rows.reverse();
        }
        if self.threads {
            let (r, d) = threaded(&self.all, &rows);
            self.view = r;
            self.depth = d;
        } else {
            self.view = rows;
            self.depth.clear();
        }
        // While the list is scrolled, the cursor's message keeps its place on screen:
        // mail arriving above does not move what is being looked at. At the top, new
        // mail shows at the top.
        let on_screen = (self.top > 0).then(|| self.cursor.saturating_sub(self.top));
        let kept = keep.and_then(|u| self.row_of(u));
        self.cursor = kept
            .unwrap_or(self.cursor)
            .min(self.view.len().saturating_sub(1));
        if let (Some(_), Some(on_screen)) = (kept, on_screen) {
            self.top = self.cursor.saturating_sub(on_screen);
        }
        self.scroll_to_cursor();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(uid: Uid, date: i64, id: &str, parent: Option<&str>) -> Row {
        Row::of(&tern_core::mail::MessageSummary {
            uid,
            date: Some(date),
            message_id: Some(id.into()),
            in_reply_to: parent.map(String::from),
            references: parent.map(|p| vec![p.to_string()]).unwrap_or_default(),
            ..Default::default()
        })
    }

    #[test]
    fn threads_group_replies_under_their_parent() {
        // Newest first: a reply to the oldest message is the newest of all.
        let all = vec![
            m(5, 50, "e", Some("a")),
            m(4, 40, "d", None),
            m(3, 30, "c", Some("b")),
            m(2, 20, "b", Some("a")),
            m(1, 10, "a", None),
        ];
        let rows: Vec<usize> = (0..all.len()).collect();
        let (order, depth) = threaded(&all, &rows);
        let uids: Vec<Uid> = order.iter().map(|&i| all[i].uid).collect();
        assert_eq!(uids, vec![1, 2, 3, 5, 4]);
        assert_eq!(depth, vec![0, 1, 2, 1, 0]);
    }

    #[test]
    fn reference_loops_do_not_hang_or_drop_messages() {
        let all = vec![m(2, 20, "b", Some("a")), m(1, 10, "a", Some("b"))];
        let (order, _) = threaded(&all, &[0, 1]);
        let mut uids: Vec<Uid> = order.iter().map(|&i| all[i].uid).collect();
        uids.sort();
        assert_eq!(uids, vec![1, 2]);
    }
}
