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

/// No row (a parent or a top not found).
const NONE: u32 = u32::MAX;

/// Thread order of `rows` (places in `all`, in list order): each thread where its
/// newest message would be, its messages oldest first under their parents.
/// Returns the rows and their depths.
///
/// Linear but for the sort of each message's replies: each row's parent is looked up
/// once (a map keyed by the Message-ID keys, which are hashes already), replies are
/// kept in one array, and each row's top is found once (a folder of a million is
/// threaded in a fraction of a second).
pub fn threaded(all: &[Row], rows: &[u32]) -> (Vec<u32>, Vec<u16>) {
    let n = rows.len();
    let pos = |p: u32| p as usize;
    // Places in `rows` (a list is far below 2^32 rows).
    let mut by_id: HashMap<u64, u32, foldhash::fast::RandomState> =
        HashMap::with_capacity_and_hasher(n, Default::default());
    let row = |p: usize| &all[rows[p] as usize];
    for p in 0..n {
        let id = row(p).id();
        if id != 0 {
            by_id.insert(id, p as u32);
        }
    }
    // The nearest parent that is in the list (not the message itself).
    let parent: Vec<u32> = (0..n)
        .map(|p| {
            row(p)
                .parents()
                .filter_map(|r| by_id.get(&r).copied())
                .find(|&q| pos(q) != p)
                .unwrap_or(NONE)
        })
        .collect();
    drop(by_id);
    // Replies of each row, end to end: those of row p are kids[first[p]..first[p + 1]].
    let mut first = vec![0u32; n + 1];
    for &q in &parent {
        if q != NONE {
            first[pos(q) + 1] += 1;
        }
    }
    for p in 0..n {
        first[p + 1] += first[p];
    }
    let mut kids = vec![0u32; first[n] as usize];
    let mut filled = first.clone();
    for (p, &q) in parent.iter().enumerate() {
        if q != NONE {
            kids[pos(filled[pos(q)])] = p as u32;
            filled[pos(q)] += 1;
        }
    }
    drop(filled);
    // Replies oldest first; `rows` order decides among tops (a thread sits where its
    // first-listed member would; for newest-first that is its newest message).
    for p in 0..n {
        kids[pos(first[p])..pos(first[p + 1])]
            .sort_unstable_by_key(|&c| (row(pos(c)).date, row(pos(c)).uid));
    }
    // Each row's top, found once: the walk stops at a top already known, and is
    // bounded, so a loop of references neither hangs it nor repeats it.
    let mut top = vec![NONE; n];
    let mut path = Vec::new();
    for p in 0..n {
        let mut at = p as u32;
        let mut steps = 0;
        while top[pos(at)] == NONE && parent[pos(at)] != NONE && steps < 1000 {
            path.push(at);
            at = parent[pos(at)];
            steps += 1;
        }
        let t = if top[pos(at)] == NONE {
            at
        } else {
            top[pos(at)]
        };
        top[pos(at)] = t;
        for q in path.drain(..) {
            top[pos(q)] = t;
        }
    }
    let mut out = Vec::with_capacity(n);
    let mut depth = Vec::with_capacity(n);
    let mut placed = vec![false; n];
    let mut stack = Vec::new();
    for &t in &top {
        stack.push((t, 0u16));
        while let Some((q, d)) = stack.pop() {
            if std::mem::replace(&mut placed[pos(q)], true) {
                continue;
            }
            out.push(rows[pos(q)]);
            depth.push(d);
            for &k in kids[pos(first[pos(q)])..pos(first[pos(q) + 1])]
                .iter()
                .rev()
            {
                stack.push((k, d.saturating_add(1)));
            }
        }
    }
    // Anything left (parents in a loop) goes last, flat.
    for p in 0..n {
        if !placed[p] {
            placed[p] = true;
            out.push(rows[p]);
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
        // Places as u32 (a folder holds fewer than 2^32 messages: UIDs are 32 bits):
        // half the memory of the view at a million rows.
        let n = u32::try_from(all.len()).unwrap_or(u32::MAX);
        let rows: Vec<u32> = match self.filter.as_mut() {
            None => (0..n).collect(),
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
                (0..n)
                    .filter(|&i| {
                        let m = &all[i as usize];
                        SearchTerm::flags_match(&f.flags, &m.flags())
                            && (!f.has_text()
                                || memo.is_some_and(|v| v.get(i as usize) == Some(&true))
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
        let rows: Vec<u32> = (0..all.len() as u32).collect();
        let (order, depth) = threaded(&all, &rows);
        let uids: Vec<Uid> = order.iter().map(|&i| all[i as usize].uid).collect();
        assert_eq!(uids, vec![1, 2, 3, 5, 4]);
        assert_eq!(depth, vec![0, 1, 2, 1, 0]);
    }

    #[test]
    fn reference_loops_do_not_hang_or_drop_messages() {
        let all = vec![m(2, 20, "b", Some("a")), m(1, 10, "a", Some("b"))];
        let (order, _) = threaded(&all, &[0, 1]);
        let mut uids: Vec<Uid> = order.iter().map(|&i| all[i as usize].uid).collect();
        uids.sort();
        assert_eq!(uids, vec![1, 2]);
    }

    /// The plain walk the threads were first made with: each row's parent looked up
    /// again at every step, a map of lists for the replies.
    fn threaded_plainly(all: &[Row], rows: &[u32]) -> (Vec<u32>, Vec<u16>) {
        let rows: Vec<usize> = rows.iter().map(|&i| i as usize).collect();
        let rows = rows.as_slice();
        let by_id: std::collections::HashMap<u64, usize> =
            rows.iter().map(|&i| (all[i].id(), i)).collect();
        let parent_of = |i: usize| {
            all[i]
                .parents()
                .filter_map(|r| by_id.get(&r).copied())
                .find(|&p| p != i)
        };
        let mut children: std::collections::HashMap<usize, Vec<usize>> = Default::default();
        for &i in rows {
            if let Some(p) = parent_of(i) {
                children.entry(p).or_default().push(i);
            }
        }
        for list in children.values_mut() {
            list.sort_by_key(|&c| (all[c].date, all[c].uid));
        }
        let (mut out, mut depth, mut placed) = (Vec::new(), Vec::new(), vec![false; all.len()]);
        for &i in rows {
            let mut r = i;
            while let Some(p) = parent_of(r) {
                r = p;
            }
            let mut stack = vec![(r, 0u16)];
            while let Some((i, d)) = stack.pop() {
                if !std::mem::replace(&mut placed[i], true) {
                    out.push(i as u32);
                    depth.push(d);
                    for &k in children.get(&i).into_iter().flatten().rev() {
                        stack.push((k, d + 1));
                    }
                }
            }
        }
        (out, depth)
    }

    #[test]
    fn threads_of_a_big_folder_come_out_as_the_plain_walk_makes_them() {
        // Replies to older messages only (no loops), some parents missing from the
        // folder, some answering a reference further up, some sharing a date.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |below: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % below.max(1)
        };
        let mut all = Vec::new();
        for uid in 1..=3000u32 {
            let parent =
                (uid > 1 && next(3) > 0).then(|| format!("id{}", 1 + next(u64::from(uid) - 1)));
            let far = parent
                .as_ref()
                .and_then(|_| (next(4) == 0).then(|| format!("id{}", 1 + next(u64::from(uid)))));
            let id = if next(50) == 0 {
                String::new()
            } else {
                format!("id{uid}")
            };
            all.push(Row::of(&tern_core::mail::MessageSummary {
                uid,
                date: Some(i64::from(uid / 3)),
                message_id: Some(id),
                in_reply_to: parent.clone().filter(|_| next(10) > 0),
                references: far.into_iter().chain(parent).collect(),
                ..Default::default()
            }));
        }
        // Newest first, as the list holds them; and a filtered list, oldest first.
        all.reverse();
        let every: Vec<u32> = (0..all.len() as u32).collect();
        let some: Vec<u32> = (0..all.len() as u32).rev().filter(|i| i % 7 != 3).collect();
        for rows in [every, some] {
            let (order, depth) = threaded(&all, &rows);
            // Most rows sit under a parent: the threads are not flat.
            assert!(depth.iter().filter(|&&d| d > 0).count() > rows.len() / 2);
            assert_eq!((order, depth), threaded_plainly(&all, &rows));
        }
    }
}
