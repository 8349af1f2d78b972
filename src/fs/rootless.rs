//! The `user.rootlesscontainers` xattr: how rootless tools record the owner
//! a file should have inside the container when the unprivileged user could
//! not `chown` it. The value is the protobuf message
//! `Resource { uint32 uid = 1; uint32 gid = 2; }` from
//! rootless-containers/proto, where `u32::MAX` means "not set" (owner 0).

/// The xattr's name.
pub const XATTR_NAME: &str = "user.rootlesscontainers";

/// The "no owner recorded" value of either field.
const NOOP_ID: u32 = u32::MAX;

/// Encodes the in-container owner, or `None` when it is `0:0` (upstream
/// writes no xattr then, to save space).
pub fn encode(uid: u32, gid: u32) -> Option<Vec<u8>> {
    if uid == 0 && gid == 0 {
        return None;
    }
    let field = |v: u32| if v == 0 { NOOP_ID } else { v };
    let mut out = Vec::with_capacity(12);
    for (tag, value) in [(0x08u8, field(uid)), (0x10u8, field(gid))] {
        // proto3 leaves out fields holding the default value 0.
        if value != 0 {
            out.push(tag);
            put_varint(&mut out, value as u64);
        }
    }
    Some(out)
}

/// Why a `user.rootlesscontainers` payload could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// A field runs past the end of the payload.
    #[error("truncated {0} field")]
    Truncated(&'static str),
    /// A protobuf wire type the message cannot hold.
    #[error("unsupported protobuf wire type {0}")]
    WireType(u64),
    /// An id that does not fit 32 bits.
    #[error("id {0} out of range")]
    OutOfRange(u64),
}

/// Decodes a payload into the owner `(uid, gid)` it records; unset fields
/// and the "not set" value both mean 0.
pub fn decode(payload: &[u8]) -> Result<(u32, u32), RecordError> {
    let (mut uid, mut gid) = (0u32, 0u32);
    let mut rest = payload;
    while !rest.is_empty() {
        let key = take_varint(&mut rest)?;
        let (field, wire) = (key >> 3, key & 7);
        let value = match wire {
            0 => take_varint(&mut rest)?,
            1 | 5 => {
                let n = if wire == 1 { 8 } else { 4 };
                rest = rest.get(n..).ok_or(RecordError::Truncated("fixed-width"))?;
                continue;
            }
            2 => {
                let len = take_varint(&mut rest)? as usize;
                rest = rest
                    .get(len..)
                    .ok_or(RecordError::Truncated("length-delimited"))?;
                continue;
            }
            _ => return Err(RecordError::WireType(wire)),
        };
        let id = u32::try_from(value).map_err(|_| RecordError::OutOfRange(value))?;
        let id = if id == NOOP_ID { 0 } else { id };
        match field {
            1 => uid = id,
            2 => gid = id,
            _ => {}
        }
    }
    Ok((uid, gid))
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn take_varint(rest: &mut &[u8]) -> Result<u64, RecordError> {
    let mut value = 0u64;
    for (i, &byte) in rest.iter().enumerate().take(10) {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            *rest = &rest[i + 1..];
            return Ok(value);
        }
    }
    Err(RecordError::Truncated("varint"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_the_go_protobuf_library() {
        assert_eq!(encode(0, 0), None);
        assert_eq!(
            encode(1000, 0).unwrap(),
            [0x08, 0xe8, 0x07, 0x10, 0xff, 0xff, 0xff, 0xff, 0x0f]
        );
        assert_eq!(
            encode(0, 5).unwrap(),
            [0x08, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x10, 0x05]
        );
    }

    #[test]
    fn round_trips_and_rejects_garbage() {
        for (u, g) in [(1000, 0), (0, 5), (65534, 65534), (1, 1)] {
            assert_eq!(decode(&encode(u, g).unwrap()), Ok((u, g)));
        }
        assert_eq!(decode(&[]), Ok((0, 0)));
        assert!(decode(&[0x08, 0xff]).is_err());
        assert!(decode(&[0x0a, 0x05, 0x01]).is_err());
    }
}
