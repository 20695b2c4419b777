//! Shared timestamp grammars (nom).
