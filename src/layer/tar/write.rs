//! Tar headers encoded exactly as Go's `archive/tar` writer encodes them,
//! which is how upstream umoci writes every layer: the same entry gives the
//! same header bytes, so the same tree packed by either implementation has
//! the same diff ID.
//!
//! Go's rules, in short: an entry is plain USTAR when every field fits
//! (names ASCII and at most 100 bytes, or split into a prefix and a name;
//! numbers within their octal fields; no xattrs). Otherwise it is PAX: an
//! extended header of `key=value` records sorted by key (`path`,
//! `linkpath`, `uid`, `gid`, `size`, `mtime`, `SCHILY.xattr.*`), then a
//! USTAR block holding what fits (ASCII only, numbers that overflow as 0).
//! Only a device number too large for an octal field, which PAX cannot
//! carry, makes it GNU (base-256 numbers, `././@LongLink` names). Numbers
//! are zero-padded octal ending in NUL; the checksum is six digits, NUL and
//! a space; unused numeric fields (device numbers of a file) are written as
//! zeros, not left empty.
//!
//! The tar crate cannot write these bytes (it picks GNU long names, leaves
//! device fields empty and spells the checksum differently), so writing is
//! done here.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::{flag, BLOCK};

/// One entry's header, as it goes into the layer.
#[derive(Debug, Clone, Default)]
pub(crate) struct TarHeader<'a> {
    /// The entry name (directories end in `/`).
    pub name: &'a [u8],
    /// A symlink's target, or the earlier entry a hard link names.
    pub link_name: &'a [u8],
    /// One of [`flag`].
    pub flag: u8,
    /// Permission bits with setuid, setgid and sticky.
    pub mode: u32,
    /// Owner in the container.
    pub uid: u64,
    /// Group in the container.
    pub gid: u64,
    /// Bytes of data that follow (regular files only).
    pub size: u64,
    /// Modification time, whole seconds since the epoch.
    pub mtime: i64,
    /// Device major number (devices only).
    pub dev_major: u64,
    /// Device minor number (devices only).
    pub dev_minor: u64,
    /// Extended attributes, as `SCHILY.xattr.*` records.
    pub xattrs: &'a [(Vec<u8>, Vec<u8>)],
}

/// An entry Go's writer would refuse too.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HeaderError {
    /// A PAX record key may hold neither `=` nor NUL.
    #[error("xattr {0:?} cannot be written as a PAX record")]
    XattrName(String),
    /// Device numbers beyond what any tar format holds, or xattrs beside a
    /// device number only GNU can hold.
    #[error("device numbers {0}:{1} cannot be written in a tar header")]
    Device(u64, u64),
}

/// PAX records by key, in the byte order Go sorts them in.
type PaxRecords = BTreeMap<Vec<u8>, Vec<u8>>;

/// The three encodings Go chooses between, in its order of preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Ustar,
    Pax,
    Gnu,
}

