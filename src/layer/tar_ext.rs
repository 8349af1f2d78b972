//! The extension headers before a tar entry (PAX records, GNU long names),
//! read from the bytes the `tar` crate consumed to produce that entry.
//!
//! The crate splits PAX records on newlines before it honours their length
//! prefixes, so a record whose value holds a newline byte (a binary
//! `security.capability`, a name with a newline) is rejected, and a value
//! crafted to look like records after its newline is misread as them. Go's
//! reader, and so upstream umoci and every Docker-compatible tool, walks the
//! records by length. So do we: the crate still frames the stream and
//! streams content, and the entry's size it used is checked against the one
//! the records give.

use super::tar_header::BLOCK;

/// The most PAX record data one entry may carry, as Go's reader allows.
const MAX_PAX_BYTES: usize = 1 << 20;

/// PAX records as read: key and value bytes.
pub type PaxRecords = Vec<(Vec<u8>, Vec<u8>)>;

/// One entry's extension headers and its own header block.
#[derive(Debug, Default)]
pub struct ExtHeaders {
    /// PAX records, in order.
    pub pax: PaxRecords,
    /// A GNU long name (`L`), without its terminating NUL.
    pub long_name: Option<Vec<u8>>,
    /// A GNU long link target (`K`), without its terminating NUL.
    pub long_link: Option<Vec<u8>>,
    /// The entry's own header block.
    pub header: Vec<u8>,
}

impl ExtHeaders {
    /// Whether `block` is this entry's header as the crate hands it back:
    /// the same bytes, but for the owner fields and checksum, which the
    /// crate fills in from PAX `uid` and `gid` records.
    pub fn is_header(&self, block: &[u8]) -> bool {
        let same =
            |range: std::ops::Range<usize>| block.get(range.clone()) == self.header.get(range);
        block.len() == BLOCK && same(0..108) && same(124..148) && same(156..BLOCK)
    }

    /// The entry's name as the extension headers give it, if they do: a
    /// GNU long name wins over a PAX `path`, as in Go's reader.
    pub fn name(&self) -> Option<Vec<u8>> {
        self.long_or_pax(&self.long_name, b"path")
    }

    /// The link target as the extension headers give it, if they do: a
    /// GNU long link wins over a PAX `linkpath`, as in Go's reader.
    pub fn link_name(&self) -> Option<Vec<u8>> {
        self.long_or_pax(&self.long_link, b"linkpath")
    }

    fn long_or_pax(&self, long: &Option<Vec<u8>>, key: &[u8]) -> Option<Vec<u8>> {
        long.clone().or_else(|| self.pax(key).map(<[u8]>::to_vec))
    }

    /// The value of the PAX record `key`; the last one wins, as in Go.
    pub fn pax(&self, key: &[u8]) -> Option<&[u8]> {
        self.pax
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_slice())
    }
}

/// Reads the headers out of `raw`: the padding of the previous entry (less
/// than a block), then extension entries, then the entry's header block.
pub fn read(raw: &[u8]) -> Result<ExtHeaders, String> {
    let mut ext = ExtHeaders::default();
    let mut pos = raw.len() % BLOCK;
    loop {
        let block = raw
            .get(pos..pos + BLOCK)
            .ok_or("tar header not where the stream put it")?;
        let recognised = &block[257..263] == b"ustar\0" || &block[257..263] == b"ustar ";
        let flag = block[156];
        if !recognised || !matches!(flag, b'x' | b'L' | b'K') {
            ext.header = block.to_vec();
            return Ok(ext);
        }
        let size = parse_number(&block[124..136]).ok_or("bad size in extension header")?;
        let start = pos + BLOCK;
        let data = usize::try_from(size)
            .ok()
            .and_then(|size| raw.get(start..start.checked_add(size)?))
            .ok_or("extension header data not where the stream put it")?;
        match flag {
            // Go refuses more; the records of one entry are held in memory.
            b'x' if data.len() > MAX_PAX_BYTES => {
                return Err(format!("PAX records of {} bytes exceed 1 MiB", data.len()))
            }
            b'x' => ext.pax.extend(parse_pax(data)?),
            b'L' => ext.long_name = Some(until_nul(data)),
            _ => ext.long_link = Some(until_nul(data)),
        }
        pos = start + data.len().div_ceil(BLOCK) * BLOCK;
    }
}

