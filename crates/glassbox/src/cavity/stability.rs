//! Stability of BP fixed points (placeholder, filled in the next step).
