//! A layer's listing: every entry of the layer, headers only, with the
//! store object holding each regular file's content.
//!
//! Replaying a listing through the extractor must build exactly the tree
//! the layer builds, so what is kept is the tar [`Header`] as our reader
//! returned it (before it becomes an extraction entry: a layer's "no
//! time" still means "the time of extraction" when replayed), not a
//! summary of it. The encoding is ours and binary: a magic line, then
//! length-prefixed records, then a zero length and the SHA-256 of all
//! that came before, so a truncated or damaged listing is refused rather
//! than half applied. Every length is bounded before anything is
//! allocated.

use std::collections::BTreeMap;
use std::io::{self, Read, Write};

use sha2::{Digest as _, Sha256};

use crate::layer::tar::{Header, Time};

/// The first bytes of every listing (the format's version is in it).
const MAGIC: &[u8] = b"umoci store listing 1\n";
/// The longest record accepted: names, link targets and xattrs of one
/// entry together.
const MAX_RECORD: u32 = 16 << 20;

/// One entry of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedEntry {
    /// The entry's header, as the layer's tar stream gave it.
    pub header: Header,
    /// For a regular file, the SHA-256 of its content (its object).
    pub object: Option<[u8; 32]>,
}

/// Writes a listing, record by record; [`ListingWriter::finish`] seals it.
pub struct ListingWriter<W: Write> {
    out: W,
    hash: Sha256,
    record: Vec<u8>,
}

impl<W: Write> ListingWriter<W> {
    /// Starts a listing on `out`.
    pub fn new(mut out: W) -> io::Result<Self> {
        out.write_all(MAGIC)?;
        let mut hash = Sha256::new();
        hash.update(MAGIC);
        Ok(ListingWriter {
            out,
            hash,
            record: Vec::new(),
        })
    }

    /// Appends one entry.
    pub fn push(&mut self, header: &Header, object: Option<&[u8; 32]>) -> io::Result<()> {
        let r = &mut self.record;
        r.clear();
        r.push(header.flag);
        put_bytes(r, &header.name);
        put_bytes(r, &header.link_name);
        for n in [header.size, header.mode, header.uid, header.gid] {
            r.extend_from_slice(&n.to_le_bytes());
        }
        put_time(r, header.mtime);
        match header.atime {
            Some(t) => {
                r.push(1);
                put_time(r, t);
            }
            None => r.push(0),
        }
        r.extend_from_slice(&header.dev_major.to_le_bytes());
        r.extend_from_slice(&header.dev_minor.to_le_bytes());
        r.extend_from_slice(&(header.xattrs.len() as u32).to_le_bytes());
        for (k, v) in &header.xattrs {
            put_bytes(r, k);
            put_bytes(r, v);
        }
        match object {
            Some(d) => {
                r.push(1);
                r.extend_from_slice(d);
            }
            None => r.push(0),
        }
        let len = u32::try_from(r.len())
            .ok()
            .filter(|l| *l <= MAX_RECORD)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "entry too large"))?;
        self.hash.update(len.to_le_bytes());
        self.hash.update(&*r);
        self.out.write_all(&len.to_le_bytes())?;
        self.out.write_all(r)
    }

    /// Seals the listing and returns where it was written.
    pub fn finish(mut self) -> io::Result<W> {
        self.hash.update(0u32.to_le_bytes());
        let sum: [u8; 32] = self.hash.finalize().into();
        self.out.write_all(&0u32.to_le_bytes())?;
        self.out.write_all(&sum)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

fn put_bytes(r: &mut Vec<u8>, b: &[u8]) {
    r.extend_from_slice(&(b.len() as u32).to_le_bytes());
    r.extend_from_slice(b);
}

fn put_time(r: &mut Vec<u8>, t: Time) {
    r.extend_from_slice(&t.sec.to_le_bytes());
    r.extend_from_slice(&t.nsec.to_le_bytes());
}

/// Reads a listing back, entry by entry; the seal is checked when the
/// last entry has been read, so a damaged listing ends in an error.
pub struct ListingReader<R: Read> {
    input: R,
    hash: Sha256,
    buf: Vec<u8>,
    done: bool,
}

fn damaged(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("damaged listing: {what}"),
    )
}

impl<R: Read> ListingReader<R> {
    /// Starts reading a listing from `input`.
    pub fn new(mut input: R) -> io::Result<Self> {
        let mut magic = [0u8; MAGIC.len()];
        input
            .read_exact(&mut magic)
            .map_err(|_| damaged("too short"))?;
        if magic != MAGIC {
            return Err(damaged("not a listing of this version"));
        }
        let mut hash = Sha256::new();
        hash.update(MAGIC);
        Ok(ListingReader {
            input,
            hash,
            buf: Vec::new(),
            done: false,
        })
    }

