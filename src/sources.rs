//! Which files one invocation reads.
//!
//! Folders are walked with `walkdir` (sorted by name; it notices a symlink that leads back to
//! a folder being walked). Only regular files are taken from a walk: a FIFO would block the
//! run, a device never ends, so they and unreadable subfolders are passed over and named. A
//! file named on the command line is read whatever it is (`<(zcat x)` is a FIFO).
//!
//! Nothing is counted twice: the same file reached twice — named twice, a folder and a file
//! inside it, `fleet` and `fleet/`, a symlink or hard link to it — is one source (same device
//! and inode, or the same canonical path where there are no inodes). Copies under other names
//! are found by content: only files of equal size can be copies, so only they are marked to
//! have a digest of their bytes computed while they are read ([`crate::input::ContentHash`]),
//! and [`repeats`] picks the later copies out.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::error::{Error, Result};

/// One file to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Source {
    /// The path as given or as found by the walk; `-` for standard input.
    pub(crate) path: PathBuf,
    /// Named on the command line (not found by walking a folder).
    pub(crate) named: bool,
    /// Size in bytes, for regular files.
    pub(crate) size: Option<u64>,
    /// Another source has the same size: compare contents (hash while reading).
    pub(crate) compare_content: bool,
}

/// Why a path met on a walk is not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SkipReason {
    /// Not a regular file: `a FIFO`, `a socket`, `a character device`, `a block device`.
    Special(&'static str),
    /// A symlink leading back to a folder being walked.
    Loop(PathBuf),
    /// It could not be listed or inspected.
    Unreadable(String),
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::Special(kind) => write!(f, "{kind}, not a regular file"),
            SkipReason::Loop(to) => write!(f, "a symlink loop back to {}", to.display()),
            SkipReason::Unreadable(why) => write!(f, "cannot be read ({why})"),
        }
    }
}

/// A path met on a walk and not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Skipped {
    /// Where.
    pub(crate) path: PathBuf,
    /// Why.
    pub(crate) reason: SkipReason,
}

/// The sources of one invocation and what was left out.
#[derive(Debug, Default)]
pub(crate) struct SourceSet {
    /// Files to read, in the order given (folders sorted), each once.
    pub(crate) sources: Vec<Source>,
    /// Paths met on walks and not read.
    pub(crate) skipped: Vec<Skipped>,
    /// Paths that reached a file already listed, and so were dropped.
    pub(crate) repeated: Vec<PathBuf>,
}

/// What makes two paths one file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Identity {
    /// Device and inode.
    #[cfg(unix)]
    Inode(u64, u64),
    /// The canonical path, where there are no inodes.
    #[cfg_attr(unix, allow(dead_code))]
    Path(PathBuf),
}

fn identity(path: &Path, meta: &std::fs::Metadata) -> Identity {
    #[cfg(unix)]
    {
        let _ = path;
        use std::os::unix::fs::MetadataExt;
        Identity::Inode(meta.dev(), meta.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        Identity::Path(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()))
    }
}

/// What a file type is, when it is not a regular file or a folder.
fn special_kind(ft: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO";
        }
        if ft.is_socket() {
            return "a socket";
        }
        if ft.is_char_device() {
            return "a character device";
        }
        if ft.is_block_device() {
            return "a block device";
        }
    }
    let _ = ft;
    "a special file"
}

/// Whether a name met on a walk is not a log: hidden entries and documentation.
fn is_ignored(name: &std::ffi::OsStr) -> bool {
    name.to_str()
        .is_some_and(|n| n.starts_with('.') || n.starts_with("README") || n.ends_with(".md"))
}

/// Expands the paths of the command line into sources. `-` (standard input) may be given
/// once; a named path that does not exist, or a named folder that cannot be listed, is an
/// error naming it.
pub(crate) fn expand(paths: &[PathBuf]) -> Result<SourceSet> {
    let mut set = SourceSet::default();
    let mut seen: HashSet<Identity> = HashSet::new();
    let mut stdin = false;
    for p in paths {
        if p.as_os_str() == "-" {
            if stdin {
                return Err(Error::Invalid(
                    "`-` (standard input) may be given only once".into(),
                ));
            }
            stdin = true;
            set.sources.push(Source {
                path: p.clone(),
                named: true,
                size: None,
                compare_content: false,
            });
            continue;
        }
        let meta = std::fs::metadata(p).map_err(|cause| Error::Io {
            path: p.display().to_string(),
            cause,
        })?;
        if meta.is_dir() {
            walk(p, &mut set, &mut seen)?;
        } else {
            add(&mut set, &mut seen, p.clone(), true, &meta);
        }
    }
    mark_equal_sizes(&mut set.sources);
    Ok(set)
}

fn add(
    set: &mut SourceSet,
    seen: &mut HashSet<Identity>,
    path: PathBuf,
    named: bool,
    meta: &std::fs::Metadata,
) {
    if !seen.insert(identity(&path, meta)) {
        set.repeated.push(path);
        return;
    }
    set.sources.push(Source {
        path,
        named,
        size: meta.is_file().then_some(meta.len()),
        compare_content: false,
    });
}

