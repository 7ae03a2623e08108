//! The local full-text index of an account: every cached message's headers, the text of
//! its cached body (HTML as text) and its attachments' names, in a tantivy index beside
//! the cache (`ACCOUNT.index/`). It is derived from the cache alone: the cache notes each
//! change in the same transaction as the change (`cache::IndexTodo`), one indexer thread
//! takes the notes in batches and commits them, and only then are they forgotten. A
//! crash leaves the last commit, and the notes to do again; an index that cannot be
//! opened, was left mid-build, or was built from another cache file is built again from
//! the cache. Flags are not indexed (they change often): `is:` terms are applied to the
//! cache's rows by the caller.

mod doc;
mod indexer;
mod search;
mod writer;

pub use indexer::{catch_up, Indexer};
pub use search::{messages, Hit, Reader, Searched};
pub use writer::serve_writer;

use std::path::{Path, PathBuf};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED, STRING,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer,
};

/// A failure of the index, in words.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("the search index {path}: {reason}")]
    Index { path: String, reason: String },
    #[error(transparent)]
    Cache(#[from] crate::cache::CacheError),
}

/// The version of the fields below: an index of another version is built again.
const VERSION: u32 = 1;
const TOKENIZER: &str = "tern";

/// The index's fields.
#[derive(Clone, Copy)]
pub(crate) struct Fields {
    /// "folder NUL uidvalidity NUL uid": one message, to replace or delete it.
    key: Field,
    folder: Field,
    uidv: Field,
    uid: Field,
    date: Field,
    /// 1 when the body's text is in.
    body_in: Field,
    from: Field,
    to: Field,
    subject: Field,
    body: Field,
    attachments: Field,
}

impl Fields {
    fn schema() -> (Schema, Fields) {
        let mut b = Schema::builder();
        // Documents only: no frequencies or positions (hits are listed by date, and a
        // word of several tokens needs them all, in any order): the smallest index.
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER)
                .set_index_option(IndexRecordOption::Basic),
        );
        let fields = Fields {
            key: b.add_text_field("key", STRING),
            folder: b.add_text_field("folder", STRING | FAST),
            uidv: b.add_u64_field("uidv", FAST),
            uid: b.add_u64_field("uid", FAST),
            date: b.add_i64_field("date", INDEXED | FAST),
            body_in: b.add_u64_field("body_in", FAST),
            from: b.add_text_field("from", text.clone()),
            to: b.add_text_field("to", text.clone()),
            subject: b.add_text_field("subject", text.clone()),
            body: b.add_text_field("body", text.clone()),
            attachments: b.add_text_field("attachments", text),
        };
        (b.build(), fields)
    }

    fn words(&self) -> [Field; 5] {
        [
            self.subject,
            self.from,
            self.to,
            self.body,
            self.attachments,
        ]
    }
}

/// Words as the index holds them: split on what is not a letter or digit, lower-cased,
/// accents folded ("Café" is found by "cafe"), over-long tokens (encoded blobs) dropped.
fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(48))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// Where the index of the cache at `cache_path` lives.
pub fn index_dir(cache_path: &Path) -> PathBuf {
    cache_path.with_extension("index")
}

fn err(path: &Path, e: impl std::fmt::Display) -> IndexError {
    IndexError::Index {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// What the index's last commit says of it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Payload {
    version: u32,
    /// The cache file it was built from.
    identity: u64,
    /// Every message of the cache was in at this commit (false while it is being built).
    complete: bool,
    /// While being built: the last message in, where the build goes on.
    after: Option<crate::cache::IndexKey>,
}

impl Payload {
    fn read(index: &tantivy::Index) -> Option<Payload> {
        let metas = index.load_metas().ok()?;
        serde_json::from_str(metas.payload.as_deref()?).ok()
    }
}

/// Opens the index in `dir` for reading (None: there is none yet).
fn open_index(dir: &Path) -> Result<Option<(tantivy::Index, Fields)>, IndexError> {
    if !dir.join("meta.json").exists() {
        return Ok(None);
    }
    let index = tantivy::Index::open_in_dir(dir).map_err(|e| err(dir, e))?;
    let (schema, fields) = Fields::schema();
    if index.schema() != schema {
        return Err(err(dir, "it was made by another version of tern"));
    }
    index.tokenizers().register(TOKENIZER, analyzer());
    Ok(Some((index, fields)))
}

#[cfg(test)]
mod tests;
