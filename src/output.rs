//! Writing outputs whole or not at all, and never over an input.
//!
//! A report folder is built beside its destination (`.NAME.bootline-new-PID`, on the same
//! filesystem), every file synced, and then swapped in with one `renameat2(RENAME_EXCHANGE)`
//! (a plain rename when the destination does not exist yet); the old folder, now at the
//! staging path, is removed afterwards. At every instant, even after `kill -9`, the
//! destination holds one run's complete set. Where the exchange is not available (not Linux,
//! or a filesystem that answers `EINVAL`/`ENOSYS`/`EOPNOTSUPP`), the old folder is renamed
//! aside and the new one renamed in: the destination is then briefly absent, but still never
//! mixed.
//!
//! A single file (`chart -o FILE`) is written beside itself and renamed over the old one.
//!
//! A folder is replaced only when it holds nothing but the files bootline writes there:
//! anything else in it is refused, named, before any input is read ([`Folder::new`]).
//! Staging folders an interrupted run left behind (their process gone, their files all
//! bootline's) are removed by the next run into the same destination.

use std::fmt;
use std::fs::{self, File};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use thiserror::Error;

/// Why an output was not written. Every variant leaves the destination as it was.
#[derive(Debug, Error)]
pub(crate) enum OutputError {
    /// The destination is one of the run's inputs, holds one, or lies inside an input folder.
    #[error("{0}")]
    Input(Clash),
    /// The destination folder holds entries bootline did not write there.
    #[error(
        "--out {}: holds {} bootline did not write ({}): move {} or choose another folder; nothing was written",
        dir.display(),
        if foreign.len() == 1 { "an entry" } else { "entries" },
        crate::render::name_list(&foreign.iter().map(|p| p.display()).collect::<Vec<_>>()),
        if foreign.len() == 1 { "it" } else { "them" }
    )]
    Foreign {
        /// The destination.
        dir: PathBuf,
        /// Its entries that are not bootline's (sub-folders end in `/`).
        foreign: Vec<PathBuf>,
    },
    /// The destination exists and is not a folder.
    #[error("--out {}: not a folder; nothing was written", .0.display())]
    NotFolder(PathBuf),
    /// Building or swapping in the new output failed.
    #[error("{}: {what}: {cause}; {}", path.display(), kept.describe(dest))]
    Io {
        /// The path the failing operation was on.
        path: PathBuf,
        /// What was being done (`cannot write`, `cannot swap in the new folder`).
        what: &'static str,
        /// The destination.
        dest: PathBuf,
        /// Whether the destination existed before.
        kept: Kept,
        /// The underlying error.
        cause: io::Error,
    },
}

/// What the destination holds after a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kept {
    /// The old output, unchanged.
    Old,
    /// Nothing: there was no output before.
    Nothing,
}

impl Kept {
    fn describe(self, dest: &Path) -> String {
        match self {
            Kept::Old => format!("{} is unchanged", dest.display()),
            Kept::Nothing => format!("nothing was written to {}", dest.display()),
        }
    }
}

/// An output that would overwrite an input.
#[derive(Debug)]
pub(crate) enum Clash {
    /// The output file is an input.
    File(PathBuf),
    /// The output folder is an input or holds one.
    Holds {
        /// The destination folder.
        dir: PathBuf,
        /// The input in it.
        input: PathBuf,
    },
    /// The output folder lies inside an input folder: the next run would read it.
    Inside {
        /// The destination folder.
        dir: PathBuf,
        /// The input folder.
        input: PathBuf,
    },
}

impl fmt::Display for Clash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Clash::File(p) => write!(
                f,
                "{} is one of this run's inputs: refusing to write over it",
                p.display()
            ),
            Clash::Holds { dir, input } if dir == input => write!(
                f,
                "--out {} is one of this run's inputs: refusing to replace it",
                dir.display()
            ),
            Clash::Holds { dir, input } => write!(
                f,
                "--out {} holds {}, one of this run's inputs: refusing to replace it",
                dir.display(),
                input.display()
            ),
            Clash::Inside { dir, input } => write!(
                f,
                "--out {} lies inside {}, one of this run's inputs: refusing to write there (the next run would read it)",
                dir.display(),
                input.display()
            ),
        }
    }
}

