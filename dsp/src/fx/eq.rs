//! The eq effect (being built; see `fx`'s module docs for the shared shape).
