//! Who may produce the next block and when a block is final.
//!
//! Authoring, import and finality are kept apart behind [`Consensus`], so that a
//! multi-validator BFT engine can replace the single development authority.

use bt_primitives::AccountId;
use bt_runtime::{BlockContext, Header};

/// A block-production and finality engine.
pub trait Consensus: Send {
    /// The context of the next block to build on `parent` at `now_ms`, if this node is
    /// to author it.
    fn propose(&mut self, parent: &Header, now_ms: u64) -> Option<BlockContext>;
    /// Whether a block with this header may be imported.
    fn verify(&self, parent: &Header, header: &Header) -> bool;
    /// Whether an imported block is final.
    fn is_final(&self, header: &Header) -> bool;
}

/// The development engine: one author produces every block, final at once.
pub struct DevAuthority {
    author: AccountId,
}

impl DevAuthority {
    /// An authority that authors every block as `author`.
    pub fn new(author: AccountId) -> Self {
        DevAuthority { author }
    }
}

impl Consensus for DevAuthority {
    fn propose(&mut self, parent: &Header, now_ms: u64) -> Option<BlockContext> {
        Some(BlockContext {
            number: parent.number + 1,
            timestamp_ms: now_ms.max(parent.timestamp_ms + 1),
            author: self.author,
        })
    }

    fn verify(&self, parent: &Header, header: &Header) -> bool {
        header.author == self.author
            && header.number == parent.number + 1
            && header.parent_hash == parent.hash()
            && header.timestamp_ms > parent.timestamp_ms
    }

    fn is_final(&self, _header: &Header) -> bool {
        true
    }
}
