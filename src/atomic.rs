//! Replacing a file atomically: the new bytes go to a temporary file in the same directory,
//! are flushed to disk (`fsync`) and renamed over the original, so a reader (or a crash, or a
//! full disk) sees either the old file or the new one, never a truncated one.
//!
//! The replaced file keeps its permissions (and, on Unix, its owner where we may set it). A
//! symlink is written through: the file it points to is replaced, the link stays a link. A
//! read-only file is refused rather than silently replaced. On any failure the temporary file
//! is removed and the original is left as it was. A temporary file that an interrupted run
//! left behind (`.NAME.PID.N.tmp` of a process that no longer exists) is removed by the next
//! write of the same file.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Why a file could not be replaced; the original is intact.
#[derive(Debug)]
pub struct WriteError {
    /// The file as the caller named it.
    pub path: PathBuf,
    /// What was being done: "cannot create a temporary file in `/x`".
    pub step: String,
    pub source: io::Error,
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot write `{}`: {}: {}",
            self.path.display(),
            self.step,
            self.source
        )
    }
}

impl std::error::Error for WriteError {}

/// Symlinks are followed at most this many times (as the kernel's `ELOOP` limit).
const MAX_LINKS: usize = 40;

/// The file a path finally names, following symlinks (relative links against their own
/// directory). A path that does not exist is its own target.
pub fn resolve_links(path: &Path) -> io::Result<PathBuf> {
    let mut cur = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&cur) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = fs::read_link(&cur)?;
                cur = match cur.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            Ok(_) => return Ok(cur),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(cur),
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

/// Replaces the contents of `path` with `bytes`, atomically (see the module docs).
pub fn replace(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let err = |step: String| {
        move |source: io::Error| WriteError {
            path: path.to_path_buf(),
            step,
            source,
        }
    };
    let target = resolve_links(path).map_err(err("cannot follow the symlink".into()))?;
    let old = match fs::metadata(&target) {
        Ok(m) => Some(m),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(err(format!("cannot read `{}`", target.display()))(e)),
    };
    if let Some(m) = &old {
        if !m.is_file() {
            let e = io::Error::other("not a regular file");
            return Err(err(format!("`{}`", target.display()))(e));
        }
        if m.permissions().readonly() {
            let e = io::Error::new(io::ErrorKind::PermissionDenied, "the file is read-only");
            return Err(err(format!("`{}`", target.display()))(e));
        }
    }
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    remove_stale_temps(&dir, &target);
    let (tmp, file) = create_temp(&dir, &target).map_err(err(format!(
        "cannot create a temporary file in `{}`",
        dir.display()
    )))?;
    let written = fill(file, bytes, old.as_ref())
        .map_err(err(format!(
            "cannot write the temporary file `{}`",
            tmp.display()
        )))
        .and_then(|()| {
            fs::rename(&tmp, &target).map_err(err(format!(
                "cannot rename the temporary file `{}` over it",
                tmp.display()
            )))
        });
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    sync_dir(&dir);
    Ok(())
}

/// A new file `.NAME.PID.N.tmp` beside `target` (never an existing one).
fn create_temp(dir: &Path, target: &Path) -> io::Result<(PathBuf, File)> {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let mut last = None;
    for n in 0..100 {
        let tmp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no free temporary name")))
}

/// Removes the `.NAME.PID.N.tmp` files beside `target` whose process is gone (killed during a
/// write). Only where a process can be looked up (`/proc`); a name that does not parse, a
/// live process's file and anything but a regular file are left alone.
fn remove_stale_temps(dir: &Path, target: &Path) {
    let (Some(name), true) = (target.file_name(), Path::new("/proc/self").exists()) else {
        return;
    };
    let prefix = format!(".{}.", name.to_string_lossy());
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let file = e.file_name();
        let file = file.to_string_lossy();
        let Some(rest) = file
            .strip_prefix(&prefix)
            .and_then(|r| r.strip_suffix(".tmp"))
        else {
            continue;
        };
        let mut parts = rest.split('.');
        let (Some(pid), Some(n), None) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let (Ok(pid), Ok(_)) = (pid.parse::<u32>(), n.parse::<u32>()) else {
            continue;
        };
        let regular = e.file_type().is_ok_and(|t| t.is_file());
        if regular && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// Writes the bytes, gives the file the original's permissions (and owner), and flushes it.
fn fill(mut file: File, bytes: &[u8], old: Option<&fs::Metadata>) -> io::Result<()> {
    file.write_all(bytes)?;
    if let Some(m) = old {
        file.set_permissions(m.permissions())?;
        keep_owner(&file, m);
    }
    file.sync_all()
}

#[cfg(unix)]
fn keep_owner(file: &File, m: &fs::Metadata) {
    use std::os::unix::fs::MetadataExt;
    // Only root may give a file away; anyone else already owns what they create.
    let _ = std::os::unix::fs::fchown(file, Some(m.uid()), Some(m.gid()));
}

#[cfg(not(unix))]
fn keep_owner(_: &File, _: &fs::Metadata) {}

/// Makes the rename itself durable (best effort: not every platform can open a directory).
fn sync_dir(dir: &Path) {
    if cfg!(unix)
        && let Ok(d) = File::open(dir)
    {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_and_keeps_the_mode() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.toml");
        fs::write(&p, "old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&p, fs::Permissions::from_mode(0o640)).unwrap();
        }
        replace(&p, b"new").unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o640);
        }
        let left: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "a temporary file was left behind");
    }

    #[cfg(unix)]
    #[test]
    fn writes_through_a_relative_symlink() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("real")).unwrap();
        let target = dir.path().join("real/domains.toml");
        fs::write(&target, "old").unwrap();
        let link = dir.path().join("domains.toml");
        std::os::unix::fs::symlink("real/domains.toml", &link).unwrap();
        replace(&link, b"new").unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read_to_string(&target).unwrap(), "new");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn removes_what_an_interrupted_write_left_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("b.toml");
        fs::write(&p, "old").unwrap();
        // Above the kernel's largest pid (4,194,304): no such process can exist.
        let gone = dir.path().join(".b.toml.4194999.0.tmp");
        let live = dir
            .path()
            .join(format!(".b.toml.{}.7.tmp", std::process::id()));
        let other = dir.path().join(".c.toml.4194999.0.tmp");
        let odd = dir.path().join(".b.toml.notapid.0.tmp");
        for f in [&gone, &live, &other, &odd] {
            fs::write(f, "partial").unwrap();
        }
        replace(&p, b"new").unwrap();
        assert!(!gone.exists(), "the dead process's temporary file stays");
        assert!(live.exists() && other.exists() && odd.exists());
        assert_eq!(fs::read_to_string(&p).unwrap(), "new");
    }

    #[test]
    fn refuses_a_read_only_file_and_leaves_it() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.toml");
        fs::write(&p, "old").unwrap();
        let mut perm = fs::metadata(&p).unwrap().permissions();
        perm.set_readonly(true);
        fs::set_permissions(&p, perm).unwrap();
        let e = replace(&p, b"new").unwrap_err();
        assert!(e.to_string().contains("read-only"), "{e}");
        assert_eq!(fs::read_to_string(&p).unwrap(), "old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
