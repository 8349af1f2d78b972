//! Header fields as Go's reader parses them: C strings, octal or base-256
//! numbers, the checksum and the magic that says which layout a block has.

use super::BLOCK;

/// A numeric field that is not a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadNumber;

/// Which header layout a block uses, from its magic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// No magic: name, link, and numbers only.
    V7,
    /// `ustar\0`: USTAR or PAX, with a 155-byte name prefix.
    Ustar,
    /// `ustar\0` with Schily's `tar\0` trailer: a shorter prefix and times.
    Star,
    /// `ustar  \0`: GNU, with times where USTAR has its prefix.
    Gnu,
}

/// Field offsets and widths.
pub mod at {
    use std::ops::Range;
    pub const NAME: Range<usize> = 0..100;
    pub const MODE: Range<usize> = 100..108;
    pub const UID: Range<usize> = 108..116;
    pub const GID: Range<usize> = 116..124;
    pub const SIZE: Range<usize> = 124..136;
    pub const MTIME: Range<usize> = 136..148;
    pub const CHECKSUM: Range<usize> = 148..156;
    pub const FLAG: usize = 156;
    pub const LINK_NAME: Range<usize> = 157..257;
    pub const MAGIC: Range<usize> = 257..263;
    pub const VERSION: Range<usize> = 263..265;
    pub const DEV_MAJOR: Range<usize> = 329..337;
    pub const DEV_MINOR: Range<usize> = 337..345;
    pub const USTAR_PREFIX: Range<usize> = 345..500;
    pub const STAR_PREFIX: Range<usize> = 345..476;
    pub const STAR_ATIME: Range<usize> = 476..488;
    pub const STAR_CTIME: Range<usize> = 488..500;
    pub const STAR_TRAILER: Range<usize> = 508..512;
    pub const GNU_ATIME: Range<usize> = 345..357;
    pub const GNU_CTIME: Range<usize> = 357..369;
    pub const GNU_SPARSE: Range<usize> = 386..483;
    pub const GNU_REAL_SIZE: Range<usize> = 483..495;
}

/// The bytes before the first NUL, or all of them.
pub fn parse_string(field: &[u8]) -> &[u8] {
    match field.iter().position(|&b| b == 0) {
        Some(end) => &field[..end],
        None => field,
    }
}

/// A number in GNU base-256 (two's complement, when the high bit of the
/// first byte is set) or else in octal.
pub fn parse_numeric(field: &[u8]) -> Result<i64, BadNumber> {
    let Some(&first) = field.first() else {
        return Ok(0);
    };
    if first & 0x80 == 0 {
        return parse_octal(field);
    }
    // All but the sign bit, inverted when negative: -a-1 == !a.
    let inv: u8 = if first & 0x40 != 0 { 0xff } else { 0 };
    let mut x: u64 = 0;
    for (i, &c) in field.iter().enumerate() {
        let mut c = c ^ inv;
        if i == 0 {
            c &= 0x7f;
        }
        if x >> 56 > 0 {
            return Err(BadNumber);
        }
        x = x << 8 | u64::from(c);
    }
    if x >> 63 > 0 {
        return Err(BadNumber);
    }
    Ok(if inv == 0xff { !(x as i64) } else { x as i64 })
}

/// Octal digits, with spaces and NULs around them; nothing at all is 0.
pub fn parse_octal(field: &[u8]) -> Result<i64, BadNumber> {
    let pad = |b: &u8| *b == b' ' || *b == 0;
    let start = field.iter().position(|b| !pad(b)).unwrap_or(field.len());
    let end = field.iter().rposition(|b| !pad(b)).map_or(start, |i| i + 1);
    let trimmed = &field[start..end];
    if trimmed.is_empty() {
        return Ok(0);
    }
    let digits = parse_string(trimmed);
    if digits.is_empty() || !digits.iter().all(|b| (b'0'..=b'7').contains(b)) {
        return Err(BadNumber);
    }
    let mut x: u64 = 0;
    for &d in digits {
        x = x
            .checked_mul(8)
            .and_then(|x| x.checked_add(u64::from(d - b'0')))
            .ok_or(BadNumber)?;
    }
    // Go converts the unsigned value as it is.
    Ok(x as i64)
}