/// Where a command writes.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target<'a> {
    /// Standard output: nothing to protect.
    Stdout,
    /// One file.
    File(&'a Path),
    /// A folder replaced as a whole.
    Folder(&'a Path),
}

/// Refuses a target that would overwrite one of `inputs` (files and folders as named or
/// found; `-` is passed over): a file target that is an input (the same file by device and
/// inode, so also through a link), a folder target that is an input or holds one, or a
/// folder target inside an input folder.
pub(crate) fn refuse_inputs(target: Target<'_>, inputs: &[&Path]) -> Result<(), OutputError> {
    let inputs = inputs.iter().filter(|p| p.as_os_str() != "-");
    match target {
        Target::Stdout => Ok(()),
        Target::File(path) => {
            let Ok(meta) = fs::metadata(path) else {
                // A file that does not exist is no input.
                return Ok(());
            };
            for input in inputs {
                if fs::metadata(input).is_ok_and(|m| same_file(path, &meta, input, &m)) {
                    return Err(OutputError::Input(Clash::File(path.to_path_buf())));
                }
            }
            Ok(())
        }
        Target::Folder(dir) => {
            let dest = absolute(dir);
            for input in inputs {
                let Ok(abs) = fs::canonicalize(input) else {
                    continue;
                };
                if abs.starts_with(&dest) {
                    let input = input.to_path_buf();
                    return Err(OutputError::Input(Clash::Holds {
                        dir: dir.to_path_buf(),
                        input,
                    }));
                }
                if abs.is_dir() && dest.starts_with(&abs) {
                    let input = input.to_path_buf();
                    return Err(OutputError::Input(Clash::Inside {
                        dir: dir.to_path_buf(),
                        input,
                    }));
                }
            }
            Ok(())
        }
    }
}

/// Whether two existing paths are one file.
fn same_file(a: &Path, am: &fs::Metadata, b: &Path, bm: &fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let _ = (a, b);
        am.dev() == bm.dev() && am.ino() == bm.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = (am, bm);
        fs::canonicalize(a)
            .ok()
            .is_some_and(|a| fs::canonicalize(b).ok() == Some(a))
    }
}

/// The path with symlinks resolved as far as it exists, the rest appended as given.
fn absolute(path: &Path) -> PathBuf {
    let mut missing = Vec::new();
    let mut at = path.to_path_buf();
    loop {
        if let Ok(abs) = fs::canonicalize(&at) {
            return missing.iter().rev().fold(abs, |p, c| p.join(c));
        }
        match (at.file_name(), at.parent()) {
            (Some(name), Some(parent)) => {
                missing.push(name.to_os_string());
                at = if parent.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    parent.to_path_buf()
                };
            }
            _ => return path.to_path_buf(),
        }
    }
}

/// A destination folder that holds nothing but bootline's files (or does not exist yet).
#[derive(Debug)]
pub(crate) struct Folder {
    /// As given: named in messages.
    shown: PathBuf,
    /// Where it is, symlinks resolved (a symlinked folder is replaced where it lies).
    dest: PathBuf,
    /// The names bootline writes there.
    ours: Vec<String>,
    /// Whether it exists.
    exists: bool,
}

impl Folder {
    /// Checks the destination: a folder (or nothing yet) holding only files named in `ours`.
    pub(crate) fn new(dir: &Path, ours: &[&str]) -> Result<Self, OutputError> {
        let ours: Vec<String> = ours.iter().map(|s| s.to_string()).collect();
        let exists = match fs::metadata(dir) {
            Ok(m) if m.is_dir() => true,
            Ok(_) => return Err(OutputError::NotFolder(dir.to_path_buf())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => false,
            Err(cause) => {
                return Err(OutputError::Io {
                    path: dir.to_path_buf(),
                    what: "cannot inspect",
                    dest: dir.to_path_buf(),
                    kept: Kept::Old,
                    cause,
                })
            }
        };
        let folder = Self {
            shown: dir.to_path_buf(),
            dest: absolute(dir),
            ours,
            exists,
        };
        if exists {
            let foreign = folder
                .foreign(&folder.dest)
                .map_err(|cause| folder.io(dir, "cannot list", cause))?;
            if !foreign.is_empty() {
                return Err(OutputError::Foreign {
                    dir: dir.to_path_buf(),
                    foreign,
                });
            }
        }
        Ok(folder)
    }

    /// The entries of `dir` that are not regular files named in `ours`, as paths under the
    /// destination as given, sorted.
    fn foreign(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        let mut foreign = Vec::new();
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name();
            let ft = entry.file_type()?;
            let ours = ft.is_file()
                && name
                    .to_str()
                    .is_some_and(|n| self.ours.iter().any(|o| o == n));
            if !ours {
                let mut shown = self.shown.join(&name).into_os_string();
                if ft.is_dir() {
                    shown.push("/");
                }
                foreign.push(PathBuf::from(shown));
            }
        }
        foreign.sort();
        Ok(foreign)
    }

