//! Addresses to complete at To:/Cc: — every address seen in every cached folder of the
//! account, ranked by how often and how recently the user wrote to it (or heard from
//! it), and what an `address-book-command` (khard, abook, notmuch-address) answers.

use crate::cache::Cache;
use crate::compose::Identity;
use crate::mail::{sanitize, Address};
use std::collections::HashMap;

/// One known address.
#[derive(Debug, Clone, PartialEq)]
pub struct Known {
    pub email: String,
    pub name: Option<String>,
    /// Higher first: writing to someone counts more than hearing from them, and a
    /// recent message more than an old one.
    pub score: f64,
}

impl Known {
    /// As it goes into a To: line.
    pub fn line(&self) -> String {
        match &self.name {
            Some(n) if !n.trim().is_empty() => {
                format!("{} <{}>", sanitize(n.trim()), sanitize(&self.email))
            }
            _ => sanitize(&self.email),
        }
    }
}

/// Every address in the cache of the account, best first (the account's own left out).
pub fn from_cache(cache: &Cache, me: &Identity, now: i64) -> Vec<Known> {
    let mut seen: HashMap<String, Known> = HashMap::new();
    let mut add = |a: &Address, weight: f64, date: i64| {
        let email = a.email.trim();
        if email.is_empty() || !email.contains('@') || me.is_me(email) {
            return;
        }
        // A message a year old counts a third of one from today.
        let age_days = ((now - date).max(0) as f64) / 86_400.0;
        let score = weight / (1.0 + age_days / 180.0);
        let e = seen.entry(email.to_lowercase()).or_insert_with(|| Known {
            email: email.to_string(),
            name: None,
            score: 0.0,
        });
        e.score += score;
        if e.name.is_none() {
            e.name = a.name.clone().filter(|n| !n.trim().is_empty());
        }
    };
    let folders = cache.folders().unwrap_or_default();
    for (folder, _) in folders {
        let _ = cache.each_message(&folder, |m| {
            let date = m.sort_date();
            let mine = m.from.iter().any(|a| me.is_me(&a.email));
            if mine {
                // Written by the user: the people written to.
                for a in m.to.iter().chain(&m.cc) {
                    add(a, 3.0, date);
                }
            } else {
                for a in &m.from {
                    add(a, 1.0, date);
                }
                for a in m.to.iter().chain(&m.cc) {
                    add(a, 0.25, date);
                }
            }
        });
    }
    ranked(seen.into_values().collect())
}

/// Best first: the highest score, then by address.
fn ranked(mut list: Vec<Known>) -> Vec<Known> {
    list.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.email.cmp(&b.email))
    });
    list
}

/// One book of several (one per account): an address known to several adds up its
/// scores, and keeps the first name given.
pub fn merge(books: Vec<Vec<Known>>) -> Vec<Known> {
    let mut seen: HashMap<String, Known> = HashMap::new();
    for k in books.into_iter().flatten() {
        match seen.entry(k.email.to_lowercase()) {
            std::collections::hash_map::Entry::Occupied(mut e) => {
                let e = e.get_mut();
                e.score += k.score;
                if e.name.is_none() {
                    e.name = k.name;
                }
            }
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(k);
            }
        }
    }
    ranked(seen.into_values().collect())
}

/// The known addresses matching what was typed (in the address or the name), best first.
pub fn matching<'a>(book: &'a [Known], typed: &str) -> impl Iterator<Item = &'a Known> {
    let t = typed.trim().to_lowercase();
    book.iter().filter(move |k| {
        !t.is_empty()
            && (k.email.to_lowercase().contains(&t)
                || k.name
                    .as_deref()
                    .is_some_and(|n| n.to_lowercase().contains(&t)))
    })
}

/// The best `limit` addresses matching `text`, each an `address<TAB>name` line (the
/// format of mutt's query_command and aerc's address-book-cmd), sanitised.
pub fn answer_lines(book: &[Known], text: &str, limit: usize) -> Vec<String> {
    matching(book, text)
        .take(limit)
        .map(|k| {
            let name = k.name.as_deref().map(sanitize).unwrap_or_default();
            format!("{}\t{}", sanitize(&k.email), name.trim())
        })
        .collect()
}

