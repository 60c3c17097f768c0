//! Infinite-lattice closed forms (work in progress).
