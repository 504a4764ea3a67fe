//! Output files that never leave a half-written file behind, and never replace what they should
//! not.
//!
//! [`OutputFile::create`] opens the place a file will be written:
//! - a regular file (or a name that does not exist yet) is written to a temporary file beside
//!   it, `.<name>.<random>.tmp`, which [`Replacement::commit`] renames over the target, so a
//!   reader sees the old file or the new one, never a part;
//! - a symbolic link is followed: its target is replaced, the link stays;
//! - anything else that exists and is not a directory (`/dev/null`, a character device, a FIFO)
//!   is opened and written directly: renaming over it would replace the device node with a
//!   regular file;
//! - a descriptor of this process (`/dev/stdout`, `/dev/fd/1`, `/proc/self/fd/1`) is written
//!   directly too, appending when it is a regular file, as a shell's `>` or `>>` redirection
//!   left it;
//! - a directory, or a path spelled with a trailing `/`, is an error.
//!
//! A new file gets mode `0666` less the umask (`0644` under umask 022), as `File::create`
//! would give it; a file replaced keeps its permissions. Creating the output is also the test
//! that its directory exists and can be written, so callers create outputs before any work and
//! write them at the end.

use std::fmt;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// Longest path shown whole in a message, in characters; a longer one keeps its start and its
/// end around `…`.
pub const MAX_PATH_CHARS: usize = 200;

/// A path for a message, cut when it is longer than [`MAX_PATH_CHARS`]: the first 100 and the
/// last 80 characters around `…`, so that a 100 KB argument does not fill the terminal and the
/// file name stays readable.
///
/// # Example
///
/// ```
/// use mlp_train::output_file::ShortPath;
/// use std::path::Path;
///
/// assert_eq!(ShortPath(Path::new("out/model.json")).to_string(), "out/model.json");
/// let long = format!("{}/model.json", "d".repeat(10_000));
/// let shown = ShortPath(Path::new(&long)).to_string();
/// assert!(shown.len() < 300 && shown.ends_with("d/model.json") && shown.contains('…'));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ShortPath<'a>(pub &'a Path);

impl fmt::Display for ShortPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0.to_string_lossy();
        let n_chars = text.chars().count();
        if n_chars <= MAX_PATH_CHARS {
            return f.write_str(&text);
        }
        let head: String = text.chars().take(100).collect();
        let tail: String = text.chars().skip(n_chars - 80).collect();
        write!(f, "{head}…{tail}")
    }
}

/// Why an output file could not be created or committed.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The path names a directory (or ends with `/`).
    #[error("{}: is a directory; give a file name", ShortPath(path))]
    IsDirectory {
        /// The path as given.
        path: PathBuf,
    },
    /// The directory the file would go in does not exist.
    #[error("{}: directory {} does not exist", ShortPath(path), ShortPath(dir))]
    NoDirectory {
        /// The path as given.
        path: PathBuf,
        /// Its directory.
        dir: PathBuf,
    },
    /// The OS refused to create, write or rename the file. The message ends with the OS's
    /// reason, so the cause is said once and is not also the
    /// [`source`](std::error::Error::source).
    #[error("{}: cannot write the file: {cause}", ShortPath(path))]
    Io {
        /// The path as given.
        path: PathBuf,
        /// The OS error.
        cause: io::Error,
    },
}

/// An output being written: a temporary file beside its target, or the target itself when it
/// is not a regular file. See the [module docs](self).
#[derive(Debug)]
pub struct OutputFile {
    file: File,
    replacement: Replacement,
}

/// What turns the written file into the target: a rename for a temporary file, nothing for a
/// file written directly. Dropped without [`Replacement::commit`], the temporary file is
/// removed and the target is untouched.
#[derive(Debug)]
#[must_use = "the output only replaces its target when committed"]
pub struct Replacement {
    /// The path as given, for messages.
    path: PathBuf,
    /// The temporary file and the resolved target it will be renamed to; `None` when the target
    /// is written directly.
    pending: Option<(tempfile::TempPath, PathBuf)>,
}

