//! Reading a tar stream entry by entry, as Go's `archive/tar` reader does.
//!
//! What that means in practice, each point a place where other readers
//! differ and the same layer would otherwise unpack to another tree:
//! - A block is a header when its checksum (unsigned or signed sum) is
//!   right; its magic picks the layout (V7, USTAR/PAX, GNU, STAR). Every
//!   numeric field the layout has is parsed, and one that is not a number
//!   fails the archive.
//! - PAX (`x`) headers and GNU long names and link targets (`L`, `K`) hold
//!   at most 1 MiB; a later one of the same kind replaces an earlier one;
//!   a record with an empty value leaves the header's own field as it is;
//!   a GNU long name wins over a PAX `path`.
//! - Links, symlinks, devices, directories and FIFOs have no data, whatever
//!   size their header gives; a pre-POSIX regular file (`\0`) whose name
//!   ends in `/` is a directory.
//! - Sparse files in GNU's PAX formats are expanded, holes read as zeros;
//!   old GNU sparse headers (`S`) are framed (their extension blocks read)
//!   and handed over as they are.
//! - The archive ends at two zero blocks, at the end of the stream between
//!   entries, or where the stream ends inside an entry's padding.

use std::collections::BTreeMap;
use std::io::{self, Read};

use super::field::{self, at, Layout};
use super::pax::{self, key, PaxRecords, Time};
use super::sparse::{self, Fragment, SparseState, Stretch};
use super::{flag, BLOCK};

/// The most data an extension header (PAX records, a GNU long name) may
/// hold; Go's limit, which also bounds what one entry makes us keep.
const MAX_SPECIAL_BYTES: u64 = 1 << 20;

/// An archive that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum TarError {
    /// Reading the stream failed.
    #[error("read tar stream")]
    Io(#[source] io::Error),
    /// The stream ends inside a header or an entry's data.
    #[error("tar stream ends inside an entry (at byte {0})")]
    Truncated(u64),
    /// A header, or what it describes, is malformed.
    #[error("invalid tar header at byte {offset}: {reason}")]
    Header {
        /// Where the header starts in the uncompressed stream.
        offset: u64,
        /// What is wrong with it.
        reason: String,
    },
}

/// One entry's header, with everything its extension headers said merged
/// in, as Go's reader returns it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Header {
    /// The type flag (`0` for a file, `5` a directory, ...).
    pub flag: u8,
    /// The name, exactly as the archive gives it.
    pub name: Vec<u8>,
    /// A symlink's target or the entry a hard link names.
    pub link_name: Vec<u8>,
    /// Bytes of content (a sparse file's full size).
    pub size: i64,
    /// Mode bits as stored.
    pub mode: i64,
    /// Owner.
    pub uid: i64,
    /// Group.
    pub gid: i64,
    /// Modification time.
    pub mtime: Time,
    /// Access time, where the archive gives one.
    pub atime: Option<Time>,
    /// Device major number.
    pub dev_major: i64,
    /// Device minor number.
    pub dev_minor: i64,
    /// Extended attributes (`SCHILY.xattr.*` records with a value).
    pub xattrs: BTreeMap<Vec<u8>, Vec<u8>>,
}

/// The content of the current entry.
#[derive(Debug, Default)]
struct Content {
    /// Bytes of it still in the stream.
    physical: u64,
    /// Where its holes are, for a sparse file.
    sparse: Option<SparseState>,
}

/// Reads entries from a tar stream; between two calls of
/// [`TarReader::next_header`], reading from it reads the current entry's
/// content. After an error, stop: where the stream stands is not defined.
pub struct TarReader<R> {
    inner: R,
    /// Bytes consumed from `inner`.
    pos: u64,
    /// Padding after the current entry's data.
    pad: u64,
    content: Content,
}

impl<R: Read> TarReader<R> {
    /// A reader at the start of `inner`.
    pub fn new(inner: R) -> Self {
        TarReader {
            inner,
            pos: 0,
            pad: 0,
            content: Content::default(),
        }
    }

