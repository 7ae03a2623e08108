//! Asking the index: the search language's words and terms made a tantivy query (never
//! tantivy's own query syntax: what a user types is only ever words), every hit listed
//! by date.

use super::{analyzer, open_index, Fields, IndexError, Payload};
use crate::cache::Cache;
use crate::imap::protocol::SearchTerm;
use crate::mail::{MessageSummary, Uid, UidValidity};
use std::collections::HashMap;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, RangeQuery, RegexQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, IndexReader, ReloadPolicy, Score, SegmentReader, Term};

/// One message the index found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Shared by the hits of one folder (a search may find a hundred thousand).
    pub folder: std::sync::Arc<str>,
    pub uidvalidity: UidValidity,
    pub uid: Uid,
    /// The date it sorts by (Unix seconds).
    pub date: i64,
    /// Its body's text was searched too.
    pub body_in: bool,
}

/// What a search found, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Searched {
    pub hits: Vec<Hit>,
    /// The index held every cached message when it was asked (false while it is
    /// being built: hits may be missing).
    pub complete: bool,
}

/// An account's index, opened for reading when it exists.
pub struct Reader {
    dir: PathBuf,
    open: Option<(tantivy::Index, Fields, IndexReader)>,
}

impl Reader {
    /// The index of the cache at `cache_path` (opened at the first search that finds it).
    pub fn new(cache_path: &Path) -> Reader {
        Reader {
            dir: super::index_dir(cache_path),
            open: None,
        }
    }

    fn ready(&mut self) -> Result<Option<&(tantivy::Index, Fields, IndexReader)>, IndexError> {
        if self.open.is_none() {
            if let Some((index, fields)) = open_index(&self.dir)? {
                let reader = index
                    .reader_builder()
                    .reload_policy(ReloadPolicy::Manual)
                    .try_into()
                    .map_err(|e| super::err(&self.dir, e))?;
                self.open = Some((index, fields, reader));
            }
        }
        let Some(open) = self.open.as_ref() else {
            return Ok(None);
        };
        // The indexer commits in another thread (or process): see its last commit.
        open.2.reload().map_err(|e| super::err(&self.dir, e))?;
        Ok(Some(open))
    }

    /// Opens the index now if it exists (the first search then pays nothing for it).
    pub fn warm(&mut self) {
        if let Err(e) = self.ready() {
            tracing::debug!(error = %e, "opening the search index");
        }
    }

    /// Messages matching every word (in any field) and every term, in `folder` or in
    /// all; `is:` and Message-ID terms are left to the caller.
    pub fn search(
        &mut self,
        words: &[String],
        terms: &[SearchTerm],
        folder: Option<&str>,
    ) -> Result<Searched, IndexError> {
        let Some((index, f, reader)) = self.ready()? else {
            return Ok(Searched::default());
        };
        let complete = Payload::read(index).is_some_and(|p| p.complete);
        let query = build(f, words, terms, folder);
        let hits = reader
            .searcher()
            .search(&*query, &AllHits)
            .map_err(|e| super::err(&self.dir, e))?;
        let mut hits = hits;
        hits.sort_unstable_by_key(|h| std::cmp::Reverse((h.date, h.uid)));
        Ok(Searched { hits, complete })
    }

    /// How many messages of `folder` (UIDVALIDITY `uidv`) have their body's text in
    /// the index (counted, nothing listed: cheap on a big folder).
    pub fn bodies_in_count(&mut self, folder: &str, uidv: UidValidity) -> Result<u64, IndexError> {
        let Some((_, f, reader)) = self.ready()? else {
            return Ok(0);
        };
        let q = bodies_query(f, folder, uidv);
        let n = reader
            .searcher()
            .search(&q, &tantivy::collector::Count)
            .map_err(|e| super::err(&self.dir, e))?;
        Ok(n as u64)
    }