    /// The next entry, or `None` after the last (with the seal checked).
    pub fn next_entry(&mut self) -> io::Result<Option<ListedEntry>> {
        if self.done {
            return Ok(None);
        }
        let mut len = [0u8; 4];
        self.input
            .read_exact(&mut len)
            .map_err(|_| damaged("truncated"))?;
        self.hash.update(len);
        let len = u32::from_le_bytes(len);
        if len == 0 {
            let mut sum = [0u8; 32];
            self.input
                .read_exact(&mut sum)
                .map_err(|_| damaged("truncated seal"))?;
            let want: [u8; 32] = std::mem::take(&mut self.hash).finalize().into();
            if sum != want {
                return Err(damaged("checksum mismatch"));
            }
            let mut rest = [0u8; 1];
            if self.input.read(&mut rest)? != 0 {
                return Err(damaged("data after the seal"));
            }
            self.done = true;
            return Ok(None);
        }
        if len > MAX_RECORD {
            return Err(damaged("record too large"));
        }
        self.buf.resize(len as usize, 0);
        self.input
            .read_exact(&mut self.buf)
            .map_err(|_| damaged("truncated record"))?;
        self.hash.update(&self.buf);
        decode(&self.buf)
            .map(Some)
            .ok_or_else(|| damaged("malformed record"))
    }
}

impl<R: Read> Iterator for ListingReader<R> {
    type Item = io::Result<ListedEntry>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_entry().transpose()
    }
}

/// A cursor over one record's bytes.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.0.len() {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn i64(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn bytes(&mut self) -> Option<Vec<u8>> {
        let n = self.u32()? as usize;
        Some(self.take(n)?.to_vec())
    }
    fn time(&mut self) -> Option<Time> {
        let sec = self.i64()?;
        let nsec = self.u32()?;
        (nsec < 1_000_000_000).then_some(Time { sec, nsec })
    }
}

fn decode(record: &[u8]) -> Option<ListedEntry> {
    let mut c = Cursor(record);
    let flag = c.u8()?;
    let name = c.bytes()?;
    let link_name = c.bytes()?;
    let (size, mode, uid, gid) = (c.i64()?, c.i64()?, c.i64()?, c.i64()?);
    let mtime = c.time()?;
    let atime = match c.u8()? {
        0 => None,
        1 => Some(c.time()?),
        _ => return None,
    };
    let (dev_major, dev_minor) = (c.i64()?, c.i64()?);
    let count = c.u32()?;
    let mut xattrs = BTreeMap::new();
    for _ in 0..count {
        let k = c.bytes()?;
        let v = c.bytes()?;
        xattrs.insert(k, v);
    }
    let object = match c.u8()? {
        0 => None,
        1 => Some(c.take(32)?.try_into().ok()?),
        _ => return None,
    };
    if !c.0.is_empty() || size < 0 {
        return None;
    }
    Some(ListedEntry {
        header: Header {
            flag,
            name,
            link_name,
            size,
            mode,
            uid,
            gid,
            mtime,
            atime,
            dev_major,
            dev_minor,
            xattrs,
        },
        object,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<ListedEntry> {
        let mut xattrs = BTreeMap::new();
        xattrs.insert(b"user.a".to_vec(), vec![0, 1, 2]);
        vec![
            ListedEntry {
                header: Header {
                    flag: b'5',
                    name: b"etc/".to_vec(),
                    mode: 0o755,
                    mtime: Time {
                        sec: -62_135_596_800,
                        nsec: 0,
                    },
                    ..Header::default()
                },
                object: None,
            },
            ListedEntry {
                header: Header {
                    flag: b'0',
                    name: b"etc/\xffpasswd".to_vec(),
                    size: 12,
                    mode: 0o4755,
                    uid: -1,
                    gid: 1 << 40,
                    mtime: Time { sec: 5, nsec: 7 },
                    atime: Some(Time {
                        sec: 9,
                        nsec: 999_999_999,
                    }),
                    xattrs,
                    ..Header::default()
                },
                object: Some([7; 32]),
            },
        ]
    }

    fn encode(entries: &[ListedEntry]) -> Vec<u8> {
        let mut w = ListingWriter::new(Vec::new()).unwrap();
        for e in entries {
            w.push(&e.header, e.object.as_ref()).unwrap();
        }
        w.finish().unwrap()
    }

    #[test]
    fn entries_come_back_exactly() {
        let bytes = encode(&sample());
        let back: Vec<_> = ListingReader::new(bytes.as_slice())
            .unwrap()
            .collect::<io::Result<_>>()
            .unwrap();
        assert_eq!(back, sample());
    }

    #[test]
    fn damage_anywhere_is_refused() {
        let bytes = encode(&sample());
        for cut in [0, 10, MAGIC.len() + 3, bytes.len() - 1] {
            let r =
                ListingReader::new(&bytes[..cut]).and_then(|r| r.collect::<io::Result<Vec<_>>>());
            assert!(r.is_err(), "truncated at {cut}");
        }
        for flip in [MAGIC.len() + 6, bytes.len() / 2, bytes.len() - 40] {
            let mut bad = bytes.clone();
            bad[flip] ^= 1;
            let r =
                ListingReader::new(bad.as_slice()).and_then(|r| r.collect::<io::Result<Vec<_>>>());
            assert!(r.is_err(), "flipped byte {flip}");
        }
        let mut long = bytes.clone();
        long.push(0);
        let r = ListingReader::new(long.as_slice()).and_then(|r| r.collect::<io::Result<Vec<_>>>());
        assert!(r.is_err());
    }
}