    /// Skips what is left of the current entry and reads the next one's
    /// headers; `None` at the end of the archive.
    pub fn next_header(&mut self) -> Result<Option<Header>, TarError> {
        let mut records: Option<PaxRecords> = None;
        let mut long_name = Vec::new();
        let mut long_link = Vec::new();
        loop {
            self.skip_content()?;
            if !self.skip_padding()? {
                return Ok(None);
            }
            let start = self.pos;
            let bad = |reason: String| TarError::Header {
                offset: start,
                reason,
            };
            let Some(block) = self.read_header_block()? else {
                return Ok(None);
            };
            let mut header = parse_block(&block).map_err(|r| bad(r.into()))?;
            self.start_content(&header).map_err(|r| bad(r.into()))?;
            match header.flag {
                flag::PAX | flag::PAX_GLOBAL => {
                    let data = self
                        .read_special()
                        .map_err(|e| self.special_error(e, start))?;
                    let parsed = pax::parse_records(&data).map_err(|e| bad(e.to_string()))?;
                    if header.flag == flag::PAX_GLOBAL {
                        // Go hands these over as an entry of their own,
                        // with only its name and xattrs filled in.
                        let _ = merge_pax(&mut header, &parsed);
                        return Ok(Some(Header {
                            flag: header.flag,
                            name: header.name,
                            xattrs: header.xattrs,
                            ..Header::default()
                        }));
                    }
                    records = Some(parsed);
                }
                flag::GNU_LONG_NAME | flag::GNU_LONG_LINK => {
                    let data = self
                        .read_special()
                        .map_err(|e| self.special_error(e, start))?;
                    let value = field::parse_string(&data).to_vec();
                    if header.flag == flag::GNU_LONG_NAME {
                        long_name = value;
                    } else {
                        long_link = value;
                    }
                }
                _ => {
                    if let Some(records) = &records {
                        merge_pax(&mut header, records).map_err(|r| bad(r.into()))?;
                    }
                    if !long_name.is_empty() {
                        header.name = long_name;
                    }
                    if !long_link.is_empty() {
                        header.link_name = long_link;
                    }
                    if header.flag == flag::REGULAR_OLD {
                        header.flag = if header.name.ends_with(b"/") {
                            flag::DIR
                        } else {
                            flag::REGULAR
                        };
                    }
                    // The records may have changed the size.
                    self.start_content(&header).map_err(|r| bad(r.into()))?;
                    self.start_sparse(&mut header, &block, records.as_ref())
                        .map_err(|e| e.at(start))?;
                    return Ok(Some(header));
                }
            }
        }
    }