/// The header's layout, or `None` when its checksum is wrong (which is
/// what makes a block a header at all). Both the POSIX sum of unsigned
/// bytes and the old Sun sum of signed bytes are accepted.
pub fn layout_of(block: &[u8; BLOCK]) -> Option<Layout> {
    let stored = parse_octal(&block[at::CHECKSUM]).ok()?;
    let (mut unsigned, mut signed) = (0i64, 0i64);
    for (i, &c) in block.iter().enumerate() {
        let c = if at::CHECKSUM.contains(&i) { b' ' } else { c };
        unsigned += i64::from(c);
        signed += i64::from(c as i8);
    }
    if stored != unsigned && stored != signed {
        return None;
    }
    let magic = &block[at::MAGIC];
    Some(
        if magic == b"ustar\0" && &block[at::STAR_TRAILER] == b"tar\0" {
            Layout::Star
        } else if magic == b"ustar\0" {
            Layout::Ustar
        } else if magic == b"ustar " && &block[at::VERSION] == b" \0" {
            Layout::Gnu
        } else {
            Layout::V7
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn octal_fields_as_go_reads_them() {
        assert_eq!(parse_octal(b"0000644\0"), Ok(0o644));
        assert_eq!(parse_octal(b"  644 \0"), Ok(0o644));
        assert_eq!(parse_octal(b"\0\0\0\0"), Ok(0));
        assert_eq!(parse_octal(b"        "), Ok(0));
        // A NUL inside ends the digits.
        assert_eq!(parse_octal(b"12\0 34"), Ok(0o12));
        assert_eq!(parse_octal(b"12 34\0"), Err(BadNumber));
        assert_eq!(parse_octal(b"0009\0"), Err(BadNumber));
        assert_eq!(parse_octal(b"+12\0"), Err(BadNumber));
    }

    #[test]
    fn base256_fields_in_twos_complement() {
        assert_eq!(parse_numeric(&[0x80, 0, 0, 0, 0, 0, 1, 0]), Ok(256));
        assert_eq!(parse_numeric(&[0xff; 8]), Ok(-1));
        assert_eq!(
            parse_numeric(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]),
            Ok(-2)
        );
        // Past 63 bits.
        assert_eq!(
            parse_numeric(&[0x80, 0x80, 0, 0, 0, 0, 0, 0, 0]),
            Err(BadNumber)
        );
        assert_eq!(parse_numeric(&[0x80, 1, 0, 0, 0, 0, 0, 0, 0]), Ok(1 << 56));
        assert_eq!(
            parse_numeric(&[0x80, 1, 0, 0, 0, 0, 0, 0, 0, 0]),
            Err(BadNumber)
        );
        assert_eq!(parse_numeric(b"00000000017\0"), Ok(15));
    }

    #[test]
    fn checksums_decide_whether_a_block_is_a_header() {
        let mut blk = [0u8; BLOCK];
        blk[..4].copy_from_slice(b"file");
        blk[at::MAGIC].copy_from_slice(b"ustar\0");
        let sum: u32 = blk.iter().map(|&b| u32::from(b)).sum::<u32>() + 8 * u32::from(b' ');
        blk[at::CHECKSUM].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        assert_eq!(layout_of(&blk), Some(Layout::Ustar));
        blk[0] = b'g';
        assert_eq!(layout_of(&blk), None);
        // Old Sun tar summed signed bytes.
        let mut sun = [0u8; BLOCK];
        sun[0] = 0xe9;
        let signed: i64 = -23 + 8 * 32;
        sun[at::CHECKSUM].copy_from_slice(format!("{signed:06o}\0 ").as_bytes());
        assert_eq!(layout_of(&sun), Some(Layout::V7));
    }
}
