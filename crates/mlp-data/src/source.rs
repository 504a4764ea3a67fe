//! Opening a table's bytes: a file or standard input, gzip-compressed or not, with its first
//! bytes read ahead so that the delimiter can be detected before parsing starts.

use std::io::{self, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

use super::error::DataError;

/// The path that means standard input.
pub const STDIN_PATH: &str = "-";

/// How errors name standard input.
pub const STDIN_NAME: &str = "<stdin>";

/// The two bytes every gzip member starts with (RFC 1952, section 2.3.1).
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// How many bytes of text are read ahead for [`Peeked::head`]: enough for a header and the
/// first rows of any ordinary file.
pub(crate) const HEAD_LEN: usize = 64 * 1024;

/// Opens `path` for reading, or standard input when `path` is `-`.
///
/// Returns the name errors should use (`path` as given, or `<stdin>`) and the reader. A file
/// literally named `-` is reachable as `./-`.
pub(crate) fn open(path: &Path) -> Result<(PathBuf, Box<dyn Read>), DataError> {
    if path == Path::new(STDIN_PATH) {
        return Ok((PathBuf::from(STDIN_NAME), Box::new(io::stdin().lock())));
    }
    let file = std::fs::File::open(path)
        .map_err(|cause| DataError::Io { path: path.to_owned(), cause })?;
    Ok((path.to_owned(), Box::new(file)))
}

/// The text of `reader`: decompressed when it starts with the gzip magic bytes (whatever its
/// name), as it is otherwise, with its first [`HEAD_LEN`] bytes of text read ahead.
///
/// Concatenated gzip members (`cat a.gz b.gz`) are read as one text, as `gunzip` reads them.
/// Errors (while reading ahead) name `name`; later decompression errors come out of the
/// reader as `io::Error`s (`corrupt deflate stream`, `invalid gzip header`, …).
pub(crate) fn decoded<'a>(
    reader: impl Read + 'a,
    name: &Path,
) -> Result<Peeked<Box<dyn Read + 'a>>, DataError> {
    let io_error = |cause| DataError::Io { path: name.to_owned(), cause };
    let raw = Peeked::new(reader, GZIP_MAGIC.len()).map_err(io_error)?;
    let text: Box<dyn Read + 'a> = if raw.head().starts_with(&GZIP_MAGIC) {
        Box::new(MultiGzDecoder::new(raw))
    } else {
        Box::new(raw)
    };
    Peeked::new(text, HEAD_LEN).map_err(io_error)
}

/// A reader whose first bytes were read ahead into a buffer: reading it gives the buffered
/// bytes, then the rest of the inner reader, so nothing is lost.
pub(crate) struct Peeked<R> {
    head: Vec<u8>,
    /// Bytes of `head` already handed out by `read`.
    n_head_read: usize,
    /// The inner reader reached its end while filling `head`.
    head_is_everything: bool,
    rest: R,
}

impl<R: Read> Peeked<R> {
    /// Reads up to `head_len` bytes ahead (fewer only at the end of the input).
    fn new(mut rest: R, head_len: usize) -> io::Result<Self> {
        let mut head = Vec::with_capacity(head_len);
        let n_read = (&mut rest).take(head_len as u64).read_to_end(&mut head)?;
        Ok(Peeked { head, n_head_read: 0, head_is_everything: n_read < head_len, rest })
    }

    /// The bytes read ahead.
    pub(crate) fn head(&self) -> &[u8] {
        &self.head
    }

    /// True when [`Peeked::head`] is the whole input.
    pub(crate) fn head_is_everything(&self) -> bool {
        self.head_is_everything
    }
}