    /// Sets up reading the data that follows a header.
    fn start_content(&mut self, header: &Header) -> Result<(), &'static str> {
        let size = if flag::is_header_only(header.flag) {
            0
        } else {
            header.size
        };
        let size = u64::try_from(size).map_err(|_| "negative size")?;
        self.pad = size.wrapping_neg() % BLOCK as u64;
        self.content = Content {
            physical: size,
            sparse: None,
        };
        Ok(())
    }

    /// Reads a sparse file's map, if the entry is one, and turns the
    /// content into a reader of the file with its holes.
    fn start_sparse(
        &mut self,
        header: &mut Header,
        block: &[u8; BLOCK],
        records: Option<&PaxRecords>,
    ) -> Result<(), SparseError> {
        let map = if header.flag == flag::GNU_SPARSE {
            Some(self.old_gnu_map(header, block)?)
        } else {
            self.pax_sparse_map(header, records)?
        };
        let Some(map) = map else { return Ok(()) };
        if flag::is_header_only(header.flag) || !sparse::is_valid(&map, header.size) {
            return Err(SparseError::Map("invalid sparse map".into()));
        }
        self.content.sparse = Some(SparseState::new(sparse::holes(&map, header.size)));
        Ok(())
    }

    /// The map of an old GNU sparse header, from the header and the
    /// extension blocks that follow it (before its data).
    fn old_gnu_map(
        &mut self,
        header: &mut Header,
        block: &[u8; BLOCK],
    ) -> Result<Vec<Fragment>, SparseError> {
        // STAR uses the same flag with another layout.
        if field::layout_of(block) != Some(Layout::Gnu) {
            return Err(SparseError::Map("sparse header is not GNU".into()));
        }
        header.size = field::parse_numeric(&block[at::GNU_REAL_SIZE])
            .map_err(|_| SparseError::Map("bad sparse file size".into()))?;
        let mut map = Vec::new();
        let mut extended = sparse::read_old_gnu_array(&block[at::GNU_SPARSE], &mut map)
            .map_err(SparseError::Map)?;
        let mut total = at::GNU_SPARSE.len();
        while extended {
            let mut ext = [0u8; BLOCK];
            if self.read_full(&mut ext).map_err(|e| self.stream_error(e))? < BLOCK {
                return Err(TarError::Truncated(self.pos).into());
            }
            // Go counts a block before it parses it: at most 2047 of them.
            total += BLOCK;
            if total >= MAX_SPECIAL_BYTES as usize {
                return Err(SparseError::Map("sparse map is too long".into()));
            }
            extended = sparse::read_old_gnu_array(&ext, &mut map).map_err(SparseError::Map)?;
        }
        Ok(map)
    }

    /// The map of a GNU PAX sparse file (formats 0.0, 0.1, 1.0), if the
    /// records make it one; its real name and size go into the header.
    fn pax_sparse_map(
        &mut self,
        header: &mut Header,
        records: Option<&PaxRecords>,
    ) -> Result<Option<Vec<Fragment>>, SparseError> {
        let Some(records) = records else {
            return Ok(None);
        };
        let get = |k: &[u8]| records.get(k).map_or(&b""[..], Vec::as_slice);
        let (major, minor) = (get(key::SPARSE_MAJOR), get(key::SPARSE_MINOR));
        let is_1_0 = match (major, minor) {
            (b"0", b"0" | b"1") => false,
            (b"1", b"0") => true,
            (b"", b"") if !get(key::SPARSE_MAP).is_empty() => false,
            // Not sparse, or a version nobody knows: a plain file.
            _ => return Ok(None),
        };
        let name = get(key::SPARSE_NAME);
        if !name.is_empty() {
            header.name = name.to_vec();
        }
        let size = match get(key::SPARSE_SIZE) {
            b"" => get(key::SPARSE_REAL_SIZE),
            size => size,
        };
        if !size.is_empty() {
            header.size = pax::parse_int(size)
                .ok_or_else(|| SparseError::Map("bad sparse file size".into()))?;
        }
        if !is_1_0 {
            return sparse::map_0_1(records).map(Some).map_err(SparseError::Map);
        }
        let map = sparse::map_1_0(&mut PhysicalReader { tar: self });
        let map = map.map_err(|e| self.stream_error(e))?;
        map.map(Some).map_err(SparseError::Map)
    }

    /// Reads the rest of the current entry (an extension header's data),
    /// up to the limit.
    fn read_special(&mut self) -> io::Result<Vec<u8>> {
        let mut data = Vec::new();
        PhysicalReader { tar: self }
            .take(MAX_SPECIAL_BYTES + 1)
            .read_to_end(&mut data)?;
        if data.len() as u64 > MAX_SPECIAL_BYTES {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "header field too long: an extension header (PAX records or a GNU long name) holds more than 1 MiB",
            ));
        }
        Ok(data)
    }

    /// An error reading an extension header's data that starts at `start`.
    fn special_error(&self, e: io::Error, start: u64) -> TarError {
        match e.kind() {
            io::ErrorKind::InvalidData => TarError::Header {
                offset: start,
                reason: e.to_string(),
            },
            _ => self.stream_error(e),
        }
    }

    /// An error reading the stream: the stream ending early is a truncated
    /// archive, anything else the reader's own failure.
    fn stream_error(&self, e: io::Error) -> TarError {
        match e.kind() {
            io::ErrorKind::UnexpectedEof => TarError::Truncated(self.pos),
            _ => TarError::Io(e),
        }
    }

    /// Reads the next header block; `None` at the end of the archive.
    fn read_header_block(&mut self) -> Result<Option<[u8; BLOCK]>, TarError> {
        let mut block = [0u8; BLOCK];
        for first in [true, false] {
            match self.read_full(&mut block).map_err(TarError::Io)? {
                0 => return Ok(None),
                BLOCK => {}
                _ => return Err(TarError::Truncated(self.pos)),
            }
            if block.iter().any(|&b| b != 0) {
                if !first {
                    return Err(TarError::Header {
                        offset: self.pos - BLOCK as u64,
                        reason: "a zero block is followed by data".into(),
                    });
                }
                return Ok(Some(block));
            }
        }
        // Two zero blocks.
        Ok(None)
    }

    /// Skips the current entry's unread data.
    fn skip_content(&mut self) -> Result<(), TarError> {
        let left = self.content.physical;
        let skipped = io::copy(&mut PhysicalReader { tar: self }, &mut io::sink())
            .map_err(|e| self.stream_error(e))?;
        debug_assert_eq!(skipped, left);
        Ok(())
    }

    /// Skips the padding after the current entry's data; `false` when the
    /// stream ends inside it, which Go takes for the end of the archive.
    fn skip_padding(&mut self) -> Result<bool, TarError> {
        let mut pad = [0u8; BLOCK];
        let want = std::mem::take(&mut self.pad) as usize;
        let got = self.read_full(&mut pad[..want]).map_err(TarError::Io)?;
        Ok(got == want)
    }

    /// Reads until `buf` is full or the stream ends; how much was read.
    fn read_full(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut n = 0;
        while n < buf.len() {
            match self.inner.read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.pos += n as u64;
        Ok(n)
    }

    /// Reads the current entry's data as stored (no holes filled).
    fn read_physical(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = buf
            .len()
            .min(usize::try_from(self.content.physical).unwrap_or(usize::MAX));
        if want == 0 {
            return Ok(0);
        }
        let n = loop {
            match self.inner.read(&mut buf[..want]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other?,
            }
        };
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("tar stream ends inside an entry (at byte {})", self.pos),
            ));
        }
        self.pos += n as u64;
        self.content.physical -= n as u64;
        Ok(n)
    }
}

