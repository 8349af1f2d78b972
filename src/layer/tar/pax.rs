//! PAX extended header records and the numbers and times they hold, as Go
//! parses them: each record framed by its length (so a value may hold any
//! byte, newlines included), the last record of a key winning, and the
//! pre-standard GNU sparse 0.0 records folded into one `GNU.sparse.map`.

use std::collections::BTreeMap;

/// PAX records by key; a later record of the same key replaces an earlier.
pub type PaxRecords = BTreeMap<Vec<u8>, Vec<u8>>;

/// A time with nanoseconds, as tar headers and PAX records give it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Time {
    /// Seconds since the epoch.
    pub sec: i64,
    /// Nanoseconds within the second.
    pub nsec: u32,
}

/// Keys with a meaning of their own.
pub mod key {
    pub const PATH: &[u8] = b"path";
    pub const LINK_PATH: &[u8] = b"linkpath";
    pub const UNAME: &[u8] = b"uname";
    pub const GNAME: &[u8] = b"gname";
    pub const UID: &[u8] = b"uid";
    pub const GID: &[u8] = b"gid";
    pub const SIZE: &[u8] = b"size";
    pub const MTIME: &[u8] = b"mtime";
    pub const ATIME: &[u8] = b"atime";
    pub const CTIME: &[u8] = b"ctime";
    pub const XATTR_PREFIX: &[u8] = b"SCHILY.xattr.";
    pub const SPARSE_OFFSET: &[u8] = b"GNU.sparse.offset";
    pub const SPARSE_NUM_BYTES: &[u8] = b"GNU.sparse.numbytes";
    pub const SPARSE_MAP: &[u8] = b"GNU.sparse.map";
    pub const SPARSE_NUM_BLOCKS: &[u8] = b"GNU.sparse.numblocks";
    pub const SPARSE_NAME: &[u8] = b"GNU.sparse.name";
    pub const SPARSE_MAJOR: &[u8] = b"GNU.sparse.major";
    pub const SPARSE_MINOR: &[u8] = b"GNU.sparse.minor";
    pub const SPARSE_SIZE: &[u8] = b"GNU.sparse.size";
    pub const SPARSE_REAL_SIZE: &[u8] = b"GNU.sparse.realsize";
}

/// Malformed PAX header data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaxError {
    /// A record that is not `"<len> <key>=<value>\n"` (its start quoted).
    #[error("malformed PAX record {0:?}")]
    Malformed(String),
    /// GNU sparse 0.0 offset and size records that do not alternate.
    #[error("GNU sparse 0.0 records out of order")]
    SparseOrder,
}

/// Parses the data of a PAX header (`"<len> <key>=<value>\n"` records).
/// On malformed data, says what is wrong.
pub fn parse_records(data: &[u8]) -> Result<PaxRecords, PaxError> {
    let mut records = PaxRecords::new();
    let mut sparse_map: Vec<&[u8]> = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let (k, v, residual) = parse_record(rest).ok_or_else(|| {
            PaxError::Malformed(String::from_utf8_lossy(&rest[..rest.len().min(64)]).into_owned())
        })?;
        rest = residual;
        if k == key::SPARSE_OFFSET || k == key::SPARSE_NUM_BYTES {
            // GNU sparse 0.0: offset and size records alternate.
            let expected = if sparse_map.len() % 2 == 0 {
                key::SPARSE_OFFSET
            } else {
                key::SPARSE_NUM_BYTES
            };
            if k != expected || v.contains(&b',') {
                return Err(PaxError::SparseOrder);
            }
            sparse_map.push(v);
        } else {
            records.insert(k.to_vec(), v.to_vec());
        }
    }
    if !sparse_map.is_empty() {
        records.insert(key::SPARSE_MAP.to_vec(), sparse_map.join(&b','));
    }
    Ok(records)
}

/// One record off the front of `s`: key, value and the rest.
fn parse_record(s: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let space = s.iter().position(|&b| b == b' ')?;
    let n = parse_int(&s[..space])?;
    if n < 5 || n > s.len() as i64 {
        return None;
    }
    // From an index into `s` to one into what follows the space.
    let n = usize::try_from(n).ok()?.checked_sub(space + 1)?;
    if n == 0 {
        return None;
    }
    let rest = &s[space + 1..];
    let (record, newline, residual) = (&rest[..n - 1], rest[n - 1], &rest[n..]);
    if newline != b'\n' {
        return None;
    }
    let eq = record.iter().position(|&b| b == b'=')?;
    let (k, v) = (&record[..eq], &record[eq + 1..]);
    let valid = !k.is_empty()
        && if [key::PATH, key::LINK_PATH, key::UNAME, key::GNAME].contains(&k) {
            !v.contains(&0)
        } else {
            !k.contains(&0)
        };
    valid.then_some((k, v, residual))
}