impl TarHeader<'_> {
    /// Writes the header blocks (any extended header and its records
    /// first) to `out`. The entry's data, padded to a block, follows.
    pub(crate) fn write_to(&self, out: &mut impl Write) -> io::Result<()> {
        let (format, records) = self.choose().map_err(io::Error::other)?;
        match format {
            Format::Ustar => {
                let (prefix, name) = split_ustar_path(self.name).unwrap_or((b"", self.name));
                let mut blk = self.template(name, self.link_name, format_octal);
                format_string(&mut blk[345..500], prefix);
                out.write_all(&finish_block(blk, Format::Ustar))
            }
            Format::Pax => {
                let mut data = Vec::new();
                for (key, value) in &records {
                    pax_record(&mut data, key, value);
                }
                write_raw_file(out, &pax_header_name(self.name), &data, flag::PAX)?;
                let (name, link) = (to_ascii(self.name), to_ascii(self.link_name));
                let blk = self.template(&name, &link, format_octal);
                out.write_all(&finish_block(blk, Format::Pax))
            }
            Format::Gnu => {
                for (field, long_flag) in [
                    (self.name, flag::GNU_LONG_NAME),
                    (self.link_name, flag::GNU_LONG_LINK),
                ] {
                    if field.len() > 100 {
                        let data = [field, b"\0"].concat();
                        write_raw_file(out, b"././@LongLink", &data, long_flag)?;
                    }
                }
                let blk = self.template(self.name, self.link_name, format_numeric);
                out.write_all(&finish_block(blk, Format::Gnu))
            }
        }
    }

    /// Which encoding Go's writer picks, and the PAX records it would need.
    fn choose(&self) -> Result<(Format, PaxRecords), HeaderError> {
        let (mut ustar, mut pax, mut gnu) = (true, true, true);
        let mut records = PaxRecords::new();
        for (value, key, splittable) in [
            (self.name, "path", true),
            (self.link_name, "linkpath", false),
        ] {
            if !value.is_ascii() || value.len() > 100 {
                if !(splittable && split_ustar_path(value).is_some()) {
                    ustar = false;
                }
                records.insert(key.into(), value.to_vec());
            }
        }
        let numbers: [(i128, usize, Option<&str>); 6] = [
            (self.mode.into(), 8, None),
            (self.uid.into(), 8, Some("uid")),
            (self.gid.into(), 8, Some("gid")),
            (self.size.into(), 12, Some("size")),
            (self.dev_major.into(), 8, None),
            (self.dev_minor.into(), 8, None),
        ];
        for (value, width, key) in numbers {
            gnu &= fits_base256(width, value);
            if !fits_octal(width, value) {
                ustar = false;
                match key {
                    Some(key) => {
                        records.insert(key.into(), value.to_string().into_bytes());
                    }
                    None => pax = false,
                }
            }
        }
        if !fits_octal(12, self.mtime.into()) {
            ustar = false;
            records.insert(b"mtime".to_vec(), self.mtime.to_string().into_bytes());
        }
        if !self.xattrs.is_empty() {
            for (key, value) in self.xattrs {
                if key.contains(&b'=') || key.contains(&0) {
                    return Err(HeaderError::XattrName(
                        String::from_utf8_lossy(key).into_owned(),
                    ));
                }
                records.insert([b"SCHILY.xattr.", key.as_slice()].concat(), value.clone());
            }
            (ustar, gnu) = (false, false);
        }
        let format = if ustar {
            Format::Ustar
        } else if pax {
            Format::Pax
        } else if gnu {
            Format::Gnu
        } else {
            return Err(HeaderError::Device(self.dev_major, self.dev_minor));
        };
        Ok((format, records))
    }

    /// The fields every format shares, strings as given and numbers by
    /// `number`.
    fn template(&self, name: &[u8], link_name: &[u8], number: fn(&mut [u8], i128)) -> [u8; BLOCK] {
        let mut blk = [0u8; BLOCK];
        blk[156] = self.flag;
        format_string(&mut blk[0..100], name);
        format_string(&mut blk[157..257], link_name);
        number(&mut blk[100..108], self.mode.into());
        number(&mut blk[108..116], self.uid.into());
        number(&mut blk[116..124], self.gid.into());
        number(&mut blk[124..136], self.size.into());
        number(&mut blk[136..148], self.mtime.into());
        // User and group names stay empty, as upstream clears them.
        number(&mut blk[329..337], self.dev_major.into());
        number(&mut blk[337..345], self.dev_minor.into());
        blk
    }
}

/// Writes a header-and-data entry with default fields (an extended header,
/// a long name): ASCII name cut to 100 bytes, zero mode, owner and time.
fn write_raw_file(out: &mut impl Write, name: &[u8], data: &[u8], flag: u8) -> io::Result<()> {
    let mut name = to_ascii(name);
    name.truncate(100);
    while name.last() == Some(&b'/') {
        name.pop();
    }
    let mut blk = [0u8; BLOCK];
    blk[156] = flag;
    format_string(&mut blk[0..100], &name);
    format_octal(&mut blk[100..108], 0);
    format_octal(&mut blk[108..116], 0);
    format_octal(&mut blk[116..124], 0);
    format_octal(&mut blk[124..136], data.len() as i128);
    format_octal(&mut blk[136..148], 0);
    let format = if flag == flag::PAX {
        Format::Pax
    } else {
        Format::Gnu
    };
    out.write_all(&finish_block(blk, format))?;
    out.write_all(data)?;
    write_padding(out, data.len() as u64)
}

/// Zeros after `len` bytes of data, up to the next block.
pub(crate) fn write_padding(out: &mut impl Write, len: u64) -> io::Result<()> {
    let rem = (len % BLOCK as u64) as usize;
    if rem != 0 {
        out.write_all(&[0u8; BLOCK][rem..])?;
    }
    Ok(())
}

/// Sets the magic and version of `format`, then the checksum.
fn finish_block(mut blk: [u8; BLOCK], format: Format) -> [u8; BLOCK] {
    match format {
        Format::Ustar | Format::Pax => {
            blk[257..263].copy_from_slice(b"ustar\0");
            blk[263..265].copy_from_slice(b"00");
        }
        Format::Gnu => {
            blk[257..263].copy_from_slice(b"ustar ");
            blk[263..265].copy_from_slice(b" \0");
        }
    }
    let sum: u32 = blk
        .iter()
        .enumerate()
        .map(|(i, &b)| u32::from(if (148..156).contains(&i) { b' ' } else { b }))
        .sum();
    format_octal(&mut blk[148..155], sum.into());
    blk[155] = b' ';
    blk
}

