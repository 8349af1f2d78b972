//! A stat cache beside a bundle's mtree manifest: for each regular file,
//! the inode, ctime, mtime and size it had when its digest was last known.
//! A file whose stat still matches need not be read again to know it is
//! unchanged. An entry is only trusted if its ctime is strictly older than
//! the cache file's own mtime (both from the file system's clock), so a
//! change made in the same clock tick as the cache was written cannot hide
//! behind equal timestamps: such "racy" files are read again.
//!
//! The cache is written in the order the tree is walked, and read back in
//! step with the next walk rather than held in memory (it was 120 bytes a
//! file, most of a repack's memory on a tree of millions). The walk reads
//! each top-level directory on whichever of its threads is free, so the
//! cache is read through one cursor per top-level directory, each reading
//! only the lines of that directory's files: only where those start and
//! end is kept, and every line is read twice in all (once to find them).

use std::collections::HashMap;
use std::fs::File;
use std::hash::{DefaultHasher, Hasher};
use std::io::{self, Write};
use std::os::fd::BorrowedFd;
use std::os::unix::fs::FileExt;

use crate::fs::file::{open_regular, AtomicFile, Follow};
use crate::fs::RelPath;

use super::vis::{unvis, vis};
use super::walk::walk_order;

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

/// A cache file opened for reading, with where each top-level part of
/// the tree starts in it.
#[derive(Debug, Default)]
pub struct StatCache {
    file: Option<File>,
    /// Where the lines of the root's own files start and end.
    root_files: Option<Part>,
    /// Where the lines of the files under each top-level directory start
    /// and end, by a hash of its name (a collision only costs cache
    /// misses: a cursor checks every path it vouches for).
    subtrees: HashMap<u64, Part>,
    /// The cache file's mtime; `None` for no cache, which vouches for
    /// nothing.
    written_at: Option<(i64, i64)>,
}

impl StatCache {
    /// The cache's file name for a manifest named `<mtree>.mtree`.
    pub fn file_name(mtree_name: &str) -> String {
        format!(".{mtree_name}.statcache")
    }

    /// No cache: vouches for nothing.
    pub fn new() -> Self {
        StatCache::default()
    }

    /// Opens the cache `name` in `dir` and finds where each part of the
    /// tree starts in it; a missing or unreadable cache is simply empty.
    pub fn load(dir: BorrowedFd<'_>, name: &str) -> Self {
        Self::try_load(dir, name).unwrap_or_default()
    }

    fn try_load(dir: BorrowedFd<'_>, name: &str) -> Option<Self> {
        let file = open_regular(dir, name.as_bytes(), Follow::Never).ok()?;
        let st = rustix::fs::fstat(&file).ok()?;
        let mut cache = StatCache {
            written_at: Some((st.st_mtime, st.st_mtime_nsec as i64)),
            ..StatCache::default()
        };
        let mut lines = Lines::at(&file, Part::WHOLE);
        if lines.next_line()?.ok()?.0 != MAGIC {
            return None;
        }
        // Only the first component of each path is looked at here, as
        // written (escaped; empty for the root's own files), and unescaped
        // only where a part starts.
        let mut part: Option<(String, u64)> = None;
        loop {
            let line = lines.next_line().transpose().ok()?;
            let top = match &line {
                None => None,
                Some((line, _)) => {
                    let path = line.rsplit_once(' ')?.1;
                    Some(path.split_once('/').map_or("", |(top, _)| top))
                }
            };
            if part.as_ref().map(|(name, _)| name.as_str()) != top {
                // The part before ends where this line starts.
                let end = line.as_ref().map_or(lines.offset, |(_, at)| *at);
                if let Some((name, start)) = part.take() {
                    let range = Part { start, end };
                    if name.is_empty() {
                        cache.root_files.get_or_insert(range);
                    } else {
                        let name = unvis(&name).ok()?;
                        cache.subtrees.entry(name_key(&name)).or_insert(range);
                    }
                }
                part = top.map(|name| (name.to_owned(), end));
            }
            if line.is_none() {
                break;
            }
        }
        cache.file = Some(file);
        Some(cache)
    }

    /// A cursor over the cached files directly in the root (`top` is
    /// `None`) or under the top-level directory `top`, for lookups in
    /// walk order.
    pub fn cursor(&self, top: Option<&[u8]>) -> StatCursor<'_> {
        let part = match top {
            None => self.root_files,
            Some(name) => self.subtrees.get(&name_key(name)).copied(),
        };
        StatCursor {
            cache: self,
            lines: self
                .file
                .as_ref()
                .zip(part)
                .map(|(f, part)| Lines::at(f, part)),
            top: top.map(<[u8]>::to_vec),
            current: None,
        }
    }
}

