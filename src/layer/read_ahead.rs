//! A reader drained on a thread of its own, a few chunks ahead.
//!
//! Why: a layer blob is read through a reader that hashes it to check its
//! digest. Done on the decompression thread, that hash (of the whole
//! compressed blob) and the reads' system calls were a fifth of the
//! thread that bounds an unpack; here they run beside it.

use std::io::{self, Read};
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender};
use std::thread::JoinHandle;

/// Size of a chunk read ahead.
const CHUNK: usize = 1 << 18;
/// Chunks read ahead.
const DEPTH: usize = 4;

/// What the thread sends: a chunk (its buffer and how much is used) or
/// the error that ended the reading.
type Sent = io::Result<(Vec<u8>, usize)>;

/// Reads what a thread reads ahead from another reader.
pub struct ReadAhead {
    rx: Receiver<Sent>,
    /// Buffers going back to the thread to be filled again.
    spare: Sender<Vec<u8>>,
    chunk: Vec<u8>,
    len: usize,
    pos: usize,
    /// Set after the end or an error: nothing more is read.
    done: bool,
    worker: Option<JoinHandle<()>>,
}

impl ReadAhead {
    /// Starts reading `inner` ahead on a thread.
    pub fn spawn<R: Read + Send + 'static>(mut inner: R) -> Self {
        let (tx, rx) = sync_channel::<Sent>(DEPTH);
        let (spare, spare_rx) = channel::<Vec<u8>>();
        let worker = std::thread::spawn(move || loop {
            let mut buf = spare_rx.try_recv().unwrap_or_else(|_| vec![0u8; CHUNK]);
            let read = loop {
                match inner.read(&mut buf) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    other => break other,
                }
            };
            let last = !matches!(read, Ok(n) if n > 0);
            // The reader gone means it stopped wanting more.
            if tx.send(read.map(|n| (buf, n))).is_err() || last {
                return;
            }
        });
        ReadAhead {
            rx,
            spare,
            chunk: Vec::new(),
            len: 0,
            pos: 0,
            done: false,
            worker: Some(worker),
        }
    }
}

impl Read for ReadAhead {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.len {
            if self.done {
                return Ok(0);
            }
            match self.rx.recv() {
                Ok(Ok((chunk, len))) => {
                    let old = std::mem::replace(&mut self.chunk, chunk);
                    if !old.is_empty() {
                        let _ = self.spare.send(old);
                    }
                    (self.len, self.pos) = (len, 0);
                    self.done = len == 0;
                }
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                Err(_) => {
                    self.done = true;
                    return Err(io::Error::other("read-ahead thread stopped"));
                }
            }
        }
        let n = buf.len().min(self.len - self.pos);
        buf[..n].copy_from_slice(&self.chunk[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl Drop for ReadAhead {
    fn drop(&mut self) {
        // Closing the channel ends the thread at its next send.
        let (_, closed) = sync_channel(0);
        self.rx = closed;
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Returns a few bytes at a time, then an error if asked to.
    struct Trickle {
        data: Vec<u8>,
        pos: usize,
        fail_at_end: bool,
    }

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.pos == self.data.len() && self.fail_at_end {
                return Err(io::Error::other("digest mismatch"));
            }
            let n = buf.len().min(7).min(self.data.len() - self.pos);
            buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }

    #[test]
    fn reads_everything_in_order_then_the_end() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 253) as u8).collect();
        let mut ahead = ReadAhead::spawn(io::Cursor::new(data.clone()));
        let mut back = Vec::new();
        ahead.read_to_end(&mut back).unwrap();
        assert_eq!(back, data);
        assert_eq!(ahead.read(&mut [0u8; 8]).unwrap(), 0);
    }

    #[test]
    fn an_error_at_the_end_reaches_the_reader() {
        let data = b"some bytes and more".to_vec();
        let inner = Trickle {
            data: data.clone(),
            pos: 0,
            fail_at_end: true,
        };
        let mut ahead = ReadAhead::spawn(inner);
        let mut back = Vec::new();
        let err = ahead.read_to_end(&mut back).unwrap_err();
        assert_eq!(err.to_string(), "digest mismatch");
        assert_eq!(back, data);
    }

    #[test]
    fn dropping_it_early_stops_the_thread() {
        let endless = io::repeat(1);
        let mut ahead = ReadAhead::spawn(endless);
        let mut some = [0u8; 10];
        ahead.read_exact(&mut some).unwrap();
        drop(ahead); // joins: the test hangs if the thread never ends
    }
}
