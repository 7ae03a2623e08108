//! The search language of `/` and `:search`: bare words match subject and sender from
//! the cache; `from:` `to:` `subject:` `body:` `since:` `before:` `is:unread`
//! `is:flagged` go to the server. Quotes group words: `subject:"team lunch"`.

use tern_core::imap::protocol::SearchTerm;

/// A parsed query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// Bare words, lower-cased.
    pub words: Vec<String>,
    /// Terms for the server.
    pub terms: Vec<SearchTerm>,
}

/// Splits on spaces, keeping quoted parts together (quotes removed).
pub fn split_words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in s.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(cur);
    }
    out
}

fn date(key: &str, v: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .map_err(|_| format!("{key}: wants a date like 2026-01-31, not {v:?}"))
}

/// Parses a query; an error says in plain words what is wrong.
pub fn parse(query: &str) -> Result<Query, String> {
    let mut q = Query::default();
    for word in split_words(query) {
        let Some((key, value)) = word.split_once(':') else {
            q.words.push(word.to_lowercase());
            continue;
        };
        let v = value.to_string();
        let needs_value = |t: SearchTerm| {
            if v.is_empty() {
                Err(format!("{key}: wants something after the colon"))
            } else {
                Ok(t)
            }
        };
        let term = match key.to_lowercase().as_str() {
            "from" => needs_value(SearchTerm::From(v.clone()))?,
            "to" => needs_value(SearchTerm::To(v.clone()))?,
            "subject" => needs_value(SearchTerm::Subject(v.clone()))?,
            "body" => needs_value(SearchTerm::Body(v.clone()))?,
            "text" => needs_value(SearchTerm::Text(v.clone()))?,
            "since" => SearchTerm::Since(date(key, value)?),
            "before" => SearchTerm::Before(date(key, value)?),
            "is" => match value.to_lowercase().as_str() {
                "unread" => SearchTerm::Unseen,
                "flagged" => SearchTerm::Flagged,
                other => return Err(format!("is:{other}: tern knows is:unread and is:flagged")),
            },
            // Not a key tern knows (a time like 10:30, a URL): an ordinary word.
            _ => {
                q.words.push(word.to_lowercase());
                continue;
            }
        };
        q.terms.push(term);
    }
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_server_terms() {
        let q = parse("Report from:bob subject:\"team lunch\" since:2026-01-01 is:unread 10:30")
            .unwrap();
        assert_eq!(q.words, vec!["report", "10:30"]);
        assert_eq!(
            q.terms,
            vec![
                SearchTerm::From("bob".into()),
                SearchTerm::Subject("team lunch".into()),
                SearchTerm::Since(chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()),
                SearchTerm::Unseen,
            ]
        );
        assert!(parse("since:yesterday").unwrap_err().contains("2026-01-31"));
        assert!(parse("is:big").is_err());
        assert!(parse("from:").is_err());
    }
}
