//! Linux 6.13's `*xattrat` calls refused by a seccomp filter, as container
//! sandboxes refuse calls they do not know (with EPERM, not ENOSYS): the
//! xattrs still come through, by procfs, call by call.

use std::os::unix::process::CommandExt;
use std::process::Command;

use rustix::fs::XattrFlags;

use super::*;

/// `setxattrat`, `getxattrat`, `listxattrat`, `removexattrat`.
const SETXATTRAT: u32 = 463;
const REMOVEXATTRAT: u32 = 466;

/// Runs our binary with the calls `first..=last` answered EPERM.
fn umoci_filtered(first: u32, last: u32, args: &[&str]) -> Run {
    run_filtered(umoci_command(args), first, last)
}

/// Runs `cmd` (and what it execs) with the calls `first..=last` answered
/// EPERM.
fn run_filtered(mut cmd: Command, first: u32, last: u32) -> Run {
    // SAFETY: the closure only makes two prctl calls on data it owns.
    unsafe {
        cmd.pre_exec(move || refuse_calls(first, last));
    }
    Run::from(cmd.output().expect("run the filtered command"))
}

/// Installs a seccomp filter that answers EPERM to the calls numbered
/// `first..=last` and lets every other call through.
fn refuse_calls(first: u32, last: u32) -> std::io::Result<()> {
    use libc::{sock_filter, sock_fprog};
    let op = |code: u32, jt: u8, jf: u8, k: u32| sock_filter {
        code: code as u16,
        jt,
        jf,
        k,
    };
    // The syscall number is the first word of `struct seccomp_data`.
    let filter = [
        op(libc::BPF_LD | libc::BPF_W | libc::BPF_ABS, 0, 0, 0),
        op(libc::BPF_JMP | libc::BPF_JGE | libc::BPF_K, 0, 2, first),
        op(libc::BPF_JMP | libc::BPF_JGT | libc::BPF_K, 1, 0, last),
        op(
            libc::BPF_RET | libc::BPF_K,
            0,
            0,
            libc::SECCOMP_RET_ERRNO | libc::EPERM as u32,
        ),
        op(libc::BPF_RET | libc::BPF_K, 0, 0, libc::SECCOMP_RET_ALLOW),
    ];
    let prog = sock_fprog {
        len: filter.len() as u16,
        filter: filter.as_ptr() as *mut sock_filter,
    };
    // SAFETY: `prog` points at `filter`, both alive for the calls.
    unsafe {
        if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0
            || libc::prctl(libc::PR_SET_SECCOMP, libc::SECCOMP_MODE_FILTER, &prog) != 0
        {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

fn get_xattr(path: &Path, key: &str) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; 256];
    let n = rustix::fs::lgetxattr(path, key, &mut buf).ok()?;
    buf.truncate(n);
    Some(buf)
}

#[test]
fn xattrs_come_through_when_a_filter_refuses_all_four_calls() {
    let dir = tempdir();
    let layout = new_image(dir.path(), "img", "latest");
    let tar = LayerBuilder::new()
        .file_with_xattrs("f", b"data", &[("user.one", b"1")])
        .pax(&[("SCHILY.xattr.user.dir", b"d")])
        .dir("d", 0o755, 0, 0)
        .finish();
    add_layer(&layout, "latest", &tar, "gzip");
    let image = image_arg(&layout, "latest");
    let bundle = dir.path().join("bundle");
    umoci_filtered(
        SETXATTRAT,
        REMOVEXATTRAT,
        &["unpack", "--image", &image, s(&bundle)],
    )
    .ok();
    let rootfs = bundle.join("rootfs");
    assert_eq!(
        get_xattr(&rootfs.join("f"), "user.one").as_deref(),
        Some(&b"1"[..])
    );
    assert_eq!(
        get_xattr(&rootfs.join("d"), "user.dir").as_deref(),
        Some(&b"d"[..])
    );

    // Repack lists and reads xattrs; the new one must reach the layer.
    rustix::fs::lsetxattr(rootfs.join("f"), "user.two", b"2", XattrFlags::empty()).unwrap();
    let new = image_arg(&layout, "new");
    umoci_filtered(
        SETXATTRAT,
        REMOVEXATTRAT,
        &["repack", "--image", &new, s(&bundle)],
    )
    .ok();
    let check = dir.path().join("check");
    unpack(&layout, "new", &check).ok();
    let f = check.join("rootfs/f");
    assert_eq!(get_xattr(&f, "user.one").as_deref(), Some(&b"1"[..]));
    assert_eq!(get_xattr(&f, "user.two").as_deref(), Some(&b"2"[..]));
}

#[test]
fn a_filter_that_refuses_only_setxattrat_loses_nothing() {
    // The second layer changes a directory the first made: its xattrs are
    // listed (that call is allowed and works) before the new one is set.
    let dir = tempdir();
    let layout = new_image(dir.path(), "img", "latest");
    let first = LayerBuilder::new().dir("d", 0o755, 0, 0).finish();
    add_layer(&layout, "latest", &first, "gzip");
    let second = LayerBuilder::new()
        .pax(&[("SCHILY.xattr.user.b", b"b")])
        .dir("d", 0o755, 0, 0)
        .finish();
    add_layer(&layout, "latest", &second, "gzip");
    let bundle = dir.path().join("bundle");
    let image = image_arg(&layout, "latest");
    umoci_filtered(
        SETXATTRAT,
        SETXATTRAT,
        &["unpack", "--image", &image, s(&bundle)],
    )
    .ok();
    let d = bundle.join("rootfs/d");
    assert_eq!(get_xattr(&d, "user.b").as_deref(), Some(&b"b"[..]));
}

#[test]
fn a_rootless_unpack_keeps_its_owner_records_when_setxattrat_is_refused() {
    // Rootless, the owner of `d/owned` is recorded in an xattr; a refused
    // setxattrat taken for "no permission" would drop it without a word.
    let Some(_) = users::test_user() else { return };
    let dir = tempdir();
    let work = users::work_dir_for_user(dir.path());
    let layout = new_image(&work, "img", "latest");
    let first = LayerBuilder::new().dir("d", 0o755, 0, 0).finish();
    add_layer(&layout, "latest", &first, "gzip");
    let second = LayerBuilder::new()
        .pax(&[("SCHILY.xattr.user.b", b"b")])
        .dir("d", 0o755, 0, 0)
        .dir("d/owned", 0o755, 1000, 1000)
        .finish();
    add_layer(&layout, "latest", &second, "gzip");
    users::give_to_user(&work);
    let bundle = work.join("bundle");
    let unpack = users::unpack_as_user_command(&layout, "latest", &bundle);
    let out = run_filtered(unpack, SETXATTRAT, SETXATTRAT);
    assert!(!out.stderr.contains("EPERM"), "{}", out.stderr);
    out.ok();
    let rootfs = bundle.join("rootfs");
    assert_eq!(
        get_xattr(&rootfs.join("d"), "user.b").as_deref(),
        Some(&b"b"[..])
    );
    assert!(
        get_xattr(&rootfs.join("d/owned"), "user.rootlesscontainers").is_some(),
        "no owner record on d/owned"
    );
}
