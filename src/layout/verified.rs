//! A reader that checks a blob against its descriptor while it streams.
//!
//! Bytes are hashed as they pass through; reading past the expected size, or
//! reaching the end with the wrong size or digest, is an error of kind
//! `InvalidData` carrying a [`LayoutError`] that names the blob. Callers that
//! read to the end therefore can never act on unverified content.

use std::io::{self, Read};

use super::error::LayoutError;
use crate::spec::{Digest, Hasher};

/// Wraps a reader of a blob's bytes and verifies size and digest at EOF.
pub struct VerifiedReader<R> {
    inner: R,
    expected: Digest,
    expected_size: i64,
    hasher: Option<Hasher>,
    seen: u64,
    /// The stored blob's length, when known, for the size error.
    stored_len: Option<u64>,
}

impl<R: Read> VerifiedReader<R> {
    /// Verifies `inner` against `expected` and `expected_size`.
    pub fn new(inner: R, expected: Digest, expected_size: i64) -> Self {
        let hasher = Some(expected.algorithm().hasher());
        VerifiedReader {
            inner,
            expected,
            expected_size,
            hasher,
            seen: 0,
            stored_len: None,
        }
    }

    /// Notes how long the stored blob is, so that a size error can say.
    pub fn with_stored_len(mut self, len: u64) -> Self {
        self.stored_len = Some(len);
        self
    }

    fn fail(&self, err: LayoutError) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, err)
    }

    fn size_error(&self, actual: u64) -> io::Error {
        self.fail(LayoutError::SizeMismatch {
            digest: self.expected.clone(),
            expected: self.expected_size,
            actual,
        })
    }
}

impl<R: Read> Read for VerifiedReader<R> {
    /// Hands out at most the descriptor's size. Once that much has been
    /// read (or the blob ended early), the digest is checked first, as
    /// upstream's verified reader does: a wrong byte anywhere, a missing
    /// byte or one inserted at the start is a digest mismatch; a blob whose
    /// first `size` bytes are right but that goes on is a size mismatch.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(hasher) = self.hasher.as_mut() else {
            return Ok(0); // already verified at EOF
        };
        let expected_size = self.expected_size.max(0) as u64;
        let remaining = expected_size - self.seen.min(expected_size);
        if remaining > 0 && !buf.is_empty() {
            let want = buf.len().min(remaining.min(usize::MAX as u64) as usize);
            let n = self.inner.read(&mut buf[..want])?;
            if n > 0 {
                self.seen += n as u64;
                hasher.update(&buf[..n]);
                return Ok(n);
            }
        } else if buf.is_empty() {
            return Ok(0);
        }
        // The declared size is read, or the blob ended short of it.
        let hasher = self.hasher.take().expect("checked above");
        let actual = hasher.finish();
        if actual != self.expected {
            return Err(self.fail(LayoutError::DigestMismatch {
                expected: self.expected.clone(),
                actual,
            }));
        }
        if self.seen < expected_size {
            return Err(self.size_error(self.seen));
        }
        let mut probe = [0u8; 1];
        loop {
            match self.inner.read(&mut probe) {
                Ok(0) => return Ok(0),
                Ok(_) => {
                    let len = self.stored_len.unwrap_or(self.seen + 1);
                    return Err(self.size_error(len));
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

/// Turns an I/O error from a [`VerifiedReader`] back into the layout error it
/// carries, or wraps it with the blob's digest.
pub fn into_layout_error(err: io::Error, digest: &Digest) -> LayoutError {
    if err.get_ref().is_some_and(|e| e.is::<LayoutError>()) {
        let inner = err.into_inner().expect("checked above");
        return *inner.downcast::<LayoutError>().expect("checked above");
    }
    LayoutError::io(format!("blob {digest}"), err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(data: &[u8], digest: &Digest, size: i64) -> Result<Vec<u8>, LayoutError> {
        let mut out = Vec::new();
        VerifiedReader::new(data, digest.clone(), size)
            .read_to_end(&mut out)
            .map_err(|e| into_layout_error(e, digest))?;
        Ok(out)
    }

    #[test]
    fn accepts_matching_blob() {
        let d = Digest::sha256_of(b"hello");
        assert_eq!(read_all(b"hello", &d, 5).unwrap(), b"hello");
    }

    #[test]
    fn rejects_tampering_size_and_overlong() {
        let d = Digest::sha256_of(b"hello");
        assert!(matches!(
            read_all(b"hellO", &d, 5),
            Err(LayoutError::DigestMismatch { .. })
        ));
        // Short, or a byte inserted at the start: the digest is wrong.
        assert!(matches!(
            read_all(b"hell", &d, 5),
            Err(LayoutError::DigestMismatch { .. })
        ));
        assert!(matches!(
            read_all(b"!hello", &d, 5),
            Err(LayoutError::DigestMismatch { .. })
        ));
        // The right bytes, and then more: the size is wrong.
        assert!(matches!(
            read_all(b"hello!", &d, 5),
            Err(LayoutError::SizeMismatch { .. })
        ));
        assert!(matches!(
            read_all(b"hello", &d, 4),
            Err(LayoutError::DigestMismatch { .. })
        ));
    }
}
