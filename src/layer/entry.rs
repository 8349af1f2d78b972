//! One tar entry's metadata, as the layer describes it.
//!
//! The `tar` crate frames the stream and parses the header block; names,
//! link targets and PAX records (`path`, `linkpath`, `size`, `uid`, `gid`,
//! `mtime`, `atime`, `SCHILY.xattr.*`) come from the extension headers as
//! we read them ([`super::tar_ext`]), a GNU long name overriding a PAX one
//! as in Go, and it is all reduced to what extraction needs.

use std::collections::BTreeMap;
use std::io::Read;

use tar::EntryType;

use super::error::LayerError;
use super::tar_ext::ExtHeaders;
use crate::fs::RelPath;

/// The kinds of entries a layer may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file with content.
    File,
    /// A directory.
    Dir,
    /// A symbolic link.
    Symlink,
    /// A hard link to an earlier entry.
    Hardlink,
    /// A character device.
    Char,
    /// A block device.
    Block,
    /// A named pipe.
    Fifo,
}

/// A timestamp with nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Time {
    /// Seconds since the epoch.
    pub sec: i64,
    /// Nanoseconds within the second.
    pub nsec: u32,
}

/// Everything about a tar entry except its content.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The name exactly as the layer spells it.
    pub raw_name: Vec<u8>,
    /// The cleaned, in-root path.
    pub path: RelPath,
    /// What the entry is.
    pub kind: EntryKind,
    /// Symlink target or hardlink source, as spelled.
    pub link: Vec<u8>,
    /// Permission bits including setuid, setgid and sticky.
    pub mode: u32,
    /// Owner in the container.
    pub uid: u32,
    /// Group in the container.
    pub gid: u32,
    /// Modification time.
    pub mtime: Time,
    /// Access time, if the layer recorded one.
    pub atime: Option<Time>,
    /// Extended attributes, by name.
    pub xattrs: BTreeMap<Vec<u8>, Vec<u8>>,
    /// Device numbers (devices only).
    pub dev: (u32, u32),
    /// Content size (regular files only).
    pub size: u64,
}

impl Entry {
    /// Reads the metadata of `entry`, whose extension headers are `ext`.
    pub fn from_tar<R: Read>(
        entry: &mut tar::Entry<'_, R>,
        ext: &ExtHeaders,
    ) -> Result<Self, LayerError> {
        let header = entry.header();
        let raw_name = ext
            .name()
            .unwrap_or_else(|| header.path_bytes().into_owned());
        let bad = |reason: String| LayerError::invalid(&raw_name, reason);
        if !ext.is_header(header.as_bytes()) {
            return Err(bad("tar header not where the stream put it".into()));
        }
        let kind = match header.entry_type() {
            EntryType::Regular | EntryType::Continuous | EntryType::GNUSparse => EntryKind::File,
            EntryType::Directory => EntryKind::Dir,
            EntryType::Symlink => EntryKind::Symlink,
            EntryType::Link => EntryKind::Hardlink,
            EntryType::Char => EntryKind::Char,
            EntryType::Block => EntryKind::Block,
            EntryType::Fifo => EntryKind::Fifo,
            other => {
                return Err(bad(format!(
                    "unsupported tar entry type {:?}",
                    other.as_byte() as char
                )))
            }
        };
        let mode = header.mode().map_err(|e| bad(format!("bad mode: {e}")))? & 0o7777;
        let num = |r: std::io::Result<u64>, what: &str| -> Result<u64, LayerError> {
            r.map_err(|e| bad(format!("bad {what}: {e}")))
        };
        let mut uid = num(header.uid(), "uid")?;
        let mut gid = num(header.gid(), "gid")?;
        let mut mtime = Time {
            sec: num(header.mtime(), "mtime")? as i64,
            nsec: 0,
        };
        let mut atime = None;
        let dev = match kind {
            EntryKind::Char | EntryKind::Block => (
                header.device_major().ok().flatten().unwrap_or(0),
                header.device_minor().ok().flatten().unwrap_or(0),
            ),
            _ => (0, 0),
        };
        let link = ext.link_name().unwrap_or_else(|| {
            header
                .link_name_bytes()
                .map(|l| l.into_owned())
                .unwrap_or_default()
        });
        let mut size = entry.size();
        let mut xattrs = BTreeMap::new();
        for (key, value) in &ext.pax {
            let text = || std::str::from_utf8(value).unwrap_or("");
            if let Some(name) = key.strip_prefix(b"SCHILY.xattr.") {
                xattrs.insert(name.to_vec(), value.to_vec());
            } else if key == b"uid" {
                uid = text()
                    .parse()
                    .map_err(|_| bad(format!("bad PAX uid {:?}", text())))?;
            } else if key == b"gid" {
                gid = text()
                    .parse()
                    .map_err(|_| bad(format!("bad PAX gid {:?}", text())))?;
            } else if key == b"mtime" {
                mtime = parse_pax_time(text())
                    .ok_or_else(|| bad(format!("bad PAX mtime {:?}", text())))?;
            } else if key == b"atime" {
                atime = parse_pax_time(text());
            } else if key == b"size" {
                size = text()
                    .parse()
                    .map_err(|_| bad(format!("bad PAX size {:?}", text())))?;
            }
        }
        // The crate framed the stream with the size it read; had it misread
        // the records, the next entry would start somewhere else than any
        // other reader says.
        if kind == EntryKind::File && size != entry.size() {
            return Err(bad(format!(
                "PAX size {size} is not the {} bytes the stream frames",
                entry.size()
            )));
        }
        let id = |v: u64, what: &str| {
            u32::try_from(v)
                .map_err(|_| LayerError::invalid(&raw_name, format!("{what} {v} is out of range")))
        };
        Ok(Entry {
            path: RelPath::clean(&raw_name),
            kind,
            link,
            mode,
            uid: id(uid, "uid")?,
            gid: id(gid, "gid")?,
            mtime,
            atime,
            xattrs,
            dev,
            size: entry.size(),
            raw_name,
        })
    }
}

/// Parses a PAX time (`seconds[.fraction]`, possibly negative).
pub fn parse_pax_time(text: &str) -> Option<Time> {
    let (neg, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (secs, frac) = body.split_once('.').unwrap_or((body, ""));
    if secs.is_empty()
        || !secs.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let sec: i64 = secs.parse().ok()?;
    let mut digits: String = frac.chars().take(9).collect();
    while digits.len() < 9 {
        digits.push('0');
    }
    let nsec: u32 = digits.parse().ok()?;
    Some(if !neg {
        Time { sec, nsec }
    } else if nsec == 0 {
        Time { sec: -sec, nsec: 0 }
    } else {
        Time {
            sec: -sec - 1,
            nsec: 1_000_000_000 - nsec,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pax_times() {
        assert_eq!(
            parse_pax_time("1700000000"),
            Some(Time {
                sec: 1700000000,
                nsec: 0
            })
        );
        assert_eq!(
            parse_pax_time("1700000000.5"),
            Some(Time {
                sec: 1700000000,
                nsec: 500_000_000
            })
        );
        assert_eq!(
            parse_pax_time("-1.25"),
            Some(Time {
                sec: -2,
                nsec: 750_000_000
            })
        );
        assert_eq!(parse_pax_time("x"), None);
        assert_eq!(parse_pax_time(""), None);
    }
}
