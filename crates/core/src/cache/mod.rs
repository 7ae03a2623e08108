//! The on-disk cache: one redb file per account holding message headers, bodies and
//! per-folder sync state, keyed by (folder, UIDVALIDITY, UID). redb is ACID, so a kill at
//! any moment leaves the last committed state. A damaged file is set aside and rebuilt
//! from the server, one from another schema version rebuilt; either way the caller is told.

mod bodies;
mod open;
mod store;
mod todo;

pub use bodies::MissingBodies;
pub use open::{
    account_stem, open, open_with_memory, CacheNotice, CLIENT_MEMORY_BUDGET, MEMORY_BUDGET,
};
pub use store::{Batch, Cache, FolderState};
pub use todo::{IndexKey, IndexSignal, IndexTodo};

/// A cache failure, in words for the user.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("the cache {path} is in use by another tern process for this account; close it, or use another cache-dir")]
    InUse { path: String },
    #[error("cannot open the cache {path}: {reason}")]
    Open { path: String, reason: String },
    #[error("cache storage error: {0}")]
    Storage(String),
    #[error("a cached record could not be decoded: {0}")]
    Decode(String),
}

macro_rules! storage_from {
    ($($t:ty),*) => {$(
        impl From<$t> for CacheError {
            fn from(e: $t) -> Self {
                CacheError::Storage(e.to_string())
            }
        }
    )*};
}
storage_from!(
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

#[cfg(test)]
mod tests;