    /// The UIDs of `folder` (UIDVALIDITY `uidv`) whose body's text the index holds.
    pub fn bodies_in(
        &mut self,
        folder: &str,
        uidv: UidValidity,
    ) -> Result<std::collections::HashSet<Uid>, IndexError> {
        let Some((_, f, reader)) = self.ready()? else {
            return Ok(Default::default());
        };
        let q = bodies_query(f, folder, uidv);
        let hits = reader
            .searcher()
            .search(&q, &AllHits)
            .map_err(|e| super::err(&self.dir, e))?;
        Ok(hits.into_iter().map(|h| h.uid).collect())
    }
}

/// The messages of a folder and UIDVALIDITY whose body's text is in.
fn bodies_query(f: &Fields, folder: &str, uidv: UidValidity) -> BooleanQuery {
    let one = |field: Field, v: u64| -> Box<dyn Query> {
        Box::new(RangeQuery::new(
            Bound::Included(Term::from_field_u64(field, v)),
            Bound::Included(Term::from_field_u64(field, v)),
        ))
    };
    BooleanQuery::intersection(vec![
        Box::new(TermQuery::new(
            Term::from_field_text(f.folder, folder),
            IndexRecordOption::Basic,
        )),
        one(f.uidv, u64::from(uidv)),
        one(f.body_in, 1),
    ])
}

/// What a search found, read from the cache: (folder, headers), newest first, each
/// of its folder's UIDVALIDITY now; `is:` terms checked on the cached flags. And
/// whether the index was complete.
pub fn messages(
    cache: &Cache,
    reader: &mut Reader,
    words: &[String],
    terms: &[SearchTerm],
    folder: Option<&str>,
) -> Result<(Vec<(String, MessageSummary)>, bool), IndexError> {
    let searched = reader.search(words, terms, folder)?;
    let mut uidvs: HashMap<String, Option<UidValidity>> = HashMap::new();
    let mut out = Vec::new();
    for h in searched.hits {
        let now = match uidvs.get(&*h.folder) {
            Some(v) => *v,
            None => {
                let v = cache.folder_state(&h.folder)?.map(|s| s.uidvalidity);
                uidvs.insert(h.folder.to_string(), v);
                v
            }
        };
        if now != Some(h.uidvalidity) {
            continue;
        }
        let Some(m) = cache.get(&h.folder, h.uidvalidity, h.uid)? else {
            continue;
        };
        if SearchTerm::flags_match(terms, &m.flags) {
            out.push((h.folder.to_string(), m));
        }
    }
    Ok((out, searched.complete))
}

/// A value's tokens as the index holds them.
fn tokens(text: &str) -> Vec<String> {
    let mut a = analyzer();
    let mut stream = a.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// Every token of `text` begins a word of one of `fields`. None when `text` has no
/// token (punctuation only): such a condition asks nothing.
fn words_in(fields: &[Field], text: &str) -> Option<Box<dyn Query>> {
    let toks = tokens(text);
    if toks.is_empty() {
        return None;
    }
    let each: Vec<Box<dyn Query>> = toks
        .iter()
        .map(|t| {
            let any: Vec<Box<dyn Query>> = fields
                .iter()
                .filter_map(|&field| {
                    // Tokens are letters and digits only: nothing in one is a regex's.
                    RegexQuery::from_pattern(&format!("{t}.*"), field)
                        .ok()
                        .map(|q| Box::new(q) as Box<dyn Query>)
                })
                .collect();
            Box::new(BooleanQuery::union(any)) as Box<dyn Query>
        })
        .collect();
    Some(Box::new(BooleanQuery::intersection(each)))
}

fn day_start(d: chrono::NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp())
}

