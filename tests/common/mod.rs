//! Where the integration tests find their data: `fixtures/` of this repository, nothing outside
//! it. A fixture that is missing fails the test that needs it; no test skips for want of data.

use std::path::{Path, PathBuf};

/// `fixtures/<rel>`, which must exist.
pub fn fixture(rel: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel);
    assert!(
        path.exists(),
        "{} is missing: the tests read their data from the repository's fixtures/",
        path.display()
    );
    path
}
