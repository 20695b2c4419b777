//! What the report was built from: every input file with its size and SHA-256, and one digest
//! over them all, so a reader can tell whether two reports saw the same logs.

use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::error::Error;

/// One input file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFile {
    /// The path as shown (relative where it lies under the working directory).
    pub path: String,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256 of the bytes as stored (before gunzip), lowercase hex.
    pub sha256: String,
}

/// Every input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inputs {
    /// Files in path order.
    pub files: Vec<InputFile>,
    /// Total bytes.
    pub bytes: u64,
    /// SHA-256 over the files' SHA-256 lines (hex, one per line, sorted): it depends on the
    /// contents only, not on the paths or the order they were given in.
    pub digest: String,
}

/// What stands for the digest of standard input.
pub const STDIN_DIGEST: &str = "standard input (not digested)";

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn hash_file(path: &Path) -> Result<(u64, String), Error> {
    let io = |cause| Error::Io {
        path: path.display().to_string(),
        cause,
    };
    let mut f = std::fs::File::open(path).map_err(io)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        total += n as u64;
        h.update(&buf[..n]);
    }
    Ok((total, hex(&h.finalize())))
}

/// Hashes every file in parallel; `shown` turns a path into the path the report shows.
pub fn digest(
    paths: &[PathBuf],
    shown: &(dyn Fn(&Path) -> String + Sync),
) -> Result<Inputs, Error> {
    let files = paths
        .par_iter()
        .map(|p| {
            // Standard input was consumed by the parsers and cannot be read again.
            if p.as_os_str() == "-" {
                return Ok(InputFile {
                    path: "-".into(),
                    bytes: 0,
                    sha256: STDIN_DIGEST.into(),
                });
            }
            let (bytes, sha256) = hash_file(p)?;
            Ok(InputFile {
                path: shown(p),
                bytes,
                sha256,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(of_files(files))
}

/// The digest of already hashed files.
pub fn of_files(files: Vec<InputFile>) -> Inputs {
    let mut lines: Vec<&str> = files.iter().map(|f| f.sha256.as_str()).collect();
    lines.sort_unstable();
    let mut h = Sha256::new();
    for l in lines {
        h.update(l.as_bytes());
        h.update(b"\n");
    }
    Inputs {
        bytes: files.iter().map(|f| f.bytes).sum(),
        files,
        digest: hex(&h.finalize()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_is_sha256_and_ignores_order_and_paths() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = dir.path().join("a.log");
        let b = dir.path().join("b.log");
        std::fs::write(&a, b"abc").expect("write");
        std::fs::write(&b, b"").expect("write");
        let name = |p: &Path| {
            p.file_name()
                .map_or(String::new(), |n| n.to_string_lossy().into())
        };
        let one = digest(&[a.clone(), b.clone()], &name).expect("digest");
        // FIPS 180-2 test vector for "abc".
        assert_eq!(
            one.files[0].sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(one.bytes, 3);
        let other = digest(&[b, a], &|_| "elsewhere".to_string()).expect("digest");
        assert_eq!(one.digest, other.digest);
        let changed = of_files(vec![one.files[0].clone()]);
        assert_ne!(one.digest, changed.digest);
    }
}
