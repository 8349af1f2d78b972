//! A cap on how much a tar stream may hold between two entries.
//!
//! The `tar` crate reads PAX extended headers and GNU long names into
//! memory whole before it yields the entry they describe. A layer can
//! therefore declare a 100 GiB PAX header of zeros, which compresses to a
//! few megabytes, and make a naive reader allocate all of it. Everything
//! read from the layer is counted here; the extractor resets the count for
//! each entry it is given and for each chunk of file content it reads, so
//! what remains counted is exactly the headers and the padding in between.
//!
//! Those header bytes are also kept (they are bounded by the same cap), so
//! that the extractor can read the PAX records itself: the `tar` crate
//! splits them on newlines, which a record's value may hold (a binary
//! `security.capability`, a file name), and then rejects or misreads them.

use std::cell::{Cell, RefCell};
use std::io::{self, Read};
use std::rc::Rc;

/// The most header data (PAX records, GNU long names, sparse maps) one
/// entry may bring with it. A 1 MiB path or a full set of 64 KiB xattrs
/// fits many times over.
pub const MAX_HEADER_BYTES: u64 = 16 << 20;

/// A reader that fails once more than [`MAX_HEADER_BYTES`] have been read
/// since the last [`BudgetHandle::reset`].
pub struct HeaderBudget<R> {
    inner: R,
    state: Rc<State>,
}

/// What both sides share.
#[derive(Default)]
struct State {
    used: Cell<u64>,
    /// The bytes counted since the last reset, unless content is being read.
    kept: RefCell<Vec<u8>>,
    in_content: Cell<bool>,
}

/// The extractor's side of a [`HeaderBudget`].
#[derive(Clone)]
pub struct BudgetHandle {
    state: Rc<State>,
}

impl<R: Read> HeaderBudget<R> {
    /// Wraps `inner`, returning the reader for the tar parser and the
    /// handle to reset the count with.
    pub fn new(inner: R) -> (Self, BudgetHandle) {
        let state = Rc::new(State::default());
        let handle = BudgetHandle {
            state: state.clone(),
        };
        (HeaderBudget { inner, state }, handle)
    }
}

impl BudgetHandle {
    /// Starts counting afresh: what was read so far was legitimate content
    /// or the headers of an entry already accepted.
    pub fn reset(&self) {
        self.state.used.set(0);
        self.state.kept.borrow_mut().clear();
    }

    /// The bytes read since the last reset: the padding after the previous
    /// entry's content, then this entry's extension headers and its own.
    pub fn headers(&self) -> std::cell::Ref<'_, Vec<u8>> {
        self.state.kept.borrow()
    }
}

impl<R: Read> Read for HeaderBudget<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let state = &self.state;
        if !state.in_content.get() {
            state.kept.borrow_mut().extend_from_slice(&buf[..n]);
        }
        let used = state.used.get() + n as u64;
        state.used.set(used);
        if used > MAX_HEADER_BYTES {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "tar headers (PAX records or GNU long names) exceed {} MiB for one entry",
                    MAX_HEADER_BYTES >> 20
                ),
            ));
        }
        Ok(n)
    }
}

/// Reads an entry's content, resetting the budget as it goes: content may
/// be as large as it likes, since it is streamed, never held.
pub struct ContentReader<'a, R> {
    /// The entry being read.
    pub inner: &'a mut R,
    /// The budget to reset after each chunk.
    pub budget: &'a BudgetHandle,
}

impl<R: Read> Read for ContentReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.budget.state.in_content.set(true);
        let n = self.inner.read(buf);
        self.budget.state.in_content.set(false);
        self.budget.reset();
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_until_reset() {
        let data = vec![0u8; (2 * MAX_HEADER_BYTES + 10) as usize];
        let (mut r, handle) = HeaderBudget::new(&data[..]);
        let mut buf = vec![0u8; (MAX_HEADER_BYTES / 2) as usize];
        r.read_exact(&mut buf).unwrap();
        r.read_exact(&mut buf).unwrap();
        // Exactly at the cap is still fine.
        handle.reset();
        // Over the cap without a reset in between.
        let err = io::copy(&mut r, &mut io::sink()).unwrap_err();
        assert!(err.to_string().contains("exceed"), "{err}");
    }

    #[test]
    fn content_reads_never_count() {
        let data = vec![1u8; (3 * MAX_HEADER_BYTES) as usize];
        let (mut r, handle) = HeaderBudget::new(&data[..]);
        let mut content = ContentReader {
            inner: &mut r,
            budget: &handle,
        };
        let n = io::copy(&mut content, &mut io::sink()).unwrap();
        assert_eq!(n, 3 * MAX_HEADER_BYTES);
        assert!(handle.headers().is_empty(), "content is not kept");
    }

    #[test]
    fn header_bytes_are_kept_until_reset() {
        let data: Vec<u8> = (0..100u8).collect();
        let (mut r, handle) = HeaderBudget::new(&data[..]);
        let mut buf = [0u8; 10];
        r.read_exact(&mut buf).unwrap();
        r.read_exact(&mut buf).unwrap();
        assert_eq!(&handle.headers()[..], &data[..20]);
        handle.reset();
        r.read_exact(&mut buf).unwrap();
        assert_eq!(&handle.headers()[..], &data[20..30]);
    }
}