fn walk(root: &Path, set: &mut SourceSet, seen: &mut HashSet<Identity>) -> Result<()> {
    let walker = WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_ignored(e.file_name()));
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) if e.depth() == 0 => {
                return Err(Error::Io {
                    path: root.display().to_string(),
                    cause: e
                        .into_io_error()
                        .unwrap_or_else(|| std::io::Error::other("cannot be walked")),
                })
            }
            Err(e) => {
                let path = e.path().unwrap_or(root).to_path_buf();
                let reason = match (e.loop_ancestor(), e.io_error()) {
                    (Some(a), _) => SkipReason::Loop(a.to_path_buf()),
                    (None, Some(io)) => SkipReason::Unreadable(io.to_string()),
                    (None, None) => SkipReason::Unreadable(e.to_string()),
                };
                set.skipped.push(Skipped { path, reason });
                continue;
            }
        };
        let ft = entry.file_type();
        if ft.is_dir() {
            continue;
        }
        if !ft.is_file() {
            set.skipped.push(Skipped {
                path: entry.into_path(),
                reason: SkipReason::Special(special_kind(ft)),
            });
            continue;
        }
        match entry.metadata() {
            Ok(meta) => add(set, seen, entry.into_path(), false, &meta),
            Err(e) => set.skipped.push(Skipped {
                path: entry.path().to_path_buf(),
                reason: SkipReason::Unreadable(e.to_string()),
            }),
        }
    }
    Ok(())
}

/// Marks the sources whose size another source shares: only they can be copies. Empty files
/// hold nothing to count twice. A stream (standard input, a pipe, a process substitution) has
/// no size until it is read: when there is one, every source's content is compared.
fn mark_equal_sizes(sources: &mut [Source]) {
    let mut by_size: BTreeMap<u64, usize> = BTreeMap::new();
    for s in sources.iter().filter_map(|s| s.size) {
        *by_size.entry(s).or_default() += 1;
    }
    let stream = sources.len() > 1 && sources.iter().any(|s| s.size.is_none());
    for s in sources.iter_mut() {
        s.compare_content = match s.size {
            None => stream,
            Some(n) => n > 0 && (stream || by_size[&n] > 1),
        };
    }
}

/// For each source, the index of an earlier source with the same content, given each
/// source's size and content hash (`None` where none was computed or the read did not reach
/// the end).
pub(crate) fn repeats(keys: &[(Option<u64>, Option<u128>)]) -> Vec<Option<usize>> {
    let mut first: BTreeMap<(u64, u128), usize> = BTreeMap::new();
    keys.iter()
        .enumerate()
        .map(|(i, key)| match key {
            (Some(size), Some(hash)) => {
                let kept = *first.entry((*size, *hash)).or_insert(i);
                (kept != i).then_some(kept)
            }
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(set: &SourceSet, root: &Path) -> Vec<String> {
        set.sources
            .iter()
            .map(|s| {
                s.path
                    .strip_prefix(root)
                    .unwrap_or(&s.path)
                    .display()
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn a_file_reached_twice_is_one_source() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("fleet")).unwrap();
        std::fs::write(root.join("fleet/a.log"), "a\n").unwrap();
        std::fs::write(root.join("fleet/b.log"), "bb\n").unwrap();
        let fleet = root.join("fleet");
        let slash = PathBuf::from(format!("{}/", fleet.display()));
        let set = expand(&[fleet.clone(), slash, fleet.join("a.log")]).unwrap();
        assert_eq!(names(&set, root), ["fleet/a.log", "fleet/b.log"]);
        assert_eq!(set.repeated.len(), 3);
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(fleet.join("b.log"), root.join("link.log")).unwrap();
            std::fs::hard_link(fleet.join("a.log"), root.join("hard.log")).unwrap();
            let set = expand(&[fleet, root.join("link.log"), root.join("hard.log")]).unwrap();
            assert_eq!(set.sources.len(), 2);
            assert_eq!(set.repeated.len(), 2);
        }
    }

    #[test]
    fn stdin_may_be_given_once() {
        let one = expand(&["-".into()]).unwrap();
        assert_eq!(one.sources.len(), 1);
        let err = expand(&["-".into(), "-".into()]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`-` (standard input) may be given only once"
        );
    }

    #[test]
    fn only_equal_sizes_are_compared_and_later_copies_repeat_earlier_ones() {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in [
            ("a", "same\n"),
            ("b", "diff\n"),
            ("c", "longer\n"),
            ("d", ""),
        ] {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let set = expand(&[dir.path().to_path_buf()]).unwrap();
        let compare: Vec<bool> = set.sources.iter().map(|s| s.compare_content).collect();
        assert_eq!(compare, [true, true, false, false]);
        let keys = [
            (Some(5), Some(7)),
            (Some(5), Some(8)),
            (Some(5), Some(7)),
            (Some(6), Some(7)),
            (None, None),
        ];
        assert_eq!(repeats(&keys), [None, None, Some(0), None, None]);
    }

    #[cfg(unix)]
    #[test]
    fn walks_skip_loops_special_files_and_unreadable_folders_and_name_them() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("d/sub")).unwrap();
        std::fs::write(root.join("d/sub/x.log"), "x\n").unwrap();
        std::os::unix::fs::symlink(root.join("d"), root.join("d/sub/back")).unwrap();
        std::os::unix::fs::symlink("/dev/null", root.join("d/null")).unwrap();
        let fifo = root.join("d/pipe");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let set = expand(&[root.join("d")]).unwrap();
        assert_eq!(names(&set, root), ["d/sub/x.log"]);
        let skipped: Vec<String> = set
            .skipped
            .iter()
            .map(|s| {
                format!(
                    "{}: {}",
                    s.path.strip_prefix(root).unwrap().display(),
                    s.reason
                )
            })
            .collect();
        assert_eq!(
            skipped,
            [
                "d/null: a character device, not a regular file".to_string(),
                "d/pipe: a FIFO, not a regular file".to_string(),
                format!(
                    "d/sub/back: a symlink loop back to {}",
                    root.join("d").display()
                ),
            ]
        );
    }
}
