//! The error type of the CSV log layers.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// An error creating, writing or flushing a CSV log.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The log file could not be created.
    #[error("cannot create CSV log {}", path.display())]
    CreateFile {
        /// The file that could not be created.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// Writing a row to the log or flushing it failed. The layer writes no more rows after the
    /// first failure.
    #[error("cannot write CSV log{}", Destination(path.as_deref()))]
    Write {
        /// The log file, or `None` for a writer given to `new`.
        path: Option<PathBuf>,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The workbook of an [`XlsxLayer`](super::XlsxLayer) could not be written, or a row could
    /// not be added to it. The layer writes no more rows after the first failure.
    #[error("cannot write workbook{}", Destination(path.as_deref()))]
    Workbook {
        /// The workbook file, or `None` for a writer given to `new`.
        path: Option<PathBuf>,
        /// Why.
        #[source]
        source: rust_xlsxwriter::XlsxError,
    },
}

/// Displays ` <path>` for a file and nothing for a writer.
struct Destination<'a>(Option<&'a Path>);

impl fmt::Display for Destination<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(path) => write!(f, " {}", path.display()),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_lowercase_and_name_the_path() {
        let create = Error::CreateFile {
            path: PathBuf::from("/no/such/dir/gradients.csv"),
            source: io::Error::from(io::ErrorKind::NotFound),
        };
        assert_eq!(create.to_string(), "cannot create CSV log /no/such/dir/gradients.csv");

        let write_file = Error::Write {
            path: Some(PathBuf::from("history.csv")),
            source: io::Error::from(io::ErrorKind::StorageFull),
        };
        assert_eq!(write_file.to_string(), "cannot write CSV log history.csv");

        let write_writer = Error::Write { path: None, source: io::Error::other("boom") };
        assert_eq!(write_writer.to_string(), "cannot write CSV log");
        assert!(std::error::Error::source(&write_writer).is_some());
    }
}