/// A decimal integer as Go's `strconv.ParseInt(s, 10, 64)` reads it: an
/// optional sign, then digits only.
pub fn parse_int(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut x: i64 = 0;
    for &d in digits {
        let d = i64::from(d - b'0');
        x = x.checked_mul(10)?;
        x = if neg {
            x.checked_sub(d)?
        } else {
            x.checked_add(d)?
        };
    }
    Some(x)
}

/// A PAX time, `seconds[.fraction]`, possibly negative; digits past the
/// ninth are checked and dropped.
pub fn parse_time(s: &[u8]) -> Option<Time> {
    let (secs, frac) = match s.iter().position(|&b| b == b'.') {
        Some(dot) => (&s[..dot], &s[dot + 1..]),
        None => (s, &b""[..]),
    };
    let sec = parse_int(secs)?;
    if !frac.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut nsec: u32 = 0;
    for i in 0..9 {
        nsec = nsec * 10 + frac.get(i).map_or(0, |d| u32::from(d - b'0'));
    }
    if nsec != 0 && secs.first() == Some(&b'-') {
        // The fraction counts away from zero too; at the very bottom Go's
        // arithmetic wraps, and so does ours.
        return Some(Time {
            sec: sec.wrapping_sub(1),
            nsec: 1_000_000_000 - nsec,
        });
    }
    Some(Time { sec, nsec })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_read_by_length_so_values_may_hold_newlines() {
        let data = b"50 SCHILY.xattr.user.a=x\ny\n22 linkpath=/etc/evil\n\n12 path=a\nb\n";
        let records = parse_records(data).unwrap();
        assert_eq!(
            records.get(&b"SCHILY.xattr.user.a"[..]).unwrap(),
            b"x\ny\n22 linkpath=/etc/evil\n"
        );
        assert_eq!(records.get(key::PATH).unwrap(), b"a\nb");
        assert_eq!(records.len(), 2);
    }

    #[test]
    fn malformed_records_are_refused_as_go_refuses_them() {
        for bad in [
            &b"5 a=b\n"[..],
            b"x path=a\n",
            b"99 path=a\n",
            b"10 patha\n\n",
            b"9 path=ab",
            b"9 path=a\n\0\0\0",
            b"7 =abc\n",
            b"12 path=a\0b\n",
            b"-9 path=a\n",
            b" 9 path=a\n",
        ] {
            assert!(
                parse_records(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn go_accepts_signs_leading_zeros_empty_values_and_repeats() {
        let records = parse_records(b"+11 path=a\n011 path=b\n7 uid=\n").unwrap();
        assert_eq!(records.get(key::PATH).unwrap(), b"b");
        assert_eq!(records.get(key::UID).unwrap(), b"");
        // A NUL in a value is fine for keys that are not names.
        assert!(parse_records(b"25 SCHILY.xattr.user.a=\0\n").is_ok());
    }

    #[test]
    fn gnu_sparse_0_0_records_become_one_map() {
        let data = b"23 GNU.sparse.offset=0\n25 GNU.sparse.numbytes=5\n\
                     24 GNU.sparse.offset=10\n25 GNU.sparse.numbytes=1\n";
        let records = parse_records(data).unwrap();
        assert_eq!(records.get(key::SPARSE_MAP).unwrap(), b"0,5,10,1");
        assert!(parse_records(b"25 GNU.sparse.numbytes=5\n").is_err());
    }

    #[test]
    fn times() {
        let t = |sec, nsec| Some(Time { sec, nsec });
        assert_eq!(parse_time(b"1700000000"), t(1700000000, 0));
        assert_eq!(parse_time(b"1700000000.5"), t(1700000000, 500_000_000));
        assert_eq!(parse_time(b"1.1234567899"), t(1, 123_456_789));
        assert_eq!(parse_time(b"-1.25"), t(-2, 750_000_000));
        assert_eq!(parse_time(b"-0.5"), t(-1, 500_000_000));
        assert_eq!(parse_time(b"+3"), t(3, 0));
        assert_eq!(
            parse_time(b"-9223372036854775808.5"),
            t(i64::MAX, 500_000_000)
        );
        assert_eq!(parse_time(b"3."), t(3, 0));
        assert_eq!(parse_time(b".5"), None);
        assert_eq!(parse_time(b"1.x"), None);
        assert_eq!(parse_time(b""), None);
    }

    #[test]
    fn ints() {
        assert_eq!(parse_int(b"+12"), Some(12));
        assert_eq!(parse_int(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_int(b"9223372036854775808"), None);
        assert_eq!(parse_int(b"1_0"), None);
        assert_eq!(parse_int(b"-"), None);
    }
}