    fn io(&self, path: &Path, what: &'static str, cause: io::Error) -> OutputError {
        OutputError::Io {
            path: path.to_path_buf(),
            what,
            dest: self.shown.clone(),
            kept: if self.exists {
                Kept::Old
            } else {
                Kept::Nothing
            },
            cause,
        }
    }

    /// A sibling of the destination: `.NAME.bootline-ROLE-PID`.
    fn sibling(&self, role: &str, pid: u32) -> PathBuf {
        let name = self.dest.file_name().unwrap_or_default().to_string_lossy();
        self.dest
            .with_file_name(format!(".{name}.bootline-{role}-{pid}"))
    }

    /// Creates the staging folder beside the destination (and the destination's parents),
    /// after removing what interrupted runs left there.
    pub(crate) fn stage(self) -> Result<Staged, OutputError> {
        let parent = self.dest.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(parent).map_err(|e| self.io(parent, "cannot create the folder", e))?;
        self.remove_leftovers(parent);
        let staging = self.sibling("new", std::process::id());
        // Only this process uses its own pid's name; a folder of that name is an earlier
        // process's of the same pid, long gone.
        let _ = fs::remove_dir_all(&staging);
        fs::create_dir(&staging).map_err(|e| self.io(&staging, "cannot create the folder", e))?;
        if let Ok(m) = fs::metadata(&self.dest) {
            // The new folder keeps the old one's permissions.
            let _ = fs::set_permissions(&staging, m.permissions());
        }
        Ok(Staged {
            folder: self,
            staging,
            published: false,
        })
    }

    /// Removes `.NAME.bootline-*-PID` siblings whose process is gone and which hold only
    /// bootline's files: what a killed run left behind.
    fn remove_leftovers(&self, parent: &Path) {
        let name = self.dest.file_name().unwrap_or_default().to_string_lossy();
        let prefix = format!(".{name}.bootline-");
        let Ok(entries) = fs::read_dir(parent) else {
            return;
        };
        for entry in entries.flatten() {
            let file_name = entry.file_name();
            let Some(rest) = file_name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
                continue;
            };
            let pid = rest
                .strip_prefix("new-")
                .or_else(|| rest.strip_prefix("old-"))
                .and_then(|p| p.parse::<u32>().ok());
            let Some(pid) = pid else { continue };
            let path = entry.path();
            if pid == std::process::id()
                || is_running(pid)
                || !entry.file_type().is_ok_and(|t| t.is_dir())
                || !self.foreign(&path).is_ok_and(|f| f.is_empty())
            {
                continue;
            }
            let _ = fs::remove_dir_all(&path);
        }
    }
}

/// Whether a process of this id exists (unknown is taken as yes: nothing is removed).
fn is_running(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return true;
        };
        // SAFETY: kill with signal 0 sends nothing; it only checks that the process exists.
        let r = unsafe { libc::kill(pid, 0) };
        r == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// A new output folder being built beside its destination; removed unless published.
#[derive(Debug)]
pub(crate) struct Staged {
    folder: Folder,
    staging: PathBuf,
    published: bool,
}

impl Staged {
    /// Writes one file of the new folder, synced to disk.
    pub(crate) fn write(&mut self, name: &str, bytes: &[u8]) -> Result<(), OutputError> {
        let path = self.staging.join(name);
        write_synced(&path, bytes).map_err(|e| {
            self.folder
                .io(&self.folder.shown.join(name), "cannot write", e)
        })
    }