/// The current entry's content: a sparse file with its holes filled in.
impl<R: Read> Read for TarReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(mut state) = self.content.sparse.take() else {
            return self.read_physical(buf);
        };
        let read = self.read_sparse(&mut state, buf);
        self.content.sparse = Some(state);
        read
    }
}

impl<R: Read> TarReader<R> {
    /// Fills `buf` from a sparse file at `state`: zeros for holes, the
    /// stored data for the rest.
    fn read_sparse(&mut self, state: &mut SparseState, buf: &mut [u8]) -> io::Result<usize> {
        let want = usize::try_from(state.remaining()).map_or(buf.len(), |r| r.min(buf.len()));
        let mut n = 0;
        while n < want {
            let len = match state.stretch(want - n) {
                Stretch::Hole(len) => {
                    buf[n..n + len].fill(0);
                    len
                }
                Stretch::Data(len) => {
                    PhysicalReader { tar: self }
                        .read_exact(&mut buf[n..n + len])
                        .map_err(|e| match self.content.physical {
                            0 => invalid("sparse file has less data than its map says"),
                            _ => e,
                        })?;
                    len
                }
            };
            n += len;
            state.advance(len);
        }
        if state.remaining() == 0 && self.content.physical > 0 {
            return Err(invalid("sparse file has more data than its map says"));
        }
        Ok(n)
    }
}

fn invalid(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_string())
}

/// The stored data of the current entry, as a reader.
struct PhysicalReader<'a, R> {
    tar: &'a mut TarReader<R>,
}

impl<R: Read> Read for PhysicalReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.tar.read_physical(buf)
    }
}

/// What went wrong with a sparse file's map: the map itself (the header's
/// fault, once we know where it starts) or reading the stream.
enum SparseError {
    Map(String),
    Stream(TarError),
}

impl From<TarError> for SparseError {
    fn from(e: TarError) -> Self {
        SparseError::Stream(e)
    }
}

impl SparseError {
    fn at(self, offset: u64) -> TarError {
        match self {
            SparseError::Map(reason) => TarError::Header { offset, reason },
            SparseError::Stream(e) => e,
        }
    }
}

