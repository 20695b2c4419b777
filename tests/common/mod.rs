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

/// Runs `bootline` with `args` from the repository's root as [`bootline`] does, and also
/// returns its peak resident memory in bytes: the child's own, from `wait4` on its pid (not
/// the test's, nor another test's running beside it).
// The child is reaped by `wait4`, which the lint does not know.
#[allow(dead_code, clippy::zombie_processes)]
pub fn bootline_measured(args: &[&str]) -> (i32, String, String, u64) {
    use std::io::Read;
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("bootline"))
        .current_dir(root())
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let reading_stderr = std::thread::spawn(move || {
        let mut text = String::new();
        stderr.read_to_string(&mut text).unwrap();
        text
    });
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    let stderr = reading_stderr.join().unwrap();
    let mut status = 0;
    // SAFETY: an all-zero rusage is valid; wait4 fills it for our own child's pid.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    // SAFETY: valid pointers to locals; the child is not waited for elsewhere.
    let got = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(got, pid);
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    (code, stdout, stderr, usage.ru_maxrss as u64 * 1024)
}
