//! Reading a tree into mtree nodes, in go-mtree's order: within each
//! directory, non-directories first, then directories, each group sorted
//! bytewise; a directory's contents follow it and end with `..`.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, sync_channel, Receiver};
use std::sync::{Condvar, Mutex};

use base64::Engine as _;
use rustix::fs::{AtFlags, FileType, Mode, OFlags};
use sha2::{Digest as _, Sha256};

use super::stat_cache::{CachedStat, StatCache, StatCursor};
use super::vis::vis;
use crate::fs::dir::SortedListing;
use crate::fs::{xattr, Ownership, RelPath, Root};

/// What kind of inode a node is (go-mtree's `type=` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// `dir`
    Dir,
    /// `file`
    File,
    /// `link` (a symlink)
    Symlink,
    /// `char`
    Char,
    /// `block`
    Block,
    /// `fifo`
    Fifo,
    /// `socket`
    Socket,
}

impl NodeKind {
    /// go-mtree's name for the type.
    pub fn name(self) -> &'static str {
        match self {
            NodeKind::Dir => "dir",
            NodeKind::File => "file",
            NodeKind::Symlink => "link",
            NodeKind::Char => "char",
            NodeKind::Block => "block",
            NodeKind::Fifo => "fifo",
            NodeKind::Socket => "socket",
        }
    }
}

/// One inode as the manifest describes it.
#[derive(Debug, Clone)]
pub struct Node {
    /// The last path component (`.` for the root).
    pub name: Vec<u8>,
    /// The path from the root.
    pub path: RelPath,
    /// What it is.
    pub kind: NodeKind,
    /// `st_size`.
    pub size: u64,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Permission bits with setuid, setgid and sticky.
    pub mode: u32,
    /// Hard-link count.
    pub nlink: u64,
    /// Modification time, seconds.
    pub mtime: i64,
    /// Symlink target.
    pub link: Option<Vec<u8>>,
    /// Content digest (regular files).
    pub sha256: Option<[u8; 32]>,
    /// Extended attributes (regular files and directories), sorted.
    pub xattrs: Vec<(Vec<u8>, Vec<u8>)>,
    /// Inode number (not a keyword; for stat caches).
    pub ino: u64,
    /// Change time (s, ns) (not a keyword; for stat caches).
    pub ctime: (i64, i64),
    /// Modification time's nanoseconds (not a keyword; for stat caches).
    pub mtime_nsec: i64,
}

impl Node {
    /// The `keyword=value` text go-mtree writes for `keyword`, or `None`
    /// when the keyword does not apply (xattr's value may hold several
    /// space-separated pairs).
    pub fn keyword(&self, keyword: &str) -> Option<String> {
        Some(match keyword {
            "size" => format!("size={}", self.size),
            "type" => format!("type={}", self.kind.name()),
            "uid" => format!("uid={}", self.uid),
            "gid" => format!("gid={}", self.gid),
            "mode" => format!("mode={}", go_octal(self.mode)),
            "link" => format!("link={}", vis(self.link.as_ref()?)),
            "nlink" => format!("nlink={}", self.nlink),
            "tar_time" => format!("tar_time={}.000000000", self.mtime),
            "time" => format!("time={}.{:09}", self.mtime, self.mtime_nsec),
            // File flags are BSD's; go-mtree reads them as `none` on Linux.
            "flags" => "flags=none".to_owned(),
            "sha256digest" | "sha256" => format!("sha256digest={}", hex::encode(self.sha256?)),
            "xattr" | "xattrs" => {
                if self.xattrs.is_empty() {
                    return None;
                }
                let b64 = base64::engine::general_purpose::STANDARD;
                self.xattrs
                    .iter()
                    .map(|(k, v)| format!("xattr.{}={}", vis(k), b64.encode(v)))
                    .collect::<Vec<_>>()
                    .join(" ")
            }
            _ => return None,
        })
    }
}

