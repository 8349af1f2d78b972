//! Sparse files: the maps of where a file's data lies (old GNU headers,
//! GNU's PAX formats 0.0, 0.1 and 1.0), checked and turned into the holes
//! a reader fills with zeros, as Go's reader does.

use std::io::{self, Read};

use super::field;
use super::pax::{self, key, PaxRecords};
use super::BLOCK;

/// The most fragments one file may have (Go's limit).
const MAX_FRAGMENTS: usize = 1 << 20;
/// The most bytes a sparse map may take in the archive (Go's limit).
const MAX_MAP_BYTES: usize = 1 << 20;

/// A stretch of a file: where it starts and how long it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Fragment {
    /// Offset in the file.
    pub offset: i64,
    /// Length in bytes.
    pub length: i64,
}

impl Fragment {
    fn end(&self) -> i64 {
        self.offset + self.length
    }
}

/// Why a sparse map was refused.
pub type MapError = String;

fn push(map: &mut Vec<Fragment>, offset: i64, length: i64) -> Result<(), MapError> {
    if map.len() >= MAX_FRAGMENTS {
        return Err("sparse map has too many entries".into());
    }
    map.push(Fragment { offset, length });
    Ok(())
}

/// Reads entries of an old GNU sparse array (the header's four, or an
/// extension block's twenty-one) into `map`; returns whether an extension
/// block follows.
pub fn read_old_gnu_array(array: &[u8], map: &mut Vec<Fragment>) -> Result<bool, MapError> {
    let entries = array.len() / 24;
    for i in 0..entries {
        let entry = &array[i * 24..i * 24 + 24];
        // GNU and BSD tar stop here too.
        if entry[0] == 0 {
            break;
        }
        let number = |f: &[u8]| field::parse_numeric(f).map_err(|_| "bad sparse map entry");
        push(map, number(&entry[..12])?, number(&entry[12..])?)?;
    }
    Ok(array[entries * 24] > 0)
}

/// The map of GNU's PAX sparse format 0.0 or 0.1, held in the records.
pub fn map_0_1(records: &PaxRecords) -> Result<Vec<Fragment>, MapError> {
    let bad = || MapError::from("bad GNU sparse map records");
    let count = records
        .get(key::SPARSE_NUM_BLOCKS)
        .and_then(|v| pax::parse_int(v))
        .filter(|&n| n >= 0 && n.checked_mul(2).is_some())
        .ok_or_else(bad)?;
    let map_text = records.get(key::SPARSE_MAP).map_or(&b""[..], Vec::as_slice);
    let numbers: Vec<&[u8]> = if map_text.is_empty() {
        Vec::new()
    } else {
        map_text.split(|&b| b == b',').collect()
    };
    if numbers.len() as i64 != 2 * count {
        return Err(bad());
    }
    let mut map = Vec::new();
    for pair in numbers.chunks(2) {
        let offset = pax::parse_int(pair[0]).ok_or_else(bad)?;
        let length = pax::parse_int(pair[1]).ok_or_else(bad)?;
        push(&mut map, offset, length)?;
    }
    Ok(map)
}

/// The map of GNU's PAX sparse format 1.0, at the start of the file's data:
/// decimal numbers each ending in a newline (a count, then offset and
/// length pairs), padded to a whole block. Reads whole blocks only.
pub fn map_1_0(data: &mut impl Read) -> io::Result<Result<Vec<Fragment>, MapError>> {
    let mut buf: Vec<u8> = Vec::new();
    let mut pos = 0;
    let mut newlines = 0usize;
    // Reads blocks until `n` newlines are buffered past `pos`.
    let mut feed = |buf: &mut Vec<u8>, newlines: &mut usize, n: usize| -> io::Result<bool> {
        while *newlines < n {
            if buf.len() + BLOCK > MAX_MAP_BYTES {
                return Ok(false);
            }
            let mut blk = [0u8; BLOCK];
            data.read_exact(&mut blk)?;
            *newlines += blk.iter().filter(|&&b| b == b'\n').count();
            buf.extend_from_slice(&blk);
        }
        Ok(true)
    };
    let token = |buf: &Vec<u8>, pos: &mut usize, newlines: &mut usize| -> Option<i64> {
        let end = *pos + buf[*pos..].iter().position(|&b| b == b'\n')?;
        let value = pax::parse_int(&buf[*pos..end]);
        *pos = end + 1;
        *newlines -= 1;
        value
    };
    let too_long = || Err("sparse map is too long".into());
    let bad = || Err(MapError::from("bad GNU sparse 1.0 map"));
    if !feed(&mut buf, &mut newlines, 1)? {
        return Ok(too_long());
    }
    let count = match token(&buf, &mut pos, &mut newlines) {
        Some(n) if n >= 0 && n.checked_mul(2).is_some() => n as usize,
        _ => return Ok(bad()),
    };
    if !feed(&mut buf, &mut newlines, count.saturating_mul(2))? {
        return Ok(too_long());
    }
    let mut map = Vec::new();
    for _ in 0..count {
        let offset = token(&buf, &mut pos, &mut newlines);
        let length = token(&buf, &mut pos, &mut newlines);
        let (Some(offset), Some(length)) = (offset, length) else {
            return Ok(bad());
        };
        if let Err(e) = push(&mut map, offset, length) {
            return Ok(Err(e));
        }
    }
    Ok(Ok(map))
}

/// Whether the data fragments are in order, apart, and inside `size`.
pub fn is_valid(map: &[Fragment], size: i64) -> bool {
    if size < 0 {
        return false;
    }
    let mut previous = Fragment::default();
    for cur in map {
        if cur.offset < 0
            || cur.length < 0
            || cur.offset > i64::MAX - cur.length
            || cur.end() > size
            || previous.end() > cur.offset
        {
            return false;
        }
        previous = *cur;
    }
    true
}

