//! Message operations on the selected folder, by UID, checked against the server's answer.

use super::conn::{Completion, Conn, Part};
use super::error::ImapError;
use super::protocol::{CopyResult, SearchTerm};
use super::uidset::encode_bounded as uid_sets;
use super::uidset::expand as expand_uid_set;
use super::{mailbox_arg, quote};
use crate::mail::Uid;
use async_imap::imap_proto::{AttributeValue, MailboxDatum, Response, ResponseCode};

fn copy_result(c: &Completion, untagged: Option<(u32, Vec<u32>, Vec<u32>)>) -> CopyResult {
    let (v, s, d) = c.copy_uid.clone().or(untagged).unwrap_or_default();
    CopyResult {
        dest_uidvalidity: v,
        source: s,
        dest: d,
    }
}

/// Checks that each flag is a system flag or a keyword atom, so that no text from the
/// caller can change the command (a space, parenthesis or line break).
pub fn check_flags(flags: &[String]) -> Result<(), ImapError> {
    for f in flags {
        let body = f.strip_prefix('\\').unwrap_or(f);
        let atom = !body.is_empty()
            && body
                .bytes()
                .all(|b| b.is_ascii_graphic() && !b"(){%*\"\\]".contains(&b));
        if !atom {
            return Err(ImapError::Invalid(format!(
                "{f:?} is not a valid IMAP flag"
            )));
        }
    }
    Ok(())
}

/// Adds or removes flags. Not SILENT: the server's FETCH replies carry the resulting
/// flags, which the caller applies to the cache.
pub async fn store_flags(
    conn: &mut Conn,
    uids: &[Uid],
    flags: &[String],
    add: bool,
) -> Result<(), ImapError> {
    check_flags(flags)?;
    if uids.is_empty() {
        return Ok(());
    }
    for set in uid_sets(uids) {
        let cmd = format!(
            "UID STORE {set} {}FLAGS ({})",
            if add { "+" } else { "-" },
            flags.join(" ")
        );
        conn.exec(&cmd, |_| false).await?;
    }
    Ok(())
}

/// UID COPY; the destination UIDs come from COPYUID.
pub async fn copy(conn: &mut Conn, uids: &[Uid], dest: &str) -> Result<CopyResult, ImapError> {
    let mut all = CopyResult::default();
    for set in uid_sets(uids) {
        let c = conn
            .exec(&format!("UID COPY {set} {}", mailbox_arg(dest)), |_| false)
            .await?;
        merge(&mut all, copy_result(&c, None));
    }
    Ok(all)
}

/// Adds one command's COPYUID to the result of a command split in several.
fn merge(all: &mut CopyResult, part: CopyResult) {
    all.dest_uidvalidity = part.dest_uidvalidity;
    all.source.extend(part.source);
    all.dest.extend(part.dest);
}

/// UID MOVE, else COPY + `\Deleted` + UID EXPUNGE of exactly these UIDs (never a bare
/// EXPUNGE, which would also remove other messages the user marked deleted).
pub async fn move_messages(
    conn: &mut Conn,
    uids: &[Uid],
    dest: &str,
) -> Result<CopyResult, ImapError> {
    if conn.has_cap("MOVE") {
        let mut all = CopyResult::default();
        for set in uid_sets(uids) {
            merge(&mut all, move_set(conn, &set, dest).await?);
        }
        return Ok(all);
    }
    if !conn.has_cap("UIDPLUS") {
        return Err(ImapError::No {
            command: "MOVE".into(),
            words: "the server offers neither MOVE nor UIDPLUS, so the move cannot be done without risking other deleted messages".into(),
        });
    }
    let result = copy(conn, uids, dest).await?;
    expunge_uids(conn, uids).await?;
    Ok(result)
}