impl Node {
    /// What a stat cache should remember about this (regular, hashed) file.
    pub fn cached_stat(&self) -> Option<CachedStat> {
        Some(CachedStat {
            ino: self.ino,
            ctime: self.ctime,
            mtime: (self.mtime, self.mtime_nsec),
            size: self.size,
            sha256: self.sha256?,
            xattrs: self.xattrs.clone(),
        })
    }
}

/// Go's `%#o`: a leading zero, except for zero itself.
pub fn go_octal(mode: u32) -> String {
    if mode == 0 {
        "0".to_owned()
    } else {
        format!("0{mode:o}")
    }
}

/// One step of a walk.
pub enum Event {
    /// A directory, before its contents.
    Enter(Node),
    /// A non-directory.
    Leaf(Node),
    /// The end of the most recently entered directory.
    Leave,
}

/// How to walk.
#[derive(Default, Clone, Copy)]
pub struct WalkOptions<'a> {
    /// Compute `sha256digest` for regular files.
    pub digests: bool,
    /// Digests already known, by inode: `(size, sha256)`.
    pub known: Option<&'a HashMap<u64, (u64, [u8; 32])>>,
    /// Digests vouched for by a stat cache, by path.
    pub cache: Option<&'a StatCache>,
    /// When set, only files it accepts are hashed (a diff needs no digest
    /// for a file the manifest has never seen).
    pub digest_only: Option<&'a (dyn Fn(&RelPath) -> bool + Sync)>,
    /// Leave xattrs unread (a walk that only counts or stats).
    pub no_xattrs: bool,
}

/// A walk under way, or the part of it one thread walks: its options,
/// and the root's ownership, which says whether entries that deny their
/// owner are opened up to be read.
struct Walk<'a> {
    opts: WalkOptions<'a>,
    ownership: &'a Ownership,
    /// In-root link counts of inodes shared with a content store.
    link_counts: Option<&'a HashMap<u64, u64>>,
    /// The stat cache's entries for this part, read in step with it.
    cursor: RefCell<Option<StatCursor<'a>>>,
}

impl<'a> Walk<'a> {
    /// The part of a walk that is the root's own files (`top` is `None`)
    /// or the top-level directory `top`.
    fn part(
        opts: WalkOptions<'a>,
        ownership: &'a Ownership,
        link_counts: Option<&'a HashMap<u64, u64>>,
        top: Option<&[u8]>,
    ) -> Self {
        Walk {
            opts,
            ownership,
            link_counts,
            cursor: RefCell::new(opts.cache.map(|c| c.cursor(top))),
        }
    }
}

impl<'a> std::ops::Deref for Walk<'a> {
    type Target = WalkOptions<'a>;
    fn deref(&self) -> &WalkOptions<'a> {
        &self.opts
    }
}

