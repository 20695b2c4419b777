//! Where the integration tests find their data: `fixtures/` of this repository, nothing outside
//! it. A fixture that is missing fails the test that needs it; no test skips for want of data.

use std::path::{Path, PathBuf};

/// `fixtures/<rel>`, which must exist.
#[allow(dead_code)]
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

/// The repository's root, where the tests run the binary.
#[allow(dead_code)] // Not every test binary that includes this module runs the binary.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `bootline` with `args` from the repository's root; returns the exit code (-1 when a
/// signal ended it), stdout and stderr.
#[allow(dead_code)]
pub fn bootline(args: &[&str]) -> (i32, String, String) {
    let out = assert_cmd::Command::cargo_bin("bootline")
        .unwrap()
        .current_dir(root())
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}