/// The name of the extended header for `name`: `PaxHeaders.0` inserted
/// before the last component (`a/b` → `a/PaxHeaders.0/b`), cleaned as Go's
/// `path.Join` cleans.
fn pax_header_name(name: &[u8]) -> Vec<u8> {
    let cut = name.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
    let (dir, file) = name.split_at(cut);
    let joined: Vec<&[u8]> = [dir, b"PaxHeaders.0", file]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect();
    clean(&joined.join(&b'/'))
}

/// Go's `path.Clean`: no empty or `.` components, `..` taken back
/// lexically, `.` for nothing.
fn clean(path: &[u8]) -> Vec<u8> {
    let rooted = path.first() == Some(&b'/');
    let mut parts: Vec<&[u8]> = Vec::new();
    for part in path.split(|&b| b == b'/') {
        match part {
            b"" | b"." => {}
            b".." if parts.last().is_some_and(|p| *p != b"..") => {
                parts.pop();
            }
            b".." if rooted => {}
            _ => parts.push(part),
        }
    }
    let body = parts.join(&b'/');
    match (rooted, body.is_empty()) {
        (true, _) => [b"/".as_slice(), &body].concat(),
        (false, true) => b".".to_vec(),
        (false, false) => body,
    }
}

/// Splits a long ASCII name into USTAR's prefix (up to 155 bytes) and name
/// (up to 100) at a `/`, as Go does; `None` when it cannot.
fn split_ustar_path(name: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut length = name.len();
    if length <= 100 || !name.is_ascii() {
        return None;
    } else if length > 156 {
        length = 156;
    } else if name[length - 1] == b'/' {
        length -= 1;
    }
    let i = name[..length].iter().rposition(|&b| b == b'/')?;
    let suffix_len = name.len() - i - 1;
    if i == 0 || suffix_len > 100 || suffix_len == 0 || i > 155 {
        return None;
    }
    Some((&name[..i], &name[i + 1..]))
}

/// The bytes below 0x80 of `s`, NULs dropped: what Go keeps of a string a
/// USTAR field cannot hold (a byte of a multi-byte or invalid UTF-8
/// sequence is never below 0x80).
fn to_ascii(s: &[u8]) -> Vec<u8> {
    s.iter().copied().filter(|&b| b < 0x80 && b != 0).collect()
}

/// Copies `s` into the field, NUL-terminated when shorter; a name cut off
/// at a `/` loses its trailing slashes (so no reader takes it for a
/// directory).
fn format_string(field: &mut [u8], s: &[u8]) {
    let n = s.len().min(field.len());
    field[..n].copy_from_slice(&s[..n]);
    if s.len() < field.len() {
        field[s.len()] = 0;
    }
    if s.len() > field.len() && field[field.len() - 1] == b'/' {
        let kept = &s[..field.len() - 1];
        let end = kept.iter().rposition(|&b| b != b'/').map_or(0, |i| i + 1);
        field[end] = 0;
    }
}

/// Zero-padded octal and a NUL; zero when the value does not fit.
fn format_octal(field: &mut [u8], value: i128) {
    let value = if fits_octal(field.len(), value) {
        value
    } else {
        0
    };
    let digits = format!("{value:0width$o}", width = field.len() - 1);
    format_string(field, digits.as_bytes());
}

/// Octal when it fits, else GNU base-256 (two's complement, high bit set).
fn format_numeric(field: &mut [u8], value: i128) {
    if fits_octal(field.len(), value) {
        return format_octal(field, value);
    }
    if fits_base256(field.len(), value) {
        let mut v = value;
        for b in field.iter_mut().rev() {
            *b = v as u8;
            v >>= 8;
        }
        field[0] |= 0x80;
        return;
    }
    format_octal(field, 0);
}

fn fits_octal(width: usize, value: i128) -> bool {
    value >= 0 && (width >= 22 || value < 1i128 << ((width - 1) * 3))
}

fn fits_base256(width: usize, value: i128) -> bool {
    let bits = (width - 1) * 8;
    width >= 9 || (value >= -(1i128 << bits) && value < 1i128 << bits)
}

