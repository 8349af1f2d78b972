//! Linux 6.13's `listxattrat`, `getxattrat`, `setxattrat` and
//! `removexattrat`: an entry's xattrs by directory fd and name, with
//! `AT_SYMLINK_NOFOLLOW`. Neither libc nor rustix wraps them yet.
//!
//! Older kernels answer `ENOSYS`; a sandbox's syscall filter may answer
//! `EPERM` (or another error) for calls it does not know, and may allow
//! some of the four and not others. [`or_procfs`] then falls back to the
//! procfs path, for good, call by call. A filter that fakes success
//! (errno 0) or kills the process is not told apart: it would as well
//! break every program that probes for a newer call.

use std::ffi::CString;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::sync::atomic::{AtomicU8, Ordering};

use rustix::io::Errno;

/// The four calls.
#[derive(Debug, Clone, Copy)]
pub enum Call {
    /// `setxattrat`.
    Set,
    /// `getxattrat`.
    Get,
    /// `listxattrat`.
    List,
    /// `removexattrat`.
    Remove,
}

/// The kernel's `struct xattr_args` (its first version, 16 bytes).
#[repr(C)]
struct XattrArgs {
    value: u64,
    size: u32,
    flags: u32,
}

/// Whether the `*at` calls work here, learned from the first answers.
pub struct Availability(AtomicU8);

const UNKNOWN: u8 = 0;
const WORKS: u8 = 1;
const MISSING: u8 = 2;

/// Whether each call works in this process's kernel and sandbox, in the
/// order of [`Call`].
static KERNEL: [Availability; 4] = [
    Availability::new(),
    Availability::new(),
    Availability::new(),
    Availability::new(),
];

impl Availability {
    /// Nothing known yet.
    pub const fn new() -> Self {
        Availability(AtomicU8::new(UNKNOWN))
    }

    /// `at(arg)` unless the calls are known to be missing, else (or when
    /// they turn out to be) `procfs(arg)`. Both name the same entry, so
    /// either answer is the answer.
    pub fn or_procfs<A: ?Sized, T>(
        &self,
        arg: &mut A,
        at: impl FnOnce(&mut A) -> Result<T, Errno>,
        procfs: impl FnOnce(&mut A) -> Result<T, Errno>,
    ) -> Result<T, Errno> {
        let state = self.0.load(Ordering::Relaxed);
        if state == MISSING {
            return procfs(arg);
        }
        match at(arg) {
            Ok(answer) => {
                if state != WORKS {
                    self.0.store(WORKS, Ordering::Relaxed);
                }
                Ok(answer)
            }
            Err(Errno::NOSYS) => {
                self.0.store(MISSING, Ordering::Relaxed);
                procfs(arg)
            }
            // Until the call has worked once, an error may be a filter's
            // refusal: procfs is asked too, and used from then on if it
            // answers. If it fails as well, its error is the one callers
            // have always seen (ENOTSUP, say, where a filter says EPERM).
            Err(_) if state == UNKNOWN => {
                let answer = procfs(arg);
                if answer.is_ok() {
                    self.0.store(MISSING, Ordering::Relaxed);
                }
                answer
            }
            Err(e) => Err(e),
        }
    }
}

/// [`Availability::or_procfs`] for `call` in this process.
pub fn or_procfs<A: ?Sized, T>(
    call: Call,
    arg: &mut A,
    at: impl FnOnce(&mut A) -> Result<T, Errno>,
    procfs: impl FnOnce(&mut A) -> Result<T, Errno>,
) -> Result<T, Errno> {
    KERNEL[call as usize].or_procfs(arg, at, procfs)
}

/// `listxattrat(dir, name, AT_SYMLINK_NOFOLLOW, buf)`.
pub fn list(dir: BorrowedFd<'_>, name: &[u8], buf: &mut [u8]) -> Result<usize, Errno> {
    let name = c_name(name)?;
    // SAFETY: `name` is NUL-terminated and `buf` valid for its length;
    // the kernel writes at most that many bytes.
    unsafe {
        syscall(
            Call::List,
            dir,
            &name,
            [buf.as_mut_ptr() as usize, buf.len(), 0],
        )
    }
}

