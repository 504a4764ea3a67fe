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
//! - a directory, or a path spelled with a trailing `/`, is an error.
//!
//! A new file gets mode `0666` less the umask (`0644` under umask 022), as `File::create`
//! would give it; a file replaced keeps its permissions. Creating the output is also the test
//! that its directory exists and can be written, so callers create outputs before any work and
//! write them at the end.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// Why an output file could not be created or committed.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The path names a directory (or ends with `/`).
    #[error("{}: is a directory; give a file name", path.display())]
    IsDirectory {
        /// The path as given.
        path: PathBuf,
    },
    /// The directory the file would go in does not exist.
    #[error("{}: directory {} does not exist", path.display(), dir.display())]
    NoDirectory {
        /// The path as given.
        path: PathBuf,
        /// Its directory.
        dir: PathBuf,
    },
    /// The OS refused to create, write or rename the file.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path as given.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
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
        let io_error = |source| OutputError::Io { path: path.to_owned(), source };
        if ends_with_separator(path) {
            return Err(OutputError::IsDirectory { path: path.to_owned() });
        }
        let target = resolve_links(path).map_err(io_error)?;
        match std::fs::metadata(&target) {
            Ok(metadata) if metadata.is_dir() => {
                return Err(OutputError::IsDirectory { path: path.to_owned() })
            }
            Ok(metadata) if !metadata.is_file() => {
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .truncate(true)
                    .open(&target)
                    .map_err(io_error)?;
                let replacement = Replacement { path: path.to_owned(), pending: None };
                return Ok(OutputFile { file, replacement });
            }
            _ => {}
        }
        let dir = match target.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            return Err(OutputError::NoDirectory { path: path.to_owned(), dir });
        }
        let name = target.file_name().map(|name| name.to_string_lossy()).unwrap_or_default();
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".tmp");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // The mode `open(2)` gets; the OS takes the umask off it, as for `File::create`.
            let mode = std::fs::metadata(&target)
                .map(|metadata| metadata.permissions().mode() & 0o7777)
                .unwrap_or(0o666);
            builder.permissions(std::fs::Permissions::from_mode(mode));
        }
        let (file, temp) = builder.tempfile_in(&dir).map_err(io_error)?.into_parts();
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
            .map_err(|source| OutputError::Io { path, source })?;
        let (file, replacement) = self.into_parts();
        replacement.commit_synced(&file)
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
                temp.persist(&target).map_err(|err| OutputError::Io { path, source: err.error })
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
            file.sync_all()
                .map_err(|source| OutputError::Io { path: self.path.clone(), source })?;
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

/// `path` with symbolic links in its last component followed (up to 40, as Linux allows), so
/// that a link's target is replaced and not the link. A dangling link resolves to the file it
/// names.
fn resolve_links(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_owned();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&current) {
            Ok(metadata) if metadata.file_type().is_symlink() => {
                let link = std::fs::read_link(&current)?;
                current = match current.parent() {
                    Some(parent) if link.is_relative() => parent.join(link),
                    _ => link,
                };
            }
            _ => return Ok(current),
        }
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
