//! Reading input files safely: only regular files (a FIFO would block forever, `/dev/zero`
//! never ends), never more than a limit. `std::fs::metadata` follows symlinks, so a link to
//! a device is refused like the device; the open file is checked again (`fstat`) and read
//! through a bounded reader, so a file that grows, or lies about its size, cannot exhaust
//! memory: at most `limit + 1` bytes are ever read.

use std::fmt;
use std::io::{self, Read};
use std::path::Path;

/// Source, configuration and baseline files larger than this are not read.
pub const MAX_INPUT_BYTES: u64 = 64 << 20;

#[derive(Debug)]
pub enum ReadError {
    /// Not a regular file: a directory, FIFO, socket or device (after following symlinks).
    NotRegular(&'static str),
    /// Larger than the limit (in bytes).
    TooLarge(u64),
    Io(io::Error),
}

impl ReadError {
    /// The file does not exist (callers often treat that as "absent", not as an error).
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::Io(e) if e.kind() == io::ErrorKind::NotFound)
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::NotRegular(kind) => write!(f, "it is {kind}, not a regular file"),
            ReadError::TooLarge(limit) => {
                write!(f, "it is larger than the {} MiB limit", limit >> 20)
            }
            ReadError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> Self {
        ReadError::Io(e)
    }
}

fn kind_of(ft: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO";
        }
        if ft.is_char_device() || ft.is_block_device() {
            return "a device";
        }
        if ft.is_socket() {
            return "a socket";
        }
    }
    if ft.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// Whether `path` (symlinks followed) is a regular file.
pub fn check_regular(path: &Path) -> Result<std::fs::Metadata, ReadError> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind_of(meta.file_type())));
    }
    Ok(meta)
}

/// The bytes of a regular file of at most `limit` bytes.
pub fn read_bytes(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    // Checked before opening: opening a FIFO for reading blocks until a writer appears.
    let meta = check_regular(path)?;
    if meta.len() > limit {
        return Err(ReadError::TooLarge(limit));
    }
    let file = std::fs::File::open(path)?;
    // The path may have been swapped between the two calls: check what was opened.
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind_of(meta.file_type())));
    }
    let mut buf = Vec::with_capacity(meta.len().min(limit) as usize);
    file.take(limit + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > limit {
        return Err(ReadError::TooLarge(limit));
    }
    Ok(buf)
}

/// A regular UTF-8 text file of at most `limit` bytes.
pub fn read_text(path: &Path, limit: u64) -> Result<String, ReadError> {
    let bytes = read_bytes(path, limit)?;
    String::from_utf8(bytes).map_err(|_| {
        ReadError::Io(io::Error::new(
            io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_kinds() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, "hello").unwrap();
        assert_eq!(read_text(&p, 5).unwrap(), "hello");
        assert!(matches!(read_bytes(&p, 4), Err(ReadError::TooLarge(4))));
        assert!(matches!(
            read_bytes(dir.path(), 4),
            Err(ReadError::NotRegular(_))
        ));
        assert!(
            read_bytes(&dir.path().join("nope"), 4)
                .unwrap_err()
                .is_not_found()
        );
        #[cfg(unix)]
        {
            let z = dir.path().join("z");
            std::os::unix::fs::symlink("/dev/zero", &z).unwrap();
            assert!(matches!(
                read_bytes(&z, 1 << 20),
                Err(ReadError::NotRegular("a device"))
            ));
        }
    }
}