/// Walks the tree `root` is a handle to (opened by the caller, once, so
/// the walk reads exactly the tree it was given, whatever is renamed above
/// it meanwhile), calling `visit` for each event.
pub fn walk(
    root: &Root,
    opts: &WalkOptions<'_>,
    visit: &mut dyn FnMut(Event) -> io::Result<()>,
) -> io::Result<()> {
    let (ownership, link_counts) = (root.ownership(), root.link_counts());
    let base = *opts;
    let opts = &Walk::part(base, ownership, link_counts, None);
    let dir = rustix::fs::openat(
        root.fd(),
        ".",
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    let st = rustix::fs::fstat(&dir)?;
    let mut node = node_from_stat(b".".to_vec(), RelPath::root(), &st)?;
    node.xattrs = read_xattrs(dir.as_fd(), b"", opts.ownership)?;
    visit(Event::Enter(node))?;
    let root_path = RelPath::root();
    let listing = SortedListing::read(dir.as_fd())?;
    for &file in &listing.files {
        let name = listing.name(file);
        let st = lstat_child(dir.as_fd(), name)?;
        visit(Event::Leaf(leaf(
            dir.as_fd(),
            &root_path,
            name.to_vec(),
            &st,
            opts,
        )?))?;
    }
    // The root's subtrees are read (stat, xattrs, hashes) on two threads.
    // Each streams its events through a bounded channel and they are
    // replayed here in order, so output is unchanged and a worker can run
    // only so far ahead: a few chunks into a big subtree, and a few
    // subtrees past the one being replayed, so memory stays bounded
    // however big or however many the subtrees are.
    let next = AtomicUsize::new(0);
    let replayed = Window::default();
    let (register, registered) = channel::<(usize, Receiver<io::Result<Vec<Event>>>)>();
    std::thread::scope(|scope| -> io::Result<()> {
        for _ in 0..WALKERS {
            let register = register.clone();
            let (next, listing, root_path, dir) = (&next, &listing, &root_path, dir.as_fd());
            let replayed = &replayed;
            let worker = move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&range) = listing.dirs.get(i) else {
                    break;
                };
                replayed.wait_until_near(i);
                let (tx, rx) = sync_channel(CHUNKS_AHEAD);
                if register.send((i, rx)).is_err() {
                    break;
                }
                let mut chunk = Vec::with_capacity(CHUNK);
                let name = listing.name(range);
                let result = lstat_child(dir, name).and_then(|st| {
                    let opts = &Walk::part(base, ownership, link_counts, Some(name));
                    subtree(dir, root_path, name.to_vec(), &st, opts, &mut |e| {
                        chunk.push(e);
                        if chunk.len() == CHUNK {
                            let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                            tx.send(Ok(full))
                                .map_err(|_| io::Error::other("walk abandoned"))?;
                        }
                        Ok(())
                    })
                });
                // A failed send means the walk was abandoned; the next
                // registration fails too and ends this worker.
                let _ = tx.send(result.map(|()| chunk));
            };
            // Subtrees recurse once per level; give deep trees room.
            std::thread::Builder::new()
                .stack_size(WALK_STACK)
                .spawn_scoped(scope, worker)?;
        }
        drop(register);
        // Owned by this closure, so an early return drops them and
        // unblocks the workers before the scope joins them.
        let registered = registered;
        // Likewise: however this ends, no worker is left waiting.
        let _release = replayed.release_on_drop();
        let mut waiting = BTreeMap::new();
        for i in 0..listing.dirs.len() {
            let rx = loop {
                if let Some(rx) = waiting.remove(&i) {
                    break rx;
                }
                let (j, rx) = registered
                    .recv()
                    .map_err(|_| io::Error::other("walker threads ended early"))?;
                waiting.insert(j, rx);
            };
            for chunk in rx {
                for event in chunk? {
                    visit(event)?;
                }
            }
            replayed.advance(i + 1);
        }
        Ok(())
    })?;
    visit(Event::Leave)
}

/// How many links each regular file with more than one has inside the
/// tree `root` is a handle to (its files may share inodes with a content
/// store, whose links are not the tree's).
pub fn count_links(root: &Root) -> io::Result<HashMap<u64, u64>> {
    let mut counts = HashMap::new();
    let opts = WalkOptions {
        no_xattrs: true,
        ..WalkOptions::default()
    };
    walk(root, &opts, &mut |event| {
        if let Event::Leaf(node) = event {
            if node.kind == NodeKind::File && node.nlink > 1 {
                *counts.entry(node.ino).or_insert(0) += 1;
            }
        }
        Ok(())
    })?;
    Ok(counts)
}

/// The deepest directory tree walked. No path to anything deeper fits in
/// the kernel's 4096-byte `PATH_MAX` (a level takes at least two bytes),
/// so no path-based tool (upstream umoci, go-mtree, tar, runc) can handle
/// one either; a layer can still build one through symlinks, and walking
/// it would cost memory and descriptors in proportion to its depth.
pub const MAX_TREE_DEPTH: usize = 2048;