/// Parses a header block as Go's reader does; extension headers are
/// merged in by the caller.
fn parse_block(block: &[u8; BLOCK]) -> Result<Header, &'static str> {
    let layout = field::layout_of(block).ok_or("bad checksum")?;
    let num = |range: std::ops::Range<usize>| {
        field::parse_numeric(&block[range]).map_err(|_| "bad number in a numeric field")
    };
    let string = |range: std::ops::Range<usize>| field::parse_string(&block[range]).to_vec();
    let mut header = Header {
        flag: block[at::FLAG],
        name: string(at::NAME),
        link_name: string(at::LINK_NAME),
        size: num(at::SIZE)?,
        mode: num(at::MODE)?,
        uid: num(at::UID)?,
        gid: num(at::GID)?,
        mtime: Time {
            sec: num(at::MTIME)?,
            nsec: 0,
        },
        ..Header::default()
    };
    if layout == Layout::V7 {
        return Ok(header);
    }
    header.dev_major = num(at::DEV_MAJOR)?;
    header.dev_minor = num(at::DEV_MINOR)?;
    let prefix = match layout {
        Layout::V7 | Layout::Ustar => string(at::USTAR_PREFIX),
        Layout::Star => {
            header.atime = Some(Time {
                sec: num(at::STAR_ATIME)?,
                nsec: 0,
            });
            num(at::STAR_CTIME)?;
            string(at::STAR_PREFIX)
        }
        Layout::Gnu => {
            // GNU has times where USTAR has its prefix; old Go writers put
            // a prefix there anyway, told apart by the times not parsing.
            let time = |range: std::ops::Range<usize>| match block[range.start] {
                0 => Ok(None),
                _ => field::parse_numeric(&block[range]).map(Some),
            };
            match (time(at::GNU_ATIME), time(at::GNU_CTIME)) {
                (Ok(atime), Ok(_)) => {
                    header.atime = atime.map(|sec| Time { sec, nsec: 0 });
                    Vec::new()
                }
                _ => {
                    let prefix = string(at::USTAR_PREFIX);
                    if prefix.is_ascii() {
                        prefix
                    } else {
                        Vec::new()
                    }
                }
            }
        }
    };
    if !prefix.is_empty() {
        header.name = [&prefix[..], b"/", &header.name].concat();
    }
    Ok(header)
}