impl OutputFile {
    /// Opens the output for `path`; see the [module docs](self) for what each kind of path
    /// gets.
    ///
    /// # Errors
    ///
    /// [`OutputError::IsDirectory`], [`OutputError::NoDirectory`], or [`OutputError::Io`] when
    /// the file cannot be created (a read-only directory, a full disk, permissions).
    pub fn create(path: impl AsRef<Path>) -> Result<OutputFile, OutputError> {
        let path = path.as_ref();
        let io_error = |cause| OutputError::Io { path: path.to_owned(), cause };
        if ends_with_separator(path) {
            return Err(OutputError::IsDirectory { path: path.to_owned() });
        }
        let target = match locate(path).map_err(io_error)? {
            Target::Replace(target) => target,
            Target::Direct => {
                let metadata = std::fs::metadata(path).map_err(io_error)?;
                if metadata.is_dir() {
                    return Err(OutputError::IsDirectory { path: path.to_owned() });
                }
                // A regular file behind a descriptor was truncated (or not) by whoever opened
                // it: write after what it holds. Devices and FIFOs ignore the flag.
                let file = std::fs::OpenOptions::new()
                    .append(metadata.is_file())
                    .write(true)
                    .open(path)
                    .map_err(io_error)?;
                let replacement = Replacement { path: path.to_owned(), pending: None };
                return Ok(OutputFile { file, replacement });
            }
        };
        let existing = match std::fs::metadata(&target) {
            Ok(metadata) if metadata.is_dir() => {
                return Err(OutputError::IsDirectory { path: path.to_owned() })
            }
            Ok(metadata) => Some(metadata),
            Err(_) => None,
        };
        let dir = match target.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            return Err(OutputError::NoDirectory { path: path.to_owned(), dir });
        }
        let name = target.file_name().map(|name| name.to_string_lossy()).unwrap_or_default();
        // Short enough that the temporary name fits in the 255 bytes a name may have: at most
        // 64 bytes of it, cut at a character boundary (64 characters of emoji are 256 bytes).
        let mut cut = name.len().min(64);
        while !name.is_char_boundary(cut) {
            cut -= 1;
        }
        let name = &name[..cut];
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".tmp");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // The mode `open(2)` gets; the OS takes the umask off it, as for `File::create`.
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let (file, temp) = builder.tempfile_in(&dir).map_err(io_error)?.into_parts();
        if let Some(metadata) = existing {
            // A file replaced keeps its mode exactly, whatever the umask.
            file.set_permissions(metadata.permissions()).map_err(io_error)?;
        }
        let replacement = Replacement { path: path.to_owned(), pending: Some((temp, target)) };
        Ok(OutputFile { file, replacement })
    }

    /// The file to write to.
    pub fn file(&mut self) -> &mut File {
        &mut self.file
    }

    /// The file to write to and what commits it, apart: a log keeps writing to the file after
    /// its target has been replaced.
    pub fn into_parts(self) -> (File, Replacement) {
        (self.file, self.replacement)
    }

    /// Writes `bytes` as the whole file, syncs it to disk and commits it.
    ///
    /// # Errors
    ///
    /// [`OutputError::Io`] naming the path; the target is then untouched (unless it is written
    /// directly, as a device is).
    pub fn write_all_and_commit(mut self, bytes: &[u8]) -> Result<(), OutputError> {
        let path = self.replacement.path.clone();
        io::Write::write_all(&mut self.file, bytes)
            .and_then(|()| io::Write::flush(&mut self.file))
            .map_err(|cause| OutputError::Io { path, cause })?;
        let (file, replacement) = self.into_parts();
        replacement.commit_synced(&file)
    }
}

impl OutputError {
    /// The path as given.
    pub fn path(&self) -> &Path {
        match self {
            OutputError::IsDirectory { path }
            | OutputError::NoDirectory { path, .. }
            | OutputError::Io { path, .. } => path,
        }
    }
}

impl Replacement {
    /// The path as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Renames the temporary file over the target (nothing to do for a file written directly).
    /// Flush the writer first; use [`Replacement::commit_synced`] to also sync the data to
    /// disk before the rename.
    ///
    /// # Errors
    ///
    /// [`OutputError::Io`] when the rename fails.
    pub fn commit(self) -> Result<(), OutputError> {
        let Replacement { path, pending } = self;
        match pending {
            Some((temp, target)) => {
                temp.persist(&target).map_err(|err| OutputError::Io { path, cause: err.error })
            }
            None => Ok(()),
        }
    }