fn too_deep(path: &RelPath) -> io::Error {
    let shown = path.to_bytes();
    let shown = String::from_utf8_lossy(&shown[..shown.len().min(64)]).into_owned();
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "directory tree deeper than {MAX_TREE_DEPTH} levels (at {shown}…): refusing it, as no path that deep fits in PATH_MAX"
        ),
    )
}

/// Threads reading subtrees in parallel.
const WALKERS: usize = 2;
/// How many subtrees past the one being replayed a worker may start.
const SUBTREES_AHEAD: usize = WALKERS + 1;

/// How far the replay has got: workers wait to start a subtree until it
/// is within [`SUBTREES_AHEAD`] of it.
#[derive(Default)]
struct Window {
    replayed: Mutex<usize>,
    moved: Condvar,
}

impl Window {
    fn wait_until_near(&self, subtree: usize) {
        let guard = self.replayed.lock().unwrap_or_else(|e| e.into_inner());
        let _guard = self
            .moved
            .wait_while(guard, |r| subtree >= r.saturating_add(SUBTREES_AHEAD))
            .unwrap_or_else(|e| e.into_inner());
    }

    fn advance(&self, to: usize) {
        *self.replayed.lock().unwrap_or_else(|e| e.into_inner()) = to;
        self.moved.notify_all();
    }

    /// Opens the window wide when dropped, so that an abandoned walk
    /// leaves no worker waiting.
    fn release_on_drop(&self) -> impl Drop + '_ {
        struct Release<'a>(&'a Window);
        impl Drop for Release<'_> {
            fn drop(&mut self) {
                self.0.advance(usize::MAX);
            }
        }
        Release(self)
    }
}
/// Stack for a walker thread: deep enough for any path the kernel accepts
/// (4096 bytes, so at most 2048 levels), as the main thread's 8 MiB is.
const WALK_STACK: usize = 64 << 20;
/// Events sent between walker and consumer at a time.
const CHUNK: usize = 256;
/// Chunks a walker may get ahead of the consumer (about 8k nodes).
const CHUNKS_AHEAD: usize = 32;

fn lstat_child(dir: BorrowedFd<'_>, name: &[u8]) -> io::Result<rustix::fs::Stat> {
    Ok(rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW)?)
}

fn walk_dir(
    dir: BorrowedFd<'_>,
    path: &RelPath,
    opts: &Walk<'_>,
    visit: &mut dyn FnMut(Event) -> io::Result<()>,
) -> io::Result<()> {
    let listing = SortedListing::read(dir)?;
    for &file in &listing.files {
        let name = listing.name(file);
        let st = lstat_child(dir, name)?;
        visit(Event::Leaf(leaf(dir, path, name.to_vec(), &st, opts)?))?;
    }
    for &sub in &listing.dirs {
        let name = listing.name(sub);
        let st = lstat_child(dir, name)?;
        subtree(dir, path, name.to_vec(), &st, opts, visit)?;
    }
    Ok(())
}

/// The node of a non-directory.
fn leaf(
    dir: BorrowedFd<'_>,
    path: &RelPath,
    name: Vec<u8>,
    st: &rustix::fs::Stat,
    opts: &Walk<'_>,
) -> io::Result<Node> {
    crate::interrupt::check_io()?;
    let st = *st;
    let child = path.join(&name);
    let mut node = node_from_stat(name.clone(), child, &st)?;
    if let (Some(counts), NodeKind::File) = (opts.link_counts, node.kind) {
        if node.nlink > 1 {
            node.nlink = counts.get(&node.ino).copied().unwrap_or(node.nlink);
        }
    }
    match node.kind {
        NodeKind::Symlink => {
            node.link =
                Some(rustix::fs::readlinkat(dir, name.as_slice(), Vec::new())?.into_bytes());
        }
        NodeKind::File => {
            // A stat cache that vouches for the file (same inode, size,
            // mtime and ctime) vouches for its content and xattrs.
            let cached = if opts.digests {
                opts.cursor
                    .borrow_mut()
                    .as_mut()
                    .and_then(|c| c.lookup(&node.path, &st))
            } else {
                None
            };
            if let Some(c) = cached {
                node.sha256 = Some(c.sha256);
                node.xattrs = c.xattrs;
            } else {
                if !opts.no_xattrs {
                    node.xattrs = read_xattrs(dir, &name, opts.ownership)?;
                }
                if opts.digests && opts.digest_only.is_none_or(|f| f(&node.path)) {
                    let known = opts
                        .known
                        .and_then(|k| k.get(&node.ino))
                        .filter(|(size, _)| *size == node.size)
                        .map(|(_, d)| *d);
                    node.sha256 = Some(match known {
                        Some(digest) => digest,
                        // An empty file needs no reading.
                        None if node.size == 0 => Sha256::digest(b"").into(),
                        None => hash_file(dir, &name, opts.ownership)?,
                    });
                }
            }
        }
        _ => {}
    }
    Ok(node)
}