/// Appends `"<len> <key>=<value>\n"`, where `len` counts the whole record,
/// its own digits included.
fn pax_record(out: &mut Vec<u8>, key: &[u8], value: &[u8]) {
    let body = key.len() + value.len() + 3;
    let mut size = body + body.to_string().len();
    if body + size.to_string().len() != size {
        size = body + size.to_string().len();
    }
    out.extend_from_slice(size.to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(key);
    out.push(b'=');
    out.extend_from_slice(value);
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(h: &TarHeader) -> Vec<u8> {
        let mut out = Vec::new();
        h.write_to(&mut out).unwrap();
        out
    }

    fn file(name: &[u8]) -> TarHeader<'_> {
        TarHeader {
            name,
            flag: flag::REGULAR,
            mode: 0o644,
            mtime: 1_609_459_200,
            ..Default::default()
        }
    }

    #[test]
    fn short_ascii_entries_are_one_ustar_block_with_go_field_encodings() {
        let blk = encode(&file(b"etc/hosts"));
        assert_eq!(blk.len(), BLOCK);
        assert_eq!(&blk[100..108], b"0000644\0");
        assert_eq!(&blk[136..148], b"13773463000\0");
        assert_eq!(&blk[329..345], b"0000000\x000000000\x00");
        assert_eq!(&blk[257..265], b"ustar\x0000");
        // Six octal digits, NUL, space; and it adds up.
        assert_eq!(&blk[154..156], b"\0 ");
        let spaces = [b' '; 8];
        let unsigned = blk[..148].iter().chain(&spaces).chain(&blk[156..]);
        let sum: u32 = unsigned.map(|&b| u32::from(b)).sum();
        assert_eq!(&blk[148..154], format!("{sum:06o}").as_bytes());
    }

    #[test]
    fn long_ascii_names_split_into_prefix_and_name() {
        let name = [&[b'a'; 120][..], b"/file"].concat();
        let blk = encode(&file(&name));
        assert_eq!(blk.len(), BLOCK);
        assert_eq!(&blk[0..5], b"file\0");
        assert_eq!(&blk[345..465], &[b'a'; 120][..]);
    }

    #[test]
    fn what_ustar_cannot_hold_goes_into_sorted_pax_records() {
        let xattrs = vec![
            (b"user.b".to_vec(), b"2".to_vec()),
            (b"user.a".to_vec(), vec![]),
        ];
        let mut h = file(b"dir/caf\xc3\xa9");
        h.uid = 3_000_000;
        h.mtime = -1;
        h.xattrs = &xattrs;
        let out = encode(&h);
        assert_eq!(out.len(), 3 * BLOCK);
        assert_eq!(&out[0..23], b"dir/PaxHeaders.0/caf\0\0\0");
        assert_eq!(out[156], b'x');
        let records = b"24 SCHILY.xattr.user.a=\n25 SCHILY.xattr.user.b=2\n12 mtime=-1\n18 path=dir/caf\xc3\xa9\n15 uid=3000000\n";
        assert_eq!(&out[BLOCK..BLOCK + records.len()], records);
        let main = &out[2 * BLOCK..];
        assert_eq!(&main[0..8], b"dir/caf\0");
        assert_eq!(&main[108..116], b"0000000\0", "an overflowing number is 0");
        assert_eq!(&main[136..148], b"00000000000\0");
    }

    #[test]
    fn pax_record_lengths_count_their_own_digits() {
        let mut out = Vec::new();
        // 98 bytes and two digits would be 100, which takes three.
        pax_record(&mut out, b"path", &[b'x'; 91]);
        assert_eq!(&out[..4], b"101 ");
        assert_eq!(out.len(), 101);
    }

    #[test]
    fn huge_device_numbers_fall_back_to_gnu() {
        let mut h = file(b"dev/x");
        h.flag = flag::CHAR;
        h.dev_major = 1 << 22;
        let blk = encode(&h);
        assert_eq!(&blk[257..265], b"ustar  \0");
        assert_eq!(blk[329], 0x80);
        let xattrs = vec![(b"user.a".to_vec(), b"1".to_vec())];
        h.xattrs = &xattrs;
        assert!(h.write_to(&mut Vec::new()).is_err());
    }

    #[test]
    fn pax_header_names_and_cleaning_follow_go() {
        assert_eq!(pax_header_name(b"a/b/"), b"a/b/PaxHeaders.0");
        assert_eq!(pax_header_name(b"."), b"PaxHeaders.0");
        assert_eq!(pax_header_name(b"f"), b"PaxHeaders.0/f");
        assert_eq!(clean(b"a//b/./../c/"), b"a/c");
        assert_eq!(clean(b"../x"), b"../x");
    }
}