    /// Syncs `file` (the one this replacement came with) to disk, then [commits](Self::commit):
    /// after a crash the target holds the old bytes or all of the new ones.
    ///
    /// # Errors
    ///
    /// [`OutputError::Io`] when the sync or the rename fails.
    pub fn commit_synced(self, file: &File) -> Result<(), OutputError> {
        if self.pending.is_some() {
            file.sync_all().map_err(|cause| OutputError::Io { path: self.path.clone(), cause })?;
        }
        self.commit()
    }
}

/// True when `path` is spelled with a trailing separator (`out/`), which `Path` drops from its
/// components.
fn ends_with_separator(path: &Path) -> bool {
    let text = path.as_os_str().as_encoded_bytes();
    text.last().is_some_and(|&byte| byte == b'/' || (cfg!(windows) && byte == b'\\'))
}

/// The file that committing an output at `path` replaces: `path` with the symbolic links of
/// its last component followed (a dangling link names the file it would create); `None` when
/// the output is written directly (a device, a FIFO, a descriptor in `/proc`). What
/// [`OutputFile::create`] does, for callers that compare outputs before creating them.
pub fn replaced_path(path: &Path) -> io::Result<Option<PathBuf>> {
    Ok(match locate(path)? {
        Target::Replace(target) => Some(target),
        Target::Direct => None,
    })
}

/// Where an output goes.
enum Target {
    /// A regular file, or a name still to be created: written beside it and renamed over it.
    Replace(PathBuf),
    /// Anything else (a device, a FIFO, a socket, a descriptor of this process): opened and
    /// written as it is.
    Direct,
}

