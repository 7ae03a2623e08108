//! Opening the cache file safely: private permissions, schema check, damage recovery.

use super::store::{Cache, META, SCHEMA_VERSION};
use super::CacheError;
use redb::ReadableDatabase;
use std::fs::{DirBuilder, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Something the user should hear about the cache (it was rebuilt, and why).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheNotice(pub String);

/// Bytes redb may keep in memory; small, so a 100,000-message sync stays lean.
pub const MEMORY_BUDGET: usize = 4 << 20;
/// The interactive client's, per account: its reads of a whole folder pass each page
/// once (keeping them gains nothing), and it holds one cache an account.
pub const CLIENT_MEMORY_BUDGET: usize = 1 << 20;

/// An account's name as a file name: letters, digits, `-` and `_` kept, anything else
/// `_`; a name that had to be changed gets a hash of the original, so that `a.b` and
/// `a_b` never share a file.
pub fn account_stem(account: &str) -> String {
    let safe: String = account
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if safe == account {
        safe
    } else {
        format!("{safe}-{:016x}", fnv1a(account.as_bytes()))
    }
}

/// Opens (or creates) the cache of `account` under `dir`.
pub fn open(
    dir: &Path,
    account: &str,
    body_budget: u64,
) -> Result<(Cache, Option<CacheNotice>), CacheError> {
    open_with_memory(dir, account, body_budget, MEMORY_BUDGET)
}

/// `open`, with redb keeping at most `memory` bytes of pages.
pub fn open_with_memory(
    dir: &Path,
    account: &str,
    body_budget: u64,
    memory: usize,
) -> Result<(Cache, Option<CacheNotice>), CacheError> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| CacheError::Open {
            path: dir.display().to_string(),
            reason: e.to_string(),
        })?;
    let path = dir.join(format!("{}.redb", account_stem(account)));
    match try_open(&path, memory) {
        Ok(db) => match check_schema(&db) {
            Ok(true) => Ok((Cache::new(db, path, body_budget), None)),
            Ok(false) => {
                drop(db);
                let cache = rebuild(&path, body_budget, memory)?;
                Ok((
                    cache,
                    Some(CacheNotice(
                        "the cache was made by another version of tern; rebuilt it from the server"
                            .into(),
                    )),
                ))
            }
            Err(e) => {
                drop(db);
                set_aside_and_rebuild(&path, body_budget, &e.to_string(), memory)
            }
        },
        Err(CacheError::InUse { path }) => Err(CacheError::InUse { path }),
        Err(e) => set_aside_and_rebuild(&path, body_budget, &e.to_string(), memory),
    }
}

/// FNV-1a: a stable hash (the standard library's may change between releases).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn set_aside_and_rebuild(
    path: &Path,
    body_budget: u64,
    why: &str,
    memory: usize,
) -> Result<(Cache, Option<CacheNotice>), CacheError> {
    let aside = aside_name(path);
    std::fs::rename(path, &aside).map_err(|e| CacheError::Open {
        path: path.display().to_string(),
        reason: format!("it is damaged ({why}) and could not be moved aside: {e}"),
    })?;
    let cache = rebuild(path, body_budget, memory)?;
    Ok((
        cache,
        Some(CacheNotice(format!(
            "the cache file was damaged ({why}); kept it as {} and rebuilt the cache from the server",
            aside.display()
        ))),
    ))
}

fn aside_name(path: &Path) -> PathBuf {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    path.with_extension(format!("redb.damaged-{stamp}"))
}

fn rebuild(path: &Path, body_budget: u64, memory: usize) -> Result<Cache, CacheError> {
    if path.exists() {
        std::fs::remove_file(path).map_err(|e| CacheError::Open {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
    }
    let db = try_open(path, memory)?;
    let cache = Cache::new(db, path.to_path_buf(), body_budget);
    cache.write_schema()?;
    Ok(cache)
}

fn try_open(path: &Path, memory: usize) -> Result<redb::Database, CacheError> {
    let existed = path.exists();
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
        .map_err(|e| CacheError::Open {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
    let mut builder = redb::Builder::new();
    builder.set_cache_size(memory);
    let backend = redb::backends::FileBackend::new(file).map_err(|e| match e {
        redb::DatabaseError::DatabaseAlreadyOpen => CacheError::InUse {
            path: path.display().to_string(),
        },
        other => CacheError::Open {
            path: path.display().to_string(),
            reason: other.to_string(),
        },
    })?;
    let db = builder.create_with_backend(backend).map_err(|e| match e {
        redb::DatabaseError::DatabaseAlreadyOpen => CacheError::InUse {
            path: path.display().to_string(),
        },
        other => CacheError::Open {
            path: path.display().to_string(),
            reason: other.to_string(),
        },
    })?;
    if !existed {
        let cache = Cache::new(db, path.to_path_buf(), 0);
        cache.write_schema()?;
        return Ok(cache.into_db());
    }
    Ok(db)
}

/// Ok(true): current schema; Ok(false): another version; Err: unreadable.
fn check_schema(db: &redb::Database) -> Result<bool, CacheError> {
    let tx = db.begin_read()?;
    let table = match tx.open_table(META) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(false),
        Err(e) => return Err(e.into()),
    };
    let v = table.get("schema")?;
    Ok(v.map(|v| v.value() == &SCHEMA_VERSION.to_le_bytes()[..])
        .unwrap_or(false))
}