/// `getxattrat(dir, name, AT_SYMLINK_NOFOLLOW, key)` into `buf`.
pub fn get(dir: BorrowedFd<'_>, name: &[u8], key: &[u8], buf: &mut [u8]) -> Result<usize, Errno> {
    let (name, key) = (c_name(name)?, c_name(key)?);
    let mut args = XattrArgs {
        value: buf.as_mut_ptr() as u64,
        size: u32::try_from(buf.len()).map_err(|_| Errno::INVAL)?,
        flags: 0,
    };
    let args = std::ptr::addr_of_mut!(args) as usize;
    // SAFETY: `key` is NUL-terminated; `args` points at `buf` and its
    // length, and both outlive the call.
    unsafe {
        syscall(
            Call::Get,
            dir,
            &name,
            [key.as_ptr() as usize, args, ARGS_SIZE],
        )
    }
}

/// `setxattrat(dir, name, AT_SYMLINK_NOFOLLOW, key, value)`, creating or
/// replacing.
pub fn set(dir: BorrowedFd<'_>, name: &[u8], key: &[u8], value: &[u8]) -> Result<(), Errno> {
    let (name, key) = (c_name(name)?, c_name(key)?);
    let args = XattrArgs {
        value: value.as_ptr() as u64,
        size: u32::try_from(value.len()).map_err(|_| Errno::TOOBIG)?,
        flags: 0,
    };
    let args = std::ptr::addr_of!(args) as usize;
    // SAFETY: as in `get`; the kernel only reads `value`.
    unsafe {
        syscall(
            Call::Set,
            dir,
            &name,
            [key.as_ptr() as usize, args, ARGS_SIZE],
        )
    }
    .map(drop)
}

/// `removexattrat(dir, name, AT_SYMLINK_NOFOLLOW, key)`.
pub fn remove(dir: BorrowedFd<'_>, name: &[u8], key: &[u8]) -> Result<(), Errno> {
    let (name, key) = (c_name(name)?, c_name(key)?);
    // SAFETY: `key` is NUL-terminated and outlives the call.
    unsafe { syscall(Call::Remove, dir, &name, [key.as_ptr() as usize, 0, 0]) }.map(drop)
}

/// The size of [`XattrArgs`] the kernel is told.
const ARGS_SIZE: usize = std::mem::size_of::<XattrArgs>();

/// A name for the kernel; an empty one would mean `dir` itself, which the
/// callers reach with the `f*` calls instead.
fn c_name(name: &[u8]) -> Result<CString, Errno> {
    if name.is_empty() {
        return Err(Errno::INVAL);
    }
    CString::new(name).map_err(|_| Errno::INVAL)
}

/// Makes `call(dir, name, AT_SYMLINK_NOFOLLOW, rest...)`. Every
/// architecture listed shares these numbers (the table has been common
/// since Linux 5.1); elsewhere, x32 included, the answer is `ENOSYS` and
/// procfs is used.
///
/// # Safety
/// `rest` must be what the call expects: pointers valid for the lengths
/// beside them.
#[cfg(any(
    target_arch = "x86_64",
    target_arch = "aarch64",
    target_arch = "riscv64"
))]
#[cfg(target_pointer_width = "64")]
unsafe fn syscall(
    call: Call,
    dir: BorrowedFd<'_>,
    name: &CString,
    rest: [usize; 3],
) -> Result<usize, Errno> {
    let number: libc::c_long = match call {
        Call::Set => 463,
        Call::Get => 464,
        Call::List => 465,
        Call::Remove => 466,
    };
    let r = libc::syscall(
        number,
        dir.as_raw_fd(),
        name.as_ptr(),
        libc::AT_SYMLINK_NOFOLLOW as libc::c_uint,
        rest[0],
        rest[1],
        rest[2],
    );
    if r < 0 {
        let errno = std::io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EIO);
        return Err(Errno::from_raw_os_error(errno));
    }
    Ok(r as usize)
}

