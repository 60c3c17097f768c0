//! Transfer-matrix magnetization moments (work in progress).