fn build(
    f: &Fields,
    words: &[String],
    terms: &[SearchTerm],
    folder: Option<&str>,
) -> Box<dyn Query> {
    let mut all: Vec<Box<dyn Query>> = Vec::new();
    let any = f.words();
    for w in words {
        all.extend(words_in(&any, w));
    }
    for t in terms {
        let q = match t {
            SearchTerm::From(v) => words_in(&[f.from], v),
            SearchTerm::To(v) => words_in(&[f.to], v),
            SearchTerm::Subject(v) => words_in(&[f.subject], v),
            SearchTerm::Body(v) => words_in(&[f.body, f.attachments], v),
            SearchTerm::Text(v) => words_in(&any, v),
            SearchTerm::SubjectOrFrom(v) => words_in(&[f.subject, f.from], v),
            SearchTerm::Since(d) => Some(Box::new(RangeQuery::new(
                Bound::Included(Term::from_field_i64(f.date, day_start(*d))),
                Bound::Unbounded,
            )) as Box<dyn Query>),
            SearchTerm::Before(d) => Some(Box::new(RangeQuery::new(
                Bound::Unbounded,
                Bound::Excluded(Term::from_field_i64(f.date, day_start(*d))),
            )) as Box<dyn Query>),
            SearchTerm::Unseen
            | SearchTerm::Flagged
            | SearchTerm::MessageId(_)
            | SearchTerm::Uids(_)
            | SearchTerm::NotUids(_) => None,
        };
        all.extend(q);
    }
    if let Some(folder) = folder {
        all.push(Box::new(TermQuery::new(
            Term::from_field_text(f.folder, folder),
            IndexRecordOption::Basic,
        )));
    }
    if all.is_empty() {
        return Box::new(AllQuery);
    }
    Box::new(BooleanQuery::new(
        all.into_iter().map(|q| (Occur::Must, q)).collect(),
    ))
}

/// Collects every hit with what names it, read from the fast fields.
struct AllHits;

struct SegmentHits {
    folder: Option<tantivy::columnar::StrColumn>,
    uidv: tantivy::columnar::Column<u64>,
    uid: tantivy::columnar::Column<u64>,
    date: tantivy::columnar::Column<i64>,
    body_in: tantivy::columnar::Column<u64>,
    /// Folder names by their number in this segment.
    names: HashMap<u64, std::sync::Arc<str>>,
    hits: Vec<Hit>,
}

impl Collector for AllHits {
    type Fruit = Vec<Hit>;
    type Child = SegmentHits;

    fn for_segment(&self, _: u32, segment: &SegmentReader) -> tantivy::Result<SegmentHits> {
        let ff = segment.fast_fields();
        Ok(SegmentHits {
            folder: ff.str("folder")?,
            uidv: ff.u64("uidv")?,
            uid: ff.u64("uid")?,
            date: ff.i64("date")?,
            body_in: ff.u64("body_in")?,
            names: HashMap::new(),
            hits: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, parts: Vec<Vec<Hit>>) -> tantivy::Result<Vec<Hit>> {
        Ok(parts.into_iter().flatten().collect())
    }
}

impl SegmentCollector for SegmentHits {
    type Fruit = Vec<Hit>;

    fn collect(&mut self, doc: DocId, _: Score) {
        let Some(col) = self.folder.as_ref() else {
            return;
        };
        let Some(ord) = col.term_ords(doc).next() else {
            return;
        };
        let folder = match self.names.get(&ord) {
            Some(n) => n.clone(),
            None => {
                let mut s = String::new();
                if !matches!(col.ord_to_str(ord, &mut s), Ok(true)) {
                    return;
                }
                let name: std::sync::Arc<str> = s.into();
                self.names.insert(ord, name.clone());
                name
            }
        };
        let (Some(uidv), Some(uid)) = (self.uidv.first(doc), self.uid.first(doc)) else {
            return;
        };
        let (Ok(uidvalidity), Ok(uid)) = (u32::try_from(uidv), u32::try_from(uid)) else {
            return;
        };
        self.hits.push(Hit {
            folder,
            uidvalidity,
            uid,
            date: self.date.first(doc).unwrap_or(0),
            body_in: self.body_in.first(doc) == Some(1),
        });
    }

    fn harvest(self) -> Vec<Hit> {
        self.hits
    }
}