    /// Swaps the new folder in for the old one in one step and removes the old one.
    pub(crate) fn publish(mut self) -> Result<(), OutputError> {
        let f = &self.folder;
        sync_dir(&self.staging).map_err(|e| f.io(&f.shown, "cannot write", e))?;
        if f.exists {
            swap(
                &self.staging,
                &f.dest,
                &f.sibling("old", std::process::id()),
            )
            .map_err(|e| f.io(&f.shown, "cannot swap in the new folder", e))?;
        } else {
            fs::rename(&self.staging, &f.dest)
                .map_err(|e| f.io(&f.shown, "cannot move the new folder in place", e))?;
            self.published = true;
        }
        if let Some(parent) = f.dest.parent() {
            // The rename itself is made durable; a failure here loses nothing written.
            let _ = sync_dir(parent);
        }
        // After the swap the staging path holds the old folder: removed now, or by the next
        // run when this fails.
        let _ = fs::remove_dir_all(&self.staging);
        self.published = true;
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.published {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// Puts `new` at `dest` and the old `dest` at `new`, in one step where the system can;
/// otherwise through `aside` (the old folder renamed away, the new one in, and back on
/// failure).
fn swap(new: &Path, dest: &Path, aside: &Path) -> io::Result<()> {
    match exchange(new, dest) {
        Ok(()) => Ok(()),
        Err(e) if !exchange_unsupported(&e) => Err(e),
        Err(_) => rename_aside(new, dest, aside),
    }
}

/// The swap without an exchange: `dest` renamed to `aside`, `new` to `dest` (and `aside`
/// back on failure), then `aside` to `new`. Not atomic: between the first two renames `dest`
/// does not exist, but it never holds a mix.
fn rename_aside(new: &Path, dest: &Path, aside: &Path) -> io::Result<()> {
    fs::rename(dest, aside)?;
    if let Err(e) = fs::rename(new, dest) {
        let _ = fs::rename(aside, dest);
        return Err(e);
    }
    fs::rename(aside, new)
}

/// `renameat2(a, b, RENAME_EXCHANGE)`.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let a = CString::new(a.as_os_str().as_bytes())?;
    let b = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both paths are NUL-terminated strings that outlive the call; the system call
    // (made directly, as older C libraries have no wrapper) only reads them.
    let r = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// No exchange outside Linux: the caller renames aside.
#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::ErrorKind::Unsupported.into())
}

/// Whether the exchange failed for want of support (kernel, filesystem), not for the paths.
fn exchange_unsupported(e: &io::Error) -> bool {
    if e.kind() == io::ErrorKind::Unsupported {
        return true;
    }
    #[cfg(unix)]
    {
        matches!(
            e.raw_os_error(),
            Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP)
        )
    }
    #[cfg(not(unix))]
    {
        false
    }
}

/// Creates `path` (which must not exist), writes `bytes` and syncs them to disk.
fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = File::create_new(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Syncs a folder's entries (a rename or a new file in it) to disk.
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Writes one file whole or not at all: beside it, synced, renamed over it. A path that
/// exists and is not a regular file (`/dev/null`, a FIFO) is written to directly.
pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let err = |p: &Path, kept, cause| OutputError::Io {
        path: p.to_path_buf(),
        what: "cannot write",
        dest: path.to_path_buf(),
        kept,
        cause,
    };
    let old = fs::metadata(path).ok();
    let kept = if old.is_some() {
        Kept::Old
    } else {
        Kept::Nothing
    };
    if old.as_ref().is_some_and(|m| !m.is_file()) {
        return fs::write(path, bytes).map_err(|e| err(path, kept, e));
    }
    // A symlink is followed: the file it names is replaced, the link kept.
    let dest = absolute(path);
    let name = dest.file_name().unwrap_or_default().to_string_lossy();
    let temp = dest.with_file_name(format!(".{name}.bootline-new-{}", std::process::id()));
    let _ = fs::remove_file(&temp);
    let written = write_synced(&temp, bytes)
        .and_then(|()| {
            if let Some(m) = &old {
                fs::set_permissions(&temp, m.permissions())?;
            }
            fs::rename(&temp, &dest)
        })
        .map_err(|e| err(path, kept, e));
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    if let Some(parent) = dest.parent() {
        let _ = sync_dir(parent);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    const OURS: [&str; 2] = ["report.md", "report.json"];

    fn run(dir: &Path, files: &[(&str, &str)]) -> Result<(), OutputError> {
        let mut staged = Folder::new(dir, &OURS)?.stage()?;
        for (name, text) in files {
            staged.write(name, text.as_bytes())?;
        }
        staged.publish()
    }

    fn listing(dir: &Path) -> Vec<(String, String)> {
        let mut v: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    fs::read_to_string(e.path()).unwrap_or_default(),
                )
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_folder_is_replaced_whole_and_nothing_is_left_beside_it() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        run(&dir, &[("report.md", "one"), ("report.json", "1")]).unwrap();
        run(&dir, &[("report.md", "two")]).unwrap();
        // The second run's set alone: its report.json gone with the old folder.
        assert_eq!(listing(&dir), [("report.md".into(), "two".into())]);
        assert_eq!(listing(tmp.path()), [("out".into(), String::new())]);
    }

    #[test]
    fn entries_bootline_did_not_write_are_refused_before_anything_changes() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        run(&dir, &[("report.md", "one")]).unwrap();
        fs::write(dir.join("notes.txt"), "mine").unwrap();
        fs::create_dir(dir.join("raw")).unwrap();
        let err = run(&dir, &[("report.md", "two")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "--out {d}: holds entries bootline did not write ({d}/notes.txt, {d}/raw/): move them or choose another folder; nothing was written",
                d = dir.display()
            )
        );
        assert_eq!(listing(&dir).len(), 3);
        assert_eq!(fs::read_to_string(dir.join("report.md")).unwrap(), "one");
    }