/// A directory: `Enter`, its contents, `Leave`.
fn subtree(
    dir: BorrowedFd<'_>,
    path: &RelPath,
    name: Vec<u8>,
    st: &rustix::fs::Stat,
    opts: &Walk<'_>,
    visit: &mut dyn FnMut(Event) -> io::Result<()>,
) -> io::Result<()> {
    crate::interrupt::check_io()?;
    let st = *st;
    let child_path = path.join(&name);
    if child_path.depth() > MAX_TREE_DEPTH {
        return Err(too_deep(&child_path));
    }
    let mut node = node_from_stat(name.clone(), child_path.clone(), &st)?;
    if !opts.no_xattrs {
        node.xattrs = read_xattrs(dir, &name, opts.ownership)?;
    }
    visit(Event::Enter(node))?;
    // Rootless, a directory its owner may not read is opened up for the
    // walk, and its mode restored through the pinned handle after it (the
    // name may point elsewhere by then).
    let (child, opened_up) = opts.ownership.open_dir(dir, &name)?;
    let result = walk_dir(child.as_fd(), &child_path, opts, visit);
    if let Some(opened_up) = opened_up {
        opened_up.restore()?;
    }
    result?;
    visit(Event::Leave)?;
    Ok(())
}

fn node_from_stat(name: Vec<u8>, path: RelPath, st: &rustix::fs::Stat) -> io::Result<Node> {
    let kind = match FileType::from_raw_mode(st.st_mode) {
        FileType::Directory => NodeKind::Dir,
        FileType::RegularFile => NodeKind::File,
        FileType::Symlink => NodeKind::Symlink,
        FileType::CharacterDevice => NodeKind::Char,
        FileType::BlockDevice => NodeKind::Block,
        FileType::Fifo => NodeKind::Fifo,
        FileType::Socket => NodeKind::Socket,
        FileType::Unknown => return Err(io::Error::other(format!("{path}: unknown file type"))),
    };
    Ok(Node {
        name,
        path,
        kind,
        size: st.st_size as u64,
        uid: st.st_uid,
        gid: st.st_gid,
        mode: st.st_mode & 0o7777,
        nlink: st.st_nlink,
        mtime: st.st_mtime,
        link: None,
        sha256: None,
        xattrs: Vec::new(),
        ino: st.st_ino,
        ctime: (st.st_ctime, st.st_ctime_nsec as i64),
        mtime_nsec: st.st_mtime_nsec as i64,
    })
}

/// Reading an entry's `user.*` xattrs takes read permission: rootless, an
/// entry that denies its owner is opened up for the read.
fn read_xattrs(
    dir: BorrowedFd<'_>,
    name: &[u8],
    ownership: &Ownership,
) -> io::Result<Vec<(Vec<u8>, Vec<u8>)>> {
    ownership.reading(dir, name, || xattr::read_all(dir, name))
}

