//! Runs that find nothing say so: inputs of no boot, selections that keep none, and inputs that
//! are no log at all, with the exact line on stderr and the exit code each command gives.

mod common;

use common::bootline;

#[test]
fn an_executable_is_refused_naming_what_it_is() {
    // The build's own binary: an ELF file, as every build on Linux is.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("bootline-copy");
    std::fs::copy(assert_cmd::cargo::cargo_bin("bootline"), &copy).unwrap();
    let path = copy.display().to_string();
    for command in ["timeline", "blame", "fit"] {
        let (code, stdout, stderr) = bootline(&[command, &path]);
        assert_eq!(code, 2, "{command}: {stderr}");
        assert_eq!(
            stderr,
            format!("bootline: {path}: an ELF executable or shared library, not a text log\n"),
            "{command}"
        );
        assert_eq!(stdout, "", "{command}");
    }
}
