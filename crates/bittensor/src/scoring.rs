//! A rule validators share when scoring answers: which of two identical answers is the
//! original and which the copy.

use bt_primitives::Uid;

/// Answers this close in time (seconds) count as simultaneous.
pub const SAME_TIME: f64 = 0.025;

/// When an answer arrived and who sent it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Origin {
    /// Seconds since the query went out.
    pub arrival: f64,
    /// Block at which the sender registered.
    pub registered: u64,
    /// The sender's uid.
    pub uid: Uid,
}

impl Origin {
    /// Whether this answer counts as the original against an identical `other`: the one
    /// that arrived first, or, when they arrived within [`SAME_TIME`] of each other (a
    /// copier on a fast network needs little more time than its source), the one
    /// registered first (then the lower uid).
    pub fn precedes(&self, other: &Origin) -> bool {
        if (self.arrival - other.arrival).abs() > SAME_TIME {
            self.arrival < other.arrival
        } else {
            (self.registered, self.uid) < (other.registered, other.uid)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_arrival_is_the_original_unless_they_came_together() {
        let origin = |arrival, registered, uid| Origin { arrival, registered, uid };
        assert!(origin(0.10, 9, 5).precedes(&origin(0.20, 1, 1)), "clearly first");
        assert!(!origin(0.20, 1, 1).precedes(&origin(0.10, 9, 5)));
        assert!(origin(0.11, 1, 5).precedes(&origin(0.10, 9, 1)), "together: registered first");
        assert!(origin(0.10, 3, 1).precedes(&origin(0.10, 3, 2)), "then the lower uid");
    }
}