/// Merges PAX records into a header, as Go does; a record with an empty
/// value changes nothing.
fn merge_pax(header: &mut Header, records: &PaxRecords) -> Result<(), &'static str> {
    for (k, v) in records {
        if v.is_empty() {
            continue;
        }
        let int = || pax::parse_int(v).ok_or("bad number in a PAX record");
        let time = || pax::parse_time(v).ok_or("bad time in a PAX record");
        match k.as_slice() {
            key::PATH => header.name = v.clone(),
            key::LINK_PATH => header.link_name = v.clone(),
            key::UID => header.uid = int()?,
            key::GID => header.gid = int()?,
            key::SIZE => header.size = int()?,
            key::MTIME => header.mtime = time()?,
            key::ATIME => header.atime = Some(time()?),
            key::CTIME => {
                time()?;
            }
            _ => {
                if let Some(name) = k.strip_prefix(key::XATTR_PREFIX) {
                    header.xattrs.insert(name.to_vec(), v.clone());
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A header block of `layout` ("ustar\0" + "00" or "ustar  \0") with a
    /// correct checksum; `extra` patches bytes before the sum is taken.
    fn block(
        name: &[u8],
        flag: u8,
        size: u64,
        magic: &[u8; 8],
        extra: &[(usize, &[u8])],
    ) -> Vec<u8> {
        let mut b = vec![0u8; BLOCK];
        b[..name.len()].copy_from_slice(name);
        b[100..108].copy_from_slice(b"0000644\0");
        b[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
        b[136..148].copy_from_slice(b"00000000000\0");
        b[156] = flag;
        b[257..265].copy_from_slice(magic);
        for (at, bytes) in extra {
            b[*at..*at + bytes.len()].copy_from_slice(bytes);
        }
        b[148..156].copy_from_slice(b"        ");
        let sum: u32 = b.iter().map(|&x| u32::from(x)).sum();
        b[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        b
    }

    const USTAR: &[u8; 8] = b"ustar\x0000";
    const GNU: &[u8; 8] = b"ustar  \0";

    fn data(bytes: &[u8]) -> Vec<u8> {
        let mut v = bytes.to_vec();
        v.resize(bytes.len().div_ceil(BLOCK) * BLOCK, 0);
        v
    }

    /// An entry's name, type flag and content.
    type Got = (Vec<u8>, u8, Vec<u8>);

    /// Every entry, or the error.
    fn read_all(archive: &[u8]) -> Result<Vec<Got>, String> {
        let mut tar = TarReader::new(archive);
        let mut out = Vec::new();
        while let Some(h) = tar.next_header().map_err(|e| format!("{e:?}"))? {
            let mut content = Vec::new();
            tar.read_to_end(&mut content).map_err(|e| e.to_string())?;
            out.push((h.name, h.flag, content));
        }
        Ok(out)
    }

    #[test]
    fn header_only_types_have_no_data_whatever_their_size() {
        let archive = [
            block(b"d/", flag::DIR, 1024, USTAR, &[]),
            block(b"d/f", flag::REGULAR, 2, USTAR, &[]),
            data(b"hi"),
        ]
        .concat();
        let entries = read_all(&archive).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1], (b"d/f".to_vec(), flag::REGULAR, b"hi".to_vec()));
    }

    #[test]
    fn pre_posix_files_with_a_trailing_slash_are_directories() {
        let archive = [
            block(b"d/", 0, 0, USTAR, &[]),
            block(b"f", 0, 0, USTAR, &[]),
        ]
        .concat();
        let flags: Vec<u8> = read_all(&archive).unwrap().iter().map(|e| e.1).collect();
        assert_eq!(flags, [flag::DIR, flag::REGULAR]);
    }

    #[test]
    fn the_archive_ends_where_go_says_it_does() {
        let file = [block(b"f", flag::REGULAR, 2, USTAR, &[]), data(b"hi")].concat();
        // No end blocks at all, or the stream cut inside the padding.
        assert_eq!(read_all(&file).unwrap().len(), 1);
        assert_eq!(read_all(&file[..BLOCK + 100]).unwrap().len(), 1);
        // Cut inside the content or a header.
        assert!(read_all(&file[..BLOCK + 1]).is_err());
        assert!(read_all(&file[..100]).is_err());
        // One zero block then the end is an end; then data is an error.
        let one_zero = [file.clone(), vec![0u8; BLOCK]].concat();
        assert_eq!(read_all(&one_zero).unwrap().len(), 1);
        let garbage = [file, vec![0u8; BLOCK], vec![1u8; BLOCK]].concat();
        assert!(read_all(&garbage).unwrap_err().contains("zero block"));
    }

    #[test]
    fn a_bad_checksum_or_number_fails_the_archive() {
        let mut bad = block(b"f", flag::REGULAR, 0, USTAR, &[]);
        bad[0] = b'g';
        assert!(read_all(&bad).unwrap_err().contains("checksum"));
        let bad = block(b"f", flag::CHAR, 0, USTAR, &[(329, b"0000x00\0")]);
        assert!(read_all(&bad).unwrap_err().contains("numeric"));
    }

    #[test]
    fn old_gnu_sparse_maps_end_where_go_ends_them() {
        // A header with no entries of its own and `n` extension blocks,
        // the last holding one entry.
        let sparse = |n: usize| {
            let mut more = vec![0u8; BLOCK];
            more[504] = 1;
            let mut last = vec![0u8; BLOCK];
            last[..24].copy_from_slice(b"00000000000\x0000000000001\0");
            let mut archive = block(
                b"s",
                flag::GNU_SPARSE,
                1,
                GNU,
                &[(482, b"\x01"), (483, b"00000000012\0")],
            );
            for _ in 1..n {
                archive.extend_from_slice(&more);
            }
            archive.extend_from_slice(&last);
            archive.extend_from_slice(&data(b"a"));
            archive
        };
        let entries = read_all(&sparse(2047)).unwrap();
        assert_eq!(entries[0].2, [b"a".as_slice(), &[0u8; 9]].concat());
        assert!(read_all(&sparse(2048)).unwrap_err().contains("too long"));
    }
}
