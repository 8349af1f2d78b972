//! A stat cache beside a bundle's mtree manifest: for each regular file,
//! the inode, ctime, mtime and size it had when its digest was last known.
//! A file whose stat still matches need not be read again to know it is
//! unchanged. An entry is only trusted if its ctime is strictly older than
//! the cache file's own mtime (both from the file system's clock), so a
//! change made in the same clock tick as the cache was written cannot hide
//! behind equal timestamps: such "racy" files are read again.

use std::hash::{DefaultHasher, Hasher};
use std::io::{self, Write};
use std::os::fd::BorrowedFd;

use crate::fs::file::{open_regular, AtomicFile, Follow};

use super::vis::{unvis, vis};

const MAGIC: &str = "umoci-rs stat cache v1";

/// What was known about one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedStat {
    /// Inode number.
    pub ino: u64,
    /// Change time (s, ns).
    pub ctime: (i64, i64),
    /// Modification time (s, ns).
    pub mtime: (i64, i64),
    /// Size.
    pub size: u64,
    /// Content digest.
    pub sha256: [u8; 32],
    /// The file's xattrs when the digest was taken (a change to them
    /// changes the ctime, so they are vouched for together).
    pub xattrs: Vec<(Vec<u8>, Vec<u8>)>,
}

/// Cached stats by path (bytes, as in the manifest). Paths are kept as
/// 64-bit hashes in one sorted vector: about 110 bytes a file, where a map
/// of paths took several hundred. (A collision could only matter if two
/// files also shared inode, size and both times.) The keys are also kept
/// on their own and searched there: 8 bytes a file more, so that a search
/// of a large cache stays in the processor's cache.
#[derive(Debug, Default)]
pub struct StatCache {
    /// The keys of `entries`, in the same order.
    keys: Vec<u64>,
    entries: Vec<(u64, CachedStat)>,
    /// The cache file's mtime; `None` for a cache not read from disk,
    /// which vouches for nothing.
    written_at: Option<(i64, i64)>,
}

impl StatCache {
    /// The cache's file name for a manifest named `<mtree>.mtree`.
    pub fn file_name(mtree_name: &str) -> String {
        format!(".{mtree_name}.statcache")
    }

    /// A new, empty cache.
    pub fn new() -> Self {
        StatCache::default()
    }

    /// Records a file.
    pub fn insert(&mut self, path: &[u8], stat: CachedStat) {
        let key = path_key(path);
        match self.keys.binary_search(&key) {
            Ok(i) => self.entries[i].1 = stat,
            Err(i) => {
                self.keys.insert(i, key);
                self.entries.insert(i, (key, stat));
            }
        }
    }

    /// The digest of `path` if the cache can vouch for it given its
    /// current stat.
    pub fn lookup(&self, path: &[u8], st: &rustix::fs::Stat) -> Option<&CachedStat> {
        let key = path_key(path);
        let i = self.keys.binary_search(&key).ok()?;
        let c = &self.entries[i].1;
        let same = c.ino == st.st_ino
            && c.size == st.st_size as u64
            && c.ctime == (st.st_ctime, st.st_ctime_nsec as i64)
            && c.mtime == (st.st_mtime, st.st_mtime_nsec as i64);
        let written_at = self.written_at?;
        (same && (st.st_ctime, st.st_ctime_nsec as i64) < written_at).then_some(c)
    }

    /// Reads the cache `name` in `dir`; a missing or unreadable cache is
    /// simply empty.
    pub fn load(dir: BorrowedFd<'_>, name: &str) -> Self {
        Self::try_load(dir, name).unwrap_or_default()
    }

    fn try_load(dir: BorrowedFd<'_>, name: &str) -> Option<Self> {
        let file = open_regular(dir, name.as_bytes(), Follow::Never).ok()?;
        let st = rustix::fs::fstat(&file).ok()?;
        let written_at = Some((st.st_mtime, st.st_mtime_nsec as i64));
        // A line longer than any entry could be ends the read: the cache is
        // then simply empty (it is only ever a speed-up).
        let mut reader = io::BufReader::new(file);
        let mut lines = std::iter::from_fn(move || {
            let mut line = String::new();
            match crate::fs::file::read_line_capped(&mut reader, &mut line, MAX_LINE) {
                Ok(0) => None,
                Ok(_) => {
                    if line.ends_with('\n') {
                        line.pop();
                    }
                    Some(Ok(line))
                }
                Err(e) => Some(Err(e)),
            }
        });
        if lines.next()?.ok()? != MAGIC {
            return None;
        }
        let mut entries = Vec::new();
        for line in lines {
            let line = line.ok()?;
            let f: Vec<&str> = line.splitn(8, ' ').collect();
            if f.len() != 8 {
                return None;
            }
            let pair = |s: &str| -> Option<(i64, i64)> {
                let (a, b) = s.split_once('.')?;
                Some((a.parse().ok()?, b.parse().ok()?))
            };
            let mut sha = [0u8; 32];
            hex::decode_to_slice(f[5], &mut sha).ok()?;
            let xattrs = if f[6] == "-" {
                Vec::new()
            } else {
                f[6].split(',')
                    .map(|kv| {
                        let (k, v) = kv.split_once('=')?;
                        Some((unvis(k).ok()?, unvis(v).ok()?))
                    })
                    .collect::<Option<Vec<_>>>()?
            };
            let stat = CachedStat {
                ino: f[0].parse().ok()?,
                ctime: pair(f[1])?,
                mtime: pair(f[2])?,
                size: f[3].parse().ok()?,
                sha256: sha,
                xattrs,
            };
            entries.push((path_key(&unvis(f[7]).ok()?), stat));
        }
        entries.sort_unstable_by_key(|e: &(u64, CachedStat)| e.0);
        entries.shrink_to_fit();
        Some(StatCache {
            keys: entries.iter().map(|e| e.0).collect(),
            entries,
            written_at,
        })
    }
}