/// Reads one part of the cache in step with a walk of that part.
pub struct StatCursor<'c> {
    cache: &'c StatCache,
    /// `None` once the part (or the file) has ended.
    lines: Option<Lines<'c>>,
    top: Option<Vec<u8>>,
    /// The next entry not yet passed by the walk.
    current: Option<(RelPath, CachedStat)>,
}

impl StatCursor<'_> {
    /// What the cache knew of `path` if it can vouch for it given its
    /// current stat. Paths must be asked for in walk order: entries before
    /// `path` are passed over for good.
    pub fn lookup(&mut self, path: &RelPath, st: &rustix::fs::Stat) -> Option<CachedStat> {
        loop {
            if self.current.is_none() {
                self.current = self.next_entry();
            }
            let (cached, _) = self.current.as_ref()?;
            match walk_order(cached.components(), false, path.components(), false) {
                std::cmp::Ordering::Less => self.current = None,
                std::cmp::Ordering::Greater => return None,
                std::cmp::Ordering::Equal => break,
            }
        }
        let (_, c) = self.current.take()?;
        let same = c.ino == st.st_ino
            && c.size == st.st_size as u64
            && c.ctime == (st.st_ctime, st.st_ctime_nsec as i64)
            && c.mtime == (st.st_mtime, st.st_mtime_nsec as i64);
        let written_at = self.cache.written_at?;
        (same && (st.st_ctime, st.st_ctime_nsec as i64) < written_at).then_some(c)
    }

    /// The next entry of this cursor's part; an entry of another part, or
    /// one that cannot be read, ends it.
    fn next_entry(&mut self) -> Option<(RelPath, CachedStat)> {
        let entry = self
            .lines
            .as_mut()
            .and_then(Lines::next_line)
            .and_then(|line| parse_line(&line.ok()?.0));
        let entry = entry.filter(|(path, _)| {
            let mut components = path.components();
            match &self.top {
                None => path.depth() == 1,
                Some(top) => path.depth() > 1 && components.next() == Some(top.as_slice()),
            }
        });
        if entry.is_none() {
            self.lines = None;
        }
        entry
    }
}

/// One cache line: the path and what was known of it.
fn parse_line(line: &str) -> Option<(RelPath, CachedStat)> {
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
    Some((RelPath::clean(&unvis(f[7]).ok()?), stat))
}

/// A range of the cache file's bytes: the lines of one part of the tree.
#[derive(Debug, Clone, Copy)]
struct Part {
    start: u64,
    end: u64,
}

impl Part {
    const WHOLE: Part = Part {
        start: 0,
        end: u64::MAX,
    };
}

/// The lines of a part of the cache file, each with the offset it starts
/// at, read without moving the file's own position (several cursors read
/// one file) and never past the part's end (a tree of many small
/// top-level directories must not cost a full buffer's read for each).
struct Lines<'f> {
    reader: io::BufReader<ReadAt<'f>>,
    offset: u64,
}

impl<'f> Lines<'f> {
    fn at(file: &'f File, part: Part) -> Self {
        let capacity = (part.end - part.start).clamp(1, 64 << 10) as usize;
        let at = ReadAt {
            file,
            offset: part.start,
            end: part.end,
        };
        Lines {
            reader: io::BufReader::with_capacity(capacity, at),
            offset: part.start,
        }
    }

    /// The next line (without its newline) and its offset; `None` at the
    /// end. A line longer than any entry could be is an error.
    fn next_line(&mut self) -> Option<io::Result<(String, u64)>> {
        let mut line = String::new();
        match crate::fs::file::read_line_capped(&mut self.reader, &mut line, MAX_LINE) {
            Ok(0) => None,
            Ok(n) => {
                let at = self.offset;
                self.offset += n as u64;
                if line.ends_with('\n') {
                    line.pop();
                }
                Some(Ok((line, at)))
            }
            Err(e) => Some(Err(e)),
        }
    }
}

/// A range of a file read by `pread`.
struct ReadAt<'f> {
    file: &'f File,
    offset: u64,
    end: u64,
}

impl io::Read for ReadAt<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.end.saturating_sub(self.offset);
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.file.read_at(&mut buf[..want], self.offset)?;
        self.offset += n as u64;
        Ok(n)
    }
}

/// The longest stat cache line read (an escaped path and xattrs).
const MAX_LINE: u64 = 16 << 20;