/// The holes between a valid map's data fragments: adjacent ones merged,
/// empty ones dropped, and a last hole (possibly empty) ending at `size`.
pub fn holes(map: &[Fragment], size: i64) -> Vec<Fragment> {
    let mut holes = Vec::new();
    let mut hole = Fragment::default();
    for cur in map.iter().filter(|f| f.length > 0) {
        hole.length = cur.offset - hole.offset;
        if hole.length > 0 {
            holes.push(hole);
        }
        hole.offset = cur.end();
    }
    hole.length = size - hole.offset;
    holes.push(hole);
    holes
}

/// Where a reader stands in a sparse file.
#[derive(Debug)]
pub struct SparseState {
    holes: Vec<Fragment>,
    next: usize,
    pos: i64,
}

/// What comes next in a sparse file.
pub enum Stretch {
    /// This many bytes of data, from the archive.
    Data(usize),
    /// This many zeros.
    Hole(usize),
}

impl SparseState {
    /// At the start of a file with these holes (from [`holes`]).
    pub fn new(holes: Vec<Fragment>) -> Self {
        SparseState {
            holes,
            next: 0,
            pos: 0,
        }
    }

    /// Bytes of the file not yet read.
    pub fn remaining(&self) -> i64 {
        self.holes.last().map_or(0, Fragment::end) - self.pos
    }

    /// The next stretch, at most `max` bytes long.
    pub fn stretch(&self, max: usize) -> Stretch {
        let hole = self.holes[self.next];
        let cap = |n: i64| usize::try_from(n).map_or(max, |n| n.min(max));
        if self.pos < hole.offset {
            Stretch::Data(cap(hole.offset - self.pos))
        } else {
            Stretch::Hole(cap(hole.end() - self.pos))
        }
    }

    /// Moves past `n` bytes just read.
    pub fn advance(&mut self, n: usize) {
        self.pos += n as i64;
        if self.pos >= self.holes[self.next].end() && self.next + 1 < self.holes.len() {
            self.next += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(offset: i64, length: i64) -> Fragment {
        Fragment { offset, length }
    }

    #[test]
    fn maps_are_checked_as_go_checks_them() {
        assert!(is_valid(&[f(0, 5), f(5, 5)], 10));
        assert!(!is_valid(&[f(0, 6), f(5, 5)], 10), "overlap");
        assert!(!is_valid(&[f(5, 5), f(0, 1)], 10), "order");
        assert!(!is_valid(&[f(0, 11)], 10), "past the end");
        assert!(!is_valid(&[f(-1, 1)], 10));
        assert!(!is_valid(&[f(i64::MAX, 1)], i64::MAX));
        assert!(!is_valid(&[], -1));
    }

    #[test]
    fn holes_lie_between_data() {
        assert_eq!(holes(&[f(2, 3), f(5, 0), f(5, 1)], 10), [f(0, 2), f(6, 4)]);
        assert_eq!(holes(&[f(0, 10)], 10), [f(10, 0)]);
        assert_eq!(holes(&[], 7), [f(0, 7)]);
    }

    #[test]
    fn pax_0_1_maps() {
        let mut records = PaxRecords::new();
        records.insert(key::SPARSE_NUM_BLOCKS.to_vec(), b"2".to_vec());
        records.insert(key::SPARSE_MAP.to_vec(), b"0,5,10,+1".to_vec());
        assert_eq!(map_0_1(&records).unwrap(), [f(0, 5), f(10, 1)]);
        records.insert(key::SPARSE_NUM_BLOCKS.to_vec(), b"3".to_vec());
        assert!(map_0_1(&records).is_err());
        records.insert(key::SPARSE_NUM_BLOCKS.to_vec(), b"0".to_vec());
        records.insert(key::SPARSE_MAP.to_vec(), b"".to_vec());
        assert_eq!(map_0_1(&records).unwrap(), []);
    }

    #[test]
    fn pax_1_0_maps_are_read_in_whole_blocks() {
        let mut data = b"2\n0\n5\n10\n1\n".to_vec();
        data.resize(BLOCK, 0);
        data.extend_from_slice(b"file data");
        let mut r = &data[..];
        assert_eq!(map_1_0(&mut r).unwrap().unwrap(), [f(0, 5), f(10, 1)]);
        assert_eq!(r, b"file data");
        let mut bad = b"x\n".to_vec();
        bad.resize(BLOCK, 0);
        assert!(map_1_0(&mut &bad[..]).unwrap().is_err());
        // A count with no numbers after it runs out of data.
        let mut short = b"9\n".to_vec();
        short.resize(BLOCK, 0);
        assert!(map_1_0(&mut &short[..]).is_err());
    }

    #[test]
    fn old_gnu_arrays() {
        let mut array = vec![0u8; 4 * 24 + 1];
        array[..12].copy_from_slice(b"00000000000\0");
        array[12..24].copy_from_slice(b"00000000012\0");
        let mut map = Vec::new();
        assert!(!read_old_gnu_array(&array, &mut map).unwrap());
        assert_eq!(map, [f(0, 10)]);
        array[96] = 1;
        assert!(read_old_gnu_array(&array, &mut map).unwrap());
    }

    #[test]
    fn reading_walks_data_and_holes() {
        let mut s = SparseState::new(holes(&[f(2, 3)], 8));
        assert_eq!(s.remaining(), 8);
        assert!(matches!(s.stretch(100), Stretch::Hole(2)));
        s.advance(2);
        assert!(matches!(s.stretch(100), Stretch::Data(3)));
        s.advance(3);
        assert!(matches!(s.stretch(2), Stretch::Hole(2)));
        s.advance(3);
        assert_eq!(s.remaining(), 0);
    }
}
