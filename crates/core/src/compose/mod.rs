//! Writing mail: drafts and their editor text, replies and forwards, building the MIME
//! message, the local draft store that outlives crashes, and sending.

pub mod build;
pub mod draft;
pub mod identity;
pub mod outbox;
pub mod reply;
pub mod send;
pub mod store;

pub use build::{build, Built};
pub use draft::Draft;
pub use identity::Identity;
pub use reply::ReplyKind;