    #[test]
    fn a_failed_write_leaves_the_old_folder_and_says_so() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        run(&dir, &[("report.md", "one")]).unwrap();
        let mut staged = Folder::new(&dir, &OURS).unwrap().stage().unwrap();
        staged.write("report.md", b"two").unwrap();
        // The same name twice: the second create fails, as a full disk would.
        let err = staged.write("report.md", b"two").unwrap_err();
        assert!(
            err.to_string()
                .ends_with(&format!("; {} is unchanged", dir.display())),
            "{err}"
        );
        drop(staged);
        assert_eq!(listing(&dir), [("report.md".into(), "one".into())]);
        assert_eq!(
            listing(tmp.path()).len(),
            1,
            "the staging folder is removed"
        );
    }

    #[test]
    fn leftovers_of_a_killed_run_are_removed_but_not_a_running_ones_nor_foreign_ones() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        // No process has pid 0x7fff_fff0 (above the kernel's pid_max).
        let dead = tmp.path().join(".out.bootline-new-2147483632");
        fs::create_dir(&dead).unwrap();
        fs::write(dead.join("report.md"), "half").unwrap();
        let mine = tmp.path().join(".out.bootline-old-2147483633");
        fs::create_dir(&mine).unwrap();
        fs::write(mine.join("keep.txt"), "not bootline's").unwrap();
        // The test runner's parent is alive.
        let living = tmp.path().join(format!(
            ".out.bootline-new-{}",
            std::os::unix::process::parent_id()
        ));
        fs::create_dir(&living).unwrap();
        run(&dir, &[("report.md", "one")]).unwrap();
        assert!(!dead.exists());
        assert!(mine.join("keep.txt").exists());
        assert!(living.exists());
    }

    #[test]
    fn the_exchange_and_its_fallback_swap_two_folders() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        let aside = tmp.path().join("aside");
        fs::create_dir(&a).unwrap();
        fs::create_dir(&b).unwrap();
        fs::write(a.join("x"), "a").unwrap();
        fs::write(b.join("y"), "b").unwrap();
        swap(&a, &b, &aside).unwrap();
        assert!(b.join("x").exists() && a.join("y").exists());
        rename_aside(&a, &b, &aside).unwrap();
        assert!(a.join("x").exists() && b.join("y").exists() && !aside.exists());
    }

    #[test]
    fn outputs_over_inputs_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let fleet = tmp.path().join("fleet");
        fs::create_dir(&fleet).unwrap();
        let events = fleet.join("events.jsonl");
        fs::write(&events, "{}\n").unwrap();
        let link = tmp.path().join("link.jsonl");
        fs::hard_link(&events, &link).unwrap();
        let inputs = [fleet.as_path()];
        let file = refuse_inputs(Target::File(&link), &[events.as_path()]).unwrap_err();
        assert_eq!(
            file.to_string(),
            format!(
                "{} is one of this run's inputs: refusing to write over it",
                link.display()
            )
        );
        assert!(refuse_inputs(Target::Folder(&fleet), &inputs).is_err());
        assert!(refuse_inputs(Target::Folder(tmp.path()), &inputs).is_err());
        assert!(refuse_inputs(Target::Folder(&fleet.join("out/new")), &inputs).is_err());
        assert!(refuse_inputs(Target::Folder(&tmp.path().join("out")), &inputs).is_ok());
        assert!(refuse_inputs(Target::File(&tmp.path().join("x.svg")), &inputs).is_ok());
        assert!(refuse_inputs(Target::Stdout, &inputs).is_ok());
    }

    #[test]
    fn a_file_is_replaced_whole_keeping_its_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("chart.svg");
        fs::write(&path, "old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        write_file(&path, b"new").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
    }
}