/// One UID MOVE; COPYUID may come tagged or untagged (RFC 6851).
async fn move_set(conn: &mut Conn, set: &str, dest: &str) -> Result<CopyResult, ImapError> {
    let mut untagged = None;
    let c = conn
        .exec(&format!("UID MOVE {set} {}", mailbox_arg(dest)), |r| {
            if let Response::Data { outcome, .. } = r {
                if let Some(ResponseCode::CopyUid(v, s, d)) = &outcome.code {
                    let (s, d) = (expand_uid_set(s), expand_uid_set(d));
                    if let (Some(s), Some(d)) = (s, d) {
                        untagged = Some((*v, s, d));
                    }
                    return true;
                }
            }
            false
        })
        .await?;
    Ok(copy_result(&c, untagged))
}

/// Marks `\Deleted` and expunges exactly these UIDs (inside Trash).
pub async fn expunge_uids(conn: &mut Conn, uids: &[Uid]) -> Result<(), ImapError> {
    if !conn.has_cap("UIDPLUS") {
        return Err(ImapError::No {
            command: "UID EXPUNGE".into(),
            words:
                "the server lacks UIDPLUS; refusing a bare EXPUNGE that could remove other messages"
                    .into(),
        });
    }
    store_flags(conn, uids, &["\\Deleted".to_string()], true).await?;
    for set in uid_sets(uids) {
        conn.exec(&format!("UID EXPUNGE {set}"), |_| false).await?;
    }
    Ok(())
}

/// APPENDs a message; returns (UIDVALIDITY, UID) when the server reports APPENDUID.
pub async fn append(
    conn: &mut Conn,
    folder: &str,
    flags: &[String],
    raw: &[u8],
) -> Result<Option<(u32, Uid)>, ImapError> {
    check_flags(flags)?;
    let head = format!("APPEND {} ({}) ", mailbox_arg(folder), flags.join(" "));
    let c = conn
        .exec_parts(&[Part::Text(&head), Part::Literal(raw)], |_| false)
        .await?;
    Ok(c.append_uid)
}

fn imap_date(d: &chrono::NaiveDate) -> String {
    d.format("%-d-%b-%Y").to_string()
}

/// UID SEARCH with CHARSET UTF-8; non-ASCII strings go as literals.
pub async fn search(conn: &mut Conn, terms: &[SearchTerm]) -> Result<Vec<Uid>, ImapError> {
    let mut texts: Vec<String> = Vec::new();
    let mut literals: Vec<Vec<u8>> = Vec::new();
    // Build as alternating text / literal pieces.
    let mut cur = String::from("UID SEARCH CHARSET UTF-8");
    let push_str =
        |cur: &mut String, key: &str, v: &str, texts: &mut Vec<String>, lits: &mut Vec<Vec<u8>>| {
            cur.push(' ');
            cur.push_str(key);
            cur.push(' ');
            if v.is_ascii() && !v.chars().any(|c| c.is_ascii_control()) {
                cur.push_str(&quote(v));
            } else {
                texts.push(std::mem::take(cur));
                lits.push(v.as_bytes().to_vec());
            }
        };
    for t in terms {
        match t {
            SearchTerm::From(v) => push_str(&mut cur, "FROM", v, &mut texts, &mut literals),
            SearchTerm::To(v) => push_str(&mut cur, "TO", v, &mut texts, &mut literals),
            SearchTerm::Subject(v) => push_str(&mut cur, "SUBJECT", v, &mut texts, &mut literals),
            SearchTerm::Body(v) => push_str(&mut cur, "BODY", v, &mut texts, &mut literals),
            SearchTerm::Text(v) => push_str(&mut cur, "TEXT", v, &mut texts, &mut literals),
            SearchTerm::SubjectOrFrom(v) => {
                cur.push_str(" OR");
                push_str(&mut cur, "SUBJECT", v, &mut texts, &mut literals);
                push_str(&mut cur, "FROM", v, &mut texts, &mut literals);
            }
            SearchTerm::Since(d) => cur.push_str(&format!(" SINCE {}", imap_date(d))),
            SearchTerm::Before(d) => cur.push_str(&format!(" BEFORE {}", imap_date(d))),
            SearchTerm::Unseen => cur.push_str(" UNSEEN"),
            SearchTerm::Flagged => cur.push_str(" FLAGGED"),
            SearchTerm::MessageId(v) => {
                push_str(&mut cur, "HEADER Message-ID", v, &mut texts, &mut literals)
            }
            SearchTerm::Uids(uids) => {
                let set = super::uidset::encode(uids);
                if !uids.is_empty() && set.len() <= 8000 {
                    cur.push_str(" UID ");
                    cur.push_str(&set);
                }
            }
            SearchTerm::NotUids(uids) => {
                let set = super::uidset::encode(uids);
                if !uids.is_empty() && set.len() <= 8000 {
                    cur.push_str(" NOT UID ");
                    cur.push_str(&set);
                }
            }
        }
    }
    if texts.is_empty() && cur == "UID SEARCH CHARSET UTF-8" {
        cur.push_str(" ALL");
    }
    texts.push(cur);
    let mut parts = Vec::new();
    for (i, t) in texts.iter().enumerate() {
        parts.push(Part::Text(t));
        if let Some(l) = literals.get(i) {
            parts.push(Part::Literal(l));
        }
    }
    let mut hits = Vec::new();
    conn.exec_parts(&parts, |r| {
        if let Response::MailboxData(MailboxDatum::Search(found)) = r {
            hits.extend(found.iter().copied());
            return true;
        }
        false
    })
    .await?;
    hits.sort_unstable_by(|a, b| b.cmp(a));
    Ok(hits)
}