/// Follows the symbolic links of `path`'s last component (up to 40, as Linux allows) to the
/// file that will be replaced, so that a link's target is replaced and not the link; a
/// dangling link resolves to the file it names. A link in `/proc` (`/dev/stdout` leads to
/// `/proc/self/fd/1`) names an open descriptor, not a place in a directory: written directly.
fn locate(path: &Path) -> io::Result<Target> {
    let mut current = path.to_owned();
    for _ in 0..40 {
        let metadata = match std::fs::symlink_metadata(&current) {
            Ok(metadata) => metadata,
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                return Ok(Target::Replace(current))
            }
            Err(err) => return Err(err),
        };
        if metadata.is_file() {
            return Ok(Target::Replace(current));
        }
        if !metadata.file_type().is_symlink() {
            // A directory is reported by the caller; anything else is written directly.
            return Ok(if metadata.is_dir() { Target::Replace(current) } else { Target::Direct });
        }
        let parent = match current.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
            _ => PathBuf::from("."),
        };
        if parent.canonicalize().is_ok_and(|dir| dir.starts_with("/proc")) {
            return Ok(Target::Direct);
        }
        let link = std::fs::read_link(&current)?;
        current = if link.is_relative() { parent.join(link) } else { link };
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_committed_output_replaces_the_file_and_an_uncommitted_one_leaves_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.json");
        std::fs::write(&path, "old").unwrap();
        let mut output = OutputFile::create(&path).unwrap();
        io::Write::write_all(output.file(), b"new").unwrap();
        drop(output);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "the temporary file stays");
        OutputFile::create(&path).unwrap().write_all_and_commit(b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_link_is_followed_and_a_device_is_written_directly() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target.json");
        let link = dir.path().join("link.json");
        std::fs::write(&target, "old").unwrap();
        std::os::unix::fs::symlink("target.json", &link).unwrap();
        OutputFile::create(&link).unwrap().write_all_and_commit(b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");

        OutputFile::create("/dev/null").unwrap().write_all_and_commit(b"bytes").unwrap();
        assert!(!std::fs::metadata("/dev/null").unwrap().is_file());
    }

    #[cfg(unix)]
    #[test]
    fn a_new_file_gets_the_umask_mode_and_a_replaced_one_keeps_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("new.csv");
        OutputFile::create(&new).unwrap().write_all_and_commit(b"x").unwrap();
        let created = std::fs::metadata(&new).unwrap().permissions().mode() & 0o777;
        // What File::create gives under the same umask.
        let reference = dir.path().join("reference");
        File::create(&reference).unwrap();
        let expected = std::fs::metadata(&reference).unwrap().permissions().mode() & 0o777;
        // Not tempfile's own 0600 (unless the umask is 077).
        assert_eq!(created, expected);

        std::fs::set_permissions(&new, std::fs::Permissions::from_mode(0o640)).unwrap();
        OutputFile::create(&new).unwrap().write_all_and_commit(b"y").unwrap();
        assert_eq!(std::fs::metadata(&new).unwrap().permissions().mode() & 0o777, 0o640);
    }

    #[cfg(unix)]
    #[test]
    fn a_descriptor_of_this_process_is_appended_to_not_renamed_over() {
        use std::os::fd::AsRawFd;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("redirected.csv");
        std::fs::write(&path, "old\n").unwrap();
        let open = File::open(&path).unwrap();
        let link = format!("/proc/self/fd/{}", open.as_raw_fd());
        OutputFile::create(&link).unwrap().write_all_and_commit(b"new\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old\nnew\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file");
        // Still the file the descriptor holds: not replaced by a rename.
        let same = same_inode(&std::fs::metadata(&path).unwrap(), &open.metadata().unwrap());
        assert!(same, "the file was replaced");
    }

    #[cfg(unix)]
    fn same_inode(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
        use std::os::unix::fs::MetadataExt;
        (a.dev(), a.ino()) == (b.dev(), b.ino())
    }

    #[test]
    fn a_name_of_255_bytes_gets_a_temporary_file_that_fits() {
        let dir = tempfile::tempdir().unwrap();
        // 255 one-byte characters, and 63 four-byte ones (252 bytes): the cut counts bytes.
        for name in ["n".repeat(255), "😀".repeat(63)] {
            let path = dir.path().join(name);
            OutputFile::create(&path).unwrap().write_all_and_commit(b"x").unwrap();
            assert_eq!(std::fs::read(&path).unwrap(), b"x");
        }
    }

    #[test]
    fn long_paths_are_cut_in_messages() {
        let long = format!("{}/{}", "d".repeat(50_000), "f".repeat(100));
        let err = OutputFile::create(&long).unwrap_err();
        let message = err.to_string();
        assert!(message.chars().count() < 2 * MAX_PATH_CHARS + 100, "{}", message.len());
        assert!(message.starts_with(&"d".repeat(100)), "{message}");
        assert!(message.contains(&format!("…{}: ", "f".repeat(80))), "{message}");
        assert_eq!(ShortPath(Path::new("a/b.csv")).to_string(), "a/b.csv");
        let exact = "x".repeat(MAX_PATH_CHARS);
        assert_eq!(ShortPath(Path::new(&exact)).to_string(), exact);
    }

    /// On Unix only `/` separates: a name ending in a backslash is an ordinary file name.
    #[cfg(unix)]
    #[test]
    fn a_trailing_backslash_is_part_of_the_name_on_unix() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out\\");
        assert!(!ends_with_separator(&path));
        assert!(ends_with_separator(Path::new("out/")));
        OutputFile::create(&path).unwrap().write_all_and_commit(b"x").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"x");
    }

    /// A path under a regular file: looking it up fails with "not a directory", which is the
    /// error, not a missing directory (the parent exists, as a file).
    #[test]
    fn a_path_under_a_file_is_an_io_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file.csv");
        std::fs::write(&file, "kept").unwrap();
        let err = OutputFile::create(file.join("out.json")).unwrap_err();
        assert!(matches!(err, OutputError::Io { .. }), "{err:?}");
        assert_eq!(std::fs::read(&file).unwrap(), b"kept");
    }

    #[test]
    fn directories_and_missing_directories_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let err = OutputFile::create(dir.path()).unwrap_err();
        assert!(matches!(err, OutputError::IsDirectory { .. }), "{err}");
        let slash = format!("{}/new/", dir.path().display());
        let err = OutputFile::create(&slash).unwrap_err();
        assert!(matches!(err, OutputError::IsDirectory { .. }), "{err}");
        let err = OutputFile::create(dir.path().join("no/such.json")).unwrap_err();
        assert!(matches!(err, OutputError::NoDirectory { .. }), "{err}");
        assert!(err.to_string().contains("does not exist"), "{err}");
    }
}