impl<R: Read> Read for Peeked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let unread = &self.head[self.n_head_read..];
        if unread.is_empty() {
            return self.rest.read(buf);
        }
        let n_copied = unread.len().min(buf.len());
        buf[..n_copied].copy_from_slice(&unread[..n_copied]);
        self.n_head_read += n_copied;
        if self.n_head_read == self.head.len() {
            // The buffer is spent: give its memory back.
            self.head = Vec::new();
            self.n_head_read = 0;
        }
        Ok(n_copied)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::write::GzEncoder;
    use flate2::Compression;

    use super::*;

    fn gzip(text: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(text).unwrap();
        encoder.finish().unwrap()
    }

    fn read_all(reader: impl Read) -> io::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        let mut reader = reader;
        reader.read_to_end(&mut bytes)?;
        Ok(bytes)
    }

    #[test]
    fn plain_text_passes_through_with_its_head() {
        let text = b"a,b\n1,2\n";
        let peeked = decoded(&text[..], Path::new("t.csv")).unwrap();
        assert_eq!(peeked.head(), text);
        assert!(peeked.head_is_everything());
        assert_eq!(read_all(peeked).unwrap(), text);
    }

    #[test]
    fn long_text_is_read_whole_after_its_head() {
        let text: Vec<u8> = (0..HEAD_LEN * 3 + 17).map(|idx| b'a' + (idx % 26) as u8).collect();
        let peeked = decoded(&text[..], Path::new("t.csv")).unwrap();
        assert_eq!(peeked.head(), &text[..HEAD_LEN]);
        assert!(!peeked.head_is_everything());
        assert_eq!(read_all(peeked).unwrap(), text);
    }

    #[test]
    fn gzip_is_detected_by_its_magic_bytes_not_its_name() {
        let text = b"x,y\n1,2\n3,4\n";
        let compressed = gzip(text);
        let peeked = decoded(&compressed[..], Path::new("no-extension")).unwrap();
        assert_eq!(peeked.head(), text);
        assert_eq!(read_all(peeked).unwrap(), text);
    }

    #[test]
    fn concatenated_gzip_members_are_one_text() {
        let mut both = gzip(b"x,y\n1,2\n");
        both.extend(gzip(b"3,4\n"));
        assert_eq!(
            read_all(decoded(&both[..], Path::new("t.gz")).unwrap()).unwrap(),
            b"x,y\n1,2\n3,4\n"
        );
    }

    #[test]
    fn corrupt_gzip_is_an_io_error_naming_the_file() {
        let mut broken = gzip(b"x,y\n1,2\n");
        broken.truncate(broken.len() / 2);
        let result = decoded(&broken[..], Path::new("broken.csv.gz")).and_then(|peeked| {
            read_all(peeked)
                .map_err(|cause| DataError::Io { path: PathBuf::from("broken.csv.gz"), cause })
        });
        let err = result.unwrap_err();
        assert!(matches!(&err, DataError::Io { path, .. } if path == Path::new("broken.csv.gz")));

        // A gzip header alone, cut short, fails while reading ahead.
        let err = decoded(&GZIP_MAGIC[..], Path::new("short.gz")).err().unwrap();
        assert_eq!(err.to_string(), "short.gz: could not read the file: unexpected end of file");
        // The cause is in the message, so it is not also the source (said once by a chain).
        assert!(std::error::Error::source(&err).is_none());
    }

    #[test]
    fn empty_and_one_byte_inputs() {
        let peeked = decoded(&b""[..], Path::new("e.csv")).unwrap();
        assert!(peeked.head().is_empty() && peeked.head_is_everything());
        assert_eq!(read_all(decoded(&[0x1f_u8][..], Path::new("o")).unwrap()).unwrap(), [0x1f]);
    }

    #[test]
    fn open_names_files_and_stdin() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.csv");
        std::fs::write(&path, "x\n1\n").unwrap();
        let (name, reader) = open(&path).unwrap();
        assert_eq!(name, path);
        assert_eq!(read_all(reader).unwrap(), b"x\n1\n");

        let (name, _) = open(Path::new("-")).unwrap();
        assert_eq!(name, Path::new("<stdin>"));

        let missing = dir.path().join("missing.csv");
        let err = open(&missing).err().unwrap();
        assert!(matches!(&err, DataError::Io { path, .. } if *path == missing), "{err:?}");
    }
}