/// See the version above.
#[cfg(not(all(
    any(
        target_arch = "x86_64",
        target_arch = "aarch64",
        target_arch = "riscv64"
    ),
    target_pointer_width = "64"
)))]
unsafe fn syscall(_: Call, _: BorrowedFd<'_>, _: &CString, _: [usize; 3]) -> Result<usize, Errno> {
    Err(Errno::NOSYS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    /// Whether a test may skip for want of something this machine lacks:
    /// only when asked, and never in CI (as the integration tests decide).
    fn may_skip() -> bool {
        std::env::var("CI").as_deref() != Ok("true")
            && std::env::var("UMOCI_TESTS_MAY_SKIP").as_deref() == Ok("1")
    }

    #[test]
    #[cfg_attr(
        not(all(
            any(
                target_arch = "x86_64",
                target_arch = "aarch64",
                target_arch = "riscv64"
            ),
            target_pointer_width = "64"
        )),
        ignore = "the calls are not made on this architecture"
    )]
    fn the_at_calls_agree_with_procfs_and_never_follow_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("f"), b"x").unwrap();
        std::os::unix::fs::symlink("f", dir.path().join("link")).unwrap();
        let fd = std::fs::File::open(dir.path()).unwrap();
        let fd = fd.as_fd();
        let mut buf = [0u8; 256];
        if let Err(e) = list(fd, b"f", &mut buf) {
            let why =
                format!("the *xattrat calls answer {e:?} here (Linux before 6.13, or a filter)");
            assert!(
                may_skip(),
                "{why}: run on Linux 6.13 or later (UMOCI_TESTS_MAY_SKIP=1 skips instead)"
            );
            eprintln!("skipping: {why}");
            return;
        }
        set(fd, b"f", b"user.one", b"value").unwrap();
        let n = list(fd, b"f", &mut buf).unwrap();
        assert_eq!(&buf[..n], b"user.one\0");
        let n = get(fd, b"f", b"user.one", &mut buf).unwrap();
        assert_eq!(&buf[..n], b"value");
        let path = super::super::proc_path(fd, b"f");
        let mut other = [0u8; 256];
        let m = rustix::fs::lgetxattr(&path, "user.one", &mut other).unwrap();
        assert_eq!(&other[..m], b"value");
        // A buffer too small is ERANGE, as with the path calls.
        assert_eq!(get(fd, b"f", b"user.one", &mut buf[..2]), Err(Errno::RANGE));
        // The symlink itself, not its target (user xattrs are refused on
        // symlinks, so the target's would show if it were followed).
        let n = list(fd, b"link", &mut buf).unwrap();
        assert_eq!(n, 0);
        assert_eq!(get(fd, b"link", b"user.one", &mut buf), Err(Errno::NODATA));
        remove(fd, b"f", b"user.one").unwrap();
        assert_eq!(list(fd, b"f", &mut buf), Ok(0));
        assert_eq!(remove(fd, b"f", b"user.one"), Err(Errno::NODATA));
        assert_eq!(list(fd, b"", &mut buf), Err(Errno::INVAL));
        assert_eq!(list(fd, b"a\0b", &mut buf), Err(Errno::INVAL));
    }

    #[test]
    fn missing_calls_fall_back_to_procfs_for_good() {
        let kernel = Availability::new();
        let mut tries = (0, 0);
        let r = kernel.or_procfs(
            &mut tries,
            |t| {
                t.0 += 1;
                Err::<u8, _>(Errno::NOSYS)
            },
            |t| {
                t.1 += 1;
                Ok(7)
            },
        );
        assert_eq!((r, tries), (Ok(7), (1, 1)));
        let r = kernel.or_procfs(&mut tries, |_| unreachable!(), |_| Ok(8));
        assert_eq!(r, Ok(8));
    }

    #[test]
    fn an_error_means_missing_only_before_the_call_has_worked() {
        // A filter's EPERM: procfs answers, and is used from then on.
        let filtered = Availability::new();
        let r = filtered.or_procfs(&mut (), |_| Err::<u8, _>(Errno::PERM), |_| Ok(1));
        assert_eq!(r, Ok(1));
        assert_eq!(
            filtered.or_procfs(&mut (), |_| unreachable!(), |_| Ok(2)),
            Ok(2)
        );
        // A real error (procfs fails too): procfs's error, and the call
        // is tried again next time.
        let real = Availability::new();
        let r = real.or_procfs(
            &mut (),
            |_| Err::<u8, _>(Errno::PERM),
            |_| Err(Errno::NOTSUP),
        );
        assert_eq!(r, Err(Errno::NOTSUP));
        assert_eq!(
            real.or_procfs(&mut (), |_| Ok(3), |_| unreachable!()),
            Ok(3)
        );
        // Once the call has worked, its errors are the answer.
        let r = real.or_procfs(&mut (), |_| Err::<u8, _>(Errno::NODATA), |_| unreachable!());
        assert_eq!(r, Err(Errno::NODATA));
    }
}