/// Whole raw messages of the selected folder, without setting `\Seen`: (UID, bytes) of
/// those the server still has. `uids` ascending; answers for UIDs not asked for are
/// ignored.
pub async fn fetch_bodies(conn: &mut Conn, uids: &[Uid]) -> Result<Vec<(Uid, Vec<u8>)>, ImapError> {
    let mut out = Vec::with_capacity(uids.len());
    let mut failed = None;
    for set in super::uidset::encode_bounded(uids) {
        let command = format!("UID FETCH {set} (UID BODY.PEEK[])");
        conn.exec_spooled(&[Part::Text(&command)], |r, spooled| {
            let Response::Fetch(_, attrs) = r else {
                return false;
            };
            let uid = attrs.iter().find_map(|a| match a {
                AttributeValue::Uid(u) => Some(*u),
                _ => None,
            });
            match uid {
                Some(u) if uids.binary_search(&u).is_ok() => {
                    for a in attrs {
                        if let AttributeValue::BodySection { data: Some(d), .. } = a {
                            match spooled.bytes(d) {
                                Ok(body) => out.push((u, body.into_owned())),
                                Err(e) => failed = Some(e),
                            }
                        }
                    }
                    true
                }
                _ => false,
            }
        })
        .await?;
        if let Some(e) = failed.take() {
            return Err(e);
        }
    }
    Ok(out)
}

/// The whole raw message, without setting `\Seen`.
pub async fn fetch_body(conn: &mut Conn, uid: Uid) -> Result<Vec<u8>, ImapError> {
    let mut body = None;
    let command = format!("UID FETCH {uid} (UID BODY.PEEK[])");
    conn.exec_spooled(&[Part::Text(&command)], |r, spooled| {
        if let Response::Fetch(_, attrs) = r {
            let this_uid = attrs
                .iter()
                .any(|a| matches!(a, AttributeValue::Uid(u) if *u == uid));
            if this_uid {
                for a in attrs {
                    if let AttributeValue::BodySection { data: Some(d), .. } = a {
                        body = Some(spooled.bytes(d).map(std::borrow::Cow::into_owned));
                    }
                }
                return true;
            }
        }
        false
    })
    .await?;
    body.transpose()?.ok_or_else(|| ImapError::No {
        command: format!("UID FETCH {uid}"),
        words: "the message is no longer on the server".into(),
    })
}