/// The longest stat cache line read (an escaped path and xattrs).
const MAX_LINE: u64 = 16 << 20;

fn path_key(path: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    h.write(path);
    h.finish()
}

/// Writes a cache file entry by entry, so a tree of any size never has to
/// be held in memory; the file appears (atomically) at [`finish`](Self::finish).
pub struct StatCacheWriter<'d> {
    out: io::BufWriter<AtomicFile<'d>>,
}

impl<'d> StatCacheWriter<'d> {
    /// Starts a cache that will replace `name` in `dir`.
    pub fn create(dir: BorrowedFd<'d>, name: &str) -> io::Result<Self> {
        let mut out = io::BufWriter::new(AtomicFile::create(dir, name.as_bytes(), 0o644)?);
        writeln!(out, "{MAGIC}")?;
        Ok(StatCacheWriter { out })
    }

    /// Throws away what was added so far, to start over.
    pub fn restart(&mut self) -> io::Result<()> {
        use std::io::Seek;
        self.out.flush()?;
        let file = self.out.get_mut().file();
        file.set_len(0)?;
        file.rewind()?;
        writeln!(self.out, "{MAGIC}")
    }

    /// Records one file (for every file of a repack: the digest is
    /// written from a buffer on the stack, and no xattrs need no string).
    pub fn add(&mut self, path: &[u8], c: &CachedStat) -> io::Result<()> {
        let mut sha = [0u8; 64];
        hex::encode_to_slice(c.sha256, &mut sha).expect("64 hex digits for 32 bytes");
        let sha = std::str::from_utf8(&sha).expect("hex is ASCII");
        let xattrs = if c.xattrs.is_empty() {
            std::borrow::Cow::Borrowed("-")
        } else {
            std::borrow::Cow::Owned(encode_xattrs(&c.xattrs))
        };
        writeln!(
            self.out,
            "{} {}.{} {}.{} {} - {sha} {xattrs} {}",
            c.ino,
            c.ctime.0,
            c.ctime.1,
            c.mtime.0,
            c.mtime.1,
            c.size,
            vis(path)
        )
    }

    /// Puts the cache in place. Its mtime, taken now, is what later
    /// lookups compare ctimes against.
    pub fn finish(self) -> io::Result<()> {
        self.out.into_inner().map_err(|e| e.into_error())?.commit()
    }
}

/// `name=value,…` with both sides escaped (so no spaces or commas), or `-`.
fn encode_xattrs(xattrs: &[(Vec<u8>, Vec<u8>)]) -> String {
    if xattrs.is_empty() {
        return "-".to_owned();
    }
    let esc = |b: &[u8]| vis(b).replace(',', "\\054").replace('=', "\\075");
    xattrs
        .iter()
        .map(|(k, v)| format!("{}={}", esc(k), esc(v)))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::os::fd::AsFd;

    #[test]
    fn round_trips_and_refuses_recent_or_changed_files() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, b"x").unwrap();
        let st = rustix::fs::stat(&file).unwrap();
        let mut cache = StatCache::new();
        let entry = CachedStat {
            ino: st.st_ino,
            ctime: (st.st_ctime, st.st_ctime_nsec as i64),
            mtime: (st.st_mtime, st.st_mtime_nsec as i64),
            size: st.st_size as u64,
            sha256: [7; 32],
            xattrs: vec![(b"user.a=b".to_vec(), b"v,1 \xff".to_vec())],
        };
        cache.insert(b"a b/f", entry.clone());
        // Not read from disk: vouches for nothing.
        assert_eq!(cache.lookup(b"a b/f", &st), None);
        std::thread::sleep(std::time::Duration::from_millis(30));
        let handle = crate::fs::file::open_dir_path(dir.path()).unwrap();
        let mut writer = StatCacheWriter::create(handle.as_fd(), "cache").unwrap();
        writer.add(b"a b/f", &entry).unwrap();
        writer.finish().unwrap();
        let loaded = StatCache::load(handle.as_fd(), "cache");
        assert_eq!(loaded.lookup(b"a b/f", &st), Some(&entry));
        let mut changed = st;
        changed.st_size += 1;
        assert_eq!(loaded.lookup(b"a b/f", &changed), None);
        // A file changed in the same tick as the cache was written is racy.
        let mut racy = st;
        racy.st_ctime = loaded.written_at.unwrap().0 + 1;
        assert_eq!(loaded.lookup(b"a b/f", &racy), None);
        assert_eq!(
            StatCache::load(handle.as_fd(), "missing").lookup(b"a b/f", &st),
            None
        );
    }
}