/// The sha256 of a regular file's content, read as `ownership` reads.
fn hash_file(dir: BorrowedFd<'_>, name: &[u8], ownership: &Ownership) -> io::Result<[u8; 32]> {
    // Swapped for a FIFO or device since it was listed: not ours to read.
    let file = ownership.open_file(dir, name)?;
    thread_local! {
        // One read buffer per walker thread, not one per file.
        static BUF: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0u8; 1 << 17]);
    }
    BUF.with_borrow_mut(|buf| crate::fs::file::sha256_of_reader(file, buf))
}

/// The order the walk visits paths in: within a directory, non-directories
/// first, then directories, each sorted bytewise; a directory before its
/// contents.
pub(crate) fn walk_order<'a, 'b>(
    a: impl Iterator<Item = &'a [u8]> + Clone,
    a_dir: bool,
    b: impl Iterator<Item = &'b [u8]> + Clone,
    b_dir: bool,
) -> std::cmp::Ordering {
    // Counted by walking the components again: no allocation per call, on
    // a path taken for every node of the tree.
    let (a_len, b_len) = (a.clone().count(), b.clone().count());
    let key = |len: usize, is_dir: bool, i: usize| i + 1 < len || is_dir;
    for (i, (x, y)) in a.zip(b).enumerate() {
        let ord = key(a_len, a_dir, i)
            .cmp(&key(b_len, b_dir, i))
            .then_with(|| x.cmp(y));
        if ord != std::cmp::Ordering::Equal {
            return ord;
        }
    }
    a_len.cmp(&b_len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// The walk as `Enter path`, `Leaf path`, `Leave` lines, with digests
    /// of files where asked.
    fn events(root: &Root, opts: &WalkOptions<'_>) -> Vec<String> {
        let mut out = Vec::new();
        walk(root, opts, &mut |e| {
            out.push(match e {
                Event::Enter(n) => format!("enter {}", n.path),
                Event::Leaf(n) => match n.sha256 {
                    Some(d) => format!("leaf {} {:02x}{:02x}", n.path, d[0], d[1]),
                    None => format!("leaf {}", n.path),
                },
                Event::Leave => "leave".to_owned(),
            });
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn files_come_before_directories_each_sorted_bytewise() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        for d in ["b", "a", "b/z"] {
            std::fs::create_dir(p.join(d)).unwrap();
        }
        for f in ["z", "B", "b/y", "b/z/x"] {
            std::fs::write(p.join(f), b"").unwrap();
        }
        let root = Root::open(p, Ownership::default()).unwrap();
        let got = events(&root, &WalkOptions::default());
        let want = [
            "enter .",
            "leaf B",
            "leaf z",
            "enter a",
            "leave",
            "enter b",
            "leaf b/y",
            "enter b/z",
            "leaf b/z/x",
            "leave",
            "leave",
            "leave",
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn digests_come_from_known_hashes_or_the_content_and_rootless_opens_files_up() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        std::fs::write(p.join("known"), b"abc").unwrap();
        std::fs::write(p.join("locked"), b"abc").unwrap();
        std::fs::set_permissions(p.join("locked"), std::fs::Permissions::from_mode(0o000)).unwrap();
        let ino = std::fs::metadata(p.join("known")).map(|m| {
            use std::os::unix::fs::MetadataExt;
            m.ino()
        });
        let known: HashMap<u64, (u64, [u8; 32])> = [(ino.unwrap(), (3, [0xaa; 32]))].into();
        let root = Root::open(p, Ownership::rootless(Vec::new(), Vec::new())).unwrap();
        let opts = WalkOptions {
            digests: true,
            known: Some(&known),
            ..Default::default()
        };
        let got = events(&root, &opts);
        // sha256("abc") starts ba 78.
        assert_eq!(
            got,
            ["enter .", "leaf known aaaa", "leaf locked ba78", "leave"]
        );
        let mode = std::fs::symlink_metadata(p.join("locked"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0, "the locked file keeps its mode");
    }
}