fn name_key(name: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    h.write(name);
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

    fn stat_of(path: &std::path::Path) -> (rustix::fs::Stat, CachedStat) {
        let st = rustix::fs::stat(path).unwrap();
        let entry = CachedStat {
            ino: st.st_ino,
            ctime: (st.st_ctime, st.st_ctime_nsec as i64),
            mtime: (st.st_mtime, st.st_mtime_nsec as i64),
            size: st.st_size as u64,
            sha256: [7; 32],
            xattrs: vec![(b"user.a=b".to_vec(), b"v,1 \xff".to_vec())],
        };
        (st, entry)
    }

    #[test]
    fn round_trips_and_refuses_recent_or_changed_files() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, b"x").unwrap();
        let (st, entry) = stat_of(&file);
        let path = RelPath::clean(b"a b/f");
        // No cache: vouches for nothing.
        assert_eq!(
            StatCache::new().cursor(Some(b"a b")).lookup(&path, &st),
            None
        );
        std::thread::sleep(std::time::Duration::from_millis(30));
        let handle = crate::fs::file::open_dir_path(dir.path()).unwrap();
        let mut writer = StatCacheWriter::create(handle.as_fd(), "cache").unwrap();
        writer.add(b"a b/f", &entry).unwrap();
        writer.finish().unwrap();
        let loaded = StatCache::load(handle.as_fd(), "cache");
        let lookup = |st: &rustix::fs::Stat| loaded.cursor(Some(b"a b")).lookup(&path, st);
        assert_eq!(lookup(&st), Some(entry.clone()));
        let mut changed = st;
        changed.st_size += 1;
        assert_eq!(lookup(&changed), None);
        // A file changed in the same tick as the cache was written is racy.
        let mut racy = st;
        racy.st_ctime = loaded.written_at.unwrap().0 + 1;
        assert_eq!(lookup(&racy), None);
        let missing = StatCache::load(handle.as_fd(), "missing");
        assert_eq!(missing.cursor(Some(b"a b")).lookup(&path, &st), None);
    }

    #[test]
    fn each_part_of_the_tree_is_read_by_its_own_cursor_in_walk_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("f"), b"x").unwrap();
        let (st, entry) = stat_of(&dir.path().join("f"));
        std::thread::sleep(std::time::Duration::from_millis(30));
        // Walk order: the root's files, then each directory (its files
        // before its subdirectories).
        let paths: [&[u8]; 7] = [b"r1", b"r2", b"a/x", b"a/b/y", b"a/b/z", b"c\n/q", b"d/w"];
        let handle = crate::fs::file::open_dir_path(dir.path()).unwrap();
        let mut writer = StatCacheWriter::create(handle.as_fd(), "cache").unwrap();
        for (i, path) in paths.iter().enumerate() {
            let entry = CachedStat {
                sha256: [i as u8; 32],
                ..entry.clone()
            };
            writer.add(path, &entry).unwrap();
        }
        writer.finish().unwrap();
        let cache = StatCache::load(handle.as_fd(), "cache");
        let found = |cursor: &mut StatCursor, path: &[u8]| {
            cursor
                .lookup(&RelPath::clean(path), &st)
                .map(|c| c.sha256[0])
        };
        // Cursors for parts out of order, as the walk's threads take them.
        let mut d = cache.cursor(Some(b"d"));
        let mut a = cache.cursor(Some(b"a"));
        let mut root = cache.cursor(None);
        assert_eq!(found(&mut d, b"d/w"), Some(6));
        assert_eq!(found(&mut a, b"a/x"), Some(2));
        // Skipping a/b/y passes it over for good.
        assert_eq!(found(&mut a, b"a/b/z"), Some(4));
        assert_eq!(found(&mut a, b"a/b/y"), None);
        // Not cached, and past the part's end.
        assert_eq!(found(&mut a, b"a/b/zz"), None);
        assert_eq!(found(&mut root, b"r0"), None);
        assert_eq!(found(&mut root, b"r2"), Some(1));
        assert_eq!(found(&mut cache.cursor(Some(b"c\n")), b"c\n/q"), Some(5));
        assert_eq!(found(&mut cache.cursor(Some(b"e")), b"e/q"), None);
    }

    #[test]
    fn a_part_is_read_to_its_end_and_no_further() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lines");
        std::fs::write(&path, b"one\ntwo\nthree\n").unwrap();
        let file = File::open(&path).unwrap();
        let mut lines = Lines::at(&file, Part { start: 4, end: 8 });
        assert_eq!(lines.next_line().unwrap().unwrap(), ("two".to_owned(), 4));
        assert!(lines.next_line().is_none());
        assert_eq!(lines.reader.capacity(), 4, "a small part, a small read");
    }
}