/// Runs `address-book-command` with the typed text as its last argument (split on
/// spaces, no shell: the text never reaches one) and reads `address<TAB>name` lines;
/// lines that are not addresses (a header line, a blank) are skipped.
pub fn query_command(cmd: &str, typed: &str) -> Result<Vec<Known>, String> {
    let mut words = cmd.split_whitespace();
    let program = words.next().ok_or("address-book-command is empty")?;
    let out = std::process::Command::new(program)
        .args(words)
        .arg(typed)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("address-book-command could not run: {e}"))?;
    // abook and others exit 1 when nothing matches: only the output counts.
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text
        .lines()
        .filter_map(|l| {
            let mut fields = l.split('\t');
            let email = fields.next()?.trim();
            (email.contains('@') && !email.contains(' ')).then(|| Known {
                email: email.to_string(),
                name: fields
                    .next()
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(String::from),
                score: 0.0,
            })
        })
        .take(100)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::{Batch, FolderState};
    use crate::mail::MessageSummary;

    fn addr(name: &str, email: &str) -> Address {
        Address {
            name: Some(name.into()),
            email: email.into(),
        }
    }

    #[test]
    fn every_folder_counts_and_writing_to_someone_ranks_first() {
        let dir = tempfile::tempdir().unwrap();
        let (cache, _) = crate::cache::open(dir.path(), "a", 1 << 20).unwrap();
        let now = 1_800_000_000;
        let me = Identity {
            email: "me@example.org".into(),
            aliases: vec!["*@mine.example".into()],
            ..Identity::default()
        };
        let m = |uid: u32, from: Address, to: Vec<Address>, age_days: i64| MessageSummary {
            uid,
            from: vec![from],
            to,
            date: Some(now - age_days * 86_400),
            ..MessageSummary::default()
        };
        let put = |folder: &str, msgs: Vec<MessageSummary>| {
            let state = FolderState {
                uidvalidity: 1,
                uidnext: 10,
                highest_modseq: 1,
                complete: true,
                messages: msgs.len() as u64,
            };
            let batch = Batch {
                upserts: msgs,
                state: Some(state),
                ..Batch::default()
            };
            cache.apply(folder, 1, &batch).unwrap();
        };
        let newsletter = addr("News", "news@shop.example");
        put(
            "INBOX",
            vec![
                m(1, newsletter.clone(), vec![addr("Me", "me@example.org")], 1),
                m(2, newsletter.clone(), vec![addr("Me", "me@example.org")], 2),
                m(
                    3,
                    addr("Ann", "ann@x.org"),
                    vec![addr("Me", "sales@mine.example")],
                    400,
                ),
            ],
        );
        // Written to Bob twice, from Sent: he ranks first though the news came more.
        put(
            "Sent",
            vec![
                m(
                    1,
                    addr("Me", "me@example.org"),
                    vec![addr("Bob", "bob@y.org")],
                    3,
                ),
                m(
                    2,
                    addr("Me", "me@example.org"),
                    vec![addr("Bob", "bob@y.org")],
                    30,
                ),
            ],
        );
        let book = from_cache(&cache, &me, now);
        let emails: Vec<&str> = book.iter().map(|k| k.email.as_str()).collect();
        assert_eq!(emails, vec!["bob@y.org", "news@shop.example", "ann@x.org"]);
        let found: Vec<String> = matching(&book, "AN").map(Known::line).collect();
        assert_eq!(found, vec!["Ann <ann@x.org>"]);
    }

    #[test]
    fn a_command_answers_tab_separated_lines_and_junk_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("book.sh");
        std::fs::write(
            &script,
            "#!/bin/sh\necho 'Searching...'\nprintf 'zed@remote.example\\tZed Remote\\tfriend\\n'\nprintf \"arg=$1\\n\"\nprintf 'solo@x.org\\n'\n",
        )
        .unwrap();
        std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let hits = query_command(&format!("{} --query", script.display()), "z; rm -rf /").unwrap();
        let lines: Vec<String> = hits.iter().map(Known::line).collect();
        assert_eq!(lines, vec!["Zed Remote <zed@remote.example>", "solo@x.org"]);
        assert!(query_command("", "x").is_err());
    }

    #[test]
    fn books_of_several_accounts_add_up_and_keep_a_name() {
        let k = |email: &str, name: Option<&str>, score: f64| Known {
            email: email.into(),
            name: name.map(String::from),
            score,
        };
        let merged = merge(vec![
            vec![
                k("ann@x.example", None, 1.0),
                k("bob@x.example", Some("Bob"), 3.0),
            ],
            vec![k("Ann@X.example", Some("Ann"), 2.5)],
        ]);
        let got: Vec<(&str, Option<&str>, f64)> = merged
            .iter()
            .map(|k| (k.email.as_str(), k.name.as_deref(), k.score))
            .collect();
        assert_eq!(
            got,
            vec![
                ("ann@x.example", Some("Ann"), 3.5),
                ("bob@x.example", Some("Bob"), 3.0)
            ]
        );
    }

    #[test]
    fn answer_lines_are_address_tab_name_sanitised_best_first_and_limited() {
        let k = |email: &str, name: Option<&str>, score: f64| Known {
            email: email.into(),
            name: name.map(String::from),
            score,
        };
        let book = ranked(vec![
            k("carol@example.org", Some("Carol \u{1b}[2JDanvers"), 1.0),
            k("carl@example.org", None, 3.0),
            k("bob@example.org", Some("Bob"), 9.0),
        ]);
        assert_eq!(
            answer_lines(&book, "car", 5),
            vec!["carl@example.org\t", "carol@example.org\tCarol [2JDanvers"]
        );
        assert_eq!(answer_lines(&book, "car", 1), vec!["carl@example.org\t"]);
        assert!(answer_lines(&book, "", 5).is_empty());
    }
}
