//! IMAP UID sets, both ways, in one place: UIDs to the shortest set text (split so no
//! command line grows too long), and sets the server sent (COPYUID, VANISHED) back to
//! UIDs, with ranges in either order and a bound on what a hostile set may name.

use crate::mail::Uid;
use std::ops::RangeInclusive;

/// Longest UID set tern puts in one command; some servers refuse longer lines.
const MAX_SET_LEN: usize = 8000;

/// UID sets for these UIDs, split so that none is longer than `MAX_SET_LEN`.
pub(crate) fn bounded_sets(uids: &[Uid], out: &mut Vec<String>) {
    if uids.is_empty() {
        return;
    }
    let set = encode(uids);
    if set.len() <= MAX_SET_LEN || uids.len() == 1 {
        out.push(set);
    } else {
        let (a, b) = uids.split_at(uids.len() / 2);
        bounded_sets(a, out);
        bounded_sets(b, out);
    }
}

/// UID sets for any number of UIDs (sorted first), each short enough for one command.
pub fn encode_bounded(uids: &[Uid]) -> Vec<String> {
    let mut sorted = uids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out = Vec::new();
    bounded_sets(&sorted, &mut out);
    out
}

/// Compresses UIDs into an IMAP set like `1:5,9,12:14`.
pub fn encode(uids: &[Uid]) -> String {
    let mut sorted = uids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out = String::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}:{end}"));
        }
        i += 1;
    }
    out
}

/// A UID range low to high (a server may send `9:5`).
/// Whether `uid` is in a set as tern writes it (`1:5,9,12:*`; `*` is any higher UID).
/// A set it cannot read holds nothing.
pub fn contains(set: &str, uid: Uid) -> bool {
    set.split(',').any(|part| {
        let bound = |s: &str| match s {
            "*" => Some(Uid::MAX),
            n => n.parse::<Uid>().ok(),
        };
        match part.split_once(':') {
            Some((a, b)) => match (bound(a), bound(b)) {
                (Some(a), Some(b)) => (a.min(b)..=a.max(b)).contains(&uid),
                _ => false,
            },
            None => bound(part) == Some(uid),
        }
    })
}

pub fn normalized(r: &RangeInclusive<u32>) -> RangeInclusive<u32> {
    let (a, b) = (*r.start(), *r.end());
    a.min(b)..=a.max(b)
}

/// Most UIDs a server-sent UID set may expand to (a hostile `1:4294967295` would
/// otherwise take 16 GiB).
const MAX_EXPANDED: u64 = 1_000_000;

/// Expands an IMAP UID set as parsed by imap-proto (ranges in either order); `None` if
/// it names more than a million UIDs.
pub fn expand(set: &[async_imap::imap_proto::rfc4315::UidSetMember]) -> Option<Vec<u32>> {
    use async_imap::imap_proto::rfc4315::UidSetMember as M;
    let ranges: Vec<std::ops::RangeInclusive<u32>> = set
        .iter()
        .map(|m| match m {
            M::Uid(u) => *u..=*u,
            M::UidRange(r) => normalized(r),
        })
        .collect();
    let total: u64 = ranges
        .iter()
        .map(|r| u64::from(r.end() - r.start()) + 1)
        .sum();
    if total > MAX_EXPANDED {
        return None;
    }
    Some(ranges.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_set_holds_what_it_names_and_nothing_else() {
        use super::contains;
        assert!(contains("1:5,9,12:*", 3) && contains("1:5,9,12:*", 9));
        assert!(contains("1:5,9,12:*", 4_000_000_000));
        assert!(!contains("1:5,9,12:*", 6) && !contains("1:5,9,12:*", 11));
        assert!(contains("7:3", 5), "either order");
        assert!(!contains("garbage", 1) && !contains("", 0));
    }

    #[test]
    fn sparse_uids_make_several_short_sets() {
        let sparse: Vec<u32> = (0..5000).map(|i| 1_000_000 + i * 7).collect();
        let mut sets = Vec::new();
        super::bounded_sets(&sparse, &mut sets);
        assert!(sets.len() > 1 && sets.iter().all(|s| s.len() <= super::MAX_SET_LEN));
        let back: usize = sets.iter().map(|s| s.split(',').count()).sum();
        assert_eq!(back, 5000);
        let mut dense = Vec::new();
        super::bounded_sets(&(1..=5000).collect::<Vec<_>>(), &mut dense);
        assert_eq!(dense, vec!["1:5000"]);
    }

    #[test]
    #[allow(clippy::reversed_empty_ranges)] // what a server may send
    fn a_hostile_copyuid_is_not_expanded() {
        use async_imap::imap_proto::rfc4315::UidSetMember as M;
        assert!(super::expand(&[M::UidRange(1..=u32::MAX)]).is_none());
        assert_eq!(
            super::expand(&[M::UidRange(5..=3), M::Uid(9)]),
            Some(vec![3, 4, 5, 9])
        );
    }

    #[test]
    fn uid_sets_compress() {
        assert_eq!(
            super::encode(&[5, 1, 2, 3, 9, 12, 13, 14, 3]),
            "1:3,5,9,12:14"
        );
        assert_eq!(super::encode(&[]), "");
    }
}
