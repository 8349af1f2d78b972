//! Putting the files of a layer being read into the store in the
//! background, for reflink and copy checkouts.
//!
//! The extractor writes each file into the bundle as a plain unpack does;
//! this thread then makes the store's object from the finished file (a
//! reflink where the file system can, so the bundle and the store share
//! its blocks; else a copy) and renames it into `objects/`. Done inline,
//! a reflink of a file just written waits for the kernel to write it
//! out first, file by file; here that wait overlaps the extraction.
//! Cloning *from* the bundle file never changes it (a clone's target
//! loses setuid bits and capabilities, its source nothing).

use std::fs::File;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

use super::objects::{clone_or_copy, object_name, open_sized, TempObject};
use super::Store;

/// Files queued before the extractor waits (each holds a descriptor).
const QUEUED: usize = 128;

/// A finished bundle file whose content becomes an object.
struct Job {
    file: File,
    digest: [u8; 32],
    size: u64,
}

/// The background thread, and the way to hand it files.
pub(crate) struct Publisher {
    jobs: Option<SyncSender<Job>>,
    thread: Option<JoinHandle<io::Result<()>>>,
    /// Cleared by the thread once reflinks are known not to work here:
    /// a copy needs nothing written out early.
    reflinks: Arc<AtomicBool>,
}

impl Publisher {
    /// Starts a thread publishing into `store`, reflinking where it can
    /// (and must, with `must_reflink`).
    pub fn start(
        store: &Store,
        reflink: Option<bool>,
        must_reflink: bool,
    ) -> io::Result<Publisher> {
        let tmp: OwnedFd = store.tmp().try_clone_to_owned()?;
        let objects: OwnedFd = store.objects().try_clone_to_owned()?;
        let (tx, rx) = sync_channel::<Job>(QUEUED);
        let reflinks = Arc::new(AtomicBool::new(reflink != Some(false)));
        let seen = reflinks.clone();
        let thread = std::thread::Builder::new()
            .name("store-publish".into())
            .spawn(move || -> io::Result<()> {
                let mut reflink = reflink;
                for job in rx {
                    publish(&tmp, &objects, &job, &mut reflink, must_reflink)?;
                    if reflink == Some(false) {
                        seen.store(false, Ordering::Relaxed);
                    }
                }
                Ok(())
            })?;
        Ok(Publisher {
            jobs: Some(tx),
            thread: Some(thread),
            reflinks,
        })
    }

    /// Queues `file` (finished, `size` bytes of content `digest`); waits
    /// while the queue is full. A failed thread's error comes out here or
    /// at [`Publisher::finish`].
    pub fn send(&mut self, file: File, digest: [u8; 32], size: u64) -> io::Result<()> {
        if self.reflinks.load(Ordering::Relaxed) {
            // Start writing it out now: a clone needs it on disk, and the
            // thread would otherwise wait for each file in turn. Advice
            // only: nothing is lost if the kernel declines.
            // SAFETY: a plain syscall on a descriptor this function owns.
            unsafe {
                libc::sync_file_range(
                    std::os::fd::AsRawFd::as_raw_fd(&file),
                    0,
                    0,
                    libc::SYNC_FILE_RANGE_WRITE,
                );
            }
        }
        let sent = self
            .jobs
            .as_ref()
            .map(|tx| tx.send(Job { file, digest, size }));
        match sent {
            Some(Ok(())) => Ok(()),
            _ => self
                .finish()
                .and(Err(io::Error::other("store publisher stopped"))),
        }
    }

    /// Waits until every queued file is an object.
    pub fn finish(&mut self) -> io::Result<()> {
        self.jobs = None;
        match self.thread.take() {
            Some(thread) => thread
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("store publisher panicked"))),
            None => Ok(()),
        }
    }
}

impl Drop for Publisher {
    fn drop(&mut self) {
        let _ = self.finish();
    }
}

/// Makes `job`'s object: a temporary clone or copy of the file, renamed
/// into `objects/` unless a whole object is already there.
fn publish(
    tmp: &OwnedFd,
    objects: &OwnedFd,
    job: &Job,
    reflink: &mut Option<bool>,
    must_reflink: bool,
) -> io::Result<()> {
    let name = object_name(&job.digest);
    let whole = || open_sized(objects.as_fd(), name.as_bytes(), job.size).map(|f| f.is_some());
    if whole()? {
        return Ok(());
    }
    let mut temp = TempObject::create_in(tmp.as_fd())?;
    clone_or_copy(&job.file, &temp.file, reflink, must_reflink)?;
    // Someone else's object is kept if whole; else this one replaces it.
    if !temp.publish(objects.as_fd(), name.as_bytes())? && !whole()? {
        temp.replace(objects.as_fd(), name.as_bytes())?;
    }
    Ok(())
}