/// A GNU long name: the bytes up to the first NUL.
fn until_nul(data: &[u8]) -> Vec<u8> {
    let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    data[..end].to_vec()
}

/// Parses PAX records (`"<len> <key>=<value>\n"`), each by its length, so a
/// value may hold any byte.
pub fn parse_pax(data: &[u8]) -> Result<PaxRecords, String> {
    let mut records = Vec::new();
    let mut rest = data;
    // Some writers pad the records with NULs.
    while rest.iter().any(|&b| b != 0) {
        let malformed = || {
            format!(
                "malformed PAX record {:?}",
                String::from_utf8_lossy(&rest[..rest.len().min(64)])
            )
        };
        let space = rest.iter().position(|&b| b == b' ').ok_or_else(malformed)?;
        let digits = &rest[..space];
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return Err(malformed());
        }
        let len: usize = std::str::from_utf8(digits)
            .ok()
            .and_then(|d| d.parse().ok())
            .ok_or_else(malformed)?;
        if len <= space + 1 || len > rest.len() || rest[len - 1] != b'\n' {
            return Err(malformed());
        }
        let body = &rest[space + 1..len - 1];
        let eq = body.iter().position(|&b| b == b'=').ok_or_else(malformed)?;
        records.push((body[..eq].to_vec(), body[eq + 1..].to_vec()));
        rest = &rest[len..];
    }
    Ok(records)
}

/// A numeric header field: octal (spaces and NULs around it), or GNU
/// base-256 when its high bit is set.
fn parse_number(field: &[u8]) -> Option<u64> {
    if field.first().is_some_and(|b| b & 0x80 != 0) {
        if field[0] & 0x40 != 0 {
            return None; // negative
        }
        let mut value: u64 = u64::from(field[0] & 0x3f);
        for &b in &field[1..] {
            value = value.checked_mul(256)?.checked_add(u64::from(b))?;
        }
        return Some(value);
    }
    let text = std::str::from_utf8(field).ok()?;
    let text = text.trim_matches(|c| c == ' ' || c == '\0');
    if text.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(text, 8).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_read_by_length_so_values_may_hold_newlines() {
        let data = b"50 SCHILY.xattr.user.a=x\ny\n22 linkpath=/etc/evil\n\n12 path=a\nb\n";
        let records = parse_pax(data).unwrap();
        assert_eq!(
            records,
            vec![
                (
                    b"SCHILY.xattr.user.a".to_vec(),
                    b"x\ny\n22 linkpath=/etc/evil\n".to_vec()
                ),
                (b"path".to_vec(), b"a\nb".to_vec()),
            ]
        );
    }

    #[test]
    fn malformed_records_are_refused() {
        for bad in [
            &b"5 a=b\n"[..],
            b"x path=a\n",
            b"99 path=a\n",
            b"10 patha\n\n",
            b"9 path=ab",
        ] {
            assert!(
                parse_pax(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        assert_eq!(parse_pax(b"9 path=a\n\0\0\0").unwrap().len(), 1);
    }

    #[test]
    fn pax_records_over_a_mebibyte_are_refused() {
        let size = MAX_PAX_BYTES + 1;
        let mut raw = vec![0u8; BLOCK];
        raw[124..135].copy_from_slice(format!("{size:011o}").as_bytes());
        raw[156] = b'x';
        raw[257..263].copy_from_slice(b"ustar\0");
        raw.resize(BLOCK + size.div_ceil(BLOCK) * BLOCK + BLOCK, 0);
        let err = read(&raw).unwrap_err();
        assert!(err.contains("exceed 1 MiB"), "{err}");
    }

    #[test]
    fn numbers_in_octal_or_base256() {
        assert_eq!(parse_number(b"00000000144\0"), Some(100));
        assert_eq!(parse_number(b"     144 \0"), Some(100));
        assert_eq!(parse_number(&[0x80, 0, 0, 0, 0, 0, 1, 0]), Some(256));
        assert_eq!(parse_number(b"9\0"), None);
    }
}
